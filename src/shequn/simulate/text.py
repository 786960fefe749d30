"""Message texts of the simulated communities, Chinese and English. See docs/simulate.md.

Texts are drawn from pools built once per world (templates × topic keywords), and messages
refer to them by index. That keeps generation cheap and lets the writers escape each distinct
text once instead of once per message.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .names import CITIES

# Text categories. Each message text belongs to exactly one.
QUESTION = 0
ANSWER = 1
SHARE = 2
CHAT = 3
INTRO = 4
ANNOUNCE = 5
RULES = 6
WELCOME = 7
PROMPT = 8  # the owner opens a discussion
PING = 9  # the owner of a dying group asks whether anyone is still there
THANKS = 10
AGREE = 11
GREETING = 12
EMOJI = 13
AD = 14
MEDIA = 15  # the empty text of a photo or sticker

CATEGORY_NAMES = (
    "question",
    "answer",
    "share",
    "chat",
    "intro",
    "announce",
    "rules",
    "welcome",
    "prompt",
    "ping",
    "thanks",
    "agree",
    "greeting",
    "emoji",
    "ad",
    "media",
)

# Not substantive in the sense of DESIGN.md §3 (independent valuable rounds): stickers and
# emoji-only, greetings, bare acknowledgements and thanks, ads.
NOT_SUBSTANTIVE = frozenset({THANKS, AGREE, GREETING, EMOJI, AD, MEDIA})


@dataclass(frozen=True)
class Topic:
    key: str
    zh: tuple[str, ...]
    en: tuple[str, ...]


TOPICS: dict[str, Topic] = {
    t.key: t
    for t in (
        Topic(
            "python",
            (
                "Python",
                "pandas",
                "爬虫",
                "Django",
                "虚拟环境",
                "pip",
                "装饰器",
                "列表推导式",
                "numpy",
                "Flask",
                "asyncio",
                "类型注解",
                "Jupyter",
                "数据清洗",
            ),
            (
                "Python",
                "pandas",
                "web scraping",
                "Django",
                "virtualenv",
                "pip",
                "decorators",
                "list comprehensions",
                "numpy",
                "Flask",
                "asyncio",
                "type hints",
                "Jupyter",
                "data cleaning",
            ),
        ),
        Topic(
            "java",
            (
                "Java",
                "Spring Boot",
                "JVM",
                "Maven",
                "多线程",
                "MyBatis",
                "垃圾回收",
                "HashMap",
                "Gradle",
                "微服务",
                "线程池",
                "JDK 17",
                "IDEA",
                "并发编程",
            ),
            (
                "Java",
                "Spring Boot",
                "the JVM",
                "Maven",
                "multithreading",
                "MyBatis",
                "garbage collection",
                "HashMap",
                "Gradle",
                "microservices",
                "thread pools",
                "JDK 17",
                "IntelliJ",
                "concurrency",
            ),
        ),
        Topic(
            "baoma",
            (
                "辅食",
                "宝宝睡眠",
                "奶粉",
                "早教",
                "幼儿园",
                "湿疹",
                "疫苗",
                "绘本",
                "月嫂",
                "母乳喂养",
                "宝宝发烧",
                "断奶",
                "出牙",
                "亲子游",
            ),
            (
                "baby food",
                "sleep training",
                "formula",
                "early learning",
                "kindergarten",
                "eczema",
                "vaccines",
                "picture books",
                "night nurses",
                "breastfeeding",
                "fevers",
                "weaning",
                "teething",
                "family trips",
            ),
        ),
        Topic(
            "kaoyan",
            (
                "考研",
                "英语一",
                "政治",
                "数学二",
                "专业课",
                "复试",
                "调剂",
                "真题",
                "背单词",
                "择校",
                "408",
                "肖秀荣",
                "错题本",
                "作息计划",
            ),
            (
                "the grad exam",
                "English I",
                "politics",
                "Math II",
                "the major subject",
                "the interview round",
                "transfers",
                "past papers",
                "vocabulary",
                "choosing a school",
                "the 408 exam",
                "mock tests",
                "error logs",
                "study schedules",
            ),
        ),
        Topic(
            "photo",
            (
                "光圈",
                "快门速度",
                "ISO",
                "人像",
                "后期",
                "Lightroom",
                "构图",
                "定焦镜头",
                "逆光",
                "扫街",
                "胶片",
                "白平衡",
                "夜景",
                "三脚架",
            ),
            (
                "aperture",
                "shutter speed",
                "ISO",
                "portraits",
                "editing",
                "Lightroom",
                "composition",
                "prime lenses",
                "backlight",
                "street shooting",
                "film",
                "white balance",
                "night shots",
                "tripods",
            ),
        ),
        Topic(
            "running",
            (
                "配速",
                "半马",
                "全马",
                "跑鞋",
                "心率",
                "LSD",
                "间歇跑",
                "拉伸",
                "膝盖",
                "越野跑",
                "马拉松",
                "核心训练",
                "补给",
                "晨跑",
            ),
            (
                "pace",
                "half marathons",
                "marathons",
                "running shoes",
                "heart rate",
                "long slow runs",
                "intervals",
                "stretching",
                "knee pain",
                "trail running",
                "race day",
                "core training",
                "energy gels",
                "morning runs",
            ),
        ),
        Topic(
            "product",
            (
                "需求分析",
                "PRD",
                "原型",
                "用户调研",
                "Axure",
                "数据分析",
                "A/B测试",
                "增长",
                "埋点",
                "竞品分析",
                "MVP",
                "留存",
                "用户画像",
                "需求评审",
            ),
            (
                "requirements",
                "PRDs",
                "prototypes",
                "user research",
                "Figma",
                "analytics",
                "A/B tests",
                "growth",
                "event tracking",
                "competitor analysis",
                "MVPs",
                "retention",
                "personas",
                "roadmaps",
            ),
        ),
    )
}

_TEMPLATES: dict[int, dict[str, tuple[str, ...]]] = {
    QUESTION: {
        "zh": (
            "请问{a}怎么入门？有推荐的资料吗？",
            "{a}和{b}有什么区别？一直没搞明白",
            "有人遇到过{a}的问题吗，求助🙏",
            "新手问一下，{a}一般要多久才能上手？",
            "{a}这块卡住了，{b}要怎么处理？",
            "大家{a}都是怎么做的？有没有好的经验",
            "想系统学一下{a}，先学{b}还是直接上手？",
            "请教各位：{a}遇到瓶颈了怎么办？",
        ),
        "en": (
            "How do I get started with {a}? Any good resources?",
            "What's the difference between {a} and {b}? Still confused",
            "Has anyone run into problems with {a}? Need help 🙏",
            "Newbie question: how long does {a} take to pick up?",
            "Stuck on {a} — how should I handle {b}?",
            "How do you all approach {a}? Any tips?",
            "Should I learn {b} first or jump straight into {a}?",
            "Hitting a plateau with {a}, any advice?",
        ),
    },
    ANSWER: {
        "zh": (
            "{a}建议先看官方文档，再配合{b}做几个小项目，进步很快",
            "这个我之前遇到过，{a}要先检查{b}，大概率是那里的问题",
            "{a}和{b}的核心区别在使用场景，我整理过一份笔记，可以参考一下",
            "别急，{a}先把基础打牢，{b}后面自然就懂了",
            "我的经验是每天花半小时练{a}，坚持两周就有感觉了",
            "可以试试先把{b}拆开来看，{a}的问题就好定位了",
            "{a}推荐看看社区里的精华帖，讲{b}讲得特别清楚",
            "我们团队是这么做的：先{a}，再用{b}验证，效果不错",
        ),
        "en": (
            "For {a}, start with the official docs and build a couple of small projects with {b}",
            "I hit this before — check {b} first, that's usually where {a} breaks",
            "The key difference between {a} and {b} is when you use them; I have notes I can share",
            "Don't rush: get the basics of {a} solid and {b} will click later",
            "What worked for me: 30 minutes of {a} a day, you'll feel it after two weeks",
            "Try isolating {b} first, then the {a} issue is much easier to find",
            "The pinned posts on {a} explain {b} really well",
            "Our team does {a} first and then validates with {b}, works nicely",
        ),
    },
    SHARE: {
        "zh": (
            "分享一篇讲{a}的好文：https://www.zhihu.com/question/{n}",
            "整理了一份{a}学习路线，需要的自取 https://github.com/shequn-demo/{k}-notes",
            "今天的{a}笔记：先理解{b}，再看例子，事半功倍",
            "推荐一个{a}的免费课程，讲{b}部分特别好 https://www.bilibili.com/video/BV1{k}{n}",
            "周末总结了一下{a}的常见坑，主要都和{b}有关",
        ),
        "en": (
            "Great write-up on {a}: https://dev.to/shequn/{k}-{n}",
            "Made a {a} roadmap, grab it if useful https://github.com/shequn-demo/{k}-notes",
            "Today's {a} notes: understand {b} first, then the examples",
            "Free course on {a}, the {b} part is excellent https://www.youtube.com/watch?v={k}{n}",
            "Summed up the common {a} pitfalls this weekend, most of them come down to {b}",
        ),
    },
    CHAT: {
        "zh": (
            "今天试了一下{a}，感觉还不错",
            "{a}真的太难了，有没有一起打卡的",
            "刚看完一篇讲{a}的文章，收获很大",
            "周末有人一起研究{a}吗",
            "我觉得{a}比{b}更实用一点",
            "{a}这个话题可以单独开个分享会了",
            "最近在折腾{b}，{a}反而放下了",
            "同感，{a}入门容易精通难",
            "昨天因为{a}熬到两点😂",
            "{b}这块我也踩过坑，后来慢慢就好了",
        ),
        "en": (
            "Tried {a} today, pretty nice actually",
            "{a} is so hard, anyone want to keep each other accountable?",
            "Just read a great piece on {a}, learned a lot",
            "Anyone up for digging into {a} this weekend?",
            "I find {a} more practical than {b}",
            "{a} deserves its own sharing session",
            "Been busy with {b} lately, {a} is on hold",
            "Agreed, {a} is easy to start and hard to master",
            "Stayed up till 2am because of {a} 😂",
            "I struggled with {b} too, it gets better",
        ),
    },
    INTRO: {
        "zh": (
            "大家好，我是{city}的，刚开始接触{a}，请多指教",
            "新人报到！在{city}工作，对{a}很感兴趣",
            "大家好～{a}小白一枚，希望跟大家多学习",
        ),
        "en": (
            "Hi everyone, just started with {a}, happy to be here",
            "New here! Really interested in {a}",
            "Hello all — {a} beginner, looking forward to learning from you",
        ),
    },
    ANNOUNCE: {
        "zh": (
            "【群公告】本周六晚8点线上分享：{a}实战，欢迎大家参加！",
            "【通知】请大家把群昵称改为 城市-昵称-方向，方便交流",
            "【本周话题】{a}，欢迎大家踊跃分享自己的经验",
            "【群公告】\n1. 禁止发广告\n2. 提问前先搜索群文件\n3. 每周五晚{a}答疑",
            "【活动】{a}打卡挑战开始啦，连续7天打卡送资料包",
        ),
        "en": (
            "[Announcement] Live session this Saturday 8pm: {a} in practice. Everyone welcome!",
            "[Notice] Please set your nickname as City-Name-Focus",
            "[Topic of the week] {a} — share your experience!",
            "[Rules]\n1. No ads\n2. Search the files before asking\n3. {a} Q&A every Friday night",
            "[Event] The 7-day {a} challenge starts today, finishers get the resource pack",
        ),
    },
    RULES: {
        "zh": (
            "温馨提示：群内禁止发广告，违者移出",
            "请大家文明交流，不要刷屏哦",
            "提醒一下，私加群友推销的请注意，发现直接移出",
        ),
        "en": (
            "Friendly reminder: no ads in this group, offenders will be removed",
            "Please keep it civil and don't flood the chat",
            "Heads-up: if anyone DMs you to sell something, report it to the admins",
        ),
    },
    PROMPT: {
        "zh": (
            "大家最近{a}学得怎么样？来聊聊进度",
            "问个问题：大家觉得{a}最难的部分是什么？",
            "这周想组织一次{a}交流，大家想听什么？",
        ),
        "en": (
            "How's everyone doing with {a} lately? Share your progress",
            "Question for all: what's the hardest part of {a} for you?",
            "Planning a {a} session this week — what would you like to hear about?",
        ),
    },
    PING: {
        "zh": (
            "最近群里好安静啊，大家都在忙什么？",
            "还有人在吗？",
            "下周还办{a}分享会吗？有兴趣的回复一下",
            "大家好久没冒泡了😅",
        ),
        "en": (
            "It's been quiet here lately, what's everyone up to?",
            "Is anyone still here?",
            "Should we still hold the {a} session next week? Reply if interested",
        ),
    },
    THANKS: {
        "zh": (
            "谢谢大佬！",
            "感谢感谢🙏",
            "太有用了，谢谢！",
            "学到了，感谢分享",
            "多谢，已经解决了",
            "谢谢大佬，茅塞顿开",
        ),
        "en": (
            "thanks!",
            "Thanks a lot, that worked!",
            "Super helpful, thank you 🙏",
            "Got it, thanks!",
            "Thank you, problem solved",
        ),
    },
    AGREE: {
        "zh": ("+1", "同意", "收到", "确实", "哈哈哈哈", "有道理", "我也是", "赞"),
        "en": ("+1", "agreed", "same here", "true", "lol", "makes sense", "me too", "nice"),
    },
    GREETING: {
        "zh": ("大家好", "早上好☀️", "晚上好", "早安", "大家中午好", "早"),
        "en": ("Hi all", "Good morning!", "Hello everyone", "Morning!", "Evening all"),
    },
    EMOJI: {
        "zh": ("😂😂😂", "👍", "🙏🙏", "[捂脸]", "🎉🎉", "😄", "🤣", "[强]", "👏👏"),
        "en": ("😂", "👍👍", "🙏", "🎉", "😄😄", "🔥", "👏", "💯"),
    },
}

_AD_OFFERS_ZH = (
    "兼职日结300+，手机就能做，宝妈学生都可以",
    "低价代购各大品牌，正品保证，招代理",
    "免费领取考研/编程全套资料，名额有限",
    "招代理，一件代发，月入过万不是梦",
    "专业刷单返利，稳赚不赔",
)
_AD_OFFERS_EN = (
    "Make $300/day from home, no experience needed",
    "Crypto signals group, 10x guaranteed",
    "Cheap designer bags, DM for catalogue",
)


@dataclass
class TextBank:
    """All distinct message texts of a world, with their categories."""

    texts: list[str] = field(default_factory=list)
    categories: bytearray = field(default_factory=bytearray)
    _pools: dict[tuple[int, str, str], list[int]] = field(default_factory=dict)
    _index: dict[str, int] = field(default_factory=dict)

    def add(self, text: str, category: int) -> int:
        found = self._index.get(text)
        if found is not None and self.categories[found] == category:
            return found
        self.texts.append(text)
        self.categories.append(category)
        self._index.setdefault(text, len(self.texts) - 1)
        return len(self.texts) - 1

    def pool(self, category: int, topic: str, lang: str) -> list[int]:
        return self._pools[(category, topic, lang)]

    def keywords(self, topic: str, lang: str) -> tuple[str, ...]:
        t = TOPICS[topic]
        return t.zh if lang == "zh" else t.en


def build_bank(topics: list[str], rng: random.Random, variants: int = 90) -> TextBank:
    """Pools for every (category, topic, language), `variants` texts each where templates
    allow that many."""
    bank = TextBank()
    bank.add("", MEDIA)
    for topic in topics:
        for lang in ("zh", "en"):
            words = bank.keywords(topic, lang)
            for category, by_lang in _TEMPLATES.items():
                templates = by_lang[lang]
                if "{" not in "".join(templates):
                    ids = [bank.add(t, category) for t in templates]
                else:
                    ids = []
                    seen: set[str] = set()
                    for _ in range(variants * 3):
                        if len(ids) >= variants:
                            break
                        text = _fill(rng.choice(templates), words, topic, rng)
                        if text not in seen:
                            seen.add(text)
                            ids.append(bank.add(text, category))
                bank._pools[(category, topic, lang)] = ids
    return bank


def _fill(template: str, words: tuple[str, ...], topic: str, rng: random.Random) -> str:
    a, b = rng.sample(words, 2)
    return template.format(
        a=a, b=b, k=topic, n=rng.randint(10_000, 99_999_999), city=rng.choice(CITIES)
    )


def make_ads(spammer_index: int, lang: str, wechat_id: str, phone: str) -> list[str]:
    """The ads one spammer posts, the same in every group: links, a phone number, a WeChat
    id and 加V/私聊/代理 wording (DESIGN.md §3 spammer signals)."""
    offers: tuple[str, ...]
    if lang == "en":
        offers = _AD_OFFERS_EN
        return [
            f"{offers[(spammer_index + i) % len(offers)]}! DM me or WhatsApp {phone} "
            f"https://bit.ly/{wechat_id[-6:]}{i}"
            for i in range(2)
        ]
    offers = _AD_OFFERS_ZH
    return [
        f"{offers[(spammer_index + i) % len(offers)]}，加V：{wechat_id} 私聊，"
        f"电话{phone.removeprefix('+86 ')} 详情 https://t.cn/A6{wechat_id[-5:]}{i}"
        for i in range(2)
    ]


def welcome_text(lang: str, mention: str, variant: int) -> str:
    """An admin welcomes a newcomer by @-mention; `mention` is the rendered "@Name"."""
    zh = (
        f"欢迎 {mention} 加入！请先看一下群公告～",
        f"欢迎新朋友 {mention} 👏 有问题随时在群里问",
        f"{mention} 欢迎入群，记得改一下群昵称哦",
    )
    en = (
        f"Welcome {mention}! Please read the pinned rules 🙂",
        f"Welcome aboard {mention} 👋 feel free to ask anything",
    )
    options = zh if lang == "zh" else en
    return options[variant % len(options)]


# Categories with a template pool per (topic, language); welcomes and ads are made per
# person at plan time.
POOLED = tuple(_TEMPLATES)
