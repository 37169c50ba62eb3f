"""CSV files that open cleanly in Excel and Google Sheets, safe from formula injection.

Small files (the progress grid) are written inside the request. The answers export of a big
cohort is hundreds of megabytes, so it is prepared in the background instead: a thread writes it
under a temporary name in `EXPORTS_DIR` (default `instance/exports/`), and only a finished file,
ending with an "End of file" line that counts its rows, is renamed to its final name. The job's
state lives in those files, not in process memory, so any worker can answer for it, and a job
whose worker died (a restart, a crash) is noticed and started again.

Files of job <id>: `<id>.json` (cohort, file name, start time; rows once done), one
`<id>.<pid>.<token>.part` per writer while it writes, `<id>.csv` when finished, `<id>.failed`
when it could not be finished.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, Response, current_app, stream_with_context
from flask_babel import force_locale
from flask_babel import gettext as _

from .i18n import reader_language

# A cell starting with one of these is a formula to a spreadsheet program.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
END_OF_FILE = "End of file"
JOB_ID = re.compile(r"[A-Za-z0-9_-]{22}")
# A writer that has not written for this long is taken as dead even if its process lives on.
STALE_AFTER_SECONDS = 300
KEEP_FOR_SECONDS = 24 * 3600


def safe_cell(value) -> str:
    """The value as text; text that a spreadsheet would run as a formula is quoted with '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return str(value)  # numbers stay numbers (a negative number is not a formula)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    """A CSV download, written as it is read (a big export never sits whole in memory)."""

    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        buffer.write("\ufeff")  # a byte order mark tells Excel the file is UTF-8
        writer.writerow([safe_cell(cell) for cell in header])
        for number, row in enumerate(rows):
            writer.writerow([safe_cell(cell) for cell in row])
            if number % 500 == 499:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def write_csv(handle, header: Sequence[str], rows: Iterable[Sequence], touch: Callable) -> int:
    """Write header, rows and the "End of file" line to a text file; returns the row count."""
    writer = csv.writer(handle, lineterminator="\r\n")
    handle.write("\ufeff")
    writer.writerow([safe_cell(cell) for cell in header])
    count = 0
    for count, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(cell) for cell in row])
        if count % 20000 == 0:
            handle.flush()
            touch()  # the heartbeat others read from the file's modification time
    writer.writerow([END_OF_FILE, f"{count} rows"])  # read by tools: stays English
    return count


# --- Background exports -----------------------------------------------------------------------

RUNNING, DONE, FAILED = "running", "done", "failed"


@dataclass(frozen=True)
class ExportJob:
    id: str
    cohort_id: int
    filename: str
    created_at: datetime
    state: str
    size: int  # bytes written so far, or of the finished file
    rows: int | None  # known once done

    @property
    def expires_at(self) -> datetime:
        return datetime.fromtimestamp(self.created_at.timestamp() + KEEP_FOR_SECONDS, UTC)


def exports_dir(app: Flask | None = None) -> Path:
    app = app or current_app
    folder = Path(app.config.get("EXPORTS_DIR") or Path(app.instance_path) / "exports")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


# A table builder: () -> (file name, header, rows), called inside the writer's app context.
TableBuilder = Callable[[], tuple[Sequence[str], Iterable[Sequence]]]


def start_export(cohort_id: int, filename: str, table: TableBuilder) -> ExportJob:
    """The cohort's export being prepared, or a new one started in the background."""
    folder = exports_dir()
    remove_expired(folder)
    for job in cohort_jobs(cohort_id):
        if job.state == RUNNING:
            return job
    job_id = secrets.token_urlsafe(16)
    meta = {
        "cohort_id": cohort_id,
        "filename": filename,
        "created_at": datetime.now(UTC).isoformat(),
    }
    _write_atomically(folder / f"{job_id}.json", json.dumps(meta))
    _launch(current_app._get_current_object(), folder, job_id, table)
    return load_job(job_id)


def load_job(job_id: str, table: TableBuilder | None = None) -> ExportJob | None:
    """A job's state from its files. With `table`, a job whose writer died is started again."""
    if not JOB_ID.fullmatch(job_id):
        return None
    folder = exports_dir()
    try:
        meta = json.loads((folder / f"{job_id}.json").read_text())
    except (FileNotFoundError, ValueError):
        return None
    finished = folder / f"{job_id}.csv"
    if finished.exists():
        state, size = DONE, finished.stat().st_size
    elif (folder / f"{job_id}.failed").exists():
        state, size = FAILED, 0
    else:
        parts = _live_parts(folder, job_id)
        if not parts and table is not None and _claim_dead_writer(folder, job_id):
            _launch(current_app._get_current_object(), folder, job_id, table)
            parts = _live_parts(folder, job_id)
        if parts:
            state, size = RUNNING, max(p.stat().st_size for p in parts)
        elif finished.exists():  # the writer finished between the first look and this one
            state, size = DONE, finished.stat().st_size
            meta = json.loads((folder / f"{job_id}.json").read_text())
        else:
            state, size = FAILED, 0
    return ExportJob(
        id=job_id,
        cohort_id=int(meta["cohort_id"]),
        filename=meta["filename"],
        created_at=datetime.fromisoformat(meta["created_at"]),
        state=state,
        size=size,
        rows=meta.get("rows"),
    )


