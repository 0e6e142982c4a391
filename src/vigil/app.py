"""The application factory: builds settings, database, routers and background services."""

from __future__ import annotations

import importlib
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    StatementError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from vigil import __version__
from vigil.audit.recorder import AuditMiddleware, AuditSessionHook
from vigil.core.config import Settings, load_settings
from vigil.core.db import Database
from vigil.core.errors import error_body, install_error_handlers
from vigil.core.logging import get_logger
from vigil.core.middleware import (
    BodySizeLimitMiddleware,
    JsonDepthLimitMiddleware,
    RequestIdMiddleware,
)
from vigil.core.security import require_api_key
from vigil.keys.store import DatabaseKeyStore
from vigil.web.router import install_dashboard

log = get_logger("app")

# Feature routers, mounted under the API-key dependency. Each module exposes ``router``.
API_ROUTERS = (
    "vigil.cameras.router",
    "vigil.events.router",
    "vigil.events.export",  # POST /api/events/export: an export job (vigil.jobs)
    "vigil.alerting.router",
    "vigil.notify.router",
    "vigil.jobs.router",
    "vigil.telemetry.router",
    "vigil.logs.router",
    "vigil.audit.router",
    "vigil.feedback.router",
    "vigil.quality.router",
    "vigil.baselines.router",
    "vigil.zones.router",
    "vigil.reid.router",
)

