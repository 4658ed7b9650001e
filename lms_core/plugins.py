"""The plugin manager: discovery, enabled state and error isolation.

Plugins are found through the ``lms.plugins`` entry point group and registered when
``create_app`` runs (never at import). ``LMS_PLUGINS`` decides which installed plugins
are loaded at all; among those, the admin page enables or disables each one at run
time (the choice is stored in ``plugin_states``).

Load order, which decides who is called first for ``firstresult`` hooks: entry points
sorted by name, then the core's own default plugins (all ``trylast``). pluggy calls later
registrations first, ``tryfirst`` before the rest and ``trylast`` after; among ``trylast``
implementations the one registered last comes last, so the core's defaults always answer
after every plugin, including a plugin's own ``trylast`` fallback.
"""

from __future__ import annotations

import difflib
import inspect
import logging
import time
import traceback
from dataclasses import dataclass, field
from importlib.metadata import entry_points

import pluggy

import hookspecs
from lms_core.contracts import Refusal
from lms_core.defaults import CORE_PLUGINS
from lms_core.extensions import get_plugin_manager  # where services import it from; kept here for callers

log = logging.getLogger("lms.plugins")

ENTRY_POINT_GROUP = "lms.plugins"
CORE_PLUGIN_PREFIX = "lms_core."
ENABLED_STATE_TTL = 5.0  # seconds a process trusts its copy of the enabled set


class PluginConfigurationError(RuntimeError):
    """A plugin breaks the contract (for example a misspelled hook name): start-up stops."""


@dataclass
class PluginInfo:
    name: str
    distribution: str | None
    version: str | None
    module: object | None = None
    load_error: str | None = None
    hooks: list[str] = field(default_factory=list)
    excluded: bool = False  # installed, but not named in LMS_PLUGINS
    migrations_pending: bool = False  # its tables lag behind its migrations: not called


@dataclass(frozen=True)
class PluginProblem:
    """Something a plugin author or an operator must fix, found while loading: shown
    at start-up (a warning in the log), by ``lms plugins list`` and ``lms plugins
    check`` and on the admin plugins page."""

    plugins: tuple[str, ...]
    message: str


