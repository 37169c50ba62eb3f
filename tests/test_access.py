"""Who may open what: every protected page for every role, with the status each gets."""

from __future__ import annotations

import pytest

USERS = {
    "visitor": None,
    "student": "student-one",
    "leader": "leader-one",
    "teacher": "teacher-a",
    "other_teacher": "teacher-b",
}

# (method, url template, {role: expected status}); ids from the `school` fixture fill the template.
PAGES = [
    ("GET", "/learn/", {"visitor": 302, "student": 200, "leader": 200, "teacher": 403}),
    ("GET", "/learn/01-first-steps", {"visitor": 302, "student": 200, "teacher": 403}),
    ("GET", "/learn/01-first-steps/quiz", {"visitor": 302, "student": 200, "teacher": 403}),
    ("GET", "/learn/progress", {"visitor": 302, "student": 200, "leader": 200, "teacher": 403}),
    ("GET", "/teach/", {"visitor": 302, "student": 403, "leader": 403, "teacher": 200}),
    ("GET", "/teach/lessons/01-first-steps", {"visitor": 302, "student": 403, "teacher": 200}),
    # Staff accounts are for admins only (tests/test_staff_accounts.py signs one in).
    ("GET", "/teach/teachers/", {"visitor": 302, "student": 403, "leader": 403, "teacher": 403}),
    ("GET", "/teach/teachers/new", {"visitor": 302, "student": 403, "leader": 403, "teacher": 403}),
    (
        "POST",
        "/teach/teachers/{other_teacher}/active",
        {"visitor": 302, "student": 403, "leader": 403, "teacher": 403},
    ),
    ("GET", "/teach/cohorts/new", {"visitor": 302, "student": 403, "teacher": 200}),
    (
        "GET",
        "/teach/cohorts/{cohort}",
        {"visitor": 302, "student": 403, "leader": 403, "teacher": 200, "other_teacher": 404},
    ),
    ("GET", "/teach/cohorts/999999", {"teacher": 404}),
    (
        "POST",
        "/teach/cohorts/{cohort}/join-code",
        {"visitor": 302, "student": 403, "leader": 403, "other_teacher": 404},
    ),
    (
        "GET",
        "/teach/cohorts/{cohort}/members/{student}/password",
        {"visitor": 302, "leader": 403, "teacher": 200, "other_teacher": 404},
    ),
    (
        "POST",
        "/teach/cohorts/{cohort}/members/{student}/password",
        {"student": 403, "other_teacher": 404},
    ),
    (
        "POST",
        "/teach/cohorts/{cohort}/members/{student}/role",
        {"student": 403, "leader": 403, "other_teacher": 404},
    ),
    (
        "GET",
        "/teach/cohorts/{cohort}/members/{student}/remove",
        {"leader": 403, "teacher": 200, "other_teacher": 404},
    ),
    (
        "POST",
        "/teach/cohorts/{cohort}/members/{student}/remove",
        {"student": 403, "other_teacher": 404},
    ),
    # A teacher reaching a student of another teacher's cohort through their own cohort's URL.
    ("GET", "/teach/cohorts/{cohort}/members/{outsider}/password", {"teacher": 404}),
    ("POST", "/teach/cohorts/{cohort}/members/{outsider}/remove", {"teacher": 404}),
    ("GET", "/help/", {"visitor": 200, "student": 200, "teacher": 200}),
    ("GET", "/", {"visitor": 200, "student": 302, "teacher": 302}),
]

CASES = [
    pytest.param(method, url, role, status, id=f"{role}-{method}-{url}")
    for method, url, expected in PAGES
    for role, status in expected.items()
]


@pytest.mark.parametrize("method, url, role, status", CASES)
def test_access(client, auth, school, method, url, role, status):
    if USERS[role]:
        auth.login(USERS[role])
    response = client.open(url.format(**school), method=method)
    assert response.status_code == status
    if status == 302:
        assert "/sign-in" in response.headers["Location"] or url == "/"


def test_a_refused_member_action_changes_nothing(app, client, auth, school):
    auth.login("teacher-b")
    client.post(f"/teach/cohorts/{school['cohort']}/members/{school['student']}/remove")
    auth.logout()
    auth.login("teacher-a")
    assert "student-one" in client.get(f"/teach/cohorts/{school['cohort']}").get_data(as_text=True)
