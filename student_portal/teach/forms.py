"""Forms of the teacher area."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional

from ..forms import AT_MOST, PortalForm, new_password_fields, strip_text, username_field
from ..models import COHORT_NAME_MAX, DISPLAY_NAME_MAX
from ..names import clean_name

GRADE_BANDS = [
    SelectChoice("6-8", "Grades 6–8 (middle school)"),
    SelectChoice("9-12", "Grades 9–12 (high school)"),
    SelectChoice("6-12", "Grades 6–12 (mixed)"),
] + [SelectChoice(str(grade), f"Grade {grade}") for grade in range(6, 13)]


class CohortForm(PortalForm):
    name = StringField(
        "Cohort name",
        description="For example: Period 3 Health, or Youth Club Tuesdays.",
        filters=[strip_text],
        validators=[
            DataRequired("Give the cohort a name."),
            Length(max=COHORT_NAME_MAX, message=f"Use at most {COHORT_NAME_MAX} characters."),
        ],
    )
    grade_band = SelectField("Grades", choices=GRADE_BANDS, default="6-8")


class MemberRoleForm(PortalForm):
    role = HiddenField(validators=[AnyOf(["student", "leader"])])


class JoinCodeForm(PortalForm):
    action = HiddenField(validators=[AnyOf(["regenerate", "close", "open"])])


class ResetPasswordForm(PortalForm):
    password, confirm = new_password_fields("New password")


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
        "Type the student's username to confirm",
        filters=[strip_text],
        validators=[DataRequired("Type the username shown above.")],
    )


class FindStudentForm(PortalForm):
    class Meta:
        csrf = False  # a search by GET changes nothing

    username = StringField(
        "Username", filters=[strip_text], validators=[DataRequired("Type a username.")]
    )


class StaffActiveForm(PortalForm):
    action = HiddenField(validators=[AnyOf(["deactivate", "reactivate"])])
