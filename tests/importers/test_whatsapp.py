"""WhatsApp .txt importer: golden samples, layouts, detection, overlap, bad input, fuzz."""

import shutil
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.importers import ImporterError, ImportOptions, detect, import_paths, merge, whatsapp
from shequn.importers._whatsapp_ids import message_hash, string_hash
from shequn.importers.canonical import Canonical
from shequn.importers.events import TABLES
from shequn.importers.source import Source

SAMPLES = Path(__file__).parent / "samples" / "whatsapp"
BOOK = SAMPLES / "WhatsApp Chat with Book Club.txt"
FAMILY = SAMPLES / "WhatsApp Chat - Family"
TRIP = SAMPLES / "ios_en_us"
ZH = SAMPLES / "android_zh.txt"
LAYOUTS = SAMPLES / "layouts"
BOOK_KEY = "whatsapp:Book Club"
FAMILY_KEY = "whatsapp:Family"
SHANGHAI = timezone(timedelta(hours=8))
PHONE_CN = "+86 138 0013 8000"
PHONE_UK = "+44 7700 900123"


def read(path: Path, **options: object) -> Canonical:
    source = Source(path)
    claims = whatsapp.claim(source, source.names())
    assert claims, f"{path} was not claimed"
    return merge(
        b for names in claims for b in whatsapp.read(source.subset(names), ImportOptions(**options))
    )


def at(*fields: int, tz: timezone = SHANGHAI) -> datetime:
    """A local wall-clock time in the export's zone, as the UTC instant it stands for."""
    return datetime(*fields, tzinfo=tz).astimezone(UTC)


# The id formula (docs/importers/whatsapp.md), written out independently of the importer:
# (H(text) + H(sender) * Q + unix_seconds * P) mod 2**64 in decimal, ":N" for the N-th repeat,
# where H is a polynomial over the NUL-padded little-endian 8-byte words plus length * LEN_MIX.
_MASK = (1 << 64) - 1
_P = 0x9E3779B97F4A7C15
_LEN_MIX = 0xC2B2AE3D27D4EB4F
_Q = 0xD6E8FEB86659FD93


def spec_hash(value: str) -> int:
    data = value.encode()
    padded = data + b"\0" * (-len(data) % 8)
    words = [int.from_bytes(padded[i : i + 8], "little") for i in range(0, len(padded), 8)]
    return (
        sum(w * pow(_P, j, 1 << 64) for j, w in enumerate(words)) + len(data) * _LEN_MIX
    ) & _MASK


def wid(when: datetime, sender: str | None, text: str, occurrence: int = 0) -> str:
    key = (spec_hash(text) + spec_hash(sender or "") * _Q + int(when.timestamp()) * _P) & _MASK
    return f"{key}" + (f":{occurrence}" if occurrence else "")


def row(when, sender, kind, text, mentions=(), action=None, edited=False, occurrence=0):
    return (wid(when, sender, text, occurrence), when, sender, sender, kind, text, None,
            list(mentions), action, edited)  # fmt: skip


# -- golden values: Android (en-US, 12-hour clock with U+202F, isolates) ---------------------------

