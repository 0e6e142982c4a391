"""What happens at the simulated home: turns a time window into ingest payloads (events with
detections, boxes, image sizes and enrichment), following a day/night rhythm.

Deterministic for a given seed and window, so a re-run backfill produces the same batch ids and
the API's duplicate-batch check (409) skips what is already stored.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from vigil.demo.home import (
    ANIMALS_BY_HOUR,
    CAMERA_BY_ID,
    CAMERAS,
    NIGHT_HOURS,
    PEOPLE_BY_HOUR,
    RESIDENTS,
    VEHICLES_BY_HOUR,
    DemoCamera,
    Resident,
)

# An intruder shows up on about one night in three (per night hour at a prowler camera).
INTRUDER_RATE_PER_NIGHT_HOUR = 0.05
EMBEDDING_NOISE = 0.02  # same subject, new sighting: cosine similarity stays around 0.99


@dataclass
class Sighting:
    """One planned event: when, where, what kind, and (for re-ID) who."""

    at: datetime
    camera: DemoCamera
    kind: str  # resident, visitor, delivery, passerby, vehicle, animal, intruder
    subject: str | None = None
    follow_up: bool = False


def unit_vector(seed: str, dimension: int) -> list[float]:
    rng = random.Random(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big"))
    vec = [rng.gauss(0.0, 1.0) for _ in range(dimension)]
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]


def sighting_embedding(subject: str, dimension: int, rng: random.Random) -> list[float]:
    """The subject's identity vector plus a little noise: near-identical across cameras."""
    base = unit_vector(subject, dimension)
    noisy = [v + rng.gauss(0.0, EMBEDDING_NOISE / math.sqrt(dimension)) for v in base]
    norm = math.sqrt(sum(v * v for v in noisy)) or 1.0
    return [round(v / norm, 6) for v in noisy]


def poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class Scenario:
    def __init__(self, *, seed: int, timezone: str, reid_dimension: int) -> None:
        self.seed = seed
        self.tz = ZoneInfo(timezone)
        self.dimension = reid_dimension

    # --- planning ------------------------------------------------------------------------------

    def plan_hour(
        self, hour_start: datetime, *, scale: float = 1.0, salt: str = ""
    ) -> list[Sighting]:
        """Everything that happens in one hour (``scale`` multiplies every rate; ``salt`` gives
        another draw for the same hour)."""
        key = f"{self.seed}:{hour_start.isoformat()}:{scale}:{salt}"
        rng = random.Random(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))
        local_hour = hour_start.astimezone(self.tz).hour
        plan: list[Sighting] = []

        def at() -> datetime:
            return hour_start + timedelta(seconds=rng.uniform(0, 3600))

        for camera in CAMERAS:
            for _ in range(poisson(rng, camera.people_peak * PEOPLE_BY_HOUR[local_hour] * scale)):
                kind = rng.choices(
                    ("resident", "visitor", "delivery", "passerby"), weights=(5, 1.5, 1, 2.5)
                )[0]
                if kind == "delivery" and not 8 <= local_hour <= 19:
                    kind = "passerby"
                plan.extend(self._people(rng, camera, kind, at()))
            for _ in range(
                poisson(rng, camera.vehicle_peak * VEHICLES_BY_HOUR[local_hour] * scale)
            ):
                plan.append(Sighting(at(), camera, "vehicle"))
            for _ in range(poisson(rng, camera.animal_peak * ANIMALS_BY_HOUR[local_hour] * scale)):
                plan.append(Sighting(at(), camera, "animal"))
            if camera.prowler_risk and local_hour in NIGHT_HOURS:
                for _ in range(poisson(rng, INTRUDER_RATE_PER_NIGHT_HOUR * scale)):
                    plan.extend(self._intruder(rng, camera, at()))
        plan.sort(key=lambda s: s.at)
        return plan

    def _people(
        self, rng: random.Random, camera: DemoCamera, kind: str, when: datetime
    ) -> list[Sighting]:
        if kind != "resident":
            return [Sighting(when, camera, kind, subject=f"{kind}-{rng.getrandbits(32)}")]
        resident: Resident = rng.choice([r for r in RESIDENTS if r.kind == "person"])
        routes = [r for r in resident.routes if r[0] == camera.id]
        first = Sighting(when, camera, "resident", subject=resident.name)
        if not routes:
            return [first]
        # Walks on to the next camera a little later: the re-ID pair.
        follow = CAMERA_BY_ID[routes[0][1]]
        later = when + timedelta(seconds=rng.uniform(20, 90))
        return [first, Sighting(later, follow, "resident", subject=resident.name, follow_up=True)]

    def _intruder(self, rng: random.Random, camera: DemoCamera, when: datetime) -> list[Sighting]:
        subject = f"intruder-{rng.getrandbits(32)}"
        other = CAMERA_BY_ID["garage" if camera.id == "backyard" else "backyard"]
        later = when + timedelta(seconds=rng.uniform(30, 120))
        return [
            Sighting(when, camera, "intruder", subject=subject),
            Sighting(later, other, "intruder", subject=subject, follow_up=True),
        ]

    # --- payloads ------------------------------------------------------------------------------

    def payload(self, sighting: Sighting, index: int) -> dict[str, Any]:
        """The ``POST /api/ingest`` body for one sighting."""
        rng = random.Random(f"{self.seed}:{sighting.at.isoformat()}:{sighting.camera.id}:{index}")
        camera = sighting.camera
        detections, summary, risk = self._detections(rng, sighting)
        duration = rng.uniform(4, 40)
        batch = hashlib.sha1(  # noqa: S324 - an id, not security
            f"{self.seed}:{camera.id}:{sighting.at.isoformat()}:{index}".encode()
        ).hexdigest()[:16]
        return {
            "camera_id": camera.id,
            "batch_id": f"demo-{batch}",
            "started_at": sighting.at.isoformat(),
            "ended_at": (sighting.at + timedelta(seconds=duration)).isoformat(),
            "risk_score": risk,
            "summary": summary,
            "reasoning": _reasoning(sighting, risk),
            "llm_prompt": _prompt(sighting, detections),
            "is_fast_path": risk < 20,
            "detections": detections,
        }

    def _box(
        self, rng: random.Random, camera: DemoCamera, size: tuple[float, float]
    ) -> dict[str, Any]:
        width, height = camera.image
        (x0, x1), (y0, y1) = camera.walk_area
        bw, bh = int(size[0] * width), int(size[1] * height)
        cx = rng.uniform(x0, x1) * width
        bottom = rng.uniform(y0, y1) * height
        x = int(min(max(cx - bw / 2, 0), width - bw))
        y = int(min(max(bottom - bh, 0), height - bh))
        return {"x": x, "y": y, "width": bw, "height": bh}

    def _detection(
        self,
        rng: random.Random,
        sighting: Sighting,
        object_type: str,
        size: tuple[float, float],
        confidence: float,
        enrichment: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        camera = sighting.camera
        stamp = sighting.at.strftime("%Y%m%d_%H%M%S")
        detection: dict[str, Any] = {
            "file_path": f"/cameras/{camera.id}/{stamp}_{rng.getrandbits(24):06x}.jpg",
            "file_type": "image/jpeg",
            "detected_at": (sighting.at + timedelta(seconds=rng.uniform(0, 3))).isoformat(),
            "object_type": object_type,
            "confidence": round(confidence, 3),
            "bbox": self._box(rng, camera, size),
            "image_width": camera.image[0],
            "image_height": camera.image[1],
        }
        if enrichment:
            detection["enrichment"] = enrichment
        return detection

    def _person(
        self,
        rng: random.Random,
        sighting: Sighting,
        *,
        pose: str,
        action: str,
        suspicious: bool = False,
        age: str | None = None,
        gender: str | None = None,
    ) -> dict[str, Any]:
        enrichment: dict[str, Any] = {
            "pose": {
                "pose_class": pose,
                "confidence": round(rng.uniform(0.7, 0.97), 3),
                "is_suspicious": suspicious,
            },
            "action": {
                "action": action,
                "confidence": round(rng.uniform(0.6, 0.95), 3),
                "is_suspicious": suspicious,
            },
            "demographics": {
                "age_range": age or rng.choice(("21-30", "31-40", "41-50", "51-60")),
                "age_confidence": round(rng.uniform(0.5, 0.9), 3),
                "gender": gender or rng.choice(("male", "female")),
                "gender_confidence": round(rng.uniform(0.6, 0.95), 3),
            },
        }
        if sighting.subject:
            enrichment["reid"] = {
                "embedding": sighting_embedding(sighting.subject, self.dimension, rng)
            }
        size = (0.07, 0.45) if pose != "crouching" else (0.09, 0.28)
        return self._detection(rng, sighting, "person", size, rng.uniform(0.72, 0.97), enrichment)

    def _detections(self, rng: random.Random, s: Sighting) -> tuple[list[dict[str, Any]], str, int]:
        name = s.camera.name.lower()
        if s.kind == "intruder":
            detections = [
                self._person(
                    rng,
                    s,
                    pose=rng.choice(("crouching", "crouching", "bending_over")),
                    action=rng.choice(("looking_in_window", "trying_door_handle")),
                    suspicious=True,
                    age="21-30",
                    gender="male",
                )
            ]
            if rng.random() < 0.3:
                detections[0]["enrichment"]["threats"] = [
                    {
                        "threat_type": "knife",
                        "confidence": round(rng.uniform(0.5, 0.8), 3),
                        "severity": "high",
                    }
                ]
            verb = "moves on to" if s.follow_up else "crouches near the house at"
            return detections, f"Unknown person {verb} the {name} at night.", rng.randint(82, 96)
        if s.kind == "resident":
            resident = next(r for r in RESIDENTS if r.name == s.subject)
            detections = [
                self._person(
                    rng,
                    s,
                    pose="standing",
                    action="walking",
                    age=resident.age_range,
                    gender=resident.gender,
                )
            ]
            return detections, f"A household member walks past the {name}.", rng.randint(3, 15)
        if s.kind == "delivery":
            detections = [
                self._person(
                    rng, s, pose=rng.choice(("standing", "bending_over")), action="carrying_package"
                ),
                self._detection(rng, s, "package", (0.05, 0.07), rng.uniform(0.6, 0.9)),
            ]
            return detections, f"A courier leaves a package at the {name}.", rng.randint(15, 30)
        if s.kind == "visitor":
            detections = [self._person(rng, s, pose="standing", action="ringing_doorbell")]
            return detections, f"A visitor waits at the {name}.", rng.randint(12, 28)
        if s.kind == "passerby":
            detections = [self._person(rng, s, pose="standing", action="walking")]
            night = s.at.astimezone(self.tz).hour in NIGHT_HOURS
            risk = rng.randint(35, 55) if night else rng.randint(8, 25)
            return detections, f"Someone passes by the {name}.", risk
        if s.kind == "vehicle":
            kind = rng.choices(("car", "truck"), weights=(4, 1))[0]
            detections = [self._detection(rng, s, kind, (0.3, 0.3), rng.uniform(0.75, 0.98))]
            night = s.at.astimezone(self.tz).hour in NIGHT_HOURS
            risk = rng.randint(40, 60) if night else rng.randint(5, 20)
            return detections, f"A {kind} arrives in the {name}.", risk
        kind = rng.choices(("cat", "dog", "bird"), weights=(3, 2, 2))[0]
        detections = [self._detection(rng, s, kind, (0.06, 0.08), rng.uniform(0.55, 0.92))]
        return detections, f"A {kind} wanders through the {name}.", rng.randint(2, 12)


def hours_between(start: datetime, end: datetime) -> Iterator[datetime]:
    """Whole-hour starts from ``start`` (floored) up to ``end``."""
    current = start.replace(minute=0, second=0, microsecond=0)
    while current < end:
        yield current
        current += timedelta(hours=1)


def _reasoning(s: Sighting, risk: int) -> str:
    if s.kind == "intruder":
        return (
            "Unrecognised person at night, crouching near an entry point and checking "
            "doors or windows; no household member matches the re-ID embedding."
        )
    if s.kind == "resident":
        return "Re-ID embedding matches a known household member; routine movement."
    return f"Ordinary activity for this camera and hour (risk {risk})."


def _prompt(s: Sighting, detections: list[dict[str, Any]]) -> str:
    lines = [f"Camera: {s.camera.name}", f"Time: {s.at.isoformat()}", "## Detections"]
    for d in detections:
        lines.append(f"- {d['object_type']} ({d['confidence']:.2f}) bbox {d['bbox']}")
        enrichment = d.get("enrichment") or {}
        if "pose" in enrichment:
            lines.append(f"  pose: {enrichment['pose']['pose_class']}")
        if "action" in enrichment:
            lines.append(f"  action: {enrichment['action']['action']}")
    lines.append("## Zones")
    lines.append(", ".join(z.name for z in s.camera.zones) or "none")
    return "\n".join(lines)
