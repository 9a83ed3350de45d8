"""The executive summary of a run: ``index.html`` with computed findings, figures and status."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from helpers.ledger.levels import LEVEL_TAGS, LEVEL_WORDS, LEVELS
from helpers.plots import format_money
from helpers.report.assumptions import assumption_rows, data_in_use
from helpers.report.workspace import MESSAGE_FIGURES
from helpers.results import sentence_pct

__all__ = [
    "SECTIONS",
    "KEY_FIGURES",
    "write_index",
    "lead_sentences",
    "verdict_sentence",
]

#: metrics section → (heading, notebook page prefix), in reading order
SECTIONS: dict[str, tuple[str, str]] = {
    "ingest": ("Data and reconciliation", "01"),
    "ledger": ("Customer ledger", "02"),
    "pareto": ("80/20: revenue versus profit", "03"),
    "whale": ("The whale curve", "03"),
    "segments": ("Segments", "04"),
    "seesaw": ("The volume-margin seesaw", "05"),
    "q1": ("Q1 — which small clients pay", "06"),
    "q2": ("Q2 — attracting them cheaply", "07"),
    "q3": ("Q3 — price and channel", "08"),
    "growth": ("Trust and growth", "09"),
    "clv": ("Future value", "09"),
}
#: figures shown as thumbnails first, if the run made them (the rest follow, up to MAX_FIGURES)
KEY_FIGURES: tuple[str, ...] = (
    "pnl_waterfall",
    "lorenz_curves",
    "whale_curve",
    "seesaw",
    "seesaw_scatter",
    "q1_profit_classes",
    "q2_channel_economics",
    "q3_tornado",
    "survival_by_tier",
    "future_profit_vs_past_sales",
)
MAX_FIGURES = 10
#: captions of the key figures (others: the file name in words)
_CAPTIONS = {
    "pnl_waterfall": "The company P&L, from list revenue to profit after every cost to serve",
    "lorenz_curves": "How concentrated revenue and profit are (Lorenz curves)",
    "whale_curve": "The whale curve: cumulative profit by customer",
    "seesaw": "The seesaw: revenue share against profit share per size tier",
    "seesaw_scatter": "Margin against volume, customer by customer",
    "q1_profit_classes": "Q1: small clients by profit class",
    "q2_channel_economics": "Q2: acquisition economics by channel",
    "q3_tornado": "Q3: which assumption moves the scenario most",
    "survival_by_tier": "First-year closures by size tier (survival curves)",
    "future_profit_vs_past_sales": "Future profit against past sales",
}
#: the config entries that drive the findings, shown under "Assumptions" (dotted: a sub-entry)
ASSUMPTION_KEYS: tuple[str, ...] = (
    "assumptions",
    "cost_to_serve",
    "size_tiers",
    "scenarios.levers",
    "growth.lapse_multiple",
    "growth.lapse_min_days",
    "clv.horizon_months",
)

_env = Environment(
    loader=PackageLoader("helpers.report", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _pick(config: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """The entries of ``config`` named by dotted ``keys`` (missing ones left out), nested."""
    out: dict[str, Any] = {}
    for key in keys:
        *parents, leaf = key.split(".")
        node: Any = config
        for part in [*parents, leaf]:
            node = node.get(part) if isinstance(node, Mapping) else None
        if node is None:
            continue
        target = out
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = node
    return out


def _figures(run_dir: Path) -> list[dict[str, str]]:
    """The run's key figures: ``KEY_FIGURES`` first, at most ``MAX_FIGURES``, with captions."""
    pngs = {p.stem: p for p in sorted((run_dir / "figures").glob("*.png"))}
    listed = run_dir / "figures" / MESSAGE_FIGURES
    if listed.exists():  # a figure that only says why there is nothing to draw is no key figure
        for stem in listed.read_text(encoding="utf-8").split():
            pngs.pop(stem, None)
    ordered = [pngs.pop(k) for k in KEY_FIGURES if k in pngs] + list(pngs.values())
    return [
        {
            "src": f"figures/{p.name}",
            "caption": _CAPTIONS.get(p.stem, p.stem.replace("_", " ").capitalize()),
        }
        for p in ordered[:MAX_FIGURES]
    ]


