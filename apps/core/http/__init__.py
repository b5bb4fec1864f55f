"""The HTTP client for URLs that other people give us (mirror URLs), built on libcurl.

libcurl (pycurl's multi interface, driven by the asyncio loop) parses HTTP, verifies TLS
and pools connections. Around it this package keeps the rules: it refuses targets on
loopback, private, link-local, multicast, reserved or unspecified addresses unless a
setting allows their network (SSRF), resolves names itself and pins libcurl to the very
addresses it checked (CURLOPT_RESOLVE, and a socket callback that refuses any other: no
DNS rebinding), follows redirects itself within a limit and checks every hop again, caps
response bodies, bounds connections per host and in total, and never raises for network
trouble: it returns the error class instead. Why libcurl: docs/checks.md.
"""

from .client import ProbeSession, Resolver, SafeClient, Slots, system_resolve
from .targets import (
    IPV4,
    IPV6,
    FetchError,
    FetchResult,
    ForbiddenTarget,
    TargetPolicy,
    family_of,
    idna_host,
)

__all__ = [
    "IPV4",
    "IPV6",
    "FetchError",
    "FetchResult",
    "ForbiddenTarget",
    "ProbeSession",
    "Resolver",
    "SafeClient",
    "Slots",
    "TargetPolicy",
    "family_of",
    "idna_host",
    "system_resolve",
]
