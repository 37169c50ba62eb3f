"""`flask lessons check [DIR]`: report every content problem as `path:line: message`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .lint import catalog_warnings, needing_check
from .loader import scan_lessons
from .survey import scan_survey

lessons_cli = AppGroup("lessons", help="Work with lesson content.")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@lessons_cli.command("check")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Fail on warnings too (item writing, stale facts).")
def check_command(directory: Path | None, strict: bool) -> None:
    """Check a lessons folder (default: the app's LESSONS_DIR) and list every problem.

    Warnings (quiz writing, objectives, resources not verified for 12 months) are printed too;
    they fail the check only with --strict.
    """
    if directory is None:
        configured = current_app.config.get("LESSONS_DIR")
        if not configured:
            raise click.UsageError("Give a lessons folder, or set LESSONS_DIR in the app config.")
        directory = Path(configured)
    catalog, problems = scan_lessons(directory)
    survey, survey_problems = scan_survey(directory, catalog.resources)
    problems += survey_problems
    if problems:
        for problem in problems:
            click.echo(str(problem))
        click.echo(f"{_plural(len(problems), 'problem')} found.", err=True)
        raise click.exceptions.Exit(1)
    warnings = catalog_warnings(catalog, directory)
    if survey is not None:  # its translation: outdated, or items left in English
        warnings += survey.warnings
    for warning in warnings:
        click.echo(f"warning: {warning}")
    unchecked = needing_check(catalog)
    if unchecked:
        click.echo(
            f"note: {_plural(len(unchecked), 'resource')} marked needs_check, to confirm at the "
            f"source: {', '.join(unchecked)}"
        )
    items = sum(len(lesson.quiz.items) for lesson in catalog.lessons)
    if survey is not None:
        click.echo(
            f"Evaluation check: {_plural(len(survey.knowledge), 'knowledge item')}, "
            f"{_plural(len(survey.confidence), 'confidence item')}"
        )
    families = catalog.families
    pages = (*families.guides, *families.lessons.values())
    translated = sum(1 for page in pages if page.translations)
    click.echo(
        f"Family pages: {_plural(len(families.guides), 'general page')}, "
        f"{len(families.lessons)} of {_plural(len(catalog.lessons), 'lesson')} with a family page, "
        f"{translated} translated"
    )
    if warnings:
        click.echo(f"{_plural(len(warnings), 'warning')}.", err=True)
        if strict:
            raise click.exceptions.Exit(1)
    click.echo(
        f"OK: {_plural(len(catalog.lessons), 'lesson')}, {_plural(items, 'quiz item')}, "
        f"{_plural(len(catalog.resources), 'resource')}"
    )
