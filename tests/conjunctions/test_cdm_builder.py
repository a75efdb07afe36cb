"""CDMs built from screening conjunctions: mandatory fields, frames, Pc labels, round trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from accord.conjunctions import (
    ALFANO_2005_MAX,
    CDM_REF_FRAME,
    DEFAULT_COVARIANCE,
    AssumedRtnSigmas,
    CdmScreeningContext,
    Conjunction,
    cdm_hard_body_radius_m,
    cdm_pc,
    conjunction_to_cdm,
    maximum_pc,
    screen_catalog,
)
from accord.formats import (
    ElementSet,
    format_cdm_json,
    format_cdm_kvn,
    format_cdm_xml,
    read_cdm,
)

START = datetime(2024, 11, 1, tzinfo=UTC)
CREATED = datetime(2024, 10, 31, 12, 0, tzinfo=UTC)
#: A rotation between inertial frames keeps distances: 1 mm on ~7,000 km positions.
ROTATION_TOLERANCE_KM = 1e-6
#: Relative tolerance of two evaluations of the same Foster integral.
PC_RELATIVE_TOLERANCE = 1e-6

Encounter = tuple[Conjunction, ElementSet, ElementSet, CdmScreeningContext]


def _circular(norad_id: int, inclination_deg: float, name: str) -> ElementSet:
    return ElementSet(
        norad_id=norad_id,
        epoch=START,
        mean_motion_rev_per_day=15.2,
        eccentricity=0.0001,
        inclination_deg=inclination_deg,
        raan_deg=0.0,
        arg_of_pericenter_deg=0.0,
        mean_anomaly_deg=0.0,
        bstar_per_earth_radius=0.0,
        object_name=name,
        object_id="2024-001A" if norad_id == 90001 else None,
    )


@pytest.fixture(scope="module")
def encounter() -> Encounter:
    # Two circular orbits of one size and node, inclined 50 and 90 degrees, both at the
    # node at epoch: they meet there (tests/conjunctions/test_screening.py).
    primary, secondary = _circular(90001, 50.0, "PRIMARY SAT"), _circular(90002, 90.0, "DEBRIS")
    result = screen_catalog(
        [primary, secondary],
        start=START - timedelta(minutes=30),
        duration=timedelta(hours=1),
        threshold_km=20.0,
    )
    assert len(result.conjunctions) == 1
    context = CdmScreeningContext(result.start, result.end, result.threshold_km)
    return result.conjunctions[0], primary, secondary, context


def test_cdm_states_the_conjunction_in_gcrf_with_every_mandatory_field(
    encounter: Encounter,
) -> None:
    conjunction, primary, secondary, context = encounter
    cdm = conjunction_to_cdm(
        conjunction,
        primary,
        secondary,
        originator="ACCORD",
        message_id="ACCORD-1-1",
        creation_date=CREATED,
        screening=context,
    )
    assert cdm.header.originator == "ACCORD" and cdm.header.message_id == "ACCORD-1-1"
    assert cdm.relative.tca == conjunction.tca
    assert cdm.relative.miss_distance_m == pytest.approx(conjunction.miss_km * 1e3, abs=1e-3)
    assert cdm.relative.relative_speed_m_s == pytest.approx(
        conjunction.relative_speed_km_s * 1e3, abs=1e-3
    )
    # RTN components do not depend on the inertial frame they were computed in.
    rtn_m = (
        cdm.relative.relative_position_r_m,
        cdm.relative.relative_position_t_m,
        cdm.relative.relative_position_n_m,
    )
    np.testing.assert_allclose(
        np.array(rtn_m, dtype=float), np.multiply(conjunction.miss_rtn_km, 1e3), atol=1e-3
    )
    assert cdm.relative.start_screen_period == context.start
    assert cdm.relative.screen_volume_x_m == pytest.approx(20_000.0)
    for obj, element_set, teme in (
        (cdm.object1, primary, conjunction.primary_position_km),
        (cdm.object2, secondary, conjunction.secondary_position_km),
    ):
        meta = obj.metadata
        assert meta.ref_frame == CDM_REF_FRAME == "GCRF"
        assert meta.object_designator == str(element_set.norad_id)
        assert meta.object_name == element_set.object_name
        assert meta.covariance_method == "DEFAULT"
        assert meta.catalog_name == "SATCAT" and meta.maneuverable == "N/A"
        # GCRF differs from TEME by a rotation (precession-nutation): the norm is kept,
        # the components are not.
        gcrf = obj.state_vector.position_km
        assert np.linalg.norm(gcrf) == pytest.approx(
            np.linalg.norm(teme), abs=ROTATION_TOLERANCE_KM
        )
        assert np.linalg.norm(gcrf - np.array(teme)) > 1.0
        assert obj.covariance.position_m2[1, 1] == pytest.approx(300.0**2)
    assert cdm.object1.metadata.international_designator == "2024-001A"
    assert cdm.object2.metadata.international_designator == "UNKNOWN"


def test_cdm_reads_back_equal_in_kvn_xml_and_json(encounter: Encounter) -> None:
    conjunction, primary, secondary, context = encounter
    cdm = conjunction_to_cdm(
        conjunction,
        primary,
        secondary,
        originator="ACCORD",
        message_id="ACCORD-1-1",
        creation_date=CREATED,
        screening=context,
    )
    for writer in (format_cdm_kvn, format_cdm_xml, format_cdm_json):
        assert read_cdm(writer(cdm).encode("utf-8"), source=writer.__name__) == cdm


def test_pc_is_labelled_and_the_default_covariance_pc_reads_back_from_the_message(
    encounter: Encounter,
) -> None:
    conjunction, primary, secondary, _ = encounter
    # Sigmas large enough for a Pc far from zero at this 4 km miss.
    sigmas = AssumedRtnSigmas(radial_m=2000.0, in_track_m=6000.0, cross_track_m=2000.0)
    hbr_m = 50.0
    worst = conjunction_to_cdm(
        conjunction,
        primary,
        secondary,
        originator="ACCORD",
        message_id="M-1",
        creation_date=CREATED,
        hard_body_radius_m=hbr_m,
        sigmas=sigmas,
    )
    assert worst.relative.collision_probability_method == ALFANO_2005_MAX
    expected = maximum_pc(worst.relative.miss_distance_m, hbr_m).pc[0]
    assert worst.relative.collision_probability == pytest.approx(expected, rel=1e-12)
    assert any(c.startswith(f"{DEFAULT_COVARIANCE} Pc = ") for c in worst.relative.comments)

    assumed = conjunction_to_cdm(
        conjunction,
        primary,
        secondary,
        originator="ACCORD",
        message_id="M-2",
        creation_date=CREATED,
        hard_body_radius_m=hbr_m,
        pc_method=DEFAULT_COVARIANCE,
        sigmas=sigmas,
    )
    assert assumed.relative.collision_probability_method == DEFAULT_COVARIANCE
    back = read_cdm(format_cdm_kvn(assumed).encode("utf-8"), source="M-2.kvn")
    assert cdm_hard_body_radius_m(back) == hbr_m
    # Foster on the message's own GCRF states and RTN covariances gives the stated Pc.
    recomputed = cdm_pc(back).pc[0]
    assert recomputed > 1e-6
    assert recomputed == pytest.approx(
        back.relative.collision_probability, rel=PC_RELATIVE_TOLERANCE
    )
    # The maximum is an upper bound of any covariance's Pc at this geometry.
    assert worst.relative.collision_probability >= recomputed


def test_refuses_an_unknown_pc_method_and_a_mismatched_element_set(encounter: Encounter) -> None:
    conjunction, primary, secondary, _ = encounter
    with pytest.raises(ValueError, match="FOSTER-1992"):
        conjunction_to_cdm(
            conjunction,
            primary,
            secondary,
            originator="A",
            message_id="M",
            creation_date=CREATED,
            pc_method="FOSTER-1992",
        )
    with pytest.raises(ValueError, match="NORAD id 90002"):
        conjunction_to_cdm(
            conjunction, secondary, primary, originator="A", message_id="M", creation_date=CREATED
        )
