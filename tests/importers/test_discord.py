"""DiscordChatExporter JSON importer: golden samples, detection, overlap, bad input, fuzz."""

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.importers import ImporterError, ImportOptions, detect, discord, import_paths, merge
from shequn.importers.canonical import Canonical
from shequn.importers.source import Source

SAMPLES = Path(__file__).parent / "samples" / "discord"
GENERAL = SAMPLES / "Shequn Lab - Text Channels - general [1067453112405213236].json"
GENERAL_2 = SAMPLES / "Shequn Lab - Text Channels - general [1067453112405213236] [part 2].json"
THREAD = SAMPLES / "Shequn Lab - general - Saturday meetup [1213000000000000100].json"
GROUP_DM = SAMPLES / "Direct Messages - Group - Weekend plans [1200000000000000000].json"
OLD = SAMPLES / "Shequn Lab - Text Channels - announcements [1067453112405213300].json"

ALICE, BOB, CAROL, DAVE, MEE6 = (
    "300000000000000001",
    "300000000000000002",
    "300000000000000003",
    "300000000000000004",
    "155149108183695360",
)
GENERAL_KEY = "discord:1067453112405213236"


def read(path: Path, **options: object) -> Canonical:
    source = Source(path)
    claims = discord.claim(source, source.names())
    assert claims, f"{path} was not claimed"
    return merge(
        b for names in claims for b in discord.read(source.subset(names), ImportOptions(**options))
    )


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def msg(mid: str) -> str:
    return f"1213000000000000{mid}"


# -- golden values ---------------------------------------------------------------------------


def test_channel_messages():
    got = read(GENERAL).messages
    assert got.drop("group_key").rows() == [
        (msg("001"), t("2024-03-01T09:15:02.48+00:00"), DAVE, "Dave", "system",
         "Joined the server.", None, [], "join_group", False),
        (msg("002"), t("2024-03-01T09:16:10.123+00:00"), ALICE, "Alice", "text",
         "Welcome @Dave! Please read the rules in #rules", None, [DAVE], None, False),
        (msg("003"), datetime(2024, 3, 1, 9, 20, 45, 123456, tzinfo=UTC), DAVE, "Dave", "text",
         "Thanks! Glad to be here", msg("002"), [ALICE], None, False),
        (msg("004"), t("2024-03-01T09:25:00+00:00"), BOB, "Bob 陈", "link",
         "Slides from yesterday: https://example.com/slides", None, [], None, True),
        (msg("005"), t("2024-03-01T09:30:00.001+00:00"), CAROL, "carol.z", "image",
         "", None, [], None, False),
        (msg("006"), t("2024-03-01T09:31:00.2+00:00"), ALICE, "Alice", "system",
         "Pinned a message.", msg("004"), [], "pin_message", False),
        (msg("007"), t("2024-03-01T09:32:00.04+00:00"), MEE6, "MEE6", "text",
         "Level up!\nGG Dave, you just advanced to level 2!", None, [], None, False),
        (msg("008"), t("2024-03-01T09:40:00+00:00"), BOB, "Bob 陈", "system",
         "Started a thread.", None, [], "create_thread", False),
        (msg("009"), t("2024-03-01T09:41:00.33+00:00"), DAVE, "Dave", "sticker",
         "", None, [], None, False),
        (msg("010"), t("2024-03-01T10:00:00+00:00"), CAROL, "carol.z", "file",
         "Agenda for Saturday", None, [], None, False),
        (msg("011"), t("2024-03-01T10:05:00.75+00:00"), MEE6, "MEE6", "text",
         "Poll: which day works? Sat / Sun", None, [], None, False),
    ]  # fmt: skip
    assert set(got["group_key"]) == {GENERAL_KEY}


