//! Kafka's rules where kscope once departed from them, each test named for the rule and
//! citing the Kafka class that implements it (Kafka 4.0).

use kscope_core::event::{Event, KafkaError, MessageKind};
use kscope_core::network::Payload;
use kscope_core::producer::ProduceRecord;
use kscope_core::*;
use kscope_tests::*;

fn send(partition: u32) -> Command {
    Command::Produce(ProduceRecord {
        topic: TopicId(0),
        partition: Some(partition),
        key: None,
        value_len: Some(100),
        headers: vec![],
        timestamp_ms: None,
    })
}

fn run(sim: &mut Sim, until: u64) -> Vec<TimedEvent> {
    run_checked(sim, ms(until))
}

/// The first topic's partition 0, its leader and one of its followers.
fn leader_and_follower(sim: &Sim) -> (TopicPartition, BrokerId, BrokerId) {
    let tp = TopicPartition::new(TopicId(0), 0);
    let p = sim.partition(tp);
    let leader = p.leader.expect("a leader");
    let follower = *p
        .replicas
        .iter()
        .find(|b| **b != leader)
        .expect("a follower");
    (tp, leader, follower)
}

/// The instants, in milliseconds, of the events `matches` picks.
fn instants(events: &[TimedEvent], matches: impl Fn(&Event) -> bool) -> Vec<u64> {
    events
        .iter()
        .filter(|e| matches(&e.event))
        .map(|e| e.at.millis())
        .collect()
}

/// `Partition.appendRecordsToLeader` checks `effectiveMinIsr`, the smaller of
/// `min.insync.replicas` and the partition's replicas: RF 2 with `min.insync.replicas=3`
/// takes `acks=all` writes once both replicas are in sync.
#[test]
fn min_insync_replicas_above_the_replication_factor_is_capped_at_the_replicas() {
    let mut config = cluster(3, 1, 2, 3);
    config.producer.acks = Acks::All;
    let mut sim = Sim::new(config, 1).unwrap();
    for i in 0..10 {
        sim.apply(ms(100 + i * 10), send(0)).unwrap();
    }
    let events = run(&mut sim, 3_000);
    assert!(
        !events.iter().any(|e| matches!(
            e.event,
            Event::ProduceRejected {
                error: KafkaError::NotEnoughReplicas,
                ..
            }
        )),
        "no NOT_ENOUGH_REPLICAS with the whole ISR in sync"
    );
    assert_eq!(sim.ledger().counts().acknowledged, 10);
}

/// `Replica.isCaughtUp`: a follower whose log end equals the leader's stays in the ISR
/// however long ago it fetched; only one that is behind for `replica.lag.time.max.ms`
/// leaves.
#[test]
fn an_idle_follower_at_the_leaders_log_end_stays_in_sync() {
    let config = cluster(3, 1, 3, 1);
    let mut sim = Sim::new(config, 2).unwrap();
    sim.apply(ms(100), send(0)).unwrap();
    run(&mut sim, 2_000);
    let (tp, leader, follower) = leader_and_follower(&sim);
    sim.apply(
        ms(2_000),
        Command::CutLink(NodeId::Broker(leader), NodeId::Broker(follower)),
    )
    .unwrap();
    run(&mut sim, 47_000);
    assert!(
        sim.partition(tp).isr.contains(&follower),
        "no new records: the follower is caught up, {:?}",
        sim.partition(tp).isr
    );
    // A record it cannot fetch puts it behind: it leaves after replica.lag.time.max.ms.
    sim.apply(ms(47_000), send(0)).unwrap();
    run(&mut sim, 95_000);
    assert!(!sim.partition(tp).isr.contains(&follower));
}

/// `FetchCollector.handleInitializeErrors` and `SubscriptionState.requestOffsetReset`:
/// a fetch answered OFFSET_OUT_OF_RANGE resets the position through
/// `auto.offset.reset` (ListOffsets); the committed offset, out of range too, is not read
/// again.
#[test]
fn an_out_of_range_position_is_reset_by_the_reset_policy_not_the_committed_offset() {
    let mut config = cluster(1, 1, 1, 1);
    config.workload.rate = 200;
    config.consumers = 1;
    config.consumer.auto_offset_reset = config::OffsetReset::Earliest;
    config.broker.offsets_topic_replication_factor = 1;
    config.broker.log_retention_check_interval_ms = 1_000;
    config.topics[0].log.segment_bytes = 4_096;
    config.topics[0].log.retention_ms = 2_000;
    let mut sim = Sim::new(config, 5).unwrap();
    run(&mut sim, 8_000);
    let c0 = ConsumerId(0);
    assert!(sim.consumers()[&c0].consumed > 0);
    sim.apply(ms(8_000), Command::CrashConsumer(c0)).unwrap();
    // While it is down, retention deletes the segments its committed offset is in.
    run(&mut sim, 30_000);
    let tp = TopicPartition::new(TopicId(0), 0);
    let leader = sim.partition(tp).leader.unwrap();
    let start = sim.brokers()[&leader].replicas[&tp].log.log_start_offset();
    let committed = sim
        .group("orders-app")
        .and_then(|(_, g)| g.committed.get(&tp).copied());
    assert!(
        committed.is_some_and(|c| c < start),
        "committed {committed:?} below the log start {start:?}"
    );
    sim.apply(ms(30_000), Command::RestartConsumer(c0)).unwrap();
    // The crashed process stays a member until its session expires (45 s after the
    // crash); the new one is assigned the partition then.
    let events = run(&mut sim, 70_000);
    let sent = |kind: event::MessageKind| {
        events
            .iter()
            .filter(|e| {
                matches!(e.event, Event::MessageSent {
                    from: NodeId::Consumer(c),
                    kind: k,
                    ..
                } if c == c0 && k == kind)
            })
            .count()
    };
    // The restarted process counts from zero.
    assert!(
        sim.consumers()[&c0].consumed > 500,
        "consumes again: {}",
        sim.consumers()[&c0].consumed
    );
    // The committed offset is read once; the reset asks the leader once.
    assert_eq!(sent(event::MessageKind::OffsetFetchRequest), 1);
    assert_eq!(sent(event::MessageKind::ListOffsetsRequest), 1);
    assert!(events.iter().any(|e| matches!(
        e.event,
        Event::PositionSet { reset: true, offset, .. } if offset >= start
    )));
}

