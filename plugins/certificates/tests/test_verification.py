"""Anyone can check a certificate by its number or its QR code and learn whether it
is valid, expired, revoked, unknown or a forgery, as a page or as JSON."""

from urllib.parse import urlsplit

import pytest

from lms_core import db
from lms_certificates import issuing, numbers
from lms_certificates.models import CertificateNumber


def path_of(url):
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def other_well_formed_number(number):
    """A number with a right check character that nobody was given."""
    while True:
        candidate = numbers.generate()
        if candidate != number:
            return candidate


@pytest.fixture
def teacher(factory):
    return factory.user(role="teacher", name="Tom Teacher")


@pytest.fixture
def issued(graduation, teacher):
    course = graduation.course(title="Astronomy", teacher=teacher)
    student, _enrollment = graduation.complete(course, name="Anna Kuznetsova")
    [certificate] = graduation.certificates(student.id)
    return certificate


def test_a_visitor_checks_a_valid_certificate_by_its_number(client, issued):
    page = client.get(f"/certificates/verify/{issued.number}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-status="valid"' in html
    assert "Anna Kuznetsova" in html and "Astronomy" in html and "Tom Teacher" in html

    for response in (
        client.get(f"/certificates/verify/{issued.number}.json"),
        client.get(f"/certificates/verify/{issued.number}", headers={"Accept": "application/json"}),
        client.get(f"/api/v1/certificates/verify/{issued.number}"),
    ):
        body = response.get_json()
        assert body["status"] == "valid" and body["valid"] is True and body["number"] == issued.number
        assert body["certificate"]["learner"] == "Anna Kuznetsova"
        assert body["certificate"]["course"] == "Astronomy"


def test_the_form_takes_the_number_as_people_type_it(client, issued):
    typed = issued.number.lower().replace("-", " ")
    response = client.get("/certificates/verify", query_string={"number": typed})
    assert response.status_code == 303 and response.location.endswith(f"/certificates/verify/{issued.number}")
    assert 'name="number"' in client.get("/certificates/verify").get_data(as_text=True)


def test_a_number_with_a_typing_mistake_is_shown_as_such(client, issued):
    last = issued.number[-1]
    typo = issued.number[:-2] + ("A" if issued.number[-2] != "A" else "B") + last
    body = client.get(f"/certificates/verify/{typo}.json").get_json()
    assert (body["status"], body["valid"], body["reason"], body["certificate"]) == ("unknown", False, "mistyped", None)
    assert "typing mistake" in client.get(f"/certificates/verify/{typo}").get_data(as_text=True)


def test_a_well_formed_number_that_was_never_issued_is_unknown(client, issued):
    body = client.get(f"/certificates/verify/{other_well_formed_number(issued.number)}.json").get_json()
    assert (body["status"], body["reason"]) == ("unknown", "not_found")
    body = client.get("/certificates/verify/hello.json").get_json()
    assert (body["status"], body["reason"]) == ("unknown", "malformed")


def test_the_signed_qr_link_is_valid_and_an_altered_one_is_a_forgery(client, issued, graduation):
    url = issuing.verification_url(issued.number)
    signed = client.get(path_of(url)).get_data(as_text=True)
    assert 'data-status="valid"' in signed

    signature = urlsplit(url).query.split("=", 1)[1]
    another = other_well_formed_number(issued.number)
    altered_number = f"/certificates/verify/{another}?s={signature}"
    altered_signature = f"/certificates/verify/{issued.number}?s={signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}"
    for path in (altered_number, altered_signature):
        html = client.get(path).get_data(as_text=True)
        assert 'data-status="forged"' in html and "Anna Kuznetsova" not in html
        body = client.get(path, headers={"Accept": "application/json"}).get_json()
        assert (body["status"], body["valid"], body["signature"]) == ("forged", False, "invalid")


def test_a_link_signed_with_the_previous_secret_key_still_verifies(app, client, issued):
    url = issuing.verification_url(issued.number)
    app.config["CERTIFICATES_OLD_SECRET_KEYS"] = [app.config["SECRET_KEY"]]
    app.config["SECRET_KEY"] = "a-new-secret"
    assert client.get(path_of(url), headers={"Accept": "application/json"}).get_json()["status"] == "valid"


def test_a_revoked_certificate_shows_when_and_why(client, login, teacher, issued):
    login(client, teacher)
    response = client.post(f"/certificates/{issued.id}/revoke", data={"reason": "Plagiarised final project"})
    assert response.status_code == 303

    body = client.get(f"/certificates/verify/{issued.number}.json").get_json()
    assert body["status"] == "revoked" and body["valid"] is False
    assert body["revocation"]["reason"] == "Plagiarised final project" and body["revocation"]["revoked_at"]
    html = client.get(f"/certificates/verify/{issued.number}").get_data(as_text=True)
    assert 'data-status="revoked"' in html and "Plagiarised final project" in html
    assert client.get(f"/certificates/{issued.id}.pdf").status_code == 409


def test_a_reissued_certificate_keeps_its_old_number_on_record(client, login, run_jobs, teacher, issued):
    from lms_core.models import User

    student = db.session.get(User, issued.user_id)
    student.name = "Anna Petrova"
    db.session.commit()
    old_number, old_pdf = issued.number, issued.pdf_sha256
    login(client, teacher)

    assert client.post(f"/certificates/{issued.id}/reissue", data={"reason": "Name changed"}).status_code == 303
    run_jobs()

    db.session.refresh(issued)
    assert issued.number != old_number and issued.learner_name == "Anna Petrova"
    assert issued.pdf_sha256 and issued.pdf_sha256 != old_pdf
    new = client.get(f"/certificates/verify/{issued.number}.json").get_json()
    assert new["status"] == "valid" and new["certificate"]["learner"] == "Anna Petrova"
    old = client.get(f"/certificates/verify/{old_number}.json").get_json()
    assert old["status"] == "revoked" and old["certificate"]["learner"] == "Anna Kuznetsova"
    assert old["revocation"] == {
        "revoked_at": old["revocation"]["revoked_at"],
        "reason": "Name changed",
        "replaced_by": issued.number,
    }
    history = client.get(f"/certificates/{issued.id}").get_data(as_text=True)
    assert old_number in history and issued.number in history


def test_a_certificate_past_its_validity_is_expired(client, issued):
    row = db.session.execute(db.select(CertificateNumber).where(CertificateNumber.number == issued.number)).scalar_one()
    row.expires_at = issued.completed_at.replace(year=issued.completed_at.year - 1)
    db.session.commit()

    body = client.get(f"/certificates/verify/{issued.number}.json").get_json()
    assert body["status"] == "expired" and body["valid"] is False and body["certificate"]["expires_at"]
    assert 'data-status="expired"' in client.get(f"/certificates/verify/{issued.number}").get_data(as_text=True)


@pytest.mark.lms_config(CERTIFICATES_VERIFY_RATE_LIMIT=3)
def test_guessing_numbers_is_slowed_down(client, issued):
    for _ in range(3):
        assert client.get(f"/certificates/verify/{numbers.generate()}.json").get_json()["status"] == "unknown"
    blocked = client.get(f"/certificates/verify/{issued.number}.json")
    assert blocked.status_code == 429 and blocked.get_json()["error"]["code"] == "rate_limited"
    assert client.get(f"/certificates/verify/{issued.number}").status_code == 429


def test_the_verification_page_speaks_russian(client, issued):
    html = client.get(f"/certificates/verify/{issued.number}", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Действительный сертификат" in html and "Anna Kuznetsova" in html
