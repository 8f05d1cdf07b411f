//! What a person does to a running cluster, as text: the actions of the page's buttons,
//! the lines of a scenario file, and the entries of a share link are one vocabulary.
//!
//! An [`Action`] is carried out by [`perform`], which turns it into kscope-core
//! [`Command`]s; the page, the scenarios and the replay of a shared link all go through
//! it, so a recorded session replays to the same state. Everything here is pure Rust
//! (no browser), tested natively.

use kscope_core::event::MessageKind;
#[cfg(feature = "control_plane")]
use kscope_core::ids::ControllerId;
use kscope_core::{
    BrokerId, Command, ConsumerId, Duration, NodeId, ProducerId, Sim, TopicId, Workload,
};

use crate::params::{Param, PARAMS};
use crate::settings::{self, Settings};

/// One-way latency of every link on the page, so that messages are seen travelling.
pub const PAGE_LATENCY_MS: u64 = 20;
/// How much slower a slowed broker's links to the other brokers are.
const SLOW_FACTOR: u64 = 10;

/// One thing a person does to the cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    CrashBroker(u32),
    /// The broker's machine loses power: the process dies and the page cache is gone.
    PowerOffBroker(u32),
    RestartBroker(u32),
    /// Cuts every link between the broker and the other brokers.
    IsolateBroker(u32),
    /// Heals every link between the broker and the other brokers.
    ReconnectBroker(u32),
    /// Makes the broker's links to the other brokers ten times slower (a slow follower).
    SlowBroker(u32),
    /// Gives the broker's links their normal latency again.
    UnslowBroker(u32),
    /// Drops the next produce response the broker sends to the producer.
    DropResponse(u32),
    /// Drops the next produce request the producer sends to the broker.
    DropRequest(u32),
    CutLink(NodeId, NodeId),
    HealLink(NodeId, NodeId),
    CrashConsumer(u32),
    RestartConsumer(u32),
    PauseConsumer(u32),
    ResumeConsumer(u32),
    /// Starts one more member of group `n` (0 the first; `consumers` sets the first's
    /// count).
    AddConsumer(u32),
    /// Consumer `c`'s application calls `subscribe()` with these topics.
    Subscribe(u32, settings::TopicSet),
    /// The transactional application aborts its transaction (`abortTransaction()`): the
    /// open one, or else the next one it begins.
    AbortTransaction,
    /// The producing application's process dies (producer `n`: 0 is its first instance's).
    CrashProducer(u32),
    /// The producing application starts again: a new producer client.
    RestartProducer(u32),
    /// A second instance of the producing application starts while the first still runs
    /// and takes over its work (with a `transactional.id`, it fences the first).
    StartProducer,
    /// A KRaft controller's process dies (its `node.id`: 100, 101, ...).
    CrashController(u32),
    RestartController(u32),
    /// A setting a running cluster takes without starting over: `consumers`,
    /// `partition.assignment.strategy`, `partitions` (only up), `rate`, `keys`.
    Set(String, String),
}

/// What an action does, without its argument: its name in a scenario file and its
/// code in a share link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verb {
    CrashBroker,
    PowerOffBroker,
    RestartBroker,
    IsolateBroker,
    ReconnectBroker,
    SlowBroker,
    UnslowBroker,
    DropResponse,
    DropRequest,
    CutLink,
    HealLink,
    CrashConsumer,
    RestartConsumer,
    PauseConsumer,
    ResumeConsumer,
    AddConsumer,
    Subscribe,
    AbortTransaction,
    CrashProducer,
    RestartProducer,
    StartProducer,
    CrashController,
    RestartController,
    Set,
}

impl Verb {
    const ALL: [Verb; 24] = [
        Verb::CrashBroker,
        Verb::PowerOffBroker,
        Verb::RestartBroker,
        Verb::IsolateBroker,
        Verb::ReconnectBroker,
        Verb::SlowBroker,
        Verb::UnslowBroker,
        Verb::DropResponse,
        Verb::DropRequest,
        Verb::CutLink,
        Verb::HealLink,
        Verb::CrashConsumer,
        Verb::RestartConsumer,
        Verb::PauseConsumer,
        Verb::ResumeConsumer,
        Verb::AddConsumer,
        Verb::Subscribe,
        Verb::AbortTransaction,
        Verb::CrashProducer,
        Verb::RestartProducer,
        Verb::StartProducer,
        Verb::CrashController,
        Verb::RestartController,
        Verb::Set,
    ];

