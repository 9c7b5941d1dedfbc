"""Typed job configuration, loaded from YAML with dotted command-line overrides.

Every section is a pydantic model with ``extra="forbid"``, so a misspelt key fails fast with
an error that names it (``ConfigError: input.colums: Extra inputs are not permitted``).
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Literal, Sequence

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from deid.errors import ConfigError

PACKAGE_CONF = Path(__file__).resolve().parent.parent / "conf"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def absolute_local(path: str | None) -> str | None:
    """Relative local paths become absolute (against the current directory, where the user ran the
    command): Delta's table builder reads a relative location as a table name, and the JVM's
    working directory need not be Python's. URIs (s3://, abfss://, dbfs:/, file:) pass unchanged."""
    if path is None or "://" in path or path.startswith(("dbfs:", "file:", "/")):
        return path
    return os.path.abspath(os.path.expanduser(path))


class SparkConfig(_Section):
    """How the driver gets its SparkSession (ignored on Databricks, which owns the session)."""

    master: str | None = "local[2]"
    app_name: str = "deid"
    shuffle_partitions: int = Field(4, ge=1)
    #: Rows per Arrow batch handed to the pandas UDF; bounds executor memory per batch.
    arrow_batch_size: int = Field(64, ge=1)
    #: Partitions the notes are spread over for the pandas UDF. null = automatic: 2 x the
    #: cluster's cores, and more for big inputs (at most ``max_notes_per_partition`` each). Without
    #: it a small table read as one or two files, or shuffled and coalesced by adaptive execution,
    #: runs the whole model on one core.
    udf_partitions: int | None = Field(None, ge=1)
    max_notes_per_partition: int = Field(5000, ge=1)
    #: Where resolved delta-spark JARs are kept so later runs need no network ("" = ~/.cache/deid/jars).
    jars_dir: str = ""
    ui_enabled: bool = False
    extra_conf: dict[str, str] = Field(default_factory=dict)


class ColumnsConfig(_Section):
    """Names of the input columns; optional ones may be null."""

    note_id: str = "note_id"
    patient_id: str = "patient_id"
    text: str = "note_text"
    note_date: str | None = None
    note_type: str | None = None
    language: str | None = None


class InputConfig(_Section):
    format: Literal["delta", "parquet"] = "delta"
    path: str | None = None
    table: str | None = None
    columns: ColumnsConfig = ColumnsConfig()
    default_language: str = "en"
    #: Skip notes already de-identified with the same text (by note id and text hash).
    incremental: bool = True
    #: Longer notes are quarantined (TEXT_TOO_LONG) rather than stalling a task.
    max_chars: int = Field(1_000_000, ge=1)
    #: HTML/RTF markup: "strip" converts it to plain text before detection; "keep" leaves it.
    markup: Literal["strip", "keep"] = "strip"

    _abs_path = field_validator("path")(classmethod(lambda cls, v: absolute_local(v)))

    @model_validator(mode="after")
    def _one_source(self) -> "InputConfig":
        if (self.path is None) == (self.table is None):
            raise ValueError("set exactly one of input.path or input.table")
        if self.format == "parquet" and self.table is not None:
            raise ValueError("input.table is only for format 'delta'; give input.path for parquet")
        return self


class OutputConfig(_Section):
    """Where results land: a path (local/cloud Delta location) or a catalog table name for each."""

    deid_path: str | None = None
    deid_table: str | None = None
    quarantine_path: str | None = None
    quarantine_table: str | None = None
    audit_path: str | None = None
    audit_table: str | None = None
    data_docs_dir: str = "out/data_docs"
    summary_dir: str = "out/runs"
    #: Owner-only file modes on local outputs (0o700 dirs / 0o600 files).
    owner_only: bool = True

    _abs_paths = field_validator("deid_path", "quarantine_path", "audit_path", "data_docs_dir", "summary_dir")(
        classmethod(lambda cls, v: absolute_local(v)))

    @model_validator(mode="after")
    def _each_target(self) -> "OutputConfig":
        for name in ("deid", "quarantine", "audit"):
            if (getattr(self, f"{name}_path") is None) == (getattr(self, f"{name}_table") is None):
                raise ValueError(f"set exactly one of output.{name}_path or output.{name}_table")
        return self


class NerConfig(_Section):
    enabled: bool = True
    #: Model folder; "" means the model packaged under models/phi_ner.
    model_dir: str = ""
    device: Literal["cpu", "cuda", "auto"] = "cpu"
    variant: Literal["int8", "fp16", "fp32"] = "int8"
    batch_size: int = Field(16, ge=1)
    #: ONNX intra-op threads; null = the task's cores (spark.task.cpus).
    intra_op_threads: int | None = Field(None, ge=1)


