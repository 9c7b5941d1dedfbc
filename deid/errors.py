"""The project's exception hierarchy, in one place (dqx style).

Messages must never contain PHI: name keys, columns, counts and reason codes, never values.
"""
from __future__ import annotations


class DeidError(Exception):
    """Base class of every error this project raises on purpose."""


class ConfigError(DeidError):
    """A configuration file or override is invalid; the message names the bad key."""


class InputSchemaError(DeidError):
    """The input table lacks required columns or has unusable types; names the columns."""


class KeyMissingError(DeidError):
    """No surrogate key was configured and the run is not a demo/insecure run."""


class ModelError(DeidError):
    """A model artifact is missing, corrupt or does not match its recorded checksum."""


class ValidationFailed(DeidError):
    """Output validation failed (quarantine share over threshold, GX suite failed, rows lost)."""


class ReconciliationError(ValidationFailed):
    """Some input note ids are neither in the output nor in quarantine."""
