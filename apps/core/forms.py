"""Form fields shared by the apps' forms."""

from django import forms
from django.core.exceptions import ValidationError

BIGINT_MAX = 2**63 - 1  # past this a database driver overflows (a 500) instead of answering


def _pk_in_range(field, value) -> None:
    """A key that is a whole number past what a database holds names no row: the field's own
    "not a valid value" error, before the driver is asked (an API's JSON can send any int)."""
    if field.to_field_name:
        return
    try:
        number = int(str(value))
    except ValueError:
        return  # not a number: the field says so itself
    if not -BIGINT_MAX <= number <= BIGINT_MAX:
        raise ValidationError(
            field.error_messages["invalid_choice" if isinstance(field, ModelChoiceField)
                                 else "invalid_pk_value"],
            code="invalid_pk_value",
            params={"pk": value, "value": value},
        )  # fmt: skip


class ModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values:
            _pk_in_range(self, value)
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for pk in value:
            _pk_in_range(self, pk)
        return super()._check_values(value)
