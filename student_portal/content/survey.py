"""`lessons/evaluation.toml`: the anonymous before-and-after check, loaded and checked.

The same items are asked before and after the course. Knowledge items have one right answer and
an "I'm not sure" choice pinned last (counted as not correct); confidence items are statements
answered on a 5-point agree scale. The file is optional: without it the portal offers no checks.
Problems are reported like the lessons' (`file:line: message`), by `flask lessons check` and at
start-up.

A translation (`evaluation.es.toml`) carries text only, keyed by the English item and choice ids
like a lesson's `quiz.es.toml`: right answers, the "I'm not sure" choice and the version come from
English, so answers in either language are stored by the same ids and count in one report. An
item it lacks is shown in English (marked so); a `translated_from` that no longer matches the
English file, or a missing item, is a warning for `lessons check` (`Survey.warnings`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l

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
from .tomlmap import DottedLines, TomlMap
from .translation import TRANSLATION_LANGUAGES

SURVEY_FILE = "evaluation.toml"

# The agree scale of every confidence item: stored as 1-5, shown in this order. The labels are
# message ids, shown in the reader's language (`lazy_gettext`).
AGREE_SCALE = (
    (1, _l("Strongly disagree")),
    (2, _l("Disagree")),
    (3, _l("Not sure")),
    (4, _l("Agree")),
    (5, _l("Strongly agree")),
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
    untranslated: bool = False  # shown in English inside a translated check

    @property
    def correct_choice(self) -> SurveyChoice:
        return next(choice for choice in self.choices if choice.correct)


@dataclass(frozen=True)
class ConfidenceItem:
    id: str
    statement: str  # sanitized inline HTML
    untranslated: bool = False


@dataclass(frozen=True)
class Survey:
    version: str  # content hash of the English file, stored with each response
    knowledge: tuple[KnowledgeItem, ...]
    confidence: tuple[ConfidenceItem, ...]
    language: str = "en"
    # The translated checks by language (on the English survey only).
    translations: Mapping[str, Survey] = field(default_factory=dict, compare=False)
    # What `lessons check` warns about: outdated translations, items left in English.
    warnings: tuple[Problem, ...] = ()

    @property
    def item_count(self) -> int:
        return len(self.knowledge) + len(self.confidence)

    def in_language(self, language: str) -> Survey:
        """The check in `language` when it is translated, else in English. Item and choice ids,
        right answers and the version are the English ones, whatever the language."""
        return self.translations.get(language, self)

    @property
    def untranslated(self) -> tuple[str, ...]:
        return tuple(item.id for item in (*self.knowledge, *self.confidence) if item.untranslated)


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
    if survey is not None:
        survey = _with_translations(survey, path, resources, problems)
    problems.sort(key=lambda problem: (problem.path.name, problem.line or 0))
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


# --- translations -------------------------------------------------------------------------------


def _with_translations(
    english: Survey, path: Path, resources: Mapping[str, Resource] | None, problems: list[Problem]
) -> Survey:
    """The English survey, holding each translation found beside it and their warnings."""
    translations: dict[str, Survey] = {}
    warnings: list[Problem] = []
    for language in TRANSLATION_LANGUAGES:
        translated_path = path.with_name(f"{path.stem}.{language}{path.suffix}")
        if not translated_path.is_file():
            continue
        before = len(problems)
        translated = _translate(english, path, translated_path, language, resources, problems)
        if translated is not None and len(problems) == before:
            translations[language] = translated
            warnings += translated.warnings
    return dataclasses.replace(english, translations=translations, warnings=tuple(warnings))


def _translate(
    english: Survey,
    english_path: Path,
    path: Path,
    language: str,
    resources: Mapping[str, Resource] | None,
    problems: list[Problem],
) -> Survey | None:
    """The English survey in the translation's words; None after reporting problems."""
    text = _read_text(path, problems)
    if text is None:
        return None
    if resources:
        _KnownContacts.from_resources(resources).check(text, path, problems)
    data = _parse_toml(text, path, problems)
    if data is None:
        return None
    toml_map = DottedLines(text)
    name = path.name

    def report(line: int | None, message: str) -> None:
        problems.append(Problem(path, line, message))

    for key in data:
        if key not in ("translated_from", "item"):
            report(
                toml_map.line(key),
                f'unknown key "{key}" in {name} (allowed: item, translated_from)',
            )
    if not isinstance(data.get("translated_from"), str):
        report(1, f'{name} needs translated_from = "<the hash of {SURVEY_FILE}>"')
    texts = data.get("item", {})
    if not isinstance(texts, dict):
        report(toml_map.line("item"), "write items as [item.<item id>] tables")
        return None
    knowledge_ids = {item.id for item in english.knowledge}
    confidence_ids = {item.id for item in english.confidence}
    for item_id, entry in texts.items():
        where = toml_map.line("item", item_id)
        if item_id not in knowledge_ids | confidence_ids:
            report(where, f'item "{item_id}" is not in {SURVEY_FILE}')
        elif not isinstance(entry, dict):
            report(where, f"write item {item_id} as an [item.{item_id}] table")
    knowledge = tuple(
        _translate_knowledge(item, texts.get(item.id), toml_map, report, name)
        for item in english.knowledge
    )
    confidence = tuple(
        _translate_confidence(item, texts.get(item.id), toml_map, report, name)
        for item in english.confidence
    )
    translated = dataclasses.replace(
        english, knowledge=knowledge, confidence=confidence, language=language
    )
    warnings = []
    if data.get("translated_from") != quiz_version(english_path.read_bytes()):
        warnings.append(
            Problem(
                path,
                toml_map.line("translated_from"),
                f"{SURVEY_FILE} has changed since this translation was made: update the "
                "translation and its translated_from (it is still shown, marked outdated)",
            )
        )
    missing = translated.untranslated
    if missing:
        warnings.append(
            Problem(
                path,
                None,
                f"{len(missing)} item(s) have no complete translation and are shown in English: "
                f"{', '.join(missing)}",
            )
        )
    return dataclasses.replace(translated, warnings=tuple(warnings))