def _period_words(run: Mapping[str, Any]) -> str:
    """The run's period for a reader: "all the data (2021-01-03 to 2024-12-30)" or its bounds."""
    period = run.get("period") or {}
    first, last = period.get("data_first"), period.get("data_last")
    start, end = period.get("start"), period.get("end")
    if not start and not end:
        span = f" ({first} to {last})" if first and last else ""
        return f"all the data{span}"
    return f"{start or first or 'the first order'} to {end or last or 'the last order'}"


def _pages(notebooks: Sequence[str]) -> list[dict[str, str]]:
    """The run's pages: link, title and number of each notebook's HTML page."""
    return [
        {"href": f"{n}.html", "title": n[3:].replace("-", " ").capitalize(), "number": n[:2]}
        for n in notebooks
    ]


def _findings(metrics: Mapping[str, Any], pages: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The findings of each metrics section, in ``SECTIONS`` order, linked to their page."""
    by_prefix = {page["number"]: page["href"] for page in pages}
    ordered = sorted(
        metrics.get("findings", {}).items(),
        key=lambda kv: list(SECTIONS).index(kv[0]) if kv[0] in SECTIONS else 99,
    )
    return [
        {
            "heading": SECTIONS.get(section, (section, ""))[0],
            "href": by_prefix.get(SECTIONS.get(section, ("", ""))[1]),
            "sentences": sentences,
        }
        for section, sentences in ordered
    ]


def _level_words(metrics: Mapping[str, Any]) -> str:
    """How the cards name the level they are computed at ("" when the run does not say)."""
    lead = metrics.get("ledger", {}).get("lead_level")
    return f" ({LEVEL_TAGS[lead]})" if lead in LEVEL_TAGS else ""


def _with_unit(amount: str, currency: str | None) -> str:
    """An amount with the run's currency after it ("1.2M EUR"), or as it is without one."""
    return f"{amount} {currency}" if currency else amount


def _headlines(metrics: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The numbers in the summary's top strip, each saying what it ranks and at which level."""
    out: list[tuple[str, str]] = []
    level = _level_words(metrics)
    ledger = metrics.get("ledger", {})
    currency = metrics.get("run", {}).get("currency")
    if "total_revenue" in ledger:
        out.append(("Net revenue", _with_unit(format_money(ledger["total_revenue"]), currency)))
    if ledger.get("total_profit") is not None:
        profit = _with_unit(format_money(ledger["total_profit"]), currency)
        out.append((f"Customer profit{level}", profit))
    pareto = metrics.get("pareto", {})
    for key, label in (
        ("top20_revenue_share", "Top 20% of customers by revenue: share of revenue"),
        ("top20_profit_share", f"Top 20% of customers by profit: share of profit{level}"),
    ):
        if pareto.get(key) is not None:
            out.append((label, f"{pareto[key]:.0%}"))
    whale = metrics.get("whale", {})
    if whale.get("peak_profit_pct") is not None:
        at = whale.get("peak_share_of_customers")
        where = f" at {at:.1%} of customers" if at is not None else ""
        out.append(
            (f"Whale-curve peak{level}", f"{whale['peak_profit_pct']:.1f}% of profit{where}")
        )
    if whale.get("loss_making_share") is not None:
        count = whale.get("loss_making_customers")
        value = f"{whale['loss_making_share']:.1%}"
        value = f"{int(count):,} ({value})" if count is not None else value
        out.append((f"Customers losing money{level}", value))
    return out


def _losers(section: Mapping[str, Any]) -> str | None:
    """The words "155 customers (19.5%)" from a section's loss-making figures, if it has them."""
    count, share = section.get("loss_making_customers"), section.get("loss_making_share")
    if count is None or share is None:
        return None
    return f"{int(count):,} customers ({share:.1%})"


def _sensitivity_sentence(name: str, verdict: Mapping[str, Any]) -> str | None:
    """How far the assumed amounts must move to change a verdict (None if it never changes)."""
    below, above = verdict.get("flips_below"), verdict.get("flips_above")
    if below is None and above is None:
        return None
    words = {"loss_making": "the share of customers losing money"}.get(name, name.replace("_", " "))
    changes = [
        f"at {k:g}x it is {verdict.get(key)}"
        for k, key in ((below, "flips_to_below"), (above, "flips_to_above"))
        if k is not None
    ]
    return (
        f"With the assumed cost-to-serve amounts counted as they are (1x), {words} is "
        f"{verdict.get('verdict')}; that holds from {verdict.get('holds_from', 0):g}x to "
        f"{verdict.get('holds_to', 3):g}x of them, and {' and '.join(changes)}."
    )


def _change_rows(changes: Mapping[str, Any], currency: str | None = None) -> list[dict[str, str]]:
    """The "what changed" table: each figure before and now, formatted by its kind."""
    formats = {
        "money": lambda value: _with_unit(format_money(value), currency),
        "share": lambda value: f"{value:.1%}",
        "count": lambda value: f"{value:,.1f}".removesuffix(".0"),
        "percent": lambda value: f"{value:.1f}%",
    }
    rows = []
    for row in changes.get("rows", []):
        show = formats.get(row["kind"], str)
        if row["kind"] in ("share", "percent"):
            points = row["change"] * (100 if row["kind"] == "share" else 1)
            change = f"{points:+.1f} points"
        else:
            change = show(row["change"]) if row["change"] < 0 else "+" + show(row["change"])
            if row.get("change_pct") is not None:
                change += f" ({row['change_pct']:+.1%})"
        rows.append(
            {
                "label": row["label"],
                "previous": show(row["previous"]),
                "current": show(row["current"]),
                "change": "unchanged" if row["direction"] == "unchanged" else change,
            }
        )
    return rows


def verdict_sentence(metrics: Mapping[str, Any]) -> str | None:
    """The summary's first sentence: does volume overstate value in this data? From the metrics.

    Parameters
    ----------
    metrics : Mapping
        The run's metrics.json payload (``pareto`` and ``whale`` sections).

    Returns
    -------
    str or None
        E.g. "Volume overstates value here: the 20% of customers with the most revenue bring 92%
        of it but 88% of the profit (a 9% margin against 14% for the rest); 1,564 customers
        (32%) lose money, giving back 22% of the profit the others earn." None without the
        pareto figures (a run that did not render page 03).
    """
    pareto, whale = metrics.get("pareto", {}), metrics.get("whale", {})
    revenue_share = pareto.get("top20_revenue_share")
    profit_share = pareto.get("top20_by_revenue_profit_share")
    if revenue_share is None or profit_share is None:
        return None
    opening = {
        "less": "Volume overstates value here",
        "more": "Here the customers with the most revenue also earn the higher margin",
    }.get(pareto.get("profit_vs_revenue"), "Revenue and profit concentrate alike here")
    text = (
        f"{opening}: the 20% of customers with the most revenue bring {sentence_pct(revenue_share)}"
        f" of it and {sentence_pct(profit_share)} of the profit"
    )
    top, rest = pareto.get("top20_by_revenue_margin"), pareto.get("rest_by_revenue_margin")
    if top is not None and rest is not None:
        text += f" (a {sentence_pct(top)} margin against {sentence_pct(rest)} for the rest)"
    losers, back = whale.get("loss_making_customers"), _loss_makers_take_back(whale)
    who, verb = ("customer", "loses") if losers == 1 else ("customers", "lose")
    if losers and back:
        text += (
            f"; {int(losers):,} {who} ({sentence_pct(whale.get('loss_making_share'))}) {verb} "
            f"money, {back}"
        )
    elif losers:
        text += f"; {int(losers):,} {who} {verb} money"
    return text + "."


def _loss_makers_take_back(whale: Mapping[str, Any]) -> str | None:
    """What the loss makers destroy, as a share of what the profitable customers earn.

    "giving back 20% of the profit the others earn" (profit destroyed / profit earned), else
    "destroying 25% of total profit" (``profit_destroyed_pct``, a percentage of the total);
    None for a business without a positive total.
    """
    if (whale.get("total_profit") or 0) <= 0:
        return None
    earned, destroyed = whale.get("profit_earned"), whale.get("profit_destroyed")
    if earned and destroyed is not None and earned > 0:
        return f"giving back {sentence_pct(destroyed / earned)} of the profit the others earn"
    back = whale.get("profit_destroyed_pct")
    return None if back is None else f"destroying {sentence_pct(back / 100)} of total profit"


def lead_sentences(metrics: Mapping[str, Any]) -> list[str]:
    """The summary's opening: which level of profit it leads with, and what assumptions change.

    Parameters
    ----------
    metrics : Mapping
        The run's metrics.json payload; reads ``ledger.lead_level``, the per-level dicts
        ``ledger.<level>`` and ``ledger.sensitivity``.

    Returns
    -------
    list of str
        Empty when the run does not record levels.
    """
    ledger = metrics.get("ledger", {})
    lead = ledger.get("lead_level")
    if lead not in LEVEL_WORDS:
        return []
    out = [f"These figures lead with profit {LEVEL_WORDS[lead]}."]
    led_losers = _losers(ledger.get(lead, ledger))
    others = [
        f"{other} {LEVEL_WORDS[level]}"
        for level in LEVELS
        if level != lead and (other := _losers(ledger.get(level, {}))) and other != led_losers
    ]
    if led_losers and others:  # one sentence: the lead level, then each level that differs
        out.append(
            f"{led_losers[0].upper()}{led_losers[1:]} lose money {LEVEL_WORDS[lead]}; "
            + "; ".join(others)
            + "."
        )
    for name, verdict in (ledger.get("sensitivity") or {}).items():
        sentence = _sensitivity_sentence(name, verdict) if isinstance(verdict, Mapping) else None
        if sentence:
            out.append(sentence)
    return out


def write_index(
    run_dir: Path, metrics: Mapping[str, Any], config: Mapping[str, Any], results: Sequence[str]
) -> Path:
    """Render ``run_dir/index.html``, the run's executive summary.

    Every text from the data or the config is HTML-escaped by the template.

    Parameters
    ----------
    run_dir
        The run's folder (its ``figures/`` are shown as thumbnails).
    metrics
        The run's ``metrics.json`` payload (``run`` required; headline sections, findings and
        ``reconciliation`` shown where present).
    config
        The dataset's config, resolved to the data's scale
        (:func:`helpers.ledger.scale.resolve_amounts`; its ``ASSUMPTION_KEYS`` entries are listed
        with the amounts the ledger used).
    results
        Stems of the notebooks rendered, e.g. ``["02-customer-ledger"]``: the pages linked.

    Returns
    -------
    pathlib.Path
        The page written.
    """
    pages = _pages(results)
    changes = metrics.get("changes") or {}
    currency = metrics["run"].get("currency")
    html = _env.get_template("index.html.j2").render(
        run=metrics["run"],
        period=_period_words(metrics["run"]),
        recon=metrics.get("reconciliation", {}),
        verdict=verdict_sentence(metrics),
        headlines=_headlines(metrics),
        lead=lead_sentences(metrics),
        changes=_change_rows(changes, currency),
        previous=changes.get("previous_run"),
        year_earlier=_change_rows(changes.get("year_earlier") or {}, currency),
        year_earlier_period=(changes.get("year_earlier") or {}).get("period"),
        findings=_findings(metrics, pages),
        figures=_figures(run_dir),
        pages=pages,
        has_exports=any((run_dir / "exports").glob("*")),
        assumptions=assumption_rows(
            {**_pick(config, ASSUMPTION_KEYS), "_amounts": config.get("_amounts")},
            currency,
            data_in_use(run_dir / "processed", config) if "size_tiers" in config else None,
        ),
    )
    out = run_dir / "index.html"
    out.write_text(html, encoding="utf-8")
    return out
