"""The floor for benchmarks/pages.py: a one-route Flask app, served like the portal.

`gunicorn floor_app:app` (from benchmarks/) answers "hello" and does nothing else, so its rate is
what Flask and gunicorn cost on this machine at this moment; a portal page is compared with it.
"""

from flask import Flask

app = Flask(__name__)


@app.route("/", defaults={"path": ""})
@app.route("/<path:path>")
def hello(path: str) -> str:
    return "hello"
