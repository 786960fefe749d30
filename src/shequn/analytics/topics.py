"""Topic mixing (seed 003: 鸡同鸭讲 — Java and Python learners in one group). See docs/metrics.md.

Each active member becomes a keyword vector, the vectors of a group are clustered with
spherical k-means (k = 2 and 3, deterministic farthest-point start) and a split is suggested
when, as DESIGN §3 says, ≥ 2 clusters each hold ≥ 20 % of the active speakers, replies stay
mostly inside clusters and the vocabularies differ.

Keywords: for Chinese, every word of jieba's dictionary (2–4 characters) that occurs in the
text; for other languages, lower-cased words; stop words removed; weighted by TF-IDF. The
dictionary is matched against overlapping n-grams with Polars rather than running jieba's
segmenter, which reads ~1 MB/s and would cost more than every other metric together on a
million messages; for topic vectors the overlapping words serve as well. Only a sample is
read (the last 4 weeks, the SAMPLE_SPEAKERS most active members of each group and their latest
SAMPLE_PER_SPEAKER messages), and everything — tokens, TF-IDF, k-means — runs as Polars
expressions over all groups of a chunk at once.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from typing import Any

import polars as pl

from .frames import Prepared

WINDOW_DAYS = 28
SAMPLE_PER_SPEAKER = 10
SAMPLE_SPEAKERS = 30
MIN_SPEAKER_MESSAGES = 3
MIN_SPEAKERS = 10
MIN_CLUSTER_SHARE = 0.20
# "Replies stay mostly inside clusters": well above what chance gives for clusters of those
# sizes (assortativity ≥ 0.5), over at least 20 interactions.
MIN_ASSORTATIVITY = 0.5
MIN_INTERACTIONS = 20
# "Vocabularies differ": the clusters' own-word centroids share at most half their weight.
MAX_CENTROID_SIMILARITY = 0.5
KEYWORDS = 8
# How much the words of the people one talks with count next to one's own words.
CONTEXT_WEIGHT = 1.0
# … counting only the people one talks with most.
CONTEXT_PARTNERS = 10
ADJACENT_WITHIN_SECONDS = 300
KMEANS_ROUNDS = 10
# Vectors keep their heaviest words only: topics live in a speaker's top words, and the
# k-means joins stay small however talkative a group is.
TOP_TERMS = 24
CENTROID_TERMS = 100
# k = 3 must separate clusters clearly better than k = 2 to be chosen.
PREFER_FEWER = 0.02

# Floating-point sums depend on the order Polars adds them in, which varies between runs;
# weights and similarities are compared rounded to this many digits so that results do not.
_DIGITS = 9

_WORD = r"[a-z][a-z0-9+#]*(?:[.-][a-z0-9+#]+)*"
_HAN_RUN = r"\p{Han}{2,}"

_ZH_STOP = """
我们 你们 他们 她们 它们 咱们 大家 自己 这个 那个 这些 那些 这样 那样 这么 那么 什么 怎么
怎么样 为什么 如何 一个 一些 一下 一点 有点 没有 可以 可能 应该 需要 就是 还是 但是 因为
所以 如果 虽然 然后 而且 或者 不是 还有 已经 现在 今天 明天 昨天 时候 觉得 感觉 知道 认为
真的 其实 确实 比较 非常 特别 问题 请问 谢谢 感谢 哈哈 哈哈哈 好的 收到 大佬 老师 朋友 各位
有没有 是不是 能不能 怎么办 一起 东西 事情 地方 方面 情况 时间 今年 最近 之前 之后 以后
以前 开始 出来 起来 进去 看看 试试 一直 这里 那里 哪里 哪个 多少 为啥 不过 而是 只是 只有
还要 就要 也是 都是 我的 你的 他的 她的 分享 推荐 有人 有用 学习 学到 欢迎 新人 群里 大伙
小伙伴 同学 谢啦 多谢 嗯嗯 对的 是的 不错 厉害 支持 加油 一起 大家好 你好 您好 早上好 晚上好
"""
_EN_STOP = """
a an the and or but if then so than that this these those there here is are was were be been
being am do does did doing have has had having i me my we our you your he him his she her it
its they them their what which who whom whose when where why how all any both each few more
most other some such no nor not only own same too very can will just should now also about
above after again against at before below between by down during for from in into of off on
once out over through to under until up with would could may might must shall anyone someone
everyone thanks thank thx please hi hello hey yes yeah ok okay lol really think know like get
got one two new good great nice sure still much many well way lot lots anybody use using used
want need try tried share sharing question questions answer help guys group today http https
www com
"""
STOP_WORDS = frozenset(_ZH_STOP.split()) | frozenset(_EN_STOP.split())

_lexicon: pl.DataFrame | None = None
_lexicon_lock = threading.Lock()
_thread: threading.Thread | None = None


def lexicon() -> pl.DataFrame:
    """jieba's dictionary: Chinese words of 2–4 characters, stop words removed (`term`)."""
    global _lexicon
    with _lexicon_lock:
        if _lexicon is None:
            import jieba

            path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
            words = pl.read_csv(
                path,
                separator=" ",
                has_header=False,
                new_columns=["term", "freq", "tag"],
                schema_overrides={"term": pl.String, "freq": pl.Int64, "tag": pl.String},
                quote_char=None,
            )
            _lexicon = (
                words.filter(pl.col("term").str.contains(r"^\p{Han}{2,4}$"))
                .filter(~pl.col("term").is_in(list(STOP_WORDS)))
                .select("term")
                .unique()
            )
        return _lexicon


