"""A student reads a lesson part by part, comes back to the same part, and answers the
"check yourself" questions at the end of a part; a teacher sees only how many used them."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from student_portal.extensions import db
from student_portal.models import CheckUse, LessonProgress, QuizAttempt
from tests.factories import PASSWORD

PLAYER_LESSONS = Path(__file__).parent / "fixtures" / "lessons" / "player"
SLUG = "01-part-by-part"
PART = f"/learn/{SLUG}/part"


@pytest.fixture
def app(make_app):
    """The app on the player fixture lessons: one lesson of 4 parts, checks at parts 2 and 4."""
    return make_app(LESSONS_DIR=str(PLAYER_LESSONS))


def started(client, auth, username="student-one"):
    auth.login(username)
    client.post(f"/learn/{SLUG}/start")


def progress_of(app, user_id):
    with app.app_context():
        return db.session.scalar(
            select(LessonProgress).where(
                LessonProgress.user_id == user_id, LessonProgress.lesson_slug == SLUG
            )
        )


def check_uses(app, user_id=None):
    with app.app_context():
        query = select(func.count(CheckUse.id))
        if user_id is not None:
            query = query.where(CheckUse.user_id == user_id)
        return db.session.scalar(query)


# --- reading part by part -----------------------------------------------------------------------


def test_the_lesson_list_opens_the_player_and_the_content_note_comes_first(client, auth, school):
    auth.login("student-one")
    lessons = client.get("/learn/").get_data(as_text=True)
    assert f'href="/learn/{SLUG}/parts"' in lessons
    assert "Continue where you left off" not in lessons  # nothing read yet

    first = client.get(f"/learn/{SLUG}/parts")
    assert first.headers["Location"] == f"{PART}/1"
    note = client.get(f"{PART}/1").get_data(as_text=True)
    assert "Talks about pretend situations for the test suite." in note
    assert "This paragraph comes before the first section." not in note
    assert f'action="/learn/{SLUG}/start?to=parts"' in note

    continued = client.post(f"/learn/{SLUG}/start?to=parts")
    assert continued.headers["Location"] == f"{PART}/1"
    page = client.get(f"{PART}/1").get_data(as_text=True)
    assert "This paragraph comes before the first section." in page
    assert "Noticing signs" not in page  # the next part waits for Next


def test_each_part_shows_where_you_are_with_back_next_and_help(client, auth, school):
    started(client, auth)
    first = client.get(f"{PART}/1").get_data(as_text=True)
    assert "Part 1 of 4" in first
    assert '<progress max="4" value="1"' in first
    assert f'href="{PART}/2">Next' in first
    assert "Back</a>" not in first

    second = client.get(f"{PART}/2").get_data(as_text=True)
    assert "<h1" in second and second.count("<h1") == 1
    assert '<h1 id="part-heading" tabindex="-1">Noticing signs</h1>' in second
    assert "Safe friends do not ask you to keep secrets" in second
    assert "A gift out of nowhere" not in second  # only this part
    assert "Part 2 of 4" in second and '<progress max="4" value="2"' in second
    assert f'href="{PART}/1"><span aria-hidden="true">←</span> Back' in second
    assert f'href="{PART}/3">Next' in second
    assert f'href="/learn/{SLUG}">Show all on one page' in second
    assert "Quick exit" in second and "In danger now?" in second  # base.html on every part
    assert "player.js" in second and "<script>" not in second  # no inline script


def test_parts_out_of_range_or_of_no_lesson_are_not_found(client, auth, school):
    started(client, auth)
    assert client.get(f"{PART}/0").status_code == 404
    assert client.get(f"{PART}/5").status_code == 404
    assert client.get("/learn/no-such-lesson/part/1").status_code == 404
    assert client.post(f"{PART}/5/check", data={"answer": "yes"}).status_code == 404


def test_the_position_is_remembered_and_the_lesson_opens_there_again(app, client, auth, school):
    started(client, auth)
    client.get(f"{PART}/2")
    client.get(f"{PART}/3")
    assert progress_of(app, school["student"]).part == 3

    auth.logout()
    auth.login("student-one")
    lessons = client.get("/learn/").get_data(as_text=True)
    assert "Continue where you left off: part 3 of 4" in lessons
    assert f'href="{PART}/3"' in lessons
    assert client.get(f"/learn/{SLUG}/parts").headers["Location"] == f"{PART}/3"
    whole = client.get(f"/learn/{SLUG}").get_data(as_text=True)
    assert "continue where you left off (part 3 of 4)" in whole

    client.get(f"{PART}/1")  # going back moves the bookmark too
    assert progress_of(app, school["student"]).part == 1
    # Another student's position is their own.
    started(client, auth, "student-two")
    assert client.get(f"/learn/{SLUG}/parts").headers["Location"] == f"{PART}/1"


def test_reaching_the_last_part_marks_the_lesson_read_and_leads_to_the_quiz(
    app, client, auth, school
):
    started(client, auth)
    client.get(f"{PART}/3")
    assert progress_of(app, school["student"]).completed_at is None
    last = client.get(f"{PART}/4").get_data(as_text=True)
    assert progress_of(app, school["student"]).completed_at is not None
    assert f'href="/learn/{SLUG}/quiz">Take the quiz' in last
    assert "Next" not in last.split('class="part-nav"')[1].split("</nav>")[0]
    assert "Completed" in client.get("/learn/").get_data(as_text=True)


def test_the_fragment_is_the_part_alone_for_the_script(client, auth, school):
    started(client, auth)
    fragment = client.get(f"{PART}/3?fragment=1").get_data(as_text=True)
    assert fragment.lstrip().startswith("<article")
    assert "<html" not in fragment and "site-footer" not in fragment
    assert 'data-announce="Part 3 of 4"' in fragment
    assert 'data-title="Gifts and favours (part 3 of 4): Part by part"' in fragment


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 302), ("leader-one", 200), ("teacher-a", 403)],
)
def test_parts_are_for_signed_in_students_as_the_whole_lesson_is(
    client, auth, school, who, expected
):
    if who != "anonymous":
        auth.login(who)
        client.post(f"/learn/{SLUG}/start")
    part = client.get(f"{PART}/2")
    assert part.status_code == expected
    assert client.get(f"/learn/{SLUG}").status_code == expected  # the same as the whole lesson
    if who == "anonymous":
        assert "/sign-in" in part.headers["Location"]


def test_the_whole_lesson_page_stays_without_the_check_lines(client, auth, school):
    started(client, auth)
    whole = client.get(f"/learn/{SLUG}").get_data(as_text=True)
    assert "Safe friends do not ask you" in whole and "A gift out of nowhere" in whole
    assert "[[check:" not in whole
    assert f'href="/learn/{SLUG}/parts">Read it part by part' in whole


def test_a_spanish_reader_gets_the_spanish_parts(client, auth, school):
    started(client, auth)
    client.post("/language", data={"language": "es", "next": "/learn/"})
    page = client.get(f"{PART}/2").get_data(as_text=True)
    assert "Notar las señales" in page
    assert "Los amigos seguros no te piden" in page
    assert "Parte 2 de 4" in page
    assert "Comprueba lo que sabes" in page
    assert "¿Es una señal de alerta?" in page
    answered = client.post(f"{PART}/2/check", data={"answer": "yes"}).get_data(as_text=True)
    assert "Así es: pedirte que guardes el secreto es una señal de alerta." in answered


# --- check yourself -----------------------------------------------------------------------------


def test_a_check_sits_at_the_end_of_its_part_as_a_small_form(client, auth, school):
    started(client, auth)
    page = client.get(f"{PART}/2").get_data(as_text=True)
    body, check = page.split('<section class="check-yourself"')
    assert "Safe friends do not ask you" in body
    assert "Check yourself" in check and "Is that a warning sign?" in check
    assert f'action="{PART}/2/check#check-secret-sign"' in check
    assert 'type="radio"' in check and 'value="yes"' in check
    assert "Right: asking for secrecy" not in check  # feedback only after answering
    assert "check-yourself" not in client.get(f"{PART}/3").get_data(as_text=True)


def test_answering_a_check_shows_its_feedback_and_stores_only_that_it_was_used(
    app, client, auth, school
):
    started(client, auth)
    answered = client.post(f"{PART}/2/check", data={"answer": "no"})
    assert answered.status_code == 200
    page = answered.get_data(as_text=True)
    assert "Not quite." in page
    assert "being asked to hide a friendship is not" in page  # feedback for what they picked
    assert "The right answer:</strong> <span>Yes, it is a warning sign" in page
    assert re.search(r'<input checked[^>]*value="no"', page)  # what they picked stays picked
    assert "Part 2 of 4" in page  # still the same part
    assert check_uses(app, school["student"]) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(QuizAttempt.id))) == 0  # not an attempt
        use = db.session.scalars(select(CheckUse)).one()
        assert (use.lesson_slug, use.check_id) == (SLUG, "secret-sign")

    again = client.post(f"{PART}/2/check", data={"answer": "yes"}).get_data(as_text=True)
    assert "That's right." in again and "Right: asking for secrecy is a warning sign." in again
    client.post(f"{PART}/2/check", data={"answer": "yes"})  # a double click
    assert check_uses(app, school["student"]) == 1


def test_a_multiple_choice_check_says_what_was_also_right(app, client, auth, school):
    started(client, auth)
    page = client.post(f"{PART}/4/check", data={"answer": ["parent"]}).get_data(as_text=True)
    assert "Partly right." in page
    assert "Yes: a parent or carer can help you." in page
    assert "Also right:</strong> <span>The school counselor" in page
    both = client.post(f"{PART}/4/check", data={"answer": ["parent", "counselor"]})
    assert "That's right." in both.get_data(as_text=True)
    assert check_uses(app, school["student"]) == 1  # one row per check, not per answer


def test_a_check_without_an_answer_asks_for_one_and_stores_nothing(app, client, auth, school):
    started(client, auth)
    page = client.post(f"{PART}/2/check", data={}).get_data(as_text=True)
    assert "Choose an answer." in page
    assert 'aria-describedby="answer-error"' in page
    assert "Not quite." not in page and "That's right." not in page
    nonsense = client.post(f"{PART}/2/check", data={"answer": "maybe"})
    assert nonsense.status_code == 200 and "Not a valid choice" in nonsense.get_data(as_text=True)
    assert check_uses(app) == 0


def test_the_check_fragment_is_the_check_alone_for_the_script(client, auth, school):
    started(client, auth)
    fragment = client.post(f"{PART}/2/check?fragment=1", data={"answer": "yes"})
    text = fragment.get_data(as_text=True)
    assert text.lstrip().startswith('<section class="check-yourself"')
    assert "That's right." in text and "<html" not in text


def test_a_check_needs_the_form_s_csrf_token(make_app, school_in):
    app = make_app(LESSONS_DIR=str(PLAYER_LESSONS), WTF_CSRF_ENABLED=True)
    school_in(app)
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/sign-in", data={"username": "student-one", "password": PASSWORD, "csrf_token": token}
    )
    forged = client.post(f"{PART}/2/check", data={"answer": "yes"})
    assert forged.status_code in (200, 400)
    assert "That's right." not in forged.get_data(as_text=True)
    assert check_uses(app) == 0


def test_the_teacher_sees_how_many_used_the_checks_never_who_or_what(app, client, auth, school):
    for name in ("student-one", "student-two"):
        started(client, auth, name)
        client.post(f"{PART}/2/check", data={"answer": "no"})
        auth.logout()
    auth.login("teacher-a")
    page = client.get(f"/teach/cohorts/{school['cohort']}/lessons/{SLUG}").get_data(as_text=True)
    assert "2 of 3 students used the check-yourself questions in this lesson." in page
    assert "student-one" not in page and "friends keep secrets" not in page
    auth.logout()
    auth.login("teacher-b")
    assert client.get(f"/teach/cohorts/{school['cohort']}/lessons/{SLUG}").status_code == 404
    own = client.get(f"/teach/cohorts/{school['other_cohort']}/lessons/{SLUG}")
    assert "0 of 1 students used the check-yourself questions" in own.get_data(as_text=True)


def test_a_lesson_without_checks_shows_no_count(make_app, school_in):
    app = make_app()  # the basic fixture lessons have no checks
    school = school_in(app)
    client = app.test_client()
    client.post("/sign-in", data={"username": "teacher-a", "password": PASSWORD})
    page = client.get(f"/teach/cohorts/{school['cohort']}/lessons/01-first-steps")
    assert page.status_code == 200
    assert "check-yourself" not in page.get_data(as_text=True)


# --- authoring: the loader's checks of [[check]] tables and [[check:ID]] lines ------------------

LESSON_MD = PLAYER_LESSONS / SLUG / "lesson.md"


def problems_with(tmp_path, lesson=None, quiz_extra="", spanish=None):
    """The problems of the player fixture after changing its lesson body or quiz."""
    from student_portal.content import check_lessons

    folder = tmp_path / "lessons"
    shutil.copytree(PLAYER_LESSONS, folder)
    target = folder / SLUG
    if lesson is not None:
        text = LESSON_MD.read_text()
        front = text[: text.index("+++", 3) + 4]
        (target / "lesson.md").write_text(front + lesson)
        for name in ("lesson.es.md", "guide.es.md", "quiz.es.toml"):
            (target / name).unlink()
    if quiz_extra:
        with (target / "quiz.toml").open("a") as quiz:
            quiz.write(quiz_extra)
    if spanish is not None:
        (target / "lesson.es.md").write_text(spanish(target / "lesson.es.md"))
    return [str(problem).replace(str(folder) + "/", "") for problem in check_lessons(folder)]


def body(*sections: str) -> str:
    """A lesson body of ## sections (front matter ends on line 10, so the body starts on 11)."""
    return "\n".join(sections)


