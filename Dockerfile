# syntax=docker/dockerfile:1
# SecureCart app image: one image, four entrypoints (ECS task definitions pick one):
#   web:          gunicorn securecart.wsgi:application --preload --bind 0.0.0.0:8000
#   worker:       celery -A securecart worker -Q default,fulfilment,events,notifications
#   beat:         celery -A securecart beat --schedule /tmp/celerybeat-schedule
#   notification: python manage.py consume_notifications --channel email|sms
#
# Multi-arch: the ECS task definitions run on ARM64 (Graviton); developers may be on
# amd64. scripts/deploy.sh builds both into one manifest list:
#   docker buildx build --platform linux/amd64,linux/arm64 --tag <repo>:<git sha> --push .
# Nothing is compiled: every requirement ships manylinux wheels for x86_64 and aarch64
# (pip's --only-binary fails the build of a platform that lacks one).
FROM --platform=$TARGETPLATFORM python:3.11.11-slim-bookworm

ARG TARGETPLATFORM
ARG TARGETARCH
LABEL org.opencontainers.image.title="securecart" \
      org.opencontainers.image.description="SecureCart web, worker, beat and notification consumers"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Wheels only (psycopg[binary], pycurl and Pillow ship manylinux wheels): no compiler
# in the image.
COPY requirements.txt .
RUN pip install --only-binary=:all: -r requirements.txt

COPY . .

# Static files are collected at build time (hashed names, served by WhiteNoise and
# cached by CloudFront). The settings module must not need runtime secrets for this,
# so build with the local settings and a throwaway key.
RUN DJANGO_SETTINGS_MODULE=securecart.settings.local \
    DJANGO_SECRET_KEY=collectstatic-only \
    python manage.py collectstatic --noinput

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home app \
    && chown -R app:app /app
USER 10001:10001

ENV DJANGO_SETTINGS_MODULE=securecart.settings.production \
    PORT=8000
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)"]

# --preload: the master loads the application once (securecart/wsgi.py also loads the
# URLconf and freezes the loaded objects out of the garbage collector, see
# securecart/startup.py), then forks the workers, which share those pages
# copy-on-write instead of each importing its own copy. Loading opens no connection
# (database, Redis and AWS clients are opened by the workers). New code needs new
# workers from a new master (a new task): HUP re-reads the settings, not the code.
CMD ["gunicorn", "securecart.wsgi:application", "--preload", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-tmp-dir", "/tmp", "--access-logfile", "-"]
