"""Settings for the pytest suite.

The suite uses the real services when they are reachable: PostgreSQL at
DATABASE_URL (or 127.0.0.1:5432 when that answers), Redis at TEST_REDIS_URL.
Without them it runs on SQLite and service-marked tests skip (fail when CI=true).
"""

import os
import socket

from .base import *  # noqa: F403
from .base import DATABASES, database_config, env


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.3):
            return True
    except OSError:
        return False


# Worker processes started by the tests get explicit URLs and set this to 0.
_AUTODETECT = env("SECURECART_AUTODETECT_SERVICES", "1") == "1"

if _AUTODETECT and not os.environ.get("DATABASE_URL") and _port_open("127.0.0.1", 5432):
    DATABASES["default"] = database_config("postgres://shop:shop@127.0.0.1:5432/shop")

if (
    _AUTODETECT
    and not os.environ.get("DATABASE_REPLICA_URLS")
    and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and _port_open("127.0.0.1", 5433)
):
    DATABASES["replica"] = database_config("postgres://shop:shop@127.0.0.1:5433/shop")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    REPLICA_DATABASES = ["replica"]

# Parallel runs on one server (several checkouts, CI) must not share a test DB.
_suffix = env("TEST_DB_SUFFIX")
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": f"test_{DATABASES['default']['NAME']}{'_' + _suffix if _suffix else ''}"
    }

DEBUG = False
# Most tests run inside a rolled-back transaction on "default" only; replica
# routing is switched on by the tests of the router (tests/securecart/test_db_router.py).
REPLICA_ROUTING_ENABLED = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Worker processes started by tests may read mail back from files instead.
EMAIL_BACKEND = env("TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
PRIVATE_MEDIA_ROOT = VAR_DIR / "test-private-media"  # noqa: F405

# Tests that exercise throttling lower these; the rest must never hit them.
REST_FRAMEWORK = {**REST_FRAMEWORK}  # noqa: F405
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "100000/min", "user": "100000/min"}