LESSON = "01-part-by-part/lesson.md"


def test_the_fixture_with_its_checks_loads_cleanly(tmp_path):
    assert problems_with(tmp_path) == []


def test_a_check_line_naming_no_check_is_reported_with_its_line(tmp_path):
    found = problems_with(
        tmp_path,
        body(
            "## One",
            "",
            "Text.",
            "",
            "[[check:secret-sign]]",
            "",
            "## Two",
            "",
            "Text.",
            "",
            "[[check:no-such-check]]",
            "",
            "## Three",
            "",
            "[[check:who-helps]]",
        ),
    )
    assert found == [
        f'{LESSON}:21: unknown check "no-such-check" in [[check:no-such-check]]: quiz.toml has '
        "no [[check]] with that id"
    ]


def test_a_check_used_twice_or_not_at_all_is_reported(tmp_path):
    found = problems_with(
        tmp_path,
        body(
            "## One",
            "",
            "Text.",
            "",
            "[[check:secret-sign]]",
            "",
            "## Two",
            "",
            "Text.",
            "",
            "[[check:secret-sign]]",
        ),
    )
    assert (
        f'{LESSON}:21: check "secret-sign" is already placed on line 15; each check is used '
        "once" in found
    )
    assert any(
        p.startswith("01-part-by-part/quiz.toml:") and 'check "who-helps" is not placed' in p
        for p in found
    )
    assert len(found) == 2