@pytest.mark.parametrize(
    ("path", "row"),
    [
        (GENERAL, (GENERAL_KEY, "discord", "1067453112405213236", "Shequn Lab #general", "group")),
        (THREAD, ("discord:1213000000000000100", "discord", "1213000000000000100",
                  "Shequn Lab #general › Saturday meetup", "thread")),
        (GROUP_DM, ("discord:1200000000000000000", "discord", "1200000000000000000",
                    "Weekend plans", "group")),
        (OLD, ("discord:1067453112405213300", "discord", "1067453112405213300",
               "Shequn Lab #announcements", "channel")),
    ],
)  # fmt: skip
def test_group_row(path, row):
    groups = read(path).groups
    assert groups.rows() == [(*row, str(path))]


def test_identities_and_memberships():
    got = read(GENERAL)
    assert sorted(got.identities.rows()) == [
        ("discord", MEE6, "MEE6", "MEE6#4876", None, True),
        ("discord", ALICE, "Alice", "alice_w", None, False),
        ("discord", BOB, "Bob 陈", "bobchen#4821", None, False),
        ("discord", CAROL, "carol.z", "carol.z", None, False),
        ("discord", DAVE, "Dave", "dave_k", None, False),
    ]
    # The export carries no permissions, so nobody is owner or admin; bots are bots.
    assert sorted(got.memberships.rows()) == [
        (GENERAL_KEY, MEE6, "MEE6", "bot"),
        (GENERAL_KEY, ALICE, "Alice", "member"),
        (GENERAL_KEY, BOB, "Bob 陈", "member"),
        (GENERAL_KEY, CAROL, "carol.z", "member"),
        (GENERAL_KEY, DAVE, "Dave", "member"),
    ]


def test_reactions_with_reactor_lists():
    got = read(GENERAL).reactions
    assert got.drop("reacted_at").rows() == [
        (GENERAL_KEY, msg("002"), "👋", DAVE, "Dave", 1),
        (GENERAL_KEY, msg("002"), "👋", BOB, "Bob 陈", 1),
        (GENERAL_KEY, msg("005"), ":party_parrot:", ALICE, "Alice", 1),
    ]


def test_server_join_is_a_join_by_link():
    got = read(GENERAL).membership_events
    assert got.rows() == [
        (GENERAL_KEY, msg("001"), t("2024-03-01T09:15:02.48+00:00"), "join", DAVE, "Dave",
         None, None, "link"),
    ]  # fmt: skip


def test_group_dm_service_messages_become_membership_events():
    got = read(GROUP_DM)
    key = "discord:1200000000000000000"
    assert got.messages.select("message_id", "kind", "action", "sender_id", "mentions").rows() == [
        ("1200000000000000001", "system", "invite_members", ALICE, [DAVE]),
        ("1200000000000000002", "text", None, DAVE, []),
        ("1200000000000000003", "system", "title_change", ALICE, []),
        ("1200000000000000004", "call", "call", BOB, []),
        ("1200000000000000005", "system", "leave_group", CAROL, [CAROL]),
        ("1200000000000000006", "system", "remove_members", ALICE, [BOB]),
    ]
    assert got.membership_events.rows() == [
        (key, "1200000000000000001:0", t("2024-02-10T20:00:00.61+08:00"), "join", DAVE, "Dave",
         ALICE, "Alice", "invite"),
        (key, "1200000000000000003", t("2024-02-10T20:02:00.2+08:00"), "rename", ALICE, "Alice",
         ALICE, "Alice", None),
        (key, "1200000000000000005:0", t("2024-02-11T09:00:00.4+08:00"), "leave", CAROL,
         "carol.z", None, None, None),
        (key, "1200000000000000006:0", t("2024-02-11T09:05:00.5+08:00"), "kick", BOB, "Bob 陈",
         ALICE, "Alice", None),
    ]  # fmt: skip


def test_thread_replies_and_reactions():
    got = read(THREAD)
    assert got.messages.select("message_id", "sender_id", "reply_to", "mentions").rows() == [
        (msg("101"), BOB, None, []),
        (msg("102"), DAVE, msg("101"), [BOB]),
        (msg("103"), CAROL, None, []),
    ]
    assert got.reactions.select("message_id", "emoji", "reactor_id", "count").rows() == [
        (msg("103"), "🍪", BOB, 1),
        (msg("103"), "🍪", DAVE, 1),
    ]


