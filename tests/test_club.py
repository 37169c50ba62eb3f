"""Club sessions: a leader runs a lesson step by step; members follow, answer polls, attend."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from student_portal import catalog
from student_portal.club import SessionError, current_poll, voter_key
from student_portal.club import vote as vote_service
from student_portal.database import data_queries, recorded_statements
from student_portal.extensions import db
from student_portal.models import (
    RESPONDENTS,
    Attendance,
    ClubSession,
    PollTally,
    PollVoter,
    QuizAttempt,
    User,
    utcnow,
)
from tests.factories import PASSWORD, make_student


@pytest.fixture
def app(shared_app):
    """This file's tests share one app, put back as new before each (conftest.shared_app)."""
    return shared_app

LESSON = "01-first-steps"
# What a leader confirms before a session starts.
ADULT_IN_THE_ROOM = {"supervising_adult": "Ms Rivera, counselor", "adult_present": "y"}


def client_for(app, username):
    client = app.test_client()
    assert (
        client.post("/sign-in", data={"username": username, "password": PASSWORD}).status_code
        == 302
    )
    return client


def start(client, school, lesson=LESSON):
    return client.post(
        f"/lead/cohorts/{school['cohort']}", data={"lesson": lesson, **ADULT_IN_THE_ROOM}
    )


def live_session_id(app, school):
    with app.app_context():
        return db.session.scalar(
            select(ClubSession.id).where(
                ClubSession.cohort_id == school["cohort"], ClubSession.ended_at.is_(None)
            )
        )


def vote(app, client, session_id, choice):
    """Answer the open poll as the follow page's form does (it names the poll it answers)."""
    with app.app_context():
        number = db.session.get(ClubSession, session_id).poll_number
    return client.post(
        f"/learn/sessions/{session_id}/poll",
        data={"choice": choice, "poll": number},
        follow_redirects=True,
    )


def state(client, session_id):
    return client.get(f"/learn/sessions/{session_id}/state.json").get_json()


@pytest.fixture
def crowd(app, school):
    """A third member, so three students can answer a poll."""
    with app.app_context():
        from student_portal.models import Cohort

        make_student(db.session.get(Cohort, school["cohort"]), "student-three")
    return school


def test_a_whole_session(app, crowd):
    school = crowd
    leader = client_for(app, "leader-one")
    response = start(leader, school)
    assert response.status_code == 302 and "/lead/sessions/" in response.headers["Location"]
    session_id = live_session_id(app, school)
    run = leader.get(f"/lead/sessions/{session_id}").get_data(as_text=True)
    assert "Before you start: First steps" in run
    assert "Talks about pretend situations for the test suite." in run  # the content note
    assert "If someone tells you something" in run and "Get the teacher straight away" in run

    students = [client_for(app, name) for name in ("student-one", "student-two", "student-three")]
    banner = students[0].get("/learn/").get_data(as_text=True)
    assert "Club session live" in banner and f"/learn/sessions/{session_id}" in banner
    for student in students:
        student.post(f"/learn/sessions/{session_id}/join")
    page = students[0].get(f"/learn/sessions/{session_id}").get_data(as_text=True)
    assert "Getting started" in page and "Welcome: First steps" in page

    before = state(students[0], session_id)["version"]
    leader.post(f"/lead/sessions/{session_id}/step/1")
    leader.post(f"/lead/sessions/{session_id}/step/2")
    assert state(students[0], session_id)["version"] > before
    stage = students[0].get(f"/learn/sessions/{session_id}/stage").get_data(as_text=True)
    assert "Noticing signs" in stage and "Step 2 of 3" in stage
    run = leader.get(f"/lead/sessions/{session_id}").get_data(as_text=True)
    assert "Ask: what does a safe friend do?" in run  # the guide beside the step

    leader.post(f"/lead/sessions/{session_id}/poll", data={"question": "q-single"})
    follow = students[0].get(f"/learn/sessions/{session_id}").get_data(as_text=True)
    assert "Who should you tell?" in follow and "Send my answer" in follow
    assert "Yes: a trusted adult can help." not in follow  # feedback waits for the reveal

    vote(app, students[0], session_id, "a")
    vote(app, students[1], session_id, "b")
    panel = leader.get(f"/lead/sessions/{session_id}/poll-panel").get_data(as_text=True)
    assert "2 answered so far" in panel and "Counts show once 3 have answered" in panel
    assert 'class="tally-count"' not in panel
    vote(app, students[2], session_id, "a")
    panel = leader.get(f"/lead/sessions/{session_id}/poll-panel").get_data(as_text=True)
    assert "3 answered." in panel
    assert '<span class="tally-count">2</span> A trusted adult' in panel
    assert '<span class="tally-count">1</span> Nobody' in panel
    assert "student-one" not in panel and "student-two" not in panel  # never who chose what

    leader.post(f"/lead/sessions/{session_id}/poll/reveal")
    revealed = students[1].get(f"/learn/sessions/{session_id}/stage").get_data(as_text=True)
    assert "Yes: a trusted adult can help." in revealed
    assert "Keeping it secret leaves you alone with it." in revealed

    with app.app_context():
        assert db.session.scalar(select(func.count(QuizAttempt.id))) == 0  # polls aren't attempts
    with app.app_context():
        columns = {c["name"] for c in inspect(db.engine).get_columns("poll_tally")}
        assert "user_id" not in columns and "voter" not in columns

    assert leader.get(f"/lead/sessions/{session_id}/end").status_code == 200
    response = leader.post(f"/lead/sessions/{session_id}/end")
    assert response.status_code == 302
    summary = leader.get(response.headers["Location"]).get_data(as_text=True)
    assert "<dt>Attended</dt><dd>3</dd>" in summary and "Time taken" in summary
    assert "student-one" not in summary  # a leader sees a count, not names
    assert "3 answered." in summary
    assert state(students[0], session_id)["live"] is False
    assert "This session has ended" in students[0].get(f"/learn/sessions/{session_id}").get_data(
        as_text=True
    )

    teacher = client_for(app, "teacher-a")
    names = teacher.get(f"/lead/sessions/{session_id}/summary").get_data(as_text=True)
    assert "Who attended" in names and "student-one" in names and "student-three" in names
    history = teacher.get(f"/lead/cohorts/{school['cohort']}").get_data(as_text=True)
    assert "First steps" in history and "Summary" in history


