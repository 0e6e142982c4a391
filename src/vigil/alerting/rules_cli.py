"""``vigil rules list|test``: alert rules and their dry run, straight from the database."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.alerting import rules
from vigil.alerting.cli import err, out, run_db
from vigil.alerting.schemas import RuleTestRequest, RuleTestResult
from vigil.models import AlertRule

app = typer.Typer(no_args_is_help=True)


@app.command("list")
def list_cmd(
    enabled: bool | None = typer.Option(None, "--enabled/--disabled", help="Filter by state."),
    limit: int = typer.Option(100, min=1, max=1000),
) -> None:
    """Rules by name."""

    async def work(session: AsyncSession) -> tuple[Sequence[AlertRule], int]:
        return await rules.list_rules(session, enabled=enabled, limit=limit)

    rows, total = run_db(work)
    table = Table(title=f"alert rules ({len(rows)} of {total})")
    for column in ("id", "name", "enabled", "severity", "cooldown s", "channels"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            str(r.id),
            r.name,
            "yes" if r.enabled else "no",
            r.severity,
            str(r.cooldown_seconds),
            ", ".join(r.channels or []),
        )
    out.print(table)


@app.command("test")
def test_cmd(
    rule_id: str = typer.Argument(..., help="Rule id."),
    event: list[int] = typer.Option([], "--event", help="Event id (repeatable)."),
    limit: int = typer.Option(10, min=1, max=1000, help="Newest N events when no --event."),
    at: datetime | None = typer.Option(
        None, "--at", help="Evaluate the schedule at this time (ISO 8601, UTC if no offset)."
    ),
) -> None:
    """Dry-run a rule against stored events; creates nothing."""
    try:
        target = uuid.UUID(rule_id)
    except ValueError:
        err.print(f"[red]error:[/red] {rule_id!r} is not a rule id")
        raise typer.Exit(2) from None
    if at is not None and at.tzinfo is None:
        from datetime import UTC

        at = at.replace(tzinfo=UTC)
    request = RuleTestRequest(event_ids=event or None, limit=limit, test_time=at)

    async def work(session: AsyncSession) -> RuleTestResult:
        return await rules.dry_run_rule(session, target, request)

    result = run_db(work)
    table = Table(title=f"rule {result.rule_id}")
    for column in ("event", "camera", "matched", "conditions / reason"):
        table.add_column(column)
    for r in result.results:
        detail = ", ".join(r.matched_conditions) if r.matched else (r.reason or "")
        table.add_row(str(r.event_id), r.camera_id, "yes" if r.matched else "no", detail)
    out.print(table)
    out.print(
        f"{result.events_matched} of {result.events_tested} events matched "
        f"(match rate {result.match_rate:.0%})"
    )
