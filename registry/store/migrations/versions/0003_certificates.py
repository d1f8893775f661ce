"""certificates: the certificate behind each label issued under a rule with a certification block

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 08:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('certificate',
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('label_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('declaration_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('product_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('holder_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('certifier_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('issued', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('surveillance_months', sa.Integer(), nullable=False),
    sa.Column('next_surveillance_due', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('number')
    )
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_label_id'), ['label_id'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_label_id'))
    op.drop_table('certificate')
