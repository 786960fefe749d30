"""Slack workspace export importer. See docs/importers/slack.md."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Annotated, TypeVar

import msgspec

from ._json_errors import describe_decode_error, first_bad_utf8
from .errors import ImporterError
from .events import Batch, BatchBuilder, group_key
from .options import ImportOptions
from .source import Source

PLATFORM = "slack"

_Count = Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)]


class _Profile(msgspec.Struct):
    display_name: str | None = None
    real_name: str | None = None
    phone: str | None = None
    bot_id: str | None = None


class _User(msgspec.Struct):
    id: str
    name: str | None = None
    real_name: str | None = None
    profile: _Profile | None = None
    is_bot: bool | None = None
    is_admin: bool | None = None
    is_owner: bool | None = None
    is_primary_owner: bool | None = None


class _Channel(msgspec.Struct):
    id: str
    name: str | None = None
    created: int | float | None = None
    creator: str | None = None
    members: list[str] | None = None
    is_mpim: bool | None = None


class _UserProfile(msgspec.Struct):
    display_name: str | None = None
    real_name: str | None = None
    name: str | None = None


class _BotProfile(msgspec.Struct):
    name: str | None = None


class _Reaction(msgspec.Struct):
    name: str
    users: list[str] | None = None
    count: _Count | None = None


class _File(msgspec.Struct):
    mimetype: str | None = None
    name: str | None = None


class _Attachment(msgspec.Struct):
    fallback: str | None = None
    text: str | None = None


class _Edited(msgspec.Struct):
    ts: str | None = None


class _Item(msgspec.Struct):
    ts: str | None = None


class _Message(msgspec.Struct):
    ts: str
    type: str | None = None
    subtype: str | None = None
    user: str | None = None
    bot_id: str | None = None
    username: str | None = None
    text: str | None = None
    thread_ts: str | None = None
    inviter: str | None = None
    reactions: list[_Reaction] | None = None
    edited: _Edited | None = None
    files: list[_File] | None = None
    attachments: list[_Attachment] | None = None
    user_profile: _UserProfile | None = None
    bot_profile: _BotProfile | None = None
    item: _Item | None = None


_Decoded = TypeVar("_Decoded")

# Workspace metadata beside the channel folders; the value is the chat type it lists.
_CHAT_LISTS = {
    "channels.json": "public",
    "groups.json": "private",
    "dms.json": "dm",
    "mpims.json": "mpim",
}
_METADATA = {"users.json", *_CHAT_LISTS}
# Also written by Slack's export, claimed with the tree, not needed for chat history.
_PASSENGERS = {"integration_logs.json", "canvases.json", "huddles.json", "org_users.json"}
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}\.json")

# -- detection -------------------------------------------------------------------------------

_ARRAY_HEAD = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*\[\s*(?:\]|\{)")
_TS_FIELD = re.compile(rb'"ts"\s*:\s*"\d{9,12}\.\d{1,6}"')


def claim(source: Source, names: list[str]) -> list[list[str]]:
    # An export root holds the metadata files and one folder per chat of per-day files.
    # Day files right at the source root are a single channel folder opened on its own.
    trees: dict[str | None, tuple[list[str], list[str]]] = {}
    for name in names:
        path = PurePosixPath(name)
        if path.name in _METADATA or path.name in _PASSENGERS:
            trees.setdefault(_posix(path.parent), ([], []))[0].append(name)
        elif _DAY.fullmatch(path.name):
            root = None if _posix(path.parent) == "" else _posix(path.parent.parent)
            trees.setdefault(root, ([], []))[1].append(name)
    claims = []
    for _root, (metadata, days) in sorted(trees.items(), key=lambda kv: kv[0] or ""):
        if days and any(_looks_like_day(source, name) for name in sorted(days)[:3]):
            claims.append(sorted(metadata) + sorted(days))
    return claims


def _looks_like_day(source: Source, name: str) -> bool:
    try:
        head = source.head(name, 65536)
    except Exception:  # a file we cannot even open is simply not ours
        return False
    # Slack writes no empty day files, so one real message is required to claim a tree.
    return bool(_ARRAY_HEAD.match(head) and _TS_FIELD.search(head))


def _posix(path: PurePosixPath) -> str:
    text = str(path)
    return "" if text == "." else text


# -- reading ---------------------------------------------------------------------------------


def read(source: Source, options: ImportOptions) -> Iterator[Batch]:
    return _Workspace(source, options).batches()


class _Chat:
    def __init__(self, key: str, external_id: str, name: str | None, chat_type: str | None) -> None:
        self.key = key
        self.external_id = external_id
        self.name = name
        self.chat_type = chat_type
        self.creator: str | None = None
        self.created: int | None = None
        self.members: list[str] = []


class _Workspace:
    def __init__(self, source: Source, options: ImportOptions) -> None:
        self.source = source
        self.options = options
        self.builder = BatchBuilder(PLATFORM)
        self.users: dict[str, _User] = {}
        self.bot_users: dict[str, str] = {}  # bot_id -> the bot's user id
        # identity id -> (name, handle, phone, is_bot); the export's own users.json first,
        # then whatever messages reveal about people it does not list.
        self.identities: dict[str, tuple[str | None, str | None, str | None, bool | None]] = {}
        self.chats: dict[str, _Chat] = {}  # by folder name and by id
        self.members: dict[str, dict[str, None]] = {}  # group key -> identity ids, ordered
        self.owners: dict[str, str] = {}  # group key -> creator id
        self.chat_types: dict[str, str | None] = {}
        self.created: list[tuple[str, int, str]] = []  # group key, when, creator
        self.groups: list[_Chat] = []
        self.label = source.label

    def batches(self) -> Iterator[Batch]:
        names = self.source.names()
        files = {PurePosixPath(n).name: n for n in names if PurePosixPath(n).name in _METADATA}
        if "users.json" in files:
            self._load_users(files["users.json"])
        for list_name, chat_type in _CHAT_LISTS.items():
            if list_name in files:
                self._load_chats(files[list_name], chat_type)
        folders: dict[str, list[str]] = {}
        for name in names:
            path = PurePosixPath(name)
            if _DAY.fullmatch(path.name):
                folders.setdefault(_posix(path.parent), []).append(name)
        # Name the export by its own root when it sits inside a larger folder or zip.
        roots = {_posix(PurePosixPath(folder).parent) for folder in folders if folder}
        if len(roots) == 1 and "" not in roots:
            self.label = self.source.display(roots.pop())
        done: set[str] = set()
        for folder in sorted(folders):
            chat = self._chat_for(folder)
            self._group(chat)
            done.add(chat.key)
            seen: set[str] = set()
            for name in sorted(folders[folder]):
                yield from self._day(chat, name, seen)
        # Chats the metadata lists without a message in the export still exist, with members.
        for chat in {id(c): c for c in self.chats.values()}.values():
            if chat.key not in done:
                self._group(chat)
                done.add(chat.key)
        yield self._finish()

    # -- metadata -------------------------------------------------------------------------
    def _load_users(self, name: str) -> None:
        for user in self._decode(name, list[_User], "user"):
            self.users[user.id] = user
            profile = user.profile or _Profile()
            if profile.bot_id:
                self.bot_users[profile.bot_id] = user.id
            # Slackbot is listed as a person (is_bot false) but is the platform's bot.
            is_bot = bool(user.is_bot) or user.id == "USLACKBOT"
            self.identities[user.id] = (
                _user_name(user),
                user.name or None,
                profile.phone or None,
                is_bot,
            )

    def _load_chats(self, name: str, chat_type: str) -> None:
        for record in self._decode(name, list[_Channel], "chat"):
            kind = "mpim" if record.is_mpim else chat_type
            chat = _Chat(group_key(PLATFORM, record.id), record.id, record.name, kind)
            chat.creator = record.creator or None
            if isinstance(record.created, int | float) and 0 < record.created < 1e12:
                chat.created = int(record.created) * 1_000_000
            chat.members = [m for m in record.members or () if m]
            # Slack names the folder of a channel by its name and the folder of a DM by its id.
            self.chats[record.id] = chat
            if record.name:
                self.chats.setdefault(record.name, chat)

    def _chat_for(self, folder: str) -> _Chat:
        base = PurePosixPath(folder).name if folder else _bare_name(self.source)
        chat = self.chats.get(base)
        if chat is None:
            # No metadata for this folder: the folder name is the best key there is.
            if re.fullmatch(r"D[A-Z0-9]{6,}", base):
                chat_type: str | None = "dm"
            elif base.startswith("mpdm-"):
                chat_type = "mpim"
            else:
                chat_type = None
            chat = _Chat(group_key(PLATFORM, base), base, base, chat_type)
            self.chats[base] = chat
        return chat

    def _group(self, chat: _Chat) -> None:
        self.groups.append(chat)
        self.chat_types[chat.key] = chat.chat_type
        members = self.members.setdefault(chat.key, {})
        for member in chat.members:
            members[member] = None
            self._see(member)
        if chat.creator:
            members[chat.creator] = None
            self._see(chat.creator)
            self.owners[chat.key] = chat.creator
            if chat.created is not None:
                self.created.append((chat.key, chat.created, chat.creator))

    # -- messages -------------------------------------------------------------------------
    def _day(self, chat: _Chat, name: str, seen: set[str]) -> Iterator[Batch]:
        messages = self._decode(name, list[_Message], "message")
        # People missing from users.json are named by the profile copied into their posts;
        # reading the day's profiles first also names them in earlier joins and mentions.
        for m in messages:
            if m.user and m.user_profile and m.user not in self.users:
                profile = m.user_profile
                shown = profile.display_name or profile.real_name or profile.name or None
                self.identities[m.user] = (shown, profile.name or None, None, None)
        for index, m in enumerate(messages, 1):
            # A thread reply "also sent to the channel" can be written twice (in the thread
            # and as a thread_broadcast in the channel): same ts, one message.
            if m.ts in seen:
                continue
            seen.add(m.ts)
            self._message(chat, m, name, index)
            if self.builder.message_count >= self.options.batch_size:
                yield self.builder.build()

    def _message(self, chat: _Chat, m: _Message, name: str, index: int) -> None:
        sent_at = _ts_us(m.ts)
        if sent_at is None:
            raise ImporterError(
                self.source.display(name),
                f'the message time "ts" {m.ts!r} is not Slack epoch seconds',
                f"message #{index}",
            )
        subtype = m.subtype or None
        sender_id: str | None = None
        sender_name: str | None = None
        # A deleted thread parent keeps a placeholder signed by Slackbot, not by its author.
        if subtype != "tombstone":
            sender_id, sender_name = self._sender(m)
        if sender_id:
            self.members[chat.key][sender_id] = None
        raw_text = m.text or ""
        if not raw_text and m.attachments:
            raw_text = "\n".join(a.text or a.fallback or "" for a in m.attachments).strip()
        text, mentions = self._plain(raw_text)
        action: str | None = None
        if subtype in _CONTENT_SUBTYPES:
            kind = _content_kind(m, raw_text)
        elif subtype == "tombstone":
            kind, text = "deleted", ""
        elif subtype in _CALL_SUBTYPES:
            kind, action = "call", _CALL_SUBTYPES[subtype]
        else:
            kind = "system"
            action = _SYSTEM_SUBTYPES.get(subtype or "", subtype)
            self._events(chat, m, subtype or "", sent_at, sender_id, sender_name)
            if action == "join_group" and m.inviter:
                action = "invite_members"
            # "<@U1> has joined the channel" names its own subject; that is not a mention.
            mentions = []
        reply_to = m.thread_ts if m.thread_ts and m.thread_ts != m.ts else None
        if subtype == "pinned_item" and m.item and m.item.ts:
            reply_to = m.item.ts
        # The hot path: one append per column instead of BatchBuilder.message(**row).
        row = self.builder.cols["messages"]
        row["group_key"].append(chat.key)
        row["message_id"].append(m.ts)
        row["sent_at"].append(sent_at)
        row["sender_id"].append(sender_id)
        row["sender_name"].append(sender_name)
        row["kind"].append(kind)
        row["text"].append(text)
        row["reply_to"].append(reply_to)
        row["mentions"].append(mentions)
        row["action"].append(action)
        row["edited"].append(m.edited is not None)
        for reaction in m.reactions or ():
            users = [u for u in reaction.users or () if u]
            emoji = f":{reaction.name}:"
            for user in users:
                self._see(user)
                self.builder.reaction(
                    group_key=chat.key,
                    message_id=m.ts,
                    emoji=emoji,
                    reactor_id=user,
                    reactor_name=self._name(user),
                )
            # Slack lists at most a few dozen reactors; keep the rest as an anonymous count.
            if reaction.count is not None and reaction.count > len(users):
                self.builder.reaction(
                    group_key=chat.key,
                    message_id=m.ts,
                    emoji=emoji,
                    count=reaction.count - len(users),
                )

    def _events(
        self,
        chat: _Chat,
        m: _Message,
        subtype: str,
        at: int,
        user_id: str | None,
        user_name: str | None,
    ) -> None:
        kind = _EVENT_SUBTYPES.get(subtype)
        if kind is None:
            return
        actor_id = actor_name = source = None
        if kind == "join":
            if m.inviter:
                actor_id, actor_name, source = m.inviter, self._name(m.inviter), "invite"
                self._see(m.inviter)
            elif user_id and user_id == chat.creator:
                source = "creator"
            else:
                # Joined from the channel browser, or was added when joining the workspace:
                # the export does not tell which.
                source = "unknown"
        elif kind == "rename":
            actor_id, actor_name = user_id, user_name
        self.builder.event(
            group_key=chat.key,
            event_id=m.ts,
            at=at,
            kind=kind,
            identity_id=user_id,
            identity_name=user_name,
            actor_id=actor_id,
            actor_name=actor_name,
            source=source,
        )

    def _sender(self, m: _Message) -> tuple[str | None, str | None]:
        user_id = m.user or None
        if user_id is None and m.bot_id:
            # Map an app's bot id to its bot user so one bot is one identity across exports.
            user_id = self.bot_users.get(m.bot_id, m.bot_id)
            if user_id not in self.identities:
                name = m.username or (m.bot_profile.name if m.bot_profile else None)
                self.identities[user_id] = (name, None, None, True)
        if user_id is None:
            return None, None
        self._see(user_id)
        return user_id, self._name(user_id)

    def _see(self, user_id: str) -> None:
        if user_id not in self.identities:
            self.identities[user_id] = (None, None, None, None)

    def _name(self, user_id: str) -> str | None:
        known = self.identities.get(user_id)
        return known[0] if known else None

    def _plain(self, text: str) -> tuple[str, list[str]]:
        mentions: dict[str, None] = {}

        def render(token: re.Match[str]) -> str:
            target, _, label = token.group(1).partition("|")
            if target.startswith("@"):
                user_id = target[1:]
                mentions[user_id] = None
                return "@" + (label or self._name(user_id) or user_id)
            if target.startswith("#"):
                return "#" + (label or target[1:])
            if target.startswith("!"):
                command = target[1:].split("^", 1)[0]
                if command in ("here", "channel", "everyone"):
                    return "@" + command
                return label or command
            return label or target

        plain = _TOKEN.sub(render, text)
        plain = plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        return plain, list(mentions)

    def _finish(self) -> Batch:
        b = self.builder
        # Emitted last so that names learnt from the messages are known.
        for chat in self.groups:
            name = chat.name
            if chat.chat_type in ("dm", "mpim") and chat.members:
                # DMs have no name and group DM names are machine-made ("mpdm-a--b-1").
                name = ", ".join(self._name(m) or m for m in chat.members)
            b.group(
                group_key=chat.key,
                external_id=chat.external_id,
                name=name,
                chat_type=chat.chat_type,
                source=self.label,
            )
        for key, at, creator in self.created:
            b.event(
                group_key=key,
                event_id="created",
                at=at,
                kind="create",
                identity_id=creator,
                identity_name=self._name(creator),
                source="creator",
            )
        for identity_id, (name, handle, phone, is_bot) in self.identities.items():
            b.identity(
                identity_id=identity_id, name=name, handle=handle, phone=phone, is_bot=is_bot
            )
        for key, members in self.members.items():
            for identity_id in members:
                b.membership(
                    group_key=key,
                    identity_id=identity_id,
                    name=self._name(identity_id),
                    role=self._role(key, identity_id),
                )
        return b.build()

    def _role(self, key: str, identity_id: str) -> str:
        if self.owners.get(key) == identity_id:
            return "owner"
        # Slack roles are workspace-wide: a workspace owner or admin runs every channel, but
        # holds no office in a direct conversation.
        user = self.users.get(identity_id)
        if user is not None and self.chat_types.get(key) not in ("dm", "mpim"):
            if user.is_owner or user.is_primary_owner:
                return "owner"
            if user.is_admin:
                return "admin"
        known = self.identities.get(identity_id)
        return "bot" if known and known[3] else "member"

    # -- decoding -------------------------------------------------------------------------
    def _decode(self, name: str, kind: type[_Decoded], record: str) -> _Decoded:
        display = self.source.display(name)
        try:
            data = self.source.read_bytes(name)
        except ImporterError:
            raise
        except Exception as exc:  # zlib and zip errors mean the same: unreadable
            raise ImporterError(display, f"cannot read the file ({exc})") from None
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        if not data.strip():
            raise ImporterError(display, "the file is empty", "line 1")
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise ImporterError(display, "the file is UTF-16 text, not UTF-8 (re-saved?)", "line 1")
        try:
            result: _Decoded = msgspec.json.decode(data, type=kind)
        except _DECODE_ERRORS as exc:
            raise ImporterError(
                display, describe_decode_error(exc, "Slack export file"), _locate(exc, data, record)
            ) from None
        return result


# -- mapping tables ----------------------------------------------------------------------------

# Subtypes that are posts by a person or an app.
_CONTENT_SUBTYPES = {
    None,
    "thread_broadcast",
    "reply_broadcast",
    "me_message",
    "bot_message",
    "file_share",
    "file_mention",
    "file_comment",
    "slackbot_response",
}
_CALL_SUBTYPES = {"huddle_thread": "huddle", "sh_room_created": "call"}
_SYSTEM_SUBTYPES = {
    "channel_join": "join_group",
    "group_join": "join_group",
    "channel_leave": "leave_group",
    "group_leave": "leave_group",
    "channel_topic": "topic_change",
    "group_topic": "topic_change",
    "channel_purpose": "purpose_change",
    "group_purpose": "purpose_change",
    "channel_name": "title_change",
    "group_name": "title_change",
    "channel_archive": "archive",
    "group_archive": "archive",
    "channel_unarchive": "unarchive",
    "group_unarchive": "unarchive",
    "pinned_item": "pin_message",
    "unpinned_item": "unpin_message",
}
_EVENT_SUBTYPES = {
    "channel_join": "join",
    "group_join": "join",
    "channel_leave": "leave",
    "group_leave": "leave",
    "channel_name": "rename",
    "group_name": "rename",
}

_TOKEN = re.compile(r"<([^<>\n]+)>")
_LINK = re.compile(r"<(?:https?|mailto):")
_TS = re.compile(r"(\d{1,12})(?:\.(\d{1,6}))?")


def _ts_us(ts: str) -> int | None:
    found = _TS.fullmatch(ts)
    if not found:
        return None
    return int(found.group(1)) * 1_000_000 + int((found.group(2) or "").ljust(6, "0"))


def _content_kind(m: _Message, raw_text: str) -> str:
    if m.files:
        kinds = {_file_kind(f) for f in m.files}
        if len(kinds) == 1:
            return kinds.pop()
        return "media" if kinds <= {"image", "video"} else "file"
    return "link" if _LINK.search(raw_text) else "text"


def _file_kind(f: _File) -> str:
    major = (f.mimetype or "").split("/", 1)[0]
    return major if major in ("image", "video", "audio") else "file"


def _user_name(user: _User) -> str | None:
    profile = user.profile or _Profile()
    return profile.display_name or profile.real_name or user.real_name or user.name or None


def _bare_name(source: Source) -> str:
    path = Path(source.path)
    if source.is_single_file and path.suffix.lower() == ".json":
        return path.parent.name or path.stem
    return path.stem if path.is_file() else path.name


NL = b"\n"
_DECODE_ERRORS = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)
_BYTE = re.compile(r"\(byte (\d+)\)")
_ITEM = re.compile(r" - at `\$\[(\d+)\]")


class _TsOnly(msgspec.Struct):
    ts: object = None
    id: object = None


def _locate(exc: Exception, data: bytes, record: str) -> str:
    item = _ITEM.search(str(exc))
    if item:
        k = int(item.group(1))
        where = f"{record} #{k + 1}"
        try:
            raw = msgspec.json.decode(data, type=list[msgspec.Raw])[k]
            found = msgspec.json.decode(raw, type=_TsOnly)
            key = found.ts if record == "message" else found.id
            if isinstance(key, str):
                where += f" ({'ts' if record == 'message' else 'id'} {key})"
        except Exception:  # best effort: the record number alone still locates it
            pass
        return where
    byte = _BYTE.search(str(exc))
    if isinstance(exc, UnicodeDecodeError):
        # msgspec reports the offset inside the bad string only; find it in the file.
        pos = first_bad_utf8(data)
    else:
        pos = int(byte.group(1)) if byte else len(data)
    return f"line {data[:pos].count(NL) + 1}"
