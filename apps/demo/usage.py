"""Demo answers counted around the release days of 3.8, 4.4 and 5.0, growing about four
times from one major release to the next (the talk: "an exponential increase from 4 to 5,
as there was from 3 to 4"), so the capacity page has earlier releases to fit."""

from __future__ import annotations

import datetime as dt
import random

from apps.delivery.models import DailyUsage

# (release, its release day, answers on that day); each later day halves every two days.
RELEASE_DAYS = (
    ("3.8", dt.date(2006, 8, 25), 12_000),
    ("4.4", dt.date(2006, 8, 30), 48_000),
    ("5.0", dt.date(2007, 4, 12), 170_000),
)
DAYS_AFTER = 21
# Where the answers went: shares of the release days' answers.
COUNTRY_WEIGHTS = {
    "US": 28, "DE": 10, "CN": 7, "GB": 6, "JP": 5, "FR": 5, "BR": 4, "IN": 4, "NL": 4,
    "CA": 4, "RU": 3, "IT": 3, "ES": 3, "KR": 3, "PL": 2, "SE": 2, "AU": 2, "TW": 2, "MX": 2,
    "ID": 2, "AR": 1, "ZA": 1, "TR": 1, "NG": 1, "KE": 1, "VN": 1, "EG": 1,
}  # fmt: skip


def demo_usage_load(rng: random.Random) -> int:
    """Write the release weeks' answers (idempotent); returns the rows written."""
    rows = []
    total_weight = sum(COUNTRY_WEIGHTS.values())
    for release, first, peak in RELEASE_DAYS:
        for offset in range(DAYS_AFTER):
            day_total = peak * 0.5 ** (offset / 2)
            for country, weight in COUNTRY_WEIGHTS.items():
                count = int(day_total * weight / total_weight * rng.uniform(0.9, 1.1))
                rows.append(DailyUsage(
                    day=first + dt.timedelta(days=offset), kind="mirrorlist", country=country,
                    release=release, arch="x86_64", repo="os", count=count,
                ))  # fmt: skip
    DailyUsage.objects.bulk_create(
        rows, update_conflicts=True,
        unique_fields=["day", "kind", "country", "release", "arch", "repo", "file"],
        update_fields=["count"], batch_size=2000,
    )  # fmt: skip
    return len(rows)
