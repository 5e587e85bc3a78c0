"""Settings shared by every mode.

Every value comes from an environment variable with an embedded default, so that
`make run` needs nothing but Python; `production.py` only tightens these.
The README's configuration table lists every variable read here.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("SECURECART_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str = "") -> str:
    """Return an environment variable, or the default when unset or empty."""
    value = os.environ.get(name, "")
    return value if value != "" else default


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# --- core -------------------------------------------------------------------
SECRET_KEY = env("DJANGO_SECRET_KEY", "dev-insecure-key-only-for-local-use")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
ADMIN_URL = env("DJANGO_ADMIN_URL", "admin/")
SITE_NAME = env("SITE_NAME", "SecureCart")
# The shop's public address (https://shop.example.com) for canonical links, Open
# Graph, JSON-LD, sitemap.xml, robots.txt and the links in emails. Empty: pages take
# each request's host, emails the address `make run` serves (securecart.http.site_origin);
# production defaults it to https:// + the first DJANGO_ALLOWED_HOSTS entry.
SITE_URL = env("SITE_URL").rstrip("/")
SITE_ID = 1
STORE_CURRENCY = env("STORE_CURRENCY", "USD")
# Where the shop sells from: first in every country list and the default of
# address forms (ISO 3166-1 alpha-2).
STORE_COUNTRY = env("STORE_COUNTRY", "US").upper()
# Checkout: payment gateway by name ("test" is the built-in one) and whether
# catalog prices already include tax (shown and charged as such) or tax is added.
PAYMENT_GATEWAY = env("PAYMENT_GATEWAY", "test")
# Days after shipping during which a shopper can ask to return shipped lines.
RETURN_WINDOW_DAYS = env_int("RETURN_WINDOW_DAYS", 30)
PRICES_INCLUDE_TAX = env_bool("PRICES_INCLUDE_TAX", False)

INSTALLED_APPS = [
    # django.contrib.admin, with the admin site whose sign-in is throttled.
    "accounts.admin_apps.SecureCartAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    # Footer pages (shipping, returns, contact, terms) staff edit in the admin,
    # and sitemap.xml; flatpages needs the sites framework (SITE_ID below).
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django.contrib.sitemaps",
    "rest_framework",
    # Customer API tokens: refresh tokens are recorded and revoked here (accounts/tokens.py).
    "rest_framework_simplejwt.token_blacklist",
    "corsheaders",
    "drf_spectacular",
    # Swagger UI's files, served as our static files (no CDN).
    "drf_spectacular_sidecar",
    "csp",
    "accounts",
    "shop",
    "orders",
    "notifications",
    # Vouchers and scheduled sales (imports shop; orders imports it).
    "promotions",
    # The staff operations dashboard (reads every app through its selectors).
    "dashboard",
    # The project as an app: observability hooks and operator commands.
    "securecart",
]

MIDDLEWARE = [
    "securecart.middleware.RequestIdMiddleware",
    # Partner calls through API Gateway (trusted only with its secret header).
    "securecart.partners.ApiPartnerMiddleware",
    "securecart.health.HealthCheckMiddleware",
    "securecart.observability.middleware.RequestMetricsMiddleware",
    # NUL in a path or query string: 400 before any view reaches the database.
    "securecart.middleware.RejectNulMiddleware",
    # A view's database error that the replica retry below did not absorb: the
    # 503 page (process_exception runs bottom-up, so the retry goes first).
    "securecart.middleware.DatabaseUnavailableMiddleware",
    # Early, so session/auth reads are routed and the session save is seen as a write.
    "securecart.replica.ReplicaPinMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # django-csp's, with the policy built once (securecart/middleware.py).
    "securecart.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # CORS for /api/v1/ only, for the origins in API_CORS_ALLOWED_ORIGINS (none by default).
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "securecart.urls"
WSGI_APPLICATION = "securecart.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# Sign-in by username or email (accounts/backends.py); permissions as ModelBackend.
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrEmailBackend"]
PASSWORD_RESET_TIMEOUT = env_int("DJANGO_PASSWORD_RESET_TIMEOUT", 3600)
# Failed sign-ins (storefront and admin) per login name and per client IP, counted
# in the shared cache over a window; at the limit sign-in answers 429 until it ends.
ACCOUNTS_LOGIN_MAX_FAILURES = env_int("ACCOUNTS_LOGIN_MAX_FAILURES", 5)
ACCOUNTS_LOGIN_IP_MAX_FAILURES = env_int("ACCOUNTS_LOGIN_IP_MAX_FAILURES", 5)
ACCOUNTS_LOGIN_WINDOW_SECONDS = env_int("ACCOUNTS_LOGIN_WINDOW_SECONDS", 900)
# Password-reset emails per submitted address and per client IP in a window
# (accounts/throttling.py); over the limit the request is answered but sends nothing.
ACCOUNTS_PASSWORD_RESET_EMAIL_MAX = env_int("ACCOUNTS_PASSWORD_RESET_EMAIL_MAX", 3)
ACCOUNTS_PASSWORD_RESET_IP_MAX = env_int("ACCOUNTS_PASSWORD_RESET_IP_MAX", 10)
ACCOUNTS_PASSWORD_RESET_WINDOW_SECONDS = env_int(
    "ACCOUNTS_PASSWORD_RESET_WINDOW_SECONDS", 3600
)
# Sign-up attempts per client IP in a window (accounts/throttling.py): beyond, 429.
ACCOUNTS_SIGNUP_IP_MAX = env_int("ACCOUNTS_SIGNUP_IP_MAX", 10)
ACCOUNTS_SIGNUP_WINDOW_SECONDS = env_int("ACCOUNTS_SIGNUP_WINDOW_SECONDS", 3600)
# API sign-ups per email address in the same window (the API's per-account limit).
ACCOUNTS_SIGNUP_EMAIL_MAX = env_int("ACCOUNTS_SIGNUP_EMAIL_MAX", 3)
# Failed voucher-code attempts per client (IP, else cart) in a window: beyond, 429.
VOUCHER_ATTEMPTS_MAX = env_int("VOUCHER_ATTEMPTS_MAX", 10)
VOUCHER_ATTEMPTS_WINDOW_SECONDS = env_int("VOUCHER_ATTEMPTS_WINDOW_SECONDS", 900)
# Seconds a sign-up confirmation link stays valid (the account stays inactive until).
ACCOUNTS_SIGNUP_CONFIRM_SECONDS = env_int("ACCOUNTS_SIGNUP_CONFIRM_SECONDS", 259200)
# "Find my order" (orders/customer_views.py): requests per client IP in a window,
# and how long the emailed link opens the order.
ORDER_LOOKUP_IP_MAX = env_int("ORDER_LOOKUP_IP_MAX", 5)
ORDER_LOOKUP_WINDOW_SECONDS = env_int("ORDER_LOOKUP_WINDOW_SECONDS", 3600)
ORDER_LOOKUP_LINK_SECONDS = env_int("ORDER_LOOKUP_LINK_SECONDS", 86400)
# Admin sign-ins from these networks (CIDR; office, VPN) have counters of their own,
# so failures from anywhere else never lock staff out there (accounts/throttling.py).
ACCOUNTS_STAFF_NETWORKS = env_list("ACCOUNTS_STAFF_NETWORKS")
# Proxies (ALB, CloudFront) that append to X-Forwarded-For; 0 = use REMOTE_ADDR.
# A shorter X-Forwarded-For chain gives no client address (securecart/http.py).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "securecart.context_processors.site",
                # Category menu, cart count and footer pages (lazy, cached).
                "shop.context_processors.storefront",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", 1_048_576)

# --- database ---------------------------------------------------------------
DATABASE_POOL_MAX_SIZE = env_int("DATABASE_POOL_MAX_SIZE", 10)
# Connecting to the database gives up after this long (libpq's minimum is 2).
DATABASE_CONNECT_TIMEOUT_SECONDS = env_int("DATABASE_CONNECT_TIMEOUT_SECONDS", 2)
# With the database down or hung a page is the 503 after about this long instead of
# holding a worker: the wait for a pooled connection (the pool connects in the
# background) and, in a web request, for each answer of the database (past it the
# connection is dropped: securecart/database_wait.py). Tasks and commands wait for
# answers unbounded.
DATABASE_REQUEST_TIMEOUT_SECONDS = float(env("DATABASE_REQUEST_TIMEOUT_SECONDS", "1.5"))
# How long the pool retries a failing connect before waiting for the next request.
DATABASE_RECONNECT_SECONDS = 5.0
# Product search (shop.search): how close a word must be to a product or category
# name to count as a typo of it (pg_trgm word similarity, 0-1; 0.6 is pg_trgm's
# own, stricter, default). Set on every connection, so the GIN trigram indexes
# serve the `%>` operator with it.
SEARCH_TYPO_THRESHOLD = float(env("SEARCH_TYPO_THRESHOLD", "0.4"))


def database_config(url: str) -> dict[str, Any]:
    """Build one DATABASES entry; PostgreSQL gets Django's psycopg pool."""
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0))
    if config["ENGINE"] == "django.db.backends.postgresql":
        from securecart.database_wait import BoundedWaitConnection

        options = config.setdefault("OPTIONS", {})
        options["connect_timeout"] = DATABASE_CONNECT_TIMEOUT_SECONDS
        options.setdefault(
            "options", f"-c pg_trgm.word_similarity_threshold={SEARCH_TYPO_THRESHOLD}"
        )
        # Server-side binding: psycopg prepares a statement a connection runs
        # often (its 5th time) and PostgreSQL plans it once per connection; the
        # hot reads (securecart.query_plans) send the same SQL every time, and
        # planning them cost more than running them.
        options["server_side_binding"] = True
        options["prepare_threshold"] = 5
        options["pool"] = {
            "min_size": 1,
            "max_size": DATABASE_POOL_MAX_SIZE,
            "timeout": DATABASE_REQUEST_TIMEOUT_SECONDS,
            # A failing connect is retried with a doubling delay (1, 2, 4 ... s) for
            # this long, then given up until the next request needs a connection:
            # psycopg's 5 minutes would leave a database that is back unused for up
            # to as long as it was down.
            "reconnect_timeout": DATABASE_RECONNECT_SECONDS,
            # Its waits for answers bounded in web requests (same setting).
            "connection_class": BoundedWaitConnection,
        }
    return config


DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {"default": database_config(DATABASE_URL)}
# Read replicas: aliases "replica", "replica_2", ... in the order given.
REPLICA_DATABASES: list[str] = []
for _index, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    _alias = "replica" if _index == 1 else f"replica_{_index}"
    DATABASES[_alias] = database_config(_url)
    DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
    REPLICA_DATABASES.append(_alias)
DATABASE_ROUTERS = ["securecart.db_routers.PrimaryReplicaRouter"]
# Reads go to a healthy replica (web requests only; see securecart/db_routers.py).
REPLICA_ROUTING_ENABLED = env_bool("REPLICA_ROUTING_ENABLED", True)
# After a write, that browser reads the primary this long (replica_pin cookie).
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 10)
# Each process re-probes a replica at most this often, each probe bounded by the timeout.
REPLICA_HEALTH_CACHE_SECONDS = float(env("REPLICA_HEALTH_CACHE_SECONDS", "5"))
REPLICA_HEALTH_TIMEOUT_SECONDS = float(env("REPLICA_HEALTH_TIMEOUT_SECONDS", "2"))

# --- cache and sessions -----------------------------------------------------
REDIS_URL = env("REDIS_URL")
CACHE_KEY_PREFIX = env("CACHE_KEY_PREFIX", "securecart")
CACHE_VERSION = env_int("CACHE_VERSION", 1)


