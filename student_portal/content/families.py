"""Family pages: `lessons/<slug>/family.md` per lesson and `lessons/families/<slug>.md`.

Loaded with the lessons, once at start-up, and checked by the same rules: front matter keys,
resource ids, no phone number or link outside a `[[resource:ID]]` line. A lesson's family page has
exactly three `##` sections ("What your child learned", "Conversation starters" with a list of 2-3
starters, "One thing to do together"). Spanish files (`family.es.md`, `<slug>.es.md`) carry
`translated_from`, the hash of the English file; a stale hash is a warning, as for lessons. A lesson
without a family page, and a missing general page, are warnings too (`lessons check --strict`
fails on them), so a new lesson can be drafted before its family page is written.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import render
from .model import Families, FamilyPage, Lesson, Problem, Resource
from .tomlmap import TomlMap

FAMILIES_FOLDER = "families"  # lessons/families/: the general pages, not a lesson
GENERAL_SLUGS = ("warning-signs", "talking", "what-to-do")  # the pages the section promises
LESSON_SECTIONS = ("What your child learned", "Conversation starters", "One thing to do together")
MIN_STARTERS, MAX_STARTERS = 2, 3
LANGUAGES = ("es",)

_HEADING = re.compile(r"^##(?!#)\s*(?P<title>.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d+[.)])\s+\S")
# Links that are not a [[resource:ID]] line: Markdown links, bare addresses, tel:/sms:/mailto:.
_RAW_LINK = re.compile(r"\]\(|<a\b|\bhttps?://|\bwww\.|\b(?:tel|sms|mailto):", re.IGNORECASE)
_STARTERS = re.compile(r"\A<(?P<tag>ul|ol)>\s*(?P<items>(?:<li>.*?</li>\s*)+)</(?P=tag)>\Z", re.S)


@dataclass
class _Reader:
    """What reading family files needs from the lesson loader."""

    resources: Mapping[str, Resource] | None
    check_contacts: Callable[[str, Path, list[Problem]], None] | None
    problems: list[Problem]
    warnings: list[Problem]


def load_families(
    root: Path,
    lessons: tuple[Lesson, ...],
    resources: Mapping[str, Resource] | None,
    check_contacts: Callable[[str, Path, list[Problem]], None] | None,
    problems: list[Problem],
) -> Families:
    """The family pages of `root`, reporting problems into `problems`."""
    reader = _Reader(resources, check_contacts, problems, [])
    by_lesson: dict[str, FamilyPage] = {}
    for lesson in lessons:
        path = root / lesson.slug / "family.md"
        if not path.is_file():
            reader.warnings.append(
                Problem(
                    path,
                    None,
                    "family.md is missing: every lesson needs a page for families (see "
                    "lessons/README.md, Family pages)",
                )
            )
            continue
        page = _lesson_page(reader, lesson, path)
        if page is not None:
            by_lesson[lesson.slug] = page
    for folder in sorted(root.iterdir()) if root.is_dir() else ():
        translated = folder / "family.es.md"
        if translated.is_file() and not (folder / "family.md").is_file():
            problems.append(Problem(translated, None, "family.es.md has no family.md beside it"))
    guides = _general_pages(reader, root / FAMILIES_FOLDER)
    reader.warnings.sort(key=lambda problem: (problem.path.parts, problem.line or 0))
    return Families(guides=guides, lessons=by_lesson, warnings=tuple(reader.warnings))


# --- reading one file ---------------------------------------------------------------------------


@dataclass
class _Parsed:
    front: dict[str, Any]
    front_lines: TomlMap
    body: str
    body_first_line: int  # the file's line number of the body's first line
    html: str


def _parse(reader: _Reader, path: Path, fields: Mapping[str, Any], language: str) -> _Parsed | None:
    """Front matter checked against `fields`, and the body rendered; None after problems."""
    from .loader import _check_fields, _parse_toml, _read_text, _render_body

    before = len(reader.problems)
    text = _read_text(path, reader.problems)
    if text is None:
        return None
    lines = text.split("\n")
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() == "+++"), None)
    if lines[0].strip() != "+++" or closing is None:
        reader.problems.append(
            Problem(path, 1, f'{path.name} must start with front matter between "+++" lines')
        )
        return None
    front_text = "\n".join(lines[1:closing])
    front = _parse_toml(front_text, path, reader.problems, first_line=2)
    if front is None:
        return None
    front_lines = TomlMap(front_text, first_line=2)
    front_lines.root.line = 1  # missing keys are reported at the opening "+++"

    def report(line: int | None, message: str) -> None:
        reader.problems.append(Problem(path, line, message))

    _check_fields(front, fields, "front matter", front_lines.root, report)
    sources = front.get("sources")
    if reader.resources is not None and isinstance(sources, list):
        for source in sources:
            if isinstance(source, str) and source not in reader.resources:
                report(
                    front_lines.root.key_line("sources"),
                    f'sources: unknown resource "{source}" (not an id in resources.toml)',
                )
    body = "\n".join(lines[closing + 1 :])
    body_first_line = closing + 2
    if reader.check_contacts is not None:
        reader.check_contacts(text, path, reader.problems)
    for index, line in enumerate(body.split("\n")):
        if render.RESOURCE_SHORTCUT_LINE.match(line) is None and _RAW_LINK.search(line):
            report(
                index + body_first_line,
                "a link or address outside a [[resource:ID]] line: on family pages every link, "
                "number and address comes from resources.toml through [[resource:ID]] lines",
            )
    html = _render_body(
        body, body_first_line, path, reader.resources, reader.problems, language, formal=True
    )
    if len(reader.problems) > before:
        return None
    return _Parsed(front, front_lines, body, body_first_line, html)


def _headings(parsed: _Parsed) -> list[tuple[int, str]]:
    """(file line, title) of each `##` heading of the body, outside fenced code."""
    found = []
    fenced = False
    for index, line in enumerate(parsed.body.split("\n")):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match:
            found.append((index + parsed.body_first_line, match.group("title")))
    return found


def _outdated(reader: _Reader, parsed: _Parsed, path: Path, english: Path) -> bool:
    from .translation import source_hash

    if parsed.front.get("translated_from") == source_hash(english):
        return False
    reader.warnings.append(
        Problem(
            path,
            parsed.front_lines.root.key_line("translated_from"),
            f"{english.name} has changed since this translation was made: update the "
            "translation and its translated_from (it is still shown, marked outdated)",
        )
    )
    return True


# --- a lesson's family page ---------------------------------------------------------------------


def _lesson_fields() -> dict:
    from .loader import _Field

    return {"summary": _Field("text", required=True), "sources": _Field("text-list")}


def _translated_fields(*names: str) -> dict:
    from .loader import _Field

    return {"translated_from": _Field("text", required=True)} | {
        name: _Field("text", required=True) for name in names
    }


def _lesson_page(reader: _Reader, lesson: Lesson, path: Path) -> FamilyPage | None:
    parsed = _parse(reader, path, _lesson_fields(), "en")
    if parsed is None:
        return None
    page = _lesson_structure(reader, lesson, path, parsed, english_titles=True)
    if page is None:
        return None
    for language in LANGUAGES:
        translated_path = path.with_name(f"family.{language}.md")
        if not translated_path.is_file():
            continue
        translated = _parse(reader, translated_path, _translated_fields("summary"), language)
        if translated is None:
            continue
        outdated = _outdated(reader, translated, translated_path, path)
        other = _lesson_structure(
            reader, lesson.in_language(language), translated_path, translated, False
        )
        if other is not None:
            page.translations[language] = dataclasses.replace(
                other, sources=page.sources, language=language, outdated=outdated
            )
    return page


def _lesson_structure(
    reader: _Reader, lesson: Lesson, path: Path, parsed: _Parsed, english_titles: bool
) -> FamilyPage | None:
    """The page once its three sections and its list of starters are checked."""
    headings = _headings(parsed)
    before = len(reader.problems)
    expected = " / ".join(f'"## {title}"' for title in LESSON_SECTIONS)
    body_lines = parsed.body.split("\n")
    first_text = next(
        (i + parsed.body_first_line for i, line in enumerate(body_lines) if line.strip()), None
    )
    if first_text is not None and (not headings or headings[0][0] > first_text):
        reader.problems.append(
            Problem(
                path,
                first_text,
                f"text before the first section: a family page has exactly three sections, "
                f"{expected}",
            )
        )
    if len(headings) != len(LESSON_SECTIONS):
        reader.problems.append(
            Problem(
                path,
                headings[len(LESSON_SECTIONS)][0] if len(headings) > 3 else None,
                f"{path.name} has {len(headings)} ## sections; it needs exactly three, in this "
                f"order: {expected}" + ("" if english_titles else " (translated)"),
            )
        )
    elif english_titles:
        for (line, title), wanted in zip(headings, LESSON_SECTIONS, strict=True):
            if title.strip().lower() != wanted.lower():
                reader.problems.append(
                    Problem(path, line, f'section "{title}" should be "## {wanted}" here')
                )
    sections = render.split_sections(parsed.html, lesson.title)
    starters: tuple[str, ...] = ()
    if len(reader.problems) == before:
        match = _STARTERS.match(sections[1].html)
        items = re.findall(r"<li>(.*?)</li>", match.group("items"), re.S) if match else []
        if not MIN_STARTERS <= len(items) <= MAX_STARTERS:
            reader.problems.append(
                Problem(
                    path,
                    headings[1][0],
                    f"the second section must be only a list of {MIN_STARTERS}-{MAX_STARTERS} "
                    f'conversation starters (lines starting with "- "), '
                    + (f"not {len(items)}" if match else "and nothing else"),
                )
            )
        starters = tuple(item.strip() for item in items)
    if len(reader.problems) > before:
        return None
    extra = parsed.front.get("sources", [])
    return FamilyPage(
        slug=lesson.slug,
        title=lesson.title,
        summary=parsed.front["summary"],
        html=parsed.html,
        sections=sections,
        sources=tuple(dict.fromkeys([*lesson.sources, *extra])),
        order=lesson.order,
        starters=starters,
    )


# --- the general pages --------------------------------------------------------------------------


def _general_fields() -> dict:
    from .loader import _Field

    return {
        "title": _Field("text", required=True),
        "summary": _Field("text", required=True),
        "order": _Field("int", required=True),
        "sources": _Field("text-list", required=True),
    }


def _general_pages(reader: _Reader, folder: Path) -> tuple[FamilyPage, ...]:
    from .loader import SLUG

    pages: list[FamilyPage] = []
    orders: dict[int, tuple[str, Path]] = {}
    files = sorted(folder.glob("*.md")) if folder.is_dir() else []
    english = [path for path in files if not _is_translation(path)]
    for path in files:
        if _is_translation(path) and path.name.split(".")[0] + ".md" not in {
            p.name for p in english
        }:
            reader.problems.append(
                Problem(path, None, f"{path.name} has no English {path.name.split('.')[0]}.md")
            )
    for path in english:
        slug = path.stem
        if not SLUG.match(slug):
            reader.problems.append(
                Problem(
                    path,
                    None,
                    f'file name "{path.name}" must use only lowercase letters, digits and '
                    'hyphens (like "warning-signs.md")',
                )
            )
            continue
        parsed = _parse(reader, path, _general_fields(), "en")
        if parsed is None:
            continue
        order = parsed.front["order"]
        if order in orders:
            reader.problems.append(
                Problem(
                    path,
                    parsed.front_lines.root.key_line("order"),
                    f'order {order} is already used by "{orders[order][0]}"; each family page '
                    "needs its own order number",
                )
            )
            continue
        orders[order] = (slug, path)
        page = _general_page(slug, parsed)
        sections_in_english = len(_headings(parsed))
        for language in LANGUAGES:
            translated_path = path.with_name(f"{slug}.{language}.md")
            if not translated_path.is_file():
                continue
            translated = _parse(
                reader, translated_path, _translated_fields("title", "summary"), language
            )
            if translated is None:
                continue
            count = len(_headings(translated))
            if count != sections_in_english:
                reader.problems.append(
                    Problem(
                        translated_path,
                        None,
                        f"{translated_path.name} has {count} sections but the English has "
                        f"{sections_in_english}: keep the same ## headings, in the same order",
                    )
                )
                continue
            outdated = _outdated(reader, translated, translated_path, path)
            page.translations[language] = dataclasses.replace(
                _general_page(slug, translated, english=parsed),
                language=language,
                outdated=outdated,
            )
        pages.append(page)
    found = {page.slug for page in pages}
    for slug in GENERAL_SLUGS:
        if slug not in found and not (folder / f"{slug}.md").is_file():
            reader.warnings.append(
                Problem(
                    folder / f"{slug}.md",
                    None,
                    f"{slug}.md is missing: the family section promises this page",
                )
            )
    return tuple(sorted(pages, key=lambda page: (page.order, page.slug)))


def _is_translation(path: Path) -> bool:
    return len(path.suffixes) > 1 and path.suffixes[-2][1:] in LANGUAGES


def _general_page(slug: str, parsed: _Parsed, english: _Parsed | None = None) -> FamilyPage:
    source = english or parsed
    return FamilyPage(
        slug=slug,
        title=parsed.front["title"],
        summary=parsed.front["summary"],
        html=parsed.html,
        sections=render.split_sections(parsed.html, parsed.front["title"]),
        sources=tuple(source.front["sources"]),
        order=source.front["order"],
    )
