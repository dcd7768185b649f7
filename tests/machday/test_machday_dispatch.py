"""Dispatch on the real database (no workers: prepare and runs go through the same hooks the
tasks call): groups, clearance between runs, out of service, queue order, copies, usage."""

from __future__ import annotations

import pytest
from machday_helpers import pending_fdm_job, play_run, prepare

from jobqueue import copies, dispatch, machine_status, queue_order, services, usage
from jobqueue.models import Job
from jobqueue.models_machines import QueueEntry, Run, UsageRecord
from jobqueue.states import JobState
from jobqueue.users import get_user


def _approve(ctx, job_id: int, target: str = "fdm-pla", copies: int = 1, priority: str = "normal") -> None:  # noqa: ANN001
    with ctx.session() as s:
        services.approve(s, ctx.redis(), ctx.spec(), get_user(s, "fabmanager"), s.get(Job, job_id), target,
                         copies=copies, priority=priority)


def _dispatch(ctx) -> dict[int, str]:  # noqa: ANN001
    with ctx.session() as s:
        return {d.job_id: d.machine_id for d in dispatch.dispatch(s, ctx.spec(), None)}


def _clear(ctx, machine_id: str) -> None:  # noqa: ANN001
    with ctx.session() as s:
        machine_status.confirm_cleared(s, machine_id, "fabmanager")


@pytest.mark.both_engines
def test_group_dispatch_waits_for_clearance_and_skips_out_of_service(fablab_env, accounts) -> None:  # noqa: ANN001
    ctx = fablab_env
    jobs = [pending_fdm_job(ctx) for _ in range(3)]
    for j in jobs:
        _approve(ctx, j)
    with ctx.session() as s:
        assert s.get(Job, jobs[0]).state == "preparing" and s.get(Job, jobs[0]).machine_id is None
    assert _dispatch(ctx) == {jobs[0]: "prusa-mk3", jobs[1]: "ender-3"}
    assert _dispatch(ctx) == {}  # idempotent: nothing free, nothing changes
    for j in jobs[:2]:
        prepare(ctx, j)
        assert play_run(ctx, j) == "completed"
    assert _dispatch(ctx) == {}  # both printers wait to be cleared
    with ctx.session() as s:
        machine_status.set_maintenance(s, "prusa-mk3", True, "buse bouchée", "fabmanager")
    _clear(ctx, "prusa-mk3")
    assert _dispatch(ctx) == {}  # cleared but out of service
    _clear(ctx, "ender-3")
    assert _dispatch(ctx) == {jobs[2]: "ender-3"}
    with ctx.session() as s, pytest.raises(services.RequestError, match="out of service"):
        services.approve(s, ctx.redis(), ctx.spec(), get_user(s, "fabmanager"), s.get(Job, pending_fdm_job(ctx)),
                         "prusa-mk3")


def test_copies_make_runs_each_counted(fablab_env, accounts) -> None:  # noqa: ANN001
    ctx = fablab_env
    job_id = pending_fdm_job(ctx)
    _approve(ctx, job_id, target="ender-3", copies=3)
    for copy in range(3):
        if copy == 0:
            prepare(ctx, job_id)
        assert _dispatch(ctx) == {job_id: "ender-3"}
        state = play_run(ctx, job_id)
        assert state == ("completed" if copy == 2 else "ready")
        _clear(ctx, "ender-3")
    with ctx.session() as s:
        copies = [r.copy_index for r in s.query(Run).filter_by(job_id=job_id).order_by(Run.id)]
        records = s.query(UsageRecord).filter_by(job_id=job_id).all()
        assert copies == [1, 2, 3] and len(records) == 3
        assert all(r.quantity == 2.0 and r.outcome == "completed" for r in records)


def test_a_machine_keeps_its_place_for_the_job_pinned_to_it_while_it_is_prepared(fablab_env, accounts) -> None:  # noqa: ANN001
    ctx = fablab_env
    pinned, grouped, later = (pending_fdm_job(ctx) for _ in range(3))
    _approve(ctx, pinned, target="prusa-mk3")  # its program is being prepared (no worker here)
    _approve(ctx, grouped, target="fdm-pla")
    _approve(ctx, later, target="fdm-pla")
    assert _dispatch(ctx) == {grouped: "ender-3"}  # not the Prusa: the job before it waits for it
    prepare(ctx, pinned)
    assert _dispatch(ctx) == {pinned: "prusa-mk3"}


