//! The control panel (the sliders and selectors, play, step, share, scenarios) and the
//! caption bar of a scenario being presented.

use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::components::Same;
use crate::i18n::Lang;
use crate::myths::Myth;
use crate::params::{Control, Section, Values, PARAMS};
use crate::scenario::Scenario;
use crate::settings::{self, Settings, SPEEDS};
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
    pub lang: Lang,
    pub dispatch: Callback<Msg>,
    pub scenarios: Same<Vec<Rc<Scenario>>>,
    /// The id of the scenario shown ("" for none).
    pub scenario: String,
    /// The cards of `help/myths.txt`, once fetched (none before).
    pub myths: Same<Vec<Myth>>,
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
                    <button data-testid="next-step" class="primary" disabled={p.index + 1 >= p.total} onclick={p.dispatch.reform(|_| Msg::NextStep)} title={t.step_keys}>{t.next_step}</button>
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

/// The props of [`ParamControl`].
#[derive(Properties, PartialEq)]
pub struct ParamControlProps {
    /// The setting's index in [`PARAMS`].
    pub index: usize,
    /// Its value as text, and what its control shows.
    pub value: String,
    pub shown: String,
    /// The note beside it, if it has one.
    pub note: Option<&'static str>,
    /// Its default in the chosen Kafka release, where that differs from 4.0's.
    pub version_mark: Option<String>,
    pub lang: Lang,
    pub dispatch: Callback<Msg>,
}

/// One setting's control, drawn as its entry of [`PARAMS`] says: a slider, a slider over
/// names, a checkbox or a select. A change is sent as the setting's text.
#[function_component]
pub fn ParamControl(props: &ParamControlProps) -> Html {
    let p = &PARAMS[props.index];
    let name = p.name;
    let label = p.label(props.lang.text());
    let select_ref = use_select_value(props.value.clone());
    let set = move |v: String| Msg::SetParam(name, v);
    let names = match p.values {
        Values::Names(names) => names,
        _ => &[],
    };
    let note = props.note.map(|n| html! { <output>{n}</output> });
    let mark = props.version_mark.clone().map(|m| html! {
        <small class="version-default" data-testid="version-default" data-param={name}>{m}</small>
    });
    match p.control {
        Control::Slider { max, step } => {
            let min = match p.values {
                Values::Int { min, .. } => min,
                _ => 0,
            };
            // The URL may hold more than the slider reaches: the slider stops at its end.
            let value: u64 = props.value.parse().unwrap_or(min).min(max);
            let onchange = props
                .dispatch
                .reform(move |e: Event| set(e.target_unchecked_into::<HtmlInputElement>().value()));
            html! {
                <label class="control">
                    <span class="name">{label}</span>
                    <input type="range" data-testid={p.testid} min={min.to_string()} max={max.to_string()} step={step.to_string()}
                        value={value.to_string()} {onchange} aria-label={label} />
                    // The value itself, also where it lies past the slider's end.
                    <output>{props.value.clone()}</output>
                    { mark }
                </label>
            }
        }
        Control::NameSlider => {
            let index = names.iter().position(|n| *n == props.value).unwrap_or(0);
            let onchange = props.dispatch.reform(move |e: Event| {
                let i: usize = e
                    .target_unchecked_into::<HtmlInputElement>()
                    .value()
                    .parse()
                    .unwrap_or(0);
                set(names.get(i).copied().unwrap_or_default().into())
            });
            html! {
                <label class="control">
                    <span class="name">{label}</span>
                    <input type="range" data-testid={p.testid} min="0" max={(names.len().max(1) - 1).to_string()} step="1"
                        value={index.to_string()} {onchange} aria-label={label} />
                    <output>{props.value.clone()}</output>
                    { mark }
                </label>
            }
        }
        Control::Checkbox => {
            let onchange = props.dispatch.reform(move |e: Event| {
                set(e
                    .target_unchecked_into::<HtmlInputElement>()
                    .checked()
                    .to_string())
            });
            html! {
                <label class="control toggle">
                    <input type="checkbox" data-testid={p.testid} checked={props.shown == "true"} {onchange} />
                    <span>{label}</span>
                    { mark }
                </label>
            }
        }
        Control::Select => {
            let onchange = props.dispatch.reform(move |e: Event| {
                set(e.target_unchecked_into::<HtmlSelectElement>().value())
            });
            html! {
                <label class="control">
                    <span class="name">{label}</span>
                    <select data-testid={p.testid} {onchange} ref={select_ref}>
                        { options(names, &props.value) }
                    </select>
                    { note }
                    { mark }
                </label>
            }
        }
        Control::None => html! {},
    }
}

