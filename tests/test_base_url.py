"""Without LMS_BASE_URL, the links that leave the site (mails, certificates, QR codes)
use the address the app is served on: HOST and PORT, or `lms run --host --port`."""

from flask import Flask

from lms_core.config import load_config, served_address


def config_with(monkeypatch, tmp_path, **env):
    for name in ("LMS_BASE_URL", "HOST", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = Flask("lms_base_url_test", instance_path=str(tmp_path))
    load_config(app, {})
    return app.config


def test_an_unset_base_url_follows_port_and_host(monkeypatch, tmp_path):
    assert config_with(monkeypatch, tmp_path)["LMS_BASE_URL"] == "http://127.0.0.1:5000"
    assert config_with(monkeypatch, tmp_path, PORT="8123")["LMS_BASE_URL"] == "http://127.0.0.1:8123"
    assert config_with(monkeypatch, tmp_path, HOST="lms.lan", PORT="80")["LMS_BASE_URL"] == "http://lms.lan:80"


def test_a_base_url_that_is_set_wins(monkeypatch, tmp_path):
    config = config_with(monkeypatch, tmp_path, LMS_BASE_URL="https://lms.example.edu", PORT="8123")
    assert config["LMS_BASE_URL"] == "https://lms.example.edu" and not config.get("LMS_BASE_URL_DERIVED")


def test_a_wildcard_listening_address_is_reached_on_the_loopback():
    assert served_address("0.0.0.0", "8000") == "http://127.0.0.1:8000"
    assert served_address("::1", 9000) == "http://[::1]:9000"
    assert served_address(None, "not-a-port") == "http://127.0.0.1:5000"
