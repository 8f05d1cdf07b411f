//! Each invariant of the monitor, shown to hold on a real run and to fail on a copy of it
//! broken the way the invariant forbids. The runs here drive a [`Monitor`] by hand (the
//! simulation's own checking is off), so a broken copy reports instead of panicking.

extern crate std;

use alloc::vec::Vec;

use super::{Monitor, Violation};
use crate::config::{Acks, SimConfig};
use crate::event::{ElectionKind, Event, LossCause, TimedEvent};
use crate::ids::{BatchId, BrokerId, ConsumerId, LeaderEpoch, Offset, TopicPartition};
use crate::ids::{NodeId, TopicId};
use crate::network::Payload;
use crate::sim::Sim;
use crate::time::Instant;

fn tp(p: u32) -> TopicPartition {
    TopicPartition {
        topic: TopicId(0),
        partition: p,
    }
}

fn names(v: &[Violation]) -> Vec<&'static str> {
    v.iter().map(|v| v.invariant).collect()
}

/// Handles one item and shows it to `m`; returns what broke.
fn step_watched(sim: &mut Sim, m: &mut Monitor) -> Vec<Violation> {
    let mark = sim.cx.events.len();
    sim.step_one();
    let v = m.observe(sim, &sim.cx.events[mark..]);
    sim.cx.events.clear();
    v
}

/// Three brokers, `orders` with three partitions on all of them, `min.insync.replicas` 2,
/// `acks=all`, two consumers: run and watched for `millis`, every item clean.
fn watched_run(consumers: u32, millis: u64) -> (Sim, Monitor) {
    let config = SimConfig {
        consumers,
        ..SimConfig::default()
    };
    assert_eq!(config.producer.acks, Acks::All);
    watched(config, millis)
}

/// A run of `config` (seed 7) watched for `millis`, breaking nothing.
fn watched(config: SimConfig, millis: u64) -> (Sim, Monitor) {
    let mut sim = Sim::new(config, 7).unwrap();
    sim.check_invariants(false);
    let mut m = Monitor::new();
    while sim
        .poll_at()
        .is_some_and(|t| t <= Instant::from_millis(millis))
    {
        let broken = step_watched(&mut sim, &mut m);
        assert_eq!(broken, [], "a clean run breaks nothing");
    }
    (sim, m)
}

fn observe_quiet(sim: &Sim, m: &mut Monitor) -> Vec<&'static str> {
    names(&m.observe(sim, &[]))
}

fn replica_mut(sim: &mut Sim, b: BrokerId, tp: TopicPartition) -> &mut crate::broker::Replica {
    sim.brokers
        .get_mut(&b)
        .and_then(|broker| broker.replicas.get_mut(&tp))
        .expect("a replica")
}

/// Writes `offset` as `group`'s committed offset of `p` on coordinator `b`.
fn commit(sim: &mut Sim, b: BrokerId, group: &str, p: TopicPartition, offset: Offset) {
    let g = sim
        .brokers
        .get_mut(&b)
        .unwrap()
        .coordinator
        .groups
        .get_mut(group);
    g.expect("a loaded group").committed.insert(p, offset);
}

fn leader_of(sim: &Sim, tp: TopicPartition) -> BrokerId {
    sim.partition(tp).leader.expect("led")
}

fn follower_of(sim: &Sim, tp: TopicPartition) -> BrokerId {
    let l = leader_of(sim, tp);
    *sim.partition(tp)
        .isr
        .iter()
        .find(|b| **b != l)
        .expect("a follower in sync")
}

#[test]
fn log_start_at_most_hw() {
    let (mut sim, mut m) = watched_run(0, 2_000);
    let l = leader_of(&sim, tp(0));
    let r = replica_mut(&mut sim, l, tp(0));
    let hw = r.high_watermark;
    assert!(hw > Offset(2), "{hw:?}");
    r.log.maybe_increment_log_start_offset(hw, hw);
    r.high_watermark = Offset(hw.0 - 1);
    assert!(observe_quiet(&sim, &mut m).contains(&"log_start_at_most_hw"));
}

