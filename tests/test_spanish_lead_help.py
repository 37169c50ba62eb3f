"""The help pages and club sessions in Spanish, from the lead-help catalog fragment.

A Spanish-speaking student gets help in Spanish (with the resources' own Spanish texts), sees
when their request went in their cohort's time zone, and follows a club session in Spanish
while the leader and the projector stay in the leader's language until the leader switches.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from student_portal.config import PROJECT_ROOT
from student_portal.extensions import db
from student_portal.models import ClubSession, Cohort, HelpRequest, utcnow
from tests.conftest import FIXTURE_LESSONS
from tests.factories import PASSWORD

FRAGMENT = PROJECT_ROOT / "translations" / "es" / "LC_MESSAGES" / "messages.po"  # the one catalog
SPANISH = {"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}
SPANISH_988 = "Llama o envía un mensaje de texto al 988 si te sientes sin esperanza."


@pytest.fixture
def spanish_app(make_app, school_in, tmp_path):
    """The app with the fragment compiled as its Spanish catalog, and a resource in Spanish."""
    compiled = tmp_path / "translations" / "es" / "LC_MESSAGES"
    compiled.mkdir(parents=True)
    with open(FRAGMENT, "rb") as handle:
        catalog = read_po(handle, locale="es")
    with open(compiled / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)
    lessons = tmp_path / "lessons"
    shutil.copytree(FIXTURE_LESSONS, lessons)
    resources = lessons / "resources.toml"
    resources.write_text(
        resources.read_text().replace(
            'id = "988-lifeline"\n', f'id = "988-lifeline"\npurpose_es = "{SPANISH_988}"\n'
        )
    )
    app = make_app(TRANSLATIONS_DIR=str(tmp_path / "translations"), LESSONS_DIR=str(lessons))
    app.school = school_in(app)
    return app


def signed_in(app, username, headers=None):
    client = app.test_client()
    response = client.post(
        "/sign-in", data={"username": username, "password": PASSWORD}, headers=headers
    )
    assert response.status_code == 302
    return client


def test_the_fragment_translates_every_message():
    with open(FRAGMENT, "rb") as handle:
        catalog = read_po(handle, locale="es")
    untranslated = [
        m.id
        for m in catalog
        if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string])
    ]
    assert len(catalog) > 200
    assert not untranslated
    assert not [m.id for m in catalog if m.fuzzy and m.id]


def test_a_visitor_gets_help_in_spanish_with_no_cookie_and_nothing_stored(spanish_app):
    page = spanish_app.test_client().get("/help/", headers=SPANISH)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="es">' in text
    assert "Si estás en peligro ahora mismo, llama al 911." in text
    assert "Habla con alguien ahora" in text  # a group title, from a message id
    assert SPANISH_988 in text  # the resource's own Spanish purpose
    assert "If you are in danger right now" not in text
    # A text still in English says so, for screen readers and the pseudo-locale check.
    assert '<p lang="en">Text a trained counselor' in text
    assert page.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in page.headers

    guide = spanish_app.test_client().get("/help/report", headers=SPANISH)
    assert "¿Tú u otra persona están en peligro ahora mismo?" in guide.get_data(as_text=True)
    assert "Set-Cookie" not in guide.headers


def test_a_student_sees_their_request_in_spanish_at_their_cohorts_time(spanish_app):
    school = spanish_app.school
    client = signed_in(spanish_app, "student-one", SPANISH)
    client.post("/language", data={"language": "es", "next": "/"})
    sent = client.post(
        "/help/talk",
        data={"cohort": school["cohort"], "message": "", "contact": "in-person"},
        follow_redirects=True,
    )
    text = sent.get_data(as_text=True)
    assert "Tu pedido se envió a Ms Test." in text
    with spanish_app.app_context():
        db.session.get(Cohort, school["cohort"]).timezone = "America/Los_Angeles"
        request = db.session.scalar(select(HelpRequest))
        request.created_at = datetime(2026, 3, 2, 18, 30)  # UTC: 10:30 in Los Angeles
        db.session.commit()
    text = client.get("/help/talk").get_data(as_text=True)
    assert "Enviado el 2/3/26, 10:30 a Ms Test:" in text
    assert "enviado, todavía sin ver" in text
    assert "Hablen conmigo en privado en la escuela" in text  # the contact choices
    assert "18:30" not in text


def test_each_follower_sees_the_session_in_their_language_and_the_leader_switches(spanish_app):
    school = spanish_app.school
    leader = signed_in(spanish_app, "leader-one")
    started = leader.post(
        f"/lead/cohorts/{school['cohort']}",
        data={"lesson": "01-first-steps", "supervising_adult": "Ms Rivera", "adult_present": "y"},
    )
    run = started.headers["Location"]
    with spanish_app.app_context():
        session = db.session.scalar(select(ClubSession))
        db.session.get(Cohort, school["cohort"]).timezone = "America/Chicago"
        started_at = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=5)
        session.started_at = started_at
        db.session.commit()
        session_id = session.id

    student = signed_in(spanish_app, "student-one")
    student.post("/language", data={"language": "es", "next": "/"})
    student.post(f"/learn/sessions/{session_id}/join")
    follow = student.get(f"/learn/sessions/{session_id}/stage").get_data(as_text=True)
    assert "Para empezar" in follow
    assert "Puedes pasar en cualquier momento." in follow

    def chicago(language):  # when it started, as someone in the cohort's zone reads it
        aware = started_at.replace(tzinfo=UTC)
        return format_datetime(aware, "short", tzinfo=ZoneInfo("America/Chicago"), locale=language)

    english_run = leader.get(run).get_data(as_text=True)
    assert "Before you start" in english_run
    assert f"since {chicago('en')}" in english_run  # the cohort's zone, not UTC
    assert "Getting started" in leader.get(f"{run}/project/stage").get_data(as_text=True)

    # A bilingual room: one click on the projector puts the leader's pages in Spanish.
    projector = leader.get(f"{run}/project").get_data(as_text=True)
    assert 'value="es"' in projector
    leader.post("/language", data={"language": "es", "next": f"{run}/project"})
    assert "Para empezar" in leader.get(f"{run}/project/stage").get_data(as_text=True)
    spanish_run = leader.get(run).get_data(as_text=True)
    assert "Antes de empezar" in spanish_run
    assert f"desde {chicago('es')}" in spanish_run

    # A service message raised as a message id reaches the reader in their language.
    joined = leader.post(f"/learn/sessions/{session_id}/join", follow_redirects=True)
    assert "Tú diriges esta sesión, así que no te unes a ella como estudiante." in joined.get_data(
        as_text=True
    )
    cohort_page = leader.get(f"/lead/cohorts/{school['cohort']}").get_data(as_text=True)
    assert "Hay una sesión en vivo" in cohort_page
    assert f"iniciada el {chicago('es')} por leader-one." in cohort_page
