//! Property tests: random configurations and random schedules of crashes, restarts,
//! dropped and delayed messages, cut and healed links and bursts of sends, with every
//! invariant checked after every step. A failure prints the seed and the schedule.

use kscope_core::event::MessageKind;
use kscope_core::producer::ProduceRecord;
use kscope_core::*;
use kscope_tests::*;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Crash(u32),
    Restart(u32),
    Cut(u32, u32),
    Heal(u32, u32),
    CutProducer(u32),
    HealProducer(u32),
    DropNext(u32, bool),
    Delay(u32, u64),
    Burst(u32, u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..4u32).prop_map(Op::Crash),
        (0..4u32).prop_map(Op::Restart),
        (0..4u32, 0..4u32).prop_map(|(a, b)| Op::Cut(a, b)),
        (0..4u32, 0..4u32).prop_map(|(a, b)| Op::Heal(a, b)),
        (0..4u32).prop_map(Op::CutProducer),
        (0..4u32).prop_map(Op::HealProducer),
        (0..4u32, any::<bool>()).prop_map(|(b, req)| Op::DropNext(b, req)),
        (0..4u32, 1..3_000u64).prop_map(|(b, d)| Op::Delay(b, d)),
        (0..24u32, 1..40u32).prop_map(|(p, n)| Op::Burst(p, n)),
    ]
}

fn node(b: u32, brokers: u32) -> NodeId {
    NodeId::Broker(BrokerId(b % brokers))
}

fn command(op: &Op, brokers: u32, partitions: u32) -> Vec<Command> {
    match *op {
        Op::Crash(b) => vec![Command::CrashBroker(BrokerId(b % brokers))],
        Op::Restart(b) => vec![Command::RestartBroker(BrokerId(b % brokers))],
        Op::Cut(a, b) => vec![Command::CutLink(node(a, brokers), node(b, brokers))],
        Op::Heal(a, b) => vec![Command::HealLink(node(a, brokers), node(b, brokers))],
        Op::CutProducer(b) => vec![Command::CutLink(NodeId::Producer, node(b, brokers))],
        Op::HealProducer(b) => vec![Command::HealLink(NodeId::Producer, node(b, brokers))],
        Op::DropNext(b, request) => vec![if request {
            Command::DropNext {
                from: NodeId::Producer,
                to: node(b, brokers),
                kind: Some(MessageKind::ProduceRequest),
            }
        } else {
            Command::DropNext {
                from: node(b, brokers),
                to: NodeId::Producer,
                kind: Some(MessageKind::ProduceResponse),
            }
        }],
        Op::Delay(b, d) => vec![Command::DelayNext {
            from: node(b, brokers),
            to: node(b + 1, brokers),
            kind: None,
            by: Duration::from_millis(d),
        }],
        Op::Burst(p, n) => (0..n)
            .map(|i| {
                Command::Produce(ProduceRecord {
                    topic: TopicId(0),
                    partition: if i % 2 == 0 {
                        Some(p % partitions)
                    } else {
                        None
                    },
                    key: None,
                    value_len: Some(200),
                    headers: vec![],
                    timestamp_ms: None,
                })
            })
            .collect(),
    }
}

/// Applies a schedule of faults in time order, checking every invariant after every step,
/// then runs to a simulated minute. Refused commands (crashing a broker that is down) are
/// part of the game.
fn run_schedule(
    sim: &mut Sim,
    mut schedule: Vec<(u64, Op)>,
    brokers: u32,
    partitions: u32,
) -> Result<(), TestCaseError> {
    schedule.sort_by_key(|(t, _)| *t);
    for (at, op) in &schedule {
        run_checked(sim, ms(*at)).map_err(TestCaseError::fail)?;
        for c in command(op, brokers, partitions) {
            let _ = sim.apply(ms(*at), c);
        }
    }
    run_checked(sim, ms(60_000)).map_err(TestCaseError::fail)?;
    Ok(())
}

