"""Command-line tools: create-teacher and the demo school."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from sqlalchemy import func, select

from student_portal.config import PROJECT_ROOT
from student_portal.extensions import db
from student_portal.models import Cohort, LessonProgress, Membership, QuizAttempt, User
from tests.conftest import FIXTURE_LESSONS


def test_create_teacher_first_is_admin_then_teachers(app, runner):
    result = runner.invoke(
        args=[
            "create-teacher",
            "--username",
            "Ms-Rivera",
            "--display-name",
            "Ms Rivera",
            "--password",
            "long-password-1",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created admin ms-rivera." in result.output
    result = runner.invoke(
        args=[
            "create-teacher",
            "--username",
            "mr-lee",
            "--display-name",
            "Mr Lee",
            "--password",
            "long-password-2",
        ]
    )
    assert "Created teacher mr-lee." in result.output
    with app.app_context():
        roles = dict(db.session.execute(select(User.username, User.role)).all())
        assert roles == {"ms-rivera": "admin", "mr-lee": "teacher"}
        assert db.session.scalar(select(User).where(User.username == "mr-lee")).check_password(
            "long-password-2"
        )


def test_create_teacher_refuses_short_passwords_and_taken_names(runner):
    result = runner.invoke(
        args=[
            "create-teacher",
            "--username",
            "a-teacher",
            "--display-name",
            "A",
            "--password",
            "short",
        ]
    )
    assert result.exit_code != 0 and "Use at least 8 characters." in result.output
    runner.invoke(
        args=[
            "create-teacher",
            "--username",
            "a-teacher",
            "--display-name",
            "A",
            "--password",
            "long-password-1",
        ]
    )
    result = runner.invoke(
        args=[
            "create-teacher",
            "--username",
            "a-teacher",
            "--display-name",
            "A",
            "--password",
            "long-password-1",
        ]
    )
    assert result.exit_code != 0 and "taken" in result.output


def test_demo_creates_a_school_with_varied_progress_once(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "demo-teacher" in result.output and "join code for" in result.output
    with app.app_context():
        # The class, and last term's club with its closed before-and-after check.
        assert db.session.scalar(select(func.count(Cohort.id))) == 2
        first = db.session.scalar(select(func.min(Cohort.id)))
        roles = db.session.execute(
            select(Membership.role, func.count())
            .where(Membership.cohort_id == first)
            .group_by(Membership.role)
        ).all()
        assert dict(roles) == {"leader": 1, "student": 5}
        attempts = db.session.scalars(select(QuizAttempt)).all()
        assert any(a.passed for a in attempts) and any(not a.passed for a in attempts)
        assert (
            db.session.scalar(
                select(func.count(LessonProgress.id).filter(LessonProgress.completed_at.is_(None)))
            )
            >= 1
        )
        users = db.session.scalar(select(func.count(User.id)))

    again = runner.invoke(args=["demo"])
    assert "Created the demo school." not in again.output and "demo-teacher" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == users


def test_demo_sign_ins_work(app, runner, client):
    runner.invoke(args=["demo"])
    response = client.post(
        "/sign-in", data={"username": "demo-teacher", "password": "teach-safely-2026"}
    )
    assert response.status_code == 302
    page = client.get("/teach/", follow_redirects=True).get_data(as_text=True)
    assert "Period 3 Health" in page and "<dt>Members</dt><dd>6</dd>" in page


def run_flask(tmp_path, lessons_dir, *args):
    env = {
        **os.environ,
        "PORTAL_LESSONS_DIR": str(lessons_dir),
        "PORTAL_SECRET_KEY": "test",
        "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_lessons_check_passes_on_the_real_lessons(tmp_path):
    result = run_flask(tmp_path, PROJECT_ROOT / "lessons", "lessons", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("OK:")


def test_broken_lessons_stop_the_app_and_the_check_names_file_and_problem(tmp_path):
    broken = tmp_path / "lessons"
    shutil.copytree(FIXTURE_LESSONS, broken)
    quiz = broken / "02-second-look" / "quiz.toml"
    quiz.write_text(quiz.read_text().replace('feedback = "Right: the adult is responsible."\n', ""))
    result = run_flask(tmp_path, broken, "lessons", "check")
    assert result.returncode != 0
    assert "02-second-look/quiz.toml:" in result.stderr and "feedback" in result.stderr
    assert "Traceback" not in result.stderr