def test_old_exporter_version_without_reactors_or_nicknames():
    got = read(OLD)
    key = "discord:1067453112405213300"
    assert got.messages.select("message_id", "sent_at", "sender_name", "text", "edited").rows() == [
        ("1067500000000000001", t("2020-11-02T08:00:00.447+00:00"), "alice_w",
         "Welcome to Shequn Lab announcements", False),
        ("1067500000000000002", t("2020-11-06T09:30:12.09+00:00"), "bobchen",
         "Office hours every Friday", True),
    ]  # fmt: skip
    # Only a count was exported: one anonymous row carries it.
    assert got.reactions.rows() == [(key, "1067500000000000001", "🎉", None, None, 5, None)]


@pytest.mark.parametrize(
    ("stamp", "tz", "expected"),
    [
        ("2024-01-05T14:03:11.12+00:00", "Asia/Shanghai", datetime(2024, 1, 5, 14, 3, 11, 120000)),
        ("2024-01-05T22:03:11.1234567+08:00", "UTC", datetime(2024, 1, 5, 14, 3, 11, 123456)),
        ("2024-01-05T14:03:11Z", "Asia/Shanghai", datetime(2024, 1, 5, 14, 3, 11)),
        ("2024-01-05T09:03:11.5-05:00", "UTC", datetime(2024, 1, 5, 14, 3, 11, 500000)),
        # No offset: a local time in the import's time zone.
        ("2024-01-05T22:03:11.000", "Asia/Shanghai", datetime(2024, 1, 5, 14, 3, 11)),
    ],
)
def test_timestamp_forms(tmp_path, stamp, tz, expected):
    doc = json.loads(GENERAL.read_text(encoding="utf-8"))
    doc["messages"] = doc["messages"][1:2]
    doc["messages"][0]["timestamp"] = stamp
    path = tmp_path / "one.json"
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    assert read(path, tz=tz).messages["sent_at"].to_list() == [expected.replace(tzinfo=UTC)]


# -- streaming and layout variants -----------------------------------------------------------


def test_small_chunks_and_batches_give_the_same_rows(monkeypatch):
    whole = read(GENERAL)
    monkeypatch.setattr(discord, "_CHUNK", 200)
    source = Source(GENERAL)
    batches = list(discord.read(source, ImportOptions(batch_size=3)))
    assert [len(b) for b in batches] == [3, 3, 3, 2]
    again = merge(batches)
    for table in ("groups", "identities", "messages", "reactions", "membership_events"):
        assert again.table(table).equals(whole.table(table)), table


@pytest.mark.parametrize("layout", ["minified", "crlf", "bom"])
def test_other_layouts_give_the_same_rows(tmp_path, layout):
    raw = GENERAL.read_text(encoding="utf-8")
    if layout == "minified":
        data = json.dumps(json.loads(raw), ensure_ascii=False, separators=(",", ":")).encode()
    elif layout == "crlf":
        data = raw.replace("\n", "\r\n").encode()
    else:
        data = b"\xef\xbb\xbf" + raw.encode()
    path = tmp_path / GENERAL.name
    path.write_bytes(data)
    got, want = read(path), read(GENERAL)
    assert got.messages.equals(want.messages)
    assert got.reactions.equals(want.reactions)


def test_empty_channel(tmp_path):
    doc = json.loads(GENERAL.read_text(encoding="utf-8"))
    doc["messages"], doc["messageCount"] = [], 0
    path = tmp_path / "empty channel.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    got = read(path)
    assert got.messages.height == 0
    assert got.groups["group_key"].to_list() == [GENERAL_KEY]


# -- detection -------------------------------------------------------------------------------


def test_detect_file_folder_and_zip(tmp_path):
    assert [(e.platform, e.source.names()) for e in detect(str(GENERAL))] == [
        ("discord", [GENERAL.name])
    ]
    names = sorted(p.name for p in SAMPLES.iterdir())
    found = detect(str(SAMPLES))
    assert sorted(n for e in found for n in e.source.names()) == names
    assert {e.platform for e in found} == {"discord"}
    archive = tmp_path / "discord.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in names:
            zf.write(SAMPLES / name, f"exports/{name}")
    found = detect(str(archive))
    assert sorted(n for e in found for n in e.source.names()) == [f"exports/{n}" for n in names]
    assert {e.platform for e in found} == {"discord"}


