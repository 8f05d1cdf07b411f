//! Scenario tests that read like traces: a configuration, a few commands at given
//! instants, and what Kafka would show. Every step is checked against the invariants.

use kscope_core::event::{ElectionKind, Event, KafkaError, LossCause, MessageKind};
use kscope_core::log::CleanupPolicy;
use kscope_core::producer::ProduceRecord;
use kscope_core::*;
use kscope_tests::*;

fn tp0() -> TopicPartition {
    TopicPartition::new(TopicId(0), 0)
}

fn leader(sim: &Sim, tp: TopicPartition) -> BrokerId {
    sim.partition(tp)
        .leader
        .expect("the partition has a leader")
}

fn record(partition: u32, key: Option<&str>) -> Command {
    Command::Produce(ProduceRecord {
        topic: TopicId(0),
        partition: Some(partition),
        key: key.map(|k| k.as_bytes().into()),
        value_len: Some(100),
        headers: vec![],
        timestamp_ms: None,
    })
}

/// Drops the next produce response broker `b` sends to the producer.
fn drop_next_response_from(b: BrokerId) -> Command {
    Command::DropNext {
        from: NodeId::Broker(b),
        to: NodeId::PRODUCER,
        kind: Some(MessageKind::ProduceResponse),
    }
}

/// Drops the next produce request the producer sends to broker `b`.
fn drop_next_request_to(b: BrokerId) -> Command {
    Command::DropNext {
        from: NodeId::PRODUCER,
        to: NodeId::Broker(b),
        kind: Some(MessageKind::ProduceRequest),
    }
}

/// Cuts the links between `b` and every other broker.
fn isolate_from_brokers(sim: &mut Sim, at: Instant, b: BrokerId) {
    let others: Vec<BrokerId> = sim.brokers().keys().copied().filter(|o| *o != b).collect();
    for o in others {
        sim.apply(at, Command::CutLink(NodeId::Broker(b), NodeId::Broker(o)))
            .unwrap();
    }
}

fn run(sim: &mut Sim, until: u64, trace: &mut Vec<TimedEvent>) {
    trace.extend(run_checked(sim, ms(until)));
}

fn losses(trace: &[TimedEvent]) -> Vec<(usize, LossCause)> {
    trace
        .iter()
        .filter_map(|e| match &e.event {
            Event::RecordsLost { records, cause, .. } => Some((records.len(), *cause)),
            _ => None,
        })
        .collect()
}

#[test]
fn acks_1_loses_acknowledged_records_when_the_leader_dies_before_replicating() {
    let mut config = cluster(3, 1, 3, 1);
    config.producer.acks = Acks::Leader;
    let mut sim = Sim::new(config, 11).unwrap();
    let mut trace = Vec::new();
    let old = leader(&sim, tp0());
    // The leader keeps talking to the producer but no follower can fetch from it.
    isolate_from_brokers(&mut sim, ms(100), old);
    for i in 0..10 {
        sim.apply(ms(200 + i), record(0, None)).unwrap();
    }
    run(&mut sim, 400, &mut trace);
    assert_eq!(
        sim.ledger().counts().acknowledged,
        10,
        "acks=1 answers after the leader's append"
    );
    sim.apply(ms(400), Command::CrashBroker(old)).unwrap();
    // broker.session.timeout.ms later the controller fences it and elects from the ISR.
    run(&mut sim, 9_000, &mut trace);
    assert_eq!(
        leader(&sim, tp0()),
        old,
        "not fenced before broker.session.timeout.ms"
    );
    run(&mut sim, 9_500, &mut trace);
    let new = leader(&sim, tp0());
    assert_ne!(new, old);
    assert_eq!(sim.ledger().counts().lost, 10);
    let lost = losses(&trace);
    assert_eq!(lost.len(), 1);
    assert!(matches!(
        lost[0].1,
        LossCause::LeaderElection { kind: ElectionKind::Clean, leader, .. } if leader == new
    ));
    // The old leader comes back, truncates what the new leader never had (KIP-101) and
    // follows again.
    for o in sim.brokers().keys().copied().collect::<Vec<_>>() {
        if o != old {
            sim.apply(
                ms(9_500),
                Command::HealLink(NodeId::Broker(old), NodeId::Broker(o)),
            )
            .unwrap();
        }
    }
    sim.apply(ms(10_000), Command::RestartBroker(old)).unwrap();
    run(&mut sim, 12_000, &mut trace);
    let truncated: u32 = trace
        .iter()
        .filter_map(|e| match e.event {
            Event::LogTruncated {
                broker,
                records_removed,
                ..
            } if broker == old => Some(records_removed),
            _ => None,
        })
        .sum();
    assert_eq!(truncated, 10);
    let leo = |b: BrokerId| sim.brokers()[&b].replicas[&tp0()].log.log_end_offset();
    assert_eq!(leo(old), leo(new));
}