BOOK_ROWS = [
    row(at(2023, 12, 28, 21, 0), None, "system",
        "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
        "WhatsApp, can read or listen to them. Tap to learn more.", action="encryption_notice"),
    row(at(2023, 12, 28, 21, 0), "Alice Wang", "system", 'Alice Wang created group "Book Club"',
        action="create_group"),
    row(at(2023, 12, 28, 21, 1), "Alice Wang", "system",
        f"Alice Wang added Bob Li, Carol and {PHONE_CN}", action="invite_members"),
    row(at(2023, 12, 28, 21, 2), "Alice Wang", "system", "Alice Wang added you",
        action="invite_members"),
    row(at(2023, 12, 28, 21, 5), "Alice Wang", "text",
        'Welcome everyone! First book: "The Three-Body Problem"'),
    row(at(2023, 12, 28, 21, 6), "Bob Li", "text",
        "Thanks Alice\nLooking forward to it\n\nCan't wait"),
    row(at(2023, 12, 28, 21, 7), PHONE_CN, "text", "大家好 👋"),
    row(at(2023, 12, 28, 21, 8), "Carol", "media", ""),
    row(at(2023, 12, 28, 21, 8), "Carol", "media", "", occurrence=1),
    row(at(2023, 12, 28, 21, 10), "Bob Li", "deleted", ""),
    row(at(2023, 12, 28, 21, 11), "Dan Zhou", "deleted", ""),
    row(at(2023, 12, 28, 21, 12), "Alice Wang", "link",
        "Reading schedule: https://example.com/schedule"),
    row(at(2023, 12, 28, 21, 13), "Carol", "text", "Chapter 1 by Friday?", edited=True),
    row(at(2023, 12, 28, 21, 14), "Dan Zhou", "text",
        "@Alice Wang sounds good, @8613800138000 too", mentions=["Alice Wang", PHONE_CN]),
    row(at(2023, 12, 28, 21, 15), "Alice Wang", "location",
        "location: https://maps.google.com/?q=31.230416,121.473701"),
    row(at(2023, 12, 28, 21, 16), "Alice Wang", "poll",
        "POLL:\nWhich day works?\nOPTION: Friday (2 votes)\nOPTION: Saturday (1 vote)"),
    row(at(2023, 12, 28, 21, 17), "Eve", "system", "Eve joined using this group's invite link",
        action="join_group"),
    row(at(2023, 12, 28, 21, 20), "Alice Wang", "system",
        'Alice Wang changed the subject from "Book Club" to "Book Club: Sci-Fi"',
        action="title_change"),
    row(at(2023, 12, 28, 21, 21), "Alice Wang", "system", "Alice Wang changed this group's icon",
        action="photo_change"),
    row(at(2023, 12, 29, 8, 0), "Eve", "text", "morning!"),
    row(at(2023, 12, 29, 8, 0), "Eve", "text", "morning!", occurrence=1),
    row(at(2023, 12, 29, 8, 1), "Alice Wang", "system", "Alice Wang removed Eve",
        action="remove_members"),
    row(at(2023, 12, 29, 12, 30), "Bob Li", "system", "Bob Li left", action="leave_group"),
    row(at(2024, 1, 13, 10, 0), "Carol", "image", "Cover photo"),
    row(at(2024, 1, 13, 10, 1), "Dan Zhou", "contact", ""),
    row(at(2024, 1, 13, 0, 5), "Carol", "text", "Bob: are you coming back?"),
]  # fmt: skip


def test_android_messages():
    got = read(BOOK).messages
    assert got.drop("group_key").rows() == BOOK_ROWS
    assert set(got["group_key"]) == {BOOK_KEY}


def test_android_group_identities_and_memberships():
    got = read(BOOK)
    assert got.groups.rows() == [(BOOK_KEY, "whatsapp", None, "Book Club", "group", str(BOOK))]
    assert got.identities.sort("identity_id").rows() == [
        ("whatsapp", PHONE_CN, PHONE_CN, None, "+8613800138000", None),
        ("whatsapp", "Alice Wang", "Alice Wang", None, None, None),
        ("whatsapp", "Bob Li", "Bob Li", None, None, None),
        ("whatsapp", "Carol", "Carol", None, None, None),
        ("whatsapp", "Dan Zhou", "Dan Zhou", None, None, None),
        ("whatsapp", "Eve", "Eve", None, None, None),
    ]
    assert got.memberships.sort("identity_id").rows() == [
        (BOOK_KEY, PHONE_CN, PHONE_CN, "member"),
        (BOOK_KEY, "Alice Wang", "Alice Wang", "owner"),
        (BOOK_KEY, "Bob Li", "Bob Li", "member"),
        (BOOK_KEY, "Carol", "Carol", "member"),
        (BOOK_KEY, "Dan Zhou", "Dan Zhou", "member"),
        (BOOK_KEY, "Eve", "Eve", "member"),
    ]


