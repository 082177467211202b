"""Practical competence (issue 15): the hours ledger, the supervised-session logbook and the
practical skills examination (OSCE); the evidence the program requirements judge."""
