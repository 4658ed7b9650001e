"""A load generator: a fixed number of GET requests from several client processes,
each with one ``http.client`` connection (kept alive when the server allows it;
gunicorn's sync workers close it, and the client reconnects)."""

from __future__ import annotations

import http.client
import multiprocessing
import queue
import time
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

CLIENT_START_SECONDS = 60
RUN_SECONDS = 900


@dataclass
class LoadResult:
    requests: int
    seconds: float
    statuses: dict[int, int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    @property
    def failures(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200)


def _client(url: str, headers: dict, count: int, ready, start, results) -> None:
    parts = urlsplit(url)
    path = parts.path or "/"
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    statuses = Counter()
    ready.release()
    start.wait()
    for _ in range(count):
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            statuses[response.status] += 1
        except (OSError, http.client.HTTPException):
            statuses[0] += 1  # a refused or broken connection counts as a failure
            connection.close()
    connection.close()
    results.put(dict(statuses))


def measure(url: str, requests: int, clients: int, headers: dict | None = None) -> LoadResult:
    """Send ``requests`` GETs to ``url`` from ``clients`` processes; time from the moment
    every client is ready until the last one finishes."""
    context = multiprocessing.get_context("spawn")
    ready, start, results = context.Semaphore(0), context.Event(), context.Queue()
    shares = [requests // clients + (1 if i < requests % clients else 0) for i in range(clients)]
    processes = [
        context.Process(target=_client, args=(url, headers or {}, share, ready, start, results), daemon=True)
        for share in shares
    ]
    for process in processes:
        process.start()
    try:
        for _ in processes:
            _wait(lambda: ready.acquire(timeout=1), processes, CLIENT_START_SECONDS)
        began = time.perf_counter()
        start.set()
        statuses = Counter()
        for _ in processes:
            statuses.update(_wait(lambda: _get(results), processes, RUN_SECONDS)[0])
        seconds = time.perf_counter() - began
    finally:
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
    return LoadResult(requests, seconds, dict(statuses))


def _get(results):
    try:
        return [results.get(timeout=1)]  # a list: even an empty answer counts as one
    except queue.Empty:
        return None


def _wait(step, processes, limit: float):
    """Repeat ``step`` until it returns something; fail fast when a client died
    (instead of waiting forever for its answer)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = step()
        if value:
            return value
        dead = [p for p in processes if p.exitcode not in (None, 0)]
        if dead:
            raise RuntimeError(f"a load client exited with {dead[0].exitcode}")
    raise RuntimeError(f"the load clients did not answer within {limit:.0f}s")
