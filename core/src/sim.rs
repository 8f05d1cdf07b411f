//! The simulation: a sans-IO state machine driven from outside.
//!
//! [`Sim::new`] builds a cluster from a [`SimConfig`] and a seed; [`Sim::apply`] takes a
//! [`Command`] (outside stimulus: produce, crash a broker, cut a link); [`Sim::step`]
//! processes everything due up to an instant; [`Sim::poll_at`] tells the next instant
//! anything is due; [`Sim::drain_events`] hands over what happened. Nothing here reads a
//! clock or draws randomness except from the seeded [`Rng`]; all iteration is over
//! ordered collections, so a seed and a command log give the same events, byte for byte.
//!
//! `Sim` owns the actors (brokers, the producer, the consumers) and the context they are
//! handed (`ctx.rs`), and routes each due item to its actor: a message to the broker,
//! producer or consumer it is addressed to, a timer to the actor that set it. The
//! controller's decisions are in `controller.rs`, the producing application in
//! `workload.rs`.

use crate::vecmap::VecMap;
use alloc::vec::Vec;

pub use crate::event::CommandError;
pub use crate::metadata::{PartitionState, Topic};

use crate::broker::Broker;
use crate::broker::Env;
use crate::config::{ConfigError, SimConfig, Workload};
use crate::consumer::Consumer;
use crate::ctx::{Ctx, Due};
use crate::event::{Event, MessageKind, TimedEvent};
use crate::group::{partition_for, Group, GroupStore, PartitionLag};
use crate::ids::{BrokerId, ConsumerId, MessageId, NodeId, ProducerId, TopicId, TopicPartition};
use crate::ledger::Ledger;
use crate::network::{Fault, Message, Network, Payload};
use crate::producer::{ProduceRecord, Producer};
use crate::rng::Rng;
use crate::time::{Duration, Instant};

/// Something outside the cluster does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// The application calls `send()` once, on its producer.
    Produce(ProduceRecord),
    /// Starts another producer client, with the application's producer settings; its id
    /// is the next after the last producer's.
    AddProducer,
    /// A second instance of the producing application starts while the first still runs
    /// (an orchestrator lost sight of it; a long pause): a new producer client with the
    /// application's settings, which the workload sends with from now on. With a
    /// `transactional.id`, its `initTransactions()` fences the first, a zombie now.
    StartProducerInstance,
    /// `send()` on a given producer.
    ProduceWith(ProducerId, ProduceRecord),
    /// The producing application's process dies (the producer's batches and requests
    /// with it).
    CrashProducer(ProducerId),
    /// The application starts again after a crash: a new producer client with the same
    /// settings (a transactional one calls `initTransactions()`, fencing its old epoch).
    RestartProducer(ProducerId),
    /// The broker's process dies (its disk survives).
    CrashBroker(BrokerId),
    /// A controller of the quorum dies (its log survives).
    #[cfg(feature = "control_plane")]
    CrashController(crate::ids::ControllerId),
    /// A crashed controller starts again from its log.
    #[cfg(feature = "control_plane")]
    RestartController(crate::ids::ControllerId),
    /// The broker's machine loses power: its process dies and its page cache is gone, so
    /// each of its logs comes back only as far as it reached the disk.
    PowerOffBroker(BrokerId),
    RestartBroker(BrokerId),
    /// A new, empty broker joins (it gets no replicas until a topic is created).
    AddBroker,
    CutLink(NodeId, NodeId),
    HealLink(NodeId, NodeId),
    /// Drops the next message from `from` to `to` (of `kind`, if given).
    DropNext {
        from: NodeId,
        to: NodeId,
        kind: Option<MessageKind>,
    },
    /// Delays the next message from `from` to `to` (of `kind`, if given) by `by`.
    DelayNext {
        from: NodeId,
        to: NodeId,
        kind: Option<MessageKind>,
        by: Duration,
    },
    /// Sets a link's one-way latency (a slow follower is a slow link to its leader).
    SetLinkLatency {
        a: NodeId,
        b: NodeId,
        latency: Duration,
    },
    SetWorkload(Workload),
    /// `unclean.leader.election.enable` of a topic.
    SetUncleanLeaderElection {
        topic: TopicId,
        enable: bool,
    },
    /// Starts one more consumer in the group.
    AddConsumer,
    /// The consumer's `close()`: commit, revoke, leave the group.
    CloseConsumer(ConsumerId),
    /// The consumer's process dies: no commit, no LeaveGroup.
    CrashConsumer(ConsumerId),
    /// The transactional application aborts its present transaction (or, between two,
    /// its next one) instead of committing it.
    AbortTransaction,
    /// Starts a crashed or closed consumer again (with the same `group.instance.id` when
    /// membership is static).
    RestartConsumer(ConsumerId),
    /// The application stops (or resumes) calling `poll()`.
    PauseConsumer {
        consumer: ConsumerId,
        paused: bool,
    },
    /// Restarts every running consumer of the first group with another
    /// `partition.assignment.strategy`.
    SetAssignor(crate::assignor::AssignorList),
    /// A new member of group `group` (0 is the first, as [`Command::AddConsumer`]).
    AddGroupConsumer {
        group: u32,
    },
    /// [`Command::SetAssignor`] for group `group` (0 is the first).
    SetGroupAssignor {
        group: u32,
        assignors: crate::assignor::AssignorList,
    },
    /// Restarts one consumer's process (closing it first if it runs) with its own
    /// `partition.assignment.strategy`: one step of a rolling bounce.
    RestartConsumerWith {
        consumer: ConsumerId,
        assignors: crate::assignor::AssignorList,
    },
    /// The application of one running consumer calls `subscribe(topics)` (indices into
    /// [`SimConfig::topics`]): it rejoins its group with the new subscription. A restarted
    /// process subscribes as its group's configuration says.
    Subscribe {
        consumer: ConsumerId,
        topics: Vec<u32>,
    },
    /// Group `group`'s application subscribes to `topics` from now on: each running
    /// member calls `subscribe(topics)` (no restart), and members started later subscribe
    /// so too.
    SetGroupSubscription {
        group: u32,
        topics: Vec<u32>,
    },
    /// Grows a topic to `partitions` partitions (Kafka cannot shrink one).
    AddPartitions {
        topic: TopicId,
        partitions: u32,
    },
}

