//! The control panel (the sliders and selectors, play, step, share, scenarios) and the
//! caption bar of a scenario being presented.

use std::rc::Rc;

use kscope_core::assignor::AssignorKind;
use kscope_core::partitioner::PartitionerKind;
use kscope_core::Acks;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::components::Same;
use crate::i18n::Lang;
use crate::scenario::Scenario;
use crate::settings::{self, Range, Settings, SPEEDS};
use crate::Msg;

/// A select's node, kept showing `value` whenever it (or the options) change.
#[hook]
pub(crate) fn use_select_value(value: String) -> NodeRef {
    let node = use_node_ref();
    {
        let node = node.clone();
        use_effect(move || {
            if let Some(select) = node.cast::<HtmlSelectElement>() {
                if select.value() != value {
                    select.set_value(&value);
                }
            }
        });
    }
    node
}

/// The props of [`Controls`].
#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    pub settings: Settings,
    pub playing: bool,
    /// Whether the producer is idempotent (as Kafka resolved `enable.idempotence`).
    pub idempotent: bool,
    pub lang: Lang,
    pub dispatch: Callback<Msg>,
    pub scenarios: Same<Vec<Rc<Scenario>>>,
    /// The id of the scenario shown ("" for none).
    pub scenario: String,
}

/// The props of [`CaptionBar`].
#[derive(Properties, PartialEq)]
pub struct CaptionBarProps {
    pub title: String,
    pub index: usize,
    pub total: usize,
    pub caption: String,
    /// The instant being fast-forwarded to, if any.
    pub seeking: Option<String>,
    pub ended: bool,
    /// The scenario's stated outcome.
    pub expect: String,
    pub lang: Lang,
    pub dispatch: Callback<Msg>,
}

/// A scenario's current caption, with the steps' navigation a presenter uses.
#[function_component]
pub fn CaptionBar(p: &CaptionBarProps) -> Html {
    let t = p.lang.text();
    let step = t
        .step_of
        .replacen("{}", &(p.index + 1).to_string(), 1)
        .replacen("{}", &p.total.to_string(), 1);
    html! {
        <section class="caption-bar" aria-label={t.scenario}>
            <div class="caption-head">
                <strong class="caption-title">{&p.title}</strong>
                <span class="caption-step" data-testid="caption-step">{step}</span>
                <span class="caption-nav">
                    <button data-testid="prev-step" disabled={p.index == 0} onclick={p.dispatch.reform(|_| Msg::PrevStep)} title={t.step_keys}>{t.prev_step}</button>
                    <button data-testid="next-step" class="primary" onclick={p.dispatch.reform(|_| Msg::NextStep)} title={t.step_keys}>{t.next_step}</button>
                </span>
            </div>
            <p class="caption" data-testid="caption" aria-live="polite">{&p.caption}</p>
            if let Some(at) = &p.seeking {
                <p class="caption-note" data-testid="seeking">{t.fast_forward.replace("{}", at)}</p>
            } else if p.ended {
                <p class="caption-note" data-testid="scenario-ended">{t.scenario_over}</p>
            }
            if !p.expect.is_empty() {
                <p class="caption-expect">{format!("{}: {}", t.expected, p.expect)}</p>
            }
        </section>
    }
}