/// `ClassicGroupMember.hasSatisfiedHeartbeat` and
/// `GroupMetadataManager.expireClassicGroupMemberHeartbeat`: members waiting in a
/// rebalance need no heartbeat; the rebalance waits up to its timeout
/// (`max.poll.interval.ms`) for the member that stopped polling, and that one goes.
#[test]
fn members_awaiting_a_rebalance_satisfy_their_heartbeats() {
    let mut config = cluster(3, 3, 3, 1);
    config.workload.rate = 100;
    config.consumers = 2;
    config.consumer.session_timeout_ms = 10_000;
    config.consumer.max_poll_interval_ms = 60_000;
    let mut sim = Sim::new(config, 6).unwrap();
    run(&mut sim, 10_000);
    sim.apply(
        ms(10_000),
        Command::PauseConsumer {
            consumer: ConsumerId(1),
            paused: true,
        },
    )
    .unwrap();
    sim.apply(ms(12_000), Command::AddConsumer).unwrap();
    let events = run(&mut sim, 90_000);
    let removed: Vec<(Option<ConsumerId>, event::LeaveReason)> = events
        .iter()
        .filter_map(|e| match e.event {
            Event::MemberRemoved {
                consumer, reason, ..
            } => Some((consumer, reason)),
            _ => None,
        })
        .collect();
    assert!(
        removed.iter().all(|(c, _)| *c == Some(ConsumerId(1))),
        "only the member that stopped polling goes: {removed:?}"
    );
    assert!(!removed.is_empty());
    let last = events
        .iter()
        .rev()
        .find_map(|e| match &e.event {
            Event::GenerationStarted { members, .. } => Some(members.clone()),
            _ => None,
        })
        .expect("a generation");
    assert_eq!(last, vec![ConsumerId(0), ConsumerId(2)]);
}

/// `GroupMetadataManager.tryCompleteInitialRebalanceElseSchedule` (3.x's
/// `InitialDelayedJoin`): members that join during `group.initial.rebalance.delay.ms`
/// extend it by the delay again, so three consumers starting together form generation 1
/// about six seconds after the first join, not three.
#[test]
fn joins_during_the_initial_rebalance_delay_extend_it() {
    let mut config = cluster(3, 3, 3, 1);
    config.consumers = 3;
    let mut sim = Sim::new(config, 7).unwrap();
    let events = run(&mut sim, 15_000);
    let first_join = events
        .iter()
        .find(|e| matches!(e.event, Event::RebalanceStarted { .. }))
        .expect("a rebalance")
        .at;
    let formed = events
        .iter()
        .find(|e| matches!(e.event, Event::GenerationStarted { generation: 1, .. }))
        .expect("generation 1")
        .at;
    let waited = formed.since(first_join).millis();
    assert!(
        (6_000..6_100).contains(&waited),
        "generation 1 formed {waited} ms after the rebalance began"
    );
}

/// `ConsumerCoordinator.maybeAutoCommitOffsetsAsync`: every `auto.commit.interval.ms` the
/// consumer commits all its consumed positions, whether they moved or not.
#[test]
fn an_idle_consumer_keeps_auto_committing_its_positions() {
    let mut config = cluster(3, 1, 3, 1);
    config.workload.rate = 100;
    config.consumers = 1;
    let mut sim = Sim::new(config, 8).unwrap();
    run(&mut sim, 10_000);
    let mut w = sim.config().workload.clone();
    w.rate = 0;
    sim.apply(ms(10_000), Command::SetWorkload(w)).unwrap();
    run(&mut sim, 20_000);
    let events = run(&mut sim, 50_000);
    let commits = events
        .iter()
        .filter(|e| {
            matches!(
                e.event,
                Event::MessageSent {
                    from: NodeId::Consumer(_),
                    kind: event::MessageKind::OffsetCommitRequest,
                    ..
                }
            )
        })
        .count();
    // 30 s at auto.commit.interval.ms = 5 s.
    assert!((5..=7).contains(&commits), "{commits} commits while idle");
}

/// `FetchCollector.collectFetch`: `max.poll.records` are taken from the completed fetch in
/// line until it is used up, then from the next; polls do not alternate partitions.
#[test]
fn max_poll_records_drains_the_partition_in_line_first() {
    let mut config = cluster(3, 2, 3, 1);
    config.consumers = 1;
    config.consumer.max_poll_records = 10;
    config.consumer.auto_offset_reset = config::OffsetReset::Earliest;
    let mut sim = Sim::new(config, 9).unwrap();
    for i in 0..40 {
        sim.apply(ms(100 + i), send(0)).unwrap();
        sim.apply(ms(100 + i), send(1)).unwrap();
    }
    let events = run(&mut sim, 20_000);
    let polls: Vec<(u32, u32)> = events
        .iter()
        .filter_map(|e| match e.event {
            Event::RecordsConsumed {
                partition, records, ..
            } => Some((partition.partition, records)),
            _ => None,
        })
        .collect();
    assert_eq!(polls.iter().map(|p| p.1).sum::<u32>(), 80, "{polls:?}");
    // Each partition's 40 records come in four polls in a row.
    let order: Vec<u32> = polls.iter().map(|p| p.0).collect();
    let switches = order.windows(2).filter(|w| w[0] != w[1]).count();
    assert_eq!(switches, 1, "{polls:?}");
}

/// `RecordAccumulator.drainBatchesForOneNode`: the node's drain index is stored before it
/// moves on, so a partition whose batch did not fit in a request is the first drained
/// into the next one; no partition waits while the others' batches go.
#[test]
fn the_drain_index_rotates_so_no_partition_starves() {
    let mut config = cluster(1, 3, 1, 1);
    config.producer.batch_size = 2_000;
    config.producer.max_request_size = 4_500;
    config.producer.linger_ms = 0;
    config.producer.max_in_flight_requests_per_connection = 1;
    config.producer.enable_idempotence = Some(false);
    let mut sim = Sim::new(config, 10).unwrap();
    for p in 0..3 {
        for _ in 0..80 {
            sim.apply(ms(100), send(p)).unwrap();
        }
    }
    let events = run(&mut sim, 2_000);
    // The partitions of each request, in the order drained.
    let mut requests: Vec<Vec<u32>> = vec![Vec::new()];
    for e in &events {
        match e.event {
            Event::BatchDrained { partition, .. } => {
                requests.last_mut().unwrap().push(partition.partition)
            }
            Event::MessageSent {
                kind: event::MessageKind::ProduceRequest,
                ..
            } => requests.push(Vec::new()),
            _ => {}
        }
    }
    requests.retain(|r| !r.is_empty());
    // The first request leaves at once with p0's first batch; then two batches fit in
    // each, in turn: p2 p0 | p1 p2 | p0 p1 | ...
    assert!(requests.len() >= 7, "{requests:?}");
    for (i, r) in requests.iter().enumerate().take(7).skip(1) {
        let first = (2 * i as u32) % 3;
        assert_eq!(r, &vec![first, (first + 1) % 3], "{requests:?}");
    }
}

