"""Lesson content engine: `lessons/` on disk → validated, rendered, immutable lesson objects."""

from .cli import lessons_cli
from .grading import GradeResult, InvalidResponse, ItemResult, grade, walk_scenario
from .loader import check_lessons, load_catalog
from .model import (
    Catalog,
    Choice,
    ContentError,
    Item,
    Lesson,
    Problem,
    Quiz,
    Resource,
    Section,
    Step,
)
from .order import shuffled

__all__ = [
    "Catalog",
    "Choice",
    "ContentError",
    "GradeResult",
    "InvalidResponse",
    "Item",
    "ItemResult",
    "Lesson",
    "Problem",
    "Quiz",
    "Resource",
    "Section",
    "Step",
    "check_lessons",
    "grade",
    "lessons_cli",
    "load_catalog",
    "shuffled",
    "walk_scenario",
]
