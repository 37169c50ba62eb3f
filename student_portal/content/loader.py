"""Read a lessons folder, check every rule, and build the immutable `Catalog`.

The loader never stops at the first problem: it keeps going and reports everything it finds, each
with the file and, where it can be found, the line. `load_catalog` raises `ContentError` with all
of them; `check_lessons` returns them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tomllib
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from . import render
from .chat import find_chats
from .checks import place_checks, strip_check_lines
from .families import FAMILIES_FOLDER, load_families
from .model import Catalog, Choice, ContentError, Item, Lesson, Problem, Quiz, Resource, Step
from .tomlmap import TomlMap, TomlTable
from .translation import load_translations

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_ID_LENGTH = 64  # ids end up in database columns (lesson slug, item, step and choice ids)
GRADES = re.compile(r"^(\d{1,2})-(\d{1,2})$")
LESSON_FILES = ("lesson.md", "guide.md", "quiz.toml")
ITEM_TYPES = ("single", "multiple", "scenario", "spot")
SPOT_LINES = (4, 8)  # a spot item's chat has 4 to 8 lines
MIN_SPOT_SIGNS = 2  # at least this many signs, and this many lines that are not
CHECK_TYPES = ("single", "multiple")  # a "check yourself" question is never a scenario
DEFAULT_PASS_MARK = 0.8

Report = Callable[[int | None, str], None]


def load_catalog(path: str | Path) -> Catalog:
    """Load, check and render a lessons folder; raise `ContentError` listing every problem."""
    catalog, problems = scan_lessons(path)
    if problems:
        raise ContentError(problems)
    return catalog


def check_lessons(path: str | Path) -> list[Problem]:
    """Every problem in a lessons folder; an empty list means it loads."""
    return scan_lessons(path)[1]


def scan_lessons(path: str | Path) -> tuple[Catalog, list[Problem]]:
    """The catalog of every lesson that loaded cleanly, and all problems found."""
    root = Path(path)
    problems: list[Problem] = []
    if not root.is_dir():
        return Catalog(lessons=()), [Problem(root, None, "lessons folder not found")]

    resources = _load_resources(root / "resources.toml", problems)
    known = _KnownContacts.from_resources(resources) if resources is not None else None

    loaded: list[Lesson] = []
    # Every readable order, even of lessons with other problems, so a clash shows up at once.
    orders: list[_Order] = []
    for folder in sorted(root.iterdir()):
        if not folder.is_dir() or folder.name.startswith(("_", ".")):
            continue
        if folder.name == FAMILIES_FOLDER:  # the general family pages, read below
            continue
        lesson = _load_lesson(folder, resources, known, problems, orders)
        if lesson is not None:
            loaded.append(lesson)

    first_with_order: dict[int, _Order] = {}
    for order in orders:
        other = first_with_order.setdefault(order.value, order)
        if other is not order:
            problems.append(
                Problem(
                    order.path,
                    order.line,
                    f'order {order.value} is already used by lesson "{other.slug}"; '
                    "each lesson needs its own order number",
                )
            )
    if len(first_with_order) < len(orders):
        loaded = []  # a catalog with a clash is never handed out

    lessons = tuple(sorted(loaded, key=lambda lesson: (lesson.order, lesson.slug)))
    families = load_families(
        root, lessons, resources, known.check if known is not None else None, problems
    )
    problems.sort(key=lambda problem: (problem.path.parts, problem.line or 0))
    return Catalog(lessons=lessons, resources=resources or {}, families=families), problems


# --- field checks -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    kind: str  # "text", "int", "bool", "number", "date", "text-list", "tables"
    required: bool = False


def _type_problem(value: Any, kind: str) -> str | None:
    if kind == "text":
        if not isinstance(value, str):
            return "must be text in quotes"
        if not value.strip():
            return "is empty"
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be a whole number"
    elif kind == "bool":
        if not isinstance(value, bool):
            return "must be true or false"
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "must be a number"
    elif kind == "text-list":
        if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
            return 'must be a list of text, like ["one", "two"]'
        if not value:
            return "must not be an empty list"
        if not all(entry.strip() for entry in value):
            return "must not contain empty text"
    elif kind == "date":
        if not isinstance(value, date) or isinstance(value, datetime):
            return "must be a date written without quotes, like 2026-11-30"
    elif kind == "tables":
        if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
            return "must be written as [[...]] tables"
    return None


def _check_fields(
    data: Mapping[str, Any],
    fields: Mapping[str, _Field],
    where: str,
    table: TomlTable,
    report: Report,
) -> bool:
    """Report unknown keys, missing required keys and wrong types; True when all are fine."""
    fine = True
    for key in data:
        if key not in fields:
            allowed = ", ".join(fields)
            report(table.key_line(key), f'unknown key "{key}" in {where} (allowed: {allowed})')
            fine = False
    for key, spec in fields.items():
        if key not in data:
            if spec.required:
                report(table.line, f'{where} is missing "{key}"')
                fine = False
            continue
        problem = _type_problem(data[key], spec.kind)
        if problem:
            report(table.key_line(key), f'"{key}" in {where} {problem}')
            fine = False
    return fine


def _valid_id(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= MAX_ID_LENGTH and bool(SLUG.match(value))


def _check_id(data: Mapping[str, Any], table: TomlTable, report: Report) -> bool:
    """Report an id that is not slug-like (a missing or non-text id is reported elsewhere)."""
    value = data.get("id")
    if not isinstance(value, str) or not value.strip() or _valid_id(value):
        return _valid_id(value)
    report(
        table.key_line("id"),
        f'id "{value}" must use only lowercase letters, digits and hyphens, start with a letter '
        f'or digit, and be at most {MAX_ID_LENGTH} characters (like "warning-signs")',
    )
    return False


def _label(kind: str, data: Mapping[str, Any], index: int) -> str:
    value = data.get("id")
    if isinstance(value, str) and value.strip():
        return f'{kind} "{value}"'
    return f"{kind} {index + 1}"


def _parse_toml(text: str, path: Path, problems: list[Problem], first_line: int = 1) -> Any:
    """Parsed TOML, or None after reporting the syntax error at its line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = re.search(r"\s*\(at line (\d+), column \d+\)$", message)
        if match:
            line: int | None = int(match.group(1)) + first_line - 1
            message = message[: match.start()]
        elif message.endswith("(at end of document)"):
            line = first_line - 1 + max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
            message = message.removesuffix("(at end of document)").strip()
        else:
            line = None
        problems.append(Problem(path, line, f"TOML syntax error: {message}"))
        return None


