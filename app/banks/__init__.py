"""Question banks: content, import/export."""
