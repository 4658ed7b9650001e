"""What each user wants: scenario x channel frequencies, quiet hours in their own
time zone, and where they can be reached; and the rule that picks the channels of one
message from those, the scenario's fallback order and the admin's defaults and locks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app

from lms_core import ServiceError, db, gettext as _
from lms_core.models.base import utcnow

from lms_notifications import scenarios, settings
from lms_notifications.scenarios import CHANNELS, FREQUENCIES

HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def profile_of(user_id: int, create: bool = False):
    from lms_notifications.models import Profile

    profile = db.session.get(Profile, user_id)
    if profile is None and create:
        profile = Profile(user_id=user_id, phone_code_attempts=0)
        db.session.add(profile)
        db.session.flush()
    return profile


def zone_of(user) -> ZoneInfo:
    name = getattr(user, "timezone", None) or current_app.config["LMS_DEFAULT_TIMEZONE"]
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


# ---------------------------------------------------------------- preferences


def explicit(user_id: int, scenario_names=None) -> dict[tuple[str, str], str]:
    """The user's own choices: (scenario, channel) -> frequency."""
    from lms_notifications.models import Preference

    query = db.select(Preference).where(Preference.user_id == user_id)
    if scenario_names is not None:
        query = query.where(Preference.scenario.in_(list(scenario_names)))
    return {(p.scenario, p.channel): p.frequency for p in db.session.execute(query).scalars()}


def effective(scenario, channel: str, choices: dict) -> str:
    """The frequency that applies to ``channel`` for ``scenario``: the user's choice,
    unless the admin locked the scenario; otherwise the scenario's default on its own
    channels, off on the others."""
    if not scenario.locked and (scenario.name, channel) in choices:
        return choices[(scenario.name, channel)]
    return scenario.frequency if channel in scenario.fallback else "off"


def save(user_id: int, values: dict[tuple[str, str], str]) -> int:
    """Store the user's choices (validated first, so nothing is half-saved); choices of a
    locked scenario are refused. Returns how many changed."""
    from lms_notifications.models import Preference

    known = {s.name: s for s in scenarios.catalogue()}
    errors = {}
    for (name, channel), frequency in values.items():
        if name not in known or channel not in CHANNELS or frequency not in FREQUENCIES:
            errors[f"{name}:{channel}"] = _("Choose one of the offered values.")
        elif known[name].locked and frequency != effective(known[name], channel, {}):
            errors[f"{name}:{channel}"] = _("The administrators have fixed this setting.")
    if errors:
        raise ServiceError("invalid", _("Some choices could not be saved."), 400, errors)
    current = explicit(user_id)
    changed = 0
    for (name, channel), frequency in values.items():
        if known[name].locked or current.get((name, channel)) == frequency:
            continue
        row = db.session.get(Preference, (user_id, name, channel))
        if frequency == effective(known[name], channel, {}):
            # The default again: the scenario's fallback order decides (a form sends every
            # field, and an untouched one must not turn into a choice of its own).
            if row is not None:
                db.session.delete(row)
                changed += 1
            continue
        if row is None:
            db.session.add(Preference(user_id=user_id, scenario=name, channel=channel, frequency=frequency))
        else:
            row.frequency = frequency
        changed += 1
    db.session.commit()
    return changed


def unsubscribe(user_id: int, scenario_name: str) -> None:
    """One-click unsubscribe (RFC 8058): e-mail off for that scenario."""
    from lms_notifications.models import Preference

    row = db.session.get(Preference, (user_id, scenario_name, "email"))
    if row is None:
        db.session.add(Preference(user_id=user_id, scenario=scenario_name, channel="email", frequency="off"))
    else:
        row.frequency = "off"
    db.session.commit()


# ---------------------------------------------------------------- quiet hours


def set_quiet_hours(user_id: int, start: str, end: str) -> None:
    start, end = (start or "").strip(), (end or "").strip()
    errors = {}
    if bool(start) != bool(end):
        errors["quiet_end" if start else "quiet_start"] = _("Give both times, or neither.")
    for name, value in (("quiet_start", start), ("quiet_end", end)):
        if value and not HHMM.match(value):
            errors[name] = _("Use the form HH:MM, for example 22:00.")
    if errors:
        raise ServiceError("invalid", _("The quiet hours could not be saved."), 400, errors)
    profile = profile_of(user_id, create=True)
    profile.quiet_start, profile.quiet_end = start or None, end or None
    db.session.commit()


