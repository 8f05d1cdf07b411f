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

use std::rc::Rc;

use gloo::events::EventListener;
use kscope_core::assignor::AssignorKind;
use kscope_core::partitioner::PartitionerKind;
use kscope_core::{Acks, BrokerId, ConsumerId, Duration, Instant, NodeId, Sim};
use wasm_bindgen::prelude::{wasm_bindgen, Closure};
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement, KeyboardEvent};
use yew::prelude::*;

use i18n::Lang;
use scenario::{Scenario, Timeline};
use script::Action;
use settings::{Range, Settings, SPEEDS};
use share::Session;
use stage::{Cell, Column, ConsumerCard, Dot, GroupHead, Row, Stage};

/// The stage is drawn at most this often (wall milliseconds): 30 frames a second are
/// smooth for dots moving a few pixels a frame, and halve the browser's work per second.
const MIN_FRAME_MS: f64 = 30.0;
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

/// The browser's language (`navigator.language`), as the page's.
fn browser_lang() -> Lang {
    let language = web_sys::window()
        .and_then(|w| w.navigator().language())
        .unwrap_or_default();
    Lang::from_browser(&language)
}

/// Fetches a file next to the page, as text.
async fn fetch_text(url: &str) -> Result<String, String> {
    use wasm_bindgen_futures::JsFuture;
    let fail = |what: &str| format!("{url} could not be read ({what}).");
    let window = web_sys::window().ok_or_else(|| fail("no window"))?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|_| fail("no answer"))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| fail("not a response"))?;
    if !response.ok() {
        return Err(fail(&format!("HTTP {}", response.status())));
    }
    let text = response.text().map_err(|_| fail("no text"))?;
    JsFuture::from(text)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(|| fail("no text"))
}

/// Reads `scenarios/index.txt` and every file it names; a bad file is left out with a
/// message naming its line.
async fn load_scenarios() -> (Vec<Scenario>, Vec<String>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    let index = match fetch_text("scenarios/index.txt").await {
        Ok(index) => index,
        Err(e) => return (good, vec![format!("No scenarios: {e}")]),
    };
    for name in scenario::index_entries(&index) {
        if name.contains('/') || name.contains("..") || !name.ends_with(".txt") {
            bad.push(format!("scenarios/index.txt names '{name}', which is not a .txt file of the scenarios folder."));
            continue;
        }
        match fetch_text(&format!("scenarios/{name}")).await {
            Ok(text) => match Scenario::parse(&text) {
                Ok(s) if good.iter().any(|g: &Scenario| g.id == s.id) => bad.push(format!(
                    "scenarios/{name}: the id {} is taken by another scenario.",
                    s.id
                )),
                Ok(s) => good.push(s),
                Err(e) => bad.push(format!("scenarios/{name} {e}")),
            },
            Err(e) => bad.push(e),
        }
    }
    (good, bad)
}

fn query() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