    /// The verb as a scenario file writes it, and as a share link abbreviates it.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Verb::CrashBroker => ("crash-broker", "cb"),
            Verb::PowerOffBroker => ("power-off-broker", "pb"),
            Verb::RestartBroker => ("restart-broker", "rb"),
            Verb::IsolateBroker => ("isolate-broker", "ib"),
            Verb::ReconnectBroker => ("reconnect-broker", "nb"),
            Verb::SlowBroker => ("slow-broker", "sb"),
            Verb::UnslowBroker => ("unslow-broker", "ub"),
            Verb::DropResponse => ("drop-response", "dr"),
            Verb::DropRequest => ("drop-request", "dq"),
            Verb::CutLink => ("cut-link", "cl"),
            Verb::HealLink => ("heal-link", "hl"),
            Verb::CrashConsumer => ("crash-consumer", "cc"),
            Verb::RestartConsumer => ("restart-consumer", "rc"),
            Verb::PauseConsumer => ("pause-consumer", "pc"),
            Verb::ResumeConsumer => ("resume-consumer", "uc"),
            Verb::AddConsumer => ("add-consumer", "ac"),
            Verb::Subscribe => ("subscribe", "cs"),
            Verb::AbortTransaction => ("abort-transaction", "at"),
            Verb::CrashProducer => ("crash-producer", "cp"),
            Verb::RestartProducer => ("restart-producer", "rp"),
            Verb::StartProducer => ("start-producer", "np"),
            Verb::CrashController => ("crash-controller", "kc"),
            Verb::RestartController => ("restart-controller", "kr"),
            Verb::Set => ("set", "s"),
        }
    }

    fn name(self) -> &'static str {
        self.names().0
    }

    fn code(self) -> &'static str {
        self.names().1
    }
}

/// The settings a running cluster takes without starting over, in the order a change of
/// several is done: the entries of [`PARAMS`] marked `live`.
fn live_params() -> impl Iterator<Item = &'static Param> {
    PARAMS.iter().filter(|p| p.live)
}

/// Copies setting `p` from `from` to `to`, through its text.
fn copy(p: &Param, to: &mut Settings, from: &Settings) {
    // A value read from settings always reads back.
    let _ = (p.put)(to, &(p.get)(from));
}

/// The live setting called `name`, or why it cannot change while the cluster runs.
fn live(name: &str) -> Result<&'static Param, String> {
    live_params().find(|l| l.name == name).ok_or_else(|| {
        let names: Vec<&str> = live_params().map(|l| l.name).collect();
        format!(
            "{name} cannot change while the cluster runs; the settings that can are {}",
            names.join(", ")
        )
    })
}

fn node_name(n: NodeId) -> String {
    match n {
        NodeId::Producer(ProducerId(0)) => "producer".into(),
        NodeId::Producer(p) => format!("producer{}", p.0),
        NodeId::Broker(b) => format!("b{}", b.0),
        NodeId::Consumer(c) => format!("c{}", c.0),
    }
}

fn parse_node(s: &str) -> Result<NodeId, String> {
    let number = |rest: &str| {
        rest.parse::<u32>().map_err(|_| {
            format!(
                "'{s}' is not a node: write producer, producer<id>, b<broker id> or c<consumer id>"
            )
        })
    };
    if s == "producer" {
        Ok(NodeId::PRODUCER)
    } else if let Some(rest) = s.strip_prefix("producer") {
        Ok(NodeId::Producer(ProducerId(number(rest)?)))
    } else if let Some(rest) = s.strip_prefix('b') {
        Ok(NodeId::Broker(BrokerId(number(rest)?)))
    } else if let Some(rest) = s.strip_prefix('c') {
        Ok(NodeId::Consumer(ConsumerId(number(rest)?)))
    } else {
        Err(format!(
            "'{s}' is not a node: write producer, producer<id>, b<broker id> or c<consumer id>"
        ))
    }
}

