"""Writes of the delivery app: publishing snapshots, scheduling their rebuild, recording
usage and storing the torrents of ISO images."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import orjson
from django.conf import settings
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from .models import DailyUsage, ImageTorrent, Snapshot
from .selectors import snapshot_data_collect
from .store import REDIS_BLOB_KEY, REDIS_VERSION_KEY

log = logging.getLogger(__name__)


def _msync_dns_export() -> None:
    """Rewrite msync's DNS zone file with each new snapshot, so the DNS hands out the same
    internal mirrors as /api/v1/msync/ (a failure is logged: the snapshot stands)."""
    from apps.mirrors.services.dns import dns_zone_export

    try:
        written = dns_zone_export(
            path=settings.MSYNC_DNS_EXPORT_PATH,
            fmt=settings.MSYNC_DNS_FORMAT,
            zone=settings.MSYNC_DNS_ZONE,
        )
    except Exception:
        log.exception("could not write msync's DNS zone to %s", settings.MSYNC_DNS_EXPORT_PATH)
        return
    log.info("wrote msync's DNS zone: %s names", written["names"])


def snapshot_publish(*, reason: str = "") -> Snapshot:
    """Build a snapshot from the database and publish it (database row, then Redis).

    The lead's `loaddemo` and the checks' sweeps end with this; workers pick it up on
    their next poll.
    """
    started = time.monotonic()
    built_at = timezone.now()
    data = snapshot_data_collect()
    with transaction.atomic():
        # The row's id is the version, so insert first and write the blob that names it.
        row = Snapshot.objects.create(built_at=built_at, blob=b"", reason=reason[:200])
        data["version"] = row.version
        data["built_at"] = built_at.timestamp()
        blob = orjson.dumps(data)
        row.blob = blob
        row.size = len(blob)
        row.mirror_count = len(data["mirrors"])
        row.build_ms = round((time.monotonic() - started) * 1000)
        row.save(update_fields=["blob", "size", "mirror_count", "build_ms"])
        row.window_next = data.get("window_next")  # for the caller to schedule the next build
        keep = (
            Snapshot.objects.newest()
            .values_list("version", flat=True)[settings.DELIVERY_KEEP_SNAPSHOTS - 1 :]
            .first()
        )
        if keep is not None:
            Snapshot.objects.filter(version__lt=keep).delete()
        transaction.on_commit(lambda: _publish_redis(row.version, blob))
        if settings.MSYNC_DNS_EXPORT_PATH:
            transaction.on_commit(_msync_dns_export)
    log.info(
        "published snapshot %s: %s mirrors, %s bytes, %s ms (%s)",
        row.version,
        row.mirror_count,
        row.size,
        row.build_ms,
        reason or "no reason given",
    )
    return row


def _publish_redis(version: int, blob: bytes) -> None:
    if not settings.DELIVERY_REDIS_URL:
        return
    try:
        import redis

        client = redis.Redis.from_url(
            settings.DELIVERY_REDIS_URL, socket_timeout=2.0, socket_connect_timeout=2.0
        )
        # Blob first: a worker that sees the new version always finds its blob.
        client.pipeline(transaction=True).set(REDIS_BLOB_KEY, blob).set(
            REDIS_VERSION_KEY, version
        ).execute()
    except Exception as exc:  # workers fall back to the database
        log.warning("could not publish snapshot %s to redis: %s", version, exc)


def snapshot_published_since(epoch: float) -> bool:
    """Whether a snapshot built after `epoch` exists (it already includes that change)."""
    import datetime as dt

    since = dt.datetime.fromtimestamp(epoch, dt.UTC)
    return Snapshot.objects.filter(built_at__gte=since).exists()


def usage_record(*, counts: dict[tuple, int]) -> None:
    """Add counts {(day, kind, country, release, arch, repo, file): n} to the daily rows
    with one upsert statement (INSERT ... ON CONFLICT DO UPDATE, PostgreSQL and SQLite)."""
    if not counts:
        return
    table = connection.ops.quote_name(DailyUsage._meta.db_table)
    names = ["day", "kind", "country", "release", "arch", "repo", "file"]
    cols = ", ".join(connection.ops.quote_name(n) for n in names)
    count = connection.ops.quote_name("count")
    sql = (
        f"INSERT INTO {table} ({cols}, {count}) VALUES ({', '.join(['%s'] * 8)}) "  # noqa: S608
        f"ON CONFLICT ({cols}) DO UPDATE SET {count} = {table}.{count} + excluded.{count}"
    )
    rows = [(k[0].isoformat(), *k[1:], n) for k, n in counts.items()]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
    except (DataError, IntegrityError) as exc:
        if len(rows) == 1:
            raise
        log.warning("usage flush of %d keys refused (%s): writing them one by one", len(rows), exc)
        _usage_rows_each(sql, rows)


def _usage_rows_each(sql: str, rows: list[tuple]) -> None:
    """A key the database refuses (a value too long for its column) is dropped with a log
    line, never kept for retry: it would fail every flush and hold the others back. A
    database that goes away meanwhile raises, and the counter keeps the counts."""
    for row in rows:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, row)
        except (DataError, IntegrityError) as exc:
            log.error("usage key dropped, the database refuses it: %r (%s)", row[:-1], exc)


def usage_flush_if_due(counter) -> None:
    """Called by each worker's background thread."""
    if counter.flush_due():
        counter.flush()


def image_torrent_build(*, image_id: int) -> ImageTorrent:
    """Compute the torrent of one image from its bytes: from DELIVERY_MASTER_PATH when set,
    else downloaded once from the master (size and sha256 checked). A secondary
    architecture's image on a master of its own is downloaded from that master."""
    from apps.mirrors.selectors import architecture_masters, master_base_urls
    from apps.releases.models import Image

    from .torrents import download_to, temporary_dir, torrent_metainfo_build

    image = Image.objects.select_related("release", "architecture").get(pk=image_id)
    own = architecture_masters().get((image.release_id, image.architecture_id))
    masters = [own] if own else master_base_urls()
    if not masters and not settings.DELIVERY_MASTER_PATH:
        raise ValueError("no approved master mirror with an http(s) URL to read the image from")
    master_url = (masters[0] if masters else "") + image.path
    with temporary_dir() as tmp:
        if settings.DELIVERY_MASTER_PATH and not own:
            source = Path(settings.DELIVERY_MASTER_PATH) / image.path
        else:
            source = Path(tmp) / image.name
            download_to(master_url, source, size=image.size, sha256=image.sha256)
        metainfo, piece_size = torrent_metainfo_build(
            source=source,
            name=image.name,
            trackers=settings.DELIVERY_TORRENT_TRACKERS,
            webseeds=[master_url],
            comment=f"{image.release} {image.architecture}",
        )
    torrent, _created = ImageTorrent.objects.update_or_create(
        image=image, defaults={"metainfo": metainfo, "piece_size": piece_size}
    )
    return torrent
