"""`cdm` subscriptions hear of a stored screening's CDMs: one e-mail per subscription,
through the authorisation point, over a real local SMTP server; a webhook subscription gets
the same notice as a signed POST at a real local receiver."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from accord.access import claim_satellite
from accord.catalog import import_element_sets
from accord.coordination_ops import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Topic,
    WebhookSecretKey,
    add_subscription,
    is_encrypted,
    send_pending,
)
from accord.screening import run_screening
from accord.settings import Settings
from accord.store import (
    NotificationRow,
    PartnerRepository,
    ScreeningRepository,
    SourceKind,
    SubscriptionRow,
    WebhookMessageRow,
    transaction,
)
from tests._smtp_server import SmtpServer
from tests._webhook_receiver import WebhookReceiver
from tests.access._world import SIGNED, build_world
from tests.coordination_ops._world import (
    ESA_ELEMENTS,
    ESA_SAT,
    JAXA_ELEMENTS,
    JAXA_SAT,
    NOW,
    TCA,
)

#: A second ESA satellite through the same node at the same time, 20 degrees inclined:
#: 6.7 km from ESA's 39634 and 8.6 km from JAXA's 41240 (ESA-JAXA: 3.1 km).
ESA_SECOND = replace(ESA_ELEMENTS, norad_id=40697, inclination_deg=20.0, mean_anomaly_deg=-0.004)
#: Screening threshold: all three pairs are conjunctions.
THRESHOLD_KM = 10.0


def _world(engine: Engine) -> None:
    """esa (39634, 40697), jaxa (41240), nasa claiming 41240 too (contested: jaxa owns it)."""
    build_world(engine)
    # Each operator submits its own satellites' element sets (a claim transfers no data);
    # an older public one of 41240 lets nasa see, and so claim, it.
    for partner, elements in (
        ("CelesTrak", [replace(JAXA_ELEMENTS, epoch=SIGNED)]),
        ("ESA", [ESA_ELEMENTS, ESA_SECOND]),
        ("JAXA", [JAXA_ELEMENTS]),
    ):
        import_element_sets(
            engine,
            elements,
            source_name="encounter.json",
            partner=partner,
            source_kind=SourceKind.API,
            submitted_at=NOW - timedelta(hours=1),
        )
    with transaction(engine, write_lock=True) as session:
        nasa = PartnerRepository(session).get_by_handle("nasa")
        claim_satellite(session, nasa, JAXA_SAT, at=SIGNED)
        for partner, email, pc_min, miss_max_km in (
            ("esa", "desk@esa.test", None, None),
            ("esa", "close@esa.test", None, 5.0),
            ("esa", "high-pc@esa.test", 0.5, None),
            ("jaxa", "fdo@jaxa.test", None, None),
            ("nasa", "cara@nasa.test", None, None),
        ):
            add_subscription(
                session,
                partner=partner,
                topics=[Topic.CDM],
                email=email,
                pc_min=pc_min,
                miss_max_km=miss_max_km,
                at=NOW,
            )


def _screen(engine: Engine) -> int:
    # Two hours around the encounters (at TCA, 20 h after NOW) keep the test short.
    record = run_screening(
        engine,
        start=TCA - timedelta(hours=1),
        duration=timedelta(hours=2),
        threshold_km=THRESHOLD_KM,
    )
    assert record.conjunction_count == 3
    return record.screening_id


def test_each_subscription_gets_one_mail_per_screening_with_the_cdms_it_may_see(
    engine: Engine,
) -> None:
    _world(engine)
    with SmtpServer() as smtp:
        first = _screen(engine)
        report = send_pending(
            engine, Settings(smtp_host="127.0.0.1", smtp_port=smtp.port), now=datetime.now(UTC)
        )
        mails = {m.recipients[0]: m.message for m in smtp.received}
    assert report.sent == 3 and report.failed == 0
    with transaction(engine) as session:
        conjunctions = ScreeningRepository(session).screening_conjunctions(first)
    message_id = {
        frozenset((c.primary_norad_id, c.secondary_norad_id)): c.message_id for c in conjunctions
    }
    esa_jaxa = message_id[frozenset((ESA_SAT, JAXA_SAT))]
    esa_esa = message_id[frozenset((ESA_SAT, ESA_SECOND.norad_id))]
    esa_second_jaxa = message_id[frozenset((ESA_SECOND.norad_id, JAXA_SAT))]
    # Not one mail per CDM: one per subscription, listing the CDMs past its thresholds.
    # The high-Pc subscription hears nothing (maximum Pc of a 3 km miss is far below 0.5);
    # nasa claims 41240 but jaxa owns it and no clause grants nasa its conjunction data.
    assert sorted(mails) == ["close@esa.test", "desk@esa.test", "fdo@jaxa.test"]
    listed = {
        address: {mid for mid in message_id.values() if mid in mail.get_content()}
        for address, mail in mails.items()
    }
    assert listed == {
        "desk@esa.test": {esa_jaxa, esa_esa, esa_second_jaxa},
        "close@esa.test": {esa_jaxa},  # 3.1 km; the others are 6.7 and 8.6 km
        "fdo@jaxa.test": {esa_jaxa, esa_second_jaxa},  # the ESA-ESA pair is not jaxa's
    }
    assert f"screening {first}" in mails["desk@esa.test"]["Subject"]
    assert "3 new CDMs" in mails["desk@esa.test"]["Subject"]

    # The next screening of the same encounters is news again: one more mail each.
    with SmtpServer() as smtp:
        _screen(engine)
        send_pending(
            engine, Settings(smtp_host="127.0.0.1", smtp_port=smtp.port), now=datetime.now(UTC)
        )
        again = sorted(m.recipients[0] for m in smtp.received)
    assert again == ["close@esa.test", "desk@esa.test", "fdo@jaxa.test"]


def test_a_webhook_cdm_subscription_receives_the_notice_signed_with_its_encrypted_secret(
    engine: Engine, tmp_path: Path
) -> None:
    secret = "jaxa-fdo-hook-secret"
    settings = Settings(webhook_secret_key_file=tmp_path / "keys" / "webhook.fernet")
    build_world(engine)
    # Each operator submits its own satellites' element sets (a claim transfers no data);
    # an older public one of 41240 lets nasa see, and so claim, it.
    for partner, elements in (
        ("CelesTrak", [replace(JAXA_ELEMENTS, epoch=SIGNED)]),
        ("ESA", [ESA_ELEMENTS, ESA_SECOND]),
        ("JAXA", [JAXA_ELEMENTS]),
    ):
        import_element_sets(
            engine,
            elements,
            source_name="encounter.json",
            partner=partner,
            source_kind=SourceKind.API,
            submitted_at=NOW - timedelta(hours=1),
        )
    with WebhookReceiver(secret) as receiver:
        with transaction(engine) as session:
            subscription = add_subscription(
                session,
                partner="jaxa",
                topics=[Topic.CDM],
                webhook_url=receiver.url,
                secret=secret,
                secret_key=WebhookSecretKey.from_settings(settings),
                miss_max_km=5.0,
                at=NOW,
            )
        first = _screen(engine)
        report = send_pending(engine, settings, now=datetime.now(UTC))
        hooks = receiver.received
    assert (report.webhooks_sent, report.webhooks_failed) == (1, 0)
    (hook,) = hooks
    assert hook.status == 204  # the receiver verified the HMAC over the raw body
    with transaction(engine) as session:
        stored_secret = session.get(SubscriptionRow, subscription.id).secret  # type: ignore[union-attr]
        message = session.scalars(sa.select(WebhookMessageRow)).one()
        conjunctions = ScreeningRepository(session).screening_conjunctions(first)
    assert stored_secret is not None and is_encrypted(stored_secret) and secret not in stored_secret
    assert message.attempts == 1 and message.subscription_id == subscription.id
    assert hook.headers[SIGNATURE_HEADER].startswith("sha256=")
    # Fresh (a receiver rejects old timestamps as replays); 600 s covers a loaded machine.
    assert abs(int(hook.headers[TIMESTAMP_HEADER]) - datetime.now(UTC).timestamp()) < 600
    body = hook.body
    assert body["topic"] == "cdm" and body["partner"] == "jaxa"
    assert body["data"]["screening_id"] == first
    # Within 5 km: only the ESA-JAXA pair (3.1 km); the 8.6 km pair with 40697 is left out.
    esa_jaxa = next(
        c for c in conjunctions if {c.primary_norad_id, c.secondary_norad_id} == {ESA_SAT, JAXA_SAT}
    )
    assert [c["message_id"] for c in body["data"]["cdms"]] == [esa_jaxa.message_id]


def test_the_notices_roll_back_with_the_screening(engine: Engine) -> None:
    _world(engine)
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as connection:  # the screening's last write fails
        connection.exec_driver_sql(
            "CREATE TRIGGER test_fail_notice BEFORE INSERT ON notifications "
            "BEGIN SELECT RAISE(ABORT, 'forced failure of a notice'); END"
            if sqlite
            else "CREATE RULE test_fail_notice AS ON INSERT TO notifications "
            "DO INSTEAD SELECT 1 / 0"
        )
    try:
        with pytest.raises(sa.exc.DBAPIError):
            _screen(engine)
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "DROP TRIGGER test_fail_notice"
                if sqlite
                else "DROP RULE test_fail_notice ON notifications"
            )
    with transaction(engine) as session:
        assert ScreeningRepository(session).counts()["cdms"] == 0
        assert session.scalars(sa.select(NotificationRow)).all() == []
