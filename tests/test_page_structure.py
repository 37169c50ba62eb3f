"""Every page, for every role (tests/pages.py): one <h1>, heading levels that don't skip, a title
that ends in the product's name, and the Lantern mark in the header."""

from __future__ import annotations

import re

import pytest

from student_portal.config import PROJECT_ROOT
from tests.pages import FRAGMENTS, ROLES, add_admin, pages_for, sign_in

HEADING = re.compile(r"<h([1-6])\b")


@pytest.mark.parametrize("role", ROLES)
def test_every_page_has_one_h1_and_no_skipped_heading_level(make_app, school_in, role):
    app = make_app(LESSONS_DIR=str(PROJECT_ROOT / "lessons"))
    school = school_in(app)
    add_admin(app)
    client = app.test_client()
    sign_in(client, role)
    problems = []
    for url in pages_for(app, client, role, school):
        if url.endswith(FRAGMENTS):
            continue
        page = client.get(url, follow_redirects=True).get_data(as_text=True)
        levels = [int(level) for level in HEADING.findall(page)]
        if levels.count(1) != 1:
            problems.append(f"{url}: {levels.count(1)} <h1>")
        skips = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
        if skips:
            problems.append(f"{url}: heading levels skip {skips}")
        title = re.search(r"<title>(.*?)</title>", page, re.S)
        if not title or not title[1].strip().endswith("Lantern") or title[1].startswith(" –"):
            problems.append(f"{url}: title {title and title[1]!r}")
    assert not problems, "\n".join(problems)


def test_the_header_shows_the_lantern_mark_and_name(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert re.search(r'<a class="brand"[^>]*><img class="brand-mark" src="/static/img/lantern.svg" '
                     r'alt=""[^>]*> Lantern</a>', page)
    assert "<title>Sign in – Lantern</title>" in page
    favicon = client.get("/static/img/favicon.svg")
    assert favicon.status_code == 200 and b"<svg" in favicon.data
    favicon.close()


def test_each_lesson_has_its_icon_and_the_help_page_one_per_way_to_get_help(make_app, school_in):
    from student_portal.icons import ICONS, LESSON_ICONS

    app = make_app(LESSONS_DIR=str(PROJECT_ROOT / "lessons"))
    school_in(app)
    client = app.test_client()
    sign_in(client, "student")
    lessons = client.get("/learn/").get_data(as_text=True)
    for slug, name in LESSON_ICONS.items():
        assert re.search(rf'<img class="lesson-icon" src="/static/icons/{name}.svg" alt=""[^>]*> '
                         rf'<a href="/learn/{slug}/parts">', lessons), slug
    help_page = client.get("/help/").get_data(as_text=True)
    for name in ("phone", "message-square-text", "globe", "siren", "compass"):
        assert f'src="/static/icons/{name}.svg" alt=""' in help_page
    # Every icon is vendored, with the set's licence beside it; none leans on currentColor.
    folder = PROJECT_ROOT / "static" / "icons"
    assert "ISC License" in (folder / "LICENSE").read_text()
    for name in ICONS:
        svg = (folder / f"{name}.svg").read_text()
        assert 'aria-hidden="true"' in svg and "currentColor" not in svg


def test_the_stylesheet_closes_every_block_it_opens():
    """An unclosed block (easy to leave when two changes meet at the end of the file) would
    silently swallow every rule after it into a print-only or phone-only media query."""
    css = re.sub(r"/\*.*?\*/", "", (PROJECT_ROOT / "static/css/site.css").read_text(), flags=re.S)
    depth = 0
    for number, line in enumerate(css.splitlines(), 1):
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"site.css:{number}: a '}}' closes nothing"
    assert depth == 0, f"site.css: {depth} block(s) left open at the end"