/// `ClassicKafkaConsumer.poll`: the next fetch is sent before the records are returned,
/// so it travels while the application processes them. A consumer only 5% faster than
/// the records arrive keeps up over a slow link.
#[test]
fn the_consumer_pipelines_its_fetches_with_processing() {
    let mut config = cluster(1, 1, 1, 1);
    config.broker.offsets_topic_replication_factor = 1;
    config.network.latency_us = 20_000;
    config.workload.rate = 1_000;
    config.consumers = 1;
    config.consumer.process_us_per_record = 950;
    let mut sim = Sim::new(config, 11).unwrap();
    run(&mut sim, 20_000);
    let tp = TopicPartition::new(TopicId(0), 0);
    let hw = sim.brokers()[&BrokerId(0)].replicas[&tp].high_watermark;
    let position = sim.consumers()[&ConsumerId(0)].positions[&tp].expect("a position");
    let lag = hw.0 - position.0;
    // Without pipelining each round trip of 40 ms adds to the processing of what the last
    // fetch brought, and the lag settles near 700 records; with it, near one round trip's
    // worth (40).
    assert!(lag < 120, "lag {lag} after 20 s");
}

/// `LocalLog.read`: a read returns batches from one segment, the first at or after the
/// offset that holds any; a reader catching up gets a segment per fetch.
#[test]
fn a_log_read_stops_at_the_segment_that_yields_data() {
    use kscope_core::log::{Log, LogConfig, StoredBatch, StoredRecord};
    let config = LogConfig {
        segment_bytes: 1_000,
        ..LogConfig::default()
    };
    let mut log = Log::new(config, 0);
    for i in 0..20i64 {
        let records: std::rc::Rc<[StoredRecord]> = std::rc::Rc::from(vec![StoredRecord {
            id: RecordId(i as u64),
            offset_delta: 0,
            key: None,
            value_len: Some(0),
            headers: None,
            timestamp_ms: i,
        }]);
        log.append(
            StoredBatch {
                compression: kscope_core::record::CompressionType::None,
                base_offset: Offset(i),
                last_offset_delta: 0,
                size_bytes: 300,
                max_timestamp_ms: i,
                leader_epoch: LeaderEpoch(0),
                batch_id: BatchId(i as u64),
                producer_id: -1,
                producer_epoch: -1,
                base_sequence: -1,
                transactional: false,
                marker: None,
                delete_horizon_ms: None,
                records,
            },
            i,
        );
    }
    assert!(log.segments().len() > 3);
    let read = log.read(Offset(0), 1_000_000, true);
    let first = &log.segments()[0];
    assert_eq!(read.len(), first.batches.len(), "one segment's batches");
    assert_eq!(
        read.last().unwrap().next_offset(),
        log.segments()[1].base_offset
    );
}

/// `Log::batches_from` (what the invariants walk a committed prefix with) finds by binary
/// search what a scan of every batch finds, from every offset, across segments.
#[test]
fn batches_from_an_offset_are_those_a_scan_finds() {
    use kscope_core::log::{Log, LogConfig, StoredBatch, StoredRecord};
    let config = LogConfig {
        segment_bytes: 1_000,
        ..LogConfig::default()
    };
    let mut log = Log::new(config, 0);
    let mut next = 0i64;
    for i in 0..30u32 {
        let n = 1 + i % 4;
        let records: std::rc::Rc<[StoredRecord]> = (0..n)
            .map(|d| StoredRecord {
                id: RecordId((next + i64::from(d)) as u64),
                offset_delta: d,
                key: None,
                value_len: Some(0),
                headers: None,
                timestamp_ms: i64::from(i),
            })
            .collect();
        log.append(
            StoredBatch {
                compression: kscope_core::record::CompressionType::None,
                base_offset: Offset(next),
                last_offset_delta: n - 1,
                size_bytes: 170,
                max_timestamp_ms: i64::from(i),
                leader_epoch: LeaderEpoch(0),
                batch_id: BatchId(u64::from(i)),
                producer_id: -1,
                producer_epoch: -1,
                base_sequence: -1,
                transactional: false,
                marker: None,
                delete_horizon_ms: None,
                records,
            },
            i64::from(i),
        );
        next += i64::from(n);
    }
    assert!(log.segments().len() > 3);
    for from in -1..next + 2 {
        let fast: Vec<BatchId> = log.batches_from(Offset(from)).map(|b| b.batch_id).collect();
        let scan: Vec<BatchId> = log
            .batches()
            .filter(|b| b.last_offset() >= Offset(from))
            .map(|b| b.batch_id)
            .collect();
        assert_eq!(fast, scan, "from {from}");
    }
}

/// `LogManager.startup`: the retention task runs first `log.initial.task.delay.ms`
/// (30 s) after the broker starts, then every `log.retention.check.interval.ms`; a
/// restarted broker starts it again.
#[test]
fn the_first_retention_run_comes_thirty_seconds_after_a_broker_starts() {
    let mut config = cluster(1, 1, 1, 1);
    config.topics[0].log.segment_bytes = 4_096;
    config.topics[0].log.retention_bytes = 4_096;
    config.broker.log_retention_check_interval_ms = 5_000;
    config.workload.rate = 200;
    let mut sim = Sim::new(config, 12).unwrap();
    let deletions =
        |events: &[TimedEvent]| instants(events, |e| matches!(e, Event::SegmentsDeleted { .. }));
    let events = run(&mut sim, 42_000);
    assert_eq!(deletions(&events), vec![30_000, 35_000, 40_000]);
    // Restarted at once, it registers when its old session expires (9 s after the
    // crash), and its retention task starts again from there.
    sim.apply(ms(42_000), Command::CrashBroker(BrokerId(0)))
        .unwrap();
    sim.apply(ms(43_000), Command::RestartBroker(BrokerId(0)))
        .unwrap();
    let events = run(&mut sim, 90_000);
    assert_eq!(deletions(&events), vec![81_000, 86_000]);
}

