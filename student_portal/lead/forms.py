"""Forms of the Lead area."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from ..forms import PortalForm
from ..models import SUPERVISOR_MAX


class StartSessionForm(PortalForm):
    lesson = SelectField(_l("Lesson"), validators=[InputRequired(_l("Choose a lesson."))])
    supervising_adult = StringField(
        _l("The trained adult in the room"),
        description=_l(
            "Their name, as students know them (for example Ms Rivera, school counselor)."
        ),
        validators=[
            InputRequired(_l("Write the name of the trained adult who is in the room.")),
            Length(
                max=SUPERVISOR_MAX,
                message=_l("Keep it to %(count)s characters.", count=SUPERVISOR_MAX),
            ),
        ],
    )
    adult_present = BooleanField(
        _l(
            "This adult is in the room for the whole session, and I know how to reach our "
            "safeguarding contact during it."
        ),
        validators=[
            InputRequired(
                _l(
                    "A session can start only with a trained adult in the room. Tick this once "
                    "they are here."
                )
            )
        ],
    )


class OpenPollForm(PortalForm):
    question = SelectField(
        _l("Ask the group"), validators=[InputRequired(_l("Choose a question to ask."))]
    )
