"""Run Vigil's real GPU sampler (the production code path, real ``pynvml``) against the GPUs of
this machine and print what it stored — the check to run once on a machine with an NVIDIA GPU.

    python scripts/device/nvml_check.py [--ticks 3] [--interval 1] [--out nvml-check.json]

It migrates a throwaway SQLite database, starts ``GpuSampler`` exactly as ``vigil serve`` does,
takes a few ticks, and prints every stored ``gpu_stats`` row (NULL = the card does not report
that field). With no driver it prints the sampler's one-line reason and stores nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

from vigil.core.config import load_settings
from vigil.core.db import Database
from vigil.core.logging import configure_logging
from vigil.migrations import upgrade
from vigil.models import GpuStats
from vigil.telemetry.sampler import GpuSampler


def _row(row: GpuStats) -> dict[str, Any]:
    return {
        column.name: getattr(row, column.key)
        for column in GpuStats.__table__.columns  # type: ignore[attr-defined]
        if hasattr(row, column.key)
    }


async def main(ticks: int, interval: float, out: Path | None) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp), gpu_poll_interval_seconds=max(1, interval))
        await upgrade(settings.async_database_url)
        db = Database.from_settings(settings)
        sampler = GpuSampler(db, settings)
        try:
            if not await sampler.start():
                print(json.dumps({"available": False, "reason": sampler.reason}))
                return 1
            for _ in range(ticks):
                await sampler.tick()
                await asyncio.sleep(interval)
            async with db.transaction(write=False) as session:
                rows = (await session.scalars(select(GpuStats).order_by(GpuStats.id))).all()
                report = {
                    "available": True,
                    "gpu_count": sampler.gpu_count,
                    "rows": [_row(r) for r in rows],
                }
        finally:
            await sampler.stop()
            await db.dispose()
    text = json.dumps(report, default=str, indent=2)
    print(text)
    if out is not None:
        out.write_text(text)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=3)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    configure_logging("INFO")
    sys.exit(asyncio.run(main(args.ticks, args.interval, args.out)))