def test_joining_twice_records_attendance_once(app, school):
    start(client_for(app, "leader-one"), school)
    session_id = live_session_id(app, school)
    student = client_for(app, "student-one")
    student.post(f"/learn/sessions/{session_id}/join")
    student.post(f"/learn/sessions/{session_id}/join")
    with app.app_context():
        assert db.session.scalar(select(func.count(Attendance.id))) == 1


def test_a_late_joiner_lands_on_the_current_step(app, school):
    leader = client_for(app, "leader-one")
    start(leader, school)
    session_id = live_session_id(app, school)
    leader.post(f"/lead/sessions/{session_id}/step/3")
    late = client_for(app, "student-two")
    late.post(f"/learn/sessions/{session_id}/join")
    page = late.get(f"/learn/sessions/{session_id}").get_data(as_text=True)
    assert "Step 3 of 3" in page and "Who to tell" in page


def test_one_answer_per_student_per_poll(app, school):
    leader = client_for(app, "leader-one")
    start(leader, school)
    session_id = live_session_id(app, school)
    leader.post(f"/lead/sessions/{session_id}/poll", data={"question": "q-story/start"})
    student = client_for(app, "student-one")
    student.post(f"/learn/sessions/{session_id}/join")
    vote(app, student, session_id, "tell")
    again = vote(app, student, session_id, "keep")
    assert "You already answered this poll." in again.get_data(as_text=True)
    stale = student.post(
        f"/learn/sessions/{session_id}/poll",
        data={"choice": "keep", "poll": 0},
        follow_redirects=True,
    )
    assert "That poll has moved on." in stale.get_data(as_text=True)
    bogus = student.post(
        f"/learn/sessions/{session_id}/poll", data={"choice": "<script>"}, follow_redirects=True
    )
    assert bogus.status_code == 200
    with app.app_context():
        counted = db.session.execute(
            select(PollTally.choice_id, PollTally.count).where(PollTally.count > 0)
        ).all()
        assert sorted(counted) == [(RESPONDENTS, 1), ("tell", 1)]


def test_one_live_session_per_cohort(app, school):
    start(client_for(app, "leader-one"), school)
    page = start(client_for(app, "teacher-a"), school).get_data(as_text=True)
    assert "A session is live" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(ClubSession.id))) == 1


