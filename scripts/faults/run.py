"""Fault scenarios against a real deployment under load (``make faults``).

Each scenario starts a fresh deployment (a throwaway PostgreSQL, 2 x ``vigil serve``,
2 x ``vigil worker``, a webhook receiver; all on loopback), runs ``bench/load.py``'s mixed load and
injects one fault part-way through:

  pg_restart      PostgreSQL crash-stopped (pg_ctl -m immediate) for --outage seconds, then
                  started again: during the outage the API answers 503 + Retry-After, never a
                  500 or a hang; afterwards it serves again by itself; nothing acked is lost.
  worker_kill     one worker SIGKILLed while deliveries are in flight (the receiver answers
                  slowly), then restarted: its jobs are recovered and retried, every alert is
                  delivered.
  receiver_down   the webhook receiver stops listening for --outage seconds: deliveries fail
                  and are retried with backoff; every alert is delivered once it is back.
  sqlite_full     the SQLite file cannot grow: 507 with a clear error, nothing half-written,
                  PRAGMA integrity_check ok (tests/reliability/test_db_outage.py).

A scenario passes when its last line says ``errors: 0 lost: 0``.

    python scripts/faults/run.py                  # all, default durations
    python scripts/faults/run.py pg_restart --duration 20 --outage 5
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.load import Result, Target, report, run_target, summary  # noqa: E402
from bench.load import parser as load_parser  # noqa: E402

# Faster failure detection than the production defaults, so a scenario fits in a minute.
FAULT_ENV = {
    "VIGIL_JOB_HEARTBEAT_INTERVAL_SECONDS": "1",
    "VIGIL_JOB_STALL_TIMEOUT_SECONDS": "5",
    "VIGIL_JOB_RETRY_BASE_SECONDS": "1",
    "VIGIL_JOB_RETRY_MAX_SECONDS": "5",
    "VIGIL_JOB_POLL_INTERVAL_SECONDS": "1",
    "VIGIL_DB_CONNECT_TIMEOUT_SECONDS": "2",
    "VIGIL_DB_POOL_TIMEOUT_SECONDS": "3",
}


def pg_restart(outage: float) -> Callable[[Target, float], Awaitable[None]]:
    async def fault(target: Target, duration: float) -> None:
        await asyncio.sleep(duration * 0.3)
        print(f"  fault: PostgreSQL crash-stopped for {outage:.0f}s", file=sys.stderr)
        await asyncio.to_thread(target.pg.halt, "immediate")
        await asyncio.sleep(outage)
        await asyncio.to_thread(target.pg.resume)
        print("  fault: PostgreSQL back", file=sys.stderr)

    return fault


def worker_kill(_: float) -> Callable[[Target, float], Awaitable[None]]:
    async def fault(target: Target, duration: float) -> None:
        target.receiver.delay = 1.5  # deliveries stay in flight long enough to be cut off
        await asyncio.sleep(duration * 0.4)
        victim = next(p for p in target.deployment.procs if p.name == "worker0")
        print("  fault: SIGKILL worker0 mid-delivery", file=sys.stderr)
        victim.kill(signal.SIGKILL)
        await asyncio.sleep(2)
        target.deployment.worker("worker0-restarted")
        await asyncio.sleep(duration * 0.2)
        target.receiver.delay = 0.0

    return fault


def receiver_down(outage: float) -> Callable[[Target, float], Awaitable[None]]:
    async def fault(target: Target, duration: float) -> None:
        await asyncio.sleep(duration * 0.2)
        print(f"  fault: webhook receiver down for {outage:.0f}s", file=sys.stderr)
        await target.receiver.stop()
        await asyncio.sleep(outage)
        await target.receiver.start()
        print("  fault: webhook receiver back", file=sys.stderr)

    return fault


LOAD_FAULTS = {"pg_restart": pg_restart, "worker_kill": worker_kill, "receiver_down": receiver_down}
ALL = [*LOAD_FAULTS, "sqlite_full"]


async def run_load_fault(name: str, args: argparse.Namespace) -> Result:
    result = await run_target("postgresql", args, LOAD_FAULTS[name](args.outage), FAULT_ENV)
    result.target = name[:11]
    return result


def run_sqlite_full() -> int:
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--backends=sqlite",
        "tests/reliability/test_db_outage.py::test_sqlite_full_is_507_without_corruption",
    ]
    return subprocess.run(cmd, cwd=ROOT, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawTextHelpFormatter,
        parents=[load_parser()],
        conflict_handler="resolve",
    )
    p.add_argument("scenarios", nargs="*", default=ALL, help=f"any of {', '.join(ALL)}")
    p.add_argument("--outage", type=float, default=8.0, help="seconds each fault lasts (8)")
    p.set_defaults(duration=30.0, rate=10.0, settle=90.0)
    args = p.parse_args(argv)
    unknown = set(args.scenarios) - set(ALL)
    if unknown:
        p.error(f"unknown scenarios: {sorted(unknown)}")
    failed: list[str] = []
    results: list[Result] = []
    for name in args.scenarios:
        started = time.monotonic()
        print(f"== {name}", file=sys.stderr)
        if name == "sqlite_full":
            ok = run_sqlite_full() == 0
            print(f"sqlite_full: {'ok' if ok else 'FAILED'}")
        else:
            result = asyncio.run(run_load_fault(name, args))
            results.append(result)
            errors, lost = summary([result])
            ok = errors == 0 and lost == 0
            print(f"{name}: errors: {errors} lost: {lost} ({time.monotonic() - started:.0f}s)")
        if not ok:
            failed.append(name)
    if results:
        print(report(results))
    errors, lost = summary(results)
    if failed:
        print(f"failed scenarios: {', '.join(failed)}")
    print(f"errors: {errors + (1 if 'sqlite_full' in failed else 0)} lost: {lost}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
