"""``create_app(config)``: the one application factory used by the CLI, the tests and
the WSGI server (``lms_core.wsgi:app``). Nothing happens at import time."""

from __future__ import annotations

import logging

import flask_babel
from flask import Flask, g, request

from lms_core import cache, i18n
from lms_core.connections import tune_engine
from lms_core.extensions import csrf, db
from lms_core.plugins import PluginConfigurationError, PluginManager

log = logging.getLogger("lms")


def create_app(config: dict | None = None, instance_path: str | None = None) -> Flask:
    from lms_core.config import load_config

    import os

    instance_path = instance_path or os.environ.get("LMS_INSTANCE_PATH") or None
    app = Flask("lms_core", instance_path=instance_path, instance_relative_config=True)
    load_config(app, config)
    logging.basicConfig(level=logging.INFO)

    _harden_input(app)
    db.init_app(app)
    with app.app_context():
        tune_engine(db.engine)

    plugins = PluginManager(app)
    app.extensions["lms_plugins"] = plugins
    with app.app_context():
        plugins.load()

    folders = [f for _name, f in plugins.call_each_with_names("lms_translations_folder", include_disabled=True)]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = i18n.translation_directories(app, folders)
    i18n.init_babel(app)
    csrf.init_app(app)
    cache.init_cache(app)

    from lms_core.mail import init_mail

    init_mail(app)

    from lms_core.realtime import init_realtime

    init_realtime(app)
    _register_blueprints(app, plugins)
    _register_request_hooks(app)

    from lms_core.security_headers import init_security_headers

    init_security_headers(app)

    from lms_core.web.templating import init_templating

    init_templating(app)
    _trust_proxies(app)
    return app


def _harden_input(app) -> None:
    """Before any route exists: ids in URLs are ASCII digits that fit a 64-bit column
    (a larger one is a 404, not a database overflow), and JSON bodies are parsed
    strictly (no NaN/Infinity, bounded nesting) by every ``request.get_json()``."""
    from lms_core.inputs import IdConverter, StrictJSONProvider

    app.url_map.converters["int"] = IdConverter
    app.json = StrictJSONProvider(app)


def _trust_proxies(app) -> None:
    """Behind ``LMS_PROXY_HOPS`` proxies, the client's address, scheme and host come from
    their ``X-Forwarded-*`` headers (and only then: a client could write them itself)."""
    hops = int(app.config.get("LMS_PROXY_HOPS") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _register_blueprints(app, plugins) -> None:
    from lms_core.api import api_blueprint
    from lms_core.web import account, admin, auth, catalogue, grades, learn, notifications, teach  # noqa: F401 (account: routes of auth)

    for module in (auth, catalogue, learn, grades, notifications, teach, admin):
        app.register_blueprint(module.bp)
    app.register_blueprint(api_blueprint)

    owners = app.extensions["lms_blueprint_owners"] = {}
    prefixes = {bp.url_prefix: "the core" for bp in app.blueprints.values() if bp.url_prefix}
    with app.app_context():
        load_order = list(plugins.installed)
        found = plugins.call_each_with_names("lms_blueprints", include_disabled=True, app=app)
        # In load order (by name), so that of two clashing plugins the first keeps its pages.
        found.sort(key=lambda item: load_order.index(item[0]) if item[0] in load_order else len(load_order))
        for plugin_name, blueprints in found:
            for blueprint in blueprints:
                clash, other = _blueprint_clash(app, owners, prefixes, plugin_name, blueprint)
                if clash:
                    plugins.add_problem(tuple(n for n in (other, plugin_name) if n), clash)
                    if app.config.get("LMS_PLUGINS_STRICT"):
                        raise PluginConfigurationError(clash)
                    continue
                app.register_blueprint(blueprint)
                owners[blueprint.name] = plugin_name
                if blueprint.url_prefix:
                    prefixes.setdefault(blueprint.url_prefix, plugin_name)


def _blueprint_clash(app, owners, prefixes, plugin_name, blueprint) -> tuple[str | None, str | None]:
    """Why the blueprint cannot be registered, naming both sides (Flask's own error
    names neither plugin), and the other plugin; ``(None, None)`` when it can."""
    if blueprint.name in app.blueprints:
        other = owners.get(blueprint.name)
        who = f"plugin {other!r}" if other else "the core"
        return (
            f"plugin {plugin_name!r} registers a blueprint named {blueprint.name!r}, which {who} "
            f"already registered; {plugin_name}'s is left out: prefix blueprint names with the plugin's name",
            other,
        )
    other = prefixes.get(blueprint.url_prefix) if blueprint.url_prefix else None
    if other is not None and other != plugin_name:
        who = f"plugin {other!r}" if other != "the core" else other
        return (
            f"plugin {plugin_name!r} serves its blueprint {blueprint.name!r} under {blueprint.url_prefix}, "
            f"which {who} already uses; {plugin_name}'s is left out: use a URL prefix of its own",
            other if other != "the core" else None,
        )
    return None, None


def _register_request_hooks(app) -> None:
    from flask import abort

    from lms_core.auth import load_current_user
    from lms_core.inputs import refuse_nul_characters
    from lms_core.plugins import get_plugin_manager

    sessionless = app.extensions.setdefault("lms_sessionless", set())

    @app.before_request
    def before_request():
        # An app context may outlive one request (tests, inline jobs): start clean.
        g.pop("lms_content_translations", None)
        g.pop("csrf_token", None)
        g.pop("lms_template_context", None)
        g.pop("lms_enrollments", None)
        refuse_nul_characters()
        if request.endpoint in sessionless:  # a token of its own says who calls (api_blueprint)
            g.user, g.via_token, g.user_session = None, False, None
            flask_babel.refresh()
        else:
            load_current_user()
            flask_babel.refresh()  # the locale depends on the user just loaded
            from lms_core.web.auth import enforce_two_factor

            detour = enforce_two_factor()
            if detour is not None:
                return detour
        owner = app.extensions["lms_blueprint_owners"].get(request.blueprint or "")
        if owner and not get_plugin_manager().is_enabled(owner):
            abort(404)  # a disabled plugin's pages are gone until it is enabled again

    @app.teardown_request
    def forget_user(exc=None):
        g.pop("user", None)
        g.pop("user_session", None)
