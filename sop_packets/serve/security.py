"""The app's guards, as one ASGI middleware and one check for posts.

Access needs the random token printed in the start URL (exchanged once for an HttpOnly,
SameSite=Strict cookie, as Jupyter does); the Host header must name this server (against DNS
rebinding); request bodies are capped; every response carries a strict Content-Security-Policy and
is never cached. Posts carry a CSRF token (checked by `check_csrf`, which every POST route calls).
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, quote, urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOG = logging.getLogger("sop_packets.serve")
COOKIE = "sop_packets_session"  # the prefix: each server's cookie adds its own random part
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
MAX_BODY_BYTES = 2 * 1024 * 1024  # a profile form is a few kilobytes
MAX_UPLOAD_BYTES = 32 * 1024 * 1024  # a FHIR export or a spreadsheet
UPLOAD_PATHS = ("/import", "/clinic/logo")
MAX_FORM_FIELDS = 2000
MAX_FIELD_BYTES = 32 * 1024  # one posted value (the longest free text a profile takes is far shorter)
MAX_URLENCODED_BYTES = 1024 * 1024  # a whole form without files

PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; connect-src 'self'; form-action 'self'; frame-src 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")
# The packet preview is the packet's own self-contained HTML (inline styles, data: fonts and images),
# shown in a frame of the form page; it may run nothing and load nothing from anywhere.
PREVIEW_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
               "frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox")


@dataclass
class Secrets:
    """The start token (in the printed URL), the session cookie's value and the CSRF token."""

    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    session: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    cookie: str = field(default_factory=lambda: f"{COOKIE}_{secrets.token_hex(6)}")  # two servers on one
    # computer (cookies ignore the port) each keep their own cookie: opening one never logs out the other

    def renew_token(self) -> str:
        """A start link opens the app once: the used token is replaced by a new one (returned)."""
        self.token = secrets.token_urlsafe(32)
        return self.token


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The Host header values a browser sends for this server (names, never a resolved address)."""
    names = {"127.0.0.1", "localhost", "[::1]"}
    if host not in ("127.0.0.1", "localhost", "::1"):
        names.add(f"[{host}]" if ":" in host else host)
    if host in ("0.0.0.0", "::"):  # every address of this computer: its own names and addresses
        import socket

        own = {socket.gethostname(), socket.getfqdn()}
        for name in list(own):
            with contextlib.suppress(OSError):
                own |= {info[4][0] for info in socket.getaddrinfo(name, None)}
        names |= {f"[{n}]" if ":" in n else n for n in own if n}
    return frozenset({*names, *(f"{name}:{port}" for name in names)})


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class Guard:
    """ASGI middleware: Host check, token or cookie, body limits, security headers."""

    def __init__(self, app: ASGIApp, secret: Secrets, hosts: frozenset[str],
                 announce: Callable[[str], None] | None = None):
        self.app = app
        self.secret = secret
        self.hosts = hosts
        self.announce = announce  # told the new token when a start link is used (serve prints a new link)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        if headers.get("host", "").lower() not in self.hosts:
            await _plain(send, 400, "This address is not this server's. Open the link that "
                         "sop-packets serve printed.")
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        token = query.pop("token", None)
        if token is not None:
            if not _same(token, self.secret.token):
                await _plain(send, 403, "This link's access key is wrong or was already used (each link "
                             "opens the app once). Open the newest link that sop-packets serve printed; it "
                             "prints a new one each time a link is used.")
                return
            new = self.secret.renew_token()  # no await since the comparison: two uses cannot both pass
            if self.announce is not None:
                self.announce(new)
            rest = urlencode(query)
            location = same_site_path(scope.get("path", "/")) + (f"?{rest}" if rest else "")
            cookie = (f"{self.secret.cookie}={self.secret.session}; HttpOnly; SameSite=Strict; Path=/")
            await _send(send, 303, b"", [(b"location", location.encode("ascii")),
                                         (b"set-cookie", cookie.encode())])
            return
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header is the same as none
            cookies = SimpleCookie()
        session = cookies.get(self.secret.cookie)
        if session is None or not _same(session.value, self.secret.session):
            await _plain(send, 403, "Open the link that sop-packets serve printed when it started "
                         "(it holds the access token).")
            return
        limit = MAX_UPLOAD_BYTES if scope["path"] in UPLOAD_PATHS else MAX_BODY_BYTES
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _plain(send, 413, f"This is too large to send (the limit is {limit // (1024 * 1024)} MiB).")
            return
        started = False
        inner = _with_headers(send, scope["path"])

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await inner(message)

        try:
            await self.app(scope, _capped(receive, limit), sending)
        except Exception as exc:
            # The log must hold no patient data: an exception's words (or a traceback's values) may
            # quote a profile, so only its kind is written.
            LOG.error("sop-packets serve: an unexpected %s while answering a %s request (details are not "
                      "logged because they may hold patient data)", type(exc).__name__, scope.get("method"))
            if not started:
                await _plain(send, 500, "Something went wrong on the server. Go back and try again.")


def same_site_path(path: str) -> str:
    """The path to send a browser back to after the token: always on this server. Leading slashes and
    backslashes go (//evil.example/ would leave the site), and everything but plain path characters is
    percent-encoded, so a non-Latin letter or a CR/LF is a clean address, never a broken header."""
    return "/" + quote(path.lstrip("/\\"), safe="/-._~!$&'()*+,;=:@", encoding="utf-8", errors="replace")


class TooLarge(Exception):
    """A body without a Content-Length grew past the limit."""


def _capped(receive: Receive, limit: int) -> Receive:
    seen = 0

    async def capped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise TooLarge
        return message

    return capped


def _with_headers(send: Send, path: str) -> Send:
    csp = PREVIEW_CSP if path.startswith("/preview/") else PAGE_CSP

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", [])
                       if k.lower() not in (b"content-security-policy", b"cache-control")]
            headers += [
                (b"content-security-policy", csp.encode()),
                (b"x-content-type-options", b"nosniff"),
                (b"referrer-policy", b"no-referrer"),
                (b"x-frame-options", b"SAMEORIGIN"),
                (b"cache-control", b"no-store"),
                (b"cross-origin-opener-policy", b"same-origin"),
                (b"cross-origin-resource-policy", b"same-origin"),
            ]
            message = {**message, "headers": headers}
        await send(message)

    return sending


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode()),
               (b"content-security-policy", PAGE_CSP.encode()), (b"cache-control", b"no-store"),
               (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _plain(send: Send, status: int, text: str) -> None:
    await _send(send, status, text.encode() + b"\n", [(b"content-type", b"text/plain; charset=utf-8")])


def check_urlencoded(body: bytes) -> None:
    """The same caps for a form posted without files as for one with: fields, one value, the whole."""
    if len(body) > MAX_URLENCODED_BYTES or body.count(b"&") + 1 > MAX_FORM_FIELDS:
        raise TooLarge
    if len(body) > MAX_FIELD_BYTES and any(len(part) > MAX_FIELD_BYTES for part in body.split(b"&")):
        raise TooLarge


class CsrfError(Exception):
    """A post without this server's CSRF token."""


async def checked_form(request: Request, secret: Secrets) -> FormData:
    """The posted form, once its CSRF token (field or header) and Origin are this server's."""
    origin = request.headers.get("origin")
    if origin is not None and origin != "null":
        host = origin.split("://", 1)[-1]
        if host != request.headers.get("host"):
            raise CsrfError
    if not request.headers.get("content-type", "").lower().startswith("multipart/"):
        check_urlencoded(await request.body())  # Starlette caps fields in multipart posts only
    form = await request.form(max_files=4, max_fields=MAX_FORM_FIELDS)
    sent = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
    if not isinstance(sent, str) or not _same(sent, secret.csrf):
        raise CsrfError
    return form
