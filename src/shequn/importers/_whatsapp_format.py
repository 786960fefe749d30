"""WhatsApp .txt layouts, placeholders and system phrases. See docs/importers/whatsapp.md.

WhatsApp writes every header of one export in the same layout (the phone's locale at export
time), so the layout is read once from the first line and turned into a strict per-file regex
and a chrono format; a continuation line that happens to start with a date in another layout
stays part of its message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Bidirectional controls WhatsApp sprinkles into exports: LRM/RLM before media and system
# text (iOS), LRE/PDF around phone numbers, FSI/PDI isolates around names (newer Android).
MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
MARKS_RE = "[\u200e\u200f\u202a-\u202e\u2066-\u2069]"
LEAD_MARKS = "\u200e\u200f"

# Spanish writes "p. m." with a no-break space inside in recent Android versions.
_AM = ("AM", "am", "a.m.", "A.M.", "a. m.", "a.\u00a0m.", "上午", "午前", "오전")
_PM = ("PM", "pm", "p.m.", "P.M.", "p. m.", "p.\u00a0m.", "下午", "午後", "오후")
AMPM_WORDS = {w: "AM" for w in _AM} | {w: "PM" for w in _PM}
_AMPM_RX = "|".join(re.escape(w) for w in sorted(AMPM_WORDS, key=len, reverse=True))

_GENERIC = re.compile(
    r"(?P<open>\[)?"
    r"(?P<d1>[0-9]{1,4})(?P<s1>\. |[./-])(?P<d2>[0-9]{1,2})(?P<s2>\. |[./-])(?P<d3>[0-9]{1,4})"
    r"(?P<dend>\.)?(?P<sep>, | )"
    rf"(?:(?P<ap_pre>{_AMPM_RX})(?P<ap_pre_sp> ?))?"
    r"(?P<h>[0-9]{1,2})(?P<ts>[:.])(?P<mi>[0-9]{2})(?:(?P<ts2>[:.])(?P<sec>[0-9]{2}))?"
    rf"(?:(?P<ap_sp>[ \u202f\u00a0])(?P<ap_post>{_AMPM_RX}))?"
    r"(?P<close>\] | - )"
)


@dataclass(frozen=True)
class Layout:
    """The header layout of one export, read from its first line."""

    bracketed: bool  # iOS: "[date, time] Name: text"; Android: "date, time - Name: text"
    year_first: bool
    short_year: bool
    date_seps: tuple[str, str, str]  # after field 1, after field 2, after field 3 ("" or ".")
    date_time_sep: str
    ampm_before: str | None  # the space after a leading marker ("" or " "), None = no marker
    ampm_after: str | None  # the space before a trailing marker, None = no marker
    ampm_english: bool  # markers chrono reads as they are (AM/PM/am/pm)
    time_seps: tuple[str, str | None]  # between hour and minute, minute and second
    close: str  # "] " or " - ": the first occurrence ends the header
    uppercase_ampm: bool

    @property
    def twelve_hour(self) -> bool:
        return self.ampm_before is not None or self.ampm_after is not None

    # -- regexes -----------------------------------------------------------------------------
    def header_rx(self) -> str:
        """Rust-regex for `str.contains`: a line that starts a message in this layout."""
        return "^" + self._rx(rust=True)

    def header_bytes_rx(self) -> re.Pattern[bytes]:
        """The same test for raw bytes (used to cut chunks at a message boundary)."""
        return re.compile(self._rx(rust=False).encode())

    def _rx(self, *, rust: bool) -> str:
        def lit(s: str) -> str:
            return re.escape(s)

        marks = "[\\x{200e}\\x{200f}]*" if rust else "(?:\u200e|\u200f)*"
        ampm = f"(?:{_AMPM_RX})"
        spaces = "[ \\x{202f}\\x{a0}]" if rust else "(?: |\u202f|\u00a0)"
        y = "[0-9]{2}" if self.short_year else "[0-9]{4}"
        dm = "[0-9]{1,2}"
        f1, f3 = (y, dm) if self.year_first else (dm, y)
        s1, s2, s3 = (lit(s) for s in self.date_seps)
        out = marks + (r"\[" if self.bracketed else "")
        out += f"{f1}{s1}{dm}{s2}{f3}{s3}{lit(self.date_time_sep)}"
        if self.ampm_before is not None:
            out += ampm + " ?"
        out += f"[0-9]{{1,2}}{lit(self.time_seps[0])}[0-9]{{2}}"
        if self.time_seps[1] is not None:
            out += f"{lit(self.time_seps[1])}[0-9]{{2}}"
        if self.ampm_after is not None:
            out += spaces + "?" + ampm
        # For the bytes variant, multi-byte literals become their UTF-8 byte sequences when
        # the pattern is encoded, which is what matching raw bytes needs.
        return out + lit(self.close)

    # -- dates -------------------------------------------------------------------------------
    def day_gt12_rx(self, position: int) -> str:
        """Rust-regex: the header's first (1) or second (2) date field is 13..31."""
        big = "(?:1[3-9]|2[0-9]|3[01])"
        small = "[0-9]{1,2}"
        s1, s2, _ = (re.escape(s) for s in self.date_seps)
        first, second = (big, small) if position == 1 else (small, big)
        return (
            "^[\\x{200e}\\x{200f}]*"
            + (r"\[" if self.bracketed else "")
            + f"{first}{s1}{second}{s2}[0-9]{{2,4}}"
        )

    def date_format(self, dayfirst: bool) -> str:
        """Chrono format of the date part of a header (with the iOS bracket)."""
        y = "%y" if self.short_year else "%Y"
        if self.year_first:
            fields = (y, "%m", "%d")
        elif dayfirst:
            fields = ("%d", "%m", y)
        else:
            fields = ("%m", "%d", y)
        s1, s2, s3 = (s.replace("%", "%%") for s in self.date_seps)
        return ("[" if self.bracketed else "") + f"{fields[0]}{s1}{fields[1]}{s2}{fields[2]}{s3}"

    @property
    def split_time(self) -> bool:
        """Whether the time can be read column-wise after the first date/time separator: the
        date cannot contain that separator, and the clock has no marker before it and at most
        a two-letter one (AM/PM, am/pm) after it."""
        return (
            self.date_time_sep not in "".join(self.date_seps)
            and self.ampm_before is None
            and (self.ampm_after is None or self.ampm_english)
        )

    def chrono_format(self, dayfirst: bool) -> str:
        """Format for `str.to_datetime` over the header text (markers normalised if needed)."""
        fmt = self.date_format(dayfirst) + self.date_time_sep
        hour = "%I" if self.twelve_hour else "%H"
        if self.ampm_before is not None:
            fmt += "%p" + self.ampm_before
        fmt += f"{hour}{self.time_seps[0]}%M"
        if self.time_seps[1] is not None:
            fmt += f"{self.time_seps[1]}%S"
        if self.ampm_after is not None:
            fmt += self.ampm_after + "%p"
        return fmt

    def default_dayfirst(self) -> bool:
        """For files whose dates never show a field above 12: en-US (M/D/YY with upper-case
        AM/PM) is the one large locale that writes month first; everyone else, including
        en-IN and en-AU (lower-case am/pm), writes day first."""
        return not (
            self.short_year
            and self.date_seps[0] == "/"
            and self.ampm_after is not None
            and self.uppercase_ampm
        )


