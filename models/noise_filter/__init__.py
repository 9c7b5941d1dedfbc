"""Training of the NER noise filter (``python -m models.noise_filter.train``)."""
