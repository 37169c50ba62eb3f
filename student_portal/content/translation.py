"""Lesson translations: `lesson.es.md`, `guide.es.md` and `quiz.es.toml` beside the English.

A translation carries text only. Its quiz file is keyed by the English item, step and choice ids;
structure, right answers, `safe` flags, `next` links and the quiz version all come from the
English quiz, so a translation can never change grading and attempts in either language count
together. Each file records the hash of the English file it was made from (`translated_from`):
when the English changes, the translation is still served but marked outdated (a warning for
`lessons check`, which `--strict` fails on). An item whose text is missing falls back to English,
for that item only, and is marked so the page can say so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from . import render
from .chat import find_chats
from .checks import place_checks, strip_check_lines
from .model import Choice, Item, Lesson, Problem, Quiz, Resource, Section, Step
from .tomlmap import DottedLines, TomlMap

TRANSLATION_LANGUAGES = ("es",)
LESSON_KEYS = {"translated_from", "title", "summary", "content_note", "objectives"}


def source_hash(path: Path) -> str:
    """What a translation records as `translated_from`: like the quiz version, the first 16 hex
    digits of the SHA-256 of the English file's bytes."""
    from .loader import quiz_version

    return quiz_version(path.read_bytes())


@dataclasses.dataclass
class _Context:
    """What reading one translated folder needs from the English loader."""

    english: Lesson
    folder: Path
    language: str
    resources: Mapping[str, Resource] | None
    check_contacts: Callable[[str, Path, list[Problem]], None] | None
    render_body: Callable[[str, int, Path, list[Problem]], str]
    problems: list[Problem]


def load_translations(context_args: dict[str, Any]) -> dict[str, Lesson]:
    """Every translation of one lesson found in its folder, by language."""
    found = {}
    for language in TRANSLATION_LANGUAGES:
        folder: Path = context_args["folder"]
        names = [f"lesson.{language}.md", f"guide.{language}.md", f"quiz.{language}.toml"]
        if not any((folder / name).is_file() for name in names):
            continue
        context = _Context(language=language, **context_args)
        before = len(context.problems)
        lesson = _translate(context)
        if lesson is not None and len(context.problems) == before:
            found[language] = lesson
    return found


def _translate(context: _Context) -> Lesson | None:
    english, folder, language = context.english, context.folder, context.language
    outdated: list[str] = []
    lesson_path = folder / f"lesson.{language}.md"
    guide_path = folder / f"guide.{language}.md"
    quiz_path = folder / f"quiz.{language}.toml"
    missing = [path for path in (lesson_path, guide_path, quiz_path) if not path.is_file()]
    for path in missing:
        context.problems.append(
            Problem(path, None, f"{path.name} is missing: a translation needs all three files")
        )
    if missing:
        return None

    front, body_html, body_text, body_first_line = _read_markdown(
        context, lesson_path, LESSON_KEYS, "lesson.md"
    )
    guide_front, guide_html, guide_text, _guide_first_line = _read_markdown(
        context, guide_path, {"translated_from"}, "guide.md"
    )
    if front is None or guide_front is None:
        return None
    for path, text in ((lesson_path, body_text), (guide_path, guide_text)):
        if context.check_contacts is not None:
            context.check_contacts(text, path, context.problems)
    for path, text, english_name in (
        (lesson_path, body_text, "lesson.md"),
        (guide_path, guide_text, "guide.md"),
    ):
        _check_chats(context, path, text, folder / english_name)
    if front["translated_from"] != source_hash(folder / "lesson.md"):
        outdated.append(lesson_path.name)
    if guide_front["translated_from"] != source_hash(folder / "guide.md"):
        outdated.append(guide_path.name)

    objectives = front.get("objectives")
    if not isinstance(objectives, list) or len(objectives) != len(english.objectives):
        context.problems.append(
            Problem(
                lesson_path,
                None,
                f"objectives must list the {len(english.objectives)} objectives of lesson.md, "
                "in the same order",
            )
        )
    title = front.get("title") or english.title
    translated_sections, _mentioned = place_checks(
        body_text,
        body_first_line,
        lesson_path,
        render.split_sections(body_html, title),
        {check.id for check in english.checks},
        context.problems,
    )
    sections = _matched_sections(context, lesson_path, translated_sections, english.sections)
    guide_sections = _matched_sections(
        context,
        guide_path,
        render.split_sections(guide_html, "Before you start") if guide_html else (),
        english.guide_sections,
    )
    quiz, quiz_outdated, checks = _translate_quiz(context, quiz_path)
    if quiz_outdated:
        outdated.append(quiz_path.name)
    if sections is None or guide_sections is None or quiz is None:
        return None
    return dataclasses.replace(
        english,
        title=title,
        summary=front.get("summary") or english.summary,
        content_note=front.get("content_note") if english.content_note else None,
        objectives=tuple(objectives),
        html=strip_check_lines(body_html),
        sections=sections,
        guide_html=guide_html,
        guide_sections=guide_sections,
        quiz=quiz,
        checks=checks,
        language=context.language,
        outdated=tuple(outdated),
    )


