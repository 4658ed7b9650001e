"""Open Badges 2.0 hosted verification: a verifier follows the public JSON documents."""

import hashlib

from lms_core import db

from lms_gamification import badges
from lms_gamification.models import Badge, BadgeAward


def earn(factory, **badge_fields):
    course = factory.course()
    badge = Badge(
        course_id=course.id,
        name="Star gazer",
        description="Watched the sky.",
        criterion="quizzes_passed",
        params={"count": 3},
        **badge_fields,
    )
    db.session.add(badge)
    db.session.commit()
    student = factory.user(email="Learner@Example.org")
    factory.enrol(student, course)
    return badges.grant(badge, student.id), student


def test_a_verifier_follows_the_assertion_to_its_badge_class_and_issuer(client, factory):
    award, student = earn(factory, valid_days=365)

    assertion_url = f"http://localhost/gamification/openbadges/assertions/{award.uid}"
    assertion = client.get(assertion_url)  # no login: it is public
    assert assertion.status_code == 200 and assertion.headers["Access-Control-Allow-Origin"] == "*"
    document = assertion.get_json()
    assert document["@context"] == "https://w3id.org/openbadges/v2" and document["type"] == "Assertion"
    assert document["id"] == assertion_url and document["verification"] == {"type": "hosted"}
    recipient = document["recipient"]
    expected = "sha256$" + hashlib.sha256(("learner@example.org" + recipient["salt"]).encode()).hexdigest()
    assert recipient["type"] == "email" and recipient["hashed"] is True and recipient["identity"] == expected
    assert "learner@example.org" not in assertion.get_data(as_text=True)
    assert document["issuedOn"].endswith("Z") and document["expires"] > document["issuedOn"]

    badge_class = client.get(document["badge"]).get_json()
    assert badge_class["type"] == "BadgeClass" and badge_class["id"] == document["badge"]
    assert badge_class["name"] == "Star gazer" and badge_class["description"] == "Watched the sky."
    assert badge_class["criteria"] == {"narrative": "Pass 3 quizzes."}
    assert client.get(badge_class["image"]).status_code in (200, 302)

    issuer = client.get(badge_class["issuer"]).get_json()
    assert issuer["type"] == "Issuer" and issuer["id"] == badge_class["issuer"]
    assert issuer["name"] == "LMS" and issuer["url"] == "http://localhost"


def test_a_revoked_assertion_answers_gone_with_the_reason(client, factory):
    award, _student = earn(factory)
    teacher = factory.user(role="teacher")
    badges.revoke(award, teacher, "Copied the answers")

    response = client.get(f"/gamification/openbadges/assertions/{award.uid}")

    assert response.status_code == 410
    assert response.get_json() == {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": f"http://localhost/gamification/openbadges/assertions/{award.uid}",
        "revoked": True,
        "revocationReason": "Copied the answers",
    }


def test_an_unknown_assertion_is_not_found(client):
    assert client.get("/gamification/openbadges/assertions/nope").status_code == 404


def test_a_built_in_badge_is_named_in_the_platforms_language_and_shows_its_own_picture(client, factory):
    badges.ensure_builtin_badges()
    badge = db.session.execute(db.select(Badge).where(Badge.builtin == "early-bird")).scalar_one()

    document = client.get(f"/gamification/openbadges/badges/{badge.id}", headers={"Accept-Language": "ru"}).get_json()

    assert document["name"] == "Early bird"
    picture = client.get(f"/gamification/badges/{badge.id}/image")
    assert picture.status_code == 302 and picture.location.endswith("/gamification/static/badges/early-bird.svg")
    assert client.get(picture.location).mimetype == "image/svg+xml"


def test_every_award_has_its_own_unguessable_assertion_id(factory):
    award, _student = earn(factory)
    other = badges.grant(award.badge, factory.user().id)
    ids = db.session.execute(db.select(BadgeAward.uid)).scalars().all()
    assert len(set(ids)) == 2 and all(len(uid) == 32 for uid in ids) and other.salt != award.salt
