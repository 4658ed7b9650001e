"""The teacher's forms: uploading a package, and a package's rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import FloatField, IntegerField, SelectChoice, SelectField
from wtforms.validators import NumberRange, Optional


class UploadForm(FlaskForm):
    package = FileField(_l("SCORM package (.zip, SCORM 1.2 or 2004)"))


class RulesForm(FlaskForm):
    completion_rule = SelectField(
        _l("The activity counts as done when the learner"),
        choices=[
            SelectChoice("completed", _l("completes it")),
            SelectChoice("passed", _l("passes it")),
            SelectChoice("score", _l("reaches a score")),
            SelectChoice("viewed", _l("opens it (for packages that report nothing)")),
        ],
    )
    pass_score = FloatField(
        _l("Score needed, in percent (for “reaches a score”)"),
        validators=[Optional(), NumberRange(0, 100, _l("Enter a percentage from 0 to 100."))],
    )
    attempts_allowed = IntegerField(
        _l("Attempts allowed (0: no limit)"),
        default=0,
        validators=[NumberRange(0, 1000, _l("Enter a number from 0 to 1000."))],
    )
    grading = SelectField(
        _l("Grade of several attempts"),
        choices=[
            SelectChoice("highest", _l("the highest score")),
            SelectChoice("last", _l("the last attempt's score")),
            SelectChoice("first", _l("the first attempt's score")),
            SelectChoice("average", _l("the average score")),
        ],
    )