fn write_url(query: &str) {
    if let Some(w) = web_sys::window() {
        if let Ok(history) = w.history() {
            let url = format!("?{query}");
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    }
}

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

fn counter(label: &str, testid: &str, value: u64, tone: &str) -> Html {
    html! {
        <div class={classes!("counter", tone.to_string())}>
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
}

/// Simulated time, throughput, latency and the ledger's counts.
#[function_component]
pub fn Readouts(props: &ReadoutsProps) -> Html {
    let vm = &props.vm;
    let r = &props.rates;
    let t = props.lang.text();
    let ms = |v: Option<f64>| v.map_or("–".to_string(), |v| settings::fixed(v, 0));
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
            <section class="ledger" aria-label="ledger">
                { counter(t.sent, "ledger-sent", vm.sent, "") }
                { counter(t.acknowledged, "ledger-acked", vm.acknowledged, "good") }
                { counter(t.failed, "ledger-failed", vm.failed, if vm.failed > 0 { "warn" } else { "" }) }
                { counter(t.lost, "ledger-lost", vm.lost, if vm.lost > 0 { "bad" } else { "" }) }
                { counter(t.duplicated, "ledger-duplicated", vm.duplicated, if vm.duplicated > 0 { "bad" } else { "" }) }
                { counter(t.reordered, "ledger-reordered", vm.reordered, if vm.reordered > 0 { "bad" } else { "" }) }
                { counter(t.consumed, "ledger-consumed", vm.consumed, "") }
                { counter(t.redelivered, "ledger-redelivered", vm.redelivered, if vm.redelivered > 0 { "warn" } else { "" }) }
            </section>
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
fn chart(
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
                <svg viewBox={format!("0 0 {CHART_W} {CHART_H}")} preserveAspectRatio="none" role="img" aria-label={title.to_string()}>
                    <line x1="0" y1={CHART_H.to_string()} x2={CHART_W.to_string()} y2={CHART_H.to_string()} class="axis" />
                    <line x1="0" y1={(CHART_H / 2.0).to_string()} x2={CHART_W.to_string()} y2={(CHART_H / 2.0).to_string()} class="grid" />
                    { lines }
                </svg>
                <span class="from">{format!("{}{}", settings::fixed(span.0 as f64 / 1e6, 0), t.seconds)}</span>
                <span class="to">{format!("{}{}", settings::fixed(span.1 as f64 / 1e6, 0), t.seconds)}</span>
            </div>
        </figure>
    }
}

const CHART_W: f64 = 300.0;
const CHART_H: f64 = 90.0;

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
    let line = |class: String, style: Option<String>, values: Vec<(u64, Option<f64>)>, top: f64| {
        html! {
            <polyline class={class} style={style} points={charts::points(values.into_iter(), span, top, CHART_W, CHART_H)} />
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
            Some(format!("stroke: hsl({} 65% 45%)", (p * 137) % 360)),
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
        <section class="losses" data-testid="losses" aria-label="lost records">
            <h3>{props.lang.text().why_lost}</h3>
            <ul>
                { for props.list.iter().map(|(cause, n)| html! { <li><strong>{n}</strong>{format!(" {} ", props.lang.text().acked_records)}{cause}</li> }) }
            </ul>
        </section>
    }
}

/// Shared data compared by identity: the app replaces it, never changes it in place, so
/// an unchanged pointer means unchanged contents (and no deep comparison per render).
pub struct Same<T>(pub Rc<T>);

impl<T> Clone for Same<T> {
    fn clone(&self) -> Self {
        Same(self.0.clone())
    }
}

impl<T> PartialEq for Same<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// The props of [`EventLog`].
#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    pub events: Same<Vec<kscope_core::TimedEvent>>,
    pub names: Same<Vec<String>>,
    pub lang: Lang,
}

/// The notable events, newest first: elections, ISR changes, fencing, truncations, losses,
/// duplicates recognised.
#[function_component]
pub fn EventLog(props: &EventLogProps) -> Html {
    html! {
        <section class="events" data-testid="event-log" aria-label="events" aria-live="polite">
            <h3>{props.lang.text().what_happened}</h3>
            if props.events.0.is_empty() {
                <p class="muted">{props.lang.text().nothing_yet}</p>
            } else {
                <ol>{ for props.events.0.iter().filter_map(|e| view_model::describe(e, &props.names.0, props.lang)).map(|l| html! { <li>{l}</li> }) }</ol>
            }
        </section>
    }
}

/// The props of [`StageView`].
#[derive(Properties, PartialEq)]
pub struct StageProps {
    pub stage: Same<Stage>,
    pub lang: Lang,
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
    let style = format!(
        "grid-template-columns: minmax(0, {}fr) repeat({}, minmax(0, 1fr)) minmax(0, {}fr); grid-template-rows: {}px; grid-auto-rows: {}px; height: {}px",
        stage::PRODUCER_WEIGHT,
        st.columns.len(),
        stage::GROUP_WEIGHT,
        stage::HEAD_PX,
        stage::ROW_PX,
        st.height_px
    );
    let columns = Rc::new(st.columns.clone());
    html! {
        <div class="stage" {style} aria-label="stage">
            <div class="head producer-head">
                <strong>{lang.text().producer}</strong>
                <span data-testid="partitioner-choice" title={st.partitioner.text(lang)}>{st.partitioner.text(lang)}</span>
            </div>
            { for st.columns.iter().map(|c| html! { <BrokerHead key={c.id} column={c.clone()} coordinator={st.group.coordinator == Some(c.id)} compact={st.columns.len() > 5} {lang} dispatch={props.dispatch.clone()} /> }) }
            <GroupHeadView group={st.group.clone()} {lang} />
            { for st.rows.iter().map(|r| html! { <RowView key={r.partition} row={r.clone()} columns={columns.clone()} {lang} /> }) }
        </div>
    }
}

/// Whether the reader asked for less motion (`prefers-reduced-motion`).
fn reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches())
}

