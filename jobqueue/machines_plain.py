"""machines.yaml for a command that only reads it: validated once, then read as plain data.

`jobqueue.machines.load_spec` validates the file with the pydantic models, whose import and
construction cost ~0.3 s: more than the whole analysis of a small part in `fablab analyze`.
Validation depends only on the file's bytes and the schema's source, so its result (the
models' JSON dump) is kept in the user's cache folder under a hash of both; the next command
reads that dump (~1 ms) into `slicing.machine_view` objects. A file that does not validate is
never cached: its errors are raised by the one loader, as before.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from slicing.machine_view import SpecView, spec_view

REPO_MACHINES = Path(__file__).resolve().parents[1] / "machines.yaml"
# What the validated dump depends on besides the file: the schema and the loader.
_SCHEMA = [Path(__file__).resolve().parents[1] / p for p in
           ("slicing/machine_spec.py", "slicing/machine_process.py", "slicing/people_spec.py",
            "jobqueue/machines.py", "jobqueue/machines_plain.py")]
KEEP = 16  # cached inventories kept (one per file content and schema)


def default_path() -> Path:
    """$FABLAB_MACHINES, else ./machines.yaml, else the demo inventory beside the code."""
    env = os.environ.get("FABLAB_MACHINES")
    if env:
        return Path(env).resolve()
    local = Path("machines.yaml").resolve()
    return local if local.exists() else REPO_MACHINES


def cache_dir() -> Path | None:
    """$XDG_CACHE_HOME/fablab, else ~/.cache/fablab; None when there is no home."""
    base = os.environ.get("XDG_CACHE_HOME")
    try:
        return Path(base or Path.home() / ".cache") / "fablab"
    except RuntimeError:
        return None


def _key(raw: bytes) -> str:
    digest = hashlib.sha256(raw)
    for source in _SCHEMA:
        try:
            digest.update(source.read_bytes())
        except OSError:
            digest.update(b"-")
    return digest.hexdigest()[:40]


def _store(folder: Path, name: str, dump: dict) -> None:
    """Written atomically; older entries beyond KEEP removed. A read-only home is no error."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{name}.{os.getpid()}"
        tmp.write_text(json.dumps(dump), encoding="utf-8")
        os.replace(tmp, folder / name)
        entries = sorted(folder.glob("machines-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


def load_view(path: Path | str | None = None) -> SpecView:
    """The inventory as plain views; `jobqueue.machines.MachineConfigError` (a ValueError) when
    the file is missing or invalid, with the one loader's message."""
    path = Path(path) if path is not None else default_path()
    try:
        raw = path.read_bytes()
    except OSError:
        from jobqueue.machines import load_spec

        load_spec(path)  # raises the loader's "cannot read" error
        raise
    folder, name = cache_dir(), f"machines-{_key(raw)}.json"
    if folder is not None:
        try:
            return spec_view(json.loads((folder / name).read_bytes()))
        except (OSError, ValueError):
            pass
    from jobqueue.machines import parse_spec

    text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # as Path.read_text reads it
    dump = parse_spec(text, path.name).model_dump(mode="json")
    if folder is not None:
        _store(folder, name, dump)
    return spec_view(dump)
