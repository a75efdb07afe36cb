"""Operator ephemerides for tests: an OEM generated from SGP4, and a signing key for esa.

The coalition is tests/access/_world.py (esa claims 25544, 39634 and 40697; the example
agreement grants jaxa esa's ephemerides of 39634 and 40697 after 24 h, coarsened to 10 km
with covariance withheld). `generated_oem` propagates the catalogued element set of an
object with python-sgp4 (the reference implementation) and writes it with `format_oem_kvn`,
with one covariance block, so that degradation has something to coarsen and withhold.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy.engine import Engine

from accord.access import PartnerSignature
from accord.audit import AuditAction, register_partner_key, submission_statement
from accord.formats import (
    OemCovariance,
    OemHeader,
    OemMetadata,
    OemSegment,
    OrbitEphemerisMessage,
    format_oem_kvn,
)
from accord.orbits import satrec_from_element_set
from accord.store import PartnerRepository, transaction
from tests.access._world import EPOCH
from tests.store._factory import element_set

#: Sampling of generated ephemerides (s) and their length (samples).
STEP_S = 60
SAMPLES = 31


def _datetime64(moment: datetime) -> np.datetime64:
    return np.datetime64(moment.replace(tzinfo=None), "ns")


def generated_oem(norad_id: int, *, start: datetime = EPOCH, covariance: bool = True) -> bytes:
    """A KVN OEM (TEME, UTC) of the world's element set of `norad_id`, 30 min from `start`."""
    satrec = satrec_from_element_set(element_set(norad_id, epoch=EPOCH))
    times = [start + timedelta(seconds=STEP_S * k) for k in range(SAMPLES)]
    positions, velocities = [], []
    for moment in times:
        minutes = (moment - EPOCH).total_seconds() / 60.0
        error, position, velocity = satrec.sgp4_tsince(minutes)
        assert error == 0
        positions.append(position)
        velocities.append(velocity)
    epochs = np.array([_datetime64(t) for t in times], dtype="datetime64[ns]")
    blocks = (
        (OemCovariance(epochs[0], None, np.diag([1e-3, 2e-3, 3e-3, 1e-7, 2e-7, 3e-7])),)
        if covariance
        else ()
    )
    metadata = OemMetadata(
        object_name=f"OBJECT {norad_id}",
        object_id=str(norad_id),
        center_name="EARTH",
        ref_frame="TEME",
        time_system="UTC",
        start_time=epochs[0],
        stop_time=epochs[-1],
        interpolation="LAGRANGE",
        interpolation_degree=7,
    )
    oem = OrbitEphemerisMessage(
        OemHeader("2.0", start.strftime("%Y-%m-%dT%H:%M:%S"), "ESA"),
        (OemSegment(metadata, epochs, np.array(positions), np.array(velocities), None, blocks),),
    )
    return format_oem_kvn(oem).encode("utf-8")


def register_key(engine: Engine, handle: str) -> Ed25519PrivateKey:
    """A new Ed25519 key registered for `handle`'s submissions."""
    key = Ed25519PrivateKey.generate()
    with transaction(engine, write_lock=True) as session:
        partner = PartnerRepository(session).get_by_handle(handle)
        register_partner_key(
            session, partner, key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        )
    return key


def signed(key: Ed25519PrivateKey, partner_id: int, file_sha256: str) -> PartnerSignature:
    """The partner's signature of the `ephemeris` submission statement for these bytes."""
    statement = submission_statement(AuditAction.EPHEMERIS_ACCEPTED, str(partner_id), file_sha256)
    return PartnerSignature(key.sign(statement))
