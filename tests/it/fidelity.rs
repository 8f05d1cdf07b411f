//! Kafka's rules where kscope once departed from them, each test named for the rule and
//! citing the Kafka class that implements it (Kafka 4.0).

use kscope_core::event::{Event, KafkaError};
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
    run_checked(sim, ms(until)).unwrap_or_else(|e| panic!("{e}"))
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
    let tp = TopicPartition::new(TopicId(0), 0);
    sim.apply(ms(100), send(0)).unwrap();
    run(&mut sim, 2_000);
    let p = sim.partition(tp).clone();
    let leader = p.leader.unwrap();
    let follower = *p.replicas.iter().find(|b| **b != leader).unwrap();
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
