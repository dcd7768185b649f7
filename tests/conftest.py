"""Shared fixtures: a real embedded Valkey, a fresh data folder and SQLite database per test,
demo users with tokens, the Flask app, and `fablab` child processes (workers, simulators)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from jobqueue.context import Context
from jobqueue.models_people import TrainingRecord
from jobqueue.redis_server import EmbeddedValkey, connect
from jobqueue.users import create_token, create_user

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
# database_url: SQLite or PostgreSQL (tests/db_engines.py); the browser fixtures, defined ONCE for
# every folder: two session-scoped Playwright instances in one process refuse to start (the first
# one's event loop is still running when the second folder's tests begin).
pytest_plugins = ["db_engines", "browser_fixtures"]


@pytest.fixture(scope="session")
def valkey_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EmbeddedValkey(tmp_path_factory.mktemp("valkey"))
    url = server.start()
    yield url
    server.stop()


@pytest.fixture
def fablab_env(tmp_path: Path, valkey_url: str, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Context:
    """A fresh fablab: its own data folder and database at the head revision (SQLite, or
    PostgreSQL for tests marked both_engines: see db_engines.py), an empty Redis, the repo's
    machines.yaml."""
    connect(valkey_url).flushall()
    monkeypatch.setenv("FABLAB_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("REDIS_URL", valkey_url)
    monkeypatch.setenv("FABLAB_MACHINES", str(REPO / "machines.yaml"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    return Context.from_env()


@dataclass
class Account:
    username: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def accounts(fablab_env: Context) -> dict[str, Account]:
    out = {}
    with fablab_env.session() as s:
        for name, role, tier in (("fabmanager", "fabmanager", "member"), ("member", "member", "member"),
                                 ("trainee", "trainee", "training")):
            user = create_user(s, name, f"{name}-pw", role=role, tier=tier)
            out[name] = Account(name, f"{name}-pw", create_token(s, user))
            # Trained on every machine (tests of the training gate make untrained users).
            s.add_all(TrainingRecord(user_id=user.id, kind=tr.id) for tr in fablab_env.spec().trainings)
    return out


@pytest.fixture
def app(fablab_env: Context):  # noqa: ANN201 - flask.Flask
    from web.app import create_app

    return create_app(fablab_env, testing=True)


@pytest.fixture
def client(app):  # noqa: ANN001, ANN201
    return app.test_client()


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start `fablab ARGS...` as a child with the test's environment; all stopped at the end."""
    procs: list[subprocess.Popen] = []
    logs = tmp_path / "logs"
    logs.mkdir(exist_ok=True)

    def _spawn(name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        """`env`: variables set on top of the test's environment (another host's data folder...)."""
        log = open(logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen([sys.executable, "-m", "jobqueue.cli.main", *args], env={**os.environ, **(env or {})},
                                stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        procs.append(proc)
        return proc

    yield _spawn
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)
