"""The order choices are shown in: shuffled per attempt or per poll, the same every time."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence

from .model import Choice


def shuffled(choices: Sequence[Choice], seed: str, scope: str) -> tuple[Choice, ...]:
    """`choices` in an order fixed by (seed, scope); choices marked `fixed` keep their place.

    The seed is an attempt's key (or a poll's number), the scope names the question, so one
    attempt shows each question in its own order and a reload shows the same one again.
    """
    movable = [choice for choice in choices if not choice.fixed]
    digest = hashlib.sha256(f"{seed}\x00{scope}".encode()).digest()
    random.Random(digest).shuffle(movable)
    rest = iter(movable)
    return tuple(choice if choice.fixed else next(rest) for choice in choices)
