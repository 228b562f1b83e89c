"""What a web worker carries: the app without the tools only the command line uses."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_web_worker_loads_no_migration_tools_until_the_command_line_asks():
    # A fresh interpreter, as gunicorn's worker is: the app serves a request, and Alembic and
    # Mako (the `flask db` commands' tools) are still not loaded.
    script = (
        "import sys\n"
        "from conference import create_app\n"
        "app = create_app('testing')\n"
        "assert app.test_client().get('/healthz').status_code in (200, 503)\n"
        "tools = {'alembic', 'mako', 'flask_migrate'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & tools))\n"
        "assert 'db' in app.cli.list_commands(None)\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert shown.stdout.strip() == "[]", shown.stdout + shown.stderr
