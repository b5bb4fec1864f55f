"""The servers: nagios-style service checks and the condition they give, bandwidth polls,
msync over DNS."""

from .base import BASE_DIR, DEBUG, env
from .mirrors import MIRROR_CHECK_ALLOW_NETWORKS

# --- Server condition (apps.servers: nagios' services, run with Monitoring Plugins) -------
# The plugins the service checks run, by name: the command (no shell), its {values} filled
# from the server (hostname, address, ipv4, ipv6, timeout), the entry's "defaults" and the
# service's arguments; a list inside the command is an optional group, left out when one
# of its values is missing. A team adds a plugin it already uses by adding an entry here
# (SERVER_CHECK_PLUGINS_EXTRA, JSON, from the environment) and a service that names it.
NAGIOS_PLUGINS = env.str("NAGIOS_PLUGINS", default="/usr/lib/nagios/plugins")
SERVER_CHECK_PLUGINS = {
    "http": {
        "label": "HTTP",
        "command": [f"{NAGIOS_PLUGINS}/check_http", "-H", "{hostname}", "-I", "{address}",
                    "-p", "{port}", "-u", "{path}", "-t", "{timeout}", "-f", "follow"],
        "defaults": {"port": 80, "path": "/"},
    },
    "https": {
        "label": "HTTPS",
        "command": [f"{NAGIOS_PLUGINS}/check_http", "--ssl", "--sni", "-H", "{hostname}",
                    "-I", "{address}", "-p", "{port}", "-u", "{path}", "-t", "{timeout}",
                    ["-C", "{certificate_days}"]],
        "defaults": {"port": 443, "path": "/"},
    },
    "dns": {
        # check_dns (nslookup) cannot be told a port; check_dig (dig) can.
        "label": "DNS",
        "command": [f"{NAGIOS_PLUGINS}/check_dig", "-H", "{address}", "-p", "{port}",
                    "-l", "{query}", "-T", "{record_type}", "-t", "{timeout}",
                    ["-a", "{expect}"]],
        "defaults": {"port": 53, "query": "{hostname}", "record_type": "A"},
    },
    "rsync": {
        "label": "rsync",
        "command": [f"{NAGIOS_PLUGINS}/check_tcp", "-H", "{address}", "-p", "{port}",
                    "-t", "{timeout}"],
        "defaults": {"port": 873},
    },
    "rsync-modules": {
        "label": "rsync modules",
        "command": [str(BASE_DIR / "apps" / "servers" / "plugins" / "check_rsync_modules"),
                    "-H", "{address}", "-p", "{port}", "-t", "{timeout}", ["-m", "{module}"]],
        "defaults": {"port": 873},
    },
    "smtp": {
        "label": "SMTP",
        "command": [f"{NAGIOS_PLUGINS}/check_smtp", "-H", "{address}", "-p", "{port}",
                    "-t", "{timeout}"],
        "defaults": {"port": 25},
    },
    **env.json("SERVER_CHECK_PLUGINS_EXTRA", default={}),
}  # fmt: skip
# Which plugins each role's servers are checked with (names above). Every server also has
# the passive "disk" and "load" services, fed by its pushed readings.
SERVER_CHECK_ROLES = {
    "website": ["http", "https"],
    "wiki": ["http", "https"],
    "mirror-master": ["http", "rsync", "rsync-modules"],
    "internal-mirror": ["http", "rsync", "rsync-modules"],
    "vault": ["http"],
    "beta-master": ["http"],
    "dns": ["dns"],
    "mailman": ["smtp"],
    **env.json("SERVER_CHECK_ROLES_EXTRA", default={}),
}
# Off in development by default (the demo's servers do not exist); `manage.py checkservers`
# runs one round now, and `setupschedule --enable` turns the periodic round on.
SERVER_CHECK_PERIODIC = env.bool("SERVER_CHECK_PERIODIC", default=not DEBUG)
SERVER_CHECK_ROUND_SECONDS = env.int("SERVER_CHECK_ROUND_SECONDS", default=60)
SERVER_CHECK_INTERVAL = env.int("SERVER_CHECK_INTERVAL", default=300)  # s, OK or HARD
SERVER_CHECK_RETRY_INTERVAL = env.int("SERVER_CHECK_RETRY_INTERVAL", default=60)  # s, SOFT
SERVER_CHECK_MAX_ATTEMPTS = env.int("SERVER_CHECK_MAX_ATTEMPTS", default=3)
SERVER_CHECK_TIMEOUT = env.int("SERVER_CHECK_TIMEOUT", default=10)  # s per plugin run
SERVER_CHECK_CONCURRENCY = env.int("SERVER_CHECK_CONCURRENCY", default=8)  # plugins at once
SERVER_CHECK_HISTORY_DAYS = env.int("SERVER_CHECK_HISTORY_DAYS", default=90)
# Pushed readings (POST /api/v1/servers/<host>/readings/): thresholds, and how long without
# a reading before the passive services turn SERVER_READINGS_STALE_STATE (nagios' freshness).
SERVER_DISK_FREE_WARN = env.float("SERVER_DISK_FREE_WARN", default=20.0)  # % free, or less
SERVER_DISK_FREE_CRIT = env.float("SERVER_DISK_FREE_CRIT", default=10.0)
SERVER_LOAD_WARN = env.list("SERVER_LOAD_WARN", cast=float, default=[8.0, 6.0, 4.0])  # 1/5/15
SERVER_LOAD_CRIT = env.list("SERVER_LOAD_CRIT", cast=float, default=[16.0, 12.0, 8.0])
SERVER_READINGS_STALE_MINUTES = env.int("SERVER_READINGS_STALE_MINUTES", default=30)
SERVER_READINGS_STALE_STATE = env.str("SERVER_READINGS_STALE_STATE", default="unknown")
# Who is emailed on a hard state change: these addresses, or else every active staff
# member with an email address (SERVER_HEALTH_EMAILS is the old name, still read).
SERVER_CHECK_EMAILS = env.list(
    "SERVER_CHECK_EMAILS", default=env.list("SERVER_HEALTH_EMAILS", default=[])
)

