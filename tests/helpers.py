"""Helpers for driving pages through the test client."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path


def hidden_field(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match, f"the page has no {name} field"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return html.unescape(value.group(1))


def quiz_fields(page: str) -> dict[str, str]:
    """The hidden fields a quiz page posts back: its token and the question it shows."""
    return {"state": hidden_field(page, "state"), "question": hidden_field(page, "question")}


def answer_quiz(client, slug: str, answers: list[list[str]]):
    """Open the quiz and answer each question (a list of choice ids) in turn.

    Follows the redirect back to the next question; returns the last response, which after
    the final answer is the redirect to the result page.
    """
    url = f"/learn/{slug}/quiz"
    response = client.get(url)
    assert response.status_code == 200
    for choice_ids in answers:
        fields = quiz_fields(response.get_data(as_text=True))
        response = client.post(url, data={**fields, "answer": choice_ids})
        if response.status_code == 302 and response.headers["Location"] == url:
            response = client.get(url)
    return response


# Right answers for the fixture lesson 01-first-steps: single, multiple, then the scenario steps.
ALL_RIGHT = [["a"], ["a", "b"], ["tell"], ["report"]]
# One wrong single, a partial multiple, and one unsafe scenario choice: 1 of 4, not passed.
MOSTLY_WRONG = [["b"], ["a"], ["keep"], ["tell"], ["report"]]


def extract_messages(template: Path) -> Path:
    """Write the catalog template of every string the code marks for translation (as
    `make messages` does) to `template`."""
    from student_portal.config import PROJECT_ROOT

    subprocess.run(
        [
            str(Path(sys.executable).with_name("pybabel")),
            "extract",
            "-F",
            str(PROJECT_ROOT / "translations" / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "lazy_ngettext:1,2",
            "--no-location",
            "-o",
            str(template),
            str(PROJECT_ROOT),
        ],
        check=True,
        capture_output=True,
        cwd=PROJECT_ROOT,
    )
    return template


def stored_rows(app) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order: equal before and after a request means
    the request wrote nothing."""
    from sqlalchemy import select

    from student_portal.extensions import db

    with app.app_context():
        rows = {
            table.name: [
                tuple(row)
                for row in db.session.execute(
                    select(table).order_by(*(table.primary_key.columns or table.columns))
                )
            ]
            for table in db.metadata.sorted_tables
        }
        db.session.remove()
    return rows
