"""Pictures: which vendored icon (static/icons/, from Lucide; `make icons`) goes with what.

Lessons carry no icon in their front matter: the slug picks one here, and a lesson without an
entry gets the open book. Every name used here is vendored by tools/vendor_icons.py, which reads
ICONS; a test checks each file exists.
"""

from __future__ import annotations

from flask import url_for

LESSON_ICONS = {
    "grooming-signs": "message-circle-warning",
    "healthy-relationships": "heart-handshake",
    "helping-a-friend": "hand-heart",
    "leading-a-club-session": "users",
    "reporting-paths": "flag",
    "sextortion": "shield-alert",
    "trafficking-myths-facts": "lightbulb",
    "who-helps": "life-buoy",
}
DEFAULT_LESSON_ICON = "book-open"
# The help page and section headers: one icon for each way to get help.
HELP_ICONS = ("phone", "message-square-text", "globe", "user-round", "compass", "siren")
ICONS = sorted({*LESSON_ICONS.values(), DEFAULT_LESSON_ICON, *HELP_ICONS})


def icon_url(name: str) -> str:
    return url_for("static", filename=f"icons/{name}.svg")


def lesson_icon(slug: str) -> str:
    """The address of a lesson's icon (decorative: shown with alt="")."""
    return icon_url(LESSON_ICONS.get(slug, DEFAULT_LESSON_ICON))
