"""Fixtures for certificate tests: an issuer settings object and a certified trainee."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.certificates import services
from app.certificates.models import Certificate, Completion
from app.settings import get_settings
from tests import factories
from tests.certificates.helpers import make_attempt, make_program


@pytest.fixture
def settings(app):
    with app.app_context():
        return get_settings().issuer


@dataclass
class Certified:
    trainee: object
    admin: object
    program: object
    modules: list
    renewal_module: object
    completion: Completion
    certificate: Certificate


@pytest.fixture
def certified(app, db_session, settings) -> Certified:
    """A trainee who passed every module; an admin approved; the certificate is issued."""
    with app.app_context():
        trainee = factories.make_user("trainee", name="Zoë Ångström-Nguyễn")
        admin = factories.make_user("admin")
        program, modules, renewal = make_program(db_session)
        for module in modules:
            make_attempt(db_session, trainee, module)
        completion = services.record_completion(db_session, trainee, program, settings=settings)
        certificate = services.approve_completion(
            db_session, admin, completion.id, settings=settings
        )
        db_session.commit()
        return Certified(trainee, admin, program, modules, renewal, completion, certificate)
