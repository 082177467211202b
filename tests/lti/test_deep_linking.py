"""Deep Linking: an instructor in the LMS picks a module; the platform receives a signed
ltiResourceLink that launches it."""

from __future__ import annotations

import json
import re

import jwt
import pytest

from tests.lti.platform import INSTRUCTOR, LEARNER, LTI
from tests.lti.test_launch import launch, login_initiation
from tests.quiz.conftest import bank  # noqa: F401 (fixture, by name)

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


def deep_link_token(platform, nonce: str, role: str) -> str:
    return platform.id_token(
        nonce,
        **{
            LTI + "message_type": "LtiDeepLinkingRequest",
            LTI + "resource_link": None,
            LTI + "custom": None,
            LTI + "roles": [role],
            DL + "deep_linking_settings": {
                "deep_link_return_url": f"{platform.issuer}/deep-link-return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "data": "opaque-platform-data",
            },
            "sub": "teacher-7",
        },
    )


@pytest.mark.usefixtures("bank")
def test_an_instructor_places_a_module_and_the_platform_gets_a_signed_link(
    client, db_session, platform
):
    auth = login_initiation(client, platform)
    picker = launch(client, auth["state"], deep_link_token(platform, auth["nonce"], INSTRUCTOR))
    assert picker.status_code == 200, picker.get_data(as_text=True)
    page = picker.get_data(as_text=True)
    assert 'value="score-exam"' in page
    # Shown inside the platform's frame (outside any session of ours): framed by it only.
    assert f"frame-ancestors {platform.issuer};" in picker.headers["Content-Security-Policy"]
    launch_id = re.search(r'name="launch_id" value="([^"]+)"', page).group(1)

    back = client.post("/lti/deep-link", data={"launch_id": launch_id, "module": "score-exam"})
    assert back.status_code == 200, back.get_data(as_text=True)
    html = back.get_data(as_text=True)
    assert f'action="{platform.issuer}/deep-link-return"' in html
    policy = back.headers["Content-Security-Policy"]  # its form may post to the platform
    assert f"form-action 'self' {platform.issuer}" in policy
    assert f"frame-ancestors {platform.issuer};" in policy
    token = re.search(r'name="JWT" value="([^"]+)"', html).group(1)
    keyset = client.get("/lti/jwks.json").json
    [key] = [k for k in keyset["keys"] if k["kid"] == jwt.get_unverified_header(token)["kid"]]
    claims = jwt.decode(
        token, jwt.PyJWK.from_json(json.dumps(key)).key, algorithms=["RS256"],
        audience=platform.issuer,
    )  # fmt: skip
    assert claims["iss"] == platform.client_id
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[LTI + "deployment_id"] == platform.deployment_id
    assert claims[DL + "data"] == "opaque-platform-data"
    [item] = claims[DL + "content_items"]
    assert item["type"] == "ltiResourceLink" and item["custom"] == {"module": "score-exam"}
    assert item["url"].endswith("/lti/launch")


def test_a_learner_cannot_place_modules(client, db_session, platform):
    auth = login_initiation(client, platform)
    refused = launch(client, auth["state"], deep_link_token(platform, auth["nonce"], LEARNER))
    assert refused.status_code == 403


def test_a_made_up_launch_id_places_nothing(client, db_session, platform):
    response = client.post("/lti/deep-link", data={"launch_id": "lti1p3_launch_x", "module": "a"})
    assert response.status_code == 403
