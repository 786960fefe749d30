"""The people panel of a group: label counts, the most active people with their labels and
reasons, spammers with evidence, and collapsed lists of silent, new and churned members.
See docs/report.md.
"""

from __future__ import annotations

from typing import Any

from shequn.analytics.registry import LABEL_NAMES, LABELS

from .catalogue import pick, t
from .format import is_number, label_of, metric_value, zh_en
from .parts import Writer, as_dict, as_list, esc

# Long lists stay short: the JSON keeps everyone, the page shows what an operator reads.
TOP_PEOPLE_VISIBLE = 10
TOP_PEOPLE_MAX = 50
CHIPS_MAX = 200


class PeopleWriter(Writer):
    def people_panel(self, g: dict[str, Any]) -> str:
        people = as_list(g.get("people"))
        if not people:
            return (
                f'<section class="panel"><h4>{self.t("people")}</h4>'
                f'<p class="muted">{self.t("no_data")}</p></section>'
            )
        counts = {label: 0 for label in LABELS}
        for p in people:
            for label in p.get("labels") or []:
                counts[label] = counts.get(label, 0) + 1
        chips = "".join(self.label_chip(k, n) for k, n in counts.items() if n)
        top = sorted(
            (p for p in people if is_number(p.get("messages")) and p["messages"] > 0),
            key=lambda p: -p["messages"],
        )[:TOP_PEOPLE_MAX]
        parts = [
            f'<section class="panel"><h4>{self.t("people")}</h4>',
            f'<div class="label-counts">{chips}</div>' if chips else "",
            f"<h5>{self.t('top_people')}</h5>",
            self.people_table(top) if top else f'<p class="muted">{self.t("no_data")}</p>',
        ]
        spammers = [p for p in people if "spammer" in (p.get("labels") or [])]
        if spammers:
            parts += [f"<h5>{self.t('spammers')}</h5>", self.spammer_table(spammers)]
        for label, key in (("silent", "silent_people"), ("newcomer", None), ("churned", None)):
            members = [p for p in people if label in (p.get("labels") or [])]
            if members:
                title = t(self.lang, key) if key else pick(LABEL_NAMES[label], self.lang)
                parts.append(self.chip_list(title, label, members))
        parts.append("</section>")
        return "".join(parts)

    def people_table(self, people: list[dict[str, Any]]) -> str:
        def row(p: dict[str, Any]) -> str:
            labels = "".join(self.label_chip(str(x)) for x in p.get("labels") or [])
            return (
                f'<tr><td class="name-col">'
                f'<span class="pname">{esc(self.person_name(p))}</span></td>'
                f'<td class="num" data-label="{self.t("col_person_messages")}">'
                f"{esc(metric_value('person_messages', p.get('messages'), self.lang))}</td>"
                f'<td class="num" data-label="{self.t("col_replies")}">'
                f"{esc(metric_value('replies_received', p.get('replies_received'), self.lang))}"
                "</td>"
                f'<td class="num" data-label="{self.t("col_active_days")}">'
                f"{esc(metric_value('active_days', p.get('active_days'), self.lang))}</td>"
                f'<td class="labels-col">{labels}</td>'
                f'<td class="why-col">{self.reasons(p)}</td></tr>'
            )

        head = "".join(
            f'<th class="{c}">{self.t(k)}</th>'
            for k, c in (
                ("col_name", "name-col"),
                ("col_person_messages", "num"),
                ("col_replies", "num"),
                ("col_active_days", "num"),
                ("col_labels", ""),
                ("col_why", ""),
            )
        )
        shown = "".join(row(p) for p in people[:TOP_PEOPLE_VISIBLE])
        rest = people[TOP_PEOPLE_VISIBLE:]
        extra = (
            f'<tbody class="extra" hidden>{"".join(row(p) for p in rest)}</tbody>' if rest else ""
        )
        more = (
            f'<button type="button" class="more" data-more>'
            f"{self.t('show_all', n=len(people))}</button>"
            if rest
            else ""
        )
        return (
            f'<div class="table-scroll"><table class="people"><thead><tr>{head}</tr></thead>'
            f"<tbody>{shown}</tbody>{extra}</table></div>{more}"
        )

    def spammer_table(self, people: list[dict[str, Any]]) -> str:
        rows = []
        for p in people[:TOP_PEOPLE_MAX]:
            evidence = as_dict(p.get("evidence"))
            ev = " · ".join(
                f"{label_of(k, self.lang)} {self.value(k, v)}"
                for k, v in evidence.items()
                if k in ("flood_messages", "ad_messages", "cross_group_repeats", "replies_received")
            )
            rows.append(
                f'<tr><td class="name-col">'
                f'<span class="pname">{esc(self.person_name(p))}</span></td>'
                f'<td class="num" data-label="{self.t("col_person_messages")}">'
                f"{esc(metric_value('person_messages', p.get('messages'), self.lang))}</td>"
                f'<td class="ev-col" data-label="{self.t("evidence")}">{esc(ev)}</td>'
                f'<td class="why-col">{self.reasons(p)}</td></tr>'
            )
        head = (
            f'<th class="name-col">{self.t("col_name")}</th>'
            f'<th class="num">{self.t("col_person_messages")}</th>'
            f"<th>{self.t('evidence')}</th><th>{self.t('col_why')}</th>"
        )
        more = (
            f'<p class="muted small">{self.t("more_not_shown", n=len(people) - TOP_PEOPLE_MAX)}</p>'
            if len(people) > TOP_PEOPLE_MAX
            else ""
        )
        return (
            f'<div class="table-scroll"><table class="people spam"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>{more}"
        )

    def chip_list(self, title: str, label: str, people: list[dict[str, Any]]) -> str:
        reasons = [
            zh_en((p.get("label_reasons") or {}).get(label), self.lang)
            if isinstance(p.get("label_reasons"), dict)
            else ""
            for p in people
        ]
        chips = "".join(
            f'<li title="{esc(why)}">{esc(self.person_name(p))}</li>'
            for p, why in zip(people[:CHIPS_MAX], reasons, strict=False)
        )
        common = reasons[0] if reasons and len(set(reasons)) == 1 else ""
        more = (
            f'<p class="muted small">{self.t("more_not_shown", n=len(people) - CHIPS_MAX)}</p>'
            if len(people) > CHIPS_MAX
            else ""
        )
        note = f'<p class="why">{esc(common)}</p>' if common else ""
        return (
            f'<details class="chip-list people-{label}"><summary>{esc(title)} '
            f'<b>{len(people)}</b></summary>{note}<ul class="chips">{chips}</ul>{more}</details>'
        )

    # -- topics, metrics, history ---------------------------------------------------------
