"""The "I need to talk to someone" form."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from ..forms import PortalForm, strip_text
from ..models import CONTACT_PREFERENCES, HELP_MESSAGE_MAX, IN_PERSON


class TalkForm(PortalForm):
    cohort = SelectField(
        _l("Who should get your request?"),
        coerce=int,
        validators=[InputRequired(_l("Choose who to send it to."))],
    )
    message = TextAreaField(
        _l("Anything you want to say first (optional)"),
        description=_l(
            "You don't have to explain. Up to %(count)s characters.", count=HELP_MESSAGE_MAX
        ),
        filters=[strip_text],
        validators=[
            Optional(),
            Length(
                max=HELP_MESSAGE_MAX,
                message=_l("Use at most %(count)s characters.", count=HELP_MESSAGE_MAX),
            ),
        ],
        render_kw={"rows": 4},
    )
    contact = RadioField(
        _l("How would you like them to reach you?"),
        choices=[SelectChoice(value, label) for value, label in CONTACT_PREFERENCES.items()],
        default=IN_PERSON,
        validators=[InputRequired(_l("Choose one."))],
    )
