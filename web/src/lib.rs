//! kscope-web: the browser page. It renders kscope-core's state and dispatches commands to
//! it; it never changes the simulation any other way. The simulation's clock is advanced
//! from the browser's animation frames at the chosen speed: the core itself reads no clock.
//!
//! - [`settings`]: the sliders' values and the page's URL;
//! - [`stage`]: the stage's view model (partitions by brokers, messages in flight);
//! - [`view_model`]: the readouts (ledger, time) as a pure function of the simulation;
//! - [`App`]: the component that owns the simulation, the play loop and the controls.

pub mod charts;
pub mod i18n;
pub mod scenario;
pub mod script;
pub mod settings;
pub mod share;
pub mod stage;
pub mod view_model;

mod browser;
pub mod components;

use std::rc::Rc;

use gloo::events::EventListener;
use kscope_core::{BrokerId, ConsumerId, Duration, Instant, NodeId, Sim};
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, KeyboardEvent};
use yew::prelude::*;

use i18n::Lang;
use scenario::{Scenario, Timeline};
use script::Action;
use settings::Settings;
use share::Session;
use stage::{Dot, Stage};

use browser::{
    browser_lang, load_scenarios, query, reduced_motion, write_url, DotsPainter, FrameLoop,
};
use components::stage_view::legend;
use components::{
    CaptionBar, Charts, ConsumerCards, Controls, EventLog, Links, Losses, Readouts, Same, StageView,
};

/// The stage is drawn at most this often (wall milliseconds): 30 frames a second are
/// smooth for dots moving a few pixels a frame, and halve the browser's work per second.
pub(crate) const MIN_FRAME_MS: f64 = 30.0;
/// A gap between frames longer than this (a background tab) is not replayed.
const MAX_GAP_MS: f64 = 250.0;
/// The most messages drawn at once: under load the stage draws fewer, never freezes.
pub const MAX_DOTS: usize = 250;
/// The most records drawn leaving the application at once.
pub const MAX_SENDS: usize = 60;
/// How many lines the event log keeps.
const LOG_LINES: usize = 12;
/// How often the stage's matrix and the readouts are refreshed while playing, in wall
/// milliseconds: four times a second is as fast as changing numbers can be read, and
/// each refresh costs the browser a layout and a paint of the stage (with 24 partitions
/// on 5 brokers, about as much main-thread time as all the frames between two refreshes).
const SNAPSHOT_MS: f64 = 250.0;
/// The most recent records the throughput and latency readouts look at.
const RATE_SCAN: usize = 25_000;
/// The most records a run keeps: the simulation remembers every record's fate (the
/// ledger, about 170 bytes a record with the logs), so at 20,000 records/s a run grows by
/// about 200 MB a simulated minute. Past this (about 1 GB) the page pauses with a notice
/// instead of letting the tab run out of memory.
pub const RECORD_LIMIT: usize = 6_000_000;
/// Fast-forwarding works at most this long per frame, in wall milliseconds, so the page
/// never freezes however far a link or a step asks it to go.
const SEEK_BUDGET_MS: f64 = 12.0;
/// Fast-forwarding advances the clock in slices this long (simulated microseconds).
const SEEK_SLICE_US: u64 = 20_000;

pub use script::PAGE_LATENCY_MS;

/// What the page can ask of the simulation.
pub enum Msg {
    Frame(f64),
    TogglePlay,
    Step,
    Reset,
    Set(Box<dyn FnOnce(&mut Settings)>),
    SetSeed(String),
    Crash(u32),
    Restart(u32),
    Isolate(u32),
    ToggleProducerLink(u32),
    DropNextResponse(u32),
    SlowBroker(u32),
    CrashConsumer(u32),
    RestartConsumer(u32),
    TogglePauseConsumer(u32),
    /// Cuts or heals the link between two nodes.
    ToggleLink(NodeId, NodeId),
    /// The scenario files arrived (the good ones, and a message for each bad one).
    ScenariosLoaded(Vec<Scenario>, Vec<String>),
    /// Starts the scenario with this id ("" leaves scenarios).
    PickScenario(String),
    NextStep,
    PrevStep,
    /// A key pressed outside a form field.
    Key(String),
    Share,
    CloseShare,
    /// A scenario file chosen from the person's disk.
    OpenFile(Option<web_sys::File>),
    /// Its text, read.
    FileRead(String, Result<String, String>),
    /// The embedded page's scale changed: draw it at the new scale.
    Refit,
    /// The window was resized: fit the embedded page to it afresh.
    Resized,
}

/// Where fast-forwarding goes, and what happens there.
#[derive(Clone, Copy, Debug)]
struct Seek {
    to_us: u64,
    /// Play on from there until `hold_us` (presenting a step), or stay paused.
    then_play_until: Option<u64>,
}