impl Action {
    fn verb(&self) -> Verb {
        match self {
            Action::CrashBroker(_) => Verb::CrashBroker,
            Action::PowerOffBroker(_) => Verb::PowerOffBroker,
            Action::RestartBroker(_) => Verb::RestartBroker,
            Action::IsolateBroker(_) => Verb::IsolateBroker,
            Action::ReconnectBroker(_) => Verb::ReconnectBroker,
            Action::SlowBroker(_) => Verb::SlowBroker,
            Action::UnslowBroker(_) => Verb::UnslowBroker,
            Action::DropResponse(_) => Verb::DropResponse,
            Action::DropRequest(_) => Verb::DropRequest,
            Action::CutLink(..) => Verb::CutLink,
            Action::HealLink(..) => Verb::HealLink,
            Action::CrashConsumer(_) => Verb::CrashConsumer,
            Action::RestartConsumer(_) => Verb::RestartConsumer,
            Action::PauseConsumer(_) => Verb::PauseConsumer,
            Action::ResumeConsumer(_) => Verb::ResumeConsumer,
            Action::AddConsumer(_) => Verb::AddConsumer,
            Action::Subscribe(..) => Verb::Subscribe,
            Action::AbortTransaction => Verb::AbortTransaction,
            Action::CrashProducer(_) => Verb::CrashProducer,
            Action::RestartProducer(_) => Verb::RestartProducer,
            Action::StartProducer => Verb::StartProducer,
            Action::CrashController(_) => Verb::CrashController,
            Action::RestartController(_) => Verb::RestartController,
            Action::Set(..) => Verb::Set,
        }
    }

    fn argument(&self) -> String {
        match self {
            Action::CrashBroker(n)
            | Action::PowerOffBroker(n)
            | Action::RestartBroker(n)
            | Action::IsolateBroker(n)
            | Action::ReconnectBroker(n)
            | Action::SlowBroker(n)
            | Action::UnslowBroker(n)
            | Action::DropResponse(n)
            | Action::DropRequest(n)
            | Action::CrashConsumer(n)
            | Action::RestartConsumer(n)
            | Action::PauseConsumer(n)
            | Action::ResumeConsumer(n)
            | Action::AddConsumer(n)
            | Action::CrashProducer(n)
            | Action::RestartProducer(n)
            | Action::CrashController(n)
            | Action::RestartController(n) => n.to_string(),
            Action::CutLink(a, b) | Action::HealLink(a, b) => {
                format!("{} {}", node_name(*a), node_name(*b))
            }
            Action::Subscribe(c, topics) => format!("{c} {}", topics.name()),
            Action::AbortTransaction | Action::StartProducer => String::new(),
            Action::Set(k, v) => format!("{k}={v}"),
        }
    }

    /// The action as a scenario file writes it: `crash-broker 1`, `cut-link b0 b2`,
    /// `set consumers=4`.
    pub fn to_text(&self) -> String {
        let argument = self.argument();
        if argument.is_empty() {
            self.verb().name().into()
        } else {
            format!("{} {argument}", self.verb().name())
        }
    }

    /// The action as a share link writes it: `cb1`, `clb0.b2`, `sconsumers=4`.
    pub fn to_code(&self) -> String {
        format!(
            "{}{}",
            self.verb().code(),
            self.argument().replace(' ', ".")
        )
    }

    /// Reads an action written as a scenario file writes it.
    pub fn parse(text: &str) -> Result<Action, String> {
        let text = text.trim();
        let (verb, rest) = text.split_once(' ').unwrap_or((text, ""));
        let Some(v) = Verb::ALL.into_iter().find(|v| v.name() == verb) else {
            let known: Vec<&str> = Verb::ALL.iter().map(|v| v.name()).collect();
            return Err(format!(
                "'{verb}' is not an action; the actions are {}",
                known.join(", ")
            ));
        };
        Action::build(v, rest.trim(), ' ')
    }

    /// Reads an action written as a share link writes it.
    pub fn parse_code(code: &str) -> Result<Action, String> {
        // The longest code that prefixes `code` ("s" is a prefix of "sb").
        let v = Verb::ALL
            .into_iter()
            .filter(|v| code.starts_with(v.code()))
            .max_by_key(|v| v.code().len())
            .ok_or_else(|| format!("'{code}' is not an action"))?;
        Action::build(v, &code[v.code().len()..], '.')
    }

