//! kscope-web: the browser page. It renders kscope-core's state and dispatches commands to
//! it; it never changes the simulation any other way. The simulation's clock is advanced
//! from the browser's animation frames at the chosen speed: the core itself reads no clock.
//!
//! - [`player`]: the session in plain Rust (the run, the person's actions, seeking,
//!   presenting a scenario, replaying a share link), tested natively;
//! - [`script`]: the one vocabulary of what a person does ([`script::Action`]);
//! - [`settings`]: the sliders' values and the page's URL;
//! - [`stage`], [`view_model`], [`charts`]: view models, pure functions of the simulation;
//! - [`components`]: the Yew components that turn view models into markup;
//! - `browser.rs`: the URL, fetching files, the frame loop, the canvas painter;
//! - [`App`]: the thin component that holds the player and renders.

pub mod charts;
pub mod compare;
pub mod embed;
pub mod guide;
pub mod heap;
pub mod i18n;
pub mod log_view;
pub mod myths;
pub mod params;
pub mod player;
pub mod scenario;
pub mod script;
pub mod settings;
pub mod share;
pub mod stage;
pub mod trace;
pub mod view_model;
pub mod wire_view;

mod browser;
pub mod components;

use std::rc::Rc;

use gloo::events::EventListener;
use kscope_core::Duration;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, KeyboardEvent};
use yew::prelude::*;

use i18n::Lang;
use player::{Frame, Player, Toggle};
use scenario::Scenario;
use script::Action;
use stage::{Dot, Stage};

use browser::{
    browser_lang, load_scenarios, query, reduced_motion, set_document_lang, write_url, DotsPainter,
    FrameLoop,
};
use components::stage_view::legend;
use components::{
    CaptionBar, Charts, ConsumerCards, Controls, EventLog, Links, Losses, OffsetsView, Readouts,
    Same, StageView, TimelineBar, TopicBar,
};

/// The stage is drawn at most this often (wall milliseconds): 30 frames a second are
/// smooth for dots moving a few pixels a frame, and halve the browser's work per second.
pub(crate) const MIN_FRAME_MS: f64 = 30.0;
/// The most messages drawn at once: under load the stage draws fewer, never freezes.
pub const MAX_DOTS: usize = 250;
/// The most records drawn leaving the application at once.
pub const MAX_SENDS: usize = 60;
/// How often the stage's matrix and the readouts are refreshed while playing, in wall
/// milliseconds: four times a second is as fast as changing numbers can be read, and
/// each refresh costs the browser a layout and a paint of the stage (with 24 partitions
/// on 5 brokers, about as much main-thread time as all the frames between two refreshes).
const SNAPSHOT_MS: f64 = 250.0;
/// How often an open log view asks the worker for the run's latest state, in wall ms.
const LOG_REFRESH_MS: f64 = 1000.0;
/// The most recent records the throughput and latency readouts look at.
const RATE_SCAN: usize = 25_000;

pub use player::HEAP_LIMIT_BYTES;
pub use script::PAGE_LATENCY_MS;

