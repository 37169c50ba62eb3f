"""Small server-rendered SVG charts: accessible (title, description), no JavaScript, no CDN.

Each chart sits beside a table of the same figures, which screen readers and printouts use.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, match_skeleton
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

WIDTH = 640
# Bar charts are drawn about as wide as a phone shows them (1:1 at 390 px), so their 13 px labels
# stay 13 px there; each label sits on its own lines above its bar, whole, never cut.
BARS_WIDTH = 360
LABEL_CHARACTERS = 44  # of 13 px text in BARS_WIDTH
LINE_HEIGHT = 17


def _wrap(label: str, characters: int = LABEL_CHARACTERS) -> list[str]:
    """A label broken into lines at spaces (a word longer than a line gets a line of its own)."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= characters:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _label(x: int, y: int, label: str) -> str:
    """A wrapped label as one <text>, its first line's baseline at y."""
    lines = _wrap(label)
    spans = "".join(
        f'<tspan x="{x}" dy="{0 if index == 0 else LINE_HEIGHT}">{escape(line)}</tspan>'
        for index, line in enumerate(lines)
    )
    return f'<text class="chart-label" x="{x}" y="{y}">{spans}</text>'


def _day(day: date, skeleton: str = "MMMd") -> str:
    """A day in the reader's language: "Jan 5" (or with the year, "Jan 5, 2026")."""
    language = str(get_locale() or "en")
    return format_date(day, _skeleton_pattern(skeleton, language), locale=language)


@lru_cache(maxsize=64)
def _skeleton_pattern(skeleton: str, language: str) -> str:
    """The language's date pattern for a skeleton, matched once (matching is slow)."""
    locale = Locale.parse(language)
    return locale.datetime_skeletons[match_skeleton(skeleton, locale.datetime_skeletons)].pattern


def _frame(
    chart_id: str, title: str, description: str, height: int, width: int = WIDTH
) -> list[str]:
    return [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def bar_chart(
    chart_id: str, title: str, description: str, bars: Sequence[tuple[str, int]]
) -> Markup:
    """Horizontal bars of percentages (0–100), one per row, its whole label above it."""
    bar_width, bar_height = 300, 18
    rows, y = [], 4
    for label, percent in bars:
        label_height = LINE_HEIGHT * len(_wrap(label))
        rows.append((label, percent, y))
        y += label_height + bar_height + 14
    parts = _frame(chart_id, title, description, y, BARS_WIDTH)
    for label, percent, top in rows:
        width = round(bar_width * max(0, min(percent, 100)) / 100, 1)
        bar_top = top + LINE_HEIGHT * len(_wrap(label)) + 2
        parts += [
            _label(0, top + 13, label),
            f'<rect class="chart-track" x="0" y="{bar_top}" width="{bar_width}" '
            f'height="{bar_height}" rx="3"/>',
            f'<rect class="chart-bar" x="0" y="{bar_top}" width="{width}" '
            f'height="{bar_height}" rx="3"><title>{escape(label)}: {percent}%</title></rect>',
            f'<text class="chart-value" x="{bar_width + 8}" y="{bar_top + 14}">{percent}%</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    chart_id: str, title: str, description: str, points: Sequence[tuple[date, int]]
) -> Markup:
    """A line through (day, value) points, with the first and last day and the top value marked."""
    height, left, right, top, bottom = 240, 48, 16, 16, 36
    inner_width, inner_height = WIDTH - left - right, height - top - bottom
    first, last = points[0][0], points[-1][0]
    span = max((last - first).days, 1)
    highest = max(max(value for _, value in points), 1)

    def x(day: date) -> float:
        return round(left + inner_width * (day - first).days / span, 1)

    def y(value: int) -> float:
        return round(top + inner_height * (1 - value / highest), 1)

    parts = _frame(chart_id, title, description, height)
    parts += [
        f'<line class="chart-axis" x1="{left}" y1="{top + inner_height}" '
        f'x2="{WIDTH - right}" y2="{top + inner_height}"/>',
        f'<line class="chart-axis" x1="{left}" y1="{top}" x2="{left}" y2="{top + inner_height}"/>',
        f'<text class="chart-value" x="{left - 8}" y="{top + 5}" text-anchor="end">'
        f"{highest}</text>",
        f'<text class="chart-value" x="{left - 8}" y="{top + inner_height}" '
        'text-anchor="end">0</text>',
        f'<text class="chart-label" x="{left}" y="{height - 10}">{escape(_day(first))}</text>',
        f'<text class="chart-label" x="{WIDTH - right}" y="{height - 10}" text-anchor="end">'
        f"{escape(_day(last))}</text>",
        '<polyline class="chart-line" points="'
        + " ".join(f"{x(day)},{y(value)}" for day, value in points)
        + '"/>',
    ]
    for day, value in points:
        parts.append(
            f'<circle class="chart-point" cx="{x(day)}" cy="{y(value)}" r="3.5">'
            f"<title>{escape(_day(day, 'yMMMd'))}: {value}</title></circle>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def before_after_chart(
    chart_id: str,
    title: str,
    description: str,
    rows: Sequence[tuple[str, int | None, int | None]],
) -> Markup:
    """Two horizontal bars of percentages per row: before (light) and after (dark).

    A value of None (suppressed for privacy) draws no bar and says "not shown".
    """
    before_word, after_word, not_shown = _("Before"), _("After"), _("not shown")
    bar_width, bar_height = 260, 12
    placed, y = [], 28
    for row in rows:
        placed.append((row, y))
        y += LINE_HEIGHT * len(_wrap(row[0])) + 2 * (bar_height + 4) + 14
    parts = _frame(chart_id, title, description, y, BARS_WIDTH)
    parts += [
        '<rect class="chart-bar chart-bar-before" x="0" y="4" width="12" height="12"/>',
        f'<text class="chart-value" x="18" y="15">{escape(before_word)}</text>',
        '<rect class="chart-bar" x="110" y="4" width="12" height="12"/>',
        f'<text class="chart-value" x="128" y="15">{escape(after_word)}</text>',
    ]
    for (label, before, after), row_top in placed:
        parts.append(_label(0, row_top + 13, label))
        bars_top = row_top + LINE_HEIGHT * len(_wrap(label)) + 2
        for offset, (name, value, css) in enumerate(
            (
                (before_word, before, "chart-bar chart-bar-before"),
                (after_word, after, "chart-bar"),
            )
        ):
            top = bars_top + offset * (bar_height + 4)
            parts.append(
                f'<rect class="chart-track" x="0" y="{top}" width="{bar_width}" '
                f'height="{bar_height}" rx="2"/>'
            )
            if value is None:
                shown = not_shown
            else:
                shown = f"{value}%"
                width = round(bar_width * max(0, min(value, 100)) / 100, 1)
                parts.append(
                    f'<rect class="{css}" x="0" y="{top}" width="{width}" '
                    f'height="{bar_height}" rx="2"><title>{escape(label)}, {escape(name.lower())}: '
                    f"{shown}</title></rect>"
                )
            parts.append(
                f'<text class="chart-value" x="{bar_width + 8}" '
                f'y="{top + bar_height - 1}">{escape(name[0])} {shown}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
