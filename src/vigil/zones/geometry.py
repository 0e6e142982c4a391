"""Pure 2-D geometry for camera zones, in normalised image coordinates (0..1, origin top-left).

Boundary rule (documented in docs/scene.md): a zone is a *closed* region. A point exactly on an
edge or a vertex is inside. Exactness is within ``EPSILON`` (1e-9 of the image size), so a
detection whose anchor lies on the line a user drew between two zones is in both, rather than in
one of them depending on the direction the polygon was drawn, as half-open ray casting does.
"""

from __future__ import annotations

from collections.abc import Sequence

Point = tuple[float, float]
EPSILON = 1e-9


def _cross(o: Point, a: Point, b: Point) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _on_segment(p: Point, a: Point, b: Point) -> bool:
    """Whether ``p`` lies on the closed segment ``a``-``b`` (within EPSILON)."""
    if abs(_cross(a, b, p)) > EPSILON * max(1.0, abs(b[0] - a[0]) + abs(b[1] - a[1])):
        return False
    return (
        min(a[0], b[0]) - EPSILON <= p[0] <= max(a[0], b[0]) + EPSILON
        and min(a[1], b[1]) - EPSILON <= p[1] <= max(a[1], b[1]) + EPSILON
    )


def point_in_polygon(point: Point, polygon: Sequence[Point]) -> bool:
    """Closed point-in-polygon test: boundary points count as inside.

    Interior points are found by even-odd ray casting (a ray towards +x); the boundary is tested
    first and explicitly, so the result never depends on the vertex order. Works for concave
    polygons. Fewer than 3 vertices is never a region."""
    n = len(polygon)
    if n < 3:
        return False
    x, y = point
    for i in range(n):
        if _on_segment(point, polygon[i], polygon[(i + 1) % n]):
            return True
    inside = False
    j = n - 1
    for i in range(n):
        xi, yi = polygon[i]
        xj, yj = polygon[j]
        # Half-open in y ((yi > y) != (yj > y)) so a ray through a vertex is counted once.
        if (yi > y) != (yj > y):
            x_cross = xi + (y - yi) * (xj - xi) / (yj - yi)
            if x < x_cross:
                inside = not inside
        j = i
    return inside


def _segments_intersect(p1: Point, p2: Point, p3: Point, p4: Point) -> bool:
    """Closed segment intersection, including touching and collinear overlap."""
    d1, d2 = _cross(p3, p4, p1), _cross(p3, p4, p2)
    d3, d4 = _cross(p1, p2, p3), _cross(p1, p2, p4)
    if ((d1 > EPSILON and d2 < -EPSILON) or (d1 < -EPSILON and d2 > EPSILON)) and (
        (d3 > EPSILON and d4 < -EPSILON) or (d3 < -EPSILON and d4 > EPSILON)
    ):
        return True
    return (
        _on_segment(p1, p3, p4)
        or _on_segment(p2, p3, p4)
        or _on_segment(p3, p1, p2)
        or _on_segment(p4, p1, p2)
    )


def is_self_intersecting(polygon: Sequence[Point]) -> bool:
    """Whether any two non-adjacent edges touch or cross (a bow-tie, a figure eight, or a vertex
    lying on another edge). Adjacent edges share one vertex by construction and are only checked
    for folding back onto each other."""
    n = len(polygon)
    edges = [(polygon[i], polygon[(i + 1) % n]) for i in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            a1, a2 = edges[i]
            b1, b2 = edges[j]
            adjacent = j == i + 1 or (i == 0 and j == n - 1)
            if adjacent:
                # Edges meeting at a shared vertex: bad only if they overlap (a spike going back).
                shared = a2 if j == i + 1 else a1
                other_a = a1 if j == i + 1 else a2
                other_b = b2 if j == i + 1 else b1
                if abs(_cross(shared, other_a, other_b)) <= EPSILON and (
                    _on_segment(other_b, shared, other_a) or _on_segment(other_a, shared, other_b)
                ):
                    return True
                continue
            if _segments_intersect(a1, a2, b1, b2):
                return True
    return False


def polygon_area(polygon: Sequence[Point]) -> float:
    """Unsigned shoelace area."""
    n = len(polygon)
    twice = sum(
        polygon[i][0] * polygon[(i + 1) % n][1] - polygon[(i + 1) % n][0] * polygon[i][1]
        for i in range(n)
    )
    return abs(twice) / 2.0


def rectangle_points(points: Sequence[Point]) -> list[Point]:
    """A rectangle from 2 opposite corners or 4 axis-aligned corners, as 4 points clockwise in
    image coordinates from the top-left. Raises ``ValueError`` for anything else."""
    if len(points) == 2:
        (x1, y1), (x2, y2) = points
    elif len(points) == 4:
        xs = {round(p[0], 12) for p in points}
        ys = {round(p[1], 12) for p in points}
        if (
            len(xs) != 2
            or len(ys) != 2
            or len({(round(x, 12), round(y, 12)) for x, y in points}) != 4
        ):
            raise ValueError("a 4-point rectangle needs 4 distinct axis-aligned corners")
        # Consecutive corners must share an x or a y (a bow-tie ordering does not).
        for i in range(4):
            a, b = points[i], points[(i + 1) % 4]
            if abs(a[0] - b[0]) > EPSILON and abs(a[1] - b[1]) > EPSILON:
                raise ValueError("rectangle corners must be given in order around the rectangle")
        x1, x2 = min(xs), max(xs)
        y1, y2 = min(ys), max(ys)
    else:
        raise ValueError("a rectangle is given as 2 opposite corners or 4 corners")
    left, right = min(x1, x2), max(x1, x2)
    top, bottom = min(y1, y2), max(y1, y2)
    if right - left <= EPSILON or bottom - top <= EPSILON:
        raise ValueError("a rectangle needs a non-zero width and height")
    return [(left, top), (right, top), (right, bottom), (left, bottom)]


def anchor_point(
    bbox_x: int,
    bbox_y: int,
    bbox_width: int,
    bbox_height: int,
    image_width: int,
    image_height: int,
    mode: str = "bottom_center",
) -> Point:
    """The anchor of a pixel bbox, normalised by that detection's own image size: by default the
    bottom-centre (as Frigate does: where a person or car touches the ground), or the centre with
    ``mode="center"`` (``VIGIL_ZONE_ANCHOR``). Clamped to the image, so a box that overhangs the
    frame still has an anchor on it. Raises ``ValueError`` for unusable input."""
    if image_width <= 0 or image_height <= 0:
        raise ValueError("image size must be positive")
    if bbox_width <= 0 or bbox_height <= 0:
        raise ValueError("bbox size must be positive")
    if mode not in ("bottom_center", "center"):
        raise ValueError(f"unknown anchor mode {mode!r}")
    x = (bbox_x + bbox_width / 2.0) / image_width
    bottom = bbox_height if mode == "bottom_center" else bbox_height / 2.0
    y = (bbox_y + bottom) / image_height
    return (min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0))
