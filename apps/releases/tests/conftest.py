"""Fixtures of the lifecycle tests: a release with two primary architectures and one
secondary, the teams' people with their tokens, and an API caller that uses them."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from apps.releases.choices import ArchitectureTier, ReleaseStatus, RepositoryKind, Team

from .factories import ArchitectureFactory, ReleaseFactory, RepositoryFactory, team_member


@dataclass
class Api:
    client: object
    keys: dict

    def call(self, method: str, path: str, who: str | None = None, data=None):
        headers = {"HTTP_AUTHORIZATION": f"Token {self.keys[who]}"} if who else {}
        body = json.dumps(data) if data is not None else None
        response = getattr(self.client, method)(
            "/api/v1/" + path, body, content_type="application/json", **headers
        )
        return response.status_code, (response.json() if response.content else None)

    def post(self, path, who=None, data=None):
        return self.call("post", path, who, data if data is not None else {})

    def get(self, path, who=None):
        return self.call("get", path, who)


@pytest.fixture
def people(db):
    """qa, dev, both (QA and developers), releng, anyone (no team), staff."""
    return {
        "qa": team_member("quinn", Team.QA),
        "dev": team_member("devi", Team.DEVELOPERS),
        "both": team_member("bo", Team.QA, Team.DEVELOPERS),
        "releng": team_member("rel", Team.RELEASE_ENGINEERING),
        "anyone": team_member("ann"),
        "staff": team_member("ops", is_staff=True),
    }


@pytest.fixture
def api(client, people) -> Api:
    return Api(client, {name: key for name, (_user, key) in people.items()})


@pytest.fixture
def planned(db):
    """Release 5.1, planned: x86_64 and i386 primary, ppc secondary; os (base) and updates.
    5.0 is the public release before it."""
    os_repo = RepositoryFactory(name="os", kind=RepositoryKind.BASE)
    updates = RepositoryFactory(name="updates", kind=RepositoryKind.UPDATES)
    archs = {name: ArchitectureFactory(name=name) for name in ("x86_64", "i386", "ppc")}
    previous = ReleaseFactory(version="5.0", major=5, minor=0, status=ReleaseStatus.CURRENT)
    release = ReleaseFactory(version="5.1", major=5, minor=1, status=ReleaseStatus.PLANNED)
    for r in (previous, release):
        r.repositories.set([os_repo, updates])
        r.architectures.add(archs["x86_64"], archs["i386"])
    release.architectures.add(archs["ppc"], through_defaults={"tier": ArchitectureTier.SECONDARY})
    return release
