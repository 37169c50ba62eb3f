"""The before-and-after check in Spanish: a Spanish reader takes the Spanish check, their answers
are stored by the English ids and count in the same report as English answers, the teacher's
pages and the families notice read in Spanish, and a bad translation is reported line by line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from student_portal.config import PROJECT_ROOT
from student_portal.content.survey import scan_survey
from student_portal.content.translation import source_hash
from student_portal.evaluation import (
    PRE,
    SENT,
    build_report,
    close_window,
    cohort_scope,
    current_survey,
    open_window,
    submit_check,
)
from student_portal.extensions import db
from student_portal.models import SurveyAnswer, SurveyResponse
from tests.conftest import FIXTURE_LESSONS, Auth
from tests.factories import make_cohort, make_student, make_teacher
from tests.readability import MAX_EASE_ES, MIN_EASE_ES, spanish_ease

LESSONS = PROJECT_ROOT / "lessons"
FRAGMENT = PROJECT_ROOT / "translations" / "es" / "LC_MESSAGES" / "messages.po"  # the one catalog


@pytest.fixture
def spanish(tmp_path) -> Path:
    """A translations folder whose Spanish catalog is this area's fragment, compiled."""
    folder = tmp_path / "translations" / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with open(FRAGMENT, "rb") as handle:
        catalog = read_po(handle, locale="es")
    with open(folder / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)
    return tmp_path / "translations"


def client_for(app, username: str, language: str | None = None):
    client = app.test_client()
    Auth(client).login(username)
    if language:
        client.post("/language", data={"language": language, "next": "/"})
    return client


def all_right(survey) -> dict[str, str]:
    return {item.id: item.correct_choice.id for item in survey.knowledge}


