"""The dashboard: server-rendered pages (Jinja2 + htmx), mounted beside ``/api``, not under it.

Pages read through feature services where they exist, else straight from the models (one query
module per page in ``web/pages``). Every change goes through ``/api`` from the browser, so it is
authenticated and audited exactly like any other client's.
"""

from __future__ import annotations

import importlib

from fastapi import APIRouter, Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from vigil.web.auth import install_sign_in_handler, require_page_session
from vigil.web.auth import router as auth_router
from vigil.web.render import STATIC_DIR

PAGE_MODULES = (
    "vigil.web.pages.overview",
    "vigil.web.pages.alerts",
    "vigil.web.pages.rules",
    "vigil.web.pages.events",
    "vigil.web.pages.cameras",
    "vigil.web.pages.baselines",
    "vigil.web.pages.jobs",
    "vigil.web.pages.gpu",
    "vigil.web.pages.logs",
    "vigil.web.pages.audit",
    "vigil.web.pages.quality",
)


def build_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    router.include_router(auth_router)
    pages = APIRouter(dependencies=[Depends(require_page_session)])
    for dotted in PAGE_MODULES:
        pages.include_router(importlib.import_module(dotted).router)
    router.include_router(pages)
    return router


def install_dashboard(app: FastAPI) -> None:
    """Mount the pages, their sign-in flow and the vendored static assets on ``app``."""
    app.include_router(build_router())
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_sign_in_handler(app)
