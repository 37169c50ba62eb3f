"""The content cache: a worker reads the rendered lessons back instead of rendering them again,
and never gets a stale or broken copy."""

from __future__ import annotations

import multiprocessing
import shutil
from pathlib import Path

import pytest

from student_portal import create_app, load_content
from student_portal.config import PROJECT_ROOT
from student_portal.content import ContentError, cache
from tests.conftest import FIXTURE_LESSONS, app_config


@pytest.fixture
def lessons(tmp_path):
    """A copy of the fixture lessons that a test may edit."""
    folder = tmp_path / "lessons"
    shutil.copytree(FIXTURE_LESSONS, folder)
    return folder


@pytest.fixture(autouse=True)
def loaded_before():
    """What this process had loaded before a test here is given back after it (these tests
    empty it to act as new workers), so later apps on the same lessons need not load them."""
    before = dict(cache._loaded)
    yield
    cache.forget_loaded()
    cache._loaded.update(before)


@pytest.fixture
def cache_dir(tmp_path):
    cache.forget_loaded()
    yield tmp_path / "content-cache"
    cache.forget_loaded()


class CountingBuild:
    """`load_content`, counting how often the lessons were really loaded."""

    def __init__(self):
        self.calls = 0
        self.__module__ = load_content.__module__
        self.__qualname__ = load_content.__qualname__

    def __call__(self, lessons_dir: Path):
        self.calls += 1
        return load_content(lessons_dir)


def load_fresh(lessons, cache_dir, build):
    """What a newly started worker gets: nothing in memory, only what is on disk."""
    cache.forget_loaded()
    return cache.load_cached(lessons, cache_dir, build)


def cached_files(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("content-*.pickle"))


def test_a_second_worker_reads_back_an_equal_catalog_without_loading_the_lessons(
    lessons, cache_dir
):
    build = CountingBuild()
    catalog, survey = load_fresh(lessons, cache_dir, build)
    again, survey_again = load_fresh(lessons, cache_dir, build)

    assert build.calls == 1
    assert len(cached_files(cache_dir)) == 1
    assert again == catalog and survey_again == survey
    # Translations are not part of a lesson's equality: compare them on their own.
    for lesson, read_back in zip(catalog.lessons, again.lessons, strict=True):
        assert read_back.html == lesson.html and read_back.quiz == lesson.quiz
        assert read_back.translations == lesson.translations
        assert read_back.in_language("es").title == lesson.in_language("es").title
    assert again.resources == catalog.resources


def test_the_real_lessons_survive_the_round_trip(cache_dir):
    lessons = PROJECT_ROOT / "lessons"
    build = CountingBuild()
    catalog, survey = load_fresh(lessons, cache_dir, build)
    again, survey_again = load_fresh(lessons, cache_dir, build)
    assert build.calls == 1
    assert again == catalog and survey_again == survey
    for lesson, read_back in zip(catalog.lessons, again.lessons, strict=True):
        assert read_back.translations == lesson.translations


@pytest.mark.parametrize(
    "edit",
    ["01-first-steps/lesson.md", "02-second-look/quiz.toml", "resources.toml", "notes.txt"],
)
def test_editing_any_file_under_lessons_rebuilds(lessons, cache_dir, edit):
    build = CountingBuild()
    load_fresh(lessons, cache_dir, build)
    path = lessons / edit
    if path.name == "lesson.md":
        text = path.read_text()
        title = next(line for line in text.splitlines() if line.startswith("title"))
        path.write_text(text.replace(title, 'title = "A title changed today"'))
    elif path.exists():
        path.write_text(path.read_text() + "\n# a comment\n")
    else:
        path.write_text("any new file counts\n")
    # The same size and modification time would not hide the change: the key is the bytes.
    catalog, _survey = load_fresh(lessons, cache_dir, build)
    assert build.calls == 2
    if path.name == "lesson.md":
        assert catalog.get("01-first-steps").title == "A title changed today"


