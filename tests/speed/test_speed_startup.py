"""`fablab --help` imports no heavy library: start-up stays light for every command.

Checked by module names, not wall-clock time: the parser is built in a fresh interpreter and
the libraries that cost a second of imports (SQLAlchemy, numpy, trimesh, Flask, rq, pydantic)
must not be loaded by then. A `cmd_*` module imports them inside its `run` function.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("sqlalchemy", "numpy", "trimesh", "flask", "rq", "redis", "pydantic", "shapely", "yaml",
         "ezdxf", "serial", "werkzeug", "slicing.analysis", "jobqueue.models")


def test_help_builds_the_parser_without_heavy_imports() -> None:
    code = ("import json, sys\n"
            "from jobqueue.cli.main import build_parser\n"
            "build_parser().format_help()\n"
            "print(json.dumps(sorted(sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout)
    heavy = sorted({m for m in loaded for h in HEAVY if m == h or m.startswith(h + ".")})
    assert heavy == [], f"imported at start-up: {heavy}"


def test_help_lists_every_command() -> None:
    out = subprocess.run([sys.executable, "-m", "jobqueue.cli.main", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for command in ("analyze", "prepare", "estimate", "worker", "serve", "demo", "user", "token", "machines"):
        assert command in out.stdout


def test_a_command_builds_only_its_own_parser() -> None:
    """`fablab analyze ...` imports cmd_analyze alone, and parses as the whole parser does."""
    code = ("import json, sys\n"
            "from jobqueue.cli.main import build_parser\n"
            "argv = ['analyze', 'a.stl', '--json']\n"
            "args = vars(build_parser('analyze').parse_args(argv))\n"
            "loaded = sorted(m for m in sys.modules if '.cmd_' in m)\n"
            "print(json.dumps([args == vars(build_parser().parse_args(argv)), loaded]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    same, loaded = json.loads(out.stdout)
    assert same and loaded == ["jobqueue.cli.cmd_analyze"]


def test_analyze_report_needs_neither_flask_nor_pydantic(tmp_path) -> None:
    """`fablab analyze` says its report (French catalogs, figures as on the job page) without
    Flask, Flask-Babel or pydantic: ~150 ms of imports a run that the report never used."""
    stl = tmp_path / "cube.stl"
    corners = [(0, 0, 0), (10, 0, 0), (10, 10, 0), (0, 10, 0), (0, 0, 10), (10, 0, 10), (10, 10, 10), (0, 10, 10)]
    faces = [(0, 2, 1), (0, 3, 2), (4, 5, 6), (4, 6, 7), (0, 1, 5), (0, 5, 4),
             (1, 2, 6), (1, 6, 5), (2, 3, 7), (2, 7, 6), (3, 0, 4), (3, 4, 7)]
    stl.write_text("solid c\n" + "".join(
        "facet normal 0 0 0\nouter loop\n" + "".join("vertex {:g} {:g} {:g}\n".format(*corners[i]) for i in f)
        + "endloop\nendfacet\n" for f in faces) + "endsolid c\n")
    code = ("import json, sys\n"
            "from jobqueue.cli.main import main\n"
            f"status = main(['analyze', {str(stl)!r}, '--lang', 'fr'])\n"
            "print(json.dumps([status, sorted(sys.modules)]), file=sys.stderr)\n")
    # The first run may validate machines.yaml with pydantic: its cached dump (jobqueue.machines_plain)
    # keeps 16 inventories, and the tests before this one can have pushed the repository's out.
    subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    status, loaded = json.loads(out.stderr.strip().splitlines()[-1])
    assert status == 0 and "Mesures" in out.stdout
    heavy = sorted({m for m in loaded for h in ("flask", "flask_babel", "pydantic", "werkzeug")
                    if m == h or m.startswith(h + ".")})
    assert heavy == [], f"imported by the report: {heavy}"
