"""Re-ID search: Vigil's in-process NumPy index vs FAISS ``IndexFlatIP`` on the same vectors.

For each size N, N synthetic unit vectors (512 dims by default) are added to both Vigil's
``vigil.reid.index.EmbeddingIndex`` (the path ``/api/reid/search`` uses: filters, one float32
mat-vec, argpartition) and a FAISS ``IndexFlatIP`` (exact inner product). The same queries
(noisy copies of stored vectors, so there are true neighbours) are run one at a time on both, as
the API does; the table gives queries/s, p50 latency, and whether the top-10 agree (both are
exact, so they should). FAISS single queries are timed with its default OpenMP threads and with
one thread; the better of the two is the "faiss" column and the ratio. The contenders take
turns query by query, so load from other users of the machine hits them alike. FAISS batched
search (all queries in one call) is shown for context: the API answers one query per request.

Then the start-up cost: rows are written to a throwaway SQLite database through the real
migrations, and the index is loaded cold from it (the float32 ``embedding_f32`` column, and the
JSON ``embedding`` fallback for comparison).

    .venv/bin/python bench/reid.py --small                  # smoke run (10k and 50k vectors)
    .venv/bin/python bench/reid.py                          # 100k and 1M vectors, 512 dims

Last line: ``ratio: X`` = FAISS queries/s / Vigil queries/s at the first size (100k by default).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

from vigil.reid.index import EmbeddingIndex, Filters  # noqa: E402

T0 = datetime(2026, 1, 1, tzinfo=UTC)
CHUNK = 50_000


def unit_chunk(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    v = rng.standard_normal((n, dim), dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v


def build(n: int, dim: int, seed: int):  # type: ignore[no-untyped-def]
    import faiss

    rng = np.random.default_rng(seed)
    vigil = EmbeddingIndex(dim, capacity=n)
    flat = faiss.IndexFlatIP(dim)
    samples = []
    for start in range(0, n, CHUNK):
        count = min(CHUNK, n - start)
        vectors = unit_chunk(rng, count, dim)
        ids = np.arange(start + 1, start + count + 1)
        vigil.add(
            vectors,
            ids.tolist(),
            [T0.timestamp() + float(i) for i in ids],
            ["cam_a" if i % 2 else "cam_b" for i in ids],
            ["person"] * count,
        )
        flat.add(vectors)
        samples.append(vectors[: max(1, 1000 * count // n)].copy())
    return vigil, flat, np.concatenate(samples)


def queries_from(samples: np.ndarray, count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed + 1)
    picked = samples[rng.integers(0, len(samples), count)]
    noisy = picked + 0.3 * rng.standard_normal(picked.shape, dtype=np.float32) / np.sqrt(
        picked.shape[1]
    )
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def time_interleaved(fns, queries: np.ndarray):  # type: ignore[no-untyped-def]
    """Run every query through each contender in turn (A, B, C, A, B, C, ...), so a busy,
    shared machine slows them all alike. Returns per contender (q/s, p50 ms, results)."""
    for fn in fns:
        fn(queries[0])  # warm-up
    latencies: list[list[float]] = [[] for _ in fns]
    results: list[list[list[int]]] = [[] for _ in fns]
    for q in queries:
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            results[i].append(fn(q))
            latencies[i].append(time.perf_counter() - t)
    return [
        (len(queries) / sum(lat), statistics.median(lat) * 1000, res)
        for lat, res in zip(latencies, results, strict=True)
    ]


def run_size(n: int, dim: int, k: int, n_queries: int, seed: int) -> dict[str, float]:
    t = time.perf_counter()
    vigil, flat, samples = build(n, dim, seed)
    build_s = time.perf_counter() - t
    queries = queries_from(samples, n_queries, seed)
    no_filters = Filters()

    def vigil_search(q: np.ndarray) -> list[int]:
        hits, _ = vigil.search(q, k, -1.0, no_filters)
        return [h.detection_id for h in hits]

    def faiss_search(q: np.ndarray) -> list[int]:
        _, ids = flat.search(q[None, :], k)
        return [int(i) + 1 for i in ids[0]]

    def vigil_filtered(q: np.ndarray) -> list[int]:
        hits, _ = vigil.search(q, k, -1.0, Filters(camera_ids=["cam_a"]))
        return [h.detection_id for h in hits]

    import faiss

    threads = faiss.omp_get_max_threads()

    def faiss_one_thread(q: np.ndarray) -> list[int]:
        # FAISS's OpenMP threads can cost more than they give for one query at a time on a busy
        # machine: it is timed single-threaded too, and the better of the two is compared.
        faiss.omp_set_num_threads(1)
        try:
            return faiss_search(q)
        finally:
            faiss.omp_set_num_threads(threads)

    (v_qps, v_p50, v_res), (f_qps, f_p50, f_res), (f1_qps, f1_p50, _), (vf_qps, _, _) = (
        time_interleaved([vigil_search, faiss_search, faiss_one_thread, vigil_filtered], queries)
    )
    if f1_qps > f_qps:
        f_qps, f_p50 = f1_qps, f1_p50
    agree = sum(set(a) == set(b) for a, b in zip(v_res, f_res, strict=True)) / len(queries)
    t = time.perf_counter()
    flat.search(queries, k)
    fb_qps = len(queries) / (time.perf_counter() - t)
    return {
        "n": n,
        "build_s": build_s,
        "vigil_qps": v_qps,
        "vigil_p50_ms": v_p50,
        "vigil_filtered_qps": vf_qps,
        "faiss_qps": f_qps,
        "faiss_1thread_qps": f1_qps,
        "faiss_p50_ms": f_p50,
        "faiss_batch_qps": fb_qps,
        "top10_agree": agree,
        "index_mb": vigil.nbytes / 1e6,
    }


async def load_cost(rows: int, dim: int, seed: int) -> dict[str, float]:
    """Write ``rows`` embeddings to a migrated SQLite file, then time cold index loads."""
    from sqlalchemy import insert, update

    from vigil.core.config import to_async_url
    from vigil.core.db import Database
    from vigil.migrations import upgrade
    from vigil.models import Camera, Detection, ReidEmbedding
    from vigil.reid.service import as_float32, embedding_hash

    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as tmp:
        url = to_async_url(f"sqlite:///{tmp}/reid-bench.db")
        await upgrade(url)
        db = Database(url)
        try:
            async with db.transaction() as s:
                await s.execute(
                    insert(Camera), [{"id": "cam", "name": "Cam", "folder_path": "/cam"}]
                )
            for start in range(0, rows, 5000):
                count = min(5000, rows - start)
                vectors = unit_chunk(rng, count, dim)
                async with db.transaction() as s:
                    await s.execute(
                        insert(Detection),
                        [
                            {
                                "id": start + i + 1,
                                "camera_id": "cam",
                                "file_path": "/x.jpg",
                                "object_type": "person",
                                "detected_at": T0 + timedelta(seconds=start + i),
                            }
                            for i in range(count)
                        ],
                    )
                    as_lists = vectors.astype(np.float64).tolist()
                    await s.execute(
                        insert(ReidEmbedding),
                        [
                            {
                                "detection_id": start + i + 1,
                                "embedding": as_lists[i],
                                "embedding_hash": embedding_hash(as_lists[i]),
                                "embedding_f32": as_float32(as_lists[i]),
                            }
                            for i in range(count)
                        ],
                    )
            result: dict[str, float] = {"rows": rows}
            async with db.transaction() as s:
                index = EmbeddingIndex(dim)
                t = time.perf_counter()
                loaded = await index.refresh(s)
                result["binary_s"] = time.perf_counter() - t
                assert loaded == rows
                t = time.perf_counter()
                await index.refresh(s)  # nothing new: one max(id) query
                result["refresh_noop_ms"] = (time.perf_counter() - t) * 1000
            async with db.transaction() as s:
                await s.execute(update(ReidEmbedding).values(embedding_f32=None))
            async with db.transaction() as s:
                index = EmbeddingIndex(dim)
                t = time.perf_counter()
                await index.refresh(s)
                result["json_s"] = time.perf_counter() - t
            return result
        finally:
            await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated vector counts")
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--queries", type=int, default=100, help="queries per size")
    parser.add_argument("--db-rows", type=int, default=20_000, help="rows for the load test")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--small", action="store_true", help="smoke run: 10k and 50k, 30 queries")
    args = parser.parse_args()
    if args.small:
        args.sizes, args.queries, args.db_rows = "10000,50000", 30, 5000

    import faiss

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(
        f"re-ID top-{args.k} search, {args.dim} dims, {args.queries} single queries per size; "
        f"cpus={os.cpu_count()} faiss_threads={faiss.omp_get_max_threads()} numpy={np.__version__}"
    )
    header = (
        f"{'N':>9} {'vigil q/s':>10} {'p50 ms':>8} {'filtered q/s':>13} {'faiss q/s':>10} "
        f"{'p50 ms':>8} {'faiss batch q/s':>16} {'top10 agree':>12} {'index MB':>9}"
    )
    print(header)
    print("-" * len(header))
    rows = []
    for n in sizes:
        r = run_size(n, args.dim, args.k, args.queries, args.seed)
        rows.append(r)
        print(
            f"{n:>9} {r['vigil_qps']:>10.1f} {r['vigil_p50_ms']:>8.2f} "
            f"{r['vigil_filtered_qps']:>13.1f} {r['faiss_qps']:>10.1f} {r['faiss_p50_ms']:>8.2f} "
            f"{r['faiss_batch_qps']:>16.1f} {r['top10_agree']:>12.2f} {r['index_mb']:>9.0f}",
            flush=True,
        )
    load = asyncio.run(load_cost(args.db_rows, args.dim, args.seed))
    print()
    print(f"start-up load from SQLite, {int(load['rows'])} embeddings x {args.dim} dims:")
    print(
        f"  float32 column (embedding_f32): {load['binary_s']:.2f} s "
        f"({load['rows'] / load['binary_s']:.0f} rows/s)"
    )
    print(
        f"  JSON column fallback:           {load['json_s']:.2f} s "
        f"({load['rows'] / load['json_s']:.0f} rows/s)"
    )
    print(f"  incremental refresh, nothing new: {load['refresh_noop_ms']:.2f} ms")
    first = rows[0]
    print(f"ratio: {first['faiss_qps'] / first['vigil_qps']:.2f}")


if __name__ == "__main__":
    main()