fn config() -> impl Strategy<Value = (SimConfig, u64)> {
    (
        1..5u32,
        1..7u32,
        1..4u32,
        1..4u32,
        0..3u8,
        any::<bool>(),
        1..6u32,
        any::<u64>(),
    )
        .prop_map(
            |(brokers, partitions, rf, min_isr, acks, unclean, in_flight, seed)| {
                let rf = rf.min(brokers);
                let mut c = cluster(brokers, partitions, rf, min_isr);
                c.topics[0].unclean_leader_election_enable = unclean;
                c.topics[0].log.segment_bytes = 8_192;
                c.topics[0].log.retention_bytes = 32_768;
                c.broker.log_retention_check_interval_ms = 2_000;
                c.producer.acks = [Acks::None, Acks::Leader, Acks::All][acks as usize];
                c.producer.max_in_flight_requests_per_connection = in_flight;
                c.producer.request_timeout_ms = 3_000;
                c.producer.delivery_timeout_ms = 20_000;
                c.producer.linger_ms = 5;
                c.workload.rate = 100;
                (c, seed)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn invariants_hold_under_any_schedule_of_faults(
        (config, seed) in config(),
        schedule in proptest::collection::vec((0..40_000u64, op()), 0..24),
    ) {
        let brokers = config.brokers;
        let partitions = config.topics[0].partitions;
        let mut sim = Sim::new(config, seed).expect("valid");
        run_schedule(&mut sim, schedule, brokers, partitions)?;
        let c = sim.ledger().counts();
        prop_assert!(c.acknowledged + c.failed <= c.sent);
        prop_assert!(c.lost <= c.acknowledged);
    }
}

fn idempotent_config() -> impl Strategy<Value = (SimConfig, u64)> {
    (2..5u32, 1..5u32, 1..6u32, any::<u64>()).prop_map(|(brokers, partitions, in_flight, seed)| {
        let mut c = cluster(brokers, partitions, brokers.min(3), 1);
        c.producer.enable_idempotence = Some(true);
        c.producer.acks = Acks::All;
        c.producer.max_in_flight_requests_per_connection = in_flight;
        c.producer.request_timeout_ms = 3_000;
        c.producer.delivery_timeout_ms = 20_000;
        c.producer.linger_ms = 5;
        c.workload.rate = 100;
        c.workload.keys = 8;
        (c, seed)
    })
}

/// Faults that idempotence is meant to survive: drops, delays, crashes and restarts
/// (clean elections only).
fn idempotence_fault() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..4u32).prop_map(Op::Crash),
        (0..4u32).prop_map(Op::Restart),
        (0..4u32, any::<bool>()).prop_map(|(b, req)| Op::DropNext(b, req)),
        (0..4u32, 1..3_000u64).prop_map(|(b, d)| Op::Delay(b, d)),
        (0..4u32).prop_map(Op::CutProducer),
        (0..4u32).prop_map(Op::HealProducer),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, .. ProptestConfig::default() })]

    /// KIP-98's promise: with idempotence, retries never append a record twice and the
    /// acknowledged records of a partition sit in the order they were sent. Faults start
    /// once every partition has the producer's state (a producer id the broker has no
    /// state for is accepted with any sequence: see the scenario
    /// `the_first_batch_of_a_producer_can_be_overtaken_even_with_idempotence`).
    #[test]
    fn idempotence_never_duplicates_or_reorders_acknowledged_records(
        (config, seed) in idempotent_config(),
        schedule in proptest::collection::vec((1_000..40_000u64, idempotence_fault()), 0..16),
    ) {
        let brokers = config.brokers;
        let partitions = config.topics[0].partitions;
        let mut sim = Sim::new(config, seed).expect("valid");
        prop_assert!(sim.producer().idempotent);
        for p in 0..partitions {
            for c in command(&Op::Burst(p * 2, 2), brokers, partitions) {
                sim.apply(ms(1), c).expect("valid record");
            }
        }
        run_schedule(&mut sim, schedule, brokers, partitions)?;
        prop_assert_eq!(sim.ledger().counts().duplicated, 0);
        let mut last: std::collections::BTreeMap<TopicPartition, Offset> = Default::default();
        for r in sim.ledger().records() {
            if r.status == kscope_core::ledger::RecordStatus::Acknowledged {
                let offset = r.offset.expect("acks=all acknowledgements carry offsets");
                if let Some(prev) = last.insert(r.partition, offset) {
                    prop_assert!(prev < offset, "{:?}: record {:?} at {:?} after {:?}", r.partition, r.id, offset, prev);
                }
            }
        }
    }
}