def warm_up() -> None:
    """Load the dictionary in the background (once per process) while other work goes on."""
    global _thread
    if _thread is None:
        _thread = threading.Thread(target=lexicon, name="shequn-lexicon", daemon=True)
        _thread.start()


def no_topics(reason: str = "", reason_en: str = "") -> dict[str, Any]:
    return {
        "topics": [],
        "split_suggested": False,
        "split_reason": reason or "活跃发言人太少（不足 10 人），无法判断话题是否混杂",
        "split_reason_en": reason_en or "Too few active speakers (under 10) to judge topic mixing",
        "evidence": {},
    }


# -- sample and keywords -----------------------------------------------------------------------


def sample(prep: Prepared, exclude: pl.DataFrame | None = None) -> pl.DataFrame:
    """The messages read for topics: group_key, sender_id, text."""
    since = prep.window.ago(WINDOW_DAYS)
    msgs = prep.acts.filter(
        (pl.col("sent_at") >= since)
        & ~pl.col("is_staff")
        & pl.col("sender_id").is_not_null()
        & pl.col("is_substantive")
        & (pl.col("core_len") >= 4)
    ).select("group_key", "sender_id", "text", "sent_at")
    if exclude is not None and exclude.height:
        msgs = msgs.join(
            exclude.rename({"identity_id": "sender_id"}), on=["group_key", "sender_id"], how="anti"
        )
    top = (
        msgs.group_by("group_key", "sender_id")
        .agg(pl.len().alias("n"))
        .filter(pl.col("n") >= MIN_SPEAKER_MESSAGES)
        .sort(["group_key", "n", "sender_id"], descending=[False, True, False])
        .filter(pl.int_range(pl.len()).over("group_key") < SAMPLE_SPEAKERS)
        .select("group_key", "sender_id")
    )
    return (
        msgs.join(top, on=["group_key", "sender_id"], how="semi")
        .sort(
            "group_key",
            "sender_id",
            "sent_at",
            descending=[False, False, True],
            maintain_order=True,
        )
        .filter(pl.int_range(pl.len()).over("group_key", "sender_id") < SAMPLE_PER_SPEAKER)
        .select("group_key", "sender_id", "text")
    )


