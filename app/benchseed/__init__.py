"""A deterministic synthetic institution for benchmarks and query budgets (``flask bench seed``)."""
