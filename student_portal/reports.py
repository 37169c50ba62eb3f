"""Aggregates for teacher pages: a fixed number of GROUP BY queries, whatever the cohort size."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from html import unescape
from math import sqrt
from statistics import median
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    DateTime,
    Float,
    Integer,
    String,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.orm import selectinload

from .content import (
    Catalog,
    Choice,
    GradeResult,
    InvalidResponse,
    Item,
    Lesson,
    Step,
    walk_scenario,
)
from .database import FastSelect
from .extensions import db
from .i18n import school_timezone
from .models import (
    CLOSED,
    Cohort,
    GridHour,
    GridTally,
    HelpRequest,
    LessonProgress,
    Membership,
    QuizAnswer,
    QuizAttempt,
    QuizItemResult,
    User,
    utcnow,
)
from .progress import COMPLETED, IN_PROGRESS, NOT_STARTED, PASSED, review, status_of

# --- Cohort progress grid -------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One student's standing in one lesson."""

    status: str
    attempts: int = 0
    best_percent: int | None = None

    @property
    def needs_help(self) -> bool:
        """Failed the quiz twice or more without passing."""
        return self.attempts >= 2 and self.status != PASSED


@dataclass(frozen=True)
class Member:
    """The few columns of a user a dashboard shows (lighter than loading User objects)."""

    id: int
    username: str
    display_name: str | None

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username


@dataclass(frozen=True)
class StudentRow:
    user: Member
    role: str
    cells: tuple[Cell, ...]  # in lesson order
    last_active: datetime | None

    @property
    def lessons_completed(self) -> int:
        return sum(cell.status in (COMPLETED, PASSED) for cell in self.cells)

    @property
    def quizzes_passed(self) -> int:
        return sum(cell.status == PASSED for cell in self.cells)

    @property
    def needs_help(self) -> bool:
        return any(cell.needs_help for cell in self.cells)

    @property
    def not_started(self) -> bool:
        return all(cell.status == NOT_STARTED for cell in self.cells)


@dataclass(frozen=True)
class LessonSummary:
    lesson: Lesson
    percent_completed: int  # of the cohort's members, reading done (or quiz passed)
    percent_passed: int
    median_best: int | None  # median best quiz score (%) of those who tried it
    completed: int
    passed: int


@dataclass(frozen=True)
class CohortGrid:
    lessons: tuple[Lesson, ...]
    rows: tuple[StudentRow, ...]
    summaries: tuple[LessonSummary, ...]

    @property
    def member_count(self) -> int:
        return len(self.rows)


EPOCH = datetime(1970, 1, 1)

SORTS = {
    "name": lambda row: (row.user.shown_name.lower(), row.user.username),
    "progress": lambda row: (
        -row.quizzes_passed,
        -row.lessons_completed,
        row.user.shown_name.lower(),
    ),
    # Most recently active first; never-active students last.
    "active": lambda row: (row.last_active is None, -(row.last_active or EPOCH).timestamp()),
}
FILTERS = {
    "all": lambda row: True,
    "not-started": lambda row: row.not_started,
    "needs-help": lambda row: row.needs_help,
}


def cohort_grid(cohort: Cohort, lessons: Sequence[Lesson]) -> CohortGrid:
    """Every member × lesson cell, with summaries: three queries whatever the cohort size."""
    slugs = [lesson.slug for lesson in lessons]
    member_ids = select(Membership.user_id).where(Membership.cohort_id == cohort.id)
    # Core execution (session.connection()) skips ORM row processing: 8,000 rows at 1,000 students.
    connection = db.session.connection()
    members = connection.execute(
        select(User.id, User.username, User.display_name, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == cohort.id)
    ).all()
    progress = connection.execute(
        select(
            LessonProgress.user_id,
            LessonProgress.lesson_slug,
            LessonProgress.started_at,
            LessonProgress.completed_at,
        ).where(LessonProgress.user_id.in_(member_ids), LessonProgress.lesson_slug.in_(slugs))
    ).all()
    attempts = connection.execute(
        select(
            QuizAttempt.user_id,
            QuizAttempt.lesson_slug,
            func.count(QuizAttempt.id),
            func.max(QuizAttempt.passed.cast(Integer)),
            func.max(QuizAttempt.score.cast(Float) / QuizAttempt.max_score),
            func.max(QuizAttempt.submitted_at),
        )
        .where(QuizAttempt.user_id.in_(member_ids), QuizAttempt.lesson_slug.in_(slugs))
        .group_by(QuizAttempt.user_id, QuizAttempt.lesson_slug)
    ).all()

    # Plain tuples: building these maps from Row attributes was the slowest step at 1,000 students.
    progress_by = {(user_id, slug): (started, done) for user_id, slug, started, done in progress}
    attempts_by = {
        (user_id, slug): (count, passed, best, last)
        for user_id, slug, count, passed, best, last in attempts
    }
    last_active: dict[int, datetime] = {}

    def seen(user_id: int, moment: datetime | None) -> None:
        if moment is not None and (user_id not in last_active or moment > last_active[user_id]):
            last_active[user_id] = moment

    rows = []
    for user_id, username, display_name, role in members:
        user = Member(user_id, username, display_name)
        cells = []
        for slug in slugs:
            started, completed = progress_by.get((user.id, slug), (None, None))
            count, passed, best, submitted = attempts_by.get((user.id, slug), (0, 0, None, None))
            if started is not None:
                seen(user.id, completed or started)
            seen(user.id, submitted)
            status = status_of(
                started=started is not None,
                completed=completed is not None,
                attempts=count,
                passed=bool(passed),
            )
            best_percent = round(100 * best) if best is not None else None
            cells.append(Cell(status=status, attempts=count, best_percent=best_percent))
        rows.append(StudentRow(user, role, tuple(cells), last_active.get(user.id)))
    rows.sort(key=SORTS["name"])
    return CohortGrid(tuple(lessons), tuple(rows), _summaries(lessons, rows))


def _summaries(lessons: Sequence[Lesson], rows: Sequence[StudentRow]) -> tuple[LessonSummary, ...]:
    summaries = []
    for index, lesson in enumerate(lessons):
        cells = [row.cells[index] for row in rows]
        completed = sum(cell.status in (COMPLETED, PASSED) for cell in cells)
        passed = sum(cell.status == PASSED for cell in cells)
        scores = [cell.best_percent for cell in cells if cell.best_percent is not None]
        summaries.append(
            LessonSummary(
                lesson=lesson,
                percent_completed=_percent(completed, len(cells)),
                percent_passed=_percent(passed, len(cells)),
                median_best=round(median(scores)) if scores else None,
                completed=completed,
                passed=passed,
            )
        )
    return tuple(summaries)


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def sorted_rows(grid: CohortGrid, sort: str, row_filter: str) -> list[StudentRow]:
    rows = [row for row in grid.rows if FILTERS.get(row_filter, FILTERS["all"])(row)]
    return sorted(rows, key=SORTS.get(sort, SORTS["name"]))