#[wasm_bindgen(module = "/src/dots.js")]
extern "C" {
    /// Paints the messages in flight, in a worker when the browser can (`dots.js`).
    type DotsPainter;
    #[wasm_bindgen(constructor)]
    fn new(canvas: &web_sys::HtmlCanvasElement, palette: &js_sys::Array) -> DotsPainter;
    /// `data`: triples of palette index, x (fraction of the width), y (CSS pixels).
    #[wasm_bindgen(method)]
    fn draw(this: &DotsPainter, data: &[f32]);
    #[wasm_bindgen(method)]
    fn close(this: &DotsPainter);
}

/// The animation-frame loop: one closure for the page's life, asked for every vsync,
/// which hands the app a frame only when [`MIN_FRAME_MS`] have passed since the last one
/// (the frames in between cost neither a new closure nor a trip through Yew).
struct FrameLoop {
    callback: FrameCallback,
}

/// The loop's closure, shared with itself (weakly) so that it can ask for the next frame.
type FrameCallback = Rc<std::cell::RefCell<Option<Closure<dyn FnMut(f64)>>>>;

impl FrameLoop {
    fn new(link: yew::html::Scope<App>) -> FrameLoop {
        let callback: FrameCallback = Rc::default();
        let again = Rc::downgrade(&callback);
        let mut last: Option<f64> = None;
        *callback.borrow_mut() = Some(Closure::new(move |ts: f64| {
            if last.is_some_and(|t| ts - t < MIN_FRAME_MS) {
                if let Some(callback) = again.upgrade() {
                    FrameLoop { callback }.request();
                }
                return;
            }
            last = Some(ts);
            link.send_message(Msg::Frame(ts));
        }));
        FrameLoop { callback }
    }

    /// Asks for the next animation frame.
    fn request(&self) {
        if let (Some(window), Some(callback)) = (web_sys::window(), &*self.callback.borrow()) {
            let _ = window.request_animation_frame(callback.as_ref().unchecked_ref());
        }
    }
}

