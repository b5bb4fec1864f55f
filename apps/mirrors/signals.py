"""Signals other apps listen to.

`sweep_finished` is sent after each sweep has recorded its results, so the
delivery app can rebuild the snapshot it serves from. `mirrors_changed` is
sent when an admin or an owner changes what the mirror lists depend on.
"""

from django.dispatch import Signal

sweep_finished = Signal()  # kwargs: sweep (the finished Sweep)
mirrors_changed = Signal()  # kwargs: reason (str)
