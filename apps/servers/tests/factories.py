import factory

from apps.sponsors.tests.factories import SponsorFactory

from ..choices import ServerRole, ServerStatus
from ..models import Role, Server


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role
        django_get_or_create = ["name"]

    name = ServerRole.WEBSITE


class ServerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Server
        skip_postgeneration_save = True  # roles.set() saves the many-to-many itself

    hostname = factory.Sequence(lambda n: f"server{n}.example.org")
    ipv4 = factory.Sequence(lambda n: f"192.0.2.{n % 250 + 1}")
    sponsor = factory.SubFactory(SponsorFactory)
    country = "US"
    city = "Dallas"
    status = ServerStatus.ACTIVE
    bandwidth_mbps = 1000

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.roles.set([RoleFactory(name=name) for name in extracted])