/// A simulated Kafka cluster with one producing application.
#[derive(Clone, Debug)]
pub struct Sim {
    pub(crate) config: SimConfig,
    pub(crate) seed: u64,
    /// The clock, the queue, the network, the events and the ledger.
    pub(crate) cx: Ctx,
    pub(crate) rng: Rng,
    /// Draws replica placements, for the topics at the start and those created later.
    pub(crate) placement_rng: Rng,
    pub(crate) topics: Vec<Topic>,
    pub(crate) brokers: VecMap<BrokerId, Broker>,
    /// The producer clients; the first is the producing application's.
    pub(crate) producers: VecMap<ProducerId, Producer>,
    /// The producer the application sends with: the first, until a second instance of
    /// the application takes over ([`Command::StartProducerInstance`]).
    pub(crate) app: ProducerId,
    /// With the exactly-once pipeline: each member of the first group's transactional
    /// producer (`pipeline.rs`; only in the build with transactions).
    #[cfg(feature = "transactions")]
    pub(crate) pipeline: VecMap<ConsumerId, ProducerId>,
    /// Steps of members' transactions waiting for their producers' `initTransactions()`.
    #[cfg(feature = "transactions")]
    pub(crate) pipeline_waiting: Vec<crate::ctx::Effect>,
    /// Members whose present poll's results could not go into a transaction: the poll
    /// commits nothing.
    #[cfg(feature = "transactions")]
    pub(crate) failed_polls: crate::vecmap::VecSet<ConsumerId>,
    pub(crate) unclean_elections: u32,
    pub(crate) power_losses: u32,
    /// The next producer id the (idealised) controller hands out.
    pub(crate) next_producer_id: i64,
    pub(crate) workload_carry: u64,
    /// The workload's next record goes to its topic this many after its first.
    pub(crate) workload_next_topic: u32,
    pub(crate) workload_scheduled: bool,
    /// With `SendMode::Sync`: the record whose result the application's `get()` waits for.
    pub(crate) workload_waiting: Option<crate::ids::RecordId>,
    pub(crate) consumers: VecMap<ConsumerId, Consumer>,
    /// The values of `__consumer_offsets` records and the coordinators' counters.
    pub(crate) groups: GroupStore,
    /// The controller quorum, with `controller.quorum.voters` set (`control_plane.rs`).
    pub(crate) control: crate::control_plane::ControlSlot,
    /// Checks every invariant after every item, when set (see [`Sim::check_invariants`]).
    /// Only in test builds: the page's build carries none of the invariants' code.
    #[cfg(any(test, feature = "checked"))]
    pub(crate) monitor: Option<alloc::boxed::Box<crate::invariants::Monitor>>,
}

impl Sim {
    /// A cluster from `config`, with every topic created and led by its preferred
    /// replicas. `seed` decides replica placement, keys and the partitioner's choices.
    pub fn new(config: SimConfig, seed: u64) -> Result<Sim, ConfigError> {
        config.validate()?;
        let broker_ids: Vec<BrokerId> = (0..config.brokers).map(BrokerId).collect();
        let mut sim = Sim {
            producers: core::iter::once((
                ProducerId(0),
                Producer::new(
                    ProducerId(0),
                    &config,
                    crate::rng::PartitionerRandom::Seeded(Rng::new(seed, 3)),
                    Rng::new(seed, 6),
                ),
            ))
            .collect(),
            cx: Ctx::new(Duration::from_micros(config.network.latency_us)),
            config,
            seed,
            rng: Rng::new(seed, 2),
            topics: Vec::new(),
            brokers: VecMap::new(),
            unclean_elections: 0,
            power_losses: 0,
            next_producer_id: 0,
            workload_carry: 0,
            workload_next_topic: 0,
            workload_scheduled: false,
            workload_waiting: None,
            app: ProducerId(0),
            #[cfg(feature = "transactions")]
            pipeline: VecMap::new(),
            #[cfg(feature = "transactions")]
            pipeline_waiting: Vec::new(),
            #[cfg(feature = "transactions")]
            failed_polls: crate::vecmap::VecSet::new(),
            consumers: VecMap::new(),
            placement_rng: Rng::new(seed, 1),
            groups: GroupStore::new(Rng::new(seed, 5)),
            control: Default::default(),
            #[cfg(any(test, feature = "checked"))]
            monitor: None,
        };
        for id in broker_ids {
            sim.brokers
                .insert(id, Broker::new(id, sim.config.broker.os_page_cache_bytes));
            sim.start_broker_tasks(id);
        }
        for spec in sim.config.topics.clone() {
            sim.create_topic(spec);
        }
        let topics = &sim.topics;
        for p in sim.producers.values_mut() {
            p.refresh_metadata_from(topics);
        }
        sim.reconcile_fetchers();
        sim.start_control_plane();
        #[cfg(feature = "transactions")]
        if let Some(out) = sim.config.pipeline_output() {
            // The pipeline's reader: the first other group that reads its output.
            let reader = (1..=sim.config.other_groups.len() as u32)
                .find(|g| sim.config.subscription_of(*g).contains(&out));
            sim.cx.ledger.set_pipeline(TopicId(out), reader);
        }
        sim.schedule_workload();
        let every = Duration::from_millis(sim.config.broker.unclean_leader_election_interval_ms);
        sim.cx
            .schedule(Instant::ZERO + every, Due::UncleanElectionCheck);
        let every = Duration::from_millis(sim.config.broker.os_dirty_writeback_ms);
        sim.cx.schedule(Instant::ZERO + every, Due::WriteBack);
        for _ in 0..sim.config.consumers {
            let id = ConsumerId(sim.consumers.len() as u32);
            sim.start_consumer(id, 0, 0);
        }
        for g in 0..sim.config.other_groups.len() {
            for _ in 0..sim.config.other_groups[g].consumers {
                let id = ConsumerId(sim.consumers.len() as u32);
                sim.start_consumer(id, 1 + g as u32, 0);
            }
        }
        #[cfg(feature = "checked")]
        sim.check_invariants(true);
        Ok(sim)
    }

    /// Checks every named invariant (see [`crate::invariants`]) after every item the
    /// simulation handles and every command it applies, or stops checking. A broken
    /// invariant panics, naming it, the instant and the seed: checking is for tests (it
    /// exists in builds with the `checked` feature, every `Sim` of which starts checked),
    /// as it costs far more than the simulation itself.
    #[cfg(any(test, feature = "checked"))]
    pub fn check_invariants(&mut self, on: bool) {
        self.monitor = on.then(|| alloc::boxed::Box::new(crate::invariants::Monitor::new()));
        if on {
            self.after_item(self.cx.events.len());
        }
    }