#[test]
fn acks_all_with_min_insync_2_loses_nothing_under_clean_elections() {
    let mut config = cluster(3, 3, 3, 2);
    config.workload.rate = 500;
    let mut sim = Sim::new(config, 12).unwrap();
    let mut trace = Vec::new();
    run(&mut sim, 2_000, &mut trace);
    let first = leader(&sim, tp0());
    sim.apply(ms(2_000), Command::CrashBroker(first)).unwrap();
    run(&mut sim, 20_000, &mut trace);
    sim.apply(ms(20_000), Command::RestartBroker(first))
        .unwrap();
    run(&mut sim, 25_000, &mut trace);
    let second = leader(&sim, tp0());
    sim.apply(ms(25_000), Command::CrashBroker(second)).unwrap();
    run(&mut sim, 60_000, &mut trace);
    let c = sim.ledger().counts();
    assert!(c.acknowledged > 20_000, "{c:?}");
    assert_eq!(c.lost, 0);
    assert_eq!(sim.unclean_elections(), 0);
    assert!(trace.iter().any(|e| matches!(
        e.event,
        Event::LeaderElected {
            kind: ElectionKind::Clean,
            ..
        }
    )));
}

#[test]
fn acks_all_does_not_acknowledge_what_followers_cannot_copy() {
    let mut config = cluster(3, 1, 3, 2);
    config.producer.acks = Acks::All;
    let mut sim = Sim::new(config, 13).unwrap();
    let mut trace = Vec::new();
    let old = leader(&sim, tp0());
    isolate_from_brokers(&mut sim, ms(100), old);
    for i in 0..10 {
        sim.apply(ms(200 + i), record(0, None)).unwrap();
    }
    run(&mut sim, 5_000, &mut trace);
    assert_eq!(
        sim.ledger().counts().acknowledged,
        0,
        "the high watermark cannot pass the batch"
    );
    sim.apply(ms(5_000), Command::CrashBroker(old)).unwrap();
    run(&mut sim, 15_000, &mut trace);
    assert_ne!(leader(&sim, tp0()), old);
    assert_eq!(
        sim.ledger().counts().lost,
        0,
        "nothing acknowledged, nothing lost"
    );
}

#[test]
fn not_enough_replicas_when_the_isr_is_below_min_insync_replicas() {
    let mut config = cluster(3, 1, 3, 2);
    config.producer.delivery_timeout_ms = 40_000;
    let mut sim = Sim::new(config, 14).unwrap();
    let mut trace = Vec::new();
    let l = leader(&sim, tp0());
    for b in sim
        .brokers()
        .keys()
        .copied()
        .filter(|b| *b != l)
        .collect::<Vec<_>>()
    {
        sim.apply(ms(100), Command::CrashBroker(b)).unwrap();
    }
    run(&mut sim, 10_000, &mut trace);
    assert_eq!(
        sim.partition(tp0()).isr,
        vec![l],
        "fenced followers leave the ISR"
    );
    sim.apply(ms(10_000), record(0, None)).unwrap();
    run(&mut sim, 60_000, &mut trace);
    assert!(trace.iter().any(|e| matches!(
        e.event,
        Event::ProduceRejected {
            error: KafkaError::NotEnoughReplicas,
            ..
        }
    )));
    assert!(trace.iter().any(|e| matches!(
        e.event,
        Event::BatchRetried {
            error: KafkaError::NotEnoughReplicas,
            ..
        }
    )));
    let c = sim.ledger().counts();
    assert_eq!(
        (c.acknowledged, c.failed, c.lost),
        (0, 1, 0),
        "retried until delivery.timeout.ms"
    );
}

