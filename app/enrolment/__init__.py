"""Enrolment and cohorts: who is enrolled in which program, in which intake, taught by whom."""
