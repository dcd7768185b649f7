"""`fablab demo`: everything on one machine, on the embedded defaults.

Starts the embedded Valkey (unless REDIS_URL is set), the database with the demo users, the
web app, a firmware simulator per simulated machine, one analysis worker per core and one
worker per machine; prints the URL and the logins. A child that dies is started again with
backoff while the others keep running (`jobqueue.supervisor`); Ctrl-C stops every process it
started.
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
from jobqueue.demo_users import ensure_demo_session, ensure_demo_users
from jobqueue.redis_server import EmbeddedValkey
from jobqueue.supervisor import Supervisor


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


def _wait_for_web(sup: Supervisor, url: str, timeout: float) -> bool:
    """True once the web app answers: the URL is printed only when it can be opened (a loaded
    host may take many seconds to import and boot gunicorn). Children keep being supervised."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return True
        except (OSError, urllib.error.URLError):
            pass
        sup.check()
        time.sleep(0.2)
    return False


def _embedded_valkey(valkey: EmbeddedValkey):  # noqa: ANN202 - the launch callable of the Valkey child
    def launch() -> subprocess.Popen:
        valkey.start()  # same port, same folder: its append-only file brings the queues back
        assert valkey.proc is not None
        return valkey.proc

    return launch


def run_demo(host: str = "127.0.0.1", port: int = 5000) -> int:
    ctx = Context.from_env()
    spec = ctx.spec()  # fail early, with the machines.yaml message, before starting anything
    data = ctx.settings.data_dir
    data.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, FABLAB_DATA=str(data), FABLAB_MACHINES=str(ctx.settings.machines_file))
    env.setdefault("FABLAB_WEB_WORKERS", "1")  # one gunicorn process (128 threads) is plenty here, boots faster
    sup = Supervisor(env, data / "logs")
    if not ctx.settings.redis_url:
        valkey = EmbeddedValkey(data)
        sup.adopt("valkey", _embedded_valkey(valkey))
        env["REDIS_URL"] = valkey.url
    stopping = False

    def _stop(_sig, _frame) -> None:  # noqa: ANN001
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        migrate.upgrade(ctx.settings.database_url)  # the demo brings its database up to date itself
        with ctx.session() as s:
            logins = ensure_demo_users(s, data)
            workshop = ensure_demo_session(s, spec)
        sup.start("web", "serve", "--host", host, "--port", str(port))  # first: it answers while the rest starts
        for m in spec.machines:
            if m.simulator:
                link = ctx.settings.simulator_link(m.id)
                link.unlink(missing_ok=True)
                sup.start(f"sim-{m.id}", *_simulator_args(m, link),
                          before_restart=lambda link=link: link.unlink(missing_ok=True))
                if not _wait_for(link, 15):
                    print(f"simulator for {m.id} did not start: see {data / 'logs'}", file=sys.stderr)
                    return 1
        for i in range(analysis_workers()):  # one per core: uploads are analysed side by side
            sup.start(f"worker-analysis-{i + 1}", "worker", "analysis")
        for m in spec.machines:
            sup.start(f"worker-{m.id}", "worker", "--machine", m.id)
        if not _wait_for_web(sup, f"http://{host}:{port}/login", 180):
            print(f"the web app did not answer: see {data / 'logs'}", file=sys.stderr)
            return 1
        print(f"\nFablab demo: http://{host}:{port}/\n")
        for name, password in logins.items():
            print(f"  login {name:<11} password {password}")
        print(f"\n  workshop session '{workshop[0]}': join code {workshop[1]}")
        print(f"\nData in {data}; logs in {data / 'logs'}. Ctrl-C stops everything.", flush=True)
        while not stopping:
            sup.check()  # a child that died is started again (with backoff); the others keep running
            time.sleep(0.5)
        return 0
    finally:
        print("\nstopping...", flush=True)
        sup.stop()  # reverse order: Valkey last, after the workers have let go of it
        print("stopped.")