#[test]
fn unclean_election_loses_acknowledged_records_and_the_ledger_names_it() {
    let mut config = cluster(3, 1, 3, 1);
    config.topics[0].unclean_leader_election_enable = true;
    let mut sim = Sim::new(config, 15).unwrap();
    let mut trace = Vec::new();
    let old = leader(&sim, tp0());
    isolate_from_brokers(&mut sim, ms(100), old);
    // A record the followers cannot copy puts them behind; replica.lag.time.max.ms
    // (30 s) later the leader's ISR check drops them (`Replica.isCaughtUp`).
    sim.apply(ms(200), record(0, None)).unwrap();
    run(&mut sim, 46_000, &mut trace);
    assert_eq!(sim.partition(tp0()).isr, vec![old]);
    for i in 0..10 {
        sim.apply(ms(46_000 + i), record(0, None)).unwrap();
    }
    run(&mut sim, 46_100, &mut trace);
    assert_eq!(
        sim.ledger().counts().acknowledged,
        11,
        "acks=all is satisfied by an ISR of one"
    );
    sim.apply(ms(46_100), Command::CrashBroker(old)).unwrap();
    run(&mut sim, 60_000, &mut trace);
    assert_eq!(sim.unclean_elections(), 1);
    assert_eq!(sim.ledger().counts().lost, 11);
    let lost = losses(&trace);
    assert!(matches!(
        lost[0].1,
        LossCause::LeaderElection {
            kind: ElectionKind::Unclean,
            ..
        }
    ));
}

/// KIP-360: after an unclean election the new leader lacks the producer's latest
/// sequences, so its retried batch is out of order; the idempotent producer bumps its
/// epoch, restarts that partition's batches (the retried one included) at sequence 0,
/// and goes on, as `TransactionManager.startSequencesAtBeginning` does.
#[test]
fn after_an_unclean_election_the_idempotent_producer_bumps_its_epoch_and_goes_on() {
    let mut config = cluster(3, 1, 3, 1);
    config.topics[0].unclean_leader_election_enable = true;
    config.workload.rate = 100;
    let mut sim = Sim::new(config, 15).unwrap();
    assert!(sim.producer().idempotent);
    let mut trace = Vec::new();
    let old = leader(&sim, tp0());
    isolate_from_brokers(&mut sim, ms(100), old);
    run(&mut sim, 50_000, &mut trace);
    sim.apply(ms(50_000), Command::CrashBroker(old)).unwrap();
    run(&mut sim, 70_000, &mut trace);
    assert_eq!(sim.unclean_elections(), 1);
    let bumps = trace
        .iter()
        .filter(|e| matches!(e.event, Event::ProducerIdAssigned { bumped: true, .. }))
        .count();
    assert_eq!(bumps, 1, "one bump resolves the partition's sequences");
    let acked = sim.ledger().counts().acknowledged;
    run(&mut sim, 75_000, &mut trace);
    assert!(
        sim.ledger().counts().acknowledged >= acked + 400,
        "the producer goes on after the bump"
    );
}

#[test]
fn without_unclean_election_the_partition_waits_offline_for_its_last_isr_member() {
    let config = cluster(3, 1, 3, 1);
    let mut sim = Sim::new(config, 15).unwrap();
    let mut trace = Vec::new();
    let old = leader(&sim, tp0());
    isolate_from_brokers(&mut sim, ms(100), old);
    // A record the followers cannot copy: they fall behind and leave the ISR.
    sim.apply(ms(200), record(0, None)).unwrap();
    run(&mut sim, 46_000, &mut trace);
    for i in 0..10 {
        sim.apply(ms(46_000 + i), record(0, None)).unwrap();
    }
    run(&mut sim, 46_100, &mut trace);
    sim.apply(ms(46_100), Command::CrashBroker(old)).unwrap();
    run(&mut sim, 60_000, &mut trace);
    assert_eq!(sim.partition(tp0()).leader, None);
    assert!(trace
        .iter()
        .any(|e| matches!(e.event, Event::PartitionOffline { .. })));
    sim.apply(ms(60_000), Command::RestartBroker(old)).unwrap();
    run(&mut sim, 61_000, &mut trace);
    assert_eq!(leader(&sim, tp0()), old, "the last ISR member leads again");
    assert_eq!(sim.ledger().counts().lost, 0);
}

