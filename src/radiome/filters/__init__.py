"""IBSI-2 convolutional filters: each a pure function on an Image returning a response map.

Settings for filtered image variants live in :mod:`radiome.config.filters`;
:func:`apply_filter` applies one of them.
"""

from radiome.filters.gabor import gabor_filter
from radiome.filters.laws import laws_filter
from radiome.filters.log import laplacian_of_gaussian
from radiome.filters.mean import mean_filter
from radiome.filters.simoncelli import riesz_log_filter, simoncelli_filter
from radiome.filters.variants import apply_filter
from radiome.filters.wavelets import wavelet_filter

__all__ = [
    "apply_filter",
    "gabor_filter",
    "laplacian_of_gaussian",
    "laws_filter",
    "mean_filter",
    "riesz_log_filter",
    "simoncelli_filter",
    "wavelet_filter",
]
