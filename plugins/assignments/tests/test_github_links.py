"""GitHub links: shown as repository / branch / path, with the commit they pointed to
at hand-in time recorded through the host's REST API (a local look-alike here)."""

import socket
from datetime import timedelta

import pytest

from lms_core import db
from lms_core.models import utcnow

from lms_assignments import githost, jobs
from lms_assignments.models import SubmissionLink


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://github.com/ada/engine", ("ada/engine", None, None, None)),
        ("https://github.com/ada/engine.git", ("ada/engine", None, None, None)),
        ("https://github.com/ada/engine/tree/main", ("ada/engine", "main", None, None)),
        ("https://github.com/ada/engine/blob/main/src/app.py", ("ada/engine", "main", "src/app.py", None)),
        ("https://www.github.com/ada/engine/tree/dev/docs/", ("ada/engine", "dev", "docs", None)),
        ("https://github.com/ada/engine/commit/0123abcd0123abcd", ("ada/engine", None, None, "0123abcd0123abcd")),
        ("https://github.com/ada/engine/pulls", ("ada/engine", None, None, None)),
    ],
)
def test_github_links_are_split_into_repository_branch_and_path(app, url, expected):
    link = githost.parse(githost.check_url(url))
    assert (link.repository, link.branch, link.path, link.commit) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://gitlab.example.org/ada/engine",
        "https://github.com/ada",
        "https://github.com/",
        "https://example.org/github.com/ada/engine",
    ],
)
def test_other_links_are_plain_links(app, url):
    assert githost.parse(url) is None


def _repository(github, hand_in_time):
    github.repos["ada/engine"] = {
        "default_branch": "main",
        "branches": {
            "main": [
                (hand_in_time - timedelta(hours=2), "a" * 40, ["README.md"]),
                (hand_in_time - timedelta(hours=1), "b" * 40, ["src/app.py"]),
                (hand_in_time - timedelta(minutes=30), "c" * 40, ["README.md"]),
                (hand_in_time + timedelta(minutes=1), "d" * 40, ["src/app.py"]),
            ],  # pushed after hand-in
            "feature/login": [(hand_in_time - timedelta(hours=3), "e" * 40, ["src/login.py"])],
        },
    }


def test_the_commit_at_hand_in_time_is_recorded_not_one_pushed_afterwards(client, login, assignments, github, run_jobs):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher)
    handed_in_at = utcnow() - timedelta(minutes=10)
    _repository(github, handed_in_at)
    submission = assignments.hand_in(
        student,
        assignment,
        links=[
            "https://github.com/ada/engine",
            "https://github.com/ada/engine/tree/main/src",
            "https://github.com/ada/engine/tree/feature/login/src",
        ],
        now=handed_in_at,
    )
    run_jobs()

    db.session.expire_all()
    links = db.session.execute(db.select(SubmissionLink).order_by(SubmissionLink.id)).scalars().all()
    assert [(link.state, link.branch, link.path, link.commit_sha) for link in links] == [
        ("verified", "main", None, "c" * 40),  # newest on the default branch before hand-in
        ("verified", "main", "src", "b" * 40),  # newest touching src/
        ("verified", "feature/login", "src", "e" * 40),  # a branch name with a slash
    ]
    assert any("until=" in r and "sha=main" in r for r in github.requests)

    login(client, teacher)
    html = client.get(f"/assignments/submissions/{submission.id}").get_data(as_text=True)
    assert '<strong class="git-repository">ada/engine</strong>' in html
    assert (
        '<strong class="git-branch">feature/login</strong>' in html and '<strong class="git-path">src</strong>' in html
    )
    assert f'title="{"b" * 40}"' in html


def test_the_link_is_checked_in_a_job_not_while_the_student_waits(app, assignments, github, run_jobs):
    if not app.config.get("REDIS_URL"):
        pytest.skip("without Redis, jobs run inline by design")
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher)
    _repository(github, utcnow())
    assignments.hand_in(student, assignment, links=["https://github.com/ada/engine"])
    assert github.requests == []
    assert db.session.execute(db.select(SubmissionLink.state)).scalar_one() == "pending"
    run_jobs()
    db.session.expire_all()
    assert db.session.execute(db.select(SubmissionLink.state)).scalar_one() == "verified"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


def test_an_unreachable_host_leaves_the_link_accepted_and_unverified_until_the_repair_task(
    app, client, login, assignments, github, run_jobs
):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher)
    handed_in_at = utcnow() - timedelta(hours=2)
    _repository(github, handed_in_at)
    app.config["ASSIGNMENTS_GITHUB_API_URL"] = f"http://127.0.0.1:{_closed_port()}"
    submission = assignments.hand_in(student, assignment, links=["https://github.com/ada/engine"], now=handed_in_at)
    run_jobs()

    db.session.expire_all()
    link = db.session.execute(db.select(SubmissionLink)).scalar_one()
    assert (link.state, link.commit_sha, link.submission.status) == ("unverified", None, "submitted")
    login(client, student)
    assert 'data-link-state="unverified"' in client.get(f"/assignments/submissions/{submission.id}").get_data(
        as_text=True
    )

    # The host is back; the repair task re-checks links left unverified a while ago.
    app.config["ASSIGNMENTS_GITHUB_API_URL"] = github.url
    link.checked_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert jobs.repair()["links"] == 1
    db.session.expire_all()
    link = db.session.execute(db.select(SubmissionLink)).scalar_one()
    assert (link.state, link.commit_sha, link.checks) == ("verified", "c" * 40, 2)  # still the hand-in time's


def test_a_repository_the_host_does_not_know_is_marked_not_found(app, assignments, github, run_jobs):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher)
    assignments.hand_in(student, assignment, links=["https://github.com/ada/secret-project"])
    run_jobs()
    db.session.expire_all()
    assert db.session.execute(db.select(SubmissionLink.state)).scalar_one() == "not_found"


def test_a_commit_link_is_checked_against_the_host(app, assignments, github, run_jobs):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher)
    _repository(github, utcnow())
    assignments.hand_in(student, assignment, links=[f"https://github.com/ada/engine/commit/{'e' * 12}"])
    run_jobs()
    db.session.expire_all()
    link = db.session.execute(db.select(SubmissionLink)).scalar_one()
    assert (link.state, link.commit_sha) == ("verified", "e" * 40)


def test_draft_links_are_not_checked_until_handed_in(app, assignments, github, run_jobs):
    course, teacher, student = assignments.course_with_student()
    assignment = assignments.create(course, teacher)
    _repository(github, utcnow())
    assignments.hand_in(student, assignment, links=["https://github.com/ada/engine"], submit=False)
    run_jobs()
    assert github.requests == []
    assert jobs.repair()["links"] == 0
