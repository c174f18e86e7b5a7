"""HTTP security headers and the websocket Origin check (issue 6 §7)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(host: str, frame_ancestors: Iterable[str] = ()) -> str:
    # No inline or remote script; styles may be inline because uPlot and the views set
    # element styles. Websockets are named explicitly: older browsers don't let 'self' cover ws:.
    connect = f"'self' ws://{host} wss://{host}" if host else "'self'"
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        f"connect-src {connect}",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        _frame_ancestors(frame_ancestors),
    ])  # fmt: skip


def _frame_ancestors(allowed: Iterable[str]) -> str:
    # Issue 17 (embed in slides): pages of the configured origins may frame ours; none by default.
    sources = " ".join(allowed)
    return f"frame-ancestors 'self' {sources}" if sources else "frame-ancestors 'none'"


class SecurityHeaders:
    """Pure ASGI middleware (no response buffering) adding the headers to every HTTP response."""

    def __init__(self, app: ASGIApp, frame_ancestors: Iterable[str] = ()) -> None:
        self.app = app
        self.frame_ancestors = tuple(frame_ancestors)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = _header(scope, b"host") or ""
        extra = [
            (
                b"content-security-policy",
                content_security_policy(host, self.frame_ancestors).encode("latin-1"),
            ),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if not self.frame_ancestors:  # framing allowed: CSP frame-ancestors says by whom
            extra.append((b"x-frame-options", b"DENY"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def origin_allowed(origin: str | None, host: str | None, allowed: Iterable[str]) -> bool:
    """Browsers always send Origin: it must be this server's own host or an allowed origin.

    A missing Origin is a non-browser client (a script, a test, a notebook), which CSRF-style
    cross-site attacks cannot produce, so it is accepted.
    """
    if origin is None:
        return True
    allowed = [a.rstrip("/").lower() for a in allowed]
    if "*" in allowed or origin.rstrip("/").lower() in allowed:
        return True
    netloc = urlsplit(origin).netloc.lower()
    return bool(host) and netloc == str(host).lower()