class NoiseFilterConfig(_Section):
    enabled: bool = True
    #: Keep-probability threshold; null = the one chosen on dev and stored with the filter.
    threshold: float | None = Field(None, ge=0.0, le=1.0)
    model_dir: str = ""


class DetectionConfig(_Section):
    #: Pattern recognizers to run by name; null = all.
    recognizers: list[str] | None = None
    ner: NerConfig = NerConfig()
    noise_filter: NoiseFilterConfig = NoiseFilterConfig()
    #: Spans scoring below this are dropped (pattern spans certain by construction are kept).
    min_score: float = Field(0.0, ge=0.0, le=1.0)
    #: Mark every other occurrence of a detected name/identifier in the same note.
    propagate: bool = True


class KeyConfig(_Section):
    """Where the surrogate key comes from. It is read at run time and never logged."""

    env: str | None = "DEID_SURROGATE_KEY"
    file: str | None = None
    databricks_scope: str | None = None
    databricks_key: str | None = None
    #: Use a fixed, public demo key. Only for demos and tests: surrogates become reversible by anyone.
    insecure_demo_key: bool = False


class ReplacementConfig(_Section):
    mode: Literal["surrogate", "mask", "hash"] = "surrogate"
    scope: Literal["patient", "document", "global"] = "patient"
    key: KeyConfig = KeyConfig()
    date_shift_min_days: int = Field(1, ge=1)
    date_shift_max_days: int = Field(365, ge=1)
    replace_all_ages: bool = False

    @model_validator(mode="after")
    def _range(self) -> "ReplacementConfig":
        if self.date_shift_max_days < self.date_shift_min_days:
            raise ValueError("replacement.date_shift_max_days must be >= date_shift_min_days")
        return self


class ValidationConfig(_Section):
    #: The run fails when quarantined / input rows exceeds this share.
    max_quarantine_share: float = Field(0.05, ge=0.0, le=1.0)
    #: Check the output for original detected PHI strings (the leak gate).
    leak_gate: bool = True
    #: Write Great Expectations Data Docs (HTML) for each run.
    data_docs: bool = True


class RunConfig(_Section):
    name: str = "deid"
    progress: bool = True


class DeidConfig(_Section):
    spark: SparkConfig = SparkConfig()
    input: InputConfig
    output: OutputConfig
    detection: DetectionConfig = DetectionConfig()
    replacement: ReplacementConfig = ReplacementConfig()
    validation: ValidationConfig = ValidationConfig()
    run: RunConfig = RunConfig()

    def fingerprint(self) -> str:
        """A short hash of everything that changes the output (not paths, not key location)."""
        relevant = self.model_dump(include={"detection", "replacement", "input"})
        relevant["replacement"].pop("key", None)
        for k in ("path", "table"):
            relevant["input"].pop(k, None)
        blob = json.dumps(relevant, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = data
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise ConfigError(f"override {dotted}: {part} is not a section")
        node = child
    node[parts[-1]] = value


def parse_overrides(overrides: Sequence[str]) -> list[tuple[str, Any]]:
    """Parse ``key.path=value`` strings; values are YAML scalars (true, 3, null, [a, b])."""
    parsed = []
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"override {item.split('=')[0]!r} must look like section.key=value")
        key, raw = item.split("=", 1)
        if not key.strip():
            raise ConfigError("override with an empty key")
        parsed.append((key.strip(), yaml.safe_load(raw) if raw != "" else "")
                      )
    return parsed


def _format_error(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "<root>"
        lines.append(f"{loc}: {err['msg']}")
    return "invalid configuration: " + "; ".join(lines)


def load_config(path: str | Path | None = None, overrides: Sequence[str] = (),
                base: dict[str, Any] | None = None) -> DeidConfig:
    """Load a YAML config (or ``base``), apply overrides, validate. Raises ConfigError naming the key."""
    data: dict[str, Any] = dict(base or {})
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"config file not found: {p}")
        try:
            loaded = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"config file {p} is not valid YAML: {exc.__class__.__name__}") from None
        if not isinstance(loaded, dict):
            raise ConfigError(f"config file {p} must hold a mapping at the top level")
        data = loaded
    for key, value in parse_overrides(overrides):
        _set_dotted(data, key, value)
    try:
        return DeidConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_format_error(exc)) from None
