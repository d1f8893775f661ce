"""trust chain: PACT partners bound to a client, the sending client of events, witnesses and their cosignatures

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 07:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pact_partner', schema=None) as batch_op:
        batch_op.add_column(sa.Column('for_client', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
    with op.batch_alter_table('pact_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True))
    op.create_table('witness',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('cosignature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('witness', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('root', sa.LargeBinary(), nullable=False),
    sa.Column('line', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('timestamp', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['witness'], ['witness.name']),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cosignature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cosignature_witness'), ['witness'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cosignature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cosignature_witness'))
    op.drop_table('cosignature')
    op.drop_table('witness')
    with op.batch_alter_table('pact_event', schema=None) as batch_op:
        batch_op.drop_column('client_id')
    with op.batch_alter_table('pact_partner', schema=None) as batch_op:
        batch_op.drop_column('for_client')
