"""TRIPOD+AI and Radiomics Quality Score (RQS) checklist, filled in from what a run did.

A study run knows some things for certain (how many cases and events, which design, whether
calibration and decision curves were reported, the software versions) and cannot know others
(whether the study was prospective, whether the images are public, how the scans were
acquired). :func:`build_checklist` turns the run's ``facts`` (the ``"facts"`` object of
``results.json``) into one row per checklist item with a status:

``"done"``
    the run did or reported it; ``evidence`` says what and where.
``"not done"``
    a fact known to the run shows it was not done (no calibration, no validation set, an
    events-per-variable ratio below 10, ...).
``"for the author"``
    the run cannot know it; the author must report it (a missing fact means "not known").

Items are paraphrased briefly from the two guidelines; read the originals when filling in the
items marked for the author. RQS points (:func:`rqs_score`) are only those the run can
justify; an RQS total is a judgement of the whole study, not of the software.

Sample size rule: TRIPOD+AI item 10 is ``"done"`` when the events per variable (EPV, the
smaller outcome class divided by the predictors entering the final model) is at least 10,
``"not done"`` below 10 (too few cases for a trustworthy model), and in both cases the
evidence gives the numbers, including EPV relative to the candidate features screened. A
formal sample size calculation (Riley et al. 2020) remains the author's.

References
----------
Collins GS, Moons KGM, Dhiman P, et al. (2024). TRIPOD+AI statement: updated guidance for
reporting clinical prediction models that use regression or machine learning methods. *BMJ*
385:e078378.

Lambin P, Leijenaar RTH, Deist TM, et al. (2017). Radiomics: the bridge between medical
imaging and personalized medicine. *Nat Rev Clin Oncol* 14:749-762 (the RQS, 16 items,
-8 to 36 points).

Riley RD, Ensor J, Snell KIE, et al. (2020). Calculating the sample size required for
developing a clinical prediction model. *BMJ* 368:m441.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from radiome.errors import DataError

__all__ = [
    "STATUSES",
    "FACT_KEYS",
    "Decision",
    "ChecklistItem",
    "ITEMS",
    "RQSScore",
    "build_checklist",
    "rqs_score",
    "events_per_variable",
]

DONE, NOT_DONE, AUTHOR = "done", "not done", "for the author"
#: The three statuses, in display order.
STATUSES: tuple[str, ...] = (DONE, NOT_DONE, AUTHOR)

#: Facts the checklist reads (missing key, ``None`` or ``"unknown"``: not known).
FACT_KEYS: dict[str, str] = {
    "n_cases": "cases analysed",
    "n_events": "cases with the event (binary: outcome 1; survival: events)",
    "n_non_events": "cases without the event",
    "n_candidate_features": "features screened before selection",
    "n_selected_features": "features entering the final model",
    "events_per_variable": "limiting outcome class / predictors entering the final model",
    "design": "validation design in words (split 2:1 seed 0, 5x2 CV, external by centre...)",
    "has_test_set": "a held-out test set from the same source",
    "has_external_validation": "validation on data from another centre/source",
    "n_external_sets": "number of external validation sets (distinct centres)",
    "has_cv": "cross-validation or bootstrap resampling for internal validation",
    "resampling": "resampling used for performance uncertainty (bootstrap/CV), bool",
    "calibration_reported": "calibration plot + statistic reported",
    "dca_reported": "decision curve analysis reported",
    "discrimination_ci_reported": "AUC/C-index with 95% CI reported",
    "threshold_metrics_reported": "sensitivity/specificity at a stated threshold reported",
    "cutoff_analysis": "risk groups from a cut-off (median, Youden, published) reported",
    "table1_reported": "Table 1 by set and outcome reported",
    "model_specification_reported": "full model (formula / coefficients / nomogram) reported",
    "non_radiomics_features": "clinical (non-radiomic) predictors in a multivariable model",
    "comparison_with_clinical": "radiomic model compared with a clinical model (DeLong)",
    "feature_reproducibility_assessed": "feature robustness assessed (ICC)",
    "harmonisation_applied": "ComBat or other harmonisation applied (name or bool)",
    "multiple_segmentation": "several segmentations (readers/algorithms) used",
    "missing_data_rule": "declared rule for missing data/modalities",
    "n_cases_excluded": "cases excluded by the missing-data rule or failed extraction",
    "software_versions": "versions recorded (dict or bool)",
    "seed": "random seed",
    "feature_config_hash": "hash of the extraction settings",
    "outcome": "outcome name",
    "outcome_type": "binary or survival",
    "n_centres": "number of centres in the data",
    "class_imbalance_method": "how imbalance was handled ('none' when not)",
    "open_data": "images/segmentations/features publicly available",
    "open_code": "analysis code/study file publicly available",
    "prospective": "prospective design registered in a trial database",
    "image_protocol_reported": "acquisition protocol documented",
    "public_protocol": "a public acquisition protocol was used",
    "phantom_study": "phantom study on all scanners",
    "multiple_time_points": "imaging at several time points (test-retest)",
    "segmentation_method": "how the regions of interest were drawn",
    "synthetic_data": "the data are synthetic (demo)",
}

_UNKNOWN_STRINGS = {"", "unknown", "not known", "none given", "n/a", "na", "?"}


def _get(facts: Mapping[str, Any], key: str) -> Any:
    """A fact's value, or None when missing / null / NaN / 'unknown'."""
    value = facts.get(key)
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and value.strip().lower() in _UNKNOWN_STRINGS:
        return None
    return value


