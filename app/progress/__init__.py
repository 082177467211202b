"""Progress and practice: mastery aggregates, spaced-repetition practice, dashboard, cohort."""
