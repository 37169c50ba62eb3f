"""Warnings for authors: content that loads, but teaches or tests less well than it could.

`lessons check` prints these after the problems; they fail it only with `--strict`. They cover
quiz writing (a right answer that gives itself away by its length or wording, multiple-select
items with too few wrong options), objectives (vague, or assessed by no item) and resources
that nobody has checked at their source for a year.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from html import unescape
from pathlib import Path

from .model import Catalog, Choice, Item, Lesson, Problem
from .tomlmap import TomlMap

LONGEST_RIGHT_SHARE = 0.4  # above this share of questions, length alone finds the answer
MIN_WRONG_IN_MULTIPLE = 2
STALE_AFTER = timedelta(days=365)
ABSOLUTE = re.compile(r"\b(always|never|only|every|everyone|nobody|none)\b", re.IGNORECASE)
VAGUE_OBJECTIVE = re.compile(
    r"^\s*(know|understand|learn|be aware|appreciate|realise|realize)\b", re.IGNORECASE
)
_TAG = re.compile(r"<[^>]+>")


def plain(html: str) -> str:
    return unescape(_TAG.sub("", html)).strip()


def catalog_warnings(catalog: Catalog, root: Path, today: date | None = None) -> list[Problem]:
    """Every warning for a loaded catalog read from `root`, sorted by file and line."""
    warnings: list[Problem] = []
    for lesson in catalog.lessons:
        warnings += quiz_warnings(lesson, root / lesson.slug)
        warnings += objective_warnings(lesson, root / lesson.slug)
        warnings += translation_warnings(lesson, root / lesson.slug)
        warnings += check_warnings(lesson, root / lesson.slug)
    warnings += resource_warnings(catalog, root / "resources.toml", today or date.today())
    warnings += catalog.families.warnings  # missing or outdated family pages
    warnings.sort(key=lambda problem: (problem.path.parts, problem.line or 0))
    return warnings


def _questions(item: Item) -> Iterable[tuple[Sequence[Choice], tuple[str | int, ...], str]]:
    """Each set of options a student chooses from: an item's, or each scenario step's."""
    if item.type == "scenario":
        for index, step in enumerate(item.steps):
            yield step.choices, ("step", index), f'step "{step.id}" of item "{item.id}"'
    elif item.type == "spot":
        return  # chat lines are messages, not options written to be compared by length
    else:
        yield item.choices, (), f'item "{item.id}"'


def quiz_warnings(lesson: Lesson, folder: Path) -> list[Problem]:
    path = folder / "quiz.toml"
    toml_map = TomlMap(path.read_text(encoding="utf-8-sig"))
    warnings: list[Problem] = []
    longest_right: list[int | None] = []
    questions = 0
    for item_index, item in enumerate(lesson.quiz.items):
        item_table = toml_map.table("item", item_index)
        if item.type == "multiple":
            wrong = sum(not choice.correct for choice in item.choices)
            if wrong < MIN_WRONG_IN_MULTIPLE:
                warnings.append(
                    Problem(
                        path,
                        item_table.line,
                        f'multiple-select item "{item.id}" has {wrong} wrong option(s); give it '
                        f"at least {MIN_WRONG_IN_MULTIPLE}, so picking everything doesn't pass",
                    )
                )
        for choices, sub_path, where in _questions(item):
            line = toml_map.table("item", item_index, *sub_path).line
            questions += 1
            lengths = [len(plain(choice.text)) for choice in choices]
            longest = max(lengths)
            if lengths.count(longest) == 1 and choices[lengths.index(longest)].right:
                longest_right.append(line)
            absolute = {c.id for c in choices if ABSOLUTE.search(plain(c.text))}
            right_absolute = any(c.id in absolute for c in choices if c.right)
            wrong_absolute = [c.id for c in choices if not c.right and c.id in absolute]
            if wrong_absolute and not right_absolute:
                warnings.append(
                    Problem(
                        path,
                        line,
                        f"in {where} only wrong options use words like always, never or only "
                        f"({', '.join(wrong_absolute)}); students learn to rule those out unread",
                    )
                )
    if questions and len(longest_right) / questions > LONGEST_RIGHT_SHARE:
        lines = ", ".join(str(line) for line in longest_right[:12] if line)
        warnings.append(
            Problem(
                path,
                None,
                f"the right option is the longest in {len(longest_right)} of {questions} "
                f"questions (more than {LONGEST_RIGHT_SHARE:.0%}), so length gives it away; "
                f"shorten right options or lengthen wrong ones (lines {lines})",
            )
        )
    return warnings


def _line_of(path: Path, key: str) -> int | None:
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def objective_warnings(lesson: Lesson, folder: Path) -> list[Problem]:
    lesson_path, quiz_path = folder / "lesson.md", folder / "quiz.toml"
    objectives_line = _line_of(lesson_path, "objectives")
    warnings = [
        Problem(
            lesson_path,
            objectives_line,
            f'objective {number} ("{objective}") is hard to assess; start it with something a '
            'student does, like "Name", "Choose" or "Explain"',
        )
        for number, objective in enumerate(lesson.objectives, start=1)
        if VAGUE_OBJECTIVE.match(objective)
    ]
    assessed = {item.objective for item in lesson.quiz.items}
    warnings += [
        Problem(
            quiz_path,
            None,
            f'objective {number} ("{objective}") is assessed by no item; '
            f"add objective = {number} to the items that test it",
        )
        for number, objective in enumerate(lesson.objectives, start=1)
        if number not in assessed
    ]
    untagged = [item.id for item in lesson.quiz.items if item.objective is None]
    if untagged:
        warnings.append(
            Problem(
                quiz_path,
                None,
                f"{len(untagged)} item(s) name no objective ({', '.join(untagged)}); "
                "add objective = N (the Nth objective in lesson.md) so results group by objective",
            )
        )
    return warnings


def resource_warnings(catalog: Catalog, path: Path, today: date) -> list[Problem]:
    toml_map = TomlMap(path.read_text(encoding="utf-8-sig"))
    warnings = []
    for index, resource in enumerate(catalog.resources.values()):
        line = toml_map.table("resource", index).line
        if resource.verified_on is None:
            warnings.append(
                Problem(
                    path,
                    line,
                    f'resource "{resource.id}" has no verified_on date; check it at its source '
                    "and add verified_on = YYYY-MM-DD and checked_against",
                )
            )
        elif today - resource.verified_on > STALE_AFTER:
            warnings.append(
                Problem(
                    path,
                    line,
                    f'resource "{resource.id}" was last verified on {resource.verified_on}, more '
                    "than 12 months ago; check its numbers and links again before students "
                    "rely on them",
                )
            )
    return warnings


def translation_warnings(lesson: Lesson, folder: Path) -> list[Problem]:
    """Translations made from an older English file, and items still shown in English."""
    warnings = []
    for language, translated in lesson.translations.items():
        for name in translated.outdated:
            english = name.replace(f".{language}.", ".")
            warnings.append(
                Problem(
                    folder / name,
                    None,
                    f"{english} has changed since this translation was made: update the "
                    "translation and its translated_from (it is still shown, marked outdated)",
                )
            )
        untranslated = [item.id for item in translated.quiz.items if item.untranslated]
        if untranslated:
            warnings.append(
                Problem(
                    folder / f"quiz.{language}.toml",
                    None,
                    f"{len(untranslated)} item(s) have no complete translation and are shown in "
                    f"English: {', '.join(untranslated)}",
                )
            )
    return warnings


def needing_check(catalog: Catalog) -> list[str]:
    """Ids of resources flagged for a person to confirm at the source."""
    return [resource.id for resource in catalog.resources.values() if resource.needs_check]


def _words(html: str) -> str:
    return " ".join(re.findall(r"\w+", plain(html).lower()))


def check_warnings(lesson: Lesson, folder: Path) -> list[Problem]:
    """A "check yourself" question that gives a quiz answer away word for word: the same prompt
    as a quiz question, or the same text as one of its right answers."""
    path = folder / "quiz.toml"
    if not lesson.checks:
        return []
    toml_map = TomlMap(path.read_text(encoding="utf-8-sig"))
    prompts = {_words(item.prompt): item.id for item in lesson.quiz.items}
    right_answers = {
        _words(choice.text): item.id
        for item in lesson.quiz.items
        for choices, _sub_path, _where in _questions(item)
        for choice in choices
        if choice.right
    }
    warnings: list[Problem] = []
    for index, check in enumerate(lesson.checks):
        line = toml_map.table("check", index).line
        same_prompt = prompts.get(_words(check.prompt))
        if same_prompt:
            warnings.append(
                Problem(
                    path,
                    line,
                    f'check "{check.id}" asks the same question as quiz item "{same_prompt}"; '
                    "ask about the idea in other words, so the check doesn't give the answer away",
                )
            )
        for choice in check.choices:
            same_answer = right_answers.get(_words(choice.text)) if choice.correct else None
            if same_answer:
                warnings.append(
                    Problem(
                        path,
                        line,
                        f'right choice "{choice.id}" of check "{check.id}" is word for word a '
                        f'right answer of quiz item "{same_answer}"; word it differently',
                    )
                )
    return warnings