def detect_layout(line: str) -> Layout | None:
    """The layout of a header line, or None when the line is not a WhatsApp header."""
    m = _GENERIC.match(line.lstrip(LEAD_MARKS))
    if not m:
        return None
    g = m.groupdict()
    bracketed = g["open"] is not None
    if bracketed != (g["close"] == "] "):
        return None
    d1, d3 = g["d1"], g["d3"]
    if len(d1) == 4 and len(d3) <= 2:
        year_first, short_year = True, False
    elif len(d1) <= 2 and len(d3) in (2, 4):
        year_first, short_year = False, len(d3) == 2
    else:
        return None
    marker = g["ap_pre"] or g["ap_post"]
    return Layout(
        bracketed=bracketed,
        year_first=year_first,
        short_year=short_year,
        date_seps=(g["s1"], g["s2"], g["dend"] or ""),
        date_time_sep=g["sep"],
        ampm_before=g["ap_pre_sp"] if g["ap_pre"] else None,
        ampm_after=g["ap_sp"] if g["ap_post"] else None,
        ampm_english=marker in (None, "AM", "PM", "am", "pm"),
        time_seps=(g["ts"], g["ts2"]),
        close=g["close"],
        uppercase_ampm=marker in ("AM", "PM"),
    )


# -- message bodies ----------------------------------------------------------------------------

