"""Signing in and out, and students joining with a join code."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from student_portal.database import recorded_statements
from student_portal.extensions import db
from student_portal.models import Membership, User, utcnow
from student_portal.passwords import hash_password
from tests.factories import PASSWORD, make_cohort


@pytest.fixture
def app(shared_app):
    """This file's tests share one app, put back as new before each (conftest.shared_app)."""
    return shared_app

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


# Password hashing: Argon2id; older hashes are replaced at the next sign-in.


def test_the_real_setting_is_argon2id_at_owasps_minimum(make_app):
    app = make_app(PASSWORD_ARGON2_TIME_COST=2, PASSWORD_ARGON2_MEMORY_KIB=19 * 1024)
    with app.app_context():
        assert create_app_defaults(app) == (2, 19 * 1024)
        password_hash = hash_password("secret-pass-1")
    assert password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def create_app_defaults(app) -> tuple[int, int]:
    """The defaults a real deployment gets (tests lower them only through their config)."""
    from student_portal.config import default_settings

    settings = default_settings(app.instance_path)
    return settings["PASSWORD_ARGON2_TIME_COST"], settings["PASSWORD_ARGON2_MEMORY_KIB"]


def test_a_new_student_gets_an_argon2id_hash(app, client, school):
    join(client, school["join_code"])
    with app.app_context():
        stored = db.session.scalar(select(User.password_hash).where(User.username == "maple-fox"))
    assert stored.startswith("$argon2id$") and "secret-pass-1" not in stored


@pytest.mark.parametrize("method", ["scrypt", "pbkdf2:sha256:1000"])
def test_an_old_werkzeug_hash_is_replaced_at_sign_in(app, client, school, method):
    with app.app_context():
        student = db.session.get(User, school["student"])
        student.password_hash = generate_password_hash(PASSWORD, method=method)
        db.session.commit()
    assert client.post(
        "/sign-in", data={"username": "student-one", "password": "wrong-password"}
    ).status_code == 200
    with app.app_context():
        assert db.session.get(User, school["student"]).password_hash.startswith(method[:6])
    assert client.post(
        "/sign-in", data={"username": "student-one", "password": PASSWORD}
    ).status_code == 302
    with app.app_context():
        assert db.session.get(User, school["student"]).password_hash.startswith("$argon2id$")
    client.post("/sign-out")
    response = client.post("/sign-in", data={"username": "student-one", "password": PASSWORD})
    assert response.status_code == 302  # the new hash works


# The write lock: sign-in and join hash passwords without holding it.


@pytest.fixture
def begins(app):
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    with recorded_statements(engine, keep=lambda s: s.startswith("BEGIN")) as statements:
        yield statements


def test_signing_in_takes_no_write_lock(app, client, school, begins):
    # The first sign-in of a day writes one thing, the day it was (for retention), after the
    # password check; on any other sign-in nothing is written.
    with app.app_context():
        db.session.get(User, school["student"]).last_seen_at = utcnow()
        db.session.commit()
    begins.clear()
    response = client.post("/sign-in", data={"username": "student-one", "password": PASSWORD})
    assert response.status_code == 302
    assert begins and "BEGIN IMMEDIATE" not in begins
    client.post("/sign-out")  # this one writes (a new session version)
    begins.clear()
    client.post("/sign-in", data={"username": "student-one", "password": "wrong-password"})
    assert begins and "BEGIN IMMEDIATE" not in begins


def test_joining_hashes_the_password_before_taking_the_write_lock(
    client, school, begins, monkeypatch
):
    locks_while_hashing = []

    def hash_and_note(password):
        locks_while_hashing.append(begins.count("BEGIN IMMEDIATE"))
        return hash_password(password)

    monkeypatch.setattr("student_portal.cohorts.hash_password", hash_and_note)
    assert join(client, school["join_code"]).status_code == 302
    assert locks_while_hashing == [0]  # hashed before any write transaction began ...
    assert begins.count("BEGIN IMMEDIATE") == 1  # ... then one short one for the new rows


