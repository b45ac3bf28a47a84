"""Each account's share of the server: bytes of kept originals and number of activities.

Checked when an upload arrives, before its bytes are read, so one account cannot fill the disk
that every other runner's data lives on (ASVS 5.2.4). The limits are settings
(``KNEECLINIC_QUOTA_BYTES``, ``KNEECLINIC_QUOTA_ACTIVITIES``); docs/limits.md describes them.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Sum

from kneeclinic.accounts.models import User
from kneeclinic.activities.models import Activity, Import, StoredFile

MB = 1024 * 1024
GB = 1024 * MB


def stored_bytes(user: User) -> int:
    """Bytes of the originals this account uploaded (each file counted once)."""
    shas: set[str] = set()
    for uploads in Import.objects.filter(runner=user).values_list("uploads", flat=True):
        for item in uploads or []:
            sha = item.get("sha256") if isinstance(item, dict) else None
            if isinstance(sha, str):
                shas.add(sha)
    if not shas:
        return 0
    total = StoredFile.objects.filter(sha256__in=shas).aggregate(total=Sum("size"))["total"]
    return int(total or 0)


def _amount(size: int) -> str:
    return f"{size / GB:,.1f} GB" if size >= GB else f"{size / MB:,.0f} MB"


def refusal(user: User, incoming_bytes: int) -> str | None:
    """Why this upload would take the account over its quota, or None when it fits."""
    limit = settings.QUOTA_BYTES
    used = stored_bytes(user)
    if used + incoming_bytes > limit:
        return (
            f"This upload would take your kept files to {_amount(used + incoming_bytes)}; each "
            f"account may keep up to {_amount(limit)} of original files. Nothing was uploaded. "
            "Ask whoever runs this Knee Clinic to raise the limit."
        )
    runs = Activity.objects.filter(runner=user).count()
    if runs >= settings.QUOTA_ACTIVITIES:
        return (
            f"You have {runs:,} activities, the most one account may keep here "
            f"({settings.QUOTA_ACTIVITIES:,}). Nothing was uploaded. Ask whoever runs this Knee "
            "Clinic to raise the limit."
        )
    return None
