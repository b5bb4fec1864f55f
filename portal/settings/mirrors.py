"""The mirrors: their checks, the health loop, vantage points, webhooks, quotas."""

from .base import DEBUG, env

# --- Mirror checks (apps.mirrors.checks) -------------------------------------

# How often sweeps run is a django-celery-beat PeriodicTask (admin, `setupschedule`);
# everything else about them is here. See docs/checks.md.
MIRROR_CHECK_PERIODIC = env.bool("MIRROR_CHECK_PERIODIC", default=not DEBUG)
MIRROR_CHECK_INTERVAL_MINUTES = env.int("MIRROR_CHECK_INTERVAL_MINUTES", default=30)
MIRROR_CHECK_TIMEOUT = env.float("MIRROR_CHECK_TIMEOUT", default=10.0)  # whole request, s
MIRROR_CHECK_CONNECT_TIMEOUT = env.float("MIRROR_CHECK_CONNECT_TIMEOUT", default=5.0)
# Requests in flight at once. A hung mirror holds its slot for the whole timeout, so this
# must exceed the number of hung mirrors plus what the healthy ones need (see docs/checks.md).
MIRROR_CHECK_CONCURRENCY = env.int("MIRROR_CHECK_CONCURRENCY", default=1000)
MIRROR_CHECK_PER_HOST = env.int("MIRROR_CHECK_PER_HOST", default=2)
MIRROR_CHECK_UVLOOP = env.bool("MIRROR_CHECK_UVLOOP", default=True)  # when uvloop is installed
MIRROR_CHECK_MAX_BYTES = env.int("MIRROR_CHECK_MAX_BYTES", default=1024 * 1024)
# Names of checked hosts are resolved by c-ares (aiodns) at the checks' own concurrency, each
# answer remembered for the sweep: these servers ("address" or "address:port"; empty: the
# system's /etc/resolv.conf), this many seconds per try and tries per server.
MIRROR_CHECK_DNS_SERVERS = env.list("MIRROR_CHECK_DNS_SERVERS", default=[])
MIRROR_CHECK_DNS_TIMEOUT = env.float("MIRROR_CHECK_DNS_TIMEOUT", default=2.0)
MIRROR_CHECK_DNS_TRIES = env.int("MIRROR_CHECK_DNS_TRIES", default=2)
# Content beyond the metadata: each content check that finds a repository current asks
# MIRROR_CHECK_SAMPLE_PACKAGES of its packages (0: none), chosen at random from the newest
# MIRROR_CHECK_SAMPLE_POOL of the master's primary.xml (read once per new version, at most
# MIRROR_CHECK_PRIMARY_MAX_BYTES), with HEAD; one in 1/MIRROR_CHECK_SAMPLE_FULL_RATE whole,
# its sha256 compared, when at most MIRROR_CHECK_SAMPLE_FULL_MAX_BYTES (docs/checks.md).
MIRROR_CHECK_SAMPLE_PACKAGES = env.int("MIRROR_CHECK_SAMPLE_PACKAGES", default=3)
MIRROR_CHECK_SAMPLE_POOL = env.int("MIRROR_CHECK_SAMPLE_POOL", default=20)
MIRROR_CHECK_SAMPLE_FULL_RATE = env.float("MIRROR_CHECK_SAMPLE_FULL_RATE", default=0.02)
MIRROR_CHECK_SAMPLE_FULL_MAX_BYTES = env.int("MIRROR_CHECK_SAMPLE_FULL_MAX_BYTES", default=1 << 20)
MIRROR_CHECK_PRIMARY_MAX_BYTES = env.int("MIRROR_CHECK_PRIMARY_MAX_BYTES", default=64 << 20)
# ISO images beyond their size: each content check asks MIRROR_CHECK_IMAGE_RANGES byte ranges
# of MIRROR_CHECK_IMAGE_RANGE_BYTES (0: none) of the images it found present, compared with
# the master's same bytes; with probability MIRROR_CHECK_IMAGE_FULL_RATE one whole image of
# at most MIRROR_CHECK_IMAGE_FULL_MAX_BYTES, its sha256 compared (docs/checks.md).
MIRROR_CHECK_IMAGE_RANGES = env.int("MIRROR_CHECK_IMAGE_RANGES", default=2)
MIRROR_CHECK_IMAGE_RANGE_BYTES = env.int("MIRROR_CHECK_IMAGE_RANGE_BYTES", default=64 << 10)
MIRROR_CHECK_IMAGE_FULL_RATE = env.float("MIRROR_CHECK_IMAGE_FULL_RATE", default=0.005)
MIRROR_CHECK_IMAGE_FULL_MAX_BYTES = env.int("MIRROR_CHECK_IMAGE_FULL_MAX_BYTES", default=1 << 30)
MIRROR_CHECK_MAX_REDIRECTS = env.int("MIRROR_CHECK_MAX_REDIRECTS", default=3)
MIRROR_CHECK_USER_AGENT = env.str("MIRROR_CHECK_USER_AGENT", default="portal-mirror-check/1.0")
MIRROR_CHECK_CHUNK_SIZE = env.int("MIRROR_CHECK_CHUNK_SIZE", default=500)  # mirrors per task
MIRROR_CHECK_SWEEP_LEASE = env.int("MIRROR_CHECK_SWEEP_LEASE", default=3600)  # s, then abandoned
MIRROR_CHECK_DOWN_AFTER = env.int("MIRROR_CHECK_DOWN_AFTER", default=2)  # failed sweeps in a row
MIRROR_CHECK_UP_AFTER = env.int("MIRROR_CHECK_UP_AFTER", default=2)  # good sweeps in a row
MIRROR_CHECK_SUSPEND_AFTER = env.int("MIRROR_CHECK_SUSPEND_AFTER", default=96)  # 0: never
MIRROR_CHECK_STALE_EMAIL_SECONDS = env.int("MIRROR_CHECK_STALE_EMAIL_SECONDS", default=2 * 86400)
MIRROR_CHECK_VERSION_HISTORY = env.int("MIRROR_CHECK_VERSION_HISTORY", default=5)
MIRROR_CHECK_RETENTION_DAYS = env.int("MIRROR_CHECK_RETENTION_DAYS", default=14)
# The health loop between sweeps: one HEAD of the timestamp file per serving URL this often;
# MIRROR_HEALTH_DOWN_AFTER failures in a row take a mirror out of the lists, and as many
# successes queue the content check that lists it again. Each round also reads the master's
# timestamp file: a change runs the master refresh at once (a push), not at the next sweep.
MIRROR_HEALTH_ENABLED = env.bool("MIRROR_HEALTH_ENABLED", default=True)
MIRROR_HEALTH_INTERVAL_SECONDS = env.float("MIRROR_HEALTH_INTERVAL_SECONDS", default=60.0)
# A probe times out on its own (a blackholed mirror costs MIRROR_HEALTH_CONNECT_TIMEOUT, one
# that accepts and never answers MIRROR_HEALTH_TIMEOUT); a probe that would change a mirror's
# status is confirmed by a second one MIRROR_HEALTH_CONFIRM_SECONDS after the first started
# (0: no confirmation, a round later). Together with the delivery's rebuild debounce and poll,
# a dead mirror leaves every answer within 75 s of its death (docs/checks.md).
MIRROR_HEALTH_TIMEOUT = env.float("MIRROR_HEALTH_TIMEOUT", default=4.0)  # whole request, s
MIRROR_HEALTH_CONNECT_TIMEOUT = env.float("MIRROR_HEALTH_CONNECT_TIMEOUT", default=3.0)
MIRROR_HEALTH_CONFIRM_SECONDS = env.float("MIRROR_HEALTH_CONFIRM_SECONDS", default=3.0)
MIRROR_HEALTH_DOWN_AFTER = env.int("MIRROR_HEALTH_DOWN_AFTER", default=2)
MIRROR_HEALTH_UP_AFTER = env.int("MIRROR_HEALTH_UP_AFTER", default=2)
MIRROR_HEALTH_CONCURRENCY = env.int("MIRROR_HEALTH_CONCURRENCY", default=500)
# After a push, a content check of every mirror carrying a changed repository, spread over
# this window so that a thousand mirrors are not asked in the same second.
MIRROR_PUSH_RECHECK_WINDOW_SECONDS = env.float("MIRROR_PUSH_RECHECK_WINDOW_SECONDS", default=600.0)
# A mirror's content is re-checked outside the sweeps at most this often (health recovery).
MIRROR_RECHECK_MIN_SECONDS = env.float("MIRROR_RECHECK_MIN_SECONDS", default=300.0)
# Vantage points (apps.mirrors.services.vantage): a worker elsewhere probes from its own
# network; MIRROR_CHECK_SOURCE_ADDRESS binds its probes to one local address (a host with
# several), and its results go back to MIRROR_VANTAGE_REPLY_QUEUE (empty: the default queue).
MIRROR_CHECK_SOURCE_ADDRESS = env.str("MIRROR_CHECK_SOURCE_ADDRESS", default="")
MIRROR_VANTAGE_REPLY_QUEUE = env.str("MIRROR_VANTAGE_REPLY_QUEUE", default="")
# Owners' webhooks (apps.mirrors.services.webhooks): per mirror at most this many; each event
# tried MIRROR_WEBHOOK_ATTEMPTS times, MIRROR_WEBHOOK_RETRY_SECONDS apart then doubling.
MIRROR_WEBHOOKS_PER_MIRROR = env.int("MIRROR_WEBHOOKS_PER_MIRROR", default=3)
MIRROR_WEBHOOK_ATTEMPTS = env.int("MIRROR_WEBHOOK_ATTEMPTS", default=6)
MIRROR_WEBHOOK_RETRY_SECONDS = env.float("MIRROR_WEBHOOK_RETRY_SECONDS", default=30.0)
MIRROR_WEBHOOK_TIMEOUT = env.float("MIRROR_WEBHOOK_TIMEOUT", default=10.0)
# Targets inside these networks are probed even though they are loopback/private; any other
# non-global address is refused. Development allows loopback (the demo and the test farm).
MIRROR_CHECK_ALLOW_NETWORKS = env.list(
    "MIRROR_CHECK_ALLOW_NETWORKS", default=["127.0.0.0/8", "::1/128"] if DEBUG else []
)
# its quota a mirror's draw weight shrinks in proportion to what is left.
MIRROR_QUOTA_NEAR_SHARE = env.float("MIRROR_QUOTA_NEAR_SHARE", default=0.2)
# The capacity page: bytes sent per answer counted when no day has both answers and