/// Drops the leader's first produce response; the producer retries after
/// `request.timeout.ms`. Returns the trace, the ledger counts and the leader's log end.
fn lost_response(idempotence: bool) -> (Vec<TimedEvent>, ledger::LedgerCounts, Offset) {
    let mut config = cluster(3, 1, 3, 2);
    config.producer.enable_idempotence = Some(idempotence);
    config.producer.request_timeout_ms = 5_000;
    config.producer.delivery_timeout_ms = 30_000;
    let mut sim = Sim::new(config, 16).unwrap();
    let mut trace = Vec::new();
    let l = leader(&sim, tp0());
    sim.apply(ms(10), drop_next_response_from(l)).unwrap();
    sim.apply(ms(10), record(0, Some("k"))).unwrap();
    run(&mut sim, 10_000, &mut trace);
    assert!(trace
        .iter()
        .any(|e| matches!(e.event, Event::RequestTimedOut { .. })));
    let leo = sim.brokers()[&l].replicas[&tp0()].log.log_end_offset();
    (trace, sim.ledger().counts(), leo)
}

#[test]
fn a_lost_response_without_idempotence_duplicates_the_batch() {
    let (_, c, leo) = lost_response(false);
    assert_eq!((c.acknowledged, c.duplicated), (1, 1));
    assert_eq!(leo, Offset(2), "the record is in the log twice");
}

#[test]
fn a_lost_response_with_idempotence_is_recognised_as_a_duplicate() {
    let (trace, c, leo) = lost_response(true);
    assert_eq!((c.acknowledged, c.duplicated), (1, 0));
    assert_eq!(leo, Offset(1));
    let dup = trace.iter().find_map(|e| match e.event {
        Event::DuplicateBatch {
            base_sequence,
            base_offset,
            ..
        } => Some((base_sequence, base_offset)),
        _ => None,
    });
    assert_eq!(
        dup,
        Some((0, Offset(0))),
        "answered with the original offset"
    );
    assert!(trace.iter().any(|e| matches!(
        e.event,
        Event::BatchDrained {
            base_sequence: Some(0),
            attempt: 2,
            ..
        }
    )));
}

/// Sends a first record, then drops the request carrying the second; the third travels
/// in the next request and arrives first. Returns the trace, the ledger counts and the
/// records at offsets 0, 1 and 2.
fn dropped_request(
    idempotence: Option<bool>,
    in_flight: u32,
) -> (Vec<TimedEvent>, ledger::LedgerCounts, Vec<Option<RecordId>>) {
    let mut config = cluster(3, 1, 3, 1);
    config.producer.enable_idempotence = idempotence;
    config.producer.request_timeout_ms = 2_000;
    config.producer.max_in_flight_requests_per_connection = in_flight;
    let mut sim = Sim::new(config, 17).unwrap();
    let mut trace = Vec::new();
    let l = leader(&sim, tp0());
    sim.apply(ms(10), record(0, Some("k"))).unwrap();
    run(&mut sim, 100, &mut trace);
    sim.apply(ms(100), drop_next_request_to(l)).unwrap();
    sim.apply(ms(100), record(0, Some("k"))).unwrap();
    sim.apply(ms(110), record(0, Some("k"))).unwrap();
    run(&mut sim, 8_000, &mut trace);
    let log = &sim.brokers()[&l].replicas[&tp0()].log;
    let order = (0..3).map(|o| log.record_at(Offset(o))).collect();
    (trace, sim.ledger().counts(), order)
}

#[test]
fn retries_with_several_requests_in_flight_reorder_records() {
    let (_, c, order) = dropped_request(Some(false), 5);
    assert_eq!((c.acknowledged, c.reordered), (3, 1));
    assert_eq!(
        order,
        vec![Some(RecordId(0)), Some(RecordId(2)), Some(RecordId(1))],
        "the third send landed before the second"
    );
}

#[test]
fn idempotence_keeps_the_order_with_five_requests_in_flight() {
    let (trace, c, order) = dropped_request(None, 5);
    assert_eq!((c.acknowledged, c.reordered, c.duplicated), (3, 0, 0));
    assert_eq!(
        order,
        vec![Some(RecordId(0)), Some(RecordId(1)), Some(RecordId(2))]
    );
    assert!(
        trace.iter().any(|e| matches!(
            e.event,
            Event::ProduceRejected {
                error: KafkaError::OutOfOrderSequenceNumber,
                ..
            }
        )),
        "the leader refused the batch that came after the gap"
    );
}

