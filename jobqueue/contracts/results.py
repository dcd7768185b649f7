"""What slicing produces and jobqueue stores, as typed models: issues, quotes, analysis
results, program info, progress events.

These read JSON stored by any earlier version: every field has a default and unknown keys
are kept (`extra="allow"`), so validating an old analysis never fails; `lenient()` goes
further and drops what cannot be read rather than refusing a whole stored record.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

Severity = Literal["error", "warning", "info"]


class ResultModel(BaseModel):
    """Base of stored results: unknown keys kept, nothing required beyond what identifies it."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Localised(ResultModel):
    """A text in both languages (older analyses stored sentences; new ones store codes)."""

    fr: str = ""
    en: str = ""


def _localised(value: Any) -> Any:
    """A plain string from an older record reads as the same text in both languages; anything
    else that is not a {fr, en} object is no text at all."""
    if isinstance(value, str):
        return {"fr": value, "en": value}
    return value if isinstance(value, dict) else None


class Issue(ResultModel):
    """One finding about a file or a program: a stable code, its severity, the numbers that
    go into its sentence (`params`, in mm, counts...) and where it is (`location`)."""

    code: str = Field("unknown", max_length=80, examples=["open_edges"])
    severity: Severity = "info"
    params: dict[str, Any] = Field(default_factory=dict,
                                   description="numbers and names the sentence for `code` is built from")
    location: dict[str, Any] | list[Any] | str | float | None = Field(
        None, description="where: coordinates in mm in the part's frame, face indices, DXF handle and layer, "
                          "SVG element id, or program line")
    message: Localised | None = Field(None, description="older analyses: the sentence itself, fr and en")
    hint: Localised | None = None
    detail: str | None = Field(None, description="technical text (a parser's or PrusaSlicer's own words), "
                                                 "shown only behind the page's technical details")

    _text = field_validator("message", "hint", mode="before")(_localised)

    @field_validator("severity", mode="before")
    @classmethod
    def _known_severity(cls, value: Any) -> Any:
        return value if value in ("error", "warning", "info") else "info"

    @field_validator("code", mode="before")
    @classmethod
    def _code_text(cls, value: Any) -> Any:
        return value if isinstance(value, str) and value else "unknown"

    @field_validator("params", mode="before")
    @classmethod
    def _params_dict(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}


class QuoteTerm(ResultModel):
    """One term of a quote (material, machine time, setup fee): its code, amount, and the
    figures its explanation is said from (`params`; older quotes stored `label`/`explanation`)."""

    term: str = ""
    label: Localised | None = None
    amount: float | None = None
    params: dict[str, Any] = Field(default_factory=dict, description="grams, price, hourly rate...")
    explanation: Localised | None = None

    _text = field_validator("label", "explanation", mode="before")(_localised)

    @field_validator("params", mode="before")
    @classmethod
    def _params_dict(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}


class QuoteTier(ResultModel):
    tier: str = ""
    label: str | None = None
    multiplier: float | None = None
    total: float | None = None
    explanation: Localised | None = None

    _text = field_validator("explanation", mode="before")(_localised)


class Quote(ResultModel):
    """One compatible machine and material: time, each cost term, totals per pricing tier."""

    machine: str | None = None
    machine_name: str | None = None
    material: str | None = None
    kind: str | None = None
    seconds: float | None = Field(None, description="estimated machine time, before preparation")
    fits: bool = True
    currency: str = "EUR"
    material_used: dict[str, float] = Field(default_factory=dict)
    terms: list[QuoteTerm] = Field(default_factory=list)
    subtotal: float | None = None
    totals: dict[str, float] = Field(default_factory=dict, description="pricing tier -> total")
    tiers: list[QuoteTier] = Field(default_factory=list)

    def total_for(self, tier: str | None) -> float | None:
        if tier in self.totals:
            return self.totals[tier]
        entry = next((t for t in self.tiers if t.tier == tier), None)
        if entry is not None and entry.total is not None:
            return entry.total
        return next(iter(self.totals.values()), self.subtotal)