#[test]
fn leader_epochs_rise() {
    let (mut sim, mut m) = watched_run(0, 1_000);
    let p = &mut sim.topics[0].partitions[1];
    p.leader_epoch = LeaderEpoch(p.leader_epoch.0 - 1);
    assert!(observe_quiet(&sim, &mut m).contains(&"leader_epochs_rise"));
}

#[test]
fn one_leader_per_epoch() {
    let (mut sim, mut m) = watched_run(0, 1_000);
    let l = leader_of(&sim, tp(2));
    let f = follower_of(&sim, tp(2));
    let epoch = sim.brokers[&l].replicas[&tp(2)].leader_epoch;
    let r = replica_mut(&mut sim, f, tp(2));
    r.is_leader = true;
    r.leader_epoch = epoch;
    assert_eq!(observe_quiet(&sim, &mut m), ["one_leader_per_epoch"]);
}

#[test]
fn committed_prefix_agrees_over_the_whole_prefix() {
    let (mut sim, mut m) = watched_run(0, 3_000);
    let l = leader_of(&sim, tp(0));
    let f = follower_of(&sim, tp(0));
    // The follower's copy of its first batch, far below the high watermark, is replaced
    // by another of the same size: its log end and everything after stay as they were.
    let batches: Vec<_> = sim.brokers[&f].replicas[&tp(0)]
        .log
        .batches()
        .cloned()
        .collect();
    assert!(batches.len() > 3, "{}", batches.len());
    let now_ms = sim.now().millis() as i64;
    let log = &mut replica_mut(&mut sim, f, tp(0)).log;
    log.truncate_to(batches[0].base_offset);
    let mut other = batches[0].clone();
    other.batch_id = BatchId(u64::MAX);
    log.append(other, now_ms);
    for b in &batches[1..] {
        log.append(b.clone(), now_ms);
    }
    assert_eq!(
        sim.brokers[&f].replicas[&tp(0)].log.log_end_offset(),
        sim.brokers[&l].replicas[&tp(0)].log.log_end_offset()
    );
    assert_eq!(observe_quiet(&sim, &mut m), ["committed_prefix_agrees"]);
}

/// Moves the first consumer's position of one of its partitions 1,000 offsets past the
/// leader's high watermark.
fn put_a_consumer_past_the_high_watermark(sim: &mut Sim) {
    let p = sim.consumers[&ConsumerId(0)]
        .positions
        .iter()
        .find_map(|(p, o)| o.map(|_| *p))
        .expect("a consumer with a position");
    let l = leader_of(sim, p);
    let hw = sim.brokers[&l].replicas[&p].high_watermark;
    let c = sim.consumers.get_mut(&ConsumerId(0)).unwrap();
    c.positions.insert(p, Some(Offset(hw.0 + 1_000)));
}

#[test]
fn consumers_below_high_watermark() {
    let (mut sim, mut m) = watched_run(2, 8_000);
    put_a_consumer_past_the_high_watermark(&mut sim);
    assert_eq!(
        observe_quiet(&sim, &mut m),
        ["consumers_below_high_watermark"]
    );
}

#[test]
fn stale_generation_commits_refused() {
    let (mut sim, mut m) = watched_run(2, 8_000);
    // Up to an OffsetCommit reaching its coordinator.
    let mut commit = None;
    for _ in 0..200_000 {
        assert_eq!(step_watched(&mut sim, &mut m), []);
        commit = sim.messages_in_flight().find_map(|msg| match &msg.payload {
            Payload::OffsetCommitRequest(_) => Some((msg.id, msg.to)),
            _ => None,
        });
        if commit.is_some() {
            break;
        }
    }
    let (id, to) = commit.expect("consumers commit");
    let NodeId::Broker(coordinator) = to else {
        panic!("{to:?}");
    };
    while sim.messages_in_flight().any(|msg| msg.id == id) {
        let mark = sim.cx.events.len();
        sim.step_one();
        // The broken copy: the group had moved on to a later generation by the time
        // the request arrived, and the commit is accepted all the same.
        if !sim.messages_in_flight().any(|msg| msg.id == id) {
            for g in sim
                .brokers
                .get_mut(&coordinator)
                .unwrap()
                .coordinator
                .groups
                .values_mut()
            {
                g.generation += 1;
            }
        }
        let v = m.observe(&sim, &sim.cx.events[mark..]);
        sim.cx.events.clear();
        assert_eq!(v, []);
    }
    let mut broken = Vec::new();
    for _ in 0..10_000 {
        broken.extend(step_watched(&mut sim, &mut m));
        if !broken.is_empty() {
            break;
        }
    }
    assert!(
        names(&broken).contains(&"stale_generation_commits_refused"),
        "{broken:?}"
    );
}

