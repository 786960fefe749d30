"""Slack export importer: golden samples, detection, overlap, bad input, fuzz."""

import json
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequn.importers import ImporterError, ImportOptions, detect, import_paths, merge, slack
from shequn.importers.canonical import Canonical
from shequn.importers.source import Source

SAMPLES = Path(__file__).parent / "samples" / "slack"
WORKSPACE = SAMPLES / "workspace"
PARTIAL = SAMPLES / "partial"
DAY1 = WORKSPACE / "general" / "2024-03-01.json"

ALICE, BOB, CAROL, DAVE, ERIN, STANDUP = (
    "U04ALICE001",
    "U04BOB00001",
    "U04CAROL001",
    "U04DAVE0001",
    "U04ERIN0001",
    "U04STANDUP1",
)
GENERAL = "slack:C04GENERAL1"


def read(path: Path, **options: object) -> Canonical:
    source = Source(path)
    claims = slack.claim(source, source.names())
    assert claims, f"{path} was not claimed"
    return merge(
        b for names in claims for b in slack.read(source.subset(names), ImportOptions(**options))
    )


def at(ts: str) -> datetime:
    seconds, micros = ts.split(".")
    return datetime.fromtimestamp(int(seconds), UTC).replace(microsecond=int(micros))


@pytest.fixture(scope="module")
def workspace() -> Canonical:
    return read(WORKSPACE)


# -- golden values ---------------------------------------------------------------------------


def test_general_channel_messages(workspace):
    general = workspace.messages.filter(workspace.messages["group_key"] == GENERAL)
    parent, tomb = "1709281000.000300", "1709283500.000800"
    assert general.drop("group_key", "sent_at").rows() == [
        ("1709251200.000100", ALICE, "Alice", "system", "@Alice has joined the channel",
         None, [], "join_group", False),
        ("1709251260.000200", BOB, "Bob Chen", "system", "@Bob Chen has joined the channel",
         None, [], "invite_members", False),
        ("1709280000.123400", ALICE, "Alice", "system",
         "set the channel purpose: Company-wide announcements", None, [], "purpose_change", False),
        (parent, ALICE, "Alice", "link",
         "Welcome @Bob Chen! Agenda is at the agenda page & questions go to #random",
         None, [BOB], None, False),
        ("1709281100.000400", BOB, "Bob Chen", "text", "Thanks!", parent, [], None, False),
        # Broadcast to the channel and listed again in the thread: one message.
        ("1709281200.000500", CAROL, "carol", "text", "I'll be there @here", parent, [], None,
         False),
        ("1709282000.000600", STANDUP, "Standup Bot", "text",
         "Daily standup: what did you do yesterday?", None, [], None, False),
        ("1709283000.000700", DAVE, "Dave", "image", "photos from the meetup <3", None, [], None,
         False),
        (tomb, None, None, "deleted", "", None, [], None, False),
        ("1709283600.000900", CAROL, "carol", "text", "what was deleted?", tomb, [], None, False),
        ("1709284000.001000", ALICE, "Alice", "system", "@Alice pinned a message to this channel.",
         parent, [], "pin_message", False),
        ("1709285000.001100", CAROL, "carol", "text", "is excited for Saturday", None, [], None,
         False),
        ("1709286000.001200", BOB, "Bob Chen", "text", "Meeting moved to 3pm", None, [], None,
         True),
        ("1709337600.000100", ERIN, "Erin", "system", "@Erin has joined the channel", None, [],
         "invite_members", False),
        ("1709337700.000200", ERIN, "Erin", "text", "hi everyone 👋 @Alice thanks for the invite",
         None, [ALICE], None, False),
        ("1709338000.000300", DAVE, "Dave", "system", "@Dave has left the channel", None, [],
         "leave_group", False),
        ("1709338100.000400", ALICE, "Alice", "system",
         "set the channel topic: Meetups every Saturday", None, [], "topic_change", False),
        ("1709338200.000500", ALICE, "Alice", "system",
         'has renamed the channel from "general-chat" to "general"', None, [], "title_change",
         False),
        ("1709338300.000600", BOB, "Bob Chen", "call", "", None, [], "huddle", False),
    ]  # fmt: skip
    # ts is epoch seconds with exactly six decimals: no float rounding on the way to UTC.
    assert general["sent_at"].to_list() == [at(m) for m in general["message_id"]]
    assert general["sent_at"][2] == datetime(2024, 3, 1, 8, 0, 0, 123400, tzinfo=UTC)