def _read_text(path: Path, problems: list[Problem]) -> str | None:
    try:
        return path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    except UnicodeDecodeError:
        problems.append(Problem(path, None, "file is not UTF-8 text; save it as UTF-8"))
    except OSError as error:
        problems.append(Problem(path, None, f"cannot read file: {error.strerror}"))
    return None


# --- resources.toml -----------------------------------------------------------------------------

RESOURCE_FIELDS = {
    "id": _Field("text", required=True),
    "name": _Field("text", required=True),
    "purpose": _Field("text", required=True),
    "kind": _Field("text"),
    "phone": _Field("text"),
    "phone_label": _Field("text"),
    "text": _Field("text"),
    "text_keyword": _Field("text"),
    "url": _Field("text"),
    "hours": _Field("text"),
    "languages": _Field("text"),
    "note": _Field("text"),
    # When a person last checked the entry, against which page, and whether it still needs one.
    "verified_on": _Field("date"),
    "checked_against": _Field("text"),
    "needs_check": _Field("bool"),
}
# Words a resource may have in another language (numbers and addresses stay in one place).
TRANSLATED_RESOURCE_FIELDS = ("name", "purpose", "note", "hours", "languages")
for _language in ("es",):
    for _name in TRANSLATED_RESOURCE_FIELDS:
        RESOURCE_FIELDS[f"{_name}_{_language}"] = _Field("text")
RESOURCE_KINDS = ("help", "source")
RESOURCE_TEXT_FIELDS = {
    field.name for field in dataclasses.fields(Resource) if field.type in ("str", "str | None")
}
PHONE = re.compile(r"^\+?[0-9][0-9 ().-]*$")


def _load_resources(path: Path, problems: list[Problem]) -> dict[str, Resource] | None:
    """Resources by id; None when the file is missing or unreadable (references go unchecked)."""
    if not path.is_file():
        problems.append(Problem(path, None, "resources.toml is missing"))
        return None
    text = _read_text(path, problems)
    if text is None:
        return None
    data = _parse_toml(text, path, problems)
    if data is None:
        return None
    toml_map = TomlMap(text)

    def report(line: int | None, message: str) -> None:
        problems.append(Problem(path, line, message))

    _check_fields(
        data, {"resource": _Field("tables", required=True)}, "resources.toml", toml_map.root, report
    )
    if _type_problem(data.get("resource"), "tables"):
        return None

    resources: dict[str, Resource] = {}
    id_lines: dict[str, int | None] = {}
    for index, entry in enumerate(data["resource"]):
        table = toml_map.table("resource", index)
        where = _label("resource", entry, index)
        _check_fields(entry, RESOURCE_FIELDS, where, table, report)
        _check_id(entry, table, report)
        resource_id = entry.get("id")
        if isinstance(resource_id, str) and resource_id in id_lines:
            report(
                table.key_line("id"),
                f'duplicate resource id "{resource_id}" '
                f"(first used on line {id_lines[resource_id]})",
            )
            continue
        kind = entry.get("kind", "source")
        if isinstance(kind, str) and kind not in RESOURCE_KINDS:
            report(
                table.key_line("kind"), f'kind of {where} must be "help" or "source", not "{kind}"'
            )
        url = entry.get("url")
        if isinstance(url, str) and not url.startswith(("https://", "http://")):
            report(table.key_line("url"), f"url of {where} must start with https:// or http://")
        for key in ("phone", "text"):
            number = entry.get(key)
            if isinstance(number, str) and number.strip() and not PHONE.match(number.strip()):
                report(
                    table.key_line(key),
                    f"{key} of {where} must be digits (spaces, dashes, dots, brackets and a "
                    f'leading + allowed); put words like "1-800-THE-LOST" in phone_label',
                )
        if "text_keyword" in entry and "text" not in entry:
            report(table.key_line("text_keyword"), f"{where} has text_keyword but no text number")
        if "phone_label" in entry and "phone" not in entry:
            report(table.key_line("phone_label"), f"{where} has phone_label but no phone")
        if isinstance(resource_id, str):
            id_lines[resource_id] = table.key_line("id")
            # Keep even a faulty resource so references to it are not reported twice.
            resources[resource_id] = Resource(
                **{
                    key: value
                    for key, value in entry.items()
                    if key in RESOURCE_TEXT_FIELDS and isinstance(value, str)
                }
                | {
                    "name": str(entry.get("name", "")),
                    "purpose": str(entry.get("purpose", "")),
                    "verified_on": _date_or_none(entry.get("verified_on")),
                    "needs_check": entry.get("needs_check") is True,
                    "translations": _resource_translations(entry),
                }
            )
    return resources


