"""Question banks: content, import/export, analysis."""
