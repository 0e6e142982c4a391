"""The ``vigil`` command line. Each area adds its own sub-commands in ``<area>/cli.py``."""

from __future__ import annotations

import asyncio
import importlib
import sys

import typer
from rich.console import Console

from vigil.core.commands import settings_or_exit
from vigil.core.config import ConfigError, Settings

console = Console(stderr=True)
app = typer.Typer(
    name="vigil",
    help="Vigil: operations backbone for self-hosted AI home-security cameras.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema: apply and inspect migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")

# (module, name, help) of each area's sub-command group; each module exposes ``app``.
SUBCOMMANDS = (
    ("vigil.alerting.cli", "alerts", "List, acknowledge and dismiss alerts."),
    ("vigil.alerting.rules_cli", "rules", "List and dry-run alert rules."),
    ("vigil.jobs.cli", "jobs", "Inspect, cancel and retry background jobs."),
    ("vigil.telemetry.cli", "gpu", "GPU telemetry."),
    ("vigil.logs.cli", "logs", "Search and tail application logs."),
    ("vigil.audit.cli", "audit", "List, verify and export the audit trail."),
    ("vigil.baselines.cli", "baseline", "Activity baselines and anomalies."),
    ("vigil.keys.cli", "keys", "Create, list and revoke API keys (stored hashed)."),
)


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Address to bind (default VIGIL_HOST, 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default VIGIL_PORT, 8000)."),
    migrate: bool = typer.Option(True, help="Apply pending migrations before serving."),
    demo: bool = typer.Option(False, help="Also feed a simulated home into this server."),
    demo_speed: float = typer.Option(60.0, min=0.01, help="Demo: live activity, times real time."),
    demo_backfill_days: float = typer.Option(0.0, min=0, max=365, help="Demo: days of history."),
    demo_api_key: str | None = typer.Option(
        None, envvar="VIGIL_DEMO_API_KEY", help="Demo: API key when authentication is on."
    ),
) -> None:
    """Run the API and dashboard (and, by default, the embedded worker and samplers)."""
    import uvicorn

    from vigil.app import create_app
    from vigil.core.logging import configure_logging
    from vigil.core.security import is_loopback

    settings = settings_or_exit()
    bind_host = host or settings.host
    # Database keys count too (``vigil keys create``), not only VIGIL_API_KEYS.
    if not is_loopback(bind_host) and not _auth_configured(settings):
        console.print(
            f"[red]error:[/red] refusing to listen on {bind_host}: beyond localhost Vigil needs "
            "authentication. Create a key with `vigil keys create NAME` or set VIGIL_API_KEYS "
            "(e.g. 'admin:<a long random key>')."
        )
        raise typer.Exit(2)
    configure_logging(settings.log_level)
    if migrate:
        _upgrade(settings)
    application = create_app(settings)
    if demo:
        from vigil.demo.inprocess import attach_demo
        from vigil.demo.runner import DemoOptions, local_timezone

        options = DemoOptions(
            speed=demo_speed,
            backfill_days=demo_backfill_days,
            timezone=local_timezone(),
            reid_dimension=settings.reid_dimension,
        )
        attach_demo(application, options, demo_api_key)
    uvicorn.run(
        application,
        host=bind_host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
    )


def _auth_configured(settings: Settings) -> bool:
    from vigil.keys.store import auth_configured

    return asyncio.run(auth_configured(settings))


def _upgrade(settings: Settings) -> None:
    from vigil.migrations import upgrade

    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        asyncio.run(upgrade(settings.async_database_url))
    except (OSError, ConnectionError) as exc:
        console.print(f"[red]error:[/red] cannot reach the database: {exc}")
        raise typer.Exit(1) from None


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("heads", help="Target revision.")) -> None:
    """Apply migrations (to the newest revision by default)."""
    from vigil.migrations import upgrade

    settings = settings_or_exit()
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(upgrade(settings.async_database_url, revision))
    console.print(
        f"database at [bold]{settings.async_database_url.render_as_string()}[/bold] is up to date"
    )


@db_app.command("current")
def db_current() -> None:
    """Show the database's current revision and whether it is the newest."""
    from vigil.migrations import current, head_revisions

    settings = settings_or_exit()
    revisions = asyncio.run(current(settings.async_database_url))
    heads = head_revisions()
    typer.echo(", ".join(revisions) if revisions else "(empty: run `vigil db upgrade`)")
    if set(revisions) != set(heads):
        typer.echo(f"newest: {', '.join(heads)}")


@app.command()
def worker(
    queues: str | None = typer.Option(
        None, "--queues", "-q", help="Comma-separated queues to serve (default: all)."
    ),
    concurrency: int | None = typer.Option(
        None,
        "--concurrency",
        "-c",
        min=1,
        max=256,
        help="Jobs run at once (default VIGIL_JOB_WORKER_CONCURRENCY, 4).",
    ),
    tasks_module: list[str] = typer.Option(
        [], "--tasks-module", help="Extra module declaring tasks (repeatable)."
    ),
) -> None:
    """Run a job worker until SIGTERM/SIGINT (running jobs finish or are released)."""
    from vigil.core.logging import configure_logging
    from vigil.jobs.runtime import run_worker

    settings = settings_or_exit()
    configure_logging(settings.log_level)
    chosen = [q.strip() for q in queues.split(",") if q.strip()] if queues else None
    asyncio.run(
        run_worker(settings, queues=chosen, concurrency=concurrency, task_modules=tasks_module)
    )


def _register_subcommands() -> None:
    for module_name, name, help_text in SUBCOMMANDS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # that area has no CLI yet
            raise
        app.add_typer(module.app, name=name, help=help_text)


_register_subcommands()
app.command("demo")(importlib.import_module("vigil.demo.cli").demo)


def main() -> None:
    try:
        app()
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {exc}")
        sys.exit(2)