def _unknown_keys(
    texts: dict, allowed: set[str], where: tuple[str, ...], toml_map: DottedLines, report, name
):
    for key in texts:
        if key not in allowed:
            report(
                toml_map.line(*where, key),
                f'unknown key "{key}" in [{".".join(where)}] of {name} '
                f"(allowed: {', '.join(sorted(allowed))})",
            )


def _translate_knowledge(
    item: KnowledgeItem, texts: Any, toml_map: DottedLines, report, name: str
) -> KnowledgeItem:
    """The item in the translation's words, or the English item marked untranslated."""
    if not isinstance(texts, dict):
        return dataclasses.replace(item, untranslated=True)
    where = ("item", item.id)
    _unknown_keys(texts, {"prompt", "choice"}, where, toml_map, report, name)
    choice_texts = texts.get("choice", {})
    if not isinstance(choice_texts, dict):
        report(
            toml_map.line(*where, "choice"),
            f"write the choices of {item.id} as [item.{item.id}.choice.<choice id>] tables",
        )
        return dataclasses.replace(item, untranslated=True)
    known = {choice.id for choice in item.choices}
    for choice_id, entry in choice_texts.items():
        line = toml_map.line(*where, "choice", choice_id)
        if choice_id not in known:
            report(line, f'choice "{choice_id}" is not a choice of item "{item.id}"')
        elif isinstance(entry, dict):
            _unknown_keys(entry, {"text"}, (*where, "choice", choice_id), toml_map, report, name)
    choices = []
    for choice in item.choices:
        entry = choice_texts.get(choice.id)
        text = entry.get("text") if isinstance(entry, dict) else None
        if not isinstance(text, str):
            return dataclasses.replace(item, untranslated=True)
        choices.append(dataclasses.replace(choice, text=render.render_inline(text)))
    prompt = texts.get("prompt")
    if not isinstance(prompt, str):
        return dataclasses.replace(item, untranslated=True)
    return dataclasses.replace(item, prompt=render.render_inline(prompt), choices=tuple(choices))


def _translate_confidence(
    item: ConfidenceItem, texts: Any, toml_map: DottedLines, report, name: str
) -> ConfidenceItem:
    if not isinstance(texts, dict):
        return dataclasses.replace(item, untranslated=True)
    _unknown_keys(texts, {"statement"}, ("item", item.id), toml_map, report, name)
    statement = texts.get("statement")
    if not isinstance(statement, str):
        return dataclasses.replace(item, untranslated=True)
    return dataclasses.replace(item, statement=render.render_inline(statement))