/// What the page can ask of the app.
pub enum Msg {
    Frame(f64),
    TogglePlay,
    Step,
    Reset,
    /// A setting of [`params::PARAMS`], by name, to a value written as the URL writes it.
    SetParam(&'static str, String),
    SetSeed(String),
    /// Something the person does to the cluster.
    Act(Action),
    /// A button whose action depends on the cluster's state at the click.
    Toggle(Toggle),
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
    /// The window was resized: fit the embedded page to it afresh.
    Resized,
    /// Opens or closes the embedded page's control drawer.
    ToggleDrawer,
    /// Copies the share link; then whether it was copied.
    CopyShare,
    Copied(bool),
    /// The first-run guide's file arrived (or could not be read: no guide then).
    GuideLoaded(Result<String, String>),
    /// The Korean catalogue arrived (or could not be read: English then), asked for when
    /// the page was switched to Korean without it; then the switch.
    KoreanLoaded(Result<String, String>),
    /// The cards of what the books get wrong arrived (or could not be read: none then).
    MythsLoaded(Result<String, String>),
    /// Saves the session as a scenario file.
    ExportScenario,
    /// Saves the page, at this session, as one HTML file that plays offline.
    ExportHtml,
    /// Saves the stage as drawn now as an SVG picture.
    ExportSvg,
    /// Saves the session's event trace as JSON Lines (made by the trace worker).
    ExportTrace,
    /// The trace worker answered: the file's name, and the trace or why there is none.
    TraceMade(String, Result<String, String>),
    /// An export was saved, or failed.
    Exported(bool),
    /// Goes to an instant of the run so far (the timeline), in microseconds.
    GoTo(u64),
    /// Goes back to the notable moment before the present.
    StepBack,
    /// Runs the demonstration of the card at this index.
    Demonstrate(usize),
    /// Dismisses the first-run guide; `true` also starts the first scenario.
    CloseGuide(bool),
    /// Goes back to the scenario a setting left, or stays.
    BackToScenario,
    StayOut,
    /// A command of the embedding page (see [`embed`]).
    Embed(embed::Command),
    /// A message of the embedding page that is not a command: its `type`, and why.
    EmbedRefused(String, embed::Missing),
    /// Opens the log of a replica of the stage: its topic's name, partition and broker.
    OpenLog(String, u32, u32),
    CloseLog,
    /// Picks a segment of the open log by its base offset, or a batch of it.
    PickSegment(i64),
    PickBatch(i64),
    /// Opens the wire view, with a message picked (by its id) or the latest.
    OpenWire(Option<u64>),
    /// A click on a stage (the run's, 0, or run B's, 1) away from a replica, where on
    /// the page: a message in flight near it opens in the wire view.
    StageClick(usize, f64, f64),
    /// Picks a message of the wire view, or filters it by API key (-1: every API).
    PickMessage(u64),
    FilterApi(i64),
    /// Downloads one of the open log's files ([`log_view::files_of`]'s order).
    DownloadLogFile(usize),
    /// The worker answered a question about the open log.
    LogAnswer(browser::LogReply),
}

/// The page: the [`Player`] and what it takes to draw it.
pub struct App {
    player: Player,
    last_frame_ms: Option<f64>,
    /// Sends a message to the app; made once, so components given it keep equal props.
    dispatch: Callback<Msg>,
    /// Throughput and latency, recomputed four times a second of wall time.
    rates: view_model::Rates,
    rates_at_ms: f64,
    /// The losses by cause, recomputed when the count of losses changes.
    losses: Rc<Vec<(String, u64)>>,
    losses_counted: u64,
    /// The language the losses were written in.
    losses_lang: Lang,
    /// The readouts and the stage's matrix as last drawn, and when (wall milliseconds);
    /// `None` redraws them at the next render.
    snapshot: Option<Snapshot>,
    snapshot_at_ms: f64,
    /// The reader prefers reduced motion (read once, when the page opens).
    reduced_motion: bool,
    /// The canvases the messages in flight are drawn on: the run's, and in a comparison
    /// run B's.
    dots: [Dots; 2],
    /// The canvases under the control-plane strips' cards, where the messages between
    /// controllers (or ZooKeeper servers) are drawn (the full build, with a quorum).
    #[cfg(feature = "control_plane")]
    quorum_dots: [Dots; 2],
    /// Run B's throughput and latency, in a comparison.
    rates_b: view_model::Rates,
    /// The page's root element.
    app_ref: NodeRef,
    /// Embedded: what the text size was last fitted to (see [`FitKey`]), and when the
    /// stage was last checked for text the run outgrew (wall milliseconds).
    fitted: Option<FitKey>,
    fit_checked_ms: f64,
    /// Embedded with controls: whether their drawer is open.
    drawer_open: bool,
    /// The share link's field, and whether Copy copied it (`None`: not tried yet).
    share_input: NodeRef,
    copied: Option<bool>,
    /// The first-run guide, once its file arrived, while it is open (a first visit, not
    /// embedded, no scenario asked for).
    guide: Option<Rc<guide::Guide>>,
    /// The cards of what the books get wrong (`help/myths.txt`), once fetched.
    myths: Rc<Vec<myths::Myth>>,
    /// Whether a scenario is being presented (read by the keyboard listener).
    presenting: Rc<std::cell::Cell<bool>>,
    /// The animation-frame loop (see [`FrameLoop`]).
    frames: FrameLoop,
    _keys: Option<EventListener>,
    _resize: Option<EventListener>,
    /// The origin allowed to drive the page from its parent (see [`embed`]), when framed.
    embed_host: Option<String>,
    _messages: Option<EventListener>,
    /// What is open below the stage (a replica's log, the wire), if anything, and its
    /// markup as the worker last made it (or why it could not).
    panel: Option<log_view::Panel>,
    log_html: Option<AttrValue>,
    /// The worker that makes the log view, started when a log is first opened.
    log_worker: Option<browser::LogWorker>,
    /// The number of the last question asked of it; whether its answer is awaited; the
    /// simulated instant it asked about and when (the last frame's time, in ms).
    log_seq: u32,
    log_busy: bool,
    log_asked: (u64, f64),
}

/// Listens for the embedding page's commands: messages from `host` only, each an object
/// with a string `type` (anything else is some other script's and is ignored).
fn message_listener(link: yew::html::Scope<App>, host: String) -> Option<EventListener> {
    let window = web_sys::window()?;
    Some(EventListener::new(&window, "message", move |e| {
        let Some(e) = e.dyn_ref::<web_sys::MessageEvent>() else {
            return;
        };
        if e.origin() != host {
            return;
        }
        let Some(message) = browser::read_message(&e.data()) else {
            return;
        };
        let kind = message.kind.clone();
        link.send_message(match embed::Command::of(message) {
            Ok(command) => Msg::Embed(command),
            Err(why) => Msg::EmbedRefused(kind, why),
        });
    }))
}

/// Listens for the keys the page takes: presenting, the keys a slide remote sends step
/// through the captions; otherwise space plays and pauses and → steps one event.
fn key_listener(
    link: yew::html::Scope<App>,
    presenting: Rc<std::cell::Cell<bool>>,
) -> Option<EventListener> {
    let window = web_sys::window()?;
    // Not passive: the page takes the keys it uses from the browser (no scrolling).
    let options = gloo::events::EventListenerOptions::enable_prevent_default();
    Some(EventListener::new_with_options(
        &window,
        "keydown",
        options,
        move |e| {
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
            let ours = if presenting.get() {
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
        },
    ))
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        // What boot.js fetched beside the WebAssembly: the Korean catalogue (when the page
        // will speak Korean) and the tooltips, read before the first frame. Without them
        // the page speaks English and has no tooltips, and works.
        let fetched = |name: &str| {
            web_sys::window()
                .and_then(|w| js_sys::Reflect::get(&w, &name.into()).ok())
                .and_then(|t| t.as_string())
        };
        if let Some(text) = fetched("kscopeKo") {
            let _ = i18n::load_korean(&text);
        }
        if let Some(text) = fetched("kscopeTips") {
            let _ = i18n::load_tips(&text);
        }
        let player = Player::new(&query(), browser_lang());
        if !player.settings.embed && !player.asks_for_scenario() && !browser::guide_seen() {
            ctx.link().send_future(async {
                Msg::GuideLoaded(browser::fetch_text("help/guide.txt").await)
            });
        }
        if player.settings.controls_mode() != settings::ControlsMode::Hide {
            ctx.link().send_future(async {
                Msg::MythsLoaded(browser::fetch_text("help/myths.txt").await)
            });
        }
        let presenting = Rc::new(std::cell::Cell::new(false));
        let embed_host = browser::embed_host(player.settings.host.as_deref());
        ctx.link().send_future(async {
            let (good, bad) = load_scenarios().await;
            Msg::ScenariosLoaded(good, bad)
        });
        let mut app = App {
            player,
            last_frame_ms: None,
            dispatch: ctx.link().callback(|m| m),
            rates: view_model::Rates::default(),
            rates_at_ms: 0.0,
            losses: Rc::new(Vec::new()),
            losses_counted: 0,
            losses_lang: Lang::En,
            snapshot: None,
            snapshot_at_ms: 0.0,
            reduced_motion: reduced_motion(),
            dots: Default::default(),
            #[cfg(feature = "control_plane")]
            quorum_dots: Default::default(),
            rates_b: view_model::Rates::default(),
            app_ref: NodeRef::default(),
            fitted: None,
            fit_checked_ms: 0.0,
            drawer_open: false,
            share_input: NodeRef::default(),
            copied: None,
            guide: None,
            myths: Rc::new(Vec::new()),
            _keys: key_listener(ctx.link().clone(), presenting.clone()),
            presenting,
            frames: FrameLoop::new(ctx.link().clone()),
            _resize: web_sys::window().map(|w| {
                let link = ctx.link().clone();
                EventListener::new(&w, "resize", move |_| link.send_message(Msg::Resized))
            }),
            _messages: embed_host
                .clone()
                .and_then(|h| message_listener(ctx.link().clone(), h)),
            embed_host,
            panel: None,
            log_html: None,
            log_worker: None,
            log_seq: 0,
            log_busy: false,
            log_asked: (0, 0.0),
        };
        app.after_update();
        app.frames.request();
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        if !matches!(msg, Msg::Frame(_)) {
            // Anything but the clock shows at once.
            self.snapshot = None;
        }
        let p = &mut self.player;
        let render = match msg {
            Msg::Frame(ts) => {
                self.frames.request();
                // An open log follows the run, a question a second at most.
                let now_us = p.sim.now().micros();
                if self.panel.is_some()
                    && !self.log_busy
                    && now_us != self.log_asked.0
                    && ts - self.log_asked.1 >= LOG_REFRESH_MS
                {
                    self.ask_log(ctx, None);
                }
                let p = &mut self.player;
                let elapsed = self.last_frame_ms.map_or(0.0, |t| ts - t);
                self.last_frame_ms = Some(ts);
                match p.frame(elapsed, &mut js_sys::Date::now) {
                    Frame::Paused => return false,
                    Frame::Seeking => {
                        // On the way, the page is redrawn as often as while playing (the
                        // frame's time goes to the simulation); on arrival, at once.
                        let arrived = self.player.seek.is_none();
                        if !arrived && ts - self.snapshot_at_ms < SNAPSHOT_MS {
                            self.after_update();
                            return false;
                        }
                        self.snapshot_at_ms = ts;
                        self.snapshot = None;
                        self.after_update();
                        return true;
                    }
                    Frame::Played => {}
                }
                if ts - self.snapshot_at_ms >= SNAPSHOT_MS || !self.player.playing {
                    self.snapshot_at_ms = ts;
                    self.snapshot = None;
                }
                if ts - self.rates_at_ms > 250.0 {
                    self.rates_at_ms = ts;
                    self.refresh_rates();
                }
                if self.snapshot.is_some() {
                    // Only the messages moved: draw them, and leave the page's DOM alone.
                    self.after_update();
                    self.draw_dots();
                    return false;
                }
                true
            }
            Msg::TogglePlay => {
                p.toggle_play();
                true
            }
            Msg::Step => {
                p.step();
                true
            }
            Msg::GoTo(us) => {
                p.go_to(us);
                true
            }
            Msg::StepBack => {
                p.step_back();
                true
            }
            Msg::Reset => {
                p.reset();
                true
            }
            Msg::SetParam("lang", value) if value == "ko" && i18n::korean().is_none() => {
                // The Korean catalogue first (boot.js did not fetch it for an English page).
                ctx.link().send_future(async {
                    Msg::KoreanLoaded(browser::fetch_text("help/ko.txt").await)
                });
                false
            }
            // Transactions (a transactional.id, the exactly-once pipeline) are in the
            // page's full build, not in its first load: the page opens again with the
            // setting, and web/boot.js loads that build.
            // So is the controller quorum (`quorum.size`).
            Msg::SetParam(name, value) if params::needs_full_build(name, &value) => {
                let value = match value.trim() {
                    "true" => params::DEFAULT_TRANSACTIONAL_ID,
                    v => v,
                };
                browser::reload_with(name, value);
                false
            }
            Msg::SetParam(name, value) => {
                p.set_param(name, &value);
                true
            }
            Msg::SetSeed(text) => {
                p.set_seed(&text);
                true
            }
            Msg::Act(action) => {
                p.act(action);
                true
            }
            Msg::Toggle(toggle) => {
                p.toggle(toggle);
                true
            }
            Msg::ScenariosLoaded(good, bad) => {
                p.scenarios_loaded(good, bad);
                if let Some(host) = &self.embed_host {
                    browser::post_to_host(host, &embed::Post::Ready(p.status()));
                }
                true
            }
            Msg::Embed(command) => {
                let name = command.name();
                let state = command == embed::Command::State;
                let post = match p.command(command) {
                    Err(reason) => Some(embed::Post::Refused {
                        command: name.into(),
                        reason,
                    }),
                    Ok(()) if state => Some(embed::Post::State(p.status())),
                    Ok(()) => None,
                };
                if let (Some(host), Some(post)) = (&self.embed_host, post) {
                    browser::post_to_host(host, &post);
                }
                true
            }
            Msg::EmbedRefused(command, why) => {
                let reason = i18n::not_a_command(p.lang(), why);
                if let Some(host) = &self.embed_host {
                    browser::post_to_host(host, &embed::Post::Refused { command, reason });
                }
                false
            }
            Msg::PickScenario(id) => {
                p.pick_scenario(&id);
                true
            }
            Msg::NextStep | Msg::PrevStep => {
                p.present_step(matches!(msg, Msg::NextStep));
                true
            }
            Msg::Key(key) => {
                p.key(&key);
                true
            }
            Msg::OpenLog(topic, partition, broker) => {
                let t = p.sim.topics().iter().position(|t| *t.spec.name == *topic);
                let opened = t.map(|t| {
                    log_view::Panel::Log(log_view::Opened::new(t as u32, partition, broker))
                });
                if opened != self.panel {
                    self.panel = opened;
                    self.log_html = None;
                    self.ask_log(ctx, None);
                }
                true
            }
            Msg::OpenWire(msg) => {
                let api = match self.panel {
                    Some(log_view::Panel::Wire(w)) => w.api.filter(|_| msg.is_none()),
                    _ => None,
                };
                self.panel = Some(log_view::Panel::Wire(wire_view::WireOpened { msg, api }));
                self.log_html = None;
                self.ask_log(ctx, None);
                true
            }
            Msg::StageClick(which, x, y) => {
                let picked = self.message_at(which, x, y);
                if let Some(id) = picked {
                    ctx.link().send_message(Msg::OpenWire(Some(id)));
                }
                false
            }
            Msg::PickMessage(id) => {
                if let Some(log_view::Panel::Wire(w)) = &mut self.panel {
                    w.msg = Some(id);
                }
                self.ask_log(ctx, None);
                false
            }
            Msg::FilterApi(key) => {
                if let Some(log_view::Panel::Wire(w)) = &mut self.panel {
                    w.api = i16::try_from(key).ok().filter(|k| *k >= 0);
                    w.msg = None;
                }
                self.ask_log(ctx, None);
                false
            }
            Msg::CloseLog => {
                self.panel = None;
                self.log_html = None;
                true
            }
            Msg::PickSegment(base) => {
                if let Some(log_view::Panel::Log(o)) = &mut self.panel {
                    o.segment = Some(base);
                    o.batch = None;
                }
                self.ask_log(ctx, None);
                false
            }
            Msg::PickBatch(base) => {
                if let Some(log_view::Panel::Log(o)) = &mut self.panel {
                    o.batch = Some(base);
                }
                self.ask_log(ctx, None);
                false
            }
            Msg::DownloadLogFile(i) => {
                self.ask_log(ctx, Some(i));
                false
            }
            Msg::LogAnswer(reply) => {
                self.log_busy = false;
                match reply {
                    browser::LogReply::File(name, bytes) => {
                        browser::download_bytes(&name, &bytes);
                        false
                    }
                    browser::LogReply::View(seq, html) if seq == self.log_seq => {
                        self.log_html = self.panel.map(|_| AttrValue::from(html));
                        true
                    }
                    browser::LogReply::Failed(seq, why)
                        if seq == self.log_seq || seq == u32::MAX =>
                    {
                        // The worker could not start: said in the page's language.
                        let why = match seq {
                            u32::MAX => i18n::no_worker(self.player.lang()),
                            _ => why.replace('<', "&lt;"),
                        };
                        let why = format!("<p class=\"notice\">{why}</p>");
                        self.log_html = self.panel.map(|_| AttrValue::from(why));
                        true
                    }
                    _ => false,
                }
            }
            Msg::ExportScenario => {
                let name = format!("kscope-session-{}.txt", p.sim.now().millis());
                browser::download_text(&name, &p.export_scenario());
                false
            }
            Msg::ExportHtml | Msg::ExportSvg => {
                let (what, ext) = match msg {
                    Msg::ExportHtml => ("html", "html"),
                    _ => ("svg", "svg"),
                };
                let name = format!("kscope-{}.{ext}", p.sim.now().millis());
                let query = p.share_query();
                self.export(ctx, what, &name, &query);
                true
            }
            Msg::ExportTrace => {
                let name = format!("kscope-{}.jsonl", p.sim.now().millis());
                let file = p.export_scenario();
                ctx.link().send_future(async move {
                    Msg::TraceMade(name, browser::trace_of(file).await)
                });
                false
            }
            Msg::TraceMade(name, made) => {
                match made {
                    Ok(lines) => self.export(ctx, "jsonl", &name, &lines),
                    Err(e) => p.notices = vec![e],
                }
                true
            }
            Msg::Exported(made) => {
                if !made {
                    p.notices = vec![i18n::export_failed(p.lang())];
                }
                !made
            }
            Msg::Share => {
                p.share_link = Some(format!("{}?{}", browser::page_address(), p.share_query()));
                self.copied = None;
                true
            }
            Msg::CloseShare => {
                p.share_link = None;
                self.copied = None;
                true
            }
            Msg::CopyShare => {
                let Some(link) = p.share_link.clone() else {
                    return false;
                };
                let input = self.share_input.cast::<HtmlInputElement>();
                ctx.link().send_future(async move {
                    Msg::Copied(browser::copy_text(&link, input).await)
                });
                false
            }
            Msg::Copied(done) => {
                self.copied = Some(done);
                true
            }
            Msg::GuideLoaded(text) => {
                // A guide that cannot be read is not shown: the page works without it.
                self.guide = text.and_then(|t| guide::Guide::parse(&t)).ok().map(Rc::new);
                true
            }
            Msg::KoreanLoaded(text) => {
                if text.and_then(|t| i18n::load_korean(&t)).is_ok() {
                    p.set_param("lang", "ko");
                } else {
                    p.notices = vec![i18n::no_korean().into()];
                }
                true
            }
            Msg::MythsLoaded(text) => {
                // Cards that cannot be read are not shown (the page works without them);
                // the tests read the shipped file, so a bad one does not ship.
                self.myths = Rc::new(text.and_then(|t| myths::parse(&t)).unwrap_or_default());
                true
            }
            Msg::Demonstrate(i) => {
                if let Some(m) = self.myths.get(i).cloned() {
                    p.demonstrate(&m);
                }
                true
            }
            Msg::CloseGuide(try_one) => {
                self.guide = None;
                browser::remember_guide_seen();
                if try_one {
                    if let Some(first) = p.scenarios.first().map(|s| s.id.clone()) {
                        p.pick_scenario(&first);
                    }
                }
                true
            }
            Msg::BackToScenario => {
                p.back_to_scenario();
                true
            }
            Msg::StayOut => {
                p.left = None;
                true
            }
            Msg::OpenFile(None) => true,
            Msg::OpenFile(Some(file)) if file.size() > scenario::MAX_FILE_BYTES as f64 => {
                // Not read at all past the parser's limit.
                p.notices = vec![format!(
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
                p.open_file(&name, text);
                true
            }
            Msg::Resized => {
                self.fitted = None;
                true
            }
            Msg::ToggleDrawer => {
                self.drawer_open = !self.drawer_open;
                true
            }
        };
        // A scenario with transactions or a controller quorum needs the page's full build:
        // the page opens again with the scenario's settings that ask for it, for which
        // web/boot.js loads that build. Where the page already came with one (a build
        // without the full one: `trunk serve` in debug), the configuration's message says
        // why not.
        if let Some(query) = self.player.needs_full_build.take() {
            if browser::query_any(params::needs_full_build) {
                self.player.notices = vec![i18n::no_full_build(self.player.lang())];
            } else {
                browser::open_query(&query);
                return false;
            }
        }
        self.after_update();
        render
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first_render: bool) {
        set_document_lang(self.player.lang());
        if self.player.settings.embed {
            self.fit_to_frame();
        }
        self.draw_dots();
    }

    fn view(&self, _ctx: &Context<Self>) -> Html {
        // The matrix and the readouts are refreshed every SNAPSHOT_MS (numbers changing
        // faster cannot be read); the messages in flight move every frame.
        let Snapshot { vm, st, b } = self
            .snapshot
            .as_ref()
            .expect("refreshed before every render");
        let (vm, st) = (vm.clone(), st.clone());
        let losses = self.losses.clone();
        let lang = self.player.lang();
        let t = lang.text();
        let scenario_id = self
            .player
            .scenario
            .as_ref()
            .map(|s| s.id.clone())
            .unwrap_or_default();
        let caption = match (&self.player.scenario, self.player.step_index()) {
            (Some(sc), Some(i)) => html! {
                <CaptionBar
                    title={sc.title(lang).to_string()}
                    index={i}
                    total={sc.steps.len()}
                    caption={sc.steps[i].caption(lang).to_string()}
                    seeking={self.player.seek.map(|s| script::format_time(s.to_us))}
                    ended={self.player.sim.now().micros() >= sc.end_us}
                    expect={scenario::expectations(sc, lang)}
                    {lang}
                    dispatch={self.dispatch.clone()} />
            },
            _ => html! {},
        };
        let settings = &self.player.settings;
        let controls = |locked: bool| {
            let panel = html! {
                <Controls settings={settings.clone()} playing={self.player.playing} {lang} dispatch={self.dispatch.clone()} scenarios={Same(self.player.scenarios.clone())} scenario={scenario_id.clone()} myths={Same(self.myths.clone())} />
            };
            if locked {
                html! { <fieldset class="locked" disabled=true>{panel}</fieldset> }
            } else {
                panel
            }
        };
        let mode = settings.controls_mode();
        let panel = match mode {
            settings::ControlsMode::Show => Some(controls(false)),
            settings::ControlsMode::Lock => Some(controls(true)),
            settings::ControlsMode::Hide => None,
        };
        // Embedded, the controls open in a drawer over the stage, and play and the drawer's
        // button sit in the header: a slide's frame keeps the stage at a readable size.
        let drawer = settings.embed && panel.is_some();
        let locked = mode == settings::ControlsMode::Lock;
        let below = html! {
            <>
                { legend(&vm, st.log_window, st.quorum.is_some(), lang, self.dispatch.reform(|_| Msg::OpenWire(None))) }
                if !settings.embed {
                    <ConsumerCards cards={st.consumers.clone()} {locked} {lang} dispatch={self.dispatch.clone()} />
                    <OffsetsView group_id={st.groups[0].group_id.clone()} offsets={st.groups[0].offsets.clone()} {lang} />
                    <Links links={st.links.clone()} {locked} {lang} dispatch={self.dispatch.clone()} />
                }
                <Losses list={losses} {lang} />
                <EventLog events={Same(self.player.log.clone())} names={Same(self.player.names.clone())} {lang} />
                <Charts series={Same(self.player.series.clone())} {lang} />
            </>
        };
        html! {
                    <div class={classes!("app", settings.embed.then_some("embed"), settings.large_text.then_some("large-text"))} ref={self.app_ref.clone()}
        >
                        <header class="topbar">
                            <div class="brand">
                                <span class="logo" aria-hidden="true">{"◆"}</span>
                                <h1 class="name">{"kscope"}</h1>
                                <span class="tag" data-testid="tagline">{i18n::tagline(lang, settings.kafka_version.name())}</span>
                            </div>
                            if drawer {
                                <div class="embed-strip">
                                    <button data-testid="embed-play" class="primary" disabled={mode == settings::ControlsMode::Lock}
                                        onclick={self.dispatch.reform(|_| Msg::TogglePlay)}>
                                        { if self.player.playing { t.pause } else { t.play } }
                                    </button>
                                    <button data-testid="controls-toggle" aria-expanded={self.drawer_open.to_string()} aria-controls="drawer"
                                        onclick={self.dispatch.reform(|_| Msg::ToggleDrawer)}>
                                        { if self.drawer_open { t.close_controls } else { t.open_controls } }
                                    </button>
                                </div>
                            }
                            if b.is_none() {
                                <Readouts vm={vm.clone()} rates={self.rates.clone()} {lang} dispatch={self.dispatch.clone()} locked={mode == settings::ControlsMode::Lock} />
                            }
                        </header>
                        { for i18n::notice_lines(lang, &self.player.notices).into_iter().map(|n| html! { <div class="notice" role="alert" data-testid="notice">{n}</div> }) }
                        if let Some((sc, step)) = &self.player.left {
                            <div class="notice left-scenario" role="alert" data-testid="left-scenario">
                                <span>{t.left_scenario.replace("{}", sc.title(lang))}</span>
                                <span class="notice-actions">
                                    <button class="primary" data-testid="back-to-scenario" onclick={self.dispatch.reform(|_| Msg::BackToScenario)}>
                                        {t.back_to_scenario.replace("{}", &(step + 1).to_string())}
                                    </button>
                                    <button onclick={self.dispatch.reform(|_| Msg::StayOut)}>{t.stay}</button>
                                </span>
                            </div>
                        }
                        if let Some(link) = &self.player.share_link {
                            <div class="share-box">
                                <label for="share-link">{t.share_ready}</label>
                                <input id="share-link" data-testid="share-link" type="text" readonly=true value={link.clone()} ref={self.share_input.clone()}
                                    onfocus={Callback::from(|e: FocusEvent| e.target_unchecked_into::<HtmlInputElement>().select())} />
                                <button class="primary" data-testid="copy-link" onclick={self.dispatch.reform(|_| Msg::CopyShare)}>{t.copy}</button>
                                <button onclick={self.dispatch.reform(|_| Msg::CloseShare)}>{t.close}</button>
                                if let Some(done) = self.copied {
                                    <span class="copy-status" data-testid="copy-status" role="status" data-copied={done.to_string()}>
                                        { if done { t.copied } else { t.copy_failed } }
                                    </span>
                                }
                            </div>
                        }
                        <div class={classes!("workspace", (panel.is_none() || drawer).then_some("stage-only"))}>
                            if drawer {
                                <div id="drawer" class={classes!("drawer", self.drawer_open.then_some("open"))} hidden={!self.drawer_open}>
                                    { panel.clone().unwrap_or_default() }
                                </div>
                            } else if let Some(panel) = panel.clone() {
                                { panel }
                            }
                            <main class="stage-wrap">
                                { caption }
                                if !settings.embed {
                                    <p class="scroll-hint" aria-hidden="true">{t.scroll_hint}</p>
                                }
                                if settings.topics > 1 || settings.pipeline() {
                                    <TopicBar settings={settings.clone()} {locked} {lang} dispatch={self.dispatch.clone()} />
                                }
                                if let (Some((vm_b, st_b)), Some(twin)) = (b, &self.player.twin) {
                                    { self.comparison_bar(lang, locked) }
                                    <div class="runs">
                                        { self.run_view(0, &vm, self.rates.clone(), Some(vm_b), &st, &[], locked) }
                                        { self.run_view(1, vm_b, self.rates_b.clone(), Some(&vm), st_b, &twin.notices, locked) }
                                    </div>
                                } else {
                                    { self.stage_box(0, &st, locked) }
                                }
                                if self.panel.is_some() {
                                    { self.log_section(lang) }
                                }
                                if !settings.embed {
                                    <TimelineBar now_us={self.player.shown_us()}
                                        horizon_us={self.player.horizon_us} marks={Same(self.player.marks.clone())} {locked} {lang}
                                        dispatch={self.dispatch.clone()} />
                                }
                                if settings.embed {
                                    <div class="below">{ below }</div>
                                } else {
                                    { below }
                                }
                            </main>
                        </div>
                        if let Some(guide) = self.guide.as_ref().filter(|_| !self.player.presenting()) {
                            <section class="guide" data-testid="guide" role="dialog" aria-labelledby="guide-title">
                                <h2 id="guide-title">{guide.title(lang)}</h2>
                                <ul>{ for guide.points(lang).map(|l| html! { <li>{l}</li> }) }</ul>
                                <div class="guide-actions">
                                    <button class="primary" data-testid="guide-try" onclick={self.dispatch.reform(|_| Msg::CloseGuide(true))}>{t.guide_try}</button>
                                    <button data-testid="guide-close" onclick={self.dispatch.reform(|_| Msg::CloseGuide(false))}>{t.guide_done}</button>
                                </div>
                            </section>
                        }
                    </div>
                }
    }
}

impl App {
    /// A stage and the canvas its messages in flight are drawn on (`which`: the run, 0,
    /// or run B of a comparison, 1).
    /// The open log, as the worker made it; its buttons say what they do in `data-act`
    /// and `data-arg`.
    fn log_section(&self, lang: Lang) -> Html {
        let d = self.dispatch.clone();
        let act = Callback::from(move |e: MouseEvent| {
            let button = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|el| el.closest("[data-act]").ok().flatten());
            let Some(button) = button else {
                return;
            };
            let arg = button
                .get_attribute("data-arg")
                .and_then(|a| a.parse::<i64>().ok());
            let msg = match (button.get_attribute("data-act").as_deref(), arg) {
                (Some("close"), _) => Msg::CloseLog,
                (Some("segment"), Some(a)) => Msg::PickSegment(a),
                (Some("batch"), Some(a)) => Msg::PickBatch(a),
                (Some("msg"), Some(a)) => Msg::PickMessage(a as u64),
                (Some("api"), Some(a)) => Msg::FilterApi(a),
                (Some("download"), Some(a)) => Msg::DownloadLogFile(a as usize),
                _ => return,
            };
            d.emit(msg);
        });
        let testid = match self.panel {
            Some(log_view::Panel::Wire(_)) => "wire-view",
            _ => "log-view",
        };
        html! {
            <section class="log-view" data-testid={testid} aria-labelledby="log-view-title" onclick={act}>
                { match &self.log_html {
                    Some(markup) => Html::from_html_unchecked(markup.clone()),
                    None => html! { <p class="muted">{lang.text().log_reading}</p> },
                } }
            </section>
        }
    }

    fn stage_box(&self, which: usize, st: &Rc<Stage>, locked: bool) -> Html {
        let motion = match self.motion() {
            stage::Motion::Smooth => "smooth",
            stage::Motion::Steps => "steps",
        };
        // A click on a replica (or Enter on it) opens its log below the stage.
        let open = |e: &web_sys::Event| -> Option<Msg> {
            use wasm_bindgen::JsCast;
            let cell = e
                .target()?
                .dyn_into::<web_sys::Element>()
                .ok()?
                .closest("[data-testid=replica]")
                .ok()??;
            let n = |a: &str| cell.get_attribute(a)?.parse().ok();
            Some(Msg::OpenLog(
                cell.get_attribute("data-topic")?,
                n("data-partition")?,
                n("data-broker")?,
            ))
        };
        let d = self.dispatch.clone();
        let on_click = Callback::from(move |e: MouseEvent| {
            use wasm_bindgen::JsCast;
            // A control's click is the control's, however near a message it is.
            let on_control = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|el| el.closest("button, a, input, select, label").ok())
                .flatten()
                .is_some();
            match open(&e) {
                Some(m) => d.emit(m),
                None if !on_control => d.emit(Msg::StageClick(
                    which,
                    f64::from(e.client_x()),
                    f64::from(e.client_y()),
                )),
                None => {}
            }
        });
        let d = self.dispatch.clone();
        let on_key = Callback::from(move |e: KeyboardEvent| {
            if let Some(m) = open(&e).filter(|_| e.key() == "Enter") {
                d.emit(m);
            }
        });
        // The control-plane strip (the full build, with a quorum) sits above the stage,
        // outside the box the messages in flight are drawn over.
        #[cfg(feature = "control_plane")]
        let quorum = st.quorum.clone().map(|q| html! {
            <components::quorum_view::QuorumView quorum={q} {locked} lang={self.player.lang()} dispatch={self.dispatch.clone()}
                wire={self.quorum_dots[which].canvas.clone()} />
        });
        #[cfg(not(feature = "control_plane"))]
        let quorum: Option<Html> = None;
        html! {
            <>
            { for quorum }
            <div class="stage-box" onclick={on_click} onkeydown={on_key}>
                <StageView stage={Same(st.clone())} {locked} lang={self.player.lang()} dispatch={self.dispatch.clone()} />
                // Drawn by `draw_dots` every frame, outside Yew's diffing.
                <canvas class="dots" ref={self.dots[which].canvas.clone()} aria-hidden="true" data-testid="dots"
                    data-motion={motion}></canvas>
            </div>
            </>
        }
    }

    /// One run of a comparison: which it is and its setting, its readouts (the counts
    /// that differ from the other's marked), what it alone refused, its stage.
    #[allow(clippy::too_many_arguments)]
    fn run_view(
        &self,
        which: usize,
        vm: &view_model::ViewModel,
        rates: view_model::Rates,
        other: Option<&view_model::ViewModel>,
        st: &Rc<Stage>,
        notices: &[String],
        locked: bool,
    ) -> Html {
        let lang = self.player.lang();
        let (name, letter, settings) = match (which, &self.player.twin) {
            (1, Some(t)) => ("b", "B", &t.settings),
            _ => ("a", "A", &self.player.settings),
        };
        let setting = self.player.settings.compare.as_ref().and_then(|c| {
            let p = params::find(c.name)?;
            Some(format!("{}={}", p.name, p.shown(settings)))
        });
        html! {
            <section class={classes!("run", format!("run-{name}"))} data-testid="run" data-run={name}
                aria-label={format!("{} {letter}: {}", lang.text().run, setting.clone().unwrap_or_default())}>
                <header class="run-head">
                    <span class="run-name">{letter}</span>
                    <code class="run-setting">{setting.unwrap_or_default()}</code>
                    <div class="run-readouts"><Readouts vm={vm.clone()} {rates} {lang} other={other.cloned()} /></div>
                </header>
                { for i18n::notice_lines(lang, notices).into_iter().map(|n| html! { <div class="notice" role="alert" data-testid="notice">{n}</div> }) }
                { self.stage_box(which, st, locked) }
            </section>
        }
    }

    /// A comparison's bar: what the two runs are, where they first part, and the way out.
    fn comparison_bar(&self, lang: Lang, locked: bool) -> Html {
        let t = lang.text();
        let p = &self.player;
        let said = p.comparison.in_words(&p.names, p.sim.now().micros(), lang);
        let parted = p.comparison.first.is_some();
        html! {
            <div class="comparison" data-testid="comparison">
                // Told to a screen reader once the runs part (before, its "up to" instant
                // changes four times a second).
                <p class={classes!("divergence", parted.then_some("parted"))} data-testid="divergence"
                    aria-live={if parted { "polite" } else { "off" }}>{said}</p>
                <button data-testid="compare-stop" disabled={locked}
                    onclick={self.dispatch.reform(|_| Msg::SetParam("compare", String::new()))}>{t.stop_comparing}</button>
            </div>
        }
    }

    /// After the player changed: the URL follows it, the keyboard listener learns whether
    /// a scenario is presented, and what the next render shows is rebuilt if due.
    /// Starts one of `export.js`'s exports (see [`browser::export`]); what goes wrong is
    /// said in the page.
    /// Asks the worker about the open log (starting the worker the first time): its view,
    /// or with `download` one of the picked segment's files.
    fn ask_log(&mut self, ctx: &Context<Self>, download: Option<usize>) {
        let Some(panel) = self.panel else {
            return;
        };
        if self.log_worker.is_none() {
            self.log_worker = browser::LogWorker::start(ctx.link().callback(Msg::LogAnswer));
        }
        let Some(worker) = &self.log_worker else {
            self.log_html = Some(AttrValue::from(format!(
                "<p class=\"notice\">{}</p>",
                i18n::no_worker(self.player.lang())
            )));
            return;
        };
        if download.is_none() {
            self.log_seq += 1;
            self.log_busy = true;
            self.log_asked = (
                self.player.sim.now().micros(),
                self.last_frame_ms.unwrap_or(0.0),
            );
        }
        let question = log_view::Question {
            panel,
            ko: self.player.lang() == Lang::Ko,
            download,
            seq: self.log_seq,
        };
        worker.ask(question.to_text(&self.player.export_scenario()));
    }

    fn export(&mut self, ctx: &Context<Self>, what: &str, name: &str, arg: &str) {
        match browser::export(what, name, arg) {
            Some(made) => ctx
                .link()
                .send_future(async move { Msg::Exported(made.await) }),
            None => self.player.notices = vec![i18n::no_offline_copy(self.player.lang())],
        }
    }

    fn after_update(&mut self) {
        if let Some(query) = self.player.take_url() {
            write_url(&query);
        }
        if let Some(host) = &self.embed_host {
            for post in self.player.take_posts() {
                browser::post_to_host(host, &post);
            }
        }
        self.presenting.set(self.player.presenting());
        self.refresh_snapshot();
    }

    /// Rebuilds what the next render shows, when it is due: the readouts and the stage's
    /// matrix, and the losses by cause when their count changed.
    fn refresh_snapshot(&mut self) {
        if self.snapshot.is_none() && !self.player.playing {
            // Paused (a step, a fast-forward that arrived): the readouts still tell the truth.
            self.refresh_rates();
        }
        if self.snapshot.is_none() {
            let shown = self.player.settings.stage_topic();
            let of = |sim| {
                (
                    view_model::view_model(sim),
                    Rc::new(stage::stage_of(sim, shown)),
                )
            };
            let (vm, st) = of(&self.player.sim);
            self.snapshot = Some(Snapshot {
                vm,
                st,
                b: self.player.twin.as_ref().map(|t| of(&t.sim)),
            });
        }
        let lost = self.player.sim.ledger().counts().lost;
        let lang = self.player.lang();
        if lost != self.losses_counted || lang != self.losses_lang {
            self.losses_counted = lost;
            self.losses_lang = lang;
            self.losses = Rc::new(view_model::losses(&self.player.sim, lang));
        }
    }

    /// Throughput and latency from the recent records (of both runs in a comparison).
    fn refresh_rates(&mut self) {
        self.rates = view_model::rates(&self.player.sim, 1_000, RATE_SCAN);
        if let Some(twin) = &self.player.twin {
            self.rates_b = view_model::rates(&twin.sim, 1_000, RATE_SCAN);
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
    /// The message in flight drawn nearest the page's point (`x`, `y`) on stage `which`,
    /// if one is within a finger's reach of it. Only the run's own stage: the wire view
    /// shows the session's run (a comparison's run B has messages of its own).
    fn message_at(&self, which: usize, x: f64, y: f64) -> Option<u64> {
        if which != 0 {
            return None;
        }
        let canvas = self.dots[0].canvas.cast::<web_sys::Element>()?;
        let rect = canvas.get_bounding_client_rect();
        let sim = &self.player.sim;
        let design = self.dots[0].design;
        let scale = if design > 0.0 {
            rect.height() / design
        } else {
            1.0
        };
        let shown = self.player.settings.stage_topic();
        let dots = stage::dots_of(sim, shown, sim.now(), MAX_DOTS, self.motion());
        let at = (x - rect.left(), y - rect.top());
        stage::nearest_dot(&dots, at, rect.width(), scale)
    }

    fn draw_dots(&mut self) {
        let motion = self.motion();
        let shown = self.player.settings.stage_topic();
        let window = Duration::from_micros((150_000.0 * self.player.settings.speed) as u64);
        let snapshot = self.snapshot.as_ref();
        let runs = [
            Some((&self.player.sim, snapshot.map(|s| s.st.height_px))),
            self.player.twin.as_ref().map(|t| {
                (
                    &t.sim,
                    snapshot.and_then(|s| s.b.as_ref()).map(|b| b.1.height_px),
                )
            }),
        ];
        for (dots, run) in self.dots.iter_mut().zip(runs) {
            let Some((sim, height)) = run else {
                continue;
            };
            let mut list = stage::dots_of(sim, shown, sim.now(), MAX_DOTS, motion);
            if motion == stage::Motion::Smooth {
                list.extend(stage::sends_of(sim, shown, sim.now(), window, MAX_SENDS));
            }
            dots.paint(&list, height.unwrap_or(0.0));
        }
        #[cfg(feature = "control_plane")]
        {
            let runs = [
                Some(&self.player.sim),
                self.player.twin.as_ref().map(|t| &t.sim),
            ];
            for (dots, sim) in self.quorum_dots.iter_mut().zip(runs) {
                if let Some(sim) = sim.filter(|s| s.control_plane().is_some()) {
                    let list = stage::quorum_dots(sim, sim.now(), motion);
                    dots.paint(&list, stage::QUORUM_WIRE_PX);
                }
            }
        }
    }

    /// Embedded, the page's text size is fitted to the frame (see
    /// [`browser::fit_text_to_frame`]) when the frame or what the stage holds changed.
    fn fit_to_frame(&mut self) {
        let Some(app) = self.app_ref.cast::<web_sys::HtmlElement>() else {
            return;
        };
        let stage = self.snapshot.as_ref().map(|s| s.st.clone());
        let key = FitKey {
            frame: browser::frame_size(),
            rows: stage.as_ref().map_or(0, |st| st.rows.len()),
            brokers: stage.as_ref().map_or(Vec::new(), |st| {
                st.columns
                    .iter()
                    .map(|c| {
                        let coordinates = st.groups.iter().any(|g| g.coordinator == Some(c.id));
                        (c.up, c.fenced, coordinates)
                    })
                    .collect()
            }),
            step: self.player.step_index(),
            notices: i18n::notice_lines(self.player.lang(), &self.player.notices).len()
                + usize::from(self.player.left.is_some()),
            lang: self.player.lang(),
            share: (self.player.share_link.is_some(), self.copied),
        };
        // The numbers grow as the run goes on: every two seconds, the stage is checked for
        // text they pushed out of its box, and fitted again if there is.
        let now = js_sys::Date::now();
        let outgrown = now - self.fit_checked_ms > 2_000.0 && {
            self.fit_checked_ms = now;
            browser::stage_cut(&app)
        };
        if outgrown || self.fitted.as_ref() != Some(&key) {
            browser::fit_text_to_frame(&app);
            self.fitted = Some(key);
        }
    }
}

/// What an embedded page's text size was fitted to: a new frame, another count of rows or
/// brokers, another caption or another language fits it again; the clock running does not
/// (the text would breathe).
#[derive(Clone, Debug, PartialEq)]
struct FitKey {
    frame: (i32, i32),
    rows: usize,
    /// Each broker's state (up, fenced, coordinating): each says it in other words.
    brokers: Vec<(bool, bool, bool)>,
    step: Option<usize>,
    /// The notices above the stage (a scenario left counts as one).
    notices: usize,
    lang: Lang,
    /// The share box, and the line under it saying whether Copy copied.
    share: (bool, Option<bool>),
}

/// What the next render shows of the run (and of run B in a comparison), refreshed every
/// [`SNAPSHOT_MS`]: the readouts and the stage's matrix.
struct Snapshot {
    vm: view_model::ViewModel,
    st: Rc<Stage>,
    b: Option<(view_model::ViewModel, Rc<Stage>)>,
}

/// A canvas the messages in flight are drawn on, and its painter (made for the canvas
/// element it holds; a new element gets a new painter).
#[derive(Default)]
struct Dots {
    canvas: NodeRef,
    painter: Option<(web_sys::HtmlCanvasElement, DotsPainter)>,
    /// The count of messages the canvas's `data-count` shows.
    count: Option<usize>,
    /// The kinds of message drawn (a bit per [`stage::DotKind`]), which the canvas's
    /// `data-kinds` names.
    kinds: Option<u32>,
    /// The stage's height the dots' positions were last given in (CSS pixels).
    design: f64,
}

impl Dots {
    /// Hands the messages' positions to the canvas's painter (see `dots.js`); `height`:
    /// the stage's, as its view model drew it.
    fn paint(&mut self, dots: &[Dot], height: f64) {
        self.design = height;
        let Some(canvas) = self.canvas.cast::<web_sys::HtmlCanvasElement>() else {
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
            self.count = None;
            self.kinds = None;
        }
        let mut data = Vec::with_capacity(dots.len() * 3);
        let mut kinds = 0u32;
        for d in dots {
            kinds |= 1 << d.kind.index();
            data.extend([d.kind.index() as f32, (d.x / 100.0) as f32, d.y as f32]);
        }
        if self.count != Some(dots.len()) {
            self.count = Some(dots.len());
            let _ = canvas.set_attribute("data-count", &dots.len().to_string());
        }
        // Only the control-plane strip's canvas is told apart by kind (the full build).
        if cfg!(feature = "control_plane") && self.kinds != Some(kinds) {
            self.kinds = Some(kinds);
            let names: Vec<&str> = stage::DotKind::ALL
                .iter()
                .filter(|k| kinds & 1 << k.index() != 0)
                .map(|k| k.class().trim_start_matches("dot "))
                .collect();
            let _ = canvas.set_attribute("data-kinds", &names.join(" "));
        }
        if let Some((_, painter)) = &self.painter {
            painter.draw(&data, height);
        }
    }
}