/// The page.
pub struct App {
    settings: Settings,
    sim: Sim,
    playing: bool,
    last_frame_ms: Option<f64>,
    /// Messages for the user: refused commands, bad URL parameters, Kafka's errors.
    notices: Vec<String>,
    /// Sends a message to the app; made once, so components given it keep equal props.
    dispatch: Callback<Msg>,
    /// Throughput and latency, recomputed four times a second of wall time.
    rates: view_model::Rates,
    rates_at_ms: f64,
    /// The losses by cause, recomputed when the count of losses changes.
    losses: Rc<Vec<(String, u64)>>,
    losses_counted: u64,
    /// The readouts and the stage's matrix as last drawn, and when (wall milliseconds);
    /// `None` redraws them at the next render.
    snapshot: Option<(view_model::ViewModel, Rc<Stage>)>,
    snapshot_at_ms: f64,
    /// The last notable events, newest first.
    log: Rc<Vec<kscope_core::TimedEvent>>,
    /// The reader prefers reduced motion (read once, when the page opens).
    reduced_motion: bool,
    /// The topics' names, for the event log.
    names: Rc<Vec<String>>,
    /// The language the losses were written in.
    losses_lang: Lang,
    /// The settings the current run started from (live changes since are in `person`).
    run_settings: Settings,
    /// The built-in scenarios, once loaded.
    scenarios: Rc<Vec<Rc<Scenario>>>,
    /// The scenario being shown.
    scenario: Option<Rc<Scenario>>,
    /// The scenario's actions and a replayed link's, carried out as the clock passes them.
    timeline: Timeline,
    /// What the person did in this run, each with its instant: what a share link holds.
    person: Vec<(u64, Action)>,
    seek: Option<Seek>,
    /// Pauses when the clock reaches this instant (the end of a step being presented).
    hold_us: Option<u64>,
    /// The session the page's URL asked for, until the scenarios it names have loaded.
    pending: Option<Session>,
    /// The link the share button made.
    share_link: Option<String>,
    /// The canvas the messages in flight are drawn on, and its painter (made for the
    /// canvas element it holds; a new element gets a new painter).
    dots_canvas: NodeRef,
    painter: Option<(web_sys::HtmlCanvasElement, DotsPainter)>,
    /// The count of messages the canvas's `data-count` shows.
    dots_count: Option<usize>,
    /// The page's root element, and the scale that fits it into an embedding frame.
    app_ref: NodeRef,
    fit_scale: f64,
    /// The charts' samples (replaced, not changed, when a sample is added).
    series: Rc<charts::Series>,
    /// Whether a scenario is being presented (read by the keyboard listener).
    presenting: Rc<std::cell::Cell<bool>>,
    /// The animation-frame loop (see [`FrameLoop`]).
    frames: FrameLoop,
    _keys: Option<EventListener>,
    _resize: Option<EventListener>,
}