def test_android_membership_events():
    ids = {r[5]: r[0] for r in BOOK_ROWS if r[4] == "system"}
    alice = ("Alice Wang", "Alice Wang")
    got = read(BOOK).membership_events
    assert set(got["group_key"]) == {BOOK_KEY}
    assert got.drop("group_key").rows() == [
        (ids['Alice Wang created group "Book Club"'] + ":0", at(2023, 12, 28, 21, 0), "create",
         *alice, *alice, "creator"),
        (ids[f"Alice Wang added Bob Li, Carol and {PHONE_CN}"] + ":0", at(2023, 12, 28, 21, 1),
         "join", "Bob Li", "Bob Li", *alice, "invite"),
        (ids[f"Alice Wang added Bob Li, Carol and {PHONE_CN}"] + ":1", at(2023, 12, 28, 21, 1),
         "join", "Carol", "Carol", *alice, "invite"),
        (ids[f"Alice Wang added Bob Li, Carol and {PHONE_CN}"] + ":2", at(2023, 12, 28, 21, 1),
         "join", PHONE_CN, PHONE_CN, *alice, "invite"),
        (ids["Alice Wang added you"] + ":0", at(2023, 12, 28, 21, 2), "join", None, "you",
         *alice, "invite"),
        (ids["Eve joined using this group's invite link"] + ":0", at(2023, 12, 28, 21, 17),
         "join", "Eve", "Eve", None, None, "link"),
        (ids['Alice Wang changed the subject from "Book Club" to "Book Club: Sci-Fi"'] + ":0",
         at(2023, 12, 28, 21, 20), "rename", *alice, *alice, None),
        (ids["Alice Wang removed Eve"] + ":0", at(2023, 12, 29, 8, 1), "kick", "Eve", "Eve",
         *alice, None),
        (ids["Bob Li left"] + ":0", at(2023, 12, 29, 12, 30), "leave", "Bob Li", "Bob Li", None,
         None, None),
    ]  # fmt: skip


# -- golden values: iOS (day-first, seconds, group name as author, LRM marks) -----------------------


def test_ios_messages():
    got = read(FAMILY)
    assert got.groups.rows() == [
        (FAMILY_KEY, "whatsapp", None, "Family", "group", str(FAMILY / "_chat.txt"))
    ]
    assert got.messages.drop("group_key").rows() == [
        row(at(2023, 12, 30, 18, 0), None, "system",
            "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
            "WhatsApp, can read or listen to them.", action="encryption_notice"),
        row(at(2023, 12, 30, 18, 0), "Mum", "system", "Mum created group “Family”",
            action="create_group"),
        row(at(2023, 12, 30, 18, 0, 5), "Mum", "system", "Mum added Dad",
            action="invite_members"),
        row(at(2023, 12, 30, 18, 1, 10), PHONE_UK, "system",
            f"{PHONE_UK} joined using this group's invite link", action="join_group"),
        row(at(2023, 12, 30, 18, 2), "Mum", "text", "Hello family ❤️"),
        row(at(2023, 12, 30, 18, 2, 30), "Dad", "image", ""),
        row(at(2023, 12, 30, 18, 3), "Dad", "image", ""),
        row(at(2023, 12, 30, 18, 4), PHONE_UK, "text", "Hi all, it's Sam"),
        row(at(2023, 12, 30, 18, 5), "Mum", "deleted", ""),
        row(at(2023, 12, 30, 18, 6), "Dad", "deleted", ""),
        row(at(2023, 12, 30, 18, 7), "Mum", "text", "Dinner at 7?", edited=True),
        row(at(2023, 12, 30, 18, 8), "Dad", "location",
            "Location: https://maps.google.com/?q=51.500729,-0.124625"),
        row(at(2023, 12, 30, 18, 9), "Mum", "sticker", ""),
        row(at(2023, 12, 30, 18, 10), "Mum", "audio", ""),
        row(at(2023, 12, 30, 18, 11), "Dad", "video", ""),
        row(at(2023, 12, 30, 18, 12), "Dad", "video", ""),
        row(at(2023, 12, 30, 18, 13), "Mum", "file", ""),
        row(at(2023, 12, 30, 18, 14), "Dad", "text", "Check this\nsecond line"),
        row(at(2023, 12, 31, 9, 0), PHONE_UK, "system", f"{PHONE_UK} left", action="leave_group"),
        row(at(2023, 12, 31, 9, 30), "Mum", "system", "Mum removed Dad",
            action="remove_members"),
        row(at(2023, 12, 31, 9, 31), "Mum", "system", "Mum changed this group's icon",
            action="photo_change"),
        row(at(2023, 12, 31, 23, 59, 59), "Mum", "text", "Happy new year!"),
    ]  # fmt: skip


