"""`lessons/evaluation.toml`: the anonymous before-and-after check, loaded and checked.

The same items are asked before and after the course. Knowledge items have one right answer and
an "I'm not sure" choice pinned last (counted as not correct); confidence items are statements
answered on a 5-point agree scale. The file is optional: without it the portal offers no checks.
Problems are reported like the lessons' (`file:line: message`), by `flask lessons check` and at
start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import render
from .loader import (
    _check_fields,
    _check_id,
    _Field,
    _KnownContacts,
    _label,
    _parse_toml,
    _read_text,
    _unique_id,
    quiz_version,
)
from .model import ContentError, Problem, Resource
from .tomlmap import TomlMap

SURVEY_FILE = "evaluation.toml"

# The agree scale of every confidence item: stored as 1-5, shown in this order.
AGREE_SCALE = (
    (1, "Strongly disagree"),
    (2, "Disagree"),
    (3, "Not sure"),
    (4, "Agree"),
    (5, "Strongly agree"),
)

SURVEY_FIELDS = {
    "knowledge": _Field("tables", required=True),
    "confidence": _Field("tables", required=True),
}
KNOWLEDGE_FIELDS = {
    "id": _Field("text", required=True),
    "prompt": _Field("text", required=True),
    "choice": _Field("tables", required=True),
}
KNOWLEDGE_CHOICE_FIELDS = {
    "id": _Field("text", required=True),
    "text": _Field("text", required=True),
    "correct": _Field("bool"),
    "not_sure": _Field("bool"),  # the "I'm not sure" choice: last, fixed, never correct
    "fixed": _Field("bool"),
}
CONFIDENCE_FIELDS = {
    "id": _Field("text", required=True),
    "statement": _Field("text", required=True),
}


@dataclass(frozen=True)
class SurveyChoice:
    id: str
    text: str  # sanitized inline HTML
    correct: bool = False
    not_sure: bool = False
    fixed: bool = False  # keeps its place when choices are shuffled (content.order.shuffled)


@dataclass(frozen=True)
class KnowledgeItem:
    id: str
    prompt: str  # sanitized inline HTML
    choices: tuple[SurveyChoice, ...]

    @property
    def correct_choice(self) -> SurveyChoice:
        return next(choice for choice in self.choices if choice.correct)


@dataclass(frozen=True)
class ConfidenceItem:
    id: str
    statement: str  # sanitized inline HTML


@dataclass(frozen=True)
class Survey:
    version: str  # content hash of the file, stored with each response
    knowledge: tuple[KnowledgeItem, ...]
    confidence: tuple[ConfidenceItem, ...]

    @property
    def item_count(self) -> int:
        return len(self.knowledge) + len(self.confidence)


def load_survey(lessons_dir: str | Path, resources: Mapping[str, Resource]) -> Survey | None:
    """The survey in `lessons_dir`, or None when there is none; `ContentError` on problems."""
    survey, problems = scan_survey(lessons_dir, resources)
    if problems:
        raise ContentError(problems)
    return survey


def scan_survey(
    lessons_dir: str | Path, resources: Mapping[str, Resource] | None
) -> tuple[Survey | None, list[Problem]]:
    """The survey (None if absent or broken) and every problem found in it."""
    path = Path(lessons_dir) / SURVEY_FILE
    if not path.is_file():
        return None, []
    problems: list[Problem] = []
    survey = _load(path, resources, problems)
    problems.sort(key=lambda problem: problem.line or 0)
    return (survey if not problems else None), problems


def _load(
    path: Path, resources: Mapping[str, Resource] | None, problems: list[Problem]
) -> Survey | None:
    text = _read_text(path, problems)
    if text is None:
        return None
    if resources:
        _KnownContacts.from_resources(resources).check(text, path, problems)
    data = _parse_toml(text, path, problems)
    if data is None:
        return None
    toml_map = TomlMap(text)

    def report(line: int | None, message: str) -> None:
        problems.append(Problem(path, line, message))

    _check_fields(data, SURVEY_FIELDS, SURVEY_FILE, toml_map.root, report)
    ids: dict[str, int | None] = {}  # one id space: answers refer to items by id
    knowledge = []
    for index, raw in enumerate(_tables(data.get("knowledge"))):
        table = toml_map.table("knowledge", index)
        _unique_id(ids, raw, table, "item", report)
        item = _load_knowledge(raw, index, toml_map, report)
        if item is not None:
            knowledge.append(item)
    confidence = []
    for index, raw in enumerate(_tables(data.get("confidence"))):
        table = toml_map.table("confidence", index)
        _unique_id(ids, raw, table, "item", report)
        where = _label("confidence item", raw, index)
        fine = _check_fields(raw, CONFIDENCE_FIELDS, where, table, report)
        fine = _check_id(raw, table, report) and fine
        if fine:
            confidence.append(
                ConfidenceItem(id=raw["id"], statement=render.render_inline(raw["statement"]))
            )
    for key in ("knowledge", "confidence"):
        if isinstance(data.get(key), list) and not data[key]:
            report(None, f"{SURVEY_FILE} needs at least one [[{key}]] item")
    if problems:
        return None
    return Survey(
        version=quiz_version(path.read_bytes()),
        knowledge=tuple(knowledge),
        confidence=tuple(confidence),
    )


def _tables(value: Any) -> list[dict]:
    if isinstance(value, list) and all(isinstance(entry, dict) for entry in value):
        return value
    return []  # the field check reports it


def _load_knowledge(raw: dict, index: int, toml_map: TomlMap, report) -> KnowledgeItem | None:
    table = toml_map.table("knowledge", index)
    where = _label("knowledge item", raw, index)
    fine = _check_fields(raw, KNOWLEDGE_FIELDS, where, table, report)
    fine = _check_id(raw, table, report) and fine
    raw_choices = _tables(raw.get("choice"))
    choice_ids: dict[str, int | None] = {}
    choices = []
    for choice_index, raw_choice in enumerate(raw_choices):
        choice_table = toml_map.table("knowledge", index, "choice", choice_index)
        choice_where = f"{_label('choice', raw_choice, choice_index)} of {where}"
        ok = _check_fields(raw_choice, KNOWLEDGE_CHOICE_FIELDS, choice_where, choice_table, report)
        ok = _check_id(raw_choice, choice_table, report) and ok
        ok = _unique_id(choice_ids, raw_choice, choice_table, "choice", report, where) and ok
        if raw_choice.get("not_sure") is True and raw_choice.get("correct") is True:
            report(
                choice_table.key_line("correct"),
                f'{choice_where}: the "I\'m not sure" choice cannot be correct',
            )
            ok = False
        fine = fine and ok
        if ok:
            choices.append(
                SurveyChoice(
                    id=raw_choice["id"],
                    text=render.render_inline(raw_choice["text"]),
                    correct=raw_choice.get("correct", False),
                    not_sure=raw_choice.get("not_sure", False),
                    fixed=raw_choice.get("fixed", False),
                )
            )
    if not raw_choices:
        return None
    answers = [c for c in raw_choices if c.get("not_sure") is not True]
    if len(answers) < 2:
        report(table.line, f'{where} needs at least 2 choices besides "I\'m not sure"')
        fine = False
    correct = sum(1 for c in raw_choices if c.get("correct") is True)
    if correct != 1:
        report(table.line, f"{where} must have exactly one correct choice, has {correct}")
        fine = False
    not_sure = [i for i, c in enumerate(raw_choices) if c.get("not_sure") is True]
    if len(not_sure) != 1:
        report(
            table.line,
            f'{where} needs exactly one "I\'m not sure" choice (not_sure = true), '
            f"has {len(not_sure)}",
        )
        fine = False
    else:
        position = not_sure[0]
        choice_table = toml_map.table("knowledge", index, "choice", position)
        if position != len(raw_choices) - 1 or raw_choices[position].get("fixed") is not True:
            report(
                choice_table.line,
                f'the "I\'m not sure" choice of {where} must be the last choice, with '
                "fixed = true, so it stays last when the others are shuffled",
            )
            fine = False
    if not fine:
        return None
    return KnowledgeItem(
        id=raw["id"], prompt=render.render_inline(raw["prompt"]), choices=tuple(choices)
    )