def _flag(facts: Mapping[str, Any], key: str) -> bool | None:
    """A yes/no fact: True, False, or None (not known). Non-empty strings/dicts count as yes."""
    value = _get(facts, key)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    if isinstance(value, str):
        low = value.strip().lower()
        if low in {"false", "no", "none", "0", "not applied", "off"}:
            return False
        return True
    if isinstance(value, (dict, list, tuple)):
        return len(value) > 0
    return True


def _num(facts: Mapping[str, Any], key: str) -> float | None:
    value = _get(facts, key)
    if value is None or isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _int_text(x: float | None) -> str:
    return "?" if x is None else (f"{int(x)}" if float(x).is_integer() else f"{x:g}")


def events_per_variable(facts: Mapping[str, Any]) -> float | None:
    """EPV: ``facts['events_per_variable']`` if given, else limiting class / selected features.

    .. math:: \\mathrm{EPV} = \\frac{\\min(n_\\text{events}, n_\\text{non-events})}{p}

    with :math:`p` the predictors entering the final model; None when it cannot be computed.
    """
    given = _num(facts, "events_per_variable")
    if given is not None:
        return given
    events = _num(facts, "n_events")
    p = _num(facts, "n_selected_features")
    if events is None or not p:
        return None
    non = _num(facts, "n_non_events")
    if non is None and _num(facts, "n_cases") is not None and _get(facts, "outcome_type") != "survival":
        non = _num(facts, "n_cases") - events
    limiting = min(events, non) if non is not None else events
    return limiting / p


# ------------------------------------------------------------------------ data model


@dataclass(frozen=True)
class Decision:
    """The status of one item for one run.

    Attributes
    ----------
    status : str
        One of :data:`STATUSES`.
    evidence : str
        Why: the facts used, or what the author must supply.
    points : int or None
        RQS points the run justifies (None for TRIPOD+AI items).
    """

    status: str
    evidence: str
    points: int | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise DataError(f"status must be one of {STATUSES}; got {self.status!r}.")


@dataclass(frozen=True)
class ChecklistItem:
    """One checklist item.

    Attributes
    ----------
    id : str
        Item number in its guideline ("10", "12e"; RQS "1".."16").
    source : str
        ``"TRIPOD-AI"`` or ``"RQS"``.
    text : str
        A brief paraphrase of what the item asks.
    decide : callable
        ``decide(facts) -> Decision``: how the status is decided from the run's facts.
    min_points, max_points : int
        RQS point range of the item (0, 0 for TRIPOD+AI items).
    """

    id: str
    source: str
    text: str
    decide: Callable[[Mapping[str, Any]], Decision] = field(repr=False)
    min_points: int = 0
    max_points: int = 0

    @property
    def label(self) -> str:
        """``"<id> <text>"``, the ``item`` column of the checklist table."""
        return f"{self.id} {self.text}"


def _author(why: str = "") -> Callable[[Mapping[str, Any]], Decision]:
    def decide(facts: Mapping[str, Any]) -> Decision:
        return Decision(AUTHOR, why or "The run cannot know this; report it in the manuscript.")
    return decide


def _author_with(key: str, template: str, default: str = "") -> Callable[[Mapping[str, Any]], Decision]:
    """For the author, but quote a fact the run has (e.g. the number of centres)."""
    def decide(facts: Mapping[str, Any]) -> Decision:
        value = _get(facts, key)
        if value is None:
            return Decision(AUTHOR, default or "The run cannot know this; report it in the manuscript.")
        return Decision(AUTHOR, template.format(value=value))
    return decide


# ------------------------------------------------------------------- TRIPOD+AI rules


def _t5a(f: Mapping[str, Any]) -> Decision:
    if _flag(f, "synthetic_data"):
        return Decision(AUTHOR, "SYNTHETIC DATA generated by radiome (seeded); not a real cohort, "
                                "so no clinical conclusion can be drawn.")
    return Decision(AUTHOR, "Describe where the data come from (cohort, registry, trial) and why.")


def _t7(f: Mapping[str, Any]) -> Decision:
    parts = []
    if _get(f, "feature_config_hash") is not None:
        parts.append(f"extraction settings saved with hash {_get(f, 'feature_config_hash')}")
    harm = _get(f, "harmonisation_applied")
    if harm is not None:
        parts.append("harmonisation: " + (str(harm) if not isinstance(harm, bool) else ("applied" if harm else "none")))
    if _get(f, "missing_data_rule") is not None:
        parts.append(f"missing data: {_get(f, 'missing_data_rule')}")
    if not parts:
        return Decision(AUTHOR, "Describe preprocessing, quality control and harmonisation.")
    return Decision(DONE, "; ".join(parts) + " (study.yaml, record.json).")


