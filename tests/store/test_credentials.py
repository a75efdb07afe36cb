"""API keys (hashed, scoped, expiring, revocable, rotatable) and console users (argon2id)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.access import create_api_key, principal_from_api_key, revoke_api_key, rotate_api_key
from accord.agreements import PrincipalRole
from accord.store import (
    ApiKeyRejected,
    ApiKeyRejection,
    ApiKeyRepository,
    ApiKeyRow,
    AuditEntryRow,
    CredentialError,
    InvalidLoginError,
    InvalidSessionError,
    PartnerKind,
    PartnerRepository,
    UserRepository,
    transaction,
)

NOW = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def esa_id(engine: Engine) -> int:
    with transaction(engine) as session:
        return PartnerRepository(session).create("ESA", kind=PartnerKind.SPACE_AGENCY).id


def test_secret_is_never_stored_and_verifies(engine: Engine, esa_id: int) -> None:
    with transaction(engine, write_lock=True) as session:
        esa = PartnerRepository(session).get(esa_id)
        issued = create_api_key(session, esa, ["read"], at=NOW)
    token = issued.token
    with transaction(engine) as session:
        stored = session.execute(sa.select(ApiKeyRow.__table__)).one()
        principal = principal_from_api_key(session, token, at=NOW)
    # The secret is everything after the second underscore (token_urlsafe may contain "_").
    assert token.split("_", 2)[2] not in repr(tuple(stored))
    assert stored.secret_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert principal.partner == "esa" and principal.roles == {PrincipalRole.ANALYST}
    assert principal.name == f"key:{issued.row.key_prefix}"


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), ApiKeyRejection.MISMATCH),
        (lambda t: t.replace("acc_", "acx_"), ApiKeyRejection.MALFORMED),
        (lambda t: "acc_000000000000_" + t.split("_", 2)[2], ApiKeyRejection.UNKNOWN),
    ],
)
def test_forged_keys_are_refused(
    engine: Engine, esa_id: int, tamper: Callable[[str], str], reason: ApiKeyRejection
) -> None:
    with transaction(engine) as session:
        esa = PartnerRepository(session).get(esa_id)
        token = ApiKeyRepository(session).create(esa, ["read"], at=NOW).token
    with transaction(engine) as session, pytest.raises(ApiKeyRejected) as refused:
        ApiKeyRepository(session).verify(tamper(token), at=NOW)
    assert refused.value.reason is reason


def test_expiry_revocation_and_rotation_grace(engine: Engine, esa_id: int) -> None:
    with transaction(engine, write_lock=True) as session:
        esa = PartnerRepository(session).get(esa_id)
        expiring = create_api_key(
            session, esa, ["read"], expires_at=NOW + timedelta(days=1), at=NOW
        )
        revoked = create_api_key(session, esa, ["write"], at=NOW)
        old = create_api_key(session, esa, ["read", "write"], at=NOW)
        revoke_api_key(session, revoked.row.key_prefix, at=NOW + timedelta(hours=1))
        new = rotate_api_key(
            session, old.row.key_prefix, grace=timedelta(hours=2), at=NOW + timedelta(hours=1)
        )
    keys = ApiKeyRepository
    with transaction(engine) as session:
        repo = keys(session)
        repo.verify(expiring.token, at=NOW + timedelta(hours=23))
        with pytest.raises(ApiKeyRejected, match="expired"):
            repo.verify(expiring.token, at=NOW + timedelta(days=1))
        repo.verify(revoked.token, at=NOW + timedelta(minutes=59))
        with pytest.raises(ApiKeyRejected, match="revoked"):
            repo.verify(revoked.token, at=NOW + timedelta(hours=1))
        # Both keys work during the grace period; then only the new one.
        repo.verify(old.token, at=NOW + timedelta(hours=2, minutes=59))
        with pytest.raises(ApiKeyRejected, match="expired"):
            repo.verify(old.token, at=NOW + timedelta(hours=3))
        assert repo.verify(new.token, at=NOW + timedelta(days=30)).scopes == "read write"
        assert repo.get(old.row.key_prefix).replaced_by_id == new.row.id
    with transaction(engine) as session:
        actions = session.scalars(sa.select(AuditEntryRow.action).order_by(AuditEntryRow.seq)).all()
    assert actions == ["key.created"] * 3 + ["key.revoked", "key.created"]


def test_unknown_scope_is_refused(engine: Engine, esa_id: int) -> None:
    with (
        transaction(engine) as session,
        pytest.raises(CredentialError, match="unknown API key scope"),
    ):
        ApiKeyRepository(session).create(PartnerRepository(session).get(esa_id), ["delete"])


def test_password_is_argon2id_and_verifies(engine: Engine, esa_id: int) -> None:
    with transaction(engine) as session:
        users = UserRepository(session)
        user = users.add(
            "ops.lead", PartnerRepository(session).get(esa_id), "operator", "correct horse battery"
        )
        assert user.password_hash.startswith("$argon2id$")
        assert "correct horse" not in user.password_hash
        assert users.authenticate("ops.lead", "correct horse battery").id == user.id
        for username, password in (
            ("ops.lead", "wrong password!!"),
            ("nobody", "correct horse battery"),
        ):
            with pytest.raises(InvalidLoginError, match="unknown username or wrong password"):
                users.authenticate(username, password)
        with pytest.raises(CredentialError, match="at least 12"):
            users.add("short", PartnerRepository(session).get(esa_id), "analyst", "tooshort")


def test_sessions_get_fresh_ids_expire_and_check_csrf(engine: Engine, esa_id: int) -> None:
    with transaction(engine) as session:
        users = UserRepository(session)
        user = users.add(
            "analyst", PartnerRepository(session).get(esa_id), "analyst", "a long passphrase"
        )
        first = users.open_session(user, lifetime=timedelta(hours=8), at=NOW)
        second = users.open_session(user, lifetime=timedelta(hours=8), at=NOW)
        assert first.session_token != second.session_token  # never reused: no fixation
        row, found = users.session_user(first.session_token, at=NOW + timedelta(hours=7))
        assert found.id == user.id
        users.check_csrf(row, first.csrf_token)
        for wrong in (None, "", second.csrf_token):
            with pytest.raises(InvalidSessionError, match="CSRF"):
                users.check_csrf(row, wrong)
        with pytest.raises(InvalidSessionError):
            users.session_user(first.session_token, at=NOW + timedelta(hours=8))
        users.close_session(second.session_token, at=NOW)
        with pytest.raises(InvalidSessionError):
            users.session_user(second.session_token, at=NOW)
