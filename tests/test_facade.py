"""The public facade plugin authors import from: every name it promises resolves."""

import lms_core


def test_every_name_in_the_facade_resolves():
    for name in lms_core.__all__:
        assert getattr(lms_core, name) is not None, name


def test_an_unknown_name_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError):
        lms_core.no_such_thing  # noqa: B018