def _check_chats(context: _Context, path: Path, text: str, english_path: Path) -> None:
    """A translated file's chats must match the English ones: as many chats, each with the same
    lines (messages and notes, whose side) in the same order."""
    from .loader import _read_text

    english_text = _read_text(english_path, [])
    if english_text is None:
        return
    english, _ = find_chats(english_text)
    mine, _ = find_chats(text)
    if len(mine) != len(english):
        context.problems.append(
            Problem(
                path,
                mine[len(english)].line + _body_offset(path) if len(mine) > len(english) else None,
                f"{path.name} has {len(mine)} chat(s) but {english_path.name} has "
                f"{len(english)}: translate each chat, in the same place",
            )
        )
        return
    for chat, theirs in zip(mine, english, strict=True):
        if chat.shape != theirs.shape:
            context.problems.append(
                Problem(
                    path,
                    chat.line + _body_offset(path),
                    f'the chat "{chat.title}" has {len(chat.shape)} lines but the one at its '
                    f"place in {english_path.name} (line {theirs.line}) has {len(theirs.shape)}"
                    if len(chat.shape) != len(theirs.shape)
                    else f'the chat "{chat.title}" does not follow the English one (line '
                    f"{theirs.line} of {english_path.name}) line by line: keep each me, other "
                    "speaker and note line in the same order",
                )
            )


def _body_offset(path: Path) -> int:
    """Lines before a Markdown body (its front matter): find_chats counts from the body."""
    lines = path.read_text(encoding="utf-8-sig").split("\n")
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "+++"), None)
    return closing + 1 if lines and lines[0].strip() == "+++" and closing is not None else 0


def _read_markdown(
    context: _Context, path: Path, allowed: set[str], english_name: str
) -> tuple[dict | None, str, str, int]:
    """(front matter, body HTML, body text, the body's first line) of a translated Markdown
    file."""
    from .loader import _parse_toml, _read_text

    text = _read_text(path, context.problems)
    if text is None:
        return None, "", "", 1
    lines = text.split("\n")
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "+++"), None)
    if not lines or lines[0].strip() != "+++" or closing is None:
        context.problems.append(
            Problem(
                path,
                1,
                f'{path.name} must start with front matter between "+++" lines, with '
                f'translated_from = "<the hash of {english_name}>"',
            )
        )
        return None, "", "", 1
    front = _parse_toml("\n".join(lines[1:closing]), path, context.problems, first_line=2)
    if front is None:
        return None, "", "", 1
    keys = TomlMap("\n".join(lines[1:closing]), first_line=2).root
    fine = True
    for key in front:
        if key not in allowed:
            context.problems.append(
                Problem(
                    path,
                    keys.key_line(key),
                    f'unknown key "{key}" in {path.name} (allowed: {", ".join(sorted(allowed))}); '
                    "the other settings come from the English file",
                )
            )
            fine = False
    if not isinstance(front.get("translated_from"), str):
        context.problems.append(
            Problem(path, 1, f'{path.name} needs translated_from = "<the hash of {english_name}>"')
        )
        fine = False
    body = "\n".join(lines[closing + 1 :])
    html = context.render_body(body, closing + 2, path, context.problems, context.language)
    return (front if fine else None), html, body, closing + 2


