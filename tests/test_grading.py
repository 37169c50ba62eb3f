"""Grading quiz responses (student_portal.content.grading)."""

from __future__ import annotations

from pathlib import Path

import pytest

from student_portal.content import (
    Choice,
    InvalidResponse,
    Item,
    Quiz,
    grade,
    load_catalog,
    walk_scenario,
)

BASIC = Path(__file__).parent / "fixtures" / "lessons" / "basic"
ALL_RIGHT = {"q-single": ["a"], "q-multi": ["a", "b"], "q-story": ["tell", "report"]}


@pytest.fixture(scope="module")
def quiz() -> Quiz:
    """The basic fixture quiz: single (1 point), multiple (1), scenario (2); pass mark 0.75."""
    return load_catalog(BASIC).get("01-first-steps").quiz


def answers(**changes: list[str]) -> dict[str, list[str]]:
    responses = dict(ALL_RIGHT)
    responses.update({key.replace("_", "-"): value for key, value in changes.items()})
    return responses


def item_scores(result) -> dict[str, int]:
    return {item_result.item.id: item_result.score for item_result in result.items}


def test_all_right_earns_full_marks(quiz):
    result = grade(quiz, ALL_RIGHT)
    assert (result.score, result.max_score, result.passed) == (4, 4, True)
    assert item_scores(result) == {"q-single": 1, "q-multi": 1, "q-story": 2}
    assert all(item_result.full_marks for item_result in result.items)
    assert [item_result.item.id for item_result in result.items] == [
        "q-single",
        "q-multi",
        "q-story",
    ]


def test_single_wrong_scores_zero(quiz):
    result = grade(quiz, answers(q_single=["b"]))
    assert item_scores(result)["q-single"] == 0
    single = result.items[0]
    assert not single.full_marks
    assert [choice.id for choice in single.chosen] == ["b"]


def test_single_accepts_a_bare_string(quiz):
    assert item_scores(grade(quiz, answers(q_single="a")))["q-single"] == 1


@pytest.mark.parametrize(
    ("chosen", "score"),
    [
        (["a", "b"], 1),
        (["b", "a", "a"], 1),  # order and duplicates do not matter
        (["a"], 0),  # partly right is not right: all or nothing
        (["a", "b", "c"], 0),  # a wrong extra
        (["c"], 0),
    ],
)
def test_multiple_is_all_or_nothing(quiz, chosen, score):
    result = grade(quiz, answers(q_multi=chosen))
    assert item_scores(result)["q-multi"] == score
    multi = result.items[1]
    assert [choice.id for choice in multi.chosen] == sorted(set(chosen))  # item order


def test_multiple_worth_several_points_is_still_all_or_nothing():
    choices = (
        Choice(id="a", text="A", feedback="", correct=True),
        Choice(id="b", text="B", feedback="", correct=True),
        Choice(id="c", text="C", feedback=""),
    )
    item = Item(id="m", type="multiple", prompt="", points=3, choices=choices)
    quiz = Quiz(version="v", pass_mark=0.5, items=(item,))
    assert grade(quiz, {"m": ["a", "b"]}).score == 3
    assert grade(quiz, {"m": ["a"]}).score == 0


@pytest.mark.parametrize(
    ("path", "score"),
    [
        (["tell", "report"], 2),  # the safe route
        (["tell", "ignore"], 1),  # one unsafe choice
        (["keep", "tell", "report"], 1),  # a detour through an unsafe choice
        (["keep", "send", "report"], 0),
        (["keep", "send", "ignore"], 0),  # three unsafe choices: floored at 0, not -1
    ],
)
def test_scenario_loses_a_point_per_unsafe_choice(quiz, path, score):
    result = grade(quiz, answers(q_story=path))
    story = result.items[2]
    assert story.score == score and story.points == 2
    assert [(step.id, choice.id) for step, choice in story.path] == list(
        zip([step.id for step, _ in story.path], path, strict=True)
    )
    assert story.path[0][0].id == "start"


def test_pass_exactly_at_the_mark(quiz):
    result = grade(quiz, answers(q_single=["b"]))  # 3 of 4 = 0.75, the pass mark
    assert (result.score, result.max_score, result.passed) == (3, 4, True)


def test_fail_below_the_mark(quiz):
    result = grade(quiz, answers(q_single=["b"], q_story=["tell", "ignore"]))  # 2 of 4
    assert (result.score, result.passed) == (2, False)