def _t8a(f: Mapping[str, Any]) -> Decision:
    outcome = _get(f, "outcome")
    kind = _get(f, "outcome_type")
    if outcome is None:
        return Decision(AUTHOR, "Define the outcome, how and when it was assessed.")
    return Decision(AUTHOR, f"Outcome column '{outcome}'" + (f" ({kind})" if kind else "")
                    + "; the author must say how and when it was assessed.")


def _t9a(f: Mapping[str, Any]) -> Decision:
    n = _num(f, "n_candidate_features")
    seg = _get(f, "segmentation_method")
    text = "Segmentation method: " + (str(seg) if seg else "not known to the run (author).")
    if n is None:
        return Decision(AUTHOR, "Define all predictors and how they were measured. " + text)
    return Decision(DONE, f"{_int_text(n)} radiomic features from the saved extraction settings "
                          f"(IBSI names); clinical predictors named in study.yaml. {text}")


def _t10(f: Mapping[str, Any]) -> Decision:
    n = _num(f, "n_cases")
    events = _num(f, "n_events")
    if n is None or events is None:
        return Decision(AUTHOR, "Explain how the study size was arrived at (sample size calculation).")
    epv = events_per_variable(f)
    non = _num(f, "n_non_events")
    text = f"n = {_int_text(n)} cases, {_int_text(events)} events"
    if non is not None:
        text += f", {_int_text(non)} non-events"
    cand = _num(f, "n_candidate_features")
    if epv is None:
        return Decision(AUTHOR, text + "; events per variable unknown. Justify the study size.")
    text += f"; {epv:.1f} events per variable in the final model"
    if cand:
        limiting = min(events, non) if non is not None else events
        text += f" ({limiting / cand:.2g} per candidate feature of {_int_text(cand)})"
    if epv < 10:
        return Decision(NOT_DONE, text + ". Fewer than 10 events per variable: too few cases for a "
                                         "trustworthy model (high risk of overfitting); treat the "
                                         "results as exploratory and justify the sample size.")
    return Decision(DONE, text + ". A formal sample size calculation (Riley et al. 2020) is the author's.")


def _t11(f: Mapping[str, Any]) -> Decision:
    rule = _get(f, "missing_data_rule")
    if rule is None:
        return Decision(AUTHOR, "Describe how missing data were handled.")
    excl = _num(f, "n_cases_excluded")
    tail = f"; {_int_text(excl)} cases excluded or touched" if excl is not None else ""
    return Decision(DONE, f"Rule: {rule}{tail} (record.json 'missing_data' lists each case).")


def _t12a(f: Mapping[str, Any]) -> Decision:
    design = _get(f, "design")
    if design is None:
        return Decision(AUTHOR, "Describe how the data were used for development and evaluation.")
    return Decision(DONE, f"Design: {design}. Selection and model fitting on the training data only.")


def _t12b(f: Mapping[str, Any]) -> Decision:
    n = _num(f, "n_selected_features")
    cand = _num(f, "n_candidate_features")
    if n is None:
        return Decision(AUTHOR, "Describe predictor handling (scaling, transformation, selection).")
    return Decision(DONE, f"Selection inside the training data kept {_int_text(n)} of "
                          f"{_int_text(cand)} candidate features (see Feature selection, Methods).")


def _t12c(f: Mapping[str, Any]) -> Decision:
    design = _get(f, "design")
    models = _get(f, "models")
    if design is None and models is None:
        return Decision(AUTHOR, "Describe the model type, building, tuning and internal validation.")
    names = ", ".join(map(str, models)) if isinstance(models, (list, tuple)) else (models or "see Methods")
    seed = _get(f, "seed")
    return Decision(DONE, f"Models: {names}; design: {design or 'see Methods'}"
                          + (f"; seed {seed}" if seed is not None else "") + " (Methods, study.yaml).")


def _t12d(f: Mapping[str, Any]) -> Decision:
    centres = _num(f, "n_centres")
    if centres is not None and centres > 1:
        return Decision(AUTHOR, f"{_int_text(centres)} centres in the data: describe heterogeneity "
                                "across centres and how it was handled.")
    return Decision(AUTHOR, "Describe any clustering (centres, scanners) and how it was handled.")