def _resource_translations(entry: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """{"es": {"purpose": ...}} from keys like purpose_es."""
    translations: dict[str, dict[str, str]] = {}
    for key, value in entry.items():
        name, _, language = key.rpartition("_")
        if name in TRANSLATED_RESOURCE_FIELDS and isinstance(value, str) and language:
            translations.setdefault(language, {})[name] = value
    return translations


def _date_or_none(value: Any) -> date | None:
    return value if isinstance(value, date) and not isinstance(value, datetime) else None


# --- phone numbers and URLs in lesson text --------------------------------------------------------

_URL_IN_TEXT = re.compile(r"""\bhttps?://[^\s<>()\[\]"'`]+""")
_TEL_IN_TEXT = re.compile(r"\b(?:tel|sms):\+?[0-9][0-9().-]*")
_PHONE_IN_TEXT = re.compile(
    r"(?<![\w-])(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?![\w-])"
)


def _normal_number(number: str) -> str:
    digits = render.phone_digits(number)
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


def _normal_url(url: str) -> str:
    return url.rstrip("/")


@dataclass(frozen=True)
class _KnownContacts:
    """The URLs and numbers in resources.toml: the only ones lesson text may contain."""

    urls: frozenset[str]
    numbers: frozenset[str]

    @classmethod
    def from_resources(cls, resources: Mapping[str, Resource]) -> _KnownContacts:
        urls = {_normal_url(r.url) for r in resources.values() if r.url}
        numbers = {
            _normal_number(number)
            for r in resources.values()
            for number in (r.phone, r.text)
            if number
        }
        return cls(frozenset(urls), frozenset(numbers))

    def check(self, text: str, path: Path, problems: list[Problem]) -> None:
        """Report each URL or phone number in `text` that resources.toml does not list."""
        for index, line in enumerate(text.split("\n")):
            for match in _URL_IN_TEXT.finditer(line):
                url = match.group().rstrip(".,;:!?*_")
                if _normal_url(url) not in self.urls:
                    problems.append(
                        Problem(
                            path,
                            index + 1,
                            f'URL "{url}" is not in resources.toml; add it there so every '
                            "link is checked in one place",
                        )
                    )
            numbers = [match.group() for match in _TEL_IN_TEXT.finditer(line)]
            numbers += [match.group() for match in _PHONE_IN_TEXT.finditer(line)]
            for number in numbers:
                if _normal_number(number) not in self.numbers:
                    problems.append(
                        Problem(
                            path,
                            index + 1,
                            f'phone number "{number.strip()}" is not in resources.toml; add it '
                            "there and use [[resource:ID]] to show it",
                        )
                    )


# --- lesson folders -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Order:
    value: int
    slug: str
    path: Path
    line: int | None


FRONT_MATTER_FIELDS = {
    "title": _Field("text", required=True),
    "summary": _Field("text", required=True),
    "minutes": _Field("int", required=True),
    "order": _Field("int", required=True),
    "grades": _Field("text", required=True),
    "content_note": _Field("text"),
    "objectives": _Field("text-list", required=True),
    "sources": _Field("text-list", required=True),
}


def _load_lesson(
    folder: Path,
    resources: Mapping[str, Resource] | None,
    known: _KnownContacts | None,
    problems: list[Problem],
    orders: list[_Order],
) -> Lesson | None:
    """The lesson in `folder`, or None if it has any problem."""
    problems_before = len(problems)
    slug = folder.name
    if len(slug) > MAX_ID_LENGTH or not SLUG.match(slug):
        problems.append(
            Problem(
                folder,
                None,
                f'folder name "{slug}" must use only lowercase letters, digits and hyphens '
                f'(like "02-warning-signs"), at most {MAX_ID_LENGTH} characters',
            )
        )
    for name in LESSON_FILES:
        if not (folder / name).is_file():
            problems.append(Problem(folder / name, None, f"{name} is missing"))

    lesson_path = folder / "lesson.md"
    front_matter: dict[str, Any] | None = None
    body_html = ""
    body_text, body_first_line = "", 1
    if lesson_path.is_file() and (text := _read_text(lesson_path, problems)) is not None:
        parsed = _parse_lesson_md(text, lesson_path, resources, problems, orders)
        if parsed is not None:
            front_matter, body_html, body_text, body_first_line = parsed
        if known is not None:
            known.check(text, lesson_path, problems)

    guide_path = folder / "guide.md"
    guide_html = ""
    if guide_path.is_file() and (text := _read_text(guide_path, problems)) is not None:
        guide_html = _render_body(text, 1, guide_path, resources, problems)
        if known is not None:
            known.check(text, guide_path, problems)

    quiz_path = folder / "quiz.toml"
    quiz = None
    checks: dict[str, tuple[Item, int | None]] = {}
    if quiz_path.is_file():
        objective_count = len(front_matter["objectives"]) if front_matter else None
        quiz = _load_quiz(quiz_path, known, problems, objective_count, checks)

    if front_matter is None or quiz is None:
        return None
    title = front_matter["title"]
    sections, mentioned = place_checks(
        body_text,
        body_first_line,
        lesson_path,
        render.split_sections(body_html, title),
        checks,
        problems,
    )
    used = {check_id for check_id, _line in mentioned}
    for check_id, (_check, line) in checks.items():
        if check_id not in used:
            problems.append(
                Problem(
                    quiz_path,
                    line,
                    f'check "{check_id}" is not placed in lesson.md: add a line '
                    f"[[check:{check_id}]] at the end of a ## section, or remove the check",
                )
            )
    if len(problems) > problems_before:
        return None
    lesson = Lesson(
        slug=slug,
        title=title,
        summary=front_matter["summary"],
        minutes=front_matter["minutes"],
        order=front_matter["order"],
        grades=front_matter["grades"],
        content_note=front_matter.get("content_note"),
        objectives=tuple(front_matter["objectives"]),
        sources=tuple(front_matter["sources"]),
        html=strip_check_lines(body_html),
        sections=sections,
        guide_html=guide_html,
        guide_sections=render.split_sections(guide_html, "Before you start") if guide_html else (),
        quiz=quiz,
        checks=tuple(check for check, _line in checks.values()),
    )
    lesson.translations.update(
        load_translations(
            {
                "english": lesson,
                "folder": folder,
                "resources": resources,
                "check_contacts": known.check if known is not None else None,
                "render_body": lambda text, first_line, path, found, language="es": _render_body(
                    text, first_line, path, resources, found, language
                ),
                "problems": problems,
            }
        )
    )
    return lesson


def _render_body(
    text: str,
    first_line: int,
    path: Path,
    resources: Mapping[str, Resource] | None,
    problems: list[Problem],
    language: str = "en",
    formal: bool = False,
) -> str:
    """Render a Markdown body, reporting unknown or misplaced resource shortcuts."""

    def unknown(line: int, resource_id: str) -> None:
        if resources is not None:  # without a readable resources.toml, everything is unknown
            problems.append(
                Problem(
                    path,
                    line + first_line - 1,
                    f'unknown resource "{resource_id}" in [[resource:{resource_id}]]: '
                    "no resource with that id in resources.toml",
                )
            )

    def misplaced(line: int) -> None:
        problems.append(
            Problem(
                path,
                line + first_line - 1,
                "a [[resource:ID]] shortcut must be alone on its own line",
            )
        )

    _, chat_problems = find_chats(text)
    for line, message in chat_problems:
        problems.append(Problem(path, line + first_line - 1, message))
    return render.render_document(text, resources or {}, unknown, misplaced, language, formal)


def _parse_lesson_md(
    text: str,
    path: Path,
    resources: Mapping[str, Resource] | None,
    problems: list[Problem],
    orders: list[_Order],
) -> tuple[dict[str, Any], str, str, int] | None:
    """(front matter, body HTML, body Markdown, the body's first line), or None when the front
    matter has problems."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "+++":
        problems.append(
            Problem(path, 1, 'lesson.md must start with a "+++" line that opens the front matter')
        )
        return None
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "+++"), None)
    if closing is None:
        problems.append(
            Problem(path, 1, 'the front matter opened on line 1 is never closed by a "+++" line')
        )
        return None
    front_text = "\n".join(lines[1:closing])
    body_first_line = closing + 2
    body_text = "\n".join(lines[closing + 1 :])
    body_html = _render_body(body_text, body_first_line, path, resources, problems)

    data = _parse_toml(front_text, path, problems, first_line=2)
    if data is None:
        return None
    table = TomlMap(front_text, first_line=2).root
    table.line = 1  # report missing keys at the opening "+++"

    def report(line: int | None, message: str) -> None:
        problems.append(Problem(path, line, message))

    fine = _check_fields(data, FRONT_MATTER_FIELDS, "front matter", table, report)
    order = data.get("order")
    if isinstance(order, int) and not isinstance(order, bool):
        orders.append(_Order(order, path.parent.name, path, table.key_line("order")))
    minutes = data.get("minutes")
    if isinstance(minutes, int) and not isinstance(minutes, bool) and not 1 <= minutes <= 60:
        report(table.key_line("minutes"), f"minutes must be between 1 and 60, not {minutes}")
        fine = False
    grades = data.get("grades")
    if isinstance(grades, str) and grades.strip():
        match = GRADES.match(grades)
        if not match or int(match.group(1)) > int(match.group(2)):
            report(
                table.key_line("grades"),
                f'grades must be a range of grades like "6-12" (lowest first), not "{grades}"',
            )
            fine = False
    sources = data.get("sources")
    if resources is not None and isinstance(sources, list):
        for source in sources:
            if isinstance(source, str) and source not in resources:
                report(
                    table.key_line("sources"),
                    f'sources: unknown resource "{source}" (not an id in resources.toml)',
                )
                fine = False
    if not fine:
        return None
    return data, body_html, body_text, body_first_line


# --- quiz.toml ------------------------------------------------------------------------------------

QUIZ_FIELDS = {
    "pass_mark": _Field("number"),
    "item": _Field("tables", required=True),
    "check": _Field("tables"),  # ungraded "check yourself" questions placed in lesson.md
}
ITEM_FIELDS = {
    "single": {
        "id": _Field("text", required=True),
        "type": _Field("text", required=True),
        "prompt": _Field("text", required=True),
        "points": _Field("int"),
        "objective": _Field("int"),
        "choice": _Field("tables", required=True),
    },
    "scenario": {
        "id": _Field("text", required=True),
        "type": _Field("text", required=True),
        "prompt": _Field("text", required=True),
        "objective": _Field("int"),
        "step": _Field("tables", required=True),
    },
}
ITEM_FIELDS["multiple"] = ITEM_FIELDS["single"]
ITEM_FIELDS["spot"] = {
    "id": _Field("text", required=True),
    "type": _Field("text", required=True),
    "prompt": _Field("text", required=True),
    "them": _Field("text", required=True),
    "points": _Field("int"),
    "objective": _Field("int"),
    "line": _Field("tables", required=True),
}
LINE_FIELDS = {
    "id": _Field("text", required=True),
    "speaker": _Field("text", required=True),
    "text": _Field("text", required=True),
    "feedback": _Field("text", required=True),
    "sign": _Field("bool"),
}
SPEAKERS = ("them", "me")
CHOICE_FIELDS = {
    "id": _Field("text", required=True),
    "text": _Field("text", required=True),
    "feedback": _Field("text", required=True),
    "correct": _Field("bool"),
    "fixed": _Field("bool"),  # keeps its authored place when choices are shuffled
}
STEP_FIELDS = {
    "id": _Field("text", required=True),
    "text": _Field("text", required=True),
    "choice": _Field("tables", required=True),
}
STEP_CHOICE_FIELDS = {
    "id": _Field("text", required=True),
    "text": _Field("text", required=True),
    "feedback": _Field("text", required=True),
    "safe": _Field("bool"),
    "next": _Field("text"),
    "end": _Field("bool"),
    "fixed": _Field("bool"),
}


def quiz_version(content: bytes) -> str:
    """The quiz version stored with attempts: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(content).hexdigest()[:16]


_CHECK_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*check[ \t]*(\]\]|\.)")
_ANY_HEADER = re.compile(r"^[ \t]*\[")


