#!/usr/bin/env bash
# SecureCart on AWS: the operator path from zero (docs/deploy.md), one command per step.
#
#   scripts/deploy.sh [--dry-run] bootstrap <state-bucket-name>
#   scripts/deploy.sh [--dry-run] init     <staging|production>
#   scripts/deploy.sh [--dry-run] deploy   <staging|production>   image, ops task definition,
#                                                                  migrations, services, steady state
#   scripts/deploy.sh [--dry-run] run      <env> <manage.py args>  one-off ops task, waits for it
#   scripts/deploy.sh [--dry-run] restart  <env>                   force a new deployment, wait
#   scripts/deploy.sh [--dry-run] status   <env>                   services and their rollout state
#
# Environment: AWS_REGION (required: the region of the state bucket and the stack),
# AWS credentials (an assumed role in CI), IMAGE_TAG (default: the git SHA of HEAD).
#
# --dry-run (or DRY_RUN=1) prints every terraform, docker and AWS call instead of making
# it. AWS calls do run when AWS_ENDPOINT_URL points at an emulator (moto server, in
# tests); waits then poll once. DEPLOY_OUTPUTS=<file> replaces `terraform output -json
# deploy` (the dry run never runs terraform).
set -euo pipefail

cd "$(dirname "$0")/.."
TF=infra/terraform
DRY_RUN=${DRY_RUN:-0}
WAIT_TIMEOUT=${WAIT_TIMEOUT:-1800}
POLL_SECONDS=${POLL_SECONDS:-10}

die() { echo "deploy: $*" >&2; exit 1; }
say() { echo "==> $*" >&2; }
# Print a command as it could be pasted into a shell (single quotes where needed).
show() {
    local line="+" arg
    for arg in "$@"; do
        if [[ $arg =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then
            line+=" $arg"
        else
            line+=" '${arg//\'/\'\\\'\'}'"
        fi
    done
    echo "$line" >&2
}
dry() { [ "$DRY_RUN" = 1 ]; }

# Every AWS call goes through here: printed, then made (in a dry run only against an
# emulator endpoint; otherwise an empty answer).
aws_call() {
    show aws "$@"
    if dry && [ -z "${AWS_ENDPOINT_URL:-}" ]; then
        echo ""
        return 0
    fi
    command aws "$@"
}

# terraform and docker: printed; never run in a dry run.
run_cmd() {
    show "$@"
    dry || "$@"
}

env_name() {
    case "${1:-}" in
        staging) echo "securecart-staging" ;;
        production) echo "securecart-prod" ;;
        *) die "unknown environment '${1:-}' (staging or production)" ;;
    esac
}

require_region() {
    [ -n "${AWS_REGION:-}" ] || die "set AWS_REGION (the region of the state bucket and of the stack)"
}

image_tag() {
    if [ -n "${IMAGE_TAG:-}" ]; then
        echo "$IMAGE_TAG"
        return
    fi
    if ! dry && [ -n "$(git status --porcelain --untracked-files=no)" ]; then
        die "the work tree has uncommitted changes: image tags are immutable, commit first (or set IMAGE_TAG)"
    fi
    git rev-parse HEAD
}

# `terraform output -json deploy` of the env root (or DEPLOY_OUTPUTS in tests/dry runs).
deploy_outputs() {
    local env=$1
    if [ -n "${DEPLOY_OUTPUTS:-}" ]; then
        cat "$DEPLOY_OUTPUTS"
    elif dry; then
        show terraform -chdir="$TF/envs/$env" output -json deploy
        jq -n --arg n "$(env_name "$env")" '{
            region: env.AWS_REGION, ecr_repository_url: ("<account>.dkr.ecr.<region>.amazonaws.com/" + $n),
            cluster_name: $n, service_names: {web: "web", worker: "worker", beat: "beat"},
            ops_task_definition: ($n + "-ops"), private_subnet_ids: ["subnet-dryrun"],
            app_security_group_id: "sg-dryrun", staff_user_secret_arn: ($n + "/staff-user"),
            email_smtp_secret_arn: ($n + "/email-smtp")}'
    else
        terraform -chdir="$TF/envs/$env" output -json deploy
    fi
}

out() { jq -r "$1" <<<"$OUTPUTS"; }

tf_apply() {
    local env=$1 tag=$2
    shift 2
    run_cmd terraform -chdir="$TF/envs/$env" apply -input=false -auto-approve -var "image_tag=$tag" "$@"
}

