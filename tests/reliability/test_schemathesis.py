"""Property-based fuzzing of the whole OpenAPI spec (schemathesis): for generated valid and
invalid requests to every operation, no 500s and every response matches its documented schema.

Runs on SQLite only, with a bounded number of generated examples per operation
(``VIGIL_FUZZ_EXAMPLES``, default 6, no shrinking) so it fits in ``make test``; ``make fuzz``
runs far more, boundary values included.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)
from sqlalchemy.pool import NullPool

from vigil.app import create_app
from vigil.core.config import load_settings, to_async_url
from vigil.core.db import Database
from vigil.migrations import upgrade

# ``make fuzz`` sets VIGIL_FUZZ_FULL=1: many more examples plus schemathesis's boundary-value
# ("coverage") cases for every parameter.
FULL = os.environ.get("VIGIL_FUZZ_FULL") == "1"
EXAMPLES = int(os.environ.get("VIGIL_FUZZ_EXAMPLES", "100" if FULL else "6"))
_root = Path(tempfile.mkdtemp(prefix="vigil-fuzz-"))
# VIGIL_FUZZ_DATABASE_URL: fuzz against another (empty) database, e.g. a PostgreSQL one.
_url = os.environ.get("VIGIL_FUZZ_DATABASE_URL") or f"sqlite:///{_root / 'fuzz.db'}"
_settings = load_settings(
    database_url=_url, data_dir=_root, background_tasks=False, embedded_worker=False
)
# NullPool: schemathesis drives the app through a synchronous test client whose event loop is not
# pytest's, so no connection may outlive a request.
app = create_app(_settings, database=Database(to_async_url(_url), poolclass=NullPool))
# Server-sent-event streams never end by themselves; they are tested by their own area.
schema = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(
    func=lambda ctx: "text/event-stream" in str(ctx.operation.definition.raw)
)


@pytest.fixture(scope="module", autouse=True)
async def _migrated() -> AsyncIterator[None]:
    await upgrade(to_async_url(_url))
    yield
    shutil.rmtree(_root, ignore_errors=True)


def no_server_error(ctx: object, response: schemathesis.Response, case: schemathesis.Case) -> None:
    """No 500, and no 5xx other than the deliberate ones: 503 (a dependency such as the database
    or a configured LLM is unavailable, with a reason) and 507 (the database is full)."""
    status = response.status_code
    if status >= 500 and status not in (503, 507):
        raise AssertionError(f"server error {status}: {response.text[:500]}")
    if status in (503, 507):
        body = response.json()
        assert set(body) >= {"error", "detail"}, body


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    # Generated cases only: the explicit phase adds schemathesis's "coverage" cases, which ignore
    # max_examples and would multiply the run time (several hundred calls per operation).
    phases=[Phase.explicit, Phase.generate] if FULL else [Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_and_never_500s(case: schemathesis.Case) -> None:
    case.call_and_validate(
        checks=[no_server_error, response_schema_conformance, content_type_conformance]
    )