def test_groups(workspace):
    label = str(WORKSPACE)
    assert sorted(workspace.groups.rows()) == [
        ("slack:C04ARCHIVE1", "slack", "C04ARCHIVE1", "old-events", "public", label),
        ("slack:C04CORETEAM", "slack", "C04CORETEAM", "core-team", "private", label),
        (GENERAL, "slack", "C04GENERAL1", "general", "public", label),
        ("slack:C04MPDM0001", "slack", "C04MPDM0001", "Alice, Bob Chen, carol", "mpim", label),
        ("slack:C04RANDOM01", "slack", "C04RANDOM01", "random", "public", label),
        ("slack:D04ALIBOB01", "slack", "D04ALIBOB01", "Alice, Bob Chen", "dm", label),
    ]


def test_identities(workspace):
    assert sorted(workspace.identities.rows()) == [
        ("slack", ALICE, "Alice", "alice", "+86 138 0000 0001", False),
        ("slack", BOB, "Bob Chen", "bob", None, False),
        ("slack", CAROL, "carol", "carol", None, False),
        ("slack", DAVE, "Dave", "dave", None, False),
        ("slack", ERIN, "Erin", "erin", None, False),
        ("slack", STANDUP, "Standup Bot", "standup", None, True),
        ("slack", "USLACKBOT", "Slackbot", "slackbot", None, True),
    ]


def test_memberships_and_roles(workspace):
    # Creator → owner; workspace owner/admin → owner/admin in channels, not in DMs; bots → bot.
    assert sorted(workspace.memberships.rows()) == [
        ("slack:C04ARCHIVE1", CAROL, "carol", "owner"),
        ("slack:C04CORETEAM", ALICE, "Alice", "owner"),
        ("slack:C04CORETEAM", BOB, "Bob Chen", "owner"),
        (GENERAL, ALICE, "Alice", "owner"),
        (GENERAL, BOB, "Bob Chen", "admin"),
        (GENERAL, CAROL, "carol", "member"),
        (GENERAL, DAVE, "Dave", "member"),
        (GENERAL, ERIN, "Erin", "member"),
        (GENERAL, STANDUP, "Standup Bot", "bot"),
        ("slack:C04MPDM0001", ALICE, "Alice", "owner"),
        ("slack:C04MPDM0001", BOB, "Bob Chen", "member"),
        ("slack:C04MPDM0001", CAROL, "carol", "member"),
        ("slack:C04RANDOM01", ALICE, "Alice", "owner"),
        ("slack:C04RANDOM01", BOB, "Bob Chen", "owner"),
        ("slack:C04RANDOM01", CAROL, "carol", "member"),
        ("slack:D04ALIBOB01", ALICE, "Alice", "member"),
        ("slack:D04ALIBOB01", BOB, "Bob Chen", "member"),
    ]


def test_membership_events(workspace):
    core = "slack:C04CORETEAM"
    assert sorted(workspace.membership_events.rows()) == [
        ("slack:C04ARCHIVE1", "created", at("1706745600.0"), "create", CAROL, "carol", None, None,
         "creator"),
        (core, "1709340000.000100", at("1709340000.000100"), "join", BOB, "Bob Chen", None, None,
         "creator"),
        (core, "1709340060.000200", at("1709340060.000200"), "join", ALICE, "Alice", BOB,
         "Bob Chen", "invite"),
        (core, "created", at("1709340000.0"), "create", BOB, "Bob Chen", None, None, "creator"),
        (GENERAL, "1709251200.000100", at("1709251200.000100"), "join", ALICE, "Alice", None, None,
         "creator"),
        (GENERAL, "1709251260.000200", at("1709251260.000200"), "join", BOB, "Bob Chen", ALICE,
         "Alice", "invite"),
        (GENERAL, "1709337600.000100", at("1709337600.000100"), "join", ERIN, "Erin", BOB,
         "Bob Chen", "invite"),
        (GENERAL, "1709338000.000300", at("1709338000.000300"), "leave", DAVE, "Dave", None, None,
         None),
        (GENERAL, "1709338200.000500", at("1709338200.000500"), "rename", ALICE, "Alice", ALICE,
         "Alice", None),
        (GENERAL, "created", at("1709251200.0"), "create", ALICE, "Alice", None, None, "creator"),
        ("slack:C04MPDM0001", "created", at("1709423990.0"), "create", ALICE, "Alice", None, None,
         "creator"),
        ("slack:C04RANDOM01", "1709251290.000100", at("1709251290.000100"), "join", BOB,
         "Bob Chen", None, None, "creator"),
        ("slack:C04RANDOM01", "created", at("1709251290.0"), "create", BOB, "Bob Chen", None, None,
         "creator"),
    ]  # fmt: skip


