"""Multi-row INSERTs for the services that write many rows at once (a sweep's checks, the
URLs' states, the repositories' and images' states): a leaf the others import."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from .master import BATCH

# A Check row as the sweeps and the vantage points write it.
CHECK_COLUMNS = [
    "sweep", "mirror", "mirror_url", "url", "kind", "checked_at", "http_status", "latency_ms",
    "bytes", "error", "detail", "family", "vantage",
]  # fmt: skip


def rows_insert(
    model,
    fields: Sequence[str],
    rows: Sequence[tuple],
    *,
    unique: Sequence[str] = (),
    update: Sequence[str] = (),
) -> None:
    """Multi-row INSERTs of ready values (an upsert when `unique` and `update` are given,
    rows that conflict on `unique` left out when only `unique` is), as bulk_create writes
    them but without a model instance and a per-field compilation for each row: for the
    ~60,000 checks of a sweep, that Python work cost more than the database's.
    ON CONFLICT ... DO UPDATE / DO NOTHING is the same in PostgreSQL and SQLite."""
    if not rows:
        return
    ops, meta = connection.ops, model._meta

    def column(name: str) -> str:
        return ops.quote_name(meta.get_field(name).column)

    # Identifiers come from the model and are quoted; every value is a parameter.
    table, names = ops.quote_name(meta.db_table), ", ".join(map(column, fields))
    sql = f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608
    suffix = ""
    if unique:
        updates = ", ".join(f"{column(f)} = EXCLUDED.{column(f)}" for f in update)
        action = f"DO UPDATE SET {updates}" if update else "DO NOTHING"
        suffix = f" ON CONFLICT ({', '.join(map(column, unique))}) {action}"
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    limit = connection.features.max_query_params
    size = min(BATCH, limit // len(fields)) if limit else BATCH
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            cursor.execute(
                sql + ", ".join([one] * len(batch)) + suffix,
                [value for row in batch for value in row],
            )
