"""Delta writes: idempotent MERGEs into the output, quarantine and audit tables."""
from __future__ import annotations

import os
from pathlib import Path

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession


def _target(spark: SparkSession, path: str | None, table: str | None, schema) -> DeltaTable:
    builder = DeltaTable.createIfNotExists(spark)
    builder = builder.location(path) if path else builder.tableName(table)
    builder.addColumns(schema).execute()
    return DeltaTable.forPath(spark, path) if path else DeltaTable.forName(spark, table)


def merge(spark: SparkSession, df: DataFrame, *, path: str | None, table: str | None, keys: list[str],
          update_when: str | None = None) -> None:
    """MERGE ``df`` into the target on ``keys``: insert new rows, update matched rows only when
    ``update_when`` holds (so a rerun with the same input changes nothing)."""
    target = _target(spark, path, table, df.schema)
    cond = " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in keys)
    m = target.alias("t").merge(df.alias("s"), cond)
    if update_when:
        m = m.whenMatchedUpdateAll(condition=update_when)
    m.whenNotMatchedInsertAll().execute()


def delete_matching(spark: SparkSession, keys_df: DataFrame, *, path: str | None, table: str | None,
                    key: str) -> None:
    """Delete target rows whose ``key`` appears in ``keys_df`` (no-op if the target does not exist)."""
    if path:
        if not DeltaTable.isDeltaTable(spark, path):
            return
        target = DeltaTable.forPath(spark, path)
    else:
        if not spark.catalog.tableExists(table):
            return
        target = DeltaTable.forName(spark, table)
    target.alias("t").merge(keys_df.select(key).distinct().alias("s"), f"t.`{key}` = s.`{key}`") \
        .whenMatchedDelete().execute()


def read_target(spark: SparkSession, path: str | None, table: str | None) -> DataFrame | None:
    """The target table, or None if it does not exist yet."""
    try:
        return spark.read.format("delta").load(path) if path else spark.read.table(table)
    except Exception:  # noqa: BLE001 - missing table/path is the normal first-run case
        return None


def restrict_local_permissions(path: str | None) -> None:
    """Owner-only modes on a local output folder (0700 folders, 0600 files)."""
    if not path or "://" in path and not path.startswith("file:"):
        return
    root = Path(path.removeprefix("file:"))
    if not root.exists():
        return
    os.chmod(root, 0o700)
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o700)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o600)
