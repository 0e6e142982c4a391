"""Property-based fuzzing of the whole OpenAPI spec (schemathesis): for generated valid and
invalid requests to every operation, no 500s and every response matches its documented schema.

Runs on SQLite only, with a bounded number of examples per operation
(``VIGIL_FUZZ_EXAMPLES``, default 5; no shrinking) so it fits in ``make test``.
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
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)
from sqlalchemy.pool import NullPool

from vigil.app import create_app
from vigil.core.config import load_settings, to_async_url
from vigil.core.db import Database
from vigil.migrations import upgrade

EXAMPLES = int(os.environ.get("VIGIL_FUZZ_EXAMPLES", "5"))
_root = Path(tempfile.mkdtemp(prefix="vigil-fuzz-"))
_url = f"sqlite:///{_root / 'fuzz.db'}"
_settings = load_settings(
    database_url=_url, data_dir=_root, background_tasks=False, embedded_worker=False
)
# NullPool: schemathesis drives the app through a synchronous test client whose event loop is not
# pytest's, so no connection may outlive a request.
app = create_app(_settings, database=Database(to_async_url(_url), poolclass=NullPool))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module", autouse=True)
async def _migrated() -> AsyncIterator[None]:
    await upgrade(to_async_url(_url))
    yield
    shutil.rmtree(_root, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_and_never_500s(case: schemathesis.Case) -> None:
    case.call_and_validate(
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance]
    )