class PluginManager:
    """Wraps ``pluggy.PluginManager`` with the core's calling conventions."""

    def __init__(self, app):
        self.app = app
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.installed: dict[str, PluginInfo] = {}
        self.problems: list[PluginProblem] = []
        self._migrated: set[str] = set()  # plugins seen up to date with their migrations
        self._enabled_cache: tuple[float, frozenset[str], frozenset[str]] | None = None

    # ---------------------------------------------------------------- loading

    def load(self) -> None:
        self.pm.hook.lms_addhooks.call_historic(kwargs={"pluginmanager": self.pm})
        selection = self._selection(self.app.config.get("LMS_PLUGINS", "all"))
        strict = self.app.config.get("LMS_PLUGINS_STRICT", False)
        seen: set[str] = set()
        for name, candidates in _entry_points_by_name():
            seen.add(name)
            ep = candidates[0]
            if len(candidates) > 1:
                self._duplicate_entry_point(name, candidates, strict)
            dist = getattr(ep, "dist", None)
            info = PluginInfo(name, dist.name if dist else None, dist.version if dist else None)
            self.installed[name] = info
            if selection is not None and name not in selection:
                info.excluded = True
                continue
            try:
                module = ep.load()
            except Exception as exc:  # a broken plugin must not stop the others
                info.load_error = f"{type(exc).__name__}: {exc}"
                self.record_error(name, "load", exc)
                if strict:
                    raise
                continue
            try:
                self.pm.register(module, name=name)
            except pluggy.PluginValidationError as exc:
                raise PluginConfigurationError(f"plugin {name!r} breaks the hook contract: {exc}") from exc
            info.module = module
        if selection:
            for missing in sorted(selection - seen):
                raise PluginConfigurationError(
                    f"LMS_PLUGINS names {missing!r}, which is not installed "
                    f"(installed: {', '.join(sorted(seen)) or 'none'})"
                )
        # The core's defaults are trylast and registered after every plugin: pluggy calls
        # the trylast implementation registered last at the very end, so a plugin's own
        # trylast fallback still comes before the core's.
        for name, module in CORE_PLUGINS:
            self.pm.register(module, name=name)
        self._check_pending()
        from lms_core.migrate import table_problems  # needs the plugins' models imported first

        for names, message in table_problems():
            self.add_problem(names, message)
        for name, info in self.installed.items():
            if info.module is not None:
                self._warn_unmarked_hooks(name, info.module)
                info.hooks = sorted(
                    impl_name
                    for impl_name in dir(self.pm.hook)
                    if not impl_name.startswith("_")
                    and any(i.plugin_name == name for i in getattr(self.pm.hook, impl_name).get_hookimpls())
                )

    def register(self, module, name: str) -> None:
        """Register a plugin object directly (tests, or a deployment's own module)."""
        self.pm.register(module, name=name)
        self.installed[name] = PluginInfo(name, None, None, module=module)
        self.forget_enabled_state()
        self._check_pending()
        self.installed[name].hooks = sorted(
            h
            for h in dir(self.pm.hook)
            if not h.startswith("_") and any(i.plugin_name == name for i in getattr(self.pm.hook, h).get_hookimpls())
        )

    def hook_names(self) -> list[str]:
        """Every hook with a specification: the core's and those plugins declared."""
        return sorted(
            h for h in dir(self.pm.hook) if not h.startswith("_") and getattr(self.pm.hook, h).spec is not None
        )

    def _check_pending(self) -> None:
        known = self.hook_names()
        for hook_name in dir(self.pm.hook):
            caller = getattr(self.pm.hook, hook_name)
            if hook_name.startswith("_") or caller.spec is not None:
                continue
            for impl in caller.get_hookimpls():
                if impl.optionalhook:
                    continue
                close = difflib.get_close_matches(hook_name, known, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else " See docs/hooks.md for the hooks there are."
                # `from None`: the message says everything, a traceback would only bury it.
                raise PluginConfigurationError(
                    f"plugin {impl.plugin_name!r} implements {hook_name!r} "
                    f"({impl.function.__module__}), which is not a hook.{hint}"
                ) from None

    def _warn_unmarked_hooks(self, name: str, module) -> None:
        """A module function named like a hook but without ``@hookimpl`` is never called:
        say so rather than let the author wonder."""
        known = set(self.hook_names())
        for attribute, value in vars(module).items():
            if (
                attribute in known
                and inspect.isfunction(value)
                and value.__module__ == module.__name__
                and self.pm.parse_hookimpl_opts(module, attribute) is None
            ):
                self.add_problem(
                    (name,),
                    f"plugin {name!r}: {module.__name__}.{attribute}() is named like a hook "
                    f"but has no @hookimpl, so it is never called",
                )

    def _duplicate_entry_point(self, name: str, candidates, strict: bool) -> None:
        def where(ep):
            dist = getattr(ep, "dist", None)
            return f"{dist.name if dist else '?'} ({ep.value})"

        message = (
            f"plugin name {name!r} is provided by {len(candidates)} distributions: "
            f"{', '.join(where(ep) for ep in candidates)}; only {where(candidates[0])} is loaded. "
            f"Uninstall one or rename its entry point in the lms.plugins group"
        )
        if strict:
            raise PluginConfigurationError(message)
        self.add_problem((name,), message)

    def add_problem(self, plugins: tuple[str, ...], message: str) -> None:
        problem = PluginProblem(tuple(plugins), message)
        if problem not in self.problems:
            self.problems.append(problem)
            log.warning("%s", message)

    def problems_of(self, name: str) -> list[str]:
        return [p.message for p in self.problems if name in p.plugins]

    @staticmethod
    def _selection(setting) -> set[str] | None:
        if isinstance(setting, (list, tuple, set)):
            return {s.strip() for s in setting if s.strip()}
        setting = (setting or "").strip()
        if setting == "all":
            return None
        return {s.strip() for s in setting.split(",") if s.strip()}

    # ---------------------------------------------------------------- enabled state

    def enabled_names(self) -> frozenset[str]:
        """The plugins whose hooks are called: loaded, not disabled on the admin page and
        migrated (a plugin whose tables lag behind its migrations would fail on every
        event until ``lms db upgrade`` runs, so it waits)."""
        return self._enabled_state()[2]

    def switched_on(self, name: str) -> bool:
        """Loaded and not disabled on the admin page, migrated or not (what ``lms db
        upgrade`` migrates)."""
        return name.startswith(CORE_PLUGIN_PREFIX) or name in self._enabled_state()[1]

    def _enabled_state(self) -> tuple[float, frozenset[str], frozenset[str]]:
        now = time.monotonic()
        if self._enabled_cache and now - self._enabled_cache[0] < ENABLED_STATE_TTL:
            return self._enabled_cache
        disabled = self._disabled_from_database()
        on = frozenset(n for n, info in self.installed.items() if info.module is not None and n not in disabled)
        callable_names = frozenset(n for n in on if not self._needs_upgrade(n))
        self._enabled_cache = (now, on, callable_names)
        return self._enabled_cache

    def _needs_upgrade(self, name: str) -> bool:
        """A plugin whose tables lag behind its migrations is not called: its hooks
        would fail on every event until ``lms db upgrade`` runs."""
        if name in self._migrated:
            return False
        from lms_core import migrate  # migrate reads this manager through the app

        info = self.installed[name]
        try:
            with self.app.app_context():
                pending = migrate.plugin_migrations_pending(name)
        except Exception:  # noqa: BLE001 - no database yet: the core's own check reports that
            pending = False
        info.migrations_pending = pending
        if not pending:
            self._migrated.add(name)
        return pending

    def _disabled_from_database(self) -> set[str]:
        from sqlalchemy.exc import SQLAlchemyError

        from lms_core.extensions import db
        from lms_core.models import PluginState

        try:
            with self.app.app_context(), db.engine.connect() as conn:
                rows = conn.execute(db.select(PluginState.name).where(PluginState.enabled.is_(False)))
                return {r[0] for r in rows}
        except SQLAlchemyError:  # tables not created yet (before `lms db upgrade`)
            return set()

    def forget_enabled_state(self) -> None:
        self._enabled_cache = None

    def is_enabled(self, name: str) -> bool:
        return name.startswith(CORE_PLUGIN_PREFIX) or name in self.enabled_names()

    # ---------------------------------------------------------------- calling

    def _impls(self, hook_name: str, include_disabled: bool = False):
        """Enabled implementations of a hook in pluggy's call order."""
        hook = getattr(self.pm.hook, hook_name)
        enabled = None if include_disabled else self.enabled_names()
        for impl in reversed(hook.get_hookimpls()):
            if enabled is None or impl.plugin_name.startswith(CORE_PLUGIN_PREFIX) or impl.plugin_name in enabled:
                yield impl

    def _call_one(self, impl, hook_name: str, kwargs: dict):
        args = [kwargs[name] for name in impl.argnames]
        try:
            return True, impl.function(*args)
        except Exception as exc:  # isolation: one plugin never breaks a page or another plugin
            self.record_error(impl.plugin_name, hook_name, exc)
            return False, None

    def call_each(self, hook_name: str, **kwargs) -> list:
        """Call every enabled implementation, one at a time; a failing one is logged
        and skipped. Returns the non-``None`` results."""
        results = []
        for impl in self._impls(hook_name):
            ok, result = self._call_one(impl, hook_name, kwargs)
            if ok and result is not None:
                results.append(result)
        return results

    def event_targets(self, hook_name: str) -> list[str]:
        """The enabled plugins implementing an event hook, in call order: who gets a
        delivery of the event."""
        return [impl.plugin_name for impl in self._impls(hook_name)]

    def deliver_one(self, plugin_name: str, hook_name: str, kwargs: dict) -> tuple[str, BaseException | None]:
        """Call one plugin's implementation of an event hook: ``("delivered", None)``,
        ``("failed", exc)`` (recorded like any plugin failure), or ``("waiting", None)``
        when the plugin is disabled or not loaded (the delivery keeps for later)."""
        if not self.is_enabled(plugin_name) or (
            not plugin_name.startswith(CORE_PLUGIN_PREFIX) and plugin_name not in self.installed
        ):
            return "waiting", None
        hook = getattr(self.pm.hook, hook_name, None)
        impl = next((i for i in (hook.get_hookimpls() if hook else ()) if i.plugin_name == plugin_name), None)
        if impl is None:  # the plugin no longer implements it: nothing to deliver
            return "delivered", None
        try:
            impl.function(*[kwargs.get(name) for name in impl.argnames])  # an argument added to the spec later: None
        except Exception as exc:  # isolation, as in call_each
            from lms_core.extensions import db

            db.session.rollback()  # give back the session's connection before record_error takes one
            self.record_error(plugin_name, hook_name, exc)
            return "failed", exc
        return "delivered", None

    def call_flat(self, hook_name: str, **kwargs) -> list:
        """Like ``call_each`` for hooks that return lists: the lists joined. A plugin
        that returns one string (a single page fragment) counts as a list of one, not
        as a list of its characters."""
        return [
            item
            for result in self.call_each(hook_name, **kwargs)
            for item in ([result] if isinstance(result, str) else result)
        ]

    def call_each_with_names(self, hook_name: str, include_disabled: bool = False, **kwargs):
        """``(plugin name, result)`` pairs; setup hooks pass ``include_disabled`` so a
        plugin disabled at run time keeps its routes registered (and answering 404)."""
        results = []
        for impl in self._impls(hook_name, include_disabled):
            ok, result = self._call_one(impl, hook_name, kwargs)
            if ok and result is not None:
                results.append((impl.plugin_name, result))
        return results

    def call_first(self, hook_name: str, **kwargs):
        """The first non-``None`` result, as pluggy's ``firstresult`` would give."""
        for impl in self._impls(hook_name):
            ok, result = self._call_one(impl, hook_name, kwargs)
            if ok and result is not None:
                return result
        return None

    def check(self, hook_name: str, **kwargs) -> Refusal | None:
        """Run a filter hook: a refusal wins over a hold, a hold over nothing.

        A filter that raises refuses: a broken payments plugin must not let everybody
        in for free. The user is told to try later; the admin sees the error."""
        from flask_babel import gettext as _

        hold = None
        for impl in self._impls(hook_name):
            ok, result = self._call_one(impl, hook_name, kwargs)
            if not ok:
                return Refusal(_("This action is not available right now. Please try again later."), code="unavailable")
            if isinstance(result, Refusal):
                if not result.hold:
                    return result
                hold = hold or result
        return hold

    # ---------------------------------------------------------------- errors

    def record_error(self, plugin: str, hook: str, exc: BaseException) -> None:
        """Log a plugin failure and keep it for the admin page."""
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        log.error("plugin %s failed in %s: %s\n%s", plugin, hook, exc, tb)
        from sqlalchemy.exc import SQLAlchemyError

        from lms_core.extensions import db
        from lms_core.models import PluginError

        try:
            # Its own connection: the caller's transaction may be rolled back.
            with db.engine.begin() as conn:
                conn.execute(
                    db.insert(PluginError).values(
                        plugin=plugin, hook=hook, message=f"{type(exc).__name__}: {exc}"[:2000], traceback=tb[-20000:]
                    )
                )
        except (SQLAlchemyError, RuntimeError):
            log.warning("could not store the failure of plugin %s", plugin)


def _entry_points_by_name() -> list[tuple[str, list]]:
    """Entry points of the group by plugin name, each name with every distinct
    distribution that provides it (the same distribution seen twice on ``sys.path`` counts once)."""
    by_name: dict[str, dict[tuple, object]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        key = (dist.name if dist else None, ep.value)
        by_name.setdefault(ep.name, {}).setdefault(key, ep)
    return [
        (name, [found[k] for k in sorted(found, key=lambda k: (k[0] or "", k[1]))])
        for name, found in sorted(by_name.items())
    ]


__all__ = ["PluginConfigurationError", "PluginInfo", "PluginManager", "PluginProblem", "get_plugin_manager"]
