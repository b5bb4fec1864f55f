"""The forms a sponsor's contact (or staff) edits the promotion page and its logo with."""

from django import forms

from .logos import logo_prepare
from .models import Sponsor

LOGO_HELP = (
    "PNG, JPEG or SVG, at most 1 MiB and 2000×2000 pixels. PNG and JPEG are re-encoded "
    "(photo data such as EXIF is removed); an SVG may not contain scripts, event handlers, "
    "or references to other files."
)


class SponsorLogoForm(forms.Form):
    logo = forms.FileField(
        label="Logo",
        help_text=LOGO_HELP,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/svg+xml"}),
    )

    def clean_logo(self):
        upload = self.cleaned_data["logo"]
        logo_prepare(upload)  # the same checks as the service, shown beside the field
        return upload


class SponsorPageForm(forms.ModelForm):
    """What a sponsor's contact edits on the promotion page: the fields of
    services.PAGE_FIELDS and the logo (checked here for a field error, stored by the
    service). Bound to a copy of the sponsor: the page's heading keeps the saved name."""

    website = forms.URLField(
        required=False,
        assume_scheme="https",
        help_text="Your site, starting with https:// (the button on your page).",
    )
    description = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Markdown: *emphasis*, **bold**, [links](https://example.org), lists. "
        "HTML is removed before it is shown. At most 5,000 characters.",
    )
    logo = forms.FileField(
        label="New logo",
        required=False,
        help_text=LOGO_HELP + " Leave empty to keep the current one.",
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/svg+xml"}),
    )
    remove_logo = forms.BooleanField(
        label="Remove the logo (your initials are shown instead)", required=False
    )

    class Meta:
        model = Sponsor
        fields = ["name", "website", "email", "country", "description"]
        labels = {"name": "Name shown", "email": "Contact e-mail (optional)"}

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if upload:
            logo_prepare(upload)
        return upload

    def clean(self):
        data = super().clean()
        if data.get("logo") and data.get("remove_logo"):
            self.add_error("remove_logo", "Upload a new logo or remove it, not both.")
        return data
