"""Where a trainee may needle, kept and shown (issue 16).

The jurisdiction rules stored in the database (imported from ``question_banks/jurisdictions``,
versioned, changed only through a proposal another administrator approves), each trainee's
chosen jurisdictions and their status ("Where can I practise?", ``/api/v1/me/jurisdictions``),
the CPD hours counted toward a credential's renewal, and the reports boards and CE trackers
take (``flask reports``). The rules themselves and their engine are pure:
:mod:`app.jurisdictions`.
"""
