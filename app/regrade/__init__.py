"""Regrading: rescoring attempts after a question's key or scoring rule is corrected."""