def test_a_spanish_reader_takes_the_check_in_spanish_and_it_counts_with_english(make_app, spanish):
    app = make_app(TRANSLATIONS_DIR=str(spanish), LESSONS_DIR=str(LESSONS))
    with app.app_context():
        teacher = make_teacher("teacher-es")
        cohort = make_cohort(teacher, "Grupo 7")
        for n in range(10):
            make_student(cohort, f"alumno{n}")
        window = open_window(cohort)
        window_id, cohort_id = window.id, cohort.id
        survey = current_survey()
        right = all_right(survey)
        slugs = [lesson.slug for lesson in app.extensions["catalog"].lessons]

    student = client_for(app, "alumno0", "es")
    lessons_page = student.get("/learn/").get_data(as_text=True)
    assert "Antes de empezar: una evaluación rápida" in lessons_page
    assert "Hacer la evaluación" in lessons_page
    page = student.get(f"/learn/checks/{window_id}/pre").get_data(as_text=True)
    assert "Parte 1: ¿Qué sabes?" in page
    assert "Alguien que conociste en un juego en línea te escribe" in page
    assert "Llamar al 911" in page and "No estoy seguro" in page
    assert "Muy de acuerdo" in page  # the agree scale too
    assert "Someone you met in an online game" not in page
    assert "Part 1" not in page
    # The Spanish form sends the English ids: answers are stored by them.
    sent = student.post(
        f"/learn/checks/{window_id}/pre",
        data={**right, "know-who-to-tell": "5"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "¡Gracias! Tus respuestas se enviaron." in sent

    english = client_for(app, "alumno1")
    page = english.get(f"/learn/checks/{window_id}/pre").get_data(as_text=True)
    assert "Someone you met in an online game" in page
    english.post(
        f"/learn/checks/{window_id}/pre",
        data={item_id: "not-sure" for item_id in right} | {"know-who-to-tell": "2"},
    )

    with app.app_context():
        answers = db.session.execute(
            select(SurveyAnswer.item_id, SurveyAnswer.choice_id, SurveyAnswer.correct)
        ).all()
        assert {row.item_id for row in answers} == set(right) | {"know-who-to-tell"}
        assert {row.choice_id for row in answers if row.correct} == set(right.values())
        versions = set(db.session.scalars(select(SurveyResponse.survey_version)))
        assert versions == {survey.version}  # one version, whatever the language
        # Eight more, half of them right, so the figures rest on 10 students and show.
        from student_portal.models import User

        for n in range(2, 10):
            user = db.session.scalar(select(User).where(User.username == f"alumno{n}"))
            given = right if n % 2 else {item_id: "not-sure" for item_id in right}
            assert submit_check(user, window, PRE, given, survey, slugs) == SENT
        close_window(window)
        report = build_report("Grupo 7", cohort_scope(cohort_id), survey)
        assert report.total.n_pre == 10
        first = {item.item.id: item for item in report.items}["secret-chats"]
        assert first.pre_percent == 50  # alumno0 (Spanish) and four English answers right

    teacher_page = client_for(app, "teacher-es", "es").get(f"/teach/cohorts/{cohort_id}/evaluation")
    html = teacher_page.get_data(as_text=True)
    assert "Grupo 7: evaluación de antes y después" in html
    assert "10 hicieron la evaluación antes del curso" in html
    assert "Respuesta correcta:" in html
    assert "Alguien que conociste en un juego en línea" in html  # the items in Spanish too
    assert "Todos los estudiantes" in html
    assert "50%" in html


def test_the_families_notice_reads_wholly_in_spanish(make_app, spanish):
    app = make_app(TRANSLATIONS_DIR=str(spanish), LESSONS_DIR=str(LESSONS))
    page = app.test_client().get(
        "/evaluation/families", headers={"Accept-Language": "es-MX,es;q=0.9"}
    )
    html = page.get_data(as_text=True)
    assert "Una evaluación corta y anónima: información para las familias" in html
    assert "Cómo pedir que su hijo o hija no participe" in html
    assert "Tiene 10 preguntas sobre lo que enseñan las lecciones" in html
    assert "your child" not in html.lower()


def test_the_spanish_check_reads_plainly():
    survey, problems = scan_survey(LESSONS, None)
    assert not problems
    spanish = survey.in_language("es")
    assert spanish.language == "es" and not spanish.untranslated and not survey.warnings
    html = "".join(
        f"<p>{item.prompt}</p>" + "".join(f"<li>{choice.text}</li>" for choice in item.choices)
        for item in spanish.knowledge
    ) + "".join(f"<p>{item.statement}</p>" for item in spanish.confidence)
    assert MIN_EASE_ES <= spanish_ease(html) <= MAX_EASE_ES


# --- a bad translation --------------------------------------------------------------------------


def lessons_with(tmp_path, translation: str) -> Path:
    folder = tmp_path / "lessons"
    shutil.copytree(FIXTURE_LESSONS, folder)
    (folder / "evaluation.es.toml").write_text(translation, encoding="utf-8")
    return folder


def full_translation(folder: Path, translated_from: str | None = None) -> str:
    """A complete Spanish text for the fixture check (every item and choice)."""
    survey, _ = scan_survey(FIXTURE_LESSONS, None)
    lines = [f'translated_from = "{translated_from or source_hash(folder / "evaluation.toml")}"']
    for item in survey.knowledge:
        lines += ["", f"[item.{item.id}]", f'prompt = "Pregunta {item.id}"']
        for choice in item.choices:
            lines += ["", f"[item.{item.id}.choice.{choice.id}]", f'text = "Opción {choice.id}"']
    for item in survey.confidence:
        lines += ["", f"[item.{item.id}]", f'statement = "Frase {item.id}"']
    return "\n".join(lines) + "\n"


def test_unknown_ids_and_keys_are_problems_with_their_line(tmp_path):
    folder = lessons_with(tmp_path, "")
    text = full_translation(folder)
    text += '\n[item.no-such-item]\nprompt = "¿?"\n'
    text += '\n[item.secret-chats.choice.made-up]\ntext = "Otra"\n'
    text = text.replace('prompt = "Pregunta danger-now"', 'prompt = "P"\nhint = "Una pista"')
    path = folder / "evaluation.es.toml"
    path.write_text(text, encoding="utf-8")
    survey, problems = scan_survey(folder, None)
    assert survey is None
    lines = text.splitlines()
    said = {str(problem) for problem in problems}
    item_line = lines.index("[item.no-such-item]") + 1
    choice_line = lines.index("[item.secret-chats.choice.made-up]") + 1
    hint_line = lines.index('hint = "Una pista"') + 1
    assert f'{path}:{item_line}: item "no-such-item" is not in evaluation.toml' in said
    assert f'{path}:{choice_line}: choice "made-up" is not a choice of item "secret-chats"' in said
    assert any(s.startswith(f'{path}:{hint_line}: unknown key "hint"') for s in said), said


def test_an_outdated_or_incomplete_translation_is_a_warning_and_falls_back_per_item(
    tmp_path, make_app
):
    folder = lessons_with(tmp_path, "")
    text = full_translation(folder, translated_from="0000000000000000")
    text = text.replace('\n[item.danger-now]\nprompt = "Pregunta danger-now"\n', "\n")
    (folder / "evaluation.es.toml").write_text(text, encoding="utf-8")
    survey, problems = scan_survey(folder, None)
    assert problems == []
    spanish = survey.in_language("es")
    assert spanish.untranslated == ("danger-now",)
    by_id = {item.id: item for item in spanish.knowledge}
    assert by_id["danger-now"].prompt == survey.knowledge[1].prompt  # English, for that one
    assert by_id["secret-chats"].prompt == "Pregunta secret-chats"
    warnings = [str(warning) for warning in survey.warnings]
    assert any("evaluation.toml has changed since this translation was made" in w for w in warnings)
    assert any("shown in English: danger-now" in w for w in warnings)

    app = make_app(LESSONS_DIR=str(folder))
    result = app.test_cli_runner().invoke(args=["lessons", "check", str(folder), "--strict"])
    assert result.exit_code == 1
    assert "warning: " in result.output and "shown in English: danger-now" in result.output
