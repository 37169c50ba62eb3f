"""Help for anyone, signed in or not: who to call or text, and what to do first."""

from __future__ import annotations

from flask import Blueprint, render_template

from .. import catalog

bp = Blueprint("help", __name__, url_prefix="/help")


@bp.app_context_processor
def crisis_resources():
    """The footer's crisis line on every page, from resources.toml."""
    resources = catalog().resources
    return {"crisis_footer": [resources[i] for i in CRISIS_FOOTER_IDS if i in resources]}


CRISIS_FOOTER_IDS = (
    "emergency-911",
    "human-trafficking-hotline",
    "ncmec-cybertipline",
    "988-lifeline",
)


@bp.route("/")
def index():
    help_resources = [r for r in catalog().resources.values() if r.kind == "help"]
    response = render_template("help/index.html", resources=help_resources)
    return response, 200, {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
