//! The session, in plain Rust: what runs, what the person did, and where the clock goes.
//!
//! A [`Player`] owns the simulation and its settings, the person's recorded actions (what
//! a share link holds), the scenario being presented and its timeline. The page hands it
//! the wall time that passed ([`Player::frame`]) and the person's wishes (an [`Action`],
//! a [`Toggle`], a new setting, a key, a step to present); it advances the simulated
//! clock, fast-forwards in slices within a budget of wall time it measures with the clock
//! it is given, goes back from copies of the run (or replays from the seed), and says what the page's URL should
//! now be ([`Player::take_url`]). It reads no browser clock and touches no DOM, so the
//! whole session logic is tested natively.

use std::rc::Rc;

use kscope_core::event::Event;
use kscope_core::{BrokerId, ConsumerId, Duration, Instant, NodeId, Sim, TimedEvent};

use crate::compare::{self, Comparison, Twin};
use crate::i18n::{self, Lang};
use crate::scenario::{Scenario, Timeline};
use crate::script::{self, build, Action, PAGE_LATENCY_MS};
use crate::settings::Settings;
use crate::share::Session;
use crate::{charts, embed, view_model};

/// A gap between frames longer than this (a background tab) is not replayed.
pub const MAX_GAP_MS: f64 = 250.0;
/// How many lines the event log keeps.
pub const LOG_LINES: usize = 12;
/// The most a run may hold on the page's heap, in bytes. The simulation remembers every
/// record's fate and keeps every record its logs hold, some 100 to 170 bytes a record
/// (`cargo bench -p kscope-tests --bench memory`), so at 20,000 records/s a run grows by
/// 120 to 200 MB a simulated minute. Past this the page pauses with a notice: with what
/// the page itself needs beside the run, the tab's WebAssembly memory stays under 512 MB
/// however long a run goes on (`e2e/memory.test.mjs` checks it with the heaviest settings).
pub const HEAP_LIMIT_BYTES: usize = 320 * 1024 * 1024;
/// Where the heap is not counted (natively), what a record is taken to cost: the most the
/// memory benchmark measures, with the heaviest settings.
const BYTES_PER_RECORD_ESTIMATE: usize = 170;
/// Fast-forwarding works at most this long per frame, in wall milliseconds, so the page
/// never freezes however far a link or a step asks it to go. The page hands the player a
/// frame every `MIN_FRAME_MS` (30 ms) and, on the way, redraws only four times a second:
/// 22 ms leaves the browser room for its own work within each frame.
pub const SEEK_BUDGET_MS: f64 = 22.0;
/// Fast-forwarding advances the clock in slices this long (simulated microseconds).
pub const SEEK_SLICE_US: u64 = 20_000;

/// Where fast-forwarding goes, and what happens there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Seek {
    pub to_us: u64,
    /// Play on from there until this instant (presenting a step), or stay paused.
    pub then_play_until: Option<u64>,
}

/// A button that does one of two things depending on the cluster's state at the click:
/// isolate or reconnect a broker, cut or heal a link, slow or restore a broker, pause or
/// resume a consumer. The player looks at the state and performs the [`Action`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Toggle {
    Isolate(u32),
    ProducerLink(u32),
    Link(NodeId, NodeId),
    Slow(u32),
    PauseConsumer(u32),
}

/// What a frame did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame {
    /// Nothing: paused.
    Paused,
    /// The clock moved at the chosen speed.
    Played,
    /// Fast-forwarding went as far as the frame's budget allowed (or arrived).
    Seeking,
}

/// The session: see the module's documentation.
pub struct Player {
    pub settings: Settings,
    pub sim: Sim,
    pub playing: bool,
    /// Messages for the person: refused commands, bad URL parameters, Kafka's errors.
    pub notices: Vec<String>,
    /// A scenario asked for transactions, which this build of the page lacks: the query
    /// (the scenario, its step, the page's look and the scenario's `transactional.id`)
    /// that opens it in the page's full build (`lib.rs`).
    pub needs_full_build: Option<String>,
    /// The settings the current run started from (live changes since are in `person`).
    pub run_settings: Settings,
    /// The built-in scenarios once loaded, and files opened from disk.
    pub scenarios: Rc<Vec<Rc<Scenario>>>,
    /// The scenario being presented.
    pub scenario: Option<Rc<Scenario>>,
    /// The scenario's actions and a replayed link's, carried out as the clock passes them.
    timeline: Timeline,
    /// What the person did in this run, each with its instant: what a share link holds.
    pub person: Vec<(u64, Action)>,
    pub seek: Option<Seek>,
    /// Pauses when the clock reaches this instant (the end of a step being presented).
    hold_us: Option<u64>,
    /// The run reached [`HEAP_LIMIT_BYTES`]: it stays held until a new run replaces it,
    /// even when the counted heap dips below (rendering frees as it allocates).
    full: bool,
    /// The session the URL asked for, until the scenarios it names have loaded.
    pending: Option<Session>,
    /// The last notable events, newest first.
    pub log: Rc<Vec<LogLine>>,
    /// The topics' names, for the event log.
    pub names: Rc<Vec<String>>,
    /// The charts' samples (replaced, not changed, when a sample is added).
    pub series: Rc<charts::Series>,
    /// The link the share button made (a new run forgets it).
    pub share_link: Option<String>,
    /// The scenario a setting needing a new cluster left, and the step it was at: the
    /// page says so and offers to go back.
    pub left: Option<(Rc<Scenario>, usize)>,
    /// The furthest instant this run has reached, in microseconds: the timeline's end.
    pub horizon_us: u64,
    /// The run's notable moments up to the horizon (the timeline's markers, and where
    /// stepping back goes), oldest first.
    pub marks: Rc<Vec<Mark>>,
    /// Copies of the run at instants up to the horizon, oldest first: going back starts
    /// from the latest one before the instant instead of from the run's start.
    checkpoints: Vec<Checkpoint>,
    /// How much simulated time apart checkpoints are taken (it doubles each time their
    /// number reaches [`MAX_CHECKPOINTS`] and every other one is dropped).
    checkpoint_every_us: u64,
    /// The language when the URL names none.
    fallback_lang: Lang,
    /// The URL changed since the page last wrote it.
    url_changed: bool,
    /// What the embedding page was last told (see [`Player::take_posts`]): the step, and
    /// the instant of the last notable event.
    posted_step: Option<(String, usize)>,
    posted_mark_us: Option<u64>,
    /// `compare=`: the second run, B, in lock step with this one (see [`crate::compare`]).
    pub twin: Option<Box<Twin>>,
    /// Where the two runs first differ.
    pub comparison: Comparison,
}

