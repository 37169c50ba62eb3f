"""The letter home: a one-page printable letter a teacher makes for one of their cohorts.

What the teacher types (the school's contact, dates, a note) travels in the address (GET) and is
never stored: the letter changes nothing, a teacher may print several versions, and the same
address prints the same letter again. The course, the content notes and the before-and-after
check are described from the catalog and `evaluation.py`, so the letter says what is true.
"""

from __future__ import annotations

from babel.dates import format_date
from flask import Blueprint, render_template, request
from flask_babel import force_locale
from markupsafe import Markup

from .. import catalog
from ..access import cohort_for_teacher_or_404, role_required
from ..evaluation import MIN_GROUP, current_survey
from ..models import Cohort
from .forms import LetterForm

bp = Blueprint("letters", __name__)

LETTER_LANGUAGES = {"en": ("en",), "es": ("es",), "both": ("en", "es")}


def _letter_part(
    cohort: Cohort, form: LetterForm, language: str, first: bool, compact: bool
) -> Markup:
    """The letter in one language (the page's h1 is in the first one). `compact`, for two
    languages side by side, lists each lesson with its content note instead of its summary
    and its note apart, so the letter still fits on one page."""
    families = catalog().families
    with force_locale(language):
        lessons = [
            (lesson, families.for_lesson(lesson.slug, language))
            for lesson in catalog().lessons_in(language)
        ]
        return Markup(
            render_template(
                "families/_letter.html",
                cohort=cohort,
                form=form,
                language=language,
                first=first,
                compact=compact,
                lessons=lessons,
                start=format_date(form.start_date.data, "long", locale=language),
                survey=current_survey(),
                min_group=MIN_GROUP,
            )
        )


@bp.route("/teach/cohorts/<id:cohort_id>/letter")
@role_required("teacher")
def cohort_letter(cohort_id: int):
    """The form, then (once it is filled in) the letter, ready to print."""
    cohort = cohort_for_teacher_or_404(cohort_id)
    form = LetterForm(formdata=request.args if request.args else None)
    if not request.args or request.args.get("edit"):  # a new letter, or "Change the letter"
        return render_template("families/letter_form.html", cohort=cohort, form=form)
    if not form.validate():
        return render_template("families/letter_form.html", cohort=cohort, form=form), 400
    languages = LETTER_LANGUAGES[form.language.data]
    parts = [
        (language, _letter_part(cohort, form, language, index == 0, len(languages) > 1))
        for index, language in enumerate(languages)
    ]
    return render_template(
        "families/letter.html",
        cohort=cohort,
        form=form,
        parts=parts,
        edit_args={key: value for key, value in request.args.items() if key != "edit"},
    )
