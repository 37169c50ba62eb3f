"""Security defaults: CSRF, cookies, headers, no third-party requests, friendly errors."""

from __future__ import annotations

import re

import pytest

from tests.factories import PASSWORD


@pytest.fixture
def app(shared_app):
    """This file's tests share one app, put back as new before each (conftest.shared_app)."""
    return shared_app


def test_forms_without_a_csrf_token_are_refused(make_app, school_in):
    app = make_app(WTF_CSRF_ENABLED=True)
    school_in(app)
    client = app.test_client()
    response = client.post("/sign-in", data={"username": "teacher-a", "password": PASSWORD})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_forms_with_the_token_work(make_app, school_in):
    app = make_app(WTF_CSRF_ENABLED=True)
    school_in(app)
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/sign-in", data={"username": "teacher-a", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_session_cookie_is_httponly_samesite_and_secure(client, school):
    response = client.post("/sign-in", data={"username": "teacher-a", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_strict_content_security_policy_on_every_page(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/sign-in",
        "/join",
        "/help/",
        "/learn/",
        "/teach/",
        "/learn/01-first-steps",
        "/learn/01-first-steps/quiz",
        "/teach/lessons/01-first-steps",
    ],
)
@pytest.mark.parametrize("who", ["visitor", "student-one", "teacher-a"])
def test_pages_load_nothing_from_elsewhere_and_have_no_inline_code(client, auth, school, url, who):
    if who != "visitor":
        auth.login(who)
    page = client.get(url, follow_redirects=True).get_data(as_text=True)
    assert not re.search(r'<(script|link|img|iframe)[^>]+(src|href)="(https?:)?//', page)
    assert "<script>" not in page and not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert " style=" not in page and "<style" not in page
    assert not re.search(r"\son[a-z]+=", page)


def test_help_page_is_not_cached_or_indexed_and_sets_no_cookie(client):
    response = client.get("/help/")
    assert response.headers["Cache-Control"] == "no-store"
    assert 'name="robots" content="noindex"' in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers


def test_not_found_page_is_friendly(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "We couldn&#39;t find that page" in page and "Get help" in page


def test_server_errors_get_a_friendly_page(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/explode")
    def explode():
        raise RuntimeError("boom")

    response = app.test_client().get("/explode")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)


def test_oversized_posts_are_refused_politely(client):
    response = client.post("/sign-in", data={"username": "x" * (2 * 1024 * 1024), "password": "y"})
    assert response.status_code == 413


@pytest.mark.parametrize(
    "url",
    ["/teach/cohorts/99999999999999999999999", "/learn/01-first-steps/attempts/99999999999999"],
)
def test_huge_ids_are_not_found_not_errors(client, auth, school, url):
    auth.login("teacher-a" if url.startswith("/teach") else "student-one")
    assert client.get(url).status_code == 404


def test_control_characters_in_text_are_dropped_not_stored(app, client, auth, school):
    response = client.post("/sign-in", data={"username": "nul\x00user", "password": "x\x00y"})
    assert response.status_code == 200
    auth.login("teacher-a")
    response = client.post(
        "/teach/cohorts/new", data={"name": "Club\x00\x07 A", "grade_band": "6-8"}
    )
    assert response.status_code == 302
    assert "Club A" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_signed_in_pages_are_never_cached(client, auth, school):
    auth.login("student-one")
    assert client.get("/learn/").headers["Cache-Control"] == "no-store"


def csrf_token_of(page: str) -> str:
    """The token of the page's first form (the sign-out button's, on signed-in pages)."""
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    return match.group(1)


def test_signing_in_gives_a_new_csrf_token_and_the_old_one_stops_working(make_app, school_in):
    app = make_app(WTF_CSRF_ENABLED=True)
    school_in(app)
    client = app.test_client()
    before = csrf_token_of(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in", data={"username": "student-one", "password": PASSWORD, "csrf_token": before}
    )
    assert response.status_code == 302
    after = csrf_token_of(client.get("/learn/progress").get_data(as_text=True))
    assert after != before
    # A token someone planted or saw before sign-in is no good for this session.
    assert client.post("/sign-out", data={"csrf_token": before}).status_code == 400
    assert client.get("/learn/").status_code == 200  # still signed in
    assert client.post("/sign-out", data={"csrf_token": after}).status_code == 302


def test_joining_also_gives_a_new_csrf_token(make_app, school_in):
    app = make_app(WTF_CSRF_ENABLED=True)
    ids = school_in(app)
    client = app.test_client()
    before = csrf_token_of(client.get("/join").get_data(as_text=True))
    fields = {"join_code": ids["join_code"], "username": "maple-fox", "csrf_token": before}
    fields |= {"password": "secret-pass-1", "confirm": "secret-pass-1"}
    assert client.post("/join", data=fields).status_code == 302
    assert client.post("/sign-out", data={"csrf_token": before}).status_code == 400


@pytest.mark.parametrize("url", ["/", "/sign-in", "/help/", "/no/such/page"])
def test_pages_turn_off_camera_microphone_location_and_the_like(client, url):
    policy = client.get(url).headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "display-capture"):
        assert f"{feature}=()" in policy


def test_https_is_required_by_browsers_when_cookies_are_secure(make_app):
    secure = make_app().test_client().get("/")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = make_app(SESSION_COOKIE_SECURE=False).test_client().get("/")
    assert "Strict-Transport-Security" not in plain.headers  # plain http on localhost (make run)
