"""Forms of the administration pages; labels and messages go through Babel."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length

from lms_core.models import ROLES


def role_choices():
    labels = {"student": _l("Student"), "teacher": _l("Teacher"), "admin": _l("Administrator")}
    return [(role, labels[role]) for role in ROLES]


class RoleField(SelectField):
    """A role picker that answers an unknown role with our own message."""

    def __init__(self, label=None, **kwargs):
        super().__init__(
            label,
            choices=[SelectChoice(value, label) for value, label in role_choices()],
            validate_choice=False,
            validators=[AnyOf(ROLES, message=_l("Choose one of the roles."))],
            **kwargs,
        )


class NewUserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the name.")), Length(max=120)])
    # The address itself is checked by accounts.register, as on the sign-up page.
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter an e-mail address.")), Length(max=254)])
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(_l("Enter a password.")),
            Length(min=8, message=_l("The password must be at least 8 characters long.")),
        ],
    )
    role = RoleField(_l("Role"), default="student")


class UserForm(FlaskForm):
    role = RoleField(_l("Role"))
    active = BooleanField(_l("Active (may log in)"))


class PluginForm(FlaskForm):
    """Enable or disable a plugin: nothing to fill in but the CSRF token."""
