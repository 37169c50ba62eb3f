"""The answers export: prepared in the background, downloaded whole, never cut off unnoticed."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from student_portal import catalog, exports
from student_portal.extensions import db
from student_portal.models import QuizAnswer, QuizAttempt, User
from student_portal.quizzes import record_attempt
from tests.factories import make_cohort, make_student, make_teacher

RIGHT = {"q-single": ["a"], "q-multi": ["a", "b"], "q-story": ["tell", "report"]}
WRONG = {"q-single": ["b"], "q-multi": ["a"], "q-story": ["keep", "tell", "report"]}


@pytest.fixture
def cohort_with_answers(app):
    """Ana tried twice, Ben once; a student of another teacher's cohort answered too."""
    with app.app_context():
        teacher = make_teacher("teacher-a")
        cohort = make_cohort(teacher, "Period 3")
        lesson = catalog().get("01-first-steps")
        ana, ben = make_student(cohort, "ana"), make_student(cohort, "ben")
        make_student(cohort, "cy")
        stranger = make_student(make_cohort(make_teacher("teacher-b"), "Other"), "stranger")
        record_attempt(ana, lesson, WRONG, "ana-1")
        record_attempt(ana, lesson, RIGHT, "ana-2")
        record_attempt(ben, lesson, WRONG, "ben-1")
        record_attempt(stranger, lesson, RIGHT, "stranger-1")
        return {"cohort": cohort.id, "members": [ana.id, ben.id]}


def signed_in(app, username="teacher-a"):
    client = app.test_client()
    client.post("/sign-in", data={"username": username, "password": "correct-horse-9"})
    return client


def start(client, cohort_id: int) -> str:
    """Press "Prepare the file"; returns the status page's URL."""
    response = client.post(f"/teach/cohorts/{cohort_id}/exports")
    assert response.status_code == 303
    return response.headers["Location"]


