"""A real OctoPrint server for the driver tests: its own venv, a fresh basedir, a Virtual Printer.

The venv (`.venv-octoprint/` in the repo root, gitignored) is made once and reused; OctoPrint
pins its own Flask/Tornado versions, so it cannot share the project's venv. Each test session
gets a new basedir with:
- a config that skips the first-run wizard and every network-touching plugin, with the
  Virtual Printer enabled and made fast (tiny per-line throttle, no reset banner wait, no
  simulated resends),
- an admin user (`octoprint user add`) and an application key for that user written to the
  Application Keys plugin's store (`data/appkeys/keys.yaml`): user-bound keys are the way
  OctoPrint 1.10+ wants API access; the global `api.key` is deprecated (removed in 1.13).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests
import yaml

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv-octoprint"
STAMP = VENV / ".fablab-installed"
OCTOPRINT_REQUIREMENT = "octoprint>=1.10,<1.13"
INSTALL_TIMEOUT_S = 600.0
START_TIMEOUT_S = 90.0
# pytest-timeout counts a session fixture's setup against the first test that uses it.
FIRST_TEST_TIMEOUT_S = int(INSTALL_TIMEOUT_S + START_TIMEOUT_S + 120)
USER = "fablab"

Say = Callable[[str], None]


class OctoPrintUnavailable(Exception):
    """OctoPrint could not be installed here (no network, no wheel...): tests skip."""


def _run_logged(cmd: list[str], timeout: float, say: Say, failure: type[Exception] = OctoPrintUnavailable) -> None:
    """Run `cmd`, echoing its output lines through `say`; kill it at `timeout`."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    tail: list[str] = []

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip()
            tail.append(line)
            del tail[:-20]
            say(f"  | {line}")

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)
        raise failure(f"{' '.join(cmd[:3])} ... ran past {timeout:.0f} s") from None
    reader.join(timeout=10)
    if code != 0:
        raise failure(f"{' '.join(cmd[:4])} ... exited {code}: " + " / ".join(tail[-2:]))


def ensure_venv(say: Say) -> Path:
    """Create `.venv-octoprint` with OctoPrint once (locked, cached by a stamp file)."""
    octoprint_bin = VENV / "bin" / "octoprint"
    VENV.mkdir(parents=True, exist_ok=True)  # `python -m venv` accepts an existing folder
    with open(VENV / ".fablab-lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if STAMP.exists() and octoprint_bin.exists():
            return octoprint_bin
        say(f"installing {OCTOPRINT_REQUIREMENT} into {VENV} (first run only, up to {INSTALL_TIMEOUT_S:.0f} s)")
        began = time.monotonic()
        if not (VENV / "bin" / "python").exists():
            _run_logged([sys.executable, "-m", "venv", str(VENV)], 120, say)
        pip = [str(VENV / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check"]
        _run_logged([*pip, "--progress-bar", "off", OCTOPRINT_REQUIREMENT], INSTALL_TIMEOUT_S, say)
        if not octoprint_bin.exists():
            raise OctoPrintUnavailable("pip finished but there is no octoprint executable")
        STAMP.write_text(OCTOPRINT_REQUIREMENT + "\n")
        say(f"OctoPrint installed in {time.monotonic() - began:.0f} s")
    return octoprint_bin


def _die_with_parent() -> None:
    """In the child: get SIGTERM if pytest dies without its teardown (Linux prctl)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def virtual_printer_settings() -> dict:
    """Fast, quiet Virtual Printer (moves still take 1/10 of their real time)."""
    return {
        "enabled": True,
        "throttle": 0.001,  # seconds per line (default 0.01)
        "simulateReset": False,  # no "start" banner dance on connect
        "okAfterResend": False,
        "resend_ratio": 0,
        "simulated_errors": [],  # default injects resends at lines 100-115
        "sendWait": True,
        "waitInterval": 1.0,
    }


def write_basedir(basedir: Path, octoprint_bin: Path, api_key: str, say: Say) -> None:
    basedir.mkdir(parents=True, exist_ok=True)
    config = {
        "server": {
            "firstRun": False,
            "onlineCheck": {"enabled": False},
            "pluginBlacklist": {"enabled": False},
        },
        "gcodeAnalysis": {"runAt": "never"},  # no analysis subprocess per upload
        "serial": {"port": "VIRTUAL", "baudrate": 115200, "autoconnect": False},
        "plugins": {
            "_disabled": [
                "tracking", "errortracking", "announcements", "softwareupdate", "discovery",
                "pluginmanager", "achievements", "backup", "gcodeviewer", "classicwebcam",
            ],
            "virtual_printer": virtual_printer_settings(),
        },
    }
    (basedir / "config.yaml").write_text(yaml.safe_dump(config))
    _run_logged(
        [str(octoprint_bin), "--basedir", str(basedir), "user", "add", USER,
         "--password", secrets.token_urlsafe(16), "--admin"],
        120, lambda _line: None, RuntimeError,  # quiet; its tail is in the error if it fails
    )
    keys = basedir / "data" / "appkeys" / "keys.yaml"
    keys.parent.mkdir(parents=True, exist_ok=True)
    keys.write_text(yaml.safe_dump({USER: [{"app_id": "fablab-tests", "api_key": api_key}]}))


@dataclass
class OctoPrintServer:
    url: str
    api_key: str
    basedir: Path
    process: subprocess.Popen

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, headers={"X-Api-Key": self.api_key}, timeout=10, **kwargs)

    def post(self, path: str, payload: dict) -> requests.Response:
        return requests.post(self.url + path, json=payload, headers={"X-Api-Key": self.api_key}, timeout=10)

    def log_tail(self, lines: int = 30) -> str:
        log = self.basedir / "serve.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


def _wait_until_up(server: OctoPrintServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"octoprint serve exited {server.process.returncode}:\n{server.log_tail()}")
        with contextlib.suppress(requests.RequestException):
            if server.get("/api/version").status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"OctoPrint did not answer /api/version within {START_TIMEOUT_S:.0f} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def running_server(basedir: Path, say: Say) -> Iterator[OctoPrintServer]:
    """Install (once), configure and start OctoPrint on 127.0.0.1; stop it on exit."""
    octoprint_bin = ensure_venv(say)
    api_key = secrets.token_hex(16)
    write_basedir(basedir, octoprint_bin, api_key, say)
    port = free_port()
    cmd = [str(octoprint_bin), "serve", "--host", "127.0.0.1", "--port", str(port), "--basedir", str(basedir)]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--iknowwhatimdoing")  # OctoPrint refuses root otherwise (CI runs as root)
    with open(basedir / "serve.log", "wb") as log:
        process = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent
        )
    server = OctoPrintServer(f"http://127.0.0.1:{port}", api_key, basedir, process)
    began = time.monotonic()
    try:
        _wait_until_up(server)
        say(f"OctoPrint up on {server.url} in {time.monotonic() - began:.1f} s")
        yield server
    finally:
        stop(process)


def wait_for_state(server: OctoPrintServer, wanted: set[str], seconds: float = 30.0) -> str:
    """Poll OctoPrint until its printer state is one of `wanted` (bounded)."""
    deadline = time.monotonic() + seconds
    state = "?"
    while time.monotonic() < deadline:
        state = server.get("/api/job").json().get("state", "?")
        if state in wanted:
            return state
        time.sleep(0.1)
    raise AssertionError(f"OctoPrint stayed '{state}', wanted one of {sorted(wanted)}")