use script::build;

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let (mut settings, mut problems) = Settings::from_query(&query());
        let (session, more) = Session::from_query(&query());
        problems.extend(more);
        let lang = settings.lang.unwrap_or_else(browser_lang);
        let mut notices: Vec<String> = problems.iter().map(|p| p.text(lang)).collect();
        let sim = match build(&settings) {
            Ok(sim) => sim,
            Err(e) => {
                notices.push(i18n::using_defaults(lang, &e));
                settings = Settings::default();
                build(&settings).expect("the defaults are valid")
            }
        };
        let link = ctx.link().clone();
        let presenting = Rc::new(std::cell::Cell::new(false));
        let keys_presenting = presenting.clone();
        let keys = web_sys::window().map(|w| {
            // Not passive: the page takes the keys it uses from the browser (no scrolling).
            let options = gloo::events::EventListenerOptions::enable_prevent_default();
            EventListener::new_with_options(&w, "keydown", options, move |e| {
                let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
                    return;
                };
                let in_field = e
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .is_some_and(|el| {
                        matches!(
                            el.tag_name().as_str(),
                            "INPUT" | "SELECT" | "TEXTAREA" | "BUTTON"
                        )
                    });
                if in_field {
                    return;
                }
                let key = e.key();
                // Presenting a scenario, the keys a slide remote sends step through its
                // captions; otherwise space plays and pauses and → steps one event.
                let ours = if keys_presenting.get() {
                    matches!(
                        key.as_str(),
                        " " | "PageDown"
                            | "PageUp"
                            | "ArrowRight"
                            | "ArrowLeft"
                            | "ArrowDown"
                            | "ArrowUp"
                    )
                } else {
                    matches!(key.as_str(), " " | "ArrowRight")
                };
                if ours && !e.ctrl_key() && !e.alt_key() && !e.meta_key() {
                    e.prevent_default();
                    link.send_message(Msg::Key(key));
                }
            })
        });
        let autoplay = settings.autoplay;
        ctx.link().send_future(async {
            let (good, bad) = load_scenarios().await;
            Msg::ScenariosLoaded(good, bad)
        });
        let mut app = App {
            run_settings: settings.clone(),
            settings,
            sim,
            playing: autoplay,
            last_frame_ms: None,
            notices,
            dispatch: ctx.link().callback(|m| m),
            rates: view_model::Rates {
                records_per_s: 0.0,
                latency_p50_ms: None,
                latency_p99_ms: None,
            },
            rates_at_ms: 0.0,
            losses: Rc::new(Vec::new()),
            losses_counted: 0,
            snapshot: None,
            snapshot_at_ms: 0.0,
            log: Rc::new(Vec::new()),
            names: Rc::new(Vec::new()),
            reduced_motion: reduced_motion(),
            losses_lang: Lang::En,
            scenarios: Rc::new(Vec::new()),
            scenario: None,
            timeline: Timeline::default(),
            person: Vec::new(),
            seek: None,
            hold_us: None,
            pending: None,
            share_link: None,
            presenting,
            series: Rc::new(charts::Series::default()),
            dots_canvas: NodeRef::default(),
            painter: None,
            dots_count: None,
            app_ref: NodeRef::default(),
            fit_scale: 1.0,
            frames: FrameLoop::new(ctx.link().clone()),
            _keys: keys,
            _resize: web_sys::window().map(|w| {
                let link = ctx.link().clone();
                EventListener::new(&w, "resize", move |_| link.send_message(Msg::Resized))
            }),
        };
        if session.scenario.is_some() {
            // Started once the scenario files have loaded.
            app.playing = false;
            app.pending = Some(session);
        } else if !session.run.is_empty() || session.at_us.is_some() {
            app.start_replay(None, session);
        }
        app.write_url();
        app.refresh_snapshot();
        app.frames.request();
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        if !matches!(msg, Msg::Frame(_)) {
            // Anything but the clock shows at once.
            self.snapshot = None;
        }
        let render = match msg {
            Msg::Frame(ts) => {
                self.frames.request();
                let elapsed = self
                    .last_frame_ms
                    .map_or(0.0, |t| (ts - t).clamp(0.0, MAX_GAP_MS));
                self.last_frame_ms = Some(ts);
                if let Some(seek) = self.seek {
                    self.seek_some(seek);
                    self.snapshot = None;
                    self.refresh_snapshot();
                    return true;
                }
                if !self.playing {
                    return false;
                }
                let now = self.sim.now().micros();
                let mut to = now + (elapsed * self.settings.speed * 1000.0) as u64;
                // A presented step, or the scenario, ends here: hold the picture.
                let end = self
                    .scenario
                    .as_ref()
                    .map(|s| s.end_us)
                    .filter(|e| now < *e);
                if let Some(stop) = self.hold_us.into_iter().chain(end).min() {
                    if to >= stop {
                        to = stop;
                        self.playing = false;
                        self.hold_us = None;
                    }
                }
                let step = self.step_index();
                self.advance_to(to);
                self.hold_at_record_limit();
                if self.step_index() != step {
                    // The caption changed: the URL follows, so a reload keeps the step.
                    self.write_url();
                }
                if ts - self.snapshot_at_ms >= SNAPSHOT_MS || !self.playing {
                    self.snapshot_at_ms = ts;
                    self.snapshot = None;
                }
                if ts - self.rates_at_ms > 250.0 {
                    self.rates_at_ms = ts;
                    self.rates = view_model::rates(&self.sim, 1_000, RATE_SCAN);
                }
                if self.snapshot.is_some() {
                    // Only the messages moved: draw them, and leave the page's DOM alone.
                    self.draw_dots();
                    return false;
                }
                true
            }
            Msg::TogglePlay => {
                self.playing = !self.playing;
                self.hold_us = None;
                true
            }
            Msg::Step => {
                self.playing = false;
                self.hold_us = None;
                // An action of the timeline due before the next event runs first.
                match (self.timeline.next_at(), self.sim.poll_at()) {
                    (Some(t), Some(p)) if t <= p.micros() => self.advance_to(t),
                    (Some(t), None) => self.advance_to(t),
                    _ => {
                        self.sim.step_one();
                        self.take_events();
                    }
                }
                true
            }
            Msg::Reset => {
                match self.scenario.clone() {
                    Some(sc) => self.start_scenario(sc, None),
                    None => self.restart(),
                }
                true
            }
            Msg::Set(change) => {
                let mut next = self.settings.clone();
                change(&mut next);
                self.apply_settings(next);
                true
            }
            Msg::SetSeed(text) => {
                match text.trim().parse::<u64>() {
                    Ok(seed) => {
                        let mut next = self.settings.clone();
                        next.seed = seed;
                        self.apply_settings(next);
                    }
                    Err(_) => self.notices = vec![i18n::bad_seed(self.lang(), self.settings.seed)],
                }
                true
            }
            Msg::Crash(b) => self.act(Action::CrashBroker(b)),
            Msg::Isolate(b) => {
                let me = NodeId::Broker(BrokerId(b));
                let isolated = self
                    .sim
                    .brokers()
                    .keys()
                    .filter(|o| o.0 != b)
                    .all(|o| self.sim.network().is_cut(me, NodeId::Broker(*o)));
                self.act(if isolated {
                    Action::ReconnectBroker(b)
                } else {
                    Action::IsolateBroker(b)
                })
            }
            Msg::Restart(b) => self.act(Action::RestartBroker(b)),
            Msg::ToggleProducerLink(b) => Component::update(
                self,
                ctx,
                Msg::ToggleLink(NodeId::Producer, NodeId::Broker(BrokerId(b))),
            ),
            Msg::DropNextResponse(b) => self.act(Action::DropResponse(b)),
            Msg::ToggleLink(a, b) => self.act(if self.sim.network().is_cut(a, b) {
                Action::HealLink(a, b)
            } else {
                Action::CutLink(a, b)
            }),
            Msg::CrashConsumer(c) => self.act(Action::CrashConsumer(c)),
            Msg::RestartConsumer(c) => self.act(Action::RestartConsumer(c)),
            Msg::TogglePauseConsumer(c) => {
                let paused = self
                    .sim
                    .consumers()
                    .get(&ConsumerId(c))
                    .is_some_and(|c| c.paused);
                self.act(if paused {
                    Action::ResumeConsumer(c)
                } else {
                    Action::PauseConsumer(c)
                })
            }
            Msg::SlowBroker(b) => {
                let me = NodeId::Broker(BrokerId(b));
                let slow = self.sim.brokers().keys().any(|o| {
                    o.0 != b
                        && self.sim.network().latency(me, NodeId::Broker(*o))
                            > Duration::from_millis(PAGE_LATENCY_MS)
                });
                self.act(if slow {
                    Action::UnslowBroker(b)
                } else {
                    Action::SlowBroker(b)
                })
            }
            Msg::ScenariosLoaded(good, bad) => {
                // Files opened from disk before the built-ins arrived stay in the list.
                let mut list: Vec<Rc<Scenario>> = good.into_iter().map(Rc::new).collect();
                list.extend(
                    self.scenarios
                        .iter()
                        .filter(|o| list.iter().all(|b| b.id != o.id))
                        .cloned()
                        .collect::<Vec<_>>(),
                );
                self.scenarios = Rc::new(list);
                self.notices.extend(bad);
                if let Some(session) = self.pending.take() {
                    let id = session.scenario.clone().unwrap_or_default();
                    match self.scenarios.iter().find(|s| s.id == id).cloned() {
                        Some(sc) => self.start_scenario(sc, Some(session)),
                        None => {
                            self.notices.push(i18n::no_scenario(self.lang(), &id));
                            self.playing = self.settings.autoplay;
                            self.start_replay(
                                None,
                                Session {
                                    scenario: None,
                                    ..session
                                },
                            );
                        }
                    }
                }
                true
            }
            Msg::PickScenario(id) => {
                match self.scenarios.iter().find(|s| s.id == id).cloned() {
                    Some(sc) => self.start_scenario(sc, None),
                    None => {
                        self.scenario = None;
                        self.presenting.set(false);
                        self.timeline = Timeline::default();
                        self.hold_us = None;
                        self.write_url();
                    }
                }
                true
            }
            Msg::NextStep | Msg::PrevStep => {
                let forward = matches!(msg, Msg::NextStep);
                self.present_step(forward);
                true
            }
            Msg::Key(key) => {
                if self.scenario.is_some() {
                    let forward =
                        matches!(key.as_str(), " " | "PageDown" | "ArrowRight" | "ArrowDown");
                    self.present_step(forward);
                } else if key == " " {
                    return Component::update(self, ctx, Msg::TogglePlay);
                } else {
                    return Component::update(self, ctx, Msg::Step);
                }
                true
            }
            Msg::Share => {
                self.share_link = Some(self.share_url());
                true
            }
            Msg::CloseShare => {
                self.share_link = None;
                true
            }
            Msg::Refit => true,
            Msg::OpenFile(None) => true,
            Msg::OpenFile(Some(file)) if file.size() > scenario::MAX_FILE_BYTES as f64 => {
                // Not read at all past the parser's limit.
                self.notices = vec![format!(
                    "{} is larger than a scenario file may be ({} bytes).",
                    file.name(),
                    scenario::MAX_FILE_BYTES
                )];
                true
            }
            Msg::OpenFile(Some(file)) => {
                let name = file.name();
                ctx.link().send_future(async move {
                    let text = wasm_bindgen_futures::JsFuture::from(file.text())
                        .await
                        .ok()
                        .and_then(|t| t.as_string())
                        .ok_or_else(|| format!("{name} could not be read."));
                    Msg::FileRead(name, text)
                });
                false
            }
            Msg::FileRead(name, text) => {
                match text.and_then(|t| Scenario::parse(&t).map_err(|e| format!("{name} {e}"))) {
                    Ok(sc) => {
                        // A file with a built-in scenario's id replaces it on this page.
                        let sc = Rc::new(sc);
                        let mut list: Vec<Rc<Scenario>> = self
                            .scenarios
                            .iter()
                            .filter(|s| s.id != sc.id)
                            .cloned()
                            .collect();
                        list.push(sc.clone());
                        self.scenarios = Rc::new(list);
                        self.start_scenario(sc, None);
                    }
                    Err(e) => self.notices = vec![e],
                }
                true
            }
            Msg::Resized => {
                self.fit_scale = 1.0;
                true
            }
        };
        self.refresh_snapshot();
        render
    }

    fn rendered(&mut self, ctx: &Context<Self>, _first_render: bool) {
        self.draw_dots();
        if self.settings.embed && self.fit_to_frame() {
            ctx.link().send_message(Msg::Refit);
        }
    }

    fn view(&self, _ctx: &Context<Self>) -> Html {
        // The matrix and the readouts are refreshed every SNAPSHOT_MS (numbers changing
        // faster cannot be read); the messages in flight move every frame.
        let (vm, st) = self
            .snapshot
            .clone()
            .expect("refreshed before every render");
        let motion = self.motion();
        let idempotent = self.sim.producer().idempotent;
        let losses = self.losses.clone();
        let lang = self.lang();
        let t = lang.text();
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            if root.get_attribute("lang").as_deref() != Some(lang.code()) {
                let _ = root.set_attribute("lang", lang.code());
            }
        }
        let scenario_id = self
            .scenario
            .as_ref()
            .map(|s| s.id.clone())
            .unwrap_or_default();
        let caption = match (&self.scenario, self.step_index()) {
            (Some(sc), Some(i)) => html! {
                <CaptionBar
                    title={sc.title(lang).to_string()}
                    index={i}
                    total={sc.steps.len()}
                    caption={sc.steps[i].caption(lang).to_string()}
                    seeking={self.seek.map(|s| script::format_time(s.to_us))}
                    ended={self.sim.now().micros() >= sc.end_us}
                    expect={sc.expect.iter().map(|e| e.to_text()).collect::<Vec<_>>().join(" · ")}
                    {lang}
                    dispatch={self.dispatch.clone()} />
            },
            _ => html! {},
        };
        html! {
            <div class={classes!("app", self.settings.embed.then_some("embed"))} ref={self.app_ref.clone()}
                style={(self.fit_scale < 1.0).then(|| format!("transform: scale({}); width: {}%", settings::fixed(self.fit_scale, 3), settings::fixed(100.0 / self.fit_scale, 2)))}>
                <header class="topbar">
                    <div class="brand">
                        <span class="logo" aria-hidden="true">{"◆"}</span>
                        <span class="name">{"kscope"}</span>
                        <span class="tag">{t.tagline}</span>
                    </div>
                    <Readouts vm={vm.clone()} rates={self.rates.clone()} {lang} />
                </header>
                { for self.notices.iter().map(|n| html! { <div class="notice" role="alert">{n}</div> }) }
                if let Some(link) = &self.share_link {
                    <div class="share-box">
                        <label for="share-link">{t.share_ready}</label>
                        <input id="share-link" data-testid="share-link" type="text" readonly=true value={link.clone()}
                            onfocus={Callback::from(|e: FocusEvent| e.target_unchecked_into::<HtmlInputElement>().select())} />
                        <button onclick={self.dispatch.reform(|_| Msg::CloseShare)}>{t.close}</button>
                    </div>
                }
                <div class="workspace">
                    { match self.settings.controls_mode() {
                        settings::ControlsMode::Show => html! {
                            <Controls settings={self.settings.clone()} playing={self.playing} {idempotent} {lang} dispatch={self.dispatch.clone()} scenarios={Same(self.scenarios.clone())} scenario={scenario_id.clone()} />
                        },
                        settings::ControlsMode::Lock => html! {
                            <fieldset class="locked" disabled=true>
                                <Controls settings={self.settings.clone()} playing={self.playing} {idempotent} {lang} dispatch={self.dispatch.clone()} scenarios={Same(self.scenarios.clone())} scenario={scenario_id.clone()} />
                            </fieldset>
                        },
                        settings::ControlsMode::Hide => html! {},
                    } }
                    <main class="stage-wrap">
                        { caption }
                        <div class="stage-box">
                            <StageView stage={Same(st.clone())} {lang} dispatch={self.dispatch.clone()} />
                            // Drawn by `draw_dots` every frame, outside Yew's diffing.
                            <canvas class="dots" ref={self.dots_canvas.clone()} aria-hidden="true" data-testid="dots"
                                data-motion={match motion { stage::Motion::Smooth => "smooth", stage::Motion::Steps => "steps" }}></canvas>
                        </div>
                        if !self.settings.embed {
                            <ConsumerCards cards={st.consumers.clone()} {lang} dispatch={self.dispatch.clone()} />
                            <Links links={st.links.clone()} {lang} dispatch={self.dispatch.clone()} />
                        }
                        <Losses list={losses} {lang} />
                        <Charts series={Same(self.series.clone())} {lang} />
                        <EventLog events={Same(self.log.clone())} names={Same(self.names.clone())} {lang} />
                        { legend(&vm, lang) }
                    </main>
                </div>
            </div>
        }
    }
}

