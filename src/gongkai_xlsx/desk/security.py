"""The desk is a server on 127.0.0.1, which every web page the coordinator opens can send
requests to, and it shows texts any agency can write into a return. So every request
passes, before any step sees it:

1. **Host**: exactly ``127.0.0.1:PORT`` or ``localhost:PORT`` (a DNS-rebinding page
   reaches the port under its own name, and is refused).
2. **Who**: the address the desk opens carries a random token (``?token=…``). The first
   request with it gets a session cookie (HttpOnly, SameSite=Strict, named for the port,
   since cookies do not tell ports of one host apart) and a redirect to the same address
   without the token, so the token stays out of the history and any Referer. Every other
   request needs that cookie; without it, a Chinese 403 page. Static files (the page's CSS
   and JS, public code) need nothing.
3. **Changes** (every method but GET/HEAD): the session's CSRF token, in the form field
   ``csrf_token`` or the header ``X-CSRF-Token``, and an ``Origin`` that is the desk's own
   (or, when a browser sends none, ``Sec-Fetch-Site: same-origin``). SameSite alone does
   not separate the ports of 127.0.0.1: another local page is "same-site".
4. **Answers** carry a strict Content-Security-Policy (scripts and styles from the desk's
   own files only: no inline script, no inline style), ``nosniff``, no referrer, no
   framing, and are not cached.

Sessions live in memory: a restart asks for the token again (the address the terminal
prints, or starting ``ui`` again, which opens the running desk with it).
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import Flask, Response, abort, g, redirect, request
from werkzeug.wrappers import Response as WerkzeugResponse

TOKEN_PARAM = "token"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_ENDPOINTS = frozenset({"static", "desk.alive"})  # alive checks its own header

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


@dataclass
class Sessions:
    """The browser sessions that have shown the token: session id → CSRF token."""

    token: str
    port: int
    _csrf: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def cookie(self) -> str:
        return f"gk_desk_{self.port}"

    @property
    def hosts(self) -> frozenset[str]:
        return frozenset({f"127.0.0.1:{self.port}", f"localhost:{self.port}"})

    def start(self) -> tuple[str, str]:
        """A new session: (its id, its CSRF token)."""
        sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self._lock:
            self._csrf[sid] = csrf
        return sid, csrf

    def csrf_of(self, sid: str | None) -> str | None:
        if not sid:
            return None
        with self._lock:
            return self._csrf.get(sid)

    def token_matches(self, given: str | None) -> bool:
        return given is not None and secrets.compare_digest(
            given.encode("utf-8", "replace"), self.token.encode("utf-8")
        )


def sessions(app: Flask) -> Sessions:
    found: Sessions = app.extensions["gongkai_desk_sessions"]
    return found


def install(app: Flask, token: str, port: int) -> Sessions:
    """Guard every request of ``app`` as the module says."""
    guard = Sessions(token, port)
    app.extensions["gongkai_desk_sessions"] = guard

    @app.before_request
    def _guard() -> WerkzeugResponse | None:
        if request.host not in guard.hosts:
            abort(403, "host")
        if request.endpoint in PUBLIC_ENDPOINTS:
            return None
        given = request.args.get(TOKEN_PARAM)
        if given is not None:
            if not guard.token_matches(given) or request.method not in SAFE_METHODS:
                abort(403, "token")
            sid, _csrf = guard.start()
            rest = [(k, v) for k, v in request.args.items(multi=True) if k != TOKEN_PARAM]
            target = request.path + ("?" + urlencode(rest) if rest else "")
            response = redirect(target, 303)
            response.set_cookie(
                guard.cookie, sid, httponly=True, samesite="Strict", path="/", secure=False
            )
            return response
        csrf = guard.csrf_of(request.cookies.get(guard.cookie))
        if csrf is None:
            abort(403, "session")
        g.csrf_token = csrf
        if request.method not in SAFE_METHODS:
            _check_change(csrf, guard)
        return None

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def _csrf() -> dict[str, str]:
        return {"csrf_token": getattr(g, "csrf_token", ""), "csrf_field": CSRF_FIELD}

    return guard


def _check_change(csrf: str, guard: Sessions) -> None:
    """A state-changing request: from the desk's own page, with the session's token."""
    origin = request.headers.get("Origin")
    # Under Referrer-Policy: no-referrer, Chromium sends "Origin: null" with the page's own
    # form POSTs: then, as with no Origin, the browser's Sec-Fetch-Site must say same-origin
    # (a page cannot set it; a sandboxed frame or a file:// page gets "cross-site").
    if origin is not None and origin != "null":
        if origin not in {f"http://{h}" for h in guard.hosts}:
            abort(403, "origin")
    elif request.headers.get("Sec-Fetch-Site") != "same-origin":
        abort(403, "origin")
    # the header first: reading the form would parse a whole upload before refusing it
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        sent = request.form.get(CSRF_FIELD)
    if sent is None or not secrets.compare_digest(
        sent.encode("utf-8", "replace"), csrf.encode("utf-8")
    ):
        abort(403, "csrf")