    /// Whether [`Sim::check_invariants`] is on.
    #[cfg(any(test, feature = "checked"))]
    pub fn checks_invariants(&self) -> bool {
        self.monitor.is_some()
    }

    /// After an item or a command: the monitor, if any, sees the state and the events
    /// emitted since `events_from`.
    #[inline]
    fn after_item(&mut self, events_from: usize) {
        #[cfg(any(test, feature = "checked"))]
        {
            let Some(mut monitor) = self.monitor.take() else {
                return;
            };
            let events = &self.cx.events[events_from.min(self.cx.events.len())..];
            let broken = monitor.observe(self, events);
            self.monitor = Some(monitor);
            if let Some(v) = broken.first() {
                panic!(
                    "invariant {} broken at {:?} (seed {}): {}",
                    v.invariant,
                    self.now(),
                    self.seed,
                    v.detail
                );
            }
        }
        #[cfg(not(any(test, feature = "checked")))]
        let _ = events_from;
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// The instant the simulation has been stepped to.
    pub fn now(&self) -> Instant {
        self.cx.now
    }
    pub fn topics(&self) -> &[Topic] {
        &self.topics
    }
    pub fn brokers(&self) -> &VecMap<BrokerId, Broker> {
        &self.brokers
    }
    pub fn consumers(&self) -> &VecMap<ConsumerId, Consumer> {
        &self.consumers
    }
    /// The producing application's producer (its latest instance's).
    pub fn producer(&self) -> &Producer {
        &self.producers[&self.app]
    }
    /// Every producer client.
    pub fn producers(&self) -> &VecMap<ProducerId, Producer> {
        &self.producers
    }
    pub(crate) fn app_producer(&mut self) -> &mut Producer {
        self.producers
            .get_mut(&self.app)
            .expect("the application's producer")
    }
    pub fn ledger(&self) -> &Ledger {
        &self.cx.ledger
    }
    /// The delivery guarantee the run's configuration promises: at the first consumer
    /// group once it has had a member, in the log before.
    pub fn promised_guarantee(&self) -> crate::guarantee::Promise {
        let consumers = self.consumers.values().any(|c| c.group == 0);
        crate::guarantee::promise(&self.config, consumers)
    }
    /// The delivery guarantee the run has delivered so far.
    pub fn delivered_guarantee(&self) -> crate::guarantee::Delivered {
        let unseen = !self.config.workload.send_mode.notices_failures();
        let output = self
            .config
            .pipeline_output()
            .map(|_| self.cx.ledger.output_counts());
        crate::guarantee::delivered(&self.cx.ledger.counts(), output.as_ref(), unseen)
    }
    pub fn network(&self) -> &Network {
        &self.cx.network
    }
    /// Messages in flight, each with `sent_at` and `deliver_at`.
    pub fn messages_in_flight(&self) -> impl Iterator<Item = &Message> {
        self.cx.network.in_flight.values()
    }
    /// A record's value in bytes: a `__consumer_offsets` record's in Kafka's schema
    /// ([`crate::group::GroupRecord::value_bytes`]), any other's letters derived from the
    /// seed ([`crate::record_batch::value_bytes`]).
    pub fn record_value(&self, r: &crate::log::StoredRecord) -> Option<alloc::vec::Vec<u8>> {
        let len = r.value_len?;
        if r.id.0 < crate::group::GROUP_RECORD_IDS {
            return Some(crate::record_batch::value_bytes(self.seed(), r.id, len));
        }
        let records = &self.groups.records;
        let at = records.binary_search_by_key(&r.id, |(id, _)| *id).ok()?;
        let names: alloc::vec::Vec<&str> =
            self.topics.iter().map(|t| t.spec.name.as_str()).collect();
        Some(records[at].1.value_bytes(&names, r.timestamp_ms))
    }

    /// The messages in flight sent after message `after` (all of them for `None`).
    pub fn messages_in_flight_after(
        &self,
        after: Option<MessageId>,
    ) -> impl Iterator<Item = &Message> {
        self.cx
            .network
            .in_flight
            .from(MessageId(after.map_or(0, |a| a.0 + 1)))
    }
    pub fn partition(&self, tp: TopicPartition) -> &PartitionState {
        crate::metadata::partition(&self.topics, tp)
    }
    pub(crate) fn partition_mut(&mut self, tp: TopicPartition) -> &mut PartitionState {
        &mut self.topics[tp.topic.0 as usize].partitions[tp.partition as usize]
    }
    pub fn all_partitions(&self) -> impl Iterator<Item = TopicPartition> + '_ {
        self.topics.iter().enumerate().flat_map(|(t, topic)| {
            (0..topic.partitions.len() as u32)
                .map(move |p| TopicPartition::new(TopicId(t as u32), p))
        })
    }
    /// Makes the producer's partitioners draw 0, 1, 2, ... instead of seeded random
    /// numbers, as Kafka's partitioner tests do; for conformance tests.
    pub fn use_sequential_partitioner_random(&mut self) {
        self.app_producer().partitioner_random =
            crate::rng::PartitionerRandom::Sequential(crate::rng::SequentialRandom::default());
    }
    /// How many numbers the partitioners drew, when they draw sequentially.
    pub fn partitioner_random_calls(&self) -> Option<u32> {
        self.producer().partitioner_random.sequential_calls()
    }

    /// How many unclean leader elections have happened.
    pub fn unclean_elections(&self) -> u32 {
        self.unclean_elections
    }

    /// How many times a broker's machine lost power.
    pub fn power_losses(&self) -> u32 {
        self.power_losses
    }

    /// The next instant anything is due, if anything is.
    pub fn poll_at(&self) -> Option<Instant> {
        self.cx.next_due()
    }

    /// Processes everything due at or before `now`, in order, and moves the clock to
    /// `now`. An instant earlier than the simulation's clock is treated as the clock.
    pub fn step(&mut self, now: Instant) {
        while let Some((_, due)) = self.cx.pop_due(Some(now)) {
            let mark = self.cx.events.len();
            self.handle(due);
            self.settle_control_plane();
            self.run_effects();
            self.after_item(mark);
        }
        self.cx.now = self.cx.now.max(now);
    }

