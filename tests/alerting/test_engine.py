"""Pure rule evaluation: schedules across midnight in a non-UTC zone, dedup determinism."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from vigil.alerting.engine import DetectionFacts, EventFacts, evaluate, in_schedule
from vigil.alerting.schemas import Schedule, validate_dedup_template
from vigil.models import AlertRule

NY = "America/New_York"


def rule(**kw: object) -> AlertRule:
    values: dict[str, object] = {
        "id": uuid.UUID(int=7),
        "name": "r",
        "dedup_key_template": "{camera_id}:{rule_id}",
        "cooldown_seconds": 300,
    }
    values.update(kw)
    return AlertRule(**values)


def facts(
    *detections: DetectionFacts, risk: int | None = 80, at: datetime | None = None
) -> EventFacts:
    return EventFacts(
        event_id=1,
        camera_id="front_door",
        risk_score=risk,
        started_at=at or datetime(2026, 1, 9, 12, 0, tzinfo=UTC),
        detections=list(detections),
    )


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        # Friday 2026-01-09 23:30 in New York = Saturday 04:30 UTC: inside the Friday window.
        (datetime(2026, 1, 10, 4, 30, tzinfo=UTC), True),
        # Saturday 03:00 New York (08:00 UTC): the after-midnight part of Friday's window.
        (datetime(2026, 1, 10, 8, 0, tzinfo=UTC), True),
        # Saturday 07:00 New York: after the window ends.
        (datetime(2026, 1, 10, 12, 0, tzinfo=UTC), False),
        # Friday 21:00 New York (Saturday 02:00 UTC): before the window starts.
        (datetime(2026, 1, 10, 2, 0, tzinfo=UTC), False),
        # Saturday 23:00 New York: Saturday is not a scheduled day.
        (datetime(2026, 1, 11, 4, 0, tzinfo=UTC), False),
        # Friday 03:00 New York: belongs to Thursday's (unscheduled) window.
        (datetime(2026, 1, 9, 8, 0, tzinfo=UTC), False),
    ],
)
def test_overnight_schedule_in_new_york(utc: datetime, expected: bool) -> None:
    schedule = Schedule(days=["Friday"], start_time="22:00", end_time="06:00", timezone=NY)
    assert in_schedule(schedule, utc) is expected


def test_day_window_uses_local_time() -> None:
    schedule = Schedule(start_time="09:00", end_time="17:00", timezone="Asia/Tokyo")
    assert in_schedule(schedule, datetime(2026, 1, 9, 1, 0, tzinfo=UTC))  # 10:00 Tokyo
    assert not in_schedule(schedule, datetime(2026, 1, 9, 12, 0, tzinfo=UTC))  # 21:00 Tokyo


@pytest.mark.parametrize(
    "bad",
    [
        {"days": ["mon"]},
        {"start_time": "7:00", "end_time": "08:00"},
        {"start_time": "24:00", "end_time": "08:00"},
        {"start_time": "07:00"},
        {"days": ["monday"], "timezone": "Mars/Olympus"},
        {"days": ["monday"], "tz": "UTC"},
        {},
    ],
)
def test_invalid_schedules_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Schedule.model_validate(bad)


def test_schedule_condition_in_rule() -> None:
    schedule = {"days": ["friday"], "start_time": "22:00", "end_time": "06:00", "timezone": NY}
    r = rule(schedule=schedule)
    inside = evaluate(r, facts(at=datetime(2026, 1, 10, 8, 0, tzinfo=UTC)))
    outside = evaluate(r, facts(at=datetime(2026, 1, 10, 12, 0, tzinfo=UTC)))
    assert inside.matched and "within_schedule" in inside.matched_conditions
    assert not outside.matched and outside.reason == "outside_schedule"


def test_object_type_in_dedup_key_is_order_independent() -> None:
    r = rule(dedup_key_template="{camera_id}:{object_type}", object_types=["person", "car"])
    a = DetectionFacts(1, "car", 0.7)
    b = DetectionFacts(2, "person", 0.9)
    c = DetectionFacts(3, "dog", 0.99)  # not a wanted type: never names the alert
    keys = {evaluate(r, facts(*order)).dedup_key for order in [(a, b, c), (c, b, a), (b, c, a)]}
    assert keys == {"front_door:person"}


def test_detection_conditions_hold_for_the_same_detection() -> None:
    r = rule(object_types=["person"], zone_ids=["driveway"])
    person_elsewhere = DetectionFacts(1, "person", 0.9, ("sidewalk",))
    car_in_driveway = DetectionFacts(2, "car", 0.9, ("driveway",))
    assert not evaluate(r, facts(person_elsewhere, car_in_driveway)).matched
    person_in_driveway = DetectionFacts(3, "person", 0.8, ("driveway", "yard"))
    decision = evaluate(
        rule(object_types=["person"], zone_ids=["driveway"], dedup_key_template="{zone_id}"),
        facts(person_elsewhere, person_in_driveway),
    )
    assert decision.matched and decision.dedup_key == "driveway"


def test_no_conditions_always_matches_and_risk_threshold() -> None:
    assert evaluate(rule(), facts()).matched_conditions == ["no_conditions (always matches)"]
    assert not evaluate(rule(risk_threshold=90), facts(risk=80)).matched
    assert not evaluate(rule(risk_threshold=10), facts(risk=None)).matched
    assert evaluate(rule(risk_threshold=80), facts(risk=80)).matched


def test_a_broken_stored_rule_is_a_skip_not_a_crash() -> None:
    decision = evaluate(rule(schedule={"days": "not-a-list"}), facts())
    assert not decision.matched and decision.reason and "evaluation_error" in decision.reason


@pytest.mark.parametrize(
    "template", ["{camera}", "{camera_id!r}", "{camera_id:>10}", "no placeholders", "{", "{0}"]
)
def test_invalid_dedup_templates(template: str) -> None:
    with pytest.raises(ValueError):
        validate_dedup_template(template)


def test_valid_dedup_template() -> None:
    assert validate_dedup_template("{camera_id}:{object_type}:{zone_id}:{rule_id}")
