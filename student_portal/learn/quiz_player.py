"""The quiz as a series of pages, one question or scenario step each.

Answers so far travel in a signed hidden field, so nothing is stored until the last
answer: then the whole attempt is graded and stored at once, under the form's one-time key.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..content import InvalidResponse, Item, Quiz, Step, walk_scenario


class StateError(ValueError):
    """The hidden quiz state was tampered with, or belongs to another quiz version."""


@dataclass
class QuizState:
    key: str
    version: str
    answers: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def new(cls, quiz: Quiz) -> QuizState:
        return cls(key=str(uuid.uuid4()), version=quiz.version)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="quiz-state")


def dump_state(state: QuizState) -> str:
    return _serializer().dumps({"k": state.key, "v": state.version, "a": state.answers})


def load_state(token: str, quiz: Quiz) -> QuizState:
    try:
        data = _serializer().loads(token or "")
        state = QuizState(key=str(data["k"]), version=str(data["v"]), answers=dict(data["a"]))
    except (BadSignature, KeyError, TypeError, ValueError) as error:
        raise StateError("The quiz form could not be read.") from error
    if state.version != quiz.version:
        raise StateError("This quiz was updated while you were taking it.")
    return state


@dataclass(frozen=True)
class Question:
    """What the student answers next: an item, and for a scenario the step they are on."""

    item: Item
    number: int  # 1-based position of the item in the quiz
    step: Step | None = None
    path: tuple = ()  # scenario decisions already made: (step, choice) pairs


def current_question(quiz: Quiz, state: QuizState) -> Question | None:
    """The first unfinished item, or None when every item is answered."""
    for number, item in enumerate(quiz.items, start=1):
        chosen = state.answers.get(item.id)
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


def record_answer(state: QuizState, question: Question, choice_ids: list[str]) -> None:
    if question.step is not None:
        state.answers.setdefault(question.item.id, []).extend(choice_ids)
    else:
        state.answers[question.item.id] = list(choice_ids)
