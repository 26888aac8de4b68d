"""Unit tests read messages in English, the language of the code, unless a test asks for Bahasa Indonesia
(the command line's default, `cli.main([...])` picks it up itself). A playbook run's language
(i18n.run_lang) is read afresh in every test: $SIAK_LANG unset, Bahasa Indonesia, as a run gets by default."""

from __future__ import annotations

import pytest
from ansible_collections.dukcapil.siak.plugins.plugin_utils import i18n


@pytest.fixture(autouse=True)
def english_messages(monkeypatch):
    monkeypatch.delenv("SIAK_LANG", raising=False)
    monkeypatch.setattr(i18n, "_current", {"lang": "en"})
    yield
    i18n.use("en")


@pytest.fixture
def run_in(monkeypatch):
    """Set a playbook run's language as ansible-playbook's environment would (None: unset), read afresh."""

    def use(lang: str | None) -> None:
        if lang is None:
            monkeypatch.delenv("SIAK_LANG", raising=False)
        else:
            monkeypatch.setenv("SIAK_LANG", lang)
        monkeypatch.setattr(i18n, "_current", {"lang": i18n.DEFAULT_LANG})

    return use


@pytest.fixture
def served(tmp_path):
    """Serves tmp_path/www over HTTP; a file name starting with "cut-" is sent with a Content-Length it does
    not reach (the connection closes half-way). Yields (that folder, the base URL)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    www = tmp_path / "www"
    www.mkdir()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            path = www / self.path.lstrip("/")
            if not path.is_file():
                self.send_error(404, "Not Found")
                return
            body = path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if path.name.startswith("cut-") else body)

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield www, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