#[test]
fn with_one_request_in_flight_a_retry_keeps_the_order() {
    let (_, c, order) = dropped_request(Some(false), 1);
    assert_eq!((c.acknowledged, c.reordered), (3, 0));
    assert_eq!(
        order,
        vec![Some(RecordId(0)), Some(RecordId(1)), Some(RecordId(2))]
    );
}

#[test]
fn the_first_batch_of_a_producer_can_be_overtaken_even_with_idempotence() {
    // Kafka accepts any sequence from a producer id it has no state for, so when the
    // very first request to a partition is lost and the next one arrives, the broker takes
    // it; the retried first batch is then out of order and retried until
    // delivery.timeout.ms. Its sequence is then unresolved, and resolved without an epoch
    // bump because the next sequence follows the last acknowledged one
    // (`TransactionManager.maybeResolveSequences`): the next batch goes with the same
    // epoch and sequence 2.
    let mut config = cluster(3, 1, 3, 1);
    config.producer.request_timeout_ms = 2_000;
    config.producer.delivery_timeout_ms = 10_000;
    let mut sim = Sim::new(config, 17).unwrap();
    let mut trace = Vec::new();
    let l = leader(&sim, tp0());
    sim.apply(ms(1), drop_next_request_to(l)).unwrap();
    sim.apply(ms(10), record(0, Some("k"))).unwrap();
    sim.apply(ms(20), record(0, Some("k"))).unwrap();
    run(&mut sim, 15_000, &mut trace);
    let c = sim.ledger().counts();
    assert_eq!((c.acknowledged, c.failed), (1, 1));
    assert!(!trace
        .iter()
        .any(|e| matches!(e.event, Event::ProducerIdAssigned { bumped: true, .. })));
    sim.apply(ms(15_000), record(0, Some("k"))).unwrap();
    run(&mut sim, 16_000, &mut trace);
    assert_eq!(sim.ledger().counts().acknowledged, 2);
    assert!(trace.iter().any(|e| matches!(
        e.event,
        Event::BatchDrained {
            base_sequence: Some(2),
            ..
        }
    )));
}

#[test]
fn a_new_leader_still_recognises_a_retried_batch() {
    let mut config = cluster(3, 1, 3, 2);
    config.producer.request_timeout_ms = 15_000;
    config.producer.delivery_timeout_ms = 60_000;
    let mut sim = Sim::new(config, 25).unwrap();
    let mut trace = Vec::new();
    let old = leader(&sim, tp0());
    sim.apply(ms(10), drop_next_response_from(old)).unwrap();
    sim.apply(ms(10), record(0, Some("k"))).unwrap();
    run(&mut sim, 500, &mut trace);
    // Replicated and committed, but the producer never heard so.
    sim.apply(ms(500), Command::CrashBroker(old)).unwrap();
    run(&mut sim, 30_000, &mut trace);
    let new = leader(&sim, tp0());
    assert_ne!(new, old);
    let c = sim.ledger().counts();
    assert_eq!((c.acknowledged, c.duplicated, c.lost), (1, 0, 0));
    assert!(trace
        .iter()
        .any(|e| matches!(e.event, Event::DuplicateBatch { broker, .. } if broker == new)));
}

/// KIP-679 made idempotence the default in 3.0, but 3.0.0 and 3.1.0 did not apply it
/// (KAFKA-13598): a client of those releases, or of 2.8, left to its defaults is not
/// idempotent even with acks=all; from 3.3 (and 3.2, 3.0.1, 3.1.1) it is. Set explicitly,
/// every release refuses idempotence with acks=1.
#[test]
fn the_default_idempotence_is_the_client_release_s() {
    use kscope_core::KafkaVersion::{self, *};
    let idempotent = |v: KafkaVersion, acks: Acks, explicit: Option<bool>| {
        let mut config = cluster(3, 1, 3, 1);
        config.producer.client_version = v;
        config.producer.acks = acks;
        config.producer.enable_idempotence = explicit;
        Sim::new(config, 1).map(|s| s.producer().idempotent)
    };
    assert_eq!(idempotent(V2_8, Acks::All, None), Ok(false));
    assert_eq!(idempotent(V3_0, Acks::All, None), Ok(false));
    assert_eq!(idempotent(V3_3, Acks::All, None), Ok(true));
    assert_eq!(idempotent(V4_0, Acks::All, None), Ok(true));
    assert_eq!(idempotent(V2_8, Acks::All, Some(true)), Ok(true));
    for v in KafkaVersion::ALL {
        assert_eq!(idempotent(v, Acks::Leader, None), Ok(false));
        assert!(idempotent(v, Acks::Leader, Some(true)).is_err(), "{v:?}");
    }
}