/// `LogCleaner`: the cleaner starts with the broker and looks for logs to compact every
/// `log.cleaner.backoff.ms` (15 s); it does not wait for the retention task's initial
/// delay nor run with it.
#[test]
fn the_log_cleaner_runs_every_cleaner_backoff_from_the_start() {
    let mut config = cluster(1, 1, 1, 1);
    config.topics[0].log.cleanup_policy = log::CleanupPolicy::Compact;
    config.topics[0].log.segment_bytes = 2_048;
    config.workload.rate = 100;
    config.workload.keys = 5;
    config.broker.log_retention_check_interval_ms = 1_000;
    let mut sim = Sim::new(config, 13).unwrap();
    let events = run(&mut sim, 50_000);
    let cleaned = instants(&events, |e| matches!(e, Event::LogCompacted { .. }));
    assert_eq!(cleaned, vec![15_000, 30_000, 45_000]);
}

/// KRaft (Kafka 3.9 and later): turning `unclean.leader.election.enable` on for an offline
/// partition does not elect at once; the controller's periodic check
/// (`unclean.leader.election.interval.ms`, 5 minutes,
/// `ReplicationControlManager.maybeTriggerUncleanLeaderElectionForLeaderlessPartitions`)
/// does.
#[test]
fn enabling_unclean_election_waits_for_the_controllers_periodic_check() {
    let config = cluster(3, 1, 3, 1);
    let mut sim = Sim::new(config, 14).unwrap();
    let tp = TopicPartition::new(TopicId(0), 0);
    let old = sim.partition(tp).leader.unwrap();
    for o in sim
        .brokers()
        .keys()
        .copied()
        .filter(|b| *b != old)
        .collect::<Vec<_>>()
    {
        sim.apply(
            ms(100),
            Command::CutLink(NodeId::Broker(old), NodeId::Broker(o)),
        )
        .unwrap();
    }
    sim.apply(ms(200), send(0)).unwrap();
    run(&mut sim, 46_000);
    assert_eq!(sim.partition(tp).isr, vec![old]);
    sim.apply(ms(46_000), Command::CrashBroker(old)).unwrap();
    run(&mut sim, 60_000);
    assert_eq!(
        sim.partition(tp).leader,
        None,
        "offline: its last ISR member is down"
    );
    sim.apply(
        ms(60_000),
        Command::SetUncleanLeaderElection {
            topic: TopicId(0),
            enable: true,
        },
    )
    .unwrap();
    let events = run(&mut sim, 310_000);
    let elected = instants(&events, |e| {
        matches!(
            e,
            Event::LeaderElected {
                kind: event::ElectionKind::Unclean,
                ..
            }
        )
    });
    assert_eq!(elected, vec![300_000]);
}

/// KIP-580 (Kafka 3.7): a produce retry waits `retry.backoff.ms` doubled per attempt up
/// to `retry.backoff.max.ms` (1 s), each within ±20% (`ExponentialBackoff`,
/// `RecordAccumulator.shouldBackoff`).
#[test]
fn produce_retries_back_off_exponentially_with_jitter() {
    // acks=all with min.insync.replicas 3 and one replica down: NOT_ENOUGH_REPLICAS.
    let mut config = cluster(3, 1, 3, 3);
    config.producer.acks = Acks::All;
    config.producer.delivery_timeout_ms = 120_000;
    let mut sim = Sim::new(config, 15).unwrap();
    let (_, _, other) = leader_and_follower(&sim);
    sim.apply(ms(100), Command::CrashBroker(other)).unwrap();
    run(&mut sim, 20_000);
    sim.apply(ms(20_000), send(0)).unwrap();
    let events = run(&mut sim, 30_000);
    let retries: Vec<u64> = events
        .iter()
        .filter(|e| matches!(e.event, Event::BatchRetried { .. }))
        .map(|e| e.at.micros())
        .collect();
    assert!(retries.len() >= 8, "{retries:?}");
    let gaps: Vec<u64> = retries.windows(2).map(|w| (w[1] - w[0]) / 1_000).collect();
    // Each gap is the backoff plus one round trip (2 ms); the backoff of attempt n is
    // 100 * 2^(n-1) ms within ±20%, at most 1,000 ms.
    for (i, gap) in gaps.iter().enumerate() {
        let term = (100u64 << i).min(1_000);
        let (low, high) = (term * 8 / 10, term * 12 / 10);
        assert!(
            (low..=high.min(1_000) + 5).contains(gap),
            "gap {i}: {gap} ms, expected {low}..{high}: {gaps:?}"
        );
    }
    assert!(gaps.iter().rev().take(3).all(|g| *g >= 800));
}

/// KRaft's `ClusterControlManager.registerBroker`: a broker restarted while its crashed
/// incarnation's session is still valid cannot register (`DuplicateBrokerRegistration`)
/// until that session expires: it is fenced, leaves the ISRs, then registers and
/// rejoins.
#[test]
fn a_broker_restarted_within_its_session_is_fenced_before_it_registers() {
    let mut config = cluster(3, 1, 3, 1);
    config.workload.rate = 100;
    let mut sim = Sim::new(config, 16).unwrap();
    let (tp, _, follower) = leader_and_follower(&sim);
    sim.apply(ms(1_000), Command::CrashBroker(follower))
        .unwrap();
    sim.apply(ms(3_000), Command::RestartBroker(follower))
        .unwrap();
    assert!(sim
        .apply(ms(3_000), Command::RestartBroker(follower))
        .is_err());
    let events = run(&mut sim, 30_000);
    let at = |f: &dyn Fn(&Event) -> bool| instants(&events, f).first().copied();
    let fenced = at(&|e| matches!(e, Event::BrokerFenced { broker } if *broker == follower));
    let restarted = at(&|e| matches!(e, Event::BrokerRestarted { broker } if *broker == follower));
    let shrunk = at(&|e| matches!(e, Event::IsrShrunk { removed, .. } if *removed == follower));
    let rejoined = at(&|e| matches!(e, Event::IsrExpanded { added, .. } if *added == follower));
    // broker.session.timeout.ms is 9 s after the crash.
    assert_eq!(fenced, Some(10_000));
    assert_eq!(shrunk, Some(10_000));
    assert_eq!(restarted, Some(10_000));
    assert!(rejoined.is_some_and(|t| t > 10_000), "{rejoined:?}");
    assert!(sim.partition(tp).isr.contains(&follower));
}