def test_a_check_that_is_not_last_in_its_section_is_reported(tmp_path):
    found = problems_with(
        tmp_path,
        body(
            "## One",
            "",
            "[[check:secret-sign]]",
            "",
            "More text after it.",
            "",
            "## Two",
            "",
            "[[check:who-helps]]",
        ),
    )
    assert found == [
        f'{LESSON}:13: [[check:secret-sign]] must be the last thing in section "One": move it '
        "to the end of the section, after a blank line"
    ]


def test_two_checks_in_one_section_are_reported(tmp_path):
    found = problems_with(
        tmp_path,
        body("## One", "", "Text.", "", "[[check:secret-sign]]", "", "[[check:who-helps]]"),
    )
    assert (
        f'{LESSON}:17: section "One" already has [[check:secret-sign]] (line 15); a section '
        "can end with one check at most" in found
    )


def test_a_check_before_the_first_heading_or_not_alone_is_reported(tmp_path):
    found = problems_with(
        tmp_path,
        body(
            "Intro.", "", "[[check:secret-sign]]", "", "## One", "", "See [[check:who-helps]] here."
        ),
    )
    assert (
        f"{LESSON}:13: [[check:secret-sign]] comes before the first ## heading; a check goes "
        "at the end of a ## section" in found
    )
    assert (
        f"{LESSON}:17: [[check:who-helps]] must be alone on its own line, not indented and "
        "not inside a list, callout or code block" in found
    )