impl Player {
    /// The session a page URL's query asks for; `fallback_lang` is the browser's.
    pub fn new(query: &str, fallback_lang: Lang) -> Player {
        let (mut settings, mut problems) = Settings::from_query(query);
        let (session, more) = Session::from_query(query);
        problems.extend(more);
        let lang = settings.lang.unwrap_or(fallback_lang);
        let mut notices: Vec<String> = problems.iter().map(|p| p.text(lang)).collect();
        let sim = match build(&settings) {
            Ok(sim) => sim,
            Err(e) => {
                notices.push(i18n::using_defaults(lang, &e));
                settings = Settings::default();
                build(&settings).expect("the defaults are valid")
            }
        };
        let mut player = Player {
            run_settings: settings.clone(),
            playing: settings.autoplay,
            settings,
            sim,
            notices,
            needs_full_build: None,
            scenarios: Rc::new(Vec::new()),
            scenario: None,
            timeline: Timeline::default(),
            person: Vec::new(),
            seek: None,
            hold_us: None,
            full: false,
            pending: None,
            log: Rc::new(Vec::new()),
            names: Rc::new(Vec::new()),
            series: Rc::new(charts::Series::default()),
            share_link: None,
            left: None,
            horizon_us: 0,
            marks: Rc::new(Vec::new()),
            checkpoints: Vec::new(),
            checkpoint_every_us: CHECKPOINT_EVERY_US,
            fallback_lang,
            url_changed: true,
            posted_step: None,
            posted_mark_us: None,
            twin: None,
            comparison: Comparison::default(),
        };
        player.make_twin();
        if session.scenario.is_some() {
            // Started once the scenario files have loaded.
            player.playing = false;
            player.pending = Some(session);
        } else if !session.run.is_empty() || session.at_us.is_some() {
            player.start_replay(None, session);
        }
        player
    }

    /// The page's language: the URL's `lang=`, else the browser's.
    pub fn lang(&self) -> Lang {
        self.settings.lang.unwrap_or(self.fallback_lang)
    }

    /// Whether the page shows a scenario, or will once the scenario files load (the URL
    /// named one).
    pub fn asks_for_scenario(&self) -> bool {
        self.scenario.is_some() || self.pending.is_some()
    }

    /// Whether a scenario is being presented (the keys of a slide remote step it).
    pub fn presenting(&self) -> bool {
        self.scenario.is_some()
    }

    /// The query the page's URL should now show, once after each change.
    pub fn take_url(&mut self) -> Option<String> {
        std::mem::take(&mut self.url_changed).then(|| self.url_query())
    }

