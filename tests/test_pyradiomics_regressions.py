"""PyRadiomics-mode naming rules that PyRadiomics users rely on."""

from __future__ import annotations

import numpy as np

from radiome.compat.pyradiomics.extractor import extract_pyradiomics
from radiome.compat.pyradiomics.params import load_params
from radiome.io.image import Image, Mask


def test_integer_sigma_keeps_pyradiomics_column_name():
    assert load_params({"setting": {"sigma": [1, 2.5]}}).setting.sigma == (1, 2.5)
    rng = np.random.default_rng(0)
    img = Image(rng.normal(100, 20, (12, 24, 24)).round(), spacing=(1, 1, 1))
    m = np.zeros((12, 24, 24), bool)
    m[3:9, 6:18, 6:18] = True
    out = extract_pyradiomics(
        img, Mask(m), {"setting": {"sigma": [1]}, "imageType": {"LoG": {}}, "featureClass": {"firstorder": ["Mean"]}}
    )
    assert "log-sigma-1-mm-3D_firstorder_Mean" in out


def test_wavelet_on_a_2d_image_decomposes_both_axes():
    rng = np.random.default_rng(1)
    img = Image(rng.normal(100, 20, (40, 40)).round(), spacing=(1, 1, 1))
    m = np.zeros((40, 40), bool)
    m[10:30, 8:32] = True
    out = extract_pyradiomics(
        img, Mask(m), {"imageType": {"Wavelet": {}}, "featureClass": {"firstorder": ["Mean"]}}
    )
    names = sorted({k.split("_firstorder")[0] for k in out if "_firstorder_" in k})
    assert names == ["wavelet-HH", "wavelet-HL", "wavelet-LH", "wavelet-LL"]
