"""Pages find other areas at request time and degrade to "not available" when they are missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from vigil.web.availability import optional_attr, optional_module, optional_service


def test_missing_module_or_function_is_none() -> None:
    assert optional_module("vigil.no_such_area.service") is None
    assert optional_attr("vigil.no_such_area.service", "x") is None
    assert optional_service("vigil.events.service", "no_such_function") is None
    assert optional_service("vigil.events.service", "ingest") is not None


def test_a_broken_module_still_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only "the module does not exist" means unavailable; a module whose own import fails is a
    # bug that must surface, not be hidden as "not available yet".
    (tmp_path / "vigil_broken_area.py").write_text("import vigil_missing_dependency_xyz\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError):
        optional_module("vigil_broken_area")