/// The props of [`BrokerHead`].
#[derive(Properties, PartialEq)]
pub struct BrokerHeadProps {
    pub column: Column,
    /// It coordinates the consumer group.
    pub coordinator: bool,
    /// Many brokers share the width: a short title and the main buttons only (every
    /// link is still in the links panel).
    pub compact: bool,
    pub lang: Lang,
    pub dispatch: Callback<Msg>,
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
                <div class="actions">
                    if c.up {
                        <button class="danger" data-testid="crash-broker" onclick={d.reform(move |_| Msg::Crash(id))} title={t.crash_title}>{"✕"}</button>
                    } else {
                        <button data-testid="restart-broker" onclick={d.reform(move |_| Msg::Restart(id))} title={t.restart}>{"↻"}</button>
                    }
                    <button data-testid="cut-link" onclick={d.reform(move |_| Msg::ToggleProducerLink(id))} title={t.cut_title}>
                        { if c.producer_link_cut { t.heal } else { t.cut } }
                    </button>
                </div>
            </div>
        };
    }
    html! {
        <div class={classes!("head", "broker", state)} data-testid="broker" data-broker={id.to_string()} data-state={state}>
            <div class="title">
                <strong>{format!("{} {id}", t.broker)}</strong>
                if props.coordinator && c.up {
                    <span class="status coord" data-testid="coordinator" title={t.coordinator_title}>{t.coordinator}</span>
                } else {
                    <span class="status">{status}</span>
                }
                <span class="inflight" title={t.in_flight_title}>
                    {format!("{}/{} ⇢", c.in_flight, c.max_in_flight)}
                </span>
            </div>
            <div class="actions">
                if c.up {
                    <button class="danger" data-testid="crash-broker" onclick={d.reform(move |_| Msg::Crash(id))} title={t.crash_title}>{t.crash}</button>
                } else {
                    <button data-testid="restart-broker" onclick={d.reform(move |_| Msg::Restart(id))}>{t.restart}</button>
                }
                <button data-testid="cut-link" onclick={d.reform(move |_| Msg::ToggleProducerLink(id))} title={t.cut_title}>
                    { if c.producer_link_cut { t.heal } else { t.cut } }
                </button>
                <button data-testid="drop-response" onclick={d.reform(move |_| Msg::DropNextResponse(id))} title={t.drop_title}>{t.drop}</button>
                <button data-testid="isolate-broker" onclick={d.reform(move |_| Msg::Isolate(id))} title={t.isolate_title}>
                    { if c.isolated { t.rejoin } else { t.isolate } }
                </button>
                <button data-testid="slow-broker" onclick={d.reform(move |_| Msg::SlowBroker(id))} title={t.slow_title}>{t.slow}</button>
            </div>
        </div>
    }
}

/// The props of [`RowView`].
#[derive(Properties, PartialEq)]
pub struct RowProps {
    pub row: Row,
    pub columns: Rc<Vec<Column>>,
    pub lang: Lang,
}

/// One partition: its accumulator, then its replica on each broker.
#[function_component]
pub fn RowView(props: &RowProps) -> Html {
    let r = &props.row;
    let a = &r.accumulator;
    let t = props.lang.text();
    html! {
        <>
            <div class={classes!("acc", a.sticky.then_some("sticky"))} data-testid="accumulator" data-partition={r.partition.to_string()}>
                <span class="tp">{format!("orders-{}", r.partition)}{ if a.sticky { " ◀" } else { "" } }</span>
                <span class="batchbar" title={t.batch_bar_title}>
                    <span class="fill" style={format!("transform:scaleX({})", settings::fixed(a.fill, 2))}></span>
                </span>
                <span class="meta">
                    {format!("{} {} · {} {}", a.queued, t.queued, a.in_flight, t.in_flight)}
                    { a.linger_left_ms.map(|l| format!(" · {} {l} ms", t.linger)).unwrap_or_default() }
                    { a.next_sequence.map(|s| format!(" · {} {s}", t.next_seq)).unwrap_or_default() }
                </span>
            </div>
            { for r.cells.iter().zip(props.columns.iter()).map(|(c, col)| cell_view(r, c.as_ref(), col, t)) }
            { owner_view(r, t) }
        </>
    }
}

fn consumer_style(id: u32) -> String {
    format!("--hue: {}", stage::consumer_hue(id))
}

fn owner_view(r: &Row, t: &i18n::Text) -> Html {
    let o = &r.owner;
    let text = |v: Option<i64>| v.map_or("–".to_string(), |v| v.to_string());
    html! {
        <div class={classes!("owner", o.consumer.is_none().then_some("unowned"))} data-testid="owner"
            data-partition={r.partition.to_string()} data-consumer={o.consumer.map(|c| c.to_string()).unwrap_or_default()}
            data-committed={o.committed.map(|c| c.to_string()).unwrap_or_default()} data-lag={o.lag.map(|c| c.to_string()).unwrap_or_default()}>
            if let Some(c) = o.consumer {
                <span class="badge" style={consumer_style(c)} title={t.owner_title}>{format!("▲ c{c}")}</span>
            } else {
                <span class="badge none" title={t.unowned_title}>{t.unowned}</span>
            }
            <span class="nums" title={t.lag_title}>
                {format!("{} {} · {} {}", t.committed, text(o.committed), t.lag, text(o.lag))}
            </span>
        </div>
    }
}

