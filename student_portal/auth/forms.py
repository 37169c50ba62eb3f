"""Sign-in and join forms."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from ..forms import (
    PASSWORD_MAX,
    PortalForm,
    display_name_field,
    new_password_fields,
    normalise_username,
    username_field,
)
from ..models import USERNAME_MAX


def normalise_join_code(value):
    """Codes are shown in capitals; accept any case, spaces and dashes."""
    if not isinstance(value, str):
        return value
    return "".join(ch for ch in value.upper() if ch.isalnum())


class LoginForm(PortalForm):
    username = StringField(
        _l("Username"),
        filters=[normalise_username],
        validators=[InputRequired(_l("Enter your username.")), Length(max=USERNAME_MAX * 4)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password.")), Length(max=PASSWORD_MAX * 4)],
        render_kw={"autocomplete": "current-password"},
    )


def join_code_field() -> StringField:
    return StringField(
        _l("Join code"),
        description=_l("The code your teacher or group leader gave you, like KX7-PM4."),
        filters=[normalise_join_code],
        validators=[
            InputRequired(_l("Enter the join code from your teacher.")),
            Length(max=20, message=_l("Join codes are 6 letters and numbers.")),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class JoinForm(PortalForm):
    """A new student: join code plus the account they choose. No email, no real name."""

    join_code = join_code_field()
    username = username_field(_l("Pick something that isn't your real name, like maple-fox-12."))
    display_name = display_name_field()
    password, confirm = new_password_fields(keep_typed=True)


class JoinAnotherCohortForm(PortalForm):
    join_code = join_code_field()
