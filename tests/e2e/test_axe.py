"""axe-core (bundled by axe-playwright-python, never from a CDN) finds no WCAG 2.1 A/AA problem
on any page, for any role (tests/pages.py), nor on a form that came back with errors."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import role_context
from tests.pages import FRAGMENTS, ROLES

pytestmark = pytest.mark.slow
WCAG_21_A_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def violations(axe, page) -> list[str]:
    """Each violation as readable lines: rule, what it asks, and the elements that fail it."""
    found = []
    for violation in axe.run(page, options=WCAG_21_A_AA).response["violations"]:
        found.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            summary = " ".join(node.get("failureSummary", "").split())
            found.append(f"    at {' '.join(map(str, node['target']))}: {summary[:240]}")
    return found


@pytest.fixture(scope="module")
def axe():
    return pytest.importorskip("axe_playwright_python.sync_playwright").Axe()


@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe(module_browser, every_page, axe, role):
    base_url, pages = every_page
    cookie, urls = pages[role]
    screen = {"width": 1280, "height": 900}
    context = role_context(module_browser, base_url, cookie, viewport=screen)
    page = context.new_page()
    problems = []
    for url in urls:
        if url.endswith(FRAGMENTS):
            continue
        page.goto(base_url + url)
        found = violations(axe, page)
        if found:
            problems.append(f"{url}:\n" + "\n".join(found))
    context.close()
    assert not problems, "axe found WCAG 2.1 A/AA problems:\n" + "\n".join(problems)


def test_a_form_with_errors_passes_axe(module_browser, every_page, axe):
    base_url, _pages = every_page
    context = role_context(module_browser, base_url, None)
    page = context.new_page()
    page.goto(base_url + "/join")
    page.get_by_role("button", name="Create my account").click()
    assert page.title().startswith("Error:")
    found = violations(axe, page)
    context.close()
    assert not found, "axe found WCAG 2.1 A/AA problems on /join with errors:\n" + "\n".join(found)