def graded_quiz_bytes(content: bytes) -> bytes:
    """quiz.toml without its `[[check]]` tables: what the quiz version is taken of, so adding
    or editing a "check yourself" question (never graded) leaves stored attempts and quizzes in
    progress as they were. A file without checks is returned unchanged."""
    if b"check" not in content:
        return content
    try:
        lines = content.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return content
    kept: list[str] = []
    in_check = False
    for line in lines:
        if _ANY_HEADER.match(line):
            in_check = _CHECK_HEADER.match(line) is not None
        if not in_check:
            kept.append(line)
    if len(kept) == len(lines):
        return content
    # Checks written after the last item leave the blank line before them: end as files do.
    return ("".join(kept).rstrip("\n") + "\n").encode("utf-8")


def _load_quiz(
    path: Path,
    known: _KnownContacts | None,
    problems: list[Problem],
    objective_count: int | None = None,
    checks: dict[str, tuple[Item, int | None]] | None = None,
) -> Quiz | None:
    """The quiz; its "check yourself" questions go into `checks` (id -> (check, line))."""
    problems_before = len(problems)
    content = path.read_bytes()
    text = _read_text(path, problems)
    if text is None:
        return None
    if known is not None:
        known.check(text, path, problems)
    data = _parse_toml(text, path, problems)
    if data is None:
        return None
    toml_map = TomlMap(text)

    def report(line: int | None, message: str) -> None:
        problems.append(Problem(path, line, message))

    _check_fields(data, QUIZ_FIELDS, "quiz.toml", toml_map.root, report)
    pass_mark = data.get("pass_mark", DEFAULT_PASS_MARK)
    if isinstance(pass_mark, int | float) and not isinstance(pass_mark, bool):
        if not 0 < pass_mark <= 1:
            report(
                toml_map.root.key_line("pass_mark"),
                f"pass_mark must be more than 0 and at most 1 (0.8 means 80%), not {pass_mark}",
            )
    raw_items = data.get("item")
    items: list[Item] = []
    if isinstance(raw_items, list) and all(isinstance(entry, dict) for entry in raw_items):
        if not raw_items:
            report(None, "quiz.toml needs at least one [[item]]")
        id_lines: dict[str, int | None] = {}
        for index, raw in enumerate(raw_items):
            table = toml_map.table("item", index)
            _unique_id(id_lines, raw, table, "item", report)
            item = _load_item(raw, index, toml_map, report)
            objective = raw.get("objective")
            if (
                objective_count is not None
                and isinstance(objective, int)
                and not 1 <= objective <= objective_count
            ):
                report(
                    table.key_line("objective"),
                    f"objective = {objective} in {_label('item', raw, index)} names no objective: "
                    f"the lesson lists {objective_count}, so use 1 to {objective_count}",
                )
            if item is not None:
                items.append(item)
        _load_checks(data.get("check"), id_lines, toml_map, report, checks)

    if len(problems) > problems_before:
        return None
    return Quiz(
        version=quiz_version(graded_quiz_bytes(content)),
        pass_mark=float(pass_mark),
        items=tuple(items),
    )


