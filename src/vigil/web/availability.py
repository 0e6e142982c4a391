"""Which other areas have landed: optional services and /api routes, looked up at request time
so a page whose area is missing still renders ("not available yet") instead of failing."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from fastapi import FastAPI


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
    Read from the OpenAPI document, which FastAPI builds once and caches; every /api route is in
    it (included routers are nested, so ``app.routes`` alone does not list them)."""
    operations = app.openapi().get("paths", {}).get(path, {})
    return method.lower() in operations


def optional_service(dotted: str, *names: str) -> ModuleType | None:
    """The module if it exists and offers every one of ``names``; otherwise None, so a page
    whose area renamed or has not yet written a function says "not available" instead of 500."""
    module = optional_module(dotted)
    if module is None or not all(callable(getattr(module, n, None)) for n in names):
        return None
    return module
