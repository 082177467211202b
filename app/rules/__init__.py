"""Reviewed rule changes: a module's or a program's rules change on two people's word.

An instructor or administrator proposes (``services.propose``, from the studio's rules pages
or from standard setting); an administrator other than the proposer applies or rejects it
(``/admin/rule-changes``). Applying re-checks that the rules still hold the values the
proposal saw, and writes the field-level diff to the audit log.
"""