def cohort_jobs(cohort_id: int) -> list[ExportJob]:
    """The cohort's exports on file, newest first."""
    jobs = []
    for meta in exports_dir().glob("*.json"):
        job = load_job(meta.stem)
        if job is not None and job.cohort_id == cohort_id:
            jobs.append(job)
    return sorted(jobs, key=lambda job: job.created_at, reverse=True)


def finished_file(job: ExportJob) -> Path | None:
    path = exports_dir() / f"{job.id}.csv"
    return path if job.state == DONE and path.exists() else None


def remove_expired(folder: Path, now: float | None = None) -> None:
    """Delete jobs older than a day: exports hold students' answers and must not pile up."""
    now = now or time.time()
    for meta in folder.glob("*.json"):
        try:
            if now - meta.stat().st_mtime < KEEP_FOR_SECONDS:
                continue
        except FileNotFoundError:
            continue
        for path in folder.glob(f"{meta.stem}.*"):
            path.unlink(missing_ok=True)


def _launch(app: Flask, folder: Path, job_id: str, table: TableBuilder) -> None:
    """Start the writer, in the language of the request that asked for the file."""
    # The .part file exists before this returns, so the job reads as running from any worker.
    part = folder / f"{job_id}.{os.getpid()}.{secrets.token_hex(4)}.part"
    descriptor = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # students' answers
    handle = os.fdopen(descriptor, "w", encoding="utf-8", newline="")
    thread = threading.Thread(
        target=_write_job,
        args=(app, folder, job_id, part, handle, table, reader_language()),
        daemon=True,
    )
    thread.start()


def _write_job(
    app: Flask, folder: Path, job_id: str, part: Path, handle, table, language: str = "en"
) -> None:
    """The writer thread: the whole file under its .part name, then one atomic rename.

    Headers and words are written in `language` (the thread has no request to choose one).
    """
    from .extensions import db

    try:
        with app.app_context(), force_locale(language):
            try:
                header, rows = table()
                try:
                    with handle:
                        count = write_csv(handle, header, rows, touch=lambda: os.utime(part))
                        handle.flush()
                        os.fsync(handle.fileno())
                finally:
                    if hasattr(rows, "close"):  # a database cursor left half-read is closed now
                        rows.close()
            finally:
                db.session.remove()
        # The row count first: a page that sees the finished file also sees how many rows.
        _set_meta(folder, job_id, rows=count)
        os.replace(part, folder / f"{job_id}.csv")
    except Exception:
        handle.close()
        if part.exists():  # else another worker took the job over: it is not ours to fail
            app.logger.exception("export %s could not be finished", job_id)
            part.unlink()
            _write_atomically(folder / f"{job_id}.failed", "the export could not be finished\n")


def _live_parts(folder: Path, job_id: str) -> list[Path]:
    """The job's .part files whose writer is still alive and writing."""
    return [part for part in folder.glob(f"{job_id}.*.part") if _is_live(part)]


def _is_live(part: Path) -> bool:
    try:
        recent = time.time() - part.stat().st_mtime < STALE_AFTER_SECONDS
    except FileNotFoundError:
        return False
    return recent and _process_alive(int(part.name.split(".")[1]))


def _claim_dead_writer(folder: Path, job_id: str) -> bool:
    """True for exactly one caller when a job's writer died: the one who restarts it."""
    dead = [p for p in folder.glob(f"{job_id}.*.part") if not _is_live(p)]
    if not dead:
        return False  # someone else restarted it, or the writer died before writing anything
    for part in dead:
        try:
            os.rename(part, part.with_suffix(".dead"))  # atomic: only one caller wins
        except FileNotFoundError:
            return False
        part.with_suffix(".dead").unlink(missing_ok=True)
    return True


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _set_meta(folder: Path, job_id: str, **changes) -> None:
    path = folder / f"{job_id}.json"
    meta = json.loads(path.read_text())
    meta.update(changes)
    _write_atomically(path, json.dumps(meta))


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def iter_batches(result, size: int = 5000) -> Iterator:
    """The rows of a SQLAlchemy result fetched `size` at a time."""
    while batch := result.fetchmany(size):
        yield from batch