/// A select's options: `names`, with `value` selected; a value the URL gave that the list
/// does not offer (an assignor list in another order, say) is shown as it is.
pub(crate) fn options(names: &[&'static str], value: &str) -> Html {
    html! {
        <>
            { for names.iter().map(|n| html! {
                <option value={*n} selected={*n == value}>{*n}</option>
            }) }
            if !names.contains(&value) {
                <option value={value.to_string()} selected=true>{value.to_string()}</option>
            }
        </>
    }
}

/// The panel's controls of one section, in the table's order, each followed by the
/// cards of what the books get wrong about it.
fn section(
    section: Section,
    s: &Settings,
    lang: Lang,
    dispatch: &Callback<Msg>,
    myths: &[Myth],
) -> Html {
    let t = lang.text();
    html! {
        { for PARAMS.iter().enumerate().filter(|(_, p)| p.section == section && p.control != Control::None).map(|(index, p)| html! {
            <>
                <ParamControl key={p.name} {index} value={(p.get)(s)} shown={p.shown(s)} note={p.note.map(|n| n(s, t))}
                    version_mark={p.version_defaults(s).map(|(then, now)| crate::i18n::version_default(lang, s.kafka_version.name(), &then, &now))}
                    {lang} dispatch={dispatch.clone()} />
                { myth_cards(myths, Some(p.name), lang, dispatch) }
            </>
        }) }
    }
}

/// The cards shown beside the setting `control` (`None`: the panel's own list).
fn myth_cards(myths: &[Myth], control: Option<&str>, lang: Lang, dispatch: &Callback<Msg>) -> Html {
    let t = lang.text();
    html! {
        { for myths.iter().enumerate().filter(|(_, m)| m.control == control).map(|(i, m)| html! {
            <details class="myth" data-testid="myth" data-myth={m.id.clone()} key={m.id.clone()}>
                <summary><span class="myth-tag">{t.myth}</span>{" "}{m.claim(lang)}</summary>
                <p><strong>{t.myth_fact}</strong>{" "}{m.fact(lang)}</p>
                <button data-testid="myth-try" onclick={dispatch.reform(move |_| Msg::Demonstrate(i))}>{t.myth_try}</button>
            </details>
        }) }
    }
}

/// The control panel: the scenarios, playback, then the cluster's, the producer's and the
/// consumers' settings.
#[function_component]
pub fn Controls(props: &ControlsProps) -> Html {
    let s = &props.settings;
    let t = props.lang.text();
    let link = &props.dispatch;
    let on_speed = link.reform(|e: Event| {
        Msg::SetParam(
            "speed",
            e.target_unchecked_into::<HtmlSelectElement>().value(),
        )
    });
    let on_seed =
        link.reform(|e: Event| Msg::SetSeed(e.target_unchecked_into::<HtmlInputElement>().value()));
    let on_lang = link.reform(|e: Event| {
        Msg::SetParam(
            "lang",
            e.target_unchecked_into::<HtmlSelectElement>().value(),
        )
    });
    // Each select shows the setting's value even after the page (a scenario, a link)
    // changed it: an option's `selected` attribute stops counting once a person has used
    // the select.
    let scenario_ref = use_select_value(props.scenario.clone());
    let speed_ref = use_select_value(settings::speed_name(s.speed).to_string());
    let lang_ref = use_select_value(props.lang.code().to_string());
    let on_text = link.reform(|e: Event| {
        let large = e.target_unchecked_into::<HtmlInputElement>().checked();
        Msg::SetParam("text", (if large { "large" } else { "normal" }).into())
    });
    let on_file = link.reform(|e: Event| {
        let input = e.target_unchecked_into::<HtmlInputElement>();
        let file = input.files().and_then(|f| f.get(0));
        // The same file can be chosen again after it is edited.
        input.set_value("");
        Msg::OpenFile(file)
    });
    // Comparing: `acks:all` starts run B with that setting changed (see `crate::compare`).
    let on_compare = link.reform(|e: Event| {
        Msg::SetParam(
            "compare",
            e.target_unchecked_into::<HtmlInputElement>().value(),
        )
    });
    let on_scenario = link.reform(|e: Event| {
        Msg::PickScenario(e.target_unchecked_into::<HtmlSelectElement>().value())
    });
    html! {
        <aside class="controls" data-testid="controls" aria-label={t.controls_label}>
            // On a phone the two parts go above and below the stage (style.css).
            <div class="controls-main">
            <label class="control scenario-pick">
                <span class="name">{t.scenario}</span>
                <select data-testid="scenario" onchange={on_scenario} ref={scenario_ref}>
                    <option value="" selected={props.scenario.is_empty()}>{t.free_play}</option>
                    { for props.scenarios.0.iter().map(|sc| html! {
                        <option value={sc.id.clone()} selected={sc.id == props.scenario}>{sc.title(props.lang)}</option>
                    }) }
                </select>
                <label class="open-file" title={t.tip("open_file_title")}>
                    <input type="file" accept=".txt,text/plain" data-testid="open-scenario" onchange={on_file} />
                    <span>{t.open_file}</span>
                </label>
            </label>
            <div class="playback">
                <button data-testid="play" class="primary" onclick={link.reform(|_| Msg::TogglePlay)}>
                    { if props.playing { t.pause } else { t.play } }
                </button>
                <button data-testid="step" onclick={link.reform(|_| Msg::Step)} title={t.tip("step_title")}>{t.step}</button>
                <button data-testid="reset" onclick={link.reform(|_| Msg::Reset)}>{t.reset}</button>
                <button data-testid="share" onclick={link.reform(|_| Msg::Share)} title={t.tip("share_title")}>{t.share}</button>
            </div>
            // What the session can be saved as.
            <div class="exports" role="group" aria-label={t.save_as}>
                <span class="name">{t.save_as}</span>
                <button data-testid="export-scenario" onclick={link.reform(|_| Msg::ExportScenario)} title={t.tip("export_scenario_title")}>{t.export_scenario}</button>
                <button data-testid="export-html" onclick={link.reform(|_| Msg::ExportHtml)} title={t.tip("export_html_title")}>{t.export_html}</button>
                <button data-testid="export-svg" onclick={link.reform(|_| Msg::ExportSvg)} title={t.tip("export_svg_title")}>{t.export_svg}</button>
                <button data-testid="export-trace" onclick={link.reform(|_| Msg::ExportTrace)} title={t.tip("export_trace_title")}>{t.export_trace}</button>
            </div>
            <label class="control small compare-pick" title={t.tip("compare_title")}>{t.compare_with}
                <input data-testid="compare" type="text" placeholder="acks:all" size="12" onchange={on_compare}
                    value={s.compare.as_ref().map(|c| c.text()).unwrap_or_default()} />
            </label>
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
            <div class="row2">
                <label class="control small">{t.language}
                    <select data-testid="lang" onchange={on_lang} ref={lang_ref}>
                        { for Lang::ALL.iter().map(|l| html! { <option value={l.code()} selected={*l == props.lang}>{l.name()}</option> }) }
                    </select>
                </label>
                <label class="control small large-text-pick" title={t.tip("text_size_title")}>
                    <input type="checkbox" data-testid="text-size" checked={s.large_text} onchange={on_text} />
                    <span>{t.text_large}</span>
                </label>
            </div>
            </div>
            <div class="controls-settings">
                <h2>{t.cluster}</h2>
                { section(Section::Cluster, s, props.lang, link, &props.myths.0) }
                <h2>{t.producer}</h2>
                { section(Section::Producer, s, props.lang, link, &props.myths.0) }
                <details class="more" data-testid="more-producer">
                    <summary>{t.more_producer}</summary>
                    { section(Section::ProducerMore, s, props.lang, link, &props.myths.0) }
                </details>
                <h2>{t.consumer_group}</h2>
                { section(Section::Consumers, s, props.lang, link, &props.myths.0) }
                <details class="more" data-testid="more-consumer">
                    <summary>{t.more_consumer}</summary>
                    { section(Section::ConsumersMore, s, props.lang, link, &props.myths.0) }
                </details>
                if props.myths.0.iter().any(|m| m.control.is_none()) {
                    <h2>{t.tip("myths_title")}</h2>
                    { myth_cards(&props.myths.0, None, props.lang, link) }
                }
            </div>
        </aside>
    }
}
