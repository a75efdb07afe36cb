"""The 2-D Gaussian integrated over a circle: the kernel of every Foster-style Pc here.

Integrates the bivariate normal density with principal standard deviations
`sigma_major >= sigma_minor` and mean `(mean_major, mean_minor)` (in its principal axes)
over the disc of radius `radius` centred on the origin. All lengths share one unit.

Method (written for Accord; the idea follows NASA CARA's Pc2D_Foster, which reduces the
double integral to a single one): the integral along the major axis over each chord of the
disc is exact in error functions, leaving a 1-D integral along the minor axis,

    Pc = integral_{-R}^{R} N(v; mv, s_minor) * 1/2 [erfc((mu - h(v)) / (sqrt(2) s_major))
                                                  - erfc((mu + h(v)) / (sqrt(2) s_major))] dv,
    h(v) = sqrt(R^2 - v^2).

The substitution v = R sin(theta) removes the square-root end-point singularity; the
interval is clipped to mv +- 10 s_minor (the tails beyond carry < 1e-22 of the mass) so that
narrow Gaussians are resolved; the remaining smooth integral is done by Gauss-Legendre
quadrature vectorised over the batch. The quadrature runs along the minor axis because the
window then shrinks with the narrow direction, while the chord factor varies on the wider
major-axis scale; the other way round, a thin ellipse puts a step much narrower than the
node spacing inside the window (0.3 % errors at aspect ratio 500 in our checks).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.special import erfc

__all__ = ["gaussian_mass_in_circle", "QUADRATURE_NODES"]

FloatArray = NDArray[np.float64]

#: Gauss-Legendre nodes per evaluation; 64 keeps every validation case far inside 1e-6.
QUADRATURE_NODES = 64
#: Half-width of the integration window along the major axis, in major-axis sigmas.
_WINDOW_SIGMAS = 10.0
#: Batch elements per vectorised block: bounds the (block x nodes) temporaries to ~8 MB.
_BLOCK = 16384

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(QUADRATURE_NODES)


def gaussian_mass_in_circle(
    mean_major: FloatArray,
    mean_minor: FloatArray,
    sigma_major: FloatArray,
    sigma_minor: FloatArray,
    radius: FloatArray,
) -> FloatArray:
    """Probability mass of N((mean_major, mean_minor), diag(sigma^2)) inside |x| <= radius.

    Inputs are 1-D arrays of one length; sigmas must be positive, radius non-negative.
    Returns values clipped to [0, 1].
    """
    out = np.empty(mean_major.shape, dtype=np.float64)
    for start in range(0, out.size, _BLOCK):
        block = slice(start, start + _BLOCK)
        out[block] = _mass_block(
            outer_mean=np.abs(mean_minor[block]),
            chord_mean=np.abs(mean_major[block]),
            outer_sigma=sigma_minor[block],
            chord_sigma=sigma_major[block],
            radius=radius[block],
        )
    return out


def _mass_block(
    outer_mean: FloatArray,
    chord_mean: FloatArray,
    outer_sigma: FloatArray,
    chord_sigma: FloatArray,
    radius: FloatArray,
) -> FloatArray:
    safe_radius = np.where(radius > 0.0, radius, 1.0)
    low = np.maximum(-radius, outer_mean - _WINDOW_SIGMAS * outer_sigma)
    high = np.minimum(radius, outer_mean + _WINDOW_SIGMAS * outer_sigma)
    empty = ~(high > low) | ~(radius > 0.0)
    theta_low = np.arcsin(np.clip(low / safe_radius, -1.0, 1.0))
    theta_high = np.arcsin(np.clip(high / safe_radius, -1.0, 1.0))
    half = 0.5 * (theta_high - theta_low)
    mid = 0.5 * (theta_high + theta_low)

    theta = mid[:, None] + half[:, None] * _NODES[None, :]
    r = safe_radius[:, None]
    along = r * np.sin(theta)
    half_chord = r * np.cos(theta)
    z = (along - outer_mean[:, None]) / outer_sigma[:, None]
    density = np.exp(-0.5 * z * z) / (np.sqrt(2.0 * np.pi) * outer_sigma[:, None])
    scale = 1.0 / (np.sqrt(2.0) * chord_sigma[:, None])
    # erfc difference instead of an erf sum: no cancellation when the chord misses the mean
    # by many sigmas, which is where the smallest probabilities come from.
    mean = chord_mean[:, None]
    on_chord = 0.5 * (erfc((mean - half_chord) * scale) - erfc((mean + half_chord) * scale))
    integrand = density * on_chord * half_chord
    total = half * (integrand @ _WEIGHTS)
    return np.where(empty, 0.0, np.clip(total, 0.0, 1.0))
