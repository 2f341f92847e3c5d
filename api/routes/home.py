"""`/`: what the service is and where to go, for a person who opens its address in a browser.

Someone signed in goes on to their own start page (api/pages/start.py). Anyone else gets a GOV.UK start
page (api/pages/templates/home.html): what the service is, a button to sign in, and for systems the API's
documentation; or the same links as JSON when the request asks for JSON. It needs no sign-in, so it reads
nothing from the case database or Temporal and shows no case data (UK GDPR art. 5(1)(f)).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from api.docs import DOCS_PATH, OPENAPI_PATH, REDOC_PATH
from api.pages.templating import render

HEALTH_PATH = "/api/health"
SERVICE = "EHCP orchestration API"
ABOUT = (
    "Education, Health and Care needs assessments and plans for an English local authority, under the "
    "Children and Families Act 2014 Part 3 and the SEND Regulations 2014. Caseworkers, agencies and "
    "managers sign in to its pages, and other systems use its JSON API; every statutory clock is kept by "
    "a durable workflow."
)

router = APIRouter(include_in_schema=False)


def _quality(accept: str, media_type: str) -> float:
    """How much the `Accept` header wants `media_type` (RFC 9110 §12.5.1), from its exact entries."""
    for entry in accept.split(","):
        kind, *parameters = (part.strip() for part in entry.split(";"))
        if kind.lower() != media_type:
            continue
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    return float(value)
                except ValueError:
                    return 0.0
        return 1.0
    return 0.0


def wants_json(accept: str) -> bool:
    """JSON only when asked for more than HTML: a browser, or a client asking for anything, gets HTML."""
    return _quality(accept, "application/json") > _quality(accept, "text/html")


@router.get("/")
async def home(request: Request) -> Response:
    root = str(request.scope.get("root_path", "")).rstrip("/")
    temporal_ui: str | None = getattr(request.app.state, "temporal_ui_url", None)
    links = {
        "documentation": f"{root}{DOCS_PATH}",
        "reference": f"{root}{REDOC_PATH}",
        "openapi": f"{root}{OPENAPI_PATH}",
        "health": f"{root}{HEALTH_PATH}",
    }
    headers = {"Vary": "Accept"}
    if wants_json(request.headers.get("accept", "")):
        return JSONResponse(
            {"service": SERVICE, "about": ABOUT, **links, "temporal_ui": temporal_ui}, headers=headers
        )
    if request.session.get("uid"):
        return RedirectResponse("/start", status_code=303)  # api/pages/start.py: by the person's role
    items = [
        ("API documentation (Swagger UI): try each request", links["documentation"]),
        ("API reference (ReDoc)", links["reference"]),
        ("The OpenAPI document", links["openapi"]),
        ("Health check: is the service up", links["health"]),
    ]
    if temporal_ui:
        items.append(("Temporal Web UI: the workflows of this demo", temporal_ui))
    page = render(request, "home.html", title="Start", about=ABOUT, for_systems=items)
    page.headers.update(headers)
    return page
