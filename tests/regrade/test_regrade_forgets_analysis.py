"""A regrade changes item marks: the affected modules' kept analyses are forgotten in the
regrade's transaction (app/derived; the stamp alone cannot see two regrades cancelling out)."""

from __future__ import annotations

import sqlalchemy as sa

from app.analysis.item_analysis import analyse, analyse_cached
from app.banks.models import Module
from app.derived import store
from app.derived.models import DerivedResult
from app.regrade import services
from app.settings import get_settings
from tests.regrade.conftest import MAIL


def test_applying_a_regrade_forgets_the_modules_analysis(app, world, db_session):
    module = db_session.scalar(sa.select(Module).where(Module.slug == "reg-exam"))
    with app.app_context():
        before = analyse_cached(db_session, module)
        store.keep(db_session)
        assert db_session.get(DerivedResult, (store.ITEM_ANALYSIS, str(module.id))) is not None
        services.apply_regrade(
            db_session, None, "reg-q1", settings=get_settings().issuer, mail=MAIL
        )
        db_session.commit()
        assert db_session.get(DerivedResult, (store.ITEM_ANALYSIS, str(module.id))) is None
        after = analyse_cached(db_session, module)
    assert after.computed_now
    assert after.value.result.to_dict() == analyse(db_session, module).result.to_dict()
    assert after.value.result.to_dict() != before.value.result.to_dict()
