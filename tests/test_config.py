"""Settings come from the environment; a missing secret key is generated once, privately."""

from __future__ import annotations

import stat

from flask import Flask

from student_portal import create_app
from student_portal.config import load_settings
from tests.conftest import app_config


def test_missing_secret_key_is_generated_once_with_mode_600(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    config = app_config(tmp_path)
    del config["SECRET_KEY"]
    instance = tmp_path / "instance"
    app = Flask("probe", instance_path=str(instance))
    load_settings(app, config)
    key_file = instance / "secret_key"
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(app.config["SECRET_KEY"]) == 64

    again = Flask("probe", instance_path=str(instance))
    load_settings(again, config)
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_environment_settings_are_read(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "from-the-environment")
    config = app_config(tmp_path)
    for key in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI"):
        del config[key]
    app = create_app(config)
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.db")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None


def test_rate_limit_store_and_proxies_are_read_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_RATELIMIT_STORAGE_URL", "memory://?shared=1")
    monkeypatch.setenv("PORTAL_TRUSTED_PROXIES", "1")
    app = Flask("probe", instance_path=str(tmp_path / "instance"))
    load_settings(app, app_config(tmp_path))
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://?shared=1"
    assert app.config["TRUSTED_PROXIES"] == 1


def test_by_default_limits_are_kept_in_memory_and_no_proxy_is_trusted(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_RATELIMIT_STORAGE_URL", raising=False)
    monkeypatch.delenv("PORTAL_TRUSTED_PROXIES", raising=False)
    app = Flask("probe", instance_path=str(tmp_path / "instance"))
    load_settings(app, app_config(tmp_path))
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert app.config["TRUSTED_PROXIES"] == 0
