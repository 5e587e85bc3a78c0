#!/usr/bin/env bash
# Security gates: bandit (high-severity findings fail the run) and pip-audit on the
# pinned runtime requirements (known vulnerabilities fail the run, unless listed
# below as a documented exception).
#
# pip-audit asks PyPI's JSON API (or OSV) for advisories. Where that service is
# unreachable (offline machines, a registry mirror without the JSON API) every
# package comes back "could not be audited": the script then prints a notice and
# does NOT fail, since nothing was checked either way. Exit status: non-zero on
# bandit high findings or audited vulnerabilities.
set -uo pipefail

cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
status=0

# Documented exceptions: --ignore-vuln <ID>, each with the advisory id and why.
# (none)
IGNORE_VULNS=()

echo "== bandit -lll (high-severity findings only)"
if "$PY" -m bandit -r securecart shop orders notifications accounts -lll -q; then
    echo "bandit: no high-severity findings"
else
    echo "bandit: HIGH-SEVERITY FINDINGS (see above)" >&2
    status=1
fi

echo "== pip-audit -r requirements.txt"
report=$(mktemp)
trap 'rm -f "$report"' EXIT
"$PY" -m pip_audit -r requirements.txt --progress-spinner off -f json -o "$report" \
    "${IGNORE_VULNS[@]}" 2>"$report.err"
audit_rc=$?
verdict=$("$PY" - "$report" <<'PY'
import json, sys
try:
    data = json.load(open(sys.argv[1]))
except (OSError, ValueError):
    print("unreachable 0 0 0")
    raise SystemExit
deps = data.get("dependencies", [])
skipped = [d for d in deps if d.get("skip_reason")]
vulns = [(d["name"], d["version"], v["id"]) for d in deps for v in d.get("vulns", [])]
for name, version, vid in vulns:
    print(f"# {name} {version}: {vid}", file=sys.stderr)
state = "unreachable" if deps and len(skipped) == len(deps) else "audited"
print(state, len(deps), len(skipped), len(vulns))
PY
)
read -r state total skipped found <<<"$verdict"
if [ "$state" = "unreachable" ]; then
    echo "NOTICE: pip-audit could not audit: its vulnerability service (PyPI JSON API / OSV)"
    echo "NOTICE: is unreachable from here, or it failed (exit $audit_rc) before auditing;"
    echo "NOTICE: ${skipped} of ${total} dependencies could not be audited. Not failing the run;"
    echo "NOTICE: run scripts/security.sh where pypi.org is reachable to audit for real."
    tail -n 3 "$report.err" 2>/dev/null | sed 's/^/pip-audit: /'
elif [ "$found" != "0" ] || [ $audit_rc -ne 0 ]; then
    echo "pip-audit: ${found} KNOWN VULNERABILITIES in ${total} dependencies (exit $audit_rc)" >&2
    status=1
else
    echo "pip-audit: no known vulnerabilities (${total} dependencies, ${skipped} not auditable)"
fi
rm -f "$report.err"
exit $status
