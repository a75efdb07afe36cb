"""Ground stations can be retired: `ground_stations.retired_at`.

Revision ID: 0014_station_retirement
Revises: 0013_audit_no_replace
Create Date: 2026-11-28

Written by hand and frozen, like the earlier revisions. A retired station keeps its row
(pools, tasks, agreements and audit entries name its id, which is never reused), with the
time it was retired; None means active, which every row written before this revision is.
Adding a nullable column rebuilds no table on either backend.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from accord.store._types import UTCDateTime

revision = "0014_station_retirement"
down_revision = "0013_audit_no_replace"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("ground_stations", sa.Column("retired_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("ground_stations", "retired_at")
