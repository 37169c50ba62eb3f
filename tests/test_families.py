"""For families: public pages with no cookie and no trace, their checks, and the letter home."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import zxingcpp
from flask import Flask

from student_portal.config import PROJECT_ROOT
from student_portal.content import lessons_cli
from student_portal.content.loader import scan_lessons
from tests.conftest import FIXTURE_LESSONS
from tests.factories import PASSWORD
from tests.readability import MAX_FAMILY_GRADE, MIN_FAMILY_GRADE, family_grade
from tests.real_lessons import scan_real_lessons

GUIDES = ["warning-signs", "talking", "what-to-do"]
LESSONS = ["01-first-steps", "02-second-look"]
FAMILY_PAGES = (
    ["/families/", "/families/follow-up-log"]
    + [f"/families/{slug}" for slug in GUIDES]
    + [f"/families/lessons/{slug}" for slug in LESSONS]
)
LETTER = {
    "contact_name": "Ms. Rivera, school counselor",
    "contact_details": "rivera@school.example",
    "start_date": "2026-09-14",
    "schedule": "Tuesdays and Thursdays, 10:15 to 10:45, for four weeks.",
    "note": "Our family night is on October 2.",
    "language": "en",
}


def letter_url(cohort_id: int) -> str:
    return f"/teach/cohorts/{cohort_id}/letter"


# --- public pages -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", FAMILY_PAGES)
def test_a_parent_without_an_account_reads_every_family_page_and_leaves_no_trace(client, url):
    response = client.get(url)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in page
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "data-quick-exit" in page
    assert page.count("<h1") == 1
    # Nothing is loaded from another site: every script, style, image and icon is our own.
    loaded = re.findall(r'<(?:script|img|link|iframe|source)\b[^>]*\b(?:src|href)="([^"]*)"', page)
    assert loaded and all(address.startswith("/") for address in loaded), loaded


def test_the_index_leads_to_the_three_guides_the_log_and_a_page_per_lesson(client):
    page = client.get("/families/").get_data(as_text=True)
    for href in [f"/families/{slug}" for slug in GUIDES] + ["/families/follow-up-log"]:
        assert f'href="{href}"' in page
    assert 'href="/families/lessons/01-first-steps"' in page
    assert "Your child read a practice lesson about noticing signs" in page  # its summary
    assert page.index("Signs a parent can notice") < page.index("Starting the conversation")


def test_a_lesson_page_shows_what_was_learned_the_starters_and_its_sources(client):
    page = client.get("/families/lessons/01-first-steps").get_data(as_text=True)
    assert "<h1>First steps</h1>" in page
    for heading in ("What your child learned", "Conversation starters", "One thing to do together"):
        assert f">{heading}</h2>" in page
    assert "Who would you tell if something online felt wrong?" in page
    assert 'href="tel:18883737888"' in page  # the resource card of [[resource:test-hotline]]
    sources = page[page.index('id="sources-heading"') :]
    assert "Test Source" in sources and 'href="https://example.org/source"' in sources
    assert "Test Hotline" in sources  # from the page's own sources = [...]


def test_a_general_page_cites_its_sources_and_shows_its_callout(client):
    page = client.get("/families/warning-signs").get_data(as_text=True)
    assert "A sign is not proof. It is a reason to ask." in page
    assert 'class="admonition note"' in page
    assert "Test Source" in page[page.index('id="sources-heading"') :]


@pytest.mark.parametrize("url", ["/families/nothing-here", "/families/lessons/no-such-lesson"])
def test_an_unknown_family_page_is_a_404(client, url):
    assert client.get(url).status_code == 404


def test_the_follow_up_log_has_blanks_for_many_agencies_and_the_reporting_numbers(client):
    page = client.get("/families/follow-up-log").get_data(as_text=True)
    for column in (
        "Agency",
        "Date and time",
        "Person spoken to (officer and badge)",
        "Case, report or incident number",
        "What they said would happen",
        "Next call on",
    ):
        assert f'<th scope="col">{column}</th>' in page
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    assert body.count("<tr>") >= 6
    assert "ask for the case number" in page and "incident number" in page
    assert 'href="tel:18008435678"' in page and "1-800-THE-LOST" in page
    assert 'href="tel:18002255324"' in page  # FBI
    assert 'href="tel:18883737888"' in page  # the trafficking hotline


def test_the_footer_and_the_help_page_link_to_the_family_section(client):
    assert 'href="/families/"' in client.get("/").get_data(as_text=True)
    help_page = client.get("/help/").get_data(as_text=True)
    main = help_page[help_page.index("<main") : help_page.index("</main>")]
    assert 'href="/families/"' in main


def test_a_signed_in_teacher_sees_the_same_pages(client, auth, school):
    auth.login("teacher-a")
    response = client.get("/families/what-to-do")
    assert response.status_code == 200
    assert "What to do, step by step" in response.get_data(as_text=True)


# --- languages ----------------------------------------------------------------------------------


def test_lang_in_the_address_gives_spanish_without_writing_a_cookie(client):
    response = client.get("/families/what-to-do?lang=es")
    page = response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert '<html lang="es">' in page
    assert "<h1>Qué hacer, paso a paso</h1>" in page
    assert "Llame al" in page  # resource cards address a parent as usted
    assert 'href="/families/?lang=es"' in page  # links inside the section keep the language
    # The header's switch is a plain link here, not the form that stores a cookie.
    assert 'href="/families/what-to-do?lang=en"' in page
    assert 'action="/language"' not in page


def test_the_browsers_language_chooses_spanish_too(client):
    response = client.get("/families/lessons/01-first-steps", headers={"Accept-Language": "es-MX"})
    page = response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert "Lo que aprendió su hijo o hija" in page
    assert "<h1>First steps</h1>" in page  # the fixture lesson itself has no Spanish


def test_a_page_with_no_spanish_file_falls_back_to_english(client):
    page = client.get("/families/talking?lang=es").get_data(as_text=True)
    assert '<html lang="es">' in page
    assert "<h1>Starting the conversation</h1>" in page


# --- checks on the content ----------------------------------------------------------------------


@pytest.fixture
def lessons(tmp_path) -> Path:
    copy = tmp_path / "lessons"
    shutil.copytree(FIXTURE_LESSONS, copy)
    return copy


def problems_in(folder: Path) -> list[str]:
    return [str(problem) for problem in scan_lessons(folder)[1]]


def test_the_fixture_family_pages_load_without_problems_or_warnings():
    catalog, problems = scan_lessons(FIXTURE_LESSONS)
    assert problems == []
    assert catalog.families.warnings == ()
    assert set(catalog.families.lessons) == {lesson.slug for lesson in catalog.lessons}
    assert [page.slug for page in catalog.families.guides] == GUIDES


def test_a_family_page_needs_its_three_sections_in_order(lessons):
    family = lessons / "01-first-steps" / "family.md"
    family.write_text(family.read_text().replace("## One thing to do together", "## Homework"))
    assert f'{family}:14: section "Homework" should be "## One thing to do together" here' in (
        problems_in(lessons)
    )
    family.write_text(family.read_text() + "\n## More\n\nExtra.\n")
    assert any(
        p.startswith(f"{family}:20: family.md has 4 ## sections") for p in problems_in(lessons)
    )


def test_conversation_starters_are_a_list_of_two_or_three(lessons):
    family = lessons / "02-second-look" / "family.md"
    family.write_text(family.read_text().replace('- "What was new to you?"', '- "One"\n- "Two"'))
    problems = problems_in(lessons)
    assert any(
        p.startswith(f"{family}:8: the second section must be only a list of 2-3")
        and p.endswith("not 4")
        for p in problems
    ), problems


def test_links_and_numbers_only_come_from_resource_lines(lessons):
    family = lessons / "01-first-steps" / "family.md"
    text = family.read_text().replace(
        "Write down the names",
        "Visit [our site](https://example.org/source) or call 555-123-4567. Write down the names",
    )
    family.write_text(text)
    problems = problems_in(lessons)
    link = f"{family}:16: a link or address outside a [[resource:ID]] line"
    number = f'{family}:16: phone number "555-123-4567" is not in resources.toml'
    assert any(p.startswith(link) for p in problems), problems
    assert any(p.startswith(number) for p in problems), problems


def test_front_matter_keys_and_sources_are_checked(lessons):
    guide = lessons / "families" / "talking.md"
    guide.write_text(
        guide.read_text().replace('sources = ["test-source"]', 'sources = ["nope"]\ncolour = "red"')
    )
    family = lessons / "02-second-look" / "family.md"
    family.write_text(family.read_text().replace('summary = "', 'sumary = "'))
    problems = problems_in(lessons)
    assert f'{guide}:5: sources: unknown resource "nope" (not an id in resources.toml)' in problems
    assert any(p.startswith(f'{guide}:6: unknown key "colour" in front matter') for p in problems)
    assert f'{family}:1: front matter is missing "summary"' in problems


def run_check(folder: Path, *options: str):
    app = Flask(__name__)
    app.config["LESSONS_DIR"] = str(folder)
    app.cli.add_command(lessons_cli)
    return app.test_cli_runner().invoke(args=["lessons", "check", *options])


def test_a_missing_or_outdated_family_page_is_a_warning_that_strict_fails_on(lessons):
    (lessons / "02-second-look" / "family.md").unlink()
    (lessons / "families" / "talking.md").unlink()
    english = lessons / "families" / "what-to-do.md"
    english.write_text(english.read_text() + "\nOne more line.\n")
    result = run_check(lessons)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"warning: {lessons / '02-second-look' / 'family.md'}: family.md is missing: every " \
        "lesson needs a page for families (see lessons/README.md, Family pages)" in lines
    assert f"warning: {lessons / 'families' / 'talking.md'}: talking.md is missing: the family " \
        "section promises this page" in lines
    assert any(
        line.startswith(f"warning: {lessons / 'families' / 'what-to-do.es.md'}:2: what-to-do.md "
                        "has changed since this translation was made")
        for line in lines
    )
    assert "Family pages: 2 general pages, 1 of 2 lessons with a family page, 2 translated" in lines
    assert run_check(lessons, "--strict").exit_code == 1


# --- the real content ---------------------------------------------------------------------------

REAL_LESSONS = PROJECT_ROOT / "lessons"


def test_every_real_lesson_has_a_family_page_in_english_and_spanish():
    catalog, problems = scan_real_lessons()
    assert problems == []
    families = catalog.families
    assert families.warnings == ()  # none missing, none translated from an older English file
    assert [page.slug for page in families.guides] == GUIDES
    for page in (*families.guides, *families.lessons.values()):
        assert "es" in page.translations, page.slug
    assert sorted(families.lessons) == sorted(lesson.slug for lesson in catalog.lessons)


def test_the_real_family_pages_read_at_grade_6_to_8_for_parents():
    """Plain for parents without talking down to them: Flesch-Kincaid grade 6-8 on every page
    (python -m tests.readability prints each page's grade against that range)."""
    catalog, _ = scan_real_lessons()
    families = catalog.families
    pages = (*families.guides, *families.lessons.values())
    grades = {page.slug: round(family_grade(page.html), 1) for page in pages}
    outside = {
        slug: grade
        for slug, grade in grades.items()
        if not MIN_FAMILY_GRADE <= grade <= MAX_FAMILY_GRADE
    }
    assert pages and not outside, outside


def test_every_real_family_page_renders_in_both_languages_with_no_cookie(make_app):
    app = make_app(LESSONS_DIR=str(REAL_LESSONS))
    client = app.test_client()
    families = app.extensions["catalog"].families
    urls = ["/families/", "/families/follow-up-log"]
    urls += [f"/families/{page.slug}" for page in families.guides]
    urls += [f"/families/lessons/{slug}" for slug in families.lessons]
    for url in urls:
        for language in ("en", "es"):
            response = client.get(url, query_string={"lang": language})
            page = response.get_data(as_text=True)
            assert response.status_code == 200, url
            assert "Set-Cookie" not in response.headers
            assert f'<html lang="{language}">' in page and page.count("<h1") == 1
            loaded = re.findall(r'<(?:script|img|link|iframe)\b[^>]*\b(?:src|href)="([^"]*)"', page)
            assert all(address.startswith("/") for address in loaded), (url, loaded)


# --- the letter home ----------------------------------------------------------------------------


def test_a_teacher_makes_a_letter_for_their_cohort(client, auth, school):
    auth.login("teacher-a")
    cohort_page = client.get(f"/teach/cohorts/{school['cohort']}").get_data(as_text=True)
    assert f'href="{letter_url(school["cohort"])}"' in cohort_page
    form = client.get(letter_url(school["cohort"]))
    assert form.status_code == 200 and 'method="get"' in form.get_data(as_text=True)

    response = client.get(letter_url(school["cohort"]), query_string=LETTER)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1" in page and page.count("<h1") == 1
    assert "Online safety lessons for Period 3" in page
    assert "September 14, 2026" in page and LETTER["schedule"] in page
    assert "First steps</strong>: Your child read a practice lesson" in page  # family summary
    assert "Talks about pretend situations for the test suite." in page  # its content note
    assert "Tell Ms Test by a note, an email or a call" in page  # how to opt out
    assert "Please contact Ms. Rivera, school counselor: rivera@school.example." in page
    assert LETTER["note"] in page
    assert '<a href="http://localhost/families/">http://localhost/families/</a>' in page
    assert '<img class="letter-qr" src="/families/qr.svg"' in page


def test_a_letter_in_both_languages_sits_side_by_side(client, auth, school):
    auth.login("teacher-a")
    page = client.get(
        letter_url(school["cohort"]), query_string=LETTER | {"language": "both"}
    ).get_data(as_text=True)
    assert '<article class="letter" lang="en">' in page
    assert '<article class="letter" lang="es">' in page
    assert page.count("<h1") == 1
    assert "14 de septiembre de 2026" in page
    # To fit one page, each lesson is listed with its content note (in each language).
    assert page.count("Talks about pretend situations for the test suite.") == 2
    assert 'src="/families/qr.svg?lang=es"' in page


def test_a_letter_form_with_mistakes_says_what_to_fix_and_keeps_what_was_typed(
    client, auth, school
):
    auth.login("teacher-a")
    response = client.get(
        letter_url(school["cohort"]),
        query_string=LETTER | {"contact_details": "", "start_date": "next week", "language": "fr"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Give a phone number or an email address for questions." in page
    assert "Write the date like 2026-09-14." in page
    assert "Choose the language of the letter." in page
    assert 'value="Ms. Rivera, school counselor"' in page
    assert "Our family night is on October 2." in page


def test_only_the_cohorts_teacher_can_make_its_letter(client, auth, school):
    url = letter_url(school["cohort"])
    signed_out = client.get(url, query_string=LETTER)
    assert signed_out.status_code == 302 and "/sign-in" in signed_out.headers["Location"]
    auth.login("teacher-b")
    assert client.get(url, query_string=LETTER).status_code == 404
    assert client.get(letter_url(school["other_cohort"]), query_string=LETTER).status_code == 200
    auth.logout()
    for username in ("leader-one", "student-one"):
        auth.login(username)
        assert client.get(url, query_string=LETTER).status_code == 403
        auth.logout()


# --- the QR code --------------------------------------------------------------------------------


def qr_text(svg: str) -> str:
    """Decode the QR code in segno's SVG: draw its path (rows of `h` runs) and read it."""
    width = int(re.search(r'width="(\d+)"', svg).group(1))
    height = int(re.search(r'height="(\d+)"', svg).group(1))
    path = re.search(r'<path[^>]*\bd="([^"]+)"', svg).group(1)
    scale = 1
    transform = re.search(r'transform="scale\((\d+)\)"', svg)
    if transform:
        scale = int(transform.group(1))
    pixels = bytearray([255]) * (width * height)
    x = y = 0.0
    for command, first, second in re.findall(r"([MmHhVv])\s*(-?[\d.]+)(?:[ ,](-?[\d.]+))?", path):
        value = float(first)
        if command == "M":
            x, y = value, float(second)
        elif command == "m":
            x, y = x + value, y + float(second)
        elif command in "hH":
            end = x + value if command == "h" else value
            row = int(y * scale)
            for top in range(row - scale // 2, row - scale // 2 + scale):
                start = top * width
                pixels[start + int(x * scale) : start + int(end * scale)] = bytes(
                    int(end * scale) - int(x * scale)
                )
            x = end
    image = memoryview(pixels).cast("B", (height, width))
    found = zxingcpp.read_barcodes(image)
    assert found, "no QR code found in the SVG"
    return found[0].text


def test_the_qr_code_decodes_to_the_family_sections_address(client):
    response = client.get("/families/qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "Set-Cookie" not in response.headers
    svg = response.get_data(as_text=True)
    assert "style=" not in svg and "<script" not in svg
    assert qr_text(svg) == "http://localhost/families/"
    assert qr_text(client.get("/families/qr.svg?lang=es").get_data(as_text=True)) == (
        "http://localhost/families/?lang=es"
    )


def test_the_public_address_setting_is_what_the_letter_and_qr_code_give(make_app, school_in):
    app = make_app(PUBLIC_URL="https://portal.school.example/")
    ids = school_in(app)
    client = app.test_client()
    assert qr_text(client.get("/families/qr.svg").get_data(as_text=True)) == (
        "https://portal.school.example/families/"
    )
    client.post("/sign-in", data={"username": "teacher-a", "password": PASSWORD})
    page = client.get(letter_url(ids["cohort"]), query_string=LETTER).get_data(as_text=True)
    assert ">https://portal.school.example/families/</a>" in page

