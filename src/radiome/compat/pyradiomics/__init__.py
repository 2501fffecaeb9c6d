"""PyRadiomics-compatible mode: PyRadiomics parameter files, processing, definitions and names.

``extract_pyradiomics(image, mask, params)`` returns the columns PyRadiomics would write
(``original_firstorder_Mean``, ``wavelet-LLH_glcm_Contrast``, ``diagnostics_*``). The
differences between PyRadiomics and IBSI that this mode reproduces are listed in
``docs/pyradiomics.md``.
"""

from radiome.compat.pyradiomics.params import (
    PyRadiomicsParams,
    PyRadiomicsSettings,
    discretise,
    load_params,
)

__all__ = [
    "PyRadiomicsParams",
    "PyRadiomicsSettings",
    "discretise",
    "extract_pyradiomics",
    "load_params",
]


def __getattr__(name: str):  # lazy: the extractor imports SimpleITK and every family
    if name == "extract_pyradiomics":
        from radiome.compat.pyradiomics.extractor import extract_pyradiomics

        return extract_pyradiomics
    raise AttributeError(name)
