"""The simulated home: cameras, their zones, the people and animals who live there, the sample
alert rules, and how busy each camera is at each hour of the day. Pure data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DemoZone:
    id: str
    name: str
    zone_type: str
    coordinates: tuple[tuple[float, float], ...]
    color: str
    priority: int = 0


@dataclass(frozen=True)
class DemoCamera:
    id: str
    name: str
    image: tuple[int, int]
    zones: tuple[DemoZone, ...] = ()
    # Where people stand: a normalised (x range, y range) for the bottom-centre of their box.
    walk_area: tuple[tuple[float, float], tuple[float, float]] = ((0.2, 0.8), (0.6, 0.95))
    # Expected events per hour at the busiest hour, per kind.
    people_peak: float = 0.0
    vehicle_peak: float = 0.0
    animal_peak: float = 0.0
    prowler_risk: bool = False  # a good place for a night-time intruder


@dataclass(frozen=True)
class Resident:
    name: str
    age_range: str
    gender: str
    kind: str = "person"  # or "dog", "car": re-identified by embedding like people
    routes: tuple[tuple[str, ...], ...] = field(default_factory=tuple)


CAMERAS = (
    DemoCamera(
        id="front_door",
        name="Front Door",
        image=(1920, 1080),
        zones=(
            DemoZone(
                "front_door-porch",
                "Porch",
                "entry_point",
                ((0.30, 0.55), (0.70, 0.55), (0.78, 0.98), (0.22, 0.98)),
                "#ef4444",
                10,
            ),
            DemoZone(
                "front_door-path",
                "Garden path",
                "sidewalk",
                ((0.0, 0.62), (0.30, 0.58), (0.22, 0.98), (0.0, 0.98)),
                "#22c55e",
                1,
            ),
        ),
        walk_area=((0.15, 0.75), (0.60, 0.97)),
        people_peak=3.0,
        animal_peak=0.4,
    ),
    DemoCamera(
        id="driveway",
        name="Driveway",
        image=(1920, 1080),
        zones=(
            DemoZone(
                "driveway-drive",
                "Driveway",
                "driveway",
                ((0.25, 0.35), (0.75, 0.35), (0.95, 0.98), (0.05, 0.98)),
                "#3b82f6",
                5,
            ),
            DemoZone(
                "driveway-street",
                "Street",
                "sidewalk",
                ((0.0, 0.15), (1.0, 0.15), (1.0, 0.33), (0.0, 0.33)),
                "#a855f7",
                0,
            ),
        ),
        walk_area=((0.1, 0.9), (0.2, 0.95)),
        people_peak=2.5,
        vehicle_peak=3.0,
        animal_peak=0.3,
    ),
    DemoCamera(
        id="backyard",
        name="Backyard",
        image=(2560, 1440),
        zones=(
            DemoZone(
                "backyard-patio",
                "Patio door",
                "entry_point",
                ((0.40, 0.50), (0.62, 0.50), (0.64, 0.80), (0.38, 0.80)),
                "#f97316",
                10,
            ),
            DemoZone(
                "backyard-lawn",
                "Lawn",
                "yard",
                ((0.0, 0.55), (1.0, 0.55), (1.0, 1.0), (0.0, 1.0)),
                "#84cc16",
                1,
            ),
        ),
        walk_area=((0.1, 0.9), (0.55, 0.98)),
        people_peak=1.2,
        animal_peak=1.5,
        prowler_risk=True,
    ),
    DemoCamera(
        id="garage",
        name="Garage",
        image=(1280, 720),
        zones=(
            DemoZone(
                "garage-door",
                "Garage door",
                "entry_point",
                ((0.20, 0.30), (0.80, 0.30), (0.80, 0.90), (0.20, 0.90)),
                "#eab308",
                10,
            ),
        ),
        walk_area=((0.2, 0.8), (0.5, 0.95)),
        people_peak=1.0,
        vehicle_peak=1.2,
        animal_peak=0.2,
        prowler_risk=True,
    ),
)
CAMERA_BY_ID = {c.id: c for c in CAMERAS}

RESIDENTS = (
    Resident(
        "Alex", "31-40", "female", routes=(("front_door", "driveway"), ("garage", "driveway"))
    ),
    Resident("Sam", "41-50", "male", routes=(("garage", "driveway"), ("backyard", "garage"))),
    Resident("Robin", "11-20", "unknown", routes=(("front_door", "driveway"),)),
    Resident("Pepper", "unknown", "unknown", kind="dog", routes=(("backyard", "front_door"),)),
)

# Relative activity by local hour (0-23), 1.0 = the camera's peak rate.
PEOPLE_BY_HOUR = (
    0.02,
    0.01,
    0.01,
    0.01,
    0.02,
    0.08,
    0.35,
    0.9,
    1.0,
    0.6,
    0.45,
    0.5,
    0.55,
    0.5,
    0.45,
    0.55,
    0.75,
    1.0,
    0.95,
    0.8,
    0.55,
    0.3,
    0.12,
    0.05,
)
VEHICLES_BY_HOUR = (
    0.02,
    0.01,
    0.01,
    0.01,
    0.03,
    0.1,
    0.5,
    1.0,
    0.9,
    0.4,
    0.3,
    0.3,
    0.35,
    0.3,
    0.3,
    0.4,
    0.7,
    1.0,
    0.8,
    0.5,
    0.3,
    0.15,
    0.08,
    0.04,
)
ANIMALS_BY_HOUR = (
    0.6,
    0.5,
    0.4,
    0.4,
    0.6,
    0.9,
    1.0,
    0.6,
    0.4,
    0.3,
    0.3,
    0.3,
    0.3,
    0.3,
    0.3,
    0.35,
    0.4,
    0.6,
    0.9,
    1.0,
    0.9,
    0.8,
    0.7,
    0.65,
)
NIGHT_HOURS = frozenset({22, 23, 0, 1, 2, 3, 4})

# Sample alert rules, created once (matched by name). Zone ids refer to the zones above.
SAMPLE_RULES: tuple[dict[str, object], ...] = (
    {
        "name": "Intruder at night",
        "description": "A high-risk person anywhere while the house sleeps.",
        "severity": "critical",
        "risk_threshold": 70,
        "object_types": ["person"],
        "schedule": {"start_time": "22:00", "end_time": "06:00"},
        "cooldown_seconds": 600,
    },
    {
        "name": "Crouching at an entry point",
        "description": "Someone crouching at the porch, patio door or garage door.",
        "severity": "high",
        "zone_ids": ["front_door-porch", "backyard-patio", "garage-door"],
        "conditions": {"pose": {"classes": ["crouching"], "min_confidence": 0.5}},
        "cooldown_seconds": 300,
    },
    {
        "name": "Unknown vehicle in the driveway at night",
        "severity": "medium",
        "object_types": ["car", "truck"],
        "zone_ids": ["driveway-drive"],
        "risk_threshold": 40,
        "schedule": {"start_time": "23:00", "end_time": "05:30"},
        "cooldown_seconds": 1800,
    },
    {
        "name": "Package delivered",
        "severity": "low",
        "object_types": ["package"],
        "camera_ids": ["front_door"],
        "cooldown_seconds": 3600,
    },
)
