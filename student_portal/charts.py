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


def _day(day: date, skeleton: str = "MMMd") -> str:
    """A day in the reader's language: "Jan 5" (or with the year, "Jan 5, 2026")."""
    language = str(get_locale() or "en")
    return format_date(day, _skeleton_pattern(skeleton, language), locale=language)


@lru_cache(maxsize=64)
def _skeleton_pattern(skeleton: str, language: str) -> str:
    """The language's date pattern for a skeleton, matched once (matching is slow)."""
    locale = Locale.parse(language)
    return locale.datetime_skeletons[match_skeleton(skeleton, locale.datetime_skeletons)].pattern


def _frame(chart_id: str, title: str, description: str, height: int) -> list[str]:
    return [
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def bar_chart(
    chart_id: str, title: str, description: str, bars: Sequence[tuple[str, int]]
) -> Markup:
    """Horizontal bars of percentages (0–100), one per labelled row."""
    label_width, bar_width, row_height = 230, 330, 32
    height = row_height * len(bars) + 8
    parts = _frame(chart_id, title, description, height)
    for index, (label, percent) in enumerate(bars):
        y = 4 + index * row_height
        width = round(bar_width * max(0, min(percent, 100)) / 100, 1)
        short = label if len(label) <= 30 else label[:29] + "…"
        parts += [
            f'<text class="chart-label" x="0" y="{y + 18}">{escape(short)}</text>',
            f'<rect class="chart-track" x="{label_width}" y="{y + 4}" width="{bar_width}" '
            f'height="18" rx="3"/>',
            f'<rect class="chart-bar" x="{label_width}" y="{y + 4}" width="{width}" '
            f'height="18" rx="3"><title>{escape(label)}: {percent}%</title></rect>',
            f'<text class="chart-value" x="{label_width + bar_width + 8}" y="{y + 18}">'
            f"{percent}%</text>",
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
    label_width, bar_width, bar_height, row_height = 230, 330, 12, 44
    height = row_height * len(rows) + 36
    parts = _frame(chart_id, title, description, height)
    parts += [
        f'<rect class="chart-bar chart-bar-before" x="{label_width}" y="4" width="12" '
        'height="12"/>',
        f'<text class="chart-value" x="{label_width + 18}" y="15">{escape(before_word)}</text>',
        f'<rect class="chart-bar" x="{label_width + 90}" y="4" width="12" height="12"/>',
        f'<text class="chart-value" x="{label_width + 108}" y="15">{escape(after_word)}</text>',
    ]
    for index, (label, before, after) in enumerate(rows):
        y = 28 + index * row_height
        short = label if len(label) <= 30 else label[:29] + "…"
        parts.append(f'<text class="chart-label" x="0" y="{y + 20}">{escape(short)}</text>')
        for offset, (name, value, css) in enumerate(
            (
                (before_word, before, "chart-bar chart-bar-before"),
                (after_word, after, "chart-bar"),
            )
        ):
            top = y + 2 + offset * (bar_height + 4)
            parts.append(
                f'<rect class="chart-track" x="{label_width}" y="{top}" width="{bar_width}" '
                f'height="{bar_height}" rx="2"/>'
            )
            if value is None:
                shown = not_shown
            else:
                shown = f"{value}%"
                width = round(bar_width * max(0, min(value, 100)) / 100, 1)
                parts.append(
                    f'<rect class="{css}" x="{label_width}" y="{top}" width="{width}" '
                    f'height="{bar_height}" rx="2"><title>{escape(label)}, {escape(name.lower())}: '
                    f"{shown}</title></rect>"
                )
            parts.append(
                f'<text class="chart-value" x="{label_width + bar_width + 8}" '
                f'y="{top + bar_height - 1}">{escape(name[0])} {shown}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