/// `ReplicaFetcherThread.processPartitionData` and `UnifiedLog.maybeIncrementLogStartOffset`:
/// a follower takes the leader's log start offset from every fetch response, whatever
/// its own retention task has done; the segments below it go at its next retention run.
#[test]
fn a_follower_takes_the_leaders_log_start_offset_from_each_fetch() {
    let mut config = cluster(2, 1, 2, 1);
    config.topics[0].log.segment_bytes = 4_096;
    config.topics[0].log.retention_bytes = 8_192;
    config.broker.log_retention_check_interval_ms = 5_000;
    config.workload.rate = 200;
    let mut sim = Sim::new(config, 17).unwrap();
    let (tp, leader, follower) = leader_and_follower(&sim);
    // The follower restarts at 21 s and registers at 29 s: its own retention task first
    // runs 30 s after that, at 59 s; the leader's ran at 30, 35, 40 and 45 s.
    sim.apply(ms(20_000), Command::CrashBroker(follower))
        .unwrap();
    sim.apply(ms(21_000), Command::RestartBroker(follower))
        .unwrap();
    run(&mut sim, 46_000);
    let start = |sim: &Sim, b: BrokerId| sim.brokers()[&b].replicas[&tp].log.log_start_offset();
    let taken = start(&sim, leader);
    assert!(taken > Offset(0));
    assert_eq!(start(&sim, follower), taken);
    // The follower's own retention, at 59 s, then drops the segments below it.
    let first = |sim: &Sim| sim.brokers()[&follower].replicas[&tp].log.segments()[0].base_offset;
    assert!(first(&sim) < taken);
    run(&mut sim, 60_000);
    assert!(first(&sim) >= taken);
}

/// A log of one-batch segments (every append rolls) for the cleaner's tests.
fn keyed_log(delete_retention_ms: i64) -> log::Log {
    let config = log::LogConfig {
        segment_bytes: 150,
        cleanup_policy: log::CleanupPolicy::Compact,
        delete_retention_ms,
        ..Default::default()
    };
    log::Log::new(config, 0)
}

/// Appends one record of `key` (a tombstone if `tombstone`) at the log end, at `now_ms`.
fn append_keyed(log: &mut log::Log, key: &str, tombstone: bool, now_ms: i64) -> RecordId {
    let offset = log.log_end_offset();
    let id = RecordId(offset.0 as u64);
    let records: std::rc::Rc<[log::StoredRecord]> = std::rc::Rc::from(vec![log::StoredRecord {
        id,
        offset_delta: 0,
        key: Some(std::rc::Rc::from(key.as_bytes())),
        value_len: (!tombstone).then_some(100 - 61 - 9 - key.len() as u32),
        headers: None,
        timestamp_ms: now_ms,
    }]);
    log.append(
        log::StoredBatch {
            compression: kscope_core::record::CompressionType::None,
            base_offset: offset,
            last_offset_delta: 0,
            size_bytes: 100,
            max_timestamp_ms: now_ms,
            leader_epoch: LeaderEpoch(0),
            batch_id: BatchId(offset.0 as u64),
            producer_id: -1,
            producer_epoch: -1,
            base_sequence: -1,
            transactional: false,
            marker: None,
            delete_horizon_ms: None,
            records,
        },
        now_ms,
    );
    id
}

fn holds(log: &log::Log, id: RecordId) -> bool {
    log.batches().any(|b| b.records.iter().any(|r| r.id == id))
}

/// Cleans the log as the broker's cleaner would, whatever its dirty ratio, with
/// everything stable.
fn clean_all(log: &mut log::Log, now_ms: i64) -> log::CleanupOutcome {
    let to_clean = log.to_clean(now_ms, log.log_end_offset()).unwrap();
    log.clean(&to_clean, now_ms)
}

/// `LogCleanerManager.cleanableOffsets`: the cleaner never reads past the active
/// segment's base offset nor past the last stable offset (the high watermark without
/// transactions), so a newer value there does not remove an older one yet.
#[test]
fn compaction_ends_before_the_active_segment_and_the_last_stable_offset() {
    let mut log = keyed_log(86_400_000);
    let a0 = append_keyed(&mut log, "A", false, 0);
    append_keyed(&mut log, "B", false, 0);
    append_keyed(&mut log, "A", false, 0);
    assert_eq!(log.segments().len(), 3, "one batch per segment");
    // A@2 is in the active segment.
    clean_all(&mut log, 1_000);
    assert!(holds(&log, a0), "the active segment is not cleanable");
    // A@2 is now closed but above the last stable offset 2.
    append_keyed(&mut log, "C", false, 0);
    let c = log.to_clean(1_000, Offset(2)).unwrap();
    assert_eq!(c.first_uncleanable_offset, Offset(2));
    log.clean(&c, 1_000);
    assert!(
        holds(&log, a0),
        "nothing at or above the last stable offset is mapped"
    );
    clean_all(&mut log, 1_000);
    assert!(!holds(&log, a0), "A@2 is cleanable now and supersedes A@0");
}

/// KIP-534 (`Cleaner.shouldRetainRecord`, `MemoryRecords.filterTo`): a tombstone
/// survives the cleaning that first keeps it, which stamps its batch with a delete
/// horizon `delete.retention.ms` later; the first cleaning after the horizon removes it.
#[test]
fn tombstones_go_once_delete_retention_ms_has_passed() {
    let mut log = keyed_log(10_000);
    let a = append_keyed(&mut log, "A", false, 0);
    let tombstone = append_keyed(&mut log, "A", true, 0);
    append_keyed(&mut log, "B", false, 0);
    append_keyed(&mut log, "C", false, 0);
    clean_all(&mut log, 1_000);
    assert!(!holds(&log, a));
    assert!(holds(&log, tombstone), "kept by the first cleaning");
    let horizon = log
        .batches()
        .find(|b| b.records.iter().any(|r| r.id == tombstone))
        .and_then(|b| b.delete_horizon_ms);
    assert_eq!(horizon, Some(11_000));
    append_keyed(&mut log, "D", false, 5_000);
    clean_all(&mut log, 5_000);
    assert!(holds(&log, tombstone), "before the horizon");
    append_keyed(&mut log, "E", false, 12_000);
    clean_all(&mut log, 12_000);
    assert!(!holds(&log, tombstone), "after the horizon");
}

