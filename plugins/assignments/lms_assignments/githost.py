"""Links to Git hosts: recognising them, and asking the host's REST API which commit a
branch pointed to at hand-in time.

The commit is looked up with ``until=<hand-in time>``, so a job that runs late (a busy
queue, a retry after the host was down) still records what was there at hand-in and
not what was pushed after the deadline. Settings: ``ASSIGNMENTS_GITHUB_API_URL``
(default ``https://api.github.com``; a GitHub Enterprise server's ``/api/v3``),
``ASSIGNMENTS_GITHUB_HOSTS`` (web host names whose links are GitHub links),
``ASSIGNMENTS_GITHUB_TOKEN`` (optional, for private repositories and a higher rate
limit) and ``ASSIGNMENTS_GITHUB_TIMEOUT`` (seconds).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone

from flask_babel import gettext as _

from lms_core import ServiceError

from lms_assignments.settings import settings

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_HOSTS = ("github.com", "www.github.com")
MAX_URL_LENGTH = 2000
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_SHA = re.compile(r"^[0-9a-f]{7,40}$")


@dataclass(frozen=True)
class GitLink:
    """A link recognised as pointing into a repository. ``ref_and_path`` holds what
    follows ``/tree/`` or ``/blob/``: a branch name may itself contain slashes, so
    where the branch ends and the path begins is settled with the host's API."""

    host: str
    repository: str
    ref_and_path: tuple[str, ...] = ()
    commit: str | None = None

    @property
    def branch(self) -> str | None:
        return self.ref_and_path[0] if self.ref_and_path else None

    @property
    def path(self) -> str | None:
        return "/".join(self.ref_and_path[1:]) or None


def check_url(raw: str) -> str:
    """A well-formed http(s) URL, or a ``ServiceError`` saying what is wrong."""
    url = (raw or "").strip()
    message = _("“%(url)s” is not a valid web address (it must start with http:// or https://).", url=url[:100])
    if not url or len(url) > MAX_URL_LENGTH or any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ServiceError("invalid_url", message, 400, {"links": message})
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port  # raises on a malformed port
    except ValueError:
        raise ServiceError("invalid_url", message, 400, {"links": message}) from None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host or parts.username or parts.password or port == 0:
        raise ServiceError("invalid_url", message, 400, {"links": message})
    if "." not in host and host != "localhost" and not host.startswith("["):
        raise ServiceError("invalid_url", message, 400, {"links": message})
    return url


def parse(url: str) -> GitLink | None:
    """The repository / branch / path of a GitHub link, or ``None`` for other URLs."""
    parts = urllib.parse.urlsplit(url)
    hosts = settings.get("ASSIGNMENTS_GITHUB_HOSTS") or DEFAULT_HOSTS
    if (parts.hostname or "").lower() not in hosts:
        return None
    segments = [urllib.parse.unquote(s) for s in parts.path.split("/") if s]
    if len(segments) < 2 or not all(_NAME.match(s) for s in segments[:2]):
        return None
    owner, name = segments[0], segments[1]
    if name.endswith(".git"):
        name = name[:-4]
    repository = f"{owner}/{name}"
    rest = segments[2:]
    if not rest:
        return GitLink("github", repository)
    kind, rest = rest[0], tuple(rest[1:])
    if kind in ("tree", "blob") and rest:
        return GitLink("github", repository, rest)
    if kind == "commit" and rest and _SHA.match(rest[0].lower()):
        return GitLink("github", repository, commit=rest[0].lower())
    return GitLink("github", repository)  # issues, pulls, ...: the repository is what counts


# --------------------------------------------------------------------------- the REST API


class HostUnreachable(Exception):
    """The host did not answer usefully (network, timeout, 5xx, rate limit)."""


class NotFound(Exception):
    """The repository, branch or commit does not exist (or is private)."""


@dataclass(frozen=True)
class CommitFound:
    branch: str | None
    path: str | None
    sha: str


class GitHubClient:
    def __init__(self, api_url: str | None = None, token: str | None = None, timeout: float | None = None):
        self.api_url = (api_url or settings.get("ASSIGNMENTS_GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
        self.token = token or settings.get("ASSIGNMENTS_GITHUB_TOKEN")
        self.timeout = timeout or settings.get("ASSIGNMENTS_GITHUB_TIMEOUT")

    def get(self, path: str, query: dict | None = None):
        url = self.api_url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        request = urllib.request.Request(
            url,
            headers={
                "Accept": "application/vnd.github+json",
                "User-Agent": "lms-assignments",
                "X-GitHub-Api-Version": "2022-11-28",
                **({"Authorization": f"Bearer {self.token}"} if self.token else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 409, 422):  # 409: an empty repository
                raise NotFound(f"{exc.code} {path}") from exc
            raise HostUnreachable(f"{exc.code} {path}") from exc
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            raise HostUnreachable(str(exc)) from exc

    @staticmethod
    def _quote(value: str) -> str:
        return urllib.parse.quote(value, safe="")

    def commit_at(self, link: GitLink, moment: datetime) -> CommitFound:
        """The commit ``link`` pointed to at ``moment``: the newest commit of its branch
        (touching its path, if any) made at or before that time."""
        repo = "/repos/" + "/".join(self._quote(p) for p in link.repository.split("/"))
        if link.commit:
            data = self.get(f"{repo}/commits/{self._quote(link.commit)}")
            return CommitFound(None, None, data["sha"])
        branch, path = self._branch_and_path(repo, link)
        query = {"sha": branch, "until": moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "per_page": 1}
        if path:
            query["path"] = path
        commits = self.get(f"{repo}/commits", query)
        if not commits:
            raise NotFound("no commit before the hand-in")
        return CommitFound(branch, path, commits[0]["sha"])

    def _branch_and_path(self, repo: str, link: GitLink) -> tuple[str, str | None]:
        parts = link.ref_and_path
        if not parts:
            return self.get(repo)["default_branch"], None
        # The shortest name that is a branch wins: "tree/main/src/app" is branch "main".
        for cut in range(1, len(parts) + 1):
            candidate = "/".join(parts[:cut])
            try:
                self.get(f"{repo}/branches/{self._quote(candidate)}")
            except NotFound:
                continue
            return candidate, "/".join(parts[cut:]) or None
        # Not a branch: a tag or a commit id, which the commits endpoint accepts too.
        return parts[0], "/".join(parts[1:]) or None
