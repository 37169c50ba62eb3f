"""The "I need to talk to someone" form."""

from wtforms import RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from ..forms import PortalForm, strip_text
from ..models import CONTACT_PREFERENCES, HELP_MESSAGE_MAX, IN_PERSON


class TalkForm(PortalForm):
    cohort = SelectField(
        "Who should get your request?",
        coerce=int,
        validators=[InputRequired("Choose who to send it to.")],
    )
    message = TextAreaField(
        "Anything you want to say first (optional)",
        description=f"You don't have to explain. Up to {HELP_MESSAGE_MAX} characters.",
        filters=[strip_text],
        validators=[
            Optional(),
            Length(max=HELP_MESSAGE_MAX, message=f"Use at most {HELP_MESSAGE_MAX} characters."),
        ],
        render_kw={"rows": 4},
    )
    contact = RadioField(
        "How would you like them to reach you?",
        choices=[SelectChoice(value, label) for value, label in CONTACT_PREFERENCES.items()],
        default=IN_PERSON,
        validators=[InputRequired("Choose one.")],
    )
