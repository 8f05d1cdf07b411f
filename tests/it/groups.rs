//! Consumer groups: scenario tests that read like traces.

use kscope_core::assignor::{self, AssignorKind, RebalanceProtocol};
use kscope_core::event::{Event, KafkaError, LeaveReason};
use kscope_core::group::GroupState;
use kscope_core::guarantee::Guarantee;
use kscope_core::*;
use kscope_tests::*;

fn run(sim: &mut Sim, until: u64, trace: &mut Vec<TimedEvent>) {
    trace.extend(run_checked(sim, ms(until)));
}

fn group_config(partitions: u32, consumers: u32) -> SimConfig {
    let mut config = cluster(3, partitions, 3, 2);
    config.workload.rate = 200;
    config.consumers = consumers;
    config.consumer.auto_offset_reset = config::OffsetReset::Earliest;
    config
}

/// A group after the first, with `consumers` members listing only `assignor`.
fn other_group(id: &str, consumers: u32, assignor: AssignorKind) -> config::GroupSpec {
    config::GroupSpec {
        group_id: id.into(),
        consumers,
        partition_assignment_strategy: assignor.into(),
        topics: vec![0],
    }
}

fn owned(sim: &Sim) -> Vec<(u32, Vec<u32>)> {
    sim.consumers()
        .values()
        .filter(|c| c.is_running())
        .map(|c| (c.id.0, c.owned.iter().map(|tp| tp.partition).collect()))
        .collect()
}

#[test]
fn two_consumers_share_six_partitions_and_keep_up() {
    let mut sim = Sim::new(group_config(6, 2), 1).unwrap();
    let mut trace = Vec::new();
    run(&mut sim, 20_000, &mut trace);
    let (_, g) = sim
        .group("orders-app")
        .expect("the group has a coordinator");
    assert_eq!(g.state, GroupState::Stable);
    assert_eq!(owned(&sim), vec![(0, vec![0, 1, 2]), (1, vec![3, 4, 5])]);
    // Two consumers at 2,000 records/s each keep up with 200 records/s: everything
    // acknowledged was processed, each record once.
    let counts = sim.ledger().counts();
    assert_eq!(counts.consumed, counts.acknowledged);
    assert_eq!(counts.redelivered, 0);
    // Lag is the high watermark minus the committed offset: with auto commit every 5 s it
    // is what arrived since the last commit, even though the consumers are caught up.
    for lag in sim.group_lag() {
        let owner = &sim.consumers()[&lag.owner.unwrap()];
        assert_eq!(owner.positions[&lag.partition], lag.high_watermark);
        assert_eq!(
            lag.lag,
            Some(lag.high_watermark.unwrap().0 - lag.committed.unwrap().0)
        );
        assert!(lag.lag.unwrap() <= 5 * 200, "{lag:?}");
    }
    for e in &trace {
        if let Event::ConsumerError { .. } | Event::CommitFailed { .. } = e.event {
            panic!("unexpected {e:?}");
        }
    }
}

