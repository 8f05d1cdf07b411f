//! The readouts above the stage (the ledger's counts, throughput and latency), the
//! charts, the losses by cause and the event log.

use std::rc::Rc;

use yew::prelude::*;

use crate::components::Same;
use crate::i18n::{self, Lang};
use crate::settings::{self};
use crate::{charts, view_model};

/// A count of the ledger; `differs`: the other run of a comparison counts otherwise.
pub(crate) fn counter(label: &str, testid: &str, value: u64, tone: &str, differs: bool) -> Html {
    html! {
        <div class={classes!("counter", tone.to_string(), differs.then_some("differs"))}>
            <span class="value" data-testid={testid.to_string()}>{value}</span>
            <span class="label">{label.to_string()}</span>
        </div>
    }
}

/// The props of [`Readouts`].
#[derive(Properties, PartialEq)]
pub struct ReadoutsProps {
    pub vm: view_model::ViewModel,
    pub rates: view_model::Rates,
    pub lang: Lang,
    /// In a comparison, the other run's: the counts that differ are marked.
    #[prop_or_default]
    pub other: Option<view_model::ViewModel>,
    /// Where the transaction's abort button sends its action (none in a comparison's runs).
    #[prop_or_default]
    pub dispatch: Option<Callback<crate::Msg>>,
    /// The run is locked (`controls=lock`).
    #[prop_or_default]
    pub locked: bool,
}

/// The delivery guarantee promised and delivered, side by side, with why.
/// `abandoned`: records the crashed application never heard of (the full build), which
/// no guarantee covers.
fn guarantees(g: &view_model::Guarantees, abandoned: u64, lang: Lang) -> Html {
    use kscope_core::guarantee::Guarantee;
    let tone = |g: Guarantee| match g {
        Guarantee::ExactlyOnce => "good",
        Guarantee::None => "bad",
        _ => "warn",
    };
    let delivered = g.delivered.guarantee;
    html! {
        <div class="clock guarantees">
            <span class="label">{i18n::tr!(lang, "delivery: promised · delivered so far", "전달 보장: 약속 · 지금까지 실제")}</span>
            <span class="value small">
                <span class={classes!("guarantee", tone(g.promised))} data-testid="promised-guarantee">{g.promised.name()}</span>
                {" · "}
                <span class={classes!("guarantee", tone(delivered))} data-testid="delivery-guarantee">{delivered.name()}</span>
            </span>
            <ul class="why" aria-label={i18n::tr!(lang, "why", "이유")}>
                { for g.why(lang).into_iter().map(|w| html! { <li>{w}</li> }) }
                <li class="counts">{g.counts(lang)}</li>
                if let Some((p, line)) = g.pipeline_line(lang) {
                    <li data-testid="pipeline-results" data-results={p.results.to_string()}
                        data-twice={p.twice.to_string()} data-aborted={p.aborted.to_string()}>{line}</li>
                }
                if view_model::TXN && abandoned > 0 {
                    <li>{i18n::tr!(lang, "abandoned {0}: the application died before it heard of them, and has no source to send them from again; no guarantee covers them", "버려짐 {0}: 애플리케이션이 결과를 듣기 전에 죽었고 다시 보낼 원천도 없음; 어떤 보장도 이 레코드를 다루지 않음", abandoned)}</li>
                }
            </ul>
        </div>
    }
}

