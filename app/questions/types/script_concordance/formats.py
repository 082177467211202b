"""Script concordance in the import/export formats: none of GIFT, Moodle XML and QTI 3.0 has
a question type that carries a panel's answer distribution, so the type registers no format
hooks; its questions are exported in the native YAML only, and every other export reports
them as skipped ("… cannot express …"/"… not supported").
"""

from __future__ import annotations

from app.questions import registry

TYPE = "script_concordance"

registry.register(TYPE, formats={})
