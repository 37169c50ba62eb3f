"""Form pieces shared by the blueprints' forms."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from jinja2 import pass_context
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import PasswordInput

from .models import DISPLAY_NAME_MAX, USERNAME_MAX
from .names import clean_name

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
PASSWORD_MAX = 128
# For Length validators: WTForms fills in %(max)d.
AT_MOST = _l("Use at most %(max)d characters.")


def remove_control_characters(value):
    """Drop NUL and other control characters (PostgreSQL refuses NUL in text)."""
    if not isinstance(value, str):
        return value
    return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) != "Cc")


class PortalForm(FlaskForm):
    """Base of every form: CSRF from Flask-WTF, and no control characters in any text field."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                filters = [remove_control_characters, *unbound_field.kwargs.get("filters", [])]
                options["filters"] = filters
            return unbound_field.bind(form=form, **options)


def failed_forms(values: Iterable) -> list[FlaskForm]:
    """The forms among `values` that failed validation, each once."""
    seen, failed = set(), []
    for value in values:
        if isinstance(value, FlaskForm) and id(value) not in seen and value.errors:
            seen.add(id(value))
            failed.append(value)
    return failed


@pass_context
def forms_with_errors(context) -> list[FlaskForm]:
    """The page's forms that failed validation, for base.html's error summary and its title."""
    return failed_forms(context.get_all().values())


class ActionForm(PortalForm):
    """A button that changes something: carries only the CSRF token."""


def strip_text(value):
    return value.strip() if isinstance(value, str) else value


def normalise_username(value):
    return value.strip().lower() if isinstance(value, str) else value


def validate_username(_form, field) -> None:
    if field.data and not USERNAME_PATTERN.match(field.data):
        raise ValidationError(
            _(
                "Use only letters, numbers, dots, dashes and underscores, starting with a letter "
                "or number."
            )
        )


def validate_password_length(_form, field) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if field.data and len(field.data) < minimum:
        raise ValidationError(_("Use at least %(min)d characters.", min=minimum))


def username_field(description: str = "") -> StringField:
    return StringField(
        _l("Username"),
        description=description,
        filters=[normalise_username],
        validators=[
            InputRequired(_l("Choose a username.")),
            # Length fills in %(min)d and %(max)d.
            Length(3, USERNAME_MAX, _l("Use between %(min)d and %(max)d characters.")),
            validate_username,
        ],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )


def display_name_field() -> StringField:
    return StringField(
        _l("Display name (optional)"),
        description=_l(
            "A nickname others in your group will see. Please don't use your real name."
        ),
        filters=[clean_name],
        validators=[
            Optional(),
            Length(max=DISPLAY_NAME_MAX, message=AT_MOST),
        ],
    )


def new_password_fields(
    label: str = _l("Password"), keep_typed: bool = False
) -> tuple[PasswordField, PasswordField]:
    """A new password and its confirmation. `keep_typed` shows them again when the form comes
    back with a problem (the join form: a student shouldn't type both again for a wrong code)."""
    widget = {"widget": PasswordInput(hide_value=False)} if keep_typed else {}
    password = PasswordField(
        label,
        **widget,
        validators=[
            InputRequired(_l("Choose a password.")),
            Length(max=PASSWORD_MAX, message=AT_MOST),
            validate_password_length,
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Type the password again"),
        **widget,
        validators=[
            InputRequired(_l("Type the password again.")),
            Length(max=PASSWORD_MAX, message=AT_MOST),
            EqualTo("password", _l("The two passwords don't match.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm
