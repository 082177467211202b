"""Demo data for local use (``flask demo setup``)."""
