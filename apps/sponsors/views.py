"""The sponsor list, by kind, a sponsor's promotion page and the page where a sponsor changes
its logo. The promotion page shows what delivery counted for the sponsor's countries and its
partner entry too: parts those apps add (apps.core.page_parts; sponsors imports neither)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from apps.core.page_parts import page_parts
from apps.mirrors.selectors.pages import mirrors_bandwidth_share

from .filters import SponsorFilterSet
from .forms import SponsorLogoForm
from .models import Sponsor
from .selectors import sponsor_contribution, sponsor_editable_by, sponsor_groups, sponsor_list
from .services import sponsor_logo_set


def sponsor_index(request):
    filterset = SponsorFilterSet(request.GET, queryset=sponsor_list(active_only=False))
    sponsors = list(filterset.qs) if filterset.is_valid() else []
    context = {"filter": filterset, "sponsors": sponsors, "groups": sponsor_groups(sponsors)}
    return render(request, "sponsors/sponsor_list.html", context)


def sponsor_page(request, slug: str):
    sponsor = get_object_or_404(Sponsor.objects.active(), slug=slug)
    contribution = sponsor_contribution(sponsor)
    parts = page_parts("sponsors:detail", sponsor=sponsor, countries=contribution["country_codes"])
    usage = parts.get("usage")
    share = mirrors_bandwidth_share(
        mirror_ids=[m.pk for m in contribution["mirrors"]], countries=contribution["country_codes"]
    )
    if share is not None and usage is not None:  # what the lists' weights send its mirrors
        share["answers"] = round(usage["total"] * share["ratio"])
    context = {
        "answer_share": share,
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