    fn build(verb: Verb, rest: &str, sep: char) -> Result<Action, String> {
        let name = verb.name();
        let number = || {
            rest.parse::<u32>()
                .map_err(|_| format!("{name} takes one id, a whole number, not '{rest}'"))
        };
        let nodes = || -> Result<(NodeId, NodeId), String> {
            let parts: Vec<&str> = rest.split(sep).filter(|p| !p.is_empty()).collect();
            match parts.as_slice() {
                [a, b] => {
                    let (a, b) = (parse_node(a)?, parse_node(b)?);
                    if a == b {
                        Err(format!("{name} needs two different nodes"))
                    } else {
                        Ok((a, b))
                    }
                }
                _ => Err(format!(
                    "{name} takes two nodes, as in '{name} producer b1'"
                )),
            }
        };
        Ok(match verb {
            Verb::CrashBroker => Action::CrashBroker(number()?),
            Verb::PowerOffBroker => Action::PowerOffBroker(number()?),
            Verb::RestartBroker => Action::RestartBroker(number()?),
            Verb::IsolateBroker => Action::IsolateBroker(number()?),
            Verb::ReconnectBroker => Action::ReconnectBroker(number()?),
            Verb::SlowBroker => Action::SlowBroker(number()?),
            Verb::UnslowBroker => Action::UnslowBroker(number()?),
            Verb::DropResponse => Action::DropResponse(number()?),
            Verb::DropRequest => Action::DropRequest(number()?),
            Verb::CutLink => {
                let (a, b) = nodes()?;
                Action::CutLink(a, b)
            }
            Verb::HealLink => {
                let (a, b) = nodes()?;
                Action::HealLink(a, b)
            }
            Verb::CrashConsumer => Action::CrashConsumer(number()?),
            Verb::RestartConsumer => Action::RestartConsumer(number()?),
            Verb::PauseConsumer => Action::PauseConsumer(number()?),
            Verb::ResumeConsumer => Action::ResumeConsumer(number()?),
            Verb::AddConsumer => Action::AddConsumer(number()?),
            Verb::CrashProducer => Action::CrashProducer(number()?),
            Verb::RestartProducer => Action::RestartProducer(number()?),
            Verb::CrashController => Action::CrashController(number()?),
            Verb::RestartController => Action::RestartController(number()?),
            Verb::AbortTransaction | Verb::StartProducer => {
                if !rest.is_empty() {
                    return Err(format!("{name} takes nothing, not '{rest}'"));
                }
                if verb == Verb::StartProducer {
                    Action::StartProducer
                } else {
                    Action::AbortTransaction
                }
            }
            Verb::Subscribe => {
                let usage = || {
                    format!(
                        "{name} takes a consumer id and topics, as in '{name} 1 orders,payments'"
                    )
                };
                let (c, topics) = rest.split_once(sep).ok_or_else(usage)?;
                let c = c.parse::<u32>().map_err(|_| usage())?;
                let topics = settings::TopicSet::parse(topics).ok_or_else(|| {
                    format!("{name} takes topics among orders, payments, shipments, not '{topics}'")
                })?;
                Action::Subscribe(c, topics)
            }
            Verb::Set => {
                let (k, v) = rest
                    .split_once('=')
                    .ok_or_else(|| format!("set takes name=value, not '{rest}'"))?;
                live(k)?;
                Action::Set(k.into(), v.into())
            }
        })
    }
}

/// The simulation the page runs for `settings`: Kafka's configuration, with links slow
/// enough to see messages travel; Kafka's error for a configuration it rejects.
pub fn build(settings: &Settings) -> Result<Sim, String> {
    let mut config = settings.to_config().map_err(|e| e.message)?;
    config.network.latency_us = PAGE_LATENCY_MS * 1_000;
    Sim::new(config, settings.seed).map_err(|e| e.message)
}

fn others(sim: &Sim, b: u32) -> Vec<NodeId> {
    sim.brokers()
        .keys()
        .filter(|o| o.0 != b)
        .map(|o| NodeId::Broker(*o))
        .collect()
}

fn broker_known(sim: &Sim, b: u32) -> Result<(), String> {
    if sim.brokers().contains_key(&BrokerId(b)) {
        Ok(())
    } else {
        Err(format!("There is no broker {b}."))
    }
}

