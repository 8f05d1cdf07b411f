//! The stage: a column per broker (its header with the failure buttons, the replica
//! cells), the consumer group's column, the consumer cards, the links panel and the
//! legend. The messages in flight are painted on a canvas over it (`browser.rs`).

use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::{use_css, Same};
use crate::i18n::{self, Lang};
use crate::player::Toggle;
use crate::script::Action;
use crate::script::PAGE_LATENCY_MS;
use crate::settings::{self};
use crate::stage::{self, Cell, Column, ConsumerCard, GroupHead, Row, Stage};
use crate::{view_model, Msg};

/// The props of [`StageView`].
#[derive(Properties, PartialEq)]
pub struct StageProps {
    pub stage: Same<Stage>,
    pub lang: Lang,
    /// The run is locked (`controls=lock`): every button that would change it is disabled.
    pub locked: bool,
    pub dispatch: Callback<Msg>,
}

/// The stage: a row per partition, the producer's accumulator and a column per broker.
/// The messages in flight are painted over it on a canvas (`dots.js`), so the stage
/// renders only when its snapshot changes; rows and headers are components of their own,
/// so what did not change is not rendered again. The columns are exactly proportional to
/// their weights (`minmax(0, …fr)`: no column widens for its content), which is where the
/// messages are placed, and spares the browser measuring every cell's content to size them.
#[function_component]
pub fn StageView(props: &StageProps) -> Html {
    let st = &props.stage.0;
    let lang = props.lang;
    // In rem (the design's pixels over 16), so the page's text size scales the stage.
    let rem = |px: f64| settings::fixed(px / 16.0, 4);
    let node = use_node_ref();
    use_css(
        node.clone(),
        vec![
            (
                "grid-template-columns",
                format!(
                    "minmax(0, {}fr) repeat({}, minmax(0, 1fr)) repeat({}, minmax(0, {}fr))",
                    settings::fixed(stage::PRODUCER_WEIGHT, 2),
                    st.columns.len(),
                    st.groups.len().max(1),
                    settings::fixed(stage::GROUP_WEIGHT, 2)
                ),
            ),
            ("grid-template-rows", format!("{}rem", rem(stage::HEAD_PX))),
            ("grid-auto-rows", format!("{}rem", rem(stage::ROW_PX))),
            ("height", format!("{}rem", rem(st.height_px))),
        ],
    );
    let columns = Rc::new(st.columns.clone());
    // ZooKeeper mode: the broker that holds `/controller` (the full build).
    #[cfg(feature = "control_plane")]
    let zookeeper = st.quorum.as_ref().is_some_and(|q| q.zookeeper);
    #[cfg(not(feature = "control_plane"))]
    let zookeeper = false;
    let controller = st
        .quorum
        .as_ref()
        .filter(|_| zookeeper)
        .and_then(|q| q.active)
        .map(|(b, _)| b);
    html! {
        <div class="stage" ref={node} role="region" aria-label={lang.text().stage_label}>
            <div class="head producer-head">
                if crate::view_model::TXN {
                    { producer_title(st.producer_id, st.producer_up, props.locked, lang, &props.dispatch) }
                } else {
                    <strong>{lang.text().producer}</strong>
                }
                <span class="rule fit" data-testid="partitioner-choice">{st.partitioner.text(&st.topic, lang)}</span>
            </div>
            { for st.columns.iter().map(|c| html! { <BrokerHead key={c.id} column={c.clone()} coordinator={st.groups.iter().any(|g| g.coordinator == Some(c.id))} controller={controller == Some(c.id)} {zookeeper} compact={st.columns.len() > 5} locked={props.locked} {lang} dispatch={props.dispatch.clone()} /> }) }
            { for st.groups.iter().map(|g| html! { <GroupHeadView key={g.index} group={g.clone()} several={st.groups.len() > 1} locked={props.locked} {lang} dispatch={props.dispatch.clone()} /> }) }
            { for st.rows.iter().map(|r| html! { <RowView key={r.partition} topic={st.topic.clone()} row={r.clone()} columns={columns.clone()} window={st.log_window} {lang} /> }) }
        </div>
    }
}

/// The producer's title with its crash or restart button and the one that starts a
/// second instance of the application (the page's full build: they come with
/// transactions).
fn producer_title(id: u32, up: bool, locked: bool, lang: Lang, dispatch: &Callback<Msg>) -> Html {
    let t = lang.text();
    let state = if up { "up" } else { "down" };
    html! {
        <div class={classes!("title", state)} data-testid="producer" data-producer={id.to_string()} data-state={state}>
            <strong>{if id == 0 { t.producer.to_string() } else { format!("{} {id}", t.producer) }}</strong>
            <fieldset class="actions" disabled={locked}>
                if up {
                    <button class="danger" data-testid="crash-producer" data-producer={id.to_string()} onclick={dispatch.reform(move |_| Msg::Act(Action::CrashProducer(id)))} title={t.tip("producer_crash_title")}>{t.crash}</button>
                } else {
                    <button data-testid="restart-producer" data-producer={id.to_string()} onclick={dispatch.reform(move |_| Msg::Act(Action::RestartProducer(id)))}>{t.restart}</button>
                }
                <button data-testid="start-producer" onclick={dispatch.reform(|_| Msg::Act(Action::StartProducer))} title={t.tip("start_producer_title")}>{crate::i18n::tr!(lang, "+ instance", "+ 인스턴스")}</button>
            </fieldset>
        </div>
    }
}

