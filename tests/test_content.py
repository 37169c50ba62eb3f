"""Loading, rendering and checking lesson content (student_portal.content)."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from student_portal.content import ContentError, check_lessons, load_catalog

BASIC = Path(__file__).parent / "fixtures" / "lessons" / "basic"
LESSON_1 = "01-first-steps"
LESSON_2 = "02-second-look"


def copy_basic(tmp_path: Path) -> Path:
    """A writable copy of the basic fixture set, to break in one test."""
    target = tmp_path / "lessons"
    shutil.copytree(BASIC, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in a file; fail loudly if the fixture no longer contains it."""
    text = path.read_text()
    assert old in text, f"{old!r} not found in {path}"
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the n-th line containing `needle`."""
    hits = [
        number for number, line in enumerate(path.read_text().splitlines(), 1) if needle in line
    ]
    assert len(hits) >= occurrence, f"{needle!r} occurs {len(hits)} times in {path}"
    return hits[occurrence - 1]


# --- the basic set --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(BASIC)


def test_basic_set_loads_in_order(catalog):
    assert [lesson.slug for lesson in catalog.lessons] == [LESSON_1, LESSON_2]
    assert [lesson.order for lesson in catalog.lessons] == [1, 2]
    first = catalog.get(LESSON_1)
    assert first.title == "First steps"
    assert first.minutes == 10
    assert first.grades == "6-12"
    assert first.content_note.startswith("Talks about pretend situations")
    assert first.objectives == ("Read a fixture lesson", "Take a fixture quiz")
    assert first.sources == ("test-hotline", "test-source")
    assert catalog.get(LESSON_2).content_note is None
    assert catalog.get("no-such-lesson") is None
    assert {"test-hotline", "test-source", "emergency-911"} <= set(catalog.resources)
    assert catalog.resources["test-hotline"].kind == "help"


def test_lessons_are_ordered_by_order_not_folder_name(tmp_path):
    lessons = copy_basic(tmp_path)
    edit(lessons / LESSON_1 / "lesson.md", "order = 1", "order = 3")
    assert [lesson.slug for lesson in load_catalog(lessons).lessons] == [LESSON_2, LESSON_1]


def test_sections_split_at_h2_with_an_introduction(catalog):
    sections = catalog.get(LESSON_1).sections
    assert [(s.id, s.title) for s in sections] == [
        ("introduction", "First steps"),
        ("noticing-signs", "Noticing signs"),
        ("who-to-tell", "Who to tell"),
    ]
    assert sections[0].html == "<p>This paragraph comes before the first section.</p>"
    assert "<table>" in sections[1].html and "Who to tell" not in sections[1].html
    assert "<h2" not in "".join(s.html for s in sections)
    assert 'class="resource-card"' in sections[2].html
    assert sections[2].html.endswith("<p>Tell a trusted adult.</p>")


def test_lesson_without_intro_has_no_introduction_section(catalog):
    assert [s.id for s in catalog.get(LESSON_2).sections] == ["only-section"]


def test_whole_body_has_headings_table_and_callout(catalog):
    html = catalog.get(LESSON_1).html
    assert '<h2 id="noticing-signs">Noticing signs</h2>' in html
    assert "<strong>bold</strong>" in html
    assert "<th>Sign</th>" in html and "<td>Secrets</td>" in html
    assert '<div class="admonition note">' in html
    assert '<p class="admonition-title">If this is happening to you</p>' in html
    assert "You are not in trouble." in html


def test_resource_card_has_call_text_and_link(catalog):
    html = catalog.get(LESSON_1).html
    card = re.search(r'<div class="resource-card">.*?</div>', html, re.DOTALL).group()
    assert "<strong>Test Hotline</strong>" in card
    assert "A pretend hotline used by the test suite." in card
    assert '<a href="tel:18883737888" rel="noopener noreferrer">1-888-373-7888</a>' in card
    assert 'href="sms:233733"' in card and "Text 233733" in card
    assert 'href="https://example.org/hotline"' in card
    assert "24/7" in card
    assert "[[resource:" not in html


def test_resource_card_uses_phone_label_and_text_keyword(tmp_path):
    lessons = copy_basic(tmp_path)
    edit(
        lessons / "resources.toml",
        'text = "233733"',
        'phone_label = "1-888-HOTLINE"\ntext = "233733"\ntext_keyword = "HELP"',
    )
    html = load_catalog(lessons).get(LESSON_1).html
    assert '<a href="tel:18883737888" rel="noopener noreferrer">1-888-HOTLINE</a>' in html
    assert "Text HELP to 233733" in html


def test_resource_card_in_guide_and_callout(tmp_path):
    lessons = copy_basic(tmp_path)
    edit(lessons / LESSON_1 / "guide.md", "Show the hotline.", "[[resource:test-source]]")
    edit(
        lessons / LESSON_1 / "lesson.md",
        "    You are not in trouble. Talk to someone you trust.",
        "    You are not in trouble.\n\n    [[resource:test-hotline]]",
    )
    lesson = load_catalog(lessons).get(LESSON_1)
    assert "<strong>Test Source</strong>" in lesson.guide_html
    callout = re.search(r'<div class="admonition note">.*?</div>\s*</div>', lesson.html, re.DOTALL)
    assert 'href="tel:18883737888"' in callout.group()


def test_resource_text_cannot_inject_html(tmp_path):
    lessons = copy_basic(tmp_path)
    edit(lessons / "resources.toml", 'name = "Test Hotline"', 'name = "<script>x()</script>Hot"')
    html = load_catalog(lessons).get(LESSON_1).html
    assert "<script>" not in html
    assert "&lt;script&gt;x()&lt;/script&gt;Hot" in html


def test_guide_is_rendered_with_headings_demoted_to_h2(catalog):
    guide = catalog.get(LESSON_1).guide_html
    assert "<h1" not in guide
    assert '<h2 id="leading-first-steps">Leading "First steps"</h2>' in guide
    assert "<p>Ask: what does a safe friend do?</p>" in guide


def test_quiz_items_are_built_and_rendered(catalog):
    quiz = catalog.get(LESSON_1).quiz
    assert [item.id for item in quiz.items] == ["q-single", "q-multi", "q-story"]
    assert [item.type for item in quiz.items] == ["single", "multiple", "scenario"]
    assert quiz.pass_mark == 0.75
    single = quiz.item("q-single")
    assert single.prompt == "<p>Who should you tell?</p>"
    assert single.choice("a").correct and not single.choice("b").correct
    assert single.choice("a").feedback == "Yes: a trusted adult can help."  # inline: no <p>
    story = quiz.item("q-story")
    assert [step.id for step in story.steps] == ["start", "second-thought", "tell-adult"]
    assert story.start.choice("tell").safe and story.start.choice("tell").next == "tell-adult"
    assert story.step("tell-adult").choice("report").next is None
    assert catalog.get(LESSON_2).quiz.pass_mark == 0.8  # the default


def test_points_and_max_score(catalog):
    quiz = catalog.get(LESSON_1).quiz
    assert quiz.item("q-story").points == 2  # start → tell-adult → report
    assert [item.points for item in quiz.items] == [1, 1, 2]
    assert quiz.max_score == 4
    assert catalog.get(LESSON_2).quiz.max_score == 1


def test_item_points_are_read(tmp_path):
    lessons = copy_basic(tmp_path)
    edit(lessons / LESSON_1 / "quiz.toml", 'type = "multiple"', 'type = "multiple"\npoints = 3')
    assert load_catalog(lessons).get(LESSON_1).quiz.max_score == 6


def test_quiz_version_is_a_hash_that_changes_with_the_file(tmp_path):
    lessons = copy_basic(tmp_path)
    before = load_catalog(lessons).get(LESSON_1).quiz.version
    assert re.fullmatch(r"[0-9a-f]{16}", before)
    assert load_catalog(lessons).get(LESSON_1).quiz.version == before
    edit(lessons / LESSON_1 / "quiz.toml", "Who should you tell?", "Who could you tell?")
    after = load_catalog(lessons).get(LESSON_1).quiz.version
    assert re.fullmatch(r"[0-9a-f]{16}", after) and after != before


def test_quiz_text_is_inline_markdown(tmp_path):
    lessons = copy_basic(tmp_path)
    quiz = lessons / LESSON_1 / "quiz.toml"
    edit(quiz, 'text = "A trusted adult"', 'text = "A *trusted* adult"')
    edit(quiz, 'feedback = "Yes: a trusted adult can help."', 'feedback = "**Yes**: they help."')
    choice = load_catalog(lessons).get(LESSON_1).quiz.item("q-single").choice("a")
    assert choice.text == "A <em>trusted</em> adult"
    assert choice.feedback == "<strong>Yes</strong>: they help."


def test_ignored_folders_and_files(tmp_path):
    lessons = copy_basic(tmp_path)
    (lessons / "_drafts").mkdir()
    (lessons / ".hidden").mkdir()
    (lessons / "README.md").write_text("# Authoring guide\n")
    assert check_lessons(lessons) == []
    assert len(load_catalog(lessons).lessons) == 2


# --- sanitizing -----------------------------------------------------------------------------------

HOSTILE = """
Ordinary words stay.

