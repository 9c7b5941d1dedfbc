"""PHI NER runtime: tokenization/windows, decoding, and the ONNX Runtime host (``udfs.ner.host``)."""