impl App {
    /// The page's language: the URL's `lang=`, else the browser's.
    fn lang(&self) -> Lang {
        self.settings.lang.unwrap_or_else(browser_lang)
    }

    /// Rebuilds what the next render shows, when it is due: the readouts and the stage's
    /// matrix, and the losses by cause when their count changed.
    fn refresh_snapshot(&mut self) {
        if self.snapshot.is_none() && !self.playing {
            // Paused (a step, a fast-forward that arrived): the readouts still tell the truth.
            self.rates = view_model::rates(&self.sim, 1_000, RATE_SCAN);
        }
        if self.snapshot.is_none() {
            self.snapshot = Some((
                view_model::view_model(&self.sim),
                Rc::new(stage::stage(&self.sim)),
            ));
        }
        let lost = self.sim.ledger().counts().lost;
        let lang = self.lang();
        if lost != self.losses_counted || lang != self.losses_lang {
            self.losses_counted = lost;
            self.losses_lang = lang;
            self.losses = Rc::new(view_model::losses(&self.sim, lang));
        }
    }

    fn motion(&self) -> stage::Motion {
        if self.reduced_motion {
            stage::Motion::Steps
        } else {
            stage::Motion::Smooth
        }
    }

    /// Draws the messages in flight, and the records leaving the application (each takes
    /// 150 ms of wall time to reach its accumulator, whatever the speed; not drawn when
    /// motion is reduced).
    fn draw_dots(&mut self) {
        let motion = self.motion();
        let mut dots = stage::dots(&self.sim, self.sim.now(), MAX_DOTS, motion);
        if motion == stage::Motion::Smooth {
            let window = Duration::from_micros((150_000.0 * self.settings.speed) as u64);
            dots.extend(stage::sends(&self.sim, self.sim.now(), window, MAX_SENDS));
        }
        self.paint(&dots);
    }

