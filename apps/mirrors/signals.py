"""Signals other apps listen to.

`sweep_finished` is sent after each sweep has recorded its results, and `mirrors_changed`
after a person's change to what the mirror lists depend on (the moderation services send
it after commit), so the delivery app can rebuild the snapshot it serves from.
"""

from django.dispatch import Signal

sweep_finished = Signal()  # kwargs: sweep (the finished Sweep)
mirrors_changed = Signal()  # kwargs: reason (str)

# What the services ask the workers to do; receivers.py queues it (the services do not
# import the tasks, which import the services).
webhook_deliveries_recorded = Signal()  # kwargs: delivery_ids (list[int]), after commit
vantage_round_wanted = Signal()  # kwargs: points (VantagePoints), items (id, base URLs)
