"""The release page's forms: a tester's result on one cell of the matrix, and a blocker
proposal. They validate; apps/releases/services writes."""

from django import forms

from .choices import Criterion, Milestone, Outcome
from .models import Architecture, ValidationCase


class ResultForm(forms.Form):
    case = forms.ModelChoiceField(queryset=ValidationCase.objects.all(), to_field_name="name")
    architecture = forms.ModelChoiceField(
        queryset=Architecture.objects.none(), to_field_name="name"
    )
    environment = forms.SlugField(max_length=40, initial="default")
    outcome = forms.ChoiceField(choices=Outcome.choices)
    note = forms.CharField(max_length=500, required=False)
    bug_url = forms.URLField(required=False, max_length=500, label="Bug URL", assume_scheme="https")

    def __init__(self, *args, release, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["architecture"].queryset = release.architectures.all()


class BlockerForm(forms.Form):
    milestone = forms.ChoiceField(choices=Milestone.choices, initial=Milestone.FINAL)
    criterion = forms.ChoiceField(choices=Criterion.choices)
    bug_url = forms.URLField(max_length=200, label="Bug URL", assume_scheme="https")
    summary = forms.CharField(max_length=200, required=False)


class StageForm(forms.Form):
    """When a release that is go opens to the public: at a share of the mirrors, at a time,
    or (neither) when release engineering opens it."""

    share = forms.IntegerField(
        min_value=1, max_value=100, required=False, label="Open at this share of mirrors (%)"
    )
    opens_at = forms.DateTimeField(
        required=False, label="Or open at (UTC)", help_text="For example 2027-01-15 14:00.",
        widget=forms.DateTimeInput(attrs={"placeholder": "2027-01-15 14:00"}),
    )  # fmt: skip