    /// Hands the messages' positions to the canvas's painter (see `dots.js`).
    fn paint(&mut self, dots: &[Dot]) {
        let Some(canvas) = self.dots_canvas.cast::<web_sys::HtmlCanvasElement>() else {
            return;
        };
        if self.painter.as_ref().is_none_or(|(c, _)| *c != canvas) {
            if let Some((_, old)) = self.painter.take() {
                old.close();
            }
            let palette = js_sys::Array::new();
            for kind in stage::DotKind::ALL {
                let (colour, round, size) = kind.look();
                palette.push(&js_sys::Array::of3(
                    &colour.into(),
                    &round.into(),
                    &size.into(),
                ));
            }
            let painter = DotsPainter::new(&canvas, &palette);
            self.painter = Some((canvas.clone(), painter));
            self.dots_count = None;
        }
        if self.dots_count != Some(dots.len()) {
            self.dots_count = Some(dots.len());
            let _ = canvas.set_attribute("data-count", &dots.len().to_string());
        }
        let mut data = Vec::with_capacity(dots.len() * 3);
        for d in dots {
            data.extend([d.kind.index() as f32, (d.x / 100.0) as f32, d.y as f32]);
        }
        if let Some((_, painter)) = &self.painter {
            painter.draw(&data);
        }
    }

