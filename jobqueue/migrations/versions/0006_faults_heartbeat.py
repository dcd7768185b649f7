"""faults: run heartbeat column, one running or paused job per machine (partial unique index)

Revision ID: faults1
Revises: apisec1
Create Date: 2026-12-01 01:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'faults1'
down_revision = 'apisec1'
branch_labels = None
depends_on = None

ON_MACHINE = "state IN ('running', 'paused')"


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))
    # A database where two jobs already run on one machine cannot take the index: the older
    # runs are the stranded ones (nothing runs two jobs on one machine); they end as failed.
    op.execute(
        "UPDATE jobs SET state = 'failed', reason = 'run.interrupted {\"cause\": \"migration\"}' "
        f"WHERE {ON_MACHINE} AND id NOT IN (SELECT MAX(id) FROM jobs WHERE {ON_MACHINE} GROUP BY machine_id)"
    )
    op.create_index('uq_jobs_one_run_per_machine', 'jobs', ['machine_id'], unique=True,
                    sqlite_where=sa.text(ON_MACHINE), postgresql_where=sa.text(ON_MACHINE))


def downgrade() -> None:
    op.drop_index('uq_jobs_one_run_per_machine', table_name='jobs',
                  sqlite_where=sa.text(ON_MACHINE), postgresql_where=sa.text(ON_MACHINE))
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