def test_reactions(workspace):
    assert sorted(workspace.reactions.drop("reacted_at").rows(), key=str) == sorted(
        [
            (GENERAL, "1709281000.000300", ":tada:", BOB, "Bob Chen", 1),
            (GENERAL, "1709281000.000300", ":tada:", CAROL, "carol", 1),
            (GENERAL, "1709281000.000300", ":+1::skin-tone-2:", CAROL, "carol", 1),
            ("slack:C04MPDM0001", "1709424000.000100", ":+1:", ALICE, "Alice", 1),
            ("slack:C04MPDM0001", "1709424000.000100", ":+1:", BOB, "Bob Chen", 1),
            ("slack:C04RANDOM01", "1709252100.000300", ":eyes:", BOB, "Bob Chen", 1),
            # Three reacted, one was listed: the other two stay as an anonymous count.
            ("slack:C04RANDOM01", "1709252100.000300", ":eyes:", None, None, 2),
        ],
        key=str,
    )


def test_other_chats(workspace):
    rest = workspace.messages.filter(workspace.messages["group_key"] != GENERAL)
    assert rest.select("group_key", "message_id", "sender_id", "kind", "text", "mentions").rows() == [
        ("slack:D04ALIBOB01", "1709341000.000100", ALICE, "text", "Can you review my doc?", []),
        ("slack:D04ALIBOB01", "1709341060.000200", BOB, "text", "Sure", []),
        ("slack:C04CORETEAM", "1709340000.000100", BOB, "system", "@Bob Chen has joined the channel", []),
        ("slack:C04CORETEAM", "1709340060.000200", ALICE, "system", "@Alice has joined the channel", []),
        ("slack:C04CORETEAM", "1709340120.000300", ALICE, "text", "Budget review tomorrow @Bob Chen", [BOB]),
        ("slack:C04MPDM0001", "1709424000.000100", CAROL, "text", "Lunch?", []),
        ("slack:C04RANDOM01", "1709251290.000100", BOB, "system", "@Bob Chen has joined the channel", []),
        ("slack:C04RANDOM01", "1709252000.000200", CAROL, "link", "https://news.ycombinator.com", []),
        ("slack:C04RANDOM01", "1709252100.000300", ALICE, "text", "@carol nice find 你好", [CAROL]),
    ]  # fmt: skip


def test_export_with_only_channels_json():
    got = read(PARTIAL)
    key = "slack:C04SUPPORT1"
    assert got.groups.rows() == [(key, "slack", "C04SUPPORT1", "support", "public", str(PARTIAL))]
    # Without users.json, names come from the profile Slack copies into each post.
    assert sorted(got.identities.rows()) == [
        ("slack", ALICE, "Alice", "alice", None, None),
        ("slack", "U04FRANK001", "Frank Wu", "frank", None, None),
    ]
    assert got.messages.select("message_id", "sender_name", "text", "reply_to").rows() == [
        ("1711962000.000100", "Frank Wu", "@Frank Wu has joined the channel", None),
        ("1711962060.000200", "Frank Wu", "How do I export my data?", None),
        ("1711962120.000300", "Alice", "@Frank Wu Settings → Import/Export", "1711962060.000200"),
    ]
    assert sorted(got.memberships.rows()) == [
        (key, ALICE, "Alice", "owner"),
        (key, "U04FRANK001", "Frank Wu", "member"),
    ]
    assert got.membership_events.select("event_id", "kind", "identity_id", "source").rows() == [
        ("1711962000.000100", "join", "U04FRANK001", "unknown"),
        ("created", "create", ALICE, "creator"),
    ]


@pytest.mark.parametrize(
    ("path", "key", "count"),
    [(DAY1, "slack:general", 13), (WORKSPACE / "general", "slack:general", 19)],
)
def test_channel_folder_or_day_file_on_its_own(path, key, count):
    # No channels.json to give the id: the folder name is the key.
    got = read(path)
    assert got.groups.select("group_key", "name", "chat_type").rows() == [(key, "general", None)]
    assert got.messages.height == count
    assert got.messages["sender_name"].to_list()[:2] == ["Alice", "Bob Chen"]


def test_batches_respect_batch_size():
    batches = list(slack.read(Source(WORKSPACE), ImportOptions(batch_size=5)))
    assert [len(b) for b in batches] == [5, 5, 5, 5, 5, 3]
    assert merge(batches).messages.equals(read(WORKSPACE).messages)


