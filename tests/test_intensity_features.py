"""Intensity statistics, intensity histogram and intensity-volume histogram families."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import load_ibsi_reference, within_tolerance
from hypothesis import given, settings
from hypothesis import strategies as st

from radiome.config.settings import ExtractionSettings
from radiome.errors import ConfigError, EmptyMaskError
from radiome.features import intensity_histogram as ih
from radiome.features import intensity_statistics as stat
from radiome.features import intensity_volume_histogram as ivh
from radiome.features.roi import ROI
from radiome.preprocess.discretise import discretise

FAMILIES = {"stat_": stat, "ih_": ih, "ivh_": ivh}

#: IBSI digital-phantom / integer-CT convention: intensity-volume histogram without
#: discretisation (radiome's default is 1000 fixed bins, which suits every modality).
NO_IVH_BINS = ExtractionSettings(ivh_discretisation={"method": "none", "n_bins": None})


def _roi(image: np.ndarray, mask: np.ndarray | None = None, levels: np.ndarray | None = None, n_levels=None,
         reseg=None) -> ROI:
    image = np.asarray(image, dtype=float)
    mask = np.ones(image.shape, bool) if mask is None else mask
    if levels is None:
        d = discretise(image, mask, "none")
        levels, n_levels = d.levels, d.n_levels
    return ROI(image=image, intensity_mask=mask, morphology_mask=mask, spacing=(1.0, 1.0, 1.0),
               levels=levels, n_levels=n_levels, resegmentation_range=reseg)


def _misses(out: dict, reference: dict, prefix: str) -> dict:
    expected = {k: v for k, v in reference.items() if k.startswith(prefix)}
    return {k: (out.get(k), v, t) for k, (v, t) in expected.items() if not within_tolerance(out.get(k), v, t)}


# -- IBSI reference values -------------------------------------------------------------------


@pytest.mark.parametrize("prefix,count", [("stat_", 18), ("ih_", 23), ("ivh_", 6)])
def test_digital_phantom(digital_phantom_roi, digital_phantom_reference, prefix, count):
    out = FAMILIES[prefix].compute(digital_phantom_roi, NO_IVH_BINS)
    assert sum(k.startswith(prefix) for k in digital_phantom_reference) == count
    assert not _misses(out, digital_phantom_reference, prefix)


def test_digital_phantom_ivh_auc(digital_phantom_roi):
    # not in the reference table (no consensus) but given in the manual's text: 0.32
    assert ivh.compute(digital_phantom_roi, NO_IVH_BINS)["ivh_auc"] == pytest.approx(0.3203, abs=1e-4)


@pytest.mark.shared
@pytest.mark.parametrize("prefix,count", [("stat_", 18), ("ih_", 23), ("ivh_", 6)])
def test_ct_phantom_config_a(prefix, count, ct_config_a_roi):
    reference = load_ibsi_reference("ibsi_1_chest_config_a")
    # configuration A: IVH without discretisation, range = re-segmentation range [-500, 400]
    out = FAMILIES[prefix].compute(ct_config_a_roi, NO_IVH_BINS)
    assert sum(k.startswith(prefix) for k in reference) == count
    assert not _misses(out, reference, prefix)


# -- intensity statistics ----------------------------------------------------------------------


def test_statistics_match_numpy():
    rng = np.random.default_rng(0)
    x = rng.normal(10, 3, size=500)
    f = stat.intensity_statistics(x)
    assert f["stat_mean"] == pytest.approx(x.mean())
    assert f["stat_var"] == pytest.approx(x.var())
    z = (x - x.mean()) / x.std()
    assert f["stat_skew"] == pytest.approx(np.mean(z**3))
    assert f["stat_kurt"] == pytest.approx(np.mean(z**4) - 3)
    assert f["stat_p90"] == pytest.approx(np.percentile(x, 90))
    assert f["stat_medad"] == pytest.approx(np.mean(np.abs(x - np.median(x))))
    assert f["stat_rms"] == pytest.approx(np.sqrt(np.mean(x**2)))
    core = x[(x >= np.percentile(x, 10)) & (x <= np.percentile(x, 90))]
    assert f["stat_rmad"] == pytest.approx(np.mean(np.abs(core - core.mean())))


def test_statistics_of_a_constant_roi():
    f = stat.intensity_statistics(np.full(7, 3.0))
    assert f["stat_var"] == 0 and f["stat_skew"] == 0 and f["stat_kurt"] == 0
    assert f["stat_cov"] == 0 and f["stat_iqr"] == 0


def test_statistics_do_not_modify_input():
    x = np.arange(10.0)
    x.setflags(write=False)
    stat.intensity_statistics(x)


def test_empty_roi_is_refused():
    image = np.ones((2, 2, 2))
    empty = np.zeros(image.shape, bool)
    roi = ROI(image=image, intensity_mask=empty, morphology_mask=empty, spacing=(1.0, 1.0, 1.0),
              levels=np.zeros(image.shape, np.int32), n_levels=1)
    for family in (stat, ih, ivh):
        with pytest.raises(EmptyMaskError):
            family.compute(roi, NO_IVH_BINS)


# -- intensity histogram -------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=8).filter(lambda c: sum(c) > 0),
       st.lists(st.floats(0, 100), min_size=1, max_size=5))
def test_percentiles_from_counts_equal_numpy(counts, q):
    values = np.arange(1.0, len(counts) + 1)
    sample = np.repeat(values, counts)
    got = ih.percentiles_from_counts(values, np.array(counts), np.array(q))
    np.testing.assert_allclose(got, np.percentile(sample, q), atol=1e-9)


def test_histogram_mode_ties_go_to_the_level_nearest_the_mean_then_lower():
    # levels 1 and 4 tie (2 voxels each), mean 2.8 -> 4 is nearer
    assert ih.histogram_features(np.array([2, 0, 1, 2]))["ih_mode"] == 4.0
    # levels 1 and 3 tie, mean 2 -> equidistant, the lower one
    assert ih.histogram_features(np.array([2, 0, 2]))["ih_mode"] == 1.0


def test_histogram_gradient_uses_the_non_sparse_histogram():
    f = ih.histogram_features(np.array([4, 0, 1, 7]))
    # H' = [0-4, (1-4)/2, (7-0)/2, 7-1] = [-4, -1.5, 3.5, 6]
    assert (f["ih_max_grad"], f["ih_max_grad_g"], f["ih_min_grad"], f["ih_min_grad_g"]) == (6.0, 4.0, -4.0, 1.0)


def test_histogram_single_level():
    f = ih.histogram_features(np.array([5]))
    assert f["ih_entropy"] == 0 and f["ih_uniformity"] == 1 and f["ih_max_grad"] == 0 and f["ih_skew"] == 0


def test_histogram_agrees_with_statistics_without_discretisation(digital_phantom_roi):
    s = stat.compute(digital_phantom_roi, NO_IVH_BINS)
    h = ih.compute(digital_phantom_roi, NO_IVH_BINS)
    for name in ("mean", "var", "skew", "kurt", "median", "p10", "p90", "iqr", "mad", "rmad", "medad", "cov", "qcod"):
        assert h[f"ih_{name}"] == pytest.approx(s[f"stat_{name}"])


# -- intensity-volume histogram ------------------------------------------------------------------


def _ivh_settings(**kw) -> ExtractionSettings:
    return ExtractionSettings(ivh_discretisation=kw)


def test_ivh_discrete_case_uses_the_resegmentation_range():
    image = np.array([[[0.0, 10.0, 20.0, 30.0, 40.0]]])
    free = ivh.intensity_volume_histogram(_roi(image), NO_IVH_BINS)
    assert (free.intensity[0], free.intensity[-1]) == (0.0, 40.0)
    np.testing.assert_allclose(free.gamma[[0, -1]], [0.0, 1.0])
    ranged = ivh.intensity_volume_histogram(_roi(image, reseg=(-60.0, 40.0)), NO_IVH_BINS)
    assert ranged.intensity[0] == -60.0 and ranged.interval == 1.0
    assert ranged.gamma[60] == pytest.approx(0.6)  # intensity 0
    # open bounds fall back to the ROI extremes
    half = ivh.intensity_volume_histogram(_roi(image, reseg=(-np.inf, np.inf)), NO_IVH_BINS)
    np.testing.assert_allclose(half.gamma, free.gamma)


def test_ivh_volume_and_intensity_fractions():
    image = np.array([[[0.0, 10.0, 20.0, 30.0, 40.0]]])
    f = ivh.compute(_roi(image), NO_IVH_BINS)
    # gamma >= 0.1 first at intensity 4: 4 of 5 voxels have >= 4
    assert f["ivh_v10"] == pytest.approx(0.8)
    assert f["ivh_v90"] == pytest.approx(0.2)
    # nu <= 0.1 first at 41 (beyond the maximum: the next discretised intensity)
    assert f["ivh_i10"] == 41.0
    assert f["ivh_i90"] == 1.0


def test_ivh_fixed_bin_size_uses_bin_centres():
    image = np.array([[[0.1, 0.4, 1.2, 2.9, 3.3]]])
    h = ivh.intensity_volume_histogram(_roi(image, levels=np.ones((1, 1, 5), np.int32), n_levels=1, reseg=(0.0, 4.0)),
                                       _ivh_settings(method="fbs", bin_width=0.5, n_bins=None))
    assert h.interval == 0.5
    np.testing.assert_allclose(h.intensity[:3], [0.25, 0.75, 1.25])
    # G = [0 + 0.25, 4 - 0.25]
    assert h.gamma[0] == 0.0 and h.gamma[7] == pytest.approx(1.0)
    np.testing.assert_allclose(h.nu[:3], [1.0, 0.6, 0.6])


def test_ivh_fixed_bin_number_uses_bin_numbers():
    image = np.linspace(-3.0, 5.0, 20).reshape(1, 4, 5)
    f = ivh.compute(_roi(image, levels=np.ones(image.shape, np.int32), n_levels=1),
                    _ivh_settings(method="fbn", n_bins=10))
    h = ivh.intensity_volume_histogram(_roi(image, levels=np.ones(image.shape, np.int32), n_levels=1),
                                       _ivh_settings(method="fbn", n_bins=10))
    np.testing.assert_allclose(h.intensity, np.arange(1, 11))
    np.testing.assert_allclose(h.gamma, np.arange(10) / 9)
    assert 1 <= f["ivh_i90"] <= f["ivh_i10"] <= 11


def test_ivh_without_discretisation_needs_integers():
    image = np.array([[[0.5, 1.25, 2.0]]])
    roi = _roi(image, levels=np.ones((1, 1, 3), np.int32), n_levels=1)
    with pytest.raises(ConfigError, match="integer"):
        ivh.compute(roi, NO_IVH_BINS)


def test_ivh_single_intensity():
    f = ivh.compute(_roi(np.full((1, 2, 2), 7.0)), NO_IVH_BINS)
    assert f["ivh_auc"] == 0.0 and f["ivh_v10"] == 1.0 and f["ivh_i10"] == 8.0


@pytest.mark.parametrize("family", [stat, ih, ivh])
def test_family_specs(digital_phantom_roi, family):
    out = family.compute(digital_phantom_roi, NO_IVH_BINS)
    assert list(out) == [f.tag for f in family.FAMILY.features]
    assert all(f.ibsi_code and f.formula for f in family.FAMILY.features)
    assert len({f.name for f in family.FAMILY.features}) == len(family.FAMILY.features)