#[test]
fn committed_offsets_rewind_only_by_reset_or_truncation() {
    let (sim, mut m) = watched_run(2, 12_000);
    let (b, group) = sim
        .brokers
        .iter()
        .find_map(|(b, broker)| {
            broker
                .coordinator
                .groups
                .values()
                .next()
                .map(|g| (*b, g.id.clone()))
        })
        .expect("a loaded group");
    let (p, offset) = sim.brokers[&b].coordinator.groups[&group]
        .committed
        .iter()
        .map(|(p, o)| (*p, *o))
        .find(|(_, o)| o.0 > 0)
        .expect("a commit");
    let mut back = sim.clone();
    commit(&mut back, b, &group, p, Offset(offset.0 - 1));
    // With a consumer's reset, it may go back; without, it may not.
    let reset = TimedEvent {
        at: sim.now(),
        event: Event::PositionSet {
            consumer: ConsumerId(0),
            partition: p,
            offset: Offset(offset.0 - 1),
            reset: true,
        },
    };
    let mut licensed = m.clone();
    assert_eq!(
        names(&licensed.observe(&back, &[reset])),
        Vec::<&str>::new()
    );
    assert_eq!(
        observe_quiet(&back, &mut m),
        ["committed_offsets_rewind_only_by_reset_or_truncation"]
    );
    // An unclean election of the group's `__consumer_offsets` partition licenses it too.
    let mut m2 = licensed;
    let mut back2 = back.clone();
    commit(&mut back2, b, &group, p, Offset(offset.0 - 2));
    let offsets_tp = sim.brokers[&b].coordinator.groups[&group].partition;
    let unclean = TimedEvent {
        at: sim.now(),
        event: Event::LeaderElected {
            partition: offsets_tp,
            leader: b,
            leader_epoch: LeaderEpoch(9),
            kind: ElectionKind::Unclean,
            isr: Vec::new(),
        },
    };
    let v = names(&m2.observe(&back2, &[unclean]));
    assert!(
        !v.contains(&"committed_offsets_rewind_only_by_reset_or_truncation"),
        "{v:?}"
    );
}

#[test]
fn acks_all_appended_with_min_isr() {
    let (mut sim, mut m) = watched_run(0, 2_000);
    let l = leader_of(&sim, tp(0));
    // The broken copy: the leader appends while its ISR is itself alone (below
    // min.insync.replicas 2), and the batch is acknowledged to the acks=all producer.
    let now_ms = sim.now().millis() as i64;
    let r = replica_mut(&mut sim, l, tp(0));
    r.isr = alloc::vec![l];
    let last = r.log.batches().last().cloned().expect("a batch");
    let mut next = last.clone();
    next.base_offset = r.log.log_end_offset();
    next.batch_id = BatchId(u64::MAX - 1);
    let at = next.base_offset;
    r.log.append(next, now_ms);
    let _ = observe_quiet(&sim, &mut m);
    let ack = TimedEvent {
        at: sim.now(),
        event: Event::BatchAcknowledged {
            batch: BatchId(u64::MAX - 1),
            partition: tp(0),
            base_offset: Some(at),
        },
    };
    assert!(names(&m.observe(&sim, &[ack])).contains(&"acks_all_appended_with_min_isr"));
}

