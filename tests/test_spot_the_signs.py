"""Chat mock-ups in lessons and "spot the signs" items: loading, scoring, taking, polls, stats."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from student_portal.content import check_lessons, grade, load_catalog
from student_portal.content.grading import spot_score
from student_portal.content.render import render_document
from student_portal.extensions import db
from student_portal.models import ClubSession, Cohort, QuizAnswer, QuizAttempt, User
from student_portal.quizzes import record_attempt
from tests.factories import make_cohort, make_student, make_teacher
from tests.helpers import answer_quiz, quiz_fields
from tests.test_club import client_for, live_session_id, start

SPOT = Path(__file__).parent / "fixtures" / "lessons" / "spot"
LESSON = "01-chat-signs"
SIGNS = ["mature", "app", "secret"]


def copy_spot(tmp_path: Path) -> Path:
    target = tmp_path / "lessons"
    shutil.copytree(SPOT, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not found in {path}"
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def messages(problems) -> list[str]:
    return [str(problem) for problem in problems]


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(SPOT)


@pytest.fixture
def spot_app(make_app):
    return make_app(LESSONS_DIR=str(SPOT))


@pytest.fixture
def spot_school(spot_app, school_in):
    school = school_in(spot_app)
    with spot_app.app_context():
        make_student(db.session.get(Cohort, school["cohort"]), "student-three")
    return school


# --- the chat block ---------------------------------------------------------------------------


CHAT = """Before.

!!! chat "Sam and Jay, a new friend from a game"
    Jay: gg! you're really *good* at this
    me: thanks lol <script>alert(1)</script>

    Jay: you seem way more mature than people our age
    note: Flattery that makes you feel older than you are is a common first step.

