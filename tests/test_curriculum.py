"""The real lessons in lessons/ meet the curriculum's bar: readable, complete, with scenarios."""

from __future__ import annotations

import pytest

from student_portal.config import PROJECT_ROOT
from student_portal.content import load_catalog
from tests.readability import MAX_GRADE, grade_level

CATALOG = load_catalog(PROJECT_ROOT / "lessons")
LESSONS = [pytest.param(lesson, id=lesson.slug) for lesson in CATALOG.lessons]


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_text_reads_at_grade_8_5_or_below(lesson):
    assert grade_level(lesson.html) <= MAX_GRADE


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
