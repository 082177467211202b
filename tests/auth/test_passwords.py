"""The password policy and argon2id hashing (pure)."""

import pytest

from app.auth import passwords


def test_hash_is_argon2id_with_owasp_parameters():
    hashed = passwords.hash_password("lantern orchard velvet compass 7")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert passwords.verify_password(hashed, "lantern orchard velvet compass 7")
    assert not passwords.verify_password(hashed, "lantern orchard velvet compass 8")


def test_verify_without_a_hash_is_false():
    assert passwords.verify_password(None, "anything at all here") is False


@pytest.mark.parametrize(
    "password",
    ["password1234", "qwertyuiop123", "aaaaaaaaaaaaaaaa", "iloveyou12345"],
)
def test_common_passwords_are_refused(password):
    assert passwords.password_problems(password)


def test_length_limits():
    assert "at least 12" in passwords.password_problems("Tr0ub4dor&3")[0]
    assert "at most 128" in passwords.password_problems("x" * 129)[0]


def test_no_composition_rules_for_a_long_passphrase():
    assert passwords.password_problems("lantern orchard velvet compass") == []


def test_personal_data_is_refused():
    problems = passwords.password_problems(
        "margaret.hamilton-rules!!", email="margaret.hamilton@example.org", name="Margaret Hamilton"
    )
    assert problems and "e-mail" in problems[0]
