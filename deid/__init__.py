"""Driver-side core of the de-identification job: config, Spark session, IO, validation, CLI."""

__version__ = "0.1.0"
