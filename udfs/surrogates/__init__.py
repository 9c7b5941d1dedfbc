"""Hide-in-plain-sight surrogates: keyed, stateless, format-preserving replacements for PHI.

Entry point: ``SurrogateEngine`` (rules in ``engine.py``); ``udfs.replacement.replace_spans``
applies it to a note. Pure Python + stdlib so it runs unchanged on Spark executors.
"""
from udfs.surrogates.engine import SurrogateEngine, SurrogateError

__all__ = ["SurrogateEngine", "SurrogateError"]
