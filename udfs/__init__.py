"""Executor-side work: detection (recognizers, NER, noise filter), surrogates, replacement.

Everything in this package must be importable on a Spark executor without a SparkSession:
it is plain Python + numpy + onnxruntime, so `deid detect` and the evaluator run the same code.
"""
