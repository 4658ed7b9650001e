"""Fixtures of the xAPI tests (imported by the test_xapi*.py modules): ralph started
once per test session, emptied for each test, and the app pointed at it."""

from __future__ import annotations

import pytest

from xapi_ralph import KEY, SECRET, Ralph


@pytest.fixture(scope="session")
def ralph(tmp_path_factory):
    server = Ralph(tmp_path_factory.mktemp("ralph")).start()
    yield server
    server.stop()


@pytest.fixture
def lrs(ralph, app):
    """An empty LRS that the admin has configured (pseudonymous learners, xAPI 1.0.3)."""
    from lms_scorm_xapi.xapi import settings

    ralph.clear()
    settings.save({"endpoint": ralph.endpoint, "key": KEY, "secret": SECRET, "version": "1.0.3", "actor": "account"})
    return ralph


def configure(endpoint: str, actor: str = "account", version: str = "1.0.3", key: str = KEY, secret: str = SECRET):
    from lms_scorm_xapi.xapi import settings

    settings.save({"endpoint": endpoint, "key": key, "secret": secret, "version": version, "actor": actor})
