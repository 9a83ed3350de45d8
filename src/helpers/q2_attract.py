"""Q2 — how to attract profitable small clients cheaply: channel economics and the crowd arithmetic.

Per acquisition channel: spend, new customers, cost of acquisition (CAC), first-year survival and
profit, months to pay back CAC and a simple documented future value; then how many leads (and
small clients) it takes to find one long-term partner, with Monte Carlo uncertainty. Works
without a spend table (customers and profit by channel only) and without a customers table
(each customer's habitual order channel stands in for the acquisition channel).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from helpers import plots
from helpers.ledger.purchases import habitual_channels
from helpers.results import Result, json_float, money, pct, wilson_ci
from helpers.schema import UNATTRIBUTED

__all__ = [
    "customer_channels",
    "channel_summary",
    "new_customers",
    "channel_economics",
    "crowd_arithmetic",
    "future_value_assumption",
    "q2_metrics",
    "q2_findings",
    "plot_channel_economics",
    "plot_crowd",
    "plot_channel_profit",
]


def _settings(config: Mapping[str, Any]) -> dict[str, Any]:
    return dict(config["acquisition"])


def _attributed(ledger: pd.DataFrame) -> pd.DataFrame:
    return ledger.loc[ledger["customer_id"] != UNATTRIBUTED].reset_index(drop=True)


def _small(ledger: pd.DataFrame, config: Mapping[str, Any]) -> pd.Series:
    return ledger["size_tier"].astype("object").isin(set(config["size_tiers"]["small"]))


def customer_channels(
    ledger: pd.DataFrame, order_lines: pd.DataFrame | None = None
) -> tuple[pd.Series, str]:
    """Each ledger row's acquisition channel, and which column it came from.

    Where the data has no acquisition channel, a customer's habitual order channel (the one
    most of its orders came through) stands in, and the source says so.
    """
    if "acquisition_channel" in ledger and ledger["acquisition_channel"].notna().any():
        return ledger["acquisition_channel"].astype("object"), "acquisition_channel"
    habitual = habitual_channels(order_lines)
    if len(habitual):
        return ledger["customer_id"].map(habitual).astype("object"), "order_channel"
    return pd.Series(np.nan, index=ledger.index, dtype="object"), ""


def channel_summary(
    ledger: pd.DataFrame, config: Mapping[str, Any], order_lines: pd.DataFrame | None = None
) -> Result:
    """All customers (not only new ones) and their profit by channel, small clients apart."""
    led = _attributed(ledger)
    channel, source = customer_channels(led, order_lines)
    if not source:
        return Result(message="No acquisition channel and no order channel in the data.")
    frame = led.assign(
        channel=channel.fillna("(unknown)"),
        small=_small(led, config),
        profitable=led["profit"] > 0,
    )
    frame["small_profit"] = frame["profit"].where(frame["small"], 0.0)
    frame["small_profitable"] = frame["profitable"] & frame["small"]
    table = (
        frame.groupby("channel")
        .agg(
            customers=("customer_id", "size"),
            small_clients=("small", "sum"),
            net_revenue=("net_revenue", "sum"),
            profit=("profit", "sum"),
            profitable=("profitable", "sum"),
            small_profit=("small_profit", "sum"),
            small_profitable=("small_profitable", "sum"),
        )
        .reset_index()
    )
    table["profit_per_customer"] = table["profit"] / table["customers"]
    table["margin_pct"] = table["profit"] / table["net_revenue"].where(table["net_revenue"] != 0)
    table["small_profitable_share"] = table["small_profitable"] / table["small_clients"].where(
        table["small_clients"] > 0
    )
    table = table.sort_values("profit", ascending=False).reset_index(drop=True)
    label = "acquisition channel" if source == "acquisition_channel" else "habitual order channel"
    top = table.iloc[0]
    findings = [
        f"By {label}: {top['channel']} brings the most profit ({money(top['profit'])} from "
        f"{int(top['customers'])} customers, {money(top['profit_per_customer'])} each)."
    ]
    if source == "order_channel":
        findings.insert(
            0,
            "No acquisition channel in the data: each customer's habitual order channel "
            "stands in for it.",
        )
    return Result(table=table, findings=findings, metrics={"channel_source": source})


# ---- new customers --------------------------------------------------------------------------
def new_customers(
    ledger: pd.DataFrame,
    config: Mapping[str, Any],
    monthly: pd.DataFrame | None = None,
    order_lines: pd.DataFrame | None = None,
) -> Result:
    """The customers acquired inside the data's window, with their first-year outcome.

    Parameters
    ----------
    ledger
        The customer ledger of the period.
    monthly
        The ledger by month (``build_ledger(..., by_period="M")``); first-year profit is the
        profit of the 12 calendar months from the signup month. Without it, the period's
        profit is pro-rated to one year of the customer's time on the books (assumed).

    Returns
    -------
    Result
        ``table``: customer_id, channel, small, signup, observed_days, year1_observed,
        survived_year1, year2_observed, survived_year2, first_year_profit, partner_observed,
        partner, profit.
    """
    s = _settings(config)
    led = _attributed(ledger)
    channel, source = customer_channels(led, order_lines)
    lo, hi = led["first_order"].min(), led["last_order"].max()
    signup_known = "signup_date" in led and led["signup_date"].notna().any()
    closed_known = "closed_date" in led and led["closed_date"].notna().any()
    day = pd.Timedelta(days=1)
    if signup_known:
        signup = pd.to_datetime(led["signup_date"]).fillna(led["first_order"])
        is_new = signup >= lo
        rule = "signed up on or after the first day of the data"
    else:
        signup = led["first_order"]
        is_new = signup >= lo + float(s["new_customer_after_days"]) * day
        rule = (
            f"first order at least {s['new_customer_after_days']} days after the data starts "
            "(no signup dates)"
        )
    frame = pd.DataFrame(
        {
            "customer_id": led["customer_id"],
            "channel": channel.fillna("(unknown)"),
            "small": _small(led, config),
            "signup": signup,
            "closed": pd.to_datetime(led["closed_date"]) if closed_known else pd.NaT,
            "last_order": led["last_order"],
            "profit": led["profit"],
            "net_revenue": led["net_revenue"],
        }
    ).loc[is_new.to_numpy()]
    year = float(s["first_year_days"]) * day
    frame["observed_days"] = (hi - frame["signup"]).dt.days.astype("float64")

    def survived(years: float) -> pd.Series:
        if closed_known:
            return ~(frame["closed"] <= frame["signup"] + years * year)
        return frame["last_order"] >= frame["signup"] + years * year

    frame["year1_observed"] = frame["observed_days"] >= year.days
    frame["survived_year1"] = survived(1)
    frame["year2_observed"] = frame["observed_days"] >= 2 * year.days
    # retention after year one: not closed and still ordering in year two
    frame["survived_year2"] = survived(2) & (frame["last_order"] >= frame["signup"] + year)
    n_years = float(s["partner_years"])
    frame["partner_observed"] = frame["observed_days"] >= n_years * year.days
    still_ordering = frame["last_order"] >= frame["signup"] + (n_years - 1) * year
    frame["partner"] = survived(n_years) & still_ordering & (frame["profit"] > 0)
    frame["first_year_profit"] = _first_year_profit(frame, monthly, lo, hi)
    survival_rule = (
        "not closed (closed_date) within the year"
        if closed_known
        else "still ordering after the year (no closed dates)"
    )
    return Result(
        table=frame.drop(columns=["closed"]).reset_index(drop=True),
        metrics={
            "new_customers": len(frame),
            "new_small_clients": int(frame["small"].sum()),
            "new_customer_rule": rule,
            "survival_rule": survival_rule,
            "channel_source": source,
            "first_year_profit_source": "monthly ledger" if monthly is not None else "pro-rated",
        },
        detail={"window": (lo, hi)},
    )


def _first_year_profit(
    frame: pd.DataFrame, monthly: pd.DataFrame | None, lo: pd.Timestamp, hi: pd.Timestamp
) -> pd.Series:
    if monthly is None:
        days = (hi - frame["signup"].where(frame["signup"] > lo, lo)).dt.days + 1
        return frame["profit"] * np.minimum(1.0, 365.25 / days.clip(lower=1))
    m = monthly.loc[
        monthly["customer_id"].isin(frame["customer_id"]), ["customer_id", "period", "profit"]
    ]
    start = frame.set_index("customer_id")["signup"].dt.to_period("M").dt.start_time
    m = m.assign(start=m["customer_id"].map(start))
    inside = (m["period"] >= m["start"]) & (m["period"] < m["start"] + pd.DateOffset(months=12))
    per = m.loc[inside].groupby("customer_id")["profit"].sum()
    return frame["customer_id"].map(per).fillna(0.0).astype("float64")


def future_value_assumption(config: Mapping[str, Any]) -> str:
    """The sentence stating how future value is estimated."""
    s = _settings(config)
    return (
        f"Future value (a simple estimate, not the BG/NBD model): first-year profit per new "
        f"customer, plus for {s['horizon_years'] - 1} more years the first-year survivors' "
        f"first-year profit (no growth assumed), kept at the measured annual retention after "
        f"year one (not closed and still ordering in year two) and discounted at {s['discount_rate']:.0%} a year."
    )


def _annuity(retention: float, years: int, discount: float) -> float:
    t = np.arange(1, years)
    return float(np.sum(retention ** (t - 1) / (1 + discount) ** t))


def channel_economics(new: Result, spend: pd.DataFrame | None, config: Mapping[str, Any]) -> Result:
    """Per channel: spend, leads, new customers, CAC, conversion, first-year survival (with a
    Wilson interval) and profit, payback months, future value and future value / CAC.

    Payback months = 12 x CAC / first-year profit per new customer (closed ones included);
    None when the first year loses money.
    """
    s = _settings(config)
    frame = new.table
    lo, hi = new.detail["window"]
    by = frame.groupby("channel")
    y1 = frame.loc[frame["year1_observed"]]
    table = pd.DataFrame({"new_customers": by.size(), "new_small": by["small"].sum()})
    g1 = y1.groupby("channel")
    table["observed_1y"] = g1.size()
    table["survived_1y"] = g1["survived_year1"].sum()
    table["first_year_profit"] = g1["first_year_profit"].mean()
    surv = y1.loc[y1["survived_year1"]]
    table["survivor_profit"] = surv.groupby("channel")["first_year_profit"].mean()
    small1 = y1.loc[y1["small"]]
    table["small_profitable_1y"] = (
        small1.assign(p=small1["first_year_profit"] > 0).groupby("channel")["p"].sum()
    )
    y2 = frame.loc[frame["year2_observed"] & frame["survived_year1"]]
    table["observed_2y"] = y2.groupby("channel").size()
    table["survived_2y"] = y2.groupby("channel")["survived_year2"].sum()
    table = table.fillna(0.0)
    for col in ("new_customers", "new_small", "observed_1y", "survived_1y", "observed_2y",
                "survived_2y", "small_profitable_1y"):  # fmt: skip
        table[col] = table[col].astype("int64")
    table["survival_1y"] = table["survived_1y"] / table["observed_1y"].where(
        table["observed_1y"] > 0
    )
    lo_ci, hi_ci = wilson_ci(table["survived_1y"], table["observed_1y"], s["confidence"])
    table["survival_1y_ci_low"], table["survival_1y_ci_high"] = lo_ci, hi_ci
    min_n = int(s["min_channel_size"])
    pooled_n, pooled_k = int(table["observed_2y"].sum()), int(table["survived_2y"].sum())
    pooled = pooled_k / pooled_n if pooled_n >= min_n else float(s["default_retention"])
    table["retention"] = np.where(
        table["observed_2y"] >= min_n,
        table["survived_2y"] / table["observed_2y"].where(table["observed_2y"] > 0),
        pooled,
    )
    annuity = table["retention"].map(
        lambda r: _annuity(float(r), int(s["horizon_years"]), float(s["discount_rate"]))
    )
    table["future_value"] = (
        table["first_year_profit"]
        + table["survival_1y"].fillna(0) * table["survivor_profit"].fillna(0) * annuity
    )
    table.loc[table["observed_1y"] == 0, "future_value"] = np.nan
    table["judgement"] = np.where(table["new_customers"] < min_n, "too small to judge", "")
    message = ""
    if spend is None or spend.empty:
        message = (
            "No acquisition_spend table: spend, acquisition cost (CAC), payback and lead "
            "conversion cannot be computed; shown instead are new customers, their survival "
            "and profit by channel."
        )
        for col in ("spend", "leads", "cac", "conversion", "payback_months", "fv_to_cac"):
            table[col] = np.nan
    else:
        sp = spend.copy()
        month = pd.to_datetime(sp["month"])
        inside = (month >= lo.to_period("M").start_time) & (month <= hi)
        sp = sp.loc[inside].groupby("channel")[["spend", "leads"]].sum(min_count=1)
        table = table.join(sp, how="outer")
        for col in ("new_customers", "new_small", "observed_1y"):
            table[col] = table[col].fillna(0).astype("int64")
        table["judgement"] = table["judgement"].fillna("too small to judge")
        table["cac"] = table["spend"] / table["new_customers"].where(table["new_customers"] > 0)
        table["conversion"] = table["new_customers"] / table["leads"].where(table["leads"] > 0)
        fy = table["first_year_profit"].where(table["first_year_profit"] > 0)
        table["payback_months"] = 12 * table["cac"] / fy
        table["fv_to_cac"] = table["future_value"] / table["cac"]
    share_ps = table["small_profitable_1y"] / table["observed_1y"].where(table["observed_1y"] > 0)
    table["small_profitable_share_1y"] = share_ps
    table["cac_per_profitable_small"] = table["cac"] / share_ps.where(share_ps > 0)
    table.index.name = "channel"
    table = table.reset_index()
    judged = table.loc[(table["judgement"] == "") & table["future_value"].notna()]
    if message:
        rank = judged.sort_values("future_value", ascending=False)
    else:
        rank = judged.dropna(subset=["fv_to_cac"]).sort_values("fv_to_cac", ascending=False)
    best = str(rank.iloc[0]["channel"]) if len(rank) else None
    cheap = judged.dropna(subset=["cac_per_profitable_small"]).sort_values(
        "cac_per_profitable_small"
    )
    cheapest = str(cheap.iloc[0]["channel"]) if len(cheap) else None
    table = table.sort_values(
        "fv_to_cac" if not message else "future_value", ascending=False, na_position="last"
    ).reset_index(drop=True)
    metrics: dict[str, Any] = {
        "spend_available": not message,
        "best_channel": best,
        "cheapest_channel_for_profitable_small": cheapest,
        "retention_after_year1_pooled": json_float(pooled),
    }
    for col, key in (
        ("cac", "cac_by_channel"),
        ("fv_to_cac", "fv_to_cac_by_channel"),
        ("payback_months", "payback_months_by_channel"),
        ("survival_1y", "first_year_survival_by_channel"),
        ("first_year_profit", "first_year_profit_by_channel"),
        ("future_value", "future_value_by_channel"),
        ("conversion", "conversion_by_channel"),
        ("new_customers", "new_customers_by_channel"),
    ):
        metrics[key] = {
            str(c): json_float(v) for c, v in zip(table["channel"], table[col], strict=True)
        }
    findings = [message] if message else []
    findings += _economics_findings(table, best, cheapest, bool(message))
    findings.append(future_value_assumption(config))
    return Result(table=table, metrics=metrics, findings=findings, message="", detail={
        "spend_message": message})  # fmt: skip


def _economics_findings(
    table: pd.DataFrame, best: str | None, cheapest: str | None, no_spend: bool
) -> list[str]:
    t = table.set_index("channel")
    out = []
    if best is not None:
        b = t.loc[best]
        if no_spend:
            out.append(
                f"{best} brings the new customers with the highest estimated future value "
                f"({money(b['future_value'])} each; {pct(b['survival_1y'])} survive year one)."
            )
        else:
            months = b["payback_months"]
            payback = (
                "does not pay back its CAC in year one"
                if not np.isfinite(months)
                else "pays back its CAC within a month"
                if months < 1
                else f"pays back its CAC in {months:.0f} months"
            )
            out.append(
                f"{best} is the best acquisition channel: CAC {money(b['cac'])}, "
                f"{pct(b['survival_1y'])} of its new customers survive year one, it {payback} "
                f"and returns {b['fv_to_cac']:.1f}x its CAC in estimated future value."
            )
    if not no_spend:
        losers = t.loc[(t["judgement"] == "") & (t["fv_to_cac"] < 1)]
        if len(losers):
            out.append(
                "Future value does not cover acquisition cost in: "
                + ", ".join(f"{c} ({v:.1f}x)" for c, v in losers["fv_to_cac"].items())
                + "."
            )
        if cheapest is not None:
            c = t.loc[cheapest]
            out.append(
                f"Cheapest source of profitable small clients: {cheapest}, about "
                f"{money(c['cac_per_profitable_small'])} of spend per new small client "
                "profitable in its first year."
            )
    return out


# ---- throw to the crowd ------------------------------------------------------------------------
def crowd_arithmetic(new: Result, spend: pd.DataFrame | None, config: Mapping[str, Any]) -> Result:
    """How many small clients (and leads) it takes to find one long-term partner.

    A partner is a new small client observed ``partner_years`` years that has not closed, still
    orders in that year and is profitable over the period. Small clients per partner = 1 / q,
    leads per partner = 1 / (c x q), with q (partner rate) and c (lead-to-customer conversion)
    drawn from Beta posteriors (``prior``) — conversion is assumed the same for small and big
    customers of a channel.
    """
    s = _settings(config)
    rng = np.random.default_rng(int(s["seed"]))
    draws, a = int(s["draws"]), float(s["prior"])
    alpha = (1 - float(s["confidence"])) / 2
    frame = new.table
    lo, hi = new.detail["window"]
    leads = None
    if spend is not None and not spend.empty and spend["leads"].notna().any():
        month = pd.to_datetime(spend["month"])
        inside = (month >= lo.to_period("M").start_time) & (month <= hi)
        leads = spend.loc[inside].groupby("channel")["leads"].sum(min_count=1)
    rows = []
    groups = [(c, frame.loc[frame["channel"] == c]) for c in sorted(frame["channel"].unique())]
    groups.append(("all channels", frame))
    for name, part in groups:
        obs = part.loc[part["small"] & part["partner_observed"]]
        n, k = len(obs), int(obs["partner"].sum())
        row: dict[str, Any] = {"channel": name, "small_observed": n, "partners": k}
        row["partner_rate"] = k / n if n else np.nan
        q = rng.beta(k + a, n - k + a, draws) if n else np.full(draws, np.nan)
        per_small = 1 / q
        row["small_per_partner"] = float(np.median(per_small)) if n else np.nan
        row["small_per_partner_low"], row["small_per_partner_high"] = (
            (float(np.quantile(per_small, alpha)), float(np.quantile(per_small, 1 - alpha)))
            if n
            else (np.nan, np.nan)
        )
        n_leads = (
            (float(leads.sum()) if name == "all channels" else float(leads.get(name, np.nan)))
            if leads is not None
            else np.nan
        )
        customers = len(part)
        row["leads"], row["new_customers"] = n_leads, customers
        if np.isfinite(n_leads) and n_leads >= customers > 0 and n:
            c = rng.beta(customers + a, n_leads - customers + a, draws)
            per_lead = 1 / (c * q)
            row["conversion"] = customers / n_leads
            row["leads_per_partner"] = float(np.median(per_lead))
            row["leads_per_partner_low"] = float(np.quantile(per_lead, alpha))
            row["leads_per_partner_high"] = float(np.quantile(per_lead, 1 - alpha))
        else:
            row["conversion"] = np.nan
            row["leads_per_partner"] = np.nan
            row["leads_per_partner_low"] = row["leads_per_partner_high"] = np.nan
        rows.append(row)
    table = pd.DataFrame(rows)
    total = table.iloc[-1]
    years = s["partner_years"]
    level = f"{s['confidence']:.0%} interval"
    if total["small_observed"] == 0:
        return Result(
            table=table,
            message=(
                f"No new small client has been observed for {years} years yet: the crowd "
                "arithmetic needs a longer history."
            ),
        )
    findings = [
        f"{pct(total['partner_rate'])} of new small clients become long-term partners "
        f"(alive, still ordering in year {years} and profitable; n={int(total['small_observed'])}):"
        f" it takes about {total['small_per_partner']:.1f} new small clients "
        f"({level} {total['small_per_partner_low']:.1f}–{total['small_per_partner_high']:.1f}) "
        "to find one."
    ]
    if np.isfinite(total["leads_per_partner"]):
        findings.append(
            f"Throw to the crowd: with {pct(total['conversion'])} of leads converting, about "
            f"{total['leads_per_partner']:.0f} leads must be reached for one long-term partner "
            f"({level} {total['leads_per_partner_low']:.0f}–"
            f"{total['leads_per_partner_high']:.0f})."
        )
        ch = table.iloc[:-1].dropna(subset=["leads_per_partner"])
        ch = ch.loc[ch["small_observed"] >= int(s["min_channel_size"])]
        if len(ch) >= 2:
            best, worst = (
                ch.loc[ch["leads_per_partner"].idxmin()],
                ch.loc[ch["leads_per_partner"].idxmax()],
            )
            findings.append(
                f"Fewest leads per partner: {best['channel']} ({best['leads_per_partner']:.0f}); "
                f"most: {worst['channel']} ({worst['leads_per_partner']:.0f})."
            )
    else:
        findings.append("Leads are not known, so reach is counted in new small clients only.")
    metrics = {
        "partner_years": years,
        "partner_rate": json_float(total["partner_rate"]),
        "small_clients_per_partner": json_float(total["small_per_partner"]),
        "small_clients_per_partner_ci_low": json_float(total["small_per_partner_low"]),
        "small_clients_per_partner_ci_high": json_float(total["small_per_partner_high"]),
        "leads_per_partner": json_float(total["leads_per_partner"]),
        "leads_per_partner_ci_low": json_float(total["leads_per_partner_low"]),
        "leads_per_partner_ci_high": json_float(total["leads_per_partner_high"]),
        "lead_conversion": json_float(total["conversion"]),
    }
    return Result(table=table, metrics=metrics, findings=findings)


# ---- headline ---------------------------------------------------------------------------------
def q2_metrics(summary: Result, new: Result, economics: Result, crowd: Result) -> dict[str, Any]:
    """The numbers for ``ws.record("q2", ...)``."""
    out: dict[str, Any] = {}
    for r in (summary, new, economics, crowd):
        out.update(r.metrics)
    out["crowd_available"] = crowd.available
    return out


def q2_findings(summary: Result, new: Result, economics: Result, crowd: Result) -> list[str]:
    """Computed finding sentences, ending with the action."""
    out: list[str] = []
    for r in (summary, economics, crowd):
        out += r.findings if r.available else [r.message]
    best = economics.metrics.get("best_channel")
    cheap = economics.metrics.get("cheapest_channel_for_profitable_small")
    if best and economics.metrics.get("spend_available"):
        t = economics.table.set_index("channel")
        weak = t.loc[(t["judgement"] == "") & (t["fv_to_cac"] < 1)].index.tolist()
        action = f"Action: shift acquisition budget towards {best}"
        if cheap and cheap != best:
            action += f" (and {cheap} for small clients)"
        action += (
            f" and away from {', '.join(weak)}, whose customers do not earn back their cost."
            if weak
            else "; every judged channel earns back its acquisition cost."
        )
        out.append(action)
    elif best:
        out.append(
            f"Action: record acquisition spend per channel to price it; meanwhile {best} brings "
            "the most valuable new customers."
        )
    return out


# ---- figures ----------------------------------------------------------------------------------
def plot_channel_economics(economics: Result, ax: Axes | None = None) -> Axes:
    """CAC next to first-year profit and future value per new customer, by channel."""
    ax = plots.new_axes(ax)
    t = economics.table.dropna(subset=["future_value"]).reset_index(drop=True)
    x = np.arange(len(t))
    no_spend = not economics.metrics.get("spend_available")
    series = [("first_year_profit", "first-year profit", plots.PALETTE[2]),
              ("future_value", "future value (estimate)", plots.PALETTE[0])]  # fmt: skip
    if not no_spend:
        series.insert(0, ("cac", "acquisition cost (CAC)", plots.PALETTE[3]))
    width = 0.8 / len(series)
    for i, (col, label, color) in enumerate(series):
        ax.bar(x + (i - (len(series) - 1) / 2) * width, t[col], width, label=label, color=color)
    ax.axhline(0, color="#333333", linewidth=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels([c.replace("_", " ") for c in t["channel"]], rotation=20, ha="right")
    plots.money_axis(ax)
    ax.set_ylabel("per new customer")
    ax.legend(frameon=False, fontsize=8)
    best = economics.metrics.get("best_channel")
    if best and not no_spend:
        b = t.set_index("channel").loc[best]
        finding = f"{best.replace('_', ' ').capitalize()} returns {b['fv_to_cac']:.1f}x its acquisition cost"
    elif best:
        finding = f"{best.replace('_', ' ').capitalize()} brings the most valuable new customers"
    else:
        finding = "Acquisition economics by channel"
    plots.set_finding_title(ax, finding, "Per new customer, by acquisition channel")
    return ax


def plot_crowd(crowd: Result, ax: Axes | None = None) -> Axes:
    """Leads (or new small clients) needed per long-term partner, by channel, with intervals."""
    ax = plots.new_axes(ax)
    t = crowd.table
    use_leads = t["leads_per_partner"].notna().any()
    col = "leads_per_partner" if use_leads else "small_per_partner"
    t = t.dropna(subset=[col]).reset_index(drop=True)
    y = np.arange(len(t))
    colors = [plots.PALETTE[7] if c == "all channels" else plots.PALETTE[0] for c in t["channel"]]
    ax.barh(y, t[col], color=colors, height=0.6)
    err = np.vstack([t[col] - t[f"{col}_low"], t[f"{col}_high"] - t[col]])
    ax.errorbar(t[col], y, xerr=err, fmt="none", ecolor="#333333", capsize=3)
    ax.set_yticks(y)
    ax.set_yticklabels([c.replace("_", " ") for c in t["channel"]])
    ax.set_xscale("log")
    what = "leads" if use_leads else "new small clients"
    ax.set_xlabel(f"{what} per long-term partner (log scale)")
    if len(t):
        total = t.loc[t["channel"] == "all channels"]
        v = float(total[col].iloc[0]) if len(total) else float(t[col].median())
        finding = f"About {v:.0f} {what} reached for one long-term partner"
    else:
        finding = "Not enough history for the crowd arithmetic"
    plots.set_finding_title(ax, finding, "Median and 95% interval (Beta posteriors)")
    return ax


def plot_channel_profit(summary: Result, ax: Axes | None = None) -> Axes:
    """Profit per customer by channel (all customers), the view without a spend table."""
    ax = plots.new_axes(ax)
    if not summary.available:
        ax.text(0.5, 0.5, summary.message, ha="center", va="center")
        ax.set_axis_off()
        return ax
    t = summary.table
    ax.bar([c.replace("_", " ") for c in t["channel"]], t["profit_per_customer"],
           color=plots.PALETTE[0])  # fmt: skip
    ax.axhline(0, color="#333333", linewidth=0.8)
    plots.money_axis(ax)
    ax.set_ylabel("profit per customer")
    ax.tick_params(axis="x", rotation=20)
    top = t.loc[t["profit_per_customer"].idxmax()]
    plots.set_finding_title(
        ax,
        f"{str(top['channel']).replace('_', ' ').capitalize()} customers earn "
        f"{money(top['profit_per_customer'])} each",
        "Profit per customer over the period, by channel",
    )
    return ax
