"""`/`: what the service is and where to go, for a person who opens its address in a browser.

A plain server-rendered page (a heading, a paragraph, links; no script, no styles from elsewhere), or
the same links as JSON when the request asks for JSON. It needs no sign-in, so it reads nothing from the
case database or Temporal and shows no case data (UK GDPR art. 5(1)(f)); the GOV.UK pages for people
come later and will live elsewhere.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.docs import DOCS_PATH, OPENAPI_PATH, REDOC_PATH

HEALTH_PATH = "/api/health"
SERVICE = "EHCP orchestration API"
ABOUT = (
    "Education, Health and Care needs assessments and plans for an English local authority, under the "
    "Children and Families Act 2014 Part 3 and the SEND Regulations 2014. Caseworkers, agencies and "
    "managers use its JSON API with a bearer token; every statutory clock is kept by a durable workflow."
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
    items = [
        ("API documentation (Swagger UI): try each request", links["documentation"]),
        ("API reference (ReDoc)", links["reference"]),
        ("The OpenAPI document", links["openapi"]),
        ("Health check: is the service up", links["health"]),
    ]
    if temporal_ui:
        items.append(("Temporal Web UI: the workflows of this demo", temporal_ui))
    listed = "\n".join(
        f'        <li><a href="{escape(url)}">{escape(label)}</a></li>' for label, url in items
    )
    page = f"""<!DOCTYPE html>
<html lang="en-GB">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{escape(SERVICE)}</title>
  </head>
  <body>
    <main>
      <h1>{escape(SERVICE)}</h1>
      <p>{escape(ABOUT)}</p>
      <ul>
{listed}
      </ul>
    </main>
  </body>
</html>
"""
    return HTMLResponse(page, headers=headers)
