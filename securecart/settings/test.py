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

_LOCAL_POSTGRES_URL = "postgres://shop:shop@127.0.0.1:5432/shop"


def _local_postgres_problem() -> str | None:
    """Make the project's role and database on a local PostgreSQL if missing.

    Returns None when `shop`/`shop` can connect (creating the role and database
    first through a trusted superuser login when it cannot), else why not.
    """
    import getpass

    import psycopg

    def app_can_connect() -> str | None:
        try:
            psycopg.connect(_LOCAL_POSTGRES_URL, connect_timeout=2).close()
        except psycopg.Error as exc:
            return str(exc).strip().splitlines()[-1]
        return None

    problem = app_can_connect()
    if problem is None:
        return None
    for admin in dict.fromkeys(("postgres", getpass.getuser())):
        try:
            conn = psycopg.connect(
                host="127.0.0.1",
                port=5432,
                user=admin,
                dbname="postgres",
                connect_timeout=2,
                autocommit=True,
            )
        except psycopg.Error:
            continue
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_roles WHERE rolname = 'shop'")
                if cur.fetchone() is None:
                    cur.execute("CREATE ROLE shop LOGIN CREATEDB PASSWORD 'shop'")
                cur.execute("SELECT 1 FROM pg_database WHERE datname = 'shop'")
                if cur.fetchone() is None:
                    cur.execute("CREATE DATABASE shop OWNER shop")
        except psycopg.Error as exc:
            problem = f"{problem}; creating it as {admin!r} failed: {exc}".strip()
        finally:
            conn.close()
        retry = app_can_connect()
        if retry is None:
            return None
        problem = retry
    return problem


# One line the test run prints about which database it uses and why (conftest).
TEST_DATABASE_NOTE = "database: " + (
    "DATABASE_URL" if os.environ.get("DATABASE_URL") else "SQLite (in memory)"
)
if _AUTODETECT and not os.environ.get("DATABASE_URL"):
    if _port_open("127.0.0.1", 5432):
        _problem = _local_postgres_problem()
        if _problem is None:
            DATABASES["default"] = database_config(_LOCAL_POSTGRES_URL)
            TEST_DATABASE_NOTE = "database: PostgreSQL at 127.0.0.1:5432 (role shop)"
        else:
            TEST_DATABASE_NOTE = (
                "database: SQLite, because PostgreSQL on 127.0.0.1:5432 refused the "
                f"project's role and it could not be created ({_problem}); "
                "run `make services` or set DATABASE_URL"
            )
    else:
        TEST_DATABASE_NOTE = (
            "database: SQLite, because nothing listens on 127.0.0.1:5432 "
            "(set DATABASE_URL or start PostgreSQL for the postgres-marked tests)"
        )

if (
    _AUTODETECT
    and not os.environ.get("DATABASE_REPLICA_URLS")
    and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and _port_open("127.0.0.1", 5433)
):
    DATABASES["replica"] = database_config("postgres://shop:shop@127.0.0.1:5433/shop")
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    REPLICA_DATABASES = ["replica"]

# The concurrency tests run 20-50 request threads in one process against a pool of
# DATABASE_POOL_MAX_SIZE; they queue for a connection longer than the production
# wait (sync workers serve one request per process, so there nobody queues).
for _config in DATABASES.values():
    if "pool" in _config.get("OPTIONS", {}):
        _config["OPTIONS"]["pool"]["timeout"] = 30
# Their lock waits (one row, many checkouts) last longer than a production request may.
DATABASE_REQUEST_TIMEOUT_SECONDS = 30.0

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
EMAIL_BACKEND = env(
    "TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
STORAGES["staticfiles"] = {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
MEDIA_ROOT = VAR_DIR / "test-media"
PRIVATE_MEDIA_ROOT = VAR_DIR / "test-private-media"

# A Redis that tests stop and start again is used again soon after.
CACHE_CIRCUIT_OPEN_SECONDS = 0.5
# Tests flush Redis between tests (generations start again at 1): no process copies,
# but for the tests of the copies themselves (tests/shop/test_catalog_local.py).
CATALOG_LOCAL_SECONDS = 0.0

# Tests that exercise throttling lower these; the rest must never hit them.
REST_FRAMEWORK = {**REST_FRAMEWORK}
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "100000/min", "user": "100000/min"}
