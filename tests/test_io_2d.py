"""2D raster images and masks: PNG, JPEG, TIFF; the BT.601 grey rule; pixel spacing."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image as PILImage

from radiome.errors import LabelError, MaskError, UnsupportedFormatError
from radiome.io import Image, Mask, load_case, read_image, read_mask, write_mask
from radiome.io.images2d import read_raster_image, rgb_to_grey


def _luma(rgb: np.ndarray) -> np.ndarray:
    """BT.601 luma written out independently of the library."""
    rgb = rgb.astype(np.float64)
    return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]


def _rgb(seed=0, shape=(4, 5)) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=shape + (3,), dtype=np.uint8)


@pytest.mark.parametrize("suffix", [".png", ".tif", ".bmp"])
def test_rgb_lossless_to_grey_by_bt601(tmp_path, suffix):
    rgb = _rgb()
    path = tmp_path / f"rgb{suffix}"
    PILImage.fromarray(rgb).save(path)
    img = read_image(path)
    assert img.is_2d and img.shape == (1, 4, 5)
    np.testing.assert_allclose(img.array[0], _luma(rgb), rtol=0, atol=1e-9)
    # one pixel by hand: pure red 255 -> 0.299 * 255
    assert rgb_to_grey(np.array([255, 0, 0])) == pytest.approx(76.245, abs=1e-12)
    assert "BT.601" in img.metadata["grey_conversion"]
    assert img.metadata["spacing_unit"] == "pixel" and img.spacing == (1.0, 1.0, 1.0)
    assert img.history[0].name == "read_image" and img.history[0].params["path"] == str(path)


def test_rgba_alpha_is_ignored(tmp_path):
    rgb = _rgb(1)
    alpha = np.random.default_rng(2).integers(0, 256, size=rgb.shape[:2] + (1,), dtype=np.uint8)
    PILImage.fromarray(np.concatenate([rgb, alpha], axis=-1), mode="RGBA").save(tmp_path / "a.png")
    np.testing.assert_allclose(read_image(tmp_path / "a.png").array[0], _luma(rgb), atol=1e-9)


def test_grey_stored_as_rgb_is_exact(tmp_path):
    g = np.random.default_rng(3).integers(0, 256, size=(6, 7), dtype=np.uint8)
    PILImage.fromarray(np.stack([g, g, g], -1)).save(tmp_path / "g.png")
    np.testing.assert_array_equal(read_image(tmp_path / "g.png").array[0], g)


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_grey_8_and_16_bit_kept(tmp_path, suffix):
    rng = np.random.default_rng(4)
    g8 = rng.integers(0, 256, size=(5, 6), dtype=np.uint8)
    g16 = rng.integers(0, 65536, size=(5, 6), dtype=np.uint16)
    PILImage.fromarray(g8).save(tmp_path / f"g8{suffix}")
    PILImage.fromarray(g16).save(tmp_path / f"g16{suffix}")
    i8, i16 = read_image(tmp_path / f"g8{suffix}"), read_image(tmp_path / f"g16{suffix}")
    np.testing.assert_array_equal(i8.array[0], g8)
    np.testing.assert_array_equal(i16.array[0], g16)
    assert i16.metadata["source_dtype"] == "uint16"
    assert "grey_conversion" not in i16.metadata


def test_16_bit_rgb_keeps_full_depth(tmp_path):
    sitk = pytest.importorskip("SimpleITK")
    tifffile = pytest.importorskip("tifffile")
    rgb16 = np.random.default_rng(5).integers(0, 65536, size=(4, 5, 3), dtype=np.uint16)
    sitk.WriteImage(sitk.GetImageFromArray(rgb16, isVector=True), str(tmp_path / "c.png"))
    tifffile.imwrite(tmp_path / "c.tif", rgb16, photometric="rgb")
    for name in ("c.png", "c.tif"):
        np.testing.assert_allclose(read_image(tmp_path / name).array[0], _luma(rgb16), atol=1e-7)


def test_jpeg_rgb_and_grey(tmp_path):
    rgb = _rgb(6, (16, 16))
    PILImage.fromarray(rgb).save(tmp_path / "c.jpg", quality=95)
    decoded = np.asarray(PILImage.open(tmp_path / "c.jpg").convert("RGB"))
    img = read_image(tmp_path / "c.jpg")
    np.testing.assert_allclose(img.array[0], _luma(decoded), atol=1e-9)
    assert img.metadata["format"] == "jpeg"
    g = np.random.default_rng(7).integers(0, 256, size=(16, 16), dtype=np.uint8)
    PILImage.fromarray(g).save(tmp_path / "g.jpeg", quality=95)
    grey = read_image(tmp_path / "g.jpeg")
    np.testing.assert_array_equal(grey.array[0], np.asarray(PILImage.open(tmp_path / "g.jpeg")))
    assert "grey_conversion" not in grey.metadata


def test_palette_png_image_and_mask(tmp_path):
    idx = np.array([[0, 1, 2], [2, 1, 0]], dtype=np.uint8)
    pal = PILImage.fromarray(idx, mode="L").convert("P")
    pal.putpalette([0, 0, 0, 200, 100, 50, 10, 20, 30] + [0] * (256 * 3 - 9))
    pal.save(tmp_path / "p.png")
    colours = np.array([[0, 0, 0], [200, 100, 50], [10, 20, 30]])
    np.testing.assert_allclose(read_image(tmp_path / "p.png").array[0], _luma(colours[idx]), atol=1e-9)
    with pytest.raises(LabelError, match=r"labels \[1, 2\]"):
        read_mask(tmp_path / "p.png")
    np.testing.assert_array_equal(read_mask(tmp_path / "p.png", label=2).array[0], idx == 2)


def test_tiff_resolution_in_cm_is_trusted_dpi_is_not(tmp_path):
    tifffile = pytest.importorskip("tifffile")
    g = np.zeros((4, 6), np.uint16)
    tifffile.imwrite(tmp_path / "cm.tif", g, resolution=(50.0, 40.0), resolutionunit="CENTIMETER")
    img = read_image(tmp_path / "cm.tif")
    assert img.metadata["spacing_unit"] == "mm"
    np.testing.assert_allclose(img.spacing, (1.0, 10 / 40.0, 10 / 50.0))  # (z, row, col)
    tifffile.imwrite(tmp_path / "ij.tif", g, imagej=True, resolution=(2.0, 2.0), metadata={"unit": "um"})
    np.testing.assert_allclose(read_image(tmp_path / "ij.tif").spacing, (1.0, 5e-4, 5e-4))
    PILImage.fromarray(np.zeros((4, 6), np.uint8)).save(tmp_path / "dpi.tif", dpi=(300, 300))
    dpi = read_image(tmp_path / "dpi.tif")
    assert dpi.spacing == (1.0, 1.0, 1.0) and dpi.metadata["spacing_unit"] == "pixel"
    assert dpi.metadata["file_dpi"] == (300.0, 300.0)
    given = read_raster_image(tmp_path / "dpi.tif", pixel_spacing=(0.2, 0.3))
    assert given.spacing == (1.0, 0.2, 0.3) and given.metadata["spacing_source"] == "pixel_spacing argument"


def test_tiff_min_is_white_is_inverted(tmp_path):
    tifffile = pytest.importorskip("tifffile")
    g = np.array([[0, 10], [200, 255]], np.uint8)
    tifffile.imwrite(tmp_path / "w.tif", g, photometric="miniswhite")
    np.testing.assert_array_equal(read_image(tmp_path / "w.tif").array[0], 255 - g)


def test_multi_page_tiff_is_refused(tmp_path):
    tifffile = pytest.importorskip("tifffile")
    tifffile.imwrite(tmp_path / "stack.tif", np.zeros((3, 4, 5), np.uint8), photometric="minisblack")
    with pytest.raises(UnsupportedFormatError, match="Save the page you need on its own"):
        read_image(tmp_path / "stack.tif")


def test_png_mask_0_255_and_load_case(tmp_path):
    g = np.random.default_rng(8).integers(0, 4096, size=(8, 9)).astype(np.uint16)
    PILImage.fromarray(g).save(tmp_path / "img.png")
    m = np.zeros((8, 9), np.uint8)
    m[2:5, 3:7] = 255
    PILImage.fromarray(m).save(tmp_path / "mask.png")
    mask = read_mask(tmp_path / "mask.png")
    assert mask.is_2d and mask.shape == (1, 8, 9) and mask.voxel_count == 12
    image, mask = load_case(tmp_path / "img.png", tmp_path / "mask.png")
    np.testing.assert_array_equal(mask.array[0], m == 255)
    assert image.is_2d and mask.same_grid(image)


def test_raster_mask_takes_reference_geometry(tmp_path):
    m = np.zeros((8, 9), np.uint8)
    m[1:3, 1:3] = 1
    PILImage.fromarray(m).save(tmp_path / "mask.png")
    ref = Image(np.zeros((8, 9)), spacing=(1.0, 0.14, 0.14), origin=(0.0, -3.0, 4.0), modality="CR")
    mask = read_mask(tmp_path / "mask.png", reference=ref)
    assert mask.same_grid(ref, tol=1e-12) and mask.metadata["geometry_from"] == "reference image"


def test_colour_and_jpeg_masks_are_refused(tmp_path):
    rgb = np.zeros((6, 6, 3), np.uint8)
    rgb[1:3, 1:3] = (255, 0, 0)
    PILImage.fromarray(rgb).save(tmp_path / "red.png")
    with pytest.raises(MaskError, match="Save the mask as greyscale"):
        read_mask(tmp_path / "red.png")
    m = np.zeros((32, 32), np.uint8)
    m[5:20, 7:25] = 255
    PILImage.fromarray(m).save(tmp_path / "m.jpg", quality=50)
    with pytest.raises(MaskError, match="Save masks as PNG"):
        read_mask(tmp_path / "m.jpg")


def test_write_2d_mask_png_round_trip(tmp_path):
    arr = np.random.default_rng(9).random((5, 7)) > 0.5
    mask = Mask(arr, name="lesion")
    back = read_mask(write_mask(mask, tmp_path / "out.png"))
    np.testing.assert_array_equal(back.array, mask.array)
    with pytest.raises(UnsupportedFormatError, match="PNG, TIFF and BMP hold one 2D slice"):
        write_mask(Mask(np.ones((2, 3, 4), bool)), tmp_path / "x.png")
