"""Reading the notes: a Delta table or parquet path, mapped to the job's canonical columns."""
from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from deid.config import InputConfig
from deid.errors import InputSchemaError

#: Canonical columns the worker receives, in order.
CANONICAL = ("note_id", "patient_id", "text", "note_date", "note_type", "language", "source_hash", "dup_count")


def read_raw(spark: SparkSession, cfg: InputConfig) -> DataFrame:
    if cfg.format == "delta":
        return spark.read.table(cfg.table) if cfg.table else spark.read.format("delta").load(cfg.path)
    return spark.read.parquet(cfg.path)


def canonicalize(raw: DataFrame, cfg: InputConfig) -> DataFrame:
    """Select and rename the configured columns; missing ones raise an error naming them."""
    cols = cfg.columns
    wanted = {"note_id": cols.note_id, "patient_id": cols.patient_id, "text": cols.text,
              "note_date": cols.note_date, "note_type": cols.note_type, "language": cols.language}
    present = set(raw.columns)
    missing = sorted(f"{role} (column '{name}')" for role, name in wanted.items() if name and name not in present)
    if missing:
        raise InputSchemaError("input is missing configured columns: " + ", ".join(missing))
    text_type = raw.schema[cols.text].dataType
    if isinstance(text_type, T.BinaryType):
        text_col = F.decode(F.col(cols.text), "UTF-8")
    elif isinstance(text_type, T.StringType):
        text_col = F.col(cols.text)
    else:
        raise InputSchemaError(f"column '{cols.text}' (note text) has type {text_type.simpleString()}, expected string")

    def opt(name: str | None):
        return F.col(name).cast("string") if name else F.lit(None).cast("string")

    note_date = F.lit(None).cast("string")
    if cols.note_date:
        if isinstance(raw.schema[cols.note_date].dataType, (T.DateType, T.TimestampType)):
            note_date = F.date_format(F.col(cols.note_date), "yyyy-MM-dd")
        else:  # unparseable dates become null rather than failing the batch
            note_date = F.try_to_date(F.col(cols.note_date).cast("string")).cast("string")
    df = raw.select(
        F.col(cols.note_id).cast("string").alias("note_id"),
        F.col(cols.patient_id).cast("string").alias("patient_id"),
        text_col.alias("text"),
        note_date.alias("note_date"),
        opt(cols.note_type).alias("note_type"),
        opt(cols.language).alias("language"),
    )
    df = df.withColumn("source_hash", F.sha2(F.coalesce(F.col("text"), F.lit("\u0000null")), 256))
    dup = Window.partitionBy("note_id")
    return df.withColumn("dup_count", F.count(F.lit(1)).over(dup).cast("int"))
