"""machday: copies spread over a group (queue_entries.copy_of: the job a copy was made from)

Revision ID: machday2
Revises: faults1
Create Date: 2026-12-01 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = 'machday2'
down_revision = 'faults1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('queue_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('copy_of', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_queue_entries_copy_of'), ['copy_of'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('queue_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queue_entries_copy_of'))
        batch_op.drop_column('copy_of')