/// The props of [`Links`].
#[derive(Properties, PartialEq)]
pub struct LinksProps {
    pub links: Rc<Vec<stage::Link>>,
    pub lang: Lang,
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
                            data-cut={l.cut.to_string()} onclick={d.reform(move |_| Msg::ToggleLink(a, b))}
                            title={if l.cut { props.lang.text().heal_link_title } else { props.lang.text().cut_link_title }}>
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
    pub lang: Lang,
}

/// The consumer group's column header.
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
    html! {
        <div class="head group-head" data-testid="group" data-state={g.state.clone()}>
            <div class="title">
                <strong>{format!("{} {}", t.group, g.group_id)}</strong>
                <span class="status">
                    {state}
                    { g.generation.map(|n| format!(" · {} {n}", t.generation)).unwrap_or_default() }
                </span>
            </div>
            <span class="meta">{format!("{} ({}) · {} {} · {} {}", g.assignor, protocol, g.members, t.members, t.lag, g.total_lag)}</span>
        </div>
    }
}

/// The props of [`ConsumerCards`].
#[derive(Properties, PartialEq)]
pub struct ConsumerCardsProps {
    pub cards: Rc<Vec<ConsumerCard>>,
    pub lang: Lang,
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
    if props.cards.is_empty() {
        return html! {
            <section class="consumers" aria-label="consumers">
                <p class="muted">{t.no_consumers_card}</p>
            </section>
        };
    }
    html! {
        <section class="consumers" aria-label="consumers">
            { for props.cards.iter().map(|c| {
                let id = c.id;
                let alive = matches!(c.state, "running" | "paused");
                html! {
                    <div class={classes!("consumer-card", c.state)} style={consumer_style(id)} data-testid="consumer"
                        data-consumer={id.to_string()} data-state={c.state}>
                        <div class="title">
                            <span class="shape" aria-hidden="true">{"▲"}</span>
                            <strong>{format!("{} c{id}", t.consumer)}</strong>
                            if c.leader { <span class="leader-tag" title={t.group_leader_title}>{t.group_leader}</span> }
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
                            { if c.owned.is_empty() { t.owns_nothing.to_string() } else { format!("{} {}", t.owns, c.owned.iter().map(|p| format!("orders-{p}")).collect::<Vec<_>>().join(", ")) } }
                        </div>
                        <div class="meta">{format!("{} {} · {} {} · {} {} · {} {}", t.processed, c.consumed, t.redelivered, c.redelivered, t.in_hand, c.processing, t.fetched, c.buffered)}</div>
                        <div class="actions">
                            if alive {
                                <button class="danger" data-testid="crash-consumer" onclick={d.reform(move |_| Msg::CrashConsumer(id))} title={t.consumer_crash_title}>{t.crash}</button>
                                <button data-testid="pause-consumer" onclick={d.reform(move |_| Msg::TogglePauseConsumer(id))} title={t.pause_consumer_title}>
                                    { if c.state == "paused" { t.resume_consumer } else { t.pause_consumer } }
                                </button>
                            } else {
                                <button data-testid="restart-consumer" onclick={d.reform(move |_| Msg::RestartConsumer(id))}>{t.restart}</button>
                            }
                        </div>
                    </div>
                }
            }) }
        </section>
    }
}

