"""``lms plugins new NAME``: a working plugin distribution, outside the repository.

What it writes is the shape docs/plugins.md describes, each part working as generated:
a pyproject with the entry point, a thin ``plugin.py``, a model with its first
migration, a blueprint with a template, English and Russian catalogues (compiled), a
test using ``lms_core.testing`` and a README. ``tests/test_plugin_template.py`` generates
one, installs it, migrates and runs its tests.
"""

from __future__ import annotations

import io
import keyword
import re
import uuid
from datetime import datetime, timezone
from pathlib import Path
from string import Template

NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
RESERVED = {"core", "lms", "api", "admin", "auth", "static", "teach", "learn"}


class TemplateError(ValueError):
    """The name or the folder cannot be used; the message says why."""


def create_plugin(name: str, directory: str | Path = ".") -> Path:
    """Write ``lms-plugin-<name>/`` under ``directory``; returns its path."""
    name = (name or "").strip()
    if not NAME_RE.match(name) or keyword.iskeyword(name):
        raise TemplateError(
            f"{name!r} is not a plugin name: use lower-case letters, digits and single "
            f"underscores, starting with a letter (it prefixes the plugin's tables: {name}_*)"
        )
    if name in RESERVED:
        raise TemplateError(f"{name!r} is used by the core; choose another name")
    folder = Path(directory) / f"lms-plugin-{name.replace('_', '-')}"
    if folder.exists():
        raise TemplateError(f"{folder} already exists; choose another name or remove it")
    values = {
        "name": name,
        "title": name.replace("_", " ").capitalize(),
        "dist": f"lms-plugin-{name.replace('_', '-')}",
        "package": f"lms_{name}",
        "revision": uuid.uuid4().hex[:12],
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
    }
    for relative, text in FILES.items():
        path = folder / Template(relative).substitute(values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(text).substitute(values), encoding="utf-8")
    _compile_catalogues(folder / values["package"] / "translations")
    return folder


def _compile_catalogues(translations: Path) -> None:
    """``pybabel compile``, done here so the generated plugin speaks Russian at once."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in translations.glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as source:
            catalog = read_po(source)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        po.with_suffix(".mo").write_bytes(buffer.getvalue())


_PO_HEADER = '''msgid ""
msgstr ""
"Project-Id-Version: $dist 0.1.0\\n"
"Language: $language\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=utf-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
'''

_MESSAGES = [
    ("$title", "$title"),
    ("Your notes", "Ваши заметки"),
    ("Write a note", "Напишите заметку"),
    ("Save", "Сохранить"),
    ("No notes yet.", "Заметок пока нет."),
    ("The note was saved.", "Заметка сохранена."),
    ("Write something first.", "Сначала напишите что-нибудь."),
    ("The note is too long (%(n)d characters at most).", "Заметка слишком длинная (не больше %(n)d знаков)."),
]


def _catalogue(language: str | None) -> str:
    header = _PO_HEADER.replace("$language", language or "")
    entries = []
    for english, russian in _MESSAGES:
        flag = "#, python-format\n" if "%(" in english else ""
        translated = {"en": english, "ru": russian, None: ""}[language]
        entries.append(f'{flag}msgid "{english}"\nmsgstr "{translated}"\n')
    return header + "\n" + "\n".join(entries)


FILES = {
    "pyproject.toml": '''[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "$dist"
version = "0.1.0"
description = "$title: a plugin for the LMS"
requires-python = ">=3.11"
dependencies = ["lms-core"]

# The entry point's name, $name, is the plugin's name everywhere: LMS_PLUGINS, the
# admin page, `lms plugins enable $name`, its tables (${name}_*) and its version table.
[project.entry-points."lms.plugins"]
$name = "$package.plugin"

# A flat layout declared as such: an editable install is then a plain .pth file.
[tool.setuptools]
package-dir = {"" = "."}

[tool.setuptools.packages.find]
include = ["$package", "$package.*"]
namespaces = true

[tool.setuptools.package-data]
$package = ["templates/**/*", "translations/**/*", "migrations/**/*"]
''',
    "README.md": '''# $dist

A plugin for the LMS: a page, **$title**, where each signed-in user keeps short notes
(table `${name}_notes`), in English and Russian. Made by `lms plugins new $name`; change
it into your own plugin.

Install it into the LMS's environment, migrate, and run its tests:

    pip install -e .
    lms db upgrade
    pytest tests

The parts:

- `$package/plugin.py`: the hook implementations (the only module the LMS loads by name);
- `$package/notes.py`: what the plugin does (views call it; it raises `ServiceError`);
- `$package/models.py` and `$package/migrations/versions/`: its table and its Alembic
  history (version table `${name}_alembic_version`); after changing the models run
  `lms db revision --owner $name -m "what changed"`;
- `$package/views.py` and `$package/templates/$name/`: its page;
- `$package/translations/`: the catalogues. After changing texts:

      pybabel extract -F babel.cfg -o $package/translations/messages.pot $package
      pybabel update -i $package/translations/messages.pot -d $package/translations
      pybabel compile -d $package/translations

The hooks are described in the LMS's docs/hooks.md, the public surface in docs/plugins.md.
''',
    "babel.cfg": '''[python: **.py]
[jinja2: **/templates/**.html]
''',
    "$package/__init__.py": '''"""$dist: $title, a plugin for the LMS."""
''',
    "$package/plugin.py": '''"""The $name plugin's hook implementations: the only module the LMS loads by name."""
from pathlib import Path

from flask import url_for

from lms_core import NavLink, hookimpl, lazy_gettext as _l

HERE = Path(__file__).parent


@hookimpl
def lms_blueprints(app):
    from $package.views import bp

    return [bp]


