"""Filtered image variants in the extraction: settings, column names, records, IBSI-2 rules."""

from __future__ import annotations

import numpy as np
import pytest

from radiome.config.filters import (
    FILTER_KINDS,
    GaborFilterSettings,
    LawsFilterSettings,
    LoGFilterSettings,
    MeanFilterSettings,
    SimoncelliFilterSettings,
    WaveletFilterSettings,
    format_number,
)
from radiome.config.files import load_settings, save_settings
from radiome.config.settings import ExtractionSettings, settings_from_dict, settings_hash
from radiome.errors import ConfigError, DimensionalityError
from radiome.extraction import extract, variant_column
from radiome.filters.variants import apply_filter, filter_for_image, response_map_roi, response_map_settings
from radiome.io.image import Image, Mask
from radiome.io.synthetic import sphere_phantom

STATS = {"families": ["intensity_statistics"]}


@pytest.fixture(scope="module")
def phantom():
    return sphere_phantom(seed=3, shape=(14, 36, 36), spacing=(2.0, 1.0, 1.0), radius_mm=9)


@pytest.fixture(scope="module")
def flat_2d():
    rng = np.random.default_rng(0)
    arr = rng.normal(100.0, 10.0, size=(30, 30))
    m = np.zeros((30, 30), bool)
    m[8:22, 6:25] = True
    return Image(arr, spacing=(1, 0.5, 0.5)), Mask(m, spacing=(1, 0.5, 0.5))


# --- settings -------------------------------------------------------------------------------


def test_defaults_have_no_filters():
    s = ExtractionSettings()
    assert s.filters == () and s.include_original
    assert s.response_map_families == ("intensity_statistics",)


def test_filter_entries_validate_by_kind():
    s = settings_from_dict({"filters": [
        {"kind": "log", "sigma_mm": 3},
        {"kind": "mean", "support": 5, "dimensions": "2D"},
        {"kind": "laws", "kernels": "e5l5s5", "energy_distance": 7, "rotation_invariant": True},
    ]})
    assert [type(f) for f in s.filters] == [LoGFilterSettings, MeanFilterSettings, LawsFilterSettings]
    assert s.filters[2].kernels == "E5L5S5" and s.filters[2].kernel_list == ("E5", "L5", "S5")


def test_unknown_filter_key_suggests_within_its_kind():
    with pytest.raises(ConfigError) as exc:
        settings_from_dict({"filters": [{"kind": "log", "sigma_mm": 3, "trunacte": 3}]})
    msg = str(exc.value)
    assert "filters[0].trunacte" in msg and "'truncate'" in msg


def test_unknown_filter_kind_suggests():
    with pytest.raises(ConfigError, match="Did you mean 'gabor'"):
        settings_from_dict({"filters": [{"kind": "gabro", "sigma_mm": 3, "lambda_mm": 2}]})
    with pytest.raises(ConfigError, match="kind"):
        settings_from_dict({"filters": [{"sigma_mm": 3}]})


@pytest.mark.parametrize("entry, match", [
    ({"kind": "mean", "support": 4}, "odd"),
    ({"kind": "log", "sigma_mm": -1}, "positive"),
    ({"kind": "laws", "kernels": "E5L5X5"}, "L3, E3"),
    ({"kind": "wavelet", "wavelet": "db99x", "response": "LLH"}, "wavelet"),
    ({"kind": "wavelet", "wavelet": "db2", "response": "LXH"}, "L and H"),
    ({"kind": "log", "sigma_mm": 3, "boundary": "reflect"}, "boundary"),
    ({"kind": "simoncelli", "level": 0}, "level"),
    ({"kind": "log", "sigma_mm": 3, "riesz_order": [1, 0]}, "riesz_order"),
    ({"kind": "simoncelli", "riesz_order": [0, 0, 0]}, "riesz_order"),
    ({"kind": "gabor", "sigma_mm": 3, "lambda_mm": 2, "theta_step_deg": 50}, "divide 360"),
])
def test_invalid_filter_values_explain(entry, match):
    with pytest.raises(ConfigError, match=match):
        settings_from_dict({"filters": [entry]})


def test_duplicate_variant_names_refused():
    with pytest.raises(ConfigError, match="column_prefix"):
        settings_from_dict({"filters": [{"kind": "log", "sigma_mm": 3}, {"kind": "log", "sigma_mm": 3.0}]})
    s = settings_from_dict({"filters": [
        {"kind": "log", "sigma_mm": 3}, {"kind": "log", "sigma_mm": 3, "column_prefix": "log3b"},
    ]})
    assert [f.name for f in s.filters] == ["log_sigma_3mm", "log3b"]


def test_morphology_refused_on_response_maps():
    with pytest.raises(ConfigError, match="mask"):
        settings_from_dict({"response_map_families": ["morphology"]})
    with pytest.raises(ConfigError, match="intensity_histogram"):
        settings_from_dict({"response_map_families": ["intensity_histgram"]})