/// The props of [`BrokerHead`].
#[derive(Properties, PartialEq)]
pub struct BrokerHeadProps {
    pub column: Column,
    /// It coordinates the consumer group.
    pub coordinator: bool,
    /// It is the controller (ZooKeeper mode).
    #[prop_or_default]
    pub controller: bool,
    /// The cluster runs in ZooKeeper mode: a broker's liveness is its ZooKeeper session.
    #[prop_or_default]
    pub zookeeper: bool,
    /// Many brokers share the width: a short title and the main buttons only (every
    /// link is still in the links panel).
    pub compact: bool,
    pub lang: Lang,
    /// The run is locked (`controls=lock`): every button that would change it is disabled.
    pub locked: bool,
    pub dispatch: Callback<Msg>,
}

/// ZooKeeper mode's mark on the controller broker: the KRaft controller's diamond, since
/// it plays that role (nothing in the first build, which has no ZooKeeper mode).
fn controller_mark(on: bool, lang: Lang) -> Html {
    #[cfg(feature = "control_plane")]
    if on {
        let (name, title) = crate::components::quorum_view::controller_broker_words(lang);
        return html! {
            <span class="controller-broker" data-testid="controller-broker" title={title} aria-label={name}>{" ◆"}</span>
        };
    }
    let _ = (on, lang);
    Html::default()
}

/// ZooKeeper mode's words for a broker that is down: its session lives on, or expired
/// (KRaft's are "not yet fenced" and "fenced"); `None` in KRaft, and in the first build.
fn session_words(zookeeper: bool, up: bool, expired: bool, lang: Lang) -> Option<&'static str> {
    #[cfg(feature = "control_plane")]
    if zookeeper && !up {
        return Some(crate::components::quorum_view::session_words(expired, lang));
    }
    let _ = (zookeeper, up, expired, lang);
    None
}

/// A broker's column header, with its failure buttons.
#[function_component]
pub fn BrokerHead(props: &BrokerHeadProps) -> Html {
    let c = &props.column;
    let d = &props.dispatch;
    let id = c.id;
    let t = props.lang.text();
    let state = if c.up { "up" } else { "down" };
    let status = match (c.up, c.fenced) {
        (true, _) => t.running,
        (false, false) => t.down_not_fenced,
        (false, true) => t.down_fenced,
    };
    let status = session_words(props.zookeeper, c.up, c.fenced, props.lang).unwrap_or(status);
    // Every broker has the same buttons: each names its broker for a screen reader.
    let named = |action: &str| format!("{action} ({} {id})", t.broker);
    let cut = if c.producer_link_cut { t.heal } else { t.cut };
    let isolate = if c.isolated { t.rejoin } else { t.isolate };
    if props.compact {
        let mark = match (c.up, props.coordinator) {
            (false, _) => "✕",
            (true, true) => "◈",
            (true, false) => "",
        };
        return html! {
            <div class={classes!("head", "broker", "compact", state)} data-testid="broker" data-broker={id.to_string()} data-state={state}
                title={format!("{} {id} · {status}{}", t.broker, if props.coordinator { format!(" · {}", t.coordinator) } else { String::new() })}>
                <div class="title">
                    <strong>{format!("b{id}")}</strong>
                    <span class="status coord">{mark}</span>
                </div>
                <fieldset class="actions" disabled={props.locked}>
                    if c.up {
                        <button class="danger" data-testid="crash-broker" onclick={d.reform(move |_| Msg::Act(Action::CrashBroker(id)))} title={t.tip("crash_title")} aria-label={named(t.crash)}>{"✕"}</button>
                    } else {
                        <button data-testid="restart-broker" onclick={d.reform(move |_| Msg::Act(Action::RestartBroker(id)))} title={t.restart} aria-label={named(t.restart)}>{"↻"}</button>
                    }
                    <button data-testid="cut-link" onclick={d.reform(move |_| Msg::Toggle(Toggle::ProducerLink(id)))} title={t.tip("cut_title")} aria-label={named(cut)}>{cut}
                    </button>
                </fieldset>
            </div>
        };
    }
    html! {
        <div class={classes!("head", "broker", state)} data-testid="broker" data-broker={id.to_string()} data-state={state}>
            <div class="title fit">
                <strong>{format!("{} {id}", t.broker)}{ controller_mark(props.controller && c.up, props.lang) }</strong>
                <span class="inflight" title={t.tip("in_flight_title")}>
                    {format!("{}/{} ⇢", c.in_flight, c.max_in_flight)}
                </span>
            </div>

            <div class="state fit">
                <span class="status">{status}</span>
                // Said once a fetch read the disk (until then every answer came from memory,
                // and the line stays short).
                <span class="cache" data-testid="page-cache" data-hits={c.cache_hits.to_string()} data-misses={c.cache_misses.to_string()} title={t.tip("page_cache_title")}>
                    if c.cache_misses > 0 {
                        {format!(" · {} {}%", t.page_cache, c.cache_hits * 100 / (c.cache_hits + c.cache_misses))}
                    }
                </span>
                if props.coordinator && c.up {
                    <span class="coord" data-testid="coordinator" title={t.tip("coordinator_title")}>{format!(" · {}", t.coordinator)}</span>
                }
            </div>
            <fieldset class="actions" disabled={props.locked}>
                if c.up {
                    <button class="danger" data-testid="crash-broker" onclick={d.reform(move |_| Msg::Act(Action::CrashBroker(id)))} title={t.tip("crash_title")} aria-label={named(t.crash)}>{t.crash}</button>
                } else {
                    <button data-testid="restart-broker" onclick={d.reform(move |_| Msg::Act(Action::RestartBroker(id)))} aria-label={named(t.restart)}>{t.restart}</button>
                }
                <button data-testid="cut-link" onclick={d.reform(move |_| Msg::Toggle(Toggle::ProducerLink(id)))} title={t.tip("cut_title")} aria-label={named(cut)}>{cut}
                </button>
                <button data-testid="drop-response" onclick={d.reform(move |_| Msg::Act(Action::DropResponse(id)))} title={t.tip("drop_title")} aria-label={named(t.drop)}>{t.drop}</button>
                <button data-testid="isolate-broker" onclick={d.reform(move |_| Msg::Toggle(Toggle::Isolate(id)))} title={t.tip("isolate_title")} aria-label={named(isolate)}>{isolate}
                </button>
                <button data-testid="slow-broker" onclick={d.reform(move |_| Msg::Toggle(Toggle::Slow(id)))} title={t.tip("slow_title")} aria-label={named(t.slow)}>{t.slow}</button>
                <button class="danger" data-testid="power-off-broker" onclick={d.reform(move |_| Msg::Act(Action::PowerOffBroker(id)))} title={t.tip("power_off_title")} aria-label={named(t.power_off)}>{"↯"}</button>
            </fieldset>
        </div>
    }
}

