"""A real LRS for the xAPI tests: ralph (``ralph-malph`` on PyPI) with its file-system
backend, in a virtual environment of its own built once in a cache folder.

``python plugins/scorm_xapi/tests/xapi_ralph.py --install`` builds the environment
(``scripts/setup.sh test`` runs it); the ``ralph`` fixture builds it when it is missing.
Its folder is ``$LMS_RALPH_VENV``, else ``~/.cache/lms-tests/ralph-<version>``.
Also here: a server that takes connections and never answers (the LRS's timeouts).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

RALPH_VERSION = "5.1.0"
# ralph's API imports requests (its OIDC login) without its "lrs" extra requiring it
REQUIREMENTS = (f"ralph-malph[lrs]=={RALPH_VERSION}", "requests>=2.31")
KEY, SECRET = "lms-tests", "lrs-secret-of-the-tests"
INSTALL_TIMEOUT = 1200
# ralph's API under uvicorn. Its file-system LRS backend writes every statement to one
# file with the data backend's default operation, CREATE, which refuses a file that
# exists: the second statement would fail with a 500. Appending is what an LRS on files
# must do, so the backend is told to append; everything else (validation, ids, 204/409,
# Basic auth) is ralph's own.
RUN_RALPH = """
import sys
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
FSLRSBackend.default_operation_type = BaseOperationType.APPEND
import uvicorn
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""
START_TIMEOUT = 90


def venv_dir() -> Path:
    if os.environ.get("LMS_RALPH_VENV"):
        return Path(os.environ["LMS_RALPH_VENV"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "lms-tests" / f"ralph-{RALPH_VERSION}"


def ensure_venv() -> Path:
    """The environment with ralph in it, built on first use (one builder at a time)."""
    venv = venv_dir()
    marker = venv / ".installed"
    if marker.exists():
        return venv
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
            subprocess.run(
                [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *REQUIREMENTS],
                check=True,
                timeout=INSTALL_TIMEOUT,
            )
            marker.write_text("\n".join(REQUIREMENTS) + "\n")
    return venv


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Ralph:
    """ralph's LRS on a free port, storing statements in a JSON-lines file."""

    def __init__(self, workdir: Path):
        self.workdir = Path(workdir)
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}/xAPI/"
        self.process: subprocess.Popen | None = None

    @property
    def store(self) -> Path:
        return self.workdir / "fs_lrs.jsonl"

    def start(self) -> "Ralph":
        venv = ensure_venv()
        self.workdir.mkdir(parents=True, exist_ok=True)
        python = str(venv / "bin" / "python")
        hashed = subprocess.run(
            [
                python,
                "-c",
                "import bcrypt,sys; print(bcrypt.hashpw(sys.argv[1].encode(), bcrypt.gensalt(4)).decode())",
                SECRET,
            ],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()
        auth = self.workdir / "auth.json"
        auth.write_text(
            json.dumps(
                [
                    {
                        "agent": {"mbox": "mailto:lms-tests@example.org"},
                        "scopes": ["all"],
                        "hash": hashed,
                        "username": KEY,
                    }
                ]
            )
        )
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("RALPH_")},
            "RALPH_APP_DIR": str(self.workdir),
            "RALPH_AUTH_FILE": str(auth),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.workdir),
            "RALPH_SENTRY_DSN": "",
        }
        self.log = open(self.workdir / "ralph.log", "w")
        self.process = subprocess.Popen(
            [python, "-c", RUN_RALPH, str(self.port)],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=self.workdir,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("ralph stopped at start:\n" + (self.workdir / "ralph.log").read_text()[-3000:])
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"ralph did not answer within {START_TIMEOUT} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def clear(self) -> None:
        """A new, empty LRS (the statements file removed)."""
        self.store.unlink(missing_ok=True)

    def statements(self) -> list[dict]:
        """What the LRS stored, in the order it stored it."""
        if not self.store.exists():
            return []
        return [json.loads(line) for line in self.store.read_text().splitlines() if line.strip()]

    def get(self, statement_id: str) -> tuple[int, dict | None]:
        """The statement as the LRS's API gives it back (GET statements?statementId=)."""
        import base64

        request = urllib.request.Request(
            f"{self.endpoint}statements?statementId={statement_id}",
            headers={
                "X-Experience-API-Version": "1.0.3",
                "Authorization": "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode(),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                body = json.loads(r.read())
        except urllib.error.HTTPError as exc:
            return exc.code, None
        # ralph answers a statementId query with a StatementResult: unwrap its one statement
        if isinstance(body, dict) and "statements" in body:
            body = body["statements"][0] if body["statements"] else None
        return 200, body


class SilentServer:
    """Takes TCP connections and never answers: a hung LRS."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}/xAPI/"
        self.connections: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
                self.connections.append(conn)
            except OSError:
                continue

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(5)
        for conn in self.connections:
            conn.close()
        self.sock.close()


if __name__ == "__main__":
    if sys.argv[1:] == ["--install"]:
        print(f"ralph's environment: {ensure_venv()}")
    else:
        sys.exit("usage: xapi_ralph.py --install")