# Background services run by ``vigil serve``: each module exposes
# ``lifespan(app) -> AbstractAsyncContextManager[None]``. Entered in order, left in reverse.
LIFESPAN_SERVICES: tuple[str, ...] = (
    "vigil.logs.writer",  # first in, last out: stores every other service's log lines
    "vigil.core.broadcast",  # early: later services may publish live updates
    "vigil.telemetry.sampler",  # GPU telemetry (NVML), when settings.gpu_sampler_enabled
    "vigil.jobs.runtime",  # the embedded job worker, when settings.embedded_worker
    "vigil.reid.warmup",  # loads the re-ID search index in the background
)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    async with AsyncExitStack() as stack:
        if settings.background_tasks:
            for dotted in LIFESPAN_SERVICES:
                module = importlib.import_module(dotted)
                await stack.enter_async_context(module.lifespan(app))
        log.info("app.started", version=__version__, database=app.state.db.dialect)
        yield
    await app.state.db.dispose()


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or load_settings()
    app = FastAPI(
        title="Vigil",
        version=__version__,
        description="Operations backbone for self-hosted AI home-security cameras.",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.db = database or Database.from_settings(settings)
    app.state.key_store = DatabaseKeyStore(app.state.db, settings.api_key_cache_seconds)

    install_error_handlers(app)
    _install_database_error_handlers(app)

    api = APIRouter(dependencies=[Depends(require_api_key)])
    for dotted in API_ROUTERS:
        api.include_router(importlib.import_module(dotted).router)
    app.include_router(api)
    app.include_router(_health_router())
    # The dashboard: its own session-cookie auth, outside the API-key router (vigil.web).
    install_dashboard(app)

    app.add_middleware(JsonDepthLimitMiddleware, max_depth=settings.max_json_depth)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    # Audit trail of every mutating /api call: the session hook writes success rows in the
    # request transaction; the middleware (outside the size limit, so 413s count) records failures.
    app.state.session_hooks = [AuditSessionHook()]
    app.add_middleware(AuditMiddleware)
    app.add_middleware(RequestIdMiddleware)
    return app


def _health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health", summary="Liveness and database reachability")
    async def health(request: Request) -> JSONResponse:
        db: Database = request.app.state.db
        try:
            # A read session: on SQLite it must not wait behind writers for the write lock.
            async with db.read_sessionmaker() as session:
                await session.execute(text("SELECT 1"))
            database = {"status": "ok", "dialect": db.dialect}
            healthy = True
        except Exception as exc:  # any failure to reach the database is "down", not a 500
            database = {"status": "unreachable", "dialect": db.dialect, "error": type(exc).__name__}
            healthy = False
        body: dict[str, Any] = {
            "status": "ok" if healthy else "degraded",
            "version": __version__,
            "database": database,
        }
        return JSONResponse(body, status_code=200 if healthy else 503)

    return router


def _install_database_error_handlers(app: FastAPI) -> None:
    async def integrity(_: Request, exc: Exception) -> JSONResponse:
        # A constraint the service did not pre-check: a conflict with stored data, never a 500.
        log.warning("db.integrity_error", error=str(getattr(exc, "orig", exc))[:300])
        return JSONResponse(
            error_body("conflict", "the change conflicts with stored data"), status_code=409
        )

    async def unavailable(_: Request, exc: Exception) -> JSONResponse:
        if _is_disk_full(exc):
            # SQLite could not grow the file: nothing was written (the transaction rolled back),
            # and retrying will not help until an operator frees space.
            log.error("db.disk_full", error=type(exc).__name__)
            return JSONResponse(
                error_body("insufficient_storage", "the database is full; nothing was stored"),
                status_code=507,
            )
        log.error("db.unavailable", error=type(exc).__name__)
        return JSONResponse(
            error_body("unavailable", "the database is unavailable; retry shortly"),
            status_code=503,
            headers={"Retry-After": "5"},
        )

    async def out_of_range(_: Request, exc: Exception) -> JSONResponse:
        # An integer the database cannot hold (e.g. ?offset=2**63): the client's input is bad.
        log.info("db.value_out_of_range", error=str(getattr(exc, "orig", exc))[:200])
        return JSONResponse(
            error_body("validation_error", "a number in the request is out of range"),
            status_code=422,
        )

    async def unbindable(request: Request, exc: Exception) -> JSONResponse:
        # A value that passed validation but cannot be stored, e.g. a datetime whose UTC form
        # falls before year 1 (0001-01-01T00:00+05:00): the input is out of range, not a crash.
        assert isinstance(exc, StatementError)
        if isinstance(exc.orig, OverflowError | ValueError):
            return await out_of_range(request, exc)
        raise exc

    async def dbapi(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DBAPIError)
        if exc.connection_invalidated or isinstance(exc, InterfaceError) or _unreachable(exc):
            return await unavailable(request, exc)
        if isinstance(exc, DataError) or _OUT_OF_RANGE.search(str(exc.orig)):
            return await out_of_range(request, exc)
        if _sqlstate(exc).startswith("22"):
            # Data exception (class 22), e.g. a NUL character PostgreSQL text cannot hold.
            log.info("db.data_exception", error=str(getattr(exc, "orig", exc))[:200])
            return JSONResponse(
                error_body("validation_error", "a value in the request cannot be stored"),
                status_code=422,
            )
        raise exc

    app.add_exception_handler(IntegrityError, integrity)
    app.add_exception_handler(OperationalError, unavailable)
    app.add_exception_handler(ConnectionError, unavailable)
    # Connect timeouts, a missing socket file, an exhausted pool: the database is out of reach.
    app.add_exception_handler(OSError, unavailable)
    app.add_exception_handler(TimeoutError, unavailable)
    app.add_exception_handler(PoolTimeoutError, unavailable)
    app.add_exception_handler(DBAPIError, dbapi)
    app.add_exception_handler(OverflowError, out_of_range)
    app.add_exception_handler(StatementError, unbindable)


_OUT_OF_RANGE = re.compile(r"out of \w* ?range")


# SQLSTATE classes that mean "the server cannot serve you now", not "your request is wrong":
# 08 connection exception, 57P admin/crash shutdown or still starting up, 53300 too many
# connections.
_UNAVAILABLE_SQLSTATES = ("08", "57P", "53300")


def _sqlstate(exc: DBAPIError) -> str:
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return state if isinstance(state, str) else ""


def _unreachable(exc: DBAPIError) -> bool:
    return _sqlstate(exc).startswith(_UNAVAILABLE_SQLSTATES)


def _is_disk_full(exc: Exception) -> bool:
    return "disk is full" in str(getattr(exc, "orig", exc)).lower()