def _foreign_samples() -> list[Path]:
    root = SAMPLES.parent
    return sorted(
        p for p in root.rglob("*") if SAMPLES not in p.parents and p != SAMPLES and p != root
    )


def test_does_not_claim_other_platforms_samples():
    foreign = _foreign_samples()
    claimed = []
    for path in foreign:
        source = Source(path)
        if discord.claim(source, source.names()):
            claimed.append(path)
    assert claimed == []


# -- overlap ---------------------------------------------------------------------------------


def test_parts_and_repeated_imports_keep_each_message_once():
    report = import_paths([str(SAMPLES), str(GENERAL), str(GENERAL_2)])
    assert report.errors == []
    general = report.canonical.messages.filter(
        report.canonical.messages["group_key"] == GENERAL_KEY
    )
    assert general["message_id"].to_list() == [msg(f"{n:03d}") for n in range(1, 15)]
    assert report.canonical.messages.height == 14 + 3 + 6 + 2


def test_overlapping_date_ranges_merge(tmp_path):
    doc = json.loads(GENERAL.read_text(encoding="utf-8"))
    early, late = dict(doc), dict(doc)
    early["messages"], late["messages"] = doc["messages"][:7], doc["messages"][4:]
    for name, part in (("early.json", early), ("late.json", late)):
        (tmp_path / name).write_text(json.dumps(part, indent=2), encoding="utf-8")
    report = import_paths([str(tmp_path / "early.json"), str(tmp_path / "late.json")])
    assert report.canonical.messages["message_id"].to_list() == [
        msg(f"{n:03d}") for n in range(1, 12)
    ]
    assert report.canonical.reactions.height == 3


# -- bad input -------------------------------------------------------------------------------


def _line_of(text: str, needle: str, occurrence: int = 0) -> int:
    at = -1
    for _ in range(occurrence + 1):
        at = text.index(needle, at + 1)
    return text[:at].count("\n") + 1


def _write(tmp_path: Path, text: str | bytes, name: str = "broken.json") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def _read_error(path: Path) -> str:
    with pytest.raises(ImporterError) as err:
        read(path)
    return str(err.value)


def test_malformed_json_names_the_line(tmp_path):
    raw = GENERAL.read_text(encoding="utf-8")
    needle = '"isPinned": false'
    broken = raw.replace(needle, '"isPinned": flase', 3).replace('"isPinned": flase', needle, 2)
    path = _write(tmp_path, broken)
    line = _line_of(broken, '"isPinned": flase')
    assert line == _line_of(raw, needle, 2)
    assert _read_error(path) == f"{path}, line {line}: the JSON is malformed: invalid character"


def test_wrong_value_names_the_message(tmp_path):
    raw = GENERAL.read_text(encoding="utf-8")
    broken = raw.replace('"timestamp": "2024-03-01T09:16:10.123+00:00"', '"timestamp": 17093', 1)
    path = _write(tmp_path, broken)
    line = _line_of(broken, '"id": "1213000000000000002"') - 1
    assert _read_error(path) == (
        f"{path}, message #2 (id 1213000000000000002), line {line}: "
        "unexpected value at $[1].timestamp: Expected `str`, got `int`"
    )


def test_unreadable_timestamp_names_the_message(tmp_path):
    raw = GENERAL.read_text(encoding="utf-8")
    path = _write(tmp_path, raw.replace("2024-03-01T09:16:10.123+00:00", "yesterday", 1))
    assert _read_error(path) == (
        f"{path}, message #2 (id 1213000000000000002): "
        "the timestamp 'yesterday' is not a date and time"
    )


def test_truncated_file_names_where_it_stops(tmp_path):
    raw = GENERAL.read_text(encoding="utf-8")
    cut = raw.index('    {\n      "id": "1213000000000000005"')
    path = _write(tmp_path, raw[:cut])
    assert _read_error(path) == (
        f"{path}, after message #4, line {raw[:cut].count(chr(10)) + 1}: "
        "the file ends in the middle of the messages list (truncated or damaged)"
    )


