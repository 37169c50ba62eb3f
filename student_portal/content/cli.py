"""`flask lessons check [DIR]`: report every content problem as `path:line: message`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .loader import scan_lessons

lessons_cli = AppGroup("lessons", help="Work with lesson content.")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


@lessons_cli.command("check")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def check_command(directory: Path | None) -> None:
    """Check a lessons folder (default: the app's LESSONS_DIR) and list every problem."""
    if directory is None:
        configured = current_app.config.get("LESSONS_DIR")
        if not configured:
            raise click.UsageError("Give a lessons folder, or set LESSONS_DIR in the app config.")
        directory = Path(configured)
    catalog, problems = scan_lessons(directory)
    if problems:
        for problem in problems:
            click.echo(str(problem))
        click.echo(f"{_plural(len(problems), 'problem')} found.", err=True)
        raise click.exceptions.Exit(1)
    items = sum(len(lesson.quiz.items) for lesson in catalog.lessons)
    click.echo(
        f"OK: {_plural(len(catalog.lessons), 'lesson')}, {_plural(items, 'quiz item')}, "
        f"{_plural(len(catalog.resources), 'resource')}"
    )
