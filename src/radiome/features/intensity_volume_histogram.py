"""Intensity-volume histogram (IVH) features (IBSI 1, section 3.5; family code P88C).

The cumulative IVH relates a discretised intensity :math:`i` to the fraction of the ROI
volume with at least that intensity,
:math:`\\nu_i = 1 - \\frac{1}{N_v}\\sum_k [X_{d,gl,k} < i]`, and to the intensity fraction
:math:`\\gamma_i = (i - \\min\\mathbf{G}) / (\\max\\mathbf{G} - \\min\\mathbf{G})` within the
total range :math:`\\mathbf{G}`. Both are evaluated at every discretised intensity of the
range, also those absent from the ROI, in steps of the discretisation interval :math:`w_d`.

How :math:`\\mathbf{X}_{d,gl}`, :math:`\\mathbf{G}` and :math:`w_d` are found depends on
``settings.ivh_discretisation.method`` (IBSI's three cases):

``'none'`` - calibrated, discrete intensities (CT; IBSI configurations A, B, D)
    :math:`\\mathbf{X}_{d,gl} = \\mathbf{X}_{gl}` (integers), :math:`w_d = 1`;
    :math:`\\mathbf{G}` is the re-segmentation range (``roi.resegmentation_range``; its lower
    bound replaced by ``lower_bound`` if set), an open bound replaced by the ROI minimum or
    maximum; without a range,
    :math:`\\mathbf{G} = [\\min \\mathbf{X}_{gl}, \\max \\mathbf{X}_{gl}]`.
``'fbs'`` - calibrated, continuous intensities (PET; configuration C, 2.5 HU)
    fixed bin size :math:`w_b` from :math:`X_{gl,min}` (``lower_bound`` if set, else the
    re-segmentation lower bound, else the ROI minimum) up to :math:`X_{gl,max}` (the
    re-segmentation upper bound, else the ROI maximum); bin numbers are replaced by bin
    centres :math:`X_{gl,min} + (X_d - 0.5) w_b`,
    :math:`\\mathbf{G} = [X_{gl,min} + w_b/2, X_{gl,max} - w_b/2]`, :math:`w_d = w_b`.
``'fbn'`` - arbitrary intensity units (MR; configuration E, 1000 bins)
    fixed bin number :math:`N_g` between the ROI minimum and maximum (the re-segmentation
    range is not used); :math:`\\mathbf{X}_{d,gl} = \\mathbf{X}_d`,
    :math:`\\mathbf{G} = [1, N_g]`, :math:`w_d = 1`.

Note for callers: ``roi.resegmentation_range`` must be the *range* given by the user
(IBSI's "re-segmentation range"), not bounds derived from outlier filtering; for
configuration D (outlier filtering only) it must be ``None`` so that :math:`\\mathbf{G}` is
the ROI minimum and maximum.

IBSI codes: the manual gives general codes for the feature types (BC2M volume at intensity
fraction, GBPN intensity at volume fraction, DDTU and CNV2 their differences); the registry
uses the codes of the specific reference features V10 (NK6P), V90 (4279), I10 (PWN1),
I90 (BOHI), V10-V90 (WITY), I10-I90 (JXJA) and the area under the curve (9CMM).

Hand-written: the IVH is a cumulative histogram (``np.bincount`` + ``np.cumsum``) with IBSI's
range rules, which no library implements.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from radiome.errors import ConfigError, EmptyMaskError
from radiome.features.registry import FamilySpec, FeatureSpec
from radiome.preprocess.discretise import bin_centres, discretise

if TYPE_CHECKING:
    from radiome.config.settings import ExtractionSettings
    from radiome.features.roi import ROI

__all__ = ["FAMILY", "compute", "IntensityVolumeHistogram", "intensity_volume_histogram", "ivh_features"]

FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec(
        "ivh_v10", "volume_fraction_at_10_percent_intensity", "NK6P",
        r"F_{ivh.V10} = \max\{\nu_i \mid \gamma_i \ge 0.10\}",
    ),
    FeatureSpec(
        "ivh_v90", "volume_fraction_at_90_percent_intensity", "4279",
        r"F_{ivh.V90} = \max\{\nu_i \mid \gamma_i \ge 0.90\}",
    ),
    FeatureSpec(
        "ivh_i10", "intensity_at_10_percent_volume", "PWN1",
        r"F_{ivh.I10} = \min\{i \mid \nu_i \le 0.10\}",
    ),
    FeatureSpec(
        "ivh_i90", "intensity_at_90_percent_volume", "BOHI",
        r"F_{ivh.I90} = \min\{i \mid \nu_i \le 0.90\}",
    ),
    FeatureSpec(
        "ivh_diff_v10_v90", "volume_fraction_difference_10_90", "WITY",
        r"F_{ivh.V10minusV90} = F_{ivh.V10} - F_{ivh.V90}",
    ),
    FeatureSpec(
        "ivh_diff_i10_i90", "intensity_difference_10_90", "JXJA",
        r"F_{ivh.I10minusI90} = F_{ivh.I10} - F_{ivh.I90}",
    ),
    FeatureSpec(
        "ivh_auc", "area_under_ivh_curve", "9CMM",
        r"F_{ivh.auc} = \sum_{i} \frac{(\gamma_{i+1}-\gamma_i)(\nu_{i+1}+\nu_i)}{2}",
    ),
)


class IntensityVolumeHistogram(NamedTuple):
    """The evaluated IVH.

    Attributes
    ----------
    intensity : ndarray
        Discretised intensities :math:`i` (ascending, step ``interval``).
    gamma : ndarray
        Intensity fractions :math:`\\gamma_i`.
    nu : ndarray
        Volume fractions :math:`\\nu_i`.
    interval : float
        Discretisation interval :math:`w_d`.
    """

    intensity: np.ndarray
    gamma: np.ndarray
    nu: np.ndarray
    interval: float


def _finite(v: float | None) -> float | None:
    return float(v) if v is not None and math.isfinite(v) else None


def intensity_volume_histogram(roi: "ROI", settings: "ExtractionSettings") -> IntensityVolumeHistogram:
    """Discretise the ROI for the IVH and evaluate :math:`\\gamma_i` and :math:`\\nu_i`.

    See the module docstring for the three discretisation cases.

    Raises
    ------
    EmptyMaskError
        If the intensity mask is empty.
    ConfigError
        If ``'none'`` is used with non-integer intensities, or the settings are incomplete.
    """
    mask = np.asarray(roi.intensity_mask, dtype=bool)
    x = roi.image[mask]
    if x.size == 0:
        raise EmptyMaskError("IVH: the intensity mask is empty; check the mask and re-segmentation range")
    ivh = settings.ivh_discretisation
    rng = roi.resegmentation_range or (None, None)
    r_lo, r_hi = _finite(rng[0]), _finite(rng[1])
    x_min, x_max = float(x.min()), float(x.max())
    if ivh.method == "none":
        fractional = x[x != np.round(x)]
        if fractional.size:
            raise ConfigError(
                "ivh_discretisation.method 'none' is for calibrated, discrete intensities (e.g. CT in HU), "
                f"but the ROI has non-integer intensities (e.g. {float(fractional[0])!r}). Round them "
                "(round_input / interpolation.round_intensities), or set ivh_discretisation to "
                "{'method': 'fbs', 'bin_width': ...} for calibrated continuous data such as PET SUV, or "
                "{'method': 'fbn', 'n_bins': 1000} for arbitrary units such as MR (IBSI 1, section 3.5)"
            )
        g_lo = _finite(ivh.lower_bound) if ivh.lower_bound is not None else r_lo
        g_lo = x_min if g_lo is None else g_lo
        g_hi = x_max if r_hi is None else r_hi
        d = discretise(roi.image, mask, "none", lower_bound=g_lo, upper_bound=g_hi)
        values = bin_centres(d)
        interval = 1.0
    elif ivh.method == "fbs":
        if ivh.bin_width is None or ivh.bin_width <= 0:
            raise ConfigError("ivh_discretisation: method 'fbs' needs bin_width > 0")
        w = float(ivh.bin_width)
        lo = _finite(ivh.lower_bound) if ivh.lower_bound is not None else r_lo
        lo = x_min if lo is None else lo
        hi = x_max if r_hi is None else r_hi
        d = discretise(roi.image, mask, "fbs", bin_width=w, lower_bound=lo, upper_bound=hi)
        values = bin_centres(d)
        g_lo, g_hi = lo + 0.5 * w, hi - 0.5 * w
        interval = w
    elif ivh.method == "fbn":
        if not ivh.n_bins or ivh.n_bins < 1:
            raise ConfigError("ivh_discretisation: method 'fbn' needs n_bins >= 1 (IBSI suggests 1000)")
        d = discretise(roi.image, mask, "fbn", n_bins=int(ivh.n_bins))
        values = np.arange(1, d.n_levels + 1, dtype=np.float64)
        g_lo, g_hi = 1.0, float(d.n_levels)
        interval = 1.0
    else:
        raise ConfigError(f"ivh_discretisation: unknown method {ivh.method!r}; use 'none', 'fbs' or 'fbn'")
    counts = np.bincount(d.levels[mask].astype(np.int64), minlength=d.n_levels + 1)[1 : d.n_levels + 1]
    below = np.cumsum(counts) - counts
    nu = 1.0 - below / x.size
    span = g_hi - g_lo
    if span > 0:
        gamma = (values - g_lo) / span
    else:  # a single intensity: the range collapses to a point
        gamma = (values >= g_hi).astype(np.float64)
    return IntensityVolumeHistogram(values, gamma, nu, interval)


def _volume_at(h: IntensityVolumeHistogram, x: float) -> float:
    idx = np.flatnonzero(h.gamma >= x - 1e-12)
    return float(h.nu[idx[0]]) if idx.size else 0.0


def _intensity_at(h: IntensityVolumeHistogram, x: float) -> float:
    idx = np.flatnonzero(h.nu <= x + 1e-12)
    # beyond the last intensity no voxel remains (nu = 0): the next discretised intensity
    return float(h.intensity[idx[0]]) if idx.size else float(h.intensity[-1] + h.interval)


def ivh_features(h: IntensityVolumeHistogram) -> dict[str, float]:
    """IVH features from an evaluated histogram.

    :math:`V_x` is the largest volume fraction with intensity fraction at least :math:`x`;
    :math:`I_x` the smallest intensity present in at most a fraction :math:`x` of the volume;
    the area under the curve is the trapezoidal sum over :math:`\\gamma` (0 for a single
    intensity).
    """
    v10, v90 = _volume_at(h, 0.10), _volume_at(h, 0.90)
    i10, i90 = _intensity_at(h, 0.10), _intensity_at(h, 0.90)
    if h.nu.size > 1:
        auc = float(np.sum(np.diff(h.gamma) * (h.nu[1:] + h.nu[:-1]) / 2.0))
    else:
        auc = 0.0
    return {
        "ivh_v10": v10,
        "ivh_v90": v90,
        "ivh_i10": i10,
        "ivh_i90": i90,
        "ivh_diff_v10_v90": v10 - v90,
        "ivh_diff_i10_i90": i10 - i90,
        "ivh_auc": auc,
    }


def compute(roi: "ROI", settings: "ExtractionSettings") -> dict[str, float]:
    """IVH features of ``roi`` with ``settings.ivh_discretisation`` (see the module docstring)."""
    return ivh_features(intensity_volume_histogram(roi, settings))


FAMILY = FamilySpec(name="intensity_volume_histogram", ibsi_code="P88C", features=FEATURES, compute=compute)