    /// Embedded, the page shrinks to fit its frame's height (a slide's frame may be any
    /// shape): it only ever shrinks here, and starts again from full size when the window
    /// is resized, so it cannot oscillate. Returns whether the scale changed.
    fn fit_to_frame(&mut self) -> bool {
        let (Some(window), Some(app)) = (
            web_sys::window(),
            self.app_ref.cast::<web_sys::HtmlElement>(),
        ) else {
            return false;
        };
        let frame = window
            .inner_height()
            .ok()
            .and_then(|h| h.as_f64())
            .unwrap_or(0.0);
        let height = f64::from(app.offset_height()) * self.fit_scale;
        if frame <= 0.0 || height <= frame + 2.0 {
            return false;
        }
        self.fit_scale = (self.fit_scale * frame / height).clamp(0.3, 1.0);
        true
    }

    /// Starts the run over from its settings (a scenario, if any, is left).
    fn restart(&mut self) {
        match build(&self.settings) {
            Ok(sim) => self.new_run(sim, self.settings.clone()),
            Err(e) => self.notices = vec![e],
        }
    }

    /// Makes `sim`, built from `settings`, the page's run: nothing done in it yet.
    fn new_run(&mut self, sim: Sim, settings: Settings) {
        self.sim = sim;
        self.run_settings = settings.clone();
        self.settings = settings;
        self.person.clear();
        self.timeline = match &self.scenario {
            Some(sc) => Timeline::merged(&sc.actions(), &[]),
            None => Timeline::default(),
        };
        self.seek = None;
        self.hold_us = None;
        self.share_link = None;
        self.log = Rc::new(Vec::new());
        self.series = Rc::new(charts::Series::default());
        self.notices.clear();
        self.snapshot = None;
        self.write_url();
    }

