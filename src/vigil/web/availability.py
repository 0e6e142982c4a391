"""Which other areas have landed: optional services and /api routes, looked up at request time
so a page whose area is missing still renders ("not available yet") instead of failing."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from fastapi import FastAPI
from starlette.routing import Route


def optional_module(dotted: str) -> ModuleType | None:
    """The module, or None when it does not exist yet (other import errors still raise)."""
    try:
        return importlib.import_module(dotted)
    except ModuleNotFoundError as exc:
        if exc.name and dotted.startswith(exc.name):
            return None
        raise


def optional_attr(dotted: str, name: str) -> Any | None:
    module = optional_module(dotted)
    return getattr(module, name, None) if module is not None else None


def api_available(app: FastAPI, method: str, path: str) -> bool:
    """Whether the app serves ``method path`` (path as declared, e.g. /api/jobs/{job_id}/cancel).
    Routes are fixed once the app is built, so the set is computed once per app."""
    routes: frozenset[tuple[str, str]] | None = getattr(app.state, "web_route_index", None)
    if routes is None:
        routes = frozenset(
            (method_name, route.path)
            for route in app.routes
            if isinstance(route, Route)
            for method_name in (route.methods or ())
        )
        app.state.web_route_index = routes
    return (method.upper(), path) in routes
