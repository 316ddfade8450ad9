"""Every route the project serves, enumerated from the URL resolver and the NinjaAPI.

The permission matrix (``test_route_matrix.py``) must hold an entry for each of them: a route
added without one fails the suite.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from ninja.operation import PathView


@dataclass(frozen=True)
class Route:
    """One page (its URL name, ``app:name``) or one API operation (``METHOD /api/v1/...``)."""

    key: str
    pattern: str  # the Django route, e.g. ``tickets/<int:pk>/``
    kwargs: tuple[str, ...]  # the names of its path parameters, in order
    methods: tuple[str, ...] = ()  # API: the operation's methods; pages: tried per spec


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            ns = namespace
            if item.namespace:
                ns = f"{namespace}:{item.namespace}" if namespace else item.namespace
            yield from _walk(item, prefix + str(item.pattern), ns)
        elif isinstance(item, URLPattern):
            yield prefix + str(item.pattern), namespace, item


def _path_view(callback) -> PathView | None:
    for cell in getattr(callback, "__closure__", None) or ():
        if isinstance(cell.cell_contents, PathView):
            return cell.cell_contents
    return None


def _kwargs(pattern: str) -> tuple[str, ...]:
    import re

    return tuple(re.findall(r"<(?:\w+:)?(\w+)>", pattern))


def page_routes() -> list[Route]:
    """Every URL pattern outside the API and Django admin, by its namespaced name."""
    routes = []
    for pattern, namespace, item in _walk(get_resolver()):
        if pattern.startswith(("api/", "admin/")):
            continue
        key = f"{namespace}:{item.name}" if namespace else item.name
        routes.append(Route(key=key, pattern=pattern, kwargs=_kwargs(pattern)))
    return routes


def admin_routes() -> list[Route]:
    return [
        Route(key=f"{ns}:{item.name}", pattern=pattern, kwargs=_kwargs(pattern))
        for pattern, ns, item in _walk(get_resolver())
        if pattern.startswith("admin/")
    ]


def api_routes() -> list[Route]:
    """Every operation of the NinjaAPI, as served: ``METHOD /api/v1/path/{param}``."""
    import re

    routes = {}
    for pattern, _namespace, item in _walk(get_resolver()):
        if not pattern.startswith("api/"):
            continue
        view = _path_view(item.callback)
        if view is None:  # the schema and the docs page
            routes[f"GET /{pattern}"] = Route(key=f"GET /{pattern}", pattern=pattern, kwargs=())
            continue
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", pattern)
        for operation in view.operations:
            if getattr(operation, "url_name", None) not in (None, "", item.name) and False:
                continue
            for method in operation.methods:
                key = f"{method} {path}"
                routes[key] = Route(key=key, pattern=pattern, kwargs=_kwargs(pattern), methods=(method,))
    return list(routes.values())