def test_check_tables_are_validated_like_items(tmp_path):
    found = problems_with(
        tmp_path,
        quiz_extra="""
[[check]]
id = "q-single"
type = "single"
prompt = "Clashes with an item."

[[check]]
id = "story"
type = "scenario"
prompt = "Not allowed."

[[check]]
id = "no-right"
type = "single"
prompt = "Nothing is right."

  [[check.choice]]
  id = "a"
  text = "A"
  feedback = "No."

  [[check.choice]]
  id = "b"
  text = "B"
""",
    )
    joined = "\n".join(found)
    assert 'check id "q-single" is already the id of an item (line 2)' in joined
    assert 'type of check "story" must be "single" or "multiple", not \'scenario\'' in joined
    assert 'choice "b" of check "no-right" is missing "feedback"' in joined
    assert 'single check "no-right" must have exactly one correct choice, has 0' in joined


def test_the_spanish_lesson_must_place_the_same_checks(tmp_path):
    found = problems_with(
        tmp_path,
        spanish=lambda path: path.read_text().replace("\n[[check:who-helps]]\n", "\n"),
    )
    assert found == [
        '01-part-by-part/lesson.es.md: section 4 ("A quién contarle") of lesson.es.md must end '
        "with [[check:who-helps]], as in the English: use the same [[check:ID]] lines in the "
        "same sections"
    ]