#[test]
fn enable_idempotence_set_explicitly_with_acks_1_is_refused_as_kafka_refuses_it() {
    let mut config = cluster(3, 1, 3, 1);
    config.producer.acks = Acks::Leader;
    config.producer.enable_idempotence = Some(true);
    let e = Sim::new(config.clone(), 1).unwrap_err();
    assert_eq!(
        e.message,
        "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence."
    );
    config.producer.enable_idempotence = None;
    let sim = Sim::new(config, 1).unwrap();
    assert!(
        !sim.producer().idempotent,
        "left to its default, idempotence is silently disabled"
    );
}

#[test]
fn acks_0_records_dropped_on_the_wire_are_lost_and_nobody_is_told() {
    let mut config = cluster(3, 1, 3, 1);
    config.producer.acks = Acks::None;
    let mut sim = Sim::new(config, 18).unwrap();
    let mut trace = Vec::new();
    let l = leader(&sim, tp0());
    sim.apply(ms(10), drop_next_request_to(l)).unwrap();
    sim.apply(ms(10), record(0, None)).unwrap();
    sim.apply(ms(20), record(0, None)).unwrap();
    run(&mut sim, 1_000, &mut trace);
    let c = sim.ledger().counts();
    assert_eq!((c.acknowledged, c.lost, c.failed), (2, 1, 0));
    assert!(!trace.iter().any(|e| matches!(
        e.event,
        Event::MessageSent {
            kind: MessageKind::ProduceResponse,
            ..
        }
    )));
}

#[test]
fn send_blocks_on_buffer_memory_then_fails_after_max_block_ms() {
    let mut config = cluster(3, 1, 3, 1);
    config.producer.buffer_memory = 16_384 * 3;
    config.producer.max_block_ms = 1_000;
    // Every record is drained at once into a batch of its own 16 KiB allocation.
    config.producer.linger_ms = 0;
    let mut sim = Sim::new(config, 19).unwrap();
    let mut trace = Vec::new();
    let l = leader(&sim, tp0());
    sim.apply(ms(1), Command::CutLink(NodeId::PRODUCER, NodeId::Broker(l)))
        .unwrap();
    // 300 records of ~170 bytes: about 95 fit a 16 KiB batch, so the fourth batch blocks.
    for i in 0..300 {
        sim.apply(ms(10 + i / 100), record(0, None)).unwrap();
    }
    run(&mut sim, 500, &mut trace);
    assert!(sim.producer().is_blocked());
    assert!(trace
        .iter()
        .any(|e| matches!(e.event, Event::ProducerBlocked)));
    run(&mut sim, 2_000, &mut trace);
    assert!(trace.iter().any(|e| matches!(
        e.event,
        Event::RecordsFailed {
            error: KafkaError::BufferExhaustedTimeout,
            ..
        }
    )));
}

#[test]
fn segments_roll_and_retention_deletes_whole_segments_on_every_replica() {
    let mut config = cluster(3, 1, 3, 1);
    config.topics[0].log.segment_bytes = 4_096;
    config.topics[0].log.retention_bytes = 8_192;
    config.broker.log_retention_check_interval_ms = 1_000;
    config.workload.rate = 200;
    let mut sim = Sim::new(config, 20).unwrap();
    let mut trace = Vec::new();
    // The first retention run comes log.initial.task.delay.ms (30 s) after a broker
    // starts, then every log.retention.check.interval.ms.
    run(&mut sim, 29_900, &mut trace);
    assert!(trace
        .iter()
        .any(|e| matches!(e.event, Event::SegmentRolled { .. })));
    assert!(!trace
        .iter()
        .any(|e| matches!(e.event, Event::SegmentsDeleted { .. })));
    run(&mut sim, 32_000, &mut trace);
    assert!(trace
        .iter()
        .any(|e| matches!(e.event, Event::SegmentsDeleted { .. })));
    for b in sim.brokers().values() {
        let log = &b.replicas[&tp0()].log;
        assert!(
            log.log_start_offset() > Offset(0),
            "{:?} kept everything",
            b.id
        );
        assert!(log.size_bytes() < 8_192 + 4_096 + 200);
        assert_eq!(log.segments()[0].base_offset, log.log_start_offset());
    }
}

