//! kscope-web: the browser page. It renders kscope-core's state and dispatches commands to
//! it; it never changes the simulation any other way. The simulation's clock is advanced
//! from the browser's clock here, at the chosen speed: the core itself reads no clock.
//!
//! - [`view_model`]: a pure function from the simulation to what the page shows;
//! - [`App`]: the component that owns the simulation, the play loop and the controls.

pub mod view_model;

use gloo::timers::callback::Interval;
use kscope_core::{BrokerId, Command, Instant, Sim, SimConfig};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use view_model::{view_model, BrokerView, PartitionView, ReplicaView};

/// How often the page advances the simulation and redraws, in wall milliseconds.
const FRAME_MS: u32 = 50;
/// A gap longer than this (a background tab) is not replayed.
const MAX_GAP_MS: f64 = 250.0;
/// Playback speeds: simulated milliseconds per wall millisecond.
pub const SPEEDS: &[f64] = &[0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0];

/// What the page can ask of the simulation.
pub enum Msg {
    Frame,
    TogglePlay,
    Step,
    Reset,
    SetSeed(String),
    SetSpeed(String),
    Crash(u32),
    Restart(u32),
}

/// The page.
pub struct App {
    sim: Sim,
    seed: u64,
    playing: bool,
    speed: f64,
    last_wall_ms: Option<f64>,
    /// The last message for the user: a refused command or a bad seed.
    notice: Option<String>,
    _frames: Interval,
}

fn wall_ms() -> f64 {
    js_sys::Date::now()
}

fn new_sim(seed: u64) -> Sim {
    Sim::new(SimConfig::default(), seed).expect("kscope's default configuration is valid")
}

/// The seed from the page's URL (`?seed=N`), if there is a valid one.
fn seed_from_url() -> Option<u64> {
    let search = web_sys::window()?.location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("seed="))
        .and_then(|v| v.parse().ok())
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let link = ctx.link().clone();
        let frames = Interval::new(FRAME_MS, move || link.send_message(Msg::Frame));
        let seed = seed_from_url().unwrap_or(1);
        App {
            sim: new_sim(seed),
            seed,
            playing: true,
            speed: 1.0,
            last_wall_ms: None,
            notice: None,
            _frames: frames,
        }
    }

    fn update(&mut self, _ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Frame => {
                let now = wall_ms();
                let elapsed = self
                    .last_wall_ms
                    .map_or(0.0, |t| (now - t).clamp(0.0, MAX_GAP_MS));
                self.last_wall_ms = Some(now);
                if !self.playing {
                    return false;
                }
                let advance = (elapsed * self.speed * 1000.0) as u64;
                let target = Instant::from_micros(self.sim.now().micros() + advance);
                self.sim.step(target);
                self.sim.discard_events();
                true
            }
            Msg::TogglePlay => {
                self.playing = !self.playing;
                true
            }
            Msg::Step => {
                self.playing = false;
                self.sim.step_one();
                self.sim.discard_events();
                true
            }
            Msg::Reset => {
                self.sim = new_sim(self.seed);
                self.notice = None;
                true
            }
            Msg::SetSeed(text) => {
                match text.trim().parse::<u64>() {
                    Ok(seed) => {
                        self.seed = seed;
                        self.sim = new_sim(seed);
                        self.notice = None;
                    }
                    Err(_) => {
                        self.notice = Some(format!(
                            "The seed must be a whole number from 0 to {}; keeping {}.",
                            u64::MAX,
                            self.seed
                        ))
                    }
                }
                true
            }
            Msg::SetSpeed(text) => {
                if let Ok(speed) = text.parse::<f64>() {
                    if SPEEDS.contains(&speed) {
                        self.speed = speed;
                    }
                }
                true
            }
            Msg::Crash(b) => self.command(Command::CrashBroker(BrokerId(b))),
            Msg::Restart(b) => self.command(Command::RestartBroker(BrokerId(b))),
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let vm = view_model(&self.sim);
        let link = ctx.link();
        let on_seed = link.callback(|e: Event| {
            Msg::SetSeed(e.target_unchecked_into::<HtmlInputElement>().value())
        });
        let on_speed = link.callback(|e: Event| {
            Msg::SetSpeed(e.target_unchecked_into::<HtmlInputElement>().value())
        });
        let speed_index = SPEEDS.iter().position(|s| *s == self.speed).unwrap_or(3);
        html! {
            <div class="app">
                <header class="topbar" data-testid="controls">
                    <div class="brand">
                        <span class="logo" aria-hidden="true">{"◆"}</span>
                        <span class="name">{"kscope"}</span>
                        <span class="tag">{"Kafka internals, simulated"}</span>
                    </div>
                    <div class="clock">
                        <span class="label">{"simulated time"}</span>
                        <span class="value"><span data-testid="sim-time">{vm.time_ms}</span>{" ms"}</span>
                    </div>
                    <div class="buttons">
                        <button data-testid="play" class="primary" onclick={link.callback(|_| Msg::TogglePlay)}>
                            { if self.playing { "❚❚ Pause" } else { "▶ Play" } }
                        </button>
                        <button data-testid="step" onclick={link.callback(|_| Msg::Step)}>{"Step ▸"}</button>
                        <button data-testid="reset" onclick={link.callback(|_| Msg::Reset)}>{"Reset"}</button>
                        <label class="field">{"speed "}
                            <select data-testid="speed" onchange={on_speed}>
                                { for SPEEDS.iter().enumerate().map(|(i, s)| html! {
                                    <option value={s.to_string()} selected={i == speed_index}>{format!("{s}×")}</option>
                                }) }
                            </select>
                        </label>
                        <label class="field">{"seed "}
                            <input data-testid="seed" type="text" inputmode="numeric" value={self.seed.to_string()} onchange={on_seed} size="8" />
                        </label>
                    </div>
                </header>
                if let Some(n) = &self.notice {
                    <div class="notice" role="alert">{n}</div>
                }
                <section class="ledger" aria-label="ledger">
                    { counter("sent", "ledger-sent", vm.sent, "") }
                    { counter("acknowledged", "ledger-acked", vm.acknowledged, "good") }
                    { counter("failed", "ledger-failed", vm.failed, if vm.failed > 0 { "warn" } else { "" }) }
                    { counter("lost", "ledger-lost", vm.lost, if vm.lost > 0 { "bad" } else { "" }) }
                    { counter("duplicated", "ledger-duplicated", vm.duplicated, if vm.duplicated > 0 { "bad" } else { "" }) }
                    { counter("reordered", "ledger-reordered", vm.reordered, if vm.reordered > 0 { "bad" } else { "" }) }
                    { counter("redelivered (no consumers yet)", "ledger-redelivered", vm.redelivered, "") }
                    { counter("messages in flight", "in-flight", vm.in_flight_messages as u64, "") }
                </section>
                <section class="brokers" aria-label="brokers">
                    { for vm.brokers.iter().map(|b| broker_card(b, link)) }
                </section>
                <section class="partitions" aria-label="partitions">
                    <h2>{"Partitions, as the controller records them"}</h2>
                    <table>
                        <thead><tr>
                            <th>{"partition"}</th><th>{"leader"}</th><th>{"leader epoch"}</th>
                            <th>{"replicas"}</th><th>{"ISR"}</th><th>{"high watermark"}</th><th>{"log end offset"}</th>
                        </tr></thead>
                        <tbody>{ for vm.partitions.iter().map(partition_row) }</tbody>
                    </table>
                </section>
                <footer class="foot">
                    {"3 brokers · topic orders with 3 partitions, replication.factor=3, min.insync.replicas=2 · producer acks=all, 200 records/s, "}
                    { match vm.producer_id {
                        None => "not idempotent".to_string(),
                        Some(None) => "idempotent, waiting for its producer id".to_string(),
                        Some(Some((id, epoch))) => format!("idempotent (producer id {id}, epoch {epoch})"),
                    } }
                    {" · seed "}{vm.seed}
                </footer>
            </div>
        }
    }
}

