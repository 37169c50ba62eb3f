"""Signing in and out, and students joining with a join code."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from student_portal.extensions import db
from student_portal.models import Membership, User
from tests.factories import PASSWORD, make_cohort

WRONG = "That username and password don&#39;t match"


def join(client, code, username="maple-fox", password="secret-pass-1", confirm=None, **extra):
    data = {
        "join_code": code,
        "username": username,
        "password": password,
        "confirm": password if confirm is None else confirm,
        **extra,
    }
    return client.post("/join", data=data)


def test_sign_in_and_out(client, auth, school):
    response = auth.login("teacher-a")
    assert response.status_code == 302
    assert client.get("/teach/").status_code == 200
    auth.logout()
    assert client.get("/teach/").status_code == 302


@pytest.mark.parametrize(
    "username, password", [("teacher-a", "wrong-password"), ("nobody-here", "whatever123")]
)
def test_wrong_sign_in_does_not_reveal_whether_the_user_exists(client, school, username, password):
    response = client.post("/sign-in", data={"username": username, "password": password})
    assert response.status_code == 200
    assert WRONG in response.get_data(as_text=True)


def test_empty_sign_in_shows_messages_beside_fields(client):
    page = client.post("/sign-in", data={}).get_data(as_text=True)
    assert "Enter your username." in page and "Enter your password." in page


def test_next_parameter_cannot_redirect_off_site(client, school):
    response = client.post(
        "/sign-in?next=https://evil.example/", data={"username": "teacher-a", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"
    client.post("/sign-out")
    response = client.post(
        "/sign-in?next=/teach/", data={"username": "teacher-a", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/teach/"


def test_signing_out_makes_an_old_session_cookie_useless(app, school):
    first = app.test_client()
    first.post("/sign-in", data={"username": "student-one", "password": PASSWORD})
    stolen = first.get_cookie("session").value
    first.post("/sign-out")
    copy = app.test_client()
    copy.set_cookie("session", stolen)
    assert copy.get("/learn/").status_code == 302


def test_student_joins_with_a_code_and_lands_on_lessons(app, client, school):
    code = school["join_code"].lower()
    response = join(client, f"{code[:3]}-{code[3:]}", display_name="Maple")
    assert response.status_code == 302 and response.headers["Location"] == "/learn/"
    page = client.get("/learn/").get_data(as_text=True)
    assert "Welcome! You joined Period 3." in page
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "maple-fox"))
        assert user.role == "student" and user.email is None and user.display_name == "Maple"
        assert user.password_hash != "secret-pass-1" and user.check_password("secret-pass-1")
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        assert membership.cohort_id == school["cohort"] and membership.role == "student"


def test_join_form_asks_for_no_email_or_real_name(client):
    page = client.get("/join").get_data(as_text=True)
    assert 'type="email"' not in page and "email" not in page.lower().replace(
        "never ask for your email", ""
    )
    assert "real name" in page  # it tells students not to use one


@pytest.mark.parametrize(
    "code, message",
    [
        ("", "Enter the join code from your teacher."),
        ("ZZZZZZ", "We couldn&#39;t find a group with that code."),
    ],
)
def test_bad_join_codes_get_a_clear_message(client, school, code, message):
    response = join(client, code)
    assert response.status_code == 200 and message in response.get_data(as_text=True)


def test_closed_code_is_refused(app, client, school):
    with app.app_context():
        cohort = make_cohort(name="Closed")
        cohort.join_open = False
        db.session.commit()
        code = cohort.join_code
    assert "isn&#39;t taking new members" in join(client, code).get_data(as_text=True)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"username": "student-one"}, "That username is taken."),
        ({"username": "ab"}, "Use between 3 and 32 characters."),
        ({"username": "x" * 500}, "Use between 3 and 32 characters."),
        ({"username": "🦊fox"}, "Use only letters, numbers"),
        ({"username": "<script>alert(1)</script>"}, "Use only letters, numbers"),
        ({"password": "short"}, "Use at least 8 characters."),
        (
            {"password": "long-enough-1", "confirm": "different-1"},
            "The two passwords don&#39;t match.",
        ),
        ({"display_name": "n" * 41}, "Use at most 40 characters."),
    ],
)
def test_bad_join_input_rerenders_with_the_error_and_keeps_the_rest(
    app, client, school, fields, message
):
    with app.app_context():
        users_before = db.session.scalar(select(func.count(User.id)))
    response = join(client, school["join_code"], **fields)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert school["join_code"] in page  # nothing typed is lost
    assert "<script>alert(1)</script>" not in page
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == users_before


def test_emoji_display_name_is_fine(app, client, school):
    assert join(client, school["join_code"], display_name="Fox 🦊").status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(select(User.display_name).where(User.username == "maple-fox"))
            == "Fox 🦊"
        )


def test_signed_in_student_joins_another_cohort(app, client, auth, school):
    with app.app_context():
        second = make_cohort(name="Youth club")
        code = second.join_code
    auth.login("student-one")
    response = client.post("/join", data={"join_code": code})
    assert response.status_code == 302
    page = client.get("/learn/progress").get_data(as_text=True)
    assert "You joined Youth club." in page and "Youth club" in page and "Period 3" in page
    client.post("/join", data={"join_code": code})
    assert "You&#39;re already in Youth club." in client.get("/learn/progress").get_data(
        as_text=True
    )


def test_teachers_do_not_join_with_codes(client, auth, school):
    auth.login("teacher-b")
    response = client.post("/join", data={"join_code": school["join_code"]})
    assert response.status_code == 302 and response.headers["Location"] == "/teach/"
