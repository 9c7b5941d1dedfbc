"""Progress for long runs: a background thread logs finished/total tasks of active Spark stages."""
from __future__ import annotations

import logging
import threading

from pyspark.sql import SparkSession

log = logging.getLogger("deid.progress")


class ProgressReporter:
    """Context manager; logs stage progress every ``interval`` seconds while the block runs."""

    def __init__(self, spark: SparkSession, *, enabled: bool = True, interval: float = 10.0) -> None:
        self._tracker = spark.sparkContext.statusTracker()
        self._enabled = enabled
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            for stage_id in self._tracker.getActiveStageIds():
                info = self._tracker.getStageInfo(stage_id)
                if info is not None and info.numTasks:
                    log.info("progress: stage %d, %d/%d tasks done", stage_id, info.numCompletedTasks, info.numTasks)

    def __enter__(self) -> "ProgressReporter":
        if self._enabled:
            self._thread = threading.Thread(target=self._loop, name="deid-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)