<script>alert(1)</script>

<img src=x onerror=alert(1)>

[click](javascript:alert(1))

<p style="color:red">Red words</p>

<a href="#" onclick="x()">a link</a>

<style>body { display: none }</style>

![a picture](/tracker/pixel.png)

<iframe src="/embed"></iframe>

<div class="quick-exit">Fake</div>
"""


def test_lesson_html_is_sanitized(tmp_path):
    lessons = copy_basic(tmp_path)
    edit(
        lessons / LESSON_1 / "lesson.md",
        "Tell a trusted adult.",
        "Tell a trusted adult.\n" + HOSTILE,
    )
    edit(lessons / LESSON_1 / "guide.md", "Show the hotline.", HOSTILE)
    lesson = load_catalog(lessons).get(LESSON_1)
    for html in (lesson.html, lesson.guide_html, lesson.sections[-1].html):
        lowered = html.lower()
        for forbidden in (
            "<script", "alert(1)", "onerror", "javascript:", "style=", "onclick", "<style",
            "<img", "<iframe", "pixel.png", "quick-exit",
        ):  # fmt: skip
            assert forbidden not in lowered, forbidden
        assert "Ordinary words stay." in html
        assert "click" in html and "Red words" in html and "a link" in html and "Fake" in html
        assert 'rel="noopener noreferrer"' in html


def test_quiz_text_is_sanitized(tmp_path):
    lessons = copy_basic(tmp_path)
    quiz = lessons / LESSON_1 / "quiz.toml"
    edit(quiz, 'prompt = "Who should you tell?"', "prompt = '<script>alert(1)</script>Who?'")
    edit(quiz, 'text = "Nobody"', "text = '[Nobody](javascript:alert(1))'")
    edit(
        quiz,
        'feedback = "Keeping it secret leaves you alone with it."',
        "feedback = '<img src=x onerror=alert(1)>Keeping it secret'",
    )
    item = load_catalog(lessons).get(LESSON_1).quiz.item("q-single")
    everything = item.prompt + item.choice("b").text + item.choice("b").feedback
    assert "script" not in everything and "javascript" not in everything
    assert "onerror" not in everything and "<img" not in everything
    assert "Who?" in item.prompt and "Nobody" in item.choice("b").text


def test_raw_html_cannot_fake_a_resource_card_placeholder(tmp_path):
    lessons = copy_basic(tmp_path)
    edit(lessons / LESSON_1 / "lesson.md", "Tell a trusted adult.", "rescard0000x0x")
    html = load_catalog(lessons).get(LESSON_1).html
    assert html.count('class="resource-card"') == 1
    assert "rescard0000x0x" in html


# --- problems -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """Edits to a copy of the basic set, and the problem they must cause."""

    id: str
    file: str  # relative to the lessons folder
    edits: tuple[tuple[str, str], ...]
    message: str
    line_needle: str | None  # the expected line contains this (in the edited file)
    occurrence: int = 1

    def param(self):
        return pytest.param(self, id=self.id)


Q1 = f"{LESSON_1}/quiz.toml"
Q2 = f"{LESSON_2}/quiz.toml"
L1 = f"{LESSON_1}/lesson.md"
L2 = f"{LESSON_2}/lesson.md"
RES = "resources.toml"

SEND_CHOICE = 'feedback = "Pressure like this is not your fault; an adult can still help."'
IGNORE_CHOICE = 'feedback = "Ignoring it lets it go on; reporting is the safer path."'

CASES = [
    # resources.toml
    Case(
        "resource-unknown-key",
        RES,
        (('hours = "24/7"', 'hours = "24/7"\nemail = "a@b.org"'),),
        'unknown key "email" in resource "test-hotline"',
        "email =",
    ),
    Case(
        "resource-missing-name",
        RES,
        (('name = "Test Source"\n', ""),),
        'resource "test-source" is missing "name"',
        "[[resource]]",
        2,
    ),
    Case(
        "resource-wrong-type",
        RES,
        (('hours = "24/7"', "hours = 24"),),
        '"hours" in resource "test-hotline" must be text',
        "hours =",
    ),
    Case(
        "resource-duplicate-id",
        RES,
        (('id = "test-source"', 'id = "test-hotline"'),),
        'duplicate resource id "test-hotline"',
        'id = "test-hotline"',
        2,
    ),
    Case(
        "resource-id-not-slug",
        RES,
        (('id = "test-source"', 'id = "Test Source"'),),
        'id "Test Source" must use only lowercase letters',
        'id = "Test Source"',
    ),
    Case(
        "resource-bad-url",
        RES,
        (('url = "https://example.org/source"', 'url = "example.org"'),),
        'url of resource "test-source" must start with https:// or http://',
        'url = "example.org"',
    ),
    Case(
        "resource-bad-kind",
        RES,
        (('kind = "source"', 'kind = "citation"'),),
        'kind of resource "test-source" must be "help" or "source"',
        'kind = "citation"',
    ),
    Case(
        "resource-bad-phone",
        RES,
        (('phone = "1-888-373-7888"', 'phone = "call us"'),),
        'phone of resource "test-hotline" must be digits',
        "phone =",
    ),
    Case(
        "resources-syntax-error",
        RES,
        (('name = "Test Source"', 'name = "Test Source'),),
        "TOML syntax error",
        'name = "Test Source',
    ),
    # lesson folders and lesson.md
    Case("missing-guide", f"{LESSON_2}/guide.md", (), "guide.md is missing", None),
    Case("missing-quiz", Q2, (), "quiz.toml is missing", None),
    Case(
        "front-matter-unknown-key",
        L1,
        (('title = "First steps"', 'title = "First steps"\nauthor = "Ms K"'),),
        'unknown key "author" in front matter',
        "author =",
    ),
    Case(
        "front-matter-missing-key",
        L1,
        (('summary = "A fixture lesson with every kind of quiz item."\n', ""),),
        'front matter is missing "summary"',
        "+++",
    ),
    Case(
        "front-matter-wrong-type",
        L1,
        (("minutes = 10", 'minutes = "ten"'),),
        '"minutes" in front matter must be a whole number',
        "minutes =",
    ),
    Case(
        "minutes-out-of-range",
        L1,
        (("minutes = 10", "minutes = 61"),),
        "minutes must be between 1 and 60, not 61",
        "minutes =",
    ),
    Case(
        "grades-bad-format",
        L1,
        (('grades = "6-12"', 'grades = "grade 6"'),),
        'grades must be a range of grades like "6-12"',
        "grades =",
    ),
    Case(
        "grades-reversed", L1, (('grades = "6-12"', 'grades = "12-6"'),), 'not "12-6"', "grades ="
    ),
    Case(
        "objectives-empty",
        L1,
        (('objectives = ["Read a fixture lesson", "Take a fixture quiz"]', "objectives = []"),),
        '"objectives" in front matter must not be an empty list',
        "objectives =",
    ),
    Case(
        "objectives-wrong-type",
        L1,
        (('objectives = ["Read a fixture lesson", "Take a fixture quiz"]', 'objectives = "Read"'),),
        '"objectives" in front matter must be a list of text',
        "objectives =",
    ),
    Case(
        "sources-unknown",
        L1,
        (('sources = ["test-hotline", "test-source"]', 'sources = ["test-hotline", "nope"]'),),
        'sources: unknown resource "nope"',
        "sources =",
    ),
    Case(
        "duplicate-order",
        L2,
        (("order = 2", "order = 1"),),
        'order 1 is already used by lesson "01-first-steps"',
        "order =",
    ),
    Case(
        "front-matter-syntax-error",
        L1,
        (("minutes = 10", "minutes = = 10"),),
        "TOML syntax error",
        "minutes = = 10",
    ),
    Case(
        "no-front-matter",
        L2,
        (("+++\ntitle", "title"),),
        'must start with a "+++" line',
        'title = "Second look"',
    ),
    Case(
        "front-matter-not-closed",
        L2,
        (('sources = ["test-source"]\n+++', 'sources = ["test-source"]'),),
        "never closed",
        "+++",
    ),
    Case(
        "unknown-resource-shortcut",
        L1,
        (("[[resource:test-hotline]]", "[[resource:nope]]"),),
        'unknown resource "nope"',
        "[[resource:nope]]",
    ),
    Case(
        "unknown-resource-shortcut-in-guide",
        f"{LESSON_1}/guide.md",
        (("Show the hotline.", "[[resource:nope]]"),),
        'unknown resource "nope"',
        "[[resource:nope]]",
    ),
    Case(
        "shortcut-not-alone",
        L1,
        (("Tell a trusted adult.", "Tell [[resource:test-source]] now."),),
        "must be alone on its own line",
        "Tell [[resource",
    ),
    Case(
        "url-not-in-resources",
        L1,
        (("Tell a trusted adult.", "See [this](https://unlisted.example/page)."),),
        'URL "https://unlisted.example/page" is not in resources.toml',
        "unlisted.example",
    ),
    Case(
        "phone-not-in-resources",
        f"{LESSON_1}/guide.md",
        (("Show the hotline.", "Call 1-800-555-0199."),),
        'phone number "1-800-555-0199" is not in resources.toml',
        "1-800-555-0199",
    ),
    # quiz.toml
    Case(
        "quiz-syntax-error",
        Q1,
        (('prompt = "Who should you tell?"', 'prompt = "Who should you tell?'),),
        "TOML syntax error",
        'prompt = "Who should you tell?',
    ),
    Case(
        "quiz-unterminated-string",
        Q2,
        (('prompt = "Is it', 'prompt = """Is it'),),
        "TOML syntax error: Unterminated string",
        'feedback = "It is never your fault',  # the last line: the error is at the end
    ),
    Case(
        "quiz-unknown-top-level-key",
        Q1,
        (("pass_mark = 0.75", "passmark = 0.75"),),
        'unknown key "passmark" in quiz.toml',
        "passmark",
    ),
    Case(
        "pass-mark-out-of-range",
        Q1,
        (("pass_mark = 0.75", "pass_mark = 80"),),
        "pass_mark must be more than 0 and at most 1",
        "pass_mark",
    ),
    Case(
        "item-unknown-key",
        Q1,
        (('prompt = "Who should you tell?"', 'prompt = "Who should you tell?"\nhint = "x"'),),
        'unknown key "hint" in item "q-single"',
        "hint =",
    ),
    Case(
        "choice-unknown-key",
        Q1,
        (('text = "Nobody"', 'text = "Nobody"\n  colour = "red"'),),
        'unknown key "colour" in choice "b" of item "q-single"',
        "colour =",
    ),
    Case(
        "step-unknown-key",
        Q1,
        (('id = "start"', 'id = "start"\n  title = "Start"'),),
        'unknown key "title" in step "start" of item "q-story"',
        "title =",
    ),
    Case(
        "step-choice-unknown-key",
        Q1,
        (('text = "Keep the secret"', 'text = "Keep the secret"\n    correct = false'),),
        'unknown key "correct" in choice "keep" of step "start" of item "q-story"',
        "correct = false",
    ),
    Case(
        "item-missing-prompt",
        Q1,
        (('prompt = "Who should you tell?"\n', ""),),
        'item "q-single" is missing "prompt"',
        "[[item]]",
    ),
    Case(
        "item-missing-id", Q1, (('id = "q-multi"\n', ""),), 'item 2 is missing "id"', "[[item]]", 2
    ),
    Case(
        "choice-missing-feedback",
        Q1,
        (('  feedback = "Keeping it secret leaves you alone with it."\n', ""),),
        'choice "b" of item "q-single" is missing "feedback"',
        "[[item.choice]]",
        2,
    ),
    Case(
        "choice-empty-feedback",
        Q1,
        (('feedback = "Saying hello is ordinary."', 'feedback = "  "'),),
        '"feedback" in choice "c" of item "q-multi" is empty',
        'feedback = "  "',
    ),
    Case(
        "step-choice-missing-feedback",
        Q1,
        ((IGNORE_CHOICE + "\n", ""),),
        'choice "ignore" of step "tell-adult" of item "q-story" is missing "feedback"',
        "[[item.step.choice]]",
        6,
    ),
    Case(
        "correct-wrong-type",
        Q1,
        (("correct = true", 'correct = "yes"'),),
        '"correct" in choice "a" of item "q-single" must be true or false',
        'correct = "yes"',
    ),
    Case(
        "points-wrong-type",
        Q1,
        (('type = "single"', 'type = "single"\npoints = "two"'),),
        '"points" in item "q-single" must be a whole number',
        "points =",
    ),
    Case(
        "points-below-one",
        Q1,
        (('type = "single"', 'type = "single"\npoints = 0'),),
        'points of item "q-single" must be 1 or more',
        "points =",
    ),
    Case(
        "points-on-scenario",
        Q1,
        (('type = "scenario"', 'type = "scenario"\npoints = 3'),),
        'item "q-story": points are not allowed on a scenario',
        "points =",
    ),
    Case(
        "unknown-item-type",
        Q1,
        (('type = "multiple"', 'type = "checkbox"'),),
        'type of item "q-multi" must be "single", "multiple", "scenario" or "spot"',
        'type = "checkbox"',
    ),
    Case(
        "duplicate-item-id",
        Q1,
        (('id = "q-multi"', 'id = "q-single"'),),
        'duplicate item id "q-single"',
        'id = "q-single"',
        2,
    ),
    Case(
        "duplicate-step-id",
        Q1,
        (('id = "second-thought"', 'id = "start"'),),
        'duplicate step id "start" in item "q-story"',
        'id = "start"',
        2,
    ),
    Case(
        "duplicate-choice-id",
        Q1,
        (('id = "c"', 'id = "a"'),),
        'duplicate choice id "a" in item "q-multi"',
        'id = "a"',
        3,
    ),
    Case(
        "duplicate-choice-id-in-step",
        Q1,
        (('id = "ignore"', 'id = "report"'),),
        'duplicate choice id "report" in step "tell-adult" of item "q-story"',
        'id = "report"',
        2,
    ),
    Case(
        "item-id-not-slug",
        Q1,
        (('id = "q-single"', 'id = "Q_Single"'),),
        'id "Q_Single" must use only lowercase letters',
        'id = "Q_Single"',
    ),
    Case(
        "choice-id-not-slug",
        Q1,
        (('id = "keep"', 'id = "keep it"'),),
        'id "keep it" must use only lowercase letters',
        'id = "keep it"',
    ),
    Case(
        "single-without-correct",
        Q1,
        (("  correct = true\n", ""),),
        'single item "q-single" must have exactly one correct choice, has 0',
        "[[item]]",
    ),
    Case(
        "single-with-two-correct",
        Q2,
        (('text = "Yes"', 'text = "Yes"\n  correct = true'),),
        'single item "q1" must have exactly one correct choice, has 2',
        "[[item]]",
    ),
    Case(
        "multiple-without-correct",
        Q1,
        (
            (
                'text = "Asking you to keep secrets"\n  correct = true',
                'text = "Asking you to keep secrets"',
            ),
            (
                'text = "Sending gifts out of nowhere"\n  correct = true',
                'text = "Sending gifts out of nowhere"',
            ),
        ),
        'multiple item "q-multi" has no correct choice',
        "[[item]]",
        2,
    ),
    Case(
        "fewer-than-two-choices",
        Q2,
        (
            (
                '\n  [[item.choice]]\n  id = "yes"\n  text = "Yes"\n'
                '  feedback = "It is never your fault; the adult is responsible."\n',
                "",
            ),
        ),
        'item "q1" needs at least 2 choices, has 1',
        "[[item]]",
    ),
    Case(
        "step-without-safe-choice",
        Q1,
        (
            (
                'text = "Report it to the CyberTipline together"\n    safe = true',
                'text = "Report it to the CyberTipline together"',
            ),
        ),
        'step "tell-adult" of item "q-story" has no safe choice',
        "[[item.step]]",
        3,
    ),
    Case(
        "choice-with-next-and-end",
        Q1,
        ((SEND_CHOICE, SEND_CHOICE + "\n    end = true"),),
        'choice "send" of step "second-thought" of item "q-story" has both next and end',
        "[[item.step.choice]]",
        4,
    ),
    Case(
        "choice-with-neither-next-nor-end",
        Q1,
        ((IGNORE_CHOICE + "\n    end = true", IGNORE_CHOICE),),
        'choice "ignore" of step "tell-adult" of item "q-story" has neither next',
        "[[item.step.choice]]",
        6,
    ),
    Case(
        "next-names-no-step",
        Q1,
        (('next = "second-thought"', 'next = "second-thougt"'),),
        'next = "second-thougt" names no step in item "q-story"',
        'next = "second-thougt"',
    ),
    Case(
        "unreachable-step",
        Q1,
        (('next = "second-thought"', 'next = "tell-adult"'),),
        'step "second-thought" of item "q-story" can\'t be reached',
        "[[item.step]]",
        2,
    ),
    Case(
        "loop",
        Q1,
        ((SEND_CHOICE + '\n    next = "tell-adult"', SEND_CHOICE + '\n    next = "start"'),),
        'item "q-story" has a path that never ends: "start" → "second-thought" → "start"',
        'next = "start"',
    ),
    Case(
        "no-ending-reachable",
        Q1,
        (
            (
                'feedback = "Good: secrets like this are a warning sign."\n    next = "tell-adult"',
                'feedback = "Good: secrets like this are a warning sign."\n'
                '    next = "second-thought"',
            ),
            (
                'feedback = "It is never too late to tell someone."\n    next = "tell-adult"',
                'feedback = "It is never too late to tell someone."\n    next = "start"',
            ),
            (SEND_CHOICE + '\n    next = "tell-adult"', SEND_CHOICE + '\n    next = "start"'),
        ),
        'no ending can be reached from step "start" of item "q-story"',
        "[[item.step]]",
        1,
    ),
    Case(
        "no-safe-route",
        Q1,
        (
            (
                'text = "Report it to the CyberTipline together"\n    safe = true',
                'text = "Report it to the CyberTipline together"',
            ),
        ),
        'scenario item "q-story" has no route of safe choices',
        "[[item]]",
        3,
    ),
]