def test_checks_are_left_out_of_the_quiz_version(tmp_path):
    """Adding or editing a check never restarts a quiz in progress or hides a past attempt."""
    from student_portal.content import load_catalog
    from student_portal.content.loader import quiz_version

    quiz = (PLAYER_LESSONS / SLUG / "quiz.toml").read_text()
    items_only = quiz[: quiz.index("[[check]]")].rstrip("\n") + "\n"
    loaded = load_catalog(PLAYER_LESSONS).get(SLUG)
    assert loaded.quiz.version == quiz_version(items_only.encode())

    folder = tmp_path / "lessons"
    shutil.copytree(PLAYER_LESSONS, folder)
    quiz_path = folder / SLUG / "quiz.toml"
    quiz_path.write_text(quiz.replace("They are the problem, not the help.", "Not them."))
    assert load_catalog(folder).get(SLUG).quiz.version == loaded.quiz.version
    quiz_path.write_text(quiz.replace("Yes: a trusted adult can help.", "Yes."))
    assert load_catalog(folder).get(SLUG).quiz.version != loaded.quiz.version


def test_the_teacher_s_lesson_preview_lists_the_checks_with_their_answers(client, auth, school):
    auth.login("teacher-a")
    page = client.get(f"/teach/lessons/{SLUG}").get_data(as_text=True)
    checks = page.split('<section id="checks">')[1]
    assert "Check-yourself questions" in checks
    assert "At the end of part 2: Noticing signs" in checks
    assert "At the end of part 4: Who to tell" in checks
    assert "Right: asking for secrecy is a warning sign." in checks
    assert "[[check:" not in page


def test_moving_to_a_part_writes_one_row_and_reloading_it_writes_nothing(app, client, auth, school):
    from student_portal.database import data_queries, recorded_statements

    started(client, auth)

    def writes(url):
        with app.app_context(), recorded_statements(db.engine) as statements:
            assert client.get(url).status_code == 200
        return [s.split()[0] for s in data_queries(statements) if not s.startswith("SELECT")]

    assert writes(f"{PART}/2") == ["UPDATE"]
    assert writes(f"{PART}/2") == []  # a reload, or the script's fragment of the same part
    assert writes(f"{PART}/4") == ["UPDATE"]  # the last part: position and "read" at once
    assert progress_of(app, school["student"]).completed_at is not None
    assert writes(f"{PART}/4") == []


def test_a_check_that_gives_a_quiz_answer_away_is_a_warning(tmp_path):
    from student_portal.content import load_catalog
    from student_portal.content.lint import check_warnings

    folder = tmp_path / "lessons"
    shutil.copytree(PLAYER_LESSONS, folder)
    assert check_warnings(load_catalog(folder).get(SLUG), folder / SLUG) == []
    quiz_path = folder / SLUG / "quiz.toml"
    quiz_path.write_text(
        quiz_path.read_text()
        .replace("Who could you talk to? Choose all that apply.", "Who should you tell?")
        .replace('text = "A parent or carer"', 'text = "A trusted adult"')
    )
    warnings = [
        str(w).split("quiz.toml:")[1]
        for w in check_warnings(load_catalog(folder).get(SLUG), folder / SLUG)
    ]
    assert warnings == [
        '33: check "who-helps" asks the same question as quiz item "q-single"; ask about the idea '
        "in other words, so the check doesn't give the answer away",
        '33: right choice "parent" of check "who-helps" is word for word a right answer of quiz '
        'item "q-single"; word it differently',
    ]
