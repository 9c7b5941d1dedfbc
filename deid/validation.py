"""Great Expectations validation of the output before it is written, with Data Docs per run.

The suite runs on the accepted rows of a run (Spark DataFrame) and checks the schema, unique and
non-null note ids, non-null output text, the residual-PHI patterns over the masked view, and the
row accounting (accepted = input - quarantined). Results are stored with no unexpected values
(``partial_unexpected_count: 0``), so Data Docs never quote note text.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from pyspark.sql import DataFrame

from udfs.residual import RESIDUAL_PATTERNS

log = logging.getLogger(__name__)

REQUIRED_OUTPUT_COLUMNS = ("note_id", "patient_ref", "deid_text", "masked_text", "source_hash", "spans")
_RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 0, "include_unexpected_rows": False}


@dataclass
class ValidationReport:
    success: bool
    failed: list[str] = field(default_factory=list)
    checks: int = 0
    data_docs_url: str | None = None


def _silence_gx() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    for name in ("great_expectations", "great_expectations.core", "great_expectations.data_context"):
        logging.getLogger(name).setLevel(logging.ERROR)


def validate_output(accepted: DataFrame, *, expected_rows: int, run_name: str, docs_root: str | None) -> ValidationReport:
    """Validate accepted output rows with GX. ``docs_root`` = folder for the GX project + Data Docs (None: no docs)."""
    _silence_gx()
    import great_expectations as gx
    import great_expectations.expectations as gxe
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.data_context.types.base import ProgressBarsConfig

    if docs_root:
        Path(docs_root).mkdir(parents=True, exist_ok=True)
        ctx = gx.get_context(mode="file", project_root_dir=docs_root)
    else:
        ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = ctx.data_sources.add_or_update_spark(name="deid")
    asset_name = "deid_output"
    try:
        asset = source.get_asset(asset_name)
    except LookupError:
        asset = source.add_dataframe_asset(name=asset_name)
    batch_name = "whole_run"
    try:
        batch_def = asset.get_batch_definition(batch_name)
    except (KeyError, LookupError):
        batch_def = asset.add_batch_definition_whole_dataframe(batch_name)

    suite = gx.ExpectationSuite(name="deid_output_suite")
    suite.add_expectation(gxe.ExpectTableColumnsToMatchSet(column_set=list(REQUIRED_OUTPUT_COLUMNS), exact_match=False))
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="note_id"))
    suite.add_expectation(gxe.ExpectColumnValuesToBeUnique(column="note_id"))
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="deid_text"))
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="source_hash"))
    suite.add_expectation(gxe.ExpectTableRowCountToEqual(value=expected_rows))
    for name, regex in RESIDUAL_PATTERNS.items():
        suite.add_expectation(gxe.ExpectColumnValuesToNotMatchRegex(
            column="masked_text", regex=regex, meta={"residual_pattern": name}))
    suite = ctx.suites.add_or_update(suite)
    vd_name = f"deid_output_{run_name}"
    vd = ctx.validation_definitions.add_or_update(gx.ValidationDefinition(name=vd_name, data=batch_def, suite=suite))
    actions = [UpdateDataDocsAction(name="update_data_docs")] if docs_root else []
    checkpoint = ctx.checkpoints.add_or_update(gx.Checkpoint(
        name="deid_checkpoint", validation_definitions=[vd], actions=actions, result_format=_RESULT_FORMAT))
    result = checkpoint.run(batch_parameters={"dataframe": accepted}, run_id=None)
    failed: list[str] = []
    checks = 0
    for run_result in result.run_results.values():
        for r in run_result.results:
            checks += 1
            if not r.success:
                cfg = r.expectation_config
                extra = (cfg.meta or {}).get("residual_pattern") or cfg.kwargs.get("column") or ""
                failed.append(f"{cfg.type}({extra})")
    url = None
    if docs_root:
        sites = ctx.get_docs_sites_urls()
        url = sites[0]["site_url"] if sites else None
    return ValidationReport(success=bool(result.success), failed=failed, checks=checks, data_docs_url=url)
