#!/usr/bin/env python3
"""Puppet external node classifier from the portal: `puppet_enc.py <certname>` prints the
node's ENC YAML (classes by role, parameters, environment) and exits 1 for a node the portal
does not know. Set PORTAL_URL and PORTAL_TOKEN (a staff API token); in puppet.conf:
node_terminus = exec, external_nodes = /path/to/puppet_enc.py."""

from __future__ import annotations

import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from portal_api import NotFound, api_get  # noqa: E402


def to_yaml(value: object, indent: int = 0) -> str:
    """Block YAML for what JSON holds; scalars are JSON's, which YAML reads the same."""
    pad = " " * indent
    if isinstance(value, dict) and value:
        lines = []
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{json.dumps(str(key))}:\n{to_yaml(item, indent + 2)}")
            else:
                lines.append(f"{pad}{json.dumps(str(key))}: {to_yaml(item)}")
        return "\n".join(lines)
    if isinstance(value, list) and value:
        lines = []
        for item in value:
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}-\n{to_yaml(item, indent + 2)}")
            else:
                lines.append(f"{pad}- {to_yaml(item)}")
        return "\n".join(lines)
    return json.dumps(value)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or not argv[0].strip():
        print("usage: puppet_enc.py <node name>", file=sys.stderr)
        return 2
    node = argv[0].strip()
    try:
        answer = api_get(f"/api/v1/inventory/puppet/{urllib.parse.quote(node, safe='')}/")
    except NotFound:
        print(f"{node}: the portal knows no server in service by that name", file=sys.stderr)
        return 1
    sys.stdout.write("---\n" + to_yaml(answer) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
