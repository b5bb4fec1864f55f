"""A minimal MaxMind DB writer for tests: small IPv4 databases of a given type ("GeoLite2-ASN",
"GeoLite2-City") that maxminddb and geoip2 read like the real files.

Format: https://maxmind.github.io/MaxMind-DB/ (24-bit records, IPv4 search tree).
"""

from __future__ import annotations

import ipaddress
import struct
from pathlib import Path

METADATA_MARKER = b"\xab\xcd\xefMaxMind.com"

# Records as GeoLite2's: one client network, 81.2.69.0/24 (London in MaxMind's test data).
ASN_RECORDS = {
    "81.2.69.0/24": {
        "autonomous_system_number": 64500,
        "autonomous_system_organization": "Example Broadband",
    },
}
CITY_RECORDS = {
    "81.2.69.0/24": {
        "city": {"geoname_id": 2643743, "names": {"en": "London"}},
        "continent": {"code": "EU", "geoname_id": 6255148, "names": {"en": "Europe"}},
        "country": {"geoname_id": 2635167, "iso_code": "GB", "names": {"en": "United Kingdom"}},
        "location": {"accuracy_radius": 10, "latitude": 51.5142, "longitude": -0.0931},
        "subdivisions": [{"iso_code": "ENG", "names": {"en": "England"}}],
    },
}


class UInt16(int):
    """An int written as uint16 (libmaxminddb insists on the metadata's types)."""


class UInt64(int):
    """An int written as uint64."""


def _control(type_number: int, size: int) -> bytes:
    if size < 29:
        head, extra = size, b""
    elif size < 29 + 256:
        head, extra = 29, bytes([size - 29])
    elif size < 285 + 65536:
        head, extra = 30, struct.pack(">H", size - 285)
    else:
        head, extra = 31, struct.pack(">I", size - 65821)[1:]
    if type_number <= 7:
        return bytes([(type_number << 5) | head]) + extra
    return bytes([head, type_number - 7]) + extra


def _uint(type_number: int, value: int) -> bytes:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big") if value else b""
    return _control(type_number, len(raw)) + raw


def encode(value) -> bytes:
    """One value in the MaxMind DB data format (no pointers)."""
    if isinstance(value, bool):
        return _control(14, int(value))
    if isinstance(value, str):
        raw = value.encode()
        return _control(2, len(raw)) + raw
    if isinstance(value, float):
        return _control(3, 8) + struct.pack(">d", value)
    if isinstance(value, UInt16):
        return _uint(5, value)
    if isinstance(value, UInt64):
        return _uint(9, value)
    if isinstance(value, int):
        if value < 0:
            raise ValueError("negative integers are not needed here")
        return _uint(6 if value < 2**32 else 9, value)
    if isinstance(value, dict):
        return _control(7, len(value)) + b"".join(encode(k) + encode(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return _control(11, len(value)) + b"".join(encode(v) for v in value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def write_mmdb(path: Path, database_type: str, records: dict[str, dict]) -> Path:
    """Write an IPv4 database mapping each network ("81.2.69.0/24") to its record."""
    nodes: list[list] = [[None, None]]  # a record: None (empty), int (node), bytes (data)
    for cidr, record in records.items():
        network = ipaddress.IPv4Network(cidr)
        bits = int(network.network_address)
        node = 0
        for depth in range(network.prefixlen):
            bit = (bits >> (31 - depth)) & 1
            if depth == network.prefixlen - 1:
                nodes[node][bit] = encode(record)
            else:
                if not isinstance(nodes[node][bit], int):
                    nodes.append([None, None])
                    nodes[node][bit] = len(nodes) - 1
                node = nodes[node][bit]
    count = len(nodes)
    data, offsets = b"", {}
    tree = bytearray()
    for left_right in nodes:
        for item in left_right:
            if item is None:
                value = count
            elif isinstance(item, int):
                value = item
            else:
                if item not in offsets:
                    offsets[item] = len(data)
                    data += item
                value = count + 16 + offsets[item]
            tree += value.to_bytes(3, "big")
    metadata = {
        "binary_format_major_version": UInt16(2),
        "binary_format_minor_version": UInt16(0),
        "build_epoch": UInt64(1_170_000_000),
        "database_type": database_type,
        "description": {"en": f"{database_type} for tests"},
        "ip_version": UInt16(4),
        "languages": ["en"],
        "node_count": count,
        "record_size": UInt16(24),
    }
    path.write_bytes(bytes(tree) + b"\x00" * 16 + data + METADATA_MARKER + encode(metadata))
    return path
