"""Gunicorn with sync workers, the reference server of every benchmark (gthread lets
keep-alive connections pile onto one worker and halves throughput at random)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
START_SECONDS = 60
STOP_SECONDS = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(app_spec: str, env: dict, log_path: Path, workers: int = 2, probe_path: str = "/"):
    """Serve ``app_spec`` (``module:factory(literal args)``) on a free port; yields the
    base URL. ``env`` adds to this process's environment; a ``None`` value removes a name."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--error-logfile",
        "-",
        "--log-level",
        "warning",
        app_spec,
    ]
    environment = {k: v for k, v in {**os.environ, **env, "PYTHONPATH": str(REPOSITORY)}.items() if v is not None}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, env=environment, cwd=REPOSITORY, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(process, base_url + probe_path, log_path)
        yield base_url
    finally:
        _stop(process)


def _wait_until_serving(process, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer within {START_SECONDS}s:\n{log_path.read_text(errors='replace')}")


def _stop(process) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # gunicorn's graceful shutdown; bounded, then killed
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_SECONDS)
