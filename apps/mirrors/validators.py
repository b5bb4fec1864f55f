"""The one check of a mirror's URL, used by the model (and so the admin and forms), the
importer and the API serializers.

A mirror URL is a scheme, a host, an optional port and a path: nothing else. No user name
or password, query or fragment, and no whitespace or control character anywhere (a line
break in a URL would add a line to every mirrorlist that lists the mirror).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from apps.core.hostnames import HostError, host_normalise, ip_literal
from apps.core.markup import has_control_characters

from .choices import Protocol

MAX_URL_LENGTH = 500  # MirrorURL.url
SCHEMES = tuple(p.value for p in Protocol)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
# RFC 3986 path characters: unreserved, sub-delims, ":", "@", "/" and %XX escapes.
_PATH = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$")
_PORT = re.compile(r"^[0-9]{1,5}$")
_UNPRINTABLE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def _invalid(message: str, code: str = "invalid") -> ValidationError:
    return ValidationError(message, code=code)


def mirror_url_validate(url: str, protocol: str | None = None) -> str:
    """The normalised URL (lower-case scheme and host, IDN in xn-- form, trailing slash),
    or a ValidationError whose message says what is wrong.

    `protocol` (one of Protocol), when given, is the scheme the URL must have.
    """
    if not isinstance(url, str) or not url:
        raise _invalid("Enter the URL of the mirror's tree, such as http://mirror.example.org/.")
    if _UNPRINTABLE.search(url) or not url.isprintable():
        raise _invalid(
            "A mirror URL cannot contain spaces, line breaks or other control characters.",
            "control",
        )
    match = _SCHEME.match(url)
    if match is None:
        raise _invalid(f"The URL must start with one of {', '.join(s + '://' for s in SCHEMES)}.")
    scheme = match.group(1).lower()
    if scheme not in SCHEMES:
        raise _invalid(f"{scheme}:// is not a mirror protocol; use one of {', '.join(SCHEMES)}.")
    if protocol is not None and scheme != protocol:
        raise _invalid(f"The URL must start with {protocol}:// (its protocol).", "protocol")
    rest = url[match.end() :]
    if "?" in rest:
        raise _invalid("A mirror URL cannot have a query (?...).")
    if "#" in rest:
        raise _invalid("A mirror URL cannot have a fragment (#...).")
    netloc, slash, path = rest.partition("/")
    path = slash + path
    if "@" in netloc:
        raise _invalid("A mirror URL cannot contain a user name or password (user@host).")
    host, port = _split_netloc(netloc)
    if not _PATH.match(path):
        raise _invalid(
            "The URL's path may only contain letters, digits and - . _ ~ ! $ & ' ( ) * + , ; = "
            ": @ / (write other characters as %XX)."
        )
    if not path.endswith("/"):
        path += "/"
    normalised = f"{scheme}://{host}{port}{path}"
    if len(normalised) > MAX_URL_LENGTH:
        raise _invalid(f"The URL is {len(normalised)} characters long; at most {MAX_URL_LENGTH}.")
    return normalised


def _split_netloc(netloc: str) -> tuple[str, str]:
    """(host as written in a URL, ":port" or "") from host[:port] or [v6][:port]."""
    if not netloc:
        raise _invalid("The URL has no host name.", "host")
    if netloc.startswith("["):
        inside, bracket, after = netloc[1:].partition("]")
        address = ip_literal(inside) if bracket else None
        if address is None or address.version != 6:
            raise _invalid("The URL's [...] is not a valid IPv6 address.", "host")
        host, port_part = f"[{address}]", after
        if port_part and not port_part.startswith(":"):
            raise _invalid("Only a :port may follow the IPv6 address.", "host")
        port_text = port_part[1:] if port_part else None
    else:
        if netloc.count(":") > 1:
            raise _invalid("Write an IPv6 address in brackets: http://[2001:db8::1]/.", "host")
        name, colon, port_text = netloc.partition(":")
        if not colon:
            port_text = None
        try:
            host = host_normalise(name)
        except HostError as exc:
            raise _invalid(str(exc), "host") from exc
        if ip_literal(host) is None and "." not in host:
            raise _invalid("Give the mirror's full host name, such as mirror.example.org.", "host")
    if port_text is None:
        return host, ""
    if not _PORT.match(port_text) or not 1 <= int(port_text) <= 65535:
        raise _invalid("The port must be a number from 1 to 65535.", "port")
    return host, f":{int(port_text)}"


def mirror_name_validate(name: str) -> None:
    """A mirror's name is one line: it goes into email subjects, debug lines and pages. The
    form, the API and the admin check it here (the importer's names are host names)."""
    if has_control_characters(name):
        raise ValidationError(
            "A name is one line of text: no line break, tab or other control character.",
            code="control",
        )