# Whole-body placeholders (marks stripped) → message kind. Android writes "<Media omitted>"
# for every kind of media in an export without media; iOS names the kind.
PLACEHOLDER_KINDS: dict[str, str] = {
    "<Media omitted>": "media",
    "<media omitted>": "media",
    "image omitted": "image",
    "video omitted": "video",
    "audio omitted": "audio",
    "sticker omitted": "sticker",
    "GIF omitted": "video",
    "document omitted": "file",
    "Contact card omitted": "contact",
    "<Multimedia omitido>": "media",
    "imagen omitida": "image",
    "video omitido": "video",
    "audio omitido": "audio",
    "sticker omitido": "sticker",
    "GIF omitido": "video",
    "documento omitido": "file",
    "<省略多媒体文件>": "media",
    "<忽略多媒體檔>": "media",
    "<省略影音内容>": "media",
    "This message was deleted": "deleted",
    "This message was deleted.": "deleted",
    "You deleted this message": "deleted",
    "You deleted this message.": "deleted",
    "Se eliminó este mensaje.": "deleted",
    "Eliminaste este mensaje.": "deleted",
    "此消息已删除": "deleted",
    "你删除了此消息": "deleted",
    "Missed voice call": "call",
    "Missed video call": "call",
    "Missed group voice call": "call",
    "Missed group video call": "call",
}

# iOS writes a document as "Report.pdf • ‎3 pages ‎document omitted".
IOS_DOCUMENT_SUFFIX = "\u200edocument omitted"
EDITED_MARKER = "<This message was edited>"

# Attachments written when media is exported: iOS "<attached: 00000012-PHOTO-….jpg>",
# Android "IMG-20231231-WA0001.jpg (file attached)".
IOS_ATTACHED_RX = r"^<attached: ([^>]*)>"
ANDROID_ATTACHED_RX = r"^(\S[^\n]*?) \(file attached\)"
IOS_KIND_WORDS = {
    "PHOTO": "image",
    "VIDEO": "video",
    "AUDIO": "audio",
    "STICKER": "sticker",
    "GIF": "video",
}
ANDROID_KIND_PREFIXES = {
    "IMG": "image",
    "VID": "video",
    "PTT": "audio",
    "AUD": "audio",
    "STK": "sticker",
    "DOC": "file",
}

LOCATION_RX = r"^(?:[Ll]ocation|[Uu]bicación|位置): |^[Ll]ive location shared"
POLL_PREFIX = "POLL:"
# The attachment marker at the start of a body; what follows it is the caption.
ATTACHMENT_LINE_RX = r"^(?:<attached: [^>]*>|[^\n]*? \(file attached\))"


# -- system lines ------------------------------------------------------------------------------

YOU = frozenset({"You", "you", "你", "您"})

# Actions only a group has (a 1:1 chat shows none of them).
GROUP_ACTIONS = frozenset(
    {
        "create_group",
        "invite_members",
        "join_group",
        "join_community",
        "remove_members",
        "leave_group",
        "title_change",
        "photo_change",
        "photo_remove",
        "description_change",
    }
)

