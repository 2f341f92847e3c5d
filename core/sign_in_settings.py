"""The settings of the pages' sign-in: the session cookie, and OpenID Connect with the council's provider
(docs/pages.md, api/pages/oidc.py). Part of `core.settings.Settings`, which reads them as it reads the rest.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings

from core.env_names import env_name


class SignInSettings(BaseSettings):
    """Sessions and OpenID Connect; each set with its `EHCP_` variable, as every setting."""

    session_secret: SecretStr | None = Field(
        default=None,
        min_length=32,
        description=(
            "The key that signs the pages' session cookies: 32 characters or more, random, secret. Unset, "
            "each process makes its own at start (sign-ins end when it restarts), which `ehcp api` refuses "
            "outside a demo."
        ),
    )
    session_idle_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="Minutes without a request after which a sign-in ends."
    )
    session_cookie_secure: bool = Field(
        default=True,
        description="Send the session cookie over HTTPS only; `ehcp run` (HTTP on 127.0.0.1) sets it false.",
    )
    oidc_discovery_url: str | None = Field(
        default=None,
        description=(
            "OpenID Connect: the provider's discovery document; set, the sign-in page offers it above the "
            "password form. Microsoft Entra ID: https://login.microsoftonline.com/{tenant}/v2.0/.well-known/"
            "openid-configuration with the tenant's ID. https (http on localhost only). None: passwords only."
        ),
    )
    oidc_client_id: str | None = Field(default=None, description="OpenID Connect: this service's client ID.")
    oidc_client_secret: SecretStr | None = Field(default=None, description="OpenID Connect: client secret.")
    oidc_scopes: str = Field(default="openid email profile", description="OpenID Connect: the scopes asked.")
    oidc_subject_claim: Literal["sub", "oid"] = Field(
        default="sub", description="OpenID Connect: the claim accounts are linked by: sub, or Entra ID's oid."
    )
    oidc_redirect_url: str | None = Field(
        default=None,
        description="OpenID Connect: the callback as registered, e.g. https://ehcp.example/sign-in/oidc/callback.",
    )
    oidc_button_label: str = Field(
        default="Sign in with your council account", max_length=100, description="OpenID Connect: the button."
    )

    @model_validator(mode="after")
    def _oidc_complete(self) -> Self:
        for field in ("oidc_discovery_url", "oidc_redirect_url"):
            url = getattr(self, field)  # a test issuer alone may be plain HTTP, and only on this machine
            if url is not None and not url.startswith(("https://", "http://localhost:", "http://127.0.0.1:")):
                raise ValueError(f"{env_name(field)} must be an https:// address (http:// only on localhost)")
        if self.oidc_discovery_url is not None and not self.oidc_client_id:
            raise ValueError(f"{env_name('oidc_discovery_url')} needs {env_name('oidc_client_id')}")
        if "openid" not in self.oidc_scopes.split():
            raise ValueError(f"{env_name('oidc_scopes')} must include openid, not {self.oidc_scopes!r}")
        return self
