"""Plugins see the core through one surface, listed once.

The project's plugins and the tutorial's are the proof that the surface is enough: none
of them may import an internal module of ``lms_core`` or read ``flask.g.user``. The names
the facade exports, the public modules and the lists in docs/plugins.md are the same.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import lms_core

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_CODE = sorted([*ROOT.glob("plugins/*/**/*.py"), *ROOT.glob("examples/*/**/*.py")])
PLUGIN_CODE = [p for p in PLUGIN_CODE if ".egg-info" not in str(p) and "/build/" not in str(p)]
TUTORIAL = ROOT / "docs" / "plugins.md"
HOOK_REFERENCE = ROOT / "docs" / "hooks.md"


def core_imports(path: Path):
    """(line, module, names) of every import of lms_core in a file."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "lms_core":
                    yield node.lineno, alias.name, ()
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "lms_core":
            yield node.lineno, node.module, tuple(a.name for a in node.names)


def violations(path: Path) -> list[str]:
    found = []
    public = set(lms_core.PUBLIC_MODULES)
    for line, module, names in core_imports(path):
        where = f"{path.relative_to(ROOT)}:{line}"
        if module == "lms_core":
            for name in names:
                if name not in lms_core.__all__ and f"lms_core.{name}" not in public:
                    found.append(f"{where} imports {name} from lms_core, which does not export it")
        elif module not in public and not (names and all(f"{module}.{name}" in public for name in names)):
            found.append(f"{where} imports {module}, an internal module")
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "user"
            and isinstance(node.value, ast.Name)
            and node.value.id == "g"
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} reads g.user (use lms_core.current_user)")
    return found


def test_plugins_and_examples_import_only_the_public_surface():
    assert len(PLUGIN_CODE) > 50  # the three plugins, their tests and the tutorial's plugin
    found = [message for path in PLUGIN_CODE for message in violations(path)]
    assert found == []


def test_the_check_catches_an_internal_import_and_a_read_of_g_user(tmp_path):
    sneaky = ROOT / "plugins" / "_sneaky_check.py"
    sneaky.write_text(
        "from flask import g\nfrom lms_core.extensions import db\nfrom lms_core import db, helpers\n\n"
        "def who():\n    return g.user\n"
    )
    try:
        assert violations(sneaky) == [
            "plugins/_sneaky_check.py:2 imports lms_core.extensions, an internal module",
            "plugins/_sneaky_check.py:3 imports helpers from lms_core, which does not export it",
            "plugins/_sneaky_check.py:6 reads g.user (use lms_core.current_user)",
        ]
    finally:
        sneaky.unlink()


def listed(document: Path, marker: str) -> list[str]:
    """The names in a document's list between ``<!-- marker -->`` and ``<!-- /marker -->``:
    each row of its table starts with the name in backticks."""
    text = document.read_text()
    block = text.split(f"<!-- {marker} -->", 1)[1].split(f"<!-- /{marker} -->", 1)[0]
    return re.findall(r"^\| `([\w.]+)", block, re.M)


def test_the_tutorial_lists_exactly_the_names_the_facade_exports():
    assert sorted(listed(TUTORIAL, "public-names")) == sorted(lms_core.__all__)


def test_the_tutorial_lists_exactly_the_public_modules():
    assert listed(TUTORIAL, "public-modules") == list(lms_core.PUBLIC_MODULES)


def test_every_core_name_the_docs_mention_is_public():
    """docs/hooks.md and docs/plugins.md name core things by ``lms_core.<name>``: each is
    a facade name, a public module or something inside one (or ``lms_core.*``, the
    core's own default plugins)."""
    public = set(lms_core.PUBLIC_MODULES)
    for document in (HOOK_REFERENCE, TUTORIAL):
        for dotted in set(re.findall(r"`(lms_core\.[\w.]+)", document.read_text())):
            parts = dotted.split(".")
            prefixes = {".".join(parts[:n]) for n in range(2, len(parts) + 1)}
            assert (
                parts[1] in [*lms_core.__all__, "PUBLIC_MODULES", "__all__"]
                or prefixes & public
                or dotted in DEFAULT_PLUGIN_NAMES
            ), f"{document.name} names {dotted}, which is not public"


# The names the core's own default plugins are registered under (docs/hooks.md, "Load order").
DEFAULT_PLUGIN_NAMES = {"lms_core.permissions", "lms_core.completion", "lms_core.navigation", "lms_core.sessions"}