/// The control panel: playback, then the cluster's and the producer's settings.
#[function_component]
pub fn Controls(props: &ControlsProps) -> Html {
    let s = &props.settings;
    let t = props.lang.text();
    let link = &props.dispatch;
    let slider = |testid: &'static str,
                  label: &'static str,
                  r: Range,
                  value: u64,
                  step: u64,
                  set: fn(&mut Settings, u64)| {
        let onchange = link.reform(move |e: Event| {
            let v: u64 = e
                .target_unchecked_into::<HtmlInputElement>()
                .value()
                .parse()
                .unwrap_or(r.default);
            Msg::Set(Box::new(move |s: &mut Settings| set(s, v)))
        });
        html! {
            <label class="control">
                <span class="name">{label}</span>
                <input type="range" data-testid={testid} min={r.min.to_string()} max={r.max.to_string()} step={step.to_string()}
                    value={value.to_string()} {onchange} aria-label={label} />
                <output>{value}</output>
            </label>
        }
    };
    let acks_value = match s.acks {
        Acks::None => 0,
        Acks::Leader => 1,
        Acks::All => 2,
    };
    let on_acks = link.reform(|e: Event| {
        let v = e.target_unchecked_into::<HtmlInputElement>().value();
        let acks = match v.as_str() {
            "0" => Acks::None,
            "1" => Acks::Leader,
            _ => Acks::All,
        };
        Msg::Set(Box::new(move |s: &mut Settings| s.acks = acks))
    });
    let idempotent = props.idempotent;
    let on_idem = link.reform(|e: Event| {
        let on = e.target_unchecked_into::<HtmlInputElement>().checked();
        Msg::Set(Box::new(move |s: &mut Settings| {
            s.enable_idempotence = Some(on)
        }))
    });
    let on_unclean = link.reform(|e: Event| {
        let on = e.target_unchecked_into::<HtmlInputElement>().checked();
        Msg::Set(Box::new(move |s: &mut Settings| {
            s.unclean_leader_election_enable = on
        }))
    });
    let on_partitioner = link.reform(|e: Event| {
        let v = e.target_unchecked_into::<HtmlSelectElement>().value();
        let p = PartitionerKind::parse(&v).unwrap_or_default();
        Msg::Set(Box::new(move |s: &mut Settings| s.partitioner = p))
    });
    let on_speed = link.reform(|e: Event| {
        let v = settings::parse_speed(&e.target_unchecked_into::<HtmlSelectElement>().value())
            .unwrap_or(1.0);
        Msg::Set(Box::new(move |s: &mut Settings| s.speed = v))
    });
    let on_seed =
        link.reform(|e: Event| Msg::SetSeed(e.target_unchecked_into::<HtmlInputElement>().value()));
    let on_lang = link.reform(|e: Event| {
        let v = e.target_unchecked_into::<HtmlSelectElement>().value();
        let lang = Lang::parse(&v);
        Msg::Set(Box::new(move |s: &mut Settings| s.lang = lang))
    });
    let on_assignor = link.reform(|e: Event| {
        let v = e.target_unchecked_into::<HtmlSelectElement>().value();
        let a = settings::parse_assignor(&v).unwrap_or(AssignorKind::Range);
        Msg::Set(Box::new(move |s: &mut Settings| s.assignor = a))
    });
    // Each select shows the setting's value even after the page (a scenario, a link)
    // changed it: an option's `selected` attribute stops counting once a person has used
    // the select.
    let scenario_ref = use_select_value(props.scenario.clone());
    let speed_ref = use_select_value(settings::speed_name(s.speed).to_string());
    let lang_ref = use_select_value(props.lang.code().to_string());
    let partitioner_ref = use_select_value(s.partitioner.name().to_string());
    let assignor_ref = use_select_value(s.assignor.name().to_string());
    let on_file = link.reform(|e: Event| {
        let input = e.target_unchecked_into::<HtmlInputElement>();
        let file = input.files().and_then(|f| f.get(0));
        // The same file can be chosen again after it is edited.
        input.set_value("");
        Msg::OpenFile(file)
    });
    let on_scenario = link.reform(|e: Event| {
        Msg::PickScenario(e.target_unchecked_into::<HtmlSelectElement>().value())
    });
    html! {
        <aside class="controls" data-testid="controls" aria-label="controls">
            <label class="control scenario-pick">
                <span class="name">{t.scenario}</span>
                <select data-testid="scenario" onchange={on_scenario} ref={scenario_ref}>
                    <option value="" selected={props.scenario.is_empty()}>{t.free_play}</option>
                    { for props.scenarios.0.iter().map(|sc| html! {
                        <option value={sc.id.clone()} selected={sc.id == props.scenario}>{sc.title(props.lang)}</option>
                    }) }
                </select>
                <label class="open-file" title={t.open_file_title}>
                    <input type="file" accept=".txt,text/plain" data-testid="open-scenario" onchange={on_file} />
                    <span>{t.open_file}</span>
                </label>
            </label>
            <div class="playback">
                <button data-testid="play" class="primary" onclick={link.reform(|_| Msg::TogglePlay)}>
                    { if props.playing { t.pause } else { t.play } }
                </button>
                <button data-testid="step" onclick={link.reform(|_| Msg::Step)} title={t.step_title}>{t.step}</button>
                <button data-testid="reset" onclick={link.reform(|_| Msg::Reset)}>{t.reset}</button>
                <button data-testid="share" onclick={link.reform(|_| Msg::Share)} title={t.share_title}>{t.share}</button>
            </div>
            <div class="row2">
                <label class="control small">{t.speed}
                    <select data-testid="speed" onchange={on_speed} ref={speed_ref}>
                        { for SPEEDS.iter().zip(settings::SPEED_NAMES).map(|(v, name)| html! { <option value={*name} selected={*v == s.speed}>{format!("{name}×")}</option> }) }
                    </select>
                </label>
                <label class="control small">{t.seed}
                    <input data-testid="seed" type="text" inputmode="numeric" value={s.seed.to_string()} onchange={on_seed} size="6" />
                </label>
            </div>
            <label class="control small">{t.language}
                <select data-testid="lang" onchange={on_lang} ref={lang_ref}>
                    { for Lang::ALL.iter().map(|l| html! { <option value={l.code()} selected={*l == props.lang}>{l.name()}</option> }) }
                </select>
            </label>
            <h3>{t.cluster}</h3>
            { slider("brokers", t.brokers, settings::BROKERS, s.brokers, 1, |s, v| s.brokers = v) }
            { slider("partitions", t.partitions, settings::PARTITIONS, s.partitions, 1, |s, v| s.partitions = v) }
            { slider("replication-factor", "replication.factor", settings::REPLICATION_FACTOR, s.replication_factor, 1, |s, v| s.replication_factor = v) }
            { slider("min-insync-replicas", "min.insync.replicas", settings::MIN_INSYNC_REPLICAS, s.min_insync_replicas, 1, |s, v| s.min_insync_replicas = v) }
            <label class="control toggle">
                <input type="checkbox" data-testid="unclean" checked={s.unclean_leader_election_enable} onchange={on_unclean} />
                <span>{"unclean.leader.election.enable"}</span>
            </label>
            <h3>{t.producer}</h3>
            <label class="control">
                <span class="name">{"acks"}</span>
                <input type="range" data-testid="acks" min="0" max="2" step="1" value={acks_value.to_string()} onchange={on_acks} aria-label="acks" />
                <output>{s.acks.name()}</output>
            </label>
            { slider("batch-size", "batch.size", Range { max: 262_144, ..settings::BATCH_SIZE }, s.batch_size.min(262_144), 1024, |s, v| s.batch_size = v) }
            { slider("linger-ms", "linger.ms", settings::LINGER_MS, s.linger_ms, 1, |s, v| s.linger_ms = v) }
            { slider("max-in-flight", "max.in.flight.requests.per.connection", settings::MAX_IN_FLIGHT, s.max_in_flight, 1, |s, v| s.max_in_flight = v) }
            <label class="control toggle">
                <input type="checkbox" data-testid="idempotence" checked={idempotent} onchange={on_idem} />
                <span>{"enable.idempotence"}</span>
            </label>
            <label class="control">
                <span class="name">{"partitioner"}</span>
                <select data-testid="partitioner" onchange={on_partitioner} ref={partitioner_ref}>
                    { for [PartitionerKind::BuiltIn, PartitionerKind::RoundRobin, PartitionerKind::UniformSticky, PartitionerKind::LegacyDefault].iter().map(|p| html! {
                        <option value={p.name()} selected={*p == s.partitioner}>{p.name()}</option>
                    }) }
                </select>
            </label>
            { slider("rate", t.records_per_s, Range { max: 5_000, ..settings::RATE }, s.rate.min(5_000), 10, |s, v| s.rate = v) }
            { slider("keys", t.distinct_keys, Range { max: 64, ..settings::KEYS }, s.keys.min(64), 1, |s, v| s.keys = v) }
            <h3>{t.consumer_group}</h3>
            { slider("consumers", t.consumers, settings::CONSUMERS, s.consumers, 1, |s, v| s.consumers = v) }
            <label class="control">
                <span class="name">{"partition.assignment.strategy"}</span>
                <select data-testid="assignor" onchange={on_assignor} ref={assignor_ref}>
                    { for AssignorKind::ALL.iter().map(|a| html! {
                        <option value={a.name()} selected={*a == s.assignor}>{a.name()}</option>
                    }) }
                </select>
                <output>{ match s.assignor.protocol() { kscope_core::assignor::RebalanceProtocol::Eager => t.eager, kscope_core::assignor::RebalanceProtocol::Cooperative => t.cooperative } }</output>
            </label>
            { slider("consumer-rate", t.consumer_rate, Range { max: 5_000, ..settings::CONSUMER_RATE }, s.consumer_rate.min(5_000), 10, |s, v| s.consumer_rate = v) }
        </aside>
    }
}
