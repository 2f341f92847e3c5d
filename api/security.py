"""Security headers on every response the API sends, its own errors and unexpected failures included.

Answers carry personal data of children (UK GDPR art. 9 special category data; art. 32 asks for security
suited to it), so no browser or proxy may keep, sniff, frame or leak them:

- `Cache-Control: no-store`: no copy of a case in a browser's or a proxy's cache (the installed
  documentation assets under `/api/docs-assets` are not data, and keep their own caching);
- `X-Content-Type-Options: nosniff`: a response is only ever what its type says, never run as a script
  or rendered as a page because its bytes look like one;
- `Referrer-Policy: no-referrer`: a case's URL is not handed to any site a page links to;
- `Content-Security-Policy`: JSON needs nothing, so nothing may load, run or frame it
  (`default-src 'none'`); the two documentation pages (Swagger UI and ReDoc, api/docs.py) may load their
  own installed scripts and styles, and Swagger UI its inline start-up script; the service's pages
  (api/pages/) load only this service's own styles, scripts and images (and the council's logo, from
  where `EHCP_LA_LOGO_URL` says), run no inline script but GOV.UK's one-line `js-enabled` marker (by its
  hash), and post forms only here; `X-Frame-Options: DENY` says "no framing" to browsers that predate
  `frame-ancestors`.

The server banner is turned off where uvicorn starts (`server_header=False` in cli/api.py and
cli/stack.py): it would tell an attacker which server, and so which flaws, to try.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.asgi import app_path
from api.docs import ASSETS_PATH, DOCS_PATH, REDOC_PATH
from api.pages.templating import JS_ENABLED_HASH

STATIC_PATH = "/static"  # the pages' assets (api/pages/install.py)

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI starts from an inline script and both pages style themselves inline; they show only the
# OpenAPI document, never case data. ReDoc runs its search in a worker made from a blob: URL.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'"
)
_DOCS_PAGES = frozenset({DOCS_PATH, REDOC_PATH})


def pages_policy(logo_url: str | None = None) -> str:
    """The pages' policy: their own assets only, the council's logo from its origin."""
    images = "'self'"
    if logo_url and logo_url.startswith("https://"):
        images += " " + "/".join(logo_url.split("/", 3)[:3])
    return (
        f"default-src 'self'; script-src 'self' '{JS_ENABLED_HASH}'; style-src 'self'; img-src {images}; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )


_ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response of the app it wraps."""

    def __init__(self, app: ASGIApp, pages: str) -> None:
        self.app = app
        self.pages = pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = app_path(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _ALWAYS.items():
                    headers[name] = value
                headers["Content-Security-Policy"] = self._policy(path)
                if not _is_asset(path):
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _policy(self, path: str) -> str:
        if path in _DOCS_PAGES:
            return DOCS_POLICY
        if path == "/api" or path.startswith("/api/") or path.startswith("/openapi"):
            return API_POLICY
        return self.pages  # the pages, their assets, and `/`


def install_security_headers(app: FastAPI, logo_url: str | None = None) -> None:
    """Wrap the app's whole middleware stack, so the 500 answer of Starlette's outermost
    `ServerErrorMiddleware` (which `add_middleware` would sit inside of) carries the headers too."""
    build = app.build_middleware_stack
    pages = pages_policy(logo_url)

    def build_wrapped() -> ASGIApp:
        return SecurityHeaders(build(), pages)

    app.build_middleware_stack = build_wrapped  # type: ignore[method-assign]


def _is_asset(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in (ASSETS_PATH, STATIC_PATH))
