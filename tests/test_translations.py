"""Lesson translations: text only, keyed by the English ids; outdated and missing parts show."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from student_portal.content import load_catalog
from student_portal.content.lint import catalog_warnings
from student_portal.content.loader import scan_lessons
from student_portal.content.translation import source_hash

BASIC = Path(__file__).parent / "fixtures" / "lessons" / "basic"
SLUG = "02-second-look"


@pytest.fixture
def lessons(tmp_path) -> Path:
    """The basic lessons with a complete Spanish translation of the second lesson."""
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
        "## Única sección\n\nTexto corto.\n\n[[resource:test-hotline]]\n"
    )
    (folder / "guide.es.md").write_text(
        f'+++\ntranslated_from = "{source_hash(folder / "guide.md")}"\n+++\n'
        "# Cómo guiar\n\nQue sea breve.\n"
    )
    (folder / "quiz.es.toml").write_text(
        f'translated_from = "{source_hash(folder / "quiz.toml")}"\n\n'
        "[item.q1]\n"
        'prompt = "¿Es tu culpa cuando un adulto te presiona?"\n\n'
        "[item.q1.choice.no]\n"
        'text = "No"\n'
        'feedback = "Así es: el adulto es el responsable."\n\n'
        "[item.q1.choice.yes]\n"
        'text = "Sí"\n'
        'feedback = "Nunca es tu culpa; el adulto es el responsable."\n'
    )
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_translation_keeps_the_english_structure_and_grading(lessons):
    catalog = load_catalog(lessons)
    english = catalog.get(SLUG)
    spanish = catalog.get(SLUG, "es")
    assert spanish.language == "es" and spanish.title == "Segunda mirada"
    assert spanish.minutes == english.minutes and spanish.sources == english.sources
    assert spanish.quiz.version == english.quiz.version
    (item,) = spanish.quiz.items
    assert item.prompt == "<p>¿Es tu culpa cuando un adulto te presiona?</p>"
    assert [(c.id, c.correct) for c in item.choices] == [("no", True), ("yes", False)]
    assert not item.untranslated and spanish.outdated == ()
    assert spanish.sections[0].title == "Única sección"
    assert spanish.sections[0].match_key == english.sections[0].match_key  # the guide matches
    assert "Llama al <a" in spanish.html and "Call <a" not in spanish.html  # cards in Spanish
    assert (
        catalog.get(SLUG, "fr") is english and catalog.get("01-first-steps", "es").language == "en"
    )


def test_a_missing_item_falls_back_to_english_for_that_item_only(lessons):
    quiz = lessons / SLUG / "quiz.es.toml"
    _edit(quiz, 'feedback = "Nunca es tu culpa; el adulto es el responsable."\n', "")
    catalog, problems = scan_lessons(lessons)
    assert problems == []
    (item,) = catalog.get(SLUG, "es").quiz.items
    assert item.untranslated and item.prompt.startswith("<p>Is it ever your fault")
    warnings = [str(w) for w in catalog_warnings(catalog, lessons)]
    assert (
        f"{quiz}: 1 item(s) have no complete translation and are shown in English: q1" in warnings
    )


def test_a_translation_of_an_older_english_file_is_served_but_reported_outdated(lessons):
    _edit(lessons / SLUG / "quiz.toml", 'text = "Yes"', 'text = "Yes, always"')
    catalog, problems = scan_lessons(lessons)
    assert problems == []
    spanish = catalog.get(SLUG, "es")
    assert spanish.outdated == ("quiz.es.toml",)
    warnings = [str(w) for w in catalog_warnings(catalog, lessons)]
    assert any("quiz.es.toml: quiz.toml has changed since this translation" in w for w in warnings)


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("quiz.es.toml", "[item.q1.choice.yes]", "[item.q1.choice.maybe]", 'choice "maybe" is not'),
        ("quiz.es.toml", "[item.q1]", "[item.q9]", 'item "q9" is not in quiz.toml'),
        ("lesson.es.md", "## Única sección", "## Una\n\nx\n\n## Dos", "has 2 sections but"),
        ("lesson.es.md", 'title = "Segunda mirada"', "minutes = 9", 'unknown key "minutes"'),
        ("lesson.es.md", '"Terminar una lección corta"', '"a", "b"', "must list the 1 objectives"),
        ("lesson.es.md", "Texto corto.", "Llama al 1-555-123-4567.", "is not in resources.toml"),
        ("guide.es.md", "translated_from", "made_from", "needs translated_from"),
    ],
)
def test_translation_mistakes_name_the_file_and_the_problem(lessons, file, old, new, message):
    _edit(lessons / SLUG / file, old, new)
    catalog, problems = scan_lessons(lessons)
    assert any(problem.path.name == file and message in problem.message for problem in problems), [
        str(p) for p in problems
    ]
    assert catalog.get(SLUG, "es").language == "en"  # a broken translation is never served


def test_a_translation_needs_all_three_files(lessons):
    (lessons / SLUG / "guide.es.md").unlink()
    _catalog, problems = scan_lessons(lessons)
    assert [p.message for p in problems] == [
        "guide.es.md is missing: a translation needs all three files"
    ]


def test_a_spanish_reader_takes_the_quiz_in_spanish_and_it_counts_with_english(
    make_app, lessons, school_in, tmp_path
):
    """Grading and reports rest on the English ids, so attempts in both languages add up."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from sqlalchemy import select

    from student_portal.extensions import db
    from student_portal.models import QuizAttempt
    from tests.helpers import answer_quiz

    compiled = tmp_path / "translations" / "es" / "LC_MESSAGES"
    compiled.mkdir(parents=True)
    with open(compiled / "messages.mo", "wb") as handle:
        write_mo(handle, Catalog(locale="es"))
    app = make_app(LESSONS_DIR=str(lessons), TRANSLATIONS_DIR=str(tmp_path / "translations"))
    school_in(app)
    spanish, english = app.test_client(), app.test_client()
    for client, name in ((spanish, "student-one"), (english, "student-two")):
        client.post("/sign-in", data={"username": name, "password": "correct-horse-9"})
    spanish.post("/language", data={"language": "es", "next": "/"})

    lesson = spanish.get(f"/learn/{SLUG}").get_data(as_text=True)
    assert "Única sección" in lesson and "Texto corto." in lesson
    question = spanish.get(f"/learn/{SLUG}/quiz").get_data(as_text=True)
    assert "¿Es tu culpa cuando un adulto te presiona?" in question
    result = answer_quiz(spanish, SLUG, [["no"]])
    page = spanish.get(result.headers["Location"]).get_data(as_text=True)
    assert "Así es: el adulto es el responsable." in page
    answer_quiz(english, SLUG, [["yes"]])

    with app.app_context():
        languages = sorted(db.session.scalars(select(QuizAttempt.language)))
    assert languages == ["en", "es"]
    teacher = app.test_client()
    teacher.post("/sign-in", data={"username": "teacher-a", "password": "correct-horse-9"})
    analysis = teacher.get(f"/teach/cohorts/1/lessons/{SLUG}").get_data(as_text=True)  # Period 3
    assert "2 students have taken this quiz" in analysis


def test_a_translation_problem_names_its_line(lessons):
    quiz = lessons / SLUG / "quiz.es.toml"
    _edit(quiz, "[item.q1.choice.yes]", "[item.q1.choice.maybe]")
    _catalog, problems = scan_lessons(lessons)
    line = quiz.read_text().splitlines().index("[item.q1.choice.maybe]") + 1
    assert [(p.path, p.line) for p in problems if "maybe" in p.message] == [(quiz, line)]
