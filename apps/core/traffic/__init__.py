"""Traffic counted the same way for servers and mirrors: interface counters into bytes
(counters.py), the abstract models of daily totals, periods and counter readings
(models.py), the rules of a reported period and the daily totals it adds to (services.py),
and the shapes of a push (api.py)."""
