"""Intensity rounding (IBSI 1, section 2.4, "Rounding image intensities after interpolation", 68QD).

CT intensities are Hounsfield units, which are integers; after interpolation IBSI rounds
them to the nearest integer, and the IBSI CT phantom stored as NIfTI must be read as float and
rounded before processing. Written here (a single NumPy call plus a tie rule) so that the
rounding rule is stated and fixed in one place.
"""

from __future__ import annotations

import numpy as np

from radiome.io.image import Image, ProcessingStep

__all__ = ["round_intensities", "round_half_even"]

#: Values are first rounded to this many decimals, so that floating-point noise around an
#: exact half-integer (e.g. -999.4999999999999 for -999.5) does not decide the direction.
_TIE_DECIMALS = 9


def round_half_even(values: np.ndarray) -> np.ndarray:
    """Round to the nearest integer, exact halves to the even integer (NumPy's rule).

    .. math::

        X' = \\operatorname{round}(X), \\qquad \\operatorname{round}(k + \\tfrac{1}{2}) =
        \\text{the even one of } k,\\ k + 1

    Values are snapped to 9 decimals first so that floating-point noise cannot turn a tie
    into a non-tie (results do not depend on the summation order of the interpolator).

    Examples
    --------
    >>> round_half_even(np.array([-1.5, -0.5, 0.5, 1.5, 2.4999999999999996])).tolist()
    [-2.0, -0.0, 0.0, 2.0, 2.0]
    """
    return np.round(np.round(np.asarray(values, dtype=float), _TIE_DECIMALS))


def round_intensities(image: Image, reason: str = "round_intensities") -> Image:
    """Round every intensity to the nearest integer (IBSI 68QD).

    The tie rule is NumPy's round-half-to-even, as in MIRP (one of the IBSI reference
    implementations); IBSI only says "nearest integer". Ties occur after linear interpolation
    (e.g. half-way between -1000 and -999 HU) and are too few to move any IBSI diagnostic or
    feature value beyond its tolerance either way.

    .. math::

        X'_k = \\lfloor X_k \\rceil

    Parameters
    ----------
    image : Image
        Not modified.
    reason : str
        Name of the processing step recorded in the history (``"round_input"`` when the
        input is rounded on load, ``"round_intensities"`` after interpolation).

    Returns
    -------
    Image
        Same grid, integer-valued float64 intensities, step appended to the history.

    Examples
    --------
    >>> img = Image(np.array([[[0.4, 0.6, -2.5]]]))
    >>> round_intensities(img).array.ravel().tolist()
    [0.0, 1.0, -2.0]
    """
    return image.with_array(round_half_even(image.array), ProcessingStep(reason, {"rule": "half_to_even"}))
