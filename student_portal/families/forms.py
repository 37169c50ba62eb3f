"""The form a teacher fills in for the letter home."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from ..forms import AT_MOST, PortalForm, strip_text


class PlainDateField(DateField):
    """A date from an <input type="date">, with our own message when it can't be read."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(_l("Write the date like 2026-09-14."))) from error


LETTER_LANGUAGES = [
    SelectChoice("en", _l("English")),
    SelectChoice("es", _l("Spanish")),
    SelectChoice("both", _l("English and Spanish, side by side")),
]
CONTACT_MAX, SCHEDULE_MAX, NOTE_MAX = 120, 200, 600


class LetterForm(PortalForm):
    """What a teacher fills in for the letter home. Sent with GET and kept in the address, not
    stored: printing a letter changes nothing, and the same address prints the same letter."""

    class Meta:
        csrf = False

    contact_name = StringField(
        _l("Who families can contact"),
        description=_l("For example: Ms. Rivera, school counselor."),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Give the name of the person families can contact.")),
            Length(max=CONTACT_MAX, message=AT_MOST),
        ],
    )
    contact_details = StringField(
        _l("Phone or email for questions"),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Give a phone number or an email address for questions.")),
            Length(max=CONTACT_MAX, message=AT_MOST),
        ],
    )
    start_date = PlainDateField(
        _l("First lesson on"),
        validators=[InputRequired(_l("Give the date of the first lesson, like 2026-09-14."))],
    )
    schedule = StringField(
        _l("When the lessons happen"),
        description=_l("For example: Tuesdays and Thursdays, 10:15 to 10:45, for four weeks."),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Say when the lessons happen.")),
            Length(max=SCHEDULE_MAX, message=AT_MOST),
        ],
    )
    note = TextAreaField(
        _l("A note of your own (optional)"),
        filters=[strip_text],
        validators=[Optional(), Length(max=NOTE_MAX, message=AT_MOST)],
    )
    language = RadioField(
        _l("Language of the letter"),
        choices=LETTER_LANGUAGES,
        default="en",
        validate_choice=False,  # AnyOf says it in the reader's words
        validators=[
            InputRequired(_l("Choose the language of the letter.")),
            AnyOf(
                [choice.value for choice in LETTER_LANGUAGES],
                message=_l("Choose the language of the letter."),
            ),
        ],
    )
