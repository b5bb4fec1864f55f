import factory
from django.utils import timezone

from ..choices import ImageKind, ReleaseStatus
from ..models import Architecture, Image, Release, Repository, RepositoryVersion


class ArchitectureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Architecture
        django_get_or_create = ["name"]

    name = "x86_64"


class RepositoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Repository
        django_get_or_create = ["name"]

    name = "os"


class ReleaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Release
        django_get_or_create = ["version"]

    major = 5
    minor = factory.Sequence(lambda n: n)
    version = factory.LazyAttribute(lambda o: f"{o.major}.{o.minor}")
    status = ReleaseStatus.CURRENT


class RepositoryVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RepositoryVersion

    release = factory.SubFactory(ReleaseFactory)
    repository = factory.SubFactory(RepositoryFactory)
    architecture = factory.SubFactory(ArchitectureFactory)
    timestamp = factory.Sequence(lambda n: 1_170_000_000 + n * 3600)
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    size = 2048
    published_at = factory.LazyFunction(timezone.now)


class ImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Image

    release = factory.SubFactory(ReleaseFactory)
    architecture = factory.SubFactory(ArchitectureFactory)
    kind = ImageKind.DVD
    name = factory.LazyAttribute(
        lambda o: f"CentOS-{o.release.version}-{o.architecture.name}-bin-DVD.iso"
    )
    size = 1024 * 1024
    sha256 = factory.Sequence(lambda n: f"{n + 7:064x}")


def team_member(username: str, *teams: str, **fields):
    """A person in the given teams (the groups the data migration created), with an API
    token: (user, key)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from apps.core.tokens import token_issue

    user = get_user_model().objects.create_user(username, password="pw-for-tests", **fields)
    for team in teams:
        user.groups.add(Group.objects.get_or_create(name=team)[0])
    _token, key = token_issue(user=user, name="tests")
    return user, key
