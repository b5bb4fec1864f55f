"""The volunteers' forms: register or edit a mirror, maintenance windows, notification
preferences and co-owner invites. They validate; the services in services/registration.py
and services/owners.py write."""

from __future__ import annotations

import asyncio
import inspect
import socket
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.html import format_html
from django_countries import countries
from django_countries.fields import LazyTypedChoiceField

from apps.core.forms import ModelChoiceField, ModelMultipleChoiceField
from apps.core.hostnames import ip_literal
from apps.core.http import TargetPolicy, idna_host
from apps.core.http.targets import Failure
from apps.releases.choices import RepositoryKind
from apps.releases.models import Architecture, Image, Release, Repository

from .choices import Protocol
from .models import Mirror, MirrorURL, validate_netblock
from .models.network import NOTIFY_EVENTS
from .registration_help import suggestion_for, url_help
from .services.registration import MirrorDetails
from .validators import mirror_name_validate, mirror_url_validate

DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21, "rsync": 873}
HTTP_URL_NEEDED = (
    "Give an HTTP or HTTPS URL: that is what yum and dnf use, and what the checks test."
)
NOTIFY_LABELS = {
    "down": "It goes down",
    "recovered": "It is back up",
    "stale": "It falls behind the master for two days",
    "suspended": "The checks suspend it after failing many times",
    "moderation": "The admins approve, reject, disable or enable it",
}


def _resolve(host: str, port: int) -> list[str]:
    """The host's addresses, by the resolver the checks use (a test's, or the system's)."""
    resolver = getattr(settings, "MIRROR_CHECK_RESOLVER", None)
    if resolver is None:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(info[4][0] for info in infos))
    answer = resolver(host, port)
    if inspect.isawaitable(answer):
        answer = asyncio.run(answer)
    return list(answer)


