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
    if user.role == "admin":
        links.append(NavLink(_("Administration"), url_for("admin.index"), area="admin"))
    return links
