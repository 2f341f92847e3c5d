"""The pages' one inline script is the one the Content-Security-Policy admits by its hash."""

from __future__ import annotations

import re
from importlib.resources import files

from api.pages.templating import JS_ENABLED_HASH, JS_ENABLED_SCRIPT, fragment, list_of_errors
from api.security import pages_policy


def test_the_admitted_script_is_the_templates_only_inline_script() -> None:
    template = (files("govuk_frontend_jinja") / "templates" / "template.html").read_text()
    inline = re.findall(r"<script[^>]*>(.*?)</script>", template, flags=re.DOTALL)
    assert inline == [JS_ENABLED_SCRIPT]  # if govuk-frontend-jinja changes it, the hash must follow
    assert f"'{JS_ENABLED_HASH}'" in pages_policy()


def test_an_error_summary_links_each_error_to_its_field() -> None:
    assert list_of_errors({"email": "Enter your email address"}) == [
        {"text": "Enter your email address", "href": "#email"}
    ]


def test_a_fragment_is_made_once_for_each_choice() -> None:
    fragment.cache_clear()  # what other pages made before is not this test's
    made = fragment.cache_info().misses
    chosen = fragment("cases_filters.html", stages=("drafting",), statuses=("overdue",))
    assert fragment("cases_filters.html", stages=("drafting",), statuses=("overdue",)) is chosen
    assert fragment.cache_info().misses == made + 1
    checked = re.findall(r'value="(\w+)" checked', chosen)
    assert checked == ["overdue", "drafting"]
    assert "checked" not in fragment("cases_filters.html", stages=(), statuses=())
    assert fragment.cache_info().misses == made + 2
