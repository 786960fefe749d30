"""What to do today, per group, in plain words from the seeds, each tied to its evidence.
See docs/metrics.md (Recommendations).

Priority 1 is urgent, 3 can wait. A dormant group gets only the seed 001 advice for the end of a
group's life (不要过度投入 … 不骚扰别人就是美德): hand it over and keep its best people.
"""

from __future__ import annotations

from typing import Any

LARGE_GROUP = 500
SPAM_SHARE_HIGH = 0.05
STAFF_SHARE_HIGH = 0.50
SILENT_SHARE_HIGH = 0.50
FIRST_RESPONSE_SLOW_MINUTES = 60
NAMES_SHOWN = 5


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.0f}%"


def _names(people: list[dict[str, Any]]) -> tuple[str, str]:
    names = [p["name"] for p in people[:NAMES_SHOWN]]
    return "、".join(names), ", ".join(names)


def _with(people: list[dict[str, Any]], label: str) -> list[dict[str, Any]]:
    return [p for p in people if label in p["labels"]]


def recommend(group: dict[str, Any], mix: dict[str, Any]) -> list[dict[str, Any]]:
    m = group["metrics"]
    inds = group["indicators"]
    people = group["people"]
    stage = group["lifecycle_stage"]
    out: list[dict[str, Any]] = []

    def add(
        code: str, priority: int, zh: str, en: str, evidence: dict[str, Any], seed: str
    ) -> None:
        out.append(
            {
                "code": code,
                "priority": priority,
                "text": zh,
                "text_en": en,
                "evidence": evidence,
                "seed": seed,
            }
        )

    members = [
        p
        for p in people
        if p["is_member"] and p["role"] == "member" and "spammer" not in p["labels"]
    ]
    kols = _with(members, "kol")
    core = _with(members, "core")
    if stage in ("declining", "dormant"):
        active = sorted(
            (p for p in members if p["evidence"]["messages_90d"] > 0),
            key=lambda p: (-p["evidence"]["messages_90d"], p["id"]),
        )
        heir = active[0] if active else None
        keep = [p for p in kols + [p for p in core if p not in kols] if p is not heir]
        heir_zh = heir_en = ""
        if active:
            heir_zh = f"把群交给最活跃的成员 {active[0]['name']} 运营"
            heir_en = f"hand the group to its most active member, {active[0]['name']}"
        else:
            heir_zh, heir_en = (
                "群里已没有活跃成员可接手",
                "no active member is left to take it over",
            )
        keep_zh, keep_en = _names(keep)
        invite_zh = f"，邀请 {keep_zh} 加入核心群" if keep else ""
        invite_en = f", and invite {keep_en} to the core group" if keep else ""
        add(
            "hand_over",
            1,
            f"群已{'成死群' if stage == 'dormant' else '进入衰退期'}"
            f"（{group['lifecycle_reason']}）。"
            f"不要过度投入：{heir_zh}{invite_zh}。",
            f"The group is {stage} ({group['lifecycle_reason_en']}). Do not over-invest: "
            f"{heir_en}{invite_en}.",
            {
                "stage": stage,
                "heir": active[0]["id"] if active else None,
                "heir_messages_90d": active[0]["evidence"]["messages_90d"] if active else 0,
                "invite_to_core_group": [p["id"] for p in keep[:NAMES_SHOWN]],
            },
            "001",
        )
        if stage == "dormant":
            return out
    if mix["split_suggested"]:
        parts_zh = "；".join(
            f"「{'、'.join(t['keywords'][:3])}」{len(t['members'])} 人" for t in mix["topics"][:3]
        )
        parts_en = "; ".join(
            f"'{', '.join(t['keywords'][:3])}' ({len(t['members'])} people)"
            for t in mix["topics"][:3]
        )
        add(
            "split",
            1,
            f"鸡同鸭讲：按话题拆群，各发各的内容——{parts_zh}。",
            f"Two audiences talk past each other: split the group by topic — {parts_en}.",
            mix["evidence"],
            "003",
        )
    if group["members"] > LARGE_GROUP:
        leaders_zh, leaders_en = _names(kols or core)
        add(
            "layer",
            2,
            f"{group['members']} 人，超过 500 人乱糟糟不好管：按金字塔分层，"
            + (f"请 {leaders_zh} 做小组长（大鱼管小鱼）" if leaders_zh else "先培养关键人做小组长")
            + "，或按兴趣、地域拆成小群。",
            f"{group['members']} members is past 500 and hard to manage: layer it as a pyramid, "
            + (
                f"with {leaders_en} as sub-group leaders"
                if leaders_en
                else "growing KOLs to lead sub-groups"
            )
            + ", or split it by interest or place.",
            {"members": group["members"], "leaders": [p["id"] for p in (kols or core)[:5]]},
            "001",
        )
    spammers = [p for p in people if "spammer" in p["labels"]]
    spam = m["spam_share"]
    if spam is not None and (
        spam > SPAM_SHARE_HIGH or (spam > 0 and any(p["evidence"]["ad_messages"] for p in spammers))
    ):
        names_zh, names_en = _names(spammers)
        add(
            "ad_slot",
            1 if spam is not None and spam > 3 * SPAM_SHARE_HIGH else 2,
            f"近 30 天 {_pct(spam)} 的消息是刷屏或广告：堵不如疏，开设「快闪集市」，"
            "固定时段允许发广告，其余时间的广告请移到集市"
            + (f"；先私下提醒 {names_zh}" if spammers else "")
            + "。",
            f"{_pct(spam)} of the last 30 days' messages were floods or ads: rather than ban "
            "them, open a weekly ad slot (快闪集市) and move ads there"
            + (f"; remind {names_en} privately first" if spammers else "")
            + ".",
            {"spam_share": spam, "spammers": [p["id"] for p in spammers]},
            "004",
        )
    war = inds["weekly_active_rate"]
    if war["status"] == "below":
        quiet_core = [p for p in core if p["evidence"]["active_weeks_4"] < 4]
        add(
            "activate",
            2,
            f"周活跃率 {_pct(war['value'])}，低于 20%："
            "设固定栏目（每天固定时间一个话题、每周一次讨论、"
            "每月一次线下活动），让成员养成习惯。",
            f"Weekly active rate {_pct(war['value'])} is under 20 %: run recurring columns (a "
            "topic at a fixed time each day, a weekly discussion, a monthly meet-up) so members "
            "build the habit.",
            {
                "weekly_active_rate": war["value"],
                "members": group["members"],
                "core_not_every_week": [p["id"] for p in quiet_core[:NAMES_SHOWN]],
            },
            "004",
        )
    rounds = inds["independent_rounds_7d"]
    if rounds["status"] == "below":
        leaders = kols or core
        names_zh, names_en = _names(leaders)
        add(
            "spark_rounds",
            2,
            f"过去 7 天只有 {rounds['value']} 个成员自发的有价值回合（标准每周 5 个）："
            "少发通知多提问，"
            "每周抛一个讨论题" + (f"，请 {names_zh} 带头回应" if leaders else "") + "。",
            f"Only {rounds['value']} member-driven valuable rounds in 7 days (bar: 5 a week): "
            "post fewer announcements and more questions, one discussion topic a week"
            + (f", with {names_en} answering first" if leaders else "")
            + ".",
            {
                "independent_rounds_7d": rounds["value"],
                "rounds_7d": m["rounds_7d"],
                "leaders": [p["id"] for p in leaders[:NAMES_SHOWN]],
            },
            "004",
        )
    staff_share = m["staff_share"]
    absence = m["contributor_absence_factor"]
    speakers = m["speakers_7d"]
    if (staff_share is not None and staff_share > STAFF_SHARE_HIGH) or (
        absence is not None and absence <= 2 and speakers >= 10
    ):
        candidates = kols or sorted(core, key=lambda p: (-p["evidence"]["influence_90d"], p["id"]))
        names_zh, names_en = _names(candidates)
        add(
            "grow_kols",
            2,
            f"群依赖少数人：工作人员发了 {_pct(staff_share)} 的消息，一半消息出自 {absence} 人。"
            "树关键人，让他们分担输出"
            + (f"，可以先请 {names_zh} 主持栏目" if candidates else "")
            + "。",
            f"The group leans on a few people: staff wrote {_pct(staff_share)} of messages and "
            f"{absence} people wrote half. Grow key members to share the load"
            + (f"; ask {names_en} to host a column" if candidates else "")
            + ".",
            {
                "staff_share": staff_share,
                "contributor_absence_factor": absence,
                "candidates": [p["id"] for p in candidates[:NAMES_SHOWN]],
            },
            "002",
        )
    silent_share = m["silent_share"]
    if silent_share is not None and silent_share > SILENT_SHARE_HIGH:
        add(
            "wake_silent",
            3,
            f"{_pct(silent_share)} 的成员入群 14 天以上从未发言："
            "做入群仪式（欢迎 + 自我介绍模板），"
            "私聊邀请他们说说需求；长期潜水的按退出机制提前告知后移出。",
            f"{_pct(silent_share)} of members have not spoken in 14+ days: hold a welcome ritual "
            "(greeting + self-introduction template), ask them privately what they need, and "
            "apply the exit rule with notice to long-term lurkers.",
            {
                "silent_share": silent_share,
                "silent": sum(1 for p in people if "silent" in p["labels"]),
            },
            "003",
        )
    unanswered = m["unanswered_questions_7d"]
    median = m["first_response_minutes_median"]
    slow = median is not None and median > FIRST_RESPONSE_SLOW_MINUTES
    if unanswered > 0 or slow:
        zh_parts, en_parts = [], []
        if unanswered:
            zh_parts.append(
                f"上周 {unanswered} 个提问无人理会（没有回复、没有 @ 提问者，30 分钟内也没人接话）"
            )
            en_parts.append(
                f"{unanswered} questions last week met silence (no reply, no mention, nobody "
                "spoke for 30 minutes)"
            )
        if slow:
            zh_parts.append(f"新人发言后中位 {median:.0f} 分钟才有人理")
            en_parts.append(f"newcomers waited a median {median:.0f} minutes for a first reply")
        add(
            "answer_questions",
            1 if unanswered >= 5 else 2,
            "，".join(zh_parts) + "：安排值班及时解答，新人的第一句话要有人接。",
            "; ".join(en_parts).capitalize()
            + ": put someone on duty to answer, and make sure a newcomer's first words get a "
            "reply.",
            {
                "unanswered_questions_7d": unanswered,
                "questions_7d": m["questions_7d"],
                "first_response_minutes_median": median,
            },
            "003",
        )
    if group["size_band"] == "<30" and stage != "forming":
        add(
            "grow_members",
            2,
            f"只有 {group['members']} 人，不足 30 人不成群：按价值定位找同类人，邀请老客户"
            "（如一年消费满 1000 元）或与调性匹配的社群联合活动。",
            f"Only {group['members']} members, under 30 is not yet a group: find people who fit "
            "the positioning — invite good customers (e.g. spent 1000 in a year) or run a joint "
            "event with a like-minded community.",
            {"members": group["members"]},
            "001",
        )
    paid = inds["paid_conversion"]
    if paid["status"] == "below":
        add(
            "convert",
            3,
            f"付费转化 {_pct(paid['value'])}，低于 {_pct(paid['bar'])}："
            "先把价值定位、关键人和内容做扎实，"
            "再设计群内的付费产品（付费内容、线下活动）。",
            f"Paid conversion {_pct(paid['value'])} is under {_pct(paid['bar'])}: get the "
            "positioning, key members and content right first, then offer something paid inside "
            "the group (paid content, events).",
            {"paid_conversion": paid["value"], "bar": paid["bar"]},
            "004",
        )
    if inds["disappointment_share"]["status"] == "no_data":
        add(
            "survey",
            3,
            "发起问卷“如果这个社群解散，你会怎样？”（非常失望 / 有点失望 / 不失望），"
            "至少收集 30 份回答，"
            "衡量成员是否离不开这个群。",
            "Ask members 'if this community closed, how would you feel?' (very / somewhat / not "
            "disappointed) and collect at least 30 answers to learn whether they would miss it.",
            {"survey_responses": m["survey_responses"]},
            "004",
        )
    out.sort(key=lambda r: r["priority"])
    return out
