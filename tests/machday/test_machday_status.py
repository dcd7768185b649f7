"""The machine status record: claim by compare-and-set, clearance, maintenance, attention."""

from __future__ import annotations

import pytest

from jobqueue import machine_status as ms
from jobqueue.models_machines import MachineEvent


@pytest.mark.both_engines
def test_claim_is_exclusive_and_clearance_gates_the_next(fablab_env) -> None:  # noqa: ANN001
    with fablab_env.session() as s:
        assert ms.claim(s, "ender-3", 1)
        assert not ms.claim(s, "ender-3", 2)  # one job at a time, by the record
        assert not ms.claim(s, "prusa-mk3", 1)  # one machine per job
        assert ms.state_of(ms.get(s, "ender-3")) == ms.BUSY
        ms.release(s, "ender-3", 1, await_clearance=True)
        assert ms.state_of(ms.get(s, "ender-3")) == ms.TO_BE_CLEARED
        assert not ms.claim(s, "ender-3", 2)
        assert ms.claim(s, "ender-3", 1, resume_of=1)  # the job that left it may come back
        ms.release(s, "ender-3", 1, await_clearance=True)
        ms.confirm_cleared(s, "ender-3", "fabmanager")
        with pytest.raises(ms.MachineStateError):
            ms.confirm_cleared(s, "ender-3", "fabmanager")
        assert ms.claim(s, "ender-3", 2)


@pytest.mark.both_engines
def test_maintenance_and_attention_refuse_claims_and_are_logged(fablab_env) -> None:  # noqa: ANN001
    with fablab_env.session() as s:
        with pytest.raises(ms.MachineStateError):
            ms.set_maintenance(s, "laser-1", True, " ", "fabmanager")
        ms.set_maintenance(s, "laser-1", True, "lentille à nettoyer", "fabmanager")
        assert not ms.claim(s, "laser-1", 5)
        assert ms.as_dict(ms.get(s, "laser-1"))["state"] == ms.OUT_OF_SERVICE
        ms.set_maintenance(s, "laser-1", False, None, "fabmanager")
        ms.mark_needs_attention(s, "laser-1", "abnormal_end", {"job_id": 5})
        assert not ms.claim(s, "laser-1", 5)
        assert ms.as_dict(ms.get(s, "laser-1"))["last_error"]["code"] == "abnormal_end"
        ms.acknowledge(s, "laser-1", "fabmanager")
        assert ms.claim(s, "laser-1", 5)
        actions = [e.action for e in s.query(MachineEvent).order_by(MachineEvent.id)]
        assert actions == ["out_of_service", "in_service", "needs_attention", "acknowledged"]