def test_a_session_left_open_closes_itself(app, school):
    leader = client_for(app, "leader-one")
    start(leader, school)
    session_id = live_session_id(app, school)
    with app.app_context():
        session = db.session.get(ClubSession, session_id)
        session.started_at = utcnow() - timedelta(hours=4)
        db.session.commit()
    student = client_for(app, "student-one")
    assert "Club session live" not in student.get("/learn/").get_data(as_text=True)
    assert state(student, session_id)["live"] is False
    response = leader.get(f"/lead/sessions/{session_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/summary")
    assert "Time taken" in leader.get(f"/lead/sessions/{session_id}/summary").get_data(as_text=True)
    assert start(leader, school).status_code == 302  # a new one can start
    with app.app_context():
        old = db.session.get(ClubSession, session_id)
        assert old.ended_at is not None


def test_the_teacher_can_run_a_session_too(app, school):
    teacher = client_for(app, "teacher-a")
    assert start(teacher, school).status_code == 302
    assert live_session_id(app, school) is not None


@pytest.mark.parametrize(
    "who, status",
    [("student-one", 404), ("teacher-b", 404), ("student-other", 404)],
)
def test_only_leaders_and_the_teacher_run_sessions(app, school, who, status):
    client = client_for(app, who)
    assert client.get(f"/lead/cohorts/{school['cohort']}").status_code == status
    assert start(client, school).status_code == status
    assert live_session_id(app, school) is None


def test_running_pages_refuse_everyone_but_runners(app, school):
    start(client_for(app, "leader-one"), school)
    session_id = live_session_id(app, school)
    student = client_for(app, "student-one")
    for url in ("", "/summary", "/project", "/poll-panel", "/state.json", "/end"):
        assert student.get(f"/lead/sessions/{session_id}{url}").status_code == 404
    assert student.post(f"/lead/sessions/{session_id}/step/2").status_code == 404
    assert client_for(app, "teacher-b").get(f"/lead/sessions/{session_id}").status_code == 404
    assert app.test_client().get(f"/lead/sessions/{session_id}").status_code == 302
    assert client_for(app, "student-one").get("/lead/").status_code == 403


def test_only_members_follow_a_session(app, school):
    start(client_for(app, "leader-one"), school)
    session_id = live_session_id(app, school)
    outsider = client_for(app, "student-other")
    assert outsider.get(f"/learn/sessions/{session_id}").status_code == 404
    assert outsider.get(f"/learn/sessions/{session_id}/state.json").status_code == 404
    assert outsider.post(f"/learn/sessions/{session_id}/join").status_code == 404
    assert "Club session live" not in outsider.get("/learn/").get_data(as_text=True)
    assert client_for(app, "teacher-b").get(f"/learn/sessions/{session_id}").status_code == 403


def test_leader_pages_show_no_scores_or_help_requests(app, school):
    student = client_for(app, "student-one")
    student.post(
        "/help/talk",
        data={"cohort": school["cohort"], "message": "private", "contact": "in-person"},
    )
    leader = client_for(app, "leader-one")
    start(leader, school)
    session_id = live_session_id(app, school)
    run = leader.get(f"/lead/sessions/{session_id}").get_data(as_text=True)
    assert "private" not in run and "%" not in run.split("<main")[1].split("</main>")[0]


def test_the_state_endpoint_is_cheap(app, school):
    start(client_for(app, "leader-one"), school)
    session_id = live_session_id(app, school)
    student = client_for(app, "student-one")
    with app.app_context():
        engine = db.engine
    url = f"/learn/sessions/{session_id}/state.json"
    with recorded_statements(engine) as statements:
        live = student.get(url)
    assert live.status_code == 200 and live.get_json()["live"] is True
    queries = data_queries(statements)
    assert len(queries) == 1, queries  # the signed-in user, whose banner holds the version

    # The leader's own group is not in their banner: one more indexed read answers them.
    leader = client_for(app, "leader-one")
    with recorded_statements(engine) as statements:
        led = leader.get(url)
    assert led.status_code == 200 and led.get_json() == live.get_json()
    assert len(data_queries(statements)) == 2

    # Once it ends, the follower is told so (from the session's own row), with a new ETag.
    assert leader.post(f"/lead/sessions/{session_id}/end").status_code in (302, 303)
    ended = student.get(url, headers={"If-None-Match": live.headers["ETag"]})
    assert ended.status_code == 200 and ended.get_json()["live"] is False
    assert ended.headers["ETag"] != live.headers["ETag"]


