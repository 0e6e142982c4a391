"""Zone geometry: boundary rule, concave polygons, self-intersection, rectangles, anchors."""

from __future__ import annotations

import pytest

from vigil.zones.geometry import (
    anchor_point,
    is_self_intersecting,
    point_in_polygon,
    rectangle_points,
)

SQUARE = [(0.2, 0.2), (0.6, 0.2), (0.6, 0.6), (0.2, 0.6)]
# A "U" (concave): the notch between x 0.4..0.6 above y 0.5 is outside.
U_SHAPE = [
    (0.2, 0.2),
    (0.4, 0.2),
    (0.4, 0.5),
    (0.6, 0.5),
    (0.6, 0.2),
    (0.8, 0.2),
    (0.8, 0.8),
    (0.2, 0.8),
]


@pytest.mark.parametrize(
    ("point", "inside"),
    [
        ((0.4, 0.4), True),
        ((0.1, 0.4), False),
        ((0.2, 0.4), True),  # on the left edge
        ((0.6, 0.4), True),  # on the right edge
        ((0.4, 0.2), True),  # on the top edge
        ((0.4, 0.6), True),  # on the bottom edge
        ((0.2, 0.2), True),  # a vertex
        ((0.6, 0.6), True),  # the opposite vertex
        ((0.6000001, 0.4), False),  # just outside
    ],
)
def test_boundary_points_are_inside(point: tuple[float, float], inside: bool) -> None:
    assert point_in_polygon(point, SQUARE) is inside
    # The answer does not depend on which way round the polygon was drawn.
    assert point_in_polygon(point, list(reversed(SQUARE))) is inside


@pytest.mark.parametrize(
    ("point", "inside"),
    [
        ((0.5, 0.3), False),  # in the notch
        ((0.5, 0.7), True),  # below the notch
        ((0.3, 0.3), True),  # left arm
        ((0.7, 0.3), True),  # right arm
        ((0.5, 0.5), True),  # on the notch's floor edge
        ((0.9, 0.5), False),
    ],
)
def test_concave_polygon(point: tuple[float, float], inside: bool) -> None:
    assert point_in_polygon(point, U_SHAPE) is inside


def test_ray_through_vertex_counted_once() -> None:
    diamond = [(0.5, 0.1), (0.9, 0.5), (0.5, 0.9), (0.1, 0.5)]
    assert point_in_polygon((0.3, 0.5), diamond)
    assert not point_in_polygon((0.05, 0.5), diamond)
    assert not point_in_polygon((0.05, 0.1), diamond)


def test_self_intersection() -> None:
    bowtie = [(0.1, 0.1), (0.9, 0.9), (0.9, 0.1), (0.1, 0.9)]
    assert is_self_intersecting(bowtie)
    assert not is_self_intersecting(SQUARE)
    assert not is_self_intersecting(U_SHAPE)
    # A vertex touching a non-adjacent edge.
    assert is_self_intersecting([(0.1, 0.1), (0.5, 0.1), (0.3, 0.5), (0.5, 0.9), (0.3, 0.1)])
    # Spike folding back on itself.
    assert is_self_intersecting([(0.1, 0.1), (0.5, 0.1), (0.3, 0.1), (0.3, 0.5)])


def test_rectangles() -> None:
    assert rectangle_points([(0.6, 0.7), (0.1, 0.2)]) == [
        (0.1, 0.2),
        (0.6, 0.2),
        (0.6, 0.7),
        (0.1, 0.7),
    ]
    assert rectangle_points([(0.1, 0.2), (0.6, 0.2), (0.6, 0.7), (0.1, 0.7)])[2] == (0.6, 0.7)
    with pytest.raises(ValueError, match="axis-aligned"):
        rectangle_points([(0.1, 0.2), (0.6, 0.25), (0.6, 0.7), (0.1, 0.7)])
    with pytest.raises(ValueError, match="in order"):
        rectangle_points([(0.1, 0.2), (0.6, 0.7), (0.6, 0.2), (0.1, 0.7)])
    with pytest.raises(ValueError, match="non-zero"):
        rectangle_points([(0.1, 0.2), (0.1, 0.7)])
    with pytest.raises(ValueError, match="2 opposite corners"):
        rectangle_points([(0.1, 0.2), (0.6, 0.2), (0.6, 0.7)])


def test_anchor_uses_the_detections_own_image_size() -> None:
    # Same pixel box, different resolutions: the normalised anchor differs.
    assert anchor_point(100, 100, 50, 100, 1920, 1080) == pytest.approx((125 / 1920, 200 / 1080))
    assert anchor_point(100, 100, 50, 100, 640, 480) == pytest.approx((125 / 640, 200 / 480))
    # Bottom-centre, not centre.
    assert anchor_point(0, 0, 640, 480, 640, 480) == (0.5, 1.0)
    # A box overhanging the frame is clamped onto it.
    assert anchor_point(600, 400, 100, 200, 640, 480) == (1.0, 1.0)
    with pytest.raises(ValueError):
        anchor_point(0, 0, 0, 10, 640, 480)
