import factory
from django.utils.text import slugify

from ..choices import SponsorKind
from ..models import Sponsor


class SponsorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sponsor

    name = factory.Sequence(lambda n: f"University of Example {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    kind = SponsorKind.UNIVERSITY
    website = factory.LazyAttribute(lambda o: f"https://{o.slug}.example.org/")
    country = "GB"
    description = "Gives **bandwidth** and servers."