def test_a_change_to_the_loaders_code_rebuilds(lessons, cache_dir, tmp_path, monkeypatch):
    package = tmp_path / "content-package"
    shutil.copytree(cache.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGE_DIR", package)
    build = CountingBuild()
    load_fresh(lessons, cache_dir, build)
    load_fresh(lessons, cache_dir, build)
    assert build.calls == 1

    render = package / "render.py"
    render.write_text(render.read_text() + "\n# renders differently now\n")
    load_fresh(lessons, cache_dir, build)
    assert build.calls == 2


@pytest.mark.parametrize("library", ["markdown", "nh3"])
def test_another_version_of_markdown_or_nh3_rebuilds(lessons, cache_dir, monkeypatch, library):
    build = CountingBuild()
    load_fresh(lessons, cache_dir, build)
    monkeypatch.setattr(getattr(cache, library), "__version__", "999.0")
    load_fresh(lessons, cache_dir, build)
    assert build.calls == 2


@pytest.mark.parametrize(
    "damage",
    [b"", b"not a pickle at all", b"\x80\x05\x95truncated", "cut in half"],
)
def test_a_damaged_cache_file_is_ignored_and_rebuilt(lessons, cache_dir, damage):
    build = CountingBuild()
    catalog, _survey = load_fresh(lessons, cache_dir, build)
    [stored] = cached_files(cache_dir)
    data = stored.read_bytes()
    stored.write_bytes(data[: len(data) // 2] if damage == "cut in half" else damage)

    again, _survey = load_fresh(lessons, cache_dir, build)
    assert build.calls == 2
    assert again == catalog
    # Written again whole: the next worker reads it.
    load_fresh(lessons, cache_dir, build)
    assert build.calls == 2


def test_a_cache_that_cannot_be_written_still_starts_the_app(lessons, tmp_path):
    cache.forget_loaded()
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("")
    catalog, _survey = cache.load_cached(lessons, blocked / "cache", load_content)
    assert catalog.get("01-first-steps") is not None
    cache.forget_loaded()


def test_broken_lessons_are_never_cached_and_stop_every_start(lessons, cache_dir, tmp_path):
    quiz = lessons / "02-second-look" / "quiz.toml"
    quiz.write_text(quiz.read_text().replace('feedback = "Right: the adult is responsible."\n', ""))
    config = app_config(tmp_path, LESSONS_DIR=str(lessons), CONTENT_CACHE_DIR=str(cache_dir))
    for _start in range(2):
        with pytest.raises(ContentError, match="feedback"):
            create_app(config)
        assert not cache_dir.exists() or cached_files(cache_dir) == []


def test_the_app_keeps_its_cache_in_the_configured_folder(lessons, cache_dir, tmp_path):
    config = app_config(tmp_path, LESSONS_DIR=str(lessons), CONTENT_CACHE_DIR=str(cache_dir))
    app = create_app(config)
    assert len(cached_files(cache_dir)) == 1
    cache.forget_loaded()
    again = create_app(config)
    assert again.extensions["catalog"] == app.extensions["catalog"]
    assert again.extensions["survey"] == app.extensions["survey"]


def test_old_versions_are_pruned(lessons, cache_dir):
    notes = lessons / "notes.txt"
    for version in range(cache.KEEP_FILES + 3):
        notes.write_text(f"version {version}\n")
        load_fresh(lessons, cache_dir, load_content)
    assert len(cached_files(cache_dir)) == cache.KEEP_FILES


def _write_repeatedly(path: Path, key: str, content, start, rounds: int) -> None:
    start.wait()
    for _ in range(rounds):
        cache._write(path, key, content)


@pytest.mark.slow
def test_workers_writing_at_once_never_leave_a_broken_file(lessons, cache_dir):
    """Four worker processes started together all write the cache, over and over; a reader
    never sees a partial file, and what is left is whole."""
    expected = load_content(lessons)
    key = cache.content_key(lessons, load_content)
    path = cache_dir / f"{cache.PREFIX}{key[:40]}{cache.SUFFIX}"
    cache_dir.mkdir(parents=True)
    # Forked, as gunicorn forks its workers: they start at once, with the modules loaded.
    processes = multiprocessing.get_context("fork")
    start = processes.Event()
    writers = [
        processes.Process(target=_write_repeatedly, args=(path, key, expected, start, 25))
        for _ in range(4)
    ]
    for writer in writers:
        writer.start()
    reads = 0
    try:
        start.set()
        while any(writer.is_alive() for writer in writers):
            # Once the file exists it always does (a rename replaces it in one step).
            existed = path.exists()
            content = cache._read(path, key)
            if existed:
                assert content == expected, "a reader saw a partial cache file"
                reads += 1
    finally:
        for writer in writers:
            writer.join(timeout=60)
    assert [writer.exitcode for writer in writers] == [0, 0, 0, 0]
    assert reads > 0
    assert cache._read(path, key) == expected
    assert cached_files(cache_dir) == [path]
    assert list(cache_dir.glob(".tmp-*")) == []