def keyword_counts(texts: pl.DataFrame) -> pl.DataFrame:
    """(group_key, sender_id, term, n) from (group_key, sender_id, text)."""
    lower = texts.select("group_key", "sender_id", pl.col("text").str.to_lowercase())
    runs = (
        lower.select(
            "group_key", "sender_id", pl.col("text").str.extract_all(_HAN_RUN).alias("run")
        )
        .explode("run")
        .drop_nulls("run")
        .with_columns(pl.col("run").str.len_chars().alias("len"))
    )
    grams = []
    for n in (2, 3, 4):
        grams.append(
            runs.filter(pl.col("len") >= n)
            .with_columns(pl.int_ranges(0, pl.col("len") - n + 1).alias("at"))
            .explode("at")
            .select(
                "group_key", "sender_id", pl.col("run").str.slice(pl.col("at"), n).alias("term")
            )
        )
    chinese = pl.concat(grams).join(lexicon(), on="term", how="semi")
    latin = (
        lower.select("group_key", "sender_id", pl.col("text").str.extract_all(_WORD).alias("term"))
        .explode("term")
        .drop_nulls("term")
        .filter((pl.col("term").str.len_chars() >= 2) & ~pl.col("term").is_in(list(STOP_WORDS)))
    )
    return (
        pl.concat([chinese, latin])
        .group_by("group_key", "sender_id", "term")
        .agg(pl.len().alias("n"))
    )


def _normalised(df: pl.DataFrame, by: list[str], top: int | None = None) -> pl.DataFrame:
    """Unit length per `by`, keeping only the `top` heaviest words when given."""
    if top is not None:
        # Weights are compared rounded (see _DIGITS) and "ordinal" ranks ties in row order:
        # sorted by term, ties go to the lower term, so the pick never varies between runs.
        heavy = pl.col("w").round(_DIGITS).rank("ordinal", descending=True).over(by) <= top
        df = df.sort("term").filter(heavy)
    return df.with_columns(
        (pl.col("w") / (pl.col("w") ** 2).sum().sqrt().over(by)).alias("w")
    ).filter(pl.col("w").is_finite())


def tfidf(counts: pl.DataFrame) -> pl.DataFrame:
    """(group_key, sender_id, term, w): unit-length TF-IDF vectors per speaker.

    Plain idf (no +1) and no word used by a single speaker or by all of them: such words say
    nothing about who talks about what."""
    speakers = counts.group_by("group_key").agg(pl.col("sender_id").n_unique().alias("N"))
    df = counts.group_by("group_key", "term").agg(pl.len().alias("df"))
    weighted = (
        counts.join(df, on=["group_key", "term"])
        .join(speakers, on="group_key")
        .filter((pl.col("df") >= 2) & (pl.col("df") < pl.col("N")))
        .with_columns(
            ((1 + pl.col("n").cast(pl.Float64).log()) * (pl.col("N") / pl.col("df")).log()).alias(
                "w"
            )
        )
        .select("group_key", "sender_id", "term", "w")
    )
    return _normalised(weighted, ["group_key", "sender_id"], TOP_TERMS)


def interactions(prep: Prepared) -> pl.DataFrame:
    """(group_key, a, b) pairs of people talking to each other in the window: replies where the
    export has them, otherwise consecutive messages by two people within 5 minutes."""
    since = prep.window.ago(WINDOW_DAYS)
    acts = prep.acts.filter((pl.col("sent_at") >= since) & pl.col("sender_id").is_not_null())
    replies = acts.filter(pl.col("reply_sender").is_not_null()).select(
        "group_key", pl.col("sender_id").alias("a"), pl.col("reply_sender").alias("b")
    )
    adjacent = (
        acts.join(
            prep.groups.filter(~pl.col("has_replies")).select("group_key"),
            on="group_key",
            how="semi",
        )
        .select(
            "group_key",
            pl.col("sender_id").alias("a"),
            pl.col("sender_id").shift(1).over("group_key").alias("b"),
            (pl.col("sent_at") - pl.col("sent_at").shift(1).over("group_key"))
            .dt.total_seconds()
            .alias("gap"),
        )
        .filter(pl.col("gap") <= ADJACENT_WITHIN_SECONDS)
        .select("group_key", "a", "b")
    )
    return pl.concat([replies, adjacent]).filter(pl.col("a") != pl.col("b"))


_RUN = ["group_key", "k"]


