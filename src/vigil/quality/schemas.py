from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from vigil.core.schemas import StrictModel
from vigil.models import EventAudit
from vigil.models.event_audit import MODEL_FLAGS
from vigil.quality.evaluate import IMPROVEMENT_KEYS


class AuditScores(BaseModel):
    context_usage: float | None
    reasoning_coherence: float | None
    risk_justification: float | None
    consistency: float | None
    overall: float | None


class EventAuditRead(BaseModel):
    event_id: int
    audited_at: datetime
    is_fully_evaluated: bool
    contributions: dict[str, bool]
    prompt_length: int
    prompt_token_estimate: int
    enrichment_utilization: float
    scores: AuditScores
    consistency_risk_score: int | None
    consistency_diff: int | None
    self_eval_critique: str | None
    improvements: dict[str, list[str]]

    @classmethod
    def from_audit(cls, audit: EventAudit) -> EventAuditRead:
        def items(raw: str | None) -> list[str]:
            try:
                parsed: Any = json.loads(raw) if raw else []
            except ValueError:
                return []
            return [str(i) for i in parsed] if isinstance(parsed, list) else []

        return cls(
            event_id=audit.event_id,
            audited_at=audit.audited_at,
            is_fully_evaluated=audit.is_fully_evaluated,
            contributions={f.removeprefix("has_"): bool(getattr(audit, f)) for f in MODEL_FLAGS},
            prompt_length=audit.prompt_length,
            prompt_token_estimate=audit.prompt_token_estimate,
            enrichment_utilization=audit.enrichment_utilization,
            scores=AuditScores(
                context_usage=audit.context_usage_score,
                reasoning_coherence=audit.reasoning_coherence_score,
                risk_justification=audit.risk_justification_score,
                consistency=audit.consistency_score,
                overall=audit.overall_quality_score,
            ),
            consistency_risk_score=audit.consistency_risk_score,
            consistency_diff=audit.consistency_diff,
            self_eval_critique=audit.self_eval_critique,
            improvements={k: items(getattr(audit, k)) for k in IMPROVEMENT_KEYS},
        )


class EvaluateAccepted(BaseModel):
    status: str
    job_id: str | None
    event_id: int


class BatchRequest(StrictModel):
    limit: int = Field(default=100, ge=1, le=1000)
    min_risk_score: int | None = Field(default=None, ge=0, le=100)
    force_reevaluate: bool = False


class BatchAccepted(BaseModel):
    status: str
    job_id: str
