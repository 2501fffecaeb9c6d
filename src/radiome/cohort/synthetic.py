"""A seeded synthetic demo cohort: CT-like lesions, two texture phenotypes, clinical data.

:func:`make_demo_cohort` writes a complete, self-describing study folder that radiome's cohort
tools read as they are (``radiome cohort extract SYNTH/manifest.csv ...``): one NIfTI image
and one NIfTI mask per case, a cohort manifest, a clinical table keyed by the same case ids,
a ``metadata.json`` data dictionary and a ``README.txt``. **Nothing in it is patient data**:
every voxel and every clinical value is drawn from a seeded random generator, and the data
are labelled synthetic everywhere (case ids ``SYNTH_001``..., the NIfTI ``descrip`` note
``radiome:modality=CT;synthetic=1``, a ``# synthetic=true`` comment line heading the
manifest, ``"synthetic": true`` in ``metadata.json``, the README).

What is simulated (per case; axis order ``(z, y, x)``, default 40 x 64 x 64 voxels of
2.5 x 0.8 x 0.8 mm, intensities in HU, stored as int16):

* **Background**: soft tissue (~40 HU) with smooth low-frequency variation and patches of fat
  (~ -90 HU) away from the centre.
* **Lesion**: a randomly oriented ellipsoid (semi-axes ~5-15 mm) whose surface is perturbed by
  a smooth random field (lobulated, irregular outline, bounded to -17/+25% of the radius),
  with a partial-volume edge, kept inside the field of view. The mask
  is the thresholded (largest connected) lesion.
* **Phenotypes**: a latent heterogeneity score :math:`h = \\delta\\,y + \\varepsilon`,
  :math:`\\varepsilon \\sim N(0, 1)`, with :math:`y` the binary outcome and :math:`\\delta` =
  ``effect_size``, drives, each with its own extra noise, the texture amplitude (SD ~8 to
  ~30 HU), the texture grain (correlation length ~0.8 to ~2.8 mm: fine to coarse), a
  necrotic low-density core (up to ~45 HU below the lesion) and, weakly, the lesion size.
  Outcome 1 lesions are thus on average heterogeneous, coarse and necrotic, outcome 0 lesions
  homogeneous and fine, with overlap: single texture statistics reach univariate AUCs of
  about 0.7-0.85 (not 1.0).
* **Noise**: correlated noise (white noise smoothed by a Gaussian, as a reconstruction kernel
  does) plus quantum-like white noise whose SD grows with attenuation.
* **Centres**: ``n_centres`` (1-3) scanners with intensity offsets (0, +10, -8 HU), noise
  levels (x1.0, x1.25, x0.85) and kernels (noise correlation x1.0, x0.8, x1.3): a batch
  effect for harmonisation demos, independent of the outcome.

Clinical table (``clinical.csv``): ``case_id, centre, age, sex, stage, ldh, outcome,
time_months, event, split``. The outcome is drawn first (exactly ``round(prevalence *
n_cases)`` positives); then, given the outcome, ``age`` (years; +4 for outcome 1, weakly
informative), ``stage`` (ordinal 1-4 cut from a latent normal shifted by 0.8 for outcome 1;
informative), ``ldh`` (lactate dehydrogenase, U/L, log-normal, log-mean +0.2 for outcome 1;
weakly informative) and ``sex`` (F/M, not informative); ``centre`` is not informative.
``age``, ``stage`` and ``ldh`` each miss about ``missing_fraction`` of values (completely at
random). ``time_months`` / ``event`` are a survival variant: exponential event times with
hazard ratio :math:`e^{0.9}` for outcome 1 and :math:`e^{0.35}` per stage, censored by an
administrative follow-up of 24-72 months. ``split`` is a seeded, outcome-stratified 2:1
``train`` / ``test`` assignment.

Why hand-written: no library generates CT-like radiomics phantoms with an outcome; the
maths (Gaussian filtering, connected components) is :mod:`scipy.ndimage`, the files are
written by SimpleITK. Generation is vectorised per case (whole-volume array operations, no
loop over voxels); 120 cases take a few seconds on one core.

References
----------
.. [1] Zwanenburg A, et al. The Image Biomarker Standardization Initiative. Radiology
   2020;295:328-338 (the texture features the phenotypes are meant to move).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import ndimage

from radiome.errors import ConfigError

__all__ = ["DemoCohort", "make_demo_cohort", "CLINICAL_COLUMNS"]

#: Columns of ``clinical.csv`` with their meaning (also written to ``metadata.json``).
CLINICAL_COLUMNS: dict[str, str] = {
    "case_id": "synthetic case identifier (SYNTH_###), the manifest's case_id",
    "centre": "synthetic scanner/centre (A, B, C): intensity offset and noise differ; not informative",
    "age": "age in years (weakly informative; some missing)",
    "sex": "F or M (not informative)",
    "stage": "ordinal stage 1-4 (informative; some missing)",
    "ldh": "lactate dehydrogenase in U/L, log-normal (weakly informative; some missing)",
    "outcome": "binary outcome 0/1 that the texture phenotype depends on",
    "time_months": "follow-up time in months (survival variant)",
    "event": "1 = event at time_months, 0 = censored (survival variant)",
    "split": "seeded outcome-stratified 2:1 train/test assignment",
}

MODALITY = "CT"
ROI = "lesion"
_CENTRES = ("A", "B", "C")
_CENTRE_OFFSET_HU = (0.0, 10.0, -8.0)
_CENTRE_NOISE = (1.0, 1.25, 0.85)
_CENTRE_KERNEL = (1.0, 0.8, 1.3)
_IMAGE_NOTE = "radiome:modality=CT;synthetic=1"
_REACH = 1.0 / (1.0 - 0.2) * 1.06  # furthest boundary / semi-axis: outline (tanh-bounded) x edge
_MASK_NOTE = "radiome:synthetic=1;roi=lesion"


@dataclass(frozen=True)
class DemoCohort:
    """The files of a synthetic demo cohort written by :func:`make_demo_cohort`.

    Attributes
    ----------
    out_dir : Path
        The cohort folder.
    case_ids : tuple of str
        ``SYNTH_001``, ``SYNTH_002``, ... in manifest order.
    images, masks : tuple of Path
        ``<out_dir>/<case>/CT_image.nii.gz`` and ``CT_mask.nii.gz`` per case (int16 HU, uint8).
    manifest : Path
        ``manifest.csv`` (radiome cohort manifest: modality ``CT``, ROI ``lesion``, carried
        columns ``centre`` and ``outcome``).
    clinical : Path
        ``clinical.csv``, one row per case (see :data:`CLINICAL_COLUMNS`).
    metadata : Path
        ``metadata.json``: ``"synthetic": true``, generator, seed, parameters, data dictionary.
    readme : Path
        ``README.txt``.
    seed : int
    """

    out_dir: Path
    case_ids: tuple[str, ...]
    images: tuple[Path, ...]
    masks: tuple[Path, ...]
    manifest: Path
    clinical: Path
    metadata: Path
    readme: Path
    seed: int

    def read_manifest(self) -> Any:
        """The manifest as a :class:`radiome.cohort.Manifest`."""
        from radiome.cohort.manifest import read_manifest

        return read_manifest(self.manifest)

    def read_clinical(self) -> Any:
        """The clinical table as a pandas DataFrame indexed by ``case_id``."""
        import pandas as pd

        return pd.read_csv(self.clinical, dtype={"case_id": str, "centre": str, "sex": str, "split": str}).set_index(
            "case_id"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (paths as strings)."""
        return {
            "out_dir": str(self.out_dir),
            "case_ids": list(self.case_ids),
            "images": [str(p) for p in self.images],
            "masks": [str(p) for p in self.masks],
            "manifest": str(self.manifest),
            "clinical": str(self.clinical),
            "metadata": str(self.metadata),
            "readme": str(self.readme),
            "seed": self.seed,
            "synthetic": True,
        }


