"""Settings: defaults, then PORTAL_* environment variables, then the mapping tests pass."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

from flask import Flask

from .passwords import ARGON2_MEMORY_KIB, ARGON2_TIME_COST

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent


def data_folder(name: str) -> Path:
    """templates/, static/, lessons/, migrations/ or translations/: inside the installed
    package (the wheel ships them as student_portal/<name>/), else at the top of the checkout."""
    shipped = PACKAGE_DIR / name
    return shipped if shipped.is_dir() else PROJECT_ROOT / name


def default_settings(instance_path: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "portal.db"),
        "LESSONS_DIR": str(data_folder("lessons")),
        # Where the rendered lessons are kept between starts (content/cache.py); empty: nowhere.
        "CONTENT_CACHE_DIR": os.path.join(instance_path, "content-cache"),
        # Compiled templates, likewise (keyed by each template's source); empty: nowhere.
        "TEMPLATE_CACHE_DIR": os.path.join(instance_path, "template-cache"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": True,
        # A student who reads for an hour must not lose their answers: the CSRF token
        # lives as long as the session instead of 3600 s.
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "PASSWORD_MIN_LENGTH": 8,
        "TRANSLATIONS_DIR": str(data_folder("translations")),
        "TIMEZONE": "America/New_York",  # the school's zone, for cohorts that set none
        # OWASP's minimum for Argon2id. The test suite lowers these to stay fast; never lower
        # them in a real deployment.
        "PASSWORD_ARGON2_TIME_COST": ARGON2_TIME_COST,
        "PASSWORD_ARGON2_MEMORY_KIB": ARGON2_MEMORY_KIB,
        # Flask-Limiter: in this process's memory unless PORTAL_RATELIMIT_STORAGE_URL names a
        # shared store (several servers, or to count across gunicorn workers exactly).
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_HEADERS_ENABLED": False,
        # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host.
        "TRUSTED_PROXIES": 0,
        # The site's public address (https://portal.example.org), for links printed on paper
        # such as the letter home's QR code; unset, the request's own host is used.
        "PUBLIC_URL": "",
    }


def load_settings(app: Flask, config: dict | None) -> None:
    """Apply defaults, the PORTAL_* environment, then `config`; fill in the secret key."""
    app.config.from_mapping(default_settings(app.instance_path))
    app.config.from_prefixed_env("PORTAL")
    if "DATABASE_URL" in app.config:  # PORTAL_DATABASE_URL is the documented name
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config.pop("DATABASE_URL")
    if "RATELIMIT_STORAGE_URL" in app.config:  # PORTAL_RATELIMIT_STORAGE_URL, likewise
        app.config["RATELIMIT_STORAGE_URI"] = app.config.pop("RATELIMIT_STORAGE_URL")
    if config:
        app.config.from_mapping(config)
    if app.debug:
        app.config["SESSION_COOKIE_SECURE"] = False
        app.config["REMEMBER_COOKIE_SECURE"] = False
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))


def _instance_secret_key(instance_path: Path) -> str:
    """Read instance/secret_key, creating it (mode 600) on first start."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        # Written whole under a temporary name (mkstemp: mode 600), then linked into place:
        # workers starting together either win the link or read the winner's complete key.
        descriptor, temporary = tempfile.mkstemp(dir=instance_path, prefix=".secret_key.")
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
            os.link(temporary, key_file)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    return key_file.read_text().strip()