/// The props of [`RowView`].
#[derive(Properties, PartialEq)]
pub struct RowProps {
    /// The topic's name.
    pub topic: String,
    pub row: Row,
    pub columns: Rc<Vec<Column>>,
    /// The offsets every log bar is drawn against.
    pub window: (i64, i64),
    pub lang: Lang,
}

/// One partition: its accumulator, then its replica on each broker.
#[function_component]
pub fn RowView(props: &RowProps) -> Html {
    let r = &props.row;
    let a = &r.accumulator;
    let t = props.lang.text();
    let fill = use_node_ref();
    use_css(
        fill.clone(),
        vec![(
            "transform",
            format!("scaleX({})", settings::fixed(a.fill, 2)),
        )],
    );
    html! {
        <>
            <div class={classes!("acc", a.sticky.then_some("sticky"))} data-testid="accumulator" data-partition={r.partition.to_string()}>
                <span class="tp fit">
                    <strong>{format!("{}-{}", props.topic, r.partition)}</strong>
                    // Always there, shown when sticky: the line's width does not change with it.
                    <strong class={classes!("sticky-mark", (!a.sticky).then_some("off"))} aria-hidden={(!a.sticky).to_string()}>{"◀"}</strong>
                    <span class="isr" data-testid="isr" title={t.tip("isr_title")}>
                        {format!("{} {{{}}}", t.isr, isr_text(&r.isr))}
                    </span>
                </span>
                <span class="batchbar" title={t.tip("batch_bar_title")}>
                    <span class="fill" ref={fill.clone()}></span>
                </span>
                <span class="meta fit">{format!("{} {} · {} {}", a.queued, t.queued, a.in_flight, t.in_flight)}</span>
                <span class="meta fit">
                    { a.linger_left_ms.map(|l| format!("{} {l} ms", t.linger)).unwrap_or_default() }
                    { if a.linger_left_ms.is_some() && a.next_sequence.is_some() { " · " } else { "" } }
                    { a.next_sequence.map(|s| format!("{} {s}", t.next_seq)).unwrap_or_default() }
                </span>
            </div>
            { for r.cells.iter().zip(props.columns.iter()).map(|(c, col)| cell_view(&props.topic, r, c.as_ref(), col, props.window, props.lang)) }
            { for r.owners.iter().enumerate().map(|(g, o)| html! { <OwnerView key={g} partition={r.partition} group={g as u32} owner={o.clone()} lang={props.lang} /> }) }
        </>
    }
}

