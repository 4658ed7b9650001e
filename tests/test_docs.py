"""The plugin documentation cannot drift from the code: every hook has a heading in
docs/hooks.md naming its arguments, and the tutorial (docs/plugins.md) shows the real
files of its plugin, examples/lms-plugin-hello, which the suite installs and tests."""

import configparser
import dataclasses
import re
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import hookspecs
from lms_core.cli import main

ROOT = Path(__file__).resolve().parents[1]
HOOK_REFERENCE = ROOT / "docs" / "hooks.md"
TUTORIAL = ROOT / "docs" / "plugins.md"
EXAMPLE = ROOT / "examples" / "lms-plugin-hello"

HOOK_HEADING = re.compile(r"^#{2,4} `(\w+)\(([^)]*)\)`[ \t]*$", re.M)
FILE_BLOCK = re.compile(r'^```[\w-]* title="([^"]+)"\n(.*?)^```[ \t]*$', re.M | re.S)

# The core alone: hooks that plugins declare are documented with those plugins.
pytestmark = pytest.mark.lms_config(LMS_PLUGINS="")


def core_hooks(app) -> dict:
    hook = app.extensions["lms_plugins"].pm.hook
    return {
        name: getattr(hook, name).spec
        for name in dir(hook)
        if not name.startswith("_") and getattr(hook, name).spec is not None
    }


def documented_hooks() -> dict[str, tuple[str, ...]]:
    """Hook name -> the argument names its heading shows, e.g. ``### `on_enrolled(user, course, enrollment)` ``."""
    return {
        name: tuple(a.strip() for a in args.split(",") if a.strip())
        for name, args in HOOK_HEADING.findall(HOOK_REFERENCE.read_text())
    }


def section_of(name: str) -> str:
    """The reference text of one hook: from its heading to the next heading."""
    text = HOOK_REFERENCE.read_text()
    start = next(m.end() for m in HOOK_HEADING.finditer(text) if m.group(1) == name)
    following = re.search(r"^#{1,4} ", text[start:], re.M)
    return text[start : start + following.start()] if following else text[start:]


def test_the_plugin_manager_knows_exactly_the_hooks_of_hookspecs(app):
    declared = {name for name, value in vars(hookspecs).items() if hasattr(value, "lms_spec")}
    assert set(core_hooks(app)) == declared


def test_every_hook_has_a_heading_in_the_reference_naming_all_its_arguments(app):
    documented = documented_hooks()
    wrong = {
        name: spec.argnames for name, spec in core_hooks(app).items() if documented.get(name) != tuple(spec.argnames)
    }
    expected = "\n".join(f"### `{name}({', '.join(args)})`" for name, args in sorted(wrong.items()))
    assert not wrong, f"docs/hooks.md needs these headings (exactly):\n{expected}"


def test_the_reference_documents_no_hook_that_does_not_exist(app):
    assert set(documented_hooks()) <= set(core_hooks(app))


def test_each_hooks_reference_says_whether_it_is_firstresult_and_shows_an_example(app):
    documented = documented_hooks()
    for name, spec in core_hooks(app).items():
        if name not in documented:
            continue  # reported by the test of the headings
        section = section_of(name)
        expected = "yes" if spec.opts.get("firstresult") else "no"
        assert f"**firstresult:** {expected}" in section, f"{name}: say “**firstresult:** {expected}”"
        assert "**When:**" in section and "**Returns:**" in section, name
        assert re.search(r"```python\n.*\b" + name + r"\b", section, re.S), f"{name}: no example implementation"


def tutorial_files() -> list[tuple[str, str]]:
    return FILE_BLOCK.findall(TUTORIAL.read_text())


def test_every_file_shown_in_the_tutorial_is_the_file_in_examples():
    files = tutorial_files()
    assert files, "docs/plugins.md shows no file"
    for path, shown in files:
        assert path.startswith("examples/lms-plugin-hello/"), path
        assert (ROOT / path).is_file(), f"docs/plugins.md shows {path}, which does not exist"
        assert shown == (ROOT / path).read_text(), f"docs/plugins.md shows an outdated {path}: copy the file in"


def test_the_tutorial_shows_every_source_file_of_its_plugin():
    generated = {".mo", ".pot", ".pyc"}
    sources = {
        str(path.relative_to(ROOT))
        for path in EXAMPLE.rglob("*")
        if path.is_file()
        and path.suffix not in generated
        and path.name != "README.md"
        and not any(part.endswith(".egg-info") or part == "__pycache__" for part in path.parts)
    }
    assert sources - {path for path, _ in tutorial_files()} == set()


def test_the_tutorials_plugin_is_installed_and_its_tests_are_part_of_the_suite():
    [entry_point] = [ep for ep in entry_points(group="lms.plugins") if ep.name == "hello"]
    assert entry_point.value == "lms_hello.plugin"
    assert entry_point.dist.name == "lms-plugin-hello"
    settings = configparser.ConfigParser()
    settings.read(ROOT / "pytest.ini")
    assert "examples" in settings["pytest"]["testpaths"].split()


@pytest.mark.lms_config(LMS_PLUGINS="hello")
def test_the_tutorial_shows_what_lms_plugins_list_prints(app):
    printed = app.test_cli_runner().invoke(main, ["plugins", "list"]).output
    block = TUTORIAL.read_text().split("`lms plugins list` prints", 1)[1]
    shown = re.search(r"```text\n(.*?)^ *```", block, re.M | re.S).group(1)
    shown_lines = [line.strip() for line in shown.splitlines()]
    # The lines of the plugins the tutorial shows, in its order (a checkout may have more).
    names = {line.split()[0] for line in shown_lines}
    printed_lines = [line for line in printed.splitlines() if line.split() and line.split()[0] in names]
    assert printed_lines == shown_lines


def test_the_render_certificate_reference_names_every_field_of_the_certificate():
    from lms_certificates.payloads import CertificateInfo, TemplateInfo

    section = section_of("render_certificate")
    for info in (CertificateInfo, TemplateInfo):
        for field in dataclasses.fields(info):
            assert re.search(rf"^\| `{field.name}` \|", section, re.M), f"{info.__name__}.{field.name}"


def test_the_render_certificate_example_draws_a_cyrillic_name(tmp_path):
    """The design shown in the reference runs as printed and embeds a font that has the
    learner's letters (poppler's pdftotext reads them back out of the PDF)."""
    import subprocess
    from datetime import datetime, timezone

    from lms_certificates.payloads import CertificateInfo, TemplateInfo

    [code] = re.findall(r"^```python\n(.*?)^```", section_of("render_certificate"), re.M | re.S)
    namespace: dict = {}
    exec(compile(code, "render_certificate example", "exec"), namespace)  # the documented code, as printed
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    template = TemplateInfo(
        "landscape", "#1f3a5f", "#c9a227", "#222222", "", "", "Ольга Петрова", "Ректор", None, None, None, 1
    )
    certificate = CertificateInfo(
        1,
        "LMS-7K3F-9QXZ-4M",
        "Анна Иванова",
        3,
        "Астрономия",
        "Riverside College",
        "LMS",
        "ru",
        now,
        now,
        None,
        "1 декабря 2026 г.",
        "1 декабря 2026 г.",
        None,
        "http://localhost/certificates/verify/LMS-7K3F-9QXZ-4M",
        template,
    )

    pdf = namespace["render_certificate"](certificate)

    assert pdf.startswith(b"%PDF-")
    (tmp_path / "c.pdf").write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "c.pdf"), "-"], capture_output=True, text=True, timeout=30
    ).stdout
    assert "Анна Иванова" in text and "Астрономия" in text