    /// A settings change: the page's look changes at once; what a running cluster takes
    /// (consumers, assignor, added partitions, rate, keys) is done to it as Kafka would
    /// and recorded; anything else starts a new run from the same seed. A configuration
    /// Kafka rejects shows Kafka's error and changes nothing.
    fn apply_settings(&mut self, next: Settings) {
        if next.same_run_as(&self.settings) {
            self.settings = next;
            self.write_url();
            return;
        }
        if script::can_apply_live(&self.settings, &next) {
            self.settings = self.settings.looking_like(&next);
            for action in script::live_changes(&self.settings, &next) {
                self.act(action);
            }
            return;
        }
        match build(&next) {
            Ok(sim) => {
                let shrunk = next.partitions < self.settings.partitions;
                self.scenario = None;
                self.presenting.set(false);
                self.new_run(sim, next);
                if shrunk {
                    self.notices
                        .push(i18n::topic_recreated(self.lang(), self.settings.partitions));
                }
            }
            Err(e) => self.notices = vec![i18n::nothing_changed(self.lang(), &e)],
        }
    }

    /// Does what the person asked, now, and records it for a share link (a refused
    /// action too: the replay is refused the same way, at the same point).
    fn act(&mut self, action: Action) -> bool {
        let at = self.sim.now().micros();
        let before = self.settings.clone();
        let done = script::perform(&mut self.sim, &mut self.settings, &action);
        self.person.push((at, action));
        match done {
            Ok(notices) => {
                let lang = self.lang();
                self.notices = notices.iter().map(|n| n.text(lang)).collect();
            }
            Err(e) => self.notices = vec![e],
        }
        if self.settings != before {
            self.write_url();
        }
        self.take_events();
        true
    }

    /// Steps the simulation to `to_us`, carrying out the timeline's actions on the way.
    fn advance_to(&mut self, to_us: u64) {
        let before = self.settings.clone();
        let done = self.timeline.advance(
            &mut self.sim,
            &mut self.settings,
            Instant::from_micros(to_us),
        );
        if !done.notices.is_empty() || !done.refused.is_empty() {
            let lang = self.lang();
            self.notices = done.notices.iter().map(|n| n.text(lang)).collect();
            self.notices.extend(done.refused);
        }
        if self.settings != before {
            self.write_url();
        }
        if self.series.due(&self.sim) {
            let mut series = (*self.series).clone();
            series.sample(&self.sim);
            self.series = Rc::new(series);
        }
        self.take_events();
    }

    /// Pauses the run, with a notice, once it holds [`RECORD_LIMIT`] records; returns
    /// whether it does. Playing on would only take the tab to the end of its memory.
    fn hold_at_record_limit(&mut self) -> bool {
        let held = self.sim.ledger().records().len();
        if held < RECORD_LIMIT {
            return false;
        }
        if self.playing || self.seek.is_some() {
            self.notices = vec![i18n::record_limit(self.lang(), held)];
        }
        self.playing = false;
        self.hold_us = None;
        true
    }

    /// One frame of fast-forwarding: as far toward the target as the frame's budget goes.
    fn seek_some(&mut self, seek: Seek) {
        let started = js_sys::Date::now();
        loop {
            let to = (self.sim.now().micros() + SEEK_SLICE_US).min(seek.to_us);
            self.advance_to(to);
            if self.hold_at_record_limit() {
                self.seek = None;
                return;
            }
            if to >= seek.to_us {
                self.seek = None;
                self.playing = seek.then_play_until.is_some();
                self.hold_us = seek.then_play_until;
                self.write_url();
                return;
            }
            if js_sys::Date::now() - started > SEEK_BUDGET_MS {
                return;
            }
        }
    }

    /// Starts a scenario from its beginning, or as a session (a link, a reload) asks:
    /// at a step, or replaying a shared run to the instant it was shared.
    fn start_scenario(&mut self, sc: Rc<Scenario>, session: Option<Session>) {
        let shared = session
            .as_ref()
            .is_some_and(|s| !s.run.is_empty() || s.at_us.is_some());
        // A share link carries the run's settings; otherwise the scenario's apply, with
        // the page's own look (language, embedding, speed if one was asked for).
        let settings = if shared {
            self.settings.clone()
        } else {
            let mut s = sc.settings.looking_like(&self.settings);
            if self.settings.speed == 1.0 {
                s.speed = sc.settings.speed;
            }
            s
        };
        let sim = match build(&settings) {
            Ok(sim) => sim,
            Err(e) => {
                self.notices = vec![e];
                return;
            }
        };
        self.scenario = Some(sc.clone());
        self.presenting.set(true);
        self.new_run(sim, settings);
        let session = session.unwrap_or_default();
        self.playing = self.settings.autoplay && session.step.is_none() && !shared;
        self.start_replay(Some(&sc), session);
    }

