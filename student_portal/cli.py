"""Command-line tools: `flask --app app create-teacher`, `demo`, `lessons check`."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from functools import wraps

import click
from flask import Flask, g
from flask.cli import with_appcontext
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from .cohorts import UsernameTaken, create_teacher
from .content import Quiz, lessons_cli
from .extensions import db
from .i18n import DEFAULT_LANGUAGE, offered
from .models import ADMIN, LEADER, STUDENT, TEACHER, Cohort, Membership, User


def register_cli(app: Flask) -> None:
    app.cli.add_command(lessons_cli)
    app.cli.add_command(create_teacher_command)
    app.cli.add_command(demo)
    app.cli.add_command(purge)


def cli_language() -> str:
    """The language of a teacher's terminal: PORTAL_LANGUAGE, else LANG (es_US.UTF-8 is "es")."""
    setting = os.environ.get("PORTAL_LANGUAGE") or os.environ.get("LANG") or ""
    primary = setting.replace("-", "_").split(".")[0].split("_")[0].lower()
    return primary if primary in offered() else DEFAULT_LANGUAGE


@contextmanager
def _in_cli_language():
    g.cli_language = cli_language()  # gives Flask-Babel a context to hold the forced locale
    with force_locale(g.cli_language):
        yield


def in_teacher_language(command):
    """Run a command's messages in the terminal's language (there is no request to ask)."""

    @wraps(command)
    def run(*args, **kwargs):
        with _in_cli_language():
            return command(*args, **kwargs)

    return run


@click.command("purge")
@with_appcontext
@click.option(
    "--older-than",
    "days",
    type=int,
    required=True,
    help="Delete students with no activity for this many days.",
)
@click.option("--dry-run", is_flag=True, help="Print what would be deleted; delete nothing.")
@in_teacher_language
def purge(days, dry_run):
    """Delete long-inactive students and closed help requests past their retention."""
    from .club import forget_deleted_rows
    from .privacy import (
        HELP_REQUEST_RETENTION_DAYS,
        delete_help_requests,
        delete_student,
        expired_help_requests,
        inactive_students,
        stale_poll_voters,
    )

    if days < 1:
        raise click.BadParameter(_("use at least 1 day."), param_hint="--older-than")
    students = inactive_students(days)
    names = ", ".join(student.username for student in students)
    count = len(students)
    if dry_run:
        line = ngettext(
            "Would delete %(num)s student with no activity for %(days)s days",
            "Would delete %(num)s students with no activity for %(days)s days",
            count,
            days=days,
        )
    else:
        line = ngettext(
            "Deleted %(num)s student with no activity for %(days)s days",
            "Deleted %(num)s students with no activity for %(days)s days",
            count,
            days=days,
        )
    click.echo(line + (f": {names}" if names else "."))
    if not dry_run:
        for student in students:
            username = student.username
            removed = delete_student(student)
            rows = ", ".join(f"{count} {table}" for table, count in sorted(removed.items()))
            click.echo(f"  {username}: {rows}")
    requests = expired_help_requests()
    if dry_run:
        line = ngettext(
            "Would delete %(num)s closed help request closed more than %(days)s days ago.",
            "Would delete %(num)s closed help requests closed more than %(days)s days ago.",
            len(requests),
            days=HELP_REQUEST_RETENTION_DAYS,
        )
    else:
        line = ngettext(
            "Deleted %(num)s closed help request closed more than %(days)s days ago.",
            "Deleted %(num)s closed help requests closed more than %(days)s days ago.",
            len(requests),
            days=HELP_REQUEST_RETENTION_DAYS,
        )
    click.echo(line)
    voters = stale_poll_voters()
    if dry_run:
        line = ngettext(
            "Would delete %(num)s has-voted mark of polls in ended sessions.",
            "Would delete %(num)s has-voted marks of polls in ended sessions.",
            len(voters),
        )
    else:
        line = ngettext(
            "Deleted %(num)s has-voted mark of polls in ended sessions.",
            "Deleted %(num)s has-voted marks of polls in ended sessions.",
            len(voters),
        )
    click.echo(line)
    if not dry_run:
        delete_help_requests(requests)
        for voter in voters:
            db.session.delete(voter)
        db.session.commit()
        forget_deleted_rows()


