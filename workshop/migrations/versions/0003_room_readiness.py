"""idea moderation, completions, organiser link

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('completions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_completions_participant_id_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_completions_round_id_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_completions')),
    sa.UniqueConstraint('round_id', 'attempt', 'participant_id', name=op.f('uq_completions_round_id_attempt_participant_id'))
    )
    with op.batch_alter_table('completions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_completions_participant_id'), ['participant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_completions_round_id'), ['round_id'], unique=False)

    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moderation', sa.String(length=8), nullable=True))
        batch_op.create_check_constraint(op.f('ck_rounds_moderation'), "moderation IS NULL OR moderation IN ('pre', 'post')")
    # Ideas rounds made before moderation existed showed every idea at once: they stay so.
    op.execute("UPDATE rounds SET moderation = 'post' WHERE kind = 'ideas'")

    with op.batch_alter_table('workshop_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organiser_salt', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('organiser_token_hash', sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('workshop_sessions', schema=None) as batch_op:
        batch_op.drop_column('organiser_token_hash')
        batch_op.drop_column('organiser_salt')

    with op.batch_alter_table('rounds', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_rounds_moderation'), type_='check')
        batch_op.drop_column('moderation')

    with op.batch_alter_table('ideas', schema=None) as batch_op:
        batch_op.drop_column('approved')

    with op.batch_alter_table('completions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_completions_round_id'))
        batch_op.drop_index(batch_op.f('ix_completions_participant_id'))

    op.drop_table('completions')
