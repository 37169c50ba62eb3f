"""The interface catalogs are complete: every string translated, none fuzzy, placeholders kept."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from student_portal.config import PROJECT_ROOT

CATALOGS = sorted((PROJECT_ROOT / "translations").glob("*/LC_MESSAGES/messages.po"))
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


def _messages(path):
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    return [message for message in catalog if message.id]


@pytest.mark.parametrize("path", CATALOGS, ids=lambda path: path.parent.parent.name)
def test_every_message_is_translated_and_none_is_fuzzy(path):
    untranslated = [
        message.id
        for message in _messages(path)
        if not message.string
        or (isinstance(message.string, tuple) and not all(message.string))
    ]
    fuzzy = [message.id for message in _messages(path) if message.fuzzy]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"


@pytest.mark.parametrize("path", CATALOGS, ids=lambda path: path.parent.parent.name)
def test_translations_keep_every_placeholder(path):
    broken = []
    for message in _messages(path):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = sorted(set(PLACEHOLDER.findall(ids[-1])))
        for string in strings:
            if sorted(set(PLACEHOLDER.findall(string))) != wanted:
                broken.append(ids[0])
    assert not broken, broken[:10]


@pytest.mark.parametrize("path", CATALOGS, ids=lambda path: path.parent.parent.name)
def test_the_compiled_catalog_is_up_to_date(path):
    compiled = path.with_suffix(".mo")
    assert compiled.exists() and compiled.stat().st_mtime >= path.stat().st_mtime, (
        "run `make catalogs` (make run and make test do)"
    )


@pytest.mark.parametrize("path", CATALOGS, ids=lambda path: path.parent.parent.name)
def test_the_catalog_holds_every_string_the_code_uses(path, tmp_path):
    """A string marked in a template or view but missing here would show in English."""
    from tests.helpers import extract_messages

    with open(extract_messages(tmp_path / "messages.pot"), "rb") as handle:
        wanted = {message.id for message in read_po(handle) if message.id}
    have = {message.id for message in _messages(path)}
    missing = sorted(str(m) for m in wanted - have)
    assert not missing, f"{len(missing)} strings to translate (make messages), e.g. {missing[:5]}"
