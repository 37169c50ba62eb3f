"""Staff accounts: only admins create or deactivate them; a deactivated account is locked out."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from student_portal.extensions import db
from student_portal.models import ADMIN, User
from tests.factories import PASSWORD, make_teacher


@pytest.fixture
def app(shared_app):
    """This file's tests share one app, put back as new before each (conftest.shared_app)."""
    return shared_app

NEW_TEACHER = {
    "username": "mr-lee",
    "display_name": "Mr Lee",
    "email": "lee@school.org",
    "password": "teacher-pass-1",
    "confirm": "teacher-pass-1",
}


@pytest.fixture
def admin(app, school):
    with app.app_context():
        return make_teacher("head-admin", role=ADMIN).id


def count_users(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)).where(User.username == username))


def test_admin_creates_a_teacher_account(app, client, auth, admin):
    auth.login("head-admin")
    response = client.post("/teach/teachers/new", data=NEW_TEACHER)
    assert response.status_code == 302 and response.headers["Location"] == "/teach/teachers/"
    page = client.get("/teach/teachers/").get_data(as_text=True)
    assert "Teacher account “mr-lee” created." in page and "Mr Lee" in page
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "mr-lee"))
        assert user.role == "teacher" and user.email == "lee@school.org" and user.active
        assert user.password_hash.startswith("$argon2id$")
    page = client.post(
        "/teach/teachers/new", data=NEW_TEACHER | {"username": "ms-ko", "email": "not an email"}
    ).get_data(as_text=True)
    assert "Enter an email address" in page and 'value="ms-ko"' in page


def test_a_teacher_who_is_not_an_admin_cannot_create_staff_accounts(app, client, auth, school):
    auth.login("teacher-a")
    assert client.get("/teach/teachers/new").status_code == 403
    assert client.post("/teach/teachers/new", data=NEW_TEACHER).status_code == 403
    assert count_users(app, "mr-lee") == 0
    assert "Staff accounts" not in client.get("/teach/").get_data(as_text=True)


def test_admins_find_staff_accounts_from_their_home_page(client, auth, admin):
    auth.login("head-admin")
    assert "Staff accounts" in client.get("/teach/").get_data(as_text=True)
    page = client.get("/teach/teachers/").get_data(as_text=True)
    assert "teacher-a" in page and "teacher-b" in page and "Deactivate" in page


def test_a_teacher_cannot_deactivate_anyone(app, client, auth, school):
    auth.login("teacher-a")
    response = client.post(
        f"/teach/teachers/{school['other_teacher']}/active", data={"action": "deactivate"}
    )
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(User, school["other_teacher"]).active


def test_deactivated_teacher_is_signed_out_and_cannot_sign_in(app, auth, admin, school):
    teacher = app.test_client()
    teacher.post("/sign-in", data={"username": "teacher-b", "password": PASSWORD})
    assert teacher.get("/teach/").status_code == 200

    auth.login("head-admin")
    response = auth.client.post(
        f"/teach/teachers/{school['other_teacher']}/active", data={"action": "deactivate"}
    )
    assert response.status_code == 302
    page = auth.client.get("/teach/teachers/").get_data(as_text=True)
    assert "“teacher-b” is deactivated and signed out everywhere." in page

    # The session that was open ends at its next request.
    assert teacher.get("/teach/").status_code == 302
    response = teacher.post("/sign-in", data={"username": "teacher-b", "password": PASSWORD})
    assert response.status_code == 200
    assert "This account has been deactivated" in response.get_data(as_text=True)
    assert teacher.get("/teach/").status_code == 302
    # A wrong password gets the usual message: it tells nothing about the account.
    response = teacher.post("/sign-in", data={"username": "teacher-b", "password": "wrong-pass"})
    assert "don&#39;t match" in response.get_data(as_text=True)


def test_a_reactivated_teacher_signs_in_again(app, client, auth, admin, school):
    auth.login("head-admin")
    url = f"/teach/teachers/{school['other_teacher']}/active"
    client.post(url, data={"action": "deactivate"})
    client.post(url, data={"action": "reactivate"})
    assert "“teacher-b” can sign in again." in client.get("/teach/teachers/").get_data(as_text=True)
    other = app.test_client()
    response = other.post("/sign-in", data={"username": "teacher-b", "password": PASSWORD})
    assert response.status_code == 302


def test_an_admin_cannot_lock_themselves_out(app, client, auth, admin):
    auth.login("head-admin")
    client.post(f"/teach/teachers/{admin}/active", data={"action": "deactivate"})
    assert "You can&#39;t deactivate your own account." in client.get("/teach/teachers/").get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(User, admin).active
    assert client.get("/teach/").status_code == 200


@pytest.mark.parametrize("who", ["student", "missing"])
def test_only_staff_accounts_can_be_switched_off_here(app, client, auth, admin, school, who):
    auth.login("head-admin")
    user_id = school["student"] if who == "student" else 999999
    response = client.post(f"/teach/teachers/{user_id}/active", data={"action": "deactivate"})
    assert response.status_code == 404
    if who == "student":
        with app.app_context():
            assert db.session.get(User, school["student"]).active
