"""Chat prompts for LLM pre-labeling: what the model is asked, built only from the ontology and the item.

build_messages() returns OpenAI-style chat messages:
1. one system message: the task, the labels with their descriptions, the guidelines markdown (truncated with a note
   when long), the guideline examples, edge cases and decision tree, and adjudicated case law;
2. few-shot turns: for each gold item a user message (the item) and an assistant message (its value as JSON);
3. the item to label, as the last user message.

Everything is plain text; the answer's shape is enforced by the JSON Schema sent as structured output, so the prompt
only has to say what the answer means, not how to spell it. No Django here.
"""

import json
from collections.abc import Iterable, Sequence
from typing import Any, cast

from projects.ontology import constants as c
from projects.ontology.constraints import (
    FreeTextConstraints,
    MultiLabelConstraints,
    PairwiseConstraints,
    RatingConstraints,
    SpanConstraints,
)
from projects.ontology.definition import Ontology

MAX_GUIDELINES_CHARS = 4_000  # the markdown body; the rest is cut with a note saying how much was left out
MAX_SHOT_CHARS = 1_500  # per text field of a few-shot item (the item being labelled is never cut: span offsets)
MAX_LIST_ITEMS = 20  # examples, edge cases, decision nodes and case-law entries shown, each
ITEM_HEADER = "Label this item."
CORRECTION_PREFIX = "Your previous answer was not valid"

_TASKS = {
    c.SINGLE_LABEL: "Choose exactly one label for the item.",
    c.MULTI_LABEL: "Choose every label that applies to the item.",
    c.SPANS: (
        "Mark every span of the text that one of the labels applies to. Offsets count characters of the text "
        "from 0, end exclusive (text[start:end]); also give the covered text."
    ),
    c.BOXES: "Draw a box around every object that one of the labels applies to.",
    c.PAIRWISE: "Compare response A and response B to the prompt and choose the better one.",
    c.RATING: "Rate the item on the scale.",
    c.FREE_TEXT: "Write the answer the guidelines ask for.",
}


def build_messages(
    ontology: Ontology,
    payload: dict[str, Any],
    *,
    few_shot: Iterable[tuple[dict[str, Any], dict[str, Any]]] = (),
    case_law: Iterable[tuple[dict[str, Any], str]] = (),
    max_guidelines_chars: int = MAX_GUIDELINES_CHARS,
) -> list[dict[str, str]]:
    """System prompt, few-shot turns (gold payload -> value) and the item, ready for chat.completions.create().

    `case_law` holds adjudicated decisions as (value, reason); the dict may also be {"payload": ..., "value": ...}
    to show the item the decision was about.
    """
    messages = [{"role": "system", "content": system_prompt(ontology, case_law, max_guidelines_chars)}]
    for shot_payload, shot_value in few_shot:
        messages.append({"role": "user", "content": render_item(ontology, shot_payload, limit=MAX_SHOT_CHARS)})
        messages.append({"role": "assistant", "content": json.dumps(shot_value, ensure_ascii=False)})
    messages.append({"role": "user", "content": render_item(ontology, payload)})
    return messages


def correction(error: str) -> str:
    """The follow-up user message after an invalid answer: what was wrong, and a request to answer again."""
    return f"{CORRECTION_PREFIX}: {error}. Answer again with one corrected JSON object that fits the schema."


def system_prompt(
    ontology: Ontology, case_law: Iterable[tuple[dict[str, Any], str]] = (), max_guidelines_chars: int = 4_000
) -> str:
    parts = [
        "You are a careful data annotator. " + _TASKS[ontology.task_type],
        "Reply with a single JSON object that fits the given schema and nothing else.",
    ]
    constraints = _constraints(ontology)
    if constraints:
        parts.append(constraints)
    if ontology.labels:
        lines = [_label_line(ontology, label) for label in ontology.labels]
        parts.append("Labels:\n" + "\n".join(lines))
    guidelines = ontology.guidelines
    if guidelines.markdown.strip():
        parts.append("Guidelines:\n" + truncate(guidelines.markdown.strip(), max_guidelines_chars, "guidelines"))
    if guidelines.examples:
        lines = []
        for example in guidelines.examples[:MAX_LIST_ITEMS]:
            verdict = "is" if example.kind == "positive" else "is NOT"
            target = f" {verdict} {example.label}" if example.label else f" ({example.kind} example)"
            note = f" ({example.note})" if example.note else ""
            lines.append(f"- {_quote(example.input, 300)}{target}{note}")
        parts.append("Examples:\n" + "\n".join(lines) + _more(guidelines.examples))
    if guidelines.edge_cases:
        lines = [f"- {e.case} -> {e.resolution}" for e in guidelines.edge_cases[:MAX_LIST_ITEMS]]
        parts.append("Edge cases:\n" + "\n".join(lines) + _more(guidelines.edge_cases))
    if guidelines.decision_tree:
        nodes = guidelines.decision_tree[:MAX_LIST_ITEMS]
        lines = [f"- [{n.id}] {n.question} yes -> {n.yes}; no -> {n.no}" for n in nodes]
        parts.append(
            "Decision tree (start at the first question):\n" + "\n".join(lines) + _more(guidelines.decision_tree)
        )
    precedents = list(case_law)
    if precedents:
        lines = [_precedent(ontology, decision, reason) for decision, reason in precedents[:MAX_LIST_ITEMS]]
        parts.append("Case law (adjudicated decisions; follow them):\n" + "\n".join(lines) + _more(precedents))
    return "\n\n".join(parts)


