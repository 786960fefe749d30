"""Paid conversion, disappointment share and organic growth from the extra input files
(orders, surveys, campaigns), and the errors those files can cause."""

from __future__ import annotations

from pathlib import Path

import pytest

from shequn.analytics.contract import Extras
from shequn.analytics.inputs import InputError, read_campaigns, read_orders, read_surveys

from .community import Community, at

AS_OF = at(d=30)


def community() -> Community:
    c = Community(name="测试群")
    c.member("o", "owner")
    for i in range(10):
        c.member(f"u{i}")
        c.say(f"u{i}", at(d=29, h=10, m=i), "这周的作业我已经交了")
    # Joins in the 30 days before as_of, each from a different source.
    c.join("j1", at(d=5), "invite", by="u1")  # a member's invite: organic
    c.join("j2", at(d=10), "link")  # during the campaign below: not organic
    c.join("j3", at(d=20), "link")  # no campaign running: organic
    c.join("j4", at(d=21), "invite", by="o")  # the owner's own invite: not organic
    c.join("j5", at(d=22), "campaign")  # recorded as a campaign join: not organic
    c.join("old", at(d=-5), "invite", by="u2")  # 35 days ago: outside the window
    return c


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


ORDERS = """group,person,offer,amount,currency,paid_at,tier
测试群,u1,训练营,199,CNY,2024-06-20T10:00:00+08:00,1
telegram:g,u2,训练营,199,CNY,2024-06-21,1
测试群,u3,训练营,199,CNY,,1
测试群,u4,训练营,199,CNY,2024-07-05,1
测试群,stranger,训练营,199,CNY,2024-06-20,1
别的群,u5,训练营,199,CNY,2024-06-20,1
"""


def test_paid_conversion_counts_members_with_a_paid_order_before_as_of(tmp_path: Path) -> None:
    orders = read_orders(write(tmp_path, "orders.csv", ORDERS))
    entry = community().group_entry(AS_OF, extras=Extras(orders=orders))
    # o, u0…u9, j1…j5 and "old" are 17 members; u1 and u2 paid (u3 did not pay, u4 paid
    # after as_of, "stranger" is no member, the last row is another group).
    assert entry["members"] == 17
    assert entry["indicators"]["paid_conversion"] == {
        "value": round(2 / 17, 4),
        "bar": 0.1,
        "status": "ok",
        "reason": "2 / 17 名成员有已付订单 = 12%（免费群标准 ≥ 10%）",
        "reason_en": "2 of 17 members have a paid order = 12% (bar for free groups ≥ 10 %)",
    }
    assert entry["metrics"]["paying_members"] == 2


def test_a_paid_group_is_measured_on_upgrades(tmp_path: Path) -> None:
    rows = ["group,person,offer,amount,currency,paid_at,tier"]
    rows += [f"测试群,u{i},入群费,99,CNY,2024-06-01,entry" for i in range(10)]
    rows += ["测试群,u7,年度会员,999,CNY,2024-06-25,2"]
    orders = read_orders(write(tmp_path, "orders.csv", "\n".join(rows) + "\n"))
    ind = community().group_entry(AS_OF, extras=Extras(orders=orders))["indicators"]
    assert ind["paid_conversion"]["value"] == round(1 / 17, 4)  # u7's upgrade; fees don't count
    assert ind["paid_conversion"]["bar"] == 0.05
    assert ind["paid_conversion"]["status"] == "ok"


def test_no_orders_means_no_data_not_zero() -> None:
    ind = community().group_entry(AS_OF)["indicators"]["paid_conversion"]
    assert (ind["value"], ind["status"]) == (None, "no_data")


def survey_file(tmp_path: Path, very: int, somewhat: int, not_: int) -> Path:
    rows = ["group,person,question,answer,answered_at"]
    answers = ["非常失望"] * very + ["somewhat disappointed"] * somewhat + ["不失望"] * not_
    for i, answer in enumerate(answers):
        rows.append(f"测试群,p{i},如果社群解散，你会怎样？,{answer},2024-06-25")
    rows.append("测试群,p0,你最喜欢哪个栏目？,周报,2024-06-25")  # another question
    rows.append("测试群,p99,如果社群解散，你会怎样？,N/A,2024-06-25")  # not a response
    return write(tmp_path, "surveys.csv", "\n".join(rows) + "\n")


def test_disappointment_share_from_thirty_responses(tmp_path: Path) -> None:
    surveys = read_surveys(survey_file(tmp_path, 12, 10, 8))
    ind = community().group_entry(AS_OF, extras=Extras(surveys=surveys))["indicators"]
    assert ind["disappointment_share"]["value"] == 0.4
    assert ind["disappointment_share"]["status"] == "ok"


def test_twenty_nine_responses_do_not_count(tmp_path: Path) -> None:
    surveys = read_surveys(survey_file(tmp_path, 12, 10, 7))
    ind = community().group_entry(AS_OF, extras=Extras(surveys=surveys))["indicators"]
    assert ind["disappointment_share"]["status"] == "no_data"
    assert ind["disappointment_share"]["reason_en"] == "Only 29 responses; 30 are needed"


def test_organic_growth_with_and_without_campaign_data(tmp_path: Path) -> None:
    campaigns = read_campaigns(
        write(
            tmp_path,
            "campaigns.csv",
            "group,name,start,end\n测试群,裂变活动,2024-06-12,2024-06-15\n",
        )
    )
    with_data = community().group_entry(AS_OF, extras=Extras(campaigns=campaigns))
    assert with_data["organic_growth_30d"] == 2  # j1, j3
    without = community().group_entry(AS_OF)
    assert without["organic_growth_30d"] == 3  # j1, j2, j3
    assert "no campaign data" in without["indicators"]["organic_growth_30d"]["reason_en"]


@pytest.mark.parametrize(
    ("reader", "text", "message"),
    [
        (
            read_orders,
            "group,person,amount\n测试群,u1,abc\n",
            "line 2: amount is not a number: 'abc'",
        ),
        (read_orders, "person,amount\nu1,3\n", "line 1: the header lacks group"),
        (
            read_orders,
            "group,person,paid_at\n测试群,u1,yesterday\n",
            "line 2: paid_at is not an ISO date or date-time",
        ),
        (
            read_orders,
            "group,person,tier\n测试群,u1,gold\n",
            "line 2: tier must be a whole number or 'entry'",
        ),
        (
            read_surveys,
            "group,person,question,answer\n测试群,p1,如果社群解散？,还行\n",
            "line 2: answer '还行' is not one of very / somewhat / not disappointed",
        ),
        (
            read_campaigns,
            "group,name,start,end\n,双11,2024-11-11,2024-11-01\n",
            "line 2: end is before start",
        ),
        (read_orders, '[{"group": "测试群"}]', "record 1: lacks person"),
        (
            read_orders,
            '{"group": "测试群", "person": "u1"}\n{"group": 1\n',
            "line 2: not valid JSON",
        ),
    ],
)
def test_bad_files_are_named_with_their_line(
    tmp_path: Path, reader: object, text: str, message: str
) -> None:
    path = write(tmp_path, "extra.csv", text)
    with pytest.raises(InputError) as caught:
        reader(path)  # type: ignore[operator]
    assert str(caught.value).startswith(f"{path}, {message}")


def test_an_empty_file_says_which_columns_it_needs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="the file is empty; expected a header line: group,"):
        read_orders(write(tmp_path, "orders.csv", ""))
