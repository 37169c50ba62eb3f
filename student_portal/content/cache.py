"""The loaded lesson content, cached in `instance/` so a worker starts without re-rendering it.

Loading, checking and rendering every lesson costs most of a worker's start-up. What it produces
depends only on the files under the lessons folder, the source of this package (the loader and
renderer) and the versions of Markdown and nh3, so the result is stored under a hash of all of
them: any change there - a lesson edited, a loader rule added, a library upgraded - gives a new
key and the content is loaded again. It is never stale, whatever the files' modification times.

Only content that loaded without a problem is stored: a `ContentError` goes up to the caller
before anything is written, so invalid lessons stop start-up every time, as without a cache.

The file is written whole under a temporary name and renamed into place, so workers starting at
once each see either no file or a complete one; a file that can't be read back (cut off,
corrupt, from another Python) is ignored and rebuilt. The folder is the instance folder, as
trusted as the secret key beside it (the cache is a pickle: never point it at a shared,
writable place).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import markdown
import nh3

log = logging.getLogger(__name__)

# Bump when the layout of the stored file changes.
FORMAT = 1
PREFIX = "content-"
SUFFIX = ".pickle"
KEEP_FILES = 8  # older versions beyond these are deleted when a new one is written
STALE_TEMPORARY_SECONDS = 3600  # a temporary file this old was left by a writer that died
PACKAGE_DIR = Path(__file__).resolve().parent

T = TypeVar("T")

# Content already loaded by this process, by key: a second app in the same process (the test
# suite builds hundreds) reads neither the lessons nor the file again. Never stale either: the key
# is computed from the files each time.
_loaded: OrderedDict[str, object] = OrderedDict()
_LOADED_MAX = 8


def content_key(lessons_dir: str | Path, build: Callable | None = None) -> str:
    """A hash of every file under `lessons_dir`, this package's source and the renderers."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        # Length-prefixed, so no two different inputs run together into the same bytes.
        for part in (label.encode(), data):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)

    add("format", str(FORMAT).encode())
    add("python", sys.version.encode())
    add("markdown", markdown.__version__.encode())
    add("nh3", nh3.__version__.encode())
    if build is not None:
        add("build", f"{build.__module__}.{build.__qualname__}".encode())
    for source in sorted(PACKAGE_DIR.glob("*.py")):
        add("source:" + source.name, source.read_bytes())
    root = Path(lessons_dir)
    add("root", str(root.resolve()).encode())
    for folder, subfolders, files in os.walk(root):
        subfolders.sort()
        for name in sorted(files):
            path = Path(folder, name)
            add("lesson:" + path.relative_to(root).as_posix(), path.read_bytes())
    return digest.hexdigest()


def load_cached(
    lessons_dir: str | Path, cache_dir: str | Path | None, build: Callable[[Path], T]
) -> T:
    """`build(lessons_dir)`, or its stored result for the same files, code and libraries.

    `build` must return a picklable value and raise (e.g. `ContentError`) on any problem; with no
    `cache_dir` nothing is read from or written to disk.
    """
    key = content_key(lessons_dir, build)
    if key in _loaded:
        _loaded.move_to_end(key)
        return _loaded[key]  # type: ignore[return-value]
    path = Path(cache_dir) / f"{PREFIX}{key[:40]}{SUFFIX}" if cache_dir else None
    content = _read(path, key) if path is not None else None
    if content is None:
        content = build(Path(lessons_dir))  # raises on invalid content: nothing is stored
        if path is not None:
            _write(path, key, content)
    _loaded[key] = content
    while len(_loaded) > _LOADED_MAX:
        _loaded.popitem(last=False)
    return content


def forget_loaded() -> None:
    """Drop what this process has loaded (the files on disk stay)."""
    _loaded.clear()


def _read(path: Path, key: str) -> object | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        log.warning("lesson cache %s unreadable, loading the lessons: %s", path, error)
        return None
    try:
        stored_format, stored_key, content = pickle.loads(data)
    except Exception as error:  # noqa: BLE001 - any broken file is rebuilt, never trusted
        log.warning("lesson cache %s is damaged, loading the lessons: %s", path, error)
        return None
    if stored_format != FORMAT or stored_key != key:
        return None
    return content


def _write(path: Path, key: str, content: object) -> None:
    """Store `content` whole under a temporary name, then rename it into place."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = pickle.dumps((FORMAT, key, content), protocol=pickle.HIGHEST_PROTOCOL)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-" + PREFIX)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as error:
        # A read-only instance folder or unpicklable content costs speed, never start-up.
        log.warning("lesson cache %s not written: %s", path, error)
        return
    _prune(path.parent, keep=path)


def _prune(folder: Path, keep: Path) -> None:
    """Delete cached versions beyond the newest few, and temporary files writers left behind."""
    try:
        stored = sorted(
            (entry for entry in folder.glob(f"{PREFIX}*{SUFFIX}") if entry != keep),
            key=lambda entry: entry.stat().st_mtime,
            reverse=True,
        )
        now = time.time()
        stale = [
            entry
            for entry in folder.glob(f".tmp-{PREFIX}*")
            if now - entry.stat().st_mtime > STALE_TEMPORARY_SECONDS
        ]
        for entry in stored[KEEP_FILES - 1 :] + stale:
            entry.unlink(missing_ok=True)
    except OSError:  # another worker pruned the same file first
        pass
