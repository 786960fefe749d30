"""msgspec record types for Telegram Desktop JSON exports. See docs/importers/telegram.md.

Only the fields the importer uses are declared; msgspec skips the rest while parsing, so an
export's unknown or newer keys never fail the import. Every struct is `gc=False`: a million
decoded messages must not be traversed by the cycle collector.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, Raw, Struct, UnsetType

# Telegram ids fit in 64 bits; bigger numbers are corruption, and Polars could not hold them.
Int64 = Annotated[int, Meta(ge=-(2**63), le=2**63 - 1)]

# Peer ids: current exports write "user123" / "channel123" / "chat123", exports before
# Telegram Desktop 2.4 wrote the bare user number.
PeerId = str | Int64


class Entity(Struct, gc=False):
    """One part of a formatted text: {"type": "mention", "text": "@ann"}."""

    type: str = "plain"
    text: str = ""
    user_id: PeerId | None = None  # type "mention_name": a mention of a user without @handle


# `text` is a plain string, or a list mixing strings and entity objects.
Text = str | list[str | Entity]


class Recent(Struct, gc=False, rename={"from_": "from"}):
    """One named reactor of a reaction (Telegram lists only the most recent few)."""

    from_: str | None = None
    from_id: PeerId | None = None
    date: str | None = None


class Reaction(Struct, gc=False):
    type: str = "emoji"  # "emoji", "custom_emoji" or "paid"
    count: Annotated[int, Meta(ge=0, le=2**31 - 1)] = 1
    emoji: str | None = None
    document_id: str | None = None
    recent: list[Recent] = []


class Poll(Struct, gc=False):
    question: Text = ""


class Present(Struct, gc=False):
    """An object whose content is not needed, only the fact that it is there."""


class _MessageBase(Struct, gc=False, rename={"from_": "from"}):
    # Fields in the order Telegram Desktop writes the keys: msgspec matches a key against
    # the field after the last one matched first, so that order makes lookups cheap.
    id: Int64
    type: str = "message"  # "message", "service" or "unsupported"
    date_unixtime: Int64 | None = None  # a string of digits, read as a number (lax decoding)
    edited: str | None = None
    # Service messages name their subject as the actor instead of from.
    actor: str | None = None
    actor_id: PeerId | None = None
    action: str | None = None
    title: str | None = None
    members: list[str | None] | None = None
    inviter: str | None = None
    message_id: Int64 | None = None  # pin_message: the pinned message
    from_: str | None = None
    from_id: PeerId | None = None
    reply_to_message_id: Int64 | None = None
    reply_to_peer_id: PeerId | None = None  # set only when the reply is to another chat
    photo: str | None = None
    file: str | None = None
    media_type: str | None = None
    contact_information: Present | None = None
    # null for a location Telegram could not resolve, absent (UNSET) when it is no location
    location_information: Present | UnsetType | None = UNSET
    place_name: str | None = None
    game_title: str | None = None
    invoice_information: Present | None = None
    poll: Poll | None = None
    giveaway_information: Present | None = None
    paid_stars_amount: int | None = None
    # A string or a list of parts, kept as JSON (see `Converter._texts`).
    text: Raw = Raw(b'""')
    reactions: list[Reaction] | None = None


class Message(_MessageBase, gc=False):
    """A message of an export that carries `date_unixtime` (Telegram Desktop ≥ 3.x).

    The local `date` string is not decoded: `date_unixtime` is exact, and skipping a field
    costs msgspec less than building a million strings nobody reads.
    """


class OldMessage(_MessageBase, gc=False):
    """A message of an export without `date_unixtime`, whose only time is the local `date`."""

    date: str | None = None


class ChatHeader(Struct, gc=False):
    name: str | None = None
    type: str | None = None
    id: Int64 | None = None


class PersonalInformation(Struct, gc=False):
    user_id: Int64 | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone_number: str | None = None
    username: str | None = None


class Contact(Struct, gc=False):
    user_id: Int64 | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone_number: str | None = None


class FrequentContact(Struct, gc=False):
    id: Int64 | None = None
    category: str | None = None  # "people", "inline_bots", "calls"
    type: str | None = None  # "user" or a chat type
    name: str | None = None


class ContactList(Struct, gc=False, rename={"entries": "list"}):
    entries: list[Contact] = []


class FrequentList(Struct, gc=False, rename={"entries": "list"}):
    entries: list[FrequentContact] = []


class Chat(ChatHeader, gc=False):
    messages: list[OldMessage] = []


class ChatList(Struct, gc=False, rename={"entries": "list"}):
    entries: list[Chat] = []


class WholeExport(Struct, gc=False):
    """The whole file at once, for exports not laid out the way Telegram Desktop writes them
    (minified or re-indented JSON). Covers both the single-chat and the account layout."""

    name: str | None = None
    type: str | None = None
    id: Int64 | None = None
    messages: list[OldMessage] | None = None
    personal_information: PersonalInformation | None = None
    contacts: ContactList | None = None
    frequent_contacts: FrequentList | None = None
    chats: ChatList | None = None
    left_chats: ChatList | None = None


# Lax decoding turns the digit strings of date_unixtime into numbers while parsing; for the
# other fields it only means a number written as a string is accepted as that number.
MESSAGES = msgspec.json.Decoder(list[Message], strict=False)
OLD_MESSAGES = msgspec.json.Decoder(list[OldMessage], strict=False)
CHAT_HEADER = msgspec.json.Decoder(ChatHeader)
PERSONAL = msgspec.json.Decoder(PersonalInformation)
CONTACTS = msgspec.json.Decoder(ContactList)
FREQUENT = msgspec.json.Decoder(FrequentList)
WHOLE = msgspec.json.Decoder(WholeExport, strict=False)