def render_item(ontology: Ontology, payload: dict[str, Any], *, limit: int | None = None) -> str:
    """The item as the model sees it; `limit` cuts each long text field (few-shot items only)."""

    def field(key: str) -> str:
        text = str(payload.get(key) or "")
        return truncate(text, limit, key) if limit else text

    if ontology.task_type == c.PAIRWISE:
        return (
            f"{ITEM_HEADER}\n\nPrompt:\n<<<\n{field('prompt')}\n>>>\n\nResponse A:\n<<<\n{field('response_a')}\n>>>"
            f"\n\nResponse B:\n<<<\n{field('response_b')}\n>>>"
        )
    sections = []
    if payload.get("prompt") is not None:
        sections.append(f"Prompt:\n<<<\n{field('prompt')}\n>>>")
    if payload.get("text") is not None:
        sections.append(f"<<<\n{field('text')}\n>>>")
    return "\n\n".join([ITEM_HEADER, *sections])


def truncate(text: str, limit: int | None, what: str) -> str:
    if limit is None or len(text) <= limit:
        return text
    return f"{text[:limit].rstrip()}\n[... {what} truncated: {len(text) - limit} more characters not shown]"


def _label_line(ontology: Ontology, label: Any) -> str:
    head = f"- {label.name}"
    if ontology.task_type == c.RATING and label.value is not None:
        head = f"- {label.value} = {label.name}"
    if label.description:
        head += f": {label.description}"
    for attribute in label.attributes:
        options = f" (one of: {', '.join(attribute.options)})" if attribute.options else ""
        required = ", required" if attribute.required else ""
        head += f"\n  attribute {attribute.name}: {attribute.type}{required}{options}"
    return head


def _constraints(ontology: Ontology) -> str:
    task_type, rules = ontology.task_type, ontology.constraints
    if task_type == c.MULTI_LABEL:
        multi = cast(MultiLabelConstraints, rules)
        most = f" and at most {multi.max_labels}" if multi.max_labels is not None else ""
        return f"Choose at least {multi.min_labels}{most} label(s)."
    if task_type == c.SPANS:
        return "Spans may overlap." if cast(SpanConstraints, rules).allow_overlap else "Spans must not overlap."
    if task_type == c.PAIRWISE:
        pair = cast(PairwiseConstraints, rules)
        choices = "'a', 'b' or 'tie'" if pair.allow_tie else "'a' or 'b' (no ties)"
        reason = " Give a short reason." if pair.require_reason else ""
        return f"choice is {choices}.{reason}"
    if task_type == c.RATING:
        scale = cast(RatingConstraints, rules)
        return f"The scale runs from {scale.min} to {scale.max} in steps of {scale.step}."
    if task_type == c.FREE_TEXT:
        limits = cast(FreeTextConstraints, rules)
        return f"The text must be {limits.min_length} to {limits.max_length} characters long."
    return ""


def _precedent(ontology: Ontology, decision: dict[str, Any], reason: str) -> str:
    if "value" in decision and "payload" in decision:
        item = " ".join(render_item(ontology, decision["payload"], limit=300).split()[len(ITEM_HEADER.split()) :])
        return f"- {item} -> {json.dumps(decision['value'], ensure_ascii=False)}: {reason}"
    return f"- {json.dumps(decision, ensure_ascii=False)}: {reason}"


def _quote(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return json.dumps(flat if len(flat) <= limit else flat[:limit] + "...", ensure_ascii=False)


def _more(items: Sequence[Any]) -> str:
    extra = len(items) - MAX_LIST_ITEMS
    return f"\n[... {extra} more not shown]" if extra > 0 else ""
