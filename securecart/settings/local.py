"""Embedded defaults for `make run`: SQLite, local memory cache, eager Celery."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)

# The SQLite file and other local state live here; a fresh clone has no such folder.
VAR_DIR.mkdir(parents=True, exist_ok=True)
