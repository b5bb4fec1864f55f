#!/usr/bin/env python3
"""Ansible dynamic inventory from the portal: `ansible-inventory -i ansible_inventory.py --list`
with PORTAL_URL and PORTAL_TOKEN (a staff member's API token) in the environment. Groups:
role_*, country_*, continent_*, sponsor_*, health_*, status_*; host vars: addresses, roles,
sponsor, datacentre, the services checked."""

from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from portal_api import api_get  # noqa: E402

INVENTORY_PATH = "/api/v1/inventory/ansible/"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--list", action="store_true", help="the whole inventory")
    action.add_argument("--host", help="one host's variables")
    args = parser.parse_args(argv)
    inventory = api_get(INVENTORY_PATH)
    if args.host:
        answer = inventory.get("_meta", {}).get("hostvars", {}).get(args.host, {})
    else:
        answer = inventory
    json.dump(answer, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
