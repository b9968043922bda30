"""Settings come from the environment; bad values stop start-up with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def load_settings(**env):
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    base.update({"ANJIAN_TESTING": "0", "DEBUG": "0", "SECRET_KEY": "x" * 50, **env})
    base = {k: v for k, v in base.items() if v is not None}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import anjian.settings as s; print(s.DATABASES['default']['ENGINE'])",
        ],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = load_settings(SECRET_KEY="", ANJIAN_VAR_DIR=str(tmp_path))
    assert result.returncode != 0 and "SECRET_KEY is not set" in result.stderr


def test_the_key_generated_by_make_run_is_read_from_the_var_folder(tmp_path):
    (tmp_path / "secret_key").write_text("k" * 50 + "\n")
    result = load_settings(SECRET_KEY="", ANJIAN_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr


def test_debug_allows_the_development_secret_key(tmp_path):
    result = load_settings(SECRET_KEY="", DEBUG="1", ANJIAN_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "env,message",
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL scheme 'mysql'"),
        ({"REDIS_URL": "http://127.0.0.1"}, "REDIS_URL must start with redis://"),
        ({"TIME_ZONE": "Mars/Olympus"}, "is not a known time zone"),
        ({"LANGUAGE_CODE": "fr"}, "LANGUAGE_CODE='fr'"),
        ({"LOGIN_MAX_FAILURES": "zero"}, "is not an integer"),
        ({"CSRF_TRUSTED_ORIGINS": "example.com"}, "must start with http"),
    ],
)
def test_invalid_values_stop_start_up_with_a_clear_message(env, message):
    result = load_settings(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_default_database_is_sqlite_and_postgres_url_is_understood():
    assert "sqlite3" in load_settings().stdout
    result = load_settings(DATABASE_URL="postgres://u:p@127.0.0.1:5432/anjian")
    assert "postgresql" in result.stdout
