"""Deterministic PHI recognizers (presidio-style): patterns + context words + validation."""