# Bandwidth (apps/servers): SNMP polls of the servers' interface counters every
# TRAFFIC_POLL_INTERVAL_MINUTES (`setupschedule`; off unless TRAFFIC_POLL_PERIODIC), at most
# TRAFFIC_POLL_CONCURRENCY agents at once, each answering within TRAFFIC_POLL_TIMEOUT seconds.
# Raw counter samples are kept TRAFFIC_SAMPLE_RETENTION_DAYS; the daily totals stay. Agents on
# loopback or private addresses are polled only inside TRAFFIC_SNMP_ALLOW_NETWORKS.
TRAFFIC_POLL_PERIODIC = env.bool("TRAFFIC_POLL_PERIODIC", default=not DEBUG)
TRAFFIC_POLL_INTERVAL_MINUTES = env.int("TRAFFIC_POLL_INTERVAL_MINUTES", default=5)
TRAFFIC_POLL_CONCURRENCY = env.int("TRAFFIC_POLL_CONCURRENCY", default=20)
TRAFFIC_POLL_TIMEOUT = env.float("TRAFFIC_POLL_TIMEOUT", default=3.0)
TRAFFIC_SAMPLE_RETENTION_DAYS = env.int("TRAFFIC_SAMPLE_RETENTION_DAYS", default=35)
TRAFFIC_SNMP_ALLOW_NETWORKS = env.list(
    "TRAFFIC_SNMP_ALLOW_NETWORKS", default=MIRROR_CHECK_ALLOW_NETWORKS
)

# msync over DNS (docs: README, "The sync tree and msync"): with a path, every published
# snapshot rewrites this zone file (PowerDNS GeoIP backend YAML, or a BIND zone), as
# `manage.py exportdns` does; the DNS server reloads it (e.g. `pdns_control reload`).
MSYNC_DNS_EXPORT_PATH = env.str("MSYNC_DNS_EXPORT_PATH", default="")
MSYNC_DNS_FORMAT = env.str("MSYNC_DNS_FORMAT", default="pdns-geoip")
MSYNC_DNS_ZONE = env.str("MSYNC_DNS_ZONE", default="example.org")