_Q_OPEN = '["“「]'
_Q_CLOSE = '["”」]'


@dataclass(frozen=True)
class Phrase:
    action: str
    probe: str  # a literal the text must contain, tested before the regex (most lines fail it)
    rx: re.Pattern[str]
    quoted: bool = False  # carries free text in quotes, which may contain ": "
    keyword: str | None = None  # what precedes the list of subjects


def _p(
    action: str, probe: str, rx: str, *, quoted: bool = False, keyword: str | None = None
) -> Phrase:
    return Phrase(action, probe, re.compile(rx, re.S), quoted, keyword)


# Each regex sees the system text with bidirectional marks removed. Named groups: actor (who
# did it), subjects (a list of people), title (a group name).
PHRASES: tuple[Phrase, ...] = (
    _p("encryption_notice", "end-to-end", r"^Messages.*end-to-end"),
    _p("encryption_notice", "端到端", r"^消息.*端到端"),
    _p(
        "create_group",
        " created group ",
        rf"^(?P<actor>.+?) created group {_Q_OPEN}(?P<title>.*){_Q_CLOSE}$",
        quoted=True,
    ),
    _p("create_group", " created this group", r"^(?P<actor>.+?) created this group$"),
    _p(
        "create_group",
        "创建了群组",
        rf"^(?P<actor>.+?) ?创建了群组\s?{_Q_OPEN}(?P<title>.*){_Q_CLOSE}$",
        quoted=True,
    ),
    _p(
        "join_group",
        " joined using ",
        r"^(?P<actor>.+?) joined using (?:(?:this|the) (?:group|community)['’]s invite link"
        r"|a group link)$",
    ),
    _p("join_group", "通过此群组的邀请链接加入", r"^(?P<actor>.+?) ?通过此群组的邀请链接加入$"),
    _p("join_community", " joined from ", r"^(?P<actor>.+?) joined from the community$"),
    _p(
        "invite_members",
        " added ",
        r"^(?P<actor>.+?) added (?P<subjects>.+)$",
        keyword=" added ",
    ),
    _p(
        "invite_members",
        "添加了",
        r"^(?P<actor>.+?) ?添加了 ?(?P<subjects>.+)$",
        keyword="添加了",
    ),
    _p(
        "remove_members",
        " removed ",
        r"^(?P<actor>.+?) removed (?P<subjects>.+)$",
        keyword=" removed ",
    ),
    _p(
        "remove_members",
        "移除了",
        r"^(?P<actor>.+?) ?移除了 ?(?P<subjects>.+)$",
        keyword="移除了",
    ),
    _p("leave_group", " left", r"^(?P<actor>.+?) left$"),
    _p("leave_group", "已退出", r"^(?P<actor>.+?) ?已退出$"),
    _p(
        "title_change",
        " changed the ",
        rf"^(?P<actor>.+?) changed the (?:subject|group name)"
        rf"(?: from {_Q_OPEN}(?P<old>.*?){_Q_CLOSE})? to {_Q_OPEN}(?P<title>.*){_Q_CLOSE}$",
        quoted=True,
    ),
    _p(
        "photo_change",
        " changed ",
        r"^(?P<actor>.+?) changed (?:this group's|the group) (?:icon|photo)$",
    ),
    _p(
        "photo_remove",
        " deleted ",
        r"^(?P<actor>.+?) deleted (?:this group's|the group) (?:icon|photo)$",
    ),
    _p(
        "description_change",
        " changed the group description",
        r"^(?P<actor>.+?) changed the group description$",
    ),
    _p(
        "settings_change",
        " changed ",
        r"^(?P<actor>.+?) changed (?:this group's settings|the settings) ",
    ),
    _p(
        "settings_change",
        " disappearing messages",
        r"^(?P<actor>.+?) turned (?:on|off) disappearing messages",
    ),
    _p("number_change", " changed ", r"^(?P<actor>.+?) changed their phone number"),
    _p(
        "number_change",
        " changed to ",
        r"^(?P<actor>.+?) changed to (?P<subjects>\+?[0-9][0-9 ()-]+)$",
    ),
    _p("pin_message", " pinned a message", r"^(?P<actor>.+?) pinned a message$"),
    _p(
        "security_code_change",
        "ecurity code ",
        r"^(?:Your )?[Ss]ecurity code (?:with (?P<actor>.+?) )?changed",
    ),
    _p("promote_admin", " now an admin", r"^(?P<actor>You)['’]re now an admin$"),
)