def _t12e(f: Mapping[str, Any]) -> Decision:
    disc = _flag(f, "discrimination_ci_reported")
    cal = _flag(f, "calibration_reported")
    dca = _flag(f, "dca_reported")
    if disc is None and cal is None:
        return Decision(AUTHOR, "Specify the performance measures (discrimination, calibration, utility).")
    got = [name for name, v in (("discrimination with 95% CI", disc), ("calibration", cal),
                                ("decision curves", dca)) if v]
    missing = [name for name, v in (("discrimination with 95% CI", disc), ("calibration", cal)) if v is False]
    if missing:
        reported = "; reported: " + ", ".join(got) if got else ""
        return Decision(NOT_DONE, "Missing: " + ", ".join(missing) + reported + ".")
    return Decision(DONE, "Reported: " + ", ".join(got) + ".")


def _t12g(f: Mapping[str, Any]) -> Decision:
    ext = _flag(f, "has_external_validation")
    if ext:
        return Decision(DONE, "External set scored with the frozen saved model (no refitting).")
    if ext is False:
        return Decision(NOT_DONE, "No external validation in this run: development with internal "
                                  "validation only.")
    return Decision(AUTHOR, "For external validation, describe how predictions were computed.")


def _t13(f: Mapping[str, Any]) -> Decision:
    events, n = _num(f, "n_events"), _num(f, "n_cases")
    method = _get(f, "class_imbalance_method")
    if events is None or n is None or not n:
        return Decision(AUTHOR, "Report the outcome prevalence and any imbalance handling.")
    text = f"{_int_text(events)}/{_int_text(n)} events ({100 * events / n:.1f}%)"
    if method is None:
        return Decision(AUTHOR, text + "; state how class imbalance was handled (or that it was not).")
    return Decision(DONE, f"{text}; imbalance handling: {method}.")


def _t15(f: Mapping[str, Any]) -> Decision:
    if _flag(f, "threshold_metrics_reported"):
        return Decision(DONE, "Predicted probabilities; sensitivity, specificity and Youden index at "
                              "the reported thresholds.")
    return Decision(AUTHOR, "Describe the model output (risk, score) and any decision thresholds.")


def _t16(f: Mapping[str, Any]) -> Decision:
    test, ext = _flag(f, "has_test_set"), _flag(f, "has_external_validation")
    t1 = _flag(f, "table1_reported")
    if (test or ext) and t1:
        return Decision(DONE, "Table 1 compares the training and evaluation sets (p-values).")
    if test is False and ext is False:
        return Decision(NOT_DONE, "No separate evaluation set to compare with the training data.")
    return Decision(AUTHOR, "Identify differences between development and evaluation data.")


def _t18e(f: Mapping[str, Any]) -> Decision:
    flag = _flag(f, "open_data")
    if flag:
        return Decision(DONE, f"Data availability: {_get(f, 'open_data')}.")
    if flag is False:
        return Decision(NOT_DONE, "Data not publicly available: give an availability statement.")
    if _flag(f, "synthetic_data"):
        return Decision(AUTHOR, "Synthetic demo data: regenerate with `radiome demo` (seeded).")
    return Decision(AUTHOR, "State where and how the data can be accessed.")


def _t18f(f: Mapping[str, Any]) -> Decision:
    if _flag(f, "open_code"):
        return Decision(DONE, f"Code availability: {_get(f, 'open_code')}.")
    versions = _get(f, "software_versions")
    if versions is not None:
        return Decision(AUTHOR, "radiome is open source; versions, seed and the resolved study.yaml "
                                "are recorded (record.json): share them with the manuscript.")
    return Decision(AUTHOR, "State where the analysis code can be accessed.")


def _t20a(f: Mapping[str, Any]) -> Decision:
    n = _num(f, "n_cases")
    if n is None:
        return Decision(AUTHOR, "Describe the flow of participants (inclusion, exclusion, follow-up).")
    excl = _num(f, "n_cases_excluded")
    tail = f"; {_int_text(excl)} excluded (record.json)" if excl is not None else ""
    return Decision(DONE, f"{_int_text(n)} cases analysed{tail}. A flow diagram is the author's.")


def _t20b(f: Mapping[str, Any]) -> Decision:
    t1 = _flag(f, "table1_reported")
    if t1:
        return Decision(DONE, "Table 1: characteristics overall, by set and by outcome, with missing data.")
    if t1 is False:
        return Decision(NOT_DONE, "No Table 1 of participant characteristics.")
    return Decision(AUTHOR, "Report participant characteristics, including missing data.")


def _t21(f: Mapping[str, Any]) -> Decision:
    n, events = _num(f, "n_cases"), _num(f, "n_events")
    if n is None or events is None:
        return Decision(AUTHOR, "Give the number of participants and events in each analysis.")
    parts = [f"{_int_text(n)} cases, {_int_text(events)} events overall"]
    for key, name in (("n_train", "training"), ("n_test", "test")):
        if _num(f, key) is not None:
            parts.append(f"{_int_text(_num(f, key))} {name}")
    return Decision(DONE, "; ".join(parts) + " (Summary, Table 1).")


def _t22(f: Mapping[str, Any]) -> Decision:
    spec = _flag(f, "model_specification_reported")
    if spec:
        return Decision(DONE, "Rad-score formula, model coefficients and nomogram reported; fitted "
                              "models saved in models/ for `radiome study predict`.")
    if spec is False:
        return Decision(NOT_DONE, "The full model is not reported.")
    return Decision(AUTHOR, "Give the full model (coefficients or code) so that others can use it.")