#[test]
fn compaction_keeps_the_latest_record_of_each_key() {
    let mut config = cluster(1, 1, 1, 1);
    config.topics[0].log.cleanup_policy = CleanupPolicy::Compact;
    config.topics[0].log.segment_bytes = 2_048;
    config.broker.log_retention_check_interval_ms = 1_000;
    let mut sim = Sim::new(config, 21).unwrap();
    let mut trace = Vec::new();
    for i in 0..60u64 {
        let key = format!("user-{}", i % 3);
        sim.apply(ms(10 + i * 10), record(0, Some(&key))).unwrap();
    }
    run(&mut sim, 31_000, &mut trace);
    assert!(trace
        .iter()
        .any(|e| matches!(e.event, Event::LogCompacted { .. })));
    let log = &sim.brokers()[&BrokerId(0)].replicas[&tp0()].log;
    let active = log.segments().last().unwrap().base_offset;
    let mut keys = std::collections::BTreeSet::new();
    for b in log.batches().filter(|b| b.base_offset < active) {
        for r in b.records.iter() {
            assert!(
                keys.insert(r.key.clone()),
                "a key appears twice in the cleaned segments"
            );
        }
    }
    // A keyless record is refused on a compacted topic.
    sim.apply(ms(31_000), record(0, None)).unwrap();
    run(&mut sim, 32_000, &mut trace);
    assert!(trace.iter().any(|e| matches!(
        e.event,
        Event::ProduceRejected {
            error: KafkaError::InvalidRecord,
            ..
        }
    )));
}

#[test]
fn a_follower_that_stops_fetching_leaves_the_isr_and_rejoins_when_caught_up() {
    let mut config = cluster(3, 1, 3, 1);
    config.workload.rate = 100;
    let mut sim = Sim::new(config, 22).unwrap();
    let mut trace = Vec::new();
    let l = leader(&sim, tp0());
    let f = sim
        .partition(tp0())
        .replicas
        .iter()
        .copied()
        .find(|b| *b != l)
        .unwrap();
    sim.apply(
        ms(1_000),
        Command::CutLink(NodeId::Broker(l), NodeId::Broker(f)),
    )
    .unwrap();
    run(&mut sim, 50_000, &mut trace);
    assert!(!sim.partition(tp0()).isr.contains(&f));
    assert!(trace
        .iter()
        .any(|e| matches!(&e.event, Event::IsrShrunk { removed, .. } if *removed == f)));
    sim.apply(
        ms(50_000),
        Command::HealLink(NodeId::Broker(l), NodeId::Broker(f)),
    )
    .unwrap();
    // The follower's last fetch went into the cut link: it notices only when
    // replica.socket.timeout.ms (30 s) passes, backs off, and fetches again.
    run(&mut sim, 70_000, &mut trace);
    assert!(sim.partition(tp0()).isr.contains(&f));
    assert!(trace
        .iter()
        .any(|e| matches!(&e.event, Event::IsrExpanded { added, .. } if *added == f)));
}

#[test]
fn keys_go_to_the_partition_kafka_hashes_them_to() {
    let config = cluster(3, 6, 3, 1);
    let mut sim = Sim::new(config, 23).unwrap();
    for (i, key) in ["key0", "alice", "bob", "orders-17"].iter().enumerate() {
        sim.apply(
            ms(10 + i as u64),
            Command::Produce(ProduceRecord {
                topic: TopicId(0),
                partition: None,
                key: Some(key.as_bytes().into()),
                value_len: Some(10),
                headers: vec![],
                timestamp_ms: None,
            }),
        )
        .unwrap();
        let fate = sim.ledger().records().next_back().unwrap();
        assert_eq!(
            fate.partition.partition,
            murmur2::partition_for_key(key.as_bytes(), 6)
        );
    }
    assert_eq!(
        sim.ledger().records().next().unwrap().partition.partition,
        4,
        "key0 over 6 partitions, from murmur2.json"
    );
}