# Cheap literal test for Android lines with a "Name: " split that may still be system lines:
# only phrases with quoted free text can contain ": ".
QUOTED_HINT = [" created group ", " changed the subject ", " changed the group name ", "创建了群组"]

_LIST_SPLIT = re.compile(r", | and |、|，| 和 ")
_ISOLATED = re.compile("\u2068([^\u2069]*)\u2069")
_STRIP = re.compile(MARKS_RE)


def strip_marks(text: str) -> str:
    return _STRIP.sub("", text)


@dataclass(frozen=True)
class SystemLine:
    action: str
    actor: str | None  # None for "You" and for notices with no actor
    actor_name: str | None
    subjects: tuple[str, ...]  # names as shown; "You" kept so events can still be counted
    title: str | None


def parse_system(raw: str, *, has_author_split: bool) -> SystemLine | None:
    """Classify a system text; None when it is not one of the known phrases.

    `has_author_split`: the line also reads as "Name: text" (Android), so only phrases whose
    quoted part can contain ": " may claim it, and only when the actor has no colon.
    """
    clean = strip_marks(raw).strip()
    for phrase in PHRASES:
        if phrase.probe not in clean:
            continue
        m = phrase.rx.match(clean)
        if not m:
            continue
        groups = m.groupdict()
        actor = groups.get("actor")
        if has_author_split and (not phrase.quoted or (actor and ":" in actor)):
            return None
        subjects: tuple[str, ...] = ()
        if groups.get("subjects"):
            subjects = _subjects(raw, groups["subjects"], phrase)
        actor_id = None if actor is None or actor in YOU else actor
        return SystemLine(phrase.action, actor_id, actor, subjects, groups.get("title"))
    return None


def _subjects(raw: str, listed: str, phrase: Phrase) -> tuple[str, ...]:
    # Newer exports wrap each name in FSI…PDI isolates: use them, names may hold commas.
    if phrase.keyword and phrase.keyword in raw:
        isolated = _ISOLATED.findall(raw.split(phrase.keyword, 1)[1])
        if isolated:
            return tuple(n.strip() for n in isolated if n.strip())
    if phrase.action == "number_change":
        return (listed.strip(),)
    return tuple(n.strip() for n in _LIST_SPLIT.split(listed) if n.strip())


# -- group names from file names -----------------------------------------------------------------

# "WhatsApp Chat with X.txt" (Android), "WhatsApp Chat - X.zip" (iOS) and the translations
# seen in the wild; a " (1)" suffix is what browsers and file managers add to a second download.
_CHAT_FILE_RX = re.compile(
    r"^(?P<prefix>WhatsApp[ _]Chat[ _](?:with|-|mit|con|avec|com)[ _]|"
    r"Chat[ _]de[ _]WhatsApp[ _]con[ _]|Conversa[ _]do[ _]WhatsApp[ _]com[ _]|"
    r"Discussion[ _]WhatsApp[ _]avec[ _])"
    r"(?P<name>.+?)(?: \(\d+\))?(?:\.txt|\.zip)?$",
    re.I,
)


def name_from_file(file_name: str) -> str | None:
    """The chat name in an exporter's file or folder name, or None."""
    m = _CHAT_FILE_RX.match(file_name)
    if not m:
        return None
    name = m.group("name").strip()
    if "_" in m.group("prefix"):
        name = name.replace("_", " ").strip()
    return name or None