def _t23a(f: Mapping[str, Any]) -> Decision:
    disc = _flag(f, "discrimination_ci_reported")
    cal = _flag(f, "calibration_reported")
    if disc and cal:
        return Decision(DONE, "AUC (or C-index) with 95% CI and calibration per model and set.")
    if disc is False or cal is False:
        lacking = [n for n, v in (("confidence intervals", disc), ("calibration", cal)) if v is False]
        return Decision(NOT_DONE, "Performance reported without " + " and ".join(lacking) + ".")
    return Decision(AUTHOR, "Report performance estimates with confidence intervals.")


def _t26(f: Mapping[str, Any]) -> Decision:
    notes = []
    epv = events_per_variable(f)
    if epv is not None and epv < 10:
        notes.append(f"only {epv:.1f} events per variable")
    if _flag(f, "has_external_validation") is False:
        notes.append("no external validation")
    if _flag(f, "synthetic_data"):
        notes.append("synthetic data")
    n = _num(f, "n_cases")
    if n is not None and n < 100:
        notes.append(f"small sample (n = {_int_text(n)})")
    if not notes:
        return Decision(AUTHOR, "Discuss limitations (bias, generalisability, sample size).")
    return Decision(AUTHOR, "Limitations the run found: " + "; ".join(notes) + ". Discuss them and any others.")


TRIPOD = "TRIPOD-AI"
RQS = "RQS"

_TRIPOD_ITEMS: tuple[ChecklistItem, ...] = (
    ChecklistItem("1", TRIPOD, "Title: prediction model study, population, outcome", _author()),
    ChecklistItem("2", TRIPOD, "Abstract: structured per TRIPOD+AI for Abstracts", _author()),
    ChecklistItem("3a", TRIPOD, "Background: healthcare context and rationale", _author()),
    ChecklistItem("3b", TRIPOD, "Target population, place in care pathway, intended users", _author()),
    ChecklistItem("3c", TRIPOD, "Known health inequalities between groups", _author()),
    ChecklistItem("4", TRIPOD, "Objectives: development, evaluation or both", _author()),
    ChecklistItem("5a", TRIPOD, "Data sources and their representativeness", _t5a),
    ChecklistItem("5b", TRIPOD, "Dates of accrual and end of follow-up", _author()),
    ChecklistItem("6a", TRIPOD, "Setting and number/location of centres",
                  _author_with("n_centres", "{value} centre(s) in the data; describe the setting.")),
    ChecklistItem("6b", TRIPOD, "Eligibility criteria", _author_with(
        "n_cases_excluded", "{value} case(s) excluded by the run's rules (record.json); state the "
        "eligibility criteria.")),
    ChecklistItem("6c", TRIPOD, "Treatments received, if relevant", _author()),
    ChecklistItem("7", TRIPOD, "Data preparation: preprocessing, quality checks, harmonisation", _t7),
    ChecklistItem("8a", TRIPOD, "Outcome definition, how and when assessed", _t8a),
    ChecklistItem("8b", TRIPOD, "Qualifications of outcome assessors, blinding", _author()),
    ChecklistItem("9a", TRIPOD, "Predictors defined, how and when measured", _t9a),
    ChecklistItem("9b", TRIPOD, "Qualifications of predictor assessors, blinding", _author()),
    ChecklistItem("10", TRIPOD, "Sample size: how the study size was reached (events per variable)", _t10),
    ChecklistItem("11", TRIPOD, "Missing data and how they were handled", _t11),
    ChecklistItem("12a", TRIPOD, "Use of the data for development and evaluation", _t12a),
    ChecklistItem("12b", TRIPOD, "Handling of predictors (transformation, selection)", _t12b),
    ChecklistItem("12c", TRIPOD, "Model type, building, tuning, internal validation", _t12c),
    ChecklistItem("12d", TRIPOD, "Heterogeneity across clusters (centres)", _t12d),
    ChecklistItem("12e", TRIPOD, "Performance measures, with rationale", _t12e),
    ChecklistItem("12f", TRIPOD, "Model updating or recalibration, if done", _author()),
    ChecklistItem("12g", TRIPOD, "External evaluation: how predictions were calculated", _t12g),
    ChecklistItem("13", TRIPOD, "Class imbalance and how it was handled", _t13),
    ChecklistItem("14", TRIPOD, "Fairness: methods to assess it across groups", _author()),
    ChecklistItem("15", TRIPOD, "Model output and any decision thresholds", _t15),
    ChecklistItem("16", TRIPOD, "Differences between development and evaluation data", _t16),
    ChecklistItem("17", TRIPOD, "Ethics approval and consent", _author()),
    ChecklistItem("18a", TRIPOD, "Funding", _author()),
    ChecklistItem("18b", TRIPOD, "Conflicts of interest", _author()),
    ChecklistItem("18c", TRIPOD, "Protocol availability", _author()),
    ChecklistItem("18d", TRIPOD, "Study registration", _author()),
    ChecklistItem("18e", TRIPOD, "Data availability", _t18e),
    ChecklistItem("18f", TRIPOD, "Analysis code availability", _t18f),
    ChecklistItem("19", TRIPOD, "Patient and public involvement", _author()),
    ChecklistItem("20a", TRIPOD, "Flow of participants through the study", _t20a),
    ChecklistItem("20b", TRIPOD, "Participant characteristics, including missing data", _t20b),
    ChecklistItem("20c", TRIPOD, "Development vs evaluation data: key predictors compared", _t16),
    ChecklistItem("21", TRIPOD, "Participants and outcome events in each analysis", _t21),
    ChecklistItem("22", TRIPOD, "Full model specification (formula, code or access)", _t22),
    ChecklistItem("23a", TRIPOD, "Performance with confidence intervals", _t23a),
    ChecklistItem("23b", TRIPOD, "Performance across key subgroups or centres", _author()),
    ChecklistItem("24", TRIPOD, "Results of any model updating", _author()),
    ChecklistItem("25", TRIPOD, "Interpretation: main findings, fairness, implications", _author()),
    ChecklistItem("26", TRIPOD, "Limitations (non-representative data, sample size, overfitting)", _t26),
    ChecklistItem("27a", TRIPOD, "Handling of poor-quality or unavailable inputs in use",
                  _author("`radiome study predict` refuses cases whose feature settings differ from "
                          "the model's; describe other input checks.")),
    ChecklistItem("27b", TRIPOD, "User interaction and expertise needed", _author()),
    ChecklistItem("27c", TRIPOD, "Future research steps, generalisability", _author()),
)


