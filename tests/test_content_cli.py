"""`flask lessons check` (student_portal.content.cli)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask

from student_portal.content import lessons_cli

BASIC = Path(__file__).parent / "fixtures" / "lessons" / "basic"


def make_app(lessons_dir: Path | None) -> Flask:
    app = Flask(__name__)
    app.config["TESTING"] = True
    if lessons_dir is not None:
        app.config["LESSONS_DIR"] = str(lessons_dir)
    app.cli.add_command(lessons_cli)
    return app


@pytest.fixture
def broken(tmp_path) -> Path:
    """A copy of the basic set with two problems in one quiz and one in a lesson."""
    lessons = tmp_path / "lessons"
    shutil.copytree(BASIC, lessons)
    quiz = lessons / "01-first-steps" / "quiz.toml"
    quiz.write_text(
        quiz.read_text()
        .replace('feedback = "Saying hello is ordinary."', 'feedback = ""')
        .replace('next = "second-thought"', 'next = "nowhere"')
    )
    lesson = lessons / "02-second-look" / "lesson.md"
    lesson.write_text(lesson.read_text().replace("minutes = 5", "minutes = 90"))
    return lessons


def test_check_ok_on_the_configured_folder():
    result = make_app(BASIC).test_cli_runner().invoke(args=["lessons", "check"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "OK: 2 lessons, 4 quiz items, 11 resources"


def test_check_ok_on_a_folder_argument(tmp_path):
    result = make_app(tmp_path).test_cli_runner().invoke(args=["lessons", "check", str(BASIC)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("OK: 2 lessons")


def test_check_lists_every_problem_and_fails(broken):
    result = make_app(broken).test_cli_runner().invoke(args=["lessons", "check"])
    assert result.exit_code == 1
    quiz = broken / "01-first-steps" / "quiz.toml"
    lesson = broken / "02-second-look" / "lesson.md"
    lines = result.stdout.splitlines()
    assert f"{lesson}:4: minutes must be between 1 and 60, not 90" in lines
    assert f'{quiz}:39: "feedback" in choice "c" of item "q-multi" is empty' in lines
    assert any(line.startswith(f"{quiz}:61: ") and "names no step" in line for line in lines)
    assert any(line.startswith(f"{quiz}:63: ") and "can't be reached" in line for line in lines)
    assert len(lines) == 4
    assert "OK" not in result.stdout
    assert "4 problems found." in result.stderr


def test_check_with_a_missing_folder_fails(tmp_path):
    missing = tmp_path / "nope"
    result = make_app(missing).test_cli_runner().invoke(args=["lessons", "check"])
    assert result.exit_code == 1
    assert f"{missing}: lessons folder not found" in result.stdout


def test_check_without_a_folder_or_config_is_a_usage_error():
    result = make_app(None).test_cli_runner().invoke(args=["lessons", "check"])
    assert result.exit_code == 2
    assert "LESSONS_DIR" in result.output


# --- warnings for authors ---------------------------------------------------------------------


@pytest.fixture
def lessons_copy(tmp_path) -> Path:
    lessons = tmp_path / "lessons"
    shutil.copytree(BASIC, lessons)
    return lessons


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_warnings_name_the_file_and_line_and_fail_only_with_strict(lessons_copy):
    quiz = lessons_copy / "01-first-steps" / "quiz.toml"
    runner = make_app(lessons_copy).test_cli_runner()
    result = runner.invoke(args=["lessons", "check"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f'warning: {quiz}:19: multiple-select item "q-multi" has 1 wrong option(s); give it ' \
        "at least 2, so picking everything doesn't pass" in lines
    assert any(
        line.startswith(f"warning: {quiz}:3: ") and "only wrong options use words like" in line
        and "(b)" in line
        for line in lines
    )
    assert any("the right option is the longest in 5 of 5 questions" in line for line in lines)
    assert lines[-1].startswith("OK: 2 lessons")

    strict = runner.invoke(args=["lessons", "check", "--strict"])
    assert strict.exit_code == 1
    assert "warnings." in strict.stderr


def test_objectives_must_be_assessed_and_numbered_within_the_lesson(lessons_copy):
    quiz = lessons_copy / "01-first-steps" / "quiz.toml"
    _edit(quiz, 'type = "single"\n', 'type = "single"\nobjective = 2\n')
    result = make_app(lessons_copy).test_cli_runner().invoke(args=["lessons", "check"])
    assert 'objective 1 ("Read a fixture lesson") is assessed by no item' in result.stdout
    assert 'objective 2 ("Take a fixture quiz") is assessed by no item' not in result.stdout
    assert "2 item(s) name no objective (q-multi, q-story)" in result.stdout

    _edit(quiz, "objective = 2", "objective = 3")
    result = make_app(lessons_copy).test_cli_runner().invoke(args=["lessons", "check"])
    assert result.exit_code == 1
    assert (
        f'{quiz}:6: objective = 3 in item "q-single" names no objective: the lesson lists 2, '
        "so use 1 to 2" in result.stdout.splitlines()
    )


def test_vague_objectives_are_flagged(lessons_copy):
    lesson = lessons_copy / "02-second-look" / "lesson.md"
    _edit(lesson, '"Finish a short lesson"', '"Know about short lessons"')
    result = make_app(lessons_copy).test_cli_runner().invoke(args=["lessons", "check"])
    assert any(
        line.startswith(f"warning: {lesson}:7: objective 1") and "hard to assess" in line
        for line in result.stdout.splitlines()
    )


def test_resources_need_a_recent_verified_date(lessons_copy):
    resources = lessons_copy / "resources.toml"
    _edit(resources, 'hours = "24/7"\n', 'hours = "24/7"\nverified_on = 2020-01-15\n')
    _edit(
        resources,
        'url = "https://example.org/source"\n',
        'url = "https://example.org/source"\nverified_on = 2999-01-01\nneeds_check = true\n',
    )
    result = make_app(lessons_copy).test_cli_runner().invoke(args=["lessons", "check"])
    lines = result.stdout.splitlines()
    assert any(
        line.startswith(f'warning: {resources}:2: resource "test-hotline" was last verified on '
                        "2020-01-15, more than 12 months ago")
        for line in lines
    )
    assert not any('"test-source"' in line for line in lines if line.startswith("warning"))
    assert "source: test-source" in result.stdout  # the needs_check note
    _edit(resources, "verified_on = 2020-01-15", 'verified_on = "last week"')
    result = make_app(lessons_copy).test_cli_runner().invoke(args=["lessons", "check"])
    assert result.exit_code == 1
    assert f'{resources}:11: "verified_on" in resource "test-hotline" must be a date written ' \
        "without quotes, like 2026-11-30" in result.stdout.splitlines()