#[test]
fn commands_kafka_cannot_carry_out_are_refused_with_a_message() {
    let mut sim = Sim::new(cluster(3, 3, 3, 2), 24).unwrap();
    let e = sim.apply(ms(1), record(7, None)).unwrap_err();
    assert_eq!(
        e.0,
        "Invalid partition given with record: 7 is not in the range [0...3)."
    );
    let e = sim
        .apply(ms(1), Command::CrashBroker(BrokerId(9)))
        .unwrap_err();
    assert_eq!(e.0, "There is no broker 9.");
    sim.apply(ms(1), Command::CrashBroker(BrokerId(1))).unwrap();
    let e = sim
        .apply(ms(2), Command::CrashBroker(BrokerId(1)))
        .unwrap_err();
    assert_eq!(e.0, "Broker 1 is already down.");
    let mut config = cluster(2, 3, 3, 1);
    config.producer.acks = Acks::All;
    let e = Sim::new(config, 1).unwrap_err();
    assert_eq!(
        e.message,
        "Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 2 broker(s) are registered."
    );
}

#[test]
fn two_idempotent_producers_write_to_one_topic_with_their_own_ids_and_links() {
    let mut config = cluster(3, 2, 3, 2);
    config.producer.enable_idempotence = Some(true);
    let mut sim = Sim::new(config, 4).unwrap();
    sim.apply(ms(0), Command::AddProducer).unwrap();
    let second = ProducerId(1);
    assert_eq!(sim.producers().len(), 2);
    let send = |p: ProducerId, partition: u32| {
        let Command::Produce(r) = record(partition, None) else {
            unreachable!()
        };
        Command::ProduceWith(p, r)
    };
    let mut trace = Vec::new();
    for i in 0..20u64 {
        sim.apply(ms(100 + i * 10), send(ProducerId(0), 0)).unwrap();
        sim.apply(ms(100 + i * 10), send(second, 1)).unwrap();
    }
    // The second producer's link to every broker is cut for a while: only its records
    // wait.
    for b in 0..3 {
        sim.apply(
            ms(400),
            Command::CutLink(NodeId::Producer(second), NodeId::Broker(BrokerId(b))),
        )
        .unwrap();
    }
    for i in 0..10u64 {
        sim.apply(ms(410 + i * 10), send(ProducerId(0), 0)).unwrap();
        sim.apply(ms(410 + i * 10), send(second, 1)).unwrap();
    }
    run(&mut sim, 1_500, &mut trace);
    let acked_by = |sim: &Sim, partition: u32| {
        sim.ledger()
            .records()
            .filter(|r| r.partition.partition == partition && r.acked_at.is_some())
            .count()
    };
    assert_eq!(acked_by(&sim, 0), 30, "the first producer goes on");
    assert_eq!(
        acked_by(&sim, 1),
        20,
        "the second waits behind its cut links"
    );
    for b in 0..3 {
        sim.apply(
            ms(1_500),
            Command::HealLink(NodeId::Producer(second), NodeId::Broker(BrokerId(b))),
        )
        .unwrap();
    }
    // What it sent over the cut links was lost on the wire; it learns so after
    // request.timeout.ms (30 s) and retries.
    run(&mut sim, 20_000, &mut trace);
    assert_eq!(acked_by(&sim, 1), 20);
    run(&mut sim, 40_000, &mut trace);
    assert_eq!(acked_by(&sim, 1), 30, "and delivers once they heal");
    // Each got its own producer id from the controller.
    let ids: Vec<i64> = sim
        .producers()
        .values()
        .map(|p| p.idempotence.producer_id.expect("assigned").0)
        .collect();
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1]);
    assert_eq!(sim.ledger().counts().duplicated, 0);
    // Messages to and from the second producer are its own.
    assert!(trace.iter().any(|e| matches!(
        e.event,
        Event::MessageSent { from: NodeId::Producer(p), .. } if p == second
    )));
    assert!(sim
        .apply(
            ms(40_000),
            Command::ProduceWith(ProducerId(7), {
                let Command::Produce(r) = record(0, None) else {
                    unreachable!()
                };
                r
            })
        )
        .is_err());
}
