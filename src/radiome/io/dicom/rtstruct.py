"""DICOM RT Structure Set (RTSTRUCT) contours to a voxel :class:`~radiome.io.image.Mask`.

Why hand-written: pydicom reads the contour points but does not rasterise them, and the
rasterisation rules decide the mask that every feature depends on, so they are stated here.
Each closed planar contour (points in patient mm, LPS) is mapped to continuous voxel
indices of the reference image,

.. math:: \\mathbf{u} = \\mathrm{diag}(\\Delta)^{-1} D^{-1} (\\mathbf{p} - \\mathbf{o}),

must lie on one reference slice (:math:`|u_z - \\mathrm{round}(u_z)| \\le 0.1`), and is filled
by :func:`fill_polygon`: a pixel is inside when its centre is inside the polygon
(crossing-number test by vectorised scanlines; skimage's ``polygon2mask`` gives the same
pixels away from the boundary but costs pixels x vertices per contour, seconds for the
thousand-point contours of clinical structure sets). Contours on the same slice are
combined with the even-odd rule (exclusive or), so a contour inside another is a hole:

.. math:: M_k = \\bigoplus_{c \\,\\in\\, \\mathcal{C}_k} P_c

No IBSI code applies (IBSI 1 section 2.1 starts from a voxel mask).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from radiome.errors import (
    DicomError,
    EmptyMaskError,
    GeometryError,
    InputError,
    MaskOutsideImageError,
)
from radiome.io.dicom.series import _files, _quiet_pydicom, choose_name, physical_to_index, read_header
from radiome.io.image import Image, Mask

__all__ = ["list_rtstruct_rois", "read_rtstruct"]

#: Largest distance, in slices, between a contour plane and the nearest reference slice.
SLICE_TOLERANCE = 0.1
_CLOSED = ("CLOSED_PLANAR", "CLOSEDPLANAR_XOR")


def _find_rtstruct(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise InputError(f"RTSTRUCT path not found: {str(p)!r}")
    found = []
    for f in _files(p):
        ds = read_header(f)
        if ds is not None and str(ds.get("Modality", "")).upper() == "RTSTRUCT":
            found.append(f)
    if not found:
        raise DicomError(
            f"no RTSTRUCT file found at {p}; give the RTSTRUCT file (Modality RTSTRUCT) or a "
            "folder that holds one."
        )
    if len(found) > 1:
        raise DicomError(
            f"{len(found)} RTSTRUCT files found under {p} ("
            + ", ".join(f.name for f in found[:5])
            + "); pass the one you want as the path."
        )
    return found[0]


def _load(path: str | Path) -> tuple[Path, Any]:
    import pydicom

    f = _find_rtstruct(path)
    with _quiet_pydicom():
        return f, pydicom.dcmread(f)


def _rois(ds: Any) -> list[tuple[str, int, str]]:
    out = []
    for item in ds.get("StructureSetROISequence", []) or []:
        out.append(
            (
                str(item.get("ROIName", "")),
                int(item.ROINumber),
                str(item.get("ReferencedFrameOfReferenceUID", "")),
            )
        )
    return out


def list_rtstruct_rois(path: str | Path) -> list[str]:
    """Names of the ROIs in an RTSTRUCT file (or the single RTSTRUCT in a folder).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    list of str
        ROI Name (3006,0026) of every item of the Structure Set ROI Sequence, in file order.
    """
    _, ds = _load(path)
    return [name for name, _, _ in _rois(ds)]


def read_rtstruct(
    path: str | Path,
    reference: Image,
    roi_name: str | None = None,
    *,
    allow_outside: bool = False,
) -> Mask:
    """Rasterise one RTSTRUCT ROI onto the voxel grid of ``reference``.

    Parameters
    ----------
    path : str or Path
        The RTSTRUCT file, or a folder holding exactly one.
    reference : Image
        The image whose grid the mask takes (shape, spacing, origin, direction).
    roi_name : str, optional
        ROI to read: case-insensitive exact name, else a unique case-insensitive substring
        (``'GTV_Mass'`` finds ``'GTV_Mass_CT'``). Needed when the file holds several ROIs.
    allow_outside : bool
        When False (default), contour parts outside the reference image raise
        :class:`MaskOutsideImageError`; when True they are cropped away (noted in metadata).

    Returns
    -------
    Mask
        ``True`` inside the ROI, on the reference grid, ``name`` the ROI name.

    Raises
    ------
    LabelError
        Unknown name (the message lists the ROIs), or several ROIs and no name.
    DicomError
        ROI without closed contours, or contours not parallel to / not on reference slices.
    GeometryError
        The ROI's Frame of Reference differs from the reference image's.
    MaskOutsideImageError
        Contours outside the reference image (unless ``allow_outside``).
    EmptyMaskError
        The contours enclose no voxel centre.

    Notes
    -----
    A pixel is inside a polygon when its centre is; contours on one slice are combined by
    exclusive or (even-odd rule: holes). See the module docstring for the formula.
    """
    f, ds = _load(path)
    rois = _rois(ds)
    names = [n for n, _, _ in rois]
    idx = choose_name(
        names, roi_name, "ROI",
        hint="pass roi_name= (see radiome.io.dicom.list_rtstruct_rois)",
    )
    name, number, roi_for = rois[idx]
    ref_for = str(reference.metadata.get("frame_of_reference_uid", "") or "")
    if roi_for and ref_for and roi_for != ref_for:
        raise GeometryError(
            f"ROI {name!r} in {f.name} is defined in frame of reference {roi_for}, the reference "
            f"image in {ref_for}: the contours use another coordinate system. Use the image the "
            "structure set was drawn on, or register the images first."
        )
    contours = _contours(ds, number, name, f)
    mask, outside = _rasterise(contours, reference, name, allow_outside)
    if not mask.any():
        raise EmptyMaskError(
            f"ROI {name!r} in {f.name} covers no voxel centre of the reference grid "
            f"{reference.shape} (its contours are smaller than a voxel or lie between voxel "
            "centres); check the ROI, or use a finer reference image."
        )
    md = {
        "source": str(f),
        "format": "DICOM RTSTRUCT",
        "roi_name": name,
        "roi_number": number,
        "n_contours": len(contours),
        "frame_of_reference_uid": roi_for,
        "rasterisation": "pixel centre inside polygon; even-odd (XOR) per slice",
    }
    if outside:
        md["cropped_outside_image"] = outside
    return Mask(
        array=mask,
        spacing=reference.spacing,
        origin=reference.origin,
        direction=reference.direction,
        is_2d=reference.is_2d,
        name=name,
        metadata=md,
    )


def _contour_points(item: Any) -> np.ndarray:
    """Contour Data (3006,0050) as floats; parses the raw DS bytes when still unparsed.

    Building one pydicom DS object per coordinate dominates the reading time of large
    structure sets; the raw value is the same backslash-separated decimal text.
    """
    elem = item.get_item(0x30060050)
    if elem is None:
        return np.zeros(0)
    raw = getattr(elem, "value", None)
    if isinstance(raw, (bytes, bytearray)):
        try:
            return np.array(bytes(raw).strip(b" \x00").split(b"\\"), dtype=float)
        except ValueError:
            pass
    return np.asarray([float(v) for v in item.ContourData], dtype=float)


def _contours(ds: Any, number: int, name: str, f: Path) -> list[np.ndarray]:
    item = None
    for c in ds.get("ROIContourSequence", []) or []:
        if int(c.get("ReferencedROINumber", -1)) == number:
            item = c
            break
    if item is None or not item.get("ContourSequence", None):
        raise DicomError(f"ROI {name!r} (number {number}) in {f.name} has no contours.")
    out, kinds = [], set()
    for c in item.ContourSequence:
        kind = str(c.get("ContourGeometricType", "CLOSED_PLANAR")).upper()
        kinds.add(kind)
        if kind not in _CLOSED:
            continue
        pts = _contour_points(c)
        if pts.size % 3 or pts.size < 9:
            continue  # fewer than 3 points: no area
        out.append(pts.reshape(-1, 3))
    if not out:
        raise DicomError(
            f"ROI {name!r} in {f.name} has no closed planar contour (types found: "
            f"{', '.join(sorted(kinds))}); points and open curves enclose no volume."
        )
    return out


def fill_polygon(xy: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    r"""Pixels of a ``shape`` (rows, columns) grid whose centres lie inside a polygon.

    ``xy`` holds the vertices as continuous (column, row) indices; pixel ``(r, c)`` has its
    centre at ``(c, r)``. The crossing-number (even-odd) test with the half-open rule is
    evaluated by scanlines: an edge from :math:`(x_a, y_a)` to :math:`(x_b, y_b)` crosses row
    :math:`r` when :math:`\min(y_a, y_b) \le r < \max(y_a, y_b)`, at

    .. math:: x_r = x_a + (r - y_a) \frac{x_b - x_a}{y_b - y_a} ;

    with the crossings of a row sorted, :math:`x_{(0)} \le x_{(1)} \le \dots`, the
    centre :math:`(c, r)` is inside when :math:`x_{(2m)} \le c < x_{(2m+1)}` for some
    :math:`m`. A centre exactly on the boundary is inside on the polygon's low-column /
    low-row side and outside on its high side (half-open rule: polygons sharing an edge
    never share a pixel). Away from the boundary the result equals
    :func:`skimage.draw.polygon2mask`.
    Vectorised over edges and rows: cost grows with the number of crossings, not with
    pixels times vertices.
    """
    ny, nx = shape
    x0, y0 = xy[:, 0], xy[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    r_lo = np.clip(np.ceil(np.minimum(y0, y1)), 0, ny).astype(np.int64)
    r_hi = np.clip(np.ceil(np.maximum(y0, y1)), 0, ny).astype(np.int64)
    counts = np.maximum(r_hi - r_lo, 0)
    total = int(counts.sum())
    out = np.zeros((ny, nx), dtype=bool)
    if total == 0:
        return out
    edge = np.repeat(np.arange(len(x0)), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    rows = r_lo[edge] + (np.arange(total) - first)
    xa, ya, xb, yb = x0[edge], y0[edge], x1[edge], y1[edge]
    xs = xa + (rows - ya) * (xb - xa) / (yb - ya)
    order = np.lexsort((xs, rows))
    rows, xs = rows[order], xs[order]
    start = np.clip(np.ceil(xs[0::2]), 0, nx).astype(np.int64)
    stop = np.clip(np.ceil(xs[1::2]), 0, nx).astype(np.int64)
    keep = stop > start
    diff = np.zeros((ny, nx + 1), dtype=np.int32)
    np.add.at(diff, (rows[0::2][keep], start[keep]), 1)
    np.add.at(diff, (rows[0::2][keep], stop[keep]), -1)
    out[:] = np.cumsum(diff[:, :nx], axis=1) > 0
    return out


def _rasterise(
    contours: list[np.ndarray], reference: Image, name: str, allow_outside: bool
) -> tuple[np.ndarray, int]:
    nz, ny, nx = reference.shape
    mask = np.zeros((nz, ny, nx), dtype=bool)
    outside = 0
    for pts in contours:
        u = physical_to_index(pts, reference)  # (x, y, z) continuous indices
        kz = np.round(u[:, 2])
        off = np.abs(u[:, 2] - kz).max()
        if off > SLICE_TOLERANCE or np.ptp(kz) > 0:
            z_mm = pts[:, 2].mean()
            if np.ptp(u[:, 2]) > 2 * SLICE_TOLERANCE:
                raise DicomError(
                    f"a contour of ROI {name!r} (around z = {z_mm:.2f} mm) is not parallel to "
                    "the reference slices: it was drawn on an image with another orientation. "
                    "Use the image the structure set was drawn on as reference."
                )
            raise DicomError(
                f"a contour of ROI {name!r} at slice position {u[:, 2].mean():.3f} (index of the "
                f"reference grid, z = {z_mm:.2f} mm) falls between reference slices (tolerance "
                f"{SLICE_TOLERANCE} slice): the reference image is not the one the ROI was drawn "
                "on. Rasterise on the original image and resample the mask "
                "(radiome.preprocess.resample_to_reference)."
            )
        k = int(kz[0])
        lo, hi = u[:, :2].min(axis=0), u[:, :2].max(axis=0)
        beyond = k < 0 or k >= nz or lo[0] < -0.5 or lo[1] < -0.5 or hi[0] > nx - 0.5 or hi[1] > ny - 0.5
        if beyond:
            if not allow_outside:
                raise MaskOutsideImageError(
                    f"a contour of ROI {name!r} (slice index {k}, x {lo[0]:.1f}..{hi[0]:.1f}, "
                    f"y {lo[1]:.1f}..{hi[1]:.1f} voxels) lies outside the reference image "
                    f"(z, y, x) = {reference.shape}. Use a reference that covers the ROI, or "
                    "pass allow_outside=True to crop it."
                )
            outside += 1
            if k < 0 or k >= nz:
                continue
        mask[k] ^= fill_polygon(u[:, :2], (ny, nx))
    return mask, outside