def test_projector_shows_counts_only_after_reveal_and_from_three_answers(app, crowd):
    school = crowd
    leader = client_for(app, "leader-one")
    start(leader, school)
    session_id = live_session_id(app, school)
    leader.post(f"/lead/sessions/{session_id}/poll", data={"question": "q-single"})
    voters = [client_for(app, name) for name in ("student-one", "student-two", "student-three")]
    for voter in voters:
        voter.post(f"/learn/sessions/{session_id}/join")
    vote(app, voters[0], session_id, "a")
    leader.post(f"/lead/sessions/{session_id}/poll/reveal")
    projector = leader.get(f"/lead/sessions/{session_id}/project").get_data(as_text=True)
    assert "Yes: a trusted adult can help." in projector and "chosen" not in projector
    leader.post(f"/lead/sessions/{session_id}/poll", data={"question": "q-single"})  # ask again
    for voter, choice in zip(voters, "aab", strict=True):
        vote(app, voter, session_id, choice)
    stage = leader.get(f"/lead/sessions/{session_id}/project/stage").get_data(as_text=True)
    assert "chosen" not in stage  # not yet revealed
    leader.post(f"/lead/sessions/{session_id}/poll/reveal")
    stage = leader.get(f"/lead/sessions/{session_id}/project/stage").get_data(as_text=True)
    assert "chosen 2×" in stage and "chosen 1×" in stage
    assert "student-one" not in stage


def test_leaders_neither_join_nor_answer_and_late_or_stray_answers_are_refused(app, crowd):
    school = crowd
    leader = client_for(app, "leader-one")
    start(leader, school)
    session_id = live_session_id(app, school)
    assert "Club session live" not in leader.get("/learn/").get_data(as_text=True)
    leader.post(f"/learn/sessions/{session_id}/join")
    leader.post(f"/lead/sessions/{session_id}/poll", data={"question": "q-single"})
    assert "Leaders don&#39;t answer" in vote(app, leader, session_id, "a").get_data(as_text=True)
    outsider_to_session = client_for(app, "student-two")  # a member who never joined
    assert "Join the session" in vote(app, outsider_to_session, session_id, "a").get_data(
        as_text=True
    )
    leader.post(f"/lead/sessions/{session_id}/poll/reveal")
    joined = client_for(app, "student-one")
    joined.post(f"/learn/sessions/{session_id}/join")
    assert "That poll has moved on" in vote(app, joined, session_id, "a").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.sum(PollTally.count))) == 0
        assert db.session.scalar(select(func.count(PollVoter.id))) == 0
        assert db.session.scalar(select(func.count(Attendance.id))) == 1  # the leader isn't counted


def test_counts_move_in_steps_of_three_and_answers_are_unlinked_when_the_poll_closes(app, crowd):
    school = crowd
    with app.app_context():
        from student_portal.models import Cohort

        cohort = db.session.get(Cohort, school["cohort"])
        make_student(cohort, "student-four")
    leader = client_for(app, "leader-one")
    start(leader, school)
    session_id = live_session_id(app, school)
    leader.post(f"/lead/sessions/{session_id}/poll", data={"question": "q-single"})
    names = ("student-one", "student-two", "student-three", "student-four")
    students = [client_for(app, name) for name in names]
    for student, choice in zip(students, "aaab", strict=True):
        student.post(f"/learn/sessions/{session_id}/join")
        vote(app, student, session_id, choice)
    panel = leader.get(f"/lead/sessions/{session_id}/poll-panel").get_data(as_text=True)
    assert "4 answered." in panel and "The counts show the first 3" in panel
    assert '<span class="tally-count">0</span> Nobody' in panel  # the 4th answer isn't shown yet
    with app.app_context():
        assert db.session.scalar(select(func.count(PollVoter.id))) == 4
    leader.post(f"/lead/sessions/{session_id}/poll/close")
    with app.app_context():
        assert db.session.scalar(select(func.count(PollVoter.id))) == 0  # who answered: forgotten
    leader.post(f"/lead/sessions/{session_id}/end")
    summary = leader.get(f"/lead/sessions/{session_id}/summary").get_data(as_text=True)
    assert "4 answered." in summary and '<span class="tally-count">1</span> Nobody' in summary


