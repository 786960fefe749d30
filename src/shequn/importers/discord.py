"""DiscordChatExporter JSON importer. See docs/importers/discord.md."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Annotated, BinaryIO
from zoneinfo import ZoneInfo

import msgspec

from ._json_errors import describe_decode_error, first_bad_utf8
from .errors import ImporterError
from .events import Batch, BatchBuilder, group_key
from .options import ImportOptions
from .source import Source

PLATFORM = "discord"

_Count = Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)]
_Id = str | int


class _User(msgspec.Struct, rename="camel"):
    id: _Id
    name: str | None = None
    discriminator: str | None = None
    nickname: str | None = None
    is_bot: bool | None = None


class _Emoji(msgspec.Struct):
    id: _Id | None = None
    name: str | None = None


class _Reaction(msgspec.Struct):
    emoji: _Emoji
    count: _Count = 1
    users: list[_User] | None = None


class _Attachment(msgspec.Struct, rename="camel"):
    file_name: str | None = None
    url: str | None = None


class _Embed(msgspec.Struct):
    title: str | None = None
    description: str | None = None


class _Sticker(msgspec.Struct):
    name: str | None = None


class _Reference(msgspec.Struct, rename="camel"):
    message_id: _Id | None = None


class _Interaction(msgspec.Struct):
    user: _User | None = None


class _Message(msgspec.Struct, rename="camel"):
    id: _Id
    timestamp: str
    author: _User
    type: str | int = "Default"
    timestamp_edited: str | None = None
    content: str | None = None
    attachments: list[_Attachment] | None = None
    embeds: list[_Embed] | None = None
    stickers: list[_Sticker] | None = None
    reactions: list[_Reaction] | None = None
    mentions: list[_User] | None = None
    reference: _Reference | None = None
    interaction: _Interaction | None = None


class _Guild(msgspec.Struct):
    id: _Id | None = None
    name: str | None = None


class _Channel(msgspec.Struct, rename="camel"):
    id: _Id
    type: str | int | None = None
    category: str | None = None
    name: str | None = None


class _Export(msgspec.Struct):
    channel: _Channel
    guild: _Guild | None = None
    messages: list[_Message] = []


class _Tail(msgspec.Struct, rename="camel"):
    message_count: int | None = None


_MESSAGES_DECODER = msgspec.json.Decoder(list[_Message])
_EXPORT_DECODER = msgspec.json.Decoder(_Export)
_TAIL_DECODER = msgspec.json.Decoder(_Tail)

# -- detection -------------------------------------------------------------------------------

# The exporter always writes `guild` first and `channel` second; no other chat export we
# know of opens with a `guild` object.
_HEAD = re.compile(rb'\A(?:\xef\xbb\xbf)?\s*\{\s*"guild"\s*:\s*\{')
_CHANNEL_KEY = re.compile(rb'"channel"\s*:\s*\{')


def claim(source: Source, names: list[str]) -> list[list[str]]:
    claims = []
    for name in names:
        if PurePosixPath(name).suffix.lower() != ".json":
            continue
        try:
            head = source.head(name)
        except Exception:  # a file we cannot even open is simply not ours
            continue
        if _HEAD.match(head) and _CHANNEL_KEY.search(head):
            # Each file is its own export: a damaged `[part 3]` must not cost the other parts.
            # Parts of one channel share the group key, and canonical.merge drops the messages
            # that overlapping parts or re-exports repeat.
            claims.append([name])
    return sorted(claims, key=lambda names: _part_order(names[0]))


_PART = re.compile(r"^(.*) \[part (\d+)\](\.json)$", re.IGNORECASE)


def _part_order(name: str) -> tuple[str, int]:
    """`x.json` then `x [part 2].json`, `x [part 10].json`: the order the exporter wrote."""
    found = _PART.match(name)
    return (found.group(1) + found.group(3), int(found.group(2))) if found else (name, 1)


# -- reading ---------------------------------------------------------------------------------

# DiscordChatExporter writes indented JSON, one message object per `    {` … `    }` block at
# depth 2. Raw newlines cannot occur inside JSON strings, so "\n    }" only ever closes a
# message; cutting there lets us decode the array a few megabytes at a time.
_MESSAGES_KEY = re.compile(rb'"messages"\s*:\s*\[')
_INDENTED_START = re.compile(rb"\A\r?\n {4}\{")
_MESSAGE_END = b"\n    }"
_MESSAGE_START = b"\n    {"
_CHUNK = 8 << 20
_HEADER_LIMIT = 16 << 20


def read(source: Source, options: ImportOptions) -> Iterator[Batch]:
    for name in source.names():
        yield from _FileReader(source, name, options).batches()


class _FileReader:
    def __init__(self, source: Source, name: str, options: ImportOptions) -> None:
        self.source = source
        self.name = name
        self.display = source.display(name)
        self.options = options
        self.tz: ZoneInfo | None = None
        self.builder = BatchBuilder(PLATFORM)
        self.group_key = ""
        self.seen: set[str] = set()
        # Latest attributes win: the newest message shows the newest nickname.
        self.identities: dict[str, tuple[str | None, str | None, bool | None]] = {}
        self.roles: dict[str, tuple[str | None, str]] = {}

    # -- file structure ------------------------------------------------------------------
    def batches(self) -> Iterator[Batch]:
        files = ExitStack()
        try:
            fh = files.enter_context(self.source.open(self.name))
        except ImporterError:
            raise
        except Exception as exc:  # encrypted or oddly compressed zip members
            raise ImporterError(self.display, f"cannot read the file ({exc})") from None
        with files:
            buf = self._read(fh)
            if buf.startswith(b"\xef\xbb\xbf"):
                buf = buf[3:]
            if not buf.strip():
                raise ImporterError(self.display, "the file is empty", "line 1")
            if buf.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise ImporterError(
                    self.display, "the file is UTF-16 text, not UTF-8 (re-saved?)", "line 1"
                )
            while True:
                found = _MESSAGES_KEY.search(buf)
                if found:
                    break
                more = self._read(fh)
                if not more or len(buf) > _HEADER_LIMIT:
                    raise ImporterError(
                        self.display,
                        'has no "messages" list: not a complete DiscordChatExporter JSON file',
                    )
                buf += more
            header = buf[: found.end()]
            rest = buf[found.end() :]
            while len(rest) < 64:
                more = self._read(fh)
                if not more:
                    break
                rest += more
            if _INDENTED_START.match(rest) or rest.lstrip().startswith(b"]"):
                export = self._decode_export(header + b"]}")
                self._start(export)
                yield from self._stream(fh, rest, header.count(NL) + 1)
            else:
                # Minified or re-serialised files have no line structure to cut on; decode
                # whole (typed structs keep this to a few times the file size).
                export = self._decode_export(header + rest + self._read(fh, -1))
                self._start(export)
                for index, message in enumerate(export.messages, 1):
                    self._message(message, index)
                    if self.builder.message_count >= self.options.batch_size:
                        yield self.builder.build()
        yield self._finish()

    def _stream(self, fh: BinaryIO, pending: bytes, line: int) -> Iterator[Batch]:
        index = 0
        eof = False
        while not eof:
            more = self._read(fh)
            if more:
                pending += more
            else:
                eof = True
            cut = pending.rfind(_MESSAGE_END)
            if cut < 0:
                continue
            end = cut + len(_MESSAGE_END)
            body, pending = pending[:end], pending[end:]
            stripped = body.lstrip(b", \t\r\n")
            try:
                messages = _MESSAGES_DECODER.decode(b"[" + stripped + b"]")
            except _DECODE_ERRORS as exc:
                raise self._chunk_error(exc, body, len(body) - len(stripped), line, index) from None
            for offset, message in enumerate(messages):
                self._message(message, index + offset + 1)
                if self.builder.message_count >= self.options.batch_size:
                    yield self.builder.build()
            index += len(messages)
            line += body.count(NL)
        self._check_tail(pending, line, index)

    def _check_tail(self, pending: bytes, line: int, index: int) -> None:
        tail = pending.lstrip(b" \t\r\n")
        if tail.startswith(b","):
            tail = tail[1:].lstrip(b" \t\r\n")
        # Point at what follows the last whole message: the damaged part, or the end.
        line += pending[: len(pending) - len(tail)].count(NL)
        if not tail.startswith(b"]"):
            where = f"line {line}" if index == 0 else f"after message #{index}, line {line}"
            raise ImporterError(
                self.display,
                "the file ends in the middle of the messages list (truncated or damaged)",
                where,
            )
        try:
            _TAIL_DECODER.decode(b"{" + tail[1:].lstrip(b" \t\r\n,"))
        except _DECODE_ERRORS:
            raise ImporterError(
                self.display,
                "the file is damaged after the messages list (truncated?)",
                f"line {line}",
            ) from None

    def _read(self, fh: BinaryIO, size: int = 0) -> bytes:
        try:
            return fh.read(size or _CHUNK)
        except Exception as exc:
            raise ImporterError(self.display, f"cannot read the file ({exc})") from None

    def _decode_export(self, data: bytes) -> _Export:
        try:
            export: _Export = _EXPORT_DECODER.decode(data)
        except _DECODE_ERRORS as exc:
            index = _message_index(exc)
            if index is None:
                raise ImporterError(
                    self.display,
                    describe_decode_error(exc, "DiscordChatExporter file"),
                    _line_of(exc, data, 0, 1),
                ) from None
            where = f"message #{index + 1}"
            ident = _raw_id(data, index, whole=True)
            if ident:
                where += f" (id {ident})"
            raise ImporterError(
                self.display, describe_decode_error(exc, "DiscordChatExporter file"), where
            ) from None
        return export

    def _chunk_error(
        self, exc: Exception, body: bytes, skipped: int, line: int, index: int
    ) -> ImporterError:
        k = _message_index(exc)
        if k is None:
            # doc = "[" + body[skipped:]: doc byte n is body byte n - 1 + skipped.
            return ImporterError(
                self.display,
                describe_decode_error(exc, "DiscordChatExporter file"),
                _line_of(exc, body, skipped - 1, line),
            )
        pos = -1
        for _ in range(k + 1):
            pos = body.find(_MESSAGE_START, pos + 1)
        where = f"message #{index + k + 1}"
        ident = _raw_id(body[skipped:], k, whole=False)
        if ident:
            where += f" (id {ident})"
        at_line = line + body[: max(pos, 0) + 1].count(NL)
        return ImporterError(
            self.display,
            describe_decode_error(exc, "DiscordChatExporter file"),
            f"{where}, line {at_line}",
        )

    # -- canonical rows -------------------------------------------------------------------
    def _start(self, export: _Export) -> None:
        channel = export.channel
        channel_id = _sid(channel.id)
        if not channel_id:
            raise ImporterError(self.display, "the channel has no id", "channel")
        self.group_key = group_key(PLATFORM, channel_id)
        kind = str(channel.type or "")
        guild_name = export.guild.name if export.guild else None
        self.builder.group(
            group_key=self.group_key,
            external_id=channel_id,
            name=_group_name(kind, guild_name, channel.category, channel.name),
            chat_type=_CHAT_TYPES.get(kind, kind.lower() or None),
            source=self.display,
        )

    def _finish(self) -> Batch:
        b = self.builder
        for identity_id, (name, handle, is_bot) in self.identities.items():
            b.identity(identity_id=identity_id, name=name, handle=handle, is_bot=is_bot)
        for identity_id, (name, role) in self.roles.items():
            b.membership(group_key=self.group_key, identity_id=identity_id, name=name, role=role)
        return b.build()

    def _person(self, user: _User, *, member: bool) -> tuple[str, str | None]:
        identity_id = _sid(user.id)
        name = user.nickname or user.name or None
        handle = user.name or None
        if handle and user.discriminator and user.discriminator.strip("0"):
            handle = f"{handle}#{user.discriminator}"  # legacy usernames were only unique with it
        if identity_id:
            old = self.identities.get(identity_id)
            is_bot = user.is_bot if user.is_bot is not None else (old[2] if old else None)
            self.identities[identity_id] = (name, handle, is_bot)
            if member:
                self.roles[identity_id] = (name, "bot" if is_bot else "member")
        return identity_id, name

    def _message(self, m: _Message, index: int) -> None:
        message_id = _sid(m.id)
        if not message_id:
            raise ImporterError(self.display, "a message has no id", f"message #{index}")
        if message_id in self.seen:
            return
        self.seen.add(message_id)
        sent_at = self._time(m.timestamp, index, message_id)
        sender_id, sender_name = self._person(m.author, member=True)
        kind_name = str(m.type)
        content = m.content or ""
        mentions = []
        for user in m.mentions or ():
            mentioned, _ = self._person(user, member=False)
            if mentioned:
                mentions.append(mentioned)
        if m.interaction and m.interaction.user:
            self._person(m.interaction.user, member=True)
        action = _action(kind_name)
        if kind_name == "RecipientRemove" and m.mentions and _sid(m.mentions[0].id) == sender_id:
            action = "leave_group"
        reference = _sid(m.reference.message_id) if m.reference else ""
        reply_to = reference if kind_name in _REFERS and reference else None
        if action is not None:
            kind = "call" if kind_name == "Call" else "system"
            text = content
            self._events(m, kind_name, message_id, sent_at, sender_id, sender_name)
        else:
            text = content or "\n".join(
                part for e in m.embeds or () for part in (e.title, e.description) if part
            )
            kind = _content_kind(m, content)
        # The hot path: one append per column instead of BatchBuilder.message(**row).
        row = self.builder.cols["messages"]
        row["group_key"].append(self.group_key)
        row["message_id"].append(message_id)
        row["sent_at"].append(sent_at)
        row["sender_id"].append(sender_id or None)
        row["sender_name"].append(sender_name)
        row["kind"].append(kind)
        row["text"].append(text)
        row["reply_to"].append(reply_to)
        row["mentions"].append(mentions)
        row["action"].append(action)
        row["edited"].append(m.timestamp_edited is not None)
        for reaction in m.reactions or ():
            self._reaction(message_id, reaction)

    def _reaction(self, message_id: str, reaction: _Reaction) -> None:
        emoji = reaction.emoji
        name = emoji.name or "?"
        if emoji.id not in (None, "", 0):
            name = f":{name}:"  # custom server emoji: the name is all a reader can show
        users = reaction.users or []
        for user in users:
            reactor_id, reactor_name = self._person(user, member=False)
            self.builder.reaction(
                group_key=self.group_key,
                message_id=message_id,
                emoji=name,
                reactor_id=reactor_id or None,
                reactor_name=reactor_name,
            )
        # Older exporter versions wrote only a count; keep the anonymous remainder.
        if reaction.count > len(users):
            self.builder.reaction(
                group_key=self.group_key,
                message_id=message_id,
                emoji=name,
                count=reaction.count - len(users),
            )

    def _events(
        self,
        m: _Message,
        kind_name: str,
        message_id: str,
        at: int,
        actor_id: str,
        actor_name: str | None,
    ) -> None:
        b = self.builder
        if kind_name == "GuildMemberJoin":
            # Joining a server takes an invite link (or server discovery, itself a public
            # link); the export never says whose link, so the actor stays empty.
            b.event(
                group_key=self.group_key,
                event_id=message_id,
                at=at,
                kind="join",
                identity_id=actor_id or None,
                identity_name=actor_name,
                source="link",
            )
        elif kind_name in ("RecipientAdd", "RecipientRemove"):
            for i, user in enumerate(m.mentions or ()):
                subject_id, subject_name = self._person(user, member=True)
                if kind_name == "RecipientAdd":
                    kind, source = "join", "invite"
                elif subject_id == actor_id:
                    kind, source = "leave", None
                else:
                    kind, source = "kick", None
                b.event(
                    group_key=self.group_key,
                    event_id=f"{message_id}:{i}",
                    at=at,
                    kind=kind,
                    identity_id=subject_id or None,
                    identity_name=subject_name,
                    actor_id=None if kind == "leave" else actor_id or None,
                    actor_name=None if kind == "leave" else actor_name,
                    source=source,
                )
        elif kind_name == "ChannelNameChange":
            b.event(
                group_key=self.group_key,
                event_id=message_id,
                at=at,
                kind="rename",
                identity_id=actor_id or None,
                identity_name=actor_name,
                actor_id=actor_id or None,
                actor_name=actor_name,
            )

    def _time(self, value: str, index: int, message_id: str) -> int:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ImporterError(
                self.display,
                f"the timestamp {value!r} is not a date and time",
                f"message #{index} (id {message_id})",
            ) from None
        if moment.tzinfo is None:
            if self.tz is None:
                self.tz = _zone(self.options.tz, self.display)
            moment = moment.replace(tzinfo=self.tz)
        return (moment - _EPOCH) // _MICROSECOND


# -- mapping tables ----------------------------------------------------------------------------

_CHAT_TYPES = {
    "GuildTextChat": "group",
    "GuildVoiceChat": "group",
    "GuildStageVoice": "group",
    "DirectGroupTextChat": "group",
    "DirectTextChat": "dm",
    "GuildNews": "channel",
    "GuildNewsThread": "thread",
    "GuildPublicThread": "thread",
    "GuildPrivateThread": "thread",
    "GuildForum": "forum",
}
_THREADS = {"GuildNewsThread", "GuildPublicThread", "GuildPrivateThread"}

# Ordinary posts; every other type is a service notice (DiscordChatExporter writes types
# its enum does not name as their number, e.g. "20" for a slash-command reply).
_CONTENT_TYPES = {
    "Default",
    "Reply",
    "ChatInputCommand",
    "ThreadStarterMessage",
    "ContextMenuCommand",
    *("0", "19", "20", "21", "23"),
}
_ACTIONS = {
    "RecipientAdd": "invite_members",
    "RecipientRemove": "remove_members",
    "Call": "call",
    "ChannelNameChange": "title_change",
    "ChannelIconChange": "photo_change",
    "ChannelPinnedMessage": "pin_message",
    "GuildMemberJoin": "join_group",
    "ThreadCreated": "create_thread",
    **{str(n): "boost" for n in range(8, 12)},
    "12": "follow_channel",
}
_REFERS = {"Reply", "19", "ChannelPinnedMessage", "6"}

_IMAGE = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".heic", ".avif", ".svg"}
_VIDEO = {".mp4", ".mov", ".webm", ".mkv", ".avi", ".m4v"}
_AUDIO = {".mp3", ".ogg", ".wav", ".m4a", ".flac", ".opus", ".aac"}
_URL = re.compile(r"https?://\S")


def _group_name(kind: str, guild: str | None, parent: str | None, name: str | None) -> str | None:
    if kind.startswith("Direct") or not guild:
        return name
    if kind in _THREADS and parent:
        return f"{guild} #{parent} › {name}"
    return f"{guild} #{name}"


def _action(kind_name: str) -> str | None:
    if kind_name in _CONTENT_TYPES:
        return None
    known = _ACTIONS.get(kind_name)
    if known:
        return known
    if kind_name.isdigit():
        return f"type_{kind_name}"
    return _CAMEL.sub("_", kind_name).lower() or "unknown"


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _content_kind(m: _Message, content: str) -> str:
    if m.stickers:
        return "sticker"
    if m.attachments:
        kinds = {_attachment_kind(a) for a in m.attachments}
        if len(kinds) == 1:
            return kinds.pop()
        return "media" if kinds <= {"image", "video"} else "file"
    return "link" if _URL.search(content) else "text"


def _attachment_kind(attachment: _Attachment) -> str:
    name = (attachment.file_name or attachment.url or "").split("?", 1)[0]
    stem, dot, suffix = name.rpartition(".")
    suffix = "." + suffix.lower() if dot and stem and "/" not in suffix else ""
    if suffix in _IMAGE:
        return "image"
    if suffix in _VIDEO:
        return "video"
    if suffix in _AUDIO:
        return "audio"
    return "file"


def _zone(name: str, display: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, LookupError):
        raise ImporterError(display, f"unknown time zone {name!r} in the import options") from None


def _sid(value: object) -> str:
    return "" if value is None else str(value).strip()


NL = b"\n"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_DECODE_ERRORS = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)
_BYTE = re.compile(r"\(byte (\d+)\)")
_ITEM = re.compile(r" - at `\$(?:\.messages)?\[(\d+)\]")


class _IdOnly(msgspec.Struct):
    id: object = None


class _ExportIds(msgspec.Struct):
    messages: list[msgspec.Raw] = []


def _message_index(exc: Exception) -> int | None:
    found = _ITEM.search(str(exc))
    return int(found.group(1)) if found else None


def _line_of(exc: Exception, text: bytes, shift: int, line: int) -> str:
    """`line N` of a syntax error, `text[byte + shift]` being the offending byte."""
    byte = _BYTE.search(str(exc))
    if isinstance(exc, UnicodeDecodeError):
        # msgspec reports the offset inside the bad string only; find it in the file.
        pos = first_bad_utf8(text)
    else:
        pos = int(byte.group(1)) + shift if byte else len(text)
    return f"line {line + text[: max(pos, 0)].count(NL)}"


def _raw_id(data: bytes, k: int, *, whole: bool) -> str:
    try:
        if whole:
            raws = msgspec.json.decode(data, type=_ExportIds).messages
        else:
            raws = msgspec.json.decode(b"[" + data + b"]", type=list[msgspec.Raw])
        return _sid(msgspec.json.decode(raws[k], type=_IdOnly).id)
    except Exception:
        return ""