@click.command("create-teacher")
@with_appcontext
@click.option("--username", prompt=True, help="Sign-in name, e.g. ms-rivera.")
@click.option("--display-name", prompt="Name shown to students", help="e.g. Ms Rivera.")
@click.option("--email", default="", help="Optional school email.")
@click.option("--admin/--no-admin", default=None, help="Make an admin (default: the first is).")
@click.password_option(help="At least 8 characters.")
@in_teacher_language
def create_teacher_command(username, display_name, email, admin, password):
    """Create a teacher account (the first one is an admin unless --no-admin)."""
    from .teach.forms import NewTeacherForm

    # The same checks as the "Add a teacher account" page.
    form = NewTeacherForm(
        formdata=MultiDict(
            {
                "username": username,
                "display_name": display_name,
                "email": email,
                "password": password,
                "confirm": password,
            }
        ),
        meta={"csrf": False},
    )
    if not form.validate():
        problems = [
            f"{form[name].label.text}: {' '.join(errors)}" for name, errors in form.errors.items()
        ]
        raise click.ClickException("\n".join(problems))
    if admin is None:
        admin = not db.session.scalar(select(func.count(User.id)).where(User.role != STUDENT))
    try:
        teacher = create_teacher(
            form.username.data,
            form.display_name.data,
            form.email.data,
            form.password.data,
            role=ADMIN if admin else TEACHER,
        )
    except UsernameTaken as error:
        raise click.ClickException(str(error)) from error
    if admin:
        click.echo(_("Created admin %(username)s.", username=teacher.username))
    else:
        click.echo(_("Created teacher %(username)s.", username=teacher.username))


DEMO_TEACHER = ("demo-teacher", "Ms Rivera", "teach-safely-2026")
DEMO_LEADER = ("river-leader", "River", "lead-safely-2026")
DEMO_STUDENTS = [  # username, display name, how far they got
    ("maple-fox", "Maple", "passed-all"),
    ("quiet-otter", None, "failed-twice"),
    ("blue-kite", "Kite", "reading"),
    ("sun-panda", None, "completed-first"),
    ("cloud-owl", "Owl", "not-started"),
]
DEMO_STUDENT_PASSWORD = "learn-safely-2026"


@click.command("demo")
@with_appcontext
def demo():
    """Create a demo school if the database has no users, then print the demo sign-ins."""
    from . import catalog
    from .cohorts import format_join_code

    if db.session.scalar(select(func.count(User.id))) == 0:
        _create_demo_school(catalog().lessons)
        click.echo("Created the demo school.")
    teacher = db.session.scalar(select(User).where(User.username == DEMO_TEACHER[0]))
    if teacher is None:
        click.echo("The database already has accounts; no demo school was added.")
        return
    cohort = db.session.scalar(
        select(Cohort).where(Cohort.owner_id == teacher.id).order_by(Cohort.id)
    )
    click.echo("")
    click.echo("Demo sign-ins (for this local demo only; as first created):")
    click.echo(f"  teacher         {DEMO_TEACHER[0]:<14} password {DEMO_TEACHER[2]}")
    click.echo(f"  student leader  {DEMO_LEADER[0]:<14} password {DEMO_LEADER[2]}")
    click.echo(f"  students        {', '.join(s[0] for s in DEMO_STUDENTS)}")
    click.echo(f"                  password {DEMO_STUDENT_PASSWORD}")
    if cohort is not None:
        click.echo(f"  join code for “{cohort.name}”: {format_join_code(cohort.join_code)}")
    click.echo("")


def _create_demo_school(lessons) -> None:
    from .cohorts import new_join_code
    from .progress import complete_lesson, start_lesson
    from .quizzes import record_attempt

    username, display_name, password = DEMO_TEACHER
    teacher = User(
        username=username, display_name=display_name, role=ADMIN, email="demo-teacher@example.org"
    )
    teacher.set_password(password)
    cohort = Cohort(
        name="Period 3 Health", grade_band="6-8", owner=teacher, join_code=new_join_code()
    )
    leader = User(username=DEMO_LEADER[0], display_name=DEMO_LEADER[1], role=STUDENT)
    leader.set_password(DEMO_LEADER[2])
    db.session.add_all(
        [teacher, cohort, leader, Membership(user=leader, cohort=cohort, role=LEADER)]
    )
    students = []
    for username, display_name, plan in DEMO_STUDENTS:
        student = User(username=username, display_name=display_name, role=STUDENT)
        student.set_password(DEMO_STUDENT_PASSWORD)
        db.session.add_all([student, Membership(user=student, cohort=cohort)])
        students.append((student, plan))
    db.session.commit()

    first = lessons[0]
    plans = {"passed-all": lessons, "failed-twice": [first], "completed-first": [first]}
    for person, plan in [(leader, "passed-all"), *students]:
        if plan == "not-started":
            continue
        if plan == "reading":
            start_lesson(person, first.slug)
            continue
        for lesson in plans[plan]:
            complete_lesson(person, lesson.slug)
            if plan == "failed-twice":
                for attempt in range(2):
                    record_attempt(
                        person,
                        lesson,
                        _demo_responses(lesson.quiz, safe=False),
                        _demo_key(person, lesson, attempt),
                    )
            elif plan == "passed-all":
                record_attempt(
                    person,
                    lesson,
                    _demo_responses(lesson.quiz, safe=False),
                    _demo_key(person, lesson, "first"),
                )
                record_attempt(
                    person,
                    lesson,
                    _demo_responses(lesson.quiz, safe=True),
                    _demo_key(person, lesson, "second"),
                )
    _demo_club_session(cohort, leader, [student for student, _ in students], first)
    _demo_evaluation(teacher, lessons)


