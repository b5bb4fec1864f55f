"""The sponsor list, by kind, a sponsor's promotion page and the pages where a sponsor's
contact edits that page and its logo. The promotion page shows what delivery counted for
the sponsor's countries and mirrors and its partner entry too: parts those apps add
(apps.core.page_parts; sponsors imports neither)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from apps.core.page_parts import page_parts

from .filters import SponsorFilterSet
from .forms import SponsorLogoForm, SponsorPageForm
from .models import Sponsor
from .selectors import sponsor_contribution, sponsor_editable_by, sponsor_groups, sponsor_list
from .services import PAGE_FIELDS, sponsor_logo_set, sponsor_page_update


def sponsor_index(request):
    filterset = SponsorFilterSet(request.GET, queryset=sponsor_list(active_only=False))
    sponsors = list(filterset.qs) if filterset.is_valid() else []
    context = {"filter": filterset, "sponsors": sponsors, "groups": sponsor_groups(sponsors)}
    return render(request, "sponsors/sponsor_list.html", context)


def sponsor_page(request, slug: str):
    sponsor = get_object_or_404(Sponsor.objects.active(), slug=slug)
    contribution = sponsor_contribution(sponsor)
    parts = page_parts(
        "sponsors:detail",
        sponsor=sponsor,
        countries=contribution["country_codes"],
        mirror_ids=[m.pk for m in contribution["mirrors"]],
    )
    context = {
        "answer_share": None,  # unless delivery's part estimates it
        "sponsor": sponsor,
        **contribution,
        **parts,
        "can_edit": sponsor_editable_by(sponsor=sponsor, user=request.user),
    }
    return render(request, "sponsors/sponsor_detail.html", context)


@login_required
def sponsor_logo_edit(request, slug: str):
    sponsor = get_object_or_404(Sponsor.objects.active(), slug=slug)
    if not sponsor_editable_by(sponsor=sponsor, user=request.user):
        raise PermissionDenied("Only the sponsor's contacts and the staff change its logo.")
    form = SponsorLogoForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            sponsor_logo_set(sponsor=sponsor, upload=form.cleaned_data["logo"], by=request.user)
        except ValidationError as error:
            form.add_error("logo", error.message_dict["logo"])
        else:
            messages.success(request, "The new logo is on the page.")
            return redirect(sponsor)
    return render(request, "sponsors/sponsor_logo.html", {"sponsor": sponsor, "form": form})


def _managed_sponsor(request, slug: str) -> Sponsor:
    sponsor = get_object_or_404(Sponsor.objects.active(), slug=slug)
    if not sponsor_editable_by(sponsor=sponsor, user=request.user):
        raise PermissionDenied("Only the sponsor's contacts and the staff edit its page.")
    return sponsor


@login_required
def sponsor_page_edit(request, slug: str):
    sponsor = _managed_sponsor(request, slug)
    copy = Sponsor.objects.get(pk=sponsor.pk)  # the form's: the heading keeps the saved name
    form = SponsorPageForm(request.POST or None, request.FILES or None, instance=copy)
    if not sponsor.logo:
        del form.fields["remove_logo"]  # nothing to remove
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sponsor_page_update(
                sponsor=sponsor,
                by=request.user,
                logo=data.get("logo") or None,
                remove_logo=data.get("remove_logo", False),
                **{name: data[name] for name in PAGE_FIELDS},
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Your page is saved; this is how people see it.")
            return redirect(sponsor)
    return render(request, "sponsors/sponsor_edit.html", {"sponsor": sponsor, "form": form})
