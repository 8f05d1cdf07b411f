//! Traces to compare two builds of the core event for event.
//!
//! A rewrite that must not change behaviour (same seed, same trace) is checked by writing
//! the traces of a few reference runs with one build and with another, then naming the
//! first event that differs. The queue orders what is due by (instant, sequence), so
//! scheduling timers or sending messages in another order moves a trace even when every
//! figure stays the same: the first difference says where. `scripts/trace-diff.sh` builds
//! a git revision beside the work tree and compares the two.

use kscope_core::assignor::AssignorKind;
use kscope_core::config::OffsetReset;
use kscope_core::event::MessageKind;
use kscope_core::log::CleanupPolicy;
use kscope_core::{BrokerId, Command, ConsumerId, Duration, NodeId, Sim, SimConfig, TopicId};

use crate::{cluster, ms};

/// A reference run: a configuration, a seed, timed commands and an end.
pub struct Run {
    pub name: &'static str,
    pub config: SimConfig,
    pub seed: u64,
    /// Commands with the millisecond they are applied at, in order.
    pub script: Vec<(u64, Command)>,
    pub until_ms: u64,
}

/// The determinism test's scenario ([`crate::determinism_scenario`]). Its script keeps
/// the order it was first written in: the cut at 4 s comes after the crash at 9 s, so
/// it is applied at 9 s.
pub fn determinism_run(seed: u64) -> Run {
    let mut config = cluster(3, 3, 3, 2);
    config.workload.rate = 300;
    config.workload.keys = 16;
    config.producer.linger_ms = 5;
    config.consumers = 2;
    config.consumer.partition_assignment_strategy = AssignorKind::CooperativeSticky.into();
    config.consumer.session_timeout_ms = 10_000;
    config.consumer.auto_offset_reset = OffsetReset::Earliest;
    Run {
        name: "determinism",
        config,
        seed,
        script: vec![
            (
                500,
                Command::DropNext {
                    from: NodeId::Broker(BrokerId(0)),
                    to: NodeId::PRODUCER,
                    kind: Some(MessageKind::ProduceResponse),
                },
            ),
            (
                800,
                Command::DelayNext {
                    from: NodeId::PRODUCER,
                    to: NodeId::Broker(BrokerId(1)),
                    kind: None,
                    by: Duration::from_millis(40),
                },
            ),
            (2_000, Command::CrashBroker(BrokerId(1))),
            (6_000, Command::AddConsumer),
            (9_000, Command::CrashConsumer(ConsumerId(0))),
            (
                4_000,
                Command::CutLink(NodeId::Broker(BrokerId(0)), NodeId::Broker(BrokerId(2))),
            ),
            (14_000, Command::RestartBroker(BrokerId(1))),
            (
                20_000,
                Command::HealLink(NodeId::Broker(BrokerId(0)), NodeId::Broker(BrokerId(2))),
            ),
        ],
        until_ms: 30_000,
    }
}

