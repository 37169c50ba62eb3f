"""The real lessons in lessons/, loaded once per test process for every test file that reads them.

Loading, checking and rendering them costs about 2 s of CPU, and test_curriculum, test_quizzes
and test_families each did it (some at collection, in every xdist worker), besides the apps the
tests build on them. Here they are loaded the way those apps load them (`load_content` through
the run's content cache, kept in this process's memory, so such an app finds them there); a
`Catalog` is immutable, so sharing it changes nothing a test sees.
"""

from __future__ import annotations

import functools
import os

from student_portal import load_content
from student_portal.config import PROJECT_ROOT
from student_portal.content import Catalog, ContentError
from student_portal.content.cache import load_cached
from student_portal.content.loader import scan_lessons

REAL_LESSONS = PROJECT_ROOT / "lessons"


@functools.cache
def _real_content():
    # The run's content cache (conftest.pytest_configure), where another process of the run may
    # already have stored them.
    return load_cached(REAL_LESSONS, os.environ.get("PORTAL_CONTENT_CACHE_DIR"), load_content)


def real_catalog() -> Catalog:
    """`load_catalog(lessons/)`: the catalog, or `ContentError` listing every problem."""
    return _real_content()[0]


def scan_real_lessons():
    """`scan_lessons(lessons/)`: the catalog and every problem (none when the content loads)."""
    try:
        return real_catalog(), []
    except ContentError:
        return scan_lessons(REAL_LESSONS)