/// `LogCleanerManager.grabFilthiestCompactedLog` and `LogToClean`: a log is cleaned only
/// while its dirty bytes are more than `min.cleanable.dirty.ratio` (0.5) of its clean
/// and dirty bytes together; the cleaning moves the cleaner's checkpoint to the end of
/// what it mapped, and merges the small cleaned segments that fit in one
/// (`groupSegmentsBySize`).
#[test]
fn the_cleaner_waits_for_the_dirty_ratio_and_merges_small_segments() {
    let mut log = keyed_log(86_400_000);
    for key in ["A", "B", "A", "B", "C"] {
        append_keyed(&mut log, key, false, 0);
    }
    let ratio = log.config.min_cleanable_dirty_ratio_permille;
    let first = log.to_clean(1_000, log.log_end_offset()).unwrap();
    assert_eq!(first.clean_bytes, 0);
    assert!(first.is_cleanable(ratio));
    let outcome = log.clean(&first, 1_000);
    assert_eq!(outcome.records_deleted.len(), 2, "A@0 and B@1");
    let sizes = |log: &log::Log| {
        log.segments()
            .iter()
            .map(|s| s.size_bytes)
            .collect::<Vec<_>>()
    };
    // Groups are made by the sizes before cleaning, so nothing merges yet.
    assert_eq!(sizes(&log), vec![0, 0, 100, 100, 100]);
    append_keyed(&mut log, "D", false, 0);
    let c = log.to_clean(1_000, log.log_end_offset()).unwrap();
    assert_eq!(c.first_dirty_offset, Offset(4));
    assert_eq!((c.clean_bytes, c.cleanable_bytes), (200, 100));
    assert!(!c.is_cleanable(ratio), "100 of 300 bytes dirty");
    append_keyed(&mut log, "E", false, 0);
    append_keyed(&mut log, "F", false, 0);
    let c = log.to_clean(1_000, log.log_end_offset()).unwrap();
    assert_eq!((c.clean_bytes, c.cleanable_bytes), (200, 300));
    assert!(c.is_cleanable(ratio), "300 of 500 bytes dirty");
    log.clean(&c, 1_000);
    let bases = log
        .segments()
        .iter()
        .map(|s| s.base_offset.0)
        .collect::<Vec<_>>();
    assert_eq!(
        bases,
        vec![0, 3, 4, 5, 6, 7],
        "0 + 0 + 100 bytes fit in one segment"
    );
}

/// The group's coordinator, found through the group's name.
fn coordinator(sim: &Sim) -> BrokerId {
    sim.group("orders-app").expect("the group exists").0
}

/// What the coordinator answered to `consumer`'s heartbeats until `until`, with when.
fn heartbeat_answers(
    sim: &mut Sim,
    consumer: ConsumerId,
    until: u64,
) -> (Vec<(u64, Option<KafkaError>)>, Vec<TimedEvent>) {
    let mut seen = std::collections::BTreeSet::new();
    let mut answers = Vec::new();
    let mut events = Vec::new();
    while sim.poll_at().is_some_and(|at| at <= ms(until)) {
        sim.step_one();
        events.extend(sim.drain_events());
        for m in sim.messages_in_flight() {
            if let Payload::HeartbeatResponse { error, .. } = &m.payload {
                if m.to == NodeId::Consumer(consumer) && seen.insert(m.id) {
                    answers.push((m.sent_at.millis(), *error));
                }
            }
        }
    }
    (answers, events)
}