def _load_checks(
    raw_checks: Any,
    item_lines: dict[str, int | None],
    toml_map: TomlMap,
    report: Report,
    checks: dict[str, tuple[Item, int | None]] | None,
) -> None:
    """The `[[check]]` tables: validated like items, ids unique among items and checks."""
    if not isinstance(raw_checks, list) or not all(isinstance(c, dict) for c in raw_checks):
        return  # absent, or reported by the field check
    id_lines = dict(item_lines)
    for index, raw in enumerate(raw_checks):
        table = toml_map.table("check", index)
        check_id = raw.get("id")
        if isinstance(check_id, str) and check_id in item_lines:
            report(
                table.key_line("id"),
                f'check id "{check_id}" is already the id of an item (line '
                f"{item_lines[check_id]}); a check needs an id of its own",
            )
            continue
        _unique_id(id_lines, raw, table, "check", report)
        if "type" in raw and raw["type"] not in CHECK_TYPES:
            report(
                table.key_line("type"),
                f"type of {_label('check', raw, index)} must be \"single\" or \"multiple\", "
                f"not {raw['type']!r}",
            )
            continue
        check = _load_item(raw, index, toml_map, report, kind="check")
        if check is not None and checks is not None:
            checks.setdefault(check.id, (check, table.line))


def _load_item(
    raw: dict[str, Any], index: int, toml_map: TomlMap, report: Report, kind: str = "item"
) -> Item | None:
    """One `[[item]]` (or, with kind="check", one `[[check]]`), or None after reporting."""
    table = toml_map.table(kind, index)
    where = _label(kind, raw, index)
    item_type = raw.get("type")
    if item_type not in ITEM_TYPES:
        if "type" not in raw:
            report(table.line, f'{where} is missing "type"')
        else:
            report(
                table.key_line("type"),
                f'type of {where} must be "single", "multiple", "scenario" or "spot", '
                f"not {item_type!r}",
            )
        _check_id(raw, table, report)
        return None
    fields = ITEM_FIELDS[item_type]
    if item_type == "scenario" and "points" in raw:
        report(
            table.key_line("points"),
            f"{where}: points are not allowed on a scenario; it is worth the number of decisions "
            "on its shortest safe route",
        )
        raw = {key: value for key, value in raw.items() if key != "points"}
        fine = False
    else:
        fine = True
    fine = _check_fields(raw, fields, where, table, report) and fine
    fine = _check_id(raw, table, report) and fine
    points = raw.get("points", 1)
    if isinstance(points, int) and not isinstance(points, bool) and points < 1:
        report(table.key_line("points"), f"points of {where} must be 1 or more, not {points}")
        fine = False

    if item_type == "scenario":
        steps, safe_route = _load_steps(raw, index, where, toml_map, report)
        if not fine or steps is None or safe_route is None:
            return None
        return Item(
            id=raw["id"],
            type=item_type,
            prompt=render.render_block(raw["prompt"]),
            points=safe_route,
            steps=steps,
            objective=raw.get("objective"),
        )

    if item_type == "spot":
        choices = _load_lines(raw, index, where, toml_map, report)
    else:
        choices = _load_choices(raw, index, where, item_type, toml_map, report, kind)
    if not fine or choices is None:
        return None
    return Item(
        id=raw["id"],
        type=item_type,
        prompt=render.render_block(raw["prompt"]),
        points=points,
        choices=choices,
        objective=raw.get("objective"),
        them=raw.get("them", "").strip() if item_type == "spot" else "",
    )


