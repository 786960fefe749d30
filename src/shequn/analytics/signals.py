"""What a single message is: substantive, a greeting, an ad, part of a flood, a question, thanks.

See docs/metrics.md (Message signals). Everything here is a Polars expression evaluated over all
messages at once; nothing walks messages in Python. Seeds: 001 (灌水, 刷屏, 广告) and 004 (有价值的
互动回合: substance over noise).
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

# Kinds that are never substance: stickers and red packets (DESIGN §3), service lines, recalls.
NON_SUBSTANTIVE_KINDS = ("sticker", "red_packet", "system", "deleted")

# Text left after removing punctuation, symbols (emoji), marks, format characters and spaces;
# empty means the message was emoji or punctuation only.
_NOISE = r"[\p{P}\p{S}\p{M}\p{Cf}\p{Z}\s]"

# WeChat and QQ write their built-in emoji as bracketed words: [捂脸], [强], [Smile].
_BRACKET_EMOJI = r"\[[\p{Han}a-z]{1,8}\]"

# Phatic words: greetings, thanks, acknowledgements, agreement, laughter, forms of address and
# filler particles. A message that is nothing but these (at most one character left over) is a
# greeting in the sense of DESIGN §3 — it keeps a conversation warm but carries no content.
# Matched on the lower-cased text with spaces and punctuation removed, hence "samehere".
_PHATIC = (
    r"谢谢|感谢|多谢|谢啦|谢了|感恩|大佬|老师|各位|大家|朋友们|你好|您好|早上好|上午好|中午好|"
    r"下午好|晚上好|早安|晚安|早啊|好的|好滴|好哒|收到|同意|确实|有道理|我也是|我也一样|同感|"
    r"太有用|有用|学到|学习|分享|已经解决|解决|茅塞顿开|厉害|欢迎|来了|冒泡|签到|打卡|"
    r"早|好|赞|顶|对|是|嗯|哦|噢|喔|哈|呵|嘿|嘻|啊|呀|吧|啦|了|的|牛|666|1|"
    r"thanks|thank|thx|ty|alot|somuch|verymuch|thatworked|worked|problemsolved|solved|gotit|"
    r"super|helpful|hi|hello|hey|all|everyone|everybody|guys|good|morning|afternoon|evening|"
    r"night|agreed|agree|samehere|same|true|makessense|metoo|you|nice|cool|great|lol|haha|"
    r"yes|yeah|yep|okay|ok|welcome|indeed|exactly|right|wow|awesome|gm|gn"
)

# At most one character that is not a phatic word: a greeting (see classify).
_ONLY_PHATIC = f"^(?:{_PHATIC})*.?(?:{_PHATIC})*$"

# Ad signals (seed 001 广告): contact details and promotion phrases. A bare link is not an ad by
# itself — members share articles — but a link is kept as its own signal for the evidence.
_LINK = r"(?:https?://|www\.|t\.me/|\.(?:com|cn|net|top|xyz|vip|shop|cc|io)\b)"
_CONTACT = (
    r"(?:二维码|扫码|扫一扫|qr ?code|(?:\+?86[- ]?)?\b1[3-9]\d{9}\b|\+\d{1,3}[ -]?\d{7,}|"
    r"(?:微信号?|vx|v信|wx|weixin|wechat|薇信|威信|加v|\+v|➕v)[:：\s]*[a-z][-_a-z0-9]{5,19})"
)
_PROMOTION = (
    r"(?:加v|加微|加我|私聊|私信我|招代理|做代理|代理商|一件代发|兼职|日赚|日入|月入|躺赚|"
    r"免费领|优惠券|返利|刷单|引流|"
    r"微商|招商|加盟|点击链接|dm me|message me|whatsapp me|make money|earn \$|crypto signal|"
    r"discount code|promo code|limited offer)"
)
_QUESTION = (
    r"(?:[?？]|请问|求助|求教|有没有人|有人知道|怎么|如何|为什么|为啥|哪里|哪个|是否|能不能|"
    r"可不可以|[吗么呢][。.!！~]*$)"
)
_THANKS = (
    r"(?:谢谢|感谢|多谢|谢啦|谢了|感恩|受教|学到了|学习了|有帮助|太有用|thank|\bthx\b|\bty\b|"
    r"appreciate|helpful|great answer)"
)

# Floods (seed 001 刷屏): ≥ 5 messages by one person within 10 s, or the same text ≥ 3 times
# within an hour. The repeat rule targets copy-pasted content (ads, chain messages): repeated
# acknowledgements ("好的", "+1", "same here") and texts under 4 characters are agreement, not
# floods.
FLOOD_BURST = 5
FLOOD_BURST_SECONDS = 10
FLOOD_REPEAT = 3
FLOOD_REPEAT_SECONDS = 3600
_REPEAT_MIN_CHARS = 4


def classify(messages: pl.DataFrame) -> pl.DataFrame:
    """Add the signal columns to messages (in any order).

    Adds: core_len (characters left without emoji, punctuation and spaces), is_greeting
    (phatic only), has_link, is_ad, is_flood, is_substantive, is_question, is_thanks.
    """
    # Patterns run on the lower-cased text once, instead of case-insensitively each time.
    lower = pl.col("_lower")
    df = messages.with_columns(pl.col("text").fill_null("").str.to_lowercase().alias("_lower"))
    df = df.with_columns(
        lower.str.replace_all(_BRACKET_EMOJI, "").str.replace_all(_NOISE, "").alias("_core"),
        lower.str.contains(_LINK).alias("has_link"),
        (lower.str.contains(_CONTACT) | lower.str.contains(_PROMOTION)).alias("is_ad"),
    ).with_columns(
        pl.col("_core").str.len_chars().alias("core_len"),
        ((pl.col("_core") != "") & pl.col("_core").str.contains(_ONLY_PHATIC)).alias("is_greeting"),
    )
    df = df.with_columns(_floods(df).alias("is_flood"))
    textual = pl.col("kind").is_in(["text", "link"])
    df = df.with_columns(
        (
            ~pl.col("kind").is_in(NON_SUBSTANTIVE_KINDS)
            & ~(textual & (pl.col("core_len") == 0))
            & ~pl.col("is_greeting")
            & ~pl.col("is_flood")
            & ~pl.col("is_ad")
        ).alias("is_substantive"),
        (lower.str.contains(_QUESTION) & (pl.col("core_len") >= 3) & ~pl.col("is_ad")).alias(
            "is_question"
        ),
        lower.str.contains(_THANKS).alias("is_thanks"),
    )
    return df.drop("_core", "_lower")


def _runs(keyed: pl.DataFrame, length: int, seconds: int) -> pl.DataFrame:
    """For rows (_i, k, sent_at): (_i, _in) — whether the row is one of `length` consecutive
    rows with the same key k within `seconds`.

    Sorting by (key, time) once and comparing each row with the row `length - 1` ahead finds
    every run start; a row belongs to a run when a start lies within the `length - 1` rows
    before it — a start implies the rows between share its key, so no window crosses keys.
    This avoids a window function over millions of tiny partitions.
    """
    ahead = length - 1
    start = (
        (pl.col("k") == pl.col("k").shift(-ahead))
        & ((pl.col("sent_at").shift(-ahead) - pl.col("sent_at")) <= timedelta(seconds=seconds))
    ).fill_null(False)
    # Two single-key sorts (the second stable) cost less than one sort on (k, sent_at).
    return (
        keyed.sort("sent_at")
        .sort("k", maintain_order=True)
        .select(
            "_i",
            start.cast(pl.Int8).rolling_max(length, min_samples=1).cast(pl.Boolean).alias("_in"),
        )
    )


def _floods(df: pl.DataFrame) -> pl.Series:
    """True for every message inside a burst or a repeated-text run."""
    n = df.height
    indexed = df.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("_i"),
        "sent_at",
        pl.struct("group_key", "sender_id").hash().alias("k"),
        pl.struct("group_key", "sender_id", "_core").hash().alias("k_text"),
        (
            (pl.col("core_len") >= _REPEAT_MIN_CHARS)
            & ~pl.col("is_greeting")
            & pl.col("sender_id").is_not_null()
        ).alias("content"),
    )
    bursts = _runs(indexed.select("_i", "k", "sent_at"), FLOOD_BURST, FLOOD_BURST_SECONDS)
    # Only a text its sender posted ≥ 3 times at all can repeat 3 times within an hour: the
    # few such rows are all that need sorting.
    candidates = indexed.filter(
        pl.col("content") & (pl.len().over("k_text") >= FLOOD_REPEAT)
    ).select("_i", pl.col("k_text").alias("k"), "sent_at")
    repeats = _runs(candidates, FLOOD_REPEAT, FLOOD_REPEAT_SECONDS).filter("_in")
    flags = (
        pl.Series("is_flood", [False] * 0, dtype=pl.Boolean)
        .extend_constant(False, n)
        .scatter(bursts.filter("_in").get_column("_i"), True)
        .scatter(repeats.get_column("_i"), True)
    )
    has_sender = df.get_column("sender_id").is_not_null()
    return (flags & has_sender).alias("is_flood")
