"""QQChatExporter message records as msgspec structs. See docs/importers/qq.md.

Only the fields shequn maps are declared; msgspec skips the rest (HTML, statistics, raw NT
elements) without building objects. Every scalar is `Any` because 4.x and 5.x disagree on
types (string vs number ids, ms vs ISO times) and the reader normalises them itself.
"""

from __future__ import annotations

from typing import Any

import msgspec


class Meta(msgspec.Struct):
    name: Any = None
    version: Any = None


class ChatInfo(msgspec.Struct):
    name: Any = None
    type: Any = None
    selfUid: Any = None
    selfUin: Any = None
    selfName: Any = None
    # Not written by QQChatExporter 4.x/5.x; read in case a version or a fork adds them.
    peerUid: Any = None
    peerUin: Any = None
    groupCode: Any = None


class Sender(msgspec.Struct):
    uid: Any = None
    uin: Any = None
    name: Any = None
    nickname: Any = None
    groupCard: Any = None
    remark: Any = None
    role: Any = None


class Receiver(msgspec.Struct):
    uid: Any = None
    type: Any = None


class ElementData(msgspec.Struct):
    text: Any = None
    uid: Any = None
    uin: Any = None
    name: Any = None
    messageId: Any = None
    referencedMessageId: Any = None
    senderName: Any = None
    content: Any = None
    subType: Any = None
    elementType: Any = None


class Element(msgspec.Struct):
    type: Any = None
    data: ElementData | None = None


class Resource(msgspec.Struct):
    type: Any = None


class Mention(msgspec.Struct):
    uid: Any = None
    uin: Any = None
    name: Any = None
    type: Any = None


class Reply(msgspec.Struct):
    messageId: Any = None
    referencedMessageId: Any = None
    senderName: Any = None
    content: Any = None


class Emoji(msgspec.Struct):
    type: Any = None


class Content(msgspec.Struct):
    text: Any = None
    elements: list[Element] | None = None
    resources: list[Resource] | None = None
    mentions: list[Mention] | None = None
    reply: Reply | None = None
    emojis: list[Emoji] | None = None
    card: Any = None
    location: Any = None


class Like(msgspec.Struct):
    emojiId: Any = None
    emojiType: Any = None
    likesCnt: Any = None


class RawMessage(msgspec.Struct):
    msgId: Any = None
    peerUid: Any = None
    peerUin: Any = None
    chatType: Any = None
    emojiLikesList: list[Like] | None = None


class Message(msgspec.Struct):
    id: Any = None
    messageId: Any = None
    seq: Any = None
    messageSeq: Any = None
    timestamp: Any = None
    time: Any = None
    sender: Sender | None = None
    receiver: Receiver | None = None
    type: Any = None
    messageType: Any = None
    content: Content | None = None
    recalled: Any = None
    isRecalled: Any = None
    system: Any = None
    isSystemMessage: Any = None
    rawMessage: RawMessage | None = None


class ChunkRef(msgspec.Struct):
    relativePath: Any = None
    fileName: Any = None


class Chunked(msgspec.Struct):
    chunks: list[ChunkRef] | None = None


class Manifest(msgspec.Struct):
    metadata: Meta | None = None
    chatInfo: ChatInfo | None = None
    chunked: Chunked | None = None


MESSAGE = msgspec.json.Decoder(Message)
META = msgspec.json.Decoder(Meta)
CHAT_INFO = msgspec.json.Decoder(ChatInfo)
MANIFEST = msgspec.json.Decoder(Manifest)
