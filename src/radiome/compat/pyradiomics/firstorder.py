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


def _moment(x: np.ndarray, k: int) -> float:
    return float(np.mean((x - np.mean(x)) ** k))


def compute(
    image: np.ndarray,
    mask: np.ndarray,
    spacing_zyx: tuple[float, float, float],
    settings: PyRadiomicsSettings,
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
    m = np.asarray(mask, dtype=bool)
    raw = np.asarray(image)[m]
    x = raw.astype(np.float64)
    shift = settings.voxelArrayShift
    levels = discretise(raw, settings)
    _, counts = np.unique(levels, return_counts=True)
    p = counts.astype(np.float64) / counts.sum()

    p10, p25, p75, p90 = np.percentile(x, [10, 25, 75, 90])
    mean = float(np.mean(x))
    energy = float(np.sum((x + shift) ** 2))
    robust = x[(x >= p10) & (x <= p90)]
    m2 = _moment(x, 2)
    m3 = _moment(x, 3)
    m4 = _moment(x, 4)
    if m2 == 0:
        skew = kurt = 0.0
    else:
        skew = m3 / m2 ** 1.5
        kurt = m4 / m2 ** 2.0
    std = float(np.std(x))
    return {
        "Energy": energy,
        "TotalEnergy": energy * float(np.prod(spacing_zyx)),
        "Entropy": float(-np.sum(p * np.log2(p + np.spacing(1)))),
        "Minimum": float(np.min(x)),
        "10Percentile": float(p10),
        "90Percentile": float(p90),
        "Maximum": float(np.max(x)),
        "Mean": mean,
        "Median": float(np.median(x)),
        "InterquartileRange": float(p75 - p25),
        "Range": float(np.max(x) - np.min(x)),
        "MeanAbsoluteDeviation": float(np.mean(np.abs(x - mean))),
        "RobustMeanAbsoluteDeviation": float(np.mean(np.abs(robust - np.mean(robust)))),
        "RootMeanSquared": float(np.sqrt(energy / len(x))),
        "StandardDeviation": std,
        "Skewness": float(skew),
        "Kurtosis": float(kurt),
        "Variance": std ** 2,
        "Uniformity": float(np.sum(p ** 2)),
    }