# --------------------------------------------------------------------------- validation


def _check(n_cases: Any, seed: Any, prevalence: Any, n_centres: Any, shape: Any, spacing: Any,
           effect_size: Any, missing_fraction: Any) -> tuple[tuple[int, int, int], tuple[float, float, float]]:
    def integer(value: Any, name: str, low: int, high: int | None = None) -> None:
        ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= low
        if not ok or (high is not None and value > high):
            rng = f">= {low}" if high is None else f"in {low}..{high}"
            raise ConfigError(f"{name} must be an integer {rng}, got {value!r}.")

    integer(n_cases, "n_cases", 4)
    integer(seed, "seed", 0)
    integer(n_centres, "n_centres", 1, len(_CENTRES))
    if not isinstance(prevalence, (int, float)) or not 0.05 <= float(prevalence) <= 0.95:
        raise ConfigError(f"prevalence must be a number in [0.05, 0.95], got {prevalence!r}.")
    positives = round(float(prevalence) * n_cases)
    if positives < 2 or n_cases - positives < 2:
        raise ConfigError(
            f"n_cases={n_cases} with prevalence={prevalence} gives {positives} outcome-1 cases; each outcome "
            "needs at least 2: raise n_cases or move prevalence towards 0.5."
        )
    if not isinstance(effect_size, (int, float)) or not 0.0 <= float(effect_size) <= 5.0:
        raise ConfigError(f"effect_size must be a number in [0, 5] (SD units), got {effect_size!r}.")
    if not isinstance(missing_fraction, (int, float)) or not 0.0 <= float(missing_fraction) <= 0.5:
        raise ConfigError(f"missing_fraction must be a number in [0, 0.5], got {missing_fraction!r}.")
    try:
        shp = tuple(int(s) for s in shape)
        spc = tuple(float(s) for s in spacing)
    except (TypeError, ValueError):
        raise ConfigError(f"shape and spacing must be 3 numbers (z, y, x), got {shape!r} and {spacing!r}.") from None
    if len(shp) != 3 or len(spc) != 3 or min(shp) < 8 or min(spc) <= 0:
        raise ConfigError(
            f"shape must be 3 integers >= 8 and spacing 3 positive numbers (z, y, x in mm), got {shape!r} "
            f"and {spacing!r}."
        )
    extent = [n * s for n, s in zip(shp, spc)]
    if min(extent) < 40.0:
        raise ConfigError(
            f"the field of view {tuple(round(e, 1) for e in extent)} mm is too small for lesions of up to "
            "~35 mm; every axis needs shape x spacing >= 40 mm."
        )
    return shp, spc  # type: ignore[return-value]


