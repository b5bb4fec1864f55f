"""Writes of the infrastructure as YAML: a folder of sponsor, server and mirror documents
read back through each app's services, all or nothing. Every error names its file and line;
a dry run does the same work and rolls it back, so it reports exactly what would change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import DatabaseError, transaction

from apps.core.audit import records_by
from apps.mirrors.models import Mirror, MirrorURL, Netblock
from apps.mirrors.services.moderation import mirror_save, mirror_url_delete, mirror_url_save
from apps.mirrors.services.owners import netblock_add, netblock_remove
from apps.releases.models import Architecture, Image, Release, Repository
from apps.servers.choices import ServerRole
from apps.servers.models import Server
from apps.servers.services import server_save
from apps.sponsors.models import Sponsor
from apps.sponsors.services import sponsor_save

from . import selectors as read

REQUIRED = {"sponsors": ("name", "slug", "kind"), "servers": ("hostname", "country"),
            "mirrors": ("name", "country")}  # fmt: skip
FIELDS = {"sponsors": read.SPONSOR_FIELDS, "servers": read.SERVER_FIELDS,
          "mirrors": read.MIRROR_FIELDS}  # fmt: skip
LISTS = ("roles", "urls", "netblocks", "releases", "architectures", "repositories", "images")
DEFAULTS = {"approval": "pending", "tier": "external", "status": "active"}


@dataclass
class Document:
    """One file: its name (`servers/www.example.org.yaml`), data and the line of each value."""

    path: str
    data: object
    lines: dict = field(default_factory=dict)

    @property
    def folder(self) -> str:
        return self.path.split("/", 1)[0]

    def line(self, *path) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


class InfraImportError(Exception):
    """The folder cannot be imported; `errors` holds "file:line: message" for each fault."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class InfraImportReport:
    changes: list[str] = field(default_factory=list)
    unchanged: int = 0


