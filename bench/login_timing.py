"""Login timing: does the answer's time tell whether an account exists? (issue 10 item 3)

Posts wrong passwords to the real login form (Flask test client, real SQLite, scrypt hashes)
for an existing account and for unknown names, alternating, and prints the median and p90
of each with their ratio. Before the fix the unknown name skipped the hash: ~4 ms vs ~120 ms.

    .venv/bin/python bench/login_timing.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    os.environ["FABLAB_DATA"] = tempfile.mkdtemp(prefix="fablab-bench-")
    os.environ["FABLAB_MACHINES"] = str(REPO / "machines.yaml")
    os.environ.pop("REDIS_URL", None)
    os.environ["FABLAB_LOGIN_LIMIT_CLIENT"] = os.environ["FABLAB_LOGIN_LIMIT_ACCOUNT"] = "100000 per minute"
    from jobqueue import migrate
    from jobqueue.context import Context
    from jobqueue.users import create_user
    from web.app import create_app

    ctx = Context.from_env()
    migrate.upgrade(ctx.settings.database_url)
    with ctx.session() as s:
        create_user(s, "alice", "right-password")
    client = create_app(ctx, testing=True).test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)

    def attempt(name: str) -> float:
        start = time.perf_counter()
        r = client.post("/login", data={"username": name, "password": "wrong", "csrf_token": token})
        assert r.status_code == 200
        return (time.perf_counter() - start) * 1000

    attempt("alice"), attempt("nobody")  # warm up (the dummy hash is made on first use)
    known, unknown = [], []
    for i in range(args.rounds):
        known.append(attempt("alice"))
        unknown.append(attempt(f"nobody{i}"))
    for label, xs in (("existing account", known), ("unknown name", unknown)):
        xs = sorted(xs)
        print(f"{label:17} median {statistics.median(xs):7.1f} ms   p90 {xs[int(0.9 * (len(xs) - 1))]:7.1f} ms")
    print(f"ratio unknown/existing (medians): {statistics.median(unknown) / statistics.median(known):.2f}")


if __name__ == "__main__":
    main()