/// Runs chosen to pass through every actor and most handlers: faults on every kind of
/// link, both rebalance protocols, idempotence with an unclean election, compaction and
/// retention, blocked sends.
pub fn reference_runs() -> Vec<Run> {
    let mut runs = Vec::new();

    runs.push(determinism_run(7));

    // Five brokers, many partitions, an eager group that grows and shrinks, a closed and
    // a restarted consumer, a paused one, an assignor change and added partitions.
    let mut config = cluster(5, 12, 3, 2);
    config.workload.rate = 4_000;
    config.workload.keys = 0;
    config.producer.linger_ms = 5;
    config.consumers = 3;
    config.consumer.partition_assignment_strategy = AssignorKind::Range.into();
    runs.push(Run {
        name: "eager-group",
        config,
        seed: 11,
        script: vec![
            (3_000, Command::AddConsumer),
            (
                5_000,
                Command::PauseConsumer {
                    consumer: ConsumerId(1),
                    paused: true,
                },
            ),
            (
                7_000,
                Command::PauseConsumer {
                    consumer: ConsumerId(1),
                    paused: false,
                },
            ),
            (8_000, Command::CloseConsumer(ConsumerId(2))),
            (9_000, Command::SetAssignor(AssignorKind::Sticky.into())),
            (10_000, Command::CrashBroker(BrokerId(2))),
            (
                12_000,
                Command::AddPartitions {
                    topic: TopicId(0),
                    partitions: 16,
                },
            ),
            (14_000, Command::RestartConsumer(ConsumerId(2))),
            (16_000, Command::RestartBroker(BrokerId(2))),
            (17_000, Command::AddBroker),
        ],
        until_ms: 25_000,
    });

    // Idempotence through an unclean election: the leader isolated, the ISR shrunk to it,
    // then it dies and an out-of-sync replica takes over.
    let mut config = cluster(3, 2, 3, 1);
    config.workload.rate = 500;
    config.workload.keys = 8;
    config.producer.enable_idempotence = Some(true);
    config.topics[0].unclean_leader_election_enable = true;
    runs.push(Run {
        name: "unclean-idempotent",
        config,
        seed: 3,
        script: vec![
            (
                1_000,
                Command::CutLink(NodeId::Broker(BrokerId(0)), NodeId::Broker(BrokerId(1))),
            ),
            (
                1_000,
                Command::CutLink(NodeId::Broker(BrokerId(0)), NodeId::Broker(BrokerId(2))),
            ),
            (
                2_000,
                Command::SetLinkLatency {
                    a: NodeId::PRODUCER,
                    b: NodeId::Broker(BrokerId(1)),
                    latency: Duration::from_millis(30),
                },
            ),
            (40_000, Command::CrashBroker(BrokerId(0))),
            (
                41_000,
                Command::HealLink(NodeId::Broker(BrokerId(0)), NodeId::Broker(BrokerId(1))),
            ),
            (50_000, Command::RestartBroker(BrokerId(0))),
        ],
        until_ms: 60_000,
    });

    // Small segments, compaction and retention; a small buffer that blocks send().
    let mut config = cluster(3, 2, 2, 1);
    config.workload.rate = 2_000;
    config.workload.keys = 20;
    config.workload.value_bytes = 400;
    config.producer.buffer_memory = 64 * 1024;
    config.producer.acks = kscope_core::Acks::All;
    config.broker.log_retention_check_interval_ms = 2_000;
    config.topics[0].log.segment_bytes = 16 * 1024;
    config.topics[0].log.cleanup_policy = CleanupPolicy::CompactDelete;
    config.topics[0].log.retention_ms = 5_000;
    runs.push(Run {
        name: "segments",
        config,
        seed: 5,
        script: vec![
            (
                2_000,
                Command::SetLinkLatency {
                    a: NodeId::PRODUCER,
                    b: NodeId::Broker(BrokerId(0)),
                    latency: Duration::from_millis(200),
                },
            ),
            (6_000, Command::CrashBroker(BrokerId(1))),
            (9_000, Command::RestartBroker(BrokerId(1))),
        ],
        until_ms: 15_000,
    });
    runs
}

/// One line per event of `run`: `name #sequence @instant event`. Commands the simulation
/// refuses are written as lines too, so a build that refuses another command differs.
pub fn trace_lines(run: &Run, out: &mut Vec<String>) {
    let mut sim = Sim::new(run.config.clone(), run.seed).expect("a valid configuration");
    let mut seq = 0u64;
    let mut flush = |sim: &mut Sim, out: &mut Vec<String>| {
        for e in sim.drain_events() {
            out.push(format!("{} #{seq} @{:?} {:?}", run.name, e.at, e.event));
            seq += 1;
        }
    };
    for (at, command) in &run.script {
        sim.step(ms(*at));
        flush(&mut sim, out);
        if let Err(e) = sim.apply(ms(*at), command.clone()) {
            out.push(format!("{} refused @{at}ms {command:?}: {e}", run.name));
        }
    }
    sim.step(ms(run.until_ms));
    flush(&mut sim, out);
}

/// Every reference run's lines, in order.
pub fn reference_trace() -> Vec<String> {
    let mut out = Vec::new();
    for run in reference_runs() {
        trace_lines(&run, &mut out);
    }
    out
}

/// Where two traces first part.
#[derive(Debug, PartialEq, Eq)]
pub struct Divergence {
    /// The line's index in both traces.
    pub line: usize,
    /// The line in each, `None` where that trace ended.
    pub left: Option<String>,
    pub right: Option<String>,
}

/// The first line at which `left` and `right` differ, or `None` if they are the same.
pub fn first_difference(left: &[String], right: &[String]) -> Option<Divergence> {
    let n = left.len().max(right.len());
    (0..n)
        .find(|&i| left.get(i) != right.get(i))
        .map(|i| Divergence {
            line: i,
            left: left.get(i).cloned(),
            right: right.get(i).cloned(),
        })
}
