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
    assert result.output == "OK: 2 lessons, 4 quiz items, 11 resources\n"


def test_check_ok_on_a_folder_argument(tmp_path):
    result = make_app(tmp_path).test_cli_runner().invoke(args=["lessons", "check", str(BASIC)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: 2 lessons")


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
