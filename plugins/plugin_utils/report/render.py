"""The one report renderer: the Laporan as HTML (Jinja2) and A4 PDF (WeasyPrint, from the same HTML), with
Markdown and JSON copies; every file is named by the run id, so no run overwrites another's report.

Text goes through the one message catalogue (plugin_utils/i18n.py): the templates use Jinja's i18n extension.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

from ansible_collections.dukcapil.siak.plugins.plugin_utils.errors import SiakError
from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import N_, Said


# The report templates, shipped beside this module.
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


def template_env(lang: str, *, html: bool = True) -> Any:
    # Jinja2 is imported on first use (or by preload()): `siak-sop run` starts the playbook without it.
    from jinja2 import FileSystemLoader, StrictUndefined

    from ansible_collections.dukcapil.siak.plugins.plugin_utils.i18n import jinja_env

    return jinja_env(
        lang,
        FileSystemLoader(TEMPLATE_DIR),
        autoescape=html,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


# The templates of each kind of report (the context's "kind"): the Laporan of an SOP run by default, the
# Laporan Uji Pemulihan of a restore drill (report/drill.py).
TEMPLATES = {
    "laporan": ("laporan.html.j2", "laporan.md.j2"),
    "restore_drill": ("uji_pemulihan.html.j2", "uji_pemulihan.md.j2"),
}


def render_html(context: dict[str, Any], template: str | None = None) -> str:
    name = template or TEMPLATES[context.get("kind", "laporan")][0]
    return template_env(context.get("lang", "id")).get_template(name).render(**context)


def render_markdown(context: dict[str, Any]) -> str:
    """The Markdown copy, for a chat: the same data and words as the PDF."""
    name = TEMPLATES[context.get("kind", "laporan")][1]
    return template_env(context.get("lang", "id"), html=False).get_template(name).render(**context)


def render_json(context: dict[str, Any]) -> str:
    """The JSON copy, for a machine: the report's data as rendered (words in the report's language)."""
    return json.dumps(context, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


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
            Said(N_("cannot make the PDF: WeasyPrint is not usable ({error})"), error=exc),
            fix=Said(
                N_(
                    "Run `make setup` (it installs WeasyPrint and the Pango libraries), or use the HTML report"
                )
            ),
        ) from None
    # WeasyPrint logs every CSS property it ignores; the report uses none it lacks, so keep it quiet.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    # write_pdf() without a target returns the document's bytes.
    return bytes(HTML(string=html, base_url=str(base)).write_pdf())


def write_pdf(html: str, dest: Path) -> None:
    """A4 PDF from the HTML, written to `dest`."""
    write_bytes(dest, render_pdf(html, dest.parent))


def write_bytes(dest: Path, data: bytes) -> None:
    """Written whole under a temporary name, then renamed: a reader never sees half a report."""
    tmp = dest.with_name(f".{dest.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, 0o640)
    os.replace(tmp, dest)


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


def report_name(run_id: str, lang: str = "id") -> str:
    """The file name (without suffix) of a run's Laporan: named by the run id, in the report's language."""
    return f"{'laporan' if lang == 'id' else 'report'}-{run_id}"


def write_report(
    context: dict[str, Any],
    folder: Path,
    pdf: bool = True,
    early: EarlyPdf | None = None,
    sign: Any = None,
) -> dict[str, Path]:
    """laporan-<run id>.html, .md, .json (and .pdf) in `folder`, readable by the owner and group only.

    `sign` (a report.sign.SignSettings) signs the PDF (PAdES) before it is written.
    """
    folder.mkdir(parents=True, exist_ok=True, mode=0o750)
    html = render_html(context)
    name = report_name(str(context.get("run_id") or "run"), context.get("lang", "id"))
    written = {
        "html": folder / f"{name}.html",
        "md": folder / f"{name}.md",
        "json": folder / f"{name}.json",
    }
    write_bytes(written["html"], html.encode("utf-8"))
    write_bytes(written["md"], render_markdown(context).encode("utf-8"))
    write_bytes(written["json"], render_json(context).encode("utf-8"))
    if pdf:
        written["pdf"] = folder / f"{name}.pdf"
        data = early.take(html) if early is not None else None
        if data is None:
            data = render_pdf(html, folder)
        if sign is not None:
            from ansible_collections.dukcapil.siak.plugins.plugin_utils.report.sign import sign_pdf

            data = sign_pdf(data, sign)
        write_bytes(written["pdf"], data)
    return written