def test_a_session_starts_only_once_the_leader_confirms_a_trained_adult_is_in_the_room(app, school):
    leader = client_for(app, "leader-one")
    refused = leader.post(f"/lead/cohorts/{school['cohort']}", data={"lesson": LESSON})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "Write the name of the trained adult who is in the room." in page
    assert "A session can start only with a trained adult in the room." in page
    assert live_session_id(app, school) is None

    named_only = leader.post(
        f"/lead/cohorts/{school['cohort']}",
        data={"lesson": LESSON, "supervising_adult": "Mr Okafor"},
    )
    assert 'value="Mr Okafor"' in named_only.get_data(as_text=True)  # nothing typed is lost
    assert live_session_id(app, school) is None

    start(leader, school)
    session_id = live_session_id(app, school)
    leader.post(f"/lead/sessions/{session_id}/end")
    teacher = client_for(app, "teacher-a")
    summary = teacher.get(f"/lead/sessions/{session_id}/summary").get_data(as_text=True)
    assert "Ms Rivera, counselor" in summary and "confirmed by leader-one" in summary
    history = teacher.get(f"/lead/cohorts/{school['cohort']}").get_data(as_text=True)
    assert "Ms Rivera, counselor" in history


def _database_bytes(app) -> bytes:
    """The SQLite database file and its write-ahead log, as they are on disk."""
    with app.app_context():
        path = Path(db.engine.url.database)
    return b"".join(
        file.read_bytes() for file in (path, path.with_name(path.name + "-wal")) if file.exists()
    )


def test_once_a_poll_closes_the_database_files_hold_no_trace_of_who_answered(app, crowd, tmp_path):
    """Even with the database, its WAL file and the secret key, nobody can link an answer."""
    school = crowd
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("reads SQLite's files; PostgreSQL is covered by the schema test")
    leader = client_for(app, "leader-one")
    start(leader, school)
    session_id = live_session_id(app, school)
    leader.post(f"/lead/sessions/{session_id}/poll", data={"question": "q-multi"})
    names = ("student-one", "student-two", "student-three")
    for name, choice in zip(names, (["a", "b"], ["a"], ["c"]), strict=True):
        student = client_for(app, name)
        student.post(f"/learn/sessions/{session_id}/join")
        vote(app, student, session_id, choice)
    with app.app_context():
        session = db.session.get(ClubSession, session_id)
        users = db.session.scalars(select(User).where(User.username.in_(names))).all()
        # Anyone with the secret key can compute these, for every student of the school.
        keys = [voter_key(session, user).encode() for user in users]
    on_disk = _database_bytes(app)
    assert all(key in on_disk for key in keys)  # while the poll is open, the scan finds them

    leader.post(f"/lead/sessions/{session_id}/poll/close")

    on_disk = _database_bytes(app)
    assert not [key for key in keys if key in on_disk]
    with app.app_context():
        assert db.session.scalar(select(func.count(PollVoter.id))) == 0
        counts = dict(db.session.execute(select(PollTally.choice_id, PollTally.count)).all())
    assert counts == {RESPONDENTS: 3, "a": 2, "b": 1, "c": 1}  # multiple choice: each option
    summary = leader.get(f"/lead/sessions/{session_id}/summary").get_data(as_text=True)
    assert "3 answered." in summary


def test_no_table_puts_a_voter_next_to_a_choice(app):
    """On either database: the counters have no column for a person, the voter set no choice."""
    with app.app_context():
        inspector = inspect(db.engine)
        tally = {column["name"] for column in inspector.get_columns("poll_tally")}
        voters = {column["name"] for column in inspector.get_columns("poll_voter")}
        tally_links = {key["referred_table"] for key in inspector.get_foreign_keys("poll_tally")}
        tables = set(inspector.get_table_names())
    assert tally == {
        "id",
        "session_id",
        "poll_number",
        "item_id",
        "step_id",
        "choice_id",
        "count",
        "shown",
    }
    assert voters == {"id", "session_id", "poll_number", "voter"}
    assert tally_links == {"club_session"}
    assert "poll_response" not in tables


