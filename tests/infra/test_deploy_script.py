"""scripts/deploy.sh in dry-run mode: every call printed, AWS calls made against moto."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.infra.hcl import ROOT, env
from tests.services import AWS_TEST_ENV

SCRIPT = ROOT / "scripts" / "deploy.sh"
NAME = "securecart-staging"

pytestmark = pytest.mark.aws


def _require_tools() -> None:
    for tool in ["bash", "jq", "aws"]:
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (deploy.sh needs bash, jq and the AWS CLI)")


def deploy(*args: str, endpoint: str | None, outputs: Path | None = None, path: str | None = None):
    environ = {
        "PATH": path or os.environ["PATH"],
        "HOME": os.environ.get("HOME", tempfile.gettempdir()),
        **AWS_TEST_ENV,
        "IMAGE_TAG": "0123abcd",
        "POLL_SECONDS": "0",
    }
    if endpoint:
        environ["AWS_ENDPOINT_URL"] = endpoint
    if outputs:
        environ["DEPLOY_OUTPUTS"] = str(outputs)
    return subprocess.run(
        ["bash", str(SCRIPT), "--dry-run", *args],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def stack(moto_server, tmp_path):
    """What Terraform would have made, on moto: registry, cluster, ops task, services, secret."""
    _require_tools()
    import boto3

    moto_server.reset()
    kwargs = {"endpoint_url": moto_server.endpoint, "region_name": AWS_TEST_ENV["AWS_REGION"]}
    ecr, ecs, sm, ec2 = (boto3.client(s, **kwargs) for s in ["ecr", "ecs", "secretsmanager", "ec2"])
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr)["Subnet"]["SubnetId"]
        for cidr in ["10.20.32.0/19", "10.20.64.0/19"]
    ]
    group = ec2.create_security_group(GroupName=f"{NAME}-app", Description="app", VpcId=vpc)["GroupId"]
    repo = ecr.create_repository(repositoryName=NAME)["repository"]["repositoryUri"]
    # As the ecs-cluster module: one-off tasks default to on-demand Fargate.
    ecs.create_cluster(
        clusterName=NAME, capacityProviders=["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
    )
    # The real task definitions are awsvpc (tests/infra/test_terraform_services.py);
    # moto 5.2.5 crashes creating the task ENI for awsvpc tasks (its NetworkInterface
    # lacks private_dns_name), so the stand-ins here use bridge mode (and EC2, as
    # moto forces awsvpc on FARGATE definitions); RunTask still places them on the
    # cluster's default FARGATE capacity provider.
    for family in ["ops", "web", "worker"]:
        ecs.register_task_definition(
            family=f"{NAME}-{family}", networkMode="bridge", requiresCompatibilities=["EC2"],
            cpu="512", memory="1024",
            containerDefinitions=[{"name": "app", "image": f"{repo}:old", "essential": True, "cpu": 512, "memory": 1024}],
        )
    for service in ["web", "worker"]:
        ecs.create_service(cluster=NAME, serviceName=service, taskDefinition=f"{NAME}-{service}", desiredCount=1)
    smtp = sm.create_secret(Name=f"{NAME}/email-smtp", SecretString=json.dumps({"username": "set-me", "password": "set-me"}))
    outputs = tmp_path / "deploy.json"
    outputs.write_text(json.dumps({
        "region": AWS_TEST_ENV["AWS_REGION"], "ecr_repository_url": repo, "cluster_name": NAME,
        "service_names": {"web": "web", "worker": "worker"}, "ops_task_definition": f"{NAME}-ops",
        "private_subnet_ids": subnets, "app_security_group_id": group,
        "staff_user_secret_arn": "unused", "email_smtp_secret_arn": smtp["ARN"],
    }))
    return {"ecs": ecs, "outputs": outputs, "endpoint": moto_server.endpoint}


def started_commands(ecs) -> list[list[str]]:
    arns = ecs.list_tasks(cluster=NAME)["taskArns"]
    tasks = ecs.describe_tasks(cluster=NAME, tasks=arns)["tasks"] if arns else []
    return [t["overrides"]["containerOverrides"][0]["command"] for t in tasks if t.get("startedBy") == "deploy.sh"]


def test_deploy_builds_multi_arch_migrates_first_then_rolls_out(stack):
    result = deploy("deploy", "staging", endpoint=stack["endpoint"], outputs=stack["outputs"])
    log = result.stderr
    assert result.returncode == 0, log
    calls = [line for line in log.splitlines() if line.startswith("+ ")]
    joined = "\n".join(calls)
    assert re.search(r"^\+ aws ecr describe-repositories --repository-names securecart-staging", joined, re.M)
    assert "+ aws ecr get-login-password" in joined
    assert re.search(r"docker buildx build --platform linux/amd64,linux/arm64 .*--push", joined)
    migrate = next(i for i, c in enumerate(calls) if c.startswith("+ aws ecs run-task"))
    targeted = next(i for i, c in enumerate(calls) if "aws_ecs_task_definition.this" in c)
    full = max(i for i, c in enumerate(calls) if c.startswith("+ terraform") and " apply " in c)
    assert targeted < migrate < full, "migrations run on the new ops task before services change"
    assert "-var image_tag=0123abcd" in calls[full]
    assert "+ aws ecs describe-tasks" in joined and "+ aws ecs describe-services" in joined
    # The migration really started on moto, as a one-off ops task.
    assert started_commands(stack["ecs"]) == [["python", "manage.py", "migrate", "--noinput"]]
    assert "SES SMTP secret still holds placeholders" in log


def test_run_starts_a_one_off_ops_task_with_the_command(stack):
    result = deploy("run", "staging", "ensure_staff_user", endpoint=stack["endpoint"], outputs=stack["outputs"])
    assert result.returncode == 0, result.stderr
    assert started_commands(stack["ecs"]) == [["python", "manage.py", "ensure_staff_user"]]


def test_restart_forces_a_new_deployment_of_every_service(stack):
    result = deploy("restart", "staging", endpoint=stack["endpoint"], outputs=stack["outputs"])
    assert result.returncode == 0, result.stderr
    for service in ["web", "worker"]:
        assert re.search(rf"\+ aws ecs update-service --cluster {NAME} --service {service} --force-new-deployment", result.stderr)


def test_dry_run_without_an_emulator_makes_no_aws_call(tmp_path):
    _require_tools()
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "aws").write_text("#!/bin/sh\necho called >&2\nexit 99\n")
    (fake / "aws").chmod(0o755)
    path = f"{fake}:{os.environ['PATH']}"
    result = deploy("deploy", "production", endpoint=None, path=path)
    assert result.returncode == 0, result.stderr
    assert "called" not in result.stderr
    assert "+ aws ecs run-task --cluster securecart-prod" in result.stderr


def test_bootstrap_takes_the_bucket_name_and_region_from_the_environment(tmp_path):
    _require_tools()
    result = deploy("bootstrap", "acme-securecart-tfstate", endpoint=None)
    assert result.returncode == 0, result.stderr
    assert "-var state_bucket_name=acme-securecart-tfstate" in result.stderr
    assert "+ write infra/terraform/envs/staging/backend.hcl" in result.stderr
    assert not (ROOT / "infra/terraform/envs/staging/backend.hcl").exists(), "a dry run writes nothing"
    missing = deploy("bootstrap", endpoint=None)
    assert missing.returncode != 0 and "state-bucket-name" in missing.stderr


def test_script_environment_names_match_the_env_roots():
    text = SCRIPT.read_text()
    for e in ["staging", "production"]:
        name = env(e)["module"]["securecart"]["name"]
        assert f'{e}) echo "{name}"' in text
    result = subprocess.run(["bash", str(SCRIPT), "--dry-run", "deploy", "qa"], cwd=ROOT,
                            capture_output=True, text=True, env={**os.environ, "AWS_REGION": "eu-west-1"})
    assert result.returncode != 0 and "unknown environment" in result.stderr