def redis_cache_config(url: str, *, key_prefix: str, version: int) -> dict:
    """One django-redis CACHES entry (the tests build theirs with it too)."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": key_prefix,
        "VERSION": version,
        "OPTIONS": {
            # A Redis outage degrades to cache misses, never a 500; DRF throttles
            # then fail open (no history to count), sessions fall back to the DB.
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 0.5,
            "SOCKET_TIMEOUT": 0.5,
            # A failed or hung Redis is skipped for a few seconds after one timeout.
            "CLIENT_CLASS": "securecart.cache_circuit.CircuitBreakerClient",
        },
    }


if REDIS_URL:
    CACHES = {
        "default": redis_cache_config(
            REDIS_URL, key_prefix=CACHE_KEY_PREFIX, version=CACHE_VERSION
        )
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "securecart",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "VERSION": CACHE_VERSION,
        }
    }
# Throttle and sign-in counters: on their own Redis (maxmemory-policy noeviction)
# when COUNTER_REDIS_URL is set, so page-cache pressure can never evict them and
# reset a guesser's count; otherwise in the default cache.
COUNTER_REDIS_URL = env("COUNTER_REDIS_URL")
COUNTER_CACHE_ALIAS = "default"
if COUNTER_REDIS_URL:
    CACHES["counters"] = redis_cache_config(
        COUNTER_REDIS_URL, key_prefix=CACHE_KEY_PREFIX, version=1
    )
    COUNTER_CACHE_ALIAS = "counters"
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
# How long Redis is skipped after a failed call (securecart/cache_circuit.py).
CACHE_CIRCUIT_OPEN_SECONDS = float(env("CACHE_CIRCUIT_OPEN_SECONDS", "5"))
# Each process's own copy of hot catalog pages (shop/caching.py): how long a copy
# is served without asking Redis (a change made elsewhere shows up that much later;
# 0 turns the copies off) and how much text they may hold.
CATALOG_LOCAL_SECONDS = float(env("CATALOG_LOCAL_SECONDS", "1"))
CATALOG_LOCAL_BYTES = int(env("CATALOG_LOCAL_BYTES", str(4 * 1024 * 1024)))
# cached_db: a cache outage does not log everyone out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- static and media -------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env("DJANGO_MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))

AWS_REGION = env("AWS_REGION", env("AWS_DEFAULT_REGION", "us-east-1"))
AWS_ENDPOINT_URL = env("AWS_ENDPOINT_URL")  # set only for moto; botocore reads it too
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
CLOUDFRONT_DOMAIN = env("CLOUDFRONT_DOMAIN")

# --- Content-Security-Policy (django-csp 4.x dict format) ----------------------
# Strict: our own origin only, no inline script or style, never framed.
_CSP_SELF = "'self'"
# Where public media (product images) load from: CloudFront, or without it an S3
# endpoint override (moto in `make stack`); S3 without either is not used in AWS.
_MEDIA_ORIGINS: list[str] = []
if CLOUDFRONT_DOMAIN:
    _MEDIA_ORIGINS = [f"https://{CLOUDFRONT_DOMAIN}"]
elif AWS_STORAGE_BUCKET_NAME and AWS_ENDPOINT_URL:
    _endpoint = urlsplit(AWS_ENDPOINT_URL)
    _MEDIA_ORIGINS = [f"{_endpoint.scheme}://{_endpoint.netloc}"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_CSP_SELF],
        "script-src": [_CSP_SELF],
        "style-src": [_CSP_SELF],
        "img-src": [_CSP_SELF, *_MEDIA_ORIGINS],
        "font-src": [_CSP_SELF],
        "connect-src": [_CSP_SELF],
        "object-src": ["'none'"],
        "base-uri": [_CSP_SELF],
        "form-action": [_CSP_SELF],
        "frame-ancestors": ["'none'"],
    },
}

# CloudFront key pair for signed URLs of private files (PEM; "\n" escapes allowed).
AWS_CLOUDFRONT_KEY = env("AWS_CLOUDFRONT_KEY").replace("\\n", "\n") or None
AWS_CLOUDFRONT_KEY_ID = env("AWS_CLOUDFRONT_KEY_ID") or None
PRIVATE_URL_EXPIRY_SECONDS = env_int("PRIVATE_URL_EXPIRY_SECONDS", 300)
PRIVATE_MEDIA_ROOT = Path(
    env("DJANGO_PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private-media"))
)

# "default": public media (product images); "private": invoices, exports.
# Classes and their rules: securecart/storage.py (S3 ones: securecart/storage_s3.py).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "securecart.storage.LocalPrivateStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {"BACKEND": "securecart.storage_s3.PublicMediaStorage"}
    STORAGES["private"] = {"BACKEND": "securecart.storage_s3.PrivateMediaStorage"}

# --- messaging (one source of truth shared with Terraform) -------------------
MESSAGING = json.loads((BASE_DIR / "securecart" / "messaging.json").read_text())
SQS_QUEUE_PREFIX = env("SQS_QUEUE_PREFIX", MESSAGING["default_queue_prefix"])
SNS_ORDER_EVENTS_TOPIC_ARN = env("SNS_ORDER_EVENTS_TOPIC_ARN")
EVENT_BUS_NAME = env("EVENT_BUS_NAME")
# Notifications (notifications/): channels this deployment sends on, SMS sender,
# consumer retry backoff, and the outbox lag `outbox_status` alarms on.
NOTIFICATION_CHANNELS = env_list("NOTIFICATION_CHANNELS", "email,sms")
SMS_SENDER_ID = env("SMS_SENDER_ID", "SecureCart")
NOTIFICATIONS_RETRY_BASE_SECONDS = env_int("NOTIFICATIONS_RETRY_BASE_SECONDS", 5)
NOTIFICATIONS_RETRY_MAX_SECONDS = env_int("NOTIFICATIONS_RETRY_MAX_SECONDS", 600)
OUTBOX_MAX_LAG_SECONDS = env_int("OUTBOX_MAX_LAG_SECONDS", 300)
# Order tracking (orders.tracking): where the shopper's order page and the order API
# read ("database" | "dynamodb": the projection kept by `project_order_tracking`).
ORDER_TRACKING_STORE = env("ORDER_TRACKING_STORE", "database")
if ORDER_TRACKING_STORE not in ("database", "dynamodb"):
    raise ImproperlyConfigured("ORDER_TRACKING_STORE must be database or dynamodb")
ORDER_TRACKING_TABLE = env(
    "ORDER_TRACKING_TABLE", f"{SQS_QUEUE_PREFIX}{MESSAGING['order_tracking_table']}"
)
ORDER_TRACKING_TTL_DAYS = env_int("ORDER_TRACKING_TTL_DAYS", 400)

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
# Empty broker URL: tasks run eagerly, in-process (enqueue them after commit).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = "default"
# db_routers connects the signals that make tasks read the primary.
CELERY_IMPORTS = ["securecart.tasks", "securecart.db_routers"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
_visibility = max(q["visibility_timeout"] for q in MESSAGING["celery_queues"].values())
if CELERY_BROKER_URL.startswith("sqs://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "region": AWS_REGION,
        "queue_name_prefix": SQS_QUEUE_PREFIX,
        # Above the longest task, so a running task is not redelivered.
        "visibility_timeout": _visibility,
        "wait_time_seconds": env_int("SQS_WAIT_TIME_SECONDS", 10),
        "polling_interval": float(env("SQS_POLLING_INTERVAL", "1")),
    }
    if AWS_ENDPOINT_URL:
        CELERY_BROKER_TRANSPORT_OPTIONS["is_secure"] = (
            urlsplit(AWS_ENDPOINT_URL).scheme == "https"
        )
# Tell kombu the queue URLs (no CreateQueue/ListQueues at run time); see
# securecart/celery.py. AWS_ACCOUNT_ID saves an STS call to find them.
SQS_PREDEFINED_QUEUES = env_bool("SQS_PREDEFINED_QUEUES", False)
AWS_ACCOUNT_ID = env("AWS_ACCOUNT_ID")
# A task must finish well inside the visibility timeout of any queue (the
# shortest), or SQS redelivers it to a second worker while the first still runs
# (enforced by the prefork pool).
_shortest_visibility = min(
    q["visibility_timeout"] for q in MESSAGING["celery_queues"].values()
)
CELERY_TASK_TIME_LIMIT = _shortest_visibility - 30
CELERY_TASK_SOFT_TIME_LIMIT = _shortest_visibility - 45
# How often the beat looks for sales starting or ending (seconds).
SALE_SWEEP_SECONDS = env_int("SALE_SWEEP_SECONDS", 60)
CELERY_BEAT_SCHEDULE = {
    "outbox-relay": {
        "task": "notifications.tasks.outbox_relay_task",
        "schedule": float(env_int("OUTBOX_SWEEP_SECONDS", 30)),
        "options": {"queue": "events", "expires": 60},
    },
    "reconcile-orders": {
        "task": "orders.tasks.orders_reconcile_task",
        "schedule": float(env_int("RECONCILE_INTERVAL_SECONDS", 300)),
        "options": {"queue": "default", "expires": 240},
    },
    "void-orphaned-payments": {
        "task": "orders.tasks.payment_void_orphaned_task",
        "schedule": float(env_int("ORPHAN_PAYMENT_SWEEP_SECONDS", 300)),
        "options": {"queue": "default", "expires": 240},
    },
    # Sale starts/ends: bump the catalog cache (and schedule the bump to the second).
    "sale-boundaries": {
        "task": "promotions.tasks.sale_boundary_sweep_task",
        "schedule": float(SALE_SWEEP_SECONDS),
        "options": {"queue": "default", "expires": SALE_SWEEP_SECONDS},
    },
    # Expired customer API refresh tokens are forgotten (accounts/tokens.py).
    "api-tokens-flush": {
        "task": "accounts.tasks.api_tokens_flush_expired_task",
        "schedule": 86400.0,
        "options": {"queue": "default", "expires": 3600},
    },
    # Outbox lag and cache hit ratio as CloudWatch EMF (no-op unless emf).
    "metrics-gauges": {
        "task": "securecart.metrics_gauges_task",
        "schedule": float(env_int("METRICS_GAUGES_SECONDS", 60)),
        "options": {"queue": "default", "expires": 50},
    },
}

# --- fulfilment and fraud ------------------------------------------------------
# Risk score (0-100) above which an order waits on_hold for staff review.
FRAUD_HOLD_THRESHOLD = env_int("FRAUD_HOLD_THRESHOLD", 70)
# Who orchestrates fulfilment: Celery chains (default) or AWS Step Functions
# (the state machine of orders/fulfilment/statemachine.asl.json, its ARN below;
# `manage.py consume_fulfilment` runs the steps).
FULFILMENT_ENGINE = env("FULFILMENT_ENGINE", "celery")
if FULFILMENT_ENGINE not in ("celery", "stepfunctions"):
    raise ImproperlyConfigured("FULFILMENT_ENGINE must be celery or stepfunctions")
FULFILMENT_STATE_MACHINE_ARN = env("FULFILMENT_STATE_MACHINE_ARN")
# The queue the state machine sends the steps to (full name: SQS_QUEUE_PREFIX +
# this); it carries Step Functions messages, not Celery ones, so it is its own.
# Its name is in messaging.json, where Terraform reads it too.
FULFILMENT_STEPS_QUEUE = env(
    "FULFILMENT_STEPS_QUEUE", MESSAGING["fulfilment_steps_queue"]["name"]
)
# Who runs the scoring rules (orders/fraud_rules.py): the worker itself
# ("inprocess") or the fraud Lambda named FRAUD_FUNCTION_NAME ("lambda").
FRAUD_SCORER = env("FRAUD_SCORER", "inprocess")
if FRAUD_SCORER not in ("inprocess", "lambda"):
    raise ImproperlyConfigured("FRAUD_SCORER must be inprocess or lambda")
FRAUD_FUNCTION_NAME = env("FRAUD_FUNCTION_NAME", "")
# How often a worker heartbeats a running step (the state machine allows 120 s).
FULFILMENT_HEARTBEAT_SECONDS = env_int("FULFILMENT_HEARTBEAT_SECONDS", 30)
# An order in placed/processing longer than this is re-driven by reconcile_orders.
STUCK_ORDER_MINUTES = env_int("STUCK_ORDER_MINUTES", 30)
# Warehouse adapter (orders/integrations/warehouse.py); the built-in one books deterministically.
WAREHOUSE_ADAPTER = env(
    "WAREHOUSE_ADAPTER", "orders.integrations.warehouse.BuiltinWarehouse"
)

# --- email ------------------------------------------------------------------
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
# Where the file-based backend (django.core.mail.backends.filebased) writes.
EMAIL_FILE_PATH = Path(env("DJANGO_EMAIL_FILE_PATH", str(VAR_DIR / "mail")))
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "SecureCart <orders@securecart.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST API ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Every `{"detail"}` error with its code (securecart/errors.py).
    "EXCEPTION_HANDLER": "securecart.errors.api_exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # A customer's bearer token (mobile app) first, so that a missing or bad
        # one answers 401 with WWW-Authenticate; the browser session as before.
        "accounts.authentication.CustomerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # JSON nested too deeply is a 400 (securecart/parsers.py), not a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "securecart.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 24,
    "DEFAULT_THROTTLE_CLASSES": [
        # Callers known by securecart.http.client_ip, as everywhere else.
        "securecart.throttles.AnonRateThrottle",
        "securecart.throttles.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", "120/min"),
        "user": env("API_THROTTLE_USER", "600/min"),
        # Anonymous calls of one API Gateway partner, all its clients together.
        "partner": env("API_THROTTLE_PARTNER", "3000/min"),
    },
}
# --- API Gateway partners (securecart/partners.py, docs/api-gateway.md) ---------
# The secret API Gateway adds in X-Api-Gateway-Verify; empty: no request is a
# partner call. Partner name per API key id (JSON object), set by Terraform.
API_GATEWAY_VERIFY_SECRET = env("API_GATEWAY_VERIFY_SECRET", "")
API_GATEWAY_PARTNERS = json.loads(env("API_GATEWAY_PARTNERS", "{}"))
if not isinstance(API_GATEWAY_PARTNERS, dict) or not all(
    isinstance(k, str) and isinstance(v, str) for k, v in API_GATEWAY_PARTNERS.items()
):
    raise ImproperlyConfigured("API_GATEWAY_PARTNERS must be a JSON object of strings")
SPECTACULAR_SETTINGS = {
    "TITLE": "SecureCart API",
    "DESCRIPTION": "Catalog, carts, checkout, orders and customer accounts "
    "(contract and versioning policy: docs/api.md).",
    # Bumped (minor) with every additive change within v1 (docs/api.md).
    "VERSION": "1.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
# Customer API tokens (accounts/tokens.py, docs/api.md): a short-lived access token
# and a rotating refresh token, both signed JWTs; lifetimes are read per issue.
API_ACCESS_TOKEN_SECONDS = env_int("API_ACCESS_TOKEN_SECONDS", 300)
API_REFRESH_TOKEN_SECONDS = env_int("API_REFRESH_TOKEN_SECONDS", 30 * 86400)
SIMPLE_JWT = {
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
}
# Browser origins (a web app on another domain) allowed to call /api/v1/ with
# CORS; none by default. Tokens travel in a header, never in cookies.
CORS_ALLOWED_ORIGINS = env_list("API_CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/v1/.*$"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = ("accept", "authorization", "content-type", "idempotency-key")
CORS_EXPOSE_HEADERS = ("Retry-After", "Idempotent-Replayed")
CORS_PREFLIGHT_MAX_AGE = 3600

# --- observability (securecart/observability, docs/operations.md) ----------------
# "emf": also write CloudWatch Embedded Metric Format lines to stdout (AWS).
SECURECART_METRICS_FORMAT = env("SECURECART_METRICS_FORMAT", "prometheus")
# EMF: per-request latencies are written in batches (one line per 100 values or
# this many seconds, whichever comes first), not one stdout write per request.
SECURECART_METRICS_FLUSH_SECONDS = float(env("SECURECART_METRICS_FLUSH_SECONDS", "10"))
SECURECART_METRICS_NAMESPACE = env("SECURECART_METRICS_NAMESPACE", "SecureCart")
# Environment name (staging, production): the Environment dimension of EMF metrics.
SECURECART_ENVIRONMENT = env("SECURECART_ENVIRONMENT", "")
# Bearer token of /metrics scrapers; staff sessions may always read it.
METRICS_TOKEN = env("METRICS_TOKEN")
# prometheus_client itself reads this variable at import; /metrics reads it here.
PROMETHEUS_MULTIPROC_DIR = env("PROMETHEUS_MULTIPROC_DIR")
METRICS_QUEUE_CACHE_SECONDS = env_int("METRICS_QUEUE_CACHE_SECONDS", 15)
DASHBOARD_CACHE_SECONDS = env_int("DASHBOARD_CACHE_SECONDS", 30)
DASHBOARD_LOW_STOCK_THRESHOLD = env_int("DASHBOARD_LOW_STOCK_THRESHOLD", 5)

# --- logging: JSON lines, each carrying the request id ------------------------
LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "securecart.logging.RequestIdFilter"},
        "cache_circuit": {"()": "securecart.cache_circuit.DropCircuitOpenRecords"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": (
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s"
                " %(partner)s %(trace_id)s %(span_id)s"
            ),
            "rename_fields": {
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
            },
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Calls skipped by the open Redis circuit are not logged one by one.
        "django_redis.cache": {"filters": ["cache_circuit"]},
        "botocore": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
    },
}