def test_nothing_to_compute_refused():
    with pytest.raises(ConfigError, match="nothing to compute"):
        settings_from_dict({"include_original": False})


def test_filters_round_trip_yaml_and_change_hash(tmp_path):
    s = settings_from_dict({"filters": [
        {"kind": "gabor", "sigma_mm": 5, "lambda_mm": 2, "gamma": 1.5, "rotation_invariant": True,
         "theta_step_deg": 22.5},
        {"kind": "wavelet", "wavelet": "db3", "response": "llh", "level": 2},
    ]})
    back = load_settings(save_settings(s, tmp_path / "s.yaml"))
    assert back == s
    assert settings_hash(s) != settings_hash(ExtractionSettings())


# --- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize("flt, name", [
    (MeanFilterSettings(support=15), "mean_15"),
    (MeanFilterSettings(support=15, dimensions="2D", boundary="constant"), "mean_15_2d_constant"),
    (LoGFilterSettings(sigma_mm=3), "log_sigma_3mm"),
    (LoGFilterSettings(sigma_mm=1.5, truncate=3), "log_sigma_1p5mm_trunc3"),
    (LawsFilterSettings(kernels="E5L5S5", energy_distance=7, rotation_invariant=True),
     "laws_e5l5s5_energy7_rotinv_max"),
    (LawsFilterSettings(kernels="L5S5", boundary="periodic"), "laws_l5s5_periodic"),
    (GaborFilterSettings(sigma_mm=5, lambda_mm=2, gamma=1.5, theta_deg=60), "gabor_s5_l2_g1p5_theta60"),
    (GaborFilterSettings(sigma_mm=5, lambda_mm=2, gamma=1.5, rotation_invariant=True, theta_step_deg=22.5,
                         dimensions="2D"), "gabor_s5_l2_g1p5_rotinv_mean_step22p5_2d"),
    (WaveletFilterSettings(wavelet="db2", response="LHL"), "wavelet_db2_lhl_level1"),
    (WaveletFilterSettings(wavelet="coif1", response="hh", level=2, rotation_invariant=True),
     "wavelet_coif1_hh_level2_rotinv_mean"),
    (SimoncelliFilterSettings(level=2), "simoncelli_level2"),
    (SimoncelliFilterSettings(level=1, boundary="mirror", riesz_order=(0, 2, 0)), "simoncelli_level1_mirror_riesz020"),
    (LoGFilterSettings(sigma_mm=3, boundary="constant", riesz_order=(1, 0, 0)), "log_sigma_3mm_constant_riesz100"),
    (LoGFilterSettings(sigma_mm=3, column_prefix="mylog"), "mylog"),
])
def test_variant_names(flt, name):
    assert flt.name == name


def test_every_kind_has_a_model_and_numbers_format():
    assert FILTER_KINDS == ("mean", "log", "laws", "gabor", "wavelet", "simoncelli")
    assert format_number(0.5) == "0p5" and format_number(-3) == "m3" and format_number(10.0) == "10"
    assert variant_column("original", "stat_mean") == "stat_mean"


# --- extraction -------------------------------------------------------------------------------


def test_variant_columns_and_records(phantom):
    img, msk = phantom
    cfg = {**STATS, "filters": [{"kind": "log", "sigma_mm": 3}, {"kind": "mean", "support": 3}]}
    res = extract(img, msk, cfg)
    assert res.variants == ("original", "log_sigma_3mm", "mean_3")
    assert "intensity_statistics_mean" in res.values
    assert "log_sigma_3mm_intensity_statistics_mean" in res.values
    assert "mean_3_intensity_statistics_variance" in res.values
    ibsi = extract(img, msk, cfg, naming="ibsi")
    assert {"stat_mean", "log_sigma_3mm_stat_mean", "mean_3_stat_mean"} <= set(ibsi.values)
    records = [r for r in ibsi.records if r.variant == "log_sigma_3mm"]
    assert len(records) == 18 and all(r.family == "intensity_statistics" for r in records)
    assert {r.tag for r in records} == {r.tag for r in ibsi.records if r.variant == "original"}
    assert ibsi.variant_history["log_sigma_3mm"][-1].name == "laplacian_of_gaussian"
    long = ibsi.to_long()
    assert set(long["variant"]) == {"original", "log_sigma_3mm", "mean_3"}


def test_variant_values_are_the_response_map_inside_the_roi(phantom):
    img, msk = phantom
    flt = MeanFilterSettings(support=3)
    res = extract(img, msk, {**STATS, "filters": [flt], "include_original": False}, naming="ibsi")
    assert res.variants == ("mean_3",)
    expected = apply_filter(img, flt).array[msk.array]
    assert res["mean_3_stat_mean"] == pytest.approx(expected.mean(), rel=1e-12)
    assert res["mean_3_stat_max"] == pytest.approx(expected.max(), rel=1e-12)