    /// Processes exactly the next due item, if there is one, moving the clock to it.
    /// Returns the instant it was due at.
    pub fn step_one(&mut self) -> Option<Instant> {
        let (at, due) = self.cx.pop_due(None)?;
        let mark = self.cx.events.len();
        self.handle(due);
        self.settle_control_plane();
        self.run_effects();
        self.after_item(mark);
        Some(at)
    }

    /// Steps through everything due up to `until`.
    pub fn run_until(&mut self, until: Instant) {
        self.step(until);
    }

    /// Takes the events that happened since the last call.
    pub fn drain_events(&mut self) -> Vec<TimedEvent> {
        core::mem::take(&mut self.cx.events)
    }
    /// Drops the events gathered so far without handing them over.
    pub fn discard_events(&mut self) {
        self.cx.events.clear();
    }

    /// Applies an outside command at `now`, after stepping to it.
    pub fn apply(&mut self, now: Instant, command: Command) -> Result<(), CommandError> {
        self.step(now);
        let mark = self.cx.events.len();
        let done = self.apply_now(command);
        self.settle_control_plane();
        self.run_effects();
        self.after_item(mark);
        done
    }

    /// Carries out `command` at the present instant.
    fn apply_now(&mut self, command: Command) -> Result<(), CommandError> {
        match command {
            Command::Produce(record) => {
                self.producer_up(self.app)?;
                self.produce_with(self.app, record)?;
            }
            Command::AddProducer => {
                self.add_producer()?;
            }
            // A producer's crash, restart and second instance come with transactions (the
            // `transactions` feature): the page's first build, which has none of them,
            // stays within its size budget.
            Command::StartProducerInstance
            | Command::CrashProducer(_)
            | Command::RestartProducer(_)
                if !crate::broker::TXN =>
            {
                return Err(CommandError(alloc::string::String::from(
                    "Only kscope's build with transactions crashes or replaces producers.",
                )));
            }
            Command::StartProducerInstance => {
                let id = self.add_producer()?;
                self.app = id;
                self.workload_waiting = None;
                self.cx
                    .emit(Event::ProducerInstanceStarted { producer: id });
            }
            Command::CrashProducer(p) => {
                self.producer_up(p)?;
                let producer = self.producers.get_mut(&p).ok_or_else(|| no_producer(p))?;
                producer.crash(&mut self.cx);
            }
            Command::RestartProducer(p) => {
                let old = self.producers.get(&p);
                let old = old.ok_or_else(|| no_producer(p))?;
                if old.is_running() {
                    return Err(CommandError(alloc::format!(
                        "Producer {} is already running.",
                        p.0
                    )));
                }
                let incarnation = old.incarnation + 1;
                self.start_producer(p, incarnation);
                self.cx.emit(Event::ProducerRestarted { producer: p });
            }
            Command::ProduceWith(p, record) => {
                if !self.producers.contains_key(&p) {
                    return Err(no_producer(p));
                }
                self.producer_up(p)?;
                self.produce_with(p, record)?;
            }
            Command::CrashBroker(b) => self.crash_broker(b)?,
            #[cfg(feature = "control_plane")]
            Command::CrashController(c) => self.crash_controller(c)?,
            #[cfg(feature = "control_plane")]
            Command::RestartController(c) => self.restart_controller(c)?,
            Command::PowerOffBroker(b) => self.power_off_broker(b)?,
            Command::RestartBroker(b) => self.restart_broker(b)?,
            Command::AddBroker => {
                let id = BrokerId(self.brokers.last_key_value().map_or(0, |(b, _)| b.0 + 1));
                if self.brokers.len() as u32 >= crate::config::MAX_BROKERS {
                    return Err(CommandError(alloc::format!(
                        "kscope simulates at most {} brokers.",
                        crate::config::MAX_BROKERS
                    )));
                }
                self.brokers
                    .insert(id, Broker::new(id, self.config.broker.os_page_cache_bytes));
                // The clients' bootstrap lists name every broker.
                for p in self.producers.values_mut() {
                    p.brokers.push(id);
                }
                for c in self.consumers.values_mut() {
                    c.brokers.push(id);
                }
                self.start_broker_tasks(id);
                self.cx.emit(Event::BrokerAdded { broker: id });
            }
            Command::CutLink(a, b) => {
                self.check_node(a)?;
                self.check_node(b)?;
                if self.cx.network.cut(a, b) {
                    self.cx.emit(Event::LinkCut { a, b });
                    // Messages already on the wire are lost with the link.
                    let lost: Vec<MessageId> = self
                        .cx
                        .network
                        .in_flight
                        .values()
                        .filter(|m| (m.from == a && m.to == b) || (m.from == b && m.to == a))
                        .map(|m| m.id)
                        .collect();
                    for id in lost {
                        self.cx.drop_message(id, crate::event::DropReason::LinkCut);
                    }
                }
            }
            Command::HealLink(a, b) => {
                if self.cx.network.heal(a, b) {
                    self.cx.emit(Event::LinkHealed { a, b });
                }
            }
            Command::DropNext { from, to, kind } => {
                self.check_node(from)?;
                self.check_node(to)?;
                self.cx.network.add_fault(Fault {
                    from,
                    to,
                    kind,
                    delay: None,
                });
            }
            Command::DelayNext { from, to, kind, by } => {
                self.check_node(from)?;
                self.check_node(to)?;
                self.cx.network.add_fault(Fault {
                    from,
                    to,
                    kind,
                    delay: Some(by),
                });
            }
            Command::SetLinkLatency { a, b, latency } => {
                self.check_node(a)?;
                self.check_node(b)?;
                self.cx.network.set_latency(a, b, latency);
            }
            Command::SetWorkload(w) => {
                let last = w.last_topic();
                if w.rate > 0 && last >= self.topics.len() {
                    return Err(CommandError(alloc::format!("There is no topic {last}.")));
                }
                self.config.workload = w;
                self.schedule_workload();
            }
            Command::SetUncleanLeaderElection { topic, enable } => {
                let t = self.topics.get_mut(topic.0 as usize).ok_or_else(|| {
                    CommandError(alloc::format!("There is no topic {}.", topic.0))
                })?;
                // Offline partitions get an unclean leader at the controller's next periodic
                // check, not at once (`unclean_election_check`).
                t.spec.unclean_leader_election_enable = enable;
            }
            Command::AddConsumer => self.add_consumer(0)?,
            Command::AddGroupConsumer { group } => self.add_consumer(group)?,
            Command::CloseConsumer(c) => {
                self.running_consumer(c)?;
                self.consumers
                    .get_mut(&c)
                    .expect("checked")
                    .close(&mut self.cx);
            }
            Command::AbortTransaction => {
                if !crate::broker::TXN {
                    return Err(CommandError(alloc::string::String::from(
                        "This build of kscope has no transactions.",
                    )));
                }
                self.producer_up(self.app)?;
                let p = self
                    .producers
                    .get_mut(&self.app)
                    .expect("the application's producer");
                let Some(t) = p.txn.as_mut() else {
                    return Err(CommandError(alloc::string::String::from(
                        "The producer has no transactional.id.",
                    )));
                };
                if t.state == crate::txn::TxnClientState::InTransaction {
                    p.end_transaction(&mut self.cx, false);
                } else {
                    t.abort_next = true;
                }
            }
            Command::CrashConsumer(c) => {
                self.running_consumer(c)?;
                self.consumers
                    .get_mut(&c)
                    .expect("checked")
                    .crash(&mut self.cx);
                self.crash_pipeline_producer(c);
            }
            Command::RestartConsumer(c) => {
                let cons = self
                    .consumers
                    .get(&c)
                    .ok_or_else(|| CommandError(alloc::format!("There is no consumer {}.", c.0)))?;
                if cons.is_running() {
                    return Err(CommandError(alloc::format!(
                        "Consumer {} is already running.",
                        c.0
                    )));
                }
                let (group, incarnation) = (cons.group, cons.incarnation + 1);
                self.start_consumer(c, group, incarnation);
            }
            Command::PauseConsumer { consumer, paused } => {
                self.running_consumer(consumer)?;
                let cons = self.consumers.get_mut(&consumer).expect("checked");
                if cons.paused != paused {
                    cons.paused = paused;
                    self.cx.emit(Event::ConsumerPaused { consumer, paused });
                    if !paused {
                        self.consumers
                            .get_mut(&consumer)
                            .expect("checked")
                            .poll(&mut self.cx);
                    }
                }
            }
            Command::SetAssignor(list) => self.set_group_assignor(0, list)?,
            Command::SetGroupAssignor { group, assignors } => {
                self.set_group_assignor(group, assignors)?
            }
            Command::RestartConsumerWith {
                consumer,
                assignors,
            } => {
                if !self.consumers.contains_key(&consumer) {
                    return Err(CommandError(alloc::format!(
                        "There is no consumer {}.",
                        consumer.0
                    )));
                }
                self.redeploy_consumer(consumer, assignors);
            }
            Command::Subscribe { consumer, topics } => {
                self.running_consumer(consumer)?;
                self.config.check_subscription(&topics)?;
                self.subscribe(consumer, &topics);
            }
            Command::SetGroupSubscription { group, topics } => {
                self.config.check_subscription(&topics)?;
                let mut sorted = topics;
                crate::java::sort_by(&mut sorted, |a, b| a < b);
                sorted.dedup();
                match (group as usize).checked_sub(1) {
                    None => self.config.consumer.topics = sorted.clone(),
                    Some(i) => {
                        let spec = self.config.other_groups.get_mut(i).ok_or_else(|| {
                            CommandError(alloc::format!("There is no group {group}."))
                        })?;
                        spec.topics = sorted.clone();
                    }
                }
                let members: Vec<ConsumerId> = self
                    .consumers
                    .values()
                    .filter(|c| c.group == group && c.is_running())
                    .map(|c| c.id)
                    .collect();
                for c in members {
                    self.subscribe(c, &sorted);
                }
            }
            Command::AddPartitions { topic, partitions } => {
                self.add_partitions(topic, partitions)?;
            }
        }
        Ok(())
    }