#[test]
fn losses_found_independently() {
    let (sim, m) = watched_run(0, 3_000);
    let l = leader_of(&sim, tp(1));
    let committed = sim.brokers[&l].replicas[&tp(1)].high_watermark;
    // The broken copy: the leader no longer holds its last committed batch, a new epoch
    // begins, and the ledger says nothing of a loss.
    let mut lost = sim.clone();
    let mut m1 = m.clone();
    let last = lost.brokers[&l].replicas[&tp(1)]
        .log
        .batch_at(Offset(committed.0 - 1))
        .expect("committed batch")
        .base_offset;
    replica_mut(&mut lost, l, tp(1)).log.truncate_to(last);
    lost.topics[0].partitions[1].leader_epoch.0 += 1;
    replica_mut(&mut lost, l, tp(1)).leader_epoch.0 += 1;
    assert!(names(&m1.observe(&lost, &[])).contains(&"losses_found_independently"));
    // And the other way: the ledger calls a record lost that the leader still holds.
    let mut said = sim.clone();
    let mut m2 = m;
    let record = said.brokers[&l].replicas[&tp(1)]
        .log
        .record_at(Offset(0))
        .expect("a record");
    said.cx.ledger.on_lost(
        record,
        LossCause::LeaderElection {
            partition: tp(1),
            leader: l,
            leader_epoch: LeaderEpoch(0),
            kind: ElectionKind::Clean,
        },
    );
    let rec = TimedEvent {
        at: said.now(),
        event: Event::RecordsLost {
            partition: tp(1),
            records: alloc::vec![record],
            cause: LossCause::UnacknowledgedSendRejected {
                error: crate::event::KafkaError::NotEnoughReplicas,
            },
        },
    };
    let v = names(&m2.observe(&said, &[rec]));
    assert!(v.contains(&"losses_found_independently"), "{v:?}");
}

#[test]
fn a_checked_sim_panics_on_a_broken_invariant_naming_it_and_the_seed() {
    let mut sim = Sim::new(SimConfig::default(), 42).unwrap();
    sim.check_invariants(true);
    sim.step(Instant::from_millis(500));
    sim.topics[0].partitions[0].leader_epoch = LeaderEpoch(-5);
    let said = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        sim.step_one();
    }))
    .expect_err("a broken invariant panics");
    let said = said
        .downcast_ref::<alloc::string::String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        said.contains("invariant leader_epochs_rise broken") && said.contains("seed 42"),
        "{said}"
    );
}

#[cfg(feature = "transactions")]
#[test]
fn read_committed_below_last_stable_offset() {
    let mut config = SimConfig {
        consumers: 1,
        ..SimConfig::default()
    };
    config.consumer.isolation_level = crate::config::IsolationLevel::ReadCommitted;
    let mut sim = Sim::new(config, 7).unwrap();
    sim.check_invariants(false);
    let mut m = Monitor::new();
    while sim
        .poll_at()
        .is_some_and(|t| t <= Instant::from_millis(8_000))
    {
        assert_eq!(step_watched(&mut sim, &mut m), [], "a clean run");
    }
    put_a_consumer_past_the_high_watermark(&mut sim);
    let broken = observe_quiet(&sim, &mut m);
    assert!(
        broken.contains(&"read_committed_below_last_stable_offset"),
        "{broken:?}"
    );
}

#[cfg(feature = "transactions")]
#[test]
fn markers_follow_a_replicated_prepare() {
    let (sim, mut m) = watched_run(0, 100);
    let marker = |epoch: i16| crate::event::TimedEvent {
        at: sim.now(),
        event: crate::event::Event::TxnMarkerWritten {
            broker: BrokerId(0),
            partition: tp(0),
            producer_id: 9,
            epoch,
            commit: true,
            offset: Offset(0),
        },
    };
    let prepared = crate::event::TimedEvent {
        at: sim.now(),
        event: crate::event::Event::TxnStateChanged {
            broker: BrokerId(1),
            transactional_id: "tx".into(),
            state: crate::event::TxnState::PrepareCommit,
            producer_id: 9,
            epoch: 3,
        },
    };
    // A marker before its prepare, then one at another epoch than the prepare's.
    assert_eq!(
        names(&m.observe(&sim, &[marker(3)])),
        ["markers_follow_a_replicated_prepare"]
    );
    assert_eq!(
        names(&m.observe(&sim, &[prepared, marker(2)])),
        ["markers_follow_a_replicated_prepare"]
    );
    assert_eq!(names(&m.observe(&sim, &[marker(3)])), Vec::<&str>::new());
}

