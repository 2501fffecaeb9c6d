"""Intensity histogram features (IBSI 1, section 3.4; family code ZVCW).

Computed on :math:`\\mathbf{X}_d`, the discretised grey levels ``1 .. N_g`` of the intensity
mask (``roi.levels``), over the whole volume (DHQ4). With :math:`n_i` the number of voxels with
grey level :math:`i` and :math:`p_i = n_i / N_v`, every feature is computed from the histogram
:math:`\\mathbf{H} = (n_1, \\ldots, n_{N_g})` (non-sparse: absent levels count 0), so the cost
does not grow with the ROI after one ``np.bincount``. Percentiles equal
``numpy.percentile`` (linear interpolation between order statistics) of the voxel levels.

Hand-written because IBSI's histogram definitions (mode tie-breaking towards the mean,
gradient of the non-sparse histogram at its ends, robust MAD over the 10-90 % range) are not
what general statistics libraries provide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from radiome.errors import EmptyMaskError
from radiome.features.registry import FamilySpec, FeatureSpec

if TYPE_CHECKING:
    from radiome.config.settings import ExtractionSettings
    from radiome.features.roi import ROI

__all__ = ["FAMILY", "compute", "histogram_features", "percentiles_from_counts"]

FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec("ih_mean", "mean", "X6K6", r"F_{ih.mean} = \sum_{i=1}^{N_g} i\,p_i"),
    FeatureSpec("ih_var", "variance", "CH89", r"F_{ih.var} = \sum_{i=1}^{N_g} (i-\mu)^2 p_i"),
    FeatureSpec(
        "ih_skew", "skewness", "88K1",
        r"F_{ih.skew} = \frac{\sum_{i} (i-\mu)^3 p_i}{\left(\sum_{i} (i-\mu)^2 p_i\right)^{3/2}}",
    ),
    FeatureSpec(
        "ih_kurt", "excess_kurtosis", "C3I7",
        r"F_{ih.kurt} = \frac{\sum_{i} (i-\mu)^4 p_i}{\left(\sum_{i} (i-\mu)^2 p_i\right)^{2}} - 3",
    ),
    FeatureSpec("ih_median", "median", "WIFQ", r"F_{ih.median} = \operatorname{median}(\mathbf{X}_d)"),
    FeatureSpec("ih_min", "minimum", "1PR8", r"F_{ih.min} = \min(\mathbf{X}_d)"),
    FeatureSpec("ih_p10", "percentile_10", "GPMT", r"F_{ih.P10} = P_{10}(\mathbf{X}_d)"),
    FeatureSpec("ih_p90", "percentile_90", "OZ0C", r"F_{ih.P90} = P_{90}(\mathbf{X}_d)"),
    FeatureSpec("ih_max", "maximum", "3NCY", r"F_{ih.max} = \max(\mathbf{X}_d)"),
    FeatureSpec(
        "ih_mode", "mode", "AMMC",
        r"F_{ih.mode} = \arg\max_i n_i \text{ (ties: the level closest to } \mu\text{, then the lower)}",
    ),
    FeatureSpec("ih_iqr", "interquartile_range", "WR0O", r"F_{ih.iqr} = P_{75} - P_{25}"),
    FeatureSpec("ih_range", "range", "5Z3W", r"F_{ih.range} = \max(\mathbf{X}_d) - \min(\mathbf{X}_d)"),
    FeatureSpec(
        "ih_mad", "mean_absolute_deviation", "D2ZX", r"F_{ih.mad} = \frac{1}{N_v}\sum_{k=1}^{N_v} |X_{d,k}-\mu|"
    ),
    FeatureSpec(
        "ih_rmad", "robust_mean_absolute_deviation", "WRZB",
        r"F_{ih.rmad} = \frac{1}{N_{v,10-90}}\sum_{k=1}^{N_{v,10-90}} |X_{d,10-90,k} - \overline{X}_{d,10-90}|",
    ),
    FeatureSpec(
        "ih_medad", "median_absolute_deviation", "4RNL", r"F_{ih.medad} = \frac{1}{N_v}\sum_{k=1}^{N_v} |X_{d,k}-M|"
    ),
    FeatureSpec("ih_cov", "coefficient_of_variation", "CWYJ", r"F_{ih.cov} = \frac{\sigma}{\mu}"),
    FeatureSpec(
        "ih_qcod", "quartile_coefficient_of_dispersion", "SLWD", r"F_{ih.qcod} = \frac{P_{75}-P_{25}}{P_{75}+P_{25}}"
    ),
    FeatureSpec("ih_entropy", "entropy", "TLU2", r"F_{ih.entropy} = -\sum_{i=1}^{N_g} p_i \log_2 p_i"),
    FeatureSpec("ih_uniformity", "uniformity", "BJ5W", r"F_{ih.uniformity} = \sum_{i=1}^{N_g} p_i^2"),
    FeatureSpec(
        "ih_max_grad", "maximum_histogram_gradient", "12CE",
        r"F_{ih.max.grad} = \max(\mathbf{H}'),\ H'_i = \begin{cases} n_2 - n_1 & i = 1\\ (n_{i+1}-n_{i-1})/2 & "
        r"1 < i < N_g\\ n_{N_g} - n_{N_g-1} & i = N_g \end{cases}",
    ),
    FeatureSpec(
        "ih_max_grad_g", "maximum_histogram_gradient_grey_level", "8E6O", r"F_{ih.max.grad.gl} = \arg\max_i H'_i"
    ),
    FeatureSpec("ih_min_grad", "minimum_histogram_gradient", "VQB3", r"F_{ih.min.grad} = \min(\mathbf{H}')"),
    FeatureSpec(
        "ih_min_grad_g", "minimum_histogram_gradient_grey_level", "RHQZ", r"F_{ih.min.grad.gl} = \arg\min_i H'_i"
    ),
)


def percentiles_from_counts(values: np.ndarray, counts: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Percentiles ``q`` (0-100) of the sample where ``values[k]`` occurs ``counts[k]`` times.

    Equal to ``numpy.percentile`` (linear method) of the expanded sample; ``values`` ascending.

    Examples
    --------
    >>> percentiles_from_counts(np.array([1.0, 3.0]), np.array([3, 1]), np.array([50.0, 90.0])).tolist()
    [1.0, 2.4000000000000004]
    """
    counts = np.asarray(counts, dtype=np.int64)
    cum = np.cumsum(counts)
    n = int(cum[-1])
    pos = (n - 1) * np.asarray(q, dtype=np.float64) / 100.0
    lo = np.floor(pos).astype(np.int64)
    frac = pos - lo
    hi = np.minimum(lo + 1, n - 1)
    x_lo = values[np.searchsorted(cum, lo, side="right")]
    x_hi = values[np.searchsorted(cum, hi, side="right")]
    return x_lo + frac * (x_hi - x_lo)


