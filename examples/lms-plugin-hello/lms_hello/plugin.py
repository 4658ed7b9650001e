"""The hello plugin's hook implementations: the only module the LMS loads by name."""

from pathlib import Path

from flask import url_for

from lms_core import NavLink, gettext as _, hookimpl
from lms_hello import greetings

HERE = Path(__file__).parent


@hookimpl
def on_quiz_passed(user, quiz, attempt):
    greetings.greet(user, quiz, attempt)


@hookimpl
def lms_blueprints(app):
    from lms_hello.views import bp

    return [bp]


@hookimpl
def lms_navigation_links(user):
    if user is None:
        return []
    return [NavLink(_("Greetings"), url_for("hello.greetings"))]


@hookimpl
def lms_migrations_folder():
    return HERE / "migrations" / "versions"


@hookimpl
def lms_translations_folder():
    return HERE / "translations"