# ------------------------------------------------------------------------- RQS rules


def _rqs_flag(key: str, points: int, yes: str, no: str, unknown: str) -> Callable[[Mapping[str, Any]], Decision]:
    def decide(facts: Mapping[str, Any]) -> Decision:
        flag = _flag(facts, key)
        if flag:
            return Decision(DONE, f"+{points}: {yes}", points)
        if flag is False:
            return Decision(NOT_DONE, f"0: {no}", 0)
        return Decision(AUTHOR, f"0 justified by the run: {unknown}", 0)
    return decide


def _r1(f: Mapping[str, Any]) -> Decision:
    documented, public = _flag(f, "image_protocol_reported"), _flag(f, "public_protocol")
    pts = int(bool(documented)) + int(bool(public))
    if documented is None and public is None:
        return Decision(AUTHOR, "0 justified by the run: document the acquisition protocol (+1) "
                                "and say if it is a public protocol (+1).", 0)
    text = f"+{pts}: protocol documented: {documented}; public protocol: {public}."
    return Decision(DONE if pts else NOT_DONE, text, pts)


def _r2(f: Mapping[str, Any]) -> Decision:
    multi = _flag(f, "multiple_segmentation")
    icc = _flag(f, "feature_reproducibility_assessed")
    extra = " Feature robustness assessed by ICC." if icc else ""
    if multi:
        return Decision(DONE, "+1: several segmentations (readers or algorithms)." + extra, 1)
    if multi is False:
        return Decision(NOT_DONE, "0: a single segmentation per case." + extra, 0)
    return Decision(AUTHOR, "0 justified by the run: state whether several readers/algorithms "
                            "segmented the images." + extra, 0)


def _r5(f: Mapping[str, Any]) -> Decision:
    n, cand = _num(f, "n_selected_features"), _num(f, "n_candidate_features")
    if n is None or cand is None:
        return Decision(AUTHOR, "0 justified by the run: feature reduction or multiple-testing "
                                "correction (+3; -3 when neither).", 0)
    if n < cand:
        return Decision(DONE, f"+3: feature reduction from {_int_text(cand)} to {_int_text(n)} features "
                              "inside the training data.", 3)
    return Decision(NOT_DONE, f"-3: all {_int_text(cand)} candidate features used without reduction.", -3)


def _r6(f: Mapping[str, Any]) -> Decision:
    flag = _flag(f, "non_radiomics_features")
    if flag is None:
        models = _get(f, "models")
        if isinstance(models, (list, tuple)):
            flag = any(("clinical" in str(m).lower() or "combined" in str(m).lower()) for m in models)
    if flag:
        return Decision(DONE, "+1: clinical predictors combined with radiomics (clinical/combined model).", 1)
    if flag is False:
        return Decision(NOT_DONE, "0: no multivariable model with non-radiomic features.", 0)
    return Decision(AUTHOR, "0 justified by the run: combine radiomics with clinical/genomic "
                            "features in a multivariable model (+1).", 0)