/// A consequence of an action worth telling the person, written out in the page's
/// language by [`Note::text`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// The topic grew to this many partitions while records have keys.
    KeysMoved(u64),
}

impl Note {
    pub fn text(&self, lang: crate::i18n::Lang) -> String {
        match self {
            Note::KeysMoved(n) => crate::i18n::keys_moved(lang, *n),
        }
    }
}

/// Carries out `action` on the running cluster at its current instant. Live settings
/// changes update `settings`. Returns what is worth telling; an `Err` (the reason the
/// cluster refused) changes nothing.
pub fn perform(
    sim: &mut Sim,
    settings: &mut Settings,
    action: &Action,
) -> Result<Vec<Note>, String> {
    let now = sim.now();
    let apply = |sim: &mut Sim, c: Command| sim.apply(now, c).map_err(|e| e.to_string());
    let broker = |b: u32| NodeId::Broker(BrokerId(b));
    match action {
        Action::CrashBroker(b) => apply(sim, Command::CrashBroker(BrokerId(*b)))?,
        Action::PowerOffBroker(b) => apply(sim, Command::PowerOffBroker(BrokerId(*b)))?,
        Action::RestartBroker(b) => apply(sim, Command::RestartBroker(BrokerId(*b)))?,
        Action::CrashProducer(p) => apply(sim, Command::CrashProducer(ProducerId(*p)))?,
        Action::RestartProducer(p) => apply(sim, Command::RestartProducer(ProducerId(*p)))?,
        Action::StartProducer => apply(sim, Command::StartProducerInstance)?,
        #[cfg(feature = "control_plane")]
        Action::CrashController(n) => apply(sim, Command::CrashController(ControllerId(*n)))?,
        #[cfg(feature = "control_plane")]
        Action::RestartController(n) => apply(sim, Command::RestartController(ControllerId(*n)))?,
        #[cfg(not(feature = "control_plane"))]
        Action::CrashController(_) | Action::RestartController(_) => {
            return Err("This cluster has no controller quorum.".into())
        }
        Action::IsolateBroker(b) | Action::ReconnectBroker(b) => {
            broker_known(sim, *b)?;
            let cut = matches!(action, Action::IsolateBroker(_));
            for o in others(sim, *b) {
                let c = if cut {
                    Command::CutLink(broker(*b), o)
                } else {
                    Command::HealLink(broker(*b), o)
                };
                apply(sim, c)?;
            }
        }
        Action::SlowBroker(b) | Action::UnslowBroker(b) => {
            broker_known(sim, *b)?;
            let ms = if matches!(action, Action::SlowBroker(_)) {
                PAGE_LATENCY_MS * SLOW_FACTOR
            } else {
                PAGE_LATENCY_MS
            };
            for o in others(sim, *b) {
                apply(
                    sim,
                    Command::SetLinkLatency {
                        a: broker(*b),
                        b: o,
                        latency: Duration::from_millis(ms),
                    },
                )?;
            }
        }
        Action::DropResponse(b) => {
            broker_known(sim, *b)?;
            apply(
                sim,
                Command::DropNext {
                    from: broker(*b),
                    to: NodeId::PRODUCER,
                    kind: Some(MessageKind::ProduceResponse),
                },
            )?
        }
        Action::DropRequest(b) => {
            broker_known(sim, *b)?;
            apply(
                sim,
                Command::DropNext {
                    from: NodeId::PRODUCER,
                    to: broker(*b),
                    kind: Some(MessageKind::ProduceRequest),
                },
            )?
        }
        Action::CutLink(a, b) => apply(sim, Command::CutLink(*a, *b))?,
        Action::HealLink(a, b) => apply(sim, Command::HealLink(*a, *b))?,
        Action::CrashConsumer(c) => apply(sim, Command::CrashConsumer(ConsumerId(*c)))?,
        Action::RestartConsumer(c) => apply(sim, Command::RestartConsumer(ConsumerId(*c)))?,
        Action::AddConsumer(g) => apply(sim, Command::AddGroupConsumer { group: *g })?,
        Action::AbortTransaction => apply(sim, Command::AbortTransaction)?,
        Action::Subscribe(c, topics) => apply(
            sim,
            Command::Subscribe {
                consumer: ConsumerId(*c),
                topics: topics.indices().collect(),
            },
        )?,
        Action::PauseConsumer(c) | Action::ResumeConsumer(c) => apply(
            sim,
            Command::PauseConsumer {
                consumer: ConsumerId(*c),
                paused: matches!(action, Action::PauseConsumer(_)),
            },
        )?,
        Action::Set(k, v) => {
            let (next, problems) = Settings::from_query(&format!(
                "{}={}",
                k.replace('&', "%26"),
                v.replace('&', "%26")
            ));
            if let Some(p) = problems.into_iter().next() {
                return Err(p.text(crate::i18n::Lang::En));
            }
            let setting = live(k)?;
            let mut changed = settings.clone();
            copy(setting, &mut changed, &next);
            return apply_live(sim, settings, changed);
        }
    }
    Ok(Vec::new())
}

