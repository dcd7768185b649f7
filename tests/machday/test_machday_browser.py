"""The fabmanager at the machines page, in a real browser, on the real stack: a machine worker
in its own process streams to a Marlin simulator behind a pty; the app on a real HTTP server.

Cancelling a running job asks first (dismissing the question does nothing; accepting cancels and
the simulated printer ends safe: heaters off, motors off); the machine is then "to be cleared"
and the fabmanager clears it from the same page; the page follows without a reload."""

from __future__ import annotations

import pytest
from browser_fixtures import browser_login
from machday_helpers import job_with_program
from stack_helpers import log_tail, wait_until

from drivers.sim import start_simulator
from jobqueue.models import Job

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PROGRAM = ["M140 S60", "M104 S200", "G28"] + [f"G1 X{10 + (i % 2) * 150} Y{10 + (i % 3) * 90} F600"
                                              for i in range(600)]


def _job_state(ctx, job_id: int) -> str:  # noqa: ANN001
    with ctx.session() as s:
        return s.get(Job, job_id).state


def test_cancel_asks_first_then_the_machine_is_cleared(browser_page, accounts, fablab_env, spawn, tmp_path) -> None:  # noqa: ANN001
    ctx = fablab_env
    link = ctx.settings.simulator_link("prusa-mk3")
    link.parent.mkdir(parents=True, exist_ok=True)
    sim = start_simulator("marlin", link_path=str(link), speed_factor=2)
    try:
        job_id = job_with_program(ctx, "prusa-mk3", PROGRAM)
        spawn("worker-prusa", "worker", "--machine", "prusa-mk3")
        wait_until(lambda: sim.state()["hotend_target"] > 0 and _job_state(ctx, job_id) == "running", 60,
                   what=f"the print to start\n{log_tail(tmp_path)}")
        page = browser_page
        browser_login(page, accounts["fabmanager"])
        page.goto("/machines")
        card = page.locator("#machine-prusa-mk3")
        assert card.get_attribute("data-state") == "busy"
        assert card.locator(".badge[data-machine-state]").inner_text() == "occupée"
        # live figures of the running print, without a reload
        page.wait_for_selector("#machine-prusa-mk3 .temperatures:has-text('Buse')")
        # the question, dismissed: nothing happens
        ask = card.locator("details.confirm summary")
        ask.click()
        confirm = card.locator("details.confirm button.btn-confirm")
        assert confirm.is_visible() and confirm.inner_text() == "Oui, annuler le travail"
        ask.click()
        assert not confirm.is_visible()
        assert _job_state(ctx, job_id) == "running" and sim.state()["hotend_target"] > 0
        # the question, accepted: the print is cancelled and the printer left safe
        ask.click()
        confirm.click()
        page.wait_for_selector(".flash.ok")
        page.evaluate("window.notReloaded = true")
        wait_until(lambda: _job_state(ctx, job_id) == "cancelled", 60, what=f"the cancel\n{log_tail(tmp_path)}")
        state = sim.state()
        assert (state["hotend_target"], state["bed_target"], state["motors_on"]) == (0, 0, False), state
        assert not state["dead"]
        # the page follows the machine to "to be cleared", then the fabmanager clears it
        page.wait_for_selector("#machine-prusa-mk3[data-state=to_be_cleared]", timeout=30000)
        assert card.locator(".badge[data-machine-state]").inner_text() == "à dégager"
        assert page.evaluate("window.notReloaded === true")  # the card changed, not the page
        card.locator("button.btn-clear").click()
        page.wait_for_selector("#machine-prusa-mk3[data-state=idle]")
        assert card.locator(".badge[data-machine-state]").inner_text() == "libre"
        # the same labels in English
        page.click("button[data-lang=en]")
        page.wait_for_selector("html[lang=en]")
        assert page.locator("#machine-prusa-mk3 .badge[data-machine-state]").inner_text() == "free"
        assert "The bed / stock is clear" not in page.inner_text("#machine-prusa-mk3")
    finally:
        sim.stop()
