"""Immutable lesson objects: built by the loader from `lessons/`, read by the rest of the app."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One content error: the file, the line when known, and what is wrong."""

    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.message}"


class ContentError(Exception):
    """Raised when a lessons folder has one or more problems; carries all of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class Resource:
    """A hotline, reporting site or source from `lessons/resources.toml`."""

    id: str
    name: str
    purpose: str
    kind: str = "source"  # "help" (hotline / reporting path) or "source" (citation only)
    phone: str | None = None
    phone_label: str | None = None  # e.g. "1-800-THE-LOST"
    text: str | None = None  # number or short code for SMS
    text_keyword: str | None = None
    url: str | None = None
    hours: str | None = None
    languages: str | None = None
    note: str | None = None
    verified_on: date | None = None  # when a person last checked it against `checked_against`
    checked_against: str | None = None
    needs_check: bool = False  # not yet re-checked at the source: listed for staff to confirm
    # Text in other languages, by language then field ("es" -> {"purpose": ...}).
    translations: dict[str, dict[str, str]] = field(default_factory=dict, compare=False)

    def localized(self, language: str) -> Resource:
        """The resource with its texts in `language` where it has them; numbers stay one."""
        texts = self.translations.get(language)
        return replace(self, **texts) if texts else self


@dataclass(frozen=True)
class Choice:
    """One answer option. In a scenario step, `safe` plays the part of `correct`."""

    id: str
    text: str
    feedback: str  # sanitized HTML (inline Markdown rendered)
    correct: bool = False  # single / multiple items
    safe: bool = False  # scenario steps
    next: str | None = None  # scenario: id of the next step; None means the story ends here
    fixed: bool = False  # keeps its authored place when the choices are shuffled ("None of these")
    speaker: str = ""  # spot items: "them" or "me" (a line of the chat; `correct` = a sign)

    @property
    def right(self) -> bool:
        """The answer to pick: correct in a question, safe in a scenario step."""
        return self.correct or self.safe


@dataclass(frozen=True)
class Step:
    """One moment of a scenario story, with the choices a student can make there."""

    id: str
    text: str  # sanitized HTML
    choices: tuple[Choice, ...]

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


@dataclass(frozen=True)
class Item:
    """One quiz item: `single`, `multiple`, `scenario` or `spot`.

    A spot item is a chat whose lines are its choices, in the chat's order (never shuffled):
    `correct` marks a warning sign, and the student marks every line that is one.
    """

    id: str
    type: str
    prompt: str  # sanitized HTML
    points: int  # what the item is worth; for a scenario, the decisions on its safe route
    choices: tuple[Choice, ...] = ()  # single / multiple
    steps: tuple[Step, ...] = ()  # scenario; steps[0] is where the story starts
    objective: int | None = None  # 1-based index into the lesson's objectives
    untranslated: bool = False  # shown in English inside a translated lesson
    them: str = ""  # spot: the other person's display name

    @property
    def signs(self) -> int:
        """Spot: how many lines are warning signs."""
        return sum(1 for choice in self.choices if choice.correct)

    @property
    def start(self) -> Step:
        return self.steps[0]

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


@dataclass(frozen=True)
class Quiz:
    version: str  # hash of quiz.toml's content: stored with every attempt
    pass_mark: float  # fraction of max_score needed to pass, 0 < pass_mark <= 1
    items: tuple[Item, ...]

    @property
    def max_score(self) -> int:
        return sum(item.points for item in self.items)

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)


@dataclass(frozen=True)
class Section:
    """A `##` section of a lesson: one step in a club session."""

    id: str  # the heading's id attribute
    title: str
    html: str
    key: str = ""  # in a translation, the English title of the section at its place
    check: str | None = None  # id of the "check yourself" question placed at its end

    @property
    def match_key(self) -> str:
        """What the leader's guide matches a lesson step by (the English title)."""
        return (self.key or self.title).strip().lower()


@dataclass(frozen=True)
class Lesson:
    slug: str  # the folder name, stable: stored rows refer to it
    title: str
    summary: str
    minutes: int
    order: int
    grades: str
    content_note: str | None
    objectives: tuple[str, ...]
    sources: tuple[str, ...]  # resource ids
    html: str  # the whole body, rendered and sanitized
    sections: tuple[Section, ...]
    guide_html: str
    quiz: Quiz
    guide_sections: tuple[Section, ...] = ()  # the guide split at its ## headings
    language: str = "en"
    outdated: tuple[str, ...] = ()  # translated files whose English has changed since
    # Ungraded "check yourself" questions placed at the end of sections (never in the quiz).
    checks: tuple[Item, ...] = ()
    # The lesson in other languages, by language code (empty on a translation itself).
    translations: dict[str, Lesson] = field(default_factory=dict, compare=False, repr=False)

    def guide_for(self, section: Section) -> Section | None:
        """The guide's section with the same (English) heading as a lesson section, if any."""
        return next((s for s in self.guide_sections if s.match_key == section.match_key), None)

    def guide_matching(self, *words: str) -> list[Section]:
        """Guide sections whose English heading mentions any of `words` (e.g. "ground rule")."""
        return [s for s in self.guide_sections if any(w in s.match_key for w in words)]

    def check(self, check_id: str) -> Item | None:
        return next((c for c in self.checks if c.id == check_id), None)

    def in_language(self, language: str | None) -> Lesson:
        """This lesson in `language` if it has been translated, else as written."""
        return self.translations.get(language or "en", self)


@dataclass(frozen=True)
class FamilyPage:
    """A family page, rendered. For a lesson's page `slug` is the lesson's and `starters` holds
    the conversation starters (their HTML); a general page has `order` and no starters."""

    slug: str
    title: str
    summary: str
    html: str  # the whole body, sanitized (resource cards included)
    sections: tuple[Section, ...]
    sources: tuple[str, ...]  # resource ids, cited at the foot of the page
    order: int = 0
    starters: tuple[str, ...] = ()
    language: str = "en"
    outdated: bool = False  # a translation made from an older English file
    translations: dict[str, FamilyPage] = field(default_factory=dict, compare=False, repr=False)

    def in_language(self, language: str | None) -> FamilyPage:
        """This page in `language` where it has been translated, else in English."""
        return self.translations.get(language or "en", self)


@dataclass(frozen=True)
class Families:
    """Every family page of a lessons folder, and the warnings found while loading them."""

    guides: tuple[FamilyPage, ...] = ()  # the general pages, by their order
    lessons: Mapping[str, FamilyPage] = field(default_factory=dict)  # by lesson slug
    warnings: tuple[Problem, ...] = ()

    def guide(self, slug: str, language: str | None = None) -> FamilyPage | None:
        page = next((page for page in self.guides if page.slug == slug), None)
        return page.in_language(language) if page is not None else None

    def for_lesson(self, slug: str, language: str | None = None) -> FamilyPage | None:
        page = self.lessons.get(slug)
        return page.in_language(language) if page is not None else None


@dataclass(frozen=True)
class Catalog:
    """Every lesson and resource, loaded once at start-up."""

    lessons: tuple[Lesson, ...]
    resources: dict[str, Resource] = field(default_factory=dict)
    families: Families = field(default_factory=lambda: Families())

    def get(self, slug: str, language: str | None = None) -> Lesson | None:
        """A lesson by slug, in `language` where it has been translated."""
        lesson = next((lesson for lesson in self.lessons if lesson.slug == slug), None)
        return lesson.in_language(language) if lesson is not None else None

    def lessons_in(self, language: str | None) -> tuple[Lesson, ...]:
        return tuple(lesson.in_language(language) for lesson in self.lessons)