/// The ISR as a set: its brokers in order, comma-separated.
fn isr_text(isr: &[u32]) -> String {
    let mut ids = isr.to_vec();
    kscope_core::java::sort_by(&mut ids, |a, b| a < b);
    ids.iter()
        .map(|b| b.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// A consumer's hue, as the CSS that colours its triangle, badge and card reads it.
fn consumer_hue(id: u32) -> (&'static str, String) {
    ("--hue", stage::consumer_hue(id).to_string())
}

/// The props of [`OwnerView`].
#[derive(Properties, PartialEq)]
pub struct OwnerProps {
    pub partition: u32,
    /// The group's place (0 the first).
    pub group: u32,
    pub owner: stage::OwnerCell,
    pub lang: Lang,
}

/// Who of a group owns the row's partition, the group's committed offset and lag.
#[function_component]
pub fn OwnerView(props: &OwnerProps) -> Html {
    let o = &props.owner;
    let t = props.lang.text();
    let badge = use_node_ref();
    use_css(
        badge.clone(),
        o.consumer.map(consumer_hue).into_iter().collect(),
    );
    let text = |v: Option<i64>| v.map_or("–".to_string(), |v| v.to_string());
    if !o.subscribed {
        return html! {
            <div class="owner unowned not-subscribed" data-testid="owner" data-group={props.group.to_string()}
                data-partition={props.partition.to_string()} data-subscribed="false">
                <span class="badge none">{t.not_subscribed}</span>
            </div>
        };
    }
    html! {
        <div class={classes!("owner", o.consumer.is_none().then_some("unowned"))} data-testid="owner"
            data-group={props.group.to_string()}
            data-partition={props.partition.to_string()} data-consumer={o.consumer.map(|c| c.to_string()).unwrap_or_default()}
            data-committed={o.committed.map(|c| c.to_string()).unwrap_or_default()} data-lag={o.lag.map(|c| c.to_string()).unwrap_or_default()}>
            if let Some(c) = o.consumer {
                <span class="badge" ref={badge} title={t.tip("owner_title")}>{format!("▲ c{c}")}</span>
            } else {
                <span class="badge none" title={t.tip("unowned_title")}>{t.unowned}</span>
            }
            <span class="nums fit" data-testid="position" data-position={o.position.map(|c| c.to_string()).unwrap_or_default()}>
                {format!("{} {} · {} {}", t.committed, text(o.committed), t.position, text(o.position))}
            </span>
            if crate::view_model::TXN {
                <span class="nums fit" title={t.tip("consumer_lag_title")} data-testid="consumer-lag" data-lag={o.consumer_lag.map(|c| c.to_string()).unwrap_or_default()}>
                    {crate::i18n::tr!(props.lang, "lag {0} · the consumer's {1}", "랙 {0} · 컨슈머 기준 {1}", text(o.lag), text(o.consumer_lag))}
                </span>
            } else {
                <span class="nums fit" title={t.tip("lag_title")}>{format!("{} {}", t.lag, text(o.lag))}</span>
            }
        </div>
    }
}

/// The props of [`Links`].
#[derive(Properties, PartialEq)]
pub struct LinksProps {
    pub links: Rc<Vec<stage::Link>>,
    pub lang: Lang,
    /// The run is locked (`controls=lock`): every button that would change it is disabled.
    pub locked: bool,
    pub dispatch: Callback<Msg>,
}

/// Every link of the network, to cut or heal one at a time (a cut link loses what is
/// sent over it; see the README).
#[function_component]
pub fn Links(props: &LinksProps) -> Html {
    let d = &props.dispatch;
    let cut = props.links.iter().filter(|l| l.cut).count();
    html! {
        <details class="links" data-testid="links">
            <summary>{format!("{} · {cut} {}", props.lang.text().network_links, props.lang.text().links_cut)}</summary>
            <div class="link-list">
                { for props.links.iter().map(|l| {
                    let (a, b) = (l.a, l.b);
                    html! {
                        <button class={classes!("link", l.cut.then_some("cut"))} data-testid="link" data-a={l.a_name.clone()} data-b={l.b_name.clone()}
                            data-cut={l.cut.to_string()} disabled={props.locked} onclick={d.reform(move |_| Msg::Toggle(Toggle::Link(a, b)))}
                            title={if l.cut { props.lang.text().tip("heal_link_title") } else { props.lang.text().tip("cut_link_title") }}>
                            {format!("{} {} {}", l.a_name, if l.cut { "✂" } else { "⟷" }, l.b_name)}
                        </button>
                    }
                }) }
            </div>
        </details>
    }
}

/// The props of [`GroupHeadView`].
#[derive(Properties, PartialEq)]
pub struct GroupHeadProps {
    pub group: GroupHead,
    /// There are several groups: each says what it processed, and a group after the
    /// first has a button that starts one more member.
    pub several: bool,
    pub locked: bool,
    pub lang: Lang,
    pub dispatch: Callback<Msg>,
}

/// A consumer group's column header.
#[function_component]
pub fn GroupHeadView(props: &GroupHeadProps) -> Html {
    let g = &props.group;
    let t = props.lang.text();
    // Kafka's state names stay as Kafka writes them; kscope's own words are translated.
    let state = match g.state.as_str() {
        "no consumers" => t.no_consumers,
        "creating __consumer_offsets" => t.creating_offsets,
        "no coordinator" => t.no_coordinator,
        other => other,
    };
    let protocol = if g.protocol == "eager" {
        t.eager
    } else {
        t.cooperative
    };
    let index = g.index;
    let add = props
        .dispatch
        .reform(move |_| Msg::Act(Action::AddConsumer(index)));
    let members = crate::i18n::members(props.lang, g.members);
    let param = crate::params::GROUP_ASSIGNOR_PARAMS
        .get((g.index as usize).wrapping_sub(1))
        .copied();
    let on_assignor = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: Event| {
            if let Some(name) = param {
                let value = e
                    .target_unchecked_into::<web_sys::HtmlSelectElement>()
                    .value();
                dispatch.emit(Msg::SetParam(name, value));
            }
        })
    };
    let generation = g
        .generation
        .map(|n| format!(" · {} {n}", t.generation))
        .unwrap_or_default();
    if !props.several {
        return html! {
            <div class="head group-head" data-testid="group" data-group={g.index.to_string()} data-group-id={g.group_id.clone()} data-state={g.state.clone()}>
                <div class="title fit"><strong>{format!("{} {}", t.group, g.group_id)}</strong></div>
                <div class="status fit">
                    {format!("{state}{generation} · {members} · {} {}", t.lag, g.total_lag)}
                </div>
                <div class="meta fit" title={format!("partition.assignment.strategy={}", g.listed)}>
                    {format!("{} · {}", g.assignor, protocol)}
                </div>
            </div>
        };
    }
    // Several groups share the width: shorter lines, the member count on the title.
    html! {
        <div class="head group-head several" data-testid="group" data-group={g.index.to_string()} data-group-id={g.group_id.clone()} data-state={g.state.clone()} data-assignor={g.assignor.clone()}
            title={format!("{} {} · {members} · subscribe({})", t.group, g.group_id, g.subscription)}>
            <div class="title fit group-title">
                <strong>{g.group_id.clone()}</strong>
                if g.index > 0 {
                    <button class="add-member" data-testid="add-consumer" data-group={g.index.to_string()} disabled={props.locked}
                        onclick={add} title={t.add_consumer} aria-label={format!("{} ({})", t.add_consumer, g.group_id)}>{"+"}</button>
                }
            </div>
            <div class="status fit">{format!("{state}{generation}")}</div>
            if g.index > 0 {
                // Each group after the first lists its own assignors (the first's are the
                // panel's `partition.assignment.strategy`); the one chosen is in the title.
                <label class="meta fit group-assignor" title={format!("{} · {}", g.assignor, protocol)}>
                    <select data-testid="group-assignor" data-group={g.index.to_string()} disabled={props.locked}
                        aria-label={format!("partition.assignment.strategy ({})", g.group_id)} onchange={on_assignor}>
                        { crate::components::controls::options(crate::params::ASSIGNORS, &g.listed) }
                    </select>
                    // Kafka's names of the rebalance protocols, short for a narrow column.
                    <span class="protocol">{g.protocol}</span>
                </label>
            } else {
                <div class="meta fit" title={format!("partition.assignment.strategy={}", g.listed)}>
                    {format!("{} · {}", g.assignor, protocol)}
                </div>
            }
            <div class="meta fit">
                <span data-testid="group-processed" data-processed={g.processed.to_string()} data-again={g.again.to_string()}
                    title={format!("{} {} · {} {} · {} {}", t.lag, g.total_lag, t.processed, g.processed, t.again, g.again)}>
                    {format!("{} {} · {} {} · {} {}", t.lag, g.total_lag, t.processed, g.processed, t.again, g.again)}
                </span>
            </div>
        </div>
    }
}

