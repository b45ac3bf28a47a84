"""ZIP archives and gzip files: each export layout, and every rule of the upload policy."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest

from kneeclinic.domain.activity import ParseError, Sport
from kneeclinic.domain.parsers import archive as archive_module
from kneeclinic.domain.parsers.archive import (
    ExportMetadata,
    Member,
    MemberReader,
    MemberRef,
    MemberStatus,
    display_name,
    expand,
    gunzip,
    iter_members,
    read_strava_index,
)
from kneeclinic.domain.parsers.limits import MAX_ARCHIVE_MEMBERS, MB
from tests.domain.parsers.parser_builders import (
    gpx,
    gz,
    minute_points,
    patch_member,
    rename_raw,
    zip_bytes,
)

RUN = gpx([minute_points(3)])
UPLOADS = "DI_CONNECT/DI-Connect-Uploaded-Files"


def _by_name(members: list[Member]) -> dict[str, Member]:
    return {m.name: m for m in members}


# --- gzip -------------------------------------------------------------------------------


def test_gunzip_returns_the_content() -> None:
    assert gunzip(gz(RUN), 1 * MB) == RUN


def test_gunzip_reads_every_member_of_a_concatenated_gzip() -> None:
    assert gunzip(gz(b"abc") + gz(b"def"), 100) == b"abcdef"


def test_gunzip_stops_a_gzip_bomb_at_the_limit() -> None:
    bomb = gz(bytes(20 * MB))

    with pytest.raises(ParseError, match="unpacks to more than 10 MB"):
        gunzip(bomb, 10 * MB)


def test_gunzip_names_a_truncated_file() -> None:
    with pytest.raises(ParseError, match="truncated"):
        gunzip(gz(RUN)[:-30], 1 * MB)


def test_gunzip_names_damaged_data() -> None:
    data = bytearray(gz(RUN))
    data[12:20] = b"\xff" * 8

    with pytest.raises(ParseError, match="damaged"):
        gunzip(bytes(data), 1 * MB)


# --- single files and layouts -------------------------------------------------------------


def test_a_single_file_is_one_ready_member_for_the_parser() -> None:
    [member] = expand("morning.gpx", RUN)

    assert (member.name, member.data) == ("morning.gpx", RUN)
    assert member.status is MemberStatus.READY


def test_a_file_named_zip_that_is_not_a_zip_is_refused() -> None:
    with pytest.raises(ParseError, match=r"named \.zip but is not a ZIP"):
        expand("export.zip", b"\x00garbage PK\x03\x04")


def test_a_flat_zip_gives_its_activity_files_and_skips_the_rest() -> None:
    data = zip_bytes(
        [
            ("runs/", b""),
            ("runs/a.gpx", RUN),
            ("runs/b.gpx.gz", gz(RUN)),
            ("runs/photo.jpg", b"\xff\xd8\xff"),
            ("runs/notes.txt.gz", gz(b"hello")),
            ("__MACOSX/runs/._a.gpx", b"junk"),
            ("runs/.DS_Store", b"junk"),
        ]
    )

    members = _by_name(expand("runs.zip", data))

    assert sorted(members) == [
        "__MACOSX/runs/._a.gpx",
        "runs/.DS_Store",
        "runs/a.gpx",
        "runs/b.gpx.gz",
        "runs/notes.txt.gz",
        "runs/photo.jpg",
    ]
    assert members["runs/a.gpx"].data == RUN
    assert members["runs/b.gpx.gz"].data == gz(RUN)  # still compressed: parse() unpacks it
    assert members["runs/photo.jpg"].status is MemberStatus.SKIPPED
    assert members["runs/photo.jpg"].error == "skipped: not an activity file"
    assert members["runs/notes.txt.gz"].status is MemberStatus.SKIPPED
    assert members["__MACOSX/runs/._a.gpx"].error.startswith("skipped: system file")
    assert members["runs/.DS_Store"].status is MemberStatus.SKIPPED


def _garmin_export(parts: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    members = [
        ("DI_CONNECT/DI-Connect-Fitness/runner_0_summarizedActivities.json", b"[]"),
        *((f"{UPLOADS}/{name}", data) for name, data in parts.items()),
    ]
    return zip_bytes(members, compression=compression)


def test_a_garmin_connect_export_opens_the_nested_zips_of_uploaded_files() -> None:
    part1 = zip_bytes([("runner_1.gpx", RUN), ("runner_2.tcx.gz", gz(b"<x/>"))])
    part2 = zip_bytes([("runner_3.gpx", RUN)], compression=zipfile.ZIP_STORED)
    data = _garmin_export(
        {"UploadedFiles_0-_Part1.zip": part1, "UploadedFiles_0-_Part2.zip": part2}
    )

    members = _by_name(expand("export.zip", data))

    ready = sorted(name for name, m in members.items() if m.status is MemberStatus.READY)
    assert ready == [
        f"{UPLOADS}/UploadedFiles_0-_Part1.zip/runner_1.gpx",
        f"{UPLOADS}/UploadedFiles_0-_Part1.zip/runner_2.tcx.gz",
        f"{UPLOADS}/UploadedFiles_0-_Part2.zip/runner_3.gpx",
    ]
    summary = members["DI_CONNECT/DI-Connect-Fitness/runner_0_summarizedActivities.json"]
    assert summary.status is MemberStatus.SKIPPED


def test_a_zip_inside_a_zip_elsewhere_is_refused() -> None:
    data = zip_bytes([("more/inner.zip", zip_bytes([("a.gpx", RUN)]))])

    [member] = expand("x.zip", data)

    assert member.status is MemberStatus.FAILED
    assert "only opened in a Garmin Connect export" in member.error


def test_only_one_level_of_nesting_is_opened_even_in_a_garmin_export() -> None:
    deepest = zip_bytes([("a.gpx", RUN)])
    middle = zip_bytes([(f"{UPLOADS}/deeper.zip", deepest)])
    data = _garmin_export({"part.zip": middle})

    members = _by_name(expand("x.zip", data))

    nested = members[f"{UPLOADS}/part.zip/{UPLOADS}/deeper.zip"]
    assert nested.status is MemberStatus.FAILED
    assert "only opened in a Garmin Connect export" in nested.error


def test_a_nested_zip_that_is_not_a_zip_fails_alone() -> None:
    data = _garmin_export({"part.zip": b"not a zip at all", "ok.gpx": RUN})

    members = _by_name(expand("x.zip", data))

    assert (
        members[f"{UPLOADS}/part.zip"].error == "this file is named .zip but is not a ZIP archive"
    )
    assert members[f"{UPLOADS}/ok.gpx"].status is MemberStatus.READY


def test_a_nested_bomb_fails_without_stopping_the_export() -> None:
    bomb = zip_bytes([("zeros.gpx", bytes(20 * MB))])
    data = _garmin_export({"bomb.zip": bomb, "ok.gpx": RUN})

    members = _by_name(expand("x.zip", data))

    inner = members[f"{UPLOADS}/bomb.zip/zeros.gpx"]
    assert inner.status is MemberStatus.FAILED
    assert "zip bomb" in inner.error
    assert members[f"{UPLOADS}/ok.gpx"].status is MemberStatus.READY


def test_a_nested_zip_declaring_too_much_fails_alone() -> None:
    data = patch_member(
        _garmin_export({"big.zip": zip_bytes([("a.gpx", RUN)])}), 1, file_size=600 * MB
    )

    members = _by_name(expand("x.zip", data))

    assert "more than the 512 MB" in members[f"{UPLOADS}/big.zip"].error


def test_a_strava_export_attaches_names_sports_gear_and_descriptions() -> None:
    index = (
        "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,"
        "Elapsed Time,Distance,Activity Gear,Filename,Distance\n"
        '101,"1 Jun 2024",Parkrun,Run,"PB, at last",1200,5.0,Pegasus 40,'
        "activities/101.gpx.gz,5000\n"
        "102,,Commute,Ride,,1800,10,,activities/102.gpx,\n"
        "103,,No file,Run,,,,,,\n"
    )
    data = zip_bytes(
        [
            ("activities.csv", index.encode()),
            ("activities/101.gpx.gz", gz(RUN)),
            ("activities/102.gpx", RUN),
            ("activities/104.gpx", RUN),
            ("media/photo.jpg", b"\xff\xd8\xff"),
        ]
    )

    members = _by_name(expand("export_1234.zip", data))

    parkrun = members["activities/101.gpx.gz"]
    assert parkrun.metadata == ExportMetadata(
        name="Parkrun",
        sport_label="Run",
        sport=Sport.RUNNING,
        gear="Pegasus 40",
        description="PB, at last",
        activity_id="101",
    )
    commute = members["activities/102.gpx"].metadata
    assert commute is not None
    assert (commute.name, commute.sport) == ("Commute", Sport.CYCLING)
    assert members["activities/104.gpx"].metadata is None
    assert members["activities.csv"].status is MemberStatus.SKIPPED
    assert "names and sports were used" in members["activities.csv"].error


def test_a_strava_index_in_a_folder_keys_its_files_by_that_folder() -> None:
    index = read_strava_index("Filename,Activity Type\nactivities/1.fit.gz,Walk\n", "export/")

    assert index["export/activities/1.fit.gz"].sport is Sport.WALKING
    assert index["export/activities/1.fit.gz"].name == ""


def test_a_csv_without_a_filename_column_gives_no_metadata() -> None:
    assert read_strava_index("Activity Name\nMorning\n") == {}
    assert read_strava_index("") == {}


def test_a_strava_row_with_an_empty_type_has_no_sport() -> None:
    index = read_strava_index("Filename,Activity Type\nactivities/1.gpx,\n")

    assert index["activities/1.gpx"].sport is None


def test_an_unreadable_strava_index_is_ignored_not_fatal() -> None:
    data = zip_bytes(
        [("activities.csv", b"Filename\nactivities/1.gpx\n"), ("activities/1.gpx", RUN)]
    )
    damaged = patch_member(data, 0, crc=0)

    members = _by_name(expand("export.zip", damaged))

    assert members["activities/1.gpx"].metadata is None
    assert members["activities.csv"].error == "skipped: not an activity file"


def test_an_oversized_strava_index_is_not_read() -> None:
    data = zip_bytes(
        [("activities.csv", b"Filename\nactivities/1.gpx\n"), ("activities/1.gpx", RUN)]
    )

    members = _by_name(expand("export.zip", patch_member(data, 0, file_size=60 * MB)))

    assert members["activities/1.gpx"].metadata is None


def test_members_can_be_read_lazily_from_an_open_file() -> None:
    data = zip_bytes([("a.gpx", RUN), ("b.gpx", RUN)])

    members = iter_members("x.zip", io.BytesIO(data))

    assert next(members).name == "a.gpx"
    assert next(members).name == "b.gpx"


def test_a_single_file_can_come_from_an_open_file() -> None:
    [member] = iter_members("a.gpx", io.BytesIO(RUN))

    assert member.data == RUN


# --- archive-wide refusals ---------------------------------------------------------------


def test_a_damaged_archive_is_refused_as_a_whole() -> None:
    data = zip_bytes([("a.gpx", RUN)])

    with pytest.raises(ParseError, match="damaged or incomplete"):
        expand("x.zip", data[:-10])


def test_more_members_than_the_limit_are_refused_before_reading_any(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(archive_module, "MAX_ARCHIVE_MEMBERS", 5)
    data = zip_bytes([(f"{i}.gpx", RUN) for i in range(6)])

    with pytest.raises(ParseError, match="holds 6 files; we accept at most 5"):
        expand("x.zip", data)


def test_the_member_limit_is_ten_thousand() -> None:
    assert MAX_ARCHIVE_MEMBERS == 10_000


def test_a_declared_total_over_2_gb_is_refused_before_reading() -> None:
    data = zip_bytes([("a.gpx", RUN), ("b.gpx", RUN)])
    data = patch_member(data, 0, file_size=0xF0000000)

    with pytest.raises(ParseError, match="more than 2 GB"):
        expand("x.zip", data)


def test_overlapping_entries_are_refused_as_a_zip_bomb() -> None:
    data = zip_bytes([("a.gpx", RUN), ("b.gpx", RUN)])
    data = patch_member(data, 1, header_offset=0)

    with pytest.raises(ParseError, match="overlap one another"):
        expand("x.zip", data)


def test_an_entry_running_into_the_index_is_refused() -> None:
    data = zip_bytes([("a.gpx", RUN)], compression=zipfile.ZIP_STORED)
    data = patch_member(data, 0, compress_size=len(data))

    with pytest.raises(ParseError, match="overlap its index"):
        expand("x.zip", data)


# --- member refusals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../evil.gpx", "climbs out of the archive"),
        ("ok/../../evil.gpx", "climbs out of the archive"),
        ("/etc/evil.gpx", "absolute path"),
        ("C:/evil.gpx", "drive letter"),
        ("..\\evil.gpx", "backslash"),
        ("bell\x07.gpx", "control characters"),
        ("x" * 1100 + ".gpx", "longer than 1024"),
    ],
)
def test_an_unsafe_member_name_is_refused_and_shown_safely(name: str, reason: str) -> None:
    [member] = expand("x.zip", zip_bytes([(name, RUN)]))

    assert member.status is MemberStatus.FAILED
    assert reason in member.error
    assert member.data is None
    assert "\x07" not in member.name and "\\" not in member.name
    assert len(member.name) <= 200


def test_a_nul_in_a_member_name_is_refused() -> None:
    data = rename_raw(zip_bytes([("aXb.gpx", RUN)]), b"aXb.gpx", b"a\x00b.gpx")

    [member] = expand("x.zip", data)

    assert "NUL" in member.error


def test_an_unsafe_folder_entry_is_reported_too() -> None:
    [member] = expand("x.zip", zip_bytes([("../", b"")]))

    assert member.status is MemberStatus.FAILED


def test_duplicate_names_are_both_refused() -> None:
    members = expand("x.zip", zip_bytes([("a.gpx", RUN), ("a.gpx", RUN), ("b.gpx", RUN)]))

    assert [m.status for m in members] == [
        MemberStatus.FAILED,
        MemberStatus.FAILED,
        MemberStatus.READY,
    ]
    assert "more than once" in members[0].error


def test_an_encrypted_member_is_refused() -> None:
    data = patch_member(zip_bytes([("a.gpx", RUN)]), 0, flags=0x1)

    [member] = expand("x.zip", data)

    assert member.error == "refused: this file is encrypted (password-protected)"


def test_a_symbolic_link_member_is_refused() -> None:
    data = patch_member(
        zip_bytes([("a.gpx", b"/etc/passwd")]), 0, external_attr=(stat.S_IFLNK | 0o777) << 16
    )

    [member] = expand("x.zip", data)

    assert member.error == "refused for safety: this is a symbolic link, not a file"


def test_a_member_compressed_more_than_100_to_1_is_refused_as_a_bomb() -> None:
    [member] = expand("x.zip", zip_bytes([("zeros.gpx", bytes(5 * MB))]))

    assert member.status is MemberStatus.FAILED
    assert "more than 100:1" in member.error


def test_a_small_member_may_compress_well() -> None:
    [member] = expand("x.zip", zip_bytes([("zeros.gpx", bytes(MB // 2))]))

    assert member.status is MemberStatus.READY


@pytest.mark.parametrize(("name", "limit"), [("big.fit", 10), ("big.gpx", 25), ("big.fit.gz", 25)])
def test_a_member_declaring_more_than_its_type_allows_is_refused(name: str, limit: int) -> None:
    data = patch_member(
        zip_bytes([(name, b"x")], compression=zipfile.ZIP_STORED),
        0,
        file_size=(limit + 1) * MB,
        compress_size=(limit + 1) * MB,
    )

    with pytest.raises(ParseError, match="overlap its index"):
        # a member that big cannot fit in this small archive: the overlap check sees it first
        expand("x.zip", data)
    data = patch_member(zip_bytes([(name, b"x")]), 0, file_size=(limit + 1) * MB)

    [member] = expand("x.zip", data)

    assert f"more than the {limit} MB" in member.error


def test_a_member_whose_header_lies_about_its_size_fails_its_check() -> None:
    data = patch_member(zip_bytes([("a.gpx", RUN)]), 0, file_size=10)

    [member] = expand("x.zip", data)

    assert member.status is MemberStatus.FAILED
    assert "damaged inside the archive" in member.error


def test_a_member_with_an_unknown_compression_method_fails() -> None:
    data = patch_member(zip_bytes([("a.gpx", RUN)]), 0, method=9)

    [member] = expand("x.zip", data)

    assert "compression we cannot read" in member.error


def test_display_names_are_normalised_bounded_and_never_empty() -> None:
    assert display_name("e\u0301.gpx") == "\u00e9.gpx"
    assert display_name("a\tb") == "a?b"
    assert display_name("") == "(no name)"
    assert display_name("y" * 300).endswith("…")
    assert len(display_name("y" * 300)) == 200


def test_an_empty_archive_is_refused() -> None:
    with pytest.raises(ParseError, match="this ZIP archive is empty"):
        expand("x.zip", zip_bytes([]))


def test_a_huge_single_file_is_refused_without_reading_it_all() -> None:
    stream = io.BytesIO(b"<gpx>" + bytes(30 * MB))

    [member] = iter_members("huge.gpx", stream)

    assert member.status is MemberStatus.FAILED
    assert "larger than the 25 MB" in member.error
    assert stream.tell() == 25 * MB + 1


def test_a_huge_single_file_given_as_bytes_is_refused_the_same_way() -> None:
    [member] = expand("huge.gpx", b"<gpx>" + bytes(30 * MB))

    assert member.status is MemberStatus.FAILED


# --- lazy reading: members named where they lie, read later ---------------------------------


def _lazy_then_read(data: bytes) -> list[Member]:
    """Members walked lazily, then each ready one read from its ref, as a parse worker does."""
    members = list(iter_members("export.zip", io.BytesIO(data), lazy=True))
    reader = MemberReader(io.BytesIO(data))
    read = []
    for member in members:
        if member.ref is not None:
            assert member.data is None
            member = Member(
                member.name, member.status, reader.read(member.ref), metadata=member.metadata
            )
        read.append(member)
    reader.close()
    return read


def _same(one: list[Member], other: list[Member]) -> None:
    assert [(m.name, m.status, m.data, m.error, m.metadata) for m in one] == [
        (m.name, m.status, m.data, m.error, m.metadata) for m in other
    ]


@pytest.mark.parametrize(
    "compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED], ids=["stored", "deflated"]
)
def test_a_lazy_walk_reads_the_same_members_as_an_eager_one(compression: int) -> None:
    part1 = zip_bytes([("runner_1.gpx", RUN), ("notes.txt", b"x"), ("runner_2.gpx.gz", gz(RUN))])
    part2 = zip_bytes([("runner_3.gpx", RUN)], compression=compression)
    middle = zip_bytes([(f"{UPLOADS}/deeper.zip", part2)])
    outer = zip_bytes(
        [
            ("DI_CONNECT/summary.json", b"[]"),
            (f"{UPLOADS}/Part1.zip", part1),
            (f"{UPLOADS}/Part2.zip", part2),
            (f"{UPLOADS}/Part3.zip", middle),
            (f"{UPLOADS}/not-a-zip.zip", b"plain text"),
            ("top.gpx", RUN),
        ],
        compression=compression,
    )

    _same(_lazy_then_read(outer), expand("export.zip", outer))


def test_a_lazy_walk_keeps_a_strava_index_and_a_single_file_keeps_its_bytes() -> None:
    index = "Filename,Activity Name,Activity Type\nactivities/1.gpx,Parkrun,Run\n"
    data = zip_bytes([("activities.csv", index.encode()), ("activities/1.gpx", RUN)])

    _same(_lazy_then_read(data), expand("export.zip", data))
    [single] = iter_members("morning.gpx", RUN, lazy=True)
    assert (single.data, single.ref) == (RUN, None)


def test_a_lazily_read_member_is_still_checked_against_its_crc() -> None:
    data = bytearray(zip_bytes([("a.gpx", RUN)], compression=zipfile.ZIP_STORED))
    data[data.index(b"<gpx") + 10] ^= 0xFF
    [member] = iter_members("x.zip", io.BytesIO(bytes(data)), lazy=True)

    assert member.ref is not None
    with pytest.raises(ParseError, match="damaged inside the archive"):
        MemberReader(io.BytesIO(bytes(data))).read(member.ref)


def test_a_ref_to_no_member_is_a_failure() -> None:
    data = zip_bytes([("a.gpx", RUN)])

    with pytest.raises(ParseError, match="not where its archive said"):
        MemberReader(io.BytesIO(data)).read(MemberRef((5,), MB))


def test_a_stored_nested_zip_with_a_damaged_header_fails_alone_when_lazy() -> None:
    part = zip_bytes([("a.gpx", RUN)])
    data = bytearray(_garmin_export({"part.zip": part}, compression=zipfile.ZIP_STORED))
    header = data.index(b"PK\x03\x04", data.index(b"PK\x03\x04") + 1)
    data[header : header + 4] = b"XXXX"

    members = _by_name(list(iter_members("x.zip", io.BytesIO(bytes(data)), lazy=True)))

    assert "bad local file header" in members[f"{UPLOADS}/part.zip"].error


def test_a_window_reads_only_its_bytes_and_seeks_from_either_end() -> None:
    window = archive_module._Window(io.BytesIO(b"0123456789"), 2, 5)

    assert (window.readable(), window.seekable()) == (True, True)
    assert window.read(10) == b"23456"
    assert window.read(1) == b""
    assert window.seek(-2, io.SEEK_END) == 3 and window.tell() == 3
    assert window.seek(1, io.SEEK_CUR) == 4 and window.read() == b"6"


def _read_first(data: bytes, limit: int = MB) -> bytes:
    """The first member of ``data``, read as an import's worker reads it (no walk first)."""
    return MemberReader(io.BytesIO(data)).read(MemberRef((0,), limit))