def test_an_answer_that_races_the_poll_closing_is_not_counted(app, crowd):
    school = crowd
    leader = client_for(app, "leader-one")
    start(leader, school)
    session_id = live_session_id(app, school)
    leader.post(f"/lead/sessions/{session_id}/poll", data={"question": "q-single"})
    student_client = client_for(app, "student-one")
    student_client.post(f"/learn/sessions/{session_id}/join")
    with app.app_context():
        # The student's request read the session while the poll was still open...
        stale = db.session.get(ClubSession, session_id)
        stale.cohort  # noqa: B018 (loaded now, used after the close)
        student = db.session.scalar(select(User).where(User.username == "student-one"))
        lesson = catalog().lessons[0]
        question = current_poll(stale, lesson)
        db.session.expunge_all()
        db.session.commit()
        # ...and the leader closes it before the answer is written.
        leader.post(f"/lead/sessions/{session_id}/poll/close")
        with pytest.raises(SessionError, match="moved on"):
            vote_service(stale, question, student, ["a"], stale.poll_number)
        assert db.session.scalar(select(func.sum(PollTally.count))) == 0
        assert db.session.scalar(select(func.count(PollVoter.id))) == 0


def test_a_follower_whose_copy_is_current_gets_304_until_the_leader_moves(app, school):
    leader = client_for(app, "leader-one")
    start(leader, school)
    session_id = live_session_id(app, school)
    student = client_for(app, "student-one")
    url = f"/learn/sessions/{session_id}/state.json"
    first = student.get(url)
    tag = first.headers["ETag"]
    assert first.status_code == 200 and tag
    same = student.get(url, headers={"If-None-Match": tag})
    assert same.status_code == 304 and same.data == b""
    leader.post(f"/lead/sessions/{session_id}/step/1")
    moved = student.get(url, headers={"If-None-Match": tag})
    assert moved.status_code == 200 and moved.get_json()["version"] > first.get_json()["version"]
    assert moved.headers["ETag"] != tag


def test_a_small_room_is_told_why_a_poll_shows_no_counts(app, school):
    """Two followers can never reach three answers: the leader and the room are told why,
    before and after Reveal, instead of a button that just vanishes."""
    leader = client_for(app, "leader-one")
    start(leader, school)
    session_id = live_session_id(app, school)
    followers = [client_for(app, name) for name in ("student-one", "student-two")]
    for follower in followers:
        follower.post(f"/learn/sessions/{session_id}/join")
    run = leader.get(f"/lead/sessions/{session_id}").get_data(as_text=True)
    assert "2 people have joined. Poll results show when at least 3 people have answered." in run
    leader.post(f"/lead/sessions/{session_id}/poll", data={"question": "q-single"})
    vote(app, followers[0], session_id, "a")
    panel = leader.get(f"/lead/sessions/{session_id}/poll-panel").get_data(as_text=True)
    assert "The counts show when at least 3 people have answered." in panel
    room = leader.get(f"/lead/sessions/{session_id}/project").get_data(as_text=True)
    assert "Results show when at least 3 people have answered." in room

    leader.post(f"/lead/sessions/{session_id}/poll/reveal")
    panel = leader.get(f"/lead/sessions/{session_id}/poll-panel").get_data(as_text=True)
    assert "Reveal the answers" not in panel
    assert "The answers are revealed, but the counts stay hidden" in panel
    room = leader.get(f"/lead/sessions/{session_id}/project/stage").get_data(as_text=True)
    assert "Results show when at least 3 people have answered." in room and "chosen" not in room


def test_a_follower_is_pointed_to_an_open_poll_until_they_answer(app, crowd):
    leader = client_for(app, "leader-one")
    start(leader, crowd)
    session_id = live_session_id(app, crowd)
    follower = client_for(app, "student-one")
    follower.post(f"/learn/sessions/{session_id}/join")
    jump = '<a href="#poll-follow" data-poll-jump>A poll is open: go to the poll</a>'
    assert jump not in follower.get(f"/learn/sessions/{session_id}").get_data(as_text=True)
    leader.post(f"/lead/sessions/{session_id}/poll", data={"question": "q-single"})
    page = follower.get(f"/learn/sessions/{session_id}").get_data(as_text=True)
    assert jump in page
    assert page.index(jump) < page.index('id="poll-follow" tabindex="-1"')
    vote(app, follower, session_id, "a")
    assert jump not in follower.get(f"/learn/sessions/{session_id}/stage").get_data(as_text=True)
