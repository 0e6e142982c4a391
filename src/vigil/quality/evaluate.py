"""Full quality evaluation of one event's LLM risk assessment: self-critique, rubric scores,
a consistency re-score and prompt-improvement suggestions (four chat calls).

Scores from the model are clamped to 1..5 before they are stored (the reference stored them raw
and broke its own CHECK constraint). A step whose answer cannot be parsed leaves its fields
empty; an unreachable model raises ``LLMError`` so the job is retried.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from statistics import fmean
from typing import Any

from vigil.quality.llm import ChatClient

SYSTEM = "You are an expert reviewer of an AI home-security risk analysis pipeline."
RUBRIC_KEYS = ("context_usage", "reasoning_coherence", "risk_justification", "actionability")
DEFAULT_ACTIONABILITY = 3.0
IMPROVEMENT_KEYS = (
    "missing_context",
    "confusing_sections",
    "unused_data",
    "format_suggestions",
    "model_gaps",
)
PROMPT_EXCERPT = 500
REASONING_EXCERPT = 300
_ASSISTANT_MARKERS = ("<|im_start|>assistant", "### Assistant", "Assistant:")


def clamp_score(value: Any) -> float | None:
    """A rubric score as stored: a number clamped to 1..5, or None if it is not a number."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number != number:  # NaN
        return None
    return max(1.0, min(5.0, number))


def consistency_score(diff: int) -> float:
    """``max(1, 5 - diff / 5)``: diff 0 -> 5.0, 5 -> 4.0, 10 -> 3.0, >= 20 -> 1.0 (linear)."""
    return max(1.0, 5.0 - diff / 5)


def extract_json(text: str) -> dict[str, Any] | None:
    """The first JSON object in a model answer (models wrap JSON in prose or code fences)."""
    start = text.find("{")
    while start != -1:
        depth = 0
        for index in range(start, len(text)):
            if text[index] == "{":
                depth += 1
            elif text[index] == "}":
                depth -= 1
                if depth == 0:
                    try:
                        parsed = json.loads(text[start : index + 1])
                    except ValueError:
                        break
                    return parsed if isinstance(parsed, dict) else None
        start = text.find("{", start + 1)
    return None


def extract_risk_score(text: str) -> int | None:
    parsed = extract_json(text)
    if parsed is not None and "risk_score" in parsed:
        try:
            return max(0, min(100, int(float(parsed["risk_score"]))))
        except (TypeError, ValueError):
            return None
    match = re.search(r"risk[_ ]score\D{0,10}(\d{1,3})", text, re.IGNORECASE)
    return max(0, min(100, int(match.group(1)))) if match else None


def strip_assistant(prompt: str) -> str:
    for marker in _ASSISTANT_MARKERS:
        cut = prompt.find(marker)
        if cut != -1:
            prompt = prompt[:cut]
    return prompt


@dataclass
class Evaluation:
    critique: str | None = None
    rubric_prompt: str | None = None
    rubric_response: str | None = None
    scores: dict[str, float | None] = field(default_factory=dict)
    overall: float | None = None
    consistency_risk_score: int | None = None
    consistency_diff: int | None = None
    consistency: float | None = None
    improvements: dict[str, list[str]] = field(default_factory=dict)

    def fields(self) -> dict[str, Any]:
        return {
            "self_eval_critique": self.critique,
            "self_eval_prompt": self.rubric_prompt,
            "self_eval_response": self.rubric_response,
            "context_usage_score": self.scores.get("context_usage"),
            "reasoning_coherence_score": self.scores.get("reasoning_coherence"),
            "risk_justification_score": self.scores.get("risk_justification"),
            "overall_quality_score": self.overall,
            "consistency_risk_score": self.consistency_risk_score,
            "consistency_diff": self.consistency_diff,
            "consistency_score": self.consistency,
            **{
                key: json.dumps(self.improvements[key]) if key in self.improvements else None
                for key in IMPROVEMENT_KEYS
            },
        }


def _analysis(prompt: str, summary: str | None, reasoning: str | None, score: int | None) -> str:
    return (
        f"PROMPT GIVEN TO THE RISK MODEL:\n{prompt}\n\n"
        f"ITS ANSWER:\nrisk_score: {score}\nsummary: {summary or ''}\nreasoning: {reasoning or ''}"
    )


async def evaluate(
    client: ChatClient,
    *,
    prompt: str,
    summary: str | None,
    reasoning: str | None,
    risk_score: int | None,
) -> Evaluation:
    result = Evaluation()
    analysis = _analysis(prompt, summary, reasoning, risk_score)

    result.critique = await client.chat(
        SYSTEM,
        analysis
        + "\n\nCritique this analysis: what context did it use or ignore, is the reasoning "
        "sound, is the risk score justified? Answer in a short paragraph.",
    )

    rubric_ask = (
        "Score this analysis from 1 to 5 on each of: context_usage, reasoning_coherence, "
        "risk_justification, actionability. Answer only JSON like "
        '{"context_usage": 4, "reasoning_coherence": 3, '
        '"risk_justification": 4, "actionability": 3}.'
    )
    result.rubric_prompt = (
        _analysis(
            prompt[:PROMPT_EXCERPT], summary, (reasoning or "")[:REASONING_EXCERPT], risk_score
        )
        + "\n\n"
        + rubric_ask
    )
    result.rubric_response = await client.chat(SYSTEM, analysis + "\n\n" + rubric_ask)
    rubric = extract_json(result.rubric_response) or {}
    result.scores = {key: clamp_score(rubric.get(key)) for key in RUBRIC_KEYS}
    if rubric:
        if result.scores["actionability"] is None:
            result.scores["actionability"] = DEFAULT_ACTIONABILITY
        present = [s for s in result.scores.values() if s is not None]
        result.overall = round(fmean(present), 4) if present else None

    rescore = await client.chat(
        "You are a home-security risk analyst. Answer with JSON containing risk_score (0-100).",
        strip_assistant(prompt),
    )
    new_score = extract_risk_score(rescore)
    if new_score is not None and risk_score is not None:
        result.consistency_risk_score = new_score
        result.consistency_diff = abs(new_score - risk_score)
        result.consistency = consistency_score(result.consistency_diff)

    improve = await client.chat(
        SYSTEM,
        analysis + "\n\nHow should the PROMPT be improved? Answer only JSON with lists of short "
        "strings under: " + ", ".join(IMPROVEMENT_KEYS) + ".",
    )
    parsed = extract_json(improve) or {}
    for key in IMPROVEMENT_KEYS:
        items = parsed.get(key)
        if isinstance(items, list):
            result.improvements[key] = [str(i)[:500] for i in items if str(i).strip()][:20]
    return result
