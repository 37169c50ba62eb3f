"""A Spanish-speaking student's lessons, quizzes and results, from the learn area's catalog."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import render_template_string
from sqlalchemy import select

from student_portal.config import PROJECT_ROOT
from student_portal.content.translation import source_hash
from student_portal.extensions import db
from student_portal.models import Cohort, QuizAttempt
from student_portal.progress import COMPLETED, IN_PROGRESS, NOT_STARTED, PASSED
from tests.factories import PASSWORD
from tests.helpers import answer_quiz

FRAGMENT = PROJECT_ROOT / "translations" / "es" / "LC_MESSAGES" / "messages.po"  # the one catalog
BASIC = Path(__file__).parent / "fixtures" / "lessons" / "basic"
SLUG = "02-second-look"


@pytest.fixture
def translations(tmp_path):
    """The learn fragment compiled as the Spanish catalog.

    Flask-Babel keeps loaded catalogs on the one `babel` object every test app shares, so the
    catalog another test's app loaded for "es" is dropped first (and this one after).
    """
    folder = tmp_path / "translations" / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(FRAGMENT, "rb") as handle:
        catalog = read_po(handle, locale="es")
    with open(folder / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)
    return tmp_path / "translations"


def _lessons(tmp_path, feedback_translated: bool = True) -> Path:
    """The basic lessons, the second one in Spanish (its quiz item whole, or missing a part)."""
    root = tmp_path / "lessons"
    shutil.copytree(BASIC, root)
    folder = root / SLUG
    (folder / "lesson.es.md").write_text(
        "+++\n"
        f'translated_from = "{source_hash(folder / "lesson.md")}"\n'
        'title = "Segunda mirada"\n'
        'summary = "Una lección corta."\n'
        'objectives = ["Terminar una lección corta"]\n'
        "+++\n"
        "## Única sección\n\nTexto corto.\n"
    )
    (folder / "guide.es.md").write_text(
        f'+++\ntranslated_from = "{source_hash(folder / "guide.md")}"\n+++\n'
        "# Cómo guiar\n\nQue sea breve.\n"
    )
    last_feedback = (
        'feedback = "Nunca es tu culpa; el adulto es el responsable."\n'
        if feedback_translated
        else ""
    )
    (folder / "quiz.es.toml").write_text(
        f'translated_from = "{source_hash(folder / "quiz.toml")}"\n\n'
        "[item.q1]\n"
        'prompt = "¿Es tu culpa cuando un adulto te presiona?"\n\n'
        "[item.q1.choice.no]\n"
        'text = "No"\n'
        'feedback = "Así es: el adulto es el responsable."\n\n'
        "[item.q1.choice.yes]\n"
        'text = "Sí"\n' + last_feedback
    )
    return root


def _spanish_student(app):
    client = app.test_client()
    client.post("/sign-in", data={"username": "student-one", "password": PASSWORD})
    client.post("/language", data={"language": "es", "next": "/learn/"})
    return client


def test_a_spanish_student_reads_takes_the_quiz_and_sees_the_result_in_the_group_s_zone(
    make_app, school_in, translations, tmp_path
):
    app = make_app(TRANSLATIONS_DIR=str(translations), LESSONS_DIR=str(_lessons(tmp_path)))
    school = school_in(app)
    with app.app_context():
        db.session.get(Cohort, school["cohort"]).timezone = "America/Chicago"
        db.session.commit()
    client = _spanish_student(app)

    lessons = client.get("/learn/").get_data(as_text=True)
    assert "<h1>Lecciones</h1>" in lessons and "Segunda mirada" in lessons
    assert "Unos " in lessons and " minutos" in lessons

    lesson = client.get(f"/learn/{SLUG}").get_data(as_text=True)
    assert "Terminé de leer" in lesson and "Al terminar, vas a" in lesson
    finished = client.post(f"/learn/{SLUG}/complete", follow_redirects=True)
    page = finished.get_data(as_text=True)
    assert "Terminaste de leer “Segunda mirada”" in page and "Pregunta 1 de 1" in page

    unanswered = client.post(f"/learn/{SLUG}/quiz", data={}, follow_redirects=True)
    assert "No se pudo leer el formulario del cuestionario" in unanswered.get_data(as_text=True)

    result = answer_quiz(client, SLUG, [["no"]])
    with app.app_context():
        attempt = db.session.scalar(select(QuizAttempt))
        attempt.submitted_at = datetime(2025, 1, 15, 18, 30)  # stored in UTC
        db.session.commit()
    page = client.get(result.headers["Location"]).get_data(as_text=True)
    assert "¡Aprobaste!" in page and "Sacaste 1 de 1 (100 %)." in page
    assert "Hecho el 15 ene 2025, 12:30:00" in page  # Chicago, the group's zone: not 18:30
    assert "UTC" not in page and "1 de 1 punto" in page and "Elegiste:" in page
    assert "Esta pregunta aún no está traducida" not in page
    progress = client.get("/learn/progress").get_data(as_text=True)
    assert "Aprobaste 1 de 2 cuestionarios." in progress and "Mis grupos" in progress


def test_a_quiz_item_still_in_english_is_marked_as_english_and_says_so(
    make_app, school_in, translations, tmp_path
):
    lessons = _lessons(tmp_path, feedback_translated=False)
    app = make_app(TRANSLATIONS_DIR=str(translations), LESSONS_DIR=str(lessons))
    school_in(app)
    client = _spanish_student(app)

    page = client.get(f"/learn/{SLUG}/quiz").get_data(as_text=True)
    assert "Esta pregunta aún no está traducida, así que aparece en inglés." in page
    assert '<span class="prompt" lang="en"><p>Is it ever your fault' in page
    assert '<ul class="choice-list" lang="en">' in page
    assert "Cuestionario" in page and "Pregunta 1 de 1" in page

    result = answer_quiz(client, SLUG, [["yes"]])
    review = client.get(result.headers["Location"]).get_data(as_text=True)
    assert "Todavía no aprobaste" in review and "Necesitas" in review
    assert "Esta pregunta aún no está traducida" in review
    assert '<div class="prompt" lang="en"><p>Is it ever your fault' in review
    assert '<strong>Elegiste:</strong> <span lang="en">Yes</span>' in review


def test_status_words_stay_english_in_code_and_show_in_the_reader_s_language(
    make_app, translations
):
    app = make_app(TRANSLATIONS_DIR=str(translations))
    shown = "{{ statuses | map('status_word') | join(' / ') }}"
    statuses = [NOT_STARTED, IN_PROGRESS, COMPLETED, PASSED]
    with app.test_request_context(headers={"Accept-Language": "es-MX"}):
        assert render_template_string(shown, statuses=statuses) == (
            "Sin empezar / En curso / Completada / Cuestionario aprobado"
        )
    with app.test_request_context(headers={"Accept-Language": "en-US"}):
        assert render_template_string(shown, statuses=statuses) == (
            "Not started / In progress / Completed / Quiz passed"
        )
    assert PASSED == "quiz passed"
