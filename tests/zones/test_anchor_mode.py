"""``VIGIL_ZONE_ANCHOR`` picks the point of a bbox that decides zone membership; both modes are
normalised by the detection's own image size."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from tests.alerting.helpers import camera, created, ingest, rule
from tests.factories import detection
from vigil.core.config import load_settings
from vigil.zones.geometry import anchor_point

pytestmark = pytest.mark.usefixtures("backend")

# A zone covering the top half of the frame; a 640x480 detection whose box spans y 40..200:
# its centre (y = 120/480 = 0.25) is inside, its bottom-centre (y = 200/480 = 0.42) too, and a
# box spanning y 100..340 has its centre (0.46) inside but its feet (0.71) outside.
TOP_HALF = [[0.0, 0.0], [1.0, 0.5]]
TALL_BOX = (200, 100, 100, 240)


def test_anchor_modes() -> None:
    assert anchor_point(*TALL_BOX, 640, 480) == pytest.approx((250 / 640, 340 / 480))
    assert anchor_point(*TALL_BOX, 640, 480, mode="center") == pytest.approx((250 / 640, 220 / 480))
    with pytest.raises(ValueError, match="anchor mode"):
        anchor_point(*TALL_BOX, 640, 480, mode="top")


@pytest.mark.parametrize(("mode", "alerts"), [("bottom_center", 0), ("center", 1)])
async def test_zone_rule_follows_the_configured_anchor(
    app: FastAPI, client: httpx.AsyncClient, mode: str, alerts: int
) -> None:
    settings = app.state.settings
    app.state.settings = load_settings(
        database_url=settings.database_url,
        data_dir=settings.data_dir,
        background_tasks=False,
        embedded_worker=False,
        zone_anchor=mode,
    )
    cam = await camera(client)
    response = await client.post(
        f"/api/cameras/{cam}/zones",
        json={"id": "porch", "name": "Porch", "coordinates": TOP_HALF},
    )
    assert response.status_code == 201, response.text
    await rule(client, zone_ids=["porch"], cooldown_seconds=0)
    result = await ingest(client, cam, detections=[detection(bbox=TALL_BOX, image=(640, 480))])
    assert len(created(result)) == alerts
    stored = (await client.get(f"/api/detections/{result['detection_ids'][0]}")).json()
    assert stored["zone_ids"] == (["porch"] if mode == "center" else [])
