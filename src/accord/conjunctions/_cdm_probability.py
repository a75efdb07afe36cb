"""Foster Pc straight from a Conjunction Data Message.

Both objects' states and RTN covariances (508.0-B-1 section 3.5: each in its own RTN
frame) are rotated into their shared REF_FRAME and passed to `foster_pc`. The combined
hard-body radius comes from the caller, or else from the message: the CDM 2.0 `HBR`
keyword (additional parameters), or NASA CARA's `COMMENT HBR = <m>` convention.
"""

from __future__ import annotations

import re

from accord.conjunctions._probability import CollisionProbability, Remediation, foster_pc
from accord.formats import ConjunctionDataMessage

__all__ = ["cdm_hard_body_radius_m", "cdm_pc"]

_HBR_COMMENT = re.compile(r"^HBR\s*=\s*([-+0-9.eE]+)\s*(?:\[m\])?$")


def cdm_hard_body_radius_m(cdm: ConjunctionDataMessage) -> float | None:
    """The combined hard-body radius the message states, metres, or None when it has none."""
    for obj in cdm.objects:
        for keyword, value in obj.additional_parameters.extensions:
            if keyword == "HBR":
                return float(value)
    # In KVN a comment belongs to the section that follows it, so CARA's line, written
    # just before OBJECT = OBJECT1, may sit in either place.
    comments = cdm.relative.comments + cdm.object1.metadata.comments
    for comment in comments:
        match = _HBR_COMMENT.match(comment.strip())
        if match:
            return float(match.group(1))
    return None


def cdm_pc(
    cdm: ConjunctionDataMessage,
    hard_body_radius_m: float | None = None,
    *,
    remediation: Remediation = "clip",
) -> CollisionProbability:
    """Foster 2-D Pc of the message's encounter (batch of one).

    Raises ValueError when no hard-body radius is given and the message states none, or
    when the two objects' REF_FRAME differ.
    """
    radius = hard_body_radius_m if hard_body_radius_m is not None else cdm_hard_body_radius_m(cdm)
    if radius is None:
        raise ValueError(
            f"CDM {cdm.header.message_id!r} states no hard-body radius (no HBR keyword or "
            "'COMMENT HBR = ...'); pass hard_body_radius_m, the combined radius in metres"
        )
    frames = {obj.metadata.ref_frame for obj in cdm.objects}
    if len(frames) != 1:
        raise ValueError(
            f"CDM {cdm.header.message_id!r}: objects are in different REF_FRAMEs "
            f"{sorted(frames)}; convert both states to one frame first"
        )
    first, second = cdm.object1, cdm.object2
    return foster_pc(
        first.state_vector.position_km,
        first.state_vector.velocity_km_s,
        first.covariance.position_m2,
        second.state_vector.position_km,
        second.state_vector.velocity_km_s,
        second.covariance.position_m2,
        radius,
        covariance_frame="rtn",
        remediation=remediation,
    )
