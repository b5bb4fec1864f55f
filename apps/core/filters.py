"""Filter pieces shared by the apps' FilterSets."""

import django_filters
from django import forms

DB_INT_MAX = 2**31 - 1  # the largest id or number every database's integer column holds


class IntegerFilter(django_filters.NumberFilter):
    """A whole number within what the database holds: `?mirror=1e308` or `?major=2.5` is a
    400 naming the bound, never an overflow in the database driver (a 500). The schema
    says integer."""

    field_class = forms.IntegerField

    def __init__(self, *args, min_value: int = 0, max_value: int = DB_INT_MAX, **kwargs):
        kwargs.setdefault("min_value", min_value)
        kwargs.setdefault("max_value", max_value)
        super().__init__(*args, **kwargs)
