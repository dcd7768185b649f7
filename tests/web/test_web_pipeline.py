"""The whole path in a browser, on real parts: a member uploads from the page, the analysis
worker judges the file, the fabmanager approves it from the queue page, the prepare step and
the machine worker stream it to the simulated GRBL laser, and the member's job page follows
it to the end with a moving progress bar (Server-Sent Events from the worker's progress)."""

from __future__ import annotations

import importlib.util
import os
import subprocess

import pytest
from web_helpers import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PLATE = b"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="120mm" height="90mm" viewBox="0 0 120 90">
  <rect id="outer" x="10" y="10" width="100" height="70" fill="none" stroke="#ff0000" stroke-width="0.1"/>
  <circle id="hole1" cx="35" cy="45" r="12" fill="none" stroke="#ff0000" stroke-width="0.1"/>
  <circle id="hole2" cx="80" cy="45" r="15" fill="none" stroke="#ff0000" stroke-width="0.1"/>
</svg>
"""
# Every page load of the member's browser adds what the progress bar shows to a list kept
# across the reloads the page does when the job changes state.
RECORD_PROGRESS = """
addEventListener('DOMContentLoaded', () => {
  const bar = document.querySelector('#progress-box .bar');
  if (!bar) return;
  const seen = () => JSON.parse(sessionStorage.getItem('seen') || '[]');
  const note = () => sessionStorage.setItem('seen', JSON.stringify(
      seen().concat([[document.getElementById('job').dataset.state, Number(bar.getAttribute('aria-valuenow'))]])));
  note();
  new MutationObserver(note).observe(bar, {attributes: true, attributeFilter: ['aria-valuenow']});
});
"""


def _pipeline_missing() -> str | None:
    for module in ("drivers.sim", "drivers.grbl", "jobqueue.cli.cmd_simulate", "slicing.analysis"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not there yet"
    return None


def _start_stack(spawn, fablab_env) -> subprocess.Popen:  # noqa: ANN001
    link = fablab_env.settings.simulator_link("laser-1")
    link.parent.mkdir(parents=True, exist_ok=True)
    spawn("sim-laser", "simulate", "--firmware", "grbl", "--link", str(link), "--speed-factor", "8")
    spawn("worker-analysis", "worker", "analysis")
    return spawn("worker-laser", "worker", "--machine", "laser-1")


def test_upload_approve_and_watch_it_run_on_the_simulated_laser(
        chromium, live_server, accounts, fablab_env, spawn, tmp_path) -> None:  # noqa: ANN001
    missing = _pipeline_missing()
    if missing:
        pytest.skip(f"the simulated laser pipeline is incomplete: {missing}")
    _start_stack(spawn, fablab_env)
    member_ctx = chromium.new_context(base_url=live_server)
    manager_ctx = chromium.new_context(base_url=live_server)
    try:
        for ctx in (member_ctx, manager_ctx):
            ctx.set_default_timeout(60000)
        member_ctx.add_init_script(RECORD_PROGRESS)
        member, manager = member_ctx.new_page(), manager_ctx.new_page()
        browser_login(member, accounts["member"])
        member.goto("/upload")
        (tmp_path / "plaque.svg").write_bytes(PLATE)
        member.select_option("#process", "laser")
        member.set_input_files("input[type=file]", str(tmp_path / "plaque.svg"))
        member.click("#upload-form button[type=submit]")
        member.wait_for_url("**/jobs/*")
        job_id = int(member.url.rsplit("/", 1)[1])

        member.wait_for_selector("#job[data-state=pending_review]")  # the analysis worker's verdict
        assert "Fichier utilisable" in member.inner_text("#analysis")
        assert member.locator("#quotes table.quote").count() >= 1

        browser_login(manager, accounts["fabmanager"])
        manager.goto("/queue")
        manager.locator(f"#review-{job_id} button.btn-approve").click()
        manager.wait_for_selector(".flash.ok")

        member.wait_for_selector("#job[data-state=completed]", timeout=90000)
        seen = member.evaluate("JSON.parse(sessionStorage.getItem('seen') || '[]')")
        running = [pct for state, pct in seen if state in ("running", "paused")]
        assert any(0 < pct < 100 for pct in running), f"the bar never moved while running: {seen}"
        assert running == sorted(running), f"the bar went backwards: {running}"
        assert float(member.get_attribute("#progress-box .bar", "aria-valuenow")) == 100
        history = member.inner_text("#history")
        assert "en cours → terminé" in history and "fabmanager" in history
        program = member.inner_text("#program")
        assert "gcode" in program.lower()
        if member.locator("#program-preview").count():
            status = member.evaluate("fetch(document.getElementById('program-preview').src).then(r => r.status)")
            assert status == 200
    finally:
        member_ctx.close()
        manager_ctx.close()
        if os.environ.get("FABLAB_KEEP_LOGS"):
            print((tmp_path / "logs").as_posix())