def _demo_evaluation(teacher: User, lessons) -> None:
    """Last term's club: 18 students took the before-check, 15 of them the after-check too, and
    the window is closed, so the teacher has a report to read. Scores improve, unevenly."""
    import random
    import secrets

    from werkzeug.security import generate_password_hash

    from .cohorts import new_join_code
    from .evaluation import (
        POST,
        PRE,
        close_window,
        current_survey,
        open_post_check,
        open_window,
        submit_check,
    )

    survey = current_survey()
    if survey is None:
        return
    cohort = Cohort(
        name="Last term's club",
        grade_band="6-8",
        owner=teacher,
        join_code=new_join_code(),
        join_open=False,
    )
    db.session.add(cohort)
    members = []
    for number in range(18):
        student = User(username=f"club-member-{number + 1:02d}", role=STUDENT)
        # Nobody signs in as these: a random password, hashed cheaply.
        student.password_hash = generate_password_hash(
            secrets.token_urlsafe(24), method="pbkdf2:sha256:1000"
        )
        db.session.add_all([student, Membership(user=student, cohort=cohort)])
        members.append(student)
    db.session.commit()
    window = open_window(cohort)
    dice = random.Random(146)
    slugs = [lesson.slug for lesson in lessons]

    def answers(score: int, agree: int) -> dict[str, str]:
        right = set(dice.sample([item.id for item in survey.knowledge], score))
        given = {}
        for item in survey.knowledge:
            wrong = [choice.id for choice in item.choices if not choice.correct]
            given[item.id] = item.correct_choice.id if item.id in right else dice.choice(wrong)
        for item in survey.confidence:
            given[item.id] = str(max(1, min(5, agree + dice.choice((-1, 0, 0, 1)))))
        return given

    count = len(survey.knowledge)
    before = [min(count, max(0, round(dice.gauss(0.5 * count, 1.6)))) for _ in members]
    for student, score in zip(members, before, strict=True):
        submit_check(student, window, PRE, answers(score, 3), survey, slugs)
    open_post_check(window)
    for student, score in zip(members[:15], before, strict=False):
        after = min(count, max(0, score + round(dice.gauss(2.0, 1.3))))
        submit_check(student, window, POST, answers(after, 4), survey, slugs)
    close_window(window)


def _demo_club_session(cohort, leader, students, lesson) -> None:
    """A club session the leader ran two days ago, with attendance and one answered poll."""
    from datetime import timedelta

    from .models import RESPONDENTS, Attendance, ClubSession, PollTally, utcnow

    started = utcnow() - timedelta(days=2)
    session = ClubSession(
        cohort_id=cohort.id,
        leader_id=leader.id,
        lesson_slug=lesson.slug,
        supervising_adult="Ms Rivera, school counselor",
        current_step=len(lesson.sections),
        poll_number=1,
        started_at=started,
        ended_at=started + timedelta(minutes=27),
    )
    db.session.add(session)
    db.session.flush()
    from .club import poll_questions

    question = poll_questions(lesson)[0]
    answered = students[:4]
    counts = {choice.id: 0 for choice in question.choices}
    for index, student in enumerate(answered):
        db.session.add(Attendance(session_id=session.id, user_id=student.id, joined_at=started))
        counts[question.choices[0 if index % 3 else -1].id] += 1
    counts[RESPONDENTS] = len(answered)
    db.session.add_all(
        PollTally(
            session_id=session.id,
            poll_number=1,
            item_id=question.item.id,
            step_id=question.step.id if question.step else None,
            choice_id=choice_id,
            count=count,
            shown=count,
        )
        for choice_id, count in counts.items()
    )
    db.session.commit()


def _demo_key(person: User, lesson, label) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo/{person.username}/{lesson.slug}/{label}"))


def _demo_responses(quiz: Quiz, safe: bool) -> dict[str, list[str]]:
    """Answers a student might give: all right, or a realistic mix of mistakes."""
    from .content import walk_scenario

    responses: dict[str, list[str]] = {}
    for index, item in enumerate(quiz.items):
        wrong_here = not safe and index % 2 == 0
        if item.type == "single":
            pick = [c for c in item.choices if c.correct != wrong_here]
            responses[item.id] = [pick[0].id]
        elif item.type == "multiple":
            right = [c.id for c in item.choices if c.correct]
            responses[item.id] = right[:1] if wrong_here and len(right) > 1 else right
            if wrong_here and len(right) == 1:
                responses[item.id] = [c.id for c in item.choices]
        elif item.type == "spot":  # one sign missed and one other message marked, when wrong
            signs = [c.id for c in item.choices if c.correct]
            others = [c.id for c in item.choices if not c.correct]
            responses[item.id] = signs[:-1] + others[:1] if wrong_here else signs
        else:
            path: list[str] = []
            _, step = walk_scenario(item, path)
            while step is not None:
                unsafe = [c for c in step.choices if not c.safe]
                choice = (
                    unsafe[0]
                    if wrong_here and not path and unsafe
                    else next(c for c in step.choices if c.safe)
                )
                path.append(choice.id)
                _, step = walk_scenario(item, path)
            responses[item.id] = path
    return responses
