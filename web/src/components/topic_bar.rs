//! The bar above the stage when the application writes to several topics, or the
//! exactly-once pipeline writes its results to `processed`: which topic the stage shows,
//! the shown topic's partitions, replication factor and `min.insync.replicas` (the first
//! topic's are the panel's, and `processed` is shaped as it), and which groups subscribe
//! to it.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::i18n::Lang;
use crate::params::{SUBSCRIPTION_PARAMS, TOPIC_PARAMS};
use crate::settings::{Settings, PIPELINE_READER, PIPELINE_TOPIC, SHOWN_PIPELINE, TOPIC_NAMES};
use crate::Msg;

/// The props of [`TopicBar`].
#[derive(Properties, PartialEq)]
pub struct TopicBarProps {
    pub settings: Settings,
    pub locked: bool,
    pub lang: Lang,
    pub dispatch: Callback<Msg>,
}

#[function_component]
pub fn TopicBar(props: &TopicBarProps) -> Html {
    let s = &props.settings;
    let t = props.lang.text();
    let pipeline_shown = s.pipeline() && s.shown_topic == SHOWN_PIPELINE;
    let shown = s.shown_topic.min(s.topics.saturating_sub(1)) as usize;
    let tabs = TOPIC_NAMES.iter().take(s.topics as usize).map(|name| {
        let pressed = TOPIC_NAMES[shown] == *name && !pipeline_shown;
        let onclick = props
            .dispatch
            .reform(move |_| Msg::SetParam("topic", (*name).to_string()));
        html! {
            <button data-testid="topic-tab" data-topic={*name} aria-pressed={pressed.to_string()}
                class={classes!(pressed.then_some("primary"))} {onclick}>{*name}</button>
        }
    });
    // A topic after the first: its own three settings, as numbers.
    let shape = shown
        .checked_sub(1)
        .filter(|_| !pipeline_shown)
        .map(|i| (i, s.other_topics[i]));
    let number = |i: usize, k: usize, testid: &'static str, value: u64| {
        let name = TOPIC_PARAMS[i][k];
        let onchange = props.dispatch.reform(move |e: Event| {
            Msg::SetParam(name, e.target_unchecked_into::<HtmlInputElement>().value())
        });
        // Kafka's setting names stay as Kafka writes them, after the topic's name.
        let label = name.split_once('.').map_or(name, |(_, setting)| setting);
        html! {
            <label class="topic-setting">
                <span>{label}</span>
                <input type="number" min="1" data-testid={testid} data-topic={TOPIC_NAMES[i + 1]}
                    value={value.to_string()} disabled={props.locked} {onchange} />
            </label>
        }
    };
    // Each group's application subscribes to the shown topic or not (live); a group keeps
    // at least one topic.
    let group_ids = core::iter::once(kscope_core::config::FIRST_GROUP_ID)
        .chain(kscope_core::config::OTHER_GROUP_IDS)
        .take(if pipeline_shown { 0 } else { s.groups as usize });
    let readers = group_ids.enumerate().map(|(g, id)| {
        let set = s.subscriptions[g].within(s.topics);
        let reads = set.contains(shown as u32);
        let next = set.with(shown as u32, !reads);
        let onchange = props.dispatch.reform(move |_| {
            let next = next.unwrap_or(set);
            Msg::SetParam(SUBSCRIPTION_PARAMS[g], next.name())
        });
        html! {
            <label class="topic-reader" title={format!("{id}: subscribe({})", set.name())}>
                <input type="checkbox" data-testid="group-subscription" data-group={g.to_string()}
                    data-topic={TOPIC_NAMES[shown]} checked={reads}
                    disabled={props.locked || next.is_none()} {onchange} />
                <span>{id}</span>
            </label>
        }
    });
    html! {
        <nav class="topic-bar" aria-label={t.topic_bar} data-testid="topic-bar">
            <span class="label">{t.topic_bar}</span>
            { for tabs }
            // The exactly-once pipeline's output (the full build).
            if s.pipeline() {
                <button data-testid="topic-tab" data-topic={PIPELINE_TOPIC}
                    aria-pressed={pipeline_shown.to_string()}
                    class={classes!(pipeline_shown.then_some("primary"))}
                    onclick={props.dispatch.reform(|_| Msg::SetParam("topic", PIPELINE_TOPIC.to_string()))}>
                    {PIPELINE_TOPIC}
                </button>
            }
            if let Some((i, shape)) = shape {
                { number(i, 0, "topic-partitions", shape.partitions) }
                { number(i, 1, "topic-replication-factor", shape.replication_factor) }
                { number(i, 2, "topic-min-insync-replicas", shape.min_insync_replicas) }
            }
            <span class="topic-readers" role="group" aria-label={t.read_by}>
                <span class="label">{t.read_by}</span>
                { for readers }
                if pipeline_shown {
                    <span class="topic-reader">{PIPELINE_READER}</span>
                }
            </span>
        </nav>
    }
}
