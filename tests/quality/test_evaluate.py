"""LLM evaluation through a stub chat-completions server: clamped scores, consistency, lists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import make_camera, make_event
from tests.fake_job_context import FakeJobContext
from tests.quality.stub_llm import stub_llm
from vigil.core.config import Settings, load_settings
from vigil.core.db import Database
from vigil.models import EventAudit, Job
from vigil.quality.evaluate import consistency_score
from vigil.quality.llm import LLMError
from vigil.quality.tasks import evaluate_event

PROMPT = (
    "<|im_start|>user\nCamera front_door saw a person at 02:00.<|im_end|>\n<|im_start|>assistant\n"
)


def respond(message: str) -> str:
    if "Critique this analysis" in message:
        return "The analysis ignores the time of day."
    if "Score this analysis" in message:
        # 7 is out of range (clamped to 5), 0 too (clamped to 1); actionability missing (3).
        return (
            'Sure! ```json\n{"context_usage": 7, "reasoning_coherence": 0, '
            '"risk_justification": 4}\n```'
        )
    if "How should the PROMPT be improved" in message:
        return json.dumps(
            {
                "missing_context": ["time of day", "household schedule"],
                "unused_data": ["zone names"],
                "model_gaps": [],
                "format_suggestions": ["use bullet lists"],
                "confusing_sections": ["detections table"],
            }
        )
    assert "assistant" not in message  # the consistency re-ask cuts the assistant part off
    return '{"risk_score": 60}'


def _settings(database_url: str, tmp_path: Path, **kw: Any) -> Settings:
    return load_settings(database_url=database_url, data_dir=tmp_path, background_tasks=False, **kw)


async def _event(session: AsyncSession) -> int:
    await make_camera(session, "Front Door")
    event = await make_event(
        session, "front_door", risk_score=70, llm_prompt=PROMPT, reasoning="a person at night"
    )
    return event.id


def test_consistency_formula() -> None:
    assert [consistency_score(d) for d in (0, 5, 10, 20, 40)] == [5.0, 4.0, 3.0, 1.0, 1.0]


async def test_evaluation_through_stub_clamps_scores(
    db: Database, session: AsyncSession, database_url: str, tmp_path: Path
) -> None:
    event_id = await _event(session)
    with stub_llm(respond, fail_first=1) as llm:
        settings = _settings(
            database_url, tmp_path, llm_url=llm["url"], llm_api_key="sk-test", llm_model="tiny"
        )
        result = await evaluate_event(FakeJobContext(db, settings), {"event_id": event_id})
    assert result is not None and result["status"] == "evaluated"
    assert len(llm["requests"]) == 5  # one 503 retried, then four calls
    assert llm["requests"][0]["path"] == "/v1/chat/completions"
    assert llm["requests"][-1]["body"]["model"] == "tiny"
    assert llm["requests"][-1]["auth"] == "Bearer sk-test"
    async with db.sessionmaker() as s:
        audit = await s.scalar(select(EventAudit).where(EventAudit.event_id == event_id))
    assert audit is not None
    assert audit.context_usage_score == 5.0 and audit.reasoning_coherence_score == 1.0
    assert audit.risk_justification_score == 4.0
    assert audit.overall_quality_score == pytest.approx((5 + 1 + 4 + 3) / 4)
    assert (audit.consistency_risk_score, audit.consistency_diff) == (60, 10)
    assert audit.consistency_score == 3.0
    assert audit.self_eval_critique == "The analysis ignores the time of day."
    assert json.loads(audit.missing_context or "") == ["time of day", "household schedule"]
    assert json.loads(audit.model_gaps or "") == []
    assert audit.self_eval_prompt and "Score this analysis" in audit.self_eval_prompt

    # Already evaluated: a second run without force does not call the model.
    with stub_llm(respond) as llm:
        settings = _settings(database_url, tmp_path, llm_url=llm["url"])
        again = await evaluate_event(FakeJobContext(db, settings), {"event_id": event_id})
    assert again == {"event_id": event_id, "status": "already_evaluated"}
    assert llm["requests"] == []


async def test_unreachable_llm_raises_for_retry(
    db: Database, session: AsyncSession, database_url: str, tmp_path: Path
) -> None:
    event_id = await _event(session)
    with stub_llm(respond, fail_first=100) as llm:
        settings = _settings(database_url, tmp_path, llm_url=llm["url"], llm_max_retries=1)
        with pytest.raises(LLMError, match="after 2 attempts"):
            await evaluate_event(FakeJobContext(db, settings), {"event_id": event_id})


async def test_api_without_llm_says_so(client: httpx.AsyncClient, session: AsyncSession) -> None:
    event_id = await _event(session)
    r = await client.post(f"/api/ai-audit/events/{event_id}/evaluate")
    assert r.status_code == 503 and r.json()["error"] == "llm_not_configured"
    r = await client.post("/api/ai-audit/batch", json={})
    assert r.status_code == 503 and r.json()["error"] == "llm_not_configured"
    assert (await client.post("/api/ai-audit/events/999/evaluate")).status_code == 404


async def test_api_enqueues_evaluation(
    db: Database, session: AsyncSession, database_url: str, tmp_path: Path
) -> None:
    from vigil.app import create_app

    event_id = await _event(session)
    app = create_app(_settings(database_url, tmp_path, llm_url="http://127.0.0.1:9"), database=db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as c:
        r = await c.post(f"/api/ai-audit/events/{event_id}/evaluate?force=true")
        assert r.status_code == 202, r.text
        job_id = r.json()["job_id"]
        again = await c.post(f"/api/ai-audit/events/{event_id}/evaluate?force=true")
        assert again.json()["job_id"] == job_id  # one queued evaluation per event
        r = await c.post("/api/ai-audit/batch", json={"limit": 5})
        assert r.status_code == 202
    async with db.sessionmaker() as s:
        jobs = (await s.scalars(select(Job).order_by(Job.created_at))).all()
    assert [j.job_type for j in jobs] == ["quality.evaluate", "quality.batch"]
    assert jobs[0].payload == {"event_id": event_id, "force": True}