@hookimpl
def lms_navigation_links(user):
    if user is None:
        return []
    return [NavLink(_l("$title"), url_for("$name.index"))]


@hookimpl
def lms_migrations_folder():
    return HERE / "migrations" / "versions"


@hookimpl
def lms_translations_folder():
    return HERE / "translations"
''',
    "$package/models.py": '''"""The $name plugin's table; its name starts with the plugin's name, ``${name}_``."""
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lms_core import db
from lms_core.models import utcnow
from lms_core.models.base import UTCDateTime

NOTE_MAX_LENGTH = 500


class Note(db.Model):
    """A short note a user keeps for themselves."""

    __tablename__ = "${name}_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    text: Mapped[str] = mapped_column(String(NOTE_MAX_LENGTH), nullable=False)
    created_at = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
''',
    "$package/notes.py": '''"""What the plugin does: keep a user's notes. Views change state only through here."""
from lms_core import ServiceError, db, gettext as _

from $package.models import NOTE_MAX_LENGTH, Note


def notes_of(user_id: int) -> list[Note]:
    return list(db.session.execute(
        db.select(Note).where(Note.user_id == user_id).order_by(Note.id.desc())).scalars())


def add_note(user, text: str) -> Note:
    """Store a note; an empty or too long text is refused with the field's message."""
    text = (text or "").strip()
    if not text:
        raise ServiceError("invalid", _("Write something first."), 400, {"text": _("Write something first.")})
    if len(text) > NOTE_MAX_LENGTH:
        message = _("The note is too long (%(n)d characters at most).", n=NOTE_MAX_LENGTH)
        raise ServiceError("invalid", message, 400, {"text": message})
    note = Note(user_id=user.id, text=text)
    db.session.add(note)
    db.session.commit()
    return note
''',
    "$package/views.py": '''"""The $name plugin's page: the signed-in user's notes."""
from flask import Blueprint, flash, redirect, render_template, request, url_for

from lms_core import ServiceError, current_user, gettext as _, login_required

from $package.notes import add_note, notes_of

bp = Blueprint("$name", __name__, url_prefix="/$name", template_folder="templates")


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    error, status = None, 200
    if request.method == "POST":
        try:
            add_note(current_user, request.form.get("text", ""))
        except ServiceError as exc:
            error, status = exc.fields.get("text", exc.message), exc.status
        else:
            flash(_("The note was saved."), "success")
            return redirect(url_for("$name.index")), 303
    return render_template("$name/index.html", notes=notes_of(current_user.id), error=error), status
''',
    "$package/templates/$name/index.html": '''{% extends "lms/base.html" %}
{% block title %}{{ _('$title') }}{% endblock %}
{% block content %}
<h1>{{ _('$title') }}</h1>
<form method="post">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  <label for="text">{{ _('Write a note') }}</label>
  <textarea id="text" name="text" rows="3">{{ request.form.get('text', '') }}</textarea>
  {% if error %}<p class="error" id="text-error">{{ error }}</p>{% endif %}
  <button type="submit">{{ _('Save') }}</button>
</form>
<h2>{{ _('Your notes') }}</h2>
<ul id="notes">
  {% for note in notes %}<li>{{ note.text }}</li>
  {% else %}<li class="muted">{{ _('No notes yet.') }}</li>{% endfor %}
</ul>
{% endblock %}
''',
    "$package/migrations/versions/${revision}_create_${name}_notes.py": '''"""create ${name}_notes

Revision ID: $revision
Revises:
Create Date: $date
"""
import sqlalchemy as sa
from alembic import op

import lms_core.models.base

revision = "$revision"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "${name}_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("created_at", lms_core.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_${name}_notes_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_${name}_notes")),
    )
    with op.batch_alter_table("${name}_notes") as batch:
        batch.create_index(batch.f("ix_${name}_notes_user_id"), ["user_id"], unique=False)


def downgrade():
    op.drop_table("${name}_notes")
''',
    "$package/translations/messages.pot": _catalogue(None),
    "$package/translations/en/LC_MESSAGES/messages.po": _catalogue("en"),
    "$package/translations/ru/LC_MESSAGES/messages.po": _catalogue("ru"),
    "tests/test_$name.py": '''"""The $name plugin, tested the way its users meet it: through its page.

The fixtures (``app``, ``client``, ``factory``, ``login``) come from ``lms_core.testing``,
which pytest loads by itself once the LMS is installed.
"""
import pytest

from lms_core import db
from $package.models import Note

pytestmark = pytest.mark.lms_config(LMS_PLUGINS="$name")


def test_a_student_keeps_a_note_and_sees_it_on_the_page(client, factory, login):
    login(client, factory.user(name="Ann"))

    response = client.post("/$name/", data={"text": "Read chapter 2"})

    assert response.status_code == 303
    page = client.get("/$name/").get_data(as_text=True)
    assert "Read chapter 2" in page
    assert "The note was saved." in page
    assert db.session.execute(db.select(db.func.count(Note.id))).scalar_one() == 1


def test_an_empty_note_is_refused_with_a_message_and_nothing_saved(client, factory, login):
    login(client, factory.user())

    response = client.post("/$name/", data={"text": "   "})

    assert response.status_code == 400
    assert "Write something first." in response.get_data(as_text=True)
    assert db.session.execute(db.select(Note)).first() is None


def test_the_page_speaks_russian_to_a_russian_speaking_user(client, factory, login):
    login(client, factory.user(locale="ru"))

    page = client.get("/$name/").get_data(as_text=True)

    assert "Заметок пока нет." in page


def test_a_visitor_is_sent_to_the_login_page(client):
    response = client.get("/$name/")

    assert response.status_code in (302, 303)
    assert "/login" in response.headers["Location"]
''',
}
