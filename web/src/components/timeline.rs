//! The timeline under the stage: the run so far, its notable moments marked in their
//! colours, a slider to go to any instant of it, and a button to step back.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::Same;
use crate::i18n::Lang;
use crate::player::Mark;
use crate::script::format_time;
use crate::Msg;

/// The most marks drawn: more would be a smear, and cost the render.
const DRAWN: usize = 200;

/// The props of [`TimelineBar`].
#[derive(Properties, PartialEq)]
pub struct TimelineBarProps {
    /// The instant shown (or being fast-forwarded to), and the run's furthest.
    pub now_us: u64,
    pub horizon_us: u64,
    pub marks: Same<Vec<Mark>>,
    pub locked: bool,
    pub lang: Lang,
    pub dispatch: Callback<Msg>,
}

#[function_component]
pub fn TimelineBar(props: &TimelineBarProps) -> Html {
    let t = props.lang.text();
    let end = props.horizon_us.max(props.now_us).max(1);
    let on_change = props.dispatch.reform(|e: Event| {
        let v = e.target_unchecked_into::<HtmlInputElement>().value();
        Msg::GoTo(v.parse().unwrap_or(0))
    });
    // Every mark is of a notable kind (the player keeps no other).
    let marks: &[Mark] = &props.marks.0;
    let every = marks.len().div_ceil(DRAWN).max(1);
    html! {
        <div class="timeline-bar">
            <button data-testid="step-back" disabled={props.locked} title={t.tip("step_back_title")}
                onclick={props.dispatch.reform(|_| Msg::StepBack)}>{t.step_back}</button>
            <div class="timeline-track">
                <svg class="timeline-marks" viewBox="0 0 1000 10" preserveAspectRatio="none" aria-hidden="true">
                    { for marks.iter().step_by(every).map(|m| {
                        let x = (m.at_us as f64 / end as f64 * 1000.0).min(998.0);
                        html! {
                            <rect data-testid="timeline-marker" data-kind={m.kind.name()} class={classes!("mark", m.kind.name())}
                                x={crate::settings::fixed(x, 1)} y="0" width="2" height="10">
                                <title>{format!("{} · {}", format_time(m.at_us), match m.said[props.lang as usize].as_str() {
                                    "" => t.mark_kind(m.kind),
                                    said => said,
                                })}</title>
                            </rect>
                        }
                    }) }
                </svg>
                <input type="range" data-testid="timeline" aria-label={t.timeline} disabled={props.locked}
                    min="0" max={end.to_string()} step="1000" value={props.now_us.to_string()} onchange={on_change} />
            </div>
            <output class="timeline-time">{format!("{} / {}", format_time(props.now_us), format_time(end))}</output>
        </div>
    }
}
