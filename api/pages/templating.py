"""The pages' templates: ours (api/pages/templates/) beside govuk-frontend-jinja's macros, escaped always."""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Hashable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
)
from markupsafe import Markup

from api.pages import words
from api.pages.sessions import csrf_token, signed_in_as
from db.models import Document

TEMPLATES = Path(__file__).with_name("templates")
SERVICE_NAME = "Education, health and care plans"

# The one inline script of govuk-frontend-jinja's page template: it marks the body as able to run the
# components' JavaScript. The pages' Content-Security-Policy admits it by its hash and nothing else inline;
# tests/unit/api/test_pages_templating.py fails if the template's script ever differs from this.
JS_ENABLED_SCRIPT = (
    "document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? "
    "' govuk-frontend-supported' : '');"
)
JS_ENABLED_HASH = "sha256-" + base64.b64encode(hashlib.sha256(JS_ENABLED_SCRIPT.encode()).digest()).decode()


def environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(TEMPLATES),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=True,
        undefined=ChainableUndefined,  # the macros test parameters that were never given
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # the templates ship with the code: no stat of every template on every page
    )
    env.globals["service_name"] = SERVICE_NAME
    env.filters["list_of_errors"] = list_of_errors
    env.filters["replace_param"] = replace_param
    return env


def replace_param(query: str, name: str, value: str) -> str:
    """A page's query string with one parameter set to `value` (the next page of the same list)."""
    kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != name]
    return urlencode([*kept, (name, value)])


def list_of_errors(errors: dict[str, str]) -> list[dict[str, str]]:
    """A form's errors, by field, as the error summary lists them: each links to its field."""
    return [{"text": message, "href": f"#{field}"} for field, message in errors.items()]


templates = Jinja2Templates(env=environment())


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page, with what every page shows: the council, who is signed in, the form token."""
    settings = request.app.state.settings
    response: HTMLResponse = templates.TemplateResponse(
        request,
        name,
        {
            "council": settings.la_name,
            "council_logo": settings.la_logo_url,
            "person": signed_in_as(request),
            "csrf_token": csrf_token(request),
            **context,
        },
        status_code=status_code,
    )
    return response


def part(name: str, **context: Any) -> Markup:
    """A part of a page, made from its template apart from the page (to be kept and shown again)."""
    return Markup(templates.env.get_template(name).render(words=words, **context))


@functools.lru_cache(maxsize=256)
def fragment(name: str, **context: Hashable) -> Markup:
    """A part of a page that depends on nothing but `context`, made once for each: govuk-frontend-jinja's
    macros are slow (a list's filter checkboxes were two-thirds of its page's rendering)."""
    return part(name, **context)


def attachment(document: Document) -> Response:
    """A stored document, to download under its stored name (never shown in the browser)."""
    return Response(
        document.content,
        media_type=document.content_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(document.filename)}"},
    )
