"""DICOM input: image series (CT in HU, PET in SUV, MR, 2D projection images), RTSTRUCT
contours and DICOM SEG segmentations, on radiome's ``(z, y, x)`` grid conventions.

>>> from radiome.io.dicom import read_dicom_series, read_rtstruct   # doctest: +SKIP
>>> image = read_dicom_series("patient/CT")                          # doctest: +SKIP
>>> mask = read_rtstruct("patient/RS.dcm", reference=image, roi_name="GTV")  # doctest: +SKIP

DICOM SEG needs the optional extra ``pip install radiome[seg]`` (highdicom), imported only
when :func:`read_seg` is called.
"""

from radiome.io.dicom.rtstruct import list_rtstruct_rois, read_rtstruct
from radiome.io.dicom.seg import list_seg_segments, read_seg
from radiome.io.dicom.series import SeriesInfo, dicom_kind, list_series, read_dicom_series
from radiome.io.dicom.suv import suv_factor

__all__ = [
    "SeriesInfo",
    "list_series",
    "read_dicom_series",
    "dicom_kind",
    "suv_factor",
    "list_rtstruct_rois",
    "read_rtstruct",
    "read_seg",
    "list_seg_segments",
]