def test_an_old_hash_is_replaced_in_one_short_write_after_hashing(app, client, school, begins):
    with app.app_context():
        student = db.session.get(User, school["student"])
        student.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        student.last_seen_at = utcnow()  # seen today already: the new hash is the one write
        db.session.commit()
    begins.clear()
    client.post("/sign-in", data={"username": "student-one", "password": PASSWORD})
    assert begins.count("BEGIN IMMEDIATE") == 1


# Display names: nothing invisible, and nothing that looks like someone else in the group.

LOOKS_TAKEN = "Someone in this group already has a name that looks like this."


def error_beside(page: str, field: str) -> str:
    """The error message shown next to a form field."""
    match = re.search(rf'id="{field}-error"><span[^>]*>Error:</span> ([^<]*)</p>', page)
    assert match, f"no error next to {field}"
    return match.group(1)


@pytest.mark.parametrize(
    "display_name",
    [
        "Ms Test",  # the teacher's name
        "ms test",
        "MS  TEST",
        "Ms. Test",
        "Ms T\u0435st",  # Cyrillic е
        "\uff2d\uff53 \uff34\uff45\uff53\uff54",  # fullwidth letters
        "Ms Te\u200bst",  # a zero-width space inside
        "teacher-a",  # the teacher's username
        "student-one",  # a classmate's username
        "Student One",
        "\u202estudent-one",  # a right-to-left override in front
        "Sunny",  # a classmate's display name
        "sunny",
        "Sunnу",  # Cyrillic у
    ],
)
def test_a_display_name_that_looks_like_someone_in_the_group_is_refused(
    app, client, school, display_name
):
    with app.app_context():
        db.session.get(User, school["classmate"]).display_name = "Sunny"
        db.session.commit()
    response = join(client, school["join_code"], display_name=display_name)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert LOOKS_TAKEN in page
    assert error_beside(page, "display_name") == LOOKS_TAKEN + " Please choose another."
    assert 'value="maple-fox"' in page and school["join_code"] in page  # the rest is kept
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "maple-fox")) is None


def test_a_username_alone_that_looks_like_the_teachers_name_is_refused(app, client, school):
    response = join(client, school["join_code"], username="ms.test")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_beside(page, "username") == LOOKS_TAKEN + " Please choose another."


def test_names_from_other_groups_and_ones_own_username_are_fine(app, client, school):
    response = join(client, school["join_code"], display_name="Student Other")  # other cohort
    assert response.status_code == 302
    other = app.test_client()
    response = join(other, school["join_code"], username="river-otter", display_name="River Otter")
    assert response.status_code == 302


def test_invisible_and_direction_characters_are_removed_from_display_names(app, client, school):
    name = "\u202eMa\u200bple\u2066 \u00a0Leaf\u200d\ufeff"
    assert join(client, school["join_code"], display_name=name).status_code == 302
    with app.app_context():
        stored = db.session.scalar(select(User.display_name).where(User.username == "maple-fox"))
    assert stored == "Maple Leaf"


def test_a_display_name_of_only_invisible_characters_is_no_name(app, client, school):
    assert join(client, school["join_code"], display_name="\u200b\u200d\u3164").status_code == 302
    with app.app_context():
        stored = db.session.scalar(select(User.display_name).where(User.username == "maple-fox"))
    assert stored is None


def test_joining_another_group_with_a_name_that_looks_like_its_teacher_is_refused(
    app, client, auth, school
):
    with app.app_context():
        db.session.get(User, school["student"]).display_name = "Ms Τest"  # Greek Τ
        db.session.commit()
        code = make_cohort(name="Youth club").join_code  # its teacher is "Ms Test"
    auth.login("student-one")
    response = client.post("/join", data={"join_code": code})
    assert response.status_code == 200
    assert "Your name looks like the name of someone in that group" in error_beside(
        response.get_data(as_text=True), "join_code"
    )
    with app.app_context():
        assert db.session.scalar(
            select(func.count(Membership.id)).where(Membership.user_id == school["student"])
        ) == 1
