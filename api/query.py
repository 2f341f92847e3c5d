"""Unknown query parameters are refused (issue 9 s.10). FastAPI ignores a parameter a route does not
declare, so `GET /api/overdue?status=overdue` would answer every row as though it had been filtered, and
a misspelt `?caseworker=` would look like a caseworker with nothing late. Each router runs
`refuse_unknown_query`: a parameter the route does not declare is a 422 naming it and what it takes.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from api.errors import Unprocessable

_DECLARED: dict[int, frozenset[str]] = {}  # by route: the query parameters it and its dependencies take


def _declared(dependant: Dependant) -> frozenset[str]:
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _declared(sub)
    return frozenset(names)


async def refuse_unknown_query(request: Request) -> None:
    """A router dependency: 422 for the first query parameter the matched route does not take."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    declared = _DECLARED.get(id(route))
    if declared is None:
        declared = _DECLARED[id(route)] = _declared(route.dependant)
    unknown = sorted(set(request.query_params) - declared)
    if unknown:
        takes = ", ".join(sorted(declared)) if declared else "none"
        raise Unprocessable(
            f"{unknown[0]}: this route takes no such query parameter (it takes: {takes})", field=unknown[0]
        )