impl App {
    fn command(&mut self, command: Command) -> bool {
        let now = self.sim.now();
        if let Err(e) = self.sim.apply(now, command) {
            self.notice = Some(e.to_string());
        }
        self.sim.discard_events();
        true
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

fn broker_card(b: &BrokerView, link: &yew::html::Scope<App>) -> Html {
    let id = b.id;
    let state = if b.up { "up" } else { "down" };
    let button = if b.up {
        html! { <button class="danger" data-testid="crash-broker" onclick={link.callback(move |_| Msg::Crash(id))}>{"Crash"}</button> }
    } else {
        html! { <button data-testid="restart-broker" onclick={link.callback(move |_| Msg::Restart(id))}>{"Restart"}</button> }
    };
    let status = match (b.up, b.fenced) {
        (true, _) => "running",
        (false, false) => "down · controller waiting",
        (false, true) => "down · fenced",
    };
    html! {
        <article class={classes!("broker", state)} data-testid="broker" data-broker={id.to_string()} data-state={state}>
            <header>
                <h3>{format!("Broker {id}")}</h3>
                <span class="status">{status}</span>
                {button}
            </header>
            <ul>{ for b.replicas.iter().map(replica_row) }</ul>
        </article>
    }
}

fn replica_row(r: &ReplicaView) -> Html {
    let role = if r.leader { "leader" } else { "follower" };
    let span = r.log_end_offset.max(1) as f64;
    let hw_pct = 100.0 * r.high_watermark as f64 / span;
    let start_pct = 100.0 * r.log_start_offset as f64 / span;
    html! {
        <li class={classes!("replica", role, (!r.in_isr).then_some("out-of-sync"))}
            data-testid="replica" data-topic={r.topic.clone()} data-partition={r.partition.to_string()}
            data-broker={r.broker.to_string()} data-role={role} data-in-isr={r.in_isr.to_string()}
            data-leo={r.log_end_offset.to_string()} data-hw={r.high_watermark.to_string()}>
            <span class="shape" aria-hidden="true">{ if r.leader { "★" } else { "●" } }</span>
            <span class="tp">{format!("{}-{}", r.topic, r.partition)}</span>
            <span class="role">{ if r.in_isr { role.to_string() } else { format!("{role} · out of ISR") } }</span>
            <span class="bar" title={format!("log start {} · high watermark {} · log end {}", r.log_start_offset, r.high_watermark, r.log_end_offset)}>
                <span class="deleted" style={format!("width:{start_pct:.1}%")}></span>
                <span class="committed" style={format!("width:{:.1}%", hw_pct - start_pct)}></span>
            </span>
            <span class="nums">{format!("HW {} · LEO {}", r.high_watermark, r.log_end_offset)}</span>
        </li>
    }
}

fn partition_row(p: &PartitionView) -> Html {
    let list = |v: &[u32]| {
        v.iter()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    html! {
        <tr class={classes!(p.leader.is_none().then_some("offline"))}>
            <td>{format!("{}-{}", p.topic, p.partition)}</td>
            <td>{ p.leader.map_or("none (offline)".to_string(), |l| format!("broker {l}")) }</td>
            <td>{p.leader_epoch}</td>
            <td>{list(&p.replicas)}</td>
            <td>{list(&p.isr)}</td>
            <td>{ p.high_watermark.map_or("–".into(), |h| h.to_string()) }</td>
            <td>{ p.log_end_offset.map_or("–".into(), |h| h.to_string()) }</td>
        </tr>
    }
}
