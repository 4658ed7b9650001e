"""A plugin author starts with ``lms plugins new NAME``: what it writes installs,
migrates and passes its own tests as generated."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from lms_core.cli import main

BIN = Path(sys.executable).parent
STEP_SECONDS = 180


def run(*command, cwd=None, env=None):
    return subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=STEP_SECONDS
    )


def isolated_environment(tmp_path) -> dict:
    """The generated tests run in a process of their own: give it its own database and
    Redis numbers, so it never drops or flushes the ones this run uses."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/lms.sqlite3",
        "LMS_INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "template-test",
    }
    env.pop("REDIS_URL", None)
    env["LMS_TEST_DB_TAG"] = os.environ.get("LMS_TEST_DB_TAG", "") + "template_"
    if os.environ.get("LMS_TEST_REDIS_URL"):
        root = os.environ["LMS_TEST_REDIS_URL"].split("?")[0].rstrip("/")
        if root.count("/") > 2:
            root = root.rsplit("/", 1)[0]
        env["LMS_TEST_REDIS_URL"] = f"{root}/12"
    return env


def test_a_generated_plugin_installs_migrates_and_passes_its_own_tests(tmp_path):
    name = f"notes_{uuid.uuid4().hex[:6]}"
    created = CliRunner().invoke(main, ["plugins", "new", name, "--directory", str(tmp_path)])
    assert created.exit_code == 0, created.output
    folder = tmp_path / f"lms-plugin-{name.replace('_', '-')}"
    assert created.output.startswith(f"created {folder}\n")
    package = folder / f"lms_{name}"
    for part in (
        "pyproject.toml",
        "README.md",
        "babel.cfg",
        "tests",
        f"lms_{name}/plugin.py",
        f"lms_{name}/templates/{name}/index.html",
        "lms_" + name + "/translations/en/LC_MESSAGES/messages.po",
        "lms_" + name + "/translations/ru/LC_MESSAGES/messages.mo",
    ):
        assert (folder / part).exists(), part
    assert len(list((package / "migrations" / "versions").glob(f"*_create_{name}_notes.py"))) == 1
    assert f'{name} = "lms_{name}.plugin"' in (folder / "pyproject.toml").read_text()

    env = isolated_environment(tmp_path)
    # Installed into a folder of its own that only the subprocesses below see (on their
    # PYTHONPATH), never into the suite's environment: another worker's app that loads
    # every installed plugin must not meet it.
    site = tmp_path / "site"
    installed = run(
        BIN / "python", "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--target", site, folder
    )
    assert installed.returncode == 0, installed.stderr
    env["PYTHONPATH"] = str(site)
    env["LMS_PLUGINS"] = name
    upgraded = run(BIN / "lms", "db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout == f"upgraded: core\nupgraded: {name}\n"
    check = run(BIN / "lms", "plugins", "check", env=env)
    assert check.stdout == "no problems found\n", check.stdout + check.stderr

    tests = run(BIN / "python", "-m", "pytest", "-p", "no:cacheprovider", "-q", "tests", cwd=folder, env=env)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "4 passed" in tests.stdout


@pytest.mark.parametrize(
    "name, reason",
    [
        ("Notes", "is not a plugin name"),
        ("my-notes", "is not a plugin name"),
        ("class", "is not a plugin name"),
        ("core", "is used by the core"),
    ],
)
def test_a_name_that_cannot_prefix_tables_is_refused(tmp_path, name, reason):
    result = CliRunner().invoke(main, ["plugins", "new", name, "--directory", str(tmp_path)])

    assert result.exit_code == 1
    assert reason in result.output
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_never_overwritten(tmp_path):
    (tmp_path / "lms-plugin-notes").mkdir()

    result = CliRunner().invoke(main, ["plugins", "new", "notes", "--directory", str(tmp_path)])

    assert result.exit_code == 1
    assert "already exists" in result.output
