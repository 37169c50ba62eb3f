"""A form that comes back with a problem: the GOV.UK error summary, "Error:" in the title, each
message beside its field, and nothing typed lost (on the join form, not even the passwords)."""

from __future__ import annotations

import re

from tests.factories import PASSWORD


def test_a_failed_join_lists_each_problem_at_the_top_and_keeps_what_was_typed(client, school):
    response = client.post(
        "/join",
        data={"join_code": "NOPE99", "username": "maple-fox-12", "password": "sunny-days-42",
              "confirm": "sunny-days-24"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: Join your group – Lantern</title>" in page
    summary = re.search(r'<div class="error-summary" data-error-summary tabindex="-1".*?</div>',
                        page, re.S)
    assert summary and "There is a problem" in summary[0]
    assert '<a href="#confirm">The two passwords don&#39;t match.</a>' in summary[0]
    # Each message also sits beside its field, which points to it.
    assert 'id="confirm-error"' in page and 'aria-describedby="confirm-error"' in page
    assert "/static/js/error-summary.js" in page
    # Nothing typed is lost: the code, the username and both passwords come back.
    for value in ("NOPE99", "maple-fox-12", "sunny-days-42", "sunny-days-24"):
        assert f'value="{value}"' in page


def test_a_wrong_join_code_links_to_the_code_field(client, school):
    page = client.post(
        "/join",
        data={"join_code": "ZZZZZZ", "username": "maple-fox-12", "password": "sunny-days-42",
              "confirm": "sunny-days-42"},
    ).get_data(as_text=True)
    assert re.search(r'<li><a href="#join_code">[^<]+</a></li>', page)
    assert 'value="sunny-days-42"' in page


def test_a_page_without_problems_has_no_summary_and_a_plain_title(client):
    page = client.get("/join").get_data(as_text=True)
    assert "data-error-summary" not in page and "error-summary.js" not in page
    assert "<title>Join your group – Lantern</title>" in page


def test_a_failed_sign_in_shows_the_summary_but_never_echoes_the_password(client, school):
    page = client.post(
        "/sign-in", data={"username": "student-one", "password": "not-" + PASSWORD}
    ).get_data(as_text=True)
    assert page.count("There is a problem") == 1
    assert "<title>Error: Sign in – Lantern</title>" in page
    assert PASSWORD not in page


def test_teacher_forms_use_the_same_summary_in_spanish(client, auth, school):
    auth.login("teacher-a")
    client.post("/language", data={"language": "es", "next": "/"})
    page = client.post("/teach/cohorts/new", data={"name": ""}).get_data(as_text=True)
    assert "Hay un problema" in page and "<title>Error:" in page
    assert '<a href="#name">' in page