def test_response_map_roi_keeps_the_original_resegmentation(phantom):
    from radiome.preprocess.pipeline import prepare

    img, msk = phantom
    cfg = settings_from_dict({**STATS, "resegmentation": {"range": [20, 1000]},
                              "filters": [{"kind": "log", "sigma_mm": 2}],
                              "response_map_discretisation": {"method": "fbn", "n_bins": 8}})
    case = prepare(img, msk, cfg)
    response = apply_filter(case.image, cfg.filters[0])
    roi = response_map_roi(case, response, cfg)
    assert np.array_equal(roi.intensity_mask, case.roi.intensity_mask)
    assert np.array_equal(roi.morphology_mask, case.roi.morphology_mask)
    assert roi.resegmentation_range is None and roi.n_levels == 8
    assert roi.levels[roi.intensity_mask].min() == 1 and roi.levels[roi.intensity_mask].max() == 8
    # intensities in the intensity mask are the response map's, not the re-segmented HU
    assert roi.values.min() < 20
    assert response_map_settings(cfg).discretisation.n_bins == 8


def test_texture_and_histogram_families_on_response_maps(phantom):
    img, msk = phantom
    res = extract(img, msk, {
        **STATS, "filters": [{"kind": "log", "sigma_mm": 2}],
        "response_map_families": ["intensity_histogram", "glcm", "intensity_volume_histogram", "local_intensity"],
    }, naming="ibsi")
    for tag in ("log_sigma_2mm_ih_mean", "log_sigma_2mm_cm_joint_max_3D_avg", "log_sigma_2mm_ivh_auc",
                "log_sigma_2mm_loc_peak_glob"):
        assert tag in res.values and np.isfinite(res[tag])
    assert not any(k.startswith("log_sigma_2mm_morph") for k in res.values)


def test_inputs_unchanged_by_filtering(phantom):
    img, msk = phantom
    before_img, before_msk = img.array.copy(), msk.array.copy()
    res1 = extract(img, msk, {**STATS, "filters": [{"kind": "laws", "kernels": "L5E5E5", "energy_distance": 2}]})
    res2 = extract(img, msk, {**STATS, "filters": [{"kind": "laws", "kernels": "L5E5E5", "energy_distance": 2}]})
    assert np.array_equal(before_img, img.array) and np.array_equal(before_msk, msk.array)
    assert dict(res1.values) == dict(res2.values)


def test_variant_with_interpolation_filters_the_interpolated_image(phantom):
    img, msk = phantom
    res = extract(img, msk, {**STATS, "interpolation": {"spacing_xyz": [1.5, 1.5, 1.5]},
                             "filters": [{"kind": "mean", "support": 3}]})
    steps = [s.name for s in res.variant_history["mean_3"]]
    assert steps[-1] == "mean_filter" and len(steps) >= 2


# --- 2D / 3D ------------------------------------------------------------------------------------


def test_3d_filter_on_2d_image_raises(flat_2d):
    img, msk = flat_2d
    with pytest.raises(DimensionalityError, match="2D"):
        extract(img, msk, {**STATS, "filters": [{"kind": "log", "sigma_mm": 1, "dimensions": "3D"}]})
    with pytest.raises(DimensionalityError, match="two 1D kernels"):
        extract(img, msk, {**STATS, "filters": [{"kind": "laws", "kernels": "E5L5S5"}]})
    with pytest.raises(DimensionalityError):
        apply_filter(img, MeanFilterSettings(support=3, dimensions="3D"))
    with pytest.raises(DimensionalityError, match="riesz_order"):
        filter_for_image(LoGFilterSettings(sigma_mm=1, riesz_order=(1, 0, 0)), img)


def test_unset_dimensions_become_2d_on_2d_image(flat_2d):
    img, msk = flat_2d
    adapted = filter_for_image(LoGFilterSettings(sigma_mm=1), img)
    assert adapted.dimensions == "2D" and adapted.name == "log_sigma_1mm_2d"
    res = extract(img, msk, {**STATS, "filters": [{"kind": "log", "sigma_mm": 1}, {"kind": "laws", "kernels": "L5E5"}]},
                  naming="ibsi")
    assert "log_sigma_1mm_2d_stat_mean" in res.values and "laws_l5e5_stat_mean" in res.values
    with pytest.raises(ConfigError, match="same variant"):
        extract(img, msk, {**STATS, "filters": [{"kind": "log", "sigma_mm": 1},
                                                {"kind": "log", "sigma_mm": 1, "dimensions": "2D"}]})


def test_2d_filter_on_3d_image_filters_slice_by_slice(phantom):
    img, _ = phantom
    out = apply_filter(img, MeanFilterSettings(support=3, dimensions="2D", boundary="nearest")).array
    one = apply_filter(Image(img.array[5], spacing=img.spacing), MeanFilterSettings(support=3, dimensions="2D",
                                                                                    boundary="nearest")).array
    assert np.allclose(out[5], one[0])
