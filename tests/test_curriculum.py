"""The real lessons in lessons/ meet the curriculum's bar: readable, complete, with scenarios."""

from __future__ import annotations

import pytest
from markupsafe import escape

from tests.readability import (
    MAX_EASE_ES,
    MAX_GRADE,
    MIN_EASE_ES,
    MIN_GRADE,
    grade_level,
    spanish_ease,
)
from tests.real_lessons import REAL_LESSONS, real_catalog
from tests.test_club import ADULT_IN_THE_ROOM

CATALOG = real_catalog()
LESSONS = [pytest.param(lesson, id=lesson.slug) for lesson in CATALOG.lessons]


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_text_reads_at_grade_5_to_8(lesson):
    assert MIN_GRADE <= grade_level(lesson.html) <= MAX_GRADE


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_is_complete(lesson):
    assert 10 <= lesson.minutes <= 20
    assert len(lesson.sources) >= 2
    assert lesson.content_note
    assert len(lesson.sections) >= 3
    assert "If someone tells you something" in lesson.guide_html or "disclos" in lesson.guide_html


@pytest.mark.parametrize("lesson", LESSONS)
def test_quiz_has_five_items_and_a_branching_scenario(lesson):
    items = lesson.quiz.items
    assert len(items) >= 5
    scenarios = [item for item in items if item.type == "scenario"]
    assert any(len(item.steps) >= 3 for item in scenarios)
    for item in scenarios:  # unsafe choices lead somewhere, not only to an ending
        assert any(choice.next for step in item.steps for choice in step.choices if not choice.safe)


def test_resources_list_the_verified_hotlines():
    resources = CATALOG.resources
    assert resources["emergency-911"].phone == "911"
    assert resources["human-trafficking-hotline"].phone == "1-888-373-7888"
    assert resources["human-trafficking-hotline"].text == "233733"
    assert resources["ncmec-cybertipline"].phone == "1-800-843-5678"
    assert resources["ncmec-cybertipline"].url.startswith("https://report.cybertip.org")
    assert resources["childhelp"].phone == "1-800-422-4453"
    assert (
        "not"
        in resources["childhelp"].purpose.lower() + (resources["childhelp"].note or "").lower()
    )


def test_the_eight_lessons_are_there_in_order():
    assert [lesson.slug for lesson in CATALOG.lessons] == [
        "healthy-relationships",
        "grooming-signs",
        "sextortion",
        "trafficking-myths-facts",
        "reporting-paths",
        "helping-a-friend",
        "who-helps",
        "leading-a-club-session",
    ]


def test_key_facts_are_stated_the_way_the_sources_support():
    text = {lesson.slug: lesson.html for lesson in CATALOG.lessons}
    assert "first comprehensive federal anti-trafficking law" in text["trafficking-myths-facts"]
    assert "case number" in text["reporting-paths"]
    assert (
        "not the police" in text["reporting-paths"]
        or "not law enforcement" in text["reporting-paths"]
    )


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_step_has_its_leaders_guide(lesson):
    assert lesson.guide_matching("before you start", "ground rule")
    assert lesson.guide_matching("tells you", "disclos")
    for section in lesson.sections:
        assert lesson.guide_for(section), f"no guide section for “{section.title}”"


def test_each_lesson_runs_as_a_club_session_end_to_end(make_app):
    from tests.conftest import build_school
    from tests.factories import PASSWORD

    app = make_app(LESSONS_DIR=str(REAL_LESSONS))
    school = build_school(app)
    leader, student = app.test_client(), app.test_client()
    leader.post("/sign-in", data={"username": "leader-one", "password": PASSWORD})
    student.post("/sign-in", data={"username": "student-one", "password": PASSWORD})
    for lesson in CATALOG.lessons:
        started = leader.post(
            f"/lead/cohorts/{school['cohort']}", data={"lesson": lesson.slug, **ADULT_IN_THE_ROOM}
        )
        run_url = started.headers["Location"]
        session_id = run_url.rstrip("/").split("/")[-1]
        student.post(f"/learn/sessions/{session_id}/join")
        for step, section in enumerate(lesson.sections, start=1):
            leader.post(f"{run_url}/step/{step}")
            run = leader.get(run_url).get_data(as_text=True)
            assert f"Leader's guide: {escape(section.title)}" in run
            follow = student.get(f"/learn/sessions/{session_id}/stage").get_data(as_text=True)
            assert f"Step {step} of {len(lesson.sections)}" in follow
        leader.post(f"{run_url}/end")
        summary = leader.get(f"{run_url}/summary").get_data(as_text=True)
        assert "<dt>Attended</dt><dd>1</dd>" in summary


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_objective_is_assessed_by_an_item(lesson):
    assessed = {item.objective for item in lesson.quiz.items}
    assert None not in assessed, "every item names the objective it assesses"
    assert assessed == set(range(1, len(lesson.objectives) + 1))


TRANSLATED = [
    pytest.param(lesson.translations["es"], id=lesson.slug)
    for lesson in CATALOG.lessons
    if "es" in lesson.translations
]


@pytest.mark.parametrize("spanish", TRANSLATED)
def test_spanish_lessons_are_complete_current_and_as_plain_as_the_english(spanish):
    assert MIN_EASE_ES <= spanish_ease(spanish.html) <= MAX_EASE_ES
    assert spanish.outdated == ()
    assert not [item.id for item in spanish.quiz.items if item.untranslated]


def test_every_lesson_has_its_spanish_translation():
    assert [lesson.slug for lesson in CATALOG.lessons if "es" not in lesson.translations] == []
