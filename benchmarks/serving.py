"""Shared by the HTTP benchmarks: run the app under gunicorn on 127.0.0.1, and a small client.

The server is the README's production command (`gunicorn --workers 4 "app:app"`, default
30 s timeout) on a free loopback port; the client keeps its own cookies and reads forms by the
`name` attributes of their fields, so small template changes do not break it.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# Every benchmark client says the same: the portal's session protection ties a session to its
# browser (address and user agent), so a load generator replaying a cookie must send it too.
USER_AGENT = "student-portal-benchmark"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(
    database_url: str,
    workers: int = 4,
    extra_env: dict | None = None,
    log=None,
    app_spec: str = "app:app",
    cwd: Path = ROOT,
):
    """Serve the app (or `app_spec` from `cwd`) on a free loopback port; yields its base URL,
    stops it afterwards."""
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "PORTAL_DATABASE_URL": database_url,
            "PORTAL_SECRET_KEY": "benchmark-secret",
            "PORTAL_SESSION_COOKIE_SECURE": "false",
            "PORTAL_REMEMBER_COOKIE_SECURE": "false",
        }
    )
    env.update(extra_env or {})
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        app_spec,
    ]
    output = log or subprocess.DEVNULL
    server = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start-up (exit {server.returncode})")
            try:
                urllib.request.urlopen(base + "/help/", timeout=5).read()
                break
            except OSError:  # URLError, refused, timed out while workers boot
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not answer within 60 s") from None
                time.sleep(0.2)
        yield base
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


class FormParser(HTMLParser):
    """Every <form> on a page: its action, method and the fields it would send."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "action": attributes.get("action") or "",
                    "method": (attributes.get("method") or "get").lower(),
                    "name": attributes.get("name"),
                    "hidden": {},
                    "options": {},  # field name -> [(type, value)] for radios and checkboxes
                    "fields": set(),
                }
            )
        elif tag in ("input", "textarea", "select", "button") and self.forms:
            form = self.forms[-1]
            name = attributes.get("name")
            if not name:
                return
            form["fields"].add(name)
            kind = (attributes.get("type") or "text").lower()
            if kind == "hidden":
                form["hidden"][name] = unescape(attributes.get("value") or "")
            elif kind in ("radio", "checkbox"):
                form["options"].setdefault(name, []).append((kind, attributes.get("value") or ""))


def forms_in(html: str) -> list[dict]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


def form_with(html: str, *field_names: str) -> dict | None:
    """The first form that has all these fields (by name attribute)."""
    for form in forms_in(html):
        if all(name in form["fields"] for name in field_names):
            return form
    return None


class Client:
    """One browser: its own cookies, no automatic redirects (a 303 is read as an answer)."""

    def __init__(self, base: str, timeout: float = 120):
        self.base = base
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect
        )

    def request(self, method: str, path: str, data: dict | list | None = None):
        """(status, headers, body bytes); HTTP errors are answers too."""
        url = path if path.startswith("http") else self.base + path
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(
            url, data=body, method=method, headers={"User-Agent": USER_AGENT}
        )
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def get(self, path: str):
        return self.request("GET", path)

    def post(self, path: str, data):
        return self.request("POST", path, data)

    def sign_in(self, username: str, password: str) -> int:
        status, _, body = self.get("/sign-in")
        form = form_with(body.decode(), "username", "password")
        if status != 200 or form is None:
            return status
        data = dict(form["hidden"], username=username, password=password)
        status, _, _ = self.post(form["action"] or "/sign-in", data)
        return status


def location(headers) -> str:
    return headers.get("Location", "")


def find(pattern: str, html: str) -> str | None:
    match = re.search(pattern, html)
    return unescape(match.group(1)) if match else None