/// When each partition stopped being consumed (revoked, lost, or its owner died) and
/// started again (assigned to a running consumer), from the events.
fn pauses(trace: &[TimedEvent]) -> Vec<(TopicPartition, u64)> {
    let mut stopped: std::collections::BTreeMap<TopicPartition, u64> = Default::default();
    let mut owner: std::collections::BTreeMap<TopicPartition, ConsumerId> = Default::default();
    let mut out = Vec::new();
    for e in trace {
        let t = e.at.micros();
        match &e.event {
            Event::PartitionsRevoked {
                consumer,
                partitions,
            }
            | Event::PartitionsLost {
                consumer,
                partitions,
            } => {
                for tp in partitions {
                    if owner.get(tp).is_none_or(|o| o == consumer) {
                        owner.remove(tp);
                        stopped.entry(*tp).or_insert(t);
                    }
                }
            }
            Event::ConsumerCrashed { consumer } => {
                for (tp, c) in owner.clone() {
                    if c == *consumer {
                        owner.remove(&tp);
                        stopped.entry(tp).or_insert(t);
                    }
                }
            }
            Event::PartitionsAssigned {
                consumer,
                partitions,
                ..
            } => {
                for tp in partitions {
                    owner.insert(*tp, *consumer);
                    if let Some(from) = stopped.remove(tp) {
                        out.push((*tp, t - from));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn a_crashed_member_is_removed_after_the_session_timeout_and_its_records_are_redelivered() {
    let mut config = group_config(4, 2);
    config.consumer.auto_offset_reset = config::OffsetReset::Earliest;
    let mut sim = Sim::new(config, 3).unwrap();
    let mut trace = Vec::new();
    run(&mut sim, 12_500, &mut trace);
    let victim = ConsumerId(1);
    let victims: Vec<TopicPartition> = sim.consumers()[&victim].owned.clone();
    assert_eq!(victims.len(), 2);
    sim.apply(ms(12_500), Command::CrashConsumer(victim))
        .unwrap();
    run(&mut sim, 65_000, &mut trace);
    let mut quiet = sim.config().workload.clone();
    quiet.rate = 0;
    sim.apply(ms(65_000), Command::SetWorkload(quiet)).unwrap();
    run(&mut sim, 70_000, &mut trace);
    // The coordinator removes it session.timeout.ms (45 s) after its last heartbeat, which
    // came at most heartbeat.interval.ms (3 s) before the crash.
    let removed = trace
        .iter()
        .find_map(|e| match e.event {
            Event::MemberRemoved {
                consumer: Some(c),
                reason: LeaveReason::SessionTimeout,
                ..
            } if c == victim => Some(e.at),
            _ => None,
        })
        .expect("the crashed member is removed");
    let after = removed.millis() - 12_500;
    assert!(
        (42_000..=45_000).contains(&after),
        "removed {after} ms after the crash"
    );
    // Its partitions went unconsumed all that time, then the survivor took them over from
    // the last committed offsets and processed again what the victim had not committed.
    let survivor = &sim.consumers()[&ConsumerId(0)];
    assert_eq!(survivor.owned.len(), 4);
    for (tp, gap) in pauses(&trace) {
        if victims.contains(&tp) {
            assert!(gap >= 42_000_000, "{tp:?} paused {gap} µs");
        }
    }
    let counts = sim.ledger().counts();
    assert!(counts.redelivered > 0, "{counts:?}");
    assert_eq!(counts.consumed, counts.acknowledged);
}

/// Adds a fourth consumer to three sharing six partitions, with `assignor`; returns the
/// pauses of the partitions that stopped, and how many rebalances (generations) it took.
fn add_a_fourth_consumer(assignor: AssignorKind) -> (Vec<(TopicPartition, u64)>, i32) {
    let mut config = group_config(6, 3);
    config.consumer.partition_assignment_strategy = assignor.into();
    let mut sim = Sim::new(config, 11).unwrap();
    let mut trace = Vec::new();
    run(&mut sim, 20_000, &mut trace);
    let before = sim.group("orders-app").unwrap().1.generation;
    trace.clear();
    sim.apply(ms(20_000), Command::AddConsumer).unwrap();
    run(&mut sim, 40_000, &mut trace);
    let (_, g) = sim.group("orders-app").unwrap();
    assert_eq!(g.state, GroupState::Stable);
    let mut sizes: Vec<usize> = sim.consumers().values().map(|c| c.owned.len()).collect();
    sizes.sort();
    assert_eq!(sizes, vec![1, 1, 2, 2]);
    (pauses(&trace), g.generation - before)
}

#[test]
fn eager_stops_every_partition_and_cooperative_only_the_ones_that_move() {
    let (eager, eager_rounds) = add_a_fourth_consumer(AssignorKind::Sticky);
    let (coop, coop_rounds) = add_a_fourth_consumer(AssignorKind::CooperativeSticky);
    let total = |p: &[(TopicPartition, u64)]| p.iter().map(|(_, d)| d).sum::<u64>() / 1_000;
    println!(
        "eager (sticky): {} partitions stopped, {} ms in all, {} rebalance(s); \
         cooperative-sticky: {} stopped, {} ms in all, {} rebalance(s)",
        eager.len(),
        total(&eager),
        eager_rounds,
        coop.len(),
        total(&coop),
        coop_rounds
    );
    // Eager: every member revokes everything before rejoining, so all six partitions
    // stop until the one rebalance completes.
    assert_eq!(eager.len(), 6);
    assert_eq!(eager_rounds, 1);
    // Cooperative (KIP-429): from [2, 2, 2] to [2, 2, 1, 1] only one partition moves; it
    // alone stops, from its revocation after the first rebalance until the second one
    // (which the others join at their next heartbeat) hands it to the new member.
    assert_eq!(coop.len(), 1);
    assert_eq!(coop_rounds, 2);
    let hb = 3_000_000;
    assert!(coop[0].1 <= hb + 100_000, "{coop:?}");
}

fn total_lag(sim: &Sim) -> i64 {
    sim.group_lag().iter().map(|l| l.lag.unwrap_or(0)).sum()
}

#[test]
fn lag_grows_behind_a_slow_consumer_and_shrinks_as_consumers_are_added_up_to_the_partition_count() {
    let mut config = group_config(4, 1);
    config.workload.rate = 400;
    // Each consumer processes 250 records/s: one cannot keep up with 400/s, two can.
    config.consumer.process_us_per_record = 4_000;
    let mut sim = Sim::new(config, 5).unwrap();
    let mut trace = Vec::new();
    let mut samples = Vec::new();
    for t in (10_000..=40_000).step_by(10_000) {
        run(&mut sim, t, &mut trace);
        samples.push(total_lag(&sim));
    }
    assert!(
        samples.windows(2).all(|w| w[1] > w[0]),
        "one slow consumer falls behind: {samples:?}"
    );
    // Add consumers up to the partition count, and one more.
    for _ in 0..4 {
        sim.apply(sim.now(), Command::AddConsumer).unwrap();
    }
    let peak = total_lag(&sim);
    run(&mut sim, 100_000, &mut trace);
    let after = total_lag(&sim);
    println!("lag with 1 consumer: {samples:?}; with 5 after 60 s: {after}");
    assert!(after < peak / 4, "lag {peak} -> {after}");
    // Five consumers, four partitions: one consumer owns nothing and stays idle.
    let owning: Vec<usize> = sim.consumers().values().map(|c| c.owned.len()).collect();
    assert_eq!(owning.iter().filter(|n| **n == 1).count(), 4, "{owning:?}");
    assert_eq!(owning.iter().filter(|n| **n == 0).count(), 1, "{owning:?}");
}

#[test]
fn a_new_coordinator_loads_the_group_and_its_offsets_from_the_replicated_log() {
    let mut sim = Sim::new(group_config(4, 2), 8).unwrap();
    let mut trace = Vec::new();
    run(&mut sim, 20_000, &mut trace);
    let (coordinator, g) = sim.group("orders-app").unwrap();
    let generation = g.generation;
    let committed = g.committed.clone();
    assert!(!committed.is_empty());
    sim.apply(ms(20_000), Command::CrashBroker(coordinator))
        .unwrap();
    run(&mut sim, 45_000, &mut trace);
    let (moved_to, g) = sim.group("orders-app").expect("a new coordinator");
    assert_ne!(moved_to, coordinator);
    // The members found the new coordinator and went on in the same generation: the
    // group's metadata was in the log, so no rebalance was needed.
    assert_eq!(g.generation, generation);
    assert_eq!(g.state, GroupState::Stable);
    assert!(trace.iter().any(|e| matches!(
        e.event,
        Event::CoordinatorLoaded { broker, generation: gen, members: 2, .. }
            if broker == moved_to && gen == generation
    )));
    for (tp, o) in committed {
        assert!(g.committed[&tp] >= o, "{tp:?} went back");
    }
    assert_eq!(sim.ledger().counts().redelivered, 0);
}

#[test]
fn a_static_member_that_restarts_within_its_session_keeps_its_partitions_without_a_rebalance() {
    let mut config = group_config(4, 2);
    config.consumer.static_membership = true;
    let mut sim = Sim::new(config, 2).unwrap();
    let mut trace = Vec::new();
    run(&mut sim, 15_000, &mut trace);
    let generation = sim.group("orders-app").unwrap().1.generation;
    let before = sim.consumers()[&ConsumerId(1)].owned.clone();
    sim.apply(ms(15_000), Command::CrashConsumer(ConsumerId(1)))
        .unwrap();
    run(&mut sim, 25_000, &mut trace);
    sim.apply(ms(25_000), Command::RestartConsumer(ConsumerId(1)))
        .unwrap();
    run(&mut sim, 35_000, &mut trace);
    assert_eq!(sim.group("orders-app").unwrap().1.generation, generation);
    assert_eq!(sim.consumers()[&ConsumerId(1)].owned, before);
    assert!(!trace
        .iter()
        .any(|e| matches!(e.event, Event::RebalanceStarted { .. } if e.at > ms(15_000))));
}

#[test]
fn a_member_that_stops_polling_leaves_after_max_poll_interval_and_loses_its_partitions() {
    let mut config = group_config(4, 2);
    config.consumer.max_poll_interval_ms = 10_000;
    let mut sim = Sim::new(config, 4).unwrap();
    let mut trace = Vec::new();
    run(&mut sim, 15_000, &mut trace);
    let paused = ConsumerId(0);
    let had = sim.consumers()[&paused].owned.clone();
    sim.apply(
        ms(15_000),
        Command::PauseConsumer {
            consumer: paused,
            paused: true,
        },
    )
    .unwrap();
    run(&mut sim, 30_000, &mut trace);
    let left = trace
        .iter()
        .find_map(|e| match e.event {
            Event::MemberRemoved {
                consumer: Some(c),
                reason: LeaveReason::LeaveGroup,
                ..
            } if c == paused => Some(e.at.millis()),
            _ => None,
        })
        .expect("the heartbeat thread sent LeaveGroup");
    assert!((25_000..=28_000).contains(&left), "left at {left}");
    assert_eq!(sim.consumers()[&ConsumerId(1)].owned.len(), 4);
    sim.apply(
        ms(30_000),
        Command::PauseConsumer {
            consumer: paused,
            paused: false,
        },
    )
    .unwrap();
    run(&mut sim, 45_000, &mut trace);
    // At its next poll it finds it is no longer a member: its partitions are lost (it
    // cannot commit them), and it rejoins.
    assert!(trace.iter().any(|e| matches!(
        &e.event,
        Event::PartitionsLost { consumer, partitions } if *consumer == paused && *partitions == had
    )));
    assert_eq!(sim.consumers()[&paused].owned.len(), 2);
}

#[test]
fn adding_partitions_rebalances_the_group_and_moves_keys() {
    let mut config = group_config(3, 2);
    config.workload.keys = 50;
    let mut sim = Sim::new(config, 6).unwrap();
    let mut trace = Vec::new();
    run(&mut sim, 15_000, &mut trace);
    let generation = sim.group("orders-app").unwrap().1.generation;
    sim.apply(
        ms(15_000),
        Command::AddPartitions {
            topic: TopicId(0),
            partitions: 6,
        },
    )
    .unwrap();
    let refused = sim.apply(
        ms(15_000),
        Command::AddPartitions {
            topic: TopicId(0),
            partitions: 4,
        },
    );
    assert_eq!(
        refused.unwrap_err().0,
        "Topic currently has 6 partitions, which is higher than the requested 4."
    );
    run(&mut sim, 30_000, &mut trace);
    assert!(sim.group("orders-app").unwrap().1.generation > generation);
    let mut owned: Vec<u32> = sim
        .consumers()
        .values()
        .flat_map(|c| c.owned.iter().map(|tp| tp.partition))
        .collect();
    owned.sort();
    assert_eq!(owned, vec![0, 1, 2, 3, 4, 5]);
    // The producer learned the new count: keys now hash over six partitions, so records
    // of the same key land elsewhere than before.
    let sent_later: Vec<u32> = sim
        .ledger()
        .records()
        .filter(|r| r.sent_at > ms(16_000))
        .map(|r| r.partition.partition)
        .collect();
    assert!(sent_later.iter().any(|p| *p >= 3));
    let moved = (0..50)
        .map(|i| format!("key-{i}"))
        .filter(|k| {
            kscope_core::murmur2::partition_for_key(k.as_bytes(), 3)
                != kscope_core::murmur2::partition_for_key(k.as_bytes(), 6)
        })
        .count();
    assert!(moved > 0);
}

#[test]
fn auto_offset_reset_none_fails_a_partition_without_a_committed_offset() {
    let mut config = group_config(2, 1);
    config.consumer.auto_offset_reset = config::OffsetReset::None;
    let mut sim = Sim::new(config, 1).unwrap();
    let mut trace = Vec::new();
    run(&mut sim, 10_000, &mut trace);
    assert!(trace.iter().any(|e| matches!(
        e.event,
        Event::ConsumerError {
            error: KafkaError::NoOffsetForPartition,
            ..
        }
    )));
    assert_eq!(sim.ledger().counts().consumed, 0);
}

#[test]
fn manual_synchronous_commits_after_each_poll_bound_the_redelivery_after_a_crash() {
    let redelivered = |manual: Option<config::ManualCommit>| {
        let mut config = group_config(2, 2);
        config.workload.rate = 400;
        if let Some(m) = manual {
            config.consumer.enable_auto_commit = false;
            config.consumer.manual_commit = m;
        }
        let mut sim = Sim::new(config, 9).unwrap();
        let mut trace = Vec::new();
        run(&mut sim, 14_000, &mut trace);
        sim.apply(ms(14_000), Command::CrashConsumer(ConsumerId(1)))
            .unwrap();
        run(&mut sim, 70_000, &mut trace);
        let commits = trace
            .iter()
            .filter(|e| matches!(e.event, Event::OffsetsCommitted { .. }))
            .count();
        (sim.ledger().counts().redelivered, commits)
    };
    let (auto, auto_commits) = redelivered(None);
    let (sync, sync_commits) = redelivered(Some(config::ManualCommit::Sync));
    let (_, async_commits) = redelivered(Some(config::ManualCommit::Async));
    println!(
        "redelivered after a crash: auto commit {auto} ({auto_commits} commits), \
         commitSync after each poll {sync} ({sync_commits} commits)"
    );
    // Committing after every poll's records commits far more often, and the successor
    // repeats at most what the victim processed after its last commit: almost nothing.
    assert!(sync_commits > 3 * auto_commits);
    assert!(async_commits > 3 * auto_commits);
    assert!(sync < auto, "sync {sync} auto {auto}");
    assert!(auto > 0);
}

/// Records the group committed past without ever processing them (acknowledged, below
/// the group's committed offset of their partition, never consumed).
fn skipped(sim: &Sim) -> usize {
    let (_, g) = sim
        .group("orders-app")
        .expect("the group has a coordinator");
    sim.ledger()
        .records()
        .filter(|r| {
            r.consumed_at.is_none()
                && r.offset.is_some_and(|o| {
                    g.committed
                        .get(&r.partition)
                        .is_some_and(|committed| o < *committed)
                })
        })
        .count()
}

#[test]
fn committing_before_processing_is_at_most_once_a_crash_skips_the_poll_in_hand() {
    let after_crash = |manual: config::ManualCommit| {
        let mut config = group_config(2, 2);
        config.workload.rate = 400;
        config.consumer.enable_auto_commit = false;
        config.consumer.manual_commit = manual;
        // A slow application: each poll takes a while to process, so the crash finds
        // one in hand.
        config.consumer.process_us_per_record = 6_000;
        config.consumer.max_poll_records = 200;
        config.consumer.session_timeout_ms = 10_000;
        let mut sim = Sim::new(config, 9).unwrap();
        let mut trace = Vec::new();
        run(&mut sim, 14_000, &mut trace);
        let in_hand = sim.consumers()[&ConsumerId(1)].processing();
        sim.apply(ms(14_000), Command::CrashConsumer(ConsumerId(1)))
            .unwrap();
        // Long before the session times out: what the group's commit had passed already
        // is skipped from the crash on.
        run(&mut sim, 15_000, &mut trace);
        let skipped_at_once = sim.ledger().counts().skipped;
        run(&mut sim, 70_000, &mut trace);
        // Committing before processing, what the survivor has in hand at the end is
        // committed and not processed yet.
        let still_in_hand: usize = match manual {
            config::ManualCommit::BeforeProcessing => {
                sim.consumers().values().map(|c| c.processing()).sum()
            }
            _ => 0,
        };
        // The ledger's own count (kept as records are dropped and commits stored) agrees
        // with a scan of every record against the group's committed offsets.
        assert_eq!(
            sim.ledger().counts().skipped as usize,
            skipped(&sim) - still_in_hand
        );
        (
            in_hand,
            sim.ledger().counts().redelivered,
            skipped(&sim) - still_in_hand,
            (
                sim.promised_guarantee().guarantee,
                sim.delivered_guarantee().guarantee,
                skipped_at_once > 0,
            ),
        )
    };
    let (in_hand, redelivered, skipped_after, named) = after_crash(config::ManualCommit::Sync);
    assert_eq!(
        named,
        (Guarantee::AtLeastOnce, Guarantee::AtLeastOnce, false),
        "promised and delivered"
    );
    println!("commitSync after processing: {in_hand} in hand, {redelivered} redelivered, {skipped_after} skipped");
    assert!(in_hand > 0);
    // The records of the poll in hand that the application had processed when it died
    // (one after another) come again.
    assert!(
        redelivered > 0,
        "at least once: the poll in hand comes again"
    );
    assert!(redelivered < in_hand as u64);
    assert_eq!(skipped_after, 0);
    let (in_hand, redelivered, skipped_before, named) =
        after_crash(config::ManualCommit::BeforeProcessing);
    assert_eq!(
        named,
        (Guarantee::AtMostOnce, Guarantee::AtMostOnce, true),
        "promised and delivered"
    );
    println!("commitSync before processing: {in_hand} in hand, {redelivered} redelivered, {skipped_before} skipped");
    assert!(in_hand > 0);
    assert_eq!(redelivered, 0, "at most once: nothing comes twice");
    assert!(
        skipped_before > 0,
        "the poll in hand was committed and never processed"
    );
    assert!(
        skipped_before < in_hand,
        "those processed before the crash are not skipped"
    );
}

/// After a rolling bounce: the group's assignor, and whether every member rebalances
/// cooperatively.
type AfterBounce = (Option<AssignorKind>, bool);

/// The state after each rolling bounce of three consumers, one every 15 s, onto `steps`
/// in turn; and the consumers that failed.
fn rolling_bounces(
    steps: &[assignor::AssignorList],
) -> (Vec<AfterBounce>, Vec<(ConsumerId, KafkaError)>) {
    let mut config = group_config(6, 3);
    config.consumer.partition_assignment_strategy = AssignorKind::Range.into();
    let mut sim = Sim::new(config, 3).unwrap();
    let mut trace = Vec::new();
    let mut now = 15_000;
    run(&mut sim, now, &mut trace);
    let mut after = Vec::new();
    for &list in steps {
        for c in 0..3 {
            sim.apply(
                ms(now),
                Command::RestartConsumerWith {
                    consumer: ConsumerId(c),
                    assignors: list,
                },
            )
            .unwrap();
            now += 15_000;
            run(&mut sim, now, &mut trace);
        }
        let chosen = sim.group("orders-app").and_then(|(_, g)| g.protocol);
        let cooperative = sim.consumers().values().all(|c| {
            c.is_running() && c.assignor.rebalance_protocol() == RebalanceProtocol::Cooperative
        });
        after.push((chosen, cooperative));
    }
    let failed = trace
        .iter()
        .filter_map(|e| match e.event {
            Event::ConsumerError { consumer, error } => Some((consumer, error)),
            _ => None,
        })
        .collect();
    (after, failed)
}

#[test]
fn a_rolling_bounce_straight_from_range_to_cooperative_sticky_is_refused() {
    let (_, failed) = rolling_bounces(&[AssignorKind::CooperativeSticky.into()]);
    // The first member restarted lists only cooperative-sticky while the others list only
    // range: the coordinator refuses it, and so the second, fatally.
    assert_eq!(
        failed[..2],
        [
            (ConsumerId(0), KafkaError::InconsistentGroupProtocol),
            (ConsumerId(1), KafkaError::InconsistentGroupProtocol)
        ]
    );
}

#[test]
fn kip_429s_two_bounce_upgrade_reaches_cooperative_rebalancing() {
    let both = assignor::AssignorList::new(&[AssignorKind::CooperativeSticky, AssignorKind::Range])
        .unwrap();
    let (after, failed) = rolling_bounces(&[both, AssignorKind::CooperativeSticky.into()]);
    assert_eq!(failed, []);
    // After the first bounce every member votes for cooperative-sticky, but lists range
    // too, so it still revokes everything at each rebalance (eager).
    assert_eq!(after[0], (Some(AssignorKind::CooperativeSticky), false));
    // After the second, cooperative.
    assert_eq!(after[1], (Some(AssignorKind::CooperativeSticky), true));
}

#[test]
fn kafkas_default_list_makes_a_range_group_of_eager_members() {
    let mut sim = Sim::new(group_config(6, 3), 1).unwrap();
    let mut trace = Vec::new();
    run(&mut sim, 15_000, &mut trace);
    assert_eq!(
        sim.config().consumer.partition_assignment_strategy.name(),
        "range,cooperative-sticky"
    );
    assert_eq!(
        sim.group("orders-app").unwrap().1.protocol,
        Some(AssignorKind::Range)
    );
    assert!(sim
        .consumers()
        .values()
        .all(|c| c.assignor.rebalance_protocol() == RebalanceProtocol::Eager));
}

#[test]
fn redeploying_every_member_at_once_switches_the_assignor_without_a_refusal() {
    let mut config = group_config(6, 3);
    config.consumer.partition_assignment_strategy = AssignorKind::Range.into();
    let mut sim = Sim::new(config, 3).unwrap();
    let mut trace = Vec::new();
    run(&mut sim, 15_000, &mut trace);
    sim.apply(
        ms(15_000),
        Command::SetAssignor(AssignorKind::CooperativeSticky.into()),
    )
    .unwrap();
    run(&mut sim, 40_000, &mut trace);
    // Every member left before any came back: the empty group takes any list.
    assert!(!trace
        .iter()
        .any(|e| matches!(e.event, Event::ConsumerError { .. })));
    let (_, g) = sim.group("orders-app").unwrap();
    assert_eq!(g.protocol, Some(AssignorKind::CooperativeSticky));
    assert_eq!(g.members.len(), 3);
}

#[test]
fn each_group_reads_every_record_with_its_own_members_offsets_and_assignor() {
    let mut config = group_config(6, 2);
    config.other_groups = vec![
        other_group("audit-app", 3, AssignorKind::RoundRobin),
        other_group("search-indexer", 1, AssignorKind::CooperativeSticky),
    ];
    let mut sim = Sim::new(config, 5).unwrap();
    let mut trace = Vec::new();
    run(&mut sim, 30_000, &mut trace);
    sim.apply(ms(30_000), Command::CrashConsumer(ConsumerId(3)))
        .unwrap();
    run(&mut sim, 80_000, &mut trace);
    // The application stops producing, so every group can catch up.
    let mut quiet = sim.config().workload.clone();
    quiet.rate = 0;
    sim.apply(ms(80_000), Command::SetWorkload(quiet)).unwrap();
    run(&mut sim, 90_000, &mut trace);
    let acknowledged = sim.ledger().acknowledged();
    // The first group in the ledger, the others in their tallies: each processed every
    // acknowledged record (the load is light and the run settled).
    assert_eq!(sim.ledger().counts().consumed, acknowledged);
    for (g, members, assignor) in [
        (1, 2, AssignorKind::RoundRobin),
        (2, 1, AssignorKind::CooperativeSticky),
    ] {
        let id = config::OTHER_GROUP_IDS[g - 1];
        let (_, group) = sim.group(id).expect("a coordinator");
        assert_eq!(group.state, GroupState::Stable, "{id}");
        assert_eq!(group.members.len(), members, "{id}");
        assert_eq!(group.protocol, Some(assignor), "{id}");
        assert_eq!(
            sim.ledger().other_group(g as u32).map(|t| t.consumed),
            Some(acknowledged),
            "{id}"
        );
        // Its own committed offsets, at most an auto-commit interval behind.
        let lags = sim.group_lag_of(id);
        assert_eq!(lags.len(), 6);
        assert!(
            lags.iter().all(|l| l.lag.is_some_and(|l| l < 400)),
            "{id}: {lags:?}"
        );
        let member_ids: Vec<_> = group.members.iter().map(|m| m.member_id.clone()).collect();
        assert!(
            member_ids
                .iter()
                .all(|m| m.starts_with(&format!("consumer-{id}-"))),
            "{member_ids:?}"
        );
    }
    // c3 of audit-app crashed: its partitions went to the others, which repeated what it
    // had processed since the last auto commit; the first group did not notice.
    assert!(sim.ledger().other_group(1).unwrap().redelivered > 0);
    assert_eq!(sim.ledger().counts().redelivered, 0);
    assert_eq!(sim.ledger().other_group(2).unwrap().redelivered, 0);
    // The groups' coordinators are the leaders of their own __consumer_offsets partitions.
    let partitions: Vec<u32> = sim
        .config()
        .group_ids()
        .map(|g| sim.group_partition(g).unwrap().partition)
        .collect();
    println!("__consumer_offsets partitions of the three groups: {partitions:?}");
}

#[test]
fn two_groups_cannot_share_a_group_id() {
    let mut config = group_config(6, 1);
    config.other_groups = vec![other_group("orders-app", 1, AssignorKind::Range)];
    let err = Sim::new(config, 1).unwrap_err();
    assert_eq!(err.config, "group.id");
}

#[test]
fn a_groups_assignor_changes_for_its_members_only() {
    let mut config = group_config(6, 2);
    config.consumer.partition_assignment_strategy = AssignorKind::Range.into();
    config.other_groups = vec![other_group("audit-app", 2, AssignorKind::Range)];
    let mut sim = Sim::new(config, 2).unwrap();
    let mut trace = Vec::new();
    run(&mut sim, 15_000, &mut trace);
    sim.apply(
        ms(15_000),
        Command::SetGroupAssignor {
            group: 1,
            assignors: AssignorKind::CooperativeSticky.into(),
        },
    )
    .unwrap();
    run(&mut sim, 40_000, &mut trace);
    assert_eq!(
        sim.group("audit-app").unwrap().1.protocol,
        Some(AssignorKind::CooperativeSticky)
    );
    assert_eq!(
        sim.group("orders-app").unwrap().1.protocol,
        Some(AssignorKind::Range)
    );
    // The first group's members were not restarted.
    assert!(sim
        .consumers()
        .values()
        .filter(|c| c.group == 0)
        .all(|c| c.incarnation() == 0));
    assert!(sim
        .apply(
            ms(40_000),
            Command::SetGroupAssignor {
                group: 2,
                assignors: AssignorKind::Range.into()
            }
        )
        .is_err());
}

/// Orders and payments (three partitions each), the application writing to both in turn,
/// and a group of two members listing only `assignor`, subscribed to orders.
fn two_topics(assignor: AssignorKind) -> SimConfig {
    let mut config = group_config(3, 2);
    let mut payments = TopicSpec::new("payments", 3, 3);
    payments.min_insync_replicas = 2;
    config.topics.push(payments);
    config.workload.topics = 2;
    config.consumer.partition_assignment_strategy = assignor.into();
    config
}

/// Each running member's partitions, named.
fn owned_named(sim: &Sim) -> Vec<(u32, Vec<String>)> {
    sim.consumers()
        .values()
        .filter(|c| c.is_running())
        .map(|c| {
            let names = c
                .owned
                .iter()
                .map(|tp| {
                    format!(
                        "{}-{}",
                        sim.topics()[tp.topic.0 as usize].spec.name,
                        tp.partition
                    )
                })
                .collect();
            (c.id.0, names)
        })
        .collect()
}

#[test]
fn a_member_that_subscribes_to_another_topic_rejoins_and_the_assignor_follows_each_subscription() {
    let mut sim = Sim::new(two_topics(AssignorKind::Range), 3).unwrap();
    let mut trace = Vec::new();
    run(&mut sim, 10_000, &mut trace);
    assert_eq!(
        owned_named(&sim),
        vec![
            (0, vec!["orders-0".into(), "orders-1".into()]),
            (1, vec!["orders-2".into()])
        ]
    );
    let generation = sim.group("orders-app").unwrap().1.generation;
    sim.apply(
        ms(10_000),
        Command::Subscribe {
            consumer: ConsumerId(1),
            topics: vec![0, 1],
        },
    )
    .unwrap();
    run(&mut sim, 30_000, &mut trace);
    // RangeAssignor, topic by topic among that topic's subscribers: orders split as
    // before, payments all to c1, the only member reading it.
    assert_eq!(
        owned_named(&sim),
        vec![
            (0, vec!["orders-0".into(), "orders-1".into()]),
            (
                1,
                vec![
                    "orders-2".into(),
                    "payments-0".into(),
                    "payments-1".into(),
                    "payments-2".into()
                ]
            )
        ]
    );
    let (_, g) = sim.group("orders-app").unwrap();
    assert_eq!(g.generation, generation + 1, "one rebalance");
    assert!(trace.iter().any(|e| matches!(
        &e.event,
        Event::Subscribed { consumer: ConsumerId(1), topics } if topics.len() == 2
    )));
    // The group's lag covers both topics now, and c1 processed payments' records from
    // the earliest offset (no committed offset, auto.offset.reset=earliest).
    assert_eq!(sim.group_lag_of("orders-app").len(), 6);
    let payments_read = sim
        .ledger()
        .records()
        .filter(|r| r.partition.topic == TopicId(1) && r.consumed_at.is_some())
        .count();
    assert!(payments_read > 1_000, "{payments_read}");
}

#[test]
fn a_cooperative_member_that_leaves_a_topic_revokes_only_that_topics_partitions() {
    let mut config = two_topics(AssignorKind::CooperativeSticky);
    config.consumer.topics = vec![0, 1];
    let mut sim = Sim::new(config, 4).unwrap();
    let mut trace = Vec::new();
    run(&mut sim, 10_000, &mut trace);
    let before = owned_named(&sim);
    assert_eq!(
        before.iter().map(|(_, o)| o.len()).sum::<usize>(),
        6,
        "{before:?}"
    );
    let mark = trace.len();
    sim.apply(
        ms(10_000),
        Command::Subscribe {
            consumer: ConsumerId(0),
            topics: vec![0],
        },
    )
    .unwrap();
    run(&mut sim, 30_000, &mut trace);
    // Before rejoining c0 revoked its payments partitions and nothing else (cooperative:
    // it keeps consuming its orders partitions); what c1 gave up afterwards is orders,
    // moved to c0 for balance once payments all went to c1.
    let revoked: Vec<(u32, Vec<TopicPartition>)> = trace[mark..]
        .iter()
        .filter_map(|e| match &e.event {
            Event::PartitionsRevoked {
                consumer,
                partitions,
            } => Some((consumer.0, partitions.clone())),
            _ => None,
        })
        .collect();
    let c0_payments: Vec<TopicPartition> = before[0]
        .1
        .iter()
        .filter(|n| n.starts_with("payments"))
        .map(|n| TopicPartition::new(TopicId(1), n[9..].parse().unwrap()))
        .collect();
    assert_eq!(revoked[0], (0, c0_payments), "{revoked:?}");
    assert!(
        revoked[1..]
            .iter()
            .all(|(c, tps)| *c == 1 && tps.iter().all(|tp| tp.topic == TopicId(0))),
        "{revoked:?}"
    );
    // Payments all went to c1, the only member still reading it; c0 kept its orders.
    let after = owned_named(&sim);
    assert!(
        after[1]
            .1
            .iter()
            .filter(|n| n.starts_with("payments"))
            .count()
            == 3,
        "{after:?}"
    );
    assert!(
        after[0].1.iter().all(|n| n.starts_with("orders")),
        "{after:?}"
    );
    assert_eq!(
        after.iter().map(|(_, o)| o.len()).sum::<usize>(),
        6,
        "{after:?}"
    );
}

#[test]
fn a_group_that_subscribes_elsewhere_moves_its_members_and_leaves_the_other_group_alone() {
    let mut config = two_topics(AssignorKind::Range);
    config.other_groups = vec![other_group("audit-app", 2, AssignorKind::Range)];
    let mut sim = Sim::new(config, 6).unwrap();
    let mut trace = Vec::new();
    run(&mut sim, 10_000, &mut trace);
    let first = sim.group("orders-app").unwrap().1.generation;
    sim.apply(
        ms(10_000),
        Command::SetGroupSubscription {
            group: 1,
            topics: vec![1],
        },
    )
    .unwrap();
    run(&mut sim, 30_000, &mut trace);
    assert_eq!(sim.group("orders-app").unwrap().1.generation, first);
    assert_eq!(sim.group_topics("audit-app"), vec![TopicId(1)]);
    assert_eq!(sim.group_topics("orders-app"), vec![TopicId(0)]);
    for c in sim.consumers().values().filter(|c| c.group == 1) {
        assert!(
            c.owned.iter().all(|tp| tp.topic == TopicId(1)),
            "{:?}",
            c.owned
        );
    }
    // A member added later subscribes as the group does now.
    sim.apply(ms(30_000), Command::AddGroupConsumer { group: 1 })
        .unwrap();
    let newest = sim.consumers().values().next_back().unwrap();
    assert_eq!(newest.subscription, vec![TopicId(1)]);
    // A subscription names topics that exist.
    let err = sim
        .apply(
            ms(30_000),
            Command::Subscribe {
                consumer: ConsumerId(0),
                topics: vec![2],
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
    assert!(sim
        .apply(
            ms(30_000),
            Command::SetGroupSubscription {
                group: 0,
                topics: vec![],
            },
        )
        .is_err());
}

/// A heartbeat lost on a cut link stays unanswered until `request.timeout.ms` (30 s),
/// longer than the session (10 s). Kafka's heartbeat thread does not wait for it: it
/// sends the next heartbeat at the next interval all the same, and once
/// `session.timeout.ms` passes without one answered it marks the coordinator unknown and
/// drops the connection, failing what was in flight (`AbstractCoordinator.
/// HeartbeatThread`). So after the link heals the member is removed at most once (the
/// coordinator's own session check while the link was cut) and then stays.
#[test]
fn a_heartbeat_lost_on_a_cut_link_does_not_keep_the_member_out() {
    let mut config = group_config(2, 2);
    config.workload.rate = 100;
    config.consumer.session_timeout_ms = 10_000;
    config.consumer.max_poll_interval_ms = 20_000;
    let mut sim = Sim::new(config, 6250404408286103336).expect("valid");
    let mut trace = Vec::new();
    run(&mut sim, 30_000, &mut trace);
    let (coordinator, _) = sim.group("orders-app").expect("a coordinator");
    let c1 = ConsumerId(1);
    sim.apply(
        ms(31_244),
        Command::CutLink(NodeId::Consumer(c1), NodeId::Broker(coordinator)),
    )
    .expect("a link");
    run(&mut sim, 36_300, &mut trace);
    sim.apply(
        ms(36_300),
        Command::HealLink(NodeId::Consumer(c1), NodeId::Broker(coordinator)),
    )
    .expect("a link");
    let mut after = Vec::new();
    run(&mut sim, 100_000, &mut after);
    let removals: Vec<_> = after
        .iter()
        .filter(|e| matches!(e.event, Event::MemberRemoved { consumer: Some(c), .. } if c == c1))
        .map(|e| e.at)
        .collect();
    assert!(removals.len() <= 1, "removed at {removals:?}");
    let (_, g) = sim.group("orders-app").expect("a coordinator");
    assert_eq!(g.state, GroupState::Stable);
    assert!(
        g.members.iter().any(|m| m.consumer == c1),
        "c1 is a member again"
    );
}
