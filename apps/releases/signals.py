"""`releases_changed` is sent after commit when a person changes what the mirror lists
depend on: a release, its architectures, repositories or images."""

from django.dispatch import Signal

releases_changed = Signal()  # kwargs: reason (str)

# Sent after commit with the new candidate's id as `reason`: the mirrors app reads its
# images from the master (the master is theirs to know).
candidate_added = Signal()  # kwargs: reason (str)
