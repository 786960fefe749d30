"""Names of simulated people and groups. See docs/simulate.md.

Display names are unique across the whole world: WhatsApp and the QQ/WeChat system lines
identify people by name only, so two people sharing a name would merge on import.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from .model import Person

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕斌辉鹏宇浩凯健俊帆晨阳雪琳晶欣婷"
    "悦然博文轩涵雨泽思佳一诺子墨梓睿嘉怡可馨若汐语彤梦瑶浩然雅琪晓峰志远海燕春梅秋菊冬雪慧敏"
)
_NICKNAMES = (
    "小鱼儿",
    "阿狸",
    "大白",
    "橙子",
    "木木",
    "喵小姐",
    "老K",
    "阳光",
    "星辰",
    "蜗牛",
    "小太阳",
    "芒果",
    "柠檬",
    "豆豆",
    "团子",
    "七七",
    "一只鹿",
    "风筝",
    "麦兜",
    "小新",
    "阿乐",
    "果果",
    "饭团",
    "布丁",
    "小熊",
    "向日葵",
    "大橘",
    "云朵",
    "南风",
    "北北",
)
_CITIES = ("北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "苏州", "长沙")
_FIRST = [
    "James",
    "Mary",
    "John",
    "Linda",
    "Robert",
    "Emma",
    "Michael",
    "Olivia",
    "David",
    "Sophia",
    "William",
    "Ava",
    "Daniel",
    "Mia",
    "Lucas",
    "Grace",
    "Ethan",
    "Chloe",
    "Noah",
    "Lily",
    "Liam",
    "Zoe",
    "Ryan",
    "Anna",
    "Kevin",
    "Emily",
    "Jason",
    "Hannah",
    "Alex",
    "Nina",
    "Tom",
    "Sarah",
    "Leo",
    "Julia",
    "Max",
    "Laura",
    "Sam",
    "Eva",
    "Ben",
    "Alice",
    "Chris",
    "Kate",
    "Mark",
    "Rosa",
    "Paul",
    "Iris",
    "Adam",
    "Elena",
    "Victor",
    "Ruby",
]
_LAST = [
    "Smith",
    "Johnson",
    "Lee",
    "Brown",
    "Garcia",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Martin",
    "Jackson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Young",
    "King",
    "Wright",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Campbell",
    "Chen",
    "Wang",
    "Kim",
    "Nguyen",
    "Patel",
    "Singh",
    "Lopez",
    "Rossi",
    "Muller",
    "Silva",
    "Novak",
]
_HANDLE_WORDS = [
    "fish",
    "sun",
    "moon",
    "star",
    "cat",
    "fox",
    "tea",
    "code",
    "run",
    "book",
    "sky",
    "leaf",
    "bear",
    "cloud",
    "wind",
    "rain",
    "tiger",
    "panda",
    "mango",
    "lemon",
    "tofu",
    "river",
    "stone",
    "light",
    "maple",
]


class PeopleFactory:
    """Makes people with world-unique display names and handles."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.people: list[Person] = []
        self._names: set[str] = set()
        self._handles: set[str] = set()

    def new(self, lang: str) -> Person:
        rng = self.rng
        index = len(self.people)
        name = _unique(lambda: _name(lang, rng), self._names)
        handle = _unique(lambda: _handle(lang, rng), self._handles)
        shows_phone = lang == "zh" and rng.random() < 0.12
        person = Person(index, name, lang, handle, _phone(lang, index), shows_phone)
        self.people.append(person)
        return person


def _unique(make: Callable[[], str], seen: set[str]) -> str:
    for _ in range(20):
        value = make()
        if value not in seen:
            seen.add(value)
            return value
    # Name space crowded: a numeric suffix keeps the name human-looking and unique.
    base = make()
    n = 2
    while f"{base}{n}" in seen:
        n += 1
    seen.add(f"{base}{n}")
    return f"{base}{n}"


def _name(lang: str, rng: random.Random) -> str:
    if lang == "en":
        return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    r = rng.random()
    if r < 0.55:
        given = rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.7 else "")
        return rng.choice(_SURNAMES) + given
    if r < 0.8:
        return rng.choice(_NICKNAMES) + rng.choice(("", "🌸", "🍀", "~", "✨", "_", ""))
    # Operators ask members to rename as 城市-名字; many comply.
    return f"{rng.choice(_CITIES)}-{rng.choice(_SURNAMES)}{rng.choice(_GIVEN)}"


def _handle(lang: str, rng: random.Random) -> str:
    if lang == "en":
        return f"{rng.choice(_FIRST).lower()}_{rng.choice(_LAST).lower()}{rng.randint(1, 99)}"
    return f"{rng.choice(_HANDLE_WORDS)}{rng.choice(_HANDLE_WORDS)}{rng.randint(10, 999)}"


def _phone(lang: str, index: int) -> str:
    # Bijective in `index`, so every person has their own number.
    n = (index * 7_919 + 1_234_567) % 100_000_000
    if lang == "zh":
        prefix = ("138", "139", "186", "135", "177", "150")[index % 6]
        s = f"{n:08d}"
        return f"+86 {prefix} {s[:4]} {s[4:]}"
    s = f"{n % 10_000_000:07d}"
    return f"+1 415 {s[:3]} {s[3:]}"


GROUP_NAMES: dict[str, tuple[str, str]] = {
    "python": ("Python学习交流群", "Python Learners"),
    "java": ("Java进阶交流群", "Java Developers Hub"),
    "baoma": ("宝妈育儿互助群", "Parenting Support Circle"),
    "kaoyan": ("考研上岸打卡群", "Grad Exam Study Group"),
    "photo": ("摄影爱好者交流群", "Photography Club"),
    "running": ("周末跑团", "Weekend Runners"),
    "product": ("产品经理成长营", "Product Managers Guild"),
}
MIXED_NAMES: dict[tuple[str, str], tuple[str, str]] = {
    ("java", "python"): ("编程学习交流群", "Coding Learners Lounge"),
    ("baoma", "kaoyan"): ("宝妈考研互助群", "Moms & Exam Prep"),
}
CITIES = _CITIES