@pytest.mark.parametrize("case", [case.param() for case in CASES])
def test_each_problem_is_reported_with_file_and_line(tmp_path, case):
    lessons = copy_basic(tmp_path)
    target = lessons / case.file
    if not case.edits and target.exists():
        target.unlink()  # an edit-less case removes the file
    for old, new in case.edits:
        edit(target, old, new)
    expected_line = line_of(target, case.line_needle, case.occurrence) if case.line_needle else None

    problems = check_lessons(lessons)

    matching = [p for p in problems if case.message in p.message]
    assert matching, "\n".join(str(p) for p in problems)
    assert any(p.path == target and p.line == expected_line for p in matching), [
        str(p) for p in matching
    ]
    with pytest.raises(ContentError) as raised:
        load_catalog(lessons)
    assert case.message in str(raised.value)
    assert raised.value.problems == problems


def test_steps_need_at_least_two_choices(tmp_path):
    lessons = copy_basic(tmp_path)
    quiz = lessons / Q1
    # Drop "ignore", the last choice in the file, so the last step keeps one choice.
    text = quiz.read_text()
    start = text.index('    [[item.step.choice]]\n    id = "ignore"')
    quiz.write_text(text[:start].rstrip() + "\n")
    problems = check_lessons(lessons)
    assert [str(p) for p in problems] == [
        f'{quiz}:{line_of(quiz, "[[item.step]]", 3)}: step "tell-adult" of item "q-story" '
        "needs at least 2 choices, has 1"
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("pass_mark = 0.8\n", 'quiz.toml is missing "item"'),
        ("item = []\n", "quiz.toml needs at least one [[item]]"),
    ],
)
def test_quiz_needs_items(tmp_path, content, message):
    lessons = copy_basic(tmp_path)
    (lessons / Q2).write_text(content)
    problems = check_lessons(lessons)
    assert [(p.path, p.line, p.message) for p in problems] == [(lessons / Q2, None, message)]


