"""Where things live, from the environment: data folder, Redis, database, machines file.

Read at call time (not import time) so tests and the demo launcher can point each process
at its own data folder through environment variables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    redis_url: str | None  # None: start the embedded Valkey server
    database_url: str
    machines_file: Path
    store_url: str | None = None  # FABLAB_STORE_URL: None = files_dir; a database URL (or `database`)

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def tty_dir(self) -> Path:
        return self.data_dir / "tty"

    def simulator_link(self, machine_id: str) -> Path:
        """Where a simulated machine's pseudo-terminal is linked, for its driver to open."""
        return self.tty_dir / machine_id


def load_settings() -> Settings:
    data_dir = Path(os.environ.get("FABLAB_DATA", "var")).resolve()
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'fablab.sqlite3'}"
    machines = Path(os.environ.get("FABLAB_MACHINES", "machines.yaml")).resolve()
    return Settings(
        data_dir=data_dir,
        redis_url=os.environ.get("REDIS_URL") or None,
        database_url=database_url,
        machines_file=machines,
        store_url=os.environ.get("FABLAB_STORE_URL") or None,
    )
