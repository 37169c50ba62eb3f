"""The shared page chrome (navigation links, footer) is rendered once per kind of page and kept:
what is kept must follow the reader's language, role, group and page, and never carry one
user's name, token or messages to another."""

from __future__ import annotations

import re

from student_portal.extensions import db
from student_portal.models import LEADER, Membership
from tests.factories import PASSWORD

CURRENT = re.compile(r'<a href="([^"]+)" aria-current="page">')


def current_links(page: str) -> list[str]:
    return CURRENT.findall(page)


def test_the_marked_link_follows_the_page_the_student_is_on(client, auth, school):
    auth.login("student-one")
    lessons = client.get("/learn/").get_data(as_text=True)
    progress = client.get("/learn/progress").get_data(as_text=True)
    help_page = client.get("/help/").get_data(as_text=True)
    assert current_links(lessons) == ["/learn/"]
    assert current_links(progress) == ["/learn/progress"]
    assert 'aria-current="page">My progress' not in lessons
    assert re.search(r'class="nav-help" href="/help/" aria-current="page"', help_page)
    assert current_links(client.get("/learn/").get_data(as_text=True)) == ["/learn/"]


def test_the_links_follow_who_is_signed_in(app, client, auth, school):
    visitor = client.get("/help/").get_data(as_text=True)
    assert 'href="/sign-in"' in visitor and "My progress" not in visitor

    auth.login("student-one")
    student = client.get("/help/").get_data(as_text=True)
    assert "My progress" in student and 'href="/sign-in"' not in student
    assert 'href="/lead/"' not in student
    auth.logout()

    auth.login("teacher-a")
    teacher = client.get("/help/").get_data(as_text=True)
    assert 'href="/teach/"' in teacher and "My progress" not in teacher
    auth.logout()

    after = client.get("/help/").get_data(as_text=True)
    assert 'href="/sign-in"' in after and 'href="/teach/"' not in after


def test_a_student_made_a_leader_gets_the_lead_link_on_the_next_page(app, client, auth, school):
    auth.login("student-one")
    assert 'href="/lead/"' not in client.get("/learn/").get_data(as_text=True)
    with app.app_context():
        membership = db.session.scalars(
            db.select(Membership).where(Membership.user_id == school["student"])
        ).one()
        membership.role = LEADER
        db.session.commit()
    assert 'href="/lead/"' in client.get("/learn/").get_data(as_text=True)


def test_the_footer_and_links_follow_the_language(client, auth, school):
    english = client.get("/help/").get_data(as_text=True)
    assert "In danger now?" in english
    client.set_cookie("lang", "es")
    spanish = client.get("/help/").get_data(as_text=True)
    assert "¿Estás en peligro ahora?" in spanish and "In danger now?" not in spanish
    client.set_cookie("lang", "en")
    assert "In danger now?" in client.get("/help/").get_data(as_text=True)

    auth.login("student-one")
    client.post("/language", data={"language": "es", "next": "/learn/"})
    assert "Mi progreso" in client.get("/learn/").get_data(as_text=True)


def test_a_family_page_s_chosen_language_stays_in_the_footer_link(client):
    def footer(url: str) -> str:
        return client.get(url).get_data(as_text=True).split('<footer class="site-footer">')[1]

    assert 'href="/families/"' in footer("/families/")
    assert 'href="/families/?lang=es"' in footer("/families/?lang=es")
    assert 'href="/families/?lang=es"' not in footer("/families/")


def test_each_student_s_page_carries_their_own_name_and_no_one_else_s(app, school):
    pages = {}
    for username in ("student-one", "student-two"):
        client = app.test_client()
        client.post("/sign-in", data={"username": username, "password": PASSWORD})
        pages[username] = client.get("/learn/").get_data(as_text=True)
    assert "student-one" in pages["student-one"] and "student-two" not in pages["student-one"]
    assert "student-two" in pages["student-two"] and "student-one" not in pages["student-two"]


def test_each_page_gets_its_own_csrf_token_and_language_switch_address(make_app, school_in):
    app = make_app(WTF_CSRF_ENABLED=True)
    school_in(app)
    tokens = []
    for _ in range(2):
        client = app.test_client()
        login = client.get("/sign-in").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
        client.post(
            "/sign-in",
            data={"username": "student-one", "password": PASSWORD, "csrf_token": token},
        )
        page = client.get("/learn/progress?x=1").get_data(as_text=True)
        sign_out = re.search(r'action="/sign-out".*?value="([^"]+)"', page, re.S).group(1)
        tokens.append(sign_out)
        assert 'name="next" value="/learn/progress?x=1"' in page
    assert tokens[0] != tokens[1]


def test_with_template_reloading_nothing_is_kept(make_app):
    app = make_app(TEMPLATES_AUTO_RELOAD=True)
    app.test_client().get("/help/")
    assert app.extensions["chrome"] == {}


def test_a_visitor_s_help_page_is_kept_per_language(app, client):
    first = client.get("/help/")
    assert first.get_data(as_text=True) == client.get("/help/").get_data(as_text=True)
    assert client.get("/help/").headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in client.get("/help/").headers
    client.set_cookie("lang", "es")
    spanish = client.get("/help/").get_data(as_text=True)
    assert "Pedir ayuda" in spanish and 'lang="es"' in spanish
    english = app.test_client().get("/help/").get_data(as_text=True)
    assert '<html lang="en">' in english and "In danger now?" in english


def test_a_signed_in_student_never_gets_the_visitor_s_help_page(client, auth, school):
    visitor = client.get("/help/").get_data(as_text=True)
    assert "Ask your teacher for a private talk" not in visitor
    auth.login("student-one")
    student = client.get("/help/").get_data(as_text=True)
    assert "Ask your teacher for a private talk" in student
    assert "student-one" in student and 'href="/sign-in"' not in student
    auth.logout()
    signed_out = client.get("/help/").get_data(as_text=True)
    assert "You are signed out." in signed_out and "student-one" not in signed_out
    again = client.get("/help/").get_data(as_text=True)
    assert "You are signed out." not in again and "private talk" not in again


def test_a_visitor_with_a_message_waiting_sees_it_on_the_help_page(app, client):
    client.get("/help/")  # the plain page is kept
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "A message for this visitor only")]
    assert "A message for this visitor only" in client.get("/help/").get_data(as_text=True)
    assert "A message for this visitor only" not in app.test_client().get("/help/").get_data(
        as_text=True
    )


def test_a_query_string_gets_its_own_rendering_and_is_not_kept(app, client):
    page = client.get("/help/?from=poster").get_data(as_text=True)
    assert 'name="next" value="/help/?from=poster"' in page
    assert 'name="next" value="/help/"' in client.get("/help/").get_data(as_text=True)
    assert not any("from=poster" in key for key in map(repr, app.extensions["chrome"]))
