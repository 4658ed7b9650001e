"""Job functions used by the tests (rq enqueues functions by their import path)."""

from lms_core.extensions import db
from lms_core.models import Notification

CALLS = []


def write_note(user_id: int, title: str) -> None:
    db.session.add(Notification(user_id=user_id, kind="test", title=title))
    db.session.commit()


def always_fails(reason: str) -> None:
    raise RuntimeError(reason)


def tick_note() -> None:
    """A periodic task: writes a note for the first user each time it runs."""
    from lms_core.models import User

    user = db.session.execute(db.select(User).order_by(User.id)).scalars().first()
    write_note(user.id, "tick")


def heartbeat_probe(user_id: int, seconds: float) -> None:
    """Runs ``seconds``, then notes how long its worker's started registry still gives
    it before it counts as abandoned (the score of its execution, minus now)."""
    import time

    from rq import get_current_job

    time.sleep(seconds)
    job = get_current_job()
    registry = job.started_job_registry
    [score] = [
        s for key, s in job.connection.zrange(registry.key, 0, -1, withscores=True) if key.decode().startswith(job.id)
    ]
    write_note(user_id, f"{score - time.time():.1f}")
