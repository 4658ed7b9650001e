"""Moving between the SCOs of a multi-SCO package in one player (SCORM 2004
navigation, without full Sequencing and Navigation).

What is honoured: each SCO's parent cluster's ``imsss:controlMode`` (``choice``: the
learner may pick it from the table of contents; ``flow``: continue and previous move
through the SCOs in the manifest's order; ``forwardOnly``: no previous), the LMS
controls an item hides (``adlnav:hideLMSUI``), and the navigation request a SCO sets in
``adl.nav.request`` before it terminates (``continue``, ``previous``,
``{target=ID}choice``, ``{target=ID}jump`` (held to the same controls as a choice),
``exit``, ``exitAll``, ``abandon``,
``abandonAll``, ``suspendAll``). Sequencing rules, rollup, preconditions, limit
conditions and objectives across SCOs are not evaluated (the README says so).

Pure functions over the package's SCOs (``ScormSco`` rows or anything with
``identifier``, ``position``, ``active`` and ``navigation``), so they are tested alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

LEAVE = ("exit", "exitAll", "abandon", "abandonAll", "suspendAll")
REQUEST = re.compile(r"^(?:\{target=(?P<target>[^}]+)\})?(?P<kind>[A-Za-z_]+)$")


@dataclass(frozen=True)
class Controls:
    choice: bool = True  # the spec's defaults
    flow: bool = False
    forward_only: bool = False
    hide: tuple[str, ...] = ()


def controls(sco) -> Controls:
    nav = sco.navigation or {}
    return Controls(
        choice=bool(nav.get("choice", True)),
        flow=bool(nav.get("flow", False)),
        forward_only=bool(nav.get("forward_only", False)),
        hide=tuple(nav.get("hide") or ()),
    )


@dataclass
class Move:
    """Where a navigation request leads: another SCO (``target``), out of the package
    (``leave``), nowhere (both empty: ``_none_``), or refused (``refused``: a code)."""

    target: object | None = None
    leave: bool = False
    refused: str | None = None


@dataclass
class Available:
    """The LMS controls the player shows around ``current``."""

    previous: object | None = None
    next: object | None = None
    toc: list = field(default_factory=list)  # the SCOs the learner may choose


def parse_request(value: str) -> tuple[str, str | None]:
    """``"{target=sco_2}choice"`` → ``("choice", "sco_2")``; ``"continue"`` →
    ``("continue", None)``; anything else → ``("invalid", None)``."""
    match = REQUEST.match((value or "").strip())
    if not match:
        return "invalid", None
    kind, target = match.group("kind"), match.group("target")
    if kind in ("choice", "jump") and not target:
        return "invalid", None
    if kind not in ("choice", "jump") and target:
        return "invalid", None
    if kind not in ("continue", "previous", "choice", "jump", "_none_", *LEAVE):
        return "invalid", None
    return kind, target


def ordered(scos) -> list:
    return sorted((s for s in scos if s.active), key=lambda s: s.position)


def _neighbour(current, scos, step: int):
    items = ordered(scos)
    index = next((i for i, s in enumerate(items) if s.identifier == current.identifier), None)
    if index is None:
        return None
    other = index + step
    return items[other] if 0 <= other < len(items) else None


def resolve(current, scos, request: str) -> Move:
    """Where ``request`` (set by the SCO in ``adl.nav.request``, or the player's
    controls) leads from ``current``."""
    kind, target = parse_request(request)
    here = controls(current)
    if kind == "invalid":
        return Move(refused="invalid_request")
    if kind == "_none_":
        return Move()
    if kind in LEAVE:
        return Move(leave=True)
    if kind == "continue":
        if not here.flow:
            return Move(refused="flow_disabled")
        following = _neighbour(current, scos, 1)
        return Move(target=following) if following is not None else Move(leave=True)  # the end of the package
    if kind == "previous":
        if not here.flow or here.forward_only:
            return Move(refused="flow_disabled" if not here.flow else "forward_only")
        before = _neighbour(current, scos, -1)
        return Move(target=before) if before is not None else Move(refused="no_previous")
    chosen = next((s for s in ordered(scos) if s.identifier == target), None)
    if chosen is None:
        return Move(refused="unknown_target")
    # A jump is held to the same controls as a choice: the learner's page could ask for
    # either, and the manifest's choice="false" / forwardOnly="true" must hold for both.
    if not controls(chosen).choice:
        return Move(refused="choice_disabled")
    if here.forward_only and chosen.position < current.position:
        return Move(refused="forward_only")
    return Move(target=chosen)


def available(current, scos) -> Available:
    """Previous / next buttons and the table of contents the manifest allows: none of
    them for a single-SCO package."""
    items = ordered(scos)
    if len(items) < 2:
        return Available()
    here = controls(current)
    found = Available(
        toc=[s for s in items if controls(s).choice and not (here.forward_only and s.position < current.position)]
    )
    if len(found.toc) < 2 and all(s.identifier == current.identifier for s in found.toc):
        found.toc = []
    if here.flow and "continue" not in here.hide:
        found.next = _neighbour(current, scos, 1)
    if here.flow and not here.forward_only and "previous" not in here.hide:
        found.previous = _neighbour(current, scos, -1)
    return found


def request_valid(current, scos) -> dict[str, str]:
    """``adl.nav.request_valid.*`` for the SCO: whether continue and previous would be
    taken (a SCO asks before it shows its own buttons)."""
    moves = {kind: resolve(current, scos, kind) for kind in ("continue", "previous")}
    return {
        "continue": "true" if moves["continue"].target is not None else "false",
        "previous": "true" if moves["previous"].target is not None else "false",
    }
