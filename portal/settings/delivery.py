"""Delivery (mirrorlist, metalink, redirects), its metrics, and the capacity page."""

from .base import DEBUG, VAR_DIR, env

# --- Delivery (apps.delivery) -------------------------------------------------
# The snapshot every delivery worker serves from: how often a worker polls for a newer one,
# where it keeps a copy so that it starts serving while the database is down, and an
# optional Redis that carries the published snapshot besides the database.
DELIVERY_POLL_SECONDS = env.float("DELIVERY_POLL_SECONDS", default=1.0)
DELIVERY_SNAPSHOT_CACHE = env.str(
    "DELIVERY_SNAPSHOT_CACHE", default=str(VAR_DIR / "delivery" / "snapshot.json")
)
DELIVERY_REDIS_URL = env.str("DELIVERY_REDIS_URL", default=None)
DELIVERY_KEEP_SNAPSHOTS = env.int("DELIVERY_KEEP_SNAPSHOTS", default=5)
# Rebuild after sweeps and admin changes (a test suite sets this False so that its
# transactional tests do not queue rebuilds); admin changes arrive in bursts: rebuild once,
# this many seconds after the first.
DELIVERY_REBUILD_ON_CHANGE = env.bool("DELIVERY_REBUILD_ON_CHANGE", default=True)
DELIVERY_REBUILD_DEBOUNCE_SECONDS = env.float("DELIVERY_REBUILD_DEBOUNCE_SECONDS", default=1.0)
# Who may name another address (ip=) for its netblock and ASN buckets, which list private
# mirrors (staff may, through the API, from anywhere); anyone else's ip= sets the country only.
DELIVERY_IP_OVERRIDE_NETWORKS = env.list(
    "DELIVERY_IP_OVERRIDE_NETWORKS", default=["127.0.0.0/8", "::1/128"] if DEBUG else []
)
# How many mirrors a mirrorlist, a metalink and the 302's Link headers carry.
DELIVERY_MIRRORLIST_COUNT = env.int("DELIVERY_MIRRORLIST_COUNT", default=10)
DELIVERY_METALINK_COUNT = env.int("DELIVERY_METALINK_COUNT", default=20)
DELIVERY_LINK_HEADERS = env.int("DELIVERY_LINK_HEADERS", default=4)
# Recent repomd.xml versions a metalink lists as alternates.
DELIVERY_ALTERNATES = env.int("DELIVERY_ALTERNATES", default=4)
# The grace window: a mirror holding a version the master replaced less than this long ago
# is listed after the current mirrors (the metalink: dnf verifies it by the alternates' hash).
DELIVERY_GRACE_SECONDS = env.float("DELIVERY_GRACE_SECONDS", default=6 * 3600.0)
# The mirrorlist carries no hash: add mirrors inside the grace window when fewer than the
# list's size are current (True), or send the rest of the list to the master (False).
# See docs/currency.md for why True is the default.
DELIVERY_MIRRORLIST_GRACE = env.bool("DELIVERY_MIRRORLIST_GRACE", default=True)
# "Nearby countries": within this distance of the client's country, plus land neighbours,
# plus an optional configured group per country, e.g. {"IS": ["GB", "NO", "DK"]}.
DELIVERY_NEARBY_KM = env.float("DELIVERY_NEARBY_KM", default=5000.0)
DELIVERY_COUNTRY_GROUPS = env.json("DELIVERY_COUNTRY_GROUPS", default={})
# A MaxMind-format ASN database (GeoLite2-ASN); without it only netblocks form bucket 1.
GEOIP_ASN_PATH = env.str("GEOIP_ASN_PATH", default=None)
# A MaxMind-format City database (GeoLite2-City, DB-IP City Lite), read with geoip2: the
# whereami API then names the client's city. Mirror choice uses GEOIP_PATH's country only.
GEOIP_CITY_PATH = env.str("GEOIP_CITY_PATH", default=None)
# Usage statistics: counted in each worker's memory, written to the database this often.
DELIVERY_USAGE_FLUSH_SECONDS = env.float("DELIVERY_USAGE_FLUSH_SECONDS", default=60.0)
# Torrents: read the image from this local copy of the master tree when set, else over HTTP
# from the master mirror (see the admin); optional trackers (web seeds alone work without any).
DELIVERY_MASTER_PATH = env.str("DELIVERY_MASTER_PATH", default=None)
DELIVERY_TORRENT_TRACKERS = env.list("DELIVERY_TORRENT_TRACKERS", default=[])

# --- Metrics (/metrics, docs/delivery.md) --------------------------------------
# Prometheus's text format, answered by the delivery front to these client addresses only
# (judged like every client address: the peer, or X-Forwarded-For from TRUSTED_PROXIES);
# anyone else gets a 404. The front's request counters cost it well under 1 µs a request.
METRICS_ENABLED = env.bool("METRICS_ENABLED", default=True)
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1"])
# Each worker process writes its request counts here on every snapshot poll, and a scrape
# (which reaches one worker) adds up the others' files: a folder the workers of one machine
# share. Empty: each scrape sees only the worker it reached.
METRICS_DIR = env.str("METRICS_DIR", default=str(VAR_DIR / "metrics"))
# The figures read from the database (sweeps, the health loop, servers) are re-read at most
# this often; scrapes in between get the last ones.
METRICS_CACHE_SECONDS = env.float("METRICS_CACHE_SECONDS", default=15.0)

# traffic to measure it from.
CAPACITY_BYTES_PER_ANSWER = env.int("CAPACITY_BYTES_PER_ANSWER", default=20_000_000)
