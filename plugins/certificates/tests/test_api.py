"""A learner's app reads their certificates and PDFs through the JSON API."""

from lms_core import db
from lms_core.models import ApiToken
from lms_certificates import storage


def bearer(user):
    row, token = ApiToken.issue(user, "mobile app")
    db.session.add(row)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_a_learner_lists_their_certificates_and_fetches_a_pdf(client, graduation):
    student, _ = graduation.complete(graduation.course(title="Astronomy"), name="Anna Kuznetsova")
    [certificate] = graduation.certificates(student.id)
    headers = bearer(student)

    listing = client.get("/api/v1/certificates", headers=headers).get_json()["certificates"]
    assert [(c["number"], c["status"], c["learner"], c["course"]["title"], c["pdf_ready"]) for c in listing] == [
        (certificate.number, "valid", "Anna Kuznetsova", "Astronomy", True)
    ]
    item = listing[0]
    assert item["verification_url"].startswith(f"http://localhost/certificates/verify/{certificate.number}?s=")
    assert item["pdf_url"] == f"http://localhost/api/v1/certificates/{certificate.id}/pdf"
    assert client.get(f"/api/v1/certificates/{certificate.id}", headers=headers).get_json() == item

    pdf = client.get(f"/api/v1/certificates/{certificate.id}/pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data == (storage.root() / certificate.pdf_path).read_bytes()


def test_a_revoked_certificate_has_no_pdf_any_more(client, graduation, factory):
    from lms_certificates import issuing

    student, _ = graduation.complete(graduation.course())
    [certificate] = graduation.certificates(student.id)
    issuing.revoke(certificate, factory.user(role="admin"), "Issued by mistake")
    headers = bearer(student)

    item = client.get(f"/api/v1/certificates/{certificate.id}", headers=headers).get_json()
    assert (item["status"], item["revoked_reason"], item["pdf_url"]) == ("revoked", "Issued by mistake", None)
    response = client.get(f"/api/v1/certificates/{certificate.id}/pdf", headers=headers)
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "certificate_revoked"


def test_the_certificate_routes_are_in_the_api_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert {path: sorted(item) for path, item in document["paths"].items() if path.startswith("/certificates")} == {
        "/certificates": ["get"],
        "/certificates/{certificate_id}": ["get", "parameters"],
        "/certificates/{certificate_id}/pdf": ["get", "parameters"],
        "/certificates/verify/{number}": ["get", "parameters"],
    }
    assert {"certificatesCertificate", "certificatesVerdict"} <= set(document["components"]["schemas"])
