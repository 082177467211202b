"""pylti1p3next wired to our database: the registrations (``ToolConf``) and its launch data
(``DbCache``), plus the checks the library leaves to the tool (a nonce is used once; with
several audiences, ``azp`` names us)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from pylti1p3.deployment import Deployment
from pylti1p3.launch_data_storage.cache import CacheDataStorage
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app.errors import DomainError
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.lti import keys
from app.lti.models import LtiLaunchCache, LtiPlatform, LtiUsedNonce


class LaunchRefused(DomainError):
    code = "lti_launch_refused"
    status = 403
    message = _l("This launch cannot be accepted.")


class DbCache:
    """The cache interface pylti1p3's ``CacheDataStorage`` expects (get, set with expiry)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str) -> Any:
        row = self.session.get(LtiLaunchCache, key)
        if row is None or row.expires_at <= clock.utcnow():
            return None
        return row.value

    def set(self, key: str, value: Any, exp: int | None = None) -> None:
        expires = clock.utcnow() + timedelta(seconds=exp or 3600)
        row = self.session.get(LtiLaunchCache, key)
        if row is None:
            self.session.add(LtiLaunchCache(key=key, value=value, expires_at=expires))
        else:
            row.value, row.expires_at = value, expires
        self.session.flush()


class DbLaunchDataStorage(CacheDataStorage[Any]):
    def __init__(self, session: Session) -> None:
        super().__init__()
        self._cache = DbCache(session)


class ToolRegistration(Registration):
    """A registration that signs with the tool's key under its published ``kid``."""

    kid: str | None = None

    def get_kid(self) -> str | None:
        return self.kid


def tool_registration(session: Session, platform: LtiPlatform) -> Registration:
    key = keys.active_key(session)
    registration = ToolRegistration()
    registration.kid = key.kid
    registration.set_issuer(platform.issuer).set_client_id(platform.client_id)
    registration.set_key_set_url(platform.keyset_url).set_auth_login_url(platform.auth_login_url)
    registration.set_auth_token_url(platform.auth_token_url)
    registration.set_tool_private_key(key.private_pem)
    registration.set_tool_public_key(keys.public_pem(key))
    return registration


class ToolConf(ToolConfAbstract[Any]):
    """The registrations of ``lti_platforms`` (disabled ones are unknown)."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    def _platforms(self, iss: str, client_id: str | None = None) -> list[LtiPlatform]:
        query = sa.select(LtiPlatform).where(
            LtiPlatform.issuer == iss, LtiPlatform.disabled_at.is_(None)
        )
        if client_id is not None:
            query = query.where(LtiPlatform.client_id == client_id)
        return list(self.session.scalars(query))

    def check_iss_has_one_client(self, iss: str) -> bool:
        return len(self._platforms(iss)) == 1

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return len(self._platforms(iss)) > 1

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Any:
        platforms = self._platforms(iss)
        return tool_registration(self.session, platforms[0]) if len(platforms) == 1 else None

    def find_registration_by_params(
        self, iss: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Any:
        platforms = self._platforms(iss, client_id)
        return tool_registration(self.session, platforms[0]) if platforms else None

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        platforms = self._platforms(iss)
        if len(platforms) == 1 and deployment_id in platforms[0].deployment_ids:
            return Deployment().set_deployment_id(deployment_id)
        return None

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Deployment | None:
        for platform in self._platforms(iss, client_id):
            if deployment_id in platform.deployment_ids:
                return Deployment().set_deployment_id(deployment_id)
        return None

    def platform_for(self, iss: str, client_id: str) -> LtiPlatform | None:
        platforms = self._platforms(iss, client_id)
        return platforms[0] if platforms else None


def check_audience(claims: dict[str, Any], client_id: str) -> None:
    """The id_token is for us: our client id in ``aud``; with several audiences, ``azp``."""
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if client_id not in audiences:
        raise LaunchRefused(_("The id_token is not addressed to this tool."))
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise LaunchRefused(_("The id_token names several audiences without this tool as azp."))


def use_nonce(session: Session, issuer: str, nonce: str) -> None:
    """Record the nonce; refuse (LaunchRefused) one already used: a replayed launch."""
    try:
        with session.begin_nested():
            session.add(LtiUsedNonce(issuer=issuer, nonce=nonce[:255], used_at=clock.utcnow()))
            session.flush()
    except IntegrityError:
        raise LaunchRefused(_("This launch was already used (replay refused).")) from None
