r"""PyRadiomics first-order features (``<image type>_firstorder_*``), PyRadiomics' definitions.

Written by hand because PyRadiomics' first-order class mixes IBSI's intensity statistics
(:mod:`radiome.features.intensity_statistics`) and intensity-histogram features with its
own conventions, which this mode reproduces:

- ``Energy``, ``RootMeanSquared`` and ``TotalEnergy`` add ``voxelArrayShift`` :math:`c` to
  every grey value; ``TotalEnergy`` multiplies by the voxel volume (no IBSI counterpart).
- ``Kurtosis`` is not excess kurtosis (IBSI's minus 3); ``Variance`` is the population
  variance, as IBSI's.
- ``Entropy`` and ``Uniformity`` use the histogram of PyRadiomics' binned grey levels
  (bin edges from zero, ``binWidth``/``binCount``), with :math:`\log_2(p + \epsilon)`.
- Percentiles use NumPy's linear interpolation (IBSI's 10th/90th percentile, QG58/8DWT,
  leave the method open).

Let :math:`X` be the :math:`N_p` ROI grey values and :math:`p(i)` the fraction of voxels in
bin :math:`i`.
"""

from __future__ import annotations

import numpy as np

from radiome.compat.pyradiomics.params import PyRadiomicsSettings, discretise

__all__ = ["compute"]


def _percentiles(sorted_x: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``numpy.percentile(x, q)`` (linear method) from the sorted values."""
    n = sorted_x.size
    index = np.asarray(q, dtype=np.float64) / 100.0 * (n - 1)
    lo = np.floor(index).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    t = index - lo
    a, b = sorted_x[lo], sorted_x[hi]
    diff = b - a
    return np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)


def compute(
    image: np.ndarray | None,
    mask: np.ndarray | None,
    spacing_zyx: tuple[float, float, float],
    settings: PyRadiomicsSettings,
    *,
    values: np.ndarray | None = None,
    levels: np.ndarray | None = None,
) -> dict[str, float]:
    r"""All PyRadiomics first-order features (the deprecated one included).

    Parameters
    ----------
    image
        Grey values ``(z, y, x)``, cropped to the ROI bounding box, in the pixel type
        PyRadiomics sees (binning arithmetic uses it).
    mask
        Boolean ROI, same shape.
    spacing_zyx
        Voxel size in mm (for ``TotalEnergy``).
    settings
        ``voxelArrayShift`` and the binning settings are used.
    values, levels
        The ROI grey values (``image[mask]``) and their PyRadiomics bins, when the caller has
        them already (``image`` and ``mask`` are then not read).

    Returns
    -------
    dict
        PyRadiomics feature name -> value.

    Notes
    -----
    .. math::
        \text{Energy} = \sum_k (X_k + c)^2 \ \text{(IBSI N8CA with } c = 0), \quad
        \text{TotalEnergy} = V_{voxel} \sum_k (X_k + c)^2

    .. math::
        \text{Entropy} = -\sum_i p(i) \log_2 (p(i) + \epsilon), \quad
        \text{Uniformity} = \sum_i p(i)^2 \ \text{(IBSI TLU2, BJ5W on PyRadiomics' bins)}

    .. math::
        \text{RMS} = \sqrt{\tfrac{1}{N_p}\sum_k (X_k + c)^2}, \quad
        \text{Skewness} = \frac{\mu_3}{\mu_2^{3/2}}, \quad
        \text{Kurtosis} = \frac{\mu_4}{\mu_2^{2}}

    with :math:`\mu_k` the central moments (skewness and kurtosis are 0 for a flat ROI).
    IBSI codes: Minimum 1GSF, 10Percentile QG58, 90Percentile 8DWT, Maximum 84IY, Mean Q4LE,
    Median Y12H, InterquartileRange SALO, Range 2OJQ, MeanAbsoluteDeviation 4FUA,
    RobustMeanAbsoluteDeviation 1128, RootMeanSquared 5ZWQ, Skewness KE2A, Kurtosis IPH6
    (IBSI subtracts 3), Variance ECT3. ``StandardDeviation`` (deprecated) and ``TotalEnergy``
    have no IBSI code.
    """
    if values is None:
        values = np.asarray(image)[np.asarray(mask, dtype=bool)]
    x = np.asarray(values).astype(np.float64)
    shift = settings.voxelArrayShift
    if levels is None:
        levels = discretise(values, settings)
    counts = np.bincount(levels - levels.min())
    counts = counts[counts > 0]
    p = counts.astype(np.float64) / counts.sum()

    xs = np.sort(x)
    p10, p25, p75, p90 = _percentiles(xs, np.array([10.0, 25.0, 75.0, 90.0]))
    n = xs.size
    median = float(xs[n // 2]) if n % 2 else float((xs[n // 2 - 1] + xs[n // 2]) / 2.0)
    mean = float(np.mean(x))
    shifted = x + shift if shift else x
    energy = float(np.dot(shifted, shifted))
    robust = xs[np.searchsorted(xs, p10, side="left"):np.searchsorted(xs, p90, side="right")]
    d = x - mean
    d2 = d * d
    m2 = float(np.mean(d2))
    m3 = float(np.mean(d2 * d))
    m4 = float(np.mean(d2 * d2))
    if m2 == 0:
        skew = kurt = 0.0
    else:
        skew = m3 / m2 ** 1.5
        kurt = m4 / m2 ** 2.0
    std = float(np.sqrt(m2))
    return {
        "Energy": energy,
        "TotalEnergy": energy * float(np.prod(spacing_zyx)),
        "Entropy": float(-np.sum(p * np.log2(p + np.spacing(1)))),
        "Minimum": float(xs[0]),
        "10Percentile": float(p10),
        "90Percentile": float(p90),
        "Maximum": float(xs[-1]),
        "Mean": mean,
        "Median": median,
        "InterquartileRange": float(p75 - p25),
        "Range": float(xs[-1] - xs[0]),
        "MeanAbsoluteDeviation": float(np.mean(np.abs(d))),
        "RobustMeanAbsoluteDeviation": float(np.mean(np.abs(robust - np.mean(robust)))),
        "RootMeanSquared": float(np.sqrt(energy / len(x))),
        "StandardDeviation": std,
        "Skewness": float(skew),
        "Kurtosis": float(kurt),
        "Variance": std ** 2,
        "Uniformity": float(np.sum(p ** 2)),
    }