def _r9(f: Mapping[str, Any]) -> Decision:
    disc = _flag(f, "discrimination_ci_reported")
    res = _flag(f, "resampling")
    if res is None:
        res = _flag(f, "has_cv")
    pts = int(bool(disc)) + int(bool(disc) and bool(res))
    if disc is None:
        return Decision(AUTHOR, "0 justified by the run: discrimination statistic with its "
                                "significance (+1), with resampling (+1).", 0)
    if not disc:
        return Decision(NOT_DONE, "0: no discrimination statistic with CI or p-value.", 0)
    text = "+1: AUC/C-index with 95% CI"
    text += "; +1: resampling (cross-validation/bootstrap)." if res else "; no resampling (+0)."
    return Decision(DONE, text, pts)


def _r10(f: Mapping[str, Any]) -> Decision:
    cal = _flag(f, "calibration_reported")
    res = _flag(f, "resampling")
    if res is None:
        res = _flag(f, "has_cv")
    if cal is None:
        return Decision(AUTHOR, "0 justified by the run: calibration statistic with its "
                                "significance (+1), with resampling (+1).", 0)
    if not cal:
        return Decision(NOT_DONE, "0: no calibration statistic.", 0)
    pts = 1 + int(bool(res))
    text = "+1: calibration curve, Hosmer-Lemeshow p, Brier score"
    text += "; +1: resampling." if res else "; no resampling (+0)."
    return Decision(DONE, text, pts)


def _r12(f: Mapping[str, Any]) -> Decision:
    ext = _flag(f, "has_external_validation")
    test = _flag(f, "has_test_set")
    n_ext = _num(f, "n_external_sets")
    if ext:
        k = int(n_ext) if n_ext is not None else 1
        pts = 5 if k >= 3 else (4 if k == 2 else 3)
        return Decision(DONE, f"+{pts}: validation on {k} external data set(s) from other institute(s).", pts)
    if test:
        return Decision(DONE, "+2: validation on a held-out set from the same institute.", 2)
    if ext is False and test is False:
        return Decision(NOT_DONE, "-5: no validation set (cross-validation alone does not count "
                                  "as validation in the RQS).", -5)
    return Decision(AUTHOR, "0 justified by the run: validation (-5 if missing, +2 same institute, "
                            "+3 to +5 other institutes).", 0)


def _r13(f: Mapping[str, Any]) -> Decision:
    if _flag(f, "comparison_with_clinical"):
        return Decision(AUTHOR, "0 justified by the run: the radiomic model is compared with a "
                                "clinical model (DeLong); the author decides whether that is the "
                                "gold standard (+2).", 0)
    return Decision(AUTHOR, "0 justified by the run: compare with the current gold standard (+2).", 0)


def _r14(f: Mapping[str, Any]) -> Decision:
    dca = _flag(f, "dca_reported")
    if dca:
        return Decision(DONE, "+2: decision curve analysis of all models.", 2)
    if dca is False:
        return Decision(NOT_DONE, "0: no decision curve or other clinical-utility analysis.", 0)
    return Decision(AUTHOR, "0 justified by the run: report potential clinical utility (+2).", 0)


def _r16(f: Mapping[str, Any]) -> Decision:
    data = _flag(f, "open_data")
    code = _flag(f, "open_code")
    pts = int(bool(code))
    if data:
        return Decision(DONE, f"Open data stated ({_get(f, 'open_data')}); +1 per open element "
                              "(scans, segmentations, code, features) to be claimed by the author"
                              + ("; +1 open code." if code else "."), pts)
    return Decision(AUTHOR, f"{pts} justified by the run: open scans, segmentations, code and "
                            "representative features earn +1 each.", pts)


_RQS_ITEMS: tuple[ChecklistItem, ...] = (
    ChecklistItem("1", RQS, "Image protocol quality: documented (+1), public (+1)", _r1, 0, 2),
    ChecklistItem("2", RQS, "Multiple segmentations (readers, algorithms)", _r2, 0, 1),
    ChecklistItem("3", RQS, "Phantom study on all scanners", _rqs_flag(
        "phantom_study", 1, "phantom study on all scanners.", "no phantom study.",
        "phantom study to detect scanner-dependent features (+1)."), 0, 1),
    ChecklistItem("4", RQS, "Imaging at multiple time points", _rqs_flag(
        "multiple_time_points", 1, "images at several time points.", "single time point.",
        "test-retest or multiple time points (+1)."), 0, 1),
    ChecklistItem("5", RQS, "Feature reduction or adjustment for multiple testing", _r5, -3, 3),
    ChecklistItem("6", RQS, "Multivariable analysis with non-radiomics features", _r6, 0, 1),
    ChecklistItem("7", RQS, "Biological correlates detected and discussed", _rqs_flag(
        "biological_correlates", 1, "biological correlates discussed.", "none.",
        "relate features to biology (+1)."), 0, 1),
    ChecklistItem("8", RQS, "Cut-off analyses (risk groups)", _rqs_flag(
        "cutoff_analysis", 1, "risk groups from a stated cut-off.", "no cut-off analysis.",
        "risk groups by median or published cut-off (+1)."), 0, 1),
    ChecklistItem("9", RQS, "Discrimination statistics (+1), with resampling (+1)", _r9, 0, 2),
    ChecklistItem("10", RQS, "Calibration statistics (+1), with resampling (+1)", _r10, 0, 2),
    ChecklistItem("11", RQS, "Prospective study registered in a trial database", _rqs_flag(
        "prospective", 7, "prospective, registered study.", "retrospective study.",
        "prospective validation in a registered trial (+7)."), 0, 7),
    ChecklistItem("12", RQS, "Validation (-5 missing; +2 to +5 by data source)", _r12, -5, 5),
    ChecklistItem("13", RQS, "Comparison to the gold standard", _r13, 0, 2),
    ChecklistItem("14", RQS, "Potential clinical utility (e.g. decision curves)", _r14, 0, 2),
    ChecklistItem("15", RQS, "Cost-effectiveness analysis", _rqs_flag(
        "cost_effectiveness", 1, "cost-effectiveness analysed.", "none.",
        "cost-effectiveness analysis (+1)."), 0, 1),
    ChecklistItem("16", RQS, "Open science: scans, segmentations, code, features (+1 each)", _r16, 0, 4),
)

