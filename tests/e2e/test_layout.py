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


def test_the_header_sticks_only_as_a_slim_bar(
    module_browser, every_page
):
    base_url, pages = every_page
    cookie, _urls = pages["student"]
    frame = """() => {
      const header = document.querySelector('.site-header').getBoundingClientRect();
      const footer = document.querySelector('.site-footer').getBoundingClientRect();
      const brand = document.querySelector('.brand').getBoundingClientRect();
      const heading = document.querySelector('main h1').getBoundingClientRect();
      return {position: getComputedStyle(document.querySelector('.site-header')).position,
              height: header.height, footerBottom: footer.bottom, viewport: window.innerHeight,
              padding: getComputedStyle(document.documentElement).scrollPaddingTop,
              brandLeft: brand.left, headingLeft: heading.left};
    }"""
    for width, height in ((390, 844), (1280, 900)):
        context = role_context(module_browser, base_url, cookie,
                               viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(base_url + "/learn/progress")
        seen = page.evaluate(frame)
        assert seen["position"] == "sticky"
        if width == 390:  # scrolled down, only the name and Quick exit stay: the links go
            page.mouse.wheel(0, 2000)
            page.wait_for_timeout(200)
            header = page.locator(".site-header").bounding_box()
            visible = header["y"] + header["height"]
            assert visible <= 64
            assert float(seen["padding"].rstrip("px")) >= visible
        else:  # one slim row, and focused links scroll clear of it
            assert seen["height"] < 64
            assert float(seen["padding"].rstrip("px")) >= seen["height"]
        assert seen["brandLeft"] == seen["headingLeft"]  # header and content line up
        page.goto(base_url + "/help/talk")  # a short page: the footer ends at the bottom
        seen = page.evaluate(frame)
        assert seen["footerBottom"] >= seen["viewport"] - 1
        context.close()