/// The props of [`ConsumerCards`].
#[derive(Properties, PartialEq)]
pub struct ConsumerCardsProps {
    pub cards: Rc<Vec<ConsumerCard>>,
    pub lang: Lang,
    /// The run is locked (`controls=lock`): every button that would change it is disabled.
    pub locked: bool,
    pub dispatch: Callback<Msg>,
}

/// Each consumer process: its state, its partitions, what it processed, and its failure
/// buttons.
#[function_component]
pub fn ConsumerCards(props: &ConsumerCardsProps) -> Html {
    let d = &props.dispatch;
    let t = props.lang.text();
    let state_text = |state: &str| match state {
        "running" => t.state_running,
        "paused" => t.state_paused,
        "crashed" => t.state_crashed,
        "closed" => t.state_closed,
        _ => t.state_failed,
    };
    // Each card's hue, set on it once it is in the page.
    let section = use_node_ref();
    {
        let section = section.clone();
        use_effect(move || {
            let Some(section) = section.cast::<web_sys::Element>() else {
                return;
            };
            let Ok(cards) = section.query_selector_all(".consumer-card[data-consumer]") else {
                return;
            };
            for i in 0..cards.length() {
                let Some(card) = cards
                    .get(i)
                    .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
                else {
                    continue;
                };
                if let Some(id) = card
                    .get_attribute("data-consumer")
                    .and_then(|c| c.parse().ok())
                {
                    let (name, value) = consumer_hue(id);
                    let _ = card.style().set_property(name, &value);
                }
            }
        });
    }
    if props.cards.is_empty() {
        return html! {
            <section class="consumers" aria-label={t.consumers_label}>
                <p class="muted">{t.no_consumers_card}</p>
            </section>
        };
    }
    let several = props.cards.iter().any(|c| c.group > 0);
    html! {
        <section class="consumers" ref={section} aria-label={t.consumers_label}>
            { for props.cards.iter().map(|c| {
                let id = c.id;
                let alive = matches!(c.state, "running" | "paused");
                // Every consumer has the same buttons: each names its consumer.
                let named = |action: &str| format!("{action} (c{id})");
                let pause = if c.state == "paused" { t.resume_consumer } else { t.pause_consumer };
                html! {
                    <div class={classes!("consumer-card", c.state)} data-testid="consumer"
                        data-consumer={id.to_string()} data-group={c.group.to_string()} data-state={c.state}>
                        <div class="title">
                            <span class="shape" aria-hidden="true">{"▲"}</span>
                            <strong>{format!("{} c{id}", t.consumer)}</strong>
                            if c.leader { <span class="leader-tag" title={t.tip("group_leader_title")}>{t.group_leader}</span> }
                            if several { <span class="group-tag">{c.group_id.clone()}</span> }
                        </div>
                        <div class="meta">
                            if alive {
                                {format!("{} · {}", state_text(c.state), c.member_state)}
                                { if c.generation >= 0 { format!(" · {} {}", t.generation, c.generation) } else { String::new() } }
                            } else {
                                {state_text(c.state)}
                            }
                        </div>
                        <div class="meta">
                            { if c.owned.is_empty() { t.owns_nothing.to_string() } else { format!("{} {}", t.owns, c.owned.join(", ")) } }
                        </div>
                        <div class="meta">{format!("{} {} · {} {} · {} {} · {} {}", t.processed, c.consumed, t.redelivered, c.redelivered, t.in_hand, c.processing, t.fetched, c.buffered)}</div>
                        <fieldset class="actions" disabled={props.locked}>
                            if alive && c.topics > 1 {
                                // The application's `subscribe()`: this member alone.
                                <select data-testid="consumer-subscription" data-consumer={id.to_string()}
                                    aria-label={named(t.subscription)} title={format!("{} {}", t.subscription, c.subscription)}
                                    onchange={d.reform(move |e: Event| {
                                        let value = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
                                        let topics = crate::settings::TopicSet::parse(&value).unwrap_or(crate::settings::TopicSet::ORDERS);
                                        Msg::Act(Action::Subscribe(id, topics))
                                    })}>
                                    { crate::components::controls::options(&crate::settings::TopicSet::all(c.topics.into()), &c.subscription) }
                                </select>
                            }
                            if alive {
                                <button class="danger" data-testid="crash-consumer" onclick={d.reform(move |_| Msg::Act(Action::CrashConsumer(id)))} title={t.tip("consumer_crash_title")} aria-label={named(t.crash)}>{t.crash}</button>
                                <button data-testid="pause-consumer" onclick={d.reform(move |_| Msg::Toggle(Toggle::PauseConsumer(id)))} title={t.tip("pause_consumer_title")} aria-label={named(pause)}>{pause}
                                </button>
                            } else {
                                <button data-testid="restart-consumer" onclick={d.reform(move |_| Msg::Act(Action::RestartConsumer(id)))} aria-label={named(t.restart)}>{t.restart}</button>
                            }
                        </fieldset>
                    </div>
                }
            }) }
        </section>
    }
}