# -- detection -------------------------------------------------------------------------------


def _tree(path: Path) -> list[str]:
    return sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())


def test_detect_folder_zip_and_file(tmp_path):
    found = detect(str(WORKSPACE))
    assert [(e.platform, sorted(e.source.names())) for e in found] == [("slack", _tree(WORKSPACE))]
    # Slack's zip has the tree at its top; a re-zipped folder has it one level down.
    for prefix in ("", "Shequn Slack export Mar 1 2024 - Mar 3 2024/"):
        archive = tmp_path / f"export{len(prefix)}.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            for name in _tree(WORKSPACE):
                zf.write(WORKSPACE / name, prefix + name)
        found = detect(str(archive))
        assert [(e.platform, sorted(e.source.names())) for e in found] == [
            ("slack", [prefix + n for n in _tree(WORKSPACE)])
        ]
    assert [(e.platform, e.source.names()) for e in detect(str(DAY1))] == [
        ("slack", ["2024-03-01.json"])
    ]


def test_two_exports_in_one_folder(tmp_path):
    shutil.copytree(WORKSPACE, tmp_path / "a")
    shutil.copytree(PARTIAL, tmp_path / "b")
    found = detect(str(tmp_path))
    assert [sorted(e.source.names()) for e in found] == [
        ["a/" + n for n in _tree(WORKSPACE)],
        ["b/" + n for n in _tree(PARTIAL)],
    ]
    # Each export's groups name the export's own folder as their source.
    sources = [set(merge(e.read(ImportOptions())).groups["source"]) for e in found]
    assert sources == [{str(tmp_path / "a")}, {str(tmp_path / "b")}]


def _foreign_samples() -> list[Path]:
    root = SAMPLES.parent
    return sorted(
        p for p in root.rglob("*") if SAMPLES not in p.parents and p != SAMPLES and p != root
    )


def test_does_not_claim_other_platforms_samples():
    claimed = []
    for path in _foreign_samples():
        source = Source(path)
        if slack.claim(source, source.names()):
            claimed.append(path)
    assert claimed == []


def test_metadata_without_day_files_is_not_an_export(tmp_path):
    for name in ("users.json", "channels.json"):
        shutil.copy(WORKSPACE / name, tmp_path / name)
    source = Source(tmp_path)
    assert slack.claim(source, source.names()) == []


# -- overlap ---------------------------------------------------------------------------------


def test_same_export_twice_and_overlapping_exports(tmp_path):
    later = tmp_path / "later"
    later.mkdir()
    for name in ("users.json", "channels.json"):
        shutil.copy(WORKSPACE / name, later / name)
    (later / "general").mkdir()
    shutil.copy(WORKSPACE / "general" / "2024-03-02.json", later / "general")
    extra = [{"type": "message", "user": DAVE, "text": "back again", "ts": "1709424100.000100"}]
    (later / "general" / "2024-03-03.json").write_text(json.dumps(extra), encoding="utf-8")
    report = import_paths([str(WORKSPACE), str(WORKSPACE), str(later)])
    assert report.errors == []
    ids = report.canonical.messages["message_id"].to_list()
    assert len(ids) == len(set(ids)) == 29
    assert report.canonical.messages.filter(
        report.canonical.messages["message_id"] == "1709424100.000100"
    )["group_key"].to_list() == [GENERAL]


# -- bad input -------------------------------------------------------------------------------


@pytest.fixture
def broken(tmp_path):
    """A copy of the workspace whose files a test may damage."""
    target = tmp_path / "export"
    shutil.copytree(WORKSPACE, target)
    return target


def _error(path: Path) -> str:
    with pytest.raises(ImporterError) as err:
        read(path)
    return str(err.value)


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_malformed_day_file(broken):
    day = broken / "general" / "2024-03-02.json"
    text = day.read_text(encoding="utf-8").replace(
        '"ts": "1709338000.000300",', '"ts" "1709338000.000300",'
    )
    day.write_text(text, encoding="utf-8")
    line = _line_of(text, '"ts" "1709338000.000300"')
    assert _error(broken) == f"{day}, line {line}: the JSON is malformed: expected ':'"


