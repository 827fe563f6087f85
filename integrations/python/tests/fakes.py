"""A fake keystoneauth session (records requests, answers from a script) and a fake cliff app."""
from __future__ import annotations

import io
import json
import sys
import types
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ENDPOINT = "http://ca.example.org:3000"


class FakeResponse:
    def __init__(self, status: int, body: Any = None, headers: Optional[dict] = None) -> None:
        self.status_code = status
        self.headers = {"x-openstack-request-id": "req-fake", **(headers or {})}
        if isinstance(body, bytes):
            self.content = body
        elif body is None:
            self.content = b""
        else:
            self.content = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.text = self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.text)


class FakeSession:
    """`answer(method, path, ...)` scripts answers (in order; the last repeats); `calls` records
    each request as (method, path, kwargs)."""

    def __init__(self, endpoint: Optional[str] = ENDPOINT) -> None:
        self.endpoint = endpoint
        self.answers: dict[tuple[str, str], list[FakeResponse]] = {}
        self.calls: list[tuple[str, str, dict]] = []
        self.endpoint_queries: list[dict] = []

    def answer(self, method: str, path: str, status: int = 200, body: Any = None, **kw: Any) -> "FakeSession":
        self.answers.setdefault((method, path), []).append(FakeResponse(status, body, **kw))
        return self

    def request(self, url: str, method: str, **kwargs: Any) -> FakeResponse:
        path = urlsplit(url).path
        self.calls.append((method, path, kwargs))
        queue = self.answers.get((method, path))
        if not queue:
            return FakeResponse(404, {"error": {"code": "FAKE_NO_ROUTE", "status": 404, "message": f"{method} {path}"}})
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def get_endpoint(self, **kwargs: Any) -> Optional[str]:
        self.endpoint_queries.append(kwargs)
        return self.endpoint

    def bodies(self, method: str, path: str) -> list[Any]:
        return [kw.get("json") for m, p, kw in self.calls if m == method and p == path]


def fake_app(client: Any) -> Any:
    return types.SimpleNamespace(client_manager=types.SimpleNamespace(ca=client), stdout=io.StringIO(),
                                 stderr=io.StringIO(), options=types.SimpleNamespace(os_beta_command=False))


def run(command_class: type, client: Any, argv: list[str]) -> tuple[Any, Any]:
    """Runs an `openstack ca` command as cliff does (output formatted to the app's stdout); returns
    what take_action returned and the app (stdout, stderr)."""
    app = fake_app(client)
    cmd = command_class(app, None)
    parsed = cmd.get_parser("openstack ca").parse_args(argv)
    taken: dict[str, Any] = {}
    take_action = cmd.take_action

    def recording(parsed_args: Any) -> Any:
        taken["result"] = take_action(parsed_args)
        return taken["result"]

    cmd.take_action = recording
    cmd.run(parsed)
    return taken.get("result"), app


def job(status: str, job_id: str = "j1", reason: Optional[str] = None, kind: str = "certificate.issue") -> dict:
    return {"job": {"id": job_id, "kind": kind, "status": status, "reason": reason}}
