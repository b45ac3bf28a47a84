"""The size and shape limits every upload is checked against (documented in docs/limits.md).

Each number is the rule of the upload policy (security design, section 3.3) or a decision
recorded next to it. Changing one here changes it everywhere; update docs/limits.md too.
"""

from __future__ import annotations

MB = 1024 * 1024
GB = 1024 * MB

# One activity file, measured after any decompression.
MAX_FIT_BYTES = 10 * MB
MAX_XML_BYTES = 25 * MB  # GPX and TCX: 25 MB is about 35 hours of one-second points.

# The biggest single file we will even look at: the largest activity after decompression.
MAX_ACTIVITY_BYTES = max(MAX_FIT_BYTES, MAX_XML_BYTES)

# ZIP archives.
MAX_ARCHIVE_MEMBERS = 10_000  # per ZIP (outer or nested), checked before reading any member
MAX_ARCHIVE_TOTAL_BYTES = 2 * GB  # sum of declared uncompressed sizes, nested ZIPs included
MAX_MEMBER_RATIO = 100  # uncompressed : compressed, per member
MIN_RATIO_CHECK_BYTES = 1 * MB  # members smaller than this cannot be bombs worth stopping
MAX_NESTED_ZIP_BYTES = 512 * MB  # a ZIP inside a Garmin Connect export (parts of ~1,000 runs)
MAX_NESTED_ZIP_DEPTH = 1  # only Garmin Connect's uploaded-files folder holds nested ZIPs
MAX_CSV_BYTES = 50 * MB  # Strava's activities.csv
MAX_MEMBER_NAME_CHARS = 1024  # a whole path inside an archive

# XML documents.
MAX_XML_DEPTH = 64  # GPX and TCX are at most about 10 elements deep

# Activities.
MIN_YEAR = 1990  # GPS sports watches did not exist before
MAX_YEAR = 2099
MAX_ACTIVITY_DURATION_S = 7 * 24 * 3600.0
