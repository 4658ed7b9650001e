"""The hello plugin's page: the greetings of the current user."""

from flask import Blueprint, redirect, render_template, request, url_for

from lms_core import current_user
from lms_hello.greetings import greetings_of

bp = Blueprint("hello", __name__, url_prefix="/hello", template_folder="templates")


@bp.route("/")
def greetings():
    if not current_user:
        return redirect(url_for("auth.login", next=request.path))
    return render_template("hello/greetings.html", greetings=greetings_of(current_user.id))
