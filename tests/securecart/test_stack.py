"""`make stack`: Procfile.stack runs every part of the stack, with commands that exist.

The Procfile is read with honcho's own parser; each process's command must name a
management command, module or script step that exists, and the set of processes
must cover the web app, worker, beat and one consumer per notification channel.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import get_commands
from honcho.environ import parse_procfile

from tests.services import ROOT

PROCFILE = ROOT / "Procfile.stack"
STACK_SH = ROOT / "scripts" / "stack.sh"


def processes() -> dict[str, str]:
    return dict(parse_procfile(PROCFILE.read_text()).processes)


def main_command(command: str) -> list[str]:
    """The words of the long-running command: after `... &&`, without `exec`."""
    words = shlex.split(command.split("&&")[-1])
    return words[1:] if words[0] == "exec" else words


def stack_env() -> dict[str, str]:
    """KEY=value lines of the environment file scripts/stack.sh writes."""
    text = STACK_SH.read_text()
    block = text.split('cat > "$STACK_DIR/env" <<EOF', 1)[1].split("\nEOF", 1)[0]
    return dict(
        line.split("=", 1)
        for line in block.splitlines()
        if re.match(r"^[A-Z_]+=", line)
    )


def test_every_part_of_the_stack_has_a_process():
    procs = processes()
    commands = {name: main_command(command) for name, command in procs.items()}

    assert commands["web"][:2] == ["gunicorn", "securecart.wsgi:application"]
    assert commands["worker"][:4] == ["celery", "-A", "securecart", "worker"]
    assert commands["beat"][:4] == ["celery", "-A", "securecart", "beat"]
    assert commands["moto"] == ["python", "scripts/stack.py", "moto"]
    assert commands["redis"][0] == "redis-server"
    consumers = {
        words[words.index("--channel") + 1]
        for words in commands.values()
        if "consume_notifications" in words
    }
    assert consumers == set(settings.NOTIFICATION_CHANNELS)
    queues = set(settings.MESSAGING["channel_queues"])
    assert {f"notifications-{c}" for c in consumers} == {
        q for q in queues if q.startswith("notifications-")
    }
    # the topic's other queue has its consumer too: the order tracking projector
    assert queues - {f"notifications-{c}" for c in consumers} == {"order-tracking"}
    assert commands["order-tracking"] == [
        "python",
        "manage.py",
        "project_order_tracking",
    ]


def test_every_process_command_exists():
    known = get_commands()
    steps = re.findall(
        r"^    commands = (\{.*\})$", (ROOT / "scripts" / "stack.py").read_text(), re.M
    )
    assert steps, "scripts/stack.py lists its steps in `commands = {...}`"
    for name, command in processes().items():
        for part in command.split("&&"):
            words = shlex.split(part)
            words = words[1:] if words[0] == "exec" else words
            if words[:2] == ["python", "manage.py"]:
                assert words[2] in known, f"{name}: no management command {words[2]}"
            elif words[:2] == ["python", "scripts/stack.py"]:
                assert f'"{words[2]}"' in steps[0], (
                    f"{name}: no stack.py step {words[2]}"
                )
            elif words[0] == "gunicorn":
                module, attr = words[1].split(":")
                source = (ROOT / (module.replace(".", "/") + ".py")).read_text()
                assert f"\n{attr} = " in source, f"{name}: no {words[1]}"
            elif words[0] == "celery":
                assert words[1:3] == ["-A", "securecart"], name
                assert (ROOT / "securecart" / "celery.py").exists()
            else:
                assert words[0] in {"redis-server"}, (
                    f"{name}: unexpected command {words}"
                )


def test_app_processes_wait_for_the_setup_step():
    procs = processes()

    assert procs["web"].startswith("python scripts/stack.py setup && ")
    for name in procs.keys() - {"web", "moto", "redis"}:
        assert procs[name].startswith("python scripts/stack.py wait && exec "), name


def test_stack_environment_names_the_topic_and_bus_that_setup_creates():
    env = stack_env()
    messaging = settings.MESSAGING
    topic = f"{messaging['default_queue_prefix']}{messaging['order_events_topic']}"

    assert env["SNS_ORDER_EVENTS_TOPIC_ARN"] == (
        f"arn:aws:sns:{env['AWS_REGION']}:{env['AWS_ACCOUNT_ID']}:{topic}"
    )
    assert env["EVENT_BUS_NAME"] == messaging["event_bus"]
    assert env["CELERY_BROKER_URL"] == "sqs://"
    assert env["DJANGO_EMAIL_BACKEND"].endswith("filebased.EmailBackend")
    assert env["DJANGO_SETTINGS_MODULE"] == "securecart.settings.local"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            {
                "AWS_STORAGE_BUCKET_NAME": "media",
                "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
            },
            ["'self'", "http://127.0.0.1:5000"],
        ),
        (
            {
                "AWS_STORAGE_BUCKET_NAME": "media",
                "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
                "CLOUDFRONT_DOMAIN": "d1.cloudfront.net",
            },
            ["'self'", "https://d1.cloudfront.net"],
        ),
        ({"AWS_ENDPOINT_URL": "http://127.0.0.1:5000"}, ["'self'"]),
    ],
)
def test_images_may_load_from_the_s3_endpoint_only_when_media_live_there(
    tmp_path, extra, expected
):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "CLOUDFRONT_", "DJANGO_"))
    }
    env = {**clean, "SECURECART_VAR_DIR": str(tmp_path), **extra}
    probe = (
        "import json; from securecart.settings import local as s; "
        "print(json.dumps(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == expected