    /// Starts a producer client with the next id after the last producer's.
    fn add_producer(&mut self) -> Result<ProducerId, CommandError> {
        let id = ProducerId(self.producers.last_key_value().map_or(0, |(p, _)| p.0 + 1));
        if self.producers.len() >= crate::config::MAX_PRODUCERS as usize {
            return Err(CommandError(alloc::format!(
                "kscope simulates at most {} producers.",
                crate::config::MAX_PRODUCERS
            )));
        }
        self.start_producer(id, 0);
        Ok(id)
    }

    /// Starts producer `p`'s client (again, for an `incarnation` after the first); it
    /// learns the cluster from the brokers it is given.
    fn start_producer(&mut self, id: ProducerId, incarnation: u32) {
        let producer = self.producer_client(id, incarnation, &self.config);
        self.install_producer(producer);
    }

    /// A new client for producer `id`'s `incarnation` with `config`'s producer settings.
    /// Each producer's partitioners draw from a stream of their own, and each of its
    /// processes from another.
    pub(crate) fn producer_client(
        &self,
        id: ProducerId,
        incarnation: u32,
        config: &SimConfig,
    ) -> Producer {
        let stream = u64::from(id.0) + 64 * u64::from(incarnation);
        let random = crate::rng::PartitionerRandom::Seeded(Rng::new(self.seed, 16 + stream));
        let jitter = Rng::new(self.seed, 48 + stream);
        let mut producer = Producer::new(id, config, random, jitter);
        producer.incarnation = incarnation;
        producer
    }

    /// Starts `producer` (in the place of its id's earlier process, if any); it learns
    /// the cluster from the brokers it is given.
    pub(crate) fn install_producer(&mut self, mut producer: Producer) {
        let id = producer.id;
        producer.started_at = self.cx.now;
        // The application's own counts of its transactions go on across its restarts.
        let before = self.producers.get(&id).and_then(|p| p.txn.as_ref());
        if let (Some(t), Some(before)) = (producer.txn.as_mut(), before) {
            t.committed = before.committed;
            t.aborted = before.aborted;
        }
        producer.brokers = self.brokers.keys().copied().collect();
        producer.refresh_metadata_from(&self.topics);
        // A transactional producer starts with `initTransactions()`.
        if producer.txn.is_some() {
            producer.poll(&mut self.cx);
        }
        self.producers.insert(id, producer);
    }