def test_ios_people_and_events():
    got = read(FAMILY)
    assert got.identities.sort("identity_id").rows() == [
        ("whatsapp", PHONE_UK, PHONE_UK, None, "+447700900123", None),
        ("whatsapp", "Dad", "Dad", None, None, None),
        ("whatsapp", "Mum", "Mum", None, None, None),
    ]
    assert got.memberships.sort("identity_id").rows() == [
        (FAMILY_KEY, PHONE_UK, PHONE_UK, "member"),
        (FAMILY_KEY, "Dad", "Dad", "member"),
        (FAMILY_KEY, "Mum", "Mum", "owner"),
    ]
    assert got.membership_events.select(
        "at", "kind", "identity_id", "actor_id", "source"
    ).rows() == [
        (at(2023, 12, 30, 18, 0), "create", "Mum", "Mum", "creator"),
        (at(2023, 12, 30, 18, 0, 5), "join", "Dad", "Mum", "invite"),
        (at(2023, 12, 30, 18, 1, 10), "join", PHONE_UK, None, "link"),
        (at(2023, 12, 31, 9, 0), "leave", PHONE_UK, None, None),
        (at(2023, 12, 31, 9, 30), "kick", "Dad", "Mum", None),
    ]


def test_ios_group_name_from_the_authors_of_group_events():
    got = read(TRIP)
    assert got.groups.select("group_key", "name", "chat_type").rows() == [
        ("whatsapp:Trip Planning", "Trip Planning", "group")
    ]
    assert got.messages.select("sent_at", "sender_id", "kind", "text", "action").rows() == [
        (at(2023, 12, 31, 21, 15, 7), None, "system",
         "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
         "WhatsApp, can read or listen to them.", "encryption_notice"),
        (at(2023, 12, 31, 21, 15, 7), "Ada", "system", "Ada created group “Trip Planning”",
         "create_group"),
        (at(2023, 12, 31, 21, 16), "Ada", "text", "Where to?", None),
        (at(2023, 12, 31, 23, 59, 59), "Bo", "text", "Kyoto!", None),
        (at(2024, 1, 1, 0, 0, 1), "Ada", "text", "Happy new year 🎆", None),
        (at(2024, 1, 1, 12, 30), "Bo", "video", "", None),
    ]  # fmt: skip


def test_chinese_system_phrases():
    got = read(ZH)
    assert got.groups.select("group_key", "name").rows() == [("whatsapp:读书会", "读书会")]
    assert got.messages.select("sent_at", "sender_id", "kind", "text", "action").rows() == [
        (at(2023, 12, 31, 21, 0), None, "system",
         "消息和通话都已进行端到端加密。对话之外的任何人，甚至包括 WhatsApp，都无法读取或收听这些内容。"
         "轻触了解更多。", "encryption_notice"),
        (at(2023, 12, 31, 21, 0), "张伟", "system", "张伟 创建了群组“读书会”", "create_group"),
        (at(2023, 12, 31, 21, 1), "张伟", "system", "张伟 添加了 李娜、陈静", "invite_members"),
        (at(2023, 12, 31, 21, 2), "王芳", "system", "王芳 通过此群组的邀请链接加入", "join_group"),
        (at(2023, 12, 31, 21, 3), "张伟", "text", "欢迎大家！", None),
        (at(2023, 12, 31, 23, 59), "李娜", "media", "", None),
        (at(2024, 1, 1, 0, 5), "王芳", "text", "新年快乐", None),
        (at(2024, 1, 1, 9, 0), "李娜", "system", "李娜 已退出", "leave_group"),
        (at(2024, 1, 1, 10, 0), "张伟", "system", "张伟 移除了 王芳", "remove_members"),
    ]  # fmt: skip
    assert got.membership_events.select("kind", "identity_id", "actor_id", "source").rows() == [
        ("create", "张伟", "张伟", "creator"),
        ("join", "李娜", "张伟", "invite"),
        ("join", "陈静", "张伟", "invite"),
        ("join", "王芳", None, "link"),
        ("leave", "李娜", None, None),
        ("kick", "王芳", "张伟", None),
    ]
    assert got.memberships.filter(pl.col("role") == "owner")["identity_id"].to_list() == ["张伟"]