fn cell_view(r: &Row, cell: Option<&Cell>, col: &Column, t: &i18n::Text) -> Html {
    let Some(c) = cell else {
        return html! { <div class={classes!("cell", "empty", (!col.up).then_some("down"))}></div> };
    };
    let role = if c.leader { "leader" } else { "follower" };
    let span = (c.log_end_offset - c.log_start_offset).max(1) as f64;
    let hw = 100.0 * (c.high_watermark - c.log_start_offset) as f64 / span;
    html! {
        <div class={classes!("cell", role, (!c.in_isr).then_some("out-of-sync"), (!col.up).then_some("down"))}
            data-testid="replica" data-topic="orders" data-partition={r.partition.to_string()}
            data-broker={c.broker.to_string()} data-role={role} data-in-isr={c.in_isr.to_string()}
            data-leo={c.log_end_offset.to_string()} data-hw={c.high_watermark.to_string()}>
            <span class="shape" aria-hidden="true">{ if c.leader { "★" } else { "●" } }</span>
            <span class="role">
                { if c.leader { t.leader } else { t.follower } }
                { if c.in_isr { "" } else { " · " } }
                { if c.in_isr { "" } else { t.out_of_isr } }
            </span>
            <span class="log" title={format!("log start {} · high watermark {} · log end {} · {} segment(s)", c.log_start_offset, c.high_watermark, c.log_end_offset, c.segments)}>
                <span class="committed" style={format!("transform:scaleX({})", settings::fixed(hw / 100.0, 3))}></span>
                if let Some(o) = c.committed {
                    <span class="group-mark" title={format!("the group's committed offset {o}")}
                        style={format!("left:{}%", settings::fixed((100.0 * (o - c.log_start_offset) as f64 / span).clamp(0.0, 100.0), 1))}></span>
                }
            </span>
            <span class="nums">{format!("HW {} · LEO {}", c.high_watermark, c.log_end_offset)}{ if c.leader { format!(" · {} {}", t.epoch, r.leader_epoch) } else { String::new() } }</span>
        </div>
    }
}

fn legend(vm: &view_model::ViewModel, lang: Lang) -> Html {
    let t = lang.text();
    html! {
        <footer class="legend">
            <span><span class="shape leader">{"★"}</span>{format!(" {}", t.legend_leader)}</span>
            <span><span class="shape">{"●"}</span>{format!(" {}", t.legend_follower)}</span>
            <span><span class="swatch committed"></span>{format!(" {}", t.legend_committed)}</span>
            <span><span class="swatch uncommitted"></span>{format!(" {}", t.legend_uncommitted)}</span>
            <span><span class="dot produce inline"></span>{format!(" {}", t.legend_produce)}</span>
            <span><span class="dot record inline"></span>{format!(" {}", t.legend_record)}</span>
            <span><span class="dot retry inline"></span>{format!(" {}", t.legend_retry)}</span>
            <span><span class="dot ack inline"></span>{format!(" {}", t.legend_ack)}</span>
            <span><span class="dot fetch-data inline"></span>{format!(" {}", t.legend_replication)}</span>
            <span><span class="dot fetch inline"></span>{format!(" {}", t.legend_fetch)}</span>
            <span><span class="dot consumed inline"></span>{format!(" {}", t.legend_consumed)}</span>
            <span><span class="dot commit inline"></span>{format!(" {}", t.legend_commit)}</span>
            <span><span class="dot control inline"></span>{format!(" {}", t.legend_control)}</span>
            <span><span class="shape consumer-shape">{"▲"}</span>{format!(" {} · ", t.legend_consumer)}<span class="group-mark inline"></span>{format!(" {}", t.legend_committed_offset)}</span>
            <span class="muted">
                { match vm.producer_id {
                    None => t.not_idempotent.to_string(),
                    Some(None) => t.waiting_producer_id.to_string(),
                    Some(Some((id, epoch))) => format!("{} {id}, {} {epoch}", t.idempotent_producer, t.epoch),
                } }
                {format!(" · {} · {} {} · ", t.every_link.replace("{}", &PAGE_LATENCY_MS.to_string()), t.seed, vm.seed)}
                <span data-testid="records-in-flight">{vm.records_in_flight}</span>
                {format!(" {} {} {}", t.records_in, vm.in_flight_messages, t.messages_in_flight)}
            </span>
        </footer>
    }
}

/// A select's node, kept showing `value` whenever it (or the options) change.
#[hook]
fn use_select_value(value: String) -> NodeRef {
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