# --- The grid, one page at a time -----------------------------------------------------------

GRID_PAGE_SIZE = 50
# Past any cohort's last page (which shows the first), and small enough for a database integer
# once multiplied by the page size: a typed "page=99999999999999999999" must not reach SQL.
MAX_GRID_PAGE = 1_000_000


@dataclass(frozen=True)
class GridPage:
    """One page of a cohort's grid, sorted and filtered over the whole cohort, with the summary
    row and the filter counts over everyone."""

    lessons: tuple[Lesson, ...]
    rows: tuple[StudentRow, ...]  # this page's students, in order
    summaries: tuple[LessonSummary, ...]  # over every member
    member_count: int
    not_started_count: int
    needs_help_count: int
    matching: int  # members the filter shows, on all pages
    page: int  # 1-based
    page_size: int = GRID_PAGE_SIZE
    completions_by_day: tuple[tuple[date, int], ...] = ()  # lessons read per day, everyone
    # The cohort's grid_version read in the same statement as the figures (so it is theirs).
    version: int | None = None

    @property
    def page_count(self) -> int:
        return max(1, -(-self.matching // self.page_size))

    @property
    def first_shown(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.rows else 0

    @property
    def last_shown(self) -> int:
        return (self.page - 1) * self.page_size + len(self.rows)


def _cell(started, completed, attempts, passed, best) -> Cell:
    started, completed = started is not None, completed is not None
    return _shared_cell(started, completed, attempts or 0, bool(passed), best)


@lru_cache(maxsize=4096)
def _shared_cell(started: bool, completed: bool, attempts: int, passed: bool, best) -> Cell:
    """One Cell object per distinct standing: a page's rows then compare (as the grid's memo
    keys) by identity, cell by cell, instead of field by field."""
    status = status_of(started=started, completed=completed, attempts=attempts, passed=passed)
    best_percent = round(100 * best) if best is not None else None
    return Cell(status=status, attempts=attempts, best_percent=best_percent)


# The grid page's one statement returns rows of several kinds in these columns (NULL where a
# kind has nothing to say): a student shown, a reading row or an attempts figure of theirs, a
# lesson's summary figures, the cohort's counts, and completions per UTC hour for the chart.
GRID_COLUMNS = (
    ("kind", String),
    ("user_id", Integer),
    ("username", String),
    ("display_name", String),
    ("role", String),
    ("slug", String),
    ("t1", DateTime),
    ("t2", DateTime),
    ("n1", Integer),
    ("n2", Integer),
    ("n3", Integer),
    ("f1", Float),
)


def _union_part(layout: tuple, kind: str, **values):
    """One SELECT of a statement made of a union of kinds of row laid out as `layout`
    ((name, type) after "kind"): `values` by column name, typed NULL elsewhere."""
    columns = [literal(kind, String).label("kind")]
    for name, kind_type in layout[1:]:
        value = values.get(name)
        columns.append((cast(null(), kind_type) if value is None else value).label(name))
    return select(*columns)


def _grid_part(kind: str, **values):
    """One SELECT of the grid statement."""
    return _union_part(GRID_COLUMNS, kind, **values)


def _page_students_and_cells(shown, slugs) -> list:
    """The grid statement's rows for the page's students (`shown`: user_id, username,
    display_name, role, last_active, position) and their cells, straight from the index (not a
    pass over all cells)."""
    return [
        _grid_part(
            "student",
            user_id=shown.c.user_id,
            username=shown.c.username,
            display_name=shown.c.display_name,
            role=shown.c.role,
            t1=shown.c.last_active,
            n1=shown.c.position,
        ),
        _grid_part(
            "cell",
            user_id=LessonProgress.user_id,
            slug=LessonProgress.lesson_slug,
            t1=LessonProgress.started_at,
            t2=LessonProgress.completed_at,
            n1=LessonProgress.attempts,
            n2=cast(LessonProgress.quiz_passed, Integer),
            f1=LessonProgress.best_fraction,
        ).where(
            LessonProgress.user_id.in_(select(shown.c.user_id)),
            LessonProgress.lesson_slug.in_(slugs),
        ),
    ]


def _version_part(cohort_id):
    """The cohort's grid_version, read in the grid's own statement: one snapshot with its
    figures, so a page kept under that version shows what the version stands for."""
    return _grid_part(
        "version", n1=select(Cohort.grid_version).where(Cohort.id == cohort_id).scalar_subquery()
    )


def utc_hour(column):
    """Whole hours since the epoch of a stored UTC time, in SQL (portable between databases)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(func.extract("epoch", column) / 3600), Integer)
    return func.cast(func.strftime("%s", column), Integer) // 3600  # SQLite: whole seconds


def _hour_start(column, dialect: str):
    """The start of a stored UTC time's hour, as the database keeps times (SQLite: text)."""
    if dialect == "postgresql":
        return func.date_trunc("hour", column)
    return func.substr(column, 1, 13).concat(":00:00")


def _later(first, second):
    """The later of two times, either of which may be NULL (GREATEST is not portable)."""
    return case(
        (first.is_(None), second), (second.is_(None), first), (first > second, first), else_=second
    )


@lru_cache(maxsize=64)
def _grid_statement(sort: str, show: str, dialect: str):
    """The grid page's statement for one sort and filter (and database), built once: composing
    it cost more than running it for a class of 30. Parameters: cohort_id, slugs, after, until.

    It reads one lesson_progress row per student and lesson (the reading, and the running
    summary of their attempts kept with each attempt), from its covering index: grouping the
    cohort's attempts instead (three per student and lesson) was most of the page's time.
    """
    slugs = bindparam("slugs", expanding=True)
    member_ids = select(Membership.user_id).where(Membership.cohort_id == bindparam("cohort_id"))
    passed_it = cast(LessonProgress.quiz_passed, Integer)
    cells = (
        select(
            LessonProgress.user_id.label("user_id"),
            LessonProgress.lesson_slug.label("slug"),
            LessonProgress.started_at.label("started"),
            LessonProgress.completed_at.label("completed"),
            LessonProgress.attempts.label("attempts"),
            passed_it.label("passed"),
            LessonProgress.best_fraction.label("best"),
            # A passed quiz counts as a lesson completed even when the reading was not finished.
            case(
                (LessonProgress.completed_at.is_not(None) | (passed_it == 1), 1), else_=0
            ).label("done"),
            case(((LessonProgress.attempts >= 2) & (passed_it == 0), 1), else_=0).label(
                "struggling"
            ),
            _later(
                func.coalesce(LessonProgress.completed_at, LessonProgress.started_at),
                LessonProgress.last_attempt_at,
            ).label("last"),
        )
        .where(LessonProgress.user_id.in_(member_ids), LessonProgress.lesson_slug.in_(slugs))
        .cte("cells")
    )
    by_student = (
        select(
            cells.c.user_id,
            func.sum(cells.c.done).label("completed"),
            func.sum(cells.c.passed).label("passed"),
            func.max(cells.c.struggling).label("needs_help"),
            func.max(cells.c.last).label("last"),
        )
        .group_by(cells.c.user_id)
        .subquery()
    )
    standing = (
        select(
            User.id.label("user_id"),
            User.username,
            User.display_name,
            Membership.role,
            func.coalesce(by_student.c.completed, 0).label("completed"),
            func.coalesce(by_student.c.passed, 0).label("passed"),
            func.coalesce(by_student.c.needs_help, 0).label("needs_help"),
            case((by_student.c.user_id.is_(None), 1), else_=0).label("not_started"),
            by_student.c.last.label("last_active"),
            func.lower(func.coalesce(User.display_name, User.username)).label("name"),
        )
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(by_student, by_student.c.user_id == User.id)
        .where(Membership.cohort_id == bindparam("cohort_id"))
        .cte("standing")
    )
    filters = {
        "all": true(),
        "not-started": standing.c.not_started == 1,
        "needs-help": standing.c.needs_help == 1,
    }
    orders = {
        "name": (standing.c.name, standing.c.username),
        "progress": (standing.c.passed.desc(), standing.c.completed.desc(), standing.c.name),
        # Most recently active first; never-active students last.
        "active": (standing.c.last_active.is_(None), standing.c.last_active.desc()),
    }
    ordered = (
        select(
            standing.c.user_id,
            standing.c.username,
            standing.c.display_name,
            standing.c.role,
            standing.c.last_active,
            func.row_number()
            .over(order_by=(*orders.get(sort, orders["name"]), standing.c.user_id))
            .label("position"),
        )
        .where(filters.get(show, filters["all"]))
        .cte("ordered")
    )
    shown = (
        select(ordered)
        .where(ordered.c.position > bindparam("after"), ordered.c.position <= bindparam("until"))
        .cte("shown")
    )
    # Grouped by the hour's start first (cheap on each row), then the few dozen hours turned
    # into hours since the epoch: that arithmetic on every row was a sixth of the statement.
    hour_start = _hour_start(cells.c.completed, dialect)
    completions = (
        select(hour_start.label("hour"), func.count().label("read"))
        .where(cells.c.completed.is_not(None))
        .group_by(hour_start)
        .subquery()
    )
    everyone = select(
        func.count().label("members"),
        func.sum(standing.c.not_started).label("not_started"),
        func.sum(standing.c.needs_help).label("needs_help"),
    ).subquery()
    parts = [
        *_page_students_and_cells(shown, slugs),
        _grid_part(
            "lesson", slug=cells.c.slug, n1=func.sum(cells.c.done), n2=func.sum(cells.c.passed)
        ).group_by(cells.c.slug),
        # How many students had each best score, per lesson: a few dozen rows a lesson, from
        # which the median is read (two window sorts over every cell cost more).
        _grid_part("best", slug=cells.c.slug, f1=cells.c.best, n1=func.count())
        .where(cells.c.best.is_not(None))
        .group_by(cells.c.slug, cells.c.best),
        _grid_part(
            "cohort",
            n1=everyone.c.members,
            n2=everyone.c.not_started,
            n3=everyone.c.needs_help,
        ),
        _grid_part("matching", n1=select(func.count()).select_from(ordered).scalar_subquery()),
        _grid_part("hour", n1=utc_hour(completions.c.hour), n2=completions.c.read),
        _version_part(bindparam("cohort_id")),
    ]
    return union_all(*parts)


@lru_cache(maxsize=64)
def _standing_statement(sort: str, show: str, dialect: str):
    """The grid page's statement from the standing the database keeps (student_portal/
    standing.py): the cohort's membership rows sorted and paged, the page's cells, and the
    cohort's counts. Nothing here goes over every student's every lesson. Parameters:
    cohort_id, slugs, after, until."""
    slugs = bindparam("slugs", expanding=True)
    cohort_id = bindparam("cohort_id")
    name = func.lower(func.coalesce(User.display_name, User.username))
    filters = {
        "all": true(),
        "not-started": Membership.lessons_started == 0,
        "needs-help": Membership.lessons_struggling > 0,
    }
    orders = {
        "name": (name, User.username),
        "progress": (Membership.quizzes_passed.desc(), Membership.lessons_done.desc(), name),
        # Most recently active first; never-active students last.
        "active": (Membership.last_active_at.is_(None), Membership.last_active_at.desc()),
    }
    ordered = (
        select(
            User.id.label("user_id"),
            User.username,
            User.display_name,
            Membership.role,
            Membership.last_active_at.label("last_active"),
            func.row_number()
            .over(order_by=(*orders.get(sort, orders["name"]), User.id))
            .label("position"),
        )
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.cohort_id == cohort_id, filters.get(show, filters["all"]))
        .cte("ordered")
    )
    shown = (
        select(ordered)
        .where(ordered.c.position > bindparam("after"), ordered.c.position <= bindparam("until"))
        .cte("shown")
    )
    everyone = select(
        func.count().label("members"),
        func.sum(case((Membership.lessons_started == 0, 1), else_=0)).label("not_started"),
        func.sum(case((Membership.lessons_struggling > 0, 1), else_=0)).label("needs_help"),
    ).where(Membership.cohort_id == cohort_id).subquery()
    parts = [
        *_page_students_and_cells(shown, slugs),
        # Every lesson's tally, also of lessons no longer in the catalog (see cohort_grid_page).
        _grid_part(
            "tally",
            slug=GridTally.lesson_slug,
            f1=GridTally.best,
            n1=GridTally.students,
            n2=cast(GridTally.done, Integer),
            n3=cast(GridTally.passed, Integer),
        ).where(GridTally.cohort_id == cohort_id, GridTally.students > 0),
        _grid_part(
            "cohort",
            n1=everyone.c.members,
            n2=everyone.c.not_started,
            n3=everyone.c.needs_help,
        ),
        _grid_part("matching", n1=select(func.count()).select_from(ordered).scalar_subquery()),
        _grid_part(
            "hour", n1=utc_hour(GridHour.hour), n2=GridHour.completions
        ).where(GridHour.cohort_id == cohort_id, GridHour.completions > 0),
        _version_part(cohort_id),
    ]
    return union_all(*parts)


def _median_percent(counts: list[tuple[float, int]]) -> int:
    """The median of best scores given as (score, how many had it): the middle one, or the mean
    of the two middle ones, each rounded to a whole percent first (as the summary row shows)."""
    counts.sort()
    total = sum(n for _, n in counts)
    wanted = ((total + 1) // 2, (total + 2) // 2)  # 1-based positions of the middle one(s)
    found: list[float] = []
    seen = 0
    for best, n in counts:
        seen += n
        while len(found) < 2 and seen >= wanted[len(found)]:
            found.append(best)
    return round((round(100 * found[0]) + round(100 * found[1])) / 2)


def cohort_grid_page(
    cohort: Cohort,
    lessons: Sequence[Lesson],
    sort: str = "name",
    show: str = "all",
    page: int = 1,
    page_size: int = GRID_PAGE_SIZE,
    zone: str = "UTC",
) -> GridPage:
    """A page of the grid, sorted and filtered over the whole cohort: one SQL statement
    whatever the cohort size.

    It reads the standing the database keeps as progress is written (student_portal/
    standing.py): the cohort's membership rows sorted and paged, a few hundred counts for the
    summary row, the medians and the chart, and only the page's students' cells, so neither
    SQL nor Python goes over every student's every lesson. When a lesson outside the catalog
    has progress in the cohort, the kept counts include it, and the grid is worked out from
    lesson_progress instead (`_grid_statement`, one more statement).
    """
    slugs = [lesson.slug for lesson in lessons]
    page = min(max(1, page), MAX_GRID_PAGE)
    sort = sort if sort in SORTS else "name"
    show = show if show in FILTERS else "all"
    dialect = db.session.get_bind().dialect.name
    parameters = {
        "cohort_id": cohort.id,
        "slugs": slugs,
        "after": (page - 1) * page_size,
        "until": page * page_size,
    }
    connection = db.session.connection()
    rows = connection.execute(_standing_statement(sort, show, dialect), parameters).all()
    known = set(slugs)
    if any(row.kind == "tally" and row.slug not in known for row in rows):
        # Progress in a lesson the catalog no longer has: the kept standing counts it, the grid
        # must not, so the cells are gone over directly (slower, and rare).
        rows = connection.execute(_grid_statement(sort, show, dialect), parameters).all()

    students: dict[int, tuple] = {}
    cell_parts: dict[tuple[int, str], Cell] = {}
    read: dict[str, int] = {}
    passed: dict[str, int] = {}
    best_counts: dict[str, list[tuple[float, int]]] = {}
    hours: list[tuple[int, int]] = []
    members = not_started_count = needs_help_count = matching = 0
    version = None
    for kind, user_id, username, display_name, role, slug, t1, t2, n1, n2, n3, f1 in rows:
        if kind == "student":
            students[user_id] = (n1, Member(user_id, username, display_name), role, t1)
        elif kind == "cell":
            cell_parts[user_id, slug] = _cell(t1, t2, n1, n2, f1)
        elif kind == "tally":  # n1 students whose best is f1 (-1: none), read (n2), passed (n3)
            if n2:
                read[slug] = read.get(slug, 0) + n1
            if n3:
                passed[slug] = passed.get(slug, 0) + n1
            if f1 >= 0:
                best_counts.setdefault(slug, []).append((f1, n1))
        elif kind == "lesson":
            read[slug], passed[slug] = n1 or 0, n2 or 0
        elif kind == "best":
            best_counts.setdefault(slug, []).append((f1, n1))
        elif kind == "cohort":
            members, not_started_count, needs_help_count = n1 or 0, n2 or 0, n3 or 0
        elif kind == "matching":
            matching = n1 or 0
        elif kind == "version":
            version = n1
        else:
            hours.append((n1, n2))
    if not students and page > 1 and matching:
        # Past the last page (an old link, a typed number): the first page instead.
        return cohort_grid_page(cohort, lessons, sort, show, 1, page_size, zone)
    medians = {slug: _median_percent(counts) for slug, counts in best_counts.items()}
    untouched = Cell(status=NOT_STARTED)
    page_rows = [
        StudentRow(
            member,
            role,
            tuple(cell_parts.get((member.id, slug), untouched) for slug in slugs),
            last_active,
        )
        for _position, member, role, last_active in sorted(students.values(), key=lambda s: s[0])
    ]
    summaries = tuple(
        LessonSummary(
            lesson=lesson,
            percent_completed=_percent(read.get(lesson.slug, 0), members),
            percent_passed=_percent(passed.get(lesson.slug, 0), members),
            median_best=medians.get(lesson.slug),
            completed=read.get(lesson.slug, 0),
            passed=passed.get(lesson.slug, 0),
        )
        for lesson in lessons
    )
    return GridPage(
        lessons=tuple(lessons),
        rows=tuple(page_rows),
        summaries=summaries,
        member_count=members,
        not_started_count=not_started_count,
        needs_help_count=needs_help_count,
        matching=matching,
        page=page if students else 1,
        page_size=page_size,
        completions_by_day=_days(hours, zone),
        version=version,
    )


# --- Teacher home ---------------------------------------------------------------------------

ACTIVE_DAYS = 7


@dataclass(frozen=True)
class OverviewCohort:
    """What the teacher's home shows of a cohort (any other attribute is an error)."""

    id: int
    name: str
    grade_band: str
    archived: bool


@dataclass(frozen=True)
class CohortOverview:
    cohort: OverviewCohort
    members: int
    percent_completed: int  # lessons read, of members × lessons
    active_recently: int  # members active in the last ACTIVE_DAYS days
    needs_help: int  # members who failed a quiz twice or more without passing
    open_requests: int

    @property
    def attention(self) -> tuple:
        """Sort key: the cohort with the most to look at first."""
        return (
            self.cohort.archived,
            -self.open_requests,
            -self.needs_help,
            self.cohort.name.lower(),
        )


@lru_cache(maxsize=1)
def _overview_statement():
    """Built once (composing it cost more than running it). Parameters: teacher_id, slugs,
    since."""
    slugs = bindparam("slugs", expanding=True)
    since = bindparam("since", type_=DateTime)
    teacher_id = bindparam("teacher_id")
    own = Membership.cohort_id.in_(select(Cohort.id).where(Cohort.owner_id == teacher_id))
    # Only the teacher's students' rows are grouped, not the whole school's.
    students = select(Membership.user_id).where(own)

    def per_cohort(figure, joined=None):
        query = select(Membership.cohort_id.label("cohort_id"), figure.label("figure"))
        if joined is not None:
            query = query.join(joined, joined.c.user_id == Membership.user_id)
        return query.where(own).group_by(Membership.cohort_id).subquery()

    members = per_cohort(func.count(Membership.id))
    # Completed means what the grid says: read to the end, or the quiz passed.
    done = union(
        select(LessonProgress.user_id, LessonProgress.lesson_slug).where(
            LessonProgress.user_id.in_(students),
            LessonProgress.completed_at.is_not(None),
            LessonProgress.lesson_slug.in_(slugs),
        ),
        select(QuizAttempt.user_id, QuizAttempt.lesson_slug).where(
            QuizAttempt.user_id.in_(students),
            QuizAttempt.passed.is_(True),
            QuizAttempt.lesson_slug.in_(slugs),
        ),
    ).subquery()
    completed = per_cohort(func.count(), done)
    recent_users = union(
        select(LessonProgress.user_id.label("user_id")).where(
            LessonProgress.user_id.in_(students),
            (LessonProgress.started_at >= since) | (LessonProgress.completed_at >= since),
        ),
        select(QuizAttempt.user_id.label("user_id")).where(
            QuizAttempt.user_id.in_(students), QuizAttempt.submitted_at >= since
        ),
    ).subquery()
    active = per_cohort(func.count(func.distinct(Membership.user_id)), recent_users)
    struggling = (
        select(QuizAttempt.user_id.label("user_id"))
        .where(QuizAttempt.user_id.in_(students), QuizAttempt.lesson_slug.in_(slugs))
        .group_by(QuizAttempt.user_id, QuizAttempt.lesson_slug)
        .having(func.count(QuizAttempt.id) >= 2, func.max(QuizAttempt.passed.cast(Integer)) == 0)
        .subquery()
    )
    needs_help = per_cohort(func.count(func.distinct(Membership.user_id)), struggling)
    figures = (members, completed, active, needs_help)
    query = select(Cohort, *(func.coalesce(f.c.figure, 0) for f in figures)).where(
        Cohort.owner_id == teacher_id
    )
    for figure in figures:
        query = query.outerjoin(figure, figure.c.cohort_id == Cohort.id)
    return query


OVERVIEW_COLUMNS = (
    ("kind", String),
    ("cohort_id", Integer),
    ("name", String),
    ("grade_band", String),
    ("archived", Integer),
    ("n1", Integer),
    ("n2", Integer),
    ("n3", Integer),
    ("n4", Integer),
    ("slug", String),
)


def _kept_overview_query():
    """The headline figures from the kept standing, in one read on the driver: a "cohort" row
    per cohort of the teacher (one grouped read of its membership rows), a "lesson" row per
    lesson with progress in one of them (to tell a lesson outside the catalog), and a "help"
    row per cohort with open help requests. Parameters: teacher_id, since."""
    teacher_id = bindparam("teacher_id")
    since = bindparam("since", type_=DateTime)
    cohorts = _union_part(
        OVERVIEW_COLUMNS,
        "cohort",
        cohort_id=Cohort.id,
        name=Cohort.name,
        grade_band=Cohort.grade_band,
        archived=cast(Cohort.archived, Integer),
        n1=func.count(Membership.id),
        n2=func.coalesce(func.sum(Membership.lessons_done), 0),
        n3=func.count(case((Membership.last_active_at >= since, 1))),
        n4=func.count(case((Membership.lessons_struggling > 0, 1))),
    )
    cohorts = (
        cohorts.outerjoin(Membership, Membership.cohort_id == Cohort.id)
        .where(Cohort.owner_id == teacher_id)
        .group_by(Cohort.id)
    )
    lessons = (
        _union_part(OVERVIEW_COLUMNS, "lesson", cohort_id=GridTally.cohort_id,
                    slug=GridTally.lesson_slug)
        .join(Cohort, Cohort.id == GridTally.cohort_id)
        .where(Cohort.owner_id == teacher_id, GridTally.students > 0)
        .distinct()
    )
    help_requests = (
        _union_part(OVERVIEW_COLUMNS, "help", cohort_id=HelpRequest.cohort_id,
                    n1=func.count(HelpRequest.id))
        .where(HelpRequest.teacher_id == teacher_id, HelpRequest.status != CLOSED)
        .group_by(HelpRequest.cohort_id)
    )
    return union_all(cohorts, lessons, help_requests)


_KEPT_OVERVIEW = FastSelect(_kept_overview_query)


def teacher_overview(teacher: User, lessons: Sequence[Lesson]) -> tuple[list[CohortOverview], int]:
    """Each of the teacher's cohorts with its headline figures, and their open help requests
    in all, in one read over the standing the database keeps on each membership row
    (student_portal/standing.py)."""
    slugs = [lesson.slug for lesson in lessons]
    since = utcnow() - timedelta(days=ACTIVE_DAYS)
    known = set(slugs)
    figures: dict[int, tuple] = {}
    open_requests: dict[int, int] = {}
    retired = False
    for kind, cohort_id, name, grade_band, archived, n1, n2, n3, n4, slug in _KEPT_OVERVIEW.rows(
        teacher_id=teacher.id, since=since
    ):
        if kind == "cohort":
            figures[cohort_id] = (
                OverviewCohort(cohort_id, name, grade_band, bool(archived)), n1, n2, n3, n4
            )
        elif kind == "lesson":
            retired = retired or slug not in known
        else:
            open_requests[cohort_id] = n1
    if retired:
        # Progress in a lesson the catalog no longer has: the kept standing counts it, the
        # overview must not, so it is worked out from the reading rows (slower, and rare).
        parameters = {"teacher_id": teacher.id, "slugs": slugs, "since": since}
        figures = {
            cohort.id: (
                OverviewCohort(cohort.id, cohort.name, cohort.grade_band, cohort.archived),
                *counts,
            )
            for cohort, *counts in db.session.execute(_overview_statement(), parameters)
        }
    overview = [
        CohortOverview(
            cohort=cohort,
            members=count,
            percent_completed=_percent(done_count, count * len(slugs)),
            active_recently=active_count,
            needs_help=needs_help_count,
            open_requests=open_requests.get(cohort.id, 0),
        )
        for cohort, count, done_count, active_count, needs_help_count in figures.values()
    ]
    return sorted(overview, key=lambda item: item.attention), sum(open_requests.values())


# --- Lesson analysis ------------------------------------------------------------------------

FIRST, BEST = "first", "best"


# Below this many answers an item's statistics say more about chance than about the item.
MIN_ANSWERS_FOR_STATISTICS = 5


@dataclass(frozen=True)
class ItemStatistics:
    """Classical test statistics for one item, from the attempts counted (first attempts).

    facility: the share of the item's points students earned (for a one-answer item, the share
    who got it right). discrimination: the correlation between the item's score and the score
    on the rest of the quiz (point-biserial for a right/wrong item): positive when students
    who did well overall did well on this item too.
    """

    answers: int
    facility: float | None
    discrimination: float | None

    @property
    def enough(self) -> bool:
        return self.answers >= MIN_ANSWERS_FOR_STATISTICS

    @property
    def facility_reading(self) -> str:
        if not self.enough or self.facility is None:
            return _("Too few answers yet.")
        if self.facility >= 0.9:
            return _(
                "Almost everyone got this right. Fine for a key fact, but it shows little "
                "about who needs help."
            )
        if self.facility >= 0.7:
            return _("Most students got this right.")
        if self.facility >= 0.4:
            return _("Many students found this hard: worth going over together.")
        return _(
            "Most students missed this: go over it again, and check that the question is clear."
        )

    @property
    def discrimination_reading(self) -> str:
        if not self.enough:
            return _("Too few answers yet.")
        if self.discrimination is None:
            return _(
                "Everyone scored the same on this or on the rest of the quiz, so it can't "
                "show who understood more."
            )
        if self.discrimination < 0:
            return _(
                "Students who did well overall often missed this: check the wording and "
                "the marked answer."
            )
        if self.discrimination < 0.2:
            return _("This says little about who understood the lesson: check the wording.")
        if self.discrimination < 0.3:
            return _(
                "This separates students who understood the lesson from those who didn't, "
                "but only weakly."
            )
        return _("Students who did well overall got this right more often: it separates well.")


def item_statistics(
    n: int, sum_x: float, sum_xx: float, sum_y: float, sum_yy: float, sum_xy: float
) -> ItemStatistics:
    """Facility and discrimination from the sums of x (item score as a share of its points)
    and y (the rest of the quiz, as a share of its points) over n attempts."""
    if n == 0:
        return ItemStatistics(0, None, None)
    spread = (n * sum_xx - sum_x**2) * (n * sum_yy - sum_y**2)
    discrimination = (n * sum_xy - sum_x * sum_y) / sqrt(spread) if spread > 1e-12 else None
    return ItemStatistics(n, sum_x / n, discrimination)


@dataclass(frozen=True)
class ItemAnalysis:
    item: Item
    answered: int  # attempts counted that include this item
    full_marks: int
    choice_counts: tuple[tuple[Choice, int], ...] = ()  # single / multiple, in choice order
    step_counts: tuple[tuple[Step, tuple[tuple[Choice, int], ...]], ...] = ()  # scenario
    paths: tuple[tuple[tuple[tuple[Step, Choice], ...], int], ...] = ()  # most taken first
    unsafe_choices: tuple[tuple[Step, Choice, int], ...] = ()  # most made first
    statistics: ItemStatistics = ItemStatistics(0, None, None)

    @property
    def percent_correct(self) -> int | None:
        return _percent(self.full_marks, self.answered) if self.answered else None

    @property
    def spot_lines(self) -> list[tuple[Choice, int, int | None, str]]:
        """A spot item's messages: (line, marked by, missed by (signs only), reading)."""
        rows = []
        for line, count in self.choice_counts:
            missed = self.answered - count if line.correct else None
            if self.answered < MIN_ANSWERS_FOR_STATISTICS:
                reading = _("Too few answers yet.")
            elif line.correct:
                share = missed / self.answered
                if share >= 0.3:
                    reading = _("Many missed this sign: go over why it is one.")
                elif missed:
                    reading = _("Most spotted this sign.")
                else:
                    reading = _("Everyone spotted this sign.")
            else:
                share = count / self.answered
                if share >= 0.3:
                    reading = _("Many marked this, but it is not a sign: talk it through.")
                elif count:
                    reading = _("A few marked this: it draws students who aren't sure.")
                else:
                    reading = _("No one marked this.")
            rows.append((line, count, missed, reading))
        return rows

    @property
    def wrong_options(self) -> list[tuple[Choice, int, str]]:
        """Each wrong option of a one- or many-answer item: how many chose it, in plain words."""
        if not self.answered:
            return []
        rows = []
        for choice, count in self.choice_counts:
            if choice.correct:
                continue
            share = count / self.answered
            if self.answered < MIN_ANSWERS_FOR_STATISTICS:
                reading = _("Too few answers yet.")
            elif count == 0:
                reading = _("No one chose this: it may be too easy to rule out.")
            elif share >= 0.3:
                reading = _("A common wrong idea: talk it through with the group.")
            else:
                reading = _("Chosen by a few: it draws students who aren't sure.")
            rows.append((choice, count, reading))
        return rows


@dataclass(frozen=True)
class ObjectiveSummary:
    number: int
    text: str
    items: int
    facility: float | None  # mean facility of its items with enough answers


@dataclass(frozen=True)
class LessonAnalysis:
    lesson: Lesson
    basis: str  # FIRST or BEST attempt of each student
    students: int  # students with at least one attempt
    items: tuple[ItemAnalysis, ...]  # most missed first

    @property
    def objectives(self) -> list[ObjectiveSummary]:
        """The lesson's objectives with how well the items that assess each went."""
        summaries = []
        for number, text in enumerate(self.lesson.objectives, start=1):
            assessed = [a for a in self.items if a.item.objective == number]
            facilities = [
                a.statistics.facility
                for a in assessed
                if a.statistics.enough and a.statistics.facility is not None
            ]
            mean = sum(facilities) / len(facilities) if facilities else None
            summaries.append(ObjectiveSummary(number, text, len(assessed), mean))
        return summaries


def lesson_analysis(cohort: Cohort, lesson: Lesson, basis: str = FIRST) -> LessonAnalysis:
    """Per-item figures from each member's first (or best) attempt: three queries."""
    order = (
        (QuizAttempt.submitted_at, QuizAttempt.id)
        if basis == FIRST
        else (
            (QuizAttempt.score.cast(Float) / QuizAttempt.max_score).desc(),
            QuizAttempt.submitted_at,
            QuizAttempt.id,
        )
    )
    ranked = (
        select(
            QuizAttempt.id,
            func.row_number().over(partition_by=QuizAttempt.user_id, order_by=order).label("rank"),
        )
        .where(
            QuizAttempt.lesson_slug == lesson.slug,
            QuizAttempt.user_id.in_(
                select(Membership.user_id).where(Membership.cohort_id == cohort.id)
            ),
        )
        .subquery()
    )
    counted = select(ranked.c.id).where(ranked.c.rank == 1)

    # x: the item's score as a share of its points; y: the rest of the quiz, likewise.
    x = QuizItemResult.score.cast(Float) / QuizItemResult.points
    rest = QuizAttempt.max_score - QuizItemResult.points
    y = case((rest > 0, (QuizAttempt.score - QuizItemResult.score).cast(Float) / rest), else_=None)
    item_rows = db.session.execute(
        select(
            QuizItemResult.item_id,
            func.count(QuizItemResult.id),
            func.sum(case((QuizItemResult.score == QuizItemResult.points, 1), else_=0)),
            func.sum(x),
            func.sum(x * x),
            func.sum(y),
            func.sum(y * y),
            func.sum(x * y),
        )
        .join(QuizAttempt, QuizAttempt.id == QuizItemResult.attempt_id)
        .where(QuizItemResult.attempt_id.in_(counted))
        .group_by(QuizItemResult.item_id)
    ).all()
    choice_rows = db.session.execute(
        select(
            QuizAnswer.item_id, QuizAnswer.step_id, QuizAnswer.choice_id, func.count(QuizAnswer.id)
        )
        .where(QuizAnswer.attempt_id.in_(counted))
        .group_by(QuizAnswer.item_id, QuizAnswer.step_id, QuizAnswer.choice_id)
    ).all()
    scenario_ids = [item.id for item in lesson.quiz.items if item.type == "scenario"]
    path_rows = db.session.execute(
        select(QuizAnswer.attempt_id, QuizAnswer.item_id, QuizAnswer.choice_id)
        .where(QuizAnswer.attempt_id.in_(counted), QuizAnswer.item_id.in_(scenario_ids))
        .order_by(QuizAnswer.attempt_id, QuizAnswer.item_id, QuizAnswer.position)
    ).all()

    answered = {row[0]: (row[1], row[2]) for row in item_rows}
    statistics = {
        row[0]: item_statistics(row[1], *(float(value or 0) for value in row[3:]))
        for row in item_rows
    }
    chosen = {(item_id, step_id, choice_id): n for item_id, step_id, choice_id, n in choice_rows}
    taken: dict[str, dict[tuple[str, ...], int]] = {}
    current: dict[tuple[int, str], list[str]] = {}
    for attempt_id, item_id, choice_id in path_rows:
        current.setdefault((attempt_id, item_id), []).append(choice_id)
    for (_attempt, item_id), choice_ids in current.items():
        paths = taken.setdefault(item_id, {})
        paths[tuple(choice_ids)] = paths.get(tuple(choice_ids), 0) + 1

    items = [
        replace(
            _item_analysis(item, answered.get(item.id, (0, 0)), chosen, taken.get(item.id, {})),
            statistics=statistics.get(item.id, ItemStatistics(0, None, None)),
        )
        for item in lesson.quiz.items
    ]
    items.sort(key=lambda a: (a.percent_correct is None, a.percent_correct or 0))
    students = max((count for count, _ in answered.values()), default=0)
    return LessonAnalysis(lesson=lesson, basis=basis, students=students, items=tuple(items))


def _item_analysis(item: Item, figures, chosen, paths) -> ItemAnalysis:
    answered, full_marks = figures
    if item.type != "scenario":
        counts = tuple((c, chosen.get((item.id, None, c.id), 0)) for c in item.choices)
        return ItemAnalysis(item, answered, full_marks or 0, choice_counts=counts)
    step_counts = tuple(
        (step, tuple((c, chosen.get((item.id, step.id, c.id), 0)) for c in step.choices))
        for step in item.steps
    )
    unsafe = sorted(
        (
            (step, choice, count)
            for step, counts in step_counts
            for choice, count in counts
            if not choice.safe and count
        ),
        key=lambda entry: -entry[2],
    )
    readable_paths = []
    for choice_ids, count in sorted(paths.items(), key=lambda entry: -entry[1]):
        try:
            walked, _ = walk_scenario(item, choice_ids)
        except InvalidResponse:  # a path through an older version of the story
            continue
        readable_paths.append((tuple(walked), count))
    return ItemAnalysis(
        item,
        answered,
        full_marks or 0,
        step_counts=step_counts,
        paths=tuple(readable_paths),
        unsafe_choices=tuple(unsafe),
    )


# --- Completions over time ------------------------------------------------------------------


def completions_by_day(
    cohort: Cohort, lessons: Sequence[Lesson], zone: str = "UTC"
) -> list[tuple[date, int]]:
    """Lessons read to the end per day, days counted in `zone` (the cohort's): one query.

    The database counts by UTC hour (portable SQL, a few thousand rows at most); each hour then
    falls on its day in the cohort's zone, so a lesson read at 8 pm Central counts that evening,
    not the next UTC day.
    """
    hour = utc_hour(LessonProgress.completed_at)
    rows = db.session.execute(
        select(hour, func.count(LessonProgress.id))
        .where(
            LessonProgress.user_id.in_(
                select(Membership.user_id).where(Membership.cohort_id == cohort.id)
            ),
            LessonProgress.lesson_slug.in_([lesson.slug for lesson in lessons]),
            LessonProgress.completed_at.is_not(None),
        )
        .group_by(hour)
    ).all()
    return list(_days(rows, zone))


def _days(hour_counts, zone: str) -> tuple[tuple[date, int], ...]:
    """Counts per UTC hour, added up per day in `zone`."""
    tzinfo = ZoneInfo(zone)
    days: dict[date, int] = {}
    for hours, count in hour_counts:
        day = datetime.fromtimestamp(int(hours) * 3600, tzinfo).date()
        days[day] = days.get(day, 0) + count
    return tuple(sorted(days.items()))


def cumulative(daily: Sequence[tuple[date, int]]) -> list[tuple[date, int]]:
    total, points = 0, []
    for day, count in daily:
        total += count
        points.append((day, total))
    return points


# --- Student detail -------------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptReview:
    attempt: QuizAttempt
    lesson: Lesson
    result: GradeResult | None  # None when the quiz has changed since the attempt


def student_attempts(student: User, lessons: Sequence[Lesson]) -> list[AttemptReview]:
    """The student's attempts, newest first, each re-graded for its per-item answers."""
    by_slug = {lesson.slug: lesson for lesson in lessons}
    attempts = db.session.scalars(
        select(QuizAttempt)
        .where(QuizAttempt.user_id == student.id, QuizAttempt.lesson_slug.in_(list(by_slug)))
        .options(selectinload(QuizAttempt.answers))
        .order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc())
    )
    return [
        AttemptReview(
            attempt, by_slug[attempt.lesson_slug], review(attempt, by_slug[attempt.lesson_slug])
        )
        for attempt in attempts
    ]


# --- CSV exports: exactly the figures the pages show ----------------------------------------

# The words the grid shows for each status, used by the page and the CSV alike (the keys stay
# English in code; the words are shown in the reader's language).
STATUS_WORDS = {
    NOT_STARTED: _l("Not started"),
    IN_PROGRESS: _l("Started"),
    COMPLETED: _l("Read"),
    PASSED: _l("Passed"),
}
CSV_TIME = "%Y-%m-%d %H:%M"


def zone_column(title: str, zone: str) -> str:
    """A CSV time column's header naming its zone, like "Submitted (America/Chicago)"."""
    return _("%(column)s (%(zone)s)", column=title, zone=zone)


def csv_time(moment: datetime | None, zone: str) -> str | None:
    """A stored UTC time as the cohort's local time, in a form spreadsheets read as a date."""
    if moment is None:
        return None
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return aware.astimezone(ZoneInfo(zone)).strftime(CSV_TIME)


def slugify(name: str) -> str:
    """An ASCII file name part (HTTP headers can't carry other letters)."""
    slug = "".join(ch.lower() if ch.isascii() and ch.isalnum() else "-" for ch in name)
    return "-".join(part for part in slug.split("-") if part) or "cohort"


def grid_table(grid: CohortGrid, zone: str = "UTC") -> tuple[list[str], list[list]]:
    """The progress grid as a header and rows: one row per student, three columns per lesson.

    Headers and words in the reader's language; times in `zone` (the cohort's), named in the
    header.
    """
    header = [
        _("Student"),
        _("Username"),
        _("Role"),
        _("Lessons read"),
        _("Quizzes passed"),
        _("Needs help"),
        zone_column(_("Last active"), zone),
    ]
    for lesson in grid.lessons:
        header += [
            _("%(lesson)s: status", lesson=lesson.title),
            _("%(lesson)s: best score %%", lesson=lesson.title),
            _("%(lesson)s: attempts", lesson=lesson.title),
        ]
    leader, student = _("student leader"), _("student")
    words = {status: str(word) for status, word in STATUS_WORDS.items()}
    rows = []
    for row in grid.rows:
        line = [
            row.user.shown_name,
            row.user.username,
            leader if row.role == "leader" else student,
            row.lessons_completed,
            row.quizzes_passed,
            row.needs_help,
            csv_time(row.last_active, zone),
        ]
        for cell in row.cells:
            line += [words[cell.status], cell.best_percent, cell.attempts]
        rows.append(line)
    summary = [
        _("All %(count)s students", count=grid.member_count),
        None,
        None,
        None,
        None,
        None,
        None,
    ]
    for lesson_summary in grid.summaries:
        summary += [
            _(
                "%(read)s%% read, %(passed)s%% passed",
                read=lesson_summary.percent_completed,
                passed=lesson_summary.percent_passed,
            ),
            lesson_summary.median_best,  # the median best score, as on the screen
            None,
        ]
    rows.append(summary)
    return header, rows


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    """The IANA zone names, read once (available_timezones() walks the zone files each call)."""
    return frozenset(available_timezones())


def cohort_zone(cohort: Cohort) -> str:
    """The cohort's time zone, or the school's where it sets none (or one no longer known)."""
    return cohort.timezone if cohort.timezone in known_zones() else school_timezone()


def answers_table(cohort: Cohort, catalog: Catalog) -> tuple[list[str], Iterator[list]]:
    """Every answer of every member's attempts, one row each, read as a stream (one query).

    Times in the cohort's zone, named in the header.
    """
    zone = cohort_zone(cohort)
    header = [
        _("Student"),
        _("Username"),
        _("Lesson"),
        _("Try"),
        zone_column(_("Submitted"), zone),
        _("Try score"),
        _("Try max"),
        _("Passed"),
        _("Item"),
        _("Question"),
        _("Step"),
        _("Choice"),
        _("Choice text"),
        _("Correct or safe"),
    ]
    statement = (
        select(
            User.display_name,
            User.username,
            QuizAttempt.id,
            QuizAttempt.lesson_slug,
            QuizAttempt.submitted_at,
            QuizAttempt.score,
            QuizAttempt.max_score,
            QuizAttempt.passed,
            QuizAnswer.item_id,
            QuizAnswer.step_id,
            QuizAnswer.choice_id,
            QuizAnswer.correct,
        )
        .join(QuizAttempt, QuizAttempt.user_id == User.id)
        .join(QuizAnswer, QuizAnswer.attempt_id == QuizAttempt.id)
        .where(User.id.in_(select(Membership.user_id).where(Membership.cohort_id == cohort.id)))
        .order_by(
            User.username,
            QuizAttempt.lesson_slug,
            QuizAttempt.submitted_at,
            QuizAttempt.id,
            QuizAnswer.id,
        )
    )

    @lru_cache(maxsize=2048)
    def texts(slug: str, item_id: str, step_id: str | None, choice_id: str):
        lesson = catalog.get(slug)
        item = lesson.quiz.item(item_id) if lesson else None
        step = item.step(step_id) if item and step_id else None
        holder = step if step_id else item
        choice = holder.choice(choice_id) if holder else None
        return (
            lesson.title if lesson else slug,
            plain_text(item.prompt) if item else None,
            plain_text(choice.text) if choice else None,
        )

    def rows() -> Iterator[list]:
        tries: dict[tuple[str, str], int] = {}
        last_attempt = None
        # Streamed (never all in memory), and closed even if the reader stops half-way.
        result = db.session.connection().execute(statement, execution_options={"yield_per": 5000})
        with result:
            for (
                name,
                username,
                attempt_id,
                slug,
                submitted,
                score,
                max_score,
                passed,
                item_id,
                step_id,
                choice_id,
                correct,
            ) in result:
                # Number each student's tries at each lesson: 1, 2, ...
                if attempt_id != last_attempt:
                    tries[(username, slug)] = tries.get((username, slug), 0) + 1
                    last_attempt = attempt_id
                title, question, choice_text = texts(slug, item_id, step_id, choice_id)
                yield [
                    name or username,
                    username,
                    title,
                    tries[(username, slug)],
                    csv_time(submitted, zone),
                    score,
                    max_score,
                    passed,
                    item_id,
                    question,
                    step_id,
                    choice_id,
                    choice_text,
                    correct,
                ]

    return header, rows()


def plain_text(html: str) -> str:
    """Lesson HTML as one line of text, for CSV cells."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


# --- A student leader's view of their group: small numbers never leave this function ---------

# A leader sees counts of the other members only. Below SMALL_GROUP of them, totals only; a
# per-lesson count under FEWEST is reported as "fewer than 3": small numbers can point at a person.
SMALL_GROUP = 5
FEWEST = 3


@dataclass(frozen=True)
class ThresholdCount:
    """A count safe to show: its value only when it is at least `threshold`."""

    value: int | None  # None when the true count is below the threshold
    threshold: int
    out_of: int

    @classmethod
    def of(cls, count: int, threshold: int, out_of: int) -> ThresholdCount:
        return cls(count if count >= threshold else None, threshold, out_of)

    @property
    def below_threshold(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class GroupOverview:
    members: int
    others: int  # members other than the leader looking
    lessons_read: int  # by the others, all lessons together
    per_lesson: tuple[tuple[Lesson, ThresholdCount], ...] | None  # None: the group is too small
    small_group: int = SMALL_GROUP
    fewest: int = FEWEST


def group_overview(cohort: Cohort, lessons: Sequence[Lesson], leader_id: int) -> GroupOverview:
    """What a student leader sees of their group: counts of the others, never names or scores."""
    grid = cohort_grid(cohort, lessons)
    others = [row for row in grid.rows if row.user.id != leader_id]
    counts = [
        (lesson, sum(row.cells[index].status in (COMPLETED, PASSED) for row in others))
        for index, lesson in enumerate(grid.lessons)
    ]
    per_lesson = None
    if len(others) >= SMALL_GROUP:
        per_lesson = tuple(
            (lesson, ThresholdCount.of(count, FEWEST, len(others))) for lesson, count in counts
        )
    return GroupOverview(
        members=grid.member_count,
        others=len(others),
        lessons_read=sum(count for _, count in counts),
        per_lesson=per_lesson,
    )
