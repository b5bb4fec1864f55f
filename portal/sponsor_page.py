"""A sponsor's promotion page: what the sponsors app knows of it (servers, mirrors, traffic)
and what delivery counted for the countries its mirrors are in. Composed here because
sponsors and delivery sit side by side and import neither the other."""

from django.shortcuts import get_object_or_404, render

from apps.delivery.selectors import usage_from_countries
from apps.mirrors.selectors.pages import mirrors_bandwidth_share
from apps.partners.selectors import partner_for_sponsor
from apps.sponsors.models import Sponsor
from apps.sponsors.selectors import sponsor_contribution, sponsor_editable_by


def sponsor_page(request, slug: str):
    sponsor = get_object_or_404(Sponsor.objects.active(), slug=slug)
    contribution = sponsor_contribution(sponsor)
    usage = usage_from_countries(countries=contribution["country_codes"])
    share = mirrors_bandwidth_share(
        mirror_ids=[m.pk for m in contribution["mirrors"]], countries=contribution["country_codes"]
    )
    if share is not None:  # what the lists' bandwidth weights send its mirrors, about
        share["answers"] = round(usage["total"] * share["ratio"])
    context = {
        "answer_share": share,
        "sponsor": sponsor,
        **contribution,
        "usage": usage,
        "partner": partner_for_sponsor(sponsor),
        "can_edit": sponsor_editable_by(sponsor=sponsor, user=request.user),
    }
    return render(request, "sponsors/sponsor_detail.html", context)