/// The page's settings other than the ones a running cluster takes live.
fn same_but_live(a: &Settings, b: &Settings) -> bool {
    let mut b = b.clone();
    for l in live_params() {
        copy(l, &mut b, a);
    }
    b.same_run_as(a)
}

/// Whether `next` differs from `current` only in settings a running cluster takes live
/// (and grows partitions rather than shrinking them).
pub fn can_apply_live(current: &Settings, next: &Settings) -> bool {
    same_but_live(current, next) && next.partitions >= current.partitions
}

/// Takes `next` into the running cluster as Kafka would: consumers started or closed,
/// the assignor rolled out, partitions added, the producer's rate and keys changed.
/// `settings` becomes `next` unless Kafka refuses.
pub fn apply_live(
    sim: &mut Sim,
    settings: &mut Settings,
    next: Settings,
) -> Result<Vec<Note>, String> {
    if !can_apply_live(settings, &next) {
        return Err(if next.partitions < settings.partitions {
            format!(
                "Kafka can add partitions to a topic but never remove them: orders has {}.",
                settings.partitions
            )
        } else {
            "Only consumers, partition.assignment.strategy, subscription, partitions, rate, keys and send.mode change while the cluster runs.".into()
        });
    }
    let now = sim.now();
    let mut notices = Vec::new();
    if next.partitions > settings.partitions {
        let command = Command::AddPartitions {
            topic: TopicId(0),
            partitions: next.partitions as u32,
        };
        sim.apply(now, command).map_err(|e| e.to_string())?;
        if next.keys > 0 {
            notices.push(Note::KeysMoved(next.partitions));
        }
    }
    if next.rate != settings.rate
        || next.keys != settings.keys
        || next.send_mode != settings.send_mode
    {
        let workload = Workload {
            rate: next.rate as u32,
            keys: next.keys as u32,
            send_mode: next.send_mode,
            ..sim.config().workload.clone()
        };
        sim.apply(now, Command::SetWorkload(workload))
            .map_err(|e| e.to_string())?;
    }
    if next.assignor != settings.assignor {
        sim.apply(now, Command::SetAssignor(next.assignor))
            .map_err(|e| e.to_string())?;
    }
    for (i, (a, b)) in next
        .group_assignors
        .iter()
        .zip(&settings.group_assignors)
        .enumerate()
    {
        if a != b && i + 1 < next.groups as usize {
            let command = Command::SetGroupAssignor {
                group: i as u32 + 1,
                assignors: *a,
            };
            sim.apply(now, command).map_err(|e| e.to_string())?;
        }
    }
    for (g, (a, b)) in next
        .subscriptions
        .iter()
        .zip(&settings.subscriptions)
        .enumerate()
    {
        let (a, b) = (a.within(next.topics), b.within(settings.topics));
        if a != b && g < next.groups as usize {
            let command = Command::SetGroupSubscription {
                group: g as u32,
                topics: a.indices().collect(),
            };
            sim.apply(now, command).map_err(|e| e.to_string())?;
        }
    }
    let running: Vec<u32> = sim
        .consumers()
        .values()
        .filter(|c| c.group == 0 && c.is_running())
        .map(|c| c.id.0)
        .collect();
    let want = next.consumers as usize;
    for _ in running.len()..want {
        sim.apply(now, Command::AddConsumer)
            .map_err(|e| e.to_string())?;
    }
    for id in running
        .iter()
        .rev()
        .take(running.len().saturating_sub(want))
    {
        sim.apply(now, Command::CloseConsumer(ConsumerId(*id)))
            .map_err(|e| e.to_string())?;
    }
    *settings = next;
    Ok(notices)
}

