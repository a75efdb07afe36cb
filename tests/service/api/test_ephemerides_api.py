"""/api/v1/ephemerides: submit an OEM, list, summary and the OEM as released to the caller.

Coalition: tests/access/_world.py (esa claims 25544, 39634, 40697; the example agreement
grants jaxa esa's ephemerides of 39634 and 40697 after 24 h, at 10 km, covariance withheld).
The server's clock is the real one, so a grant past its embargo is made by storing the
submission 25 h ago through `accord.access.submit_ephemeris`.
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from accord.access import submit_ephemeris
from accord.audit import AuditAction, submission_statement
from accord.formats import format_oem_kvn, read_oem
from accord.store import PartnerRepository, transaction
from tests.access._ephemeris_world import generated_oem, register_key
from tests.service._api import World, bearer, issue_key, running_world

PRECISION_KM = 10.0


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with running_world(tmp_path) as running:
        yield running


def _partner_id(world: World, handle: str) -> int:
    with transaction(world.engine) as session:
        return PartnerRepository(session).get_by_handle(handle).id


def _submitted_long_ago(world: World, norad_id: int) -> int:
    """esa's generated OEM of `norad_id`, submitted 25 h ago (past the 24 h embargo)."""
    then = datetime.now(UTC) - timedelta(hours=25)
    data = generated_oem(norad_id, start=then.replace(microsecond=0) - timedelta(hours=1))
    with transaction(world.engine, write_lock=True) as session:
        esa = PartnerRepository(session).get_by_handle("esa")
        return submit_ephemeris(session, esa, data, source="esa.oem", at=then).id


def test_a_signed_oem_is_accepted_and_its_owner_reads_it_whole(
    world: World, shared: Callable[[str], Path]
) -> None:
    data = shared("oem/orekit/test_cov.oem").read_bytes()
    key = register_key(world.engine, "esa")
    statement = submission_statement(
        AuditAction.EPHEMERIS_ACCEPTED,
        str(_partner_id(world, "esa")),
        hashlib.sha256(data).hexdigest(),
    )
    headers = {
        **world.as_partner("esa"),
        "X-Accord-Signature": base64.b64encode(key.sign(statement)).decode(),
        "Content-Type": "text/plain",
    }
    answer = world.client.post(
        "/api/v1/ephemerides", content=data, headers=headers, params={"source_name": "cov.oem"}
    )
    assert answer.status_code == 201, answer.text
    summary = answer.json()
    assert (summary["norad_id"], summary["owner"], summary["signed"]) == (25544, "esa", True)
    assert (summary["state_count"], summary["has_covariance"], summary["current"]) == (
        2,
        True,
        True,
    )
    assert summary["file_sha256"] == hashlib.sha256(data).hexdigest()

    listed = world.client.get(
        "/api/v1/ephemerides", params={"norad_id": 25544}, headers=world.as_partner("esa")
    ).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == summary["id"]
    oem = world.client.get(
        f"/api/v1/ephemerides/{summary['id']}/oem", headers=world.as_partner("esa")
    )
    assert oem.status_code == 200
    assert oem.headers["X-Accord-Redistribution-Allowed"] == "true"
    assert oem.text == format_oem_kvn(read_oem(data))  # the owner's own data, unchanged


def test_a_malformed_oem_is_a_422_naming_line_and_keyword_with_nothing_written(
    world: World, shared: Callable[[str], Path]
) -> None:
    data = shared("oem/orekit/invalid/OEM-keyword-within-ephemeris.txt").read_bytes()
    answer = world.client.post("/api/v1/ephemerides", content=data, headers=world.as_partner("esa"))
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    first = answer.json()["errors"][0]
    assert first["line"] is not None and first["field"]
    listed = world.client.get("/api/v1/ephemerides", headers=world.as_partner("esa")).json()
    assert listed["total"] == 0


def test_refusals_unclaimed_object_duplicate_and_read_only_key(
    world: World, shared: Callable[[str], Path]
) -> None:
    data = shared("oem/orekit/test_cov.oem").read_bytes()
    refused = world.client.post(
        "/api/v1/ephemerides", content=data, headers=world.as_partner("jaxa")
    )
    assert refused.status_code == 422
    assert "does not claim NORAD id 25544" in refused.json()["detail"]
    read_only = issue_key(world.engine, "esa", ("read",))
    assert (
        world.client.post("/api/v1/ephemerides", content=data, headers=bearer(read_only))
    ).status_code == 403
    first = world.client.post("/api/v1/ephemerides", content=data, headers=world.as_partner("esa"))
    again = world.client.post("/api/v1/ephemerides", content=data, headers=world.as_partner("esa"))
    assert (first.status_code, again.status_code) == (201, 409)


def test_the_grantee_gets_a_coarsened_oem_without_covariance_and_outsiders_nothing(
    world: World,
) -> None:
    granted = _submitted_long_ago(world, 39634)
    embargoed = world.client.post(
        "/api/v1/ephemerides", content=generated_oem(40697), headers=world.as_partner("esa")
    ).json()["id"]

    jaxa = world.as_partner("jaxa")
    listed = world.client.get("/api/v1/ephemerides", headers=jaxa).json()
    assert [item["id"] for item in listed["items"]] == [granted] and listed["total"] == 1
    release = listed["items"][0]["release"]
    assert (release["position_precision_km"], release["covariance_withheld"]) == (10.0, True)
    assert world.client.get(f"/api/v1/ephemerides/{embargoed}", headers=jaxa).status_code == 404
    oem = world.client.get(f"/api/v1/ephemerides/{granted}/oem", headers=jaxa)
    assert oem.status_code == 200
    assert oem.headers["X-Accord-Redistribution-Allowed"] == "false"
    assert "COVARIANCE_START" not in oem.text
    for position in read_oem(oem.text).segments[0].position_km:
        for value in position:
            assert math.isclose(value / PRECISION_KM, round(value / PRECISION_KM), abs_tol=1e-9)

    nasa = world.as_partner("nasa")
    assert world.client.get("/api/v1/ephemerides", headers=nasa).json()["total"] == 0
    for suffix in ("", "/oem"):
        hidden = world.client.get(f"/api/v1/ephemerides/{granted}{suffix}", headers=nasa)
        absent = world.client.get(f"/api/v1/ephemerides/999999{suffix}", headers=nasa)
        assert (hidden.status_code, absent.status_code) == (404, 404)
        assert hidden.json()["detail"] == f"no ephemeris with id {granted}"
        assert absent.json()["detail"] == "no ephemeris with id 999999"
