"""'Check yourself' questions: `[[check:ID]]` lines in lesson Markdown, placed at section ends.

A check is an ungraded question written as a `[[check]]` table in quiz.toml (the same fields as a
single or multiple `[[item]]`). A line `[[check:ID]]`, alone on its line and the last thing in a
`##` section, places it at the end of that section; the lesson player shows it there. This module
finds those lines in the Markdown source and in the rendered HTML (the two are matched in order),
reports every misplaced one with its line, strips them from the HTML and records each section's
check id on its `Section`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection
from pathlib import Path

from .model import Problem, Section

CHECK_ANYWHERE = re.compile(r"\[\[check:(?P<id>[^\]\n<]*)\]\]")
CHECK_LINE = re.compile(r"^\[\[check:(?P<id>[^\]\n]*)\]\][ \t]*$")
# In a section's HTML: the check as a paragraph of its own, and nothing after it.
TRAILING_CHECK = re.compile(r"<p>\[\[check:(?P<id>[^\]\n<]*)\]\]</p>\s*\Z")
PARAGRAPH_CHECK = re.compile(r"\s*<p>\[\[check:[^\]\n<]*\]\]</p>\s*")
HEADING = re.compile(r"^##[ \t]")
FENCE = re.compile(r"^[ \t]*(```|~~~)")


@dataclasses.dataclass(frozen=True)
class _Place:
    line: int  # in the file
    id: str
    alone: bool  # alone on its line, not indented
    before_first_heading: bool


def _source_places(text: str, first_line: int) -> list[_Place]:
    """Every `[[check:…]]` in the Markdown source, in order (fenced code blocks included, as the
    HTML keeps them too)."""
    places = []
    seen_heading = False
    in_fence = False
    for index, line in enumerate(text.split("\n")):
        if FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and HEADING.match(line):
            seen_heading = True
        for match in CHECK_ANYWHERE.finditer(line):
            places.append(
                _Place(
                    line=index + first_line,
                    id=match.group("id").strip(),
                    alone=CHECK_LINE.match(line) is not None and not in_fence,
                    before_first_heading=not seen_heading,
                )
            )
    return places


def place_checks(
    text: str,
    first_line: int,
    path: Path,
    sections: tuple[Section, ...],
    check_ids: Collection[str],
    problems: list[Problem],
) -> tuple[tuple[Section, ...], list[tuple[str, int]]]:
    """The sections with their checks recorded and the `[[check:…]]` lines removed, and the
    (check id, line) of every `[[check:…]]` found, placed well or not; reports every misplaced
    or unknown check line."""
    places = _source_places(text, first_line)
    in_html = [
        (index, match.group("id").strip())
        for index, section in enumerate(sections)
        for match in CHECK_ANYWHERE.finditer(section.html)
    ]

    def report(line: int | None, message: str) -> None:
        problems.append(Problem(path, line, message))

    if len(places) != len(in_html):
        report(
            places[0].line if places else None,
            "could not find where each [[check:ID]] line ends up; put each one alone on its line, "
            "with a blank line before it, as the last thing in its ## section",
        )
        return sections, [(place.id, place.line) for place in places]

    first_use: dict[str, int] = {}
    by_section: dict[int, tuple[str, int]] = {}
    first_in_section: dict[int, _Place] = {}
    for place, (section_index, _html_id) in zip(places, in_html, strict=True):
        section = sections[section_index]
        shortcut = f"[[check:{place.id}]]"
        if not place.alone:
            report(
                place.line,
                f"{shortcut} must be alone on its own line, not indented and not inside a list, "
                "callout or code block",
            )
        elif place.before_first_heading:
            report(
                place.line,
                f"{shortcut} comes before the first ## heading; a check goes at the end of a "
                "## section",
            )
        elif place.id not in check_ids:
            report(
                place.line,
                f'unknown check "{place.id}" in {shortcut}: quiz.toml has no [[check]] with '
                "that id",
            )
        elif place.id in first_use:
            report(
                place.line,
                f'check "{place.id}" is already placed on line {first_use[place.id]}; each check '
                "is used once",
            )
        elif first_in_section.setdefault(section_index, place) is not place:
            other = first_in_section[section_index]
            report(
                place.line,
                f'section "{section.title}" already has [[check:{other.id}]] (line '
                f"{other.line}); a section can end with one check at most",
            )
        elif TRAILING_CHECK.search(section.html) is None or (
            TRAILING_CHECK.search(section.html).group("id").strip() != place.id
        ):
            report(
                place.line,
                f'{shortcut} must be the last thing in section "{section.title}": move it to '
                "the end of the section, after a blank line",
            )
        else:
            first_use[place.id] = place.line
            by_section[section_index] = (place.id, place.line)
    updated = tuple(
        dataclasses.replace(
            section,
            html=PARAGRAPH_CHECK.sub("\n", section.html).strip(),
            check=by_section[index][0] if index in by_section else None,
        )
        for index, section in enumerate(sections)
    )
    return updated, [(place.id, place.line) for place in places]


def strip_check_lines(html: str) -> str:
    """The whole-lesson HTML without its `[[check:…]]` paragraphs."""
    return PARAGRAPH_CHECK.sub("\n", html).strip()
