"""Forms of the student area."""

from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, RadioField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget


class ActionForm(FlaskForm):
    """A button that changes something: carries only the CSRF token."""


class SingleAnswerForm(FlaskForm):
    state = HiddenField()
    answer = RadioField("Your answer", validators=[InputRequired("Choose an answer to go on.")])


class MultipleAnswerForm(FlaskForm):
    state = HiddenField()
    answer = SelectMultipleField(
        "Your answer",
        validators=[InputRequired("Choose at least one answer to go on.")],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


def answer_form(question, from_request: bool):
    """The form for a question, with its choices (labels are sanitized HTML).

    `from_request=False` gives a blank form for the next question after a POST.
    """
    multiple = question.item.type == "multiple"
    form_class = MultipleAnswerForm if multiple else SingleAnswerForm
    form = form_class() if from_request else form_class(formdata=MultiDict())
    choices = question.step.choices if question.step is not None else question.item.choices
    form.answer.choices = [SelectChoice(choice.id, Markup(choice.text)) for choice in choices]
    return form