/// The settings changes between `a` and `b` that [`apply_live`] carries out, as
/// [`Action::Set`]s (for the session's record).
pub fn live_changes(a: &Settings, b: &Settings) -> Vec<Action> {
    live_params()
        .filter(|l| (l.get)(a) != (l.get)(b))
        .map(|l| Action::Set(l.name.into(), (l.get)(b)))
        .collect()
}

/// A simulated instant written for people: `12.5s`, `800ms`.
pub fn format_time(micros: u64) -> String {
    let ms = micros / 1_000;
    if ms.is_multiple_of(1_000) {
        format!("{}s", ms / 1_000)
    } else if ms >= 1_000 {
        format!(
            "{}s",
            settings::fixed(ms as f64 / 1_000.0, 3).trim_end_matches('0')
        )
    } else {
        format!("{ms}ms")
    }
}

/// Reads `12s`, `1.5s`, `800ms` (at most an hour) into microseconds.
pub fn parse_time(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let bad = || format!("'{s}' is not a time: write it as 800ms, 12s or 1.5s");
    let (number, scale) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1_000u64)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1_000_000u64)
    } else {
        return Err(bad());
    };
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() || whole.len() > 7 || frac.len() > 3 {
        return Err(bad());
    }
    let whole: u64 = whole.parse().map_err(|_| bad())?;
    let mut micros = whole * scale;
    if !frac.is_empty() {
        let digits: u64 = frac.parse().map_err(|_| bad())?;
        micros += digits * scale / 10u64.pow(frac.len() as u32);
    }
    if micros > MAX_TIME_US {
        return Err(format!(
            "{s} is past the longest run kscope replays (1 hour)"
        ));
    }
    Ok(micros)
}

/// The latest instant a scenario or a share link may name: an hour of simulated time.
pub const MAX_TIME_US: u64 = 3_600_000_000;

#[cfg(test)]
mod tests {
    use super::*;

    fn every_action() -> Vec<Action> {
        vec![
            Action::CrashBroker(1),
            Action::RestartBroker(2),
            Action::IsolateBroker(0),
            Action::ReconnectBroker(0),
            Action::SlowBroker(3),
            Action::UnslowBroker(3),
            Action::DropResponse(1),
            Action::DropRequest(2),
            Action::CutLink(NodeId::PRODUCER, NodeId::Broker(BrokerId(2))),
            Action::HealLink(NodeId::Broker(BrokerId(0)), NodeId::Consumer(ConsumerId(4))),
            Action::CrashConsumer(0),
            Action::RestartConsumer(0),
            Action::PauseConsumer(1),
            Action::ResumeConsumer(1),
            Action::AddConsumer(2),
            Action::Subscribe(1, settings::TopicSet::parse("payments,orders").unwrap()),
            Action::AbortTransaction,
            Action::CrashProducer(0),
            Action::RestartProducer(0),
            Action::StartProducer,
            Action::Set(
                "partition.assignment.strategy".into(),
                "cooperative-sticky".into(),
            ),
            Action::Set("rate".into(), "40".into()),
        ]
    }

    #[test]
    fn every_action_round_trips_as_text_and_as_code() {
        for a in every_action() {
            assert_eq!(
                Action::parse(&a.to_text()),
                Ok(a.clone()),
                "{}",
                a.to_text()
            );
            assert_eq!(
                Action::parse_code(&a.to_code()),
                Ok(a.clone()),
                "{}",
                a.to_code()
            );
        }
        assert_eq!(
            Action::CutLink(NodeId::PRODUCER, NodeId::Broker(BrokerId(2))).to_text(),
            "cut-link producer b2"
        );
        assert_eq!(Action::SlowBroker(3).to_code(), "sb3");
        let subscribe = Action::Subscribe(1, settings::TopicSet::parse("payments,orders").unwrap());
        assert_eq!(subscribe.to_text(), "subscribe 1 orders,payments");
        assert_eq!(subscribe.to_code(), "cs1.orders,payments");
        assert!(Action::parse("subscribe 1 refunds")
            .unwrap_err()
            .contains("refunds"));
        assert!(Action::parse("subscribe orders").is_err());
        assert_eq!(Action::AbortTransaction.to_text(), "abort-transaction");
        assert_eq!(Action::AbortTransaction.to_code(), "at");
        assert!(Action::parse("abort-transaction 1").is_err());
        assert_eq!(Action::CrashProducer(0).to_code(), "cp0");
        assert!(Action::parse("restart-producer").is_err());
    }

