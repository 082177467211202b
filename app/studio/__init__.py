"""The instructor's studio: authoring, review workflow, item analysis, standard setting."""
