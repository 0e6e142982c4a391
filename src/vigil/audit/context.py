"""Who did what, derived from the request itself: action and resource from the matched route,
actor from authentication, client address from the socket (or a trusted proxy's header).

Routes need not cooperate. A route may still name its action explicitly with
``openapi_extra={"x-audit-action": "calibration.reset"}`` (optionally ``x-audit-resource``).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from vigil.core.config import Settings
from vigil.core.security import client_ip

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
METHOD_VERBS = {"POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}
UNAUTHENTICATED = "anonymous"
# Literal path endings that name an operation on the resource before them, not a collection.
KNOWN_VERBS = frozenset({"dismiss", "process", "access", "status", "progress", "address"})


def is_audited(method: str, path: str) -> bool:
    return method in MUTATING_METHODS and (path == "/api" or path.startswith("/api/"))


def _singular(segment: str) -> str:
    name = segment.replace("-", "_")
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


@dataclass(frozen=True)
class RouteAction:
    action: str
    resource_type: str
    resource_id: str | None
    # True when the route creates a new resource whose id is known only after the write.
    creates: bool


def _is_param(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def describe_route(
    method: str, template: str | None, path: str, path_params: dict[str, Any], extra: dict[str, Any]
) -> RouteAction:
    """``POST /api/cameras`` -> camera.create; ``PATCH /api/cameras/{camera_id}`` ->
    camera.update (id from the path); ``POST /api/alerts/{alert_id}/acknowledge`` ->
    alert.acknowledge; ``POST /api/calibration/reset`` -> calibration.reset."""
    segments = [s for s in (template or path).split("/") if s]
    if segments and segments[0] == "api":
        segments = segments[1:]
    literals = [(i, s) for i, s in enumerate(segments) if not _is_param(s)]
    resource_id = None
    params = [s[1:-1].split(":")[0] for s in segments if _is_param(s)]
    if params and params[-1] in path_params:
        resource_id = str(path_params[params[-1]])
    verb = METHOD_VERBS.get(method, method.lower())
    creates = False
    if not literals:
        resource_type = "api"
    else:
        last_index, last = literals[-1]
        ends_with_literal = last_index == len(segments) - 1
        # Collections are plural ("zones", "rules"); a singular ending is an operation.
        # Only POST names operations (".../restore", ".../acknowledge"); PUT/PATCH/DELETE on a
        # singular ending address a sub-resource (DELETE .../baseline -> baseline.delete).
        looks_like_verb = (
            method == "POST"
            and ends_with_literal
            and len(literals) > 1
            and (last in KNOWN_VERBS or not last.endswith("s"))
        )
        after_literal = last_index > 0 and not _is_param(segments[last_index - 1])
        if looks_like_verb:
            verb = last.replace("-", "_")
            resource_type = _singular(literals[-2][1])
        elif method != "POST" and after_literal and ends_with_literal:
            resource_type = f"{_singular(literals[-2][1])}_{_singular(last)}"
        else:
            resource_type = _singular(last)
            creates = method == "POST" and ends_with_literal
            if creates:
                # The new object's id comes from the write; a path id names its parent.
                resource_id = None
    action = extra.get("x-audit-action") or f"{resource_type}.{verb}"
    resource_type = extra.get("x-audit-resource") or resource_type
    return RouteAction(str(action)[:50], str(resource_type)[:50], resource_id, creates)


def route_action(request: Request) -> RouteAction:
    route = request.scope.get("route")
    template = getattr(route, "path", None)
    extra = getattr(route, "openapi_extra", None) or {}
    params = request.scope.get("path_params") or {}
    return describe_route(request.method, template, request.url.path, params, extra)


def actor_of(request: Request) -> str:
    actor = getattr(request.state, "actor", None)
    if actor:
        return str(actor)[:100]
    refused = getattr(request.state, "auth_failure_actor", None)
    return str(refused)[:100] if refused else UNAUTHENTICATED


def address_of(request: Request, settings: Settings) -> str | None:
    """The socket peer, or the forwarded client when the peer is a trusted proxy; only a valid IP
    address is stored (a forged header cannot put arbitrary text in the trail)."""
    address = client_ip(request, settings)
    if address is None:
        return None
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return request.client.host[:45] if request.client else None


def user_agent_of(request: Request) -> str | None:
    agent = request.headers.get("user-agent")
    return agent[:500] if agent else None