def _norm(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return sorted(value, key=repr)
    return value


class _Import:
    def __init__(self, by):
        self.by = by
        self.errors: list[str] = []
        self.report = InfraImportReport()

    def failed(self, doc: Document) -> bool:
        return any(e.startswith(f"{doc.path}:") for e in self.errors)

    def fail(self, doc: Document, path: tuple, message: str) -> None:
        self.errors.append(f"{doc.path}:{doc.line(*path)}: {message}")

    def fail_validation(self, doc: Document, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                key = () if name == "__all__" else (name,)
                self.fail(doc, key, f"{name}: {' '.join(messages)}")
        else:
            self.fail(doc, (), " ".join(error.messages))

    def shape(self, doc: Document) -> bool:
        """The document is a mapping of known keys, with the required ones, lists as lists."""
        if not isinstance(doc.data, dict):
            self.fail(doc, (), "expected a mapping of fields")
            return False
        fine = True
        for key in doc.data:
            if key not in FIELDS[doc.folder]:
                self.fail(doc, (key,), f"unknown field {key!r}")
                fine = False
        for key in REQUIRED[doc.folder]:
            if doc.data.get(key) in (None, ""):
                self.fail(doc, (), f"{key}: required")
                fine = False
        for key in LISTS:
            if doc.data.get(key) is not None and not isinstance(doc.data[key], list):
                self.fail(doc, (key,), f"{key}: expected a list")
                fine = False
        return fine

    def note(self, doc: Document, before: dict | None, after: dict) -> list[str]:
        if before is None:
            self.report.changes.append(f"create {doc.path}")
            return list(after)
        changed = [k for k in after if _norm(after[k]) != _norm(before.get(k))]
        if changed:
            self.report.changes.append(f"update {doc.path}: {', '.join(changed)}")
        else:
            self.report.unchanged += 1
        return changed

    def values(self, doc: Document, names) -> dict:
        data = doc.data
        return {k: data.get(k, DEFAULTS.get(k, "")) for k in names if k in data or k in DEFAULTS}

    def lookup(self, doc: Document, key: str, model, **where):
        try:
            return model.objects.get(**where)
        except ObjectDoesNotExist:
            value = next(iter(where.values()))
            self.fail(doc, (key,), f"{key}: no {model._meta.verbose_name} {value!r}")
            return None

    # -- one document each ------------------------------------------------------------

    def sponsor(self, doc: Document) -> None:
        existing = Sponsor.objects.filter(slug=doc.data["slug"]).first()
        before = read._sponsor(existing) if existing else None
        sponsor = existing or Sponsor()
        plain = self.values(doc, read.SPONSOR_FIELDS)
        for key, value in plain.items():
            setattr(sponsor, key, value if value is not None or key == "sponsor_since" else "")
        changed = self.note(doc, before, doc.data)
        if changed:
            sponsor_save(sponsor=sponsor, by=self.by, changed=changed)

    def server(self, doc: Document) -> None:
        data = doc.data
        existing = Server.objects.filter(hostname=data["hostname"]).first()
        before = read._server(existing) if existing else None
        server = existing or Server()
        plain = self.values(doc, set(read.SERVER_FIELDS) - {"sponsor", "roles"})
        for key, value in plain.items():
            setattr(server, key, None if value == "" and key in ("ipv4", "ipv6") else value)
        server.sponsor = None
        if data.get("sponsor"):
            server.sponsor = self.lookup(doc, "sponsor", Sponsor, slug=data["sponsor"])
        roles = data.get("roles") or []
        for index, role in enumerate(roles):
            if role not in ServerRole.values:
                self.fail(doc, ("roles", index), f"roles: unknown role {role!r}")
        changed = self.note(doc, before, data)
        if changed and not self.failed(doc):
            server_save(server=server, by=self.by, changed=changed, roles=roles)

    def mirror(self, doc: Document) -> None:
        data = doc.data
        existing = Mirror.objects.filter(name=data["name"]).first()
        before = read._mirror(existing) if existing else None
        mirror = existing or Mirror()
        relations = {"sponsor", "server", "upstream", *LISTS}
        for key, value in self.values(doc, set(read.MIRROR_FIELDS) - relations).items():
            blank_ok = key in ("latitude", "longitude", "asn", "transfer_quota_gb")
            setattr(mirror, key, value if value is not None or blank_ok else "")
        mirror.sponsor = mirror.server = None
        if data.get("sponsor"):
            mirror.sponsor = self.lookup(doc, "sponsor", Sponsor, slug=data["sponsor"])
        if data.get("server"):
            mirror.server = self.lookup(doc, "server", Server, hostname=data["server"])
        carried = self.carried(doc)
        changed = self.note(doc, before, data)
        if not changed or self.failed(doc):
            return
        if existing is None:
            mirror.upstream = None  # set once every mirror exists (self.upstream)
        mirror_save(mirror=mirror, by=self.by, changed=changed)
        for key, objects in carried.items():
            getattr(mirror, key).set(objects)
        self.urls(doc, mirror)
        self.netblocks(doc, mirror)

    def carried(self, doc: Document) -> dict[str, list]:
        found = {}
        kinds = {"releases": (Release, "version"), "architectures": (Architecture, "name"),
                 "repositories": (Repository, "name")}  # fmt: skip
        for key, (model, attribute) in kinds.items():
            wanted = [str(v) for v in doc.data.get(key) or []]
            known = {str(getattr(o, attribute)): o for o in model.objects.filter(
                **{f"{attribute}__in": wanted})}  # fmt: skip
            for index, value in enumerate(wanted):
                if value not in known:
                    self.fail(doc, (key, index), f"{key}: no {model._meta.verbose_name} {value!r}")
            found[key] = list(known.values())
        images = Image.objects.select_related("release", "architecture")
        by_key = {}
        for index, value in enumerate(doc.data.get("images") or []):
            parts = str(value).split("/", 2)
            image = None
            if len(parts) == 3:
                image = images.filter(
                    release__version=parts[0], architecture__name=parts[1], name=parts[2]
                ).first()
            if image is None:
                self.fail(doc, ("images", index), f"images: no image {value!r} (release/arch/name)")
            else:
                by_key[value] = image
        found["images"] = list(by_key.values())
        return found

    def urls(self, doc: Document, mirror: Mirror) -> None:
        wanted = doc.data.get("urls") or []
        keep = set()
        for index, entry in enumerate(wanted):
            if not isinstance(entry, dict) or not entry.get("url"):
                self.fail(doc, ("urls", index), "urls: each needs at least a url")
                continue
            url = MirrorURL.objects.filter(mirror=mirror, url=entry["url"]).first()
            url = url or MirrorURL(mirror=mirror, url=entry["url"])
            url.protocol = entry.get("protocol") or entry["url"].split(":", 1)[0]
            url.ipv4, url.ipv6 = entry.get("ipv4", True), entry.get("ipv6", False)
            try:
                with transaction.atomic():
                    mirror_url_save(mirror_url=url, by=self.by)
                keep.add(url.pk)
            except ValidationError as error:
                for messages in error.message_dict.values():
                    self.fail(doc, ("urls", index), f"urls: {' '.join(messages)}")
        for url in mirror.urls.exclude(pk__in=keep):
            mirror_url_delete(mirror_url=url, by=self.by)

    def netblocks(self, doc: Document, mirror: Mirror) -> None:
        wanted = [str(c) for c in doc.data.get("netblocks") or []]
        have = {n.cidr: n for n in Netblock.objects.filter(mirror=mirror)}
        kept = set()
        for index, cidr in enumerate(wanted):
            try:
                with transaction.atomic():
                    kept.add(cidr if cidr in have else netblock_add(
                        mirror=mirror, cidr=cidr, by=self.by).cidr)  # fmt: skip
            except ValidationError as error:
                self.fail(doc, ("netblocks", index), f"netblocks: {' '.join(error.messages)}")
        for cidr, netblock in have.items():
            if cidr not in kept:
                netblock_remove(netblock=netblock, by=self.by)

    def upstream(self, doc: Document) -> None:
        mirror = Mirror.objects.get(name=doc.data["name"])
        name = doc.data.get("upstream")
        upstream = self.lookup(doc, "upstream", Mirror, name=name) if name else None
        if name and upstream is None:
            return  # the lookup said why
        if mirror.upstream_id == (upstream.pk if upstream else None):
            return
        mirror.upstream = upstream
        mirror_save(mirror=mirror, by=self.by, changed=["upstream"])

    def run(self, documents: list[Document]) -> None:
        for doc in documents:
            if doc.folder not in FIELDS:
                self.fail(doc, (), f"not in one of the folders {', '.join(FIELDS)}")
        shaped = [d for d in documents if d.folder in FIELDS and self.shape(d)]
        steps = [("sponsors", self.sponsor), ("servers", self.server), ("mirrors", self.mirror),
                 ("mirrors", self.upstream)]  # fmt: skip
        for folder, step in steps:
            for doc in (d for d in shaped if d.folder == folder):
                try:
                    with transaction.atomic():
                        step(doc)
                except ValidationError as error:
                    self.fail_validation(doc, error)
                except (DatabaseError, ValueError, TypeError) as error:
                    self.fail(doc, (), f"cannot be saved: {error}")


@records_by
def infra_import(*, documents: list[Document], by=None, dry_run: bool = False):
    """Create or update the sponsors, servers and mirrors the documents describe (nothing
    is deleted), all or nothing: any error raises InfraImportError with every fault found,
    and nothing is kept. `dry_run` rolls back even a clean import."""
    work = _Import(by)
    with transaction.atomic():
        work.run(sorted(documents, key=lambda d: d.path))
        if work.errors or dry_run:
            transaction.set_rollback(True)
    if work.errors:
        raise InfraImportError(work.errors)
    return work.report
