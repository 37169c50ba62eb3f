"""The quiz as a series of pages, one question or scenario step each.

The answers so far live on the server in a QuizDraft. The form carries a signed token (the
draft's key, bound to the student and the lesson) and a marker naming the question it answers,
so a stale page from the Back button, a second tab or a double click never changes an answer
already given: the student is shown where they are instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..content import Choice, InvalidResponse, Item, Quiz, Step, walk_scenario


class StateError(ValueError):
    """The quiz form's token was tampered with, or belongs to someone or something else."""


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="quiz-form")


def dump_token(key: str, user_id: int, slug: str) -> str:
    return _serializer().dumps({"k": key, "u": user_id, "s": slug})


def load_token(token: str, user_id: int, slug: str) -> str:
    """The draft key in a posted token, if it was issued to this student for this lesson."""
    try:
        data = _serializer().loads(token or "")
        key, token_user, token_slug = str(data["k"]), data["u"], data["s"]
    except (BadSignature, KeyError, TypeError, ValueError) as error:
        raise StateError("The quiz form could not be read.") from error
    if token_user != user_id or token_slug != slug:
        raise StateError("This quiz form was not made for you.")
    return key


@dataclass(frozen=True)
class Question:
    """What the student answers next: an item, and for a scenario the step they are on."""

    item: Item
    number: int  # 1-based position of the item in the quiz
    step: Step | None = None
    path: tuple[tuple[Step, Choice], ...] = ()  # scenario decisions already made

    @property
    def marker(self) -> str:
        """Names this question in the form, so an answer meant for another one is noticed."""
        return f"{self.item.id}/{self.step.id}" if self.step is not None else self.item.id


def current_question(quiz: Quiz, answers: dict[str, list[str]]) -> Question | None:
    """The first unfinished item, or None when every item is answered."""
    for number, item in enumerate(quiz.items, start=1):
        chosen = answers.get(item.id)
        if item.type == "scenario":
            try:
                path, step = walk_scenario(item, chosen or [])
            except InvalidResponse as error:
                raise StateError(str(error)) from error
            if step is not None:
                return Question(item=item, number=number, step=step, path=tuple(path))
        elif not chosen:
            return Question(item=item, number=number)
    return None


def with_answer(
    answers: dict[str, list[str]], question: Question, choice_ids: list[str]
) -> dict[str, list[str]]:
    """A new answers mapping (JSON columns notice replacement, not in-place edits)."""
    updated = {item_id: list(chosen) for item_id, chosen in answers.items()}
    if question.step is not None:
        updated.setdefault(question.item.id, []).extend(choice_ids)
    else:
        updated[question.item.id] = list(choice_ids)
    return updated


def decision_shown(quiz: Quiz, last_decision: dict | None) -> tuple[Step, Choice] | None:
    """The scenario step and choice whose feedback to show, from a draft's `last_decision`."""
    if not last_decision:
        return None
    item = quiz.item(last_decision.get("item", ""))
    step = item.step(last_decision.get("step", "")) if item else None
    choice = step.choice(last_decision.get("choice", "")) if step else None
    return (step, choice) if choice else None
