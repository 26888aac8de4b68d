"""A stand-in for the AWX REST API (/api/v2/), just enough for awx/configure_controller.yml.

No AWX controller runs on these machines. This server keeps objects in memory and answers the calls
the awx.awx modules make: list with filters (name, or__id/or__name, foreign keys), create, patch,
associate and disassociate through related endpoints, survey specs and settings. Like AWX it hides
secret inputs as "$encrypted$" when read back. It knows nothing of AWX's validation, so it proves the
playbook's calls are well-formed and in the right order and that a rerun changes nothing; it does not
prove AWX accepts every value.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlparse

API = "/api/v2/"
SECRET_KEYS = {"password", "ssh_key_data", "ssh_key_unlock", "become_password", "token"}
RELATED = (
    "survey_spec",
    "credentials",
    "hosts",
    "children",
    "labels",
    "instance_groups",
    "notification_templates_started",
    "notification_templates_success",
    "notification_templates_error",
    "notification_templates_approvals",
    "galaxy_credentials",
    "schedules",
)
# Objects AWX has before anyone configures it.
SEED = {
    "credential_types": [{"name": "Machine", "kind": "ssh", "managed": True}],
    "instance_groups": [{"name": "default"}],
}


def _hide(value, key=""):
    if isinstance(value, dict):
        return {k: _hide(v, k) for k, v in value.items()}
    if key in SECRET_KEYS and value not in ("", None):
        return "$encrypted$"
    return value


class Store:
    def __init__(self, version: str) -> None:
        self.version = version
        self.objects: dict[str, dict[int, dict]] = {}
        self.links: dict[tuple[str, int, str], list[int]] = {}
        self.surveys: dict[int, dict] = {}
        self.settings: dict = {"AWX_TASK_ENV": {}, "AWX_ISOLATION_SHOW_PATHS": []}
        self.requests: list[tuple[str, str]] = []
        self.next_id = 1
        self.lock = threading.Lock()
        for kind, items in SEED.items():
            for item in items:
                self.create(kind, dict(item))

    def create(self, kind: str, data: dict) -> dict:
        oid, self.next_id = self.next_id, self.next_id + 1
        obj = {**data, "id": oid, "type": kind.rstrip("s"), "url": f"{API}{kind}/{oid}/"}
        obj["related"] = {r: f"{API}{kind}/{oid}/{r}/" for r in RELATED}
        self.objects.setdefault(kind, {})[oid] = obj
        return obj

    def view(self, obj: dict) -> dict:
        shown = dict(obj)
        for field in ("inputs", "notification_configuration"):
            if field in shown:
                shown[field] = _hide(shown[field])
        return shown

    def listing(self, kind: str, query: dict) -> list[dict]:
        if kind == "unified_job_templates":
            pool = [
                *self.objects.get("job_templates", {}).values(),
                *self.objects.get("projects", {}).values(),
            ]
        else:
            pool = list(self.objects.get(kind, {}).values())
        ors = {k[4:]: v for k, v in query.items() if k.startswith("or__")}
        plain = {
            k: v for k, v in query.items() if not k.startswith("or__") and k not in ("page_size", "page")
        }
        found = []
        for obj in pool:
            if ors and not any(str(obj.get(k)) == v for k, v in ors.items()):
                continue
            if all(self._field(obj, k) == v for k, v in plain.items()):
                found.append(self.view(obj))
        return found

    def _field(self, obj: dict, key: str) -> str:
        """A field, or a related object's name for `organization__name` and the like."""
        if key.endswith("__name"):
            fk = key[: -len("__name")]
            target = self.objects.get(f"{fk}s", {}).get(obj.get(fk))
            return str(target.get("name")) if target else ""
        return str(obj.get(key))


class Handler(BaseHTTPRequestHandler):
    store: Store

    def log_message(self, *args):  # quiet
        pass

    def _send(self, code: int, body: object = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-API-Product-Name", "AWX")
        self.send_header("X-API-Product-Version", self.store.version)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}") if length else {}

    def _route(self, method: str) -> None:
        url = urlparse(self.path)
        store = self.store
        with store.lock:
            store.requests.append((method, url.path))
            if not url.path.startswith(API):
                return self._send(404, {"detail": "not found"})
            parts = [p for p in url.path[len(API) :].split("/") if p]
            query = dict(parse_qsl(url.query))
            if parts[:2] == ["settings", "all"]:
                if method == "PATCH":
                    store.settings.update(self._body())
                return self._send(200, store.settings)
            if parts in (["ping"], ["config"], ["me"]):
                return self._send(200, {"version": store.version, "results": [{"username": "admin"}]})
            kind = parts[0]
            if len(parts) == 1:
                if method == "GET":
                    found = store.listing(kind, query)
                    return self._send(
                        200, {"count": len(found), "next": None, "previous": None, "results": found}
                    )
                if method == "POST":
                    return self._send(201, store.view(store.create(kind, self._body())))
            oid = int(parts[1])
            obj = store.objects.get(kind, {}).get(oid)
            if obj is None:
                return self._send(404, {"detail": "not found"})
            if len(parts) == 2:
                if method == "PATCH":
                    obj.update(self._body())
                if method == "DELETE":
                    del store.objects[kind][oid]
                    return self._send(204)
                return self._send(200, store.view(obj))
            sub = parts[2]
            if sub == "survey_spec":
                if method == "POST":
                    store.surveys[oid] = self._body()
                return self._send(200, store.surveys.get(oid, {}))
            key = (kind, oid, sub)
            ids = store.links.setdefault(key, [])
            if method == "POST":
                body = self._body()
                if body.get("disassociate"):
                    ids.remove(int(body["id"]))
                elif int(body["id"]) not in ids:
                    ids.append(int(body["id"]))
                return self._send(204)
            results = [{"id": i} for i in ids]
            return self._send(
                200, {"count": len(results), "next": None, "previous": None, "results": results}
            )

    def do_GET(self):
        self._route("GET")

    def do_POST(self):
        self._route("POST")

    def do_PATCH(self):
        self._route("PATCH")

    def do_DELETE(self):
        self._route("DELETE")


def serve(version: str) -> tuple[ThreadingHTTPServer, Store]:
    """Start the stand-in on a free port of 127.0.0.1; the caller shuts it down."""
    store = Store(version)
    handler = type("BoundHandler", (Handler,), {"store": store})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, store
