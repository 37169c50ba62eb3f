"""Entry point: `flask --app app run`, `gunicorn "app:app"`."""

import sys

from student_portal import create_app
from student_portal.content import ContentError

try:
    app = create_app()
except ContentError as error:
    # Invalid lessons stop start-up with every problem as "file:line: message".
    sys.exit(f"The lessons have problems; fix them and start again:\n{error}")