    /// Refuses a command to producer `p` while its process is down.
    fn producer_up(&self, p: ProducerId) -> Result<(), CommandError> {
        if self.producers.get(&p).is_some_and(|p| !p.is_running()) {
            return Err(CommandError(alloc::format!("Producer {} is down.", p.0)));
        }
        Ok(())
    }

    /// `send()` on producer `p`, then its sender's loop.
    fn produce_with(&mut self, p: ProducerId, record: ProduceRecord) -> Result<(), CommandError> {
        let producer = self.producers.get_mut(&p).expect("checked by the caller");
        producer.send(&mut self.cx, &self.topics, record)?;
        producer.poll(&mut self.cx);
        Ok(())
    }

    /// Starts a member of group `group` (0 the first; again, with a new incarnation); it
    /// looks for its coordinator and joins.
    pub(crate) fn start_consumer(&mut self, id: ConsumerId, group: u32, incarnation: u32) {
        let cfg = self.config.group_consumer_config(group);
        self.start_consumer_with(id, group, incarnation, cfg);
    }

    /// A consumer's configuration is fixed for its life: group `group`'s application is
    /// redeployed with the new list, every running member closed and started again at
    /// once (a member restarted alone would meet members that still list the old
    /// assignors, see `AssignorList::supported_by`).
    fn set_group_assignor(
        &mut self,
        group: u32,
        list: crate::assignor::AssignorList,
    ) -> Result<(), CommandError> {
        match (group as usize).checked_sub(1) {
            None => self.config.consumer.partition_assignment_strategy = list,
            Some(i) => {
                let spec =
                    self.config.other_groups.get_mut(i).ok_or_else(|| {
                        CommandError(alloc::format!("There is no group {group}."))
                    })?;
                spec.partition_assignment_strategy = list;
            }
        }
        let ids: Vec<ConsumerId> = self
            .consumers
            .values()
            .filter(|c| c.group == group && c.is_running() && c.assignor != list)
            .map(|c| c.id)
            .collect();
        for c in ids {
            self.redeploy_consumer(c, list);
        }
        Ok(())
    }

    /// A new member of group `group`.
    fn add_consumer(&mut self, group: u32) -> Result<(), CommandError> {
        if group as usize > self.config.other_groups.len() {
            return Err(CommandError(alloc::format!("There is no group {group}.")));
        }
        let members = self
            .consumers
            .values()
            .filter(|c| c.group == group && c.is_running())
            .count();
        if members >= crate::config::MAX_CONSUMERS as usize {
            return Err(CommandError(alloc::format!(
                "kscope runs at most {} consumers in a group.",
                crate::config::MAX_CONSUMERS
            )));
        }
        self.config
            .check_subscription(self.config.subscription_of(group))?;
        let id = ConsumerId(self.consumers.len() as u32);
        self.start_consumer(id, group, 0);
        Ok(())
    }

    fn subscribe(&mut self, c: ConsumerId, topics: &[u32]) {
        let topics: Vec<TopicId> = topics.iter().map(|t| TopicId(*t)).collect();
        let cons = self.consumers.get_mut(&c).expect("checked by the caller");
        cons.subscribe(&mut self.cx, &topics);
    }

    /// Closes consumer `c` if it runs and starts it again listing `assignors`.
    fn redeploy_consumer(&mut self, c: ConsumerId, assignors: crate::assignor::AssignorList) {
        let cons = self.consumers.get_mut(&c).expect("checked by the caller");
        if cons.is_running() {
            cons.close(&mut self.cx);
        }
        let (group, incarnation) = (cons.group, cons.incarnation + 1);
        let mut cfg = self.config.group_consumer_config(group);
        cfg.partition_assignment_strategy = assignors;
        self.start_consumer_with(c, group, incarnation, cfg);
    }

    fn start_consumer_with(
        &mut self,
        id: ConsumerId,
        group: u32,
        incarnation: u32,
        cfg: crate::config::ConsumerConfig,
    ) {
        if group == 0 {
            self.start_pipeline_producer(id);
        }
        let topic_names = self.topics.iter().map(|t| t.spec.name.clone()).collect();
        let brokers = self.brokers.keys().copied().collect();
        let consumer = Consumer::new(
            id,
            group,
            incarnation,
            &cfg,
            topic_names,
            brokers,
            self.cx.now,
        );
        self.consumers.insert(id, consumer);
        let consumer = self.consumers.get_mut(&id).expect("just inserted");
        consumer.start(&mut self.cx);
    }

    fn running_consumer(&self, c: ConsumerId) -> Result<(), CommandError> {
        match self.consumers.get(&c) {
            None => Err(CommandError(alloc::format!(
                "There is no consumer {}.",
                c.0
            ))),
            Some(cons) if !cons.is_running() => Err(CommandError(alloc::format!(
                "Consumer {} is not running.",
                c.0
            ))),
            Some(_) => Ok(()),
        }
    }

    fn check_node(&self, n: NodeId) -> Result<(), CommandError> {
        match n {
            NodeId::Producer(p) if self.producers.contains_key(&p) => Ok(()),
            NodeId::Producer(p) => Err(CommandError(alloc::format!(
                "There is no producer {}.",
                p.0
            ))),
            NodeId::Broker(b) if self.brokers.contains_key(&b) => Ok(()),
            NodeId::Broker(b) => Err(CommandError(alloc::format!("There is no broker {}.", b.0))),
            NodeId::Consumer(c) if self.consumers.contains_key(&c) => Ok(()),
            NodeId::Consumer(c) => Err(CommandError(alloc::format!(
                "There is no consumer {}.",
                c.0
            ))),
        }
    }