# --------------------------------------------------------------------------- one case


def _unit_noise(rng: np.random.Generator, shape: tuple[int, ...], sigmas: list[tuple[float, ...]]) -> np.ndarray:
    """Independent white-noise fields smoothed by Gaussians of ``sigmas`` voxels, each with SD 1.

    One field per entry of ``sigmas``, stacked on axis 0. The filtering is done in the Fourier
    domain (periodic boundaries; transfer function :math:`e^{-2\\pi^2\\sigma^2 f^2}` per axis),
    whose cost does not grow with the width of the Gaussian.
    """
    from scipy import fft

    white = rng.standard_normal((len(sigmas), *shape), dtype=np.float32)
    spectrum = fft.rfftn(white, axes=(1, 2, 3))
    freqs = [np.fft.fftfreq(n) for n in shape[:-1]] + [np.fft.rfftfreq(shape[-1])]
    for k, sigma in enumerate(sigmas):
        fz, fy, fx = (np.exp(-2.0 * np.pi**2 * s**2 * f**2).astype(np.float32) for s, f in zip(sigma, freqs))
        spectrum[k] *= fz[:, None, None] * fy[None, :, None] * fx[None, None, :]
    fields = fft.irfftn(spectrum, s=shape, axes=(1, 2, 3)).astype(np.float64)
    fields -= fields.mean(axis=(1, 2, 3), keepdims=True)
    fields /= fields.std(axis=(1, 2, 3), keepdims=True) + 1e-12
    return fields


