"""Every metric shequn computes, declared once. See docs/metrics.md (DESIGN.md §3).

Views, the report and the JSON read labels, definitions and bars from here; no metric is
defined inline anywhere else. `seed` names the file in seeds/ the rule comes from (the five
health indicators ①–⑤ are in seeds/004, the size bands and the group lifecycle in seeds/001,
the over-dependence on a few big names in seeds/002, 鸡同鸭讲 topic mixing in seeds/003).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["ratio", "count", "minutes", "score"]
BarKind = Literal[">=", ">"]
Scope = Literal["group", "person"]


@dataclass(frozen=True)
class Metric:
    name: str
    label_zh: str
    label_en: str
    definition_zh: str
    definition_en: str
    seed: str
    bar: float | None = None
    bar_kind: BarKind | None = None
    unit: Unit = "count"
    scope: Scope = "group"

    def meets(self, value: float | None) -> bool | None:
        """Whether `value` reaches the seed's bar (None when there is no bar or no value)."""
        if self.bar is None or value is None:
            return None
        return value > self.bar if self.bar_kind == ">" else value >= self.bar


# Seed 004 ③: a paid group is measured on upgrades, with a lower bar than a free group.
PAID_GROUP_CONVERSION_BAR = 0.05

_ALL: tuple[Metric, ...] = (
    # -- the five seed indicators (seeds/004 ①–⑤) ---------------------------------------
    Metric(
        "weekly_active_rate",
        "周活跃率",
        "Weekly active rate",
        "过去 7 天发过至少一条非系统消息的成员 ÷ 截止时的成员数（机器人不算成员）",
        "Members who sent ≥ 1 non-system message in the last 7 days ÷ members at as_of (bots "
        "are not members)",
        "004",
        0.20,
        ">=",
        "ratio",
    ),
    Metric(
        "independent_rounds_7d",
        "自发有价值互动回合",
        "Independent valuable rounds",
        "过去 7 天按 30 分钟间隔切分的回合中：非工作人员发起、工作人员发言 ≤ 20%、"
        "≥ 3 位非工作人员参与、≥ 50% 为实质内容的回合数",
        "Rounds (split at gaps > 30 min) in the last 7 days not started by staff, with staff "
        "≤ 20 % of messages, ≥ 3 distinct non-staff speakers and ≥ 50 % substantive messages",
        "004",
        5,
        ">=",
        "count",
    ),
    Metric(
        "paid_conversion",
        "付费转化率",
        "Paid conversion",
        "截止前有至少一笔已付订单的成员 ÷ 成员数"
        "（付费群：购买入群费以外更高等级产品的成员 ÷ 成员数）",
        "Members with ≥ 1 paid order before as_of ÷ members (paid group: members who bought "
        "something above the entry fee ÷ members)",
        "004",
        0.10,
        ">=",
        "ratio",
    ),
    Metric(
        "organic_growth_30d",
        "自发口碑增长",
        "Organic growth",
        "过去 30 天经成员（非工作人员）邀请或链接进群、且当时没有推广活动的人数",
        "Joins in the last 30 days through a member's (not staff's) invite or a link while no "
        "campaign ran",
        "004",
        0,
        ">",
        "count",
    ),
    Metric(
        "disappointment_share",
        "解散失望比例",
        "Disappointment share",
        "“如果社群解散你会怎样”问卷中回答“非常失望”的比例（≥ 30 份回答才计）",
        "Share of 'very disappointed' answers to 'if this community closed, how would you "
        "feel?' (counted from 30 responses)",
        "004",
        0.40,
        ">=",
        "ratio",
    ),
    # -- group counts and structure ---------------------------------------------------------
    Metric(
        "messages",
        "消息数",
        "Messages",
        "全部非系统消息数",
        "Non-system messages in the export",
        "001",
    ),
    Metric(
        "messages_7d",
        "近 7 天消息",
        "Messages, last 7 days",
        "过去 7 天的非系统消息数",
        "Non-system messages in the last 7 days",
        "001",
    ),
    Metric(
        "members",
        "成员数",
        "Members",
        "截止时仍在群内的人数（成员名单、发言人、进群事件，减去已退群者；不含机器人）",
        "People in the group at as_of (member list, speakers, joins, minus those who left; "
        "bots excluded)",
        "001",
    ),
    Metric(
        "speakers_7d",
        "近 7 天发言人数",
        "Speakers, last 7 days",
        "过去 7 天发过非系统消息的成员数",
        "Members who sent a non-system message in the last 7 days",
        "004",
    ),
    Metric(
        "joins_30d",
        "近 30 天进群",
        "Joins, last 30 days",
        "过去 30 天的进群事件数",
        "Join events in the last 30 days",
        "001",
    ),
    Metric(
        "leaves_30d",
        "近 30 天退群",
        "Leaves, last 30 days",
        "过去 30 天的退群与被移出事件数",
        "Leave and kick events in the last 30 days",
        "001",
    ),
    Metric(
        "retention_4w",
        "四周留存",
        "4-week retention",
        "近 26 周内进群、且进群后第 4 周已结束的成员中，第 4 周（进群周为第 0 周）发过言的比例",
        "Of people who joined in the last 26 weeks and whose week 4 is over, the share who "
        "spoke in week 4 after their join week (week 0); cohort table in `retention`",
        "001",
        unit="ratio",
    ),
    Metric(
        "staff_share",
        "工作人员消息占比",
        "Staff share",
        "过去 30 天工作人员（群主、管理员、机器人、指定人员）发的消息占比",
        "Share of the last 30 days' messages written by staff (owner, admins, bots, named staff)",
        "002",
        unit="ratio",
    ),
    Metric(
        "contributor_absence_factor",
        "缺席系数",
        "Contributor absence factor",
        "过去 30 天产出一半消息所需的最少人数（含工作人员；越小越依赖少数人）",
        "Fewest people (staff included) producing 50 % of the last 30 days' messages (small = "
        "over-dependence)",
        "002",
    ),
    Metric(
        "first_response_minutes_median",
        "新人首次回应时间",
        "First response to newcomers",
        "近 30 天进群的新人，进群 7 天内首条消息到他人第一次回复或 @ 他（导出没有回复记录时："
        "他人下一次发言）的分钟数中位数，24 小时内无回应不计入",
        "Median minutes from the first message of a newcomer (joined in the last 30 days, "
        "message within 7 days of joining) to someone else's first reply or mention of them "
        "(exports without replies: the next message by someone else), within 24 h",
        "004",
        unit="minutes",
    ),
    Metric(
        "rounds_7d",
        "近 7 天对话回合",
        "Rounds, last 7 days",
        "过去 7 天开始的对话回合数（消息间隔 > 30 分钟即切分），无论是否自发有价值",
        "Conversation rounds (split at gaps > 30 min) that started in the last 7 days, "
        "independent or not",
        "004",
    ),
    Metric(
        "questions_7d",
        "提问数",
        "Questions",
        "在 [截止前 8 天, 截止前 1 天) 内成员提出的问题数（未回应问题的分母）",
        "Questions members asked in [as_of − 8 d, as_of − 1 d) (the base of unanswered questions)",
        "004",
    ),
    Metric(
        "unanswered_questions_7d",
        "未回应的问题",
        "Unanswered questions",
        "在 [截止前 8 天, 截止前 1 天) 内成员的提问中，24 小时内无人回复或 @ 提问者、"
        "30 分钟内也无人接话的数量",
        "Members' questions asked in [as_of − 8 d, as_of − 1 d) that nobody replied to or "
        "mentioned the asker about within 24 h, and after which nobody else spoke within 30 min",
        "004",
    ),
    Metric(
        "spam_share",
        "垃圾消息占比",
        "Spam share",
        "过去 30 天的消息中刷屏（10 秒内 ≥ 5 条或 1 小时内同一内容 ≥ 3 次）或广告的比例",
        "Share of the last 30 days' messages that are floods (≥ 5 in 10 s or the same text "
        "≥ 3 times in an hour) or ads",
        "001",
        unit="ratio",
    ),
    Metric(
        "silent_share",
        "潜水比例",
        "Silent share",
        "进群满 14 天却从未发言的成员 ÷ 成员数",
        "Members of ≥ 14 days who never spoke ÷ members",
        "001",
        unit="ratio",
    ),
    Metric(
        "activity_vs_peak",
        "活跃度相对峰值",
        "Activity against peak",
        "最近两周成员（非工作人员）周均消息 ÷ 此前 12 周中最忙两周的周均消息（生命周期用）",
        "Member (non-staff) messages per week over the last 2 weeks ÷ the same for the busiest "
        "2 weeks among the 12 before (used by the lifecycle)",
        "001",
        unit="ratio",
    ),
    Metric(
        "days_since_member_message",
        "距上次成员发言天数",
        "Days since a member spoke",
        "距最后一条非工作人员消息的天数（≥ 14 天即死群）",
        "Days since the last non-staff message (≥ 14 days: a dead group)",
        "001",
    ),
    Metric(
        "survey_responses",
        "问卷回答数",
        "Survey responses",
        "“如果社群解散”问卷的有效回答数",
        "Valid answers to the 'if this community closed' survey",
        "004",
    ),
    Metric(
        "paying_members",
        "付费成员",
        "Paying members",
        "分析窗口内有已付订单（付费群：更高等级订单）的成员数",
        "Members with a paid order in the window (paid group: a higher-tier order)",
        "004",
    ),
    Metric(
        "health_score",
        "健康分",
        "Health score",
        "有数据的种子指标按门槛计分并按可用指标归一到 100，再扣除垃圾消息与依赖工作人员的罚分",
        "The seed indicators that have data, scored against their bars and renormalised to "
        "100, minus penalties for spam share and staff dependence",
        "004",
        unit="score",
    ),
    # -- per person: the `people` entries and their `evidence` (labels' numbers) -------------
    Metric(
        "replies_received",
        "收到回复",
        "Replies received",
        "他人对此人消息的回复数（全部时间）",
        "Replies by others to this person's messages (all time)",
        "004",
        scope="person",
    ),
    Metric(
        "active_days",
        "活跃天数",
        "Active days",
        "此人发过言的自然日数（群时区，全部时间）",
        "Days (group timezone) on which this person spoke (all time)",
        "004",
        scope="person",
    ),
    Metric(
        "messages_90d",
        "近 90 天发言",
        "Messages, last 90 days",
        "此人近 90 天的非系统消息数",
        "This person's non-system messages in the last 90 days",
        "004",
        scope="person",
    ),
    Metric(
        "substantive_90d",
        "实质发言",
        "Substantive posts",
        "近 90 天不是表情、红包、问候/客套、刷屏或广告的消息数",
        "Messages in the last 90 days that are not stickers/emoji, red packets, greetings or "
        "other phatic words, floods or ads",
        "004",
        scope="person",
    ),
    Metric(
        "active_days_90d",
        "近 90 天活跃天数",
        "Active days, last 90 days",
        "近 90 天发过言的自然日数",
        "Days in the last 90 on which this person spoke",
        "004",
        scope="person",
    ),
    Metric(
        "active_weeks_4",
        "近 4 周活跃周数",
        "Active weeks of the last 4",
        "截止前 4 个 7 天（[截止−28 天, 截止) 按 7 天切分）中发过言的周数；≥ 3 为核心成员",
        "Of the four 7-day weeks before as_of, those in which this person spoke (≥ 3: core)",
        "001",
        scope="person",
    ),
    Metric(
        "distinct_repliers_90d",
        "回复他的人数",
        "Distinct repliers",
        "近 90 天回复过此人的不同成员数",
        "Distinct people who replied to this person in the last 90 days",
        "004",
        scope="person",
    ),
    Metric(
        "thanks_received_90d",
        "收到感谢",
        "Thanks received",
        "近 90 天他人回复此人时说“谢谢/感谢/thanks”的次数",
        "Replies to this person saying thanks in the last 90 days",
        "004",
        scope="person",
    ),
    Metric(
        "reactions_received_90d",
        "收到表情回应",
        "Reactions received",
        "此人近 90 天的消息收到的他人表情回应数",
        "Reactions by others to this person's messages of the last 90 days",
        "004",
        scope="person",
    ),
    Metric(
        "appreciation_received_90d",
        "收到的欣赏",
        "Appreciation received",
        "收到感谢 + 收到表情回应（近 90 天）",
        "Thanks received + reactions received (last 90 days)",
        "004",
        scope="person",
    ),
    Metric(
        "answers_given_90d",
        "解答次数",
        "Answers given",
        "近 90 天此人回复其他成员（非工作人员）提问的次数",
        "Replies by this person to another member's (not staff's) question in the last 90 days",
        "004",
        scope="person",
    ),
    Metric(
        "influence_90d",
        "影响力",
        "Influence",
        "回复他的人数 + 收到的欣赏 + 解答次数（近 90 天）",
        "Distinct repliers + appreciation received + answers given (last 90 days)",
        "004",
        scope="person",
    ),
    Metric(
        "influence_rank_90d",
        "影响力排名",
        "Influence rank",
        "在本群非工作人员中按影响力的名次（1 最高）",
        "Rank by influence among the group's non-staff people (1 = highest)",
        "004",
        scope="person",
    ),
    Metric(
        "kol_break",
        "关键人断层",
        "KOL break",
        "本群前 10%（≤ 10 人）中相邻两人影响力之比的最大值；≥ 1.5 时其上的人是关键人",
        "The largest ratio between one member's influence and the next within the group's top "
        "10 % (≤ 10 people); when ≥ 1.5, those above it are the KOLs",
        "004",
        unit="score",
        scope="person",
    ),
    Metric(
        "kol_next_influence",
        "断层后的影响力",
        "Influence after the break",
        "关键人断层之后第一位成员的影响力",
        "Influence of the first member after the KOL break",
        "004",
        scope="person",
    ),
    Metric(
        "kol_bar",
        "关键人门槛",
        "KOL bar",
        "本群关键人所需影响力：max(30, 5 × 本群近 90 天发言 ≥ 10 条的成员影响力中位数"
        "（这样的成员 ≥ 5 人时）)",
        "Influence a KOL needs in this group: max(30, 5 × the median influence of the members "
        "with ≥ 10 messages in the last 90 days, when there are ≥ 5 of them)",
        "004",
        unit="score",
        scope="person",
    ),
    Metric(
        "flood_messages",
        "刷屏消息",
        "Flood messages",
        "10 秒内 ≥ 5 条，或 1 小时内同一内容（≥ 4 字且不是客套话）≥ 3 次的消息数",
        "Messages in a burst of ≥ 5 in 10 s, or a text (≥ 4 characters, not a greeting or "
        "acknowledgement) repeated ≥ 3 times in an hour",
        "001",
        scope="person",
    ),
    Metric(
        "ad_messages",
        "广告消息",
        "Ad messages",
        "含二维码、电话、微信号或“加V/私聊/代理/兼职”等推广话术的消息数（单纯的链接不算）",
        "Messages with QR codes, phone numbers, WeChat ids or 'add me / DM / agent' promotion "
        "(a bare link is not an ad)",
        "001",
        scope="person",
    ),
    Metric(
        "link_messages",
        "链接消息",
        "Link messages",
        "含链接的消息数",
        "Messages containing a link",
        "001",
        scope="person",
    ),
    Metric(
        "spam_messages",
        "垃圾消息",
        "Spam messages",
        "刷屏或广告消息数",
        "Messages that are floods or ads",
        "001",
        scope="person",
    ),
    Metric(
        "member_replies_received",
        "成员回复",
        "Replies from members",
        "非工作人员对此人消息的回复数（刷屏者的判断依据之一）",
        "Replies by non-staff to this person's messages (one of the spammer signals)",
        "001",
        scope="person",
    ),
    Metric(
        "cross_group_repeats",
        "跨群重复",
        "Cross-group repeats",
        "此人发到多个群的相同文本（≥ 10 字）条数",
        "This person's identical texts (≥ 10 characters) posted in more than one group",
        "001",
        scope="person",
    ),
    Metric(
        "days_in_group",
        "入群天数",
        "Days in the group",
        "从入群（或首次出现）到截止的天数",
        "Days from joining (or first appearing) to as_of",
        "001",
        scope="person",
    ),
)