/// The run of [`watched_run`] with a quorum of three controllers, watched for `millis`.
#[cfg(feature = "control_plane")]
fn watched_quorum_run(millis: u64) -> (Sim, Monitor) {
    let mut config = SimConfig::default();
    config.broker.controller_quorum_voters = 3;
    watched(config, millis)
}

#[cfg(feature = "control_plane")]
#[test]
fn one_quorum_leader_per_epoch() {
    let (mut sim, mut m) = watched_quorum_run(1_000);
    let quorum = sim
        .control
        .get_mut()
        .expect("a quorum")
        .quorum_mut()
        .expect("KRaft");
    let leader = quorum.active().expect("an active controller").id;
    // The broken copy: a follower of the same epoch thinks it leads too.
    let other = quorum.nodes.iter_mut().find(|n| n.id != leader).unwrap();
    other.role = crate::raft::Role::Leader;
    assert_eq!(observe_quiet(&sim, &mut m), ["one_quorum_leader_per_epoch"]);
}

#[cfg(feature = "control_plane")]
#[test]
fn committed_metadata_never_lost() {
    let (mut sim, mut m) = watched_quorum_run(1_000);
    let quorum = sim
        .control
        .get_mut()
        .expect("a quorum")
        .quorum_mut()
        .expect("KRaft");
    let leader = quorum.active().expect("an active controller").id;
    let committed = quorum.nodes[0].high_watermark;
    assert!(committed > 2, "{committed}");
    // The broken copy: a follower's first committed entry now carries another epoch.
    let other = quorum.nodes.iter_mut().find(|n| n.id != leader).unwrap();
    other.log[0].epoch += 1;
    other.high_watermark -= 1;
    assert_eq!(
        observe_quiet(&sim, &mut m),
        ["committed_metadata_never_lost"]
    );
    // And a leader that lost a committed entry.
    let (mut sim, mut m) = watched_quorum_run(1_000);
    let quorum = sim
        .control
        .get_mut()
        .expect("a quorum")
        .quorum_mut()
        .expect("KRaft");
    let leader = quorum
        .nodes
        .iter_mut()
        .find(|n| n.role == crate::raft::Role::Leader);
    let leader = leader.unwrap();
    leader.log.pop();
    leader.high_watermark -= 1;
    assert_eq!(
        observe_quiet(&sim, &mut m),
        ["committed_metadata_never_lost"]
    );
}

#[cfg(feature = "control_plane")]
#[test]
fn brokers_act_on_committed_metadata() {
    let (mut sim, mut m) = watched_quorum_run(1_000);
    // The broken copy: a broker leads at an epoch the metadata log never committed.
    let l = leader_of(&sim, tp(1));
    let r = replica_mut(&mut sim, l, tp(1));
    r.leader_epoch = LeaderEpoch(r.leader_epoch.0 + 1);
    assert_eq!(
        observe_quiet(&sim, &mut m),
        ["brokers_act_on_committed_metadata"]
    );
    // And a partition state that no committed record left.
    let (mut sim, mut m) = watched_quorum_run(1_000);
    sim.topics[0].partitions[2].isr.pop();
    assert_eq!(
        observe_quiet(&sim, &mut m),
        ["brokers_act_on_committed_metadata"]
    ); // A broker's image that is not the committed log's prefix.
    let (mut sim, mut m) = watched_quorum_run(1_000);
    let c = sim.control.get_mut().expect("a quorum");
    let image = c.images.values_mut().next().expect("a broker");
    image.topics[0].partitions[1].isr.pop();
    assert_eq!(
        observe_quiet(&sim, &mut m),
        ["brokers_act_on_committed_metadata"]
    );
    // And a broker that applied more than is committed.
    let (mut sim, mut m) = watched_quorum_run(1_000);
    let c = sim.control.get_mut().expect("a quorum");
    let applied = c.applied;
    c.images.values_mut().next().expect("a broker").offset = applied + 1;
    assert_eq!(
        observe_quiet(&sim, &mut m),
        ["brokers_act_on_committed_metadata"]
    );
}