def _case_arrays(
    rng: np.random.Generator, shape: tuple[int, int, int], spacing: tuple[float, float, float],
    u: float, centre: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(int16 HU image, uint8 mask) of one case with phenotype ``u`` in (0, 1)."""
    sz, sy, sx = spacing
    nz, ny, nx = shape
    mm = np.array(spacing)
    # case parameters: lesion geometry (mm) and phenotype-driven texture, each with own noise
    jitter = rng.normal(0, [2.0, 3.0, 3.0])
    size = np.exp(np.clip(rng.normal(0.12 * (u - 0.5), 0.15), -0.35, 0.35))
    semi = rng.uniform([6.0, 7.0, 6.0], [11.0, 12.0, 11.0]) * size  # (z, y', x') semi-axes
    angle = rng.uniform(0, np.pi)
    # keep the lesion (outline perturbation and partial-volume edge included) 2 voxels inside
    half = np.array(shape) * mm / 2 - 2 * mm
    extent = _REACH * np.array([semi[0], semi[1:].max(), semi[1:].max()])
    semi = semi * min(1.0, float(np.min(half / extent)))
    allowed = np.maximum(half - extent * min(1.0, float(np.min(half / extent))), 0.0)
    centre_mm = (np.array(shape) - 1) / 2 * mm + np.clip(jitter, -allowed, allowed)
    amp = (8.0 + 22.0 * u) * np.exp(rng.normal(0, 0.15))  # texture SD, HU
    grain_mm = (0.8 + 2.0 * u) * np.exp(rng.normal(0, 0.15))  # texture correlation length
    base = rng.normal(55.0, 6.0)  # lesion HU
    depth = max(0.0, 55.0 * (u - 0.2) + rng.normal(0, 6.0))  # necrotic core, HU below base
    core_frac = float(np.clip(0.35 + 0.3 * u + rng.normal(0, 0.05), 0.2, 0.75))
    k = _CENTRE_KERNEL[centre]
    outline, slow, fat_field, texture, correlated = _unit_noise(rng, shape, [
        tuple(6.0 / mm),  # irregular outline, ~6 mm
        tuple(8.0 / mm),  # slow background variation
        tuple(6.0 / mm),  # fat patches
        tuple(grain_mm / mm),  # lesion texture
        (0.4 * k, 0.9 * k, 0.9 * k),  # reconstruction-kernel noise
    ])
    quantum = rng.standard_normal(shape, dtype=np.float32)

    c, s = np.cos(angle), np.sin(angle)
    z = (np.arange(nz) * sz - centre_mm[0])[:, None, None]
    y = (np.arange(ny) * sy - centre_mm[1])[None, :, None]
    x = (np.arange(nx) * sx - centre_mm[2])[None, None, :]
    rho = np.sqrt((z / semi[0]) ** 2 + ((c * y - s * x) / semi[1]) ** 2 + ((c * x + s * y) / semi[2]) ** 2)
    level = rho * (1.0 + (0.12 + 0.08 * u) * np.tanh(outline))  # <= 1 inside the lesion
    lesion = level <= 1.0
    labels, n = ndimage.label(lesion)
    if n > 1:  # keep the largest piece; islands go back to background
        sizes = np.bincount(labels.ravel())
        sizes[0] = 0
        lesion = labels == int(np.argmax(sizes))
    edge = np.clip((1.0 - level) / 0.12 + 0.5, 0.0, 1.0)  # partial-volume fraction
    edge = np.where(lesion | (level > 1.0), edge, 0.0)

    fat = 1.0 / (1.0 + np.exp(-(fat_field + 0.05 * (rho - 3.0) - 1.2) * 6.0))
    background = (40.0 + 6.0 * slow) * (1.0 - fat) + (-90.0 + 8.0 * slow) * fat
    core = 1.0 / (1.0 + np.exp((level - core_frac) / 0.06))
    lesion_hu = base + amp * texture - depth * core
    image = background * (1.0 - edge) + lesion_hu * edge + _CENTRE_OFFSET_HU[centre]
    noise = _CENTRE_NOISE[centre]
    image += 7.0 * noise * correlated
    image += 5.0 * noise * np.sqrt(np.clip(image + 1000.0, 1.0, None) / 1040.0) * quantum
    return np.round(image).astype(np.int16), lesion.astype(np.uint8)


def _write_nifti(array: np.ndarray, spacing: tuple[float, float, float], origin: tuple[float, float, float],
                 note: str, path: Path) -> None:
    import SimpleITK as sitk

    img = sitk.GetImageFromArray(array)
    img.SetSpacing(tuple(float(v) for v in spacing[::-1]))
    img.SetOrigin(tuple(float(v) for v in origin[::-1]))
    img.SetMetaData("ITK_FileNotes", note)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial.nii.gz")
    try:
        sitk.WriteImage(img, str(tmp), True)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


# --------------------------------------------------------------------------- cohort level


def _clinical(rng: np.random.Generator, n: int, prevalence: float, n_centres: int,
              missing_fraction: float) -> dict[str, np.ndarray]:
    positives = round(prevalence * n)
    outcome = rng.permutation(np.r_[np.ones(positives, int), np.zeros(n - positives, int)])
    centre = rng.integers(0, n_centres, size=n)
    age = np.clip(np.round(rng.normal(60.0 + 4.0 * outcome, 10.0)), 25, 90)
    sex = np.where(rng.random(n) < 0.45, "F", "M")
    stage = 1 + np.searchsorted(np.array([-0.6, 0.3, 1.1]), rng.normal(0.8 * outcome, 1.0))
    ldh = np.round(np.exp(rng.normal(np.log(220.0) + 0.2 * outcome, 0.35)), 1)
    # survival variant: exponential times, administrative + random censoring
    hazard = (np.log(2) / 36.0) * np.exp(0.9 * outcome + 0.35 * (stage - 2.5))
    t_event = rng.exponential(1.0 / hazard)
    t_censor = np.minimum(rng.uniform(24.0, 72.0, n), rng.exponential(200.0, n))
    time = np.round(np.maximum(np.minimum(t_event, t_censor), 0.1), 1)
    event = (t_event <= t_censor).astype(int)
    # outcome-stratified 2:1 split
    split = np.empty(n, dtype=object)
    for cls in (0, 1):
        idx = rng.permutation(np.flatnonzero(outcome == cls))
        n_test = int(round(len(idx) / 3))
        split[idx] = "train"
        split[idx[:n_test]] = "test"
    age_f, stage_f = age.astype(float), stage.astype(float)
    for values in (age_f, stage_f, ldh):
        values[rng.random(n) < missing_fraction] = np.nan
    return {
        "centre": np.array([_CENTRES[c] for c in centre]), "centre_index": centre, "age": age_f, "sex": sex,
        "stage": stage_f, "ldh": ldh, "outcome": outcome, "time_months": time, "event": event, "split": split,
    }


def _cell(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return ""
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value)


def _readme(n_cases: int, seed: int, prevalence: float, n_centres: int, shape: tuple[int, ...],
            spacing: tuple[float, ...]) -> str:
    return f"""SYNTHETIC DATA - NOT PATIENT DATA
=================================

This folder was generated by radiome.cohort.synthetic.make_demo_cohort(seed={seed}).
Every image, mask and clinical value is drawn from a seeded random generator; no
patient contributed anything. Use it for demos, tutorials and tests only; results
obtained on it say nothing about any disease.

Contents
  SYNTH_###/CT_image.nii.gz   CT-like image, int16 HU, {shape[0]}x{shape[1]}x{shape[2]} voxels (z, y, x)
                              of {spacing[0]} x {spacing[1]} x {spacing[2]} mm; NIfTI descrip "{_IMAGE_NOTE}"
  SYNTH_###/CT_mask.nii.gz    lesion mask (uint8 0/1), ROI "lesion"
  manifest.csv                radiome cohort manifest (modality CT, ROI lesion; carries centre, outcome)
  clinical.csv                one row per case: {", ".join(CLINICAL_COLUMNS)}
  metadata.json               generator, seed, parameters and data dictionary ("synthetic": true)

Simulated: {n_cases} cases, outcome prevalence {prevalence:g}, {n_centres} centre(s). Each lesion is an
irregular (perturbed) ellipsoid in soft tissue with correlated and quantum-like noise.
Outcome 1 lesions are on average heterogeneous and coarse with a necrotic low-density
core, outcome 0 lesions homogeneous and fine, with deliberate overlap (realistic AUCs,
not 1.0). Stage, age and LDH are informative to different degrees, sex and centre are
not; age, stage and LDH have a few values missing at random. time_months/event are a
survival variant. Centres differ by intensity offset and noise (harmonisation demo).

Extract features with:
  radiome cohort extract manifest.csv --preset ibsi1-config-c -o study/
"""


def make_demo_cohort(
    out_dir: str | os.PathLike[str],
    *,
    n_cases: int = 120,
    seed: int = 0,
    prevalence: float = 0.4,
    n_centres: int = 3,
    effect_size: float = 1.5,
    missing_fraction: float = 0.04,
    shape: tuple[int, int, int] = (40, 64, 64),
    spacing: tuple[float, float, float] = (2.5, 0.8, 0.8),
) -> DemoCohort:
    """Write a seeded synthetic cohort of CT-like lesions with a texture-linked outcome.

    The latent phenotype of case :math:`i` is

    .. math::

        h_i = \\delta\\, y_i + \\varepsilon_i, \\quad \\varepsilon_i \\sim N(0, 1), \\qquad
        u_i = \\frac{1}{1 + e^{-1.2\\,(h_i - \\delta/2)}} \\in (0, 1),

    and :math:`u_i` sets texture amplitude, grain, necrotic-core depth and (weakly) size, each
    with its own extra noise (see the module docstring). With noise-free measurements the
    best possible AUC of :math:`h` is :math:`\\Phi(\\delta/\\sqrt{2})` (0.86 for the default
    :math:`\\delta = 1.5`); measured texture features reach less.

    Parameters
    ----------
    out_dir : path
        Folder to write into (created; files of an earlier cohort with the same names are
        replaced, others are left alone).
    n_cases : int
        Number of cases (>= 4).
    seed : int
        Seed (>= 0); the same seed and parameters give byte-identical files.
    prevalence : float
        Fraction of outcome-1 cases; exactly ``round(prevalence * n_cases)`` are positive.
    n_centres : int
        1 to 3 synthetic centres (intensity offsets 0, +10, -8 HU; noise x1.0, x1.25, x0.85).
    effect_size : float
        :math:`\\delta`, the separation of the latent phenotype between outcomes in SD units
        (0: texture unrelated to the outcome).
    missing_fraction : float
        Probability that each of ``age``, ``stage``, ``ldh`` is missing in a case.
    shape : tuple of 3 int
        Image shape ``(z, y, x)``; shape x spacing must be >= 40 mm on every axis.
    spacing : tuple of 3 float
        Voxel size ``(z, y, x)`` in mm.

    Returns
    -------
    DemoCohort
        Paths of the images, masks, manifest, clinical table, metadata and README.

    Raises
    ------
    ConfigError
        A parameter out of range (the message names it).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     cohort = make_demo_cohort(folder, n_cases=6, seed=1)
    ...     print(cohort.case_ids[:2], cohort.read_clinical()["outcome"].sum())
    ('SYNTH_001', 'SYNTH_002') 2
    """
    shp, spc = _check(n_cases, seed, prevalence, n_centres, shape, spacing, effect_size, missing_fraction)
    out = Path(out_dir).expanduser().resolve()
    out.mkdir(parents=True, exist_ok=True)
    root = np.random.SeedSequence(int(seed))
    cohort_seq, *case_seqs = root.spawn(n_cases + 1)
    rng = np.random.default_rng(cohort_seq)
    clin = _clinical(rng, n_cases, float(prevalence), int(n_centres), float(missing_fraction))
    h = effect_size * clin["outcome"] + rng.standard_normal(n_cases)
    u = 1.0 / (1.0 + np.exp(-1.2 * (h - effect_size / 2.0)))

    width = max(3, len(str(n_cases)))
    case_ids = tuple(f"SYNTH_{i + 1:0{width}d}" for i in range(n_cases))
    origin = tuple(-(n - 1) / 2 * s for n, s in zip(shp, spc))
    images, masks = [], []
    for i, case in enumerate(case_ids):
        image, mask = _case_arrays(np.random.default_rng(case_seqs[i]), shp, spc, float(u[i]),
                                   int(clin["centre_index"][i]))
        ip, mp = out / case / f"{MODALITY}_image.nii.gz", out / case / f"{MODALITY}_mask.nii.gz"
        _write_nifti(image, spc, origin, _IMAGE_NOTE, ip)
        _write_nifti(mask, spc, origin, _MASK_NOTE, mp)
        images.append(ip)
        masks.append(mp)

    columns = list(CLINICAL_COLUMNS)
    rows = [",".join(columns)]
    for i, case in enumerate(case_ids):
        rows.append(",".join(case if c == "case_id" else _cell(clin[c][i]) for c in columns))
    clinical_path = out / "clinical.csv"
    clinical_path.write_text("\n".join(rows) + "\n", encoding="utf-8")

    manifest_rows = [
        f"# synthetic=true: generated by radiome.cohort.synthetic.make_demo_cohort(seed={seed}); not patient data",
        "case_id,modality,image,roi,mask,centre,outcome",
    ]
    for i, case in enumerate(case_ids):
        manifest_rows.append(
            f"{case},{MODALITY},{case}/{MODALITY}_image.nii.gz,{ROI},{case}/{MODALITY}_mask.nii.gz,"
            f"{clin['centre'][i]},{clin['outcome'][i]}"
        )
    manifest_path = out / "manifest.csv"
    manifest_path.write_text("\n".join(manifest_rows) + "\n", encoding="utf-8")

    from radiome import __version__

    params = {"n_cases": n_cases, "seed": seed, "prevalence": float(prevalence), "n_centres": n_centres,
              "effect_size": float(effect_size), "missing_fraction": float(missing_fraction),
              "shape_zyx": list(shp), "spacing_zyx_mm": list(spc)}
    meta = {
        "synthetic": True,
        "note": "Synthetic data generated from a seed; not patient data.",
        "generator": "radiome.cohort.synthetic.make_demo_cohort",
        "radiome_version": __version__,
        "parameters": params,
        "modality": MODALITY,
        "roi": ROI,
        "centres": {
            name: {"offset_hu": off, "noise_factor": nf, "kernel_factor": kf}
            for name, off, nf, kf in zip(_CENTRES[:n_centres], _CENTRE_OFFSET_HU, _CENTRE_NOISE, _CENTRE_KERNEL)
        },
        "columns": CLINICAL_COLUMNS,
        "prevalence_observed": float(np.mean(clin["outcome"])),
    }
    metadata_path = out / "metadata.json"
    metadata_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    readme_path = out / "README.txt"
    readme_path.write_text(_readme(n_cases, seed, float(prevalence), n_centres, shp, spc), encoding="utf-8")
    return DemoCohort(out, case_ids, tuple(images), tuple(masks), manifest_path, clinical_path, metadata_path,
                      readme_path, int(seed))
