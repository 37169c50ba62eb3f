"""Forms of the student area."""

from markupsafe import Markup
from wtforms import HiddenField, RadioField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import PortalForm


class SingleAnswerForm(PortalForm):
    state = HiddenField()
    question = HiddenField()
    answer = RadioField("Your answer", validators=[InputRequired("Choose an answer to go on.")])


class MultipleAnswerForm(PortalForm):
    state = HiddenField()
    question = HiddenField()
    answer = SelectMultipleField(
        "Your answer",
        validators=[InputRequired("Choose at least one answer to go on.")],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


def answer_form(question):
    """The form for a question, with its choices (labels are sanitized lesson HTML)."""
    multiple = question.item.type == "multiple"
    form = MultipleAnswerForm() if multiple else SingleAnswerForm()
    choices = question.step.choices if question.step is not None else question.item.choices
    form.answer.choices = [SelectChoice(choice.id, Markup(choice.text)) for choice in choices]
    return form
