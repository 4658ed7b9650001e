"""The plugin is found through its entry point and enabled by LMS_PLUGINS."""


def test_the_plugin_is_enabled(app):
    from lms_core.testing import get_plugin_manager

    assert get_plugin_manager(app).pm.get_plugin("scorm_xapi") is not None
