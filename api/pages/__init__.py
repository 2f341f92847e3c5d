"""The service's pages: what caseworkers, agencies and managers use in a browser (docs/pages.md).

Server-rendered with Jinja2 and the GOV.UK Design System (govuk-frontend-jinja's macros over our own
compiled CSS, api/static/), over the same services and validation as the JSON API; every page works
without JavaScript. A person signs in with an email address and a password and stays signed in by a
signed, HttpOnly, SameSite cookie that lapses after a spell idle (api/pages/sessions.py); every form
carries the session's CSRF token. The API's bearer tokens stay for systems.
"""

from __future__ import annotations

from api.pages.install import install_pages

__all__ = ["install_pages"]