def _load_lines(
    raw: dict[str, Any], item_index: int, where: str, toml_map: TomlMap, report: Report
) -> tuple[Choice, ...] | None:
    """The chat lines of a spot item as its choices (fixed in place), or None after reporting."""
    raw_lines = raw.get("line")
    if not isinstance(raw_lines, list) or not all(isinstance(c, dict) for c in raw_lines):
        return None  # reported by the field check
    table = toml_map.table("item", item_index)
    fine = True
    fewest, most = SPOT_LINES
    if not fewest <= len(raw_lines) <= most:
        report(
            table.line,
            f"spot {where} needs {fewest} to {most} [[item.line]] messages, has {len(raw_lines)}",
        )
        fine = False
    id_lines: dict[str, int | None] = {}
    lines: list[Choice] = []
    for index, raw_line in enumerate(raw_lines):
        line_table = toml_map.table("item", item_index, "line", index)
        line_where = f"{_label('line', raw_line, index)} of {where}"
        fine = _check_fields(raw_line, LINE_FIELDS, line_where, line_table, report) and fine
        fine = _check_id(raw_line, line_table, report) and fine
        fine = _unique_id(id_lines, raw_line, line_table, "line", report, where) and fine
        speaker = raw_line.get("speaker")
        if isinstance(speaker, str) and speaker.strip() and speaker not in SPEAKERS:
            report(
                line_table.key_line("speaker"),
                f'speaker of {line_where} must be "them" or "me", not "{speaker}" '
                '(the other person\'s name goes in the item\'s them = "...")',
            )
            fine = False
        if fine:
            lines.append(
                Choice(
                    id=raw_line["id"],
                    text=render.render_inline(raw_line["text"]),
                    feedback=render.render_inline(raw_line["feedback"]),
                    correct=raw_line.get("sign", False),
                    fixed=True,  # a chat keeps its order
                    speaker=speaker,
                )
            )
    signs = sum(1 for line in raw_lines if line.get("sign") is True)
    if signs < MIN_SPOT_SIGNS:
        report(
            table.line,
            f"spot {where} has {signs} warning sign(s); mark at least {MIN_SPOT_SIGNS} lines "
            "with sign = true",
        )
        fine = False
    if len(raw_lines) - signs < MIN_SPOT_SIGNS:
        report(
            table.line,
            f"spot {where} has {len(raw_lines) - signs} line(s) that are not signs; it needs at "
            f"least {MIN_SPOT_SIGNS}, so marking everything can't earn full marks",
        )
        fine = False
    return tuple(lines) if fine else None