def quiet_until(user, profile, now: datetime) -> datetime | None:
    """When the user's quiet hours end, if ``now`` falls inside them (else ``None``)."""
    if profile is None or not profile.quiet_start or not profile.quiet_end:
        return None
    tz = zone_of(user)
    local = now.astimezone(tz)
    start = time(*map(int, profile.quiet_start.split(":")))
    end = time(*map(int, profile.quiet_end.split(":")))
    if start == end:
        return None
    current = local.time()
    inside = start <= current < end if start < end else (current >= start or current < end)
    if not inside:
        return None
    end_day = local.date() if current < end else local.date() + timedelta(days=1)
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(now.tzinfo)


def digest_due(user, frequency: str, now: datetime) -> datetime:
    """The next digest time: the digest hour of the next day (daily) or next Monday (weekly)."""
    tz = zone_of(user)
    local = now.astimezone(tz)
    hour = int(settings.config("NOTIFICATIONS_DIGEST_HOUR"))
    day = local.date()
    if frequency == "weekly":
        day += timedelta(days=(7 - day.weekday()) % 7 or 7)
    elif local.hour >= hour:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=tz).astimezone(now.tzinfo)


# ---------------------------------------------------------------- who is reachable where


class Reach:
    """Where a set of users can be reached, read in a few queries (one batch at a time)."""

    def __init__(self, user_ids):
        from lms_notifications.channels import all_channels
        from lms_notifications.models import Profile, PushSubscription

        ids = list(user_ids)
        self.profiles = (
            {p.user_id: p for p in db.session.execute(db.select(Profile).where(Profile.user_id.in_(ids))).scalars()}
            if ids
            else {}
        )
        self.push_users = (
            set(
                db.session.execute(
                    db.select(PushSubscription.user_id).where(PushSubscription.user_id.in_(ids)).distinct()
                ).scalars()
            )
            if ids
            else set()
        )
        self.channels = all_channels()
        self.configured = {name: channel.configured() for name, channel in self.channels.items()}

    def address(self, user, channel: str) -> str | None:
        if not self.configured.get(channel):
            return None
        profile = self.profiles.get(user.id)
        if channel == "email":
            if profile is not None and profile.email_failing_at is not None:
                return None
            return user.email or None
        if channel == "push":
            return "browser" if user.id in self.push_users else None
        return self.channels[channel].address(user, profile)


@dataclass(frozen=True)
class Plan:
    channel: str
    frequency: str
    due_at: datetime
    fallback: tuple = ()


def choose(scenario, user, choices: dict, reach: Reach, now: datetime | None = None) -> list[Plan]:
    """The deliveries of one message: every channel the user turned on themselves (and
    can be reached on); failing those, the first reachable channel of the scenario's
    fallback order, with the rest of that order kept for when it is given up."""
    now = now or utcnow()
    own = [c for c in CHANNELS if not scenario.locked and choices.get((scenario.name, c), "off") != "off"]
    picked: list[tuple[str, str, tuple]] = []
    for channel in own:
        if reach.address(user, channel):
            picked.append((channel, choices[(scenario.name, channel)], ()))
    if not picked:
        chain = [c for c in scenario.fallback if effective(scenario, c, choices) != "off"]
        reachable = [c for c in chain if reach.address(user, c)]
        if reachable:
            picked.append((reachable[0], effective(scenario, reachable[0], choices), tuple(reachable[1:])))
    plans = []
    profile = reach.profiles.get(user.id)
    for channel, frequency, fallback in picked:
        if scenario.urgent or frequency == "immediately":
            due = now if scenario.urgent else (quiet_until(user, profile, now) or now)
            plans.append(Plan(channel, "immediately", due, fallback))
        else:
            plans.append(Plan(channel, frequency, digest_due(user, frequency, now), fallback))
    return plans