def _matched_sections(
    context: _Context, path: Path, translated: tuple[Section, ...], english: tuple[Section, ...]
) -> tuple[Section, ...] | None:
    """The translated sections, each keyed by the English one at its place (club sessions and
    the leader's guide match sections by that key)."""
    if len(translated) != len(english):
        context.problems.append(
            Problem(
                path,
                None,
                f"{path.name} has {len(translated)} sections but the English has "
                f"{len(english)}: keep the same ## headings, in the same order",
            )
        )
        return None
    fine = True
    for number, (mine, theirs) in enumerate(zip(translated, english, strict=True), start=1):
        if mine.check != theirs.check:
            expected = f"end with [[check:{theirs.check}]]" if theirs.check else "have no check"
            context.problems.append(
                Problem(
                    path,
                    None,
                    f'section {number} ("{mine.title}") of {path.name} must {expected}, as in '
                    "the English: use the same [[check:ID]] lines in the same sections",
                )
            )
            fine = False
    if not fine:
        return None
    return tuple(
        dataclasses.replace(mine, id=theirs.id, key=theirs.match_key)
        for mine, theirs in zip(translated, english, strict=True)
    )


def _translate_quiz(
    context: _Context, path: Path
) -> tuple[Quiz | None, bool, tuple[Item, ...]]:
    """The English quiz and "check yourself" questions with the translated texts; (None, _, _)
    after reporting problems."""
    from .loader import _parse_toml, _read_text

    english = context.english.quiz
    text = _read_text(path, context.problems)
    if text is None:
        return None, False, ()
    if context.check_contacts is not None:
        context.check_contacts(text, path, context.problems)
    data = _parse_toml(text, path, context.problems)
    if data is None:
        return None, False, ()
    toml_map = DottedLines(text)
    before = len(context.problems)

    def report(line: int | None, message: str) -> None:
        context.problems.append(Problem(path, line, message))

    for key in data:
        if key not in ("translated_from", "item", "check"):
            report(toml_map.line(key), f'unknown key "{key}" in {path.name}')
    if not isinstance(data.get("translated_from"), str):
        report(1, f'{path.name} needs translated_from = "<the hash of quiz.toml>"')
    texts = data.get("item", {})
    if not isinstance(texts, dict):
        report(toml_map.line("item"), "write items as [item.<item id>] tables")
        return None, False, ()
    for item_id in texts:
        if english.item(item_id) is None:
            report(toml_map.line("item", item_id), f'item "{item_id}" is not in quiz.toml')
    items = tuple(
        _translate_item(item, texts.get(item.id), toml_map, report) for item in english.items
    )
    checks = _translate_checks(context.english.checks, data.get("check", {}), toml_map, report)
    if len(context.problems) > before:
        return None, False, ()
    # The hash of the whole English file (the quiz version leaves the checks out).
    outdated = data.get("translated_from") != source_hash(context.folder / "quiz.toml")
    return dataclasses.replace(english, items=items), outdated, checks


def _translate_checks(
    checks: tuple[Item, ...], texts: Any, toml_map: DottedLines, report
) -> tuple[Item, ...]:
    """The "check yourself" questions from `[check.<id>]` tables, like items."""
    if not isinstance(texts, dict):
        report(toml_map.line("check"), "write checks as [check.<check id>] tables")
        return checks
    known = {check.id for check in checks}
    for check_id in texts:
        if check_id not in known:
            report(toml_map.line("check", check_id), f'check "{check_id}" is not in quiz.toml')
    return tuple(
        _translate_item(check, texts.get(check.id), toml_map, report, table="check")
        for check in checks
    )


