"""What a task or a request needs, built once from the environment: settings, database
sessions, the file store, the machine registry, Redis, and the time model seam."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import redis
from sqlalchemy.orm import Session

from jobqueue import db, machines
from jobqueue.filestore import FileStore, open_store
from jobqueue.redis_server import connect
from jobqueue.settings import Settings, load_settings
from slicing.machine_spec import FablabSpec, Machine

log = logging.getLogger(__name__)


@dataclass
class Context:
    settings: Settings
    _redis: redis.Redis | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls) -> Context:
        return cls(load_settings())

    @property
    def store(self) -> FileStore:
        """The file store FABLAB_STORE_URL selects (local folder by default)."""
        st = self.settings
        return open_store(st.store_url, st.database_url, st.files_dir)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with db.session_scope(self.settings.database_url) as s:
            yield s

    def spec(self) -> FablabSpec:
        return machines.registry(self.settings.machines_file)

    def redis(self) -> redis.Redis:
        if self._redis is None:
            if not self.settings.redis_url:
                raise RuntimeError("REDIS_URL is not set: start through `fablab demo` or set REDIS_URL")
            self._redis = connect(self.settings.redis_url)
        return self._redis

    @staticmethod
    def estimate_model(lines: Sequence[str], machine: Machine, words=None):  # noqa: ANN001, ANN205 - Words, ProgramEstimate
        """The motion-planner estimate of a program, or None when the model refuses it. `words`:
        the lines already tokenized (`PreparedProgram.words`), so they are not read twice."""
        try:
            from slicing.motion import estimate_program

            return estimate_program(lines, machine, words=words)
        except Exception:  # an estimate must never stop a job
            log.exception("time model failed on a %s program", machine.id)
            return None

    def estimate(self, lines: Sequence[str], machine: Machine) -> float | None:
        est = self.estimate_model(lines, machine)
        return float(est.seconds) if est is not None else None
