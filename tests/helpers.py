"""Helpers for driving pages through the test client."""

from __future__ import annotations

import html
import re


def hidden_state(page: str) -> str:
    match = re.search(r'<input[^>]*name="state"[^>]*>', page)
    assert match, "the quiz page has no state field"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return html.unescape(value.group(1))


def answer_quiz(client, slug: str, answers: list[list[str]]):
    """Open the quiz, post each answer (a list of choice ids) in turn, return the last response."""
    page = client.get(f"/learn/{slug}/quiz")
    assert page.status_code == 200
    response = page
    for choice_ids in answers:
        state = hidden_state(response.get_data(as_text=True))
        response = client.post(f"/learn/{slug}/quiz", data={"state": state, "answer": choice_ids})
    return response


# Right answers for the fixture lesson 01-first-steps: single, multiple, then the scenario steps.
ALL_RIGHT = [["a"], ["a", "b"], ["tell"], ["report"]]
# One wrong single, a partial multiple, and one unsafe scenario choice: 1 of 4, not passed.
MOSTLY_WRONG = [["b"], ["a"], ["keep"], ["tell"], ["report"]]
