"""``vigil alerts list|ack|dismiss``: alerts straight from the database."""

from __future__ import annotations

import uuid
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.alerting import alerts
from vigil.alerting.schemas import AlertRead
from vigil.core.commands import err, run_db

app = typer.Typer(no_args_is_help=True)
out = Console()
CLI_ACTOR = "cli"


def _parse_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        err.print(f"[red]error:[/red] {value!r} is not an alert id")
        raise typer.Exit(2) from None


def _print_alert(alert: AlertRead) -> None:
    out.print(f"alert {alert.id}: {alert.status} (version {alert.version_id})")


@app.command("list")
def list_cmd(
    status: str | None = typer.Option(None, help="pending, delivered, acknowledged, dismissed"),
    severity: str | None = typer.Option(None, help="low, medium, high, critical"),
    camera: str | None = typer.Option(None, "--camera", help="Camera id."),
    limit: int = typer.Option(20, min=1, max=1000),
    as_json: bool = typer.Option(False, "--json", help="Print JSON lines instead of a table."),
) -> None:
    """Newest alerts first."""

    async def work(session: AsyncSession) -> tuple[list[AlertRead], int]:
        return await alerts.list_alerts(
            session, status=status, severity=severity, camera_id=camera, limit=limit
        )

    items, total = run_db(work)
    if as_json:
        for item in items:
            typer.echo(item.model_dump_json())
        return
    table = Table(title=f"alerts ({len(items)} of {total})")
    for column in ("id", "created", "camera", "severity", "status", "rule", "dedup key"):
        table.add_column(column)
    for a in items:
        meta: dict[str, Any] = a.metadata or {}
        table.add_row(
            str(a.id),
            a.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            a.camera_id or "",
            a.severity,
            a.status,
            str(meta.get("rule_name", "")),
            a.dedup_key,
        )
    out.print(table)


@app.command("ack")
def ack_cmd(
    alert_id: str = typer.Argument(..., help="Alert id."),
    version: int | None = typer.Option(None, help="Refuse if the alert is not at this version."),
) -> None:
    """Acknowledge a pending or delivered alert."""
    target = _parse_id(alert_id)

    async def work(session: AsyncSession) -> AlertRead:
        return await alerts.acknowledge(session, target, expected_version=version, actor=CLI_ACTOR)

    _print_alert(run_db(work))


@app.command("dismiss")
def dismiss_cmd(
    alert_id: str = typer.Argument(..., help="Alert id."),
    reason: str | None = typer.Option(None, help="Why it is dismissed."),
    version: int | None = typer.Option(None, help="Refuse if the alert is not at this version."),
) -> None:
    """Dismiss an alert (any status except dismissed)."""
    target = _parse_id(alert_id)

    async def work(session: AsyncSession) -> AlertRead:
        return await alerts.dismiss(
            session, target, expected_version=version, actor=CLI_ACTOR, reason=reason
        )

    _print_alert(run_db(work))
