"""Jurisdiction rules: where a trainee may needle (issue 16).

One YAML file per jurisdiction and profession in ``question_banks/jurisdictions/``
(:mod:`app.jurisdictions.schema`), judged against a trainee's evidence by a pure engine
(:mod:`app.jurisdictions.engine`). Professions come from one list
(:mod:`app.jurisdictions.professions`).
"""
