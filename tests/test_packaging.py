"""The built wheel runs on its own: templates, static files, lessons and migrations inside it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from student_portal.config import PROJECT_ROOT

SHIPPED = [
    "pyproject.toml",
    "README.md",
    "student_portal",
    "templates",
    "static",
    "lessons",
    "migrations",
    "translations",
]


def run(*command, **kwargs) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtualenv with only the built wheel installed (offline); its python."""
    folder = tmp_path_factory.mktemp("packaging")
    source = folder / "source"  # a copy, so the build leaves nothing in the checkout
    source.mkdir()
    for name in SHIPPED:
        path = PROJECT_ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(path, source / name)
    dist = folder / "dist"
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-w",
        str(dist),
        str(source),
    )
    (wheel,) = dist.glob("student_portal-*.whl")
    venv = folder / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", str(venv))
    python = venv / "bin" / "python"
    run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        str(python),
        "install",
        "-q",
        "--no-index",
        "--no-deps",
        str(wheel),
    )
    # The dependencies (Flask and the rest) come from this test run's environment, read-only.
    site_packages = Path(
        run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    )
    (site_packages / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def clean_env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "PYTHON", "FLASK_"))}
    env.update(
        {
            "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'portal.db'}",
            "PORTAL_SECRET_KEY": "packaging-test",
            "PORTAL_SESSION_COOKIE_SECURE": "false",
        }
    )
    return env


@pytest.mark.slow
def test_the_installed_wheel_migrates_and_serves_help_from_another_folder(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = clean_env(tmp_path)
    where = run(
        str(installed),
        "-c",
        "import student_portal; print(student_portal.__file__)",
        cwd=elsewhere,
        env=env,
    )
    assert Path(where).is_relative_to(installed.parent.parent)  # not the source checkout
    run(
        str(installed),
        "-m",
        "flask",
        "--app",
        "student_portal",
        "db",
        "upgrade",
        cwd=elsewhere,
        env=env,
    )
    assert "8 lessons" in run(
        str(installed),
        "-m",
        "flask",
        "--app",
        "student_portal",
        "lessons",
        "check",
        cwd=elsewhere,
        env=env,
    )

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            str(installed),
            "-m",
            "gunicorn",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "student_portal:create_app()",
        ],
        cwd=elsewhere,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/help/", timeout=5) as page:
                    help_page = page.read().decode()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "the installed app did not answer"
                time.sleep(0.2)
        assert "<h1>Get help</h1>" in help_page
        assert "National Human Trafficking Hotline" in help_page  # from the shipped lessons
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/css/site.css") as css:
            assert css.status == 200 and b"quick-exit" in css.read()
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stderr.close()


def test_every_python_package_is_listed_for_the_wheel():
    """A new sub-package (like evaluate/) that pyproject.toml doesn't list is missing from the
    wheel, and the installed app fails to start."""
    import tomllib

    from setuptools import find_packages

    from student_portal.config import PROJECT_ROOT

    listed = set(
        tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
            "packages"
        ]
    )
    found = set(find_packages(str(PROJECT_ROOT), include=["student_portal", "student_portal.*"]))
    assert found - listed == set()
