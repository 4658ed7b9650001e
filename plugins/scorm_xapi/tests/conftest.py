"""Fixtures for the SCORM/xAPI plugin's tests: the app runs with this plugin only."""

from __future__ import annotations

import pytest


@pytest.fixture
def lms_base_config():
    return {"LMS_PLUGINS": "scorm_xapi"}