# -- header layouts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("de_dotted.txt", [(at(2023, 12, 31, 21, 15), "Jonas"), (at(2024, 1, 1, 0, 1), "Mia")]),
        ("sv_dashed.txt", [(at(2023, 12, 31, 21, 15), "Anna"), (at(2024, 1, 1, 0, 1), "Erik")]),
        ("es_ampm.txt", [(at(2023, 12, 31, 21, 15), "Lucía"), (at(2024, 1, 1, 0, 5), "Mateo")]),
        ("en_dotted_ampm.txt", [(at(2023, 12, 31, 21, 15), "Liam"), (at(2024, 1, 1, 0, 5), "Noah")]),
        ("ja.txt", [(at(2023, 12, 31, 21, 15), "佐藤"), (at(2024, 1, 1, 0, 5), "鈴木")]),
        ("ko.txt", [(at(2023, 12, 31, 21, 15), "민준"), (at(2024, 1, 1, 0, 5), "서연")]),
        ("ios_de_dotted.txt", [(at(2023, 12, 31, 21, 15, 7), "Jonas"), (at(2024, 1, 1, 0, 0, 30), "Mia")]),
        # No date field above 12: lower-case am/pm (en-IN, en-AU) reads day-first ...
        ("en_in_ambiguous.txt", [(at(2024, 2, 1, 21, 15), "Priya"), (at(2024, 2, 3, 10, 0), "Rahul")]),
        # ... and en-US (upper-case AM/PM, two-digit year) month-first.
        ("en_us_ambiguous.txt", [(at(2024, 1, 2, 21, 15), "Jack"), (at(2024, 3, 2, 10, 0), "Jill")]),
    ],
)  # fmt: skip
def test_layouts(name, expected):
    got = read(LAYOUTS / name)
    assert got.messages.select("sent_at", "sender_id").rows() == expected
    assert got.groups.select("group_key", "chat_type").rows() == [
        (f"whatsapp:{name.removesuffix('.txt')}", "dm")
    ]


@pytest.mark.parametrize(
    ("name", "dayfirst", "expected"),
    [
        ("en_in_ambiguous.txt", False, [at(2024, 1, 2, 21, 15), at(2024, 3, 2, 10, 0)]),
        ("en_us_ambiguous.txt", True, [at(2024, 2, 1, 21, 15), at(2024, 2, 3, 10, 0)]),
    ],
)
def test_dayfirst_option_overrides_the_guess(name, dayfirst, expected):
    got = read(LAYOUTS / name, dayfirst=dayfirst)
    assert got.messages["sent_at"].to_list() == expected


def test_day_order_read_from_a_later_chunk(tmp_path, monkeypatch):
    # The first chunk has no day above 12; a later one (31/12) settles the order.
    monkeypatch.setattr(whatsapp, "_CHUNK_BYTES", 64)
    path = tmp_path / "later.txt"
    lines = [f"{d}/{m}/2023, 10:00 - Ann: day {d}" for m in (11, 12) for d in (1, 2, 3)]
    path.write_text("\n".join([*lines, "31/12/2023, 10:00 - Ann: last"]) + "\n")
    got = read(path).messages["sent_at"].to_list()
    assert got[0] == at(2023, 11, 1, 10, 0)
    assert got[-1] == at(2023, 12, 31, 10, 0)


def test_time_zone_option():
    got = read(FAMILY, tz="Europe/London").messages["sent_at"]
    assert got[0] == datetime(2023, 12, 30, 18, 0, tzinfo=UTC)
    assert got[-1] == datetime(2023, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_daylight_saving_gaps_and_folds(tmp_path):
    path = tmp_path / "dst.txt"
    path.write_text(
        "26/03/2023, 02:30 - Ann: in the spring gap\n29/10/2023, 02:30 - Ann: in the autumn fold\n"
    )
    got = read(path, tz="Europe/Berlin").messages["sent_at"].to_list()
    # The gap reads with the offset before the jump (+01:00), the fold takes the first (+02:00).
    assert got == [
        datetime(2023, 3, 26, 1, 30, tzinfo=UTC),
        datetime(2023, 10, 29, 0, 30, tzinfo=UTC),
    ]


def test_crlf_and_bom(tmp_path):
    path = tmp_path / "WhatsApp Chat with Crlf.txt"
    path.write_bytes(b"\xef\xbb\xbf" + BOOK.read_bytes().replace(b"\n", b"\r\n"))
    got = read(path)
    assert got.messages.drop("group_key").rows() == BOOK_ROWS


def test_small_chunks_and_batches_give_the_same_rows(monkeypatch):
    whole = read(BOOK)
    monkeypatch.setattr(whatsapp, "_CHUNK_BYTES", 40)
    source = Source(BOOK)
    batches = list(whatsapp.read(source, ImportOptions(batch_size=2)))
    assert max(len(b) for b in batches) == 2
    assert len(batches) >= 13
    small = merge(batches)
    for table in TABLES:
        key = ["message_id"] if table == "messages" else None
        left, right = whole.table(table), small.table(table)
        if key is None:
            left, right = left.sort(left.columns), right.sort(right.columns)
        assert left.rows() == right.rows(), table


def test_hashes_match_the_spec():
    values = ["", "a", "abcdefgh", "abcdefghi", "大家好 👋", "x" * 100, "a\0"]
    senders = ["", "Bob", None, "+86 138 0013 8000", "张伟", "Bob", None]
    assert string_hash(pl.Series(values)).to_list() == [spec_hash(v) for v in values]
    names = sorted({s for s in senders if s is not None})
    got = message_hash(pl.Series(values), pl.Series(senders, dtype=pl.String), names).to_list()
    assert got == [
        (spec_hash(v) + spec_hash(s or "") * _Q) & _MASK
        for v, s in zip(values, senders, strict=True)
    ]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=30))
