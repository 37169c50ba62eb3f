"""CSV files that open cleanly in Excel and Google Sheets, safe from formula injection."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response, stream_with_context

# A cell starting with one of these is a formula to a spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The value as text; text that a spreadsheet would run as a formula is quoted with '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)  # numbers stay numbers (a negative number is not a formula)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    """A CSV download, written as it is read (a big export never sits whole in memory)."""

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        buffer.write("\ufeff")  # a byte order mark tells Excel the file is UTF-8
        writer.writerow([safe_cell(cell) for cell in header])
        for number, row in enumerate(rows):
            writer.writerow([safe_cell(cell) for cell in row])
            if number % 500 == 499:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
