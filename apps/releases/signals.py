"""`releases_changed` is sent after commit when a person changes what the mirror lists
depend on: a release, its architectures, repositories or images."""

from django.dispatch import Signal

releases_changed = Signal()  # kwargs: reason (str)
