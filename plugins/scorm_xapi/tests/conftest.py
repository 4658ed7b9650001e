"""Fixtures for the SCORM/xAPI plugin's tests: the app runs with this plugin only."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # pytest's importlib mode adds no test folder to the path


@pytest.fixture
def lms_base_config():
    return {"LMS_PLUGINS": "scorm_xapi"}


@pytest.fixture
def scorm_course(factory):
    """A teacher, their course and an enrolled learner."""
    teacher = factory.user(role="teacher", name="Tess Teacher")
    course = factory.course(teacher=teacher, title="Workplace safety", published=True)
    learner = factory.user(name="Lena Learner")
    factory.enrol(learner, course)
    return teacher, course, learner


def upload(client, url, data: bytes, name="package.zip", **fields):
    return client.post(url, data={"package": (io.BytesIO(data), name), **fields}, content_type="multipart/form-data")
