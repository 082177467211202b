"""The demo story, end to end: finish the program, admin approves, download, scan, verify."""

from __future__ import annotations

import io
import json
from urllib.parse import urlsplit

from pypdf import PdfReader

from app.certificates import queries
from app.quiz.services import submit_attempt
from tests import factories
from tests.certificates.helpers import make_attempt, make_program
from tests.conftest import csrf_token_from, login


def _link_uris(pdf_bytes: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf_bytes))
    uris = []
    for annot in reader.pages[0].get("/Annots") or []:
        action = annot.get_object().get("/A")
        if action is not None and "/URI" in action:
            uris.append(str(action["/URI"]))
    return uris


def test_trainee_finishes_admin_approves_trainee_downloads_and_anyone_verifies(
    app, client, db_session, runner, tmp_path
):
    trainee = factories.make_user("trainee", name="Zoë Ångström-Nguyễn")
    admin = factories.make_user("admin")
    program, modules, _ = make_program(db_session, modules=3)
    for module in modules[:-1]:
        make_attempt(db_session, trainee, module)
    final = make_attempt(db_session, trainee, modules[-1], open_=True)
    with app.app_context():  # the final submit runs the completion hook
        submit_attempt(db_session, trainee, final.id)
    db_session.commit()

    # The admin approves the completion from the review queue.
    login(client, admin.email)
    queue = client.get("/admin/completions").get_data(as_text=True)
    assert trainee.email in queue
    (completion,) = queries.completions_for_user(db_session, trainee)
    response = client.post(
        f"/admin/completions/{completion.id}/approve",
        data={"csrf_token": csrf_token_from(queue), "confirm": "y"},
    )
    assert response.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/admin/").text)})

    # The trainee downloads the PDF and the signed credential.
    login(client, trainee.email)
    (summary,) = queries.certificates_for_user(db_session, trainee)
    assert summary.status.value == "valid"
    mine = client.get("/certificates").get_data(as_text=True)
    assert summary.serial in mine
    pdf = client.get(f"/certificates/{summary.id}/certificate.pdf").get_data()
    credential = client.get(f"/certificates/{summary.id}/credential.json").get_json()

    # The QR code / link target says valid, for anyone.
    (verify_url,) = {u for u in _link_uris(pdf) if "/verify/" in u}  # QR area and text link
    client.post("/logout", data={"csrf_token": csrf_token_from(mine)})
    page = client.get(urlsplit(verify_url).path).get_data(as_text=True)
    assert "Status: VALID" in page and "Zoë Ångström-Nguyễn" in page

    # certs verify on the downloaded JSON says valid.
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(credential), encoding="utf-8")
    result = runner.invoke(args=["certs", "verify", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("VALID")
