"""Only the learner, the course's teachers and admins see and download a
certificate; anyone verifies one."""

import pytest

from lms_core.models import ApiToken
from lms_core import db


@pytest.fixture
def people(factory, graduation):
    teacher = factory.user(role="teacher")
    course = graduation.course(teacher=teacher)
    owner, _enrollment = graduation.complete(course)
    [certificate] = graduation.certificates(owner.id)
    return {
        "course": course,
        "certificate": certificate,
        "owner": owner,
        "teacher": teacher,
        "admin": factory.user(role="admin"),
        "classmate": factory.user(),
        "other_teacher": factory.user(role="teacher"),
    }


@pytest.mark.parametrize("who", ["owner", "teacher", "admin"])
def test_the_owner_the_courses_teacher_and_admins_download_the_certificate(app, login, people, who):
    client = app.test_client()
    login(client, people[who])
    certificate = people["certificate"]
    assert client.get(f"/certificates/{certificate.id}.pdf").status_code == 200
    assert client.get(f"/certificates/{certificate.id}").status_code == 200


@pytest.mark.parametrize("who", ["classmate", "other_teacher"])
def test_other_people_cannot_see_or_download_it(app, login, people, who):
    client = app.test_client()
    login(client, people[who])
    certificate = people["certificate"]
    assert client.get(f"/certificates/{certificate.id}.pdf").status_code == 403
    assert client.get(f"/certificates/{certificate.id}").status_code == 403
    assert client.get(f"/certificates/courses/{people['course'].id}").status_code == 403
    assert client.get(f"/certificates/courses/{people['course'].id}/certificates.zip").status_code == 403
    response = client.post(f"/certificates/{certificate.id}/revoke", data={"reason": "because"})
    assert response.status_code == 403
    db.session.refresh(certificate)
    assert certificate.status == "valid"


def test_a_visitor_who_is_not_signed_in_is_asked_to_log_in_but_can_verify(client, people):
    certificate = people["certificate"]
    response = client.get(f"/certificates/{certificate.id}.pdf")
    assert response.status_code in (302, 303) and "/login" in response.location
    assert client.get(f"/certificates/verify/{certificate.number}").status_code == 200
    assert client.get(f"/certificates/verify/{certificate.number}.json").get_json()["valid"] is True


def test_the_api_answers_with_stable_error_codes(client, people):
    certificate = people["certificate"]
    anonymous = client.get(f"/api/v1/certificates/{certificate.id}")
    assert anonymous.status_code == 401 and anonymous.get_json()["error"]["code"] == "unauthorized"

    token_row, token = ApiToken.issue(people["classmate"], "phone")
    db.session.add(token_row)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    forbidden = client.get(f"/api/v1/certificates/{certificate.id}", headers=headers)
    assert forbidden.status_code == 403 and forbidden.get_json()["error"]["code"] == "forbidden"
    assert client.get(f"/api/v1/certificates/{certificate.id}/pdf", headers=headers).status_code == 403
    missing = client.get("/api/v1/certificates/999999", headers=headers)
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "certificate_not_found"
    assert client.get("/api/v1/certificates", headers=headers).get_json() == {"certificates": []}
