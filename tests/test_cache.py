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