METRICS: dict[str, Metric] = {m.name: m for m in _ALL}

# The indicators that make up the health score and the `indicators` object of the JSON.
INDICATORS: tuple[str, ...] = (
    "weekly_active_rate",
    "independent_rounds_7d",
    "paid_conversion",
    "organic_growth_30d",
    "disappointment_share",
)

GROUP_METRICS: tuple[str, ...] = tuple(
    m.name for m in _ALL if m.scope == "group" and m.name not in INDICATORS
)
PERSON_METRICS: tuple[str, ...] = tuple(m.name for m in _ALL if m.scope == "person")

# Value sets of the contract (DESIGN.md §4).
LIFECYCLE_STAGES = ("forming", "growing", "active", "declining", "dormant")
SIZE_BANDS = ("<30", "30-80", "80-500", ">500")
LABELS = ("owner", "admin", "kol", "core", "newcomer", "silent", "churned", "spammer")

STAGE_LABELS: dict[str, tuple[str, str]] = {
    "forming": ("组建期", "Forming"),
    "growing": ("成长期", "Growing"),
    "active": ("活跃期", "Active"),
    "declining": ("衰退期", "Declining"),
    "dormant": ("死群", "Dormant"),
}

LABEL_NAMES: dict[str, tuple[str, str]] = {
    "owner": ("群主", "Owner"),
    "admin": ("管理员", "Admin"),
    "kol": ("关键人 KOL", "KOL"),
    "core": ("核心成员", "Core"),
    "newcomer": ("新人", "Newcomer"),
    "silent": ("潜水", "Silent"),
    "churned": ("已退群", "Churned"),
    "spammer": ("刷屏/广告", "Spammer"),
}

SIZE_BAND_LABELS: dict[str, tuple[str, str]] = {
    "<30": ("不成群 (< 30)", "Not yet a group (< 30)"),
    "30-80": ("小群 (30–80)", "Small (30–80)"),
    "80-500": ("热闹 (80–500)", "Lively (80–500)"),
    ">500": ("需分层管理 (> 500)", "Needs layers (> 500)"),
}
