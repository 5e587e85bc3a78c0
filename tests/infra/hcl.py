"""Parsing helpers for the Terraform tests (python-hcl2, no terraform binary)."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import hcl2

ROOT = Path(__file__).resolve().parents[2]
TF = ROOT / "infra" / "terraform"
MODULES = TF / "modules"
ENVS = TF / "envs"
MODULE_NAMES = [
    "s3-bucket",
    "network",
    "data",
    "messaging",
    "alb",
    "ecs-cluster",
    "ecs-services",
    "edge",
    "global-accelerator",
    "orchestration",
    "api-gateway",
    "observability",
    "order-tracking",
    "securecart",
]
ENV_NAMES = ["staging", "production"]
MESSAGING = json.loads((ROOT / "securecart" / "messaging.json").read_text())
ALL_TF_FILES = sorted(TF.rglob("*.tf"))


def _unquote(value: Any) -> Any:
    """Strip python-hcl2's string quoting and block markers, recursively."""
    if isinstance(value, str):
        if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
            return value[1:-1]
        return value
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, dict):
        return {
            _unquote(k): _unquote(v)
            for k, v in value.items()
            if not (isinstance(k, str) and k.startswith("__"))
        }
    return value


@cache
def load(path: Path) -> dict[str, Any]:
    with path.open() as f:
        return _unquote(hcl2.load(f))


@cache
def directory(path: Path) -> dict[str, Any]:
    """Merge every .tf file of a directory: resources, data, locals, variables, ..."""
    merged: dict[str, Any] = {
        "resource": {},
        "data": {},
        "locals": {},
        "variable": {},
        "output": {},
        "module": {},
        "terraform": [],
        "provider": [],
    }
    for f in sorted(path.glob("*.tf")):
        doc = load(f)
        for block in doc.get("resource", []):
            for rtype, by_name in block.items():
                merged["resource"].setdefault(rtype, {}).update(by_name)
        for block in doc.get("data", []):
            for dtype, by_name in block.items():
                merged["data"].setdefault(dtype, {}).update(by_name)
        for block in doc.get("locals", []):
            merged["locals"].update(block)
        for kind in ("variable", "output", "module"):
            for block in doc.get(kind, []):
                merged[kind].update(block)
        merged["terraform"].extend(doc.get("terraform", []))
        merged["provider"].extend(doc.get("provider", []))
    return merged


def module(name: str) -> dict[str, Any]:
    return directory(MODULES / name)


def env(name: str) -> dict[str, Any]:
    return directory(ENVS / name)


def resource(mod: str, rtype: str, name: str = "this") -> dict[str, Any]:
    resources = module(mod)["resource"]
    assert rtype in resources, f"{mod}: no {rtype}"
    assert name in resources[rtype], f"{mod}: no {rtype}.{name}"
    return resources[rtype][name]


def block(body: dict[str, Any], key: str) -> dict[str, Any]:
    """First nested block `key` of a resource body."""
    value = body[key]
    return value[0] if isinstance(value, list) else value


def render(template: str, **values: str) -> str:
    """Evaluate a plain "${a.b}${c.d}" name template with the given values."""

    def sub(match: re.Match[str]) -> str:
        return values[match.group(1)]

    rendered = re.sub(r"\$\{([\w.]+)\}", sub, template)
    assert "${" not in rendered, f"unrendered template {template!r}"
    return rendered


def tf_dirs() -> list[Path]:
    return [MODULES / m for m in MODULE_NAMES] + [ENVS / e for e in ENV_NAMES] + [TF / "bootstrap"]


def all_resources() -> list[tuple[Path, str, str, dict[str, Any]]]:
    found = []
    for d in [MODULES / m for m in MODULE_NAMES] + [TF / "bootstrap"]:
        for rtype, by_name in directory(d)["resource"].items():
            for name, body in by_name.items():
                found.append((d, rtype, name, body))
    return found


def object_keys(expr: dict[str, str] | str) -> dict[str, str]:
    """Top-level `KEY = value` pairs of an HCL object (parsed, or an expression string)."""
    if isinstance(expr, dict):
        return expr
    return dict(re.findall(r"\b([A-Z][A-Z0-9_]+) = ([^,}]+)", expr))


def string_values(node: Any) -> list[str]:
    """Every string value of a parsed document (block labels and comments excluded)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [s for item in node for s in string_values(item)]
    if isinstance(node, dict):
        return [s for item in node.values() for s in string_values(item)]
    return []