After: tell someone you trust.
"""


def test_a_chat_renders_as_a_list_of_bubbles_with_each_speaker_announced():
    html = render_document(CHAT, {})
    assert '<figure class="chat">' in html
    assert (
        '<figcaption class="chat-title">Sam and Jay, a new friend from a game</figcaption>' in html
    )
    items = re.findall(r'<li class="chat-message ([^"]+)">', html)
    assert items == ["chat-them", "chat-me", "chat-them"]  # the blank line doesn't end the chat
    assert html.count('<span class="visually-hidden">Jay said:</span>') == 2
    assert '<span class="visually-hidden">You said:</span>' in html
    assert '<span aria-hidden="true" class="chat-speaker">You</span>' in html
    assert "<em>good</em>" in html
    assert (
        '<p class="chat-note"><strong class="chat-note-label">Warning sign:</strong> '
        '<span class="chat-text">Flattery that makes you feel older' in html
    )
    assert "<p>After: tell someone you trust.</p>" in html


def test_a_script_in_a_chat_line_stays_text():
    html = render_document(CHAT, {})
    assert "<script" not in html
    assert "thanks lol &lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_only_asterisks_format_a_chat_line():
    html = render_document('!!! chat "Two gamers"\n    Jay: gg_ez_42 **wow** *nice*\n', {})
    assert "gg_ez_42 <strong>wow</strong> <em>nice</em>" in html


def test_the_chat_labels_are_in_the_lessons_language():
    html = render_document(CHAT, {}, language="es")
    assert '<span class="visually-hidden">Jay dijo:</span>' in html
    assert '<span class="visually-hidden">Tú dijiste:</span>' in html
    assert '<strong class="chat-note-label">Señal de alerta:</strong>' in html


def test_the_fixture_lesson_and_its_guide_show_their_chats_in_both_languages(catalog):
    lesson = catalog.get(LESSON)
    assert 'class="chat-title">Sam and Jay, a new friend from a game' in lesson.sections[0].html
    assert "Secrecy is a warning sign." in lesson.guide_html
    spanish = lesson.in_language("es")
    assert "Sam y Jay, un amigo nuevo de un juego" in spanish.sections[0].html
    assert "Señal de alerta:" in spanish.guide_html


@pytest.mark.parametrize(
    ("chat", "line", "words"),
    [
        ("!!! chat\n    Jay: hi\n", 1, "a chat needs a title in quotes"),
        ('!!! chat "A chat"\n    note: first\n    Jay: hi\n', 2, "can't come first"),
        ('!!! chat "A chat"\n    Jay: hi\n    just words\n', 3, 'must be "speaker: text"'),
        ('!!! chat "A chat"\n    Jay: hi\n    Alex: yo\n    Sam: hey\n', 4, "is a third"),
        ('!!! chat "A chat"\n    Jay: see [this](https://example.org)\n', 2, "no links"),
        ('!!! chat "A chat"\n', 1, "has no messages"),
        ('Words right above.\n!!! chat "A chat"\n    Jay: hi\n', 2, "leave a blank line before"),
    ],
)
def test_a_broken_chat_is_a_problem_at_its_line(tmp_path, chat, line, words):
    lessons = copy_spot(tmp_path)
    path = lessons / LESSON / "lesson.md"
    edit(path, "## Who to tell\n", f"## Who to tell\n\n{chat}\n")
    start_line = line_of(path, "## Who to tell") + 2
    found = messages(check_lessons(lessons))
    assert any(f"lesson.md:{start_line + line - 1}: " in m and words in m for m in found), found


def test_a_broken_chat_in_the_guide_or_the_spanish_lesson_is_reported_too(tmp_path):
    lessons = copy_spot(tmp_path)
    edit(lessons / LESSON / "guide.md", "    me: why?", "    why?")
    found = messages(check_lessons(lessons))
    guide_line = line_of(lessons / LESSON / "guide.md", "    why?")
    assert any(f"guide.md:{guide_line}: each chat line must be" in m for m in found), found

    edit(lessons / LESSON / "guide.md", "    why?", "    me: why?")
    path = lessons / LESSON / "guide.es.md"
    edit(path, "    note: El secreto", "    Jay: El secreto")
    found = messages(check_lessons(lessons))
    # Well formed on its own, but a note became a message: it no longer follows the English.
    assert any(
        f"guide.es.md:{line_of(path, '!!! chat')}: " in m
        and "does not follow the English one (line 5 of guide.md)" in m
        for m in found
    ), found


def test_a_spanish_chat_with_a_different_number_of_lines_is_a_problem(tmp_path):
    lessons = copy_spot(tmp_path)
    path = lessons / LESSON / "lesson.es.md"
    edit(path, "    me: gracias jaja\n", "")
    found = messages(check_lessons(lessons))
    chat_line = line_of(path, "!!! chat")
    assert any(
        f"lesson.es.md:{chat_line}: " in m and "has 5 lines but the one at its place" in m
        for m in found
    ), found
    edit(path, "!!! chat", "!!! note")
    found = messages(check_lessons(lessons))
    assert any("lesson.es.md has 0 chat(s) but lesson.md has 1" in m for m in found), found


# --- the item in quiz.toml --------------------------------------------------------------------


def test_a_spot_item_loads_its_lines_in_order_as_fixed_choices(catalog):
    item = catalog.get(LESSON).quiz.item("spot-jay")
    assert item.type == "spot" and item.them == "Jay" and item.points == 3
    assert [line.id for line in item.choices] == ["gg", "thanks", "mature", "app", "secret"]
    assert [line.id for line in item.choices if line.correct] == SIGNS
    assert [line.speaker for line in item.choices][:2] == ["them", "me"]
    assert all(line.fixed for line in item.choices)
    spanish = catalog.get(LESSON, "es").quiz.item("spot-jay")
    assert not spanish.untranslated
    assert spanish.choices[4].text == "no le cuentes a tus papás de mí, no lo entenderían"
    assert [line.correct for line in spanish.choices] == [line.correct for line in item.choices]


def _quiz_problems(tmp_path, old, new):
    lessons = copy_spot(tmp_path)
    path = lessons / LESSON / "quiz.toml"
    edit(path, old, new)
    return path, messages(check_lessons(lessons))


def test_too_few_signs_is_a_problem_at_the_item(tmp_path):
    lessons = copy_spot(tmp_path)
    path = lessons / LESSON / "quiz.toml"
    path.write_text(path.read_text().replace("sign = true", "sign = false", 2))
    found = messages(check_lessons(lessons))
    item_line = line_of(path, "[[item]]")
    assert (
        f'{path}:{item_line}: spot item "spot-jay" has 1 warning sign(s); '
        "mark at least 2 lines with sign = true" in found
    )


def test_too_few_lines_that_are_not_signs_is_a_problem(tmp_path):
    old = 'id = "gg"\n  speaker = "them"\n  text = "gg! you\'re really good at this"\n'
    path, found = _quiz_problems(tmp_path, old, old + "  sign = true\n")
    assert any("has 1 line(s) that are not signs; it needs at least 2" in m for m in found), found


def test_a_chat_needs_four_to_eight_lines(tmp_path):
    lessons = copy_spot(tmp_path)
    path = lessons / LESSON / "quiz.toml"
    text = path.read_text()
    extra = "".join(
        f'\n  [[item.line]]\n  id = "more-{n}"\n  speaker = "me"\n  text = "ok"\n'
        '  feedback = "Fine."\n'
        for n in range(4)
    )
    path.write_text(text.replace('\n[[item]]\nid = "tell"', extra + '\n[[item]]\nid = "tell"', 1))
    found = messages(check_lessons(lessons))
    assert any('spot-jay" needs 4 to 8 [[item.line]] messages, has 9' in m for m in found), found


@pytest.mark.parametrize(
    ("old", "new", "needle", "words"),
    [
        ('id = "thanks"', 'id = "gg"', 'id = "gg"', 'duplicate line id "gg" in item "spot-jay"'),
        (
            'speaker = "me"',
            'speaker = "Sam"',
            'speaker = "Sam"',
            'must be "them" or "me", not "Sam"',
        ),
        (
            '  feedback = "This is Sam\'s own friendly reply."\n',
            "",
            "header of thanks",
            'is missing "feedback"',
        ),
        ('them = "Jay"\n', "", "[[item]]", 'is missing "them"'),
        (
            'id = "gg"\n  speaker = "them"',
            'id = "gg"\n  speaker = "them"\n  correct = true',
            "correct = true",
            'unknown key "correct"',
        ),
    ],
)
def test_each_line_rule_is_reported_with_its_line(tmp_path, old, new, needle, words):
    path, found = _quiz_problems(tmp_path, old, new)
    if needle == 'id = "gg"':  # the second line now called "gg"
        line = [n for n, text in enumerate(path.read_text().splitlines(), 1) if needle in text][-1]
    elif needle == "header of thanks":  # a missing key is reported at its table's header
        line = line_of(path, 'id = "thanks"') - 1
    else:
        line = line_of(path, needle)
    assert any(f"quiz.toml:{line}: " in m and words in m for m in found), found


def test_a_spanish_line_that_the_english_lacks_is_a_problem(tmp_path):
    lessons = copy_spot(tmp_path)
    path = lessons / LESSON / "quiz.es.toml"
    edit(path, "[item.spot-jay.line.gg]", "[item.spot-jay.line.hello]")
    found = messages(check_lessons(lessons))
    line = line_of(path, "[item.spot-jay.line.hello]")
    assert f'{path}:{line}: line "hello" is not a line of item.spot-jay in quiz.toml' in found


def test_a_spanish_item_without_its_name_is_shown_in_english(tmp_path):
    lessons = copy_spot(tmp_path)
    edit(lessons / LESSON / "quiz.es.toml", 'them = "Jay"\n', "")
    item = load_catalog(lessons).get(LESSON, "es").quiz.item("spot-jay")
    assert item.untranslated and item.choices[0].text == "gg! you're really good at this"


# --- scoring ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("marked", "score"),
    [
        (SIGNS, 3),  # every sign, nothing else: full marks
        (["mature", "app"], 2),  # one sign missed
        (["mature", "app", "secret", "gg"], 2),  # one wrong mark costs one sign's worth
        (["mature", "app", "secret", "gg", "thanks"], 1),  # marking everything
        (["gg", "thanks"], 0),  # only wrong marks: floored at 0
        ([], 0),  # nothing marked
    ],
)
def test_right_marks_minus_wrong_marks_over_the_signs_times_the_points(catalog, marked, score):
    quiz = catalog.get(LESSON).quiz
    result = grade(quiz, {"spot-jay": marked, "tell": ["adult"]})
    assert result.items[0].score == score and result.items[0].points == 3
    assert result.score == score + 1


def test_a_share_of_a_point_is_rounded_down(catalog):
    from dataclasses import replace

    item = replace(catalog.get(LESSON).quiz.item("spot-jay"), points=2)
    lines = {line.id: line for line in item.choices}
    # 2 of 3 signs on a 2-point item: 4/3 of a point, so 1; all of them: 2.
    assert spot_score(item, [lines["mature"], lines["app"]]) == 1
    assert spot_score(item, [lines[sign] for sign in SIGNS]) == 2


# --- a student takes the quiz -----------------------------------------------------------------


def _sign_in(app, username):
    return client_for(app, username)


def test_a_student_marks_messages_and_sees_why_each_is_or_isnt_a_sign(spot_app, spot_school):
    student = _sign_in(spot_app, "student-one")
    page = student.get(f"/learn/{LESSON}/quiz").get_data(as_text=True)
    assert "<legend>" in page and "Tap every message that is a warning sign." in page
    assert page.count('class="spot-input"') == 5 and 'type="checkbox"' in page
    # The chat keeps its order, and each bubble is the checkbox's label.
    assert (
        page.index("gg! you") < page.index("thanks lol") < page.index("tell your parents about me")
    )
    assert re.search(r'<label for="answer-0" class="chat-bubble spot-bubble">', page)
    assert '<span class="visually-hidden">Jay said:</span>' in page
    assert "Marked as a warning sign" in page
    assert "Feedback" not in page and "Moving to a private app" not in page  # no answers yet

    response = answer_quiz(student, LESSON, [["mature", "app", "gg"], ["adult"]])
    assert response.status_code == 302
    result = student.get(response.headers["Location"]).get_data(as_text=True)
    # 2 right - 1 wrong = 1 of 3 signs: 1 point of 3, plus 1 for the other item: 2 of 4.
    assert "You scored 2 out of 4" in result and "1 of 3 points" in result
    review = result[result.index("Your answers") :]
    assert "You marked it: right" in review and "You missed this one" in review
    assert "You marked it, but it is not a sign" in review and "You left it: right" in review
    assert "Asking you to keep a friendship secret from your parents is a warning sign." in review
    assert "A friendly message after a game is normal on its own." in review
    with spot_app.app_context():
        rows = db.session.execute(
            select(QuizAnswer.choice_id, QuizAnswer.correct).where(QuizAnswer.item_id == "spot-jay")
        ).all()
        assert sorted(rows) == [("app", True), ("gg", False), ("mature", True)]


def test_marking_nothing_asks_again_and_a_double_submit_stores_one_answer(spot_app, spot_school):
    student = _sign_in(spot_app, "student-one")
    url = f"/learn/{LESSON}/quiz"
    page = student.get(url).get_data(as_text=True)
    fields = quiz_fields(page)
    again = student.post(url, data=fields)
    assert again.status_code == 200
    assert "Mark at least one message to go on." in again.get_data(as_text=True)

    first = student.post(url, data={**fields, "answer": SIGNS})
    twice = student.post(url, data={**fields, "answer": ["gg"]})  # the same form, sent again
    assert first.status_code == twice.status_code == 302
    page = student.get(url).get_data(as_text=True)
    assert "Who could Sam tell?" in page
    final = quiz_fields(page)
    done = student.post(url, data={**final, "answer": "adult"})
    repeat = student.post(url, data={**final, "answer": "adult"})
    assert done.headers["Location"] == repeat.headers["Location"]
    with spot_app.app_context():
        assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1
        attempt = db.session.scalar(select(QuizAttempt))
        assert (attempt.score, attempt.max_score) == (4, 4)
        marked = db.session.scalars(
            select(QuizAnswer.choice_id).where(QuizAnswer.item_id == "spot-jay")
        ).all()
        assert sorted(marked) == sorted(SIGNS)


def test_a_spanish_reader_gets_the_chat_in_spanish(spot_app, spot_school):
    student = _sign_in(spot_app, "student-one")
    student.set_cookie("lang", "es")
    page = student.get(f"/learn/{LESSON}/quiz").get_data(as_text=True)
    assert "Toca cada mensaje que sea una señal de alerta." in page
    assert "Jay dijo:" in page and "Marcado como señal de alerta" in page


# --- the teacher's analysis -------------------------------------------------------------------


def test_the_analysis_shows_how_often_each_message_was_marked_and_each_sign_missed(spot_app):
    with spot_app.app_context():
        teacher = make_teacher("spot-teacher")
        cohort = make_cohort(teacher, "Spot class")
        lesson = spot_app.extensions["catalog"].get(LESSON)
        picks = [SIGNS, SIGNS, ["mature", "gg"], ["mature", "app"], ["mature", "app", "gg"]]
        for number, marked in enumerate(picks):
            student = make_student(cohort, f"spotter-{number}")
            record_attempt(student, lesson, {"spot-jay": marked, "tell": ["adult"]})
        cohort_id = cohort.id
    page = (
        _sign_in(spot_app, "spot-teacher")
        .get(f"/teach/cohorts/{cohort_id}/lessons/{LESSON}")
        .get_data(as_text=True)
    )
    table = page[page.index("How many marked each message") :]
    rows = re.findall(r"<tr><td>(.*?)</tr>", table, re.DOTALL)
    by_line = {re.sub(r"<[^>]+>", "", row).split("\n")[0]: row for row in rows}

    def figures(text):
        row = next(row for key, row in by_line.items() if text in key)
        return re.findall(r'<td class="num"[^>]*>([^<]*)</td>', row)

    assert figures("you seem way more mature") == ["5", "0"]  # marked by all, missed by none
    assert figures("talk on another app") == ["4", "1"]
    assert figures("tell your parents") == ["2", "3"]
    assert figures("gg! you") == ["2", "–"]  # not a sign: marked by 2
    assert "Many missed this sign: go over why it is one." in table
    assert "Many marked this, but it is not a sign: talk it through." in table
    assert "Everyone spotted this sign." in table


def test_with_fewer_than_five_answers_the_messages_have_no_reading(spot_app):
    with spot_app.app_context():
        teacher = make_teacher("spot-teacher")
        cohort = make_cohort(teacher, "Spot class")
        lesson = spot_app.extensions["catalog"].get(LESSON)
        student = make_student(cohort, "spotter")
        record_attempt(student, lesson, {"spot-jay": SIGNS, "tell": ["adult"]})
        cohort_id = cohort.id
    page = (
        _sign_in(spot_app, "spot-teacher")
        .get(f"/teach/cohorts/{cohort_id}/lessons/{LESSON}")
        .get_data(as_text=True)
    )
    table = page[page.index("How many marked each message") :]
    assert "Too few answers yet." in table and "Everyone spotted this sign." not in table


# --- a club session poll ----------------------------------------------------------------------


def vote(app, client, session_id, choices):
    with app.app_context():
        number = db.session.get(ClubSession, session_id).poll_number
    return client.post(
        f"/learn/sessions/{session_id}/poll",
        data={"choice": choices, "poll": number},
        follow_redirects=True,
    )


def test_the_room_marks_messages_and_sees_counts_per_message(spot_app, spot_school):
    leader = _sign_in(spot_app, "leader-one")
    start(leader, spot_school, LESSON)
    session_id = live_session_id(spot_app, spot_school)
    followers = [_sign_in(spot_app, n) for n in ("student-one", "student-two", "student-three")]
    for follower in followers:
        follower.post(f"/learn/sessions/{session_id}/join")
    leader.post(f"/lead/sessions/{session_id}/poll", data={"question": "spot-jay"})

    page = followers[0].get(f"/learn/sessions/{session_id}").get_data(as_text=True)
    assert page.count('class="spot-input" type="checkbox" name="choice"') == 5
    assert (
        page.index("gg! you") < page.index("thanks lol") < page.index("tell your parents about me")
    )
    assert "Moving to a private app is a warning sign." not in page  # not before the reveal

    vote(spot_app, followers[0], session_id, SIGNS)
    vote(spot_app, followers[1], session_id, ["mature", "gg"])
    again = vote(spot_app, followers[1], session_id, ["secret"])
    assert "You already answered this poll." in again.get_data(as_text=True)
    panel = leader.get(f"/lead/sessions/{session_id}/poll-panel").get_data(as_text=True)
    assert "2 answered so far" in panel and "marked by" not in panel  # too few to show
    vote(spot_app, followers[2], session_id, ["mature", "app"])
    panel = leader.get(f"/lead/sessions/{session_id}/poll-panel").get_data(as_text=True)
    assert "3 answered." in panel
    counts = dict(
        re.findall(
            r'chat-text">([^<]*)</span></p>\s*<p class="spot-verdict">'
            r'<span class="spot-count">marked by (\d+)',
            panel,
        )
    )
    assert counts == {
        "gg! you're really good at this": "1",
        "thanks lol": "0",
        "you seem way more mature than people our age": "3",
        "let's talk on another app, this one is so public": "2",
        "don't tell your parents about me, they wouldn't get it": "1",
    }
    assert "student-one" not in panel

    projector = leader.get(f"/lead/sessions/{session_id}/project/stage").get_data(as_text=True)
    assert "thanks lol" in projector and "marked by" not in projector  # counts after the reveal
    leader.post(f"/lead/sessions/{session_id}/poll/reveal")
    projector = leader.get(f"/lead/sessions/{session_id}/project/stage").get_data(as_text=True)
    assert "marked by 3" in projector and "Warning sign" in projector
    assert "Moving to a private app is a warning sign." in projector
    revealed = followers[0].get(f"/learn/sessions/{session_id}/stage").get_data(as_text=True)
    assert "Not a warning sign" in revealed and "A friendly message after a game" in revealed
    with spot_app.app_context():
        assert db.session.scalar(select(func.count(QuizAttempt.id))) == 0  # polls aren't attempts
        assert db.session.scalar(select(func.count(User.id))) > 0


def test_a_student_reads_the_chat_in_the_lesson(spot_app, spot_school):
    student = _sign_in(spot_app, "student-one")
    student.post(f"/learn/{LESSON}/start")
    page = student.get(f"/learn/{LESSON}").get_data(as_text=True)
    assert '<figure class="chat">' in page and "Jay said:" in page
    assert "Warning sign:</strong>" in page and "Moving to a private app" in page


def test_teachers_see_the_answer_key_and_each_students_marks(spot_app, spot_school):
    with spot_app.app_context():
        student = db.session.get(User, spot_school["student"])
        lesson = spot_app.extensions["catalog"].get(LESSON)
        record_attempt(student, lesson, {"spot-jay": ["mature", "gg"], "tell": ["adult"]})
    teacher = _sign_in(spot_app, "teacher-a")
    preview = teacher.get(f"/teach/lessons/{LESSON}").get_data(as_text=True)
    assert "Spot the signs · 3 points" in preview
    assert preview.count("Not a warning sign") == 2 and "Moving to a private app" in preview
    member = teacher.get(
        f"/teach/cohorts/{spot_school['cohort']}/students/{spot_school['student']}"
    ).get_data(as_text=True)
    assert "marked: right" in member and "marked, but not a sign" in member
    assert member.count("✘</span> missed") == 2 and "left unmarked: right" in member


def test_the_demo_school_answers_spot_items_too(spot_app):
    result = spot_app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with spot_app.app_context():
        marked = db.session.scalars(
            select(QuizAnswer.choice_id).where(QuizAnswer.item_id == "spot-jay")
        ).all()
        assert set(marked) <= {"gg", "thanks", *SIGNS} and "mature" in marked


def test_the_dashboard_benchmark_answers_spot_items(catalog):
    import random

    from benchmarks.dashboard import random_responses

    quiz = catalog.get(LESSON).quiz
    for seed in range(20):
        grade(quiz, random_responses(quiz, random.Random(seed), skill=0.7))  # never InvalidResponse