pub(crate) fn cell_view(
    topic: &str,
    r: &Row,
    cell: Option<&Cell>,
    col: &Column,
    window: (i64, i64),
    lang: Lang,
) -> Html {
    let t = lang.text();
    let Some(c) = cell else {
        return html! { <div class={classes!("cell", "empty", (!col.up).then_some("down"))}></div> };
    };
    let role = if c.leader { "leader" } else { "follower" };
    let segments = c.segments.len();
    html! {
        <div class={classes!("cell", role, (!c.in_isr).then_some("out-of-sync"), (!col.up).then_some("down"))}
            data-testid="replica" data-topic={topic.to_string()} data-partition={r.partition.to_string()}
            data-broker={c.broker.to_string()} data-role={role} data-in-isr={c.in_isr.to_string()}
            data-leo={c.log_end_offset.to_string()} data-hw={c.high_watermark.to_string()}
            data-lso={c.last_stable_offset.to_string()}
            data-log-start={c.log_start_offset.to_string()} data-segments={segments.to_string()}
            data-recovery-point={c.recovery_point.to_string()} data-on-disk={c.on_disk.to_string()}
            tabindex="0" title={t.tip("log_open_title")}>
            <span class="role fit">
                <span class="shape" aria-hidden="true">{ if c.leader { "★" } else { "●" } }</span>
                { if c.leader { t.leader } else { t.follower } }
                { if c.leader { format!(" · {} {}", t.epoch, r.leader_epoch) } else { String::new() } }
                if !c.in_isr { <span class="out">{format!(" · {}", t.out_of_isr)}</span> }
            </span>
            { log_bar(c, window, lang) }
            <span class="nums fit">{
                if c.last_stable_offset < c.high_watermark {
                    format!("LSO {} · HW {} · LEO {}", c.last_stable_offset, c.high_watermark, c.log_end_offset)
                } else {
                    format!("HW {} · LEO {}", c.high_watermark, c.log_end_offset)
                }
            }</span>
            <span class="nums fit">{format!("{} {} · {}", t.log_start, c.log_start_offset, crate::i18n::segments(lang, segments))}</span>
        </div>
    }
}

