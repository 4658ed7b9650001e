"""The catalogue is served from the cache (Redis when set) and invalidated on change."""

from lms_core import cache
from lms_core.extensions import db
from lms_core.services import courses


def test_the_catalogue_is_cached_and_forgotten_when_a_course_changes(client, factory):
    course = factory.course(title="Geology")
    assert "Geology" in client.get("/").get_data(as_text=True)

    # A change that bypasses the service is not seen: the page comes from the cache ...
    db.session.execute(db.update(type(course)).values(title="Rocks"))
    db.session.commit()
    assert courses.published_courses()[0]["title"] == "Geology"
    # ... until the change is announced, as every authoring path does.
    courses.course_changed()
    assert courses.published_courses()[0]["title"] == "Rocks"


def test_an_unpublished_course_leaves_the_catalogue(client, factory):
    course = factory.course(title="Secret plans")
    assert "Secret plans" in client.get("/").get_data(as_text=True)
    course.published = False
    db.session.commit()
    courses.course_changed()
    assert "Secret plans" not in client.get("/").get_data(as_text=True)
    assert client.get(f"/courses/{course.slug}").status_code in (302, 403)


def test_counters_expire_and_reset(app):
    assert cache.increment("probe", ttl=60) == 1
    assert cache.increment("probe", ttl=60) == 2
    assert cache.read_counter("probe") == 2
    cache.reset_counter("probe")
    assert cache.read_counter("probe") == 0


def test_the_redis_cache_is_used_when_redis_is_configured(app):
    backend = cache.backend()
    expected = "RedisCache" if app.config.get("REDIS_URL") else "MemoryCache"
    assert type(backend).__name__ == expected


def test_a_shared_value_is_decoded_once_while_its_stored_text_is_the_same(app):
    """The catalogue is read on every view of its page: its readers share one decoded
    value until the stored text changes (an invalidation, another process's recompute,
    an expiry), on either backend."""
    computed = []

    def compute():
        computed.append(1)
        return [{"title": f"Course {len(computed)}"}]

    first = cache.get_or_compute_shared("probe", "cards", compute)
    assert first == [{"title": "Course 1"}]
    assert cache.get_or_compute_shared("probe", "cards", compute) is first  # not decoded again
    assert len(computed) == 1

    cache.invalidate("probe")
    second = cache.get_or_compute_shared("probe", "cards", compute)
    assert second == [{"title": "Course 2"}] and len(computed) == 2

    # Another process stored a different text under the same key: it is read, not the old one.
    cache.backend().set(cache._namespace_key("probe", "cards"), '[{"title": "Course 3"}]')
    assert cache.get_or_compute_shared("probe", "cards", compute) == [{"title": "Course 3"}]
    assert len(computed) == 2
