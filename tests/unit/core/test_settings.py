"""`core.settings`: values from `EHCP_*` variables and `.env`, and errors that name the variable to fix."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from core.key_ring import DEV_KEY_ID, GENERATE_KEY, dev_codec_keys
from core.settings import Settings, get_settings

K1 = bytes(range(32))
K2 = bytes(range(100, 132))
RING = f"k1:{base64.b64encode(K1).decode()},k2:{base64.b64encode(K2).decode()}"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # No variable or .env file of the machine running the tests may leak in.
    for name in list(os.environ):
        if name.upper().startswith("EHCP_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()


def load() -> Settings:
    return Settings()


def test_defaults_run_embedded_on_the_public_development_key() -> None:
    settings = load()
    assert settings.database_url == "sqlite+aiosqlite:///var/ehcp.db"
    assert settings.temporal_address == "127.0.0.1:7233"
    assert settings.la_code == "000"
    assert settings.notifier == "outbox"
    assert settings.outbox_dir == Path("var/outbox")
    assert settings.upload_max_bytes == 10 * 1024 * 1024
    assert settings.statute_conventions == {}
    assert settings.codec_active_key == DEV_KEY_ID
    assert len(settings.codec_keys[DEV_KEY_ID]) == 32
    assert settings.uses_dev_keys


def test_the_development_ring_is_fixed_and_says_what_it_is() -> None:
    assert dev_codec_keys() == dev_codec_keys()
    key_id, _, encoded = dev_codec_keys().partition(":")
    assert "not-secret" in key_id
    assert base64.b64decode(encoded) == b"EHCP development key: NOT SECRET"


def test_every_setting_is_read_from_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "EHCP_DATABASE_URL": "postgresql+psycopg://ehcp@db/ehcp",
        "EHCP_TEMPORAL_ADDRESS": "temporal:7233",
        "EHCP_TEMPORAL_NAMESPACE": "camden",
        "EHCP_TASK_QUEUE": "ehcp-camden",
        "EHCP_LA_CODE": "202",
        "EHCP_CODEC_KEYS": RING,
        "EHCP_CODEC_ACTIVE_KEY": "k2",
        "EHCP_ALLOW_DEV_KEYS": "false",
        "EHCP_NOTIFIER": "govuk_notify",
        "EHCP_NOTIFY_API_KEY": "notify-key-abc",
        "EHCP_NOTIFY_EMAIL_TEMPLATE_ID": "tmpl-1",
        "EHCP_REMIND_BEFORE_DAYS": "5",
        "EHCP_ESCALATE_AFTER_DAYS": "3",
        "EHCP_API_PORT": "9000",
        "EHCP_LOG_FORMAT": "JSON",
        "EHCP_LOG_LEVEL": "Warning",
        "EHCP_STATUTE_CONVENTIONS": '{"weeks_count_from": "receipt"}',
        "EHCP_UPLOAD_MAX_BYTES": "2048",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load()
    assert settings.database_url == "postgresql+psycopg://ehcp@db/ehcp"
    assert (settings.temporal_address, settings.temporal_namespace) == ("temporal:7233", "camden")
    assert settings.task_queue == "ehcp-camden"
    assert settings.la_code == "202"
    assert settings.codec_keys == {"k1": K1, "k2": K2}
    assert settings.codec_active_key == "k2"
    assert not settings.uses_dev_keys
    assert settings.notifier == "govuk_notify"
    assert settings.notify_api_key is not None
    assert settings.notify_api_key.get_secret_value() == "notify-key-abc"
    assert (settings.remind_before_days, settings.escalate_after_days) == (5, 3)
    assert settings.api_port == 9000
    assert (settings.log_format, settings.log_level) == ("json", "warning")
    assert settings.statute_conventions == {"weeks_count_from": "receipt"}
    assert settings.upload_max_bytes == 2048


def test_a_dot_env_file_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("EHCP_LA_CODE=909\nEHCP_API_PORT=8123\nOTHER_TOOL=ignored\n")
    settings = load()
    assert (settings.la_code, settings.api_port) == ("909", 8123)


def test_a_ring_of_one_key_makes_that_key_active(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EHCP_CODEC_KEYS", f"only:{base64.b64encode(K1).decode()}")
    settings = load()
    assert settings.codec_active_key == "only"
    assert settings.codec_keys == {"only": K1}


SHORT = base64.b64encode(b"sixteen bytes!!!").decode()


@pytest.mark.parametrize(
    ("env", "variable", "fragment"),
    [
        ({"EHCP_LA_CODE": "12"}, "EHCP_LA_CODE", "three-digit"),
        ({"EHCP_LA_CODE": "2O2"}, "EHCP_LA_CODE", "three-digit"),
        ({"EHCP_CODEC_KEYS": f"{RING},k3:{SHORT}"}, "EHCP_CODEC_KEYS", "'k3' decodes to 16 bytes"),
        ({"EHCP_CODEC_KEYS": "k1:not*base64"}, "EHCP_CODEC_KEYS", "'k1' is not valid base64"),
        ({"EHCP_CODEC_KEYS": "k1"}, "EHCP_CODEC_KEYS", "KEY_ID:BASE64_KEY"),
        ({"EHCP_CODEC_KEYS": f"{RING},{RING}"}, "EHCP_CODEC_KEYS", "'k1' appears twice"),
        ({"EHCP_CODEC_KEYS": RING, "EHCP_CODEC_ACTIVE_KEY": "k9"}, "EHCP_CODEC_ACTIVE_KEY", "'k9' is not"),
        ({"EHCP_CODEC_KEYS": RING}, "EHCP_CODEC_ACTIVE_KEY", "must name a key id in the ring (k1, k2)"),
        ({"EHCP_ALLOW_DEV_KEYS": "false"}, "EHCP_CODEC_KEYS", GENERATE_KEY),
        ({"EHCP_NOTIFIER": "fax"}, "EHCP_NOTIFIER", "'outbox'"),
        ({"EHCP_NOTIFIER": "govuk_notify"}, "EHCP_NOTIFY_API_KEY", "EHCP_NOTIFIER=govuk_notify needs"),
        ({"EHCP_NOTIFIER": "smtp", "EHCP_SMTP_HOST": "mail"}, "EHCP_SMTP_SENDER", "EHCP_NOTIFIER=smtp needs"),
        ({"EHCP_NOTIFIER": "webhook"}, "EHCP_WEBHOOK_SECRET", "needs"),
        ({"EHCP_LOG_LEVEL": "loud"}, "EHCP_LOG_LEVEL", "'debug'"),
        ({"EHCP_LOG_FORMAT": "xml"}, "EHCP_LOG_FORMAT", "'json'"),
        ({"EHCP_API_PORT": "http"}, "EHCP_API_PORT", "integer"),
        ({"EHCP_API_PORT": "70000"}, "EHCP_API_PORT", "65535"),
        ({"EHCP_REMIND_BEFORE_DAYS": "0"}, "EHCP_REMIND_BEFORE_DAYS", "greater than or equal to 1"),
        ({"EHCP_STATUTE_CONVENTIONS": "{oops"}, "EHCP_STATUTE_CONVENTIONS", "JSON object"),
        ({"EHCP_STATUTE_CONVENTIONS": "[1]"}, "EHCP_STATUTE_CONVENTIONS", "dictionary"),
        ({"EHCP_UPLOAD_MAX_BYTES": "0"}, "EHCP_UPLOAD_MAX_BYTES", "greater than 0"),
    ],
)
def test_each_bad_value_is_refused_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], variable: str, fragment: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as caught:
        load()
    message = str(caught.value)
    assert variable in message
    assert fragment in message


def test_all_problems_are_reported_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EHCP_LA_CODE", "x")
    monkeypatch.setenv("EHCP_API_PORT", "x")
    with pytest.raises(ValidationError) as caught:
        load()
    assert caught.value.error_count() == 2
    assert "EHCP_LA_CODE" in str(caught.value)
    assert "EHCP_API_PORT" in str(caught.value)


def test_no_secret_reaches_an_error_or_a_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    bad_ring = f"{RING},k3:{SHORT}"
    monkeypatch.setenv("EHCP_CODEC_KEYS", bad_ring)
    monkeypatch.setenv("EHCP_LA_CODE", "bad")
    with pytest.raises(ValidationError) as caught:
        load()
    shown = str(caught.value) + repr(caught.value.errors())
    for secret in (base64.b64encode(K1).decode(), SHORT):
        assert secret not in shown

    monkeypatch.setenv("EHCP_CODEC_KEYS", RING)
    monkeypatch.setenv("EHCP_CODEC_ACTIVE_KEY", "k1")
    monkeypatch.setenv("EHCP_LA_CODE", "202")
    monkeypatch.setenv("EHCP_NOTIFIER", "webhook")
    monkeypatch.setenv("EHCP_WEBHOOK_SECRET", "hook-secret-123")
    settings = load()
    assert repr(K1) not in repr(settings)
    assert "hook-secret-123" not in repr(settings)


def test_get_settings_reads_once_and_keeps_the_result(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EHCP_LA_CODE", "202")
    first = get_settings()
    monkeypatch.setenv("EHCP_LA_CODE", "303")
    assert get_settings() is first
    assert get_settings().la_code == "202"
    get_settings.cache_clear()
    assert get_settings().la_code == "303"


def test_the_worker_cache_keeps_temporals_default_and_is_sized_by_its_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load().worker_max_cached_workflows == 1000
    monkeypatch.setenv("EHCP_WORKER_MAX_CACHED_WORKFLOWS", "12000")
    assert load().worker_max_cached_workflows == 12000
    monkeypatch.setenv("EHCP_WORKER_MAX_CACHED_WORKFLOWS", "-1")
    with pytest.raises(ValidationError) as caught:
        load()
    assert "EHCP_WORKER_MAX_CACHED_WORKFLOWS" in str(caught.value)
    assert "greater than or equal to 0" in str(caught.value)
