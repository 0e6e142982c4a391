"""Action and resource derived from the route template, without the route's cooperation."""

from __future__ import annotations

from typing import Any

import pytest

from vigil.audit.context import describe_route


@pytest.mark.parametrize(
    ("method", "template", "params", "expected"),
    [
        ("POST", "/api/cameras", {}, ("camera.create", "camera", None, True)),
        (
            "PATCH",
            "/api/cameras/{camera_id}",
            {"camera_id": "yard"},
            ("camera.update", "camera", "yard", False),
        ),
        (
            "POST",
            "/api/cameras/{camera_id}/restore",
            {"camera_id": "yard"},
            ("camera.restore", "camera", "yard", False),
        ),
        (
            "POST",
            "/api/cameras/{camera_id}/zones",
            {"camera_id": "yard"},
            ("zone.create", "zone", None, True),
        ),
        (
            "DELETE",
            "/api/cameras/{camera_id}/zones/{zone_id}",
            {"camera_id": "y", "zone_id": "z1"},
            ("zone.delete", "zone", "z1", False),
        ),
        ("POST", "/api/alerts/rules", {}, ("rule.create", "rule", None, True)),
        (
            "POST",
            "/api/alerts/{alert_id}/dismiss",
            {"alert_id": 4},
            ("alert.dismiss", "alert", "4", False),
        ),
        ("POST", "/api/calibration/reset", {}, ("calibration.reset", "calibration", None, False)),
        (
            "DELETE",
            "/api/cameras/{camera_id}/baseline",
            {"camera_id": "y"},
            ("baseline.delete", "baseline", "y", False),
        ),
        ("POST", "/api/jobs/{job_id}/retry", {"job_id": "j"}, ("job.retry", "job", "j", False)),
    ],
)
def test_describe_route(
    method: str, template: str, params: dict[str, Any], expected: tuple[Any, ...]
) -> None:
    described = describe_route(method, template, template, params, {})
    assert (
        described.action,
        described.resource_type,
        described.resource_id,
        described.creates,
    ) == expected


def test_route_can_name_its_action() -> None:
    described = describe_route(
        "POST", "/api/x/{id}/go", "/api/x/1/go", {"id": 1}, {"x-audit-action": "thing.launch"}
    )
    assert described.action == "thing.launch"


def test_secrets_are_redacted_and_values_bounded() -> None:
    from vigil.audit.capture import summarise

    value = {
        "password": "hunter2",
        "nested": {"token": "t", "refresh_token": "r", "prompt_token_estimate": 7},
        "url_secret": "s",
        "embedding": list(range(100)),
        "text": "x" * 1000,
    }
    out = summarise(value)
    assert out["password"] == "***" and out["url_secret"] == "***"
    assert out["nested"] == {"token": "***", "refresh_token": "***", "prompt_token_estimate": 7}
    assert out["embedding"] == "<list of 100>"
    assert len(out["text"]) < 320