def test_unknown_table_is_reported_at_its_header(tmp_path):
    lessons = copy_basic(tmp_path)
    edit(lessons / Q2, "[[item]]", "[[question]]\nid = 'x'\n\n[[item]]")
    problems = check_lessons(lessons)
    assert [(p.path, p.line) for p in problems] == [(lessons / Q2, 1)]
    assert problems[0].message.startswith('unknown key "question" in quiz.toml')


def test_missing_lesson_md(tmp_path):
    lessons = copy_basic(tmp_path)
    (lessons / L2).unlink()
    problems = check_lessons(lessons)
    assert [(p.path, p.line, p.message) for p in problems] == [
        (lessons / L2, None, "lesson.md is missing")
    ]


def test_folder_name_must_be_a_slug(tmp_path):
    lessons = copy_basic(tmp_path)
    (lessons / LESSON_2).rename(lessons / "Second_Look")
    problems = check_lessons(lessons)
    assert len(problems) == 1
    assert problems[0].path == lessons / "Second_Look"
    assert 'folder name "Second_Look" must use only lowercase letters' in problems[0].message


def test_missing_resources_file(tmp_path):
    lessons = copy_basic(tmp_path)
    (lessons / RES).unlink()
    problems = check_lessons(lessons)
    # Only the missing file: references to resources are not each reported as unknown too.
    assert [(p.path, p.message) for p in problems] == [(lessons / RES, "resources.toml is missing")]


