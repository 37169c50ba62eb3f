"""Forms of the student area."""

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import HiddenField, RadioField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import PortalForm


class SingleAnswerForm(PortalForm):
    state = HiddenField()
    question = HiddenField()
    answer = RadioField(
        _l("Your answer"), validators=[InputRequired(_l("Choose an answer to go on."))]
    )


class MultipleAnswerForm(PortalForm):
    state = HiddenField()
    question = HiddenField()
    answer = SelectMultipleField(
        _l("Your answer"),
        validators=[InputRequired(_l("Choose at least one answer to go on."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class SpotAnswerForm(MultipleAnswerForm):
    answer = SelectMultipleField(
        _l("The messages you mark"),
        validators=[InputRequired(_l("Mark at least one message to go on."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


def answer_form(question):
    """The form for a question, its choices in the attempt's order (labels are sanitized HTML)."""
    if question.item.type == "spot":
        form = SpotAnswerForm()
    else:
        form = MultipleAnswerForm() if question.multiple else SingleAnswerForm()
    form.answer.choices = [
        SelectChoice(choice.id, Markup(choice.text)) for choice in question.choices
    ]
    return form


class CheckSingleForm(PortalForm):
    answer = RadioField(_l("Your answer"), validators=[InputRequired(_l("Choose an answer."))])


class CheckMultipleForm(PortalForm):
    answer = SelectMultipleField(
        _l("Your answer"),
        validators=[InputRequired(_l("Choose at least one answer."))],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


def check_form(check):
    """The form of a "check yourself" question, its choices in the order written."""
    form = CheckMultipleForm() if check.type == "multiple" else CheckSingleForm()
    form.answer.choices = [SelectChoice(choice.id, Markup(choice.text)) for choice in check.choices]
    return form