def test_string_hash_matches_the_spec_for_any_text(values):
    got = string_hash(pl.Series(values, dtype=pl.String)).to_list()
    assert got == [spec_hash(v) for v in values]


# -- detection ----------------------------------------------------------------------------------------


def test_detect_file_folder_and_zip(tmp_path):
    [export] = detect(str(BOOK))
    assert (export.platform, export.source.names()) == ("whatsapp", [BOOK.name])

    found = detect(str(FAMILY))
    assert [(e.platform, e.source.names()) for e in found] == [("whatsapp", ["_chat.txt"])]

    archive = tmp_path / "WhatsApp Chat - Family.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for member in sorted(FAMILY.iterdir()):
            zf.write(member, member.name)
    [export] = detect(str(archive))
    assert export.platform == "whatsapp"
    report = import_paths([str(archive)])
    assert report.errors == []
    assert report.canonical.groups.rows() == [
        (FAMILY_KEY, "whatsapp", None, "Family", "group", f"{archive}!_chat.txt")
    ]
    assert (
        report.canonical.messages.drop("group_key").rows()
        == read(FAMILY).messages.drop("group_key").rows()
    )


def test_detect_a_folder_of_exports_and_an_android_zip(tmp_path):
    shutil.copy(BOOK, tmp_path / BOOK.name)
    shutil.copytree(FAMILY, tmp_path / FAMILY.name)
    (tmp_path / "notes.txt").write_text("shopping list\n")
    found = detect(str(tmp_path))
    assert sorted(e.source.names()[0] for e in found) == sorted(
        [BOOK.name, f"{FAMILY.name}/_chat.txt"]
    )
    # An Android export shared as a zip: the .txt keeps its name inside.
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(BOOK, BOOK.name)
    report = import_paths([str(archive)])
    assert report.canonical.groups["group_key"].to_list() == [BOOK_KEY]


def test_does_not_claim_other_platforms_samples():
    others = [
        p
        for p in sorted((SAMPLES.parent).rglob("*"))
        if p.is_file() and "whatsapp" not in p.relative_to(SAMPLES.parent).parts
    ]
    assert others, "no other platforms' samples to check against"
    for path in others:
        source = Source(path)
        assert whatsapp.claim(source, source.names()) == [], path


def test_claims_only_text_files_that_open_with_a_header(tmp_path):
    (tmp_path / "a.txt").write_text("hello\n12/28/23, 9:00 PM - Ann: hi\n")
    (tmp_path / "b.json").write_text("12/28/23, 9:00 PM - Ann: hi\n")
    (tmp_path / "c.txt").write_text("\n\n12/28/23, 9:00 PM - Ann: hi\n")
    (tmp_path / "d.txt").write_text("2023-12-31 21:15:07 张三(12345)\nhi\n")
    source = Source(tmp_path)
    assert whatsapp.claim(source, source.names()) == [["c.txt"]]


# -- overlapping exports ---------------------------------------------------------------------------


def test_same_export_twice_keeps_each_message_once():
    report = import_paths([str(BOOK), str(BOOK)])
    assert report.errors == []
    assert report.canonical.messages.drop("group_key").rows() == BOOK_ROWS
    assert report.canonical.membership_events.height == 9


def test_overlapping_parts_merge(tmp_path):
    lines = BOOK.read_text().splitlines(keepends=True)
    first, second = tmp_path / "early", tmp_path / "late"
    first.mkdir()
    second.mkdir()
    # Exported twice: the early file stops after the poll, the later one (a re-export limited
    # to recent messages) starts at the two photo placeholders.
    stop = next(i for i, line in enumerate(lines) if "joined using" in line)
    start = next(i for i, line in enumerate(lines) if "<Media omitted>" in line)
    (first / BOOK.name).write_text("".join(lines[:stop]))
    (second / BOOK.name).write_text("".join(lines[start:]))
    report = import_paths([str(first / BOOK.name), str(second / BOOK.name)])
    assert report.errors == []
    assert report.canonical.messages.drop("group_key").rows() == BOOK_ROWS