/// Simulated time, throughput, latency and the ledger's counts.
#[function_component]
pub fn Readouts(props: &ReadoutsProps) -> Html {
    let vm = &props.vm;
    let r = &props.rates;
    let t = props.lang.text();
    let ms = |v: Option<f64>| v.map_or("–".to_string(), |v| settings::fixed(v, 0));
    let lang = props.lang;
    let (txn_counters, txn_state) = match vm.txn.as_ref().filter(|_| view_model::TXN) {
        None => (Html::default(), Html::default()),
        Some(x) => (
            html! {
                <>
                    { counter(&crate::i18n::tr!(lang, "in aborted transactions", "중단된 트랜잭션의 레코드"), "ledger-aborted", x.aborted, "", false) }
                    { counter(&crate::i18n::tr!(lang, "aborted, yet processed", "중단됐는데 처리됨"), "ledger-read-aborted", x.read_aborted, if x.read_aborted > 0 { "bad" } else { "" }, false) }
                </>
            },
            html! {
                <div class="clock" data-testid="transaction" data-producer="0"
                    data-state={x.coordinator_state.unwrap_or("none").to_string()}
                    data-client-state={x.producer_state.to_string()}>
                    <span class="label">{crate::i18n::tr!(lang, "transaction (coordinator state)", "트랜잭션 (코디네이터 상태)")}</span>
                    <span class="value small">
                        {crate::i18n::tr!(lang, "{0} · {1} committed, {2} aborted", "{0} · 커밋 {1}개, 중단 {2}개", x.coordinator_state.unwrap_or("–"), x.committed, x.aborts)}
                        { for x.others.iter().map(|(p, state)| format!(" · {}", crate::i18n::tr!(lang, "earlier instance, producer {0}: {1}", "이전 인스턴스, 프로듀서 {0}: {1}", p, state))) }
                    </span>
                    if let Some(d) = &props.dispatch {
                        <button class="danger small" data-testid="abort-transaction" data-producer="0" disabled={props.locked || !x.producer_up}
                            onclick={d.reform(|_| crate::Msg::Act(crate::script::Action::AbortTransaction))}>
                            {crate::i18n::tr!(lang, "abortTransaction()", "abortTransaction()")}
                        </button>
                    }
                </div>
            },
        ),
    };
    let differs = |count: fn(&view_model::ViewModel) -> u64| {
        props.other.as_ref().is_some_and(|o| count(o) != count(vm))
    };
    html! {
        <>
            <div class="clock">
                <span class="label">{t.sim_time}</span>
                <span class="value"><span data-testid="sim-time">{vm.time_ms}</span>{" ms"}</span>
            </div>
            <div class="clock">
                <span class="label">{t.throughput_latency}</span>
                <span class="value small">
                    <span data-testid="throughput">{settings::fixed(r.records_per_s, 0)}</span>{format!(" {} · ", t.rec_per_s)}
                    <span data-testid="latency-p50">{ms(r.latency_p50_ms)}</span>{" / "}
                    <span data-testid="latency-p99">{ms(r.latency_p99_ms)}</span>{" ms"}
                </span>
            </div>
            if let Some((producer, consumers)) = vm.compression_cpu {
                <div class="clock" title={t.tip("compression_cpu_title")}>
                    <span class="label">{t.compression_cpu}</span>
                    <span class="value small" data-testid="compression-cpu" data-producer={settings::fixed(producer, 3)} data-consumers={settings::fixed(consumers, 3)}>
                        {format!("{}% / {}% {}", settings::fixed(producer, 2), settings::fixed(consumers, 2), t.of_a_core)}
                    </span>
                </div>
            }
            { guarantees(&vm.guarantees, vm.abandoned, lang) }
            <section class="ledger" aria-label={t.ledger_label}>
                { counter(t.sent, "ledger-sent", vm.sent, "", differs(|v| v.sent)) }
                { counter(t.acknowledged, "ledger-acked", vm.acknowledged, "good", differs(|v| v.acknowledged)) }
                { counter(if vm.failures_unnoticed { t.failed_unnoticed } else { t.failed }, "ledger-failed", vm.failed, if vm.failed > 0 { "warn" } else { "" }, differs(|v| v.failed)) }
                { counter(t.lost, "ledger-lost", vm.lost, if vm.lost > 0 { "bad" } else { "" }, differs(|v| v.lost)) }
                { counter(t.duplicated, "ledger-duplicated", vm.duplicated, if vm.duplicated > 0 { "bad" } else { "" }, differs(|v| v.duplicated)) }
                { counter(t.reordered, "ledger-reordered", vm.reordered, if vm.reordered > 0 { "bad" } else { "" }, differs(|v| v.reordered)) }
                { counter(t.consumed, "ledger-consumed", vm.consumed, "", differs(|v| v.consumed)) }
                { counter(t.redelivered, "ledger-redelivered", vm.redelivered, if vm.redelivered > 0 { "warn" } else { "" }, differs(|v| v.redelivered)) }
                { counter(t.skipped, "ledger-skipped", vm.skipped, if vm.skipped > 0 { "bad" } else { "" }, differs(|v| v.skipped)) }
                if view_model::TXN && vm.abandoned > 0 {
                    { counter(&crate::i18n::tr!(lang, "abandoned by a crashed producer", "장애난 프로듀서가 버린 레코드"), "ledger-abandoned", vm.abandoned, "warn", differs(|v| v.abandoned)) }
                }
                { txn_counters }
            </section>
            { txn_state }
        </>
    }
}

