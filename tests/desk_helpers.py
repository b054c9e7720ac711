"""The desk as tests reach it: the Flask app with Flask's test client (a browser session
that has shown the token), and the real server (``gongkai-xlsx ui`` in a subprocess,
waitress on 127.0.0.1) reached with raw ``http.client`` requests."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from child_env import child_env
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from gongkai_xlsx.desk import WorkFolder, create_app
from gongkai_xlsx.desk.jobs import JobQueue

PORT = 8765  # the test app's port: Host must be 127.0.0.1:8765 or localhost:8765
TOKEN = "test-token-Zq8"
BASE = f"http://127.0.0.1:{PORT}"
ORIGIN = {"Origin": BASE}


@dataclass
class Quit:
    """A stand-in for the server's stop, counting calls."""

    calls: int = 0

    def __call__(self) -> None:
        self.calls += 1


def make_app(folder: Path, *, jobs: JobQueue | None = None, start: bool = True) -> Flask:
    app = create_app(
        WorkFolder.open(folder), token=TOKEN, port=PORT, quit=Quit(), jobs=jobs, start=start
    )
    app.testing = True
    return app


def signed_in(app: Flask) -> FlaskClient:
    """A client whose session has shown the token (the cookie set)."""
    client = app.test_client()
    answer = client.get(f"/?token={TOKEN}", base_url=BASE)
    assert answer.status_code == 303, answer.status_code
    return client


def csrf_of(client: FlaskClient, path: str = "/collect/") -> str:
    page = client.get(path, base_url=BASE).get_data(as_text=True)
    found = re.search(r'<meta name="gk-csrf" content="([^"]+)">', page)
    assert found, page[:500]
    return found[1]


# ------------------------------------------------------------------ the real server
@dataclass
class Server:
    folder: Path
    process: subprocess.Popen[str]
    port: int
    token: str

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        host: str | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """One raw request, with the Host header given (default: the desk's own)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", host or f"127.0.0.1:{self.port}")
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            answer = connection.getresponse()
            return answer.status, dict(answer.getheaders()), answer.read()
        finally:
            connection.close()

    def sign_in(self) -> tuple[str, str]:
        """(the session cookie as a Cookie header, the session's CSRF token)."""
        status, headers, _ = self.request("GET", f"/?token={self.token}")
        assert status == 303, status
        cookie = headers["Set-Cookie"].split(";")[0]
        status, _, page = self.request("GET", "/collect/", headers={"Cookie": cookie})
        assert status == 200
        found = re.search(rb'<meta name="gk-csrf" content="([^"]+)">', page)
        assert found
        return cookie, found[1].decode()


def ui_process(folder: Path, *extra: str) -> subprocess.Popen[str]:
    env = child_env(PYTHONIOENCODING="utf-8")
    return subprocess.Popen(
        [sys.executable, "-m", "gongkai_xlsx", "ui", str(folder), "--no-browser", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=env,
        start_new_session=True,  # a signal to it reaches it alone, as a closed terminal's
    )


def state_of(folder: Path, wait: float = 30.0) -> dict[str, Any]:
    end = time.monotonic() + wait
    while time.monotonic() < end:
        try:
            return dict(json.loads((folder / ".gongkai-xlsx-ui.json").read_text("utf-8")))
        except (OSError, ValueError):
            time.sleep(0.1)
    raise AssertionError("the desk wrote no state file")


@contextmanager
def real_server(folder: Path) -> Iterator[Server]:
    process = ui_process(folder)
    try:
        state = state_of(folder)
        yield Server(folder, process, int(state["port"]), str(state["token"]))
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        if process.stdout:
            process.stdout.close()
        if process.stderr:
            process.stderr.close()


def multipart(fields: dict[str, str], files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body with ``files`` under the field ``files``, as a browser
    (or an attacker) sends it; the names are put in as given."""
    boundary = "----gkdesk7MA4YWxkTrZu0gW"
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for filename, data in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts.append(head.encode("utf-8") + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def upload(
    client: FlaskClient,
    files: list[tuple[str, bytes]],
    fields: dict[str, str] | None = None,
    *,
    script: bool = True,
) -> TestResponse:
    """``files`` posted to the collecting step as the desk's own page sends them: its
    Origin and CSRF header, and (``script``) the header of its script's upload, which is
    answered in JSON; without it, as the plain form is answered."""
    csrf = csrf_of(client)
    body, kind = multipart(fields or {}, files)
    headers = {**ORIGIN, "X-CSRF-Token": csrf}
    if script:
        headers["X-Requested-With"] = "gongkai-desk"
    return client.post(
        "/collect/upload", base_url=BASE, data=body, content_type=kind, headers=headers
    )