def test_an_export_with_media_matches_one_without(tmp_path):
    # The same chat exported "with media": Android names the file instead of "<Media omitted>".
    with_media = tmp_path / "with" / BOOK.name
    with_media.parent.mkdir()
    text = BOOK.read_text().replace(
        "12/28/23, 9:08\u202fPM - Carol: <Media omitted>\n",
        "12/28/23, 9:08\u202fPM - Carol: IMG-20231228-WA0007.jpg (file attached)\n",
        1,
    )
    with_media.write_text(text)
    got = import_paths([str(BOOK), str(with_media)]).canonical.messages
    assert got.height == len(BOOK_ROWS)


# -- bad input ------------------------------------------------------------------------------------


def error_of(path: Path, **options: object) -> ImporterError:
    with pytest.raises(ImporterError) as info:
        list(whatsapp.read(Source(path), ImportOptions(**options)))
    return info.value


def test_invalid_date_names_the_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text(
        "[30/12/2023, 18:00:00] Mum: hi\n[31/12/2023, 18:00:00] Mum: ok\nmore\n"
        "[30/02/2024, 10:00:00] Dad: no such day\n"
    )
    err = error_of(path)
    assert str(err) == (
        f"{path}, line 4: '[30/02/2024, 10:00:00' is not a valid date and time "
        "(day-month-year order)"
    )


def test_mixed_day_orders_name_the_line(tmp_path):
    path = tmp_path / "mixed.txt"
    path.write_text("13/1/24, 09:00 - Ann: x\n1/13/24, 09:00 - Bob: y\n")
    assert str(error_of(path)) == (
        f"{path}, line 2: dates are day-first on line 1 but month-first on line 2; import "
        "with an explicit day/month order"
    )
    assert str(error_of(path, dayfirst=True)) == (
        f"{path}, line 2: '1/13/24, 09:00' is not a valid date and time (day-month-year order)"
    )


def test_wrong_encoding_names_the_line(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes(
        b"31/12/2023, 21:15 - Ann: hi\n" + "31/12/2023, 21:16 - 张伟: 你好\n".encode("gb18030")
    )
    assert str(error_of(path)) == f"{path}, line 2: is not UTF-8 text (WhatsApp exports are UTF-8)"


def test_truncated_inside_a_character_names_the_last_line(tmp_path):
    path = tmp_path / "cut.txt"
    path.write_bytes(BOOK.read_bytes()[: BOOK.read_bytes().index("大家好".encode()) + 4])
    assert str(error_of(path)) == f"{path}, line 10: is not UTF-8 text (WhatsApp exports are UTF-8)"


def test_truncated_header_stays_in_the_message_before(tmp_path):
    # A cut in the middle of a header leaves a line that does not start a message: it is read
    # as the end of the message before it, as WhatsApp's own format would have it.
    path = tmp_path / "cut.txt"
    data = BOOK.read_bytes()
    path.write_bytes(data[: data.index(b"12/29/23, 8:00") + 9])
    got = read(path).messages
    assert got["text"][-1] == "Alice Wang changed this group's icon\n12/29/23,"
    assert got.height == 19


def test_utf16_file(tmp_path):
    path = tmp_path / "utf16.txt"
    path.write_bytes(BOOK.read_text().encode("utf-16"))
    [export] = detect(str(path))
    with pytest.raises(ImporterError) as info:
        list(export.read(ImportOptions()))
    assert str(info.value) == (
        f"{path}: the file is UTF-16 text; WhatsApp exports are UTF-8 — save it as UTF-8"
    )


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b"\xef\xbb\xbf"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    assert str(error_of(path)) == f"{path}: the file is empty"
    with pytest.raises(ImporterError, match="not a chat export shequn recognises"):
        detect(str(path))


def test_junk_before_the_first_header(tmp_path):
    path = tmp_path / "junk.txt"
    path.write_text("Chat history\n12/28/23, 9:00 PM - Ann: hi\n")
    assert str(error_of(path)) == (
        f"{path}, line 1: does not start with a WhatsApp message header such as "
        "'31/12/2023, 21:15 - Name: text' or '[31/12/2023, 21:15:07] Name: text'"
    )


def test_unknown_time_zone(tmp_path):
    assert str(error_of(BOOK, tz="Mars/Olympus")) == f"{BOOK}: unknown time zone 'Mars/Olympus'"


def test_bad_file_does_not_lose_the_good_one(tmp_path):
    bad = tmp_path / "WhatsApp Chat with Broken.txt"
    bad.write_bytes(b"28/12/2023, 21:00 - Ann: hi\n29/12/2023, 21:00 - Ann: \xff\xfe\n")
    report = import_paths([str(bad), str(BOOK)])
    assert [str(e) for e in report.errors] == [
        f"{bad}, line 2: is not UTF-8 text (WhatsApp exports are UTF-8)"
    ]
    assert report.canonical.messages.drop("group_key").rows() == BOOK_ROWS


# -- fuzz -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("whatsapp_fuzz")


def consume(path: Path, **options: object) -> None:
    source = Source(path)
    for names in whatsapp.claim(source, source.names()):
        for _ in whatsapp.read(source.subset(names), ImportOptions(**options)):
            pass


def check_only_importer_errors(path: Path, **options: object) -> None:
    try:
        consume(path, **options)
    except ImporterError as exc:
        assert str(exc).startswith(str(path))


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=600))
def test_fuzz_arbitrary_bytes(fuzz_dir, data):
    path = fuzz_dir / "arbitrary.txt"
    path.write_bytes(b"12/28/23, 9:00 PM - Ann: hi\n" + data)
    check_only_importer_errors(path)
    path.write_bytes(data)
    check_only_importer_errors(path)


