"""What the API's ASGI middlewares (api/body_limit.py, api/security.py) share about a request's scope."""

from __future__ import annotations

from starlette.types import Scope


def app_path(scope: Scope) -> str:
    """The request's path within the app, without the prefix a proxy mounts it under."""
    path = str(scope.get("path", ""))
    root = str(scope.get("root_path", "")).rstrip("/")
    return path[len(root) :] if root and path.startswith(root + "/") else path
