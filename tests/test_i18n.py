"""Languages: the reader's choice, then the browser's, then English; times in a cohort's zone."""

from __future__ import annotations

from datetime import datetime

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from sqlalchemy import select

from student_portal.extensions import db
from student_portal.i18n import local_time
from student_portal.models import User


@pytest.fixture
def spanish(tmp_path):
    """A translations folder with a Spanish catalog, as `make` compiles it."""
    folder = tmp_path / "translations" / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as handle:
        write_mo(handle, Catalog(locale="es"))
    return tmp_path / "translations"


@pytest.fixture
def bilingual(make_app, spanish, school_in):
    app = make_app(TRANSLATIONS_DIR=str(spanish))
    school_in(app)
    return app


@pytest.mark.parametrize("header", ["es", "es-MX", "es-419,en;q=0.5", "es-US"])
def test_a_spanish_browser_gets_spanish(bilingual, header):
    page = bilingual.test_client().get("/help/", headers={"Accept-Language": header})
    assert '<html lang="es">' in page.get_data(as_text=True)


def test_english_otherwise(bilingual):
    for header in ("en-US", "fr", ""):
        page = bilingual.test_client().get("/help/", headers={"Accept-Language": header})
        assert '<html lang="en">' in page.get_data(as_text=True)


def test_a_visitor_s_choice_is_remembered_in_a_cookie(bilingual):
    client = bilingual.test_client()
    page = client.get("/help/").get_data(as_text=True)
    assert 'name="language" value="es"' in page and ">Español</button>" in page
    assert client.get_cookie("lang") is None  # looking sets nothing
    response = client.post("/language", data={"language": "es", "next": "/help/"})
    assert response.status_code == 302 and response.headers["Location"] == "/help/"
    cookie = client.get_cookie("lang")
    assert cookie.value == "es" and cookie.http_only
    page = client.get("/help/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="es">' in page and ">English</button>" in page


def test_a_signed_in_user_s_choice_is_kept_on_their_account(bilingual):
    client = bilingual.test_client()
    client.post("/sign-in", data={"username": "student-one", "password": "correct-horse-9"})
    client.post("/language", data={"language": "es", "next": "/learn/"})
    with bilingual.app_context():
        user = db.session.scalar(select(User).where(User.username == "student-one"))
        assert user.locale == "es"
    other_device = bilingual.test_client()
    other_device.post("/sign-in", data={"username": "student-one", "password": "correct-horse-9"})
    assert '<html lang="es">' in other_device.get("/learn/").get_data(as_text=True)


def test_the_switch_goes_back_only_to_this_site_and_ignores_unknown_languages(bilingual):
    client = bilingual.test_client()
    away = client.post("/language", data={"language": "es", "next": "https://evil.example/"})
    assert away.headers["Location"] == "/"
    sneaky = client.post("/language", data={"language": "es", "next": "//evil.example/x"})
    assert sneaky.headers["Location"] == "/"
    client.post("/language", data={"language": "xx"})
    assert client.get_cookie("lang").value == "es"


def test_without_a_catalog_only_english_is_offered(make_app, tmp_path):
    client = make_app(TRANSLATIONS_DIR=str(tmp_path / "no-translations")).test_client()
    page = client.get("/help/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="en">' in page and 'name="language"' not in page


def test_times_show_in_the_cohort_s_zone_and_the_reader_s_language(bilingual):
    moment = datetime(2026, 12, 1, 15, 30)  # stored in UTC
    with bilingual.test_request_context(headers={"Accept-Language": "en"}):
        assert local_time(moment, "America/Chicago") == "Dec 1, 2026, 9:30:00\u202fAM"
        assert local_time(moment) == "Dec 1, 2026, 10:30:00\u202fAM"  # the school's zone
    with bilingual.test_request_context(headers={"Accept-Language": "es"}):
        assert local_time(moment, "America/Los_Angeles") == "1 dic 2026, 7:30:00"


def test_a_signed_in_choice_stays_after_signing_out(bilingual):
    client = bilingual.test_client()
    client.post("/sign-in", data={"username": "student-one", "password": "correct-horse-9"})
    client.post("/language", data={"language": "es", "next": "/learn/"})
    client.post("/sign-out")
    page = client.get("/sign-in", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="es">' in page
