"""The fallback FIT reader: fitdecode, a complete pure-Python decoder, for files we cannot walk."""

from __future__ import annotations

import io

import fitdecode

Row = dict[int, float | tuple[int, ...] | None]


def read_tables(data: bytes, wanted: dict[int, tuple[int, ...]]) -> dict[int, list[Row]]:
    """Raw (unscaled) values of the ``wanted`` fields of each message, by global message number.

    Only fields the file itself defines are kept (not fitdecode's component expansions), so the
    values match what our walker reads. The raw bytes of ``compressed_speed_distance`` are kept
    under the key ``-8``. Raises whatever fitdecode raises.
    """
    tables: dict[int, list[Row]] = {number: [] for number in wanted}
    reader = fitdecode.FitReader(
        io.BytesIO(data),
        check_crc=fitdecode.CrcCheck.DISABLED,
        error_handling=fitdecode.ErrorHandling.RAISE,
        keep_raw_chunks=False,
    )
    with reader:
        for frame in reader:
            if (
                not isinstance(frame, fitdecode.FitDataMessage)
                or frame.global_mesg_num not in wanted
            ):
                continue
            numbers = wanted[frame.global_mesg_num]
            row: Row = {}
            for field in frame.fields:
                number = field.def_num
                if field.field_def is None and number != 253:
                    continue  # an expanded component, not a field of the file
                raw = field.raw_value
                if number == 8 and isinstance(raw, tuple) and len(raw) >= 3:
                    row[-8] = raw[:3]
                    continue
                if number in numbers and number not in row and isinstance(raw, int | float):
                    row[number] = raw
            tables[frame.global_mesg_num].append(row)
    return tables