    fn handle(&mut self, due: Due) {
        match due {
            Due::Deliver(id) => self.deliver(id),
            Due::ProducerWake(p) => {
                if let Some(p) = self.producers.get_mut(&p).filter(|p| p.is_running()) {
                    p.wake_scheduled = None;
                    p.poll(&mut self.cx);
                }
            }
            Due::Workload => {
                self.workload_scheduled = false;
                self.workload_tick();
            }
            Due::FetchTimeout {
                broker,
                leader,
                request,
            } => {
                let (b, cx, mut env) = self.broker_parts(broker);
                b.on_fetch_failed(cx, &mut env, leader, request);
            }
            Due::FetcherBackoff { broker, leader } => {
                let (b, cx, mut env) = self.broker_parts(broker);
                b.on_fetcher_backoff(cx, &mut env, leader);
            }
            Due::DelayedFetchExpire { broker, request } => {
                let b = self.brokers.get_mut(&broker).expect("a known broker");
                b.complete_delayed_fetch(&mut self.cx, request);
            }
            Due::DelayedProduceExpire { broker, request } => {
                let b = self.brokers.get_mut(&broker).expect("a known broker");
                b.expire_delayed_produce(&mut self.cx, request);
            }
            Due::IsrCheck {
                broker,
                incarnation,
            } => {
                if self.broker_alive_as(broker, incarnation) {
                    let (b, cx, env) = self.broker_parts(broker);
                    let shrinks = b.isr_check(cx, &env);
                    self.shrink_isr(broker, shrinks);
                    let every =
                        Duration::from_millis(self.config.broker.replica_lag_time_max_ms / 2);
                    self.cx.schedule(self.cx.now + every, due);
                }
            }
            Due::RetentionCheck {
                broker,
                incarnation,
            } => {
                if self.broker_alive_as(broker, incarnation) {
                    let b = self.brokers.get_mut(&broker).expect("a known broker");
                    b.retention_check(&mut self.cx);
                    let every =
                        Duration::from_millis(self.config.broker.log_retention_check_interval_ms);
                    self.cx.schedule(self.cx.now + every, due);
                }
            }
            Due::TxnMarkerRetry {
                broker,
                incarnation,
            } => {
                if crate::broker::TXN && self.broker_alive_as(broker, incarnation) {
                    let (b, cx, mut env) = self.broker_parts(broker);
                    b.retry_markers(cx, &mut env);
                }
            }
            Due::TxnCheck {
                broker,
                incarnation,
            } => {
                if crate::broker::TXN && self.broker_alive_as(broker, incarnation) {
                    let (b, cx, mut env) = self.broker_parts(broker);
                    b.txn_periodic(cx, &mut env);
                    let every = Duration::from_millis(
                        self.config
                            .broker
                            .transaction_abort_timed_out_transaction_cleanup_interval_ms,
                    );
                    self.cx.schedule(self.cx.now + every, due);
                }
            }
            Due::CleanerCheck {
                broker,
                incarnation,
            } => {
                if self.broker_alive_as(broker, incarnation) {
                    let b = self.brokers.get_mut(&broker).expect("a known broker");
                    b.cleaner_check(&mut self.cx);
                    let every = Duration::from_millis(self.config.broker.log_cleaner_backoff_ms);
                    self.cx.schedule(self.cx.now + every, due);
                }
            }
            Due::Raft(due) => self.quorum_due(due),
            Due::FenceBroker {
                broker,
                incarnation,
            } => {
                let b = &self.brokers[&broker];
                if !b.up && b.incarnation == incarnation && !b.fenced {
                    self.fence_broker_then_register(broker);
                }
            }
            Due::WriteBack => {
                let now_ms = self.cx.now.millis() as i64;
                let expire = self.config.broker.os_dirty_expire_ms as i64;
                for b in self.brokers.values_mut() {
                    for r in b.replicas.values_mut() {
                        r.log.write_back(now_ms, expire);
                    }
                }
                let every = Duration::from_millis(self.config.broker.os_dirty_writeback_ms);
                self.cx.schedule(self.cx.now + every, due);
            }
            Due::UncleanElectionCheck => {
                self.unclean_election_check();
                let every =
                    Duration::from_millis(self.config.broker.unclean_leader_election_interval_ms);
                self.cx.schedule(self.cx.now + every, due);
            }
            Due::ConsumerWake {
                consumer,
                incarnation,
            } => {
                if let Some(c) = self.consumers.get_mut(&consumer) {
                    c.on_wake(&mut self.cx, incarnation);
                }
            }
            Due::ConsumerHeartbeat {
                consumer,
                incarnation,
            } => {
                if let Some(c) = self.consumers.get_mut(&consumer) {
                    c.heartbeat_tick(&mut self.cx, incarnation);
                }
            }
            Due::ConsumerRequestTimeout {
                consumer,
                incarnation,
                request,
            } => {
                if let Some(c) = self.consumers.get_mut(&consumer) {
                    c.on_request_timeout(&mut self.cx, incarnation, request);
                }
            }
            Due::GroupJoinTimer {
                broker,
                partition,
                timer,
            } => {
                let (b, cx, mut env) = self.broker_parts(broker);
                b.on_group_join_timer(cx, &mut env, partition, timer);
            }
            Due::MemberExpiry {
                broker,
                partition,
                member,
            } => {
                let (b, cx, mut env) = self.broker_parts(broker);
                b.on_member_expiry(cx, &mut env, partition, member);
            }
            Due::PendingMemberExpiry { broker, partition } => {
                let (b, cx, mut env) = self.broker_parts(broker);
                b.on_pending_member_expiry(cx, &mut env, partition);
            }
            Due::PendingSyncExpiry {
                broker,
                partition,
                generation,
            } => {
                let (b, cx, mut env) = self.broker_parts(broker);
                b.on_pending_sync_expiry(cx, &mut env, partition, generation);
            }
            Due::GroupAppendTimeout { broker, append } => {
                let (b, cx, mut env) = self.broker_parts(broker);
                b.on_group_append_timeout(cx, &mut env, append);
            }
        }
    }

    /// Broker `b`, the context and what the broker reads of the rest of the cluster,
    /// borrowed apart so that the broker's handlers can run.
    pub(crate) fn broker_parts(&mut self, b: BrokerId) -> (&mut Broker, &mut Ctx, Env<'_>) {
        let Sim {
            brokers,
            cx,
            config,
            topics,
            groups,
            next_producer_id,
            control,
            ..
        } = self;
        // A broker reads its own image of the metadata, where it has one.
        let topics = control.image(b).unwrap_or(topics);
        let env = Env {
            config,
            topics,
            groups,
            producer_ids: next_producer_id,
        };
        (brokers.get_mut(&b).expect("a known broker"), cx, env)
    }

    /// The id of the `__consumer_offsets` topic, if it was created.
    pub fn offsets_topic(&self) -> Option<crate::ids::TopicId> {
        crate::metadata::offsets_topic(&self.topics)
    }

