"""WSGI entry point for gunicorn: ``gunicorn 'lms_core.wsgi:app'``."""

from lms_core.app import create_app

app = create_app()
