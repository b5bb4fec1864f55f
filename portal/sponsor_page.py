"""A sponsor's promotion page: what the sponsors app knows of it (servers, mirrors, traffic)
and what delivery counted for the countries its mirrors are in. Composed here because
sponsors and delivery sit side by side and import neither the other."""

from django.shortcuts import get_object_or_404, render

from apps.core.charts import bar_chart, count_label
from apps.delivery.answer_share import answers_to_mirrors
from apps.delivery.usage_read import usage_from_countries
from apps.partners.selectors import partner_for_sponsor
from apps.sponsors.models import Sponsor
from apps.sponsors.selectors import sponsor_contribution, sponsor_editable_by


def sponsor_page(request, slug: str):
    sponsor = get_object_or_404(Sponsor.objects.active(), slug=slug)
    contribution = sponsor_contribution(sponsor)
    usage = usage_from_countries(countries=contribution["country_codes"])
    # Which answers named its mirrors first: estimated from the snapshot's draw weights and
    # the answers counted per country (the front counts no mirror; apps/delivery/answer_share).
    share = answers_to_mirrors(mirror_ids=[m.pk for m in contribution["mirrors"]])
    if share is not None:
        share["chart"] = bar_chart(share["days"], unit=count_label)
        share["percent"] = round(100 * share["estimated"] / share["counted"], 1)
        share["span"] = f"{share['since']:%-d %b %Y} to {share['until']:%-d %b %Y}"
    context = {
        "answer_share": share,
        "sponsor": sponsor,
        **contribution,
        "usage": usage,
        "partner": partner_for_sponsor(sponsor),
        "can_edit": sponsor_editable_by(sponsor=sponsor, user=request.user),
    }
    return render(request, "sponsors/sponsor_detail.html", context)