def url_host_check(url: str) -> None:
    """Refuse a URL whose host does not resolve, or resolves to an address the checks may
    not probe (loopback, private, link-local...: the SSRF rules of apps.core.http)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").strip("[]")
    try:
        ascii_host = idna_host(host)
    except Failure as exc:
        raise ValidationError(f"{host} is not a valid host name.", code="host") from exc
    port = parts.port or DEFAULT_PORTS.get(parts.scheme, 80)
    if ip_literal(ascii_host) is not None:
        addresses = [ascii_host]  # an address is checked as it is, as the checks do
    else:
        try:
            addresses = _resolve(ascii_host, port)
        except (OSError, UnicodeError):
            addresses = []
    if not addresses:
        raise ValidationError(
            f"The host name {host} does not resolve: check its spelling, or its DNS records.",
            code="dns",
        )
    policy = TargetPolicy.from_settings()
    for address in addresses:
        if not policy.address_allowed(address):
            shown = host if host == address else f"{host} ({address})"
            raise ValidationError(
                f"{shown} is a private, loopback or otherwise non-public address: the checks "
                "and the people sent to the mirror could not reach it.",
                code="private",
            )


def mirror_url_clean(value: str, protocol: str, *, mirror: Mirror | None = None) -> str:
    """One URL of a mirror by the web form's rules, which the API shares: well formed for
    its protocol, no other mirror's, and on a host that resolves to public addresses.
    Returns the normalised URL or raises the ValidationError the form shows."""
    url = mirror_url_validate(value, protocol)
    others = MirrorURL.objects.filter(url=url)
    if mirror is not None:
        others = others.exclude(mirror=mirror)
    if others.exists():
        raise ValidationError("Another mirror already has this URL.", code="taken")
    url_host_check(url)
    return url


class CheckboxesField(ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class MirrorForm(forms.Form):
    """Register a mirror, or edit one (`instance`): who runs it, its URLs, what it carries,
    where it syncs from and whom it prefers to serve."""

    name = forms.CharField(max_length=253, help_text="Usually its host name.")
    organisation = forms.CharField(max_length=200, required=False)
    # No default: a first country in the list would silently pick an upstream for it.
    country = LazyTypedChoiceField(choices=lambda: [("", "Choose its country"), *countries])
    contact_email = forms.EmailField(
        label="Contact email", help_text="Where the checks' emails go (besides yours)."
    )
    bandwidth_mbps = forms.IntegerField(
        label="Bandwidth (Mbit/s)", min_value=1, max_value=1_000_000, initial=100,
        help_text="Its weight in the mirror lists.",
    )  # fmt: skip
    transfer_quota_gb = forms.IntegerField(
        label="Monthly transfer quota (GB)", min_value=1, max_value=100_000_000, required=False,
        help_text="If your host limits what it may send in a month. Near it the mirror gets "
        "less weight; over it, it leaves the lists until the month turns. Empty: no quota.",
    )  # fmt: skip
    url_http = forms.CharField(label="HTTP URL", required=False, max_length=500)
    url_https = forms.CharField(label="HTTPS URL", required=False, max_length=500)
    url_ftp = forms.CharField(label="FTP URL", required=False, max_length=500)
    url_rsync = forms.CharField(label="rsync URL", required=False, max_length=500)
    ipv4 = forms.BooleanField(label="Serves over IPv4", required=False, initial=True)
    ipv6 = forms.BooleanField(label="Serves over IPv6", required=False)
    releases = CheckboxesField(
        queryset=Release.objects.none(), required=False, help_text="None ticked: all of them."
    )
    architectures = CheckboxesField(
        queryset=Architecture.objects.none(), required=False, help_text="None ticked: all."
    )
    repositories = CheckboxesField(
        queryset=Repository.objects.none(), required=False, help_text="None ticked: all."
    )
    repository_kinds = forms.MultipleChoiceField(
        label="Kinds of repository", choices=RepositoryKind.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="It is listed only for repositories of the kinds it carries. None ticked: all.",
    )  # fmt: skip
    images = CheckboxesField(
        label="ISO images", queryset=Image.objects.none(), required=False,
        help_text="None ticked: every image of the releases and architectures it carries.",
    )  # fmt: skip
    # The empty choice is the suggestion for the country submitted, recomputed on every
    # render; upstream_shown holds the suggestion the page showed, so that what is saved is
    # what the volunteer saw (the web form only: confirm_suggestion=True).
    upstream = ModelChoiceField(
        label="Syncs from", queryset=Mirror.objects.none(), required=False,
        empty_label="The suggestion for its country",
    )  # fmt: skip
    upstream_shown = forms.CharField(required=False, widget=forms.HiddenInput)
    netblocks = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False,
        help_text="Networks it prefers to serve, one per line, such as 192.0.2.0/24.",
    )  # fmt: skip
    asn = forms.IntegerField(
        label="ASN", required=False, min_value=1, max_value=4_294_967_295,
        help_text="The autonomous system it prefers to serve.",
    )  # fmt: skip

    # What the API names releases, architectures, repositories and the upstream by
    # (by_name=True); the web form sends their ids.
    NAMES = {"releases": "version", "architectures": "name", "repositories": "name",
             "upstream": "name"}  # fmt: skip

    def __init__(
        self, *args, instance: Mirror | None = None, by_name: bool = False,
        confirm_suggestion: bool = False, **kwargs,
    ):  # fmt: skip
        self.instance = instance
        self.confirm_suggestion = confirm_suggestion
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(instance)
        super().__init__(*args, **kwargs)
        self.fields["releases"].queryset = Release.objects.served_by_mirrors()
        self.fields["architectures"].queryset = Architecture.objects.all()
        self.fields["repositories"].queryset = Repository.objects.all()
        self.fields["images"].queryset = Image.objects.filter(
            release__in=Release.objects.served_by_mirrors()
        ).select_related("release", "architecture")
        upstreams = Mirror.objects.internal().approved()
        self.fields["upstream"].queryset = upstreams.order_by("country", "name")
        if by_name:
            for name, to_field in self.NAMES.items():
                self.fields[name].to_field_name = to_field
        self.fields["architectures"].queryset = Architecture.objects.filter(
            releases__in=Release.objects.served_by_mirrors()
        ).distinct()
        country = self.data.get(self.add_prefix("country")) or self.initial.get("country")
        # Only a string can name a country (an API's JSON may send a list or a number: the
        # field's own validation says what is wrong with it).
        self.suggestion = suggestion_for(country if isinstance(country, str) else None)
        self.fields["upstream"].empty_label = self.suggestion.label
        self.fields["upstream"].help_text = format_html("{}", self.suggestion.help)
        # as typed: bound, or given back by the "Suggest" and "Test this URL" buttons
        url = (self.data.get(self.add_prefix("url_https")) or self.data.get(
            self.add_prefix("url_http")
        )) or self.initial.get("url_https") or self.initial.get("url_http")  # fmt: skip
        self.fields["url_http"].help_text = url_help(url if isinstance(url, str) else None)
        self.shown_before = str(self.data.get(self.add_prefix("upstream_shown"), ""))
        shown = str(self.suggestion.mirror_id or "")
        self.initial["upstream_shown"] = shown
        if self.is_bound and confirm_suggestion:  # the next render shows the new suggestion
            self.data = self.data.copy()
            self.data[self.add_prefix("upstream_shown")] = shown

    @staticmethod
    def initial_for(mirror: Mirror) -> dict:
        urls: dict[str, MirrorURL] = {}
        for url in mirror.urls.order_by("pk"):
            urls.setdefault(url.protocol, url)
        first = next(iter(urls.values()), None)
        return {
            **{name: getattr(mirror, name) for name in ("name", "organisation", "contact_email",
                                                         "bandwidth_mbps", "asn",
                                                         "transfer_quota_gb")},
            "country": str(mirror.country),
            **{f"url_{p}": u.url for p, u in urls.items()},
            "ipv4": first.ipv4 if first else True,
            "ipv6": first.ipv6 if first else False,
            "releases": list(mirror.releases.all()),
            "architectures": list(mirror.architectures.all()),
            "repositories": list(mirror.repositories.all()),
            "repository_kinds": list(mirror.repository_kinds),
            "images": list(mirror.images.all()),
            "upstream": mirror.upstream_id,
            "netblocks": "\n".join(mirror.netblocks.values_list("cidr", flat=True)),
        }  # fmt: skip

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        mirror_name_validate(name)
        others = Mirror.objects.filter(name__iexact=name)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError("A mirror with this name is already registered.")
        return name

    def _url_clean(self, protocol: str) -> str:
        value = self.cleaned_data.get(f"url_{protocol}", "").strip()
        if not value:
            return ""
        return mirror_url_clean(value, protocol, mirror=self.instance)

    def clean_url_http(self) -> str:
        return self._url_clean(Protocol.HTTP)

    def clean_url_https(self) -> str:
        return self._url_clean(Protocol.HTTPS)

    def clean_url_ftp(self) -> str:
        return self._url_clean(Protocol.FTP)

    def clean_url_rsync(self) -> str:
        return self._url_clean(Protocol.RSYNC)

    def clean_netblocks(self) -> list[str]:
        blocks = []
        for line in self.cleaned_data.get("netblocks", "").splitlines():
            if line.strip():
                validate_netblock(line.strip())
                blocks.append(line.strip())
        return blocks

    def clean_upstream(self):
        upstream = self.cleaned_data.get("upstream")
        if upstream is not None and self.instance is not None and upstream.pk == self.instance.pk:
            raise ValidationError("A mirror cannot sync from itself.")
        return upstream

    def clean(self):
        data = super().clean()
        http_fields = ("url_http", "url_https")
        if not any(data.get(f) for f in http_fields) and not any(
            f in self.errors for f in http_fields
        ):
            self.add_error("url_http", HTTP_URL_NEEDED)
        if not data.get("ipv4") and not data.get("ipv6"):
            self.add_error("ipv4", "It must serve over IPv4, IPv6 or both.")
        if self.confirm_suggestion and data.get("upstream") is None and data.get("country"):
            self._suggestion_confirm(data)
        return data

    def _suggestion_confirm(self, data: dict) -> None:
        """The empty choice saves the suggestion the page showed, and only that one: when the
        country changed (without the page's script) or the suggestion moved meanwhile, the
        form comes back with the new suggestion in the list to look at before saving."""
        suggestion = self.suggestion
        if str(suggestion.mirror_id or "") != self.shown_before:
            if suggestion.mirror_id is None:
                return  # nothing to suggest: the admins choose
            self.add_error("upstream", format_html(
                "For {} we suggest {}: it is now the first choice below. Save again to "
                "keep it, or pick another.", countries.name(suggestion.country), suggestion.name,
            ))  # fmt: skip
            return
        if suggestion.mirror_id is not None:
            data["upstream"] = Mirror.objects.get(pk=suggestion.mirror_id)

    def details(self) -> MirrorDetails:
        data = self.cleaned_data
        return MirrorDetails(
            name=data["name"], organisation=data["organisation"], country=data["country"],
            contact_email=data["contact_email"], bandwidth_mbps=data["bandwidth_mbps"],
            urls={p: data[f"url_{p}"] for p in Protocol.values if data.get(f"url_{p}")},
            ipv4=data["ipv4"], ipv6=data["ipv6"], releases=data["releases"],
            architectures=data["architectures"], repositories=data["repositories"],
            images=data["images"], upstream=data["upstream"], netblocks=data["netblocks"],
            asn=data["asn"], transfer_quota_gb=data.get("transfer_quota_gb"),
            # None ticked: every kind, in the choices' order.
            repository_kinds=[k for k in RepositoryKind.values
                              if k in (data.get("repository_kinds") or RepositoryKind.values)],
        )  # fmt: skip


class MaintenanceWindowForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="Out from (UTC)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Such as 2026-12-04 22:00.",
    )  # fmt: skip
    ends_at = forms.DateTimeField(
        label="Back at (UTC)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    note = forms.CharField(max_length=200, required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", "The window must end after it starts.")
        return data


class NotifyForm(forms.Form):
    events = forms.MultipleChoiceField(
        label="Email us when", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(e, NOTIFY_LABELS.get(e, e)) for e in NOTIFY_EVENTS],
    )  # fmt: skip
    addresses = forms.CharField(
        label="Also send them to", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Email addresses, one per line.",
    )  # fmt: skip

    def clean_addresses(self) -> list[str]:
        addresses, bad = [], []
        for line in self.cleaned_data.get("addresses", "").splitlines():
            if not line.strip():
                continue
            try:
                validate_email(line.strip())
            except ValidationError:
                bad.append(line.strip())
            addresses.append(line.strip())
        if bad:
            raise ValidationError(f"Not an email address: {', '.join(bad)}.")
        return addresses


class InviteForm(forms.Form):
    email = forms.EmailField(help_text="They get a link to accept once logged in.")