def _quiz_of_singles(count: int, pass_mark: float) -> Quiz:
    choices = (
        Choice(id="yes", text="Yes", feedback="", correct=True),
        Choice(id="no", text="No", feedback=""),
    )
    items = tuple(
        Item(id=f"q{n}", type="single", prompt="", points=1, choices=choices) for n in range(count)
    )
    return Quiz(version="v", pass_mark=pass_mark, items=items)


@pytest.mark.parametrize(
    ("pass_mark", "count", "right", "passed"),
    [(0.8, 10, 8, True), (0.8, 10, 7, False), (0.56, 25, 14, True), (0.56, 25, 13, False),
     (1.0, 10, 10, True), (1.0, 10, 9, False)],
)  # fmt: skip
def test_pass_mark_has_no_float_rounding_surprises(pass_mark, count, right, passed):
    # In floating point 0.56 * 25 is 14.000000000000002: 14 right out of 25 must still pass.
    quiz = _quiz_of_singles(count, pass_mark)
    responses = {f"q{n}": ["yes" if n < right else "no"] for n in range(count)}
    result = grade(quiz, responses)
    assert (result.score, result.max_score, result.passed) == (right, count, passed)


@pytest.mark.parametrize(
    ("responses", "message"),
    [
        ({"q-single": ["a"], "q-multi": ["a", "b"]}, "q-story: not answered"),
        (answers(q_extra=["a"]), "unknown question 'q-extra'"),
        (answers(q_single=["z"]), "q-single: unknown choice 'z'"),
        (answers(q_single=["a", "b"]), "q-single: choose exactly one answer"),
        (answers(q_single=[]), "q-single: choose exactly one answer"),
        (answers(q_multi=[]), "q-multi: choose at least one answer"),
        (answers(q_multi=["a", "zz"]), "q-multi: unknown choice 'zz'"),
        (answers(q_story=["report"]), "q-story: 'report' is not a choice at step 'start'"),
        (answers(q_story=["tell", "send"]), "'send' is not a choice at step 'tell-adult'"),
        (answers(q_story=["tell", "report", "tell"]), "the story had already ended"),
        (answers(q_story=["tell"]), "q-story: the story is not finished (at step 'tell-adult')"),
        (answers(q_story=[]), "the story is not finished (at step 'start')"),
    ],
)
def test_invalid_responses_are_refused(quiz, responses, message):
    with pytest.raises(InvalidResponse) as raised:
        grade(quiz, responses)
    assert message in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_walk_scenario_follows_a_partial_path(quiz):
    story = quiz.item("q-story")
    path, current = walk_scenario(story, ["keep"])
    assert [(step.id, choice.id) for step, choice in path] == [("start", "keep")]
    assert current.id == "second-thought"

    path, current = walk_scenario(story, [])
    assert path == [] and current is story.start

    path, current = walk_scenario(story, ["keep", "send", "report"])
    assert [step.id for step, _ in path] == ["start", "second-thought", "tell-adult"]
    assert current is None


def test_walk_scenario_refuses_wrong_choices(quiz):
    story = quiz.item("q-story")
    with pytest.raises(InvalidResponse, match="not a choice at step 'second-thought'"):
        walk_scenario(story, ["keep", "report"])
    with pytest.raises(InvalidResponse, match="already ended"):
        walk_scenario(story, ["tell", "ignore", "report"])
    with pytest.raises(ValueError, match="not a scenario"):
        walk_scenario(quiz.item("q-single"), ["a"])


def test_answer_rows_one_per_choice_and_decision(quiz):
    result = grade(quiz, answers(q_multi=["b", "a"], q_story=["keep", "tell", "report"]))
    assert result.answer_rows() == [
        {"item_id": "q-single", "step_id": None, "choice_id": "a", "correct": True, "position": 0},
        {"item_id": "q-multi", "step_id": None, "choice_id": "a", "correct": True, "position": 0},
        {"item_id": "q-multi", "step_id": None, "choice_id": "b", "correct": True, "position": 1},
        {"item_id": "q-story", "step_id": "start", "choice_id": "keep", "correct": False,
         "position": 0},
        {"item_id": "q-story", "step_id": "second-thought", "choice_id": "tell", "correct": True,
         "position": 1},
        {"item_id": "q-story", "step_id": "tell-adult", "choice_id": "report", "correct": True,
         "position": 2},
    ]  # fmt: skip


def test_answer_rows_mark_wrong_choices(quiz):
    rows = grade(quiz, answers(q_single=["b"], q_multi=["c"])).answer_rows()
    assert [(row["item_id"], row["choice_id"], row["correct"]) for row in rows[:2]] == [
        ("q-single", "b", False),
        ("q-multi", "c", False),
    ]