# --- bootstrap: state bucket, lock table, KMS key; writes envs/*/backend.hcl -------------
cmd_bootstrap() {
    local bucket=${1:-}
    [ -n "$bucket" ] || die "usage: deploy.sh bootstrap <state-bucket-name> (globally unique)"
    require_region
    say "State store $bucket in $AWS_REGION"
    run_cmd terraform -chdir="$TF/bootstrap" init -input=false
    run_cmd terraform -chdir="$TF/bootstrap" apply -input=false -auto-approve -var "state_bucket_name=$bucket"
    local config
    if dry; then
        show terraform -chdir="$TF/bootstrap" output -raw backend_config
        config=$(printf 'bucket = "%s"\nregion = "%s"\n' "$bucket" "$AWS_REGION")
    else
        config=$(terraform -chdir="$TF/bootstrap" output -raw backend_config)
    fi
    for env in staging production; do
        show write "$TF/envs/$env/backend.hcl"
        dry || printf '%s\n' "$config" >"$TF/envs/$env/backend.hcl"
    done
    say "Next: keep $TF/bootstrap/terraform.tfstate safe, then: deploy.sh init <env>"
}

cmd_init() {
    local env=$1
    require_region
    dry || [ -f "$TF/envs/$env/backend.hcl" ] || die "$TF/envs/$env/backend.hcl missing: run deploy.sh bootstrap <bucket> first"
    run_cmd terraform -chdir="$TF/envs/$env" init -input=false -backend-config=backend.hcl
}

