"""Form pieces shared by the blueprints' forms."""

from __future__ import annotations

import re
import unicodedata

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, Optional, ValidationError

from .models import DISPLAY_NAME_MAX, USERNAME_MAX
from .names import clean_name

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
PASSWORD_MAX = 128


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


class ActionForm(PortalForm):
    """A button that changes something: carries only the CSRF token."""


def strip_text(value):
    return value.strip() if isinstance(value, str) else value


def normalise_username(value):
    return value.strip().lower() if isinstance(value, str) else value


def validate_username(_form, field) -> None:
    if field.data and not USERNAME_PATTERN.match(field.data):
        raise ValidationError(
            "Use only letters, numbers, dots, dashes and underscores, starting with a letter "
            "or number."
        )


def validate_password_length(_form, field) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if field.data and len(field.data) < minimum:
        raise ValidationError(f"Use at least {minimum} characters.")


def username_field(description: str = "") -> StringField:
    return StringField(
        "Username",
        description=description,
        filters=[normalise_username],
        validators=[
            InputRequired("Choose a username."),
            Length(3, USERNAME_MAX, f"Use between 3 and {USERNAME_MAX} characters."),
            validate_username,
        ],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )


def display_name_field() -> StringField:
    return StringField(
        "Display name (optional)",
        description="A nickname others in your group will see. Please don't use your real name.",
        filters=[clean_name],
        validators=[
            Optional(),
            Length(max=DISPLAY_NAME_MAX, message=f"Use at most {DISPLAY_NAME_MAX} characters."),
        ],
    )


def new_password_fields(label: str = "Password") -> tuple[PasswordField, PasswordField]:
    password = PasswordField(
        label,
        validators=[
            InputRequired("Choose a password."),
            Length(max=PASSWORD_MAX, message=f"Use at most {PASSWORD_MAX} characters."),
            validate_password_length,
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Type the password again",
        validators=[
            InputRequired("Type the password again."),
            Length(max=PASSWORD_MAX, message=f"Use at most {PASSWORD_MAX} characters."),
            EqualTo("password", "The two passwords don't match."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm
