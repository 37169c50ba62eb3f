"""Forms of the Lead area."""

from wtforms import SelectField
from wtforms.validators import InputRequired

from ..forms import PortalForm


class StartSessionForm(PortalForm):
    lesson = SelectField("Lesson", validators=[InputRequired("Choose a lesson.")])


class OpenPollForm(PortalForm):
    question = SelectField("Ask the group", validators=[InputRequired("Choose a question to ask.")])
