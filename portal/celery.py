"""The Celery application: tasks come from each app's tasks.py, settings from Django's."""

import os

from celery import Celery

from portal import broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

broker.install()  # a worker that outlives a Redis outage (portal/broker.py)
app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
