"""Forms of the Lead area."""

from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import InputRequired, Length

from ..forms import PortalForm
from ..models import SUPERVISOR_MAX


class StartSessionForm(PortalForm):
    lesson = SelectField("Lesson", validators=[InputRequired("Choose a lesson.")])
    supervising_adult = StringField(
        "The trained adult in the room",
        description="Their name, as students know them (for example Ms Rivera, school counselor).",
        validators=[
            InputRequired("Write the name of the trained adult who is in the room."),
            Length(max=SUPERVISOR_MAX, message=f"Keep it to {SUPERVISOR_MAX} characters."),
        ],
    )
    adult_present = BooleanField(
        "This adult is in the room for the whole session, and I know how to reach our "
        "safeguarding contact during it.",
        validators=[
            InputRequired(
                "A session can start only with a trained adult in the room. Tick this once "
                "they are here."
            )
        ],
    )


class OpenPollForm(PortalForm):
    question = SelectField("Ask the group", validators=[InputRequired("Choose a question to ask.")])
