"""Shared fixtures: one session-scoped local Spark with Delta, UI off, few shuffle partitions."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("PYSPARK_PYTHON", __import__("sys").executable)


@pytest.fixture(scope="session")
def spark():
    from deid.config import SparkConfig
    from deid.session import get_spark

    session = get_spark(SparkConfig(master="local[2,2]", app_name="deid-tests", shuffle_partitions=2,
                                    arrow_batch_size=16,
                                    extra_conf={"spark.driver.memory": "2g",
                                                "spark.hadoop.fs.permissions.umask-mode": "077",
                                                "spark.sql.adaptive.enabled": "false"}))
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