/// Width of a log bar's drawing, in its own units (it is stretched to the cell's width).
const BAR_UNITS: f64 = 1000.0;

/// A replica's log drawn against `window` (offsets `from..to`, shared by every bar on the
/// stage): each segment a block, committed (below the high watermark) green and the rest
/// pale blue, a compacted segment paler by the share of offsets it lost; the group's
/// committed offset and the owner's position as marks. An SVG drawn with attributes, not
/// `style`: a strict content policy allows it.
fn log_bar(c: &Cell, window: (i64, i64), lang: Lang) -> Html {
    let t = lang.text();
    let (from, to) = window;
    let span = (to - from).max(1) as f64;
    let x = |o: i64| BAR_UNITS * ((o - from) as f64 / span).clamp(0.0, 1.0);
    let n = |v: f64| settings::fixed(v, 1);
    let (start, hw, leo) = (
        x(c.log_start_offset),
        x(c.high_watermark.max(c.log_start_offset)),
        x(c.log_end_offset),
    );
    // Boundaries closer than this to the last one drawn are not drawn (a long log of small
    // segments would be a grey smear).
    let mut last = f64::NEG_INFINITY;
    let mut boundaries = Vec::new();
    for s in c.segments.iter().skip(1) {
        let b = x(s.base);
        if b - last >= 6.0 && b < leo {
            boundaries.push(b);
            last = b;
        }
    }
    let title = t
        .log_title
        .replace("{start}", &c.log_start_offset.to_string())
        .replace("{hw}", &c.high_watermark.to_string())
        .replace("{leo}", &c.log_end_offset.to_string())
        .replace("{n}", &crate::i18n::segments(lang, c.segments.len()));
    html! {
        <svg class="log" data-testid="log-bar" viewBox={format!("0 0 {} 12", settings::fixed(BAR_UNITS, 0))} preserveAspectRatio="none" role="img" aria-label={title.clone()}>
            <title>{title}</title>
            <rect class="track" x="0" y="3" width={n(BAR_UNITS)} height="6" />
            if hw > start {
                <rect class="committed" x={n(start)} y="1" width={n(hw - start)} height="10" />
            }
            if leo > hw {
                <rect class="uncommitted" x={n(hw)} y="1" width={n(leo - hw)} height="10" />
            }
            { for c.segments.iter().filter_map(|s| s.kept.map(|k| (s, k))).map(|(s, kept)| {
                let lost = 1.0 - kept as f64 / (s.end - s.base).max(1) as f64;
                html! {
                    <rect class="compacted" x={n(x(s.base))} y="1" width={n(x(s.end) - x(s.base))} height="10" fill-opacity={settings::fixed(0.75 * lost, 2)}>
                        <title>{t.compacted_title.replace("{kept}", &kept.to_string()).replace("{span}", &(s.end - s.base).to_string())}</title>
                    </rect>
                }
            }) }
            { for boundaries.iter().map(|b| html! { <line class="boundary" x1={n(*b)} x2={n(*b)} y1="0" y2="12" /> }) }
            if c.on_disk < c.log_end_offset {
                <line class="disk-mark" x1={n(x(c.on_disk))} x2={n(x(c.on_disk))} y1="0" y2="12" />
            }
            if let Some(o) = c.committed {
                <line class="committed-mark" x1={n(x(o))} x2={n(x(o))} y1="0" y2="12" />
            }
            if let Some((o, hue)) = c.position {
                <line class="position-mark" x1={n(x(o))} x2={n(x(o))} y1="0" y2="12" stroke={format!("oklch(50% 0.13 {hue})")} />
            }
        </svg>
    }
}