    /// Replays a session's recorded actions over the run just built, fast-forwarding to
    /// the instant (or the scenario step) it names.
    fn start_replay(&mut self, sc: Option<&Scenario>, session: Session) {
        let script = sc.map(|s| s.actions()).unwrap_or_default();
        self.timeline = Timeline::merged(&script, &session.run);
        self.person = session.run;
        // A step named by the URL (a reload while presenting, a slide's link) is shown
        // as the Next key shows it: from its start, played to the next step, unless
        // autoplay=0. A share link's instant is shown exactly, paused.
        let step = sc.zip(session.step).map(|(sc, i)| {
            let i = i.min(sc.steps.len() - 1);
            let hold = sc.hold_after(i);
            (sc.steps[i].at_us, hold)
        });
        let seek = match (session.at_us, step) {
            (Some(to_us), _) => Some(Seek {
                to_us,
                then_play_until: None,
            }),
            (None, Some((to_us, hold))) => Some(Seek {
                to_us,
                then_play_until: self.settings.autoplay.then_some(hold),
            }),
            (None, None) => None,
        };
        if seek.is_some() {
            self.playing = false;
            self.seek = seek;
        }
    }

    /// The caption shown now: the last step that has started.
    fn step_index(&self) -> Option<usize> {
        let sc = self.scenario.as_ref()?;
        let now = self.seek.map_or(self.sim.now().micros(), |s| s.to_us);
        Some(sc.step_at(now))
    }

    /// Presents the next (or previous) step: goes to its start (fast-forwarding, or
    /// replaying from the beginning to go back) and plays it through to the next step.
    fn present_step(&mut self, forward: bool) {
        let (Some(sc), Some(i)) = (self.scenario.clone(), self.step_index()) else {
            return;
        };
        let now = self.sim.now().micros();
        let j = if forward {
            if i + 1 >= sc.steps.len() {
                // Past the last step: play on to the end of the scenario.
                self.playing = now < sc.end_us;
                self.hold_us = None;
                return;
            }
            i + 1
        } else {
            i.saturating_sub(1)
        };
        let to_us = sc.steps[j].at_us;
        let hold = sc.hold_after(j);
        if to_us < now {
            // Back in time: the same seed and the same actions replay to the same state.
            let person: Vec<(u64, Action)> = self
                .person
                .iter()
                .filter(|(t, _)| *t <= to_us)
                .cloned()
                .collect();
            match build(&self.run_settings) {
                Ok(sim) => {
                    let settings = self.run_settings.looking_like(&self.settings);
                    self.new_run(sim, settings);
                    self.timeline = Timeline::merged(&sc.actions(), &person);
                    self.person = person;
                }
                Err(e) => {
                    self.notices = vec![e];
                    return;
                }
            }
        }
        self.playing = false;
        self.seek = Some(Seek {
            to_us,
            then_play_until: Some(hold),
        });
    }

    /// The page's URL: the settings; in a scenario, the scenario and its step instead.
    fn write_url(&self) {
        let query = match &self.scenario {
            Some(sc) => {
                let mut q = format!("scenario={}", sc.id);
                if let Some(i) = self.step_index().filter(|i| *i > 0) {
                    q.push_str(&format!("&step={}", i + 1));
                }
                q.push_str(&self.settings.view_query());
                q
            }
            None => self.settings.to_query(),
        };
        write_url(&query);
    }

    /// A link that replays this session: the run's settings, the scenario and its step,
    /// the instant, every action the person took.
    fn share_url(&self) -> String {
        let settings = self.run_settings.looking_like(&self.settings);
        let session = Session {
            scenario: self.scenario.as_ref().map(|s| s.id.clone()),
            step: self.step_index(),
            at_us: Some(self.sim.now().micros()),
            run: self.person.clone(),
        };
        let base = web_sys::window()
            .map(|w| {
                let l = w.location();
                format!(
                    "{}{}",
                    l.origin().unwrap_or_default(),
                    l.pathname().unwrap_or_default()
                )
            })
            .unwrap_or_default();
        format!("{base}?{}{}", settings.to_query(), session.to_query())
    }

    /// Keeps the notable events for the log, newest first, and drops the rest; they are
    /// put in words when drawn, in the page's language of the moment.
    fn take_events(&mut self) {
        let names: Vec<String> = self
            .sim
            .topics()
            .iter()
            .map(|t| t.spec.name.clone())
            .collect();
        let mut fresh: Vec<kscope_core::TimedEvent> = self
            .sim
            .drain_events()
            .into_iter()
            .filter(|e| view_model::describe(e, &names, Lang::En).is_some())
            .collect();
        if *self.names != names {
            self.names = Rc::new(names);
        }
        if fresh.is_empty() {
            return;
        }
        fresh.reverse();
        fresh.truncate(LOG_LINES);
        fresh.extend(self.log.iter().take(LOG_LINES - fresh.len()).cloned());
        self.log = Rc::new(fresh);
    }
}
