import datetime as dt

import factory
from django.utils import timezone
from django.utils.text import slugify

from ..choices import PartnerStatus
from ..models import Partner, PartnerCountry, PartnerKindOffered, PartnerLanguage


class PartnerFactory(factory.django.DjangoModelFactory):
    """An approved, listed partner; `kinds`, `countries`, `languages` as lists of codes."""

    class Meta:
        model = Partner
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Example Consulting {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    website = "https://partner.example/"
    contact_name = "Ada"
    contact_email = factory.LazyAttribute(lambda o: f"contact@{o.slug}.example")
    description = "We run **CentOS** for you."
    status = PartnerStatus.APPROVED
    approved_until = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=200))

    @factory.post_generation
    def kinds(self, create, extracted, **kwargs):
        for kind in extracted or ["support"]:
            PartnerKindOffered.objects.create(partner=self, kind=kind)

    @factory.post_generation
    def countries(self, create, extracted, **kwargs):
        for code in extracted or ["DE"]:
            PartnerCountry.objects.create(partner=self, country=code)

    @factory.post_generation
    def languages(self, create, extracted, **kwargs):
        for code in extracted or ["en"]:
            PartnerLanguage.objects.create(partner=self, language=code)
