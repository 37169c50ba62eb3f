"""A teacher reading Spanish sees the teacher pages in Spanish, times in the cohort's zone."""

from __future__ import annotations

from datetime import datetime

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from student_portal.config import PROJECT_ROOT
from student_portal.extensions import db
from student_portal.models import Cohort, HelpRequest
from tests.factories import PASSWORD
from tests.helpers import ALL_RIGHT, answer_quiz

FRAGMENT = PROJECT_ROOT / "translations" / "es" / "LC_MESSAGES" / "messages.po"  # the one catalog


@pytest.fixture
def spanish_app(make_app, school_in, tmp_path):
    """The app with a Spanish catalog compiled from the teacher pages' translations."""
    with open(FRAGMENT, "rb") as handle:
        catalog = read_po(handle, locale="es")
    folder = tmp_path / "translations" / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(folder / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)
    app = make_app(TRANSLATIONS_DIR=str(tmp_path / "translations"))
    return app, school_in(app)


def teacher_in_spanish(app):
    client = app.test_client()
    client.post("/sign-in", data={"username": "teacher-a", "password": PASSWORD})
    client.post("/language", data={"language": "es", "next": "/"})
    return client


def test_every_msgid_of_the_teacher_pages_has_a_spanish_translation():
    with open(FRAGMENT, "rb") as handle:
        catalog = read_po(handle, locale="es")
    missing = [
        message.id
        for message in catalog
        if message.id
        and (
            not all(message.string)
            if isinstance(message.string, tuple)
            else not message.string
        )
    ]
    assert not missing and len(catalog) > 300


def test_teacher_reads_the_cohort_page_and_grid_in_spanish(spanish_app):
    app, school = spanish_app
    client = teacher_in_spanish(app)
    page = client.get(f"/teach/cohorts/{school['cohort']}").get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "Código de acceso" in page and "Lista del grupo" in page
    assert "Hora del Centro (Chicago, Houston, Dallas)" in page
    response = client.post(
        f"/teach/cohorts/{school['cohort']}/settings",
        data={"timezone": "America/Chicago"},
        follow_redirects=True,
    )
    assert "Las horas de Period 3 ahora se muestran en Hora del Centro" in response.get_data(
        as_text=True
    )
    grid = client.get(f"/teach/cohorts/{school['cohort']}/progress").get_data(as_text=True)
    assert "Estudiantes y lecciones" in grid and "Sin empezar" in grid
    assert "Not started" not in grid


def test_quiz_times_and_help_requests_show_in_spanish_in_the_cohort_s_zone(spanish_app):
    app, school = spanish_app
    student = app.test_client()
    student.post("/sign-in", data={"username": "student-one", "password": PASSWORD})
    answer_quiz(student, "01-first-steps", ALL_RIGHT)
    moment = datetime(2026, 12, 1, 15, 30)  # stored in UTC: 9:30 in Chicago
    with app.app_context():
        from student_portal.models import LessonProgress, QuizAttempt

        db.session.get(Cohort, school["cohort"]).timezone = "America/Chicago"
        for attempt in db.session.scalars(select(QuizAttempt)):
            attempt.submitted_at = moment
        # The lesson was opened as the quiz was answered (not at the test's real time, which
        # would be the last activity once the clock passes `moment`).
        for progress in db.session.scalars(select(LessonProgress)):
            progress.started_at = progress.last_attempt_at = moment
        db.session.add(
            HelpRequest(
                student_id=school["student"],
                teacher_id=school["teacher"],
                cohort_id=school["cohort"],
                created_at=moment,
            )
        )
        db.session.commit()
    client = teacher_in_spanish(app)
    detail = client.get(f"/teach/cohorts/{school['cohort']}/students/{school['student']}")
    text = detail.get_data(as_text=True)
    assert "Intentos del cuestionario" in text and "1 dic 2026, 9:30:00" in text
    inbox = client.get("/teach/help-requests").get_data(as_text=True)
    assert "Pedidos de ayuda" in inbox and "Enviado el 1 dic 2026, 9:30:00" in inbox
    csv_text = client.get(f"/teach/cohorts/{school['cohort']}/progress.csv").get_data(as_text=True)
    assert "Última actividad (America/Chicago)" in csv_text
    assert "2026-12-01 09:30" in csv_text
