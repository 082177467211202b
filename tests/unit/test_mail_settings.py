"""Mail and account settings: defaults, ports by transport, the password kept out of repr."""

from __future__ import annotations

import pytest

from app.settings import AccountSettings, MailSettings


@pytest.mark.parametrize(
    ("config", "port"),
    [
        ({}, 25),
        ({"MAIL_USE_TLS": True}, 587),
        ({"MAIL_USE_SSL": True}, 465),
        ({"MAIL_PORT": "2525"}, 2525),
    ],
)
def test_the_port_follows_the_transport_unless_given(config, port):
    assert MailSettings.from_config(config).port == port


def test_without_a_server_mail_is_not_configured_and_the_password_stays_hidden():
    empty = MailSettings.from_config({})
    assert not empty.configured
    assert empty.default_sender == "Dry Needling Academy <no-reply@localhost>"
    mail = MailSettings.from_config({"MAIL_SERVER": "smtp.example.org", "MAIL_PASSWORD": "s3cret"})
    assert mail.configured and "s3cret" not in repr(mail)


def test_account_link_lifetimes_and_limits_default_sensibly():
    accounts = AccountSettings.from_config({})
    assert accounts.password_reset_max_age == 3600
    assert accounts.registration_link_max_age == 86400
    assert accounts.invitation_max_age == 7 * 86400
    assert (accounts.password_reset_rate_limit, accounts.account_mail_rate_limit) == (
        "10/hour",
        "3/hour",
    )
    with pytest.raises(ValueError):
        AccountSettings.from_config({"PASSWORD_RESET_MAX_AGE": "an hour"})
