"""The core's menu links, contributed through ``lms_navigation_links``."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from hookspecs import hookimpl
from lms_core.contracts import NavLink


@hookimpl(trylast=True)
def lms_navigation_links(user):
    links = [NavLink(_("Catalogue"), url_for("catalogue.index"))]
    if user is None:
        return links
    links.append(NavLink(_("My learning"), url_for("learn.dashboard")))
    if user.role in ("teacher", "admin"):
        links.append(NavLink(_("Teaching"), url_for("teach.index")))
        links.append(_todo_link(user))
    if user.role == "admin":
        links.append(NavLink(_("Administration"), url_for("admin.index"), area="admin"))
    return links


def _todo_link(user) -> NavLink:
    from lms_core.web.teach.todo import todo_count

    waiting = todo_count(user)
    return NavLink(_("To do (%(num)d)", num=waiting) if waiting else _("To do"), url_for("teach.todo"))