def histogram_features(counts: np.ndarray) -> dict[str, float]:
    """IBSI intensity histogram features of a non-sparse histogram.

    Parameters
    ----------
    counts : ndarray of int, (N_g,)
        :math:`n_i`, the number of voxels with grey level ``i = 1 .. N_g``.

    Returns
    -------
    dict
        ``{tag: value}`` for the 23 features. Skewness and kurtosis are 0 when the variance
        is 0; with a single grey level (:math:`N_g = 1`) the histogram gradient is 0.
    """
    counts = np.asarray(counts, dtype=np.int64)
    n_v = int(counts.sum())
    if n_v == 0:
        raise EmptyMaskError("intensity histogram features need at least one voxel in the intensity mask")
    n_g = counts.size
    levels = np.arange(1, n_g + 1, dtype=np.float64)
    p = counts / n_v
    mean = float(p @ levels)
    dev = levels - mean
    var = float(p @ dev**2)
    if var > 0:
        skew = float(p @ dev**3) / var**1.5
        kurt = float(p @ dev**4) / var**2 - 3.0
    else:
        skew = kurt = 0.0
    present = np.flatnonzero(counts)
    vmin, vmax = float(levels[present[0]]), float(levels[present[-1]])
    p10, p25, median, p75, p90 = (
        float(v) for v in percentiles_from_counts(levels, counts, np.array([10.0, 25.0, 50.0, 75.0, 90.0]))
    )
    top = np.flatnonzero(counts == counts.max())
    dist = np.abs(levels[top] - mean)
    mode = float(levels[top[np.argmin(dist)]])  # argmin takes the first (lower) of equidistant bins
    robust = (levels >= p10) & (levels <= p90)
    rc = counts * robust
    r_mean = float(rc @ levels) / rc.sum()
    rmad = float(rc @ np.abs(levels - r_mean)) / rc.sum()
    pos = p[p > 0]
    if n_g > 1:
        grad = np.gradient(counts.astype(np.float64))
    else:
        grad = np.zeros(1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = np.sqrt(var) / mean if mean != 0 else float("nan")
        qcod = (p75 - p25) / (p75 + p25) if (p75 + p25) != 0 else float("nan")
    return {
        "ih_mean": mean,
        "ih_var": var,
        "ih_skew": skew,
        "ih_kurt": kurt,
        "ih_median": median,
        "ih_min": vmin,
        "ih_p10": p10,
        "ih_p90": p90,
        "ih_max": vmax,
        "ih_mode": mode,
        "ih_iqr": p75 - p25,
        "ih_range": vmax - vmin,
        "ih_mad": float(p @ np.abs(dev)),
        "ih_rmad": rmad,
        "ih_medad": float(p @ np.abs(levels - median)),
        "ih_cov": float(cov),
        "ih_qcod": float(qcod),
        "ih_entropy": float(-(pos @ np.log2(pos))),
        "ih_uniformity": float(p @ p),
        "ih_max_grad": float(grad.max()),
        "ih_max_grad_g": float(levels[int(np.argmax(grad))]),
        "ih_min_grad": float(grad.min()),
        "ih_min_grad_g": float(levels[int(np.argmin(grad))]),
    }


def compute(roi: "ROI", settings: "ExtractionSettings") -> dict[str, float]:
    """Intensity histogram features of the discretised levels ``roi.levels`` in the intensity mask.

    The histogram has ``roi.n_levels`` bins (:math:`N_g`; more if a level in the mask exceeds
    it); ``settings`` is not used (the
    discretisation has already been applied to ``roi.levels``).
    """
    x = roi.levels[roi.intensity_mask]
    if x.size == 0:
        raise EmptyMaskError("intensity histogram: the intensity mask is empty; check the mask")
    n_g = max(int(roi.n_levels), int(x.max()))
    counts = np.bincount(x.astype(np.int64), minlength=n_g + 1)[1:]
    return histogram_features(counts)


FAMILY = FamilySpec(name="intensity_histogram", ibsi_code="ZVCW", features=FEATURES, compute=compute)