def test_truncated_day_file(broken):
    day = broken / "general" / "2024-03-01.json"
    text = day.read_text(encoding="utf-8")
    day.write_text(text[: len(text) // 2], encoding="utf-8")
    assert _error(broken) == (
        f"{day}, line {text[: len(text) // 2].count(chr(10)) + 1}: "
        "the JSON ends early (truncated file?)"
    )


def test_wrong_value_names_the_message(broken):
    day = broken / "random" / "2024-03-01.json"
    text = day.read_text(encoding="utf-8").replace('"text": "<https:', '"text": ["<https:', 1)
    text = text.replace('news.ycombinator.com>",', 'news.ycombinator.com>"],', 1)
    day.write_text(text, encoding="utf-8")
    assert _error(broken) == (
        f"{day}, message #2 (ts 1709252000.000200): "
        "unexpected value at $[1].text: Expected `str | null`, got `array`"
    )


def test_bad_ts_names_the_message(broken):
    day = broken / "random" / "2024-03-01.json"
    text = day.read_text(encoding="utf-8").replace("1709252000.000200", "yesterday")
    day.write_text(text, encoding="utf-8")
    assert _error(broken) == (
        f"{day}, message #2: the message time \"ts\" 'yesterday' is not Slack epoch seconds"
    )


def test_wrong_encoding(broken):
    day = broken / "random" / "2024-03-01.json"
    text = day.read_text(encoding="utf-8").replace("\\u4f60\\u597d", "你好")
    day.write_bytes(text.encode("gbk"))
    assert _error(broken) == (
        f"{day}, line {_line_of(text, '你好')}: the file is not valid UTF-8 text (wrong encoding?)"
    )


def test_utf16_day_file(broken):
    day = broken / "random" / "2024-03-01.json"
    day.write_bytes(day.read_text(encoding="utf-8").encode("utf-16"))
    assert _error(broken) == f"{day}, line 1: the file is UTF-16 text, not UTF-8 (re-saved?)"


def test_empty_and_broken_metadata(broken):
    (broken / "dms.json").write_bytes(b"")
    assert _error(broken) == f"{broken / 'dms.json'}, line 1: the file is empty"
    (broken / "dms.json").write_text("[]", encoding="utf-8")
    users = json.loads((broken / "users.json").read_text(encoding="utf-8"))
    users[3]["id"] = None
    (broken / "users.json").write_text(json.dumps(users), encoding="utf-8")
    assert _error(broken) == (
        f"{broken / 'users.json'}, user #4: unexpected value at $[3].id: Expected `str`, got `null`"
    )


def test_bad_export_does_not_lose_the_good_one(broken):
    (broken / "general" / "2024-03-02.json").write_text("[{", encoding="utf-8")
    report = import_paths([str(broken), str(PARTIAL)])
    assert [e.path for e in report.errors] == [str(broken / "general" / "2024-03-02.json")]
    assert report.canonical.messages["message_id"].to_list() == [
        "1711962000.000100",
        "1711962060.000200",
        "1711962120.000300",
    ]


# -- fuzz ------------------------------------------------------------------------------------


def _exercise(root: Path) -> None:
    """claim() then read(); an ImporterError is a fine answer, anything else is a bug."""
    source = Source(root)
    for names in slack.claim(source, source.names()):
        try:
            for _ in slack.read(source.subset(names), ImportOptions(batch_size=4)):
                pass
        except ImporterError:
            pass


@pytest.fixture(scope="module")
def fuzz_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("slack-fuzz") / "export"
    shutil.copytree(WORKSPACE, root)
    return root


_fuzz = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
TARGETS = ["general/2024-03-01.json", "users.json", "channels.json", "mpims.json"]


@_fuzz
@given(target=st.sampled_from(TARGETS), data=st.binary(max_size=2048))
def test_fuzz_arbitrary_bytes(fuzz_tree, target, data):
    path = fuzz_tree / target
    original = path.read_bytes()
    try:
        path.write_bytes(data)
        _exercise(fuzz_tree)
        _exercise(path)
    finally:
        path.write_bytes(original)


@_fuzz
@given(
    target=st.sampled_from([*TARGETS, "random/2024-03-01.json"]),
    cut=st.floats(0, 1),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=4),
    junk=st.tuples(st.floats(0, 1), st.binary(max_size=40)),
)
def test_fuzz_mutated_samples(fuzz_tree, target, cut, flips, junk):
    path = fuzz_tree / target
    original = path.read_bytes()
    data = bytearray(original)
    for where, value in flips:
        data[min(int(where * len(data)), len(data) - 1)] = value
    spot = int(junk[0] * len(data))
    data[spot:spot] = junk[1]
    if cut < 0.5:
        data = data[: int(cut * 2 * len(data))]
    try:
        path.write_bytes(bytes(data))
        _exercise(fuzz_tree)
    finally:
        path.write_bytes(original)
