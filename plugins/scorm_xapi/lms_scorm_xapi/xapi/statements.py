"""Building xAPI statements with the ``tincan`` package (edx-tincan-py35).

Each learning record of the LMS maps to one ADL verb and one activity whose id is the
page's public address. The statement id is derived from the cause (``uuid5`` of the
event's id and the verb), so a redelivered event or a retried send carries the same id
and the LRS keeps one statement. The actor is added when the statement is sent
(``actor_for``): a pseudonymous account unless the deployment chose e-mail addresses.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from tincan import (
    Activity,
    ActivityDefinition,
    Agent,
    AgentAccount,
    Context,
    ContextActivities,
    LanguageMap,
    Result,
    Score,
    Statement,
    Verb,
)

# The namespace of every statement id this plugin makes (uuid5 of "<cause>:<verb>").
NAMESPACE = uuid.UUID("6f1f7c1e-3a55-5d0c-9a1e-7c2b9b1d4e21")

ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {  # short name -> (IRI, English display)
    "registered": (ADL + "registered", "registered"),  # enrolled in a course
    "completed": (ADL + "completed", "completed"),
    "attempted": (ADL + "attempted", "attempted"),
    "passed": (ADL + "passed", "passed"),
    "failed": (ADL + "failed", "failed"),
    "scored": (ADL + "scored", "scored"),
    "attended": (ADL + "attended", "attended"),
    "submitted": ("http://activitystrea.ms/schema/1.0/submit", "submitted"),
}
ACTIVITY_TYPES = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "quiz": "http://adlnet.gov/expapi/activities/assessment",
    "assignment": "http://adlnet.gov/expapi/activities/assessment",
    "meeting": "http://adlnet.gov/expapi/activities/meeting",
    "sco": "http://adlnet.gov/expapi/activities/lesson",
}
PLATFORM = "LMS"


@dataclass(frozen=True)
class Thing:
    """What a statement is about: ``kind`` (a key of ``ACTIVITY_TYPES``), the activity's
    IRI and its name."""

    kind: str
    iri: str
    name: str


def statement_id(cause: str, verb: str) -> str:
    """The id of the statement ``verb`` made for ``cause`` (an event id or another
    stable key): the same every time, so the LRS deduplicates a resend."""
    return str(uuid.uuid5(NAMESPACE, f"{cause}:{verb}"))


def activity_iri(kind: str, *ids: object) -> str:
    """The activity id of an LMS object: an address under the deployment's public URL."""
    base = current_app.config["LMS_BASE_URL"].rstrip("/")
    return f"{base}/xapi/activities/{kind}/" + "/".join(str(i) for i in ids)


def _activity(thing: Thing) -> Activity:
    return Activity(
        id=thing.iri,
        definition=ActivityDefinition(
            name=LanguageMap({"en-US": thing.name or thing.kind}), type=ACTIVITY_TYPES[thing.kind]
        ),
    )


def build(
    *,
    cause: str,
    verb: str,
    thing: Thing,
    timestamp: datetime,
    parent: Thing | None = None,
    score: tuple[float | None, float | None] | None = None,  # (raw, max)
    success: bool | None = None,
    completion: bool | None = None,
    duration_seconds: float | None = None,
    language: str | None = None,
    version: str = "1.0.3",
) -> dict:
    """The statement as a JSON object, without its actor (added at send time)."""
    result = None
    if score is not None or success is not None or completion is not None or duration_seconds is not None:
        result = Result(success=success, completion=completion)
        if score is not None and score[0] is not None:
            raw, maximum = float(score[0]), float(score[1]) if score[1] else None
            values = {"raw": raw, "min": 0.0}
            if maximum:
                values["max"] = maximum
                values["scaled"] = max(-1.0, min(1.0, round(raw / maximum, 4)))
            result.score = Score(**values)
        if duration_seconds is not None:
            from datetime import timedelta

            result.duration = timedelta(seconds=max(0, round(duration_seconds)))
    context = Context(platform=PLATFORM)
    if language:
        context.language = language
    if parent is not None:
        context.context_activities = ContextActivities(parent=[_activity(parent)])
    verb_iri, display = VERBS[verb]
    statement = Statement(
        id=statement_id(cause, verb),
        # a placeholder actor: tincan wants one; the real one is set by with_actor()
        actor=Agent(account=AgentAccount(home_page="http://localhost", name="-")),
        verb=Verb(id=verb_iri, display=LanguageMap({"en-US": display})),
        object=_activity(thing),
        result=result,
        context=context,
        timestamp=timestamp,
    )
    body = json.loads(statement.to_json(_tincan_version(version)))
    body.pop("actor", None)
    body.pop("version", None)  # the LRS sets it (xAPI: a client should not)
    return body


def _tincan_version(version: str) -> str:
    # tincan knows the 1.0.x serialisation; 2.0.0 statements of these shapes are the same
    return "1.0.3" if version.startswith("2.") else version


def actor_for(user_id: int, email: str | None, mode: str) -> dict:
    """The learner as an xAPI agent: ``mbox`` (mailto:) when the deployment sends e-mail
    addresses, else an account on the LMS (homePage = LMS_BASE_URL) named by an opaque
    id that only this deployment can link back to the person."""
    if mode == "mbox" and email:
        agent = Agent(mbox=f"mailto:{email}")
    else:
        agent = Agent(account=AgentAccount(home_page=current_app.config["LMS_BASE_URL"], name=pseudonym(user_id)))
    return json.loads(agent.to_json("1.0.3"))


def pseudonym(user_id: int) -> str:
    """An opaque, stable name for a learner: an HMAC of the id with the app's secret key."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"lms-xapi-actor:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


def with_actor(body: dict, actor: dict) -> dict:
    return {**body, "actor": actor}
