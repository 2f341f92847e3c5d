"""The API's documentation pages, served from assets installed with the service, never from a CDN.

Swagger UI at `/api/docs` and ReDoc at `/api/redoc` load their scripts and styles from
`ASSETS_PATH`, which serves the files the `fastapi-offline` package ships (Swagger UI 5 and ReDoc 2);
so the documentation renders on a council network or a laptop without internet, and no third party
learns who reads it. FastAPI's usual `/docs` and `/redoc` redirect here. The OpenAPI document stays at
`/openapi.json`, where tools look for it, and is also served at `/api/openapi.json`, for a proxy that
forwards only `/api`.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

DOCS_PATH = "/api/docs"
REDOC_PATH = "/api/redoc"
OPENAPI_PATH = "/openapi.json"
API_OPENAPI_PATH = "/api/openapi.json"
ASSETS_PATH = "/api/docs-assets"

# The folder of built assets the package installs: swagger-ui-bundle.js, swagger-ui.css,
# redoc.standalone.js and favicon.png.
_ASSETS = files("fastapi_offline") / "static"

router = APIRouter(include_in_schema=False)


def _root(request: Request) -> str:
    """The prefix a proxy mounts the service under (uvicorn's `--root-path`), so the links still work."""
    return str(request.scope.get("root_path", "")).rstrip("/")


@router.get(DOCS_PATH)
async def swagger_ui(request: Request) -> HTMLResponse:
    root = _root(request)
    return get_swagger_ui_html(
        openapi_url=f"{root}{OPENAPI_PATH}",
        title=f"{request.app.title}: documentation",
        swagger_js_url=f"{root}{ASSETS_PATH}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{ASSETS_PATH}/swagger-ui.css",
        swagger_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
        swagger_ui_parameters=request.app.swagger_ui_parameters,
    )


@router.get(REDOC_PATH)
async def redoc(request: Request) -> HTMLResponse:
    root = _root(request)
    return get_redoc_html(
        openapi_url=f"{root}{OPENAPI_PATH}",
        title=f"{request.app.title}: reference",
        redoc_js_url=f"{root}{ASSETS_PATH}/redoc.standalone.js",
        redoc_favicon_url=f"{root}{ASSETS_PATH}/favicon.png",
        with_google_fonts=False,
    )


@router.get(API_OPENAPI_PATH)
async def openapi_document(request: Request) -> JSONResponse:
    document: dict[str, Any] = request.app.openapi()
    return JSONResponse(document)


@router.get("/docs")
async def docs_moved(request: Request) -> RedirectResponse:
    return RedirectResponse(f"{_root(request)}{DOCS_PATH}")


@router.get("/redoc")
async def redoc_moved(request: Request) -> RedirectResponse:
    return RedirectResponse(f"{_root(request)}{REDOC_PATH}")


def install_docs(app: FastAPI) -> None:
    """Serve the documentation pages and their assets. The app is made with `docs_url=None` and
    `redoc_url=None`, so FastAPI's CDN-loading pages are not served alongside."""
    app.mount(ASSETS_PATH, StaticFiles(directory=str(_ASSETS)), name="docs-assets")
    app.include_router(router)
