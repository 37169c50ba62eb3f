"""Flask's signed-cookie session, with each cookie checked once per worker, not per request.

Every signed-in request sends the same cookie until something in the session changes, and
checking it (an HMAC, a zlib inflate, a JSON parse) was a tenth of a lesson page's cost. The
same bytes always check out the same way, so a cookie that passed is remembered with what it
held and when it was signed; the age limit is still applied on every request. Only sessions of
plain values are remembered (a list of flashed messages could be changed in place), each
request gets its own copy, and a worker keeps at most MAX_REMEMBERED cookies (then it forgets
them all and starts again). Writing the session is Flask's own code, unchanged.
"""

from __future__ import annotations

import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

MAX_REMEMBERED = 4096
PLAIN = (str, int, float, bool, type(None))


class RememberingCookieSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._checked: dict[str, tuple[dict, float]] = {}

    def open_session(self, app, request):
        if not app.secret_key:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = app.permanent_session_lifetime.total_seconds()
        remembered = self._checked.get(value)
        if remembered is not None:
            data, signed_at = remembered
            if time.time() - signed_at <= max_age:
                return self.session_class(data)
            self._checked.pop(value, None)
            return self.session_class()
        serializer = self.get_signing_serializer(app)
        try:
            data, signed_at = serializer.loads(value, max_age=int(max_age), return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if all(isinstance(item, PLAIN) for item in data.values()):
            if len(self._checked) >= MAX_REMEMBERED:
                self._checked.clear()
            self._checked[value] = (dict(data), signed_at.timestamp())
        return self.session_class(data)