def test_a_deflated_member_is_inflated_to_its_exact_bytes() -> None:
    data = zip_bytes([("a.gpx", RUN), ("b.gpx", RUN + b" ")])

    assert _read_first(data) == RUN
    assert MemberReader(io.BytesIO(data)).read(MemberRef((1,), MB)) == RUN + b" "


def test_a_deflated_member_with_a_wrong_crc_fails_its_check() -> None:
    data = patch_member(zip_bytes([("a.gpx", RUN)]), 0, crc=0x1234)

    with pytest.raises(ParseError, match="its checksum does not match"):
        _read_first(data)


def test_a_deflated_member_with_damaged_data_is_named_damaged() -> None:
    data = bytearray(zip_bytes([("a.gpx", RUN)]))
    data[archive_module._LOCAL_HEADER.size + len("a.gpx")] = 0xFF  # a block type that is not

    with pytest.raises(ParseError, match="damaged inside the archive"):
        _read_first(bytes(data))


def test_a_deflated_member_cut_short_is_named_damaged() -> None:
    data = zip_bytes([("a.gpx", RUN)])
    size = zipfile.ZipFile(io.BytesIO(data)).infolist()[0].compress_size

    with pytest.raises(ParseError, match="it ends part-way"):
        _read_first(patch_member(data, 0, compress_size=size // 2))


def test_a_deflated_member_is_read_no_further_than_its_limit() -> None:
    with pytest.raises(ParseError, match="refused: it unpacks to more than"):
        _read_first(zip_bytes([("a.gpx", RUN)]), limit=10)


def test_a_member_whose_local_name_differs_from_the_index_is_refused() -> None:
    data = zip_bytes([("a.gpx", RUN)]).replace(b"a.gpx", b"b.gpx", 1)  # the local header's

    with pytest.raises(ParseError, match="its name differs from the archive's index"):
        _read_first(data)


def test_a_member_running_into_the_next_is_refused_when_read_directly() -> None:
    data = zip_bytes([("a.gpx", RUN), ("b.gpx", RUN)])
    size = zipfile.ZipFile(io.BytesIO(data)).infolist()[0].compress_size

    with pytest.raises(ParseError, match="overlap one another"):
        _read_first(patch_member(data, 0, compress_size=size + 40))
