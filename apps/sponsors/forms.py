"""The form a sponsor's contact (or staff) changes the logo with."""

from django import forms

from .logos import logo_prepare

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
