"""Webhook secrets encrypted at rest; committed manoeuvre plans' catalog entries.

Revision ID: 0011_secrets_plan_catalog
Revises: 0010_campaign_plan_jobs
Create Date: 2026-11-26

Written by hand and frozen, like the earlier revisions.

1. Every webhook secret stored in clear by 0009 is replaced by its Fernet token
   (`fernet:<token>`) under the key of ACCORD_WEBHOOK_SECRET_KEY_FILE (default
   `<var_dir>/keys/webhook-secrets.fernet`, created with mode 0600 when absent), read from
   the same `ACCORD_*` environment the process runs with. The key is touched only when a
   clear secret exists, so a new or secret-less store needs no key. A secret longer than
   64 characters (whose token would not fit the column) is not kept in clear either: the
   subscription is marked removed, its secret erased, and a warning names it (add it again
   with a shorter secret). Downgrading decrypts the secrets back into clear.
2. `plan_catalog_entries`: the provenance of the mean element set a committed plan added to
   the catalog, with the accuracy of its fit.
"""

from __future__ import annotations

import logging
import os
import stat
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import Fernet

from accord.settings import Settings
from accord.store._types import UTCDateTime

revision = "0011_secrets_plan_catalog"
down_revision = "0010_campaign_plan_jobs"
branch_labels = None
depends_on = None

_log = logging.getLogger("alembic.runtime.migration")
_MAX_SECRET_CHARS = 64  # as accord.coordination_ops.MAX_SECRET_CHARS when written
_PREFIX = "fernet:"


class _Key:
    """The Fernet key file, as `accord.coordination_ops.WebhookSecretKey` reads it.

    Frozen copy: a migration must not depend on application code that later changes. The
    file is created with O_EXCL and mode 0600 when absent, refused when others may read it.
    """

    def __init__(self) -> None:
        path = Settings().resolved_webhook_secret_key_file
        if not path.exists():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            with os.fdopen(os.open(path, flags, 0o600), "wb") as key_file:
                key_file.write(Fernet.generate_key())
        if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
            raise RuntimeError(
                f"the webhook secret key {path} can be read by users other than its owner; "
                f"run `chmod 600 {path}` and migrate again"
            )
        self._fernet = Fernet(path.read_bytes().strip())

    def encrypt(self, secret: str) -> str:
        return _PREFIX + self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def decrypt(self, stored: str) -> str:
        return self._fernet.decrypt(stored[len(_PREFIX) :].encode("ascii")).decode("utf-8")


def upgrade() -> None:
    connection = op.get_bind()
    subscriptions = sa.table(
        "subscriptions",
        sa.column("id", sa.Integer),
        sa.column("secret", sa.String(200)),
        sa.column("removed_at", UTCDateTime()),
    )
    rows = connection.execute(
        sa.select(subscriptions.c.id, subscriptions.c.secret).where(
            subscriptions.c.secret.is_not(None)
        )
    ).all()
    clear = [(row.id, row.secret) for row in rows if not row.secret.startswith(_PREFIX)]
    if clear:
        key = _Key()
        now = datetime.now(UTC)
        for subscription_id, secret in clear:
            if len(secret) > _MAX_SECRET_CHARS:
                _log.warning(
                    "subscription %s: its webhook secret is longer than %s characters and "
                    "cannot be stored encrypted; the subscription is removed, add it again "
                    "with a shorter secret",
                    subscription_id,
                    _MAX_SECRET_CHARS,
                )
                values: dict[str, Any] = {"secret": None, "removed_at": now}
            else:
                values = {"secret": key.encrypt(secret)}
            connection.execute(
                sa.update(subscriptions).where(subscriptions.c.id == subscription_id),
                values,
            )
    op.create_table(
        "plan_catalog_entries",
        sa.Column("plan_id", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("batch_id", sa.Integer, nullable=False),
        sa.Column("norad_id", sa.Integer, nullable=False),
        sa.Column("epoch", UTCDateTime(), nullable=False),
        sa.Column("fit_start", UTCDateTime(), nullable=False),
        sa.Column("fit_end", UTCDateTime(), nullable=False),
        sa.Column("fit_samples", sa.Integer, nullable=False),
        sa.Column("fit_rms_km", sa.Float, nullable=False),
        sa.Column("fit_max_km", sa.Float, nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", name="pk_plan_catalog_entries"),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["manoeuvre_plans.id"],
            name="fk_plan_catalog_entries_plan_id_manoeuvre_plans",
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["catalog_batches.id"],
            name="fk_plan_catalog_entries_batch_id_catalog_batches",
        ),
    )


def downgrade() -> None:
    op.drop_table("plan_catalog_entries")
    connection = op.get_bind()
    subscriptions = sa.table(
        "subscriptions", sa.column("id", sa.Integer), sa.column("secret", sa.String(200))
    )
    rows = connection.execute(
        sa.select(subscriptions.c.id, subscriptions.c.secret).where(
            subscriptions.c.secret.like(f"{_PREFIX}%")
        )
    ).all()
    if rows:
        key = _Key()
        for row in rows:
            connection.execute(
                sa.update(subscriptions).where(subscriptions.c.id == row.id),
                {"secret": key.decrypt(row.secret)},
            )
