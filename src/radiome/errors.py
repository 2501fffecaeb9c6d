"""The radiome exception tree.

Every error that radiome raises on purpose derives from :class:`RadiomeError`, so a caller
can catch the whole family with one clause. Messages follow one rule: say what is wrong,
what was expected, what arrived, and what to do about it.

::

    RadiomeError
    ├── InputError                 a file or folder cannot be read as asked
    │   ├── DicomError             a DICOM series, RTSTRUCT or SEG is unusable
    │   │   ├── MissingSliceError  gaps or irregular spacing in a series
    │   │   └── SUVError           PET tags needed for SUV are missing or inconsistent
    │   ├── UnsupportedFormatError
    │   └── ManifestError          a study manifest is unusable
    ├── MaskError                  the region of interest is unusable
    │   ├── EmptyMaskError
    │   ├── LabelError             label absent, or several labels and none chosen
    │   └── MaskOutsideImageError
    ├── GeometryError              image and mask grids disagree
    ├── IntensityError             NaN/inf voxels inside the ROI and similar
    ├── ConfigError                an invalid or unknown setting
    │   ├── DimensionalityError    a 3D-only setting asked of a 2D image
    │   └── LeakageError           a data-dependent step asked to run outside the CV folds
    ├── FeatureError               a feature cannot be computed as requested
    └── DataError                  a feature / clinical table unusable for statistics
        └── ConvergenceError       a model fit did not converge
"""

from __future__ import annotations

__all__ = [
    "RadiomeError",
    "InputError",
    "DicomError",
    "MissingSliceError",
    "SUVError",
    "UnsupportedFormatError",
    "ManifestError",
    "MaskError",
    "EmptyMaskError",
    "LabelError",
    "MaskOutsideImageError",
    "GeometryError",
    "IntensityError",
    "ConfigError",
    "DimensionalityError",
    "FeatureError",
    "LeakageError",
    "DataError",
    "ConvergenceError",
]


class RadiomeError(Exception):
    """Base class of every error radiome raises deliberately."""


class InputError(RadiomeError):
    """A file, folder or value given as input cannot be used as asked."""


class DicomError(InputError):
    """A DICOM series, RTSTRUCT or SEG object is unusable."""


class MissingSliceError(DicomError):
    """A DICOM series has a gap or irregular slice spacing."""


class SUVError(DicomError):
    """PET tags needed to convert to SUV are missing or inconsistent."""


class UnsupportedFormatError(InputError):
    """The file format is not one radiome reads."""


class ManifestError(InputError):
    """A study manifest cannot be used: a missing column, a duplicate job, an empty case id..."""


class MaskError(RadiomeError):
    """The region of interest cannot be used."""


class EmptyMaskError(MaskError):
    """The mask (or the chosen label) contains no voxel."""


class LabelError(MaskError):
    """The requested label is absent, or the mask has several labels and none was chosen."""


class MaskOutsideImageError(MaskError):
    """The mask lies (partly) outside the image."""


class GeometryError(RadiomeError):
    """Image and mask are not on the same voxel grid."""


class IntensityError(RadiomeError):
    """Voxel intensities that features cannot use (NaN, infinite) inside the ROI."""


class ConfigError(RadiomeError):
    """An invalid or unknown setting."""


class DimensionalityError(ConfigError):
    """A setting that needs a 3D image was asked of a 2D image (or the reverse)."""


class FeatureError(RadiomeError):
    """A feature cannot be computed as requested."""


class LeakageError(ConfigError):
    """A data-dependent step (scaling, harmonisation, selection, tuning) was asked to see data
    outside the training folds of a validation design."""


class DataError(RadiomeError, ValueError):
    """A feature or clinical table cannot be used for statistics: missing or non-finite values,
    one outcome class only, mismatched lengths, a constant column where variation is needed.

    Also a :class:`ValueError`, as scikit-learn's estimator contract expects of bad data."""


class ConvergenceError(DataError):
    """A model fit did not converge (for example complete separation in logistic regression)."""
