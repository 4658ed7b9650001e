"""Building plugins inside a test, the two ways a deployment gets them.

* ``register_plugin(app, name, *functions)``: a module object with ``@hookimpl``
  functions, registered while the app runs (``app.extensions["lms_plugins"].register``);
  enough for every hook the core calls after start-up.
* the ``distributions`` fixture: a package plus a ``.dist-info`` folder with an
  ``lms.plugins`` entry point, put on ``sys.path`` as pip would install them; for hooks
  the core calls inside ``create_app`` (blueprints, translations) and for start-up errors.
  Build the app after installing: ``request.getfixturevalue("app")``.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
import types
import uuid
from pathlib import Path

import pytest

from lms_core.extensions import db


def plugin_module(name: str, *functions) -> types.ModuleType:
    module = types.ModuleType(f"test_plugin_{name}")
    for function in functions:
        setattr(module, function.__name__, function)
    return module


def register_plugin(app, name: str, *functions) -> types.ModuleType:
    module = plugin_module(name, *functions)
    app.extensions["lms_plugins"].register(module, name=name)
    return module


class Distributions:
    def __init__(self, site: Path):
        self.site = site
        self.packages: list[str] = []

    def install(
        self,
        name: str,
        source: str,
        files: dict[str, bytes | str] | None = None,
        version: str = "1.0",
        entry_point: str | None = None,
    ) -> types.SimpleNamespace:
        """Install ``lms-plugin-<name>`` whose ``plugin.py`` is ``source``; ``files``
        are more files of its package (relative path -> content); ``entry_point`` is
        the plugin's name when it differs from ``name``. Returns the package name and folder."""
        package = f"lms_{name}_{uuid.uuid4().hex[:8]}"  # never one already imported
        folder = self.site / package
        folder.mkdir()
        (folder / "__init__.py").write_text("")
        (folder / "plugin.py").write_text(textwrap.dedent(source))
        for relative, content in (files or {}).items():
            path = folder / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content))
        info = self.site / f"lms_plugin_{name}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: lms-plugin-{name}\nVersion: {version}\n")
        (info / "entry_points.txt").write_text(f"[lms.plugins]\n{entry_point or name} = {package}.plugin\n")
        importlib.invalidate_caches()
        self.packages.append(package)
        return types.SimpleNamespace(package=package, folder=folder)

    def module(self, installed) -> types.ModuleType:
        """The installed plugin module, as the app loaded it."""
        return sys.modules[f"{installed.package}.plugin"]

    def uninstall_all(self) -> None:
        for package in self.packages:
            for loaded in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
                del sys.modules[loaded]


@pytest.fixture
def distributions(tmp_path, monkeypatch):
    site = tmp_path / "site-packages"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    installed = Distributions(site)
    yield installed
    installed.uninstall_all()


SHELF_MIGRATION = '''
    """create shelf_items"""
    from alembic import op
    import sqlalchemy as sa

    revision = "shelf0001"
    down_revision = None
    branch_labels = None
    depends_on = None


    def upgrade():
        op.create_table("shelf_items", sa.Column("id", sa.Integer, primary_key=True),
                        sa.Column("title", sa.String(100), nullable=False))


    def downgrade():
        op.drop_table("shelf_items")
'''


@pytest.fixture
def shelf_migrations(tmp_path):
    """The ``versions`` folder of a plugin named ``shelf`` that owns one table,
    ``shelf_items``; its tables are dropped afterwards (PostgreSQL keeps them between tests)."""
    versions = tmp_path / "shelf_migrations"
    versions.mkdir()
    (versions / "shelf0001_create_shelf_items.py").write_text(textwrap.dedent(SHELF_MIGRATION))
    yield versions
    with db.engine.begin() as connection:
        connection.execute(db.text("DROP TABLE IF EXISTS shelf_items"))
        connection.execute(db.text("DROP TABLE IF EXISTS shelf_alembic_version"))
