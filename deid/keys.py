"""Resolving the surrogate key: environment variable, file, or Databricks secret scope.

The key is read once on the driver, wrapped in ``SecretKey`` immediately, and never logged.
Without a key the job refuses to start, unless the config explicitly asks for the insecure demo key.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from deid.config import KeyConfig
from deid.errors import KeyMissingError
from udfs.secret import SecretKey

log = logging.getLogger(__name__)

#: Public and fixed: anyone can recompute demo surrogates. Only for `deid demo` and tests.
DEMO_KEY = b"deid-demo-key-NOT-SECRET-do-not-use-on-real-data"


def _databricks_secret(scope: str, key: str) -> bytes | None:
    try:
        from pyspark.dbutils import DBUtils  # type: ignore[import-not-found]
        from pyspark.sql import SparkSession

        dbutils = DBUtils(SparkSession.builder.getOrCreate())
        return dbutils.secrets.get(scope=scope, key=key).encode("utf-8")
    except Exception as exc:  # noqa: BLE001 - not on Databricks, or no access
        log.debug("databricks secret scope unavailable: %s", type(exc).__name__)
        return None


def resolve_key(cfg: KeyConfig) -> SecretKey:
    """Return the configured key, or raise KeyMissingError saying where it was looked for."""
    if cfg.databricks_scope and cfg.databricks_key:
        raw = _databricks_secret(cfg.databricks_scope, cfg.databricks_key)
        if raw:
            return SecretKey(raw)
    if cfg.file:
        path = Path(cfg.file).expanduser()
        if path.is_file():
            raw = path.read_bytes().strip()
            if raw:
                return SecretKey(raw)
    if cfg.env:
        value = os.environ.get(cfg.env, "")
        if value.strip():
            return SecretKey(value.strip().encode("utf-8"))
    if cfg.insecure_demo_key:
        log.warning("using the public demo surrogate key: output is NOT safe for real data")
        return SecretKey(DEMO_KEY)
    places = [p for p in (
        f"secret scope {cfg.databricks_scope}/{cfg.databricks_key}" if cfg.databricks_scope else "",
        f"file {cfg.file}" if cfg.file else "",
        f"environment variable {cfg.env}" if cfg.env else "",
    ) if p]
    raise KeyMissingError(
        "no surrogate key found (looked in: " + ", ".join(places or ["nowhere configured"]) + "). "
        "Set one, or pass replacement.key.insecure_demo_key=true for a demo."
    )
