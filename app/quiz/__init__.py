"""The quiz engine: attempts, delivery, scoring and review."""
