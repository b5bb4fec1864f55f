"""Filter pieces shared by the apps' FilterSets."""

import datetime as dt

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


class _UtcDateTimeField(django_filters.fields.IsoDateTimeField):
    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError(
                "This date and time is out of range.", code="out_of_range"
            ) from None


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date and time, turned into UTC before the database sees it: any offset
    the standard allows is fine (PostgreSQL refuses offsets past ±15:59, a 500 before),
    and a time that only exists past year 9999 or before year 1 in UTC is a 400."""

    field_class = _UtcDateTimeField
