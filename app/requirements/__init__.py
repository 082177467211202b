"""Program requirements of several kinds (modules, hours, logbook, practical), judged purely
against a trainee's ``Evidence`` (issue 15): one registry of kinds, no Flask, no database."""
