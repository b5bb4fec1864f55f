"""Celery: the broker, the worker, beat, and how they ride out an outage."""

from .base import TIME_ZONE, VAR_DIR, env

# Celery: a broker kept in files by default (no server needed), Redis in production.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery-broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
    for _sub in ("queue", "control", "processed"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# --- Outages (README "Outages"): Redis or PostgreSQL down, nothing lost -----------------
# The worker reconnects to the broker for as long as it is down (Celery's default gives up
# after 100 tries and exits); portal/broker.py keeps kombu's Redis transport from crashing
# on the way (the AttributeError on 'hostname').
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A task taken by a worker that died (killed mid-sweep) goes back to the queue after this
# many seconds (Redis's visibility timeout; tasks are acknowledged once done). Longer than
# the longest task; a countdown longer than this may be delivered twice (the snapshot
# rebuilds make that a no-op).
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    _visibility = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": _visibility,
        # Look for such tasks every 10 s (kombu: every 100 s), one small Redis query.
        "unacked_restore_interval": max(1, min(10, _visibility // 2)),
        "unacked_restore_throttle": 1,
    }
# Beat sends the heartbeat this often: it notes that a worker runs tasks (/healthz says when
# none has for three intervals) and sends the tasks the outbox kept while the broker was down.
WORKER_HEARTBEAT_SECONDS = env.int("WORKER_HEARTBEAT_SECONDS", default=60)
# /healthz's look at the database, the broker and the workers, from each delivery worker's
# background thread at most this often (never on a request's path).
HEALTH_PROBE_SECONDS = env.float("HEALTH_PROBE_SECONDS", default=10.0)

# Beat's static entries (django-celery-beat's DatabaseScheduler copies them into its table).
CELERY_BEAT_SCHEDULE = {
    "partners: reminders and lapses": {
        "task": "partners.expiry_run",
        "schedule": 24 * 3600,  # daily; a lapsed partner leaves the directory by date anyway
    },
}
# Monthly transfer quotas (apps/mirrors/quota.py): over the last MIRROR_QUOTA_NEAR_SHARE of
