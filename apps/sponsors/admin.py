from django import forms
from django.contrib import admin
from django.utils.html import format_html

from apps.core.admin import ServiceAdmin

from .logos import logo_prepare
from .models import Sponsor
from .services import sponsor_logo_set, sponsor_save


class SponsorAdminForm(forms.ModelForm):
    """The logo is not a model field of the form: a new file is checked here (a clear field
    error) and stored by `sponsor_logo_set`, never saved as uploaded."""

    logo_upload = forms.FileField(
        label="Logo",
        required=False,
        help_text="PNG, JPEG or SVG, at most 1 MiB and 2000×2000 pixels. It is re-encoded "
        "(PNG, JPEG) or cleaned (SVG) before it is stored.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/svg+xml"}),
    )
    logo_remove = forms.BooleanField(label="Remove the logo", required=False)
    website = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Sponsor
        fields = [
            "name", "slug", "kind", "website", "email", "description", "country", "sponsor_since",
            "active", "contacts",
        ]  # fmt: skip

    def clean_logo_upload(self):
        upload = self.cleaned_data.get("logo_upload")
        if upload:
            logo_prepare(upload)  # raises the ValidationError shown beside the field
        return upload


@admin.register(Sponsor)
class SponsorAdmin(ServiceAdmin):
    form = SponsorAdminForm
    list_display = ["name", "kind", "country", "sponsor_since", "active"]
    list_filter = ["kind", "active", "country"]
    search_fields = ["name", "website", "description"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["logo_preview"]
    filter_horizontal = ["contacts"]

    @admin.display(description="Current logo")
    def logo_preview(self, obj):
        if not obj or not obj.logo:
            return "None"
        return format_html('<img src="{}" alt="" height="80">', obj.logo.url)

    @staticmethod
    def save_service(*, obj, by, changed):
        sponsor_save(sponsor=obj, by=by, changed=changed)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        upload = form.cleaned_data.get("logo_upload")
        if upload:
            sponsor_logo_set(sponsor=obj, upload=upload, by=request.user)
        elif form.cleaned_data.get("logo_remove") and obj.logo:
            sponsor_logo_set(sponsor=obj, upload=None, by=request.user)
