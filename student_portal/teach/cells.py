"""HTML for the progress grid's cells, built once per distinct cell.

A 1,000-student grid has 8,000 cells but only a few hundred different ones; rendering each
through a Jinja macro cost more than all the queries, so the grid memoizes them here.
"""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup

from ..reports import STATUS_WORDS, Cell, StudentRow

ICONS = {"not started": "–", "in progress": "◐", "completed": "●", "quiz passed": "✔"}
WORDS = {
    "not started": "Not started",
    "in progress": "Started",
    "completed": "Read",
    "quiz passed": "Passed",
}


@lru_cache(maxsize=4096)
def cell_html(cell: Cell) -> str:
    """The cell's <td> (trusted: built only from fixed words and numbers)."""
    css = cell.status.replace(" ", "-")
    parts = [
        f'<span class="cell-status status-{css}"><span aria-hidden="true">{ICONS[cell.status]}'
        f"</span> {STATUS_WORDS[cell.status]}</span>"
    ]
    if cell.attempts:
        tries = "try" if cell.attempts == 1 else "tries"
        parts.append(
            f'<span class="cell-detail">best {cell.best_percent}% · {cell.attempts} {tries}</span>'
        )
    if cell.needs_help:
        parts.append('<span class="cell-flag">Needs help</span>')
    return "<td>" + "".join(parts) + "</td>"


def row_cells_html(row: StudentRow) -> Markup:
    """The row's lesson cells as <td> elements."""
    return Markup("".join(map(cell_html, row.cells)))