def wait_until_finished(client, status_url: str, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page = client.get(status_url).get_data(as_text=True)
        if "Preparing your file" not in page:
            return page
        time.sleep(0.05)
    raise AssertionError("the export did not finish")


def download(client, url: str):
    """GET a file and close it (a file response holds the file open until closed)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def stored_answers(app, user_ids) -> Counter:
    with app.app_context():
        rows = db.session.execute(
            select(User.username, QuizAnswer.item_id, QuizAnswer.step_id, QuizAnswer.choice_id)
            .join(QuizAttempt, QuizAttempt.user_id == User.id)
            .join(QuizAnswer, QuizAnswer.attempt_id == QuizAttempt.id)
            .where(User.id.in_(user_ids))
        )
        return Counter((u, i, s or "", c) for u, i, s, c in rows)


def test_teacher_downloads_every_stored_answer_once_ending_with_end_of_file(
    app, cohort_with_answers
):
    client = signed_in(app)
    status_url = start(client, cohort_with_answers["cohort"])
    page = wait_until_finished(client, status_url)
    assert "Your file is ready" in page and "15 answers" in page
    response = download(client, status_url + "/download")
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(response.data))
    assert response.headers["Cache-Control"] == "no-store"
    assert "filename=period-3-answers.csv" in response.headers["Content-Disposition"]
    header, *rows, last = read_csv(response.data)
    assert last == ["End of file", "15 rows"]
    assert header[1] == "Username" and "Who should you tell?" in {row[9] for row in rows}
    found = Counter((row[1], row[8], row[10], row[11]) for row in rows)
    assert found == stored_answers(app, cohort_with_answers["members"])  # not the stranger's
    assert {row[3] for row in rows if row[1] == "ana"} == {"1", "2"}  # tries, not database ids


def test_progress_page_links_to_the_answers_file_and_lists_todays_files(app, cohort_with_answers):
    client = signed_in(app)
    cohort_id = cohort_with_answers["cohort"]
    progress = client.get(f"/teach/cohorts/{cohort_id}/progress").get_data(as_text=True)
    assert f'href="/teach/cohorts/{cohort_id}/exports"' in progress
    wait_until_finished(client, start(client, cohort_id))
    page = client.get(f"/teach/cohorts/{cohort_id}/exports").get_data(as_text=True)
    assert page.count("<h1>") == 1 and "Prepare the file" in page
    assert "ready" in page and "kept for one day" in page


@pytest.fixture
def held_export(app, monkeypatch):
    """Answers tables that write some rows, then wait until `release` is set (or `fail` is)."""
    release, fail = threading.Event(), threading.Event()
    def held_table(cohort, lessons):
        from student_portal.reports import answers_table

        header, rows = answers_table(cohort, lessons)

        def held_rows():
            for number, row in enumerate(rows):
                if number == 3:
                    release.wait(10)
                    if fail.is_set():
                        raise RuntimeError("the database went away mid-export")
                yield row

        return header, held_rows()

    monkeypatch.setattr("student_portal.teach.answers_table", held_table)
    return release, fail


def test_a_file_being_written_cannot_be_downloaded_and_the_page_refreshes(
    app, cohort_with_answers, held_export
):
    release, _ = held_export
    client = signed_in(app)
    status_url = start(client, cohort_with_answers["cohort"])
    page = client.get(status_url).get_data(as_text=True)
    assert "Preparing your file" in page and '<meta http-equiv="refresh" content="3">' in page
    assert download(client, status_url + "/download").status_code == 404
    # Pressing the button again while it is written shows the same job, not a second writer.
    assert start(client, cohort_with_answers["cohort"]) == status_url
    release.set()
    assert "Your file is ready" in wait_until_finished(client, status_url)
    assert read_csv(download(client, status_url + "/download").data)[-1][0] == "End of file"


def test_a_failed_export_leaves_no_file_that_looks_complete(app, cohort_with_answers, held_export):
    release, fail = held_export
    client = signed_in(app)
    status_url = start(client, cohort_with_answers["cohort"])
    fail.set()
    release.set()
    page = wait_until_finished(client, status_url)
    assert "could not be finished" in page and "Try again" in page
    assert download(client, status_url + "/download").status_code == 404
    folder = Path(app.config["EXPORTS_DIR"])
    assert not list(folder.glob("*.csv")) and not list(folder.glob("*.part"))


def dead_pid() -> int:
    """The id of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_job_whose_worker_died_is_written_again_and_never_served_half_done(
    app, cohort_with_answers
):
    """A worker restarted mid-export left half a file: the next look at the job restarts it."""
    cohort_id = cohort_with_answers["cohort"]
    folder = Path(app.config["EXPORTS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    job_id = "A" * 22
    meta = {
        "cohort_id": cohort_id,
        "filename": "period-3-answers.csv",
        "created_at": "2025-01-06T10:00:00+00:00",
    }
    (folder / f"{job_id}.json").write_text(json.dumps(meta))
    half_done = folder / f"{job_id}.{dead_pid()}.0000.part"
    half_done.write_text("\ufeffStudent,Username\r\nana,ana\r\n")
    client = signed_in(app)
    status_url = f"/teach/cohorts/{cohort_id}/exports/{job_id}"
    assert download(client, status_url + "/download").status_code == 404
    page = wait_until_finished(client, status_url)
    assert "Your file is ready" in page
    assert not half_done.exists()
    header, *rows, last = read_csv(download(client, status_url + "/download").data)
    assert last == ["End of file", "15 rows"] and len(rows) == 15


def test_expired_files_are_deleted(app, cohort_with_answers):
    client = signed_in(app)
    status_url = start(client, cohort_with_answers["cohort"])
    wait_until_finished(client, status_url)
    folder = Path(app.config["EXPORTS_DIR"])
    exports.remove_expired(folder, now=time.time() + exports.KEEP_FOR_SECONDS + 1)
    assert list(folder.iterdir()) == []
    assert client.get(status_url).status_code == 404


@pytest.mark.parametrize("who, status", [("teacher-b", 404), ("ana", 403), (None, 302)])
@pytest.mark.parametrize("path", ["exports", "exports/{job}", "exports/{job}/download"])
def test_only_the_cohorts_teacher_reaches_its_exports(app, cohort_with_answers, who, status, path):
    owner = signed_in(app)
    job = re.search(r"exports/([^/]+)$", start(owner, cohort_with_answers["cohort"])).group(1)
    wait_until_finished(owner, f"/teach/cohorts/{cohort_with_answers['cohort']}/exports/{job}")
    client = signed_in(app, who) if who else app.test_client()
    url = f"/teach/cohorts/{cohort_with_answers['cohort']}/" + path.format(job=job)
    response = download(client, url)
    assert response.status_code == status
    visible = re.sub(r'value="[^"]*"', "", response.get_data(as_text=True))  # not CSRF tokens
    assert not re.search(r"\bben\b", visible)  # another student's name never shows
    if who is not None:
        start_url = f"/teach/cohorts/{cohort_with_answers['cohort']}/exports"
        assert client.post(start_url).status_code == status


def test_a_job_of_one_cohort_is_not_found_through_another(app, cohort_with_answers):
    client = signed_in(app)
    job_url = start(client, cohort_with_answers["cohort"])
    wait_until_finished(client, job_url)
    with app.app_context():
        own_other = make_cohort(db.session.scalar(select(User).where(User.username == "teacher-a")))
        other_id = own_other.id
    job = job_url.rsplit("/", 1)[1]
    assert download(client, f"/teach/cohorts/{other_id}/exports/{job}/download").status_code == 404
    assert client.get(f"/teach/cohorts/{other_id}/exports/..%2F..%2Fsecret_key").status_code == 404
