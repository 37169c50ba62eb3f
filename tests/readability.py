"""Reading level of lesson text, for the curriculum test and for authors.

Run `python -m tests.readability [LESSONS_DIR]` to print each lesson's Flesch–Kincaid grade, and
the Fernández Huerta ease of its Spanish translation.
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path

import textstat

from student_portal.content import load_catalog

# Plain for 11-18 year olds without talking down to older teens: grade 5-8.
MIN_GRADE, MAX_GRADE = 5.0, 8.0
BLOCKS = {"p", "li", "td", "th", "h2", "h3", "h4", "div", "blockquote"}


class _TextBlocks(HTMLParser):
    """Collects the text of each block element; resource cards (names and numbers) are skipped."""

    def __init__(self):
        super().__init__()
        self.blocks: list[str] = []
        self._current: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag, attrs):
        if self._skip_depth:
            self._skip_depth += tag == "div"
            return
        if tag == "div" and "resource-card" in (dict(attrs).get("class") or ""):
            self._flush()
            self._skip_depth = 1
        elif tag in BLOCKS:
            self._flush()

    def handle_endtag(self, tag):
        if self._skip_depth:
            self._skip_depth -= tag == "div"
            return
        if tag in BLOCKS:
            self._flush()

    def handle_data(self, data):
        if not self._skip_depth:
            self._current.append(data)

    def _flush(self):
        text = " ".join("".join(self._current).split())
        self._current = []
        if text:
            # A heading, list item or table cell is a sentence of its own.
            self.blocks.append(text if text[-1] in ".!?:" else text + ".")


def student_text(html: str) -> str:
    parser = _TextBlocks()
    parser.feed(html)
    parser.close()
    parser._flush()
    return " ".join(parser.blocks)


def grade_level(html: str) -> float:
    textstat.set_lang("en_US")
    return textstat.flesch_kincaid_grade(student_text(html))


# Family pages are for parents and carers: plain, at grades 6-8 like most health leaflets.
MIN_FAMILY_GRADE, MAX_FAMILY_GRADE = 6.0, 8.0


def family_grade(html: str) -> float:
    """Flesch-Kincaid grade of a family page (resource cards skipped, as in lessons)."""
    return grade_level(html)


# Fernández Huerta's reading ease for Spanish (higher is easier). Its scale runs high: the
# English lessons, at grades 5-8, score about 99-103 on it. Between 70 ("fairly easy") and 95
# the Spanish is as plain as the English without reading younger.
MIN_EASE_ES, MAX_EASE_ES = 70.0, 95.0


def spanish_ease(html: str) -> float:
    textstat.set_lang("es")
    try:
        return textstat.fernandez_huerta(student_text(html))
    finally:
        textstat.set_lang("en_US")


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "lessons")
    catalog = load_catalog(folder)
    for lesson in catalog.lessons:
        text = student_text(lesson.html)
        spanish = lesson.translations.get("es")
        ease = f"  Spanish ease {spanish_ease(spanish.html):5.1f}" if spanish else ""
        print(
            f"{lesson.slug:<28} grade {grade_level(lesson.html):4.1f}  "
            f"words {textstat.lexicon_count(text):>5}  (range {MIN_GRADE}-{MAX_GRADE}){ease}"
        )
    families = catalog.families
    for page in (*families.guides, *families.lessons.values()):
        name = ("families/" if page in families.guides else "family: ") + page.slug
        print(
            f"{name:<28} grade {family_grade(page.html):4.1f}  "
            f"(range {MIN_FAMILY_GRADE}-{MAX_FAMILY_GRADE}, for parents)"
        )
