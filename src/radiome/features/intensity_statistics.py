"""Intensity-based statistical features (IBSI 1, section 3.3; family code UHIW).

Computed on :math:`\\mathbf{X}_{gl}`, the :math:`N_v` intensities of the ROI intensity mask
(``roi.image[roi.intensity_mask]``), in the image's units, over the whole volume (IBSI
aggregation DHQ4). Variances are not bias-corrected; percentiles use linear interpolation
between order statistics (``numpy.percentile``'s default), which gives the IBSI consensus
values (e.g. :math:`P_{90} = 4` for the digital phantom).

Written with NumPy directly: each feature is one reduction over the ROI values, and IBSI's
definitions (no bias correction, Fisher kurtosis, 0 skewness/kurtosis for zero variance,
robust MAD over the 10-90 % range) differ in details from scipy.stats defaults.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from radiome.errors import EmptyMaskError
from radiome.features.registry import FamilySpec, FeatureSpec

if TYPE_CHECKING:
    from radiome.config.settings import ExtractionSettings
    from radiome.features.roi import ROI

__all__ = ["FAMILY", "compute", "intensity_statistics"]

_MEAN = r"\frac{1}{N_v}\sum_{k=1}^{N_v}"

FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec("stat_mean", "mean", "Q4LE", rf"F_{{stat.mean}} = {_MEAN} X_{{gl,k}}"),
    FeatureSpec("stat_var", "variance", "ECT3", rf"F_{{stat.var}} = {_MEAN} (X_{{gl,k}}-\mu)^2"),
    FeatureSpec(
        "stat_skew", "skewness", "KE2A",
        rf"F_{{stat.skew}} = \frac{{{_MEAN} (X_{{gl,k}}-\mu)^3}}{{\left({_MEAN} (X_{{gl,k}}-\mu)^2\right)^{{3/2}}}}",
    ),
    FeatureSpec(
        "stat_kurt", "excess_kurtosis", "IPH6",
        rf"F_{{stat.kurt}} = \frac{{{_MEAN} (X_{{gl,k}}-\mu)^4}}{{\left({_MEAN} (X_{{gl,k}}-\mu)^2\right)^{{2}}}} - 3",
    ),
    FeatureSpec("stat_median", "median", "Y12H", r"F_{stat.median} = \operatorname{median}(\mathbf{X}_{gl})"),
    FeatureSpec("stat_min", "minimum", "1GSF", r"F_{stat.min} = \min(\mathbf{X}_{gl})"),
    FeatureSpec("stat_p10", "percentile_10", "QG58", r"F_{stat.P10} = P_{10}(\mathbf{X}_{gl})"),
    FeatureSpec("stat_p90", "percentile_90", "8DWT", r"F_{stat.P90} = P_{90}(\mathbf{X}_{gl})"),
    FeatureSpec("stat_max", "maximum", "84IY", r"F_{stat.max} = \max(\mathbf{X}_{gl})"),
    FeatureSpec("stat_iqr", "interquartile_range", "SALO", r"F_{stat.iqr} = P_{75} - P_{25}"),
    FeatureSpec("stat_range", "range", "2OJQ", r"F_{stat.range} = \max(\mathbf{X}_{gl}) - \min(\mathbf{X}_{gl})"),
    FeatureSpec("stat_mad", "mean_absolute_deviation", "4FUA", rf"F_{{stat.mad}} = {_MEAN} |X_{{gl,k}}-\mu|"),
    FeatureSpec(
        "stat_rmad", "robust_mean_absolute_deviation", "1128",
        r"F_{stat.rmad} = \frac{1}{N_{v,10-90}}\sum_{k=1}^{N_{v,10-90}} |X_{gl,10-90,k} - \overline{X}_{gl,10-90}|,"
        r"\ \mathbf{X}_{gl,10-90} = \{x \in \mathbf{X}_{gl} \mid P_{10} \le x \le P_{90}\}",
    ),
    FeatureSpec("stat_medad", "median_absolute_deviation", "N72L", rf"F_{{stat.medad}} = {_MEAN} |X_{{gl,k}}-M|"),
    FeatureSpec("stat_cov", "coefficient_of_variation", "7TET", r"F_{stat.cov} = \frac{\sigma}{\mu}"),
    FeatureSpec(
        "stat_qcod", "quartile_coefficient_of_dispersion", "9S40", r"F_{stat.qcod} = \frac{P_{75}-P_{25}}{P_{75}+P_{25}}"
    ),
    FeatureSpec("stat_energy", "energy", "N8CA", r"F_{stat.energy} = \sum_{k=1}^{N_v} X_{gl,k}^2"),
    FeatureSpec(
        "stat_rms", "root_mean_square", "5ZWQ", r"F_{stat.rms} = \sqrt{\frac{1}{N_v}\sum_{k=1}^{N_v} X_{gl,k}^2}"
    ),
)


def intensity_statistics(values: np.ndarray) -> dict[str, float]:
    """IBSI intensity-based statistics of a set of intensities.

    Parameters
    ----------
    values : ndarray
        The intensities :math:`\\mathbf{X}_{gl}` (any shape; flattened). Not modified.

    Returns
    -------
    dict
        ``{tag: value}`` for the 18 features. :math:`F_{stat.skew}` and
        :math:`F_{stat.kurt}` are 0 when the variance is 0 (IBSI); the coefficient of variation
        and the quartile coefficient of dispersion are NaN when their denominator is 0.

    Examples
    --------
    >>> import numpy as np
    >>> f = intensity_statistics(np.array([1.0, 2.0, 3.0, 4.0]))
    >>> f["stat_mean"], f["stat_var"], f["stat_range"]
    (2.5, 1.25, 3.0)
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size == 0:
        raise EmptyMaskError("intensity statistics need at least one voxel in the intensity mask")
    n = x.size
    mean = float(x.mean())
    dev = x - mean
    dev2 = dev * dev
    var = float(dev2.mean())
    if var > 0:
        skew = float((dev2 * dev).mean()) / var**1.5
        kurt = float((dev2 * dev2).mean()) / var**2 - 3.0
    else:
        skew = kurt = 0.0
    p10, p25, median, p75, p90 = (float(v) for v in np.percentile(x, [10, 25, 50, 75, 90]))
    vmin, vmax = float(x.min()), float(x.max())
    robust = x[(x >= p10) & (x <= p90)]
    energy = float(np.dot(x, x))
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = np.sqrt(var) / mean if mean != 0 else float("nan")
        qcod = (p75 - p25) / (p75 + p25) if (p75 + p25) != 0 else float("nan")
    return {
        "stat_mean": mean,
        "stat_var": var,
        "stat_skew": skew,
        "stat_kurt": kurt,
        "stat_median": median,
        "stat_min": vmin,
        "stat_p10": p10,
        "stat_p90": p90,
        "stat_max": vmax,
        "stat_iqr": p75 - p25,
        "stat_range": vmax - vmin,
        "stat_mad": float(np.abs(dev).mean()),
        "stat_rmad": float(np.abs(robust - robust.mean()).mean()),
        "stat_medad": float(np.abs(x - median).mean()),
        "stat_cov": float(cov),
        "stat_qcod": float(qcod),
        "stat_energy": energy,
        "stat_rms": float(np.sqrt(energy / n)),
    }


def compute(roi: "ROI", settings: "ExtractionSettings") -> dict[str, float]:
    """Intensity-based statistical features of ``roi.image[roi.intensity_mask]``.

    ``settings`` is not used (the family has no parameters); it is part of the family contract.
    """
    return intensity_statistics(roi.image[roi.intensity_mask])


FAMILY = FamilySpec(name="intensity_statistics", ibsi_code="UHIW", features=FEATURES, compute=compute)
