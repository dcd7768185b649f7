"""`fablab demo`: everything on one machine, on the embedded defaults.

Starts the embedded Valkey (unless REDIS_URL is set), the database with the demo users, a
firmware simulator per simulated machine, one analysis worker per core and one worker per machine,
and the web app; prints the URL and the logins; Ctrl-C stops every process it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from jobqueue import migrate
from jobqueue.context import Context
from jobqueue.demo_users import ensure_demo_users
from jobqueue.redis_server import EmbeddedValkey


class Supervisor:
    """Child processes started in order and stopped in reverse order."""

    def __init__(self, env: dict[str, str], log_dir: Path):
        self.env, self.log_dir = env, log_dir
        self.children: list[tuple[str, subprocess.Popen]] = []
        log_dir.mkdir(parents=True, exist_ok=True)

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.log_dir / f"{name.replace(':', '-')}.log", "ab")  # noqa: SIM115 - owned by the child
        proc = subprocess.Popen([sys.executable, "-m", "jobqueue.cli.main", *args], env=self.env,
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.children.append((name, proc))
        return proc

    def dead(self) -> list[str]:
        return [name for name, p in self.children if p.poll() is not None]

    def stop(self, timeout: float = 10.0) -> None:
        for _, proc in reversed(self.children):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for _, proc in reversed(self.children):
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def _simulator_args(machine, link: Path) -> list[str]:  # noqa: ANN001 - slicing Machine
    sim = machine.simulator
    args = ["simulate", "--firmware", sim.firmware, "--link", str(link),
            "--baud", str(machine.connection.baud), "--speed-factor", str(sim.speed_factor)]
    if not sim.advanced_ok:
        args.append("--no-advanced-ok")
    if sim.rx_buffer_bytes:
        args += ["--rx-buffer", str(sim.rx_buffer_bytes)]
    return args


def analysis_workers() -> int:
    """How many analysis workers: FABLAB_ANALYSIS_WORKERS, else one per core of this host."""
    try:
        return max(1, int(os.environ.get("FABLAB_ANALYSIS_WORKERS") or os.cpu_count() or 1))
    except ValueError:
        return max(1, os.cpu_count() or 1)


def _wait_for(path: Path, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return True
        time.sleep(0.05)
    return False


def run_demo(host: str = "127.0.0.1", port: int = 5000) -> int:
    ctx = Context.from_env()
    spec = ctx.spec()  # fail early, with the machines.yaml message, before starting anything
    data = ctx.settings.data_dir
    data.mkdir(parents=True, exist_ok=True)
    valkey = None
    env = dict(os.environ, FABLAB_DATA=str(data), FABLAB_MACHINES=str(ctx.settings.machines_file))
    if not ctx.settings.redis_url:
        valkey = EmbeddedValkey(data)
        env["REDIS_URL"] = valkey.start()
    migrate.upgrade(ctx.settings.database_url)  # the demo brings its database up to date itself
    with ctx.session() as s:
        logins = ensure_demo_users(s, data)
    sup = Supervisor(env, data / "logs")
    stopping = False

    def _stop(_sig, _frame) -> None:  # noqa: ANN001
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        for m in spec.machines:
            if m.simulator:
                link = ctx.settings.simulator_link(m.id)
                link.unlink(missing_ok=True)
                sup.start(f"sim-{m.id}", *_simulator_args(m, link))
                if not _wait_for(link, 15):
                    print(f"simulator for {m.id} did not start: see {data / 'logs'}", file=sys.stderr)
                    return 1
        for i in range(analysis_workers()):  # one per core: uploads are analysed side by side
            sup.start(f"worker-analysis-{i + 1}", "worker", "analysis")
        for m in spec.machines:
            sup.start(f"worker-{m.id}", "worker", "--machine", m.id)
        sup.start("web", "serve", "--host", host, "--port", str(port))
        print(f"\nFablab demo: http://{host}:{port}/\n")
        for name, password in logins.items():
            print(f"  login {name:<11} password {password}")
        print(f"\nData in {data}; logs in {data / 'logs'}. Ctrl-C stops everything.", flush=True)
        while not stopping:
            dead = sup.dead()
            if dead:
                print(f"stopped unexpectedly: {', '.join(dead)} (see {data / 'logs'})", file=sys.stderr)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        print("\nstopping...", flush=True)
        sup.stop()
        if valkey:
            valkey.stop()
        print("stopped.")