def _translate_item(
    item: Item, texts: Any, toml_map: DottedLines, report, table: str = "item"
) -> Item:
    """The item (or check) in the translation's words, or the English one marked untranslated."""
    if not isinstance(texts, dict):
        return dataclasses.replace(item, untranslated=True)
    allowed = {
        "scenario": {"prompt", "step"},
        "spot": {"prompt", "them", "line"},
    }.get(item.type, {"prompt", "choice"})
    for key in texts:
        if key not in allowed:
            report(
                toml_map.line(table, item.id, key),
                f'unknown key "{key}" in [{table}.{item.id}] '
                f"(allowed: {', '.join(sorted(allowed))})",
            )
    prompt = texts.get("prompt")
    if item.type == "scenario":
        steps_text = texts.get("step", {})
        steps = []
        for step in item.steps:
            step_text = steps_text.get(step.id) if isinstance(steps_text, dict) else None
            translated = _translate_step(item, step, step_text, toml_map, report)
            if translated is None:
                return dataclasses.replace(item, untranslated=True)
            steps.append(translated)
        for step_id in steps_text if isinstance(steps_text, dict) else ():
            if item.step(step_id) is None:
                report(
                    toml_map.line("item", item.id, "step", step_id),
                    f'step "{step_id}" is not a step of item "{item.id}" in quiz.toml',
                )
        if not isinstance(prompt, str):
            return dataclasses.replace(item, untranslated=True)
        return dataclasses.replace(item, prompt=render.render_block(prompt), steps=tuple(steps))
    kind = "line" if item.type == "spot" else "choice"
    choices = _translate_choices(
        item.choices, texts.get(kind, {}), toml_map, report, (table, item.id), kind
    )
    if choices is None or not isinstance(prompt, str):
        return dataclasses.replace(item, untranslated=True)
    translated = dataclasses.replace(item, prompt=render.render_block(prompt), choices=choices)
    if item.type == "spot":
        them = texts.get("them")
        if not isinstance(them, str) or not them.strip():
            return dataclasses.replace(item, untranslated=True)
        translated = dataclasses.replace(translated, them=them.strip())
    return translated


def _translate_step(
    item: Item, step: Step, texts: Any, toml_map: DottedLines, report
) -> Step | None:
    if not isinstance(texts, dict) or not isinstance(texts.get("text"), str):
        return None
    choices = _translate_choices(
        step.choices, texts.get("choice", {}), toml_map, report, ("item", item.id, "step", step.id)
    )
    if choices is None:
        return None
    return dataclasses.replace(step, text=render.render_block(texts["text"]), choices=choices)


def _translate_choices(
    choices: tuple[Choice, ...],
    texts: Any,
    toml_map: DottedLines,
    report,
    where: tuple[str, ...],
    kind: str = "choice",
) -> tuple[Choice, ...] | None:
    """The choices (or a spot item's lines) with translated text and feedback; None if any is
    missing."""
    if not isinstance(texts, dict):
        return None
    known = {choice.id for choice in choices}
    for choice_id in texts:
        if choice_id not in known:
            report(
                toml_map.line(*where, kind, choice_id),
                f'{kind} "{choice_id}" is not a {kind} of {".".join(where)} in quiz.toml',
            )
    translated = []
    for choice in choices:
        entry = texts.get(choice.id)
        if not isinstance(entry, dict):
            return None
        text, feedback = entry.get("text"), entry.get("feedback")
        if not isinstance(text, str) or not isinstance(feedback, str):
            return None
        translated.append(
            dataclasses.replace(
                choice, text=render.render_inline(text), feedback=render.render_inline(feedback)
            )
        )
    return tuple(translated)
