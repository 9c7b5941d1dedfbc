"""SparkSession with Delta Lake, and the offline cache of the delta-spark JARs.

Locally, the first session resolves ``io.delta:delta-spark_<spark>_<scala>:<version>`` from Maven
Central through Ivy and copies the resolved JARs into a cache folder
(``~/.cache/deid/jars/<coordinate>/`` unless ``spark.jars_dir`` says otherwise); every later session
puts those JARs on ``spark.jars`` directly, so it needs no network. ``deid fetch-jars`` fills the
cache ahead of time, and copying that folder pre-seeds an air-gapped machine.
On Databricks the runtime's own Delta is used: the active session is returned and nothing is fetched.
"""
from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from pyspark.sql import SparkSession

from deid.config import SparkConfig

log = logging.getLogger(__name__)

_COMPLETE_MARKER = ".complete"


def on_databricks() -> bool:
    return "DATABRICKS_RUNTIME_VERSION" in os.environ


def delta_coordinate() -> str:
    """The Maven coordinate delta-spark's pip package pairs with the installed pyspark."""
    from delta import configure_spark_with_delta_pip

    builder = configure_spark_with_delta_pip(SparkSession.builder)
    return builder._options["spark.jars.packages"].split(",")[0]  # noqa: SLF001 - delta's own rule


def jars_cache_dir(cfg: SparkConfig) -> Path:
    base = Path(cfg.jars_dir).expanduser() if cfg.jars_dir else Path.home() / ".cache" / "deid" / "jars"
    return base / delta_coordinate().replace(":", "_")


def cached_jars(cfg: SparkConfig) -> list[Path]:
    folder = jars_cache_dir(cfg)
    if not (folder / _COMPLETE_MARKER).exists():
        return []
    return sorted(folder.glob("*.jar"))


def _builder(cfg: SparkConfig) -> SparkSession.Builder:
    builder = SparkSession.builder.appName(cfg.app_name)
    if cfg.master:
        builder = builder.master(cfg.master)
    conf = {
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.sql.shuffle.partitions": str(cfg.shuffle_partitions),
        "spark.sql.execution.arrow.maxRecordsPerBatch": str(cfg.arrow_batch_size),
        "spark.ui.enabled": str(cfg.ui_enabled).lower(),
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        # Redact our key's environment variable name as well as Spark's defaults in UI/logs.
        "spark.redaction.regex": "(?i)secret|password|token|access[.]key|surrogate[._]key",
        "spark.databricks.delta.schema.autoMerge.enabled": "false",
    }
    conf.update(cfg.extra_conf)
    for k, v in conf.items():
        builder = builder.config(k, v)
    return builder


def _seed_cache(cfg: SparkConfig, ivy_dir: Path) -> None:
    folder = jars_cache_dir(cfg)
    folder.mkdir(parents=True, exist_ok=True)
    jars = list((ivy_dir / "jars").glob("*.jar"))
    if not jars:
        return
    for jar in jars:
        shutil.copy2(jar, folder / jar.name)
    (folder / _COMPLETE_MARKER).write_text(delta_coordinate() + "\n")
    log.info("cached %d Delta JARs in %s", len(jars), folder)


def get_spark(cfg: SparkConfig | None = None) -> SparkSession:
    """Return a Delta-enabled SparkSession (the active one on Databricks)."""
    cfg = cfg or SparkConfig()
    if on_databricks():
        return SparkSession.builder.getOrCreate()
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = _builder(cfg)
    jars = cached_jars(cfg)
    if jars:
        builder = builder.config("spark.jars", ",".join(str(j) for j in jars))
        return builder.getOrCreate()
    ivy_dir = jars_cache_dir(cfg).parent / "ivy"
    builder = builder.config("spark.jars.packages", delta_coordinate()).config("spark.jars.ivy", str(ivy_dir))
    spark = builder.getOrCreate()
    _seed_cache(cfg, ivy_dir)
    return spark


def fetch_jars(cfg: SparkConfig | None = None) -> Path:
    """Resolve the Delta JARs into the cache (for pre-seeding air-gapped clusters); returns the folder."""
    cfg = cfg or SparkConfig()
    if not cached_jars(cfg):
        spark = get_spark(cfg)
        spark.stop()
    return jars_cache_dir(cfg)
