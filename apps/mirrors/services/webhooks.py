"""Owners told where they already are: each event of a mirror (down, back, behind,
suspended, approved) is POSTed as signed JSON to its webhooks, retried with backoff, every
attempt kept for the owner's page. The targets follow the checks' address policy (no
private or loopback address outside MIRROR_CHECK_ALLOW_NETWORKS), checked at each attempt.

A receiver checks `X-Portal-Signature-256: sha256=<hex>`, the HMAC-SHA256 of the raw body
with the webhook's secret (shown to its owner), as GitHub's webhooks are checked."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from apps.core.audit import records_by
from apps.core.http import FetchError, SafeClient, TargetPolicy
from apps.core.http.targets import target_parse
from apps.core.services import who

from ..checks.engine import loop_run
from ..models import Mirror, MirrorWebhook, WebhookDelivery
from ..signals import webhook_deliveries_recorded

logger = logging.getLogger(__name__)

EVENTS = ("down", "back", "behind", "suspended", "maintenance_start", "maintenance_end",
          "approved", "unreachable_from")  # fmt: skip
NOTICE_EVENTS = {"down": "down", "recovered": "back", "stale": "behind", "suspended": "suspended"}
SIGNATURE_HEADER = "X-Portal-Signature-256"


@records_by
@transaction.atomic
def webhook_add(*, mirror: Mirror, url: str, by=None) -> MirrorWebhook:
    """A webhook for the mirror: an http(s) URL whose host is not a forbidden address
    (a name is checked again at every delivery: its answer may change)."""
    url = url.strip()
    URLValidator(schemes=["http", "https"])(url)
    if mirror.webhooks.count() >= settings.MIRROR_WEBHOOKS_PER_MIRROR:
        raise ValidationError(f"At most {settings.MIRROR_WEBHOOKS_PER_MIRROR} webhooks a mirror.")
    try:
        target = target_parse(url)
        if target.literal:
            TargetPolicy.from_settings().address_check(target.host, target.host)
    except Exception as exc:  # ForbiddenTarget and the parser's own errors
        raise ValidationError(f"This address cannot receive events: {exc}") from exc
    hook = MirrorWebhook.objects.create(mirror=mirror, url=url, created_by=_user(by))
    logger.info("Webhook %s added to %s by %s", url, mirror.name, who(by))
    return hook


@records_by
@transaction.atomic
def webhook_remove(*, webhook: MirrorWebhook, by=None) -> None:
    logger.info("Webhook %s of %s removed by %s", webhook.url, webhook.mirror.name, who(by))
    webhook.delete()


def webhooks_notify(*, events: Iterable[tuple[int, str, str]], now: dt.datetime | None = None):
    """A delivery per webhook of each (mirror id, event, detail), sent after commit."""
    events = [e for e in events if e[1] in EVENTS]
    if not events:
        return 0
    now = now or timezone.now()
    hooks: dict[int, list[MirrorWebhook]] = {}
    for hook in MirrorWebhook.objects.filter(mirror_id__in={e[0] for e in events}).select_related(
        "mirror"
    ):
        hooks.setdefault(hook.mirror_id, []).append(hook)
    deliveries = [
        WebhookDelivery(
            webhook=hook,
            event=event,
            payload={
                "event": event,
                "mirror": hook.mirror.name,
                "at": now.isoformat(),
                "detail": detail[:500],
            },
        )  # fmt: skip
        for mirror_id, event, detail in events
        for hook in hooks.get(mirror_id, ())
    ]
    if not deliveries:
        return 0
    with transaction.atomic():
        WebhookDelivery.objects.bulk_create(deliveries)
        ids = [d.pk for d in deliveries]

        transaction.on_commit(
            lambda: webhook_deliveries_recorded.send(sender=WebhookDelivery, delivery_ids=ids)
        )
    return len(deliveries)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_deliver(*, delivery_id: int) -> bool | None:
    """One attempt: True delivered, False to be retried, None given up (or gone)."""
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.state != WebhookDelivery.State.PENDING:
        return None
    hook = delivery.webhook
    body = json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()
    headers = (
        "Content-Type: application/json",
        f"{SIGNATURE_HEADER}: {signature(hook.secret, body)}",
        f"X-Portal-Event: {delivery.event}",
        f"X-Portal-Delivery: {delivery.pk}",
    )
    client = SafeClient.from_settings(timeout=settings.MIRROR_WEBHOOK_TIMEOUT, max_bytes=4096)

    async def post():
        async with client.session() as session:
            return await client.fetch(session, hook.url, method="POST", body=body, headers=headers)

    result = loop_run(post(), fast_loop=False)
    ok = result.error is None
    attempt = {"at": timezone.now().isoformat(timespec="seconds"), "status": result.status,
               "error": "" if ok else f"{result.error}: {result.detail}"[:200]}  # fmt: skip
    delivery.attempts = [*delivery.attempts, attempt]
    if ok:
        delivery.state = WebhookDelivery.State.DELIVERED
    elif len(delivery.attempts) >= settings.MIRROR_WEBHOOK_ATTEMPTS or (
        result.error == FetchError.FORBIDDEN_TARGET
    ):
        delivery.state = WebhookDelivery.State.FAILED
    delivery.save(update_fields=["attempts", "state"])
    if ok:
        return True
    return False if delivery.state == WebhookDelivery.State.PENDING else None


def _user(by):
    return by if getattr(by, "is_authenticated", False) else None