_FUZZ_SOURCES = [BOOK, FAMILY / "_chat.txt", ZH, TRIP / "_chat.txt", LAYOUTS / "ko.txt"]


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    which=st.sampled_from(_FUZZ_SOURCES),
    cut=st.floats(0, 1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=6),
    junk=st.tuples(st.floats(0, 1), st.binary(max_size=40)),
    chunk=st.sampled_from([16, 64, 1 << 20]),
    dayfirst=st.sampled_from([None, True, False]),
)
def test_fuzz_mutated_samples(fuzz_dir, which, cut, flips, junk, chunk, dayfirst):
    data = bytearray(which.read_bytes())
    data = data[: int(len(data) * cut) or 1]
    for where, value in flips:
        data[min(int(len(data) * where), len(data) - 1)] = value
    at_ = int(len(data) * junk[0])
    data[at_:at_] = junk[1]
    path = fuzz_dir / "mutated.txt"
    path.write_bytes(bytes(data))
    original = whatsapp._CHUNK_BYTES
    whatsapp._CHUNK_BYTES = chunk
    try:
        check_only_importer_errors(path, dayfirst=dayfirst)
    finally:
        whatsapp._CHUNK_BYTES = original


_HEADERS = [
    "12/28/23, 9:00\u202fPM - ",
    "[30/12/2023, 18:00:00] ",
    "\u200e[30/12/2023, 18:00:00] ",
    "2023/12/31 下午9:00 - ",
    "31.12.23, 21:15 - ",
    "13/13/23, 9:00 - ",
    "[99/99/9999, 99:99:99] ",
]
_BODIES = [
    "Ann: hi",
    "Ann: <Media omitted>",
    "\u2068Ann\u2069 added \u2068Bob\u2069",
    "Ann left",
    "Family: \u200eAnn created group “F”",
    "Ann: @\u2068Bob\u2069 hi @8613800138000",
    "Ann: \u200eimage omitted",
    "Ann: x <This message was edited>",
    "Ann: IMG-1.jpg (file attached)",
    "Ann: <attached: 0001-PHOTO-x.jpg>",
    ": ",
    "Family: \u200eweird",
    'Ann changed the subject from "a: b" to "c"',
]


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(
        st.one_of(
            st.tuples(
                st.sampled_from(_HEADERS), st.one_of(st.sampled_from(_BODIES), st.text(max_size=30))
            ).map("".join),
            st.text(max_size=20),
        ),
        max_size=12,
    ),
    chunk=st.sampled_from([16, 64, 1 << 20]),
    tz=st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/Sao_Paulo"]),
)
def test_fuzz_header_like_lines(fuzz_dir, lines, chunk, tz):
    path = fuzz_dir / "WhatsApp Chat - Family.txt"
    path.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
    original = whatsapp._CHUNK_BYTES
    whatsapp._CHUNK_BYTES = chunk
    try:
        check_only_importer_errors(path, tz=tz)
    finally:
        whatsapp._CHUNK_BYTES = original