/// The legend; its count of messages in flight opens the wire view (`open_wire`).
pub(crate) fn legend(
    vm: &view_model::ViewModel,
    window: (i64, i64),
    quorum: bool,
    lang: Lang,
    open_wire: Callback<MouseEvent>,
) -> Html {
    let t = lang.text();
    // The control plane's messages, with a quorum or an ensemble (the full build).
    #[cfg(feature = "control_plane")]
    let control_plane = quorum.then(|| {
        html! {
            <>
            <span><span class="dot control-plane inline"></span>
                {format!(" {}", crate::i18n::tr!(lang, "metadata to and from the control plane", "컨트롤 플레인과 오가는 메타데이터"))}</span>
            <span><span class="dot election inline"></span>
                {format!(" {}", crate::i18n::tr!(lang, "an election in the control plane", "컨트롤 플레인의 선출"))}</span>
            </>
        }
    });
    #[cfg(not(feature = "control_plane"))]
    let control_plane: Option<Html> = quorum.then(Html::default);
    html! {
        <footer class="legend">
            <span class="scale" data-testid="log-scale">
                {t.log_scale.replace("{from}", &window.0.to_string()).replace("{to}", &window.1.to_string())}
            </span>
            <span><span class="shape leader">{"★"}</span>{format!(" {}", t.legend_leader)}</span>
            <span><span class="shape">{"●"}</span>{format!(" {}", t.legend_follower)}</span>
            <span><span class="swatch committed"></span>{format!(" {}", t.legend_committed)}</span>
            <span><span class="swatch uncommitted"></span>{format!(" {}", t.legend_uncommitted)}</span>
            <span><span class="swatch committed"></span><span class="swatch committed"></span>{format!(" {}", t.legend_segments)}</span>
            <span><span class="disk-mark inline"></span>{format!(" {}", t.legend_on_disk)}</span>
            <span><span class="dot produce inline"></span>{format!(" {}", t.legend_produce)}</span>
            <span><span class="dot record inline"></span>{format!(" {}", t.legend_record)}</span>
            <span><span class="dot retry inline"></span>{format!(" {}", t.legend_retry)}</span>
            <span><span class="dot ack inline"></span>{format!(" {}", t.legend_ack)}</span>
            <span><span class="dot fetch-data inline"></span>{format!(" {}", t.legend_replication)}</span>
            <span><span class="dot fetch inline"></span>{format!(" {}", t.legend_fetch)}</span>
            <span><span class="dot consumed inline"></span>{format!(" {}", t.legend_consumed)}</span>
            <span><span class="dot commit inline"></span>{format!(" {}", t.legend_commit)}</span>
            <span><span class="dot control inline"></span>{format!(" {}", t.legend_control)}</span>
            {control_plane}
            <span><span class="shape consumer-shape">{"▲"}</span>{format!(" {} · ", t.legend_consumer)}<span class="group-mark inline"></span>{format!(" {} · ", t.legend_committed_offset)}<span class="group-mark inline position"></span>{format!(" {}", t.legend_position)}</span>
            <span class="muted">
                { match vm.producer_id {
                    None => t.not_idempotent.to_string(),
                    Some(None) => t.waiting_producer_id.to_string(),
                    Some(Some((id, epoch))) => format!("{} {id}, {} {epoch}", t.idempotent_producer, t.epoch),
                } }
                {format!(" · {} · {} {} · ", t.every_link.replace("{}", &PAGE_LATENCY_MS.to_string()), t.seed, vm.seed)}
                <span data-testid="records-in-flight">{vm.records_in_flight}</span>
                {format!(" {} ", t.records_in)}
                <button class="link-button" data-testid="open-wire" onclick={open_wire}>
                    {format!("⇄ {} {}", vm.in_flight_messages, t.messages_in_flight)}
                </button>
            </span>
        </footer>
    }
}

/// The props of [`OffsetsView`].
#[derive(Properties, PartialEq)]
pub struct OffsetsProps {
    pub group_id: String,
    pub offsets: Option<stage::OffsetsPartition>,
    pub lang: Lang,
}

/// The `__consumer_offsets` partition that stores the group: why that one, its replicas,
/// its leader's log, and the group's latest values in it.
#[function_component]
pub fn OffsetsView(props: &OffsetsProps) -> Html {
    let Some(o) = &props.offsets else {
        return html! {};
    };
    let lang = props.lang;
    let t = lang.text();
    let replicas = o
        .replicas
        .iter()
        .map(|(b, in_isr)| {
            let lead = if o.leader == Some(*b) { "★" } else { "●" };
            let out = if *in_isr {
                String::new()
            } else {
                format!(" ({})", t.out_of_isr)
            };
            format!("{lead} {} {b}{out}", t.broker)
        })
        .collect::<Vec<_>>()
        .join(" · ");
    html! {
        <details class="offsets" data-testid="consumer-offsets" data-partition={o.partition.to_string()}>
            <summary>{format!("__consumer_offsets-{} · {}", o.partition, t.offsets_summary)}</summary>
            <p>{i18n::offsets_why(lang, &props.group_id, o.partition, o.partitions, o.leader)}</p>
            <dl>
                <dt>{t.offsets_replicas}</dt>
                <dd>{replicas}</dd>
                <dt>{t.offsets_log}</dt>
                <dd data-testid="offsets-log">{format!("{} {} · HW {} · LEO {} · {}", t.log_start, o.log_start_offset, o.high_watermark, o.log_end_offset, i18n::segments(lang, o.segments))}</dd>
                <dt>{t.offsets_commits}</dt>
                <dd data-testid="offsets-commits">
                    { if o.committed.is_empty() {
                        t.offsets_none.to_string()
                    } else {
                        o.committed.iter().map(|(p, off)| format!("orders-{p} → {off}")).collect::<Vec<_>>().join(" · ")
                    } }
                </dd>
            </dl>
            <p class="meta" data-testid="offsets-metadata">{i18n::offsets_metadata(lang, o.generation, o.members)}</p>
        </details>
    }
}
