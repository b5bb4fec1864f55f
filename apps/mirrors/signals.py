"""Signals other apps listen to.

`sweep_finished` is sent after each sweep has recorded its results, and `mirrors_changed`
after a person's change to what the mirror lists depend on (the moderation services send
it after commit), so the delivery app can rebuild the snapshot it serves from.
"""

from django.dispatch import Signal

sweep_finished = Signal()  # kwargs: sweep (the finished Sweep)
mirrors_changed = Signal()  # kwargs: reason (str)