# Below, frames are coded (see `topic_mixing`): sender_id is a speaker number unique over all
# groups and term a word number unique to its group, so every join runs on one integer key.


def with_context(own: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    """Each speaker's words plus (CONTEXT_WEIGHT ×) the words of the people they talk with.

    A member who writes English in a Chinese group uses none of the Chinese members' words,
    yet talks about the same thing with the same people; without the context such a member
    is clustered by language rather than by topic."""
    links = (
        pl.concat(
            [
                pairs.select(pl.col("a").alias("sender_id"), pl.col("b").alias("p")),
                pairs.select(pl.col("b").alias("sender_id"), pl.col("a").alias("p")),
            ]
        )
        .group_by("sender_id", "p")
        .agg(pl.len().alias("times"))
        .sort(["sender_id", "times", "p"], descending=[False, True, False])
        .filter(pl.int_range(pl.len()).over("sender_id") < CONTEXT_PARTNERS)
    )
    context = (
        links.join(own.rename({"sender_id": "p"}), on="p")
        .group_by("group_key", "sender_id", "term")
        .agg((pl.col("times") * pl.col("w")).sum().alias("w"))
    )
    context = _normalised(context, ["sender_id"]).with_columns(pl.col("w") * CONTEXT_WEIGHT)
    mixed = (
        pl.concat([own, context.select(own.columns)])
        .group_by("group_key", "sender_id", "term")
        .agg(pl.col("w").sum())
    )
    return _normalised(mixed, ["sender_id"], TOP_TERMS)


def _similarities(
    vectors: pl.DataFrame, centroids: pl.DataFrame, grid: pl.DataFrame
) -> pl.DataFrame:
    """(group_key, k, sender_id, c, sim) on `grid` (every speaker × centroid of its group),
    0 where a speaker shares no word with a centroid."""
    dots = (
        vectors.select("sender_id", "term", "w")
        .join(centroids.select("term", "k", "c", pl.col("w").alias("w_c")), on="term")
        .group_by("k", "sender_id", "c")
        .agg((pl.col("w") * pl.col("w_c")).sum().alias("sim"))
    )
    return grid.join(dots, on=["k", "sender_id", "c"], how="left").with_columns(
        pl.col("sim").fill_null(0.0)
    )


def _nearest(sims: pl.DataFrame) -> pl.DataFrame:
    """(group_key, k, sender_id, c): the most similar centroid, ties to the lower index."""
    return (
        sims.with_columns(pl.col("sim").round(_DIGITS).alias("_sim"))
        .sort(["k", "sender_id", "_sim", "c"], descending=[False, False, True, False])
        .unique(["k", "sender_id"], keep="first", maintain_order=True)
        .select("group_key", "k", "sender_id", "c")
    )


def _initial_centroids(vectors: pl.DataFrame, speakers: pl.DataFrame) -> pl.DataFrame:
    """Farthest-point start per group: the speaker with the most words, then repeatedly the
    speaker least similar to every pick so far; k = 2 uses the first two picks, k = 3 three."""
    sizes = vectors.group_by("group_key", "sender_id").agg(pl.len().alias("terms"))
    picks = (
        sizes.sort(["group_key", "terms", "sender_id"], descending=[False, True, False])
        .unique("group_key", keep="first", maintain_order=True)
        .select("group_key", "sender_id")
        .with_columns(pl.lit(0).alias("c"))
    )
    for c in (1, 2):
        chosen = vectors.join(picks.select("sender_id", "c"), on="sender_id").select(
            "term", pl.col("w").alias("w_c"), pl.col("c").alias("pick")
        )
        closeness = (
            vectors.join(chosen, on="term")
            .group_by("sender_id", "pick")
            .agg((pl.col("w") * pl.col("w_c")).sum().alias("sim"))
            .group_by("sender_id")
            .agg(pl.col("sim").max())
        )
        nxt = (
            speakers.join(picks, on="sender_id", how="anti")
            .join(closeness, on="sender_id", how="left")
            .with_columns(pl.col("sim").fill_null(0.0).round(_DIGITS))
            .sort(["group_key", "sim", "sender_id"])
            .unique("group_key", keep="first", maintain_order=True)
            .select("group_key", "sender_id", pl.lit(c).alias("c"))
        )
        picks = pl.concat([picks, nxt])
    per_k = pl.concat(
        [picks.filter(pl.col("c") < k).with_columns(pl.lit(k).alias("k")) for k in (2, 3)]
    )
    return vectors.join(per_k.drop("group_key"), on="sender_id").select(
        "group_key", "k", "c", "term", "w"
    )


def kmeans(vectors: pl.DataFrame) -> pl.DataFrame:
    """(group_key, k, sender_id, c, separation) for k = 2 and 3: the clusters and, per group
    and k, the mean of (similarity to one's own centroid − to the best other one)."""
    speakers = vectors.select("group_key", "sender_id").unique()
    centroids = _initial_centroids(vectors, speakers)
    grid = speakers.join(centroids.select("group_key", "k", "c").unique(), on="group_key")
    assign = _nearest(_similarities(vectors, centroids, grid))
    for _ in range(KMEANS_ROUNDS):
        centroids = _normalised(
            vectors.join(assign.select("sender_id", "k", "c"), on="sender_id")
            .group_by("group_key", "k", "c", "term")
            .agg(pl.col("w").sum()),
            ["group_key", "k", "c"],
            CENTROID_TERMS,
        )
        new = _nearest(_similarities(vectors, centroids, grid))
        if new.sort("k", "sender_id").equals(assign.sort("k", "sender_id")):
            break
        assign = new
    sims = _similarities(vectors, centroids, grid).join(
        assign.select("k", "sender_id", pl.col("c").alias("own")), on=["k", "sender_id"]
    )
    separation = (
        sims.group_by("group_key", "k", "sender_id")
        .agg(
            pl.col("sim").filter(pl.col("c") == pl.col("own")).max().alias("mine"),
            pl.col("sim").filter(pl.col("c") != pl.col("own")).max().alias("other"),
        )
        .group_by("group_key", "k")
        .agg((pl.col("mine") - pl.col("other").fill_null(0.0)).mean().alias("separation"))
    )
    return assign.join(separation, on=_RUN)


# -- the decision ------------------------------------------------------------------------------


def topic_mixing(prep: Prepared, exclude: pl.DataFrame | None = None) -> dict[str, dict[str, Any]]:
    """Per group: topics (clusters with keywords, members, share) and the split suggestion."""
    texts = sample(prep, exclude)
    if texts.height == 0:
        return {}
    own = tfidf(keyword_counts(texts))
    counts = own.group_by("group_key").agg(pl.col("sender_id").n_unique().alias("speakers"))
    eligible = counts.filter(pl.col("speakers") >= MIN_SPEAKERS).select("group_key")
    own = own.join(eligible, on="group_key", how="semi")
    if own.height == 0:
        return {}
    sampled = own.select("group_key", "sender_id").unique()
    pairs = (
        interactions(prep)
        .join(sampled.rename({"sender_id": "a"}), on=["group_key", "a"], how="semi")
        .join(sampled.rename({"sender_id": "b"}), on=["group_key", "b"], how="semi")
    )
    # The k-means joins run on integer codes: hashing strings dominated them otherwise.
    # Codes follow the sorted strings so that ties (broken on codes) never vary between runs.
    speakers = (
        sampled.sort("group_key", "sender_id")
        .with_row_index("s")
        .join(
            sampled.select("group_key").unique().sort("group_key").with_row_index("g"),
            on="group_key",
        )
    )
    words = own.select("group_key", "term").unique().sort("group_key", "term").with_row_index("t")

    def coded(df: pl.DataFrame) -> pl.DataFrame:
        return (
            df.join(speakers, on=["group_key", "sender_id"])
            .join(words, on=["group_key", "term"])
            .select(
                pl.col("g").alias("group_key"),
                pl.col("s").alias("sender_id"),
                pl.col("t").alias("term"),
                "w",
            )
        )

    coded_pairs = (
        pairs.join(speakers.rename({"sender_id": "a", "s": "sa"}), on=["group_key", "a"])
        .join(
            speakers.select("group_key", "sender_id", "s").rename({"sender_id": "b", "s": "sb"}),
            on=["group_key", "b"],
        )
        .select(
            pl.col("g").alias("group_key"),
            pl.col("sa").alias("a"),
            pl.col("sb").alias("b"),
        )
    )
    coded_clusters = kmeans(with_context(coded(own), coded_pairs))
    clusters = (
        coded_clusters.drop("group_key")
        .join(speakers.rename({"sender_id": "_id"}), left_on="sender_id", right_on="s")
        .select("group_key", pl.col("_id").alias("sender_id"), "k", "c", "separation")
    )
    # k = 3 only when it separates clearly better than k = 2.
    best_k = (
        clusters.select("group_key", "k", "separation")
        .unique()
        .pivot(on="k", index="group_key", values="separation")
        .select(
            "group_key",
            pl.when(pl.col("3") > pl.col("2") + PREFER_FEWER).then(3).otherwise(2).alias("k"),
        )
    )
    chosen = clusters.join(best_k, on=_RUN).select("group_key", "sender_id", "c")
    # Keywords and the vocabulary test read each cluster's own words, not its context.
    centroids = _normalised(
        own.join(chosen, on=["group_key", "sender_id"])
        .group_by("group_key", "c", "term")
        .agg(pl.col("w").sum()),
        ["group_key", "c"],
    )
    by_group: dict[str, dict[str, Any]] = {}
    for key, sender, c in chosen.iter_rows():
        by_group.setdefault(key, {"members": {}, "centroids": {}, "pairs": []})
        by_group[key]["members"][sender] = c
    for key, c, term, w in centroids.iter_rows():
        by_group[key]["centroids"].setdefault(c, {})[term] = w
    for key, a, b in pairs.iter_rows():
        by_group[key]["pairs"].append((a, b))
    return {key: _decide(**parts) for key, parts in by_group.items()}


def _cos(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def _decide(
    members: dict[str, int], centroids: dict[int, dict[str, float]], pairs: list[tuple[str, str]]
) -> dict[str, Any]:
    clusters: dict[int, list[str]] = {}
    for s, c in members.items():
        clusters.setdefault(c, []).append(s)
    order = sorted(clusters, key=lambda c: (-len(clusters[c]), c))
    rank = {c: i for i, c in enumerate(order)}
    cluster_of = {s: rank[c] for s, c in members.items()}
    n = len(members)
    topics: list[dict[str, Any]] = []
    for i, c in enumerate(order):
        # Weights equal up to rounding (sums in another order) are ties: broken on the word.
        words = sorted(centroids.get(c, {}).items(), key=lambda kv: (-round(kv[1], _DIGITS), kv[0]))
        topics.append(
            {
                "cluster": i,
                "keywords": [t for t, _ in words[:KEYWORDS]],
                "members": sorted(clusters[c]),
                "share": round(len(clusters[c]) / n, 4),
            }
        )
    if len(topics) < 2:
        return {
            **no_topics(
                "不建议拆群：所有活跃成员谈的是同一类话题",
                "No split needed: all active members talk about the same things",
            ),
            "topics": topics,
        }
    big = [t for t in topics if t["share"] >= MIN_CLUSTER_SHARE]
    inside, chance, assortativity, n_pairs = _assortativity(pairs, cluster_of)
    similarity = _cos(centroids.get(order[0], {}), centroids.get(order[1], {}))
    evidence = {
        "speakers": n,
        "clusters": len(topics),
        "big_clusters": len(big),
        "interactions": n_pairs,
        "inside_share": None if inside is None else round(inside, 4),
        "inside_by_chance": None if chance is None else round(chance, 4),
        "assortativity": None if assortativity is None else round(assortativity, 4),
        "centroid_similarity": round(similarity, 4),
    }
    split = (
        len(big) >= 2
        and n_pairs >= MIN_INTERACTIONS
        and assortativity is not None
        and assortativity >= MIN_ASSORTATIVITY
        and similarity <= MAX_CENTROID_SIMILARITY
    )
    zh, en = _reason(split, topics, big, n, inside, chance, assortativity, n_pairs, similarity)
    return {
        "topics": topics,
        "split_suggested": split,
        "split_reason": zh,
        "split_reason_en": en,
        "evidence": evidence,
    }


def _reason(
    split: bool,
    topics: list[dict[str, Any]],
    big: list[dict[str, Any]],
    n: int,
    inside: float | None,
    chance: float | None,
    assortativity: float | None,
    n_pairs: int,
    similarity: float,
) -> tuple[str, str]:
    a, b = topics[0], topics[1]
    kw_a, kw_b = "、".join(a["keywords"][:4]), "、".join(b["keywords"][:4])
    kw_a_en, kw_b_en = ", ".join(a["keywords"][:4]), ", ".join(b["keywords"][:4])
    inside_txt = "—" if inside is None else f"{inside * 100:.0f}%"
    chance_txt = "—" if chance is None else f"{chance * 100:.0f}%"
    if split:
        return (
            f"鸡同鸭讲：{n} 位活跃成员分成话题不同的 {len(big)} 群人"
            f"（「{kw_a}」{a['share'] * 100:.0f}%，「{kw_b}」{b['share'] * 100:.0f}%）；"
            f"{inside_txt} 的互动发生在各自圈子内（随机只会有 {chance_txt}），"
            f"两群人的用词相似度仅 {similarity:.2f}",
            f"Two audiences in one group: {n} active members form {len(big)} clusters with "
            f"different topics ('{kw_a_en}' {a['share'] * 100:.0f} %, '{kw_b_en}' "
            f"{b['share'] * 100:.0f} %); {inside_txt} of interactions stay inside a cluster "
            f"(chance: {chance_txt}) and the vocabularies' similarity is only {similarity:.2f}",
        )
    why_zh, why_en = [], []
    if len(big) < 2:
        why_zh.append("只有一个话题圈子占到 20% 以上的活跃成员")
        why_en.append("only one cluster holds ≥ 20 % of active members")
    if n_pairs < MIN_INTERACTIONS:
        why_zh.append(f"只有 {n_pairs} 次互动，不足以判断")
        why_en.append(f"only {n_pairs} interactions, too few to tell")
    elif assortativity is not None and assortativity < MIN_ASSORTATIVITY:
        why_zh.append(f"{inside_txt} 的互动在圈子内，随机也会有 {chance_txt}，大家仍在互相交流")
        why_en.append(
            f"{inside_txt} of interactions stay inside a cluster where chance alone gives "
            f"{chance_txt}: people still talk across"
        )
    if similarity > MAX_CENTROID_SIMILARITY:
        why_zh.append(f"各圈子用词相似度 {similarity:.2f}（> {MAX_CENTROID_SIMILARITY}），话题相近")
        why_en.append(
            f"the clusters' vocabularies are similar ({similarity:.2f} > {MAX_CENTROID_SIMILARITY})"
        )
    return "不建议拆群：" + "；".join(why_zh), "No split needed: " + "; ".join(why_en)


def _assortativity(
    pairs: list[tuple[str, str]], cluster_of: dict[str, int]
) -> tuple[float | None, float | None, float | None, int]:
    """Share of interactions inside a cluster, the share chance alone would give (Σ a_k², a_k
    the clusters' shares of interaction ends) and Newman's assortativity coefficient
    (inside − chance) / (1 − chance): 0 for people who talk to anyone, 1 for closed circles."""
    ends: Counter[int] = Counter()
    inside = total = 0
    for a, b in pairs:
        ca, cb = cluster_of.get(a), cluster_of.get(b)
        if ca is None or cb is None:
            continue
        total += 1
        inside += ca == cb
        ends[ca] += 1
        ends[cb] += 1
    if not total:
        return None, None, None, 0
    share = inside / total
    chance = sum((n / (2 * total)) ** 2 for n in ends.values())
    if chance >= 1:
        return share, chance, None, total
    return share, chance, (share - chance) / (1 - chance), total
