"""Host names and IP literals, checked fully and put in their ASCII form.

Knows no domain: the mirrors' URL validator (apps/mirrors/validators.py) and anything else
that stores a host name build on `host_normalise`.
"""

from __future__ import annotations

import ipaddress
import re

import idna

MAX_NAME = 253  # a DNS name, without the root's trailing dot
MAX_LABEL = 63
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class HostError(ValueError):
    """A host that is not a valid name or address; the message is a sentence for people."""


def ip_literal(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address `value` spells (no zone index), else None."""
    if "%" in value:
        return None
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def host_normalise(host: str, *, allow_ip: bool = True) -> str:
    """The host name in lower-case ASCII (an IDN in its xn-- form), or an IP address in its
    canonical form; raise HostError saying what is wrong.

    A name has dot-separated labels of 1-63 letters, digits and hyphens (not first or last),
    253 characters at most in all, and a last label that is not all digits.
    """
    if not isinstance(host, str) or not host:
        raise HostError("The host name is empty.")
    address = ip_literal(host)
    if address is not None:
        if not allow_ip:
            raise HostError("An IP address is not allowed here; give a host name.")
        return str(address)
    if not host.isascii():
        if not host.isprintable():
            raise HostError("The host name contains a control character.")
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise HostError(f"The host name is not a valid international name ({exc}).") from exc
    name = host.lower()
    if len(name) > MAX_NAME:
        raise HostError(f"The host name is {len(name)} characters long; at most {MAX_NAME}.")
    labels = name.split(".")
    for label in labels:
        if not label:
            raise HostError("The host name has an empty part (two dots, or a dot at an end).")
        if len(label) > MAX_LABEL:
            raise HostError(
                f"A part of the host name is {len(label)} characters long; at most {MAX_LABEL}."
            )
        if not _LABEL.match(label):
            raise HostError(
                f"The host name part {label[:MAX_LABEL]!r} may only contain letters, digits and "
                "hyphens, and cannot start or end with a hyphen."
            )
        if label.startswith("xn--"):
            try:
                idna.decode(label)
            except idna.IDNAError as exc:
                raise HostError(f"The host name part {label!r} is not valid punycode.") from exc
    if labels[-1].isdigit():
        raise HostError(f"{host!r} is neither a valid IP address nor a host name.")
    return name
