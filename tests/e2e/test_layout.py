"""No page scrolls sideways on a 320 px phone, at normal and at 200% text size.

Every page of every role (tests/pages.py) is loaded once at 320 px; the page must be no wider
than the screen (WCAG 1.4.10 Reflow). Wide things (tables, the progress grid) scroll inside
their own region instead.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import role_context
from tests.pages import ROLES

pytestmark = pytest.mark.slow
WIDTH = 320
WIDEST = """() => {
  const wide = [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
    .filter((el) => !el.closest(".table-scroll, .print-grid, .visually-hidden, .skip-link"));
  return wide.slice(0, 3).map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
}"""


@pytest.mark.parametrize("role", ROLES)
def test_no_page_is_wider_than_a_320_px_phone(module_browser, every_page, role):
    base_url, pages = every_page
    cookie, urls = pages[role]
    screen = {"width": WIDTH, "height": 640}
    context = role_context(module_browser, base_url, cookie, viewport=screen)
    page = context.new_page()
    too_wide = []
    for url in urls:
        page.goto(base_url + url)
        for text_size in ("100%", "200%"):
            page.evaluate("size => { document.documentElement.style.fontSize = size; }", text_size)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > WIDTH:
                too_wide.append(f"{url} at {text_size} text: {width} px ({page.evaluate(WIDEST)})")
    context.close()
    assert not too_wide, "Pages wider than 320 px:\n" + "\n".join(too_wide)
