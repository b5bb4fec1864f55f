"""The application form and staff's decision on it."""

from django import forms
from django_countries import countries

from apps.sponsors.forms import LOGO_HELP
from apps.sponsors.logos import logo_prepare

from .choices import LANGUAGES, PartnerKind


class PartnerApplicationForm(forms.Form):
    name = forms.CharField(max_length=200, label="Organisation")
    website = forms.URLField(max_length=200, assume_scheme="https")
    contact_name = forms.CharField(max_length=200, label="Contact person")
    contact_email = forms.EmailField(label="Contact e-mail", help_text="Hears of every step.")
    kinds = forms.MultipleChoiceField(
        choices=PartnerKind.choices, widget=forms.CheckboxSelectMultiple, label="What you offer"
    )
    countries = forms.MultipleChoiceField(
        choices=list(countries), label="Countries served",
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )  # fmt: skip
    languages = forms.MultipleChoiceField(
        choices=LANGUAGES, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}), max_length=5000,
        help_text="Markdown. HTML is cleaned before it is shown.",
    )  # fmt: skip
    logo = forms.FileField(
        required=False, help_text=LOGO_HELP,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/svg+xml"}),
    )  # fmt: skip

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if upload:
            logo_prepare(upload)  # the sponsors' checks, shown beside the field
        return upload


class PartnerDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve for a year"), ("reject", "Reject")], widget=forms.RadioSelect
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False,
        help_text="Required to reject: the applicant reads it.",
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why: the applicant reads it.")
        return data
