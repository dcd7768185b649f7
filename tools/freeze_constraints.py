"""Write constraints.txt: the installed versions of fablab[dev,postgres]'s whole dependency tree.

Run in the venv the suite just passed in: `python tools/freeze_constraints.py`. Only the
project's dependencies (direct and transitive) are written, not whatever else the venv holds;
`make` installs with `pip install -c constraints.txt`, so a fresh clone gets the same versions.
"""

from __future__ import annotations

import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _project_requirements(extras: tuple[str, ...]) -> list[Requirement]:
    """fablab's own requirements from pyproject.toml (the installed metadata may be older)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    texts = list(project["dependencies"])
    for extra in extras:
        texts += project.get("optional-dependencies", {}).get(extra, [])
    return [r for r in map(Requirement, texts) if _norm(r.name) != "fablab"]


def closure(extras: tuple[str, ...] = ("dev", "test", "postgres")) -> dict[str, str]:
    """name -> installed version, for every distribution fablab[extras] pulls in."""
    seen: dict[str, str] = {}
    todo = [(_norm(r.name), tuple(r.extras)) for r in _project_requirements(extras)]
    while todo:
        name, wanted = todo.pop()
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue
        seen[_norm(dist.metadata["Name"])] = dist.version
        env = {"extra": ""}
        for text in dist.requires or []:
            req = Requirement(text)
            marker_ok = req.marker is None or any(
                req.marker.evaluate({**env, "extra": e}) for e in ("", *wanted))
            if not marker_ok:
                continue
            if _norm(req.name) not in seen:
                todo.append((_norm(req.name), tuple(req.extras)))
    return seen


def main() -> int:
    pins = closure()
    lines = ["# Versions the test suite passed on; `make` installs with `pip install -c constraints.txt`.",
             "# Regenerate after changing dependencies: python tools/freeze_constraints.py", ""]
    lines += [f"{name}=={version}" for name, version in sorted(pins.items())]
    (ROOT / "constraints.txt").write_text("\n".join(lines) + "\n")
    print(f"{len(pins)} pins written to constraints.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
