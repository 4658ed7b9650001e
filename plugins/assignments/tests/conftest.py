"""Fixtures of the assignments plugin's tests: assignments built through the plugin's
own services, uploads, and a small HTTP server that answers like the GitHub REST API."""

from __future__ import annotations

import io
import json
import threading
import urllib.parse
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from werkzeug.datastructures import FileStorage

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17


@pytest.fixture
def lms_base_config() -> dict:
    """Only this plugin is loaded, so its tests do not depend on which other plugins
    happen to be installed (cross-plugin stories live in the core's ``tests/``)."""
    return {"LMS_PLUGINS": "assignments"}


class Assignments:
    """Builds assignments, hand-ins and grades the way teachers and students do."""

    PDF = PDF
    PNG = PNG

    def __init__(self, factory):
        self.factory = factory

    def course_with_student(self, **course_fields):
        teacher = self.factory.user(role="teacher")
        course = self.factory.course(teacher=teacher, **course_fields)
        student = self.factory.user()
        self.factory.enrol(student, course)
        return course, teacher, student

    def create(self, course, teacher=None, **settings):
        from lms_core.models import User

        from lms_assignments import authoring

        data = {
            "title": "Essay",
            "description": "Write **something**.",
            "due_at": datetime.now(timezone.utc) + timedelta(days=7),
            "max_points": 10,
        }
        data.update(settings)
        teacher = teacher or User.query.filter_by(role="teacher").first()
        return authoring.create_assignment(teacher, course, data)

    def rubric(self, course, teacher=None, **settings):
        settings.setdefault("grading_mode", "rubric")
        settings.setdefault(
            "rubric",
            [
                {
                    "title": "Correctness",
                    "levels": [
                        {"title": "Right", "points": 6},
                        {"title": "Partly", "points": 3},
                        {"title": "Wrong", "points": 0},
                    ],
                },
                {"title": "Style", "levels": [{"title": "Clean", "points": 4}, {"title": "Messy", "points": 1.5}]},
            ],
        )
        return self.create(course, teacher, **settings)

    @staticmethod
    def hand_in(student, assignment, *, text="My answer", links=None, uploads=(), now=None, submit=True):
        from lms_assignments import submissions

        return submissions.save(
            student, assignment, text=text, links=links, uploads=list(uploads), submit=submit, now=now
        )

    @staticmethod
    def upload(name: str, content: bytes) -> FileStorage:
        return FileStorage(stream=io.BytesIO(content), filename=name)

    @staticmethod
    def levels(assignment, *titles) -> dict:
        """RubricLevel ids by title, one per criterion in order."""
        return {str(c.id): next(lv.id for lv in c.levels if lv.title == t) for c, t in zip(assignment.criteria, titles)}


@pytest.fixture
def assignments(factory):
    return Assignments(factory)


@pytest.fixture
def stored_files(app):
    """The files on disk under the upload folder (relative names)."""
    from lms_assignments import storage

    def listing():
        root = storage.upload_root()
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []

    return listing


# --------------------------------------------------------------------------- a GitHub look-alike


class FakeGitHub:
    """Repositories as data: ``repos[owner/name] = {"default_branch": ..., "branches":
    {name: [(commit date, sha, [paths touched]), ...]}}``; answers the endpoints the
    plugin calls, the way GitHub's REST API does, and records every request."""

    def __init__(self):
        self.repos: dict[str, dict] = {}
        self.requests: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handler(self):
        github = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                github.requests.append(self.path)
                status, body = github.answer(self.path)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler

    def answer(self, raw_path: str):
        parts = urllib.parse.urlsplit(raw_path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        segments = [urllib.parse.unquote(s) for s in parts.path.split("/") if s]
        not_found = (404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})
        if len(segments) < 3 or segments[0] != "repos":
            return not_found
        repo = self.repos.get(f"{segments[1]}/{segments[2]}")
        if repo is None:
            return not_found
        rest = segments[3:]
        if not rest:
            return 200, {"full_name": f"{segments[1]}/{segments[2]}", "default_branch": repo["default_branch"]}
        if rest[0] == "branches" and len(rest) == 2:
            if rest[1] not in repo["branches"]:
                return 404, {"message": "Branch not found"}
            head = max(repo["branches"][rest[1]])
            return 200, {"name": rest[1], "commit": {"sha": head[1]}}
        if rest[0] == "commits" and len(rest) == 1:
            commits = repo["branches"].get(query.get("sha", repo["default_branch"]))
            if commits is None:
                return 404, {"message": "No commit found for SHA"}
            until = datetime.fromisoformat(query["until"].replace("Z", "+00:00")) if "until" in query else None
            found = [
                c
                for c in sorted(commits, reverse=True)
                if (until is None or c[0] <= until)
                and ("path" not in query or any(p == query["path"] or p.startswith(query["path"] + "/") for p in c[2]))
            ]
            return 200, [
                {"sha": sha, "commit": {"committer": {"date": when.isoformat()}}}
                for when, sha, _paths in found[: int(query.get("per_page", 30))]
            ]
        if rest[0] == "commits" and len(rest) == 2:
            for commits in repo["branches"].values():
                for _when, sha, _paths in commits:
                    if sha.startswith(rest[1]):
                        return 200, {"sha": sha}
            return 422, {"message": "No commit found for SHA"}
        return not_found


@pytest.fixture
def github(app):
    """A local GitHub REST API look-alike; the app is pointed at it."""
    fake = FakeGitHub()
    fake.thread.start()
    app.config["ASSIGNMENTS_GITHUB_API_URL"] = fake.url
    app.config["ASSIGNMENTS_GITHUB_TIMEOUT"] = 5
    yield fake
    fake.server.shutdown()
    fake.server.server_close()