/// The props of [`Charts`].
#[derive(Properties, PartialEq)]
pub struct ChartsProps {
    pub series: Same<charts::Series>,
    pub lang: Lang,
}

/// One chart: a title with the axis' top and the newest value, and its lines.
pub(crate) fn chart(
    title: &str,
    testid: &str,
    top: f64,
    latest: Html,
    lines: Html,
    span: (u64, u64),
    t: &i18n::Text,
) -> Html {
    html! {
        <figure class="chart" data-testid={testid.to_string()}>
            <figcaption>
                <span class="title">{title.to_string()}</span>
                <span class="latest">{latest}</span>
            </figcaption>
            <div class="plot">
                <span class="top">{settings::fixed(top, 0)}</span>
                // The chart's box, CHART_W × CHART_H, written out (no float formatting).
                <svg viewBox="0 0 300 90" preserveAspectRatio="none" role="img" aria-label={title.to_string()}>
                    <line x1="0" y1="90" x2="300" y2="90" class="axis" />
                    <line x1="0" y1="45" x2="300" y2="45" class="grid" />
                    { lines }
                </svg>
                <span class="from">{format!("{}{}", settings::fixed(span.0 as f64 / 1e6, 0), t.seconds)}</span>
                <span class="to">{format!("{}{}", settings::fixed(span.1 as f64 / 1e6, 0), t.seconds)}</span>
            </div>
        </figure>
    }
}

pub(crate) const CHART_W: f64 = 300.0;

pub(crate) const CHART_H: f64 = 90.0;