def _load_choices(
    raw: dict[str, Any],
    item_index: int,
    where: str,
    item_type: str,
    toml_map: TomlMap,
    report: Report,
    kind: str = "item",
) -> tuple[Choice, ...] | None:
    """The choices of a single or multiple item, or None after reporting problems."""
    raw_choices = raw.get("choice")
    if not isinstance(raw_choices, list) or not all(isinstance(c, dict) for c in raw_choices):
        return None  # reported by the field check
    table = toml_map.table(kind, item_index)
    fine = True
    if len(raw_choices) < 2:
        report(table.line, f"{where} needs at least 2 choices, has {len(raw_choices)}")
        fine = False
    id_lines: dict[str, int | None] = {}
    choices: list[Choice] = []
    for index, raw_choice in enumerate(raw_choices):
        choice_table = toml_map.table(kind, item_index, "choice", index)
        choice_where = f"{_label('choice', raw_choice, index)} of {where}"
        fine = _check_fields(raw_choice, CHOICE_FIELDS, choice_where, choice_table, report) and fine
        fine = _check_id(raw_choice, choice_table, report) and fine
        fine = _unique_id(id_lines, raw_choice, choice_table, "choice", report, where) and fine
        if fine:
            choices.append(
                Choice(
                    id=raw_choice["id"],
                    text=render.render_inline(raw_choice["text"]),
                    feedback=render.render_inline(raw_choice["feedback"]),
                    correct=raw_choice.get("correct", False),
                    fixed=raw_choice.get("fixed", False),
                )
            )
    correct = sum(1 for c in raw_choices if c.get("correct") is True)
    if item_type == "single" and correct != 1:
        report(table.line, f"single {where} must have exactly one correct choice, has {correct}")
        fine = False
    if item_type == "multiple" and correct == 0:
        report(table.line, f"multiple {where} has no correct choice; mark at least one correct")
        fine = False
    return tuple(choices) if fine else None


def _unique_id(
    seen: dict[str, int | None],
    entry: dict[str, Any],
    table: TomlTable,
    kind: str,
    report: Report,
    where: str | None = None,
) -> bool:
    """Remember an entry's id; report a duplicate (and return False) if it was seen before."""
    entry_id = entry.get("id")
    if not isinstance(entry_id, str):
        return True
    if entry_id in seen:
        place = f" in {where}" if where else ""
        report(
            table.key_line("id"),
            f'duplicate {kind} id "{entry_id}"{place} (first used on line {seen[entry_id]})',
        )
        return False
    seen[entry_id] = table.key_line("id")
    return True


