"""``vigil demo``: feed a simulated home into a running Vigil over its HTTP API."""

from __future__ import annotations

import asyncio

import typer


def demo(
    url: str = typer.Option("http://127.0.0.1:8000", help="Base URL of the running Vigil."),
    api_key: str | None = typer.Option(
        None, envvar="VIGIL_DEMO_API_KEY", help="API key, when Vigil has authentication on."
    ),
    speed: float = typer.Option(
        60.0, min=0.01, max=100_000, help="Live activity at this many times real time."
    ),
    backfill_days: float = typer.Option(
        0.0, min=0, max=365, help="First write this many days of history, as fast as possible."
    ),
    live: bool = typer.Option(True, help="Keep feeding live activity after the backfill."),
    duration: float | None = typer.Option(
        None, min=1, help="Stop the live feed after this many seconds (default: run until Ctrl-C)."
    ),
    timezone: str | None = typer.Option(
        None, help="IANA zone of the home's day/night rhythm (default: this machine's)."
    ),
    seed: int = typer.Option(7, help="Random seed: the same seed replays the same history."),
) -> None:
    """Feed a simulated home (front door, driveway, backyard, garage) into a running Vigil."""
    from rich.console import Console

    from vigil.core.config import load_settings
    from vigil.core.logging import configure_logging
    from vigil.demo.runner import DemoHome, DemoOptions, http_client, local_timezone

    console = Console(stderr=True)
    settings = load_settings()
    configure_logging(settings.log_level)
    options = DemoOptions(
        speed=speed,
        backfill_days=backfill_days,
        seed=seed,
        timezone=timezone or local_timezone(),
        reid_dimension=settings.reid_dimension,
        duration_seconds=duration,
        live=live,
    )

    async def main() -> None:
        async with http_client(url, api_key) as client:
            stats = await DemoHome(client, options).run()
        console.print(
            f"demo: {stats.events} events written ({stats.duplicates} already there), "
            f"{stats.alerts} alerts raised, {stats.feedback} feedback, {stats.errors} refused"
            + (f"; skipped: {', '.join(stats.skipped)}" if stats.skipped else "")
        )

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        console.print("demo stopped")
    except Exception as exc:  # connection refused, 401: one readable line, not a traceback
        import httpx

        if isinstance(exc, httpx.HTTPError):
            console.print(f"[red]error:[/red] cannot feed Vigil at {url}: {exc}")
            raise typer.Exit(1) from None
        raise
