"""Grade quiz responses against a `Quiz`: pure functions, no database.

Scoring: a single item earns its points when the one chosen choice is correct; a multiple item
only when the chosen set is exactly the correct set (all or nothing); a scenario earns its points
(the decisions on its shortest safe route) minus one per unsafe choice made, never below 0; a
spot item earns (signs marked - other lines marked), never below 0, divided by the number of
signs, times its points, rounded down to a whole point (`spot_score`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import floor
from typing import Any

from .model import Choice, Item, Quiz, Step


class InvalidResponse(ValueError):
    """The responses do not fit the quiz: a missing item, an unknown choice, a broken path."""


@dataclass(frozen=True)
class ItemResult:
    """How one item was answered and what it earned."""

    item: Item
    score: int
    points: int
    chosen: tuple[Choice, ...] = ()  # single / multiple, in the item's choice order
    path: tuple[tuple[Step, Choice], ...] = ()  # scenario, in the order taken

    @property
    def full_marks(self) -> bool:
        return self.score == self.points


@dataclass(frozen=True)
class GradeResult:
    """The outcome of one attempt at a quiz."""

    score: int
    max_score: int
    passed: bool
    items: tuple[ItemResult, ...]  # in quiz order

    def answer_rows(self) -> list[dict[str, Any]]:
        """One row per chosen choice or scenario decision, shaped for `QuizAnswer`."""
        rows: list[dict[str, Any]] = []
        for result in self.items:
            if result.item.type == "scenario":
                for position, (step, choice) in enumerate(result.path):
                    rows.append(
                        {
                            "item_id": result.item.id,
                            "step_id": step.id,
                            "choice_id": choice.id,
                            "correct": choice.safe,
                            "position": position,
                        }
                    )
            else:
                for position, choice in enumerate(result.chosen):
                    rows.append(
                        {
                            "item_id": result.item.id,
                            "step_id": None,
                            "choice_id": choice.id,
                            "correct": choice.correct,
                            "position": position,
                        }
                    )
        return rows


def _choice_ids(value: Sequence[str] | str) -> list[str]:
    # A bare string is one choice id, not a sequence of one-letter ids.
    return [value] if isinstance(value, str) else list(value)


def walk_scenario(
    item: Item, choice_ids: Sequence[str]
) -> tuple[list[tuple[Step, Choice]], Step | None]:
    """Follow choices from the first step: the (step, choice) pairs taken, and the step now to
    answer (None when the story has ended).

    Raises `InvalidResponse` if a choice is not one of its step's choices or the choices go on
    after the story ended.
    """
    if item.type != "scenario":
        raise ValueError(f"item {item.id!r} is a {item.type} item, not a scenario")
    path: list[tuple[Step, Choice]] = []
    current: Step | None = item.start
    for choice_id in _choice_ids(choice_ids):
        if current is None:
            raise InvalidResponse(f"{item.id}: the story had already ended before {choice_id!r}")
        choice = current.choice(choice_id)
        if choice is None:
            raise InvalidResponse(
                f"{item.id}: {choice_id!r} is not a choice at step {current.id!r}"
            )
        path.append((current, choice))
        if choice.next is None:
            current = None
        else:
            current = item.step(choice.next)
            if current is None:  # the loader rules this out; never follow a broken link
                raise InvalidResponse(f"{item.id}: step {choice.next!r} does not exist")
    return path, current


def _grade_item(item: Item, choice_ids: list[str]) -> ItemResult:
    if item.type == "scenario":
        path, current = walk_scenario(item, choice_ids)
        if current is not None:
            raise InvalidResponse(f"{item.id}: the story is not finished (at step {current.id!r})")
        unsafe = sum(1 for _step, choice in path if not choice.safe)
        return ItemResult(
            item=item, score=max(0, item.points - unsafe), points=item.points, path=tuple(path)
        )

    unknown = [choice_id for choice_id in choice_ids if item.choice(choice_id) is None]
    if unknown:
        raise InvalidResponse(f"{item.id}: unknown choice {unknown[0]!r}")
    if item.type == "single" and len(choice_ids) != 1:
        raise InvalidResponse(f"{item.id}: choose exactly one answer")
    if item.type == "multiple" and not choice_ids:
        raise InvalidResponse(f"{item.id}: choose at least one answer")
    chosen_ids = set(choice_ids)
    chosen = tuple(choice for choice in item.choices if choice.id in chosen_ids)
    correct_ids = {choice.id for choice in item.choices if choice.correct}
    if item.type == "spot":
        score = spot_score(item, chosen)
    else:
        score = item.points if chosen_ids == correct_ids else 0
    return ItemResult(item=item, score=score, points=item.points, chosen=chosen)


def spot_score(item: Item, marked: Sequence[Choice]) -> int:
    """(right marks - wrong marks), floored at 0, / signs, * points, rounded down: full marks
    need every sign and no wrong mark, and a wrong mark costs as much as a missed sign."""
    right = sum(1 for line in marked if line.correct)
    wrong = len(marked) - right
    return floor(Fraction(max(0, right - wrong) * item.points, item.signs))


def grade(quiz: Quiz, responses: Mapping[str, Sequence[str]]) -> GradeResult:
    """Grade a full set of responses (item id → choice ids); raise `InvalidResponse` if unfit."""
    extra = [item_id for item_id in responses if quiz.item(item_id) is None]
    if extra:
        raise InvalidResponse(f"unknown question {extra[0]!r}")
    results = []
    for item in quiz.items:
        if item.id not in responses:
            raise InvalidResponse(f"{item.id}: not answered")
        results.append(_grade_item(item, _choice_ids(responses[item.id])))
    score = sum(result.score for result in results)
    max_score = quiz.max_score
    # Exact arithmetic: 0.8 means 4/5, so 8 out of 10 passes despite float rounding.
    passed = Fraction(score) >= Fraction(repr(quiz.pass_mark)) * max_score
    return GradeResult(score=score, max_score=max_score, passed=passed, items=tuple(results))