def test_truncated_inside_a_message(tmp_path):
    raw = GENERAL.read_text(encoding="utf-8")
    cut = raw.index('"content": "Agenda for Saturday"')
    path = _write(tmp_path, raw[:cut])
    line = _line_of(raw, '"id": "1213000000000000010"') - 1
    assert _read_error(path) == (
        f"{path}, after message #9, line {line}: "
        "the file ends in the middle of the messages list (truncated or damaged)"
    )


def test_wrong_encoding_names_the_line(tmp_path):
    raw = GENERAL.read_text(encoding="utf-8")
    data = raw.encode("utf-8").replace("Bob 陈".encode(), "Bob 陈".encode("gbk"))
    path = _write(tmp_path, data)
    line = _line_of(raw, "Bob 陈")
    assert (
        _read_error(path)
        == f"{path}, line {line}: the file is not valid UTF-8 text (wrong encoding?)"
    )


def test_utf16_file_is_not_recognised(tmp_path):
    path = _write(tmp_path, GENERAL.read_text(encoding="utf-8").encode("utf-16"))
    with pytest.raises(ImporterError) as err:
        detect(str(path))
    assert str(err.value).startswith(f"{path}: not a chat export shequn recognises")


def test_utf16_file_read_directly(tmp_path):
    path = _write(tmp_path, GENERAL.read_text(encoding="utf-8").encode("utf-16"))
    with pytest.raises(ImporterError) as err:
        list(discord.read(Source(path), ImportOptions()))
    assert str(err.value) == f"{path}, line 1: the file is UTF-16 text, not UTF-8 (re-saved?)"


def test_empty_file(tmp_path):
    path = _write(tmp_path, b"")
    with pytest.raises(ImporterError) as err:
        list(discord.read(Source(path), ImportOptions()))
    assert str(err.value) == f"{path}, line 1: the file is empty"


def test_bad_file_does_not_lose_the_good_one(tmp_path):
    raw = GENERAL.read_text(encoding="utf-8")
    bad = _write(tmp_path, raw[: len(raw) // 2], "bad [1].json")
    report = import_paths([str(bad), str(THREAD)])
    assert [str(e.path) for e in report.errors] == [str(bad)]
    assert report.canonical.messages["message_id"].to_list() == [msg("101"), msg("102"), msg("103")]


# -- fuzz ------------------------------------------------------------------------------------

FUZZ_FILES = [GENERAL, GROUP_DM, OLD]


def _exercise(path: Path) -> None:
    """claim() then read(); an ImporterError is a fine answer, anything else is a bug."""
    source = Source(path)
    for names in discord.claim(source, source.names()):
        try:
            for _ in discord.read(source.subset(names), ImportOptions(batch_size=4)):
                pass
        except ImporterError:
            pass


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("discord-fuzz")


_fuzz = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_fuzz
@given(data=st.binary(max_size=2048))
def test_fuzz_arbitrary_bytes(fuzz_dir, data):
    _exercise(_write(fuzz_dir, b'{"guild": {' + data, "arbitrary.json"))
    _exercise(_write(fuzz_dir, data, "raw.json"))


@_fuzz
@given(
    which=st.sampled_from(FUZZ_FILES),
    cut=st.floats(0, 1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=4),
    junk=st.tuples(st.floats(0, 1), st.binary(max_size=40)),
    chunk=st.sampled_from([64, 333, 8 << 20]),
)
def test_fuzz_mutated_samples(fuzz_dir, which, cut, flips, junk, chunk):
    data = bytearray(which.read_bytes())
    for where, value in flips:
        data[min(int(where * len(data)), len(data) - 1)] = value
    at = int(junk[0] * len(data))
    data[at:at] = junk[1]
    if cut < 0.5:
        data = data[: int(cut * 2 * len(data))]
    path = _write(fuzz_dir, bytes(data), "mutated.json")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(discord, "_CHUNK", chunk)
        _exercise(path)