@pytest.mark.both_engines
def test_copies_on_a_group_run_in_parallel_each_billed(fablab_env, accounts) -> None:  # noqa: ANN001
    ctx = fablab_env
    first = pending_fdm_job(ctx)
    later = pending_fdm_job(ctx)
    _approve(ctx, first, target="fdm-pla", copies=3)
    _approve(ctx, later, target="fdm-pla")
    with ctx.session() as s:
        family = copies.family(s, first)
        assert family[0] == first and len(family[1]) == 3
        ids = [j for j, _state in family[1]]
        assert {s.get(Job, j).file_sha256 for j in ids} == {s.get(Job, first).file_sha256}
        # the job page's one-query reading gives the same set from the first, a copy and a job alone
        for j in (first, ids[1], later):
            entry, *fam = copies.entry_and_family(s, s.get(Job, j))
            assert entry is s.get(QueueEntry, j) and tuple(fam) == copies.family(s, j)
        assert copies.entry_and_family(s, s.get(Job, later))[1:] == (later, [(later, s.get(Job, later).state)])
    got = _dispatch(ctx)  # two copies at once, one per printer; the third and the later job wait
    assert set(got) == set(ids[:2]) and set(got.values()) == {"prusa-mk3", "ender-3"}
    for j in ids[:2]:
        prepare(ctx, j)
        assert play_run(ctx, j) == "completed"
    assert _dispatch(ctx) == {}
    _clear(ctx, "ender-3")
    assert _dispatch(ctx) == {ids[2]: "ender-3"}  # the third copy before the job approved after it
    prepare(ctx, ids[2])
    play_run(ctx, ids[2])
    with ctx.session() as s:
        runs = s.query(Run).filter(Run.job_id.in_(ids)).all()
        records = s.query(UsageRecord).filter(UsageRecord.job_id.in_(ids)).all()
        assert len(runs) == 3 and len({r.job_id for r in runs}) == 3
        assert len(records) == 3 and all(r.outcome == "completed" and r.username == "member" for r in records)
        assert [e.reason for e in s.get(Job, ids[1]).events][:1] == [f"copy 2 of job {first}"]


def test_priority_and_reordering_decide_what_runs_next(fablab_env, accounts) -> None:  # noqa: ANN001
    ctx = fablab_env
    a, b, c = (pending_fdm_job(ctx) for _ in range(3))
    _approve(ctx, a, "ender-3")
    _approve(ctx, b, "ender-3")
    _approve(ctx, c, "ender-3")
    for j in (a, b, c):
        prepare(ctx, j)
    with ctx.session() as s:
        queue_order.reorder(s, [c, a])  # c takes a's place
    assert _dispatch(ctx) == {c: "ender-3"}
    play_run(ctx, c)
    _clear(ctx, "ender-3")
    with ctx.session() as s:
        queue_order.set_priority(s, b, "urgent")
    assert _dispatch(ctx) == {b: "ender-3"}


@pytest.mark.both_engines
def test_usage_priced_by_tier_and_policy_and_csv_totals(fablab_env, accounts) -> None:  # noqa: ANN001
    ctx = fablab_env
    spec = ctx.spec()
    done, cancelled, failed = (pending_fdm_job(ctx, "trainee") for _ in range(3))
    for j in (done, cancelled, failed):
        _approve(ctx, j, "ender-3")
        prepare(ctx, j, lines=50, filament_g=4.0)
    outcomes = {done: JobState.COMPLETED, cancelled: JobState.CANCELLED, failed: JobState.FAILED}
    for j, outcome in outcomes.items():
        assert _dispatch(ctx) == {j: "ender-3"}
        play_run(ctx, j, outcome, acked=25 if outcome != JobState.COMPLETED else None)
        _clear(ctx, "ender-3")
    with ctx.session() as s:
        recs = {r.job_id: r for r in s.query(UsageRecord)}
        month = recs[done].ended_at.strftime("%Y-%m")
        rows = usage.records(s, spec, month)
    ender = spec.machine("ender-3")
    training = 0.5  # the trainee's tier
    assert recs[done].quantity == 4.0 and recs[done].tier == "training"
    assert recs[done].material_cost == pytest.approx(round(4.0 * ender.materials[0].price * training, 2))
    assert recs[done].setup_cost == pytest.approx(ender.setup_fee * training)
    assert recs[cancelled].charge_rule == "used" and recs[cancelled].quantity == pytest.approx(2.0)
    assert recs[failed].charge_rule == "none" and recs[failed].total == 0.0
    for french in (False, True):
        text = usage.to_csv(rows, spec.timezone, french=french)
        lines = [line.split(";" if french else ",") for line in text.strip().split("\r\n")]
        header, body, total = lines[0], lines[1:-1], lines[-1]
        col = header.index("total")
        parse = (lambda v: float(v.replace(",", "."))) if french else float
        assert len(body) == 3 and total[0] == "TOTAL"
        assert parse(total[col]) == pytest.approx(sum(parse(r[col]) for r in body))
        assert parse(total[col]) == pytest.approx(usage.totals(rows)["total"])
