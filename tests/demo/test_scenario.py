"""The simulated home's behaviour: rhythm, re-ID pairs, intruders, valid payloads."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from vigil.demo.home import CAMERAS, NIGHT_HOURS
from vigil.demo.scenario import Scenario, Sighting, hours_between
from vigil.events.schemas import IngestRequest

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.sqrt(
        sum(x * x for x in a) * sum(y * y for y in b)
    )


def _plan(days: int, scenario: Scenario) -> list[Sighting]:
    return [
        s for h in hours_between(START, START + timedelta(days=days)) for s in scenario.plan_hour(h)
    ]


def test_same_seed_same_history_different_seed_different() -> None:
    a = Scenario(seed=1, timezone="UTC", reid_dimension=32)
    b = Scenario(seed=1, timezone="UTC", reid_dimension=32)
    c = Scenario(seed=2, timezone="UTC", reid_dimension=32)
    hour = START + timedelta(hours=8)
    batches = [
        [x.payload(s, i)["batch_id"] for i, s in enumerate(x.plan_hour(hour))] for x in (a, b, c)
    ]
    assert batches[0] == batches[1]
    assert batches[0] != batches[2]


def test_day_night_rhythm() -> None:
    scenario = Scenario(seed=3, timezone="UTC", reid_dimension=16)
    plan = _plan(30, scenario)
    people = [s for s in plan if s.kind in ("resident", "visitor", "delivery", "passerby")]
    by_hour = [sum(1 for s in people if s.at.hour == h) for h in range(24)]
    assert by_hour[8] > 5 * max(by_hour[3], 1)
    assert {s.kind for s in plan} >= {"resident", "vehicle", "animal"}
    # Deliveries only in the daytime.
    assert all(8 <= s.at.hour <= 20 for s in plan if s.kind == "delivery")


def test_rhythm_follows_the_home_timezone() -> None:
    scenario = Scenario(seed=3, timezone="America/New_York", reid_dimension=16)
    plan = _plan(20, scenario)
    people = [s for s in plan if s.kind == "resident" and not s.follow_up]
    local = [s.at.astimezone(scenario.tz).hour for s in people]
    assert sum(1 for h in local if 7 <= h <= 9) > 4 * max(sum(1 for h in local if 1 <= h <= 3), 1)


def test_same_person_on_two_cameras_has_near_identical_embeddings() -> None:
    scenario = Scenario(seed=5, timezone="UTC", reid_dimension=512)
    plan = _plan(3, scenario)
    follow = next(s for s in plan if s.follow_up and s.kind == "resident")
    first = next(
        s
        for s in plan
        if s.subject == follow.subject
        and not s.follow_up
        and s.at <= follow.at
        and s.camera.id != follow.camera.id
    )
    emb = [
        scenario.payload(s, 0)["detections"][0]["enrichment"]["reid"]["embedding"]
        for s in (first, follow)
    ]
    assert len(emb[0]) == 512
    assert _cosine(emb[0], emb[1]) > 0.95
    stranger = next(s for s in plan if s.subject and s.subject != follow.subject)
    other = scenario.payload(stranger, 0)["detections"][0]["enrichment"]["reid"]["embedding"]
    assert _cosine(emb[0], other) < 0.3


def test_intruders_come_at_night_with_high_risk_and_crouching() -> None:
    scenario = Scenario(seed=11, timezone="UTC", reid_dimension=16)
    plan = _plan(30, scenario)
    intruders = [s for s in plan if s.kind == "intruder"]
    assert intruders, "30 nights should bring at least one intruder"
    for s in intruders:
        payload = scenario.payload(s, 0)
        assert s.at.hour in NIGHT_HOURS or (s.follow_up and s.at.hour in (*NIGHT_HOURS, 5))
        assert payload["risk_score"] >= 80
        pose = payload["detections"][0]["enrichment"]["pose"]
        assert pose["pose_class"] in ("crouching", "bending_over") and pose["is_suspicious"]
    others = [s for s in plan if s.kind != "intruder"][:300]
    assert max(scenario.payload(s, 0)["risk_score"] for s in others) < 70


def test_payloads_are_valid_ingest_requests_inside_their_images() -> None:
    scenario = Scenario(seed=13, timezone="UTC", reid_dimension=64)
    sizes = {c.id: c.image for c in CAMERAS}
    for i, s in enumerate(_plan(2, scenario)):
        payload = scenario.payload(s, i)
        request = IngestRequest.model_validate(payload)  # strict: unknown fields would fail
        for d in request.detections:
            assert (d.image_width, d.image_height) == sizes[request.camera_id]
