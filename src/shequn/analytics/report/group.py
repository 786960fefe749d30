"""One group's section of the report: health, lifecycle, indicators, recommendations,
charts, people, topics and the other metrics. See docs/report.md.
"""

from __future__ import annotations

from typing import Any

from shequn.analytics.registry import INDICATORS, METRICS, SIZE_BAND_LABELS, STAGE_LABELS

from . import charts
from .catalogue import pick, t
from .format import bar_text, day, definition_of, is_number, label_of, metric_value, number, reason
from .parts import STATUS_CLASSES, as_dict, as_list, esc, health_tone
from .people import PeopleWriter

TOPIC_MEMBERS_SHOWN = 12
# Metrics the group's header and health panel already show.
SHOWN_ELSEWHERE = frozenset({"messages", "members", "health_score"})


class GroupWriter(PeopleWriter):
    def group(self, index: int, g: dict[str, Any], opened: bool) -> str:
        self.names = {
            str(p["id"]): self.person_name(p) for p in as_list(g.get("people")) if p.get("id")
        }
        name = str(g.get("name") or g.get("key") or "?")
        score = g.get("health_score")
        meta = [self.platform(g.get("platform"))]
        if g.get("chat_type"):
            meta.append(str(g["chat_type"]))
        if is_number(g.get("members")):
            meta.append(t(self.lang, "n_members", n=number(g["members"])))
        if is_number(g.get("messages")):
            meta.append(t(self.lang, "n_messages", n=number(g["messages"])))
        if g.get("first_at") or g.get("last_at"):
            meta.append(
                t(self.lang, "first_last", first=day(g.get("first_at")), last=day(g.get("last_at")))
            )
        ring = (
            f'<span class="ring tone-{health_tone(score)}" '
            f'style="--p:{max(0, min(100, round(score))) if is_number(score) else 0}">'
            f"<span>{round(score) if is_number(score) else '–'}</span></span>"
        )
        head = (
            f'<summary class="group-head"><span class="gh-main">'
            f'<span class="gh-name">{esc(name)}</span>'
            f'<span class="gh-meta">{esc(" · ".join(meta))}</span></span>'
            f'<span class="gh-side">{self.stage_chip(g.get("lifecycle_stage"))}{ring}'
            f'<span class="chev" aria-hidden="true"></span></span></summary>'
        )
        body = [
            '<div class="group-body">',
            '<div class="grid two">',
            self.health_panel(g),
            self.lifecycle_panel(g),
            "</div>",
            self.indicators_panel(g),
            self.recommendations(g),
            self.charts_panel(g),
            self.people_panel(g),
            self.topics_panel(g),
            self.metrics_panel(g),
            f'<p class="back"><a href="#overview">↑ {self.t("back_to_overview")}</a></p>',
            "</div>",
        ]
        return (
            f'<details class="group" id="g-{index}" data-key="{esc(g.get("key"))}"'
            f"{' open' if opened else ''}>{head}{''.join(body)}</details>"
        )

    def health_panel(self, g: dict[str, Any]) -> str:
        health = as_dict(g.get("health"))
        score = health.get("score", g.get("health_score"))
        rows = []
        for item in as_list(health.get("breakdown")):
            points, most = item.get("points"), item.get("max")
            share = (
                max(0.0, min(1.0, points / most))
                if is_number(points) and is_number(most) and most
                else 0.0
            )
            counted = is_number(most) and most > 0
            # An indicator without data is left out of the score (max 0), not scored zero.
            points_text = (
                self.t("points", points=_pts(points), max=_pts(most))
                if counted
                else f'<span class="muted">{self.t("no_data")}</span>'
            )
            meter = (
                f'<span class="meter"><i style="width:{share * 100:.0f}%"></i></span>'
                if counted
                else ""
            )
            rows.append(
                f'<li><span class="bd-top">'
                f"<span>{esc(label_of(str(item.get('indicator')), self.lang))}</span>"
                f"<b>{points_text}</b></span>{meter}"
                f'<span class="why">{esc(reason(item, self.lang))}</span></li>'
            )
        penalties = as_list(health.get("penalties"))
        pen = "".join(
            f'<li><span class="bd-top"><span>{esc(label_of(str(p.get("name")), self.lang))}</span>'
            f'<b class="neg">{self.t("penalty_points", points=_pts(p.get("points")))}</b></span>'
            f'<span class="why">{esc(reason(p, self.lang))}</span></li>'
            for p in penalties
        )
        breakdown = (
            f'<h5>{self.t("health_breakdown")}</h5><ul class="breakdown">{"".join(rows)}</ul>'
            if rows
            else ""
        )
        if penalties:
            breakdown += f'<h5>{self.t("penalties")}</h5><ul class="breakdown">{pen}</ul>'
        elif rows:
            breakdown += f'<p class="muted small">{self.t("no_penalties")}</p>'
        big = round(score) if is_number(score) else "–"
        return (
            f'<section class="panel"><h4>{self.t("health")}</h4>'
            f'<div class="score-big tone-{health_tone(score)}">'
            f"<b>{big}</b><span>/ 100</span></div>"
            f"{breakdown or '<p class=muted>' + self.t('no_data') + '</p>'}</section>"
        )

    def lifecycle_panel(self, g: dict[str, Any]) -> str:
        band = g.get("size_band")
        band_name = pick(SIZE_BAND_LABELS[band], self.lang) if band in SIZE_BAND_LABELS else band
        facts = [
            (
                self.t("size_band"),
                esc(band_name) if band_name else self.t("no_data"),
                reason(g, self.lang, "size_band_reason"),
            ),
        ]
        if g.get("timezone"):
            facts.append((self.t("timezone"), esc(g["timezone"]), ""))
        split = g.get("split_suggested")
        if split is not None:
            facts.append(
                (
                    self.t("split_suggested" if split else "split_not_suggested"),
                    self.t("yes" if split else "no"),
                    reason(g, self.lang, "split_reason"),
                )
            )
        rows = "".join(
            f'<div class="fact"><dt>{k}</dt><dd>{v}'
            + (f'<span class="why">{esc(why)}</span>' if why else "")
            + "</dd></div>"
            for k, v, why in facts
        )
        stage_reason = reason(g, self.lang, "lifecycle_reason")
        stage_now = (
            f"{self.stage_chip(g['lifecycle_stage'])}<p>{esc(stage_reason)}</p>"
            if g.get("lifecycle_stage") in STAGE_LABELS
            else f'<p class="muted">{self.t("no_data")}</p>'
        )
        return (
            f'<section class="panel"><h4>{self.t("lifecycle")}</h4>'
            f'<div class="stage-now">{stage_now}</div>'
            f'<dl class="facts-list">{rows}</dl>{self.history(g)}</section>'
        )

    def history(self, g: dict[str, Any]) -> str:
        """Lifecycle history: one coloured block per week, then the weeks the stage changed."""
        history = [
            h for h in as_list(g.get("lifecycle_history")) if isinstance(h.get("week_start"), str)
        ]
        head = f"<h5>{self.t('lifecycle_history')}</h5>"
        if not history:
            return f'{head}<p class="muted">{self.t("no_data")}</p>'
        history.sort(key=lambda h: h["week_start"])
        blocks = []
        for h in history:
            stage = h.get("stage") if h.get("stage") in STAGE_LABELS else None
            name = pick(STAGE_LABELS[stage], self.lang) if stage else t(self.lang, "no_data")
            tip = (
                f"{t(self.lang, 'week_of', date=h['week_start'])}: {name} — {reason(h, self.lang)}"
            )
            blocks.append(f'<span class="wk stage-{stage or "none"}" title="{esc(tip)}"></span>')
        changes = [
            h
            for i, h in enumerate(history)
            if i == 0 or h.get("stage") != history[i - 1].get("stage")
        ]
        rows = "".join(
            f'<tr><td class="nowrap">{esc(h["week_start"])}</td>'
            f"<td>{self.stage_chip(h.get('stage'))}</td><td>{esc(reason(h, self.lang))}</td></tr>"
            for h in reversed(changes)
        )
        return (
            f'{head}<div class="strip" aria-hidden="true">{"".join(blocks)}</div>'
            f'<div class="strip-ends"><span>{esc(history[0]["week_start"])}</span>'
            f"<span>{esc(history[-1]['week_start'])}</span></div>"
            f'<div class="table-scroll">'
            f'<table class="history" aria-label="{self.t("stage_changes")}">'
            f"<thead><tr><th>{self.t('col_week')}</th><th>{self.t('col_stage')}</th>"
            f"<th>{self.t('col_reason')}</th></tr></thead><tbody>{rows}</tbody></table></div>"
        )

    def indicators_panel(self, g: dict[str, Any]) -> str:
        cards = []
        for n in INDICATORS:
            ind = self.indicator(g, n)
            metric = METRICS[n]
            bar = ind.get("bar") if is_number(ind.get("bar")) else metric.bar
            status = ind["status"]
            cards.append(
                f'<div class="ind-card {STATUS_CLASSES[status]}" '
                f'title="{esc(definition_of(n, self.lang))}">'
                f'<span class="ind-label">{esc(label_of(n, self.lang))}</span>'
                f'<span class="ind-value">{esc(metric_value(n, ind.get("value"), self.lang))}'
                "</span>"
                f'<span class="ind-bar">{self.t("bar")} {esc(bar_text(metric, bar, self.lang))}'
                + (
                    f'<span class="status">{self.t("status_" + status)}</span>'
                    if status != "no_data"
                    else ""
                )
                + "</span>"
                f'<span class="why">{esc(reason(ind, self.lang))}</span>'
                f'<span class="seed">{self.t("seed", seed=metric.seed)}</span></div>'
            )
        return (
            f'<section class="panel"><h4>{self.t("indicators")}</h4>'
            f'<div class="ind-grid">{"".join(cards)}</div></section>'
        )

    def recommendations(self, g: dict[str, Any]) -> str:
        recs = sorted(
            as_list(g.get("recommendations")),
            key=lambda r: _priority(r.get("priority")),
        )
        if not recs:
            body = f'<p class="muted">{self.t("no_data")}</p>'
        else:
            items = []
            for r in recs:
                prio = _priority(r.get("priority"))
                text = r.get("text") if self.lang == "zh-Hans" else r.get("text_en")
                text = text or r.get("text") or r.get("text_en") or r.get("code")
                seed = (
                    f'<span class="seed">{self.t("seed", seed=str(r["seed"]))}</span>'
                    if r.get("seed")
                    else ""
                )
                items.append(
                    f'<li class="rec p{prio}" data-code="{esc(r.get("code"))}">'
                    f'<div class="rec-head"><span class="prio">{self.t(f"priority_{prio}")}</span>'
                    f"{seed}</div><p>{esc(text)}</p>{self.evidence(r.get('evidence'))}</li>"
                )
            body = f'<ol class="recs">{"".join(items)}</ol>'
        return f'<section class="panel"><h4>{self.t("recommendations")}</h4>{body}</section>'

    def charts_panel(self, g: dict[str, Any]) -> str:
        war_bar = self.indicator(g, "weekly_active_rate").get("bar")
        rounds_bar = self.indicator(g, "independent_rounds_7d").get("bar")
        war_bar = war_bar if is_number(war_bar) else METRICS["weekly_active_rate"].bar
        rounds_bar = rounds_bar if is_number(rounds_bar) else METRICS["independent_rounds_7d"].bar
        figures = [
            self.chart(
                charts.activity(g.get("daily"), self.lang), t(self.lang, "activity"), wide=True
            ),
            self.chart(
                charts.weekly_active_rate(g.get("weekly"), war_bar, self.lang),
                t(self.lang, "war_trend"),
            ),
            self.chart(
                charts.independent_rounds(g.get("weekly"), rounds_bar, self.lang),
                t(self.lang, "rounds_trend"),
            ),
            self.chart(
                charts.retention(g.get("retention"), self.lang),
                t(self.lang, "retention"),
                wide=True,
            ),
        ]
        return f'<div class="charts">{"".join(figures)}</div>'

    def topics_panel(self, g: dict[str, Any]) -> str:
        topics = sorted(
            as_list(g.get("topics")),
            key=lambda c: -(c["share"] if is_number(c.get("share")) else 0),
        )
        split = g.get("split_suggested") is True
        banner = (
            f'<div class="banner warn"><b>{self.t("split_suggested")}</b> '
            f"{esc(reason(g, self.lang, 'split_reason'))}</div>"
            if split
            else ""
        )
        if not topics:
            return (
                f'<section class="panel"><h4>{self.t("topics")}</h4>{banner}'
                f'<p class="muted">{self.t("no_data")}</p></section>'
            )
        names = self.names
        cards = []
        for i, c in enumerate(topics):
            cluster = c.get("cluster")
            number_ = int(cluster) if is_number(cluster) else i
            share = c.get("share") if is_number(c.get("share")) else None
            keywords = "".join(f"<li>{esc(k)}</li>" for k in c.get("keywords") or [])
            members = [str(m) for m in c.get("members") or []]
            shown = ", ".join(names.get(m, m) for m in members[:TOPIC_MEMBERS_SHOWN])
            if len(members) > TOPIC_MEMBERS_SHOWN:
                shown += " … " + t(
                    self.lang, "more_not_shown", n=len(members) - TOPIC_MEMBERS_SHOWN
                )
            share_txt = (
                self.t("cluster_share", share=metric_value("spam_share", share, self.lang))
                if share is not None
                else ""
            )
            cards.append(
                f'<div class="topic"><div class="topic-head"><b>'
                f"{self.t('cluster', n=number_ + 1)}</b><span>{share_txt}</span></div>"
                f'<span class="meter"><i style="width:{(share or 0) * 100:.0f}%"></i></span>'
                f'<ul class="keywords">{keywords}</ul>'
                f'<p class="small muted">{self.t("cluster_members", n=len(members))}: '
                f"{esc(shown)}</p></div>"
            )
        return (
            f'<section class="panel"><h4>{self.t("topics")}</h4>{banner}'
            f'<div class="topics">{"".join(cards)}</div></section>'
        )

    def metrics_panel(self, g: dict[str, Any]) -> str:
        metrics = as_dict(g.get("metrics"))
        if not metrics:
            body = f'<p class="muted">{self.t("no_data")}</p>'
        else:
            items = "".join(
                f'<div class="metric{" nodata" if v is None else ""}" '
                f'title="{esc(definition_of(k, self.lang))}">'
                f"<dt>{esc(label_of(k, self.lang))}</dt><dd>{esc(self.value(k, v))}</dd></div>"
                for k, v in metrics.items()
                if k not in SHOWN_ELSEWHERE
            )
            body = f'<dl class="metrics">{items}</dl>'
        return f'<section class="panel"><h4>{self.t("other_metrics")}</h4>{body}</section>'

    # -- people ---------------------------------------------------------------------------


def _priority(value: Any) -> int:
    return value if value in (1, 2, 3) else 3


def _pts(value: Any) -> str:
    return number(round(value, 1)) if is_number(value) else "–"
