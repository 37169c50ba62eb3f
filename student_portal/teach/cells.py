"""HTML for the progress grid's rows and cells, built once per distinct row or cell.

A 1,000-student grid has 8,000 cells but only a few hundred different ones; rendering each
through a Jinja macro cost more than all the queries, so the grid memoizes them here. A page's
rows, too: rendering 30 rows (names, links, dates in the reader's language) was most of a
small class's grid page, and a row reads the same until something in it changes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from threading import Lock

from flask import current_app, request, url_for
from flask_babel import get_translations, ngettext
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..charts import bar_chart, line_chart
from ..i18n import reader_language
from ..models import Cohort
from ..reports import STATUS_WORDS, Cell, GridPage, StudentRow, cumulative

ROW_MEMO_SIZE = 2048  # rows kept per app (worker): about 2 KB each
FRAME_MEMO_SIZE = 256  # pages' surroundings kept: about 15 KB each

ICONS = {"not started": "–", "in progress": "◐", "completed": "●", "quiz passed": "✔"}


@lru_cache(maxsize=4096)
def cell_html(cell: Cell, language: str, catalog_id: int = 0) -> str:
    """The cell's <td> in `language` (trusted: built only from fixed words and numbers).

    `language` keys the cache: the same cell reads differently in English and Spanish; and
    `catalog_id` the app's loaded catalog, so apps with other translations don't share cells.
    """
    css = cell.status.replace(" ", "-")
    parts = [
        f'<span class="cell-status status-{css}"><span aria-hidden="true">{ICONS[cell.status]}'
        f"</span> {escape(STATUS_WORDS[cell.status])}</span>"
    ]
    if cell.attempts:
        detail = ngettext(
            "best %(best)s%% · %(num)s try",
            "best %(best)s%% · %(num)s tries",
            cell.attempts,
            best=cell.best_percent,
        )
        parts.append(f'<span class="cell-detail">{escape(detail)}</span>')
    if cell.needs_help:
        parts.append(f'<span class="cell-flag">{escape(_("Needs help"))}</span>')
    return "<td>" + "".join(parts) + "</td>"


def row_cells_html(row: StudentRow) -> Markup:
    """The row's lesson cells as <td> elements."""
    language, catalog_id = reader_language(), id(get_translations())
    return Markup("".join(cell_html(cell, language, catalog_id) for cell in row.cells))


class Memo:
    """A bounded memo (least recently used out) of HTML, one per app and kind of piece.

    Keys are everything a piece shows, so an entry can never be stale: a student who answers
    or opens a lesson has a new cell, hence a new key, and the next request renders that row
    afresh. Nothing is keyed by time or a counter, so workers, each with its own memo, agree.
    """

    def __init__(self, size: int):
        self.size = size
        self.pieces: OrderedDict[tuple, object] = OrderedDict()
        self.lock = Lock()

    def get(self, key: tuple):
        with self.lock:
            piece = self.pieces.get(key)
            if piece is not None:
                self.pieces.move_to_end(key)
            return piece

    def put(self, key: tuple, piece) -> None:
        with self.lock:
            self.pieces[key] = piece
            while len(self.pieces) > self.size:
                self.pieces.popitem(last=False)


def _memo(name: str, size: int) -> Memo:
    """The app's memo of that name (a test's app does not share another's translations)."""
    extensions = current_app.extensions
    memo = extensions.get(name)
    if memo is None:
        memo = extensions.setdefault(name, Memo(size))
    return memo


def _macro(name: str):
    template = current_app.jinja_env.get_template(
        "teach/_grid_row.html" if name == "grid_row" else "teach/_grid.html"
    )
    return getattr(template.module, name)


def grid_rows_html(rows: Iterable[StudentRow], cohort_id: int, zone: str, lesson_total: int):
    """The grid's <tr> rows, each rendered by the `grid_row` macro once per distinct row.

    A row's key: the reader's language, the app's address root (its links), the cohort, the
    time zone its "active" day is shown in, the lesson count and the row itself (the student's
    id, names, role, last activity and every cell's status, attempts and best score).
    """
    memo = _memo("grid_rows", ROW_MEMO_SIZE)
    context = (reader_language(), request.script_root, cohort_id, zone, lesson_total)
    macro = None
    parts = []
    for row in rows:
        user = row.user
        key = (*context, user.id, user.username, user.display_name, row.role, row.last_active)
        key += row.cells
        html = memo.get(key)
        if html is None:
            macro = macro or _macro("grid_row")
            html = Markup(macro(row, cohort_id, zone, lesson_total))
            memo.put(key, html)
        parts.append(html)
    return Markup("\n        ".join(parts))


@dataclass(frozen=True)
class GridFrame:
    """The grid page's HTML before its rows (heading, controls, table head) and after them."""

    top: Markup
    bottom: Markup


def grid_frame_html(cohort: Cohort, grid: GridPage, sort: str, show: str, zone: str) -> GridFrame:
    """The page around the grid's rows, with its charts, rendered once per distinct set of
    figures: the key holds the language, the address root, the cohort's id and name, the sort,
    filter and page, every count and summary figure shown, and the lessons read per day."""
    key = (
        reader_language(),
        request.script_root,
        cohort.id,
        cohort.name,
        zone,
        sort,
        show,
        grid.page,
        grid.page_size,
        len(grid.rows),
        grid.member_count,
        grid.not_started_count,
        grid.needs_help_count,
        grid.matching,
        tuple(
            (
                summary.lesson.slug,
                summary.lesson.title,
                summary.percent_completed,
                summary.percent_passed,
                summary.median_best,
                summary.completed,
                summary.passed,
            )
            for summary in grid.summaries
        ),
        grid.completions_by_day,
    )
    memo = _memo("grid_frames", FRAME_MEMO_SIZE)
    frame = memo.get(key)
    if frame is None:
        frame = _render_frame(cohort, grid, sort, show)
        memo.put(key, frame)
    return frame


def _render_frame(cohort: Cohort, grid: GridPage, sort: str, show: str) -> GridFrame:
    completion_bars = bar_chart(
        "completion-chart",
        _("Lessons read, by lesson"),
        _(
            "Share of the %(count)s members of %(name)s who have read each lesson.",
            count=grid.member_count,
            name=cohort.name,
        ),
        [(summary.lesson.title, summary.percent_completed) for summary in grid.summaries],
    )
    timeline = cumulative(grid.completions_by_day)
    completion_line = (
        line_chart(
            "timeline-chart",
            _("Lessons read over time"),
            _("Total lessons read by members of %(name)s, day by day.", name=cohort.name),
            timeline,
        )
        if len(timeline) > 1
        else None
    )

    def page_url(number: int) -> str:
        return url_for("teach.progress", cohort_id=cohort.id, sort=sort, show=show, page=number)

    return GridFrame(
        top=Markup(_macro("grid_top")(cohort, grid, sort, show)),
        bottom=Markup(
            _macro("grid_bottom")(grid, page_url, completion_bars, completion_line, timeline)
        ),
    )