/// `GroupMetadataManager.validateClassicGroupHeartbeat`: a heartbeat of an older
/// generation is answered `ILLEGAL_GENERATION` before the group's state is looked at, so
/// during a rebalance it does not get `REBALANCE_IN_PROGRESS`; and the member, already in
/// a later generation, ignores that answer (`AbstractCoordinator`'s
/// `generationUnchanged`) instead of dropping out of the group.
#[test]
fn a_heartbeat_of_an_old_generation_is_an_illegal_generation_before_anything_else() {
    let mut config = cluster(3, 3, 3, 1);
    config.consumers = 2;
    config.consumer.max_poll_interval_ms = 60_000;
    let mut sim = Sim::new(config, 15).unwrap();
    run(&mut sim, 10_000);
    let coord = coordinator(&sim);
    // c1's next heartbeat (of generation 1) reaches the coordinator 20 s late.
    sim.apply(
        ms(10_000),
        Command::DelayNext {
            from: NodeId::Consumer(ConsumerId(1)),
            to: NodeId::Broker(coord),
            kind: Some(MessageKind::HeartbeatRequest),
            by: Duration::from_millis(20_000),
        },
    )
    .unwrap();
    // c1, the leader, sees new partitions and rejoins: generation 2.
    sim.apply(
        ms(12_500),
        Command::AddPartitions {
            topic: TopicId(0),
            partitions: 6,
        },
    )
    .unwrap();
    run(&mut sim, 20_000);
    assert_eq!(sim.group("orders-app").unwrap().1.generation, 2);
    // c0 stops polling and c2 joins: generation 3's join phase waits for c0.
    sim.apply(
        ms(20_000),
        Command::PauseConsumer {
            consumer: ConsumerId(0),
            paused: true,
        },
    )
    .unwrap();
    sim.apply(ms(25_000), Command::AddConsumer).unwrap();
    let (answers, events) = heartbeat_answers(&mut sim, ConsumerId(1), 90_000);
    // Meanwhile c1 heartbeats in generation 2 as usual (a heartbeat unanswered does not
    // hold back the next): those are told the group rebalances.
    assert_eq!(
        answers.first(),
        Some(&(27_001, Some(KafkaError::RebalanceInProgress))),
        "{answers:?}"
    );
    // The late one, of generation 1, is an illegal generation though the group rebalances.
    assert!(
        answers.contains(&(32_001, Some(KafkaError::IllegalGeneration))),
        "{answers:?}"
    );
    let generations: Vec<(i32, Vec<ConsumerId>)> = events
        .iter()
        .filter_map(|e| match &e.event {
            Event::GenerationStarted {
                generation,
                members,
                ..
            } => Some((*generation, members.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(generations, vec![(3, vec![ConsumerId(1), ConsumerId(2)])]);
}

/// The group's generation-starting events: (generation, members).
fn generations(events: &[TimedEvent]) -> Vec<(u64, i32, Vec<ConsumerId>)> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            Event::GenerationStarted {
                generation,
                members,
                ..
            } => Some((e.at.millis(), *generation, members.clone())),
            _ => None,
        })
        .collect()
}

/// `GroupMetadataManager.classicGroupJoinExistingMember`: a member that rejoins while the
/// group awaits its SyncGroups, with the metadata it joined with (it lost the JoinGroup
/// response), gets the current generation back, the members too if it leads; no new
/// rebalance starts.
#[test]
fn a_rejoin_with_unchanged_metadata_while_completing_gets_the_current_generation() {
    let mut config = cluster(3, 3, 3, 1);
    config.consumers = 2;
    config.consumer.max_poll_interval_ms = 20_000;
    let mut sim = Sim::new(config, 16).unwrap();
    run(&mut sim, 9_000);
    let coord = coordinator(&sim);
    // c0 stops polling, so the join phase lasts until it leaves; c1, the leader, never
    // gets its JoinGroup response and rejoins when its request times out.
    sim.apply(
        ms(9_000),
        Command::PauseConsumer {
            consumer: ConsumerId(0),
            paused: true,
        },
    )
    .unwrap();
    sim.apply(
        ms(10_000),
        Command::DropNext {
            from: NodeId::Broker(coord),
            to: NodeId::Consumer(ConsumerId(1)),
            kind: Some(MessageKind::JoinGroupResponse),
        },
    )
    .unwrap();
    sim.apply(ms(10_000), Command::AddConsumer).unwrap();
    let events = run(&mut sim, 90_000);
    assert_eq!(
        generations(&events),
        vec![(30_001, 2, vec![ConsumerId(1), ConsumerId(2)])]
    );
    let (_, g) = sim.group("orders-app").unwrap();
    assert_eq!(g.state, group::GroupState::Stable);
    assert!(g.members.iter().all(|m| !m.assignment.is_empty()));
}

/// `GroupMetadataManager.schedulePendingSync` and `expirePendingSync`: members have the
/// rebalance timeout after the join phase to send SyncGroup; those that have not are
/// removed and the group rebalances without them.
#[test]
fn members_that_send_no_sync_group_within_the_rebalance_timeout_are_removed() {
    let mut config = cluster(3, 3, 3, 1);
    config.consumers = 2;
    config.consumer.max_poll_interval_ms = 10_000;
    let mut sim = Sim::new(config, 17).unwrap();
    run(&mut sim, 10_000);
    let coord = coordinator(&sim);
    sim.apply(ms(10_000), Command::AddConsumer).unwrap();
    sim.apply(
        ms(10_000),
        Command::DropNext {
            from: NodeId::Consumer(ConsumerId(2)),
            to: NodeId::Broker(coord),
            kind: Some(MessageKind::SyncGroupRequest),
        },
    )
    .unwrap();
    let events = run(&mut sim, 30_000);
    let (formed, generation, _) = generations(&events)[0].clone();
    assert_eq!(generation, 2);
    let removed: Vec<(u64, Option<ConsumerId>, event::LeaveReason)> = events
        .iter()
        .filter_map(|e| match e.event {
            Event::MemberRemoved {
                consumer, reason, ..
            } => Some((e.at.millis(), consumer, reason)),
            _ => None,
        })
        .collect();
    assert_eq!(
        removed,
        vec![(
            formed + 10_000,
            Some(ConsumerId(2)),
            event::LeaveReason::SyncTimeout
        )]
    );
}

/// `Sender.completeBatch` and `RecordAccumulator.splitAndReenqueue`: a batch of several
/// records refused with `MESSAGE_TOO_LARGE` is split by `batch.size` with the compression
/// estimate reset to 1.0, and the parts are delivered. With gzip and a `batch.size` above
/// the broker's `message.max.bytes`, the estimate learns the real ratio, fills batches
/// past the limit, and each such batch is rescued by a split instead of failing.
#[test]
fn a_batch_too_large_for_the_broker_is_split_and_sent_again() {
    let mut config = cluster(1, 1, 1, 1);
    config.producer.compression_type = record::CompressionType::Gzip;
    config.producer.batch_size = 65_536;
    config.producer.linger_ms = 1_000;
    config.broker.message_max_bytes = 32_768;
    config.workload.rate = 2_000;
    let mut sim = Sim::new(config, 18).unwrap();
    let events = run(&mut sim, 30_000);
    let splits = instants(&events, |e| matches!(e, Event::BatchSplit { .. }));
    assert!(!splits.is_empty(), "some batch outgrew message.max.bytes");
    let failed = instants(&events, |e| matches!(e, Event::RecordsFailed { .. }));
    assert_eq!(failed, Vec::<u64>::new(), "no batch failed");
    assert!(sim.ledger().acknowledged() > 40_000);
}

/// `ReplicaManager.readFromLog`: `fetch.max.bytes` bounds a whole fetch response; only the
/// first partition that yields data may exceed it, with one batch (`minOneMessage`), so a
/// consumer behind on two partitions gets one batch per response at `fetch.max.bytes=1`,
/// not one per partition.
#[test]
fn fetch_max_bytes_bounds_the_whole_response_after_its_first_batch() {
    let mut config = cluster(1, 2, 1, 1);
    config.workload.rate = 500;
    config.consumer.auto_offset_reset = config::OffsetReset::Earliest;
    config.consumer.fetch_max_bytes = 1;
    config.broker.offsets_topic_replication_factor = 1;
    let mut sim = Sim::new(config, 20).unwrap();
    run(&mut sim, 5_000);
    sim.apply(ms(5_000), Command::AddConsumer).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    let mut most = 0;
    let mut responses = 0;
    while sim.poll_at().is_some_and(|at| at <= ms(15_000)) {
        sim.step_one();
        for m in sim.messages_in_flight() {
            if let Payload::FetchResponse { partitions, .. } = &m.payload {
                if matches!(m.to, NodeId::Consumer(_)) && seen.insert(m.id) {
                    let batches: usize = partitions.iter().map(|p| p.batches.len()).sum();
                    most = most.max(batches);
                    responses += usize::from(batches > 0);
                }
            }
        }
    }
    assert!(
        responses > 10,
        "the consumer fetched data {responses} times"
    );
    assert_eq!(most, 1, "one batch per response");
}

/// `DelayedFetch.tryComplete`: with `fetch.min.bytes` above what has arrived, the leader
/// holds a consumer's fetch until that many bytes can be read or `fetch.max.wait.ms`
/// passes; with a trickle of records every answer waits the full 500 ms.
#[test]
fn fetch_min_bytes_holds_the_fetch_until_enough_data_or_the_wait() {
    let mut config = cluster(3, 1, 3, 1);
    config.workload.rate = 20;
    config.consumer.fetch_min_bytes = 1_000_000;
    let mut sim = Sim::new(config, 21).unwrap();
    run(&mut sim, 2_000);
    sim.apply(ms(2_000), Command::AddConsumer).unwrap();
    let mut sent: std::collections::BTreeMap<MessageId, u64> = Default::default();
    let mut waits = Vec::new();
    while sim.poll_at().is_some_and(|at| at <= ms(20_000)) {
        sim.step_one();
        for m in sim.messages_in_flight() {
            match &m.payload {
                Payload::FetchRequest { .. } if matches!(m.from, NodeId::Consumer(_)) => {
                    sent.entry(m.id).or_insert(m.sent_at.millis());
                }
                Payload::FetchResponse {
                    request,
                    partitions,
                } if matches!(m.to, NodeId::Consumer(_))
                    && partitions.iter().any(|p| !p.batches.is_empty()) =>
                {
                    if let Some(at) = sent.remove(request) {
                        waits.push(m.sent_at.millis() - at);
                    }
                }
                _ => {}
            }
        }
    }
    assert!(waits.len() > 10, "{waits:?}");
    // Each waited the full fetch.max.wait.ms at the leader (plus the request's trip).
    assert!(waits.iter().all(|w| *w >= 500), "{waits:?}");
}

/// KIP-320 on the consumer (`SubscriptionState.maybeValidatePositionForCurrentLeader`,
/// `maybeCompleteValidation`): after a leader change the consumer asks the new leader
/// where its position's epoch ends (OffsetsForLeaderEpoch); an unclean election that
/// threw away records it had read puts its position past that end, and it goes back to
/// the diverging offset (not to `auto.offset.reset`'s earliest).
#[test]
fn a_consumer_detects_truncation_after_a_leader_change_and_seeks_to_the_divergence() {
    let mut config = cluster(3, 1, 2, 1);
    config.topics[0].unclean_leader_election_enable = true;
    config.producer.acks = config::Acks::Leader;
    config.producer.enable_idempotence = Some(false);
    config.workload.rate = 100;
    config.consumers = 1;
    config.consumer.auto_offset_reset = config::OffsetReset::Earliest;
    let mut sim = Sim::new(config, 22).unwrap();
    run(&mut sim, 2_000);
    let (tp, leader, follower) = leader_and_follower(&sim);
    // The follower falls behind and out of the ISR; the leader alone moves the high
    // watermark and the consumer reads on.
    sim.apply(
        ms(2_000),
        Command::CutLink(NodeId::Broker(leader), NodeId::Broker(follower)),
    )
    .unwrap();
    run(&mut sim, 50_000);
    assert_eq!(sim.partition(tp).isr, vec![leader]);
    let follower_end = sim.brokers()[&follower].replicas[&tp].log.log_end_offset();
    sim.apply(ms(50_000), Command::CrashBroker(leader)).unwrap();
    let events = run(&mut sim, 70_000);
    assert_eq!(sim.partition(tp).leader, Some(follower), "unclean election");
    let detected: Vec<(Offset, Offset)> = events
        .iter()
        .filter_map(|e| match e.event {
            Event::TruncationDetected {
                position,
                diverging_offset,
                ..
            } => Some((position, diverging_offset)),
            _ => None,
        })
        .collect();
    assert_eq!(detected.len(), 1, "{detected:?}");
    assert!(detected[0].0 > follower_end);
    assert_eq!(detected[0].1, follower_end);
    let reset_to_start = events.iter().any(|e| {
        matches!(
            e.event,
            Event::PositionSet {
                offset: Offset(0),
                ..
            }
        )
    });
    assert!(
        !reset_to_start,
        "the position did not go back to the log start"
    );
}

/// `UnifiedLog.updateHighWatermark` (from `ReplicaFetcherThread.processPartitionData`): a
/// follower takes its leader's high watermark as it is, so after a leader change it can
/// move down. Here the new leader missed the old leader's last high-watermark update, and
/// with two of three replicas in the ISR (below `min.insync.replicas=3`) its own cannot
/// advance; the other follower, which had the newer one, comes down to it.
#[test]
fn a_followers_high_watermark_follows_a_new_leaders_down() {
    let mut config = cluster(3, 1, 3, 3);
    config.workload.rate = 1000;
    let mut sim = Sim::new(config, 30).unwrap();
    let tp = TopicPartition::new(TopicId(0), 0);
    let old = sim.partition(tp).leader.unwrap();
    // The lowest follower is elected next; the other keeps up to date.
    let next = *sim
        .partition(tp)
        .replicas
        .iter()
        .filter(|b| **b != old)
        .min()
        .unwrap();
    let other = *sim
        .partition(tp)
        .replicas
        .iter()
        .find(|b| **b != old && **b != next)
        .unwrap();
    run(&mut sim, 4_900);
    sim.apply(
        ms(4_900),
        Command::DropNext {
            from: NodeId::Broker(old),
            to: NodeId::Broker(next),
            kind: Some(MessageKind::FetchResponse),
        },
    )
    .unwrap();
    run(&mut sim, 5_000);
    let hw = |sim: &Sim, b: BrokerId| sim.brokers()[&b].replicas[&tp].high_watermark;
    let before = hw(&sim, other);
    assert!(hw(&sim, next) < before, "the next leader missed an update");
    sim.apply(ms(5_000), Command::CrashBroker(old)).unwrap();
    run(&mut sim, 20_000);
    assert_eq!(sim.partition(tp).leader, Some(next));
    assert_eq!(hw(&sim, other), hw(&sim, next));
    assert!(hw(&sim, other) < before);
}

/// A replica that led an epoch without appending to it (an empty partition, say) and
/// then became a follower: the new leader finds its epoch diverging and it truncates to
/// its own log end. Kafka's `UnifiedLog.truncateTo` drops the epoch entry that starts
/// there even though no record goes; a replica that kept it would diverge at every
/// fetch and never rejoin the ISR.
#[test]
fn truncating_to_the_log_end_drops_an_epoch_that_starts_there() {
    use kscope_core::ids::LeaderEpoch;
    use kscope_core::log::{Log, LogConfig};
    let mut log = Log::new(LogConfig::default(), 0);
    log.assign_epoch_start(LeaderEpoch(0));
    assert_eq!(log.latest_epoch(), Some(LeaderEpoch(0)));
    assert!(log.truncate_to(log.log_end_offset()).is_empty());
    assert_eq!(log.latest_epoch(), None);
}