    /// The `__consumer_offsets` partition that holds `group` (its leader coordinates
    /// the group), once the topic exists.
    pub fn group_partition(&self, group: &str) -> Option<TopicPartition> {
        let topic = self.offsets_topic()?;
        let n = self.topics[topic.0 as usize].partitions.len() as u32;
        Some(TopicPartition::new(topic, partition_for(group, n)))
    }

    /// The group as its current coordinator holds it.
    pub fn group(&self, group: &str) -> Option<(BrokerId, &Group)> {
        let tp = self.group_partition(group)?;
        let leader = self.partition(tp).leader?;
        let b = self.brokers.get(&leader)?;
        if !b.up {
            return None;
        }
        b.coordinator.groups.get(group).map(|g| (leader, g))
    }

    /// The first group's partitions with lag: the high watermark minus the committed
    /// offset, as `kafka-consumer-groups --describe` reports it.
    pub fn group_lag(&self) -> Vec<PartitionLag> {
        self.group_lag_of(&self.config.consumer.group_id)
    }

    /// The topics group `group` reads: those its configuration subscribes to and those
    /// any running member subscribes to now, in id order.
    pub fn group_topics(&self, group: &str) -> Vec<TopicId> {
        let Some(index) = self.config.group_ids().position(|id| id == group) else {
            return Vec::new();
        };
        let mut topics: Vec<TopicId> = self
            .config
            .subscription_of(index as u32)
            .iter()
            .map(|t| TopicId(*t))
            .collect();
        for c in self.consumers.values() {
            if c.group == index as u32 && c.is_running() {
                topics.extend(c.subscription.iter().copied());
            }
        }
        crate::java::sort_by(&mut topics, |a, b| a < b);
        topics.dedup();
        topics
    }

    /// Group `group`'s partitions with lag (see [`Sim::group_lag`]), topic by topic.
    pub fn group_lag_of(&self, group: &str) -> Vec<PartitionLag> {
        let committed = self.group(group).map(|(_, g)| g.committed.clone());
        let owner = |tp: TopicPartition| {
            self.group(group).and_then(|(_, g)| {
                g.members
                    .iter()
                    .find(|m| m.assignment.contains(&tp))
                    .map(|m| m.consumer)
            })
        };
        self.group_topics(group)
            .into_iter()
            .filter_map(|topic| Some((topic, self.topics.get(topic.0 as usize)?)))
            .flat_map(|(topic, t)| {
                (0..t.partitions.len() as u32).map(move |p| TopicPartition::new(topic, p))
            })
            .map(|tp| {
                let hw = self
                    .partition(tp)
                    .leader
                    .and_then(|l| self.brokers.get(&l))
                    .filter(|br| br.up)
                    .and_then(|br| br.replicas.get(&tp))
                    .map(|r| r.high_watermark);
                let c = committed.as_ref().and_then(|c| c.get(&tp).copied());
                PartitionLag {
                    partition: tp,
                    high_watermark: hw,
                    committed: c,
                    lag: match (hw, c) {
                        (Some(h), Some(c)) => Some(h.0 - c.0),
                        _ => None,
                    },
                    owner: owner(tp),
                }
            })
            .collect()
    }

    /// Hands a message to broker `b`. What every broker answers from the cluster's
    /// metadata (Metadata, FindCoordinator, InitProducerId) is answered from the
    /// controller's state (`controller.rs`), and a follower's fetch passes through the
    /// controller's ISR decision ([`Sim::follower_fetch`]); the broker handles the rest.
    fn broker_receive(&mut self, b: BrokerId, message: Message) {
        match (&message.payload, message.from) {
            (
                Payload::MetadataRequest
                | Payload::InitProducerIdRequest {
                    transactional_id: None,
                    ..
                }
                | Payload::FindCoordinatorRequest { .. },
                _,
            ) => self.answer_from_metadata(b, message),
            (Payload::FetchRequest { .. }, NodeId::Broker(follower)) => {
                self.follower_fetch(b, follower, message)
            }
            _ => {
                let (broker, cx, mut env) = self.broker_parts(b);
                broker.receive(cx, &mut env, message);
            }
        }
    }

    fn broker_alive_as(&self, broker: BrokerId, incarnation: u32) -> bool {
        self.brokers
            .get(&broker)
            .is_some_and(|b| b.up && b.incarnation == incarnation)
    }

    fn deliver(&mut self, id: MessageId) {
        let Some(message) = self.cx.network.in_flight.remove(&id) else {
            return;
        };
        if self.cx.network.is_cut(message.from, message.to) {
            self.cx.emit(Event::MessageDropped {
                message: id,
                reason: crate::event::DropReason::LinkCut,
            });
            self.cx.on_message_lost(&message);
            return;
        }
        if let NodeId::Broker(b) = message.to {
            if !self.brokers[&b].up {
                self.cx.emit(Event::MessageDropped {
                    message: id,
                    reason: crate::event::DropReason::DestinationDown,
                });
                self.cx.on_message_lost(&message);
                // The dead process's kernel answers a request with a reset.
                if !message.payload.kind().is_response() {
                    self.cx.send(
                        message.to,
                        message.from,
                        Payload::ConnectionReset { request: id },
                    );
                }
                return;
            }
        }
        let running = match message.to {
            NodeId::Consumer(c) => self.consumers.get(&c).is_some_and(|c| c.is_running()),
            NodeId::Producer(p) => self
                .producers
                .get(&p)
                .is_some_and(|p| p.is_running() && message.sent_at >= p.started_at),
            NodeId::Broker(_) => true,
        };
        if !running {
            self.cx.emit(Event::MessageDropped {
                message: id,
                reason: crate::event::DropReason::DestinationDown,
            });
            return;
        }
        self.cx.emit(Event::MessageDelivered { message: id });
        if !message.payload.kind().received_by(message.to) {
            self.cx.misrouted(&message);
            return;
        }
        match message.to {
            NodeId::Producer(p) => {
                if let Some(p) = self.producers.get_mut(&p) {
                    p.receive(&mut self.cx, message);
                }
            }
            NodeId::Broker(b) => self.broker_receive(b, message),
            NodeId::Consumer(c) => {
                if let Some(c) = self.consumers.get_mut(&c) {
                    c.receive(&mut self.cx, message);
                }
            }
        }
    }
}

fn no_producer(p: ProducerId) -> CommandError {
    CommandError(alloc::format!("There is no producer {}.", p.0))
}