def test_missing_lessons_folder(tmp_path):
    problems = check_lessons(tmp_path / "nowhere")
    assert [p.message for p in problems] == ["lessons folder not found"]


def test_empty_folder_with_resources_is_an_empty_catalog(tmp_path):
    shutil.copy(BASIC / RES, tmp_path / RES)
    catalog = load_catalog(tmp_path)
    assert catalog.lessons == () and "test-hotline" in catalog.resources


def test_every_problem_in_a_folder_is_reported(tmp_path):
    lessons = copy_basic(tmp_path)
    edit(lessons / L1, "minutes = 10", "minutes = 0")
    edit(lessons / L1, "[[resource:test-hotline]]", "[[resource:nope]]")
    edit(lessons / Q1, 'feedback = "Saying hello is ordinary."', 'feedback = ""')
    edit(lessons / Q1, 'next = "second-thought"', 'next = "nowhere"')
    edit(lessons / Q2, "correct = true", "correct = 1")
    edit(lessons / RES, 'hours = "24/7"', 'hours = "24/7"\nfax = "123"')

    problems = check_lessons(lessons)

    found = {
        (p.path.relative_to(lessons).as_posix(), p.line, p.message.split(" (")[0]) for p in problems
    }
    expected = {
        (L1, 4, "minutes must be between 1 and 60, not 0"),
        (L1, 26, 'unknown resource "nope" in [[resource:nope]]: no resource with that id in '
                 "resources.toml"),
        (Q1, 39, '"feedback" in choice "c" of item "q-multi" is empty'),
        (Q1, 61, 'choice "keep" of step "start" of item "q-story": next = "nowhere" names no step '
                 'in item "q-story"'),
        (Q2, 9, '"correct" in choice "no" of item "q1" must be true or false'),
        (RES, 11, 'unknown key "fax" in resource "test-hotline"'),
    }  # fmt: skip
    assert expected <= found, "\n".join(str(p) for p in problems)
    # The unreachable step behind the broken `next` is reported too, and so is the now
    # correct-less single item.
    assert any("can't be reached" in p.message for p in problems)
    assert any("exactly one correct choice, has 0" in p.message for p in problems)
    # Sorted by file, then line.
    assert problems == sorted(problems, key=lambda p: (p.path.parts, p.line or 0))


def test_order_clash_is_reported_even_when_the_other_lesson_has_problems(tmp_path):
    lessons = copy_basic(tmp_path)
    edit(lessons / L1, "minutes = 10", "minutes = 0")
    edit(lessons / L2, "order = 2", "order = 1")
    messages = {(p.path, p.message.split(";")[0]) for p in check_lessons(lessons)}
    assert (lessons / L2, 'order 1 is already used by lesson "01-first-steps"') in messages
    assert (lessons / L1, "minutes must be between 1 and 60, not 0") in messages
