"""Jinja2 environment and the one ``render`` call every page uses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from vigil import __version__
from vigil.web.availability import api_available

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

# (path, label) in navigation order; the first segment of the request path picks the active one.
NAV = (
    ("/", "Overview"),
    ("/alerts", "Alerts"),
    ("/rules", "Rules"),
    ("/events", "Events"),
    ("/cameras", "Cameras & zones"),
    ("/baselines", "Baselines"),
    ("/jobs", "Jobs"),
    ("/gpu", "GPU"),
    ("/logs", "Logs"),
    ("/audit", "Audit"),
    ("/quality", "AI quality"),
)

SEVERITY_ORDER = ("critical", "high", "medium", "low")


def time_tag(value: datetime | None, style: str = "datetime") -> Markup:
    """``<time>`` with the UTC instant; app.js rewrites the text in the viewer's timezone."""
    if value is None:
        return Markup('<span class="muted">—</span>')
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    iso = aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
    text = aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return Markup('<time datetime="{}" data-style="{}">{}</time>').format(iso, style, text)


def ago(value: datetime | None) -> str:
    if value is None:
        return "—"
    seconds = int((datetime.now(UTC) - value).total_seconds())
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if abs(seconds) >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


def percent(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f} %"


templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
templates.env.filters["time"] = time_tag
templates.env.filters["ago"] = ago
templates.env.filters["percent"] = percent
templates.env.globals["NAV"] = NAV
templates.env.globals["SEVERITY_ORDER"] = SEVERITY_ORDER
templates.env.globals["version"] = __version__


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    first = "/" + request.url.path.strip("/").split("/")[0] if request.url.path != "/" else "/"
    base: dict[str, Any] = {
        "active": first,
        "actor": getattr(request.state, "actor", None),
        "auth_enabled": getattr(request.state, "auth_enabled", False),
        "api": lambda method, path: api_available(request.app, method, path),
    }
    return templates.TemplateResponse(
        request, template, {**base, **(context or {})}, status_code=status
    )
