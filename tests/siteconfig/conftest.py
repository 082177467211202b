"""The certificate fixtures (an issuer, a certified trainee) serve the settings tests too."""

from tests.certificates.conftest import certified, settings  # noqa: F401