    #[test]
    fn a_subscription_changes_live_per_group_and_per_member() {
        let mut settings = Settings::from_query(
            "topics=2&groups=2&consumers=1&auto.offset.reset=earliest&rate=400",
        )
        .0;
        let mut sim = build(&settings).unwrap();
        sim.run_until(kscope_core::Instant::from_millis(8_000));
        let mut next = settings.clone();
        next.subscriptions[1] = settings::TopicSet::parse("payments").unwrap();
        apply_live(&mut sim, &mut settings, next).unwrap();
        sim.run_until(kscope_core::Instant::from_millis(20_000));
        let owned = |sim: &Sim, group: u32| -> Vec<u32> {
            sim.consumers()
                .values()
                .filter(|c| c.group == group && c.is_running())
                .flat_map(|c| c.owned.iter().map(|tp| tp.topic.0))
                .collect()
        };
        assert_eq!(owned(&sim, 1), vec![1, 1, 1]);
        assert_eq!(owned(&sim, 0), vec![0, 0, 0]);
        perform(
            &mut sim,
            &mut settings,
            &Action::Subscribe(0, settings::TopicSet::parse("orders,payments").unwrap()),
        )
        .unwrap();
        sim.run_until(kscope_core::Instant::from_millis(30_000));
        assert_eq!(owned(&sim, 0), vec![0, 0, 0, 1, 1, 1]);
        // A topic the run does not have is refused, with Kafka's words.
        let shipments = settings::TopicSet::parse("shipments").unwrap();
        assert!(perform(&mut sim, &mut settings, &Action::Subscribe(0, shipments)).is_err());
    }

    #[test]
    fn times_are_read_and_written_as_people_write_them() {
        assert_eq!(parse_time("800ms"), Ok(800_000));
        assert_eq!(parse_time("12s"), Ok(12_000_000));
        assert_eq!(parse_time("1.5s"), Ok(1_500_000));
        assert_eq!(parse_time("0.025s"), Ok(25_000));
        assert!(parse_time("1.2345s").is_err());
        assert!(parse_time("3601s").unwrap_err().contains("longest run"));
        assert!(parse_time("-1s").is_err());
        assert!(parse_time("s").is_err());
        assert_eq!(format_time(12_000_000), "12s");
        assert_eq!(format_time(12_500_000), "12.5s");
        assert_eq!(format_time(800_000), "800ms");
    }

    #[test]
    fn actions_change_the_cluster_and_refusals_change_nothing() {
        let mut settings = Settings {
            consumers: 1,
            ..Settings::default()
        };
        let mut sim = build(&settings).unwrap();
        sim.step(kscope_core::Instant::from_micros(2_000_000));
        perform(&mut sim, &mut settings, &Action::CrashBroker(1)).unwrap();
        assert!(!sim.brokers()[&BrokerId(1)].up);
        perform(
            &mut sim,
            &mut settings,
            &Action::Set("consumers".into(), "3".into()),
        )
        .unwrap();
        assert_eq!(settings.consumers, 3);
        assert_eq!(
            sim.consumers().values().filter(|c| c.is_running()).count(),
            3
        );
        let e = perform(
            &mut sim,
            &mut settings,
            &Action::Set("partitions".into(), "2".into()),
        )
        .unwrap_err();
        assert!(e.contains("never remove them"), "{e}");
        assert_eq!(settings.partitions, 3);
        let e = perform(&mut sim, &mut settings, &Action::CrashBroker(7)).unwrap_err();
        assert!(!e.is_empty());
        assert!(perform(&mut sim, &mut settings, &Action::IsolateBroker(7)).is_err());
    }
}
