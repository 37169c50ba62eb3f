"""Forms of the teacher area."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional

from ..forms import AT_MOST, PortalForm, new_password_fields, strip_text, username_field
from ..models import COHORT_NAME_MAX, DISPLAY_NAME_MAX
from ..names import clean_name

GRADE_BANDS = [
    SelectChoice("6-8", _l("Grades 6–8 (middle school)")),
    SelectChoice("9-12", _l("Grades 9–12 (high school)")),
    SelectChoice("6-12", _l("Grades 6–12 (mixed)")),
] + [SelectChoice(str(grade), _l("Grade %(grade)s", grade=grade)) for grade in range(6, 13)]

# The US zones a school is in, in plain words; times on the cohort's pages and CSVs use its zone.
TIMEZONES = [
    SelectChoice("America/New_York", _l("Eastern time (New York, Miami, Atlanta)")),
    SelectChoice("America/Chicago", _l("Central time (Chicago, Houston, Dallas)")),
    SelectChoice("America/Denver", _l("Mountain time (Denver, Salt Lake City)")),
    SelectChoice("America/Phoenix", _l("Arizona time (Phoenix, no daylight saving)")),
    SelectChoice("America/Los_Angeles", _l("Pacific time (Los Angeles, Seattle)")),
    SelectChoice("America/Anchorage", _l("Alaska time (Anchorage)")),
    SelectChoice("Pacific/Honolulu", _l("Hawaii time (Honolulu)")),
    SelectChoice("America/Puerto_Rico", _l("Atlantic time (Puerto Rico, U.S. Virgin Islands)")),
]


def school_timezone() -> str:
    return current_app.config["TIMEZONE"]


def timezone_choices() -> list[SelectChoice]:
    """The US zones, and the school's own zone if it is another."""
    zone = school_timezone()
    if any(choice.value == zone for choice in TIMEZONES):
        return list(TIMEZONES)
    return [SelectChoice(zone, zone), *TIMEZONES]


def timezone_field() -> SelectField:
    return SelectField(
        _l("Time zone"),
        description=_l("Times on this cohort's pages and downloads are shown in this zone."),
        default=school_timezone,
        validators=[DataRequired(_l("Choose a time zone."))],
    )


class CohortForm(PortalForm):
    name = StringField(
        _l("Cohort name"),
        description=_l("For example: Period 3 Health, or Youth Club Tuesdays."),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Give the cohort a name.")),
            Length(
                max=COHORT_NAME_MAX,
                message=_l("Use at most %(count)s characters.", count=COHORT_NAME_MAX),
            ),
        ],
    )
    grade_band = SelectField(_l("Grades"), choices=GRADE_BANDS, default="6-8")
    timezone = timezone_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()


class CohortSettingsForm(PortalForm):
    """The cohort's settings beside its join code: its time zone."""

    timezone = timezone_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()


class MemberRoleForm(PortalForm):
    role = HiddenField(validators=[AnyOf(["student", "leader"])])


class JoinCodeForm(PortalForm):
    action = HiddenField(validators=[AnyOf(["regenerate", "close", "open"])])


class ResetPasswordForm(PortalForm):
    password, confirm = new_password_fields(_l("New password"))


class NewTeacherForm(PortalForm):
    username = username_field()
    display_name = StringField(
        _l("Name shown to students"),
        description=_l("For example: Ms Rivera."),
        filters=[clean_name],
        validators=[
            DataRequired(_l("Enter the name students will see.")),
            Length(max=DISPLAY_NAME_MAX, message=AT_MOST),
        ],
    )
    email = EmailField(
        _l("School email (optional)"),
        filters=[strip_text],
        validators=[
            Optional(),
            Length(max=254, message=AT_MOST),
            Email(_l("Enter an email address like name@school.org."), check_deliverability=False),
        ],
    )
    password, confirm = new_password_fields()


class DeleteStudentForm(PortalForm):
    """Deleting a student can't be undone, so the teacher types the student's username."""

    confirm_username = StringField(
        _l("Type the student's username to confirm"),
        filters=[strip_text],
        validators=[DataRequired(_l("Type the username shown above."))],
    )


class FindStudentForm(PortalForm):
    class Meta:
        csrf = False  # a search by GET changes nothing

    username = StringField(
        _l("Username"), filters=[strip_text], validators=[DataRequired(_l("Type a username."))]
    )


class StaffActiveForm(PortalForm):
    action = HiddenField(validators=[AnyOf(["deactivate", "reactivate"])])
