#!/usr/bin/env python3
"""An example client of the portal's API, with nothing but the standard library: register a
mirror with an API token, wait for its first check, and print whether it is in the mirror
lists and, if not, why.

    python docs/api_client.py --portal https://portal.example.org --token ptl_... \\
        --name mirror.example.net --country NZ --email ops@example.net \\
        --url http://mirror.example.net/centos/

Create the token on the portal's "API tokens" page (/my/tokens/). Exit status: 0 when the
first check found the mirror's tree, 1 when it did not, 2 on an API error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request


class ApiError(Exception):
    def __init__(self, status: int, body: object):
        super().__init__(f"HTTP {status}: {json.dumps(body)}")
        self.status, self.body = status, body


class Portal:
    def __init__(self, base: str, token: str, timeout: float = 30.0):
        self.base, self.token, self.timeout = base.rstrip("/"), token, timeout

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(  # noqa: S310  (the portal's http(s) URL, given)
            self.base + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Authorization": f"Token {self.token}",
                "Accept": "application/json",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                return json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                detail = json.loads(exc.read())
            except ValueError:
                detail = {"detail": exc.reason}
            raise ApiError(exc.code, detail) from None

    def register(self, **fields) -> dict:
        return self.call("POST", "/api/v1/mirrors/", fields)

    def first_check(self, mirror_id: int, *, wait: float, every: float = 2.0) -> list[dict]:
        """The checks of the mirror, once there are some (or [] after `wait` seconds)."""
        deadline = time.monotonic() + wait
        while True:
            checks = self.call("GET", f"/api/v1/checks/?mirror={mirror_id}")["results"]
            if checks or time.monotonic() > deadline:
                return checks
            time.sleep(every)

    def listing(self, mirror_id: int, *, wait: float = 0.0, every: float = 1.0) -> dict:
        """The lists' answer about the mirror, once a snapshot knows it (or after `wait`)."""
        deadline = time.monotonic() + wait
        while True:
            found = self.call("GET", f"/api/v1/delivery/listing/{mirror_id}/")
            if found["known"] or time.monotonic() > deadline:
                return found
            time.sleep(every)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--portal", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--country", required=True, help="ISO 3166 code, e.g. NZ")
    parser.add_argument("--email", required=True, help="the mirror's contact")
    parser.add_argument("--url", required=True, help="its http:// base URL")
    parser.add_argument("--bandwidth", type=int, default=100, help="Mbit/s")
    parser.add_argument("--wait", type=float, default=120.0, help="seconds for the check")
    args = parser.parse_args(argv)
    portal = Portal(args.portal, args.token)
    try:
        mirror = portal.register(
            name=args.name, country=args.country, contact_email=args.email,
            bandwidth_mbps=args.bandwidth, url_http=args.url,
        )  # fmt: skip
        print(f"registered mirror {mirror['id']} ({mirror['name']}): {mirror['approval']}")
        checks = portal.first_check(mirror["id"], wait=args.wait)
        failed = [c for c in checks if c["error"]]
        print(f"first check: {len(checks)} probes, {len(failed)} failed")
        for check in failed:
            print(f"  {check['url']}: {check['error']} {check['detail']}")
        listing = portal.listing(mirror["id"], wait=args.wait)
        print(f"in the lists (snapshot {listing['snapshot']}): "
              + (f"no: {listing['blocked']}" if listing["blocked"] else "see below"))  # fmt: skip
        for row in listing["rows"]:
            if not listing["blocked"]:
                print(f"  {row['key']}: {'listed' if row['listed'] else 'not listed'}"
                      f"{': ' + row['why'] if row['why'] else ''}")  # fmt: skip
    except ApiError as exc:
        print(f"the portal said no: {exc}", file=sys.stderr)
        return 2
    return 0 if checks and not failed else 1


if __name__ == "__main__":
    raise SystemExit(main())
