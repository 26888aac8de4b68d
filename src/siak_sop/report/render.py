"""Render the Laporan as HTML (Jinja2) and as an A4 PDF (WeasyPrint, from the same HTML)."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from pathlib import Path
from typing import Any

from siak_sop.errors import SiakError


def render_html(context: dict[str, Any]) -> str:
    # Jinja2 is imported on first use (or by preload()): `siak-sop run` starts the playbook without it.
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("siak_sop.report", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("laporan.html.j2").render(**context)


def preload(pdf: bool = True) -> None:
    """Import Jinja2 and WeasyPrint ahead of time (from a thread while the run goes on).

    Import errors are left for render_html/render_pdf to report.
    """
    with contextlib.suppress(ImportError):
        import jinja2  # noqa: F401
    if pdf:
        with contextlib.suppress(ImportError, OSError):
            import weasyprint  # noqa: F401


def render_pdf(html: str, base: Path) -> bytes:
    """A4 PDF from the HTML, in memory. WeasyPrint needs Pango (Debian: libpango-1.0-0, libpangoft2-1.0-0)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:
        raise SiakError(
            f"cannot make the PDF: WeasyPrint is not usable ({exc})",
            fix="Run `make setup` (it installs WeasyPrint and the Pango libraries), or use the HTML report",
        ) from None
    # WeasyPrint logs every CSS property it ignores; the report uses none it lacks, so keep it quiet.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    data = HTML(string=html, base_url=str(base)).write_pdf()
    assert isinstance(data, bytes)  # write_pdf() without a target returns the document
    return data


def write_pdf(html: str, dest: Path) -> None:
    """A4 PDF from the HTML, written to `dest`."""
    _write(dest, render_pdf(html, dest.parent))


def _write(dest: Path, data: bytes) -> None:
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


class EarlyPdf:
    """The PDF rendered from a Laporan's HTML ahead of time (a thread), used only for that same HTML.

    `siak-sop run` renders the report as soon as the agenda's closing record is written, while
    Ansible is still exiting; once the run's outcome is known it renders the HTML again and takes the
    early PDF only when the two HTML texts are identical, so the PDF always matches its HTML.
    """

    def __init__(self) -> None:
        self._done = threading.Event()
        self._started = False
        self._html: str | None = None
        self._pdf: bytes | None = None

    def start(self, make_html: Any, base: Path) -> None:
        """Render `make_html()` and its PDF in a thread. Any failure leaves nothing to take."""
        self._started = True

        def work() -> None:
            try:
                html = make_html()
                self._pdf, self._html = render_pdf(html, base), html
            except Exception:  # only a head start: the real render reports any error
                logging.getLogger(__name__).debug("early PDF failed", exc_info=True)
            finally:
                self._done.set()

        threading.Thread(target=work, name="siak-early-pdf", daemon=True).start()

    def take(self, html: str) -> bytes | None:
        """The early PDF if it was made from exactly `html` (waits for it), else None."""
        if not self._started:
            return None
        self._done.wait()
        return self._pdf if self._html == html else None


def write_report(
    context: dict[str, Any], folder: Path, pdf: bool = True, early: EarlyPdf | None = None
) -> dict[str, Path]:
    """laporan.html (and laporan.pdf) in `folder`, readable by the owner and group only."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o750)
    html = render_html(context)
    name = "laporan" if context.get("lang", "id") == "id" else "report"
    written = {"html": folder / f"{name}.html"}
    fd = os.open(written["html"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(html)
    if pdf:
        written["pdf"] = folder / f"{name}.pdf"
        data = early.take(html) if early is not None else None
        if data is None:
            data = render_pdf(html, folder)
        _write(written["pdf"], data)
        os.chmod(written["pdf"], 0o640)
    return written
