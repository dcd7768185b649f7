"""faults: the `interrupted` job state (a run ended by a fault around the job)

Runs that ended with a `run.interrupted` reason were recorded as `failed` before this state
existed: they become `interrupted`, with their run rows. Downgrade turns them back.

Revision ID: faults2
Revises: machday2
Create Date: 2026-12-01 04:50:00
"""

from __future__ import annotations

from alembic import op

revision = 'faults2'
down_revision = 'machday2'
branch_labels = None
depends_on = None

WAS_INTERRUPTED = "reason LIKE 'run.interrupted%'"


def upgrade() -> None:
    op.execute(f"UPDATE jobs SET state = 'interrupted' WHERE state = 'failed' AND {WAS_INTERRUPTED}")
    op.execute(f"UPDATE runs SET state = 'interrupted' WHERE state = 'failed' AND {WAS_INTERRUPTED}")


def downgrade() -> None:
    op.execute("UPDATE jobs SET state = 'failed' WHERE state = 'interrupted'")
    op.execute("UPDATE runs SET state = 'failed' WHERE state = 'interrupted'")