/// Throughput, latency p50 and p99, and lag per partition over the last minute of
/// simulated time.
#[function_component]
pub fn Charts(props: &ChartsProps) -> Html {
    let series = &props.series.0;
    let t = props.lang.text();
    let Some(last) = series.samples.back() else {
        return html! {};
    };
    let span = series.span_us();
    // A line's colour, when its class does not give it, as SVG's `stroke` attribute (not a
    // `style` attribute, which a strict content policy refuses).
    let line = |class: String,
                stroke: Option<String>,
                values: Vec<(u64, Option<f64>)>,
                top: f64| {
        html! {
            <polyline class={class} {stroke} points={charts::points(values.into_iter(), span, top, CHART_W, CHART_H)} />
        }
    };
    let tp_top = charts::axis_max(
        series
            .samples
            .iter()
            .map(|s| s.throughput)
            .fold(1.0, f64::max),
    );
    let throughput = line(
        "tp".into(),
        None,
        series
            .samples
            .iter()
            .map(|s| (s.at_us, Some(s.throughput)))
            .collect(),
        tp_top,
    );
    let lat_top = charts::axis_max(
        series
            .samples
            .iter()
            .filter_map(|s| s.p99_ms)
            .fold(1.0, f64::max),
    );
    let latency = html! {
        <>
            { line("p99".into(), None, series.samples.iter().map(|s| (s.at_us, s.p99_ms)).collect(), lat_top) }
            { line("p50".into(), None, series.samples.iter().map(|s| (s.at_us, s.p50_ms)).collect(), lat_top) }
        </>
    };
    let partitions = series
        .samples
        .iter()
        .map(|s| s.lag.len())
        .max()
        .unwrap_or(0);
    let lag_top = charts::axis_max(
        series
            .samples
            .iter()
            .flat_map(|s| s.lag.iter().flatten())
            .fold(1, |a, b| a.max(*b)) as f64,
    );
    let lags = html! {
        <>{ for (0..partitions).map(|p| line(
            "lag".into(),
            Some(format!("hsl({} 65% 45%)", (p * 137) % 360)),
            series.samples.iter().map(|s| (s.at_us, s.lag.get(p).copied().flatten().map(|v| v as f64))).collect(),
            lag_top,
        )) }</>
    };
    let ms = |v: Option<f64>| v.map_or("–".to_string(), |v| settings::fixed(v, 0));
    let total_lag: i64 = last.lag.iter().flatten().sum();
    html! {
        <section class="charts" aria-label={t.charts}>
            { chart(t.throughput_chart, "chart-throughput", tp_top, html! { settings::fixed(last.throughput, 0) }, throughput, span, t) }
            { chart(t.latency_chart, "chart-latency", lat_top, html! {
                <><span class="p50">{format!("p50 {}", ms(last.p50_ms))}</span>{" · "}<span class="p99">{format!("p99 {}", ms(last.p99_ms))}</span></>
            }, latency, span, t) }
            { chart(t.lag_chart, "chart-lag", lag_top, html! { format!("Σ {total_lag}") }, lags, span, t) }
        </section>
    }
}

/// The props of [`Losses`].
#[derive(Properties, PartialEq)]
pub struct LossesProps {
    pub list: Rc<Vec<(String, u64)>>,
    pub lang: Lang,
}

/// Every loss of acknowledged records, linked to its cause.
#[function_component]
pub fn Losses(props: &LossesProps) -> Html {
    if props.list.is_empty() {
        return html! {};
    }
    html! {
        <section class="losses" data-testid="losses" aria-label={props.lang.text().losses_label}>
            <h2>{props.lang.text().why_lost}</h2>
            <ul>
                { for props.list.iter().map(|(cause, n)| html! { <li><strong>{n}</strong>{format!(" {} ", props.lang.text().acked_records)}{cause}</li> }) }
            </ul>
        </section>
    }
}

/// The props of [`EventLog`].
#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    pub events: Same<Vec<crate::player::LogLine>>,
    pub names: Same<Vec<String>>,
    pub lang: Lang,
}

/// The notable events, newest first: elections, ISR changes, fencing, truncations, losses,
/// duplicates recognised.
#[function_component]
pub fn EventLog(props: &EventLogProps) -> Html {
    let t = props.lang.text();
    html! {
        <section class="events" data-testid="event-log" aria-labelledby="events-title">
            <h2 id="events-title">{t.what_happened}</h2>
            if props.events.0.is_empty() {
                <p class="muted">{t.nothing_yet}</p>
            } else {
                // Newest first, each with its instant: a line keeps its label as others arrive.
                // It scrolls, so it takes the keyboard's focus (the arrows scroll it).
                <ul tabindex="0" aria-label={t.what_happened}>{ for props.events.0.iter().filter_map(|line| {
                    let at = line.event.at.millis();
                    view_model::describe(&line.event, &props.names.0, props.lang).map(|text| (at, text, line.repeats))
                }).map(|(at, text, repeats)| html! {
                    <li>
                        <time>{format!("{at} ms")}</time>{text}
                        if repeats > 1 {
                            <span class="repeats">{crate::i18n::times(props.lang, repeats)}</span>
                        }
                    </li>
                }) }</ul>
            }
        </section>
    }
}