# --- image: multi-arch (the task definitions are ARM64; amd64 for local runs) --------------
build_and_push() {
    local env=$1 tag=$2 name repo registry
    name=$(env_name "$env")
    say "Image $name:$tag (linux/amd64 + linux/arm64)"
    if ! aws_call ecr describe-repositories --repository-names "$name" --query 'repositories[0].repositoryUri' --output text >/dev/null; then
        say "No ECR repository yet: creating it first"
        tf_apply "$env" "$tag" -target=module.securecart.module.services.aws_ecr_repository.this
    fi
    repo=$(aws_call ecr describe-repositories --repository-names "$name" --query 'repositories[0].repositoryUri' --output text)
    [ -n "$repo" ] || repo=$(out .ecr_repository_url)
    registry=${repo%%/*}
    if aws_call ecr describe-images --repository-name "$name" --image-ids "imageTag=$tag" >/dev/null 2>&1 && ! dry; then
        say "$repo:$tag exists (tags are immutable): not rebuilding"
        return
    fi
    local password
    password=$(aws_call ecr get-login-password)
    show docker login --username AWS --password-stdin "$registry"
    dry || docker login --username AWS --password-stdin "$registry" <<<"$password"
    run_cmd docker buildx build --platform linux/amd64,linux/arm64 --provenance=false \
        --tag "$repo:$tag" --push .
}

# --- one-off ops task ----------------------------------------------------------------------
run_task() {
    local command_json=$1 overrides network task exit_code status
    overrides=$(jq -cn --argjson cmd "$command_json" '{containerOverrides: [{name: "app", command: $cmd}]}')
    network=$(jq -cn --argjson s "$(out .private_subnet_ids)" --arg g "$(out .app_security_group_id)" \
        '{awsvpcConfiguration: {subnets: $s, securityGroups: [$g], assignPublicIp: "DISABLED"}}')
    # No launch type: the cluster's default strategy (on-demand Fargate) applies.
    task=$(aws_call ecs run-task --cluster "$(out .cluster_name)" --task-definition "$(out .ops_task_definition)" \
        --network-configuration "$network" --overrides "$overrides" --started-by deploy.sh \
        --query 'tasks[0].taskArn' --output text)
    [ -n "$task" ] && [ "$task" != None ] || { dry && task="<task-arn>" || die "run-task started no task"; }
    say "Task $task: waiting for it to stop (logs: /ecs/<name>/ops, stream prefix app)"
    local waited=0
    while :; do
        status=$(aws_call ecs describe-tasks --cluster "$(out .cluster_name)" --tasks "$task" \
            --query 'tasks[0].lastStatus' --output text)
        [ "$status" = STOPPED ] && break
        if dry; then
            say "(dry run: one poll, not waiting; last status ${status:-unknown})"
            return 0
        fi
        [ "$waited" -lt "$WAIT_TIMEOUT" ] || die "task $task still $status after ${WAIT_TIMEOUT}s"
        sleep "$POLL_SECONDS"
        waited=$((waited + POLL_SECONDS))
    done
    exit_code=$(aws_call ecs describe-tasks --cluster "$(out .cluster_name)" --tasks "$task" \
        --query 'tasks[0].containers[?name==`app`].exitCode | [0]' --output text)
    [ "$exit_code" = 0 ] || die "task $task exited with ${exit_code:-no code} (see the ops log group)"
    say "Task $task done"
}

# --- services ------------------------------------------------------------------------------
wait_stable() {
    local cluster services pending waited=0
    cluster=$(out .cluster_name)
    mapfile -t services < <(out '.service_names | values[]')
    [ "${#services[@]}" -gt 0 ] || return 0
    while :; do
        pending=$(aws_call ecs describe-services --cluster "$cluster" --services "${services[@]}" \
            --query 'services[?length(deployments) != `1` || deployments[0].rolloutState != `COMPLETED` || runningCount != desiredCount].serviceName' \
            --output text)
        if [ -z "$pending" ] || [ "$pending" = None ]; then
            say "Services steady: ${services[*]}"
            return 0
        fi
        if dry; then
            say "(dry run: one poll, not waiting; still rolling: $pending)"
            return 0
        fi
        [ "$waited" -lt "$WAIT_TIMEOUT" ] || die "not steady after ${WAIT_TIMEOUT}s: $pending (the circuit breaker rolls back failed deployments)"
        sleep "$POLL_SECONDS"
        waited=$((waited + POLL_SECONDS))
    done
}

check_smtp_secret() {
    local username
    username=$(aws_call secretsmanager get-secret-value --secret-id "$(out .email_smtp_secret_arn)" \
        --query SecretString --output text | jq -r '.username // empty' 2>/dev/null || true)
    if [ "$username" = set-me ]; then
        say "WARNING: the SES SMTP secret still holds placeholders: no e-mail is sent until you put real credentials (docs/deploy.md)"
    fi
}

cmd_deploy() {
    local env=$1 tag
    require_region
    tag=$(image_tag)
    OUTPUTS=$(deploy_outputs "$env" 2>/dev/null || echo '{}')
    build_and_push "$env" "$tag"
    say "Ops task definition and the data tier for $tag (migrations run before any service changes)"
    tf_apply "$env" "$tag" \
        '-target=module.securecart.module.services.aws_ecs_task_definition.this["ops"]' \
        -target=module.securecart.module.data
    OUTPUTS=$(deploy_outputs "$env")
    say "Migrations"
    run_task '["python", "manage.py", "migrate", "--noinput"]'
    say "Everything else: new task definitions roll out (terraform waits for steady state)"
    tf_apply "$env" "$tag"
    OUTPUTS=$(deploy_outputs "$env")
    wait_stable
    check_smtp_secret
    say "Deployed $tag to $env"
}

cmd_run() {
    local env=$1
    shift
    [ "$#" -gt 0 ] || die "usage: deploy.sh run <env> <manage.py command> [args]"
    require_region
    OUTPUTS=$(deploy_outputs "$env")
    run_task "$(jq -cn '["python", "manage.py"] + $ARGS.positional' --args "$@")"
}

cmd_restart() {
    local env=$1 service
    require_region
    OUTPUTS=$(deploy_outputs "$env")
    for service in $(out '.service_names | values[]'); do
        aws_call ecs update-service --cluster "$(out .cluster_name)" --service "$service" \
            --force-new-deployment --query 'service.serviceName' --output text >/dev/null
    done
    wait_stable
}

cmd_status() {
    local env=$1
    require_region
    OUTPUTS=$(deploy_outputs "$env")
    mapfile -t services < <(out '.service_names | values[]')
    aws_call ecs describe-services --cluster "$(out .cluster_name)" --services "${services[@]}" \
        --query 'services[].[serviceName, runningCount, desiredCount, deployments[0].rolloutState]' --output table
}

main() {
    if [ "${1:-}" = --dry-run ]; then
        DRY_RUN=1
        shift
    fi
    local command=${1:-}
    shift || true
    case "$command" in
        bootstrap) cmd_bootstrap "$@" ;;
        init | deploy | run | restart | status)
            [ "$#" -ge 1 ] || die "usage: deploy.sh $command <staging|production> ..."
            env_name "$1" >/dev/null
            "cmd_$command" "$@"
            ;;
        *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
}

main "$@"
