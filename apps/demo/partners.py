"""Demo partners: a few approved organisations of the partner network (one of them also a
sponsor), one whose approval lapses within the month, and one application waiting."""

from __future__ import annotations

import datetime as dt

from apps.partners.models import Partner, PartnerCountry, PartnerKindOffered, PartnerLanguage
from apps.sponsors.models import Sponsor

# name, kinds, countries, languages, days its approval has left (None: waiting for review)
PARTNERS = (
    ("Nordic Linux Support AB", ("support", "consulting"), ("SE", "NO", "DK", "FI"),
     ("sv", "en"), 300),
    ("Rheinland Schulungen GmbH", ("training",), ("DE", "AT", "CH"), ("de",), 20),
    ("Pacific Hosting Partners", ("hosting", "support"), ("AU", "NZ", "SG", "JP"),
     ("en", "ja"), 200),
    ("Consultoria Aberta Ltda", ("consulting", "training"), ("BR", "PT"), ("pt", "es"), 150),
    ("Sahel Systems", ("support", "hosting"), ("SN", "ML", "CI"), ("fr",), None),
)  # fmt: skip


def demo_partners_load(*, today: dt.date) -> int:
    """Write the demo partners (idempotent); the first approved one is the first hosting
    sponsor's partner, so the two pages link to each other."""
    sponsor = Sponsor.objects.filter(kind="hosting").order_by("name").first()
    for n, (name, kinds, countries, languages, days_left) in enumerate(PARTNERS):
        slug = name.lower().replace(" ", "-").replace(".", "")
        partner, _ = Partner.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name, "website": f"https://{slug}.example/", "contact_name": "Demo",
                "contact_email": f"partners@{slug}.example",
                "description": f"**{name}** works with the distribution every day.\n\n"
                "- certified administrators\n- answers within a working day",
                "status": "pending" if days_left is None else "approved",
                "approved_until": None if days_left is None else today + dt.timedelta(days_left),
                "sponsor": sponsor if n == 2 else None,
            },
        )  # fmt: skip
        for model, field, values in ((PartnerKindOffered, "kind", kinds),
                                     (PartnerCountry, "country", countries),
                                     (PartnerLanguage, "language", languages)):  # fmt: skip
            model.objects.filter(partner=partner).delete()
            model.objects.bulk_create([model(partner=partner, **{field: v}) for v in values])
    return len(PARTNERS)
