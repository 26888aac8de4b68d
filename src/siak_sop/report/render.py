"""Render the Laporan as HTML (Jinja2) and as an A4 PDF (WeasyPrint, from the same HTML)."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from siak_sop.errors import SiakError


def render_html(context: dict[str, Any]) -> str:
    env = Environment(
        loader=PackageLoader("siak_sop.report", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("laporan.html.j2").render(**context)


def preload() -> None:
    """Import WeasyPrint ahead of time (from a thread while the run goes on); errors wait for write_pdf."""
    with contextlib.suppress(ImportError, OSError):
        import weasyprint  # noqa: F401


def write_pdf(html: str, dest: Path) -> None:
    """A4 PDF from the HTML. WeasyPrint needs Pango (Debian: libpango-1.0-0, libpangoft2-1.0-0)."""
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
    HTML(string=html, base_url=str(dest.parent)).write_pdf(str(dest))


def write_report(context: dict[str, Any], folder: Path, pdf: bool = True) -> dict[str, Path]:
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
        write_pdf(html, written["pdf"])
        os.chmod(written["pdf"], 0o640)
    return written