class UnitChoice(ResultModel):
    """One unit a file may be in, with the size of the part in that unit."""

    unit: str = Field("mm", max_length=16, examples=["mm", "cm", "m", "in", "px90", "px96"])
    factor: float = Field(1.0, description="the scale this unit gives (what the job's `scale` option becomes)")
    bbox_mm: list[float] = Field(default_factory=list, description="the part's size in mm in this unit")


class UnitQuestion(ResultModel):
    """The unit of a file that does not say its own (unitless DXF, old Inkscape SVG, a mesh of a
    few mm): each plausible unit, which one was chosen, and whether the part waits for it."""

    variant: str = Field("", examples=["dxf_unitless", "svg_90dpi", "mesh"])
    default: str | None = Field(None, description="the unit the file was measured in while nobody chose")
    choices: list[UnitChoice] = Field(default_factory=list)
    chosen: str | None = Field(None, description="the unit chosen (`custom`: a scale given by hand); None: not yet")
    scale: float | None = None
    required: bool = Field(False, description="doubtful enough that the part is not usable until the unit is chosen")
    pending: bool = Field(False, description="required and not chosen yet: the job cannot be approved")


class AnalysisResult(ResultModel):
    """What the analysis of an upload found: usable or not, why, its measures, its quotes."""

    valid: bool | None = Field(None, description="no error found in the file")
    usable: bool | None = Field(None, description="valid, and no unit question waiting for its answer")
    units: UnitQuestion | None = None
    issues: list[Issue] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict,
                                    description="names carry their unit: volume_mm3, bbox_mm, cut_length_mm")
    quotes: list[Quote] = Field(default_factory=list)


class Calibration(ResultModel):
    factor: float = 1.0
    runs: int = 0
    error_pct: float | None = None


class ProgramInfo(ResultModel):
    """The prepared machine program: its format, checks, measures and time estimates."""

    format: str | None = Field(None, examples=["gcode", "hpgl"])
    issues: list[Issue] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)
    preview_sha256: str | None = None
    estimated_seconds: float | None = Field(None, description="the model's time times the machine's correction")
    model_seconds: float | None = None
    preslice_seconds: float | None = Field(None, description="the quote's estimate at upload")
    calibration: Calibration | None = None


class ProgressEvent(ResultModel):
    """One progress report of a running job, as the machine worker publishes it (and SSE relays)."""

    job_id: int | None = None
    state: str | None = None
    lines_acked: int = 0
    lines_total: int = 0
    percent: float = Field(0.0, ge=0, le=100)
    eta_seconds: float | None = None
    firmware_state: str | None = None
    at: float | None = Field(None, description="Unix time of the report")

    @field_validator("percent", mode="before")
    @classmethod
    def _clamp(cls, value: Any) -> Any:
        return min(max(float(value), 0.0), 100.0) if isinstance(value, int | float) else 0.0


M = TypeVar("M", bound=BaseModel)


def lenient(model: type[M], data: Any) -> M:
    """Read a stored record: the whole of it when it validates, else each list item that does.

    A stored analysis is the user's history; one unreadable issue must not hide the others.
    """
    if isinstance(data, model):
        return data
    if not isinstance(data, dict):
        return model()
    try:
        return model.model_validate(data)
    except ValidationError:
        pass
    cleaned: dict[str, Any] = {}
    for name, value in data.items():
        if name not in model.model_fields or _field_ok(model, name, value):
            cleaned[name] = value
        elif isinstance(value, list):
            items = [v for v in value if _field_ok(model, name, [v])]
            if _field_ok(model, name, items):
                cleaned[name] = items
        # anything else unreadable: the field's default
    try:
        return model.model_validate(cleaned)
    except ValidationError:
        return model()


def _field_ok(model: type[BaseModel], name: str, value: Any) -> bool:
    try:
        model.__pydantic_validator__.validate_assignment(model.model_construct(), name, value)
        return True
    except ValidationError:
        return False