    /// One animation frame: `elapsed_ms` of wall time passed since the last. `clock`
    /// reads the wall clock in milliseconds, to keep fast-forwarding within its budget.
    pub fn frame(&mut self, elapsed_ms: f64, clock: &mut dyn FnMut() -> f64) -> Frame {
        if let Some(seek) = self.seek {
            self.seek_some(seek, clock);
            return Frame::Seeking;
        }
        if !self.playing || self.hold_at_record_limit() {
            return Frame::Paused;
        }
        let elapsed = elapsed_ms.clamp(0.0, MAX_GAP_MS);
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
            self.url_changed = true;
        }
        Frame::Played
    }

    /// Plays or pauses. Presenting, playing goes to the end of the step shown and holds
    /// there (as Next does for the next step), so a caption stays until the presenter
    /// moves on; held at a step's end, it presents the next; past the last step's end it
    /// plays on.
    pub fn toggle_play(&mut self) {
        if self.playing {
            self.playing = false;
            self.hold_us = None;
            return;
        }
        let (Some(sc), Some(i)) = (self.scenario.clone(), self.step_index()) else {
            self.playing = true;
            self.hold_us = None;
            return;
        };
        let now = self.sim.now().micros();
        let hold = sc.hold_after(i);
        if now < hold {
            self.playing = true;
            self.hold_us = Some(hold);
        } else if i + 1 < sc.steps.len() {
            self.present_step(true);
        } else {
            self.playing = true;
            self.hold_us = None;
        }
    }

    /// One step: the next due event, or the timeline's action if it comes first.
    pub fn step(&mut self) {
        self.playing = false;
        self.hold_us = None;
        if self.hold_at_record_limit() {
            return;
        }
        match (self.timeline.next_at(), self.sim.poll_at()) {
            (Some(t), Some(p)) if t <= p.micros() => self.advance_to(t),
            (Some(t), None) => self.advance_to(t),
            _ => {
                self.sim.step_one();
                let (now, lang) = (self.sim.now().micros(), self.lang());
                if let Some(twin) = &mut self.twin {
                    twin.advance(now, lang);
                }
                self.take_events();
            }
        }
    }

    /// Starts over: the scenario from its beginning, or the run from its settings.
    pub fn reset(&mut self) {
        match self.scenario.clone() {
            Some(sc) => self.start_scenario(sc, None),
            None => self.restart(),
        }
    }

    /// A new seed, typed by the person.
    pub fn set_seed(&mut self, text: &str) {
        match text.trim().parse::<u64>() {
            Ok(seed) => {
                let mut next = self.settings.clone();
                next.seed = seed;
                self.apply_settings(next);
            }
            Err(_) => self.notices = vec![i18n::bad_seed(self.lang(), self.settings.seed)],
        }
    }

    /// The setting called `name` (an entry of [`crate::params::PARAMS`]) changes to
    /// `value`, written as the URL writes it.
    pub fn set_param(&mut self, name: &str, value: &str) {
        let Some(param) = crate::params::find(name) else {
            return;
        };
        match self.settings_with(param, value) {
            Ok(next) => self.apply_settings(next),
            Err(problem) => self.notices = vec![problem],
        }
    }

    /// These settings with `param` at `value`, or what is wrong with the value, in the
    /// page's language.
    fn settings_with(&self, param: &crate::params::Param, value: &str) -> Result<Settings, String> {
        let mut next = self.settings.clone();
        (param.put)(&mut next, value).map_err(|expected| {
            crate::settings::Problem::new(param.name, value, expected, param.fallback())
                .text(self.lang())
        })?;
        Ok(next)
    }

    /// A settings change: the page's look changes at once; what a running cluster takes
    /// (consumers, assignor, added partitions, rate, keys) is done to it as Kafka would
    /// and recorded; anything else starts a new run from the same seed. A configuration
    /// Kafka rejects shows Kafka's error and changes nothing.
    pub fn apply_settings(&mut self, next: Settings) {
        let uncompared = Settings {
            compare: None,
            ..self.settings.clone()
        };
        if next.compare.is_none() && next.same_run_as(&uncompared) {
            // Comparing no more: run A goes on alone, and its copies keep no run B.
            self.twin = None;
            for c in &mut self.checkpoints {
                c.twin = None;
            }
            self.comparison = Comparison::default();
            self.run_settings.compare = None;
            self.settings = next;
            self.url_changed = true;
            return;
        }
        if next.same_run_as(&self.settings) {
            self.settings = next;
            self.url_changed = true;
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
                let step = self.step_index().unwrap_or(0);
                let left = self.scenario.take().map(|sc| (sc, step));
                self.new_run(sim, next);
                // Further changes keep the way back offered until it is taken or declined.
                if left.is_some() {
                    self.left = left;
                }
                if shrunk {
                    self.notices
                        .push(i18n::topic_recreated(self.lang(), self.settings.partitions));
                }
            }
            Err(e) => self.notices = vec![i18n::nothing_changed(self.lang(), &e)],
        }
    }

    /// A card's demonstration (see [`crate::myths`]): its scenario, or its settings
    /// applied as the panel applies them.
    pub fn demonstrate(&mut self, myth: &crate::myths::Myth) {
        if self.locked() {
            return;
        }
        match &myth.demo {
            crate::myths::Demo::Scenario(id) => self.pick_scenario(id),
            crate::myths::Demo::Settings(_) => {
                let next = myth.demo_settings(&self.settings);
                self.apply_settings(next);
            }
        }
    }

    /// Does what the person asked, now, and records it for a share link (a refused
    /// action too: the replay is refused the same way, at the same point).
    pub fn act(&mut self, action: Action) {
        // Locked (`controls=lock`), the run is the presenter's: its buttons are disabled,
        // and an action that reaches here anyway is not carried out.
        if self.locked() {
            return;
        }
        let at = self.sim.now().micros();
        if at < self.horizon_us {
            self.fork();
        }
        let before = self.settings.clone();
        let done = script::perform(&mut self.sim, &mut self.settings, &action);
        let lang = self.lang();
        if let Some(twin) = &mut self.twin {
            twin.act(&action, lang);
        }
        self.person.push((at, action));
        match done {
            Ok(notices) => {
                let lang = self.lang();
                self.notices = notices.iter().map(|n| n.text(lang)).collect();
            }
            Err(e) => self.notices = vec![e],
        }
        if self.settings != before {
            self.url_changed = true;
        }
        self.take_events();
    }

    /// Looks at the cluster and does the one of the toggle's two actions that applies.
    pub fn toggle(&mut self, toggle: Toggle) {
        if self.locked() {
            return;
        }
        let net = self.sim.network();
        let action = match toggle {
            Toggle::Isolate(b) => {
                let me = NodeId::Broker(BrokerId(b));
                let isolated = self
                    .sim
                    .brokers()
                    .keys()
                    .filter(|o| o.0 != b)
                    .all(|o| net.is_cut(me, NodeId::Broker(*o)));
                if isolated {
                    Action::ReconnectBroker(b)
                } else {
                    Action::IsolateBroker(b)
                }
            }
            Toggle::ProducerLink(b) => {
                return self.toggle(Toggle::Link(NodeId::PRODUCER, NodeId::Broker(BrokerId(b))))
            }
            Toggle::Link(a, b) if net.is_cut(a, b) => Action::HealLink(a, b),
            Toggle::Link(a, b) => Action::CutLink(a, b),
            Toggle::Slow(b) => {
                let me = NodeId::Broker(BrokerId(b));
                let slow = self.sim.brokers().keys().any(|o| {
                    o.0 != b
                        && net.latency(me, NodeId::Broker(*o))
                            > Duration::from_millis(PAGE_LATENCY_MS)
                });
                if slow {
                    Action::UnslowBroker(b)
                } else {
                    Action::SlowBroker(b)
                }
            }
            Toggle::PauseConsumer(c) => {
                let paused = self
                    .sim
                    .consumers()
                    .get(&ConsumerId(c))
                    .is_some_and(|c| c.paused);
                if paused {
                    Action::ResumeConsumer(c)
                } else {
                    Action::PauseConsumer(c)
                }
            }
        };
        self.act(action);
    }

    /// The scenario files arrived (the good ones, and a message for each bad one); the
    /// session the URL asked for starts now.
    pub fn scenarios_loaded(&mut self, good: Vec<Scenario>, bad: Vec<String>) {
        // Files opened from disk before the built-ins arrived stay in the list, and
        // replace a built-in scenario with their id, as a file opened later does.
        let lang = self.lang();
        let opened = self.scenarios.clone();
        let mut list: Vec<Rc<Scenario>> = Vec::new();
        for sc in good {
            match opened.iter().find(|o| o.id == sc.id) {
                Some(o) => self.notices.push(i18n::scenario_replaced(
                    lang,
                    &format!("“{}”", o.title(lang)),
                    &o.id,
                )),
                None => list.push(Rc::new(sc)),
            }
        }
        list.extend(opened.iter().cloned());
        self.scenarios = Rc::new(list);
        self.notices.extend(bad);
        // What the URL and the files got wrong is still said once the session starts
        // (starting a run clears the notices of the run before).
        let kept = std::mem::take(&mut self.notices);
        self.start_pending();
        let later = std::mem::replace(&mut self.notices, kept);
        self.notices.extend(later);
    }

    /// Starts the session the URL asked for, now that the scenarios have loaded.
    fn start_pending(&mut self) {
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
    }

    /// Goes back to the scenario a setting left, at the step it was at (replayed from its
    /// beginning with the scenario's settings, as a reload at that step would).
    pub fn back_to_scenario(&mut self) {
        if let Some((sc, step)) = self.left.take() {
            let session = Session {
                scenario: Some(sc.id.clone()),
                step: (step > 0).then_some(step),
                ..Session::default()
            };
            self.start_scenario(sc, Some(session));
        }
    }

    /// Starts the scenario with this id; any other id leaves scenarios.
    pub fn pick_scenario(&mut self, id: &str) {
        self.left = None;
        match self.scenarios.iter().find(|s| s.id == id).cloned() {
            Some(sc) => self.start_scenario(sc, None),
            None => {
                self.scenario = None;
                self.timeline = Timeline::default();
                if let Some(twin) = &mut self.twin {
                    twin.timeline = Timeline::default();
                }
                self.hold_us = None;
                self.url_changed = true;
            }
        }
    }

    /// A scenario file opened from disk, read (or not): it runs at once, or its first
    /// bad line is named. A file with the id of a scenario on the page replaces it on this
    /// page, and says so.
    pub fn open_file(&mut self, name: &str, text: Result<String, String>) {
        match text.and_then(|t| Scenario::parse(&t).map_err(|e| format!("{name} {e}"))) {
            Ok(sc) => {
                let sc = Rc::new(sc);
                let replaced = self.scenarios.iter().any(|s| s.id == sc.id);
                let mut list: Vec<Rc<Scenario>> = self
                    .scenarios
                    .iter()
                    .filter(|s| s.id != sc.id)
                    .cloned()
                    .collect();
                list.push(sc.clone());
                self.scenarios = Rc::new(list);
                self.start_scenario(sc.clone(), None);
                if replaced {
                    self.notices
                        .push(i18n::scenario_replaced(self.lang(), name, &sc.id));
                }
            }
            Err(e) => self.notices = vec![e],
        }
    }

    /// A key the page took: presenting, the keys of a slide remote go forward or back;
    /// otherwise space plays and pauses and → steps one event.
    /// The controls are locked (`controls=lock`): nothing the audience clicks changes the
    /// run; the presenter's keys still step through a scenario's captions.
    pub fn locked(&self) -> bool {
        self.settings.controls_mode() == crate::settings::ControlsMode::Lock
    }

    pub fn key(&mut self, key: &str) {
        if self.scenario.is_some() {
            let forward = matches!(key, " " | "PageDown" | "ArrowRight" | "ArrowDown");
            self.present_step(forward);
        } else if key == " " {
            self.toggle_play();
        } else {
            self.step();
        }
    }

    /// Starts the run over from its settings (a scenario, if any, is left).
    pub fn restart(&mut self) {
        match build(&self.settings) {
            Ok(sim) => self.new_run(sim, self.settings.clone()),
            Err(e) => self.notices = vec![e],
        }
    }

    /// Makes `sim`, built from `settings`, the run: nothing done in it yet.
    fn new_run(&mut self, sim: Sim, settings: Settings) {
        self.sim = sim;
        self.full = false;
        self.run_settings = settings.clone();
        self.settings = settings;
        self.person.clear();
        self.timeline = Timeline::merged(&self.script(), &[]);
        self.seek = None;
        self.hold_us = None;
        self.share_link = None;
        self.log = Rc::new(Vec::new());
        self.series = Rc::new(charts::Series::default());
        self.horizon_us = 0;
        self.marks = Rc::new(Vec::new());
        self.checkpoints.clear();
        self.checkpoint_every_us = CHECKPOINT_EVERY_US;
        self.notices.clear();
        self.url_changed = true;
        self.make_twin();
    }

    /// Builds the comparison's second run for the run's settings (none outside one); a
    /// configuration Kafka rejects for B is said, and A runs alone.
    fn make_twin(&mut self) {
        self.comparison = Comparison::default();
        self.twin = match Twin::of(&self.run_settings, &self.timeline) {
            Some(Ok(twin)) => Some(twin),
            Some(Err(e)) => {
                self.notices.push(i18n::no_twin(self.lang(), &e));
                None
            }
            None => None,
        };
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
            self.url_changed = true;
        }
        let lang = self.lang();
        if let Some(twin) = &mut self.twin {
            twin.advance(to_us, lang);
        }
        if self.series.due(&self.sim) {
            let mut series = (*self.series).clone();
            series.sample(&self.sim);
            self.series = Rc::new(series);
        }
        self.take_events();
        self.maybe_checkpoint();
    }

    /// Keeps a copy of the run when the clock has passed the next checkpoint's instant
    /// (and the heap has room: a copy shares the ledger and the logs' batches, but not
    /// the rest of the cluster's state).
    fn maybe_checkpoint(&mut self) {
        let now = self.sim.now().micros();
        let last = self.checkpoints.last().map_or(0, |c| c.at_us);
        if now < last + self.checkpoint_every_us || self.held_bytes() > HEAP_LIMIT_BYTES / 2 {
            return;
        }
        if self.checkpoints.len() >= MAX_CHECKPOINTS {
            let kept: Vec<Checkpoint> = std::mem::take(&mut self.checkpoints)
                .into_iter()
                .enumerate()
                .filter(|(i, _)| i % 2 == 1)
                .map(|(_, c)| c)
                .collect();
            self.checkpoints = kept;
            self.checkpoint_every_us *= 2;
        }
        self.checkpoints.push(Checkpoint {
            at_us: now,
            sim: self.sim.clone(),
            settings: self.settings.clone(),
            timeline: self.timeline.clone(),
            series: self.series.clone(),
            log: self.log.clone(),
            twin: self.twin.clone(),
            // The scenario's actions up to now have been carried out, and every one the
            // person took: at this instant, the scenario's come first.
            done: self.script().iter().filter(|(t, _)| *t <= now).count() + self.person.len(),
        });
    }

    /// What the heap holds, in bytes: counted in the browser, estimated elsewhere.
    pub fn held_bytes(&self) -> usize {
        crate::heap::live_bytes().unwrap_or_else(|| {
            let b = self.twin.as_ref().map_or(0, |t| t.sim.ledger().len());
            (self.sim.ledger().len() + b) * BYTES_PER_RECORD_ESTIMATE
        })
    }

    /// Pauses the run, with a notice, once the heap holds [`HEAP_LIMIT_BYTES`]; returns
    /// whether it does. Playing on would only take the tab to the end of its memory.
    fn hold_at_record_limit(&mut self) -> bool {
        let bytes = self.held_bytes();
        if !self.full && bytes < HEAP_LIMIT_BYTES {
            return false;
        }
        self.full = true;
        if self.playing || self.seek.is_some() {
            let records = self.sim.ledger().len();
            self.notices = vec![i18n::record_limit(self.lang(), records, bytes)];
        }
        self.playing = false;
        self.hold_us = None;
        true
    }

    /// One frame of fast-forwarding: as far toward the target as [`SEEK_BUDGET_MS`] of
    /// wall time (read from `clock`) goes, at least one slice.
    fn seek_some(&mut self, seek: Seek, clock: &mut dyn FnMut() -> f64) {
        let started = clock();
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
                self.url_changed = true;
                return;
            }
            if clock() - started > SEEK_BUDGET_MS {
                return;
            }
        }
    }

    /// Starts a scenario from its beginning, or as a session (a link, a reload) asks:
    /// at a step, or replaying a shared run to the instant it was shared.
    pub fn start_scenario(&mut self, sc: Rc<Scenario>, session: Option<Session>) {
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
            Err(_) if settings.needs_full_build() => {
                let mut q = self.scenario_query(&sc.id, session.as_ref().and_then(|s| s.step));
                if settings.quorum_size > 0 {
                    q.push_str(&format!("&quorum.size={}", settings.quorum_size));
                }
                if settings.commit_mode == kscope_core::config::ManualCommit::Transactional {
                    q.push_str("&commit.mode=transactional");
                } else if !settings.transactional_id.is_empty() {
                    q.push_str("&transactional.id=");
                    q.push_str(&settings.transactional_id);
                }
                self.needs_full_build = Some(q);
                return;
            }
            Err(e) => {
                self.notices = vec![e];
                return;
            }
        };
        self.scenario = Some(sc.clone());
        self.left = None;
        self.new_run(sim, settings);
        let session = session.unwrap_or_default();
        self.playing = self.settings.autoplay && session.step.is_none() && !shared;
        // The first caption holds until the presenter moves on.
        self.hold_us = self.playing.then(|| sc.hold_after(0));
        self.start_replay(Some(&sc), session);
    }

    /// Replays a session's recorded actions over the run just built, fast-forwarding to
    /// the instant (or the scenario step) it names.
    fn start_replay(&mut self, sc: Option<&Scenario>, session: Session) {
        let script = sc.map(|s| s.actions()).unwrap_or_default();
        self.timeline = Timeline::merged(&script, &session.run);
        if let Some(twin) = &mut self.twin {
            twin.timeline = self.timeline.clone();
        }
        self.person = session.run;
        // A step named by the URL (a reload while presenting, a slide's link) is shown
        // as the Next key shows it: from its start, played to the next step, unless
        // autoplay=0. A share link's instant is shown exactly, paused.
        let step = sc.zip(session.step).map(|(sc, i)| {
            if i >= sc.steps.len() {
                self.notices
                    .push(i18n::step_past_end(self.lang(), i + 1, sc.steps.len()));
            }
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

    /// The caption shown now: the last step that has started (or will have, once
    /// fast-forwarding arrives).
    pub fn step_index(&self) -> Option<usize> {
        let sc = self.scenario.as_ref()?;
        Some(sc.step_at(self.shown_us()))
    }

    /// The instant the page shows, in microseconds: the clock's, or the one being
    /// fast-forwarded to.
    pub fn shown_us(&self) -> u64 {
        self.seek.map_or(self.sim.now().micros(), |s| s.to_us)
    }

    /// The presented scenario's own actions, timed (none in free play).
    fn script(&self) -> Vec<(u64, Action)> {
        self.scenario
            .as_ref()
            .map(|s| s.actions())
            .unwrap_or_default()
    }

    /// Presents the next (or previous) step: goes to its start (fast-forwarding, or
    /// replaying from the beginning to go back) and plays it through to the next step.
    pub fn present_step(&mut self, forward: bool) {
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
        self.present(j);
    }

    /// Presents step `j` (0 the first) of the scenario: goes to its start (fast-forwarding,
    /// or back as [`Player::go_to`] goes) and plays it through to the next step.
    pub fn present(&mut self, j: usize) {
        let Some(sc) = self.scenario.clone() else {
            return;
        };
        let Some(step) = sc.steps.get(j) else {
            return;
        };
        let now = self.sim.now().micros();
        let to_us = step.at_us;
        let hold = sc.hold_after(j);
        if to_us < now {
            // Back in time, as the timeline goes back: from the latest copy of the run
            // before the step (or its start; the same seed and the same actions replay to
            // the same state), keeping what came after, which plays again as it was unless
            // the presenter acts.
            self.go_to(to_us);
        }
        self.playing = false;
        self.seek = Some(Seek {
            to_us,
            then_play_until: Some(hold),
        });
    }

    /// Goes to any instant of the run so far (the timeline), paused: from the latest
    /// checkpoint before it (a copy of the run kept as it went) when one saves a replay,
    /// else forward by fast-forwarding or back by replaying the run from its start (the
    /// same seed and the same actions give the same state); what comes after is kept and
    /// plays again as it was unless the person acts (see [`Player::fork`]).
    pub fn go_to(&mut self, to_us: u64) {
        let to_us = to_us.min(self.horizon_us.max(self.sim.now().micros()));
        self.playing = false;
        self.hold_us = None;
        let now = self.sim.now().micros();
        // The latest copy of the run at or before the instant, where it saves a replay:
        // going back, or going forward past it.
        if let Some(c) = self
            .checkpoints
            .iter()
            .rev()
            .find(|c| c.at_us <= to_us)
            .filter(|c| to_us < now || c.at_us > now)
            .cloned()
        {
            self.restore(c);
        } else if to_us < now {
            let Ok(sim) = build(&self.run_settings) else {
                return;
            };
            // The run's start, nothing done yet: `restore` gives it (and run B) every
            // action of the run to come.
            let twin = Twin::of(&self.run_settings, &Timeline::default()).and_then(Result::ok);
            self.restore(Checkpoint {
                at_us: 0,
                sim,
                settings: self.run_settings.clone(),
                timeline: Timeline::default(),
                series: Rc::new(charts::Series::default()),
                log: Rc::new(Vec::new()),
                twin,
                done: 0,
            });
            self.share_link = None;
            self.notices.clear();
        }
        self.seek = Some(Seek {
            to_us,
            then_play_until: None,
        });
    }

    /// Makes the run what it was at `c`, with the page's look; its future (the person's
    /// actions, the marks, the horizon, the later copies) is kept.
    fn restore(&mut self, c: Checkpoint) {
        let script = self.script();
        let resumed = |old: &Timeline| Timeline::resumed(old, &script, &self.person, c.done);
        self.timeline = resumed(&c.timeline);
        self.twin = c.twin.map(|mut t| {
            t.timeline = resumed(&t.timeline);
            t
        });
        self.sim = c.sim;
        self.settings = c.settings.looking_like(&self.settings);
        self.series = c.series;
        self.log = c.log;
        self.seek = None;
        self.full = false;
        self.url_changed = true;
    }

    /// Goes back to the notable moment before the present (the run's start if none).
    pub fn step_back(&mut self) {
        let now = self.shown_us();
        let to = self
            .marks
            .iter()
            .rev()
            .map(|m| m.at_us)
            .find(|t| *t < now)
            .unwrap_or(0);
        self.go_to(to);
    }

    /// Acting at an instant before the horizon: the run's future is discarded (the
    /// person's later actions, the later marks), and a share link records the new
    /// history. The scenario's own script stays.
    fn fork(&mut self) {
        let now = self.sim.now().micros();
        self.person.retain(|(t, _)| *t <= now);
        let mut timeline = Timeline::merged(&self.script(), &self.person);
        if let Some(twin) = &mut self.twin {
            let mut theirs = timeline.clone();
            theirs.carry_over(&twin.timeline, now);
            twin.timeline = theirs;
        }
        timeline.carry_over(&self.timeline, now);
        self.timeline = timeline;
        self.comparison.fork(now);
        self.marks = Rc::new(
            self.marks
                .iter()
                .filter(|m| m.at_us <= now)
                .cloned()
                .collect(),
        );
        self.horizon_us = now;
        self.checkpoints.retain(|c| c.at_us <= now);
        self.share_link = None;
    }

    /// Carries out a command of the embedding page (see [`crate::embed`]), or says why
    /// not, in the page's language.
    pub fn command(&mut self, command: embed::Command) -> Result<(), String> {
        use embed::Command as C;
        let lang = self.lang();
        if self.locked() && command.changes_run() {
            return Err(i18n::embed_refusal(lang, i18n::EmbedRefusal::Locked));
        }
        match command {
            C::Play | C::Pause => {
                if self.playing != matches!(command, C::Play) {
                    self.toggle_play();
                }
            }
            C::Next if self.scenario.is_some() => self.present_step(true),
            C::Prev if self.scenario.is_some() => self.present_step(false),
            C::Next => self.step(),
            C::Prev => self.step_back(),
            C::Step { step } => match self.scenario.as_ref().map(|s| s.steps.len()) {
                None => return Err(i18n::embed_refusal(lang, i18n::EmbedRefusal::NoScenario)),
                Some(n) if step == 0 || step > n => {
                    return Err(i18n::embed_refusal(
                        lang,
                        i18n::EmbedRefusal::NoStep(step, n),
                    ))
                }
                Some(_) => self.present(step - 1),
            },
            C::Seek { ms } => {
                if !ms.is_finite() || ms < 0.0 {
                    return Err(i18n::embed_refusal(lang, i18n::EmbedRefusal::BadInstant));
                }
                self.go_to((ms * 1000.0) as u64);
            }
            C::Load { scenario, step } => {
                if !self.scenarios.iter().any(|s| s.id == scenario) {
                    let why = i18n::EmbedRefusal::NoSuchScenario(&scenario);
                    return Err(i18n::embed_refusal(lang, why));
                }
                self.pick_scenario(&scenario);
                if let Some(step) = step {
                    return self.command(C::Step { step });
                }
            }
            C::Set { name, value } => {
                let Some(param) = crate::params::find(&name) else {
                    let why = i18n::EmbedRefusal::NoSuchSetting(&name);
                    return Err(i18n::embed_refusal(lang, why));
                };
                let next = self.settings_with(param, &value)?;
                self.notices.clear();
                self.apply_settings(next);
                if let Some(n) = self.notices.first() {
                    return Err(n.clone());
                }
            }
            C::Act { action } => {
                let action = Action::parse(&action)?;
                self.notices.clear();
                self.act(action);
                if let Some(n) = self.notices.first() {
                    return Err(n.clone());
                }
            }
            C::State => {}
        }
        Ok(())
    }

    /// Where the session stands, for the embedding page.
    pub fn status(&self) -> embed::Status {
        embed::Status {
            version: embed::VERSION,
            scenario: self.scenario.as_ref().map(|s| s.id.clone()),
            step: self.step_index().map(|i| i + 1),
            steps: self.scenario.as_ref().map_or(0, |s| s.steps.len()),
            playing: self.playing,
            time_ms: self.shown_us() / 1000,
            locked: self.locked(),
            scenarios: self.scenarios.iter().map(|s| s.id.clone()).collect(),
        }
    }

    /// What the embedding page has not been told yet: a new caption, and the notable
    /// events up to the instant shown since the last it was told of (at most
    /// [`embed::MAX_NOTABLE_PER_POST`], the latest).
    pub fn take_posts(&mut self) -> Vec<embed::Post> {
        let mut posts = Vec::new();
        let lang = self.lang();
        match (self.scenario.clone(), self.step_index()) {
            (Some(sc), Some(i)) => {
                let now = Some((sc.id.clone(), i));
                if self.posted_step != now {
                    self.posted_step = now;
                    posts.push(embed::Post::Step {
                        scenario: sc.id.clone(),
                        step: i + 1,
                        steps: sc.steps.len(),
                        caption: sc.steps[i].caption(lang).to_string(),
                    });
                }
            }
            _ => self.posted_step = None,
        }
        let shown = self.shown_us();
        // Gone back: the marks after the instant shown are told again when met again.
        if self.posted_mark_us.is_some_and(|t| t > shown) {
            self.posted_mark_us = Some(shown);
        }
        let new: Vec<&Mark> = self
            .marks
            .iter()
            .filter(|m| m.at_us <= shown && self.posted_mark_us.is_none_or(|t| m.at_us > t))
            .collect();
        if let Some(last) = new.last() {
            self.posted_mark_us = Some(last.at_us);
        }
        let skip = new.len().saturating_sub(embed::MAX_NOTABLE_PER_POST);
        posts.extend(new.into_iter().skip(skip).map(|m| embed::Post::Notable {
            at_ms: m.at_us / 1000,
            kind: m.kind.name(),
            text: m.said[lang as usize].clone(),
        }));
        posts
    }

    /// This session as a scenario file the parser reads back: the run's settings, every
    /// action up to the present (a scenario's own and the person's), each instant a step,
    /// ending now, and the ledger as it stands as the stated outcome (the same seed and
    /// actions reach it again). A presented scenario's captions are not carried over.
    pub fn export_scenario(&self) -> String {
        let now = self.sim.now().micros();
        // Each instant with its actions, in order, the run's start first.
        let mut steps: Vec<(u64, Vec<String>)> = vec![(0, Vec::new())];
        for (t, a) in Timeline::merged(&self.script(), &self.person).actions {
            if t > now {
                break;
            }
            if steps.last().is_some_and(|(at, _)| *at != t) {
                steps.push((t, Vec::new()));
            }
            if let Some((_, here)) = steps.last_mut() {
                here.push(a.to_text());
            }
        }
        let c = self.sim.ledger().counts();
        let when = exact_time(now);
        let mut out = format!(
            "# A kscope session saved at {when}: its settings and what was done, in order.\n\
             id: session-{}\n\
             title.en: A saved session ({when})\n\
             title.ko: 저장한 세션 ({when})\n\
             settings: {}\n\
             end: {when}\n\
             expect: acked={} lost={} duplicated={} reordered={} failed={} consumed={}\n\n\
             at 0s\n",
            now / 1_000,
            self.run_settings.to_query().replace('&', " "),
            c.acknowledged,
            c.lost,
            c.duplicated,
            c.reordered,
            c.failed,
            c.consumed,
        );
        for (i, (at, here)) in steps.iter().enumerate() {
            if i > 0 {
                out.push_str(&format!("\nat {}\n", exact_time(*at)));
            }
            for a in here {
                out.push_str(&format!("do: {a}\n"));
            }
            if here.is_empty() {
                out.push_str("en: The session's settings, from the start.\nko: 세션의 설정으로 시작합니다.\n");
            } else {
                let list = here.join(", ");
                let t = exact_time(*at);
                out.push_str(&format!("en: At {t}: {list}.\nko: {t}에 한 일: {list}.\n"));
            }
        }
        out
    }

    /// The page's query: the settings; in a scenario, the scenario and its step instead.
    pub fn url_query(&self) -> String {
        match &self.scenario {
            Some(sc) => self.scenario_query(&sc.id, self.step_index()),
            None => self.settings.to_query(),
        }
    }

    /// The address of scenario `id` at step `step` (an index; the first is left out),
    /// with the page's look.
    fn scenario_query(&self, id: &str, step: Option<usize>) -> String {
        let mut q = format!("scenario={id}");
        if let Some(i) = step.filter(|i| *i > 0) {
            q.push_str(&format!("&step={}", i + 1));
        }
        q.push_str(&self.settings.view_query());
        q
    }

    /// The query of a link that replays this session: the run's settings, the scenario
    /// and its step, the instant, every action the person took.
    pub fn share_query(&self) -> String {
        let settings = self.run_settings.looking_like(&self.settings);
        let session = Session {
            scenario: self.scenario.as_ref().map(|s| s.id.clone()),
            step: self.step_index(),
            at_us: Some(self.sim.now().micros()),
            run: self.person.clone(),
        };
        format!("{}{}", settings.to_query(), session.to_query())
    }

    /// Keeps the notable events for the log, newest first, and drops the rest; they are
    /// put in words when drawn, in the page's language of the moment. A segment roll is
    /// told for the partition's leader only, and rolls in a row of one partition make
    /// one line that counts them (small segments roll several times a second).
    fn take_events(&mut self) {
        let names: Vec<String> = self
            .sim
            .topics()
            .iter()
            .map(|t| t.spec.name.clone())
            .collect();
        let drained = self.sim.drain_events();
        if let Some(twin) = &mut self.twin {
            let now = self.sim.now().micros();
            let counted = |list: &[TimedEvent]| -> Vec<TimedEvent> {
                list.iter()
                    .filter(|e| compare::counts(e, &names))
                    .cloned()
                    .collect()
            };
            let b = counted(&twin.sim.drain_events());
            let a = counted(&drained);
            self.comparison.feed(now, &a, &b, &names);
        }
        let fresh: Vec<TimedEvent> = drained
            .into_iter()
            .filter(|e| view_model::describe(e, &names, Lang::En).is_some())
            .filter(|e| match &e.event {
                Event::SegmentRolled {
                    broker, partition, ..
                } => self.sim.partition(*partition).leader == Some(*broker),
                _ => true,
            })
            .collect();
        if *self.names != names {
            self.names = Rc::new(names);
        }
        self.horizon_us = self.horizon_us.max(self.sim.now().micros());
        if fresh.is_empty() {
            return;
        }
        // A replay after going back meets its marks again: only later ones are new.
        let known = self.marks.last().map(|m| m.at_us);
        let new: Vec<Mark> = fresh
            .iter()
            .filter(|e| known.is_none_or(|k| e.at.micros() > k))
            .filter(|e| MarkKind::of(&e.event) != MarkKind::Other)
            .map(|e| Mark::of(e, &self.names))
            .collect();
        if !new.is_empty() && self.marks.len() < MAX_MARKS {
            let marks = Rc::make_mut(&mut self.marks);
            marks.extend(new);
            marks.truncate(MAX_MARKS);
        }
        let mut log: Vec<LogLine> = self.log.iter().take(LOG_LINES).cloned().collect();
        log.reverse();
        for event in fresh {
            let again = match (log.last().map(|l| &l.event.event), &event.event) {
                (
                    Some(Event::SegmentRolled {
                        broker: a,
                        partition: p,
                        ..
                    }),
                    Event::SegmentRolled {
                        broker: b,
                        partition: q,
                        ..
                    },
                ) => a == b && p == q,
                _ => false,
            };
            match log.last_mut() {
                Some(last) if again => {
                    last.event = event;
                    last.repeats += 1;
                }
                _ => log.push(LogLine { event, repeats: 1 }),
            }
        }
        log.reverse();
        log.truncate(LOG_LINES);
        self.log = Rc::new(log);
    }
}

/// A line of the event log: an event, and how many like it in a row it stands for (the
/// newest of them).
#[derive(Clone, Debug, PartialEq)]
pub struct LogLine {
    pub event: TimedEvent,
    pub repeats: u32,
}

/// An instant as a scenario file writes it, to the microsecond: `12s`, `800ms`,
/// `2016.5ms` written `2016.500ms`.
fn exact_time(us: u64) -> String {
    if us.is_multiple_of(1_000) {
        script::format_time(us)
    } else {
        format!("{}.{:03}ms", us / 1_000, us % 1_000)
    }
}

/// Simulated time between checkpoints at first.
const CHECKPOINT_EVERY_US: u64 = 10_000_000;
/// The most checkpoints a run keeps.
pub const MAX_CHECKPOINTS: usize = 16;

/// A copy of the run at an instant (see [`Player::go_to`]).
#[derive(Clone)]
struct Checkpoint {
    at_us: u64,
    sim: Sim,
    settings: Settings,
    timeline: Timeline,
    series: Rc<charts::Series>,
    log: Rc<Vec<LogLine>>,
    /// The comparison's second run at the same instant.
    twin: Option<Box<Twin>>,
    /// How many of the scenario's and the person's actions, merged in order, had been
    /// carried out when the copy was made (see [`Timeline::resumed`]).
    done: usize,
}

/// The most marks a run keeps.
pub const MAX_MARKS: usize = 2_000;

/// A notable moment of the run: the timeline marks it, and stepping back stops at it.
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub at_us: u64,
    pub kind: MarkKind,
    /// What happened, in English and in Korean (the timeline says it on hover; written
    /// once, as the mark is made, not at every render).
    pub said: [String; 2],
}

impl Mark {
    pub fn of(event: &TimedEvent, names: &[String]) -> Mark {
        let say = |lang| view_model::describe(event, names, lang).unwrap_or_default();
        Mark {
            at_us: event.at.micros(),
            kind: MarkKind::of(&event.event),
            said: [say(Lang::En), say(Lang::Ko)],
        }
    }
}

/// What a mark stands for: the kinds the timeline draws, each in its colour (the rest of
/// the event log's events are not marked).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    Election,
    Isr,
    Loss,
    Duplicate,
    Rebalance,
    Other,
}

impl MarkKind {
    pub fn of(event: &Event) -> MarkKind {
        match event {
            Event::LeaderElected { .. } | Event::PartitionOffline { .. } => MarkKind::Election,
            Event::IsrShrunk { .. } | Event::IsrExpanded { .. } => MarkKind::Isr,
            Event::RecordsLost { .. } => MarkKind::Loss,
            Event::RecordDuplicated { .. } => MarkKind::Duplicate,
            Event::RebalanceStarted { .. } => MarkKind::Rebalance,
            _ => MarkKind::Other,
        }
    }

    /// Its `data-kind`.
    pub fn name(self) -> &'static str {
        match self {
            MarkKind::Election => "election",
            MarkKind::Isr => "isr",
            MarkKind::Loss => "loss",
            MarkKind::Duplicate => "duplicate",
            MarkKind::Rebalance => "rebalance",
            MarkKind::Other => "other",
        }
    }
}

#[cfg(test)]
#[path = "player_tests.rs"]
mod tests;
