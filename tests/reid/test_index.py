"""The in-process index returns exactly the brute-force top k, with filters applied."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from vigil.reid.index import EmbeddingIndex, Filters

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    v = rng.standard_normal((n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _index(n: int = 500, d: int = 32) -> tuple[EmbeddingIndex, np.ndarray]:
    rng = np.random.default_rng(1)
    vectors = _unit(rng, n, d)
    index = EmbeddingIndex(d, capacity=16)  # grows several times
    for start in range(0, n, 97):
        chunk = slice(start, min(n, start + 97))
        ids = list(range(chunk.start + 1, chunk.stop + 1))
        index.add(
            vectors[chunk],
            ids,
            [(T0 + timedelta(minutes=i)).timestamp() for i in ids],
            ["cam_a" if i % 2 else "cam_b" for i in ids],
            ["person" if i % 3 else "car" for i in ids],
        )
    return index, vectors


def test_top_k_matches_brute_force() -> None:
    index, vectors = _index()
    query = vectors[10] + 0.01
    query /= np.linalg.norm(query)
    hits, candidates = index.search(query, 10, -1.0, Filters())
    expected = np.argsort(-(vectors @ query))[:10] + 1
    assert [h.detection_id for h in hits] == list(expected)
    assert candidates == 500
    assert hits[0].detection_id == 11 and hits[0].similarity > 0.99
    sims = [h.similarity for h in hits]
    assert sims == sorted(sims, reverse=True)


def test_filters_threshold_and_exclusion() -> None:
    index, vectors = _index()
    query = vectors[10]  # detection 11: cam_a, person
    assert index.search(query, 5, 0.9, Filters())[0][0].detection_id == 11
    hits, _ = index.search(query, 5, 0.9, Filters(exclude_detection_id=11))
    assert hits == []  # random vectors are far apart: nothing else passes 0.9
    hits, candidates = index.search(query, 500, -1.0, Filters(camera_ids=["cam_b"]))
    assert candidates == 250 and all(h.detection_id % 2 == 0 for h in hits)
    hits, _ = index.search(
        query, 500, -1.0, Filters(exclude_camera_ids=["cam_b"], object_type="car")
    )
    assert hits and all(h.detection_id % 2 == 1 and h.detection_id % 3 == 0 for h in hits)
    window = Filters(since=T0 + timedelta(minutes=100), until=T0 + timedelta(minutes=120))
    hits, candidates = index.search(query, 500, -1.0, window)
    assert candidates == 21 and {h.detection_id for h in hits} == set(range(100, 121))
    assert index.search(query, 5, -1.0, Filters(object_type="boat")) == ([], 0)
    index.discard([11])
    assert 11 not in {h.detection_id for h in index.search(query, 5, -1.0, Filters())[0]}
