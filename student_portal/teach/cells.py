"""HTML for the progress grid's cells, built once per distinct cell.

A 1,000-student grid has 8,000 cells but only a few hundred different ones; rendering each
through a Jinja macro cost more than all the queries, so the grid memoizes them here.
"""

from __future__ import annotations

from functools import lru_cache

from flask_babel import get_translations, ngettext
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..i18n import reader_language
from ..reports import STATUS_WORDS, Cell, StudentRow

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