def _load_steps(
    raw: dict[str, Any],
    item_index: int,
    where: str,
    toml_map: TomlMap,
    report: Report,
) -> tuple[tuple[Step, ...] | None, int | None]:
    """A scenario's steps and the length of its shortest safe route, after checking the story."""
    raw_steps = raw.get("step")
    if not isinstance(raw_steps, list) or not all(isinstance(s, dict) for s in raw_steps):
        return None, None  # reported by the field check
    item_table = toml_map.table("item", item_index)
    if not raw_steps:
        report(item_table.line, f"scenario {where} needs at least one [[item.step]]")
        return None, None
    fine = True
    step_lines: dict[str, int | None] = {}
    for index, raw_step in enumerate(raw_steps):
        step_table = toml_map.table("item", item_index, "step", index)
        step_where = f"{_label('step', raw_step, index)} of {where}"
        fine = _check_fields(raw_step, STEP_FIELDS, step_where, step_table, report) and fine
        fine = _check_id(raw_step, step_table, report) and fine
        fine = _unique_id(step_lines, raw_step, step_table, "step", report, where) and fine

    # Choices: fields, ids, next/end; edges of the story graph as (from, to, choice table).
    edges: dict[int, list[tuple[int, bool, TomlTable]]] = {i: [] for i in range(len(raw_steps))}
    endings: dict[int, list[bool]] = {i: [] for i in range(len(raw_steps))}
    step_index = {
        s["id"]: i for i, s in reversed(list(enumerate(raw_steps))) if isinstance(s.get("id"), str)
    }
    for index, raw_step in enumerate(raw_steps):
        step_table = toml_map.table("item", item_index, "step", index)
        step_where = f"{_label('step', raw_step, index)} of {where}"
        raw_choices = raw_step.get("choice")
        if not isinstance(raw_choices, list) or not all(isinstance(c, dict) for c in raw_choices):
            fine = False
            continue
        if len(raw_choices) < 2:
            report(
                step_table.line, f"{step_where} needs at least 2 choices, has {len(raw_choices)}"
            )
            fine = False
        if not any(c.get("safe") is True for c in raw_choices):
            report(step_table.line, f"{step_where} has no safe choice; mark one with safe = true")
            fine = False
        id_lines: dict[str, int | None] = {}
        for choice_index, raw_choice in enumerate(raw_choices):
            table = toml_map.table("item", item_index, "step", index, "choice", choice_index)
            choice_where = f"{_label('choice', raw_choice, choice_index)} of {step_where}"
            fine = (
                _check_fields(raw_choice, STEP_CHOICE_FIELDS, choice_where, table, report) and fine
            )
            fine = _check_id(raw_choice, table, report) and fine
            fine = _unique_id(id_lines, raw_choice, table, "choice", report, step_where) and fine
            has_next = "next" in raw_choice
            ends = raw_choice.get("end") is True
            safe = raw_choice.get("safe") is True
            if has_next and ends:
                report(
                    table.line,
                    f"{choice_where} has both next and end = true; use exactly one of them",
                )
                fine = False
            elif not has_next and not ends:
                report(
                    table.line,
                    f'{choice_where} has neither next = "<step id>" nor end = true; '
                    "every choice must lead somewhere",
                )
                fine = False
            elif ends:
                endings[index].append(safe)
            else:
                target = raw_choice["next"]
                if isinstance(target, str) and target in step_index:
                    edges[index].append((step_index[target], safe, table))
                elif isinstance(target, str):
                    report(
                        table.key_line("next"),
                        f'{choice_where}: next = "{target}" names no step in {where}',
                    )
                    fine = False

    fine = _check_story(raw_steps, edges, endings, where, item_index, toml_map, report) and fine
    safe_route = _shortest_safe_route(len(raw_steps), edges, endings)
    if safe_route is None:
        report(
            item_table.line,
            f"scenario {where} has no route of safe choices from the first step to an ending",
        )
        fine = False
    if not fine:
        return None, None

    steps = tuple(
        Step(
            id=raw_step["id"],
            text=render.render_block(raw_step["text"]),
            choices=tuple(
                Choice(
                    id=c["id"],
                    text=render.render_inline(c["text"]),
                    feedback=render.render_inline(c["feedback"]),
                    safe=c.get("safe", False),
                    next=c.get("next"),
                    fixed=c.get("fixed", False),
                )
                for c in raw_step["choice"]
            ),
        )
        for raw_step in raw_steps
    )
    return steps, safe_route


def _check_story(
    raw_steps: list[dict[str, Any]],
    edges: Mapping[int, list[tuple[int, bool, TomlTable]]],
    endings: Mapping[int, list[bool]],
    where: str,
    item_index: int,
    toml_map: TomlMap,
    report: Report,
) -> bool:
    """Unreachable steps, loops, and steps from which the story cannot end."""
    fine = True
    count = len(raw_steps)

    def label(index: int) -> str:
        return _label("step", raw_steps[index], index)

    def step_line(index: int) -> int | None:
        return toml_map.table("item", item_index, "step", index).line

    reached = {0}
    queue = deque([0])
    while queue:
        for target, _safe, _table in edges[queue.popleft()]:
            if target not in reached:
                reached.add(target)
                queue.append(target)
    for index in range(count):
        if index not in reached:
            report(
                step_line(index),
                f"{label(index)} of {where} can't be reached: no choice leads to it from the "
                "first step",
            )
            fine = False

    # Loops: depth-first search for an edge back to a step still on the path.
    state = [0] * count  # 0 unseen, 1 on the current path, 2 done
    for start in range(count):
        if state[start]:
            continue
        path = [start]
        state[start] = 1
        stack = [iter(edges[start])]
        while stack:
            advanced = False
            for target, _safe, table in stack[-1]:
                if state[target] == 1:
                    loop = path[path.index(target) :] + [target]
                    shown = " → ".join(f'"{raw_steps[i].get("id")}"' for i in loop)
                    report(
                        table.key_line("next"),
                        f"{where} has a path that never ends: {shown} can repeat forever",
                    )
                    fine = False
                elif state[target] == 0:
                    state[target] = 1
                    path.append(target)
                    stack.append(iter(edges[target]))
                    advanced = True
                    break
            if not advanced:
                state[path.pop()] = 2
                stack.pop()

    # Steps that can reach an ending: walk the edges backwards from steps with an ending.
    can_end = {index for index in range(count) if endings[index]}
    changed = True
    while changed:
        changed = False
        for index in range(count):
            if index not in can_end and any(t in can_end for t, _, _ in edges[index]):
                can_end.add(index)
                changed = True
    for index in range(count):
        if index not in can_end:
            report(
                step_line(index),
                f"no ending can be reached from {label(index)} of {where}; add a choice with "
                "end = true on some path from it",
            )
            fine = False
    return fine


def _shortest_safe_route(
    count: int,
    edges: Mapping[int, list[tuple[int, bool, TomlTable]]],
    endings: Mapping[int, list[bool]],
) -> int | None:
    """Decisions on the shortest route from the first step to an ending using safe choices."""
    distance = {0: 0}
    queue = deque([0])
    while queue:
        index = queue.popleft()
        if any(endings[index]):
            return distance[index] + 1
        for target, safe, _table in edges[index]:
            if safe and target not in distance:
                distance[target] = distance[index] + 1
                queue.append(target)
    return None