#: Every item, TRIPOD+AI first, then RQS, in guideline order.
ITEMS: tuple[ChecklistItem, ...] = _TRIPOD_ITEMS + _RQS_ITEMS


# ----------------------------------------------------------------------------- API


def _check_facts(facts: Any) -> Mapping[str, Any]:
    if facts is None:
        return {}
    if not isinstance(facts, Mapping):
        raise DataError(f"facts must be a mapping (the 'facts' object of results.json); "
                        f"got {type(facts).__name__}.")
    return facts


def build_checklist(facts: Mapping[str, Any] | None) -> pd.DataFrame:
    """Fill in the TRIPOD+AI and RQS checklist from a run's facts.

    Parameters
    ----------
    facts : mapping
        The ``facts`` object of ``results.json`` (keys in :data:`FACT_KEYS`; a missing key,
        ``None`` or ``"unknown"`` means not known).

    Returns
    -------
    pandas.DataFrame
        Columns ``item`` ("<id> <brief text>"), ``source`` ("TRIPOD-AI" or "RQS"), ``status``
        (one of :data:`STATUSES`), ``evidence``; one row per item of :data:`ITEMS`. RQS
        evidence starts with the points the run justifies ("+3: ...").

    Examples
    --------
    >>> table = build_checklist({"n_cases": 20, "n_events": 8, "n_selected_features": 3})
    >>> tripod = table[table["source"] == "TRIPOD-AI"]
    >>> tripod.loc[tripod["item"].str.startswith("10 "), "status"].item()
    'not done'
    """
    f = _check_facts(facts)
    rows = []
    for item in ITEMS:
        d = item.decide(f)
        rows.append({"item": item.label, "source": item.source, "status": d.status, "evidence": d.evidence})
    return pd.DataFrame(rows, columns=["item", "source", "status", "evidence"])


@dataclass(frozen=True)
class RQSScore:
    """RQS points a run justifies.

    Attributes
    ----------
    points : int
        Sum of the points the run's facts justify (can be negative: -3 without feature
        reduction, -5 without validation).
    max_points, min_points : int
        The RQS range, 36 and -8.
    open_points : int
        Further points that could still be claimed on items marked for the author.
    by_item : dict
        RQS item id -> points justified.
    """

    points: int
    open_points: int
    by_item: dict[str, int]
    max_points: int = 36
    min_points: int = -8

    @property
    def percent(self) -> float:
        """Points as a percentage of the maximum (36), as RQS reviews report it (negative -> 0)."""
        return 100.0 * max(self.points, 0) / self.max_points

    def format(self) -> str:
        """E.g. ``'RQS 12 of 36 points (33%) justified by the run; up to 17 more for the author'``."""
        return (f"RQS {self.points} of {self.max_points} points ({self.percent:.0f}%) justified by "
                f"the run; up to {self.open_points} more may be claimed by the author on the items "
                f"marked for the author")

    def to_dict(self) -> dict[str, Any]:
        return {"points": self.points, "max_points": self.max_points, "min_points": self.min_points,
                "percent": self.percent, "open_points": self.open_points, "by_item": dict(self.by_item)}


def rqs_score(facts: Mapping[str, Any] | None) -> RQSScore:
    """RQS points justified by the facts, and how many remain open for the author.

    Returns
    -------
    RQSScore
    """
    f = _check_facts(facts)
    by_item: dict[str, int] = {}
    open_points = 0
    for item in _RQS_ITEMS:
        d = item.decide(f)
        pts = int(d.points or 0)
        by_item[item.id] = pts
        if d.status == AUTHOR:
            open_points += item.max_points - max(pts, 0)
    return RQSScore(points=sum(by_item.values()), open_points=open_points, by_item=by_item)
