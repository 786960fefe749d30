"""Topic mixing (seed 003 鸡同鸭讲): two audiences who talk among themselves about different
things are found and a split suggested; one audience is left alone."""

from __future__ import annotations

from .community import Community, at

AS_OF = at(d=27)
PYTHON = (
    "最近在用 pandas 做数据清洗",
    "Django 的中间件应该怎么写",
    "numpy 的广播机制有点难懂",
    "Flask 还是 Django 更适合入门",
    "pandas 的 groupby 真好用",
    "爬虫遇到反爬就用 requests 换个 IP",
)
JAVA = (
    "Spring Boot 的自动配置原理是什么",
    "JVM 垃圾回收怎么调优",
    "HashMap 的扩容机制讲一下",
    "Maven 依赖冲突怎么解决",
    "线程池的参数应该怎么配",
    "MyBatis 的缓存要不要开",
)


def conversation(
    c: Community, people: list[str], texts: tuple[str, ...], day: int, hour: int
) -> None:
    """Everyone in `people` speaks once, each replying to the one before."""
    previous = None
    for i, who in enumerate(people):
        text = texts[(3 * day + i) % len(texts)]
        previous = c.say(who, at(d=day, h=hour, m=2 * i), text, reply_to=previous)


def test_two_audiences_are_found_and_a_split_is_suggested() -> None:
    c = Community()
    py = [f"p{i}" for i in range(1, 7)]
    jv = [f"j{i}" for i in range(1, 7)]
    for day in range(5, 25):
        rotate = day % 6
        conversation(c, py[rotate:] + py[:rotate], PYTHON, day, 10)
        conversation(c, jv[rotate:] + jv[:rotate], JAVA, day, 20)
    entry = c.group_entry(AS_OF)
    assert entry["split_suggested"] is True
    assert {frozenset(t["members"]) for t in entry["topics"]} == {frozenset(py), frozenset(jv)}
    keywords = {w for t in entry["topics"] for w in t["keywords"]}
    assert {"pandas", "django"} & keywords and {"jvm", "maven", "hashmap"} & keywords
    assert [r["code"] for r in entry["recommendations"]][:1] == ["split"]


def test_one_audience_talking_together_is_not_split() -> None:
    c = Community()
    people = [f"u{i}" for i in range(1, 13)]
    for day in range(5, 25):
        rotate = day % 12
        # the same people discuss both subjects with each other
        conversation(c, people[rotate:] + people[:rotate], PYTHON + JAVA, day, 10)
    entry = c.group_entry(AS_OF)
    assert entry["split_suggested"] is False
    assert entry["split_reason"].startswith("不建议拆群")


def test_too_few_speakers_to_judge() -> None:
    c = Community()
    for day in range(5, 25):
        conversation(c, ["a", "b", "c"], PYTHON, day, 10)
    entry = c.group_entry(AS_OF)
    assert (entry["split_suggested"], entry["topics"]) == (False, [])
    assert entry["split_reason_en"] == "Too few active speakers (under 10) to judge topic mixing"
