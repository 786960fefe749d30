"""English for the zh-Hans source strings (Chinese is the source language of shequn).

Run after `django-admin makemessages -l en` (from src/shequn): fills locale/en's django.po
from this table; `compilemessages` then builds the .mo. A string missing here stays Chinese
and is listed, so a new string is noticed. See docs/web.md (Languages)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

EN = {
    "开放接口": "API",
    "聊天记录": "Chat history",
    "群主": "Owner",
    "管理员": "Admin",
    "成员": "Members",
    "机器人": "Bot",
    "角色": "Role",
    "层级": "Tier",
    "入群时间": "Joined at",
    "退群时间": "Left at",
    "入群来源": "Join source",
    "群成员": "Group member",
    "发送者": "Sender",
    "时间": "Time",
    "类型": "Kind",
    "内容": "Text",
    "消息": "Messages",
    "表情回应": "Reaction",
    "成员变动": "Membership event",
    "排队中": "Queued",
    "导入中": "Importing",
    "完成": "Done",
    "失败": "Failed",
    "部分成功": "Partly done",
    "导入": "Import",
    "社群与群": "Communities and groups",
    "学习型": "Learning",
    "兴趣型": "Interest",
    "关系型": "Relationship",
    "服务型": "Service",
    "销售型": "Sales",
    "其他": "Other",
    "名称": "Name",
    "服务谁": "Who it serves",
    "有形价值": "Tangible value",
    "无形价值": "Intangible value",
    "调性": "Tone",
    "动机（联络/工作/交友/学习/宣传/生活）": (
        "Motives (contact/work/friends/learning/promotion/life)"
    ),
    "共同价值观": "Shared values",
    "仪式感与参与感": "Ritual and participation",
    "价值交换生态": "Value-exchange ecosystem",
    "社群": "Community",
    "引流群/鱼塘群": "Lead / pond group",
    "新用户群": "Newcomer group",
    "训练营群": "Bootcamp group",
    "种子用户群": "Seed user group",
    "付费用户群": "Paid member group",
    "KOL/代理群": "KOL / agent group",
    "兴趣群": "Interest group",
    "行业群": "Industry group",
    "地方群": "Local group",
    "临时/活动群": "Temporary / event group",
    "键": "Key",
    "平台": "Platform",
    "平台 ID": "Platform ID",
    "群名": "Group name",
    "时区": "Time zone",
    "容量": "Capacity",
    "漏斗角色": "Funnel role",
    "群": "Group",
    "洞察与提醒": "Insights and alerts",
    "群日汇总": "Group day rollup",
    "成员日汇总": "Member day rollup",
    "进行中": "In progress",
    "汇总进度": "Rollup fill state",
    "待汇总日": "Day awaiting rollup",
    "群快照": "Group snapshot",
    "提示": "Info",
    "警告": "Warning",
    "严重": "Critical",
    "提醒": "Alerts",
    "成员与身份": "People and identities",
    "名字": "Name",
    "标记为工作人员": "Marked as staff",
    "备注": "Notes",
    "显示名": "Display name",
    "曾用名": "Names seen",
    "用户名/微信号": "Username / WeChat ID",
    "手机号": "Phone",
    "身份": "Identity",
    "待处理": "Open",
    "已接受": "Accepted",
    "已拒绝": "Rejected",
    "置信度": "Confidence",
    "证据": "Evidence",
    "合并建议": "Merge suggestions",
    "合并": "Merge",
    "拆分": "Unmerge",
    "合并记录": "Merge history",
    "工作区与权限": "Workspaces and roles",
    "标识": "Slug",
    "创建时间": "Created at",
    "工作区": "Workspace",
    "所有者": "Owner",
    "运营": "Operator",
    "只读": "Viewer",
    "工作区成员": "Workspace member",
    "API 令牌": "API tokens",
    "后台": "Back office",
    "导出文件": "Export file",
    "Telegram、WhatsApp、Discord、Slack、QQ、微信、企业微信的导出（文件或 zip）": (
        "An export from Telegram, WhatsApp, Discord, Slack, QQ, WeChat or WeCom (a file or a zip)"
    ),
    "时区（导出文件不带时区时使用）": "Time zone (for exports whose times carry none)",
    "默认 Asia/Shanghai": "Default: Asia/Shanghai",
    "不是同一人": "Not the same person",
    "权限": "Role",
    "组建期": "Forming",
    "成长期": "Growing",
    "活跃期": "Active",
    "衰退期": "Declining",
    "沉寂（死群）": "Dormant",
    "未分析": "Not analysed",
    "关键意见领袖": "KOL",
    "核心成员": "Core",
    "新人": "Newcomer",
    "潜水": "Silent",
    "已流失": "Churned",
    "灌水/广告": "Spammer",
    "周活跃率": "Weekly active rate",
    "自发有价值互动": "Independent rounds",
    "付费转化率": "Paid conversion",
    "自发口碑增长": "Organic growth",
    "解散失望比例": "Disappointment",
    "≥ 20%": "≥ 20%",
    "≥ 5 次/周": "≥ 5 / week",
    "≥ 10%": "≥ 10%",
    "> 0 人/30 天": "> 0 / 30 days",
    "≥ 40%": "≥ 40%",
    "达标": "at the bar",
    "未达标": "below the bar",
    "无数据": "no data",
    "未知": "unknown",
    "你的角色不能做这个操作。需要运营或所有者权限。": (
        "Your role cannot do this. It needs an operator or an owner."
    ),
    "回到首页": "Back to the start",
    "页面不存在，或者你没有权限查看。": "This page does not exist, or you may not see it.",
    "社群运营后台": "Community operations",
    "切换工作区": "Switch workspace",
    "选择工作区": "Choose a workspace",
    "主导航": "Main navigation",
    "总览": "Overview",
    "设置": "Settings",
    "修改密码": "Change password",
    "数据管理（admin）": "Data admin",
    "退出登录": "Sign out",
    "数据只存在本机，离线可用": "Your data stays on this machine; works offline",
    "登录": "Sign in",
    "了解社群 · 做决定 · 去运营": "Know your community · decide · operate",
    "用户名或密码不对，请再试一次。": "Wrong username or password. Please try again.",
    "用户名": "Username",
    "密码": "Password",
    "保存新密码": "Save the new password",
    "密码已修改": "Password changed",
    "下次登录请使用新密码。": "Use the new password next time you sign in.",
    "回到后台": "Back to the back office",
    "健康分": "Health score",
    "人": "members",
    "条": "messages",
    "%(n)s 条提醒": ("%(n)s alert", "%(n)s alerts"),
    "分页": "Pages",
    "上一页": "Previous",
    "第 %(n)s / %(total)s 页，共 %(groups)s 个群": "Page %(n)s of %(total)s, %(groups)s groups",
    "下一页": "Next",
    "还没有群。导入一份聊天记录导出，就能看到每个群的健康情况。": (
        "No groups yet. Import a chat export to see how healthy each group is."
    ),
    "导入聊天记录": "Import chat history",
    "收到回复": "Replies received",
    "活跃天数": "Active days",
    "标签与原因": "Labels and why",
    "显示全部成员": "Show everyone",
    "没有符合条件的成员。": "Nobody matches.",
    "%(n)s 个问题": ("%(n)s problem", "%(n)s problems"),
    "合并到此人": "Merge into this person",
    "没有找到。": "Nothing found.",
    "账号数": "Accounts",
    "工作人员": "Staff",
    "第 %(n)s / %(total)s 页，共 %(people)s 人": "Page %(n)s of %(total)s, %(people)s people",
    "没有找到成员。": "No people found.",
    "是同一人，合并": "Same person: merge",
    "截至": "as of",
    "这个群还没有分析结果。导入完成后，分析任务会生成健康分、阶段和成员标签。": (
        "This group has not been analysed yet. After an import, the analysis job computes "
        "its health score, stage and member labels."
    ),
    "标准": "Bar",
    "今天该做什么": "What to do today",
    "出处": "Source",
    "每日消息与发言人数": "Messages and speakers per day",
    "进群与退群": "Joins and leaves",
    "按进群周的留存": "Retention by join week",
    "健康分构成": "How the health score is made",
    "群况": "Facts",
    "规模": "Size",
    "近 7 天消息": "Messages, last 7 days",
    "工作人员消息占比": "Staff share of messages",
    "贡献集中度": "Contributor concentration",
    "%(n)s 人贡献了一半消息": "%(n)s people write half the messages",
    "新人首次回应（中位数）": "First response to newcomers (median)",
    "分钟": "min",
    "近 7 天未回答的提问": "Unanswered questions, last 7 days",
    "灌水/广告占比": "Spam share",
    "潜水成员占比": "Silent members",
    "建议拆群": "Split suggested",
    "成员与标签": "People and labels",
    "按标签筛选": "Filter by label",
    "全部": "All",
    "上传导出文件后在后台导入；同一份或有重叠的导出重复导入也不会产生重复消息。": (
        "Uploads are imported in the background; importing the same or an overlapping "
        "export again never duplicates messages."
    ),
    "上传并导入": "Upload and import",
    "导入记录": "Imports",
    "文件": "File",
    "状态": "Status",
    "读到消息": "Messages read",
    "新增消息": "New messages",
    "还没有导入过。": "Nothing imported yet.",
    (
        "同一个人在不同群、不同平台可能有多个账号。"
        "只有硬证据（同一平台 ID）会自动合并；其余都在这里等你确认。"
    ): (
        "One person may have several accounts across groups and platforms. Only hard "
        "evidence (the same platform ID) merges on its own; everything else waits here "
        "for you."
    ),
    "没有合并建议。": "No merge suggestions.",
    "你还不属于任何工作区": "You are not in any workspace yet",
    "请工作区的所有者把你加进去；管理员也可以在数据管理（admin）里添加。": (
        "Ask a workspace owner to add you; an administrator can also do it in the data admin."
    ),
    "%(n)s 个群": ("%(n)s group", "%(n)s groups"),
    "平均健康分": "Average health",
    "待处理合并建议": "Open merge suggestions",
    "待处理提醒": "Open alerts",
    "群健康": "Group health",
    "搜索群名": "Search groups",
    "阶段": "Stage",
    "全部阶段": "All stages",
    "全部平台": "All platforms",
    "排序": "Sort",
    "最需关注在前": "Needs attention first",
    "最健康在前": "Healthiest first",
    "人数": "Members",
    "消息数": "Messages",
    "筛选": "Filter",
    "一个人可能在多个群、多个平台上有不同的账号；这里每行是一个人。": (
        "A person may have different accounts in several groups and platforms; each row "
        "here is one person."
    ),
    "搜索名字、用户名或平台 ID": "Search a name, username or platform ID",
    "搜索成员": "Search people",
    "搜索": "Search",
    "所在群": "Groups",
    "账号": "Accounts",
    "最近活跃": "Recent activity",
    "还没有活跃记录。": "No activity yet.",
    "所在群与标签": "Groups and labels",
    "入群": "Joined",
    "已退群": "left",
    "%(source)s → %(target)s": "%(source)s → %(target)s",
    "拆回 %(source)s": "Split back %(source)s",
    "已撤销": "undone",
    "撤销合并": "Undo merge",
    "没有合并过。": "Never merged.",
    "与另一人合并": "Merge with another person",
    "找到同一个人在别的群或平台的账号，合并到这里。合并会被记录，随时可以撤销。": (
        "Find this person's accounts in other groups or platforms and merge them here. "
        "Every merge is recorded and can be undone."
    ),
    "输入名字搜索": "Type a name",
    "搜索要合并的人": "Search the person to merge",
    "工作区设置": "Workspace settings",
    "成员与角色": "Members and roles",
    "所有者管理设置与令牌；运营可以导入、合并；只读成员只能查看。": (
        "Owners manage settings and tokens; operators import and merge; viewers only read."
    ),
    "用户": "User",
    "新令牌只显示这一次，请立即保存：": "The new token is shown only this once; save it now:",
    "最近使用": "last used",
    "未使用": "never used",
    "作废": "Revoke",
    "新建令牌": "New token",
    "用法": "Usage",
    "接口文档": "API docs",
    "工作人员消息": "Staff messages",
    "发言人数": "Speakers",
    "标准 20%": "Bar 20%",
    "进群": "Joins",
    "退群": "Leaves",
    "第%s周": "week %s",
    "此人已合并到 %(name)s。": "This person was merged into %(name)s.",
    "请选择要合并的人。": "Choose the person to merge.",
    "已把 %(other)s 合并进来。": "Merged %(other)s into this person.",
    "已撤销这次合并。": "The merge is undone.",
    "已开始导入 %(label)s。": "Importing %(label)s.",
    "令牌已作废。": "The token is revoked.",
    "同名": "same name",
    "名字相近": "similar name",
    "同一手机号": "same phone",
    "同一用户名": "same username",
    "同一微信号": "same WeChat ID",
    "同在一个群": "same group",
    "同在几个群": "shared groups",
    "同一社群": "same community",
    "运营确认": "operator",
    "不在任何已导入的群里。": "Not in any imported group.",
    "简体中文": "简体中文",
    "English": "English",
}


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _unquote(lines: list[str]) -> str:
    return "".join(
        re.sub(r'^"(.*)"$', r"\1", ln).replace('\\"', '"').replace("\\\\", "\\") for ln in lines
    )


def fill(po: Path) -> list[str]:
    """Rewrites msgstr entries of `po`; returns the msgids with no English."""
    blocks = po.read_text(encoding="utf-8").split("\n\n")
    missing: list[str] = []
    out = []
    for block in blocks:
        lines = block.split("\n")
        keys = [i for i, ln in enumerate(lines) if ln.startswith("msgid ")]
        if not keys:
            out.append(block)
            continue
        start = keys[0]
        end = start + 1
        while end < len(lines) and lines[end].startswith('"'):
            end += 1
        msgid = _unquote([lines[start][6:], *lines[start + 1 : end]])
        if msgid == "":  # the header
            out.append("\n".join(ln for ln in lines if ln != "#, fuzzy"))
            continue
        head = lines[:end]
        # drop the fuzzy flag: every entry is translated by hand here
        head = [ln.replace(", fuzzy", "") for ln in head if ln != "#, fuzzy"]
        english = EN.get(msgid)
        if english is None:
            missing.append(msgid)
        plural = end < len(lines) and lines[end].startswith("msgid_plural")
        if plural:
            plural_line = lines[end]
            one, many = english if isinstance(english, tuple) else (english or "", english or "")
            body = [plural_line, f"msgstr[0] {_quote(one)}", f"msgstr[1] {_quote(many)}"]
        else:
            text = english if isinstance(english, str) else (english[0] if english else "")
            body = [f"msgstr {_quote(text)}"]
        out.append("\n".join(head + body))
    po.write_text("\n\n".join(out), encoding="utf-8")
    return missing


if __name__ == "__main__":
    here = Path(__file__).parent
    left = fill(here / "en" / "LC_MESSAGES" / "django.po")
    for msgid in left:
        print(f"no English for: {msgid}", file=sys.stderr)
    sys.exit(1 if left else 0)
