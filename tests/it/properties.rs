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
        Op::CutProducer(b) => vec![Command::CutLink(NodeId::PRODUCER, node(b, brokers))],
        Op::HealProducer(b) => vec![Command::HealLink(NodeId::PRODUCER, node(b, brokers))],
        Op::DropNext(b, request) => vec![if request {
            Command::DropNext {
                from: NodeId::PRODUCER,
                to: node(b, brokers),
                kind: Some(MessageKind::ProduceRequest),
            }
        } else {
            Command::DropNext {
                from: node(b, brokers),
                to: NodeId::PRODUCER,
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
        run_checked(sim, ms(*at));
        for c in command(op, brokers, partitions) {
            let _ = sim.apply(ms(*at), c);
        }
    }
    run_checked(sim, ms(60_000));
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

/// Runs `test` on `share` cases of `strategy` (times `KSCOPE_SCHEDULES`, 1 unless a
/// soak asks for more), each a schedule of faults; prints how many ran and how fast. The
/// cases come from `PROPTEST_RNG_SEED` (scripts/check.sh fixes it; scripts/soak.sh draws
/// a new one each round), and a failure names it, so the schedule reproduces.
fn schedules<S>(
    name: &str,
    share: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S: Strategy,
    S::Value: std::fmt::Debug,
{
    let scale: u32 = std::env::var("KSCOPE_SCHEDULES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let config = ProptestConfig {
        cases: share * scale,
        source_file: Some(file!()),
        ..ProptestConfig::default()
    };
    let seed = std::env::var("PROPTEST_RNG_SEED").unwrap_or_else(|_| "(random)".into());
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let ran = std::cell::Cell::new(0u32);
    let started = std::time::Instant::now();
    let result = runner.run(&strategy, |value| {
        ran.set(ran.get() + 1);
        test(value)
    });
    let secs = started.elapsed().as_secs_f64();
    match result {
        Ok(()) => println!(
            "{name}: {} schedules in {secs:.1} s ({:.1} schedules/s), PROPTEST_RNG_SEED={seed}",
            ran.get(),
            f64::from(ran.get()) / secs.max(1e-9)
        ),
        Err(e) => panic!("{name} failed (PROPTEST_RNG_SEED={seed}): {e}"),
    }
}

/// Every invariant holds after every step, whatever the faults: crashes, restarts, cut
/// and healed links, dropped and delayed messages, bursts of sends.
#[test]
fn invariants_hold_under_any_schedule_of_faults() {
    schedules(
        "faults",
        400,
        (
            config(),
            proptest::collection::vec((0..40_000u64, op()), 0..24),
        ),
        |((config, seed), schedule)| {
            let brokers = config.brokers;
            let partitions = config.topics[0].partitions;
            let mut sim = Sim::new(config, seed).expect("valid");
            run_schedule(&mut sim, schedule, brokers, partitions)?;
            let c = sim.ledger().counts();
            prop_assert!(c.acknowledged + c.failed <= c.sent);
            prop_assert!(c.lost <= c.acknowledged);
            Ok(())
        },
    );
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

/// KIP-98's promise: with idempotence, retries never append a record twice and the
/// acknowledged records of a partition sit in the order they were sent. Faults start once
/// every partition has the producer's state (a producer id the broker has no state for is
/// accepted with any sequence: see the scenario
/// `the_first_batch_of_a_producer_can_be_overtaken_even_with_idempotence`).
#[test]
fn idempotence_never_duplicates_or_reorders_acknowledged_records() {
    schedules(
        "idempotence",
        250,
        (
            idempotent_config(),
            proptest::collection::vec((1_000..40_000u64, idempotence_fault()), 0..16),
        ),
        |((config, seed), schedule)| {
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
                        prop_assert!(
                            prev < offset,
                            "{:?}: record {:?} at {:?} after {:?}",
                            r.partition,
                            r.id,
                            offset,
                            prev
                        );
                    }
                }
            }
            Ok(())
        },
    );
}

// ----- consumer groups --------------------------------------------------------------

#[derive(Clone, Debug)]
enum GroupOp {
    Add,
    Close(u32),
    Crash(u32),
    Restart(u32),
    AddPartitions(u32),
    CrashBroker(u32),
    RestartBroker(u32),
    /// Cut the link between a consumer and a broker.
    Cut(u32, u32),
    Heal(u32, u32),
    /// Drop the next message from a consumer to a broker, or (false) the other way.
    Drop(u32, u32, bool),
}

fn group_op(with_brokers: bool) -> BoxedStrategy<GroupOp> {
    let ops = prop_oneof![
        Just(GroupOp::Add),
        (0..6u32).prop_map(GroupOp::Close),
        (0..6u32).prop_map(GroupOp::Crash),
        (0..6u32).prop_map(GroupOp::Restart),
        (1..3u32).prop_map(GroupOp::AddPartitions),
    ];
    if with_brokers {
        prop_oneof![
            4 => ops,
            1 => (0..3u32).prop_map(GroupOp::CrashBroker),
            1 => (0..3u32).prop_map(GroupOp::RestartBroker),
            1 => (0..6u32, 0..3u32).prop_map(|(c, b)| GroupOp::Cut(c, b)),
            1 => (0..6u32, 0..3u32).prop_map(|(c, b)| GroupOp::Heal(c, b)),
            1 => (0..6u32, 0..3u32, any::<bool>()).prop_map(|(c, b, up)| GroupOp::Drop(c, b, up)),
        ]
        .boxed()
    } else {
        ops.boxed()
    }
}

fn group_config() -> impl Strategy<Value = (SimConfig, u64)> {
    (1..7u32, 1..4u32, 0..4usize, any::<bool>(), any::<u64>()).prop_map(
        |(partitions, consumers, assignor, static_members, seed)| {
            let mut c = cluster(3, partitions, 3, 1);
            c.workload.rate = 100;
            c.consumers = consumers;
            c.consumer.partition_assignment_strategy = assignor::AssignorKind::ALL[assignor].into();
            c.consumer.static_membership = static_members;
            c.consumer.session_timeout_ms = 10_000;
            // A JoinGroup lost on a cut link is retried after the rebalance timeout
            // (max.poll.interval.ms) plus 5 s, as Kafka's AbstractCoordinator allows it:
            // 25 s here rather than Kafka's 305 s, so a schedule settles within its minute.
            c.consumer.max_poll_interval_ms = 20_000;
            c.consumer.auto_offset_reset = config::OffsetReset::Earliest;
            // Fewer __consumer_offsets partitions than Kafka's 50 keep the invariant
            // checks after every step cheap; the coordinator logic is the same.
            c.broker.offsets_topic_num_partitions = 5;
            (c, seed)
        },
    )
}

fn group_command(sim: &Sim, op: &GroupOp) -> Command {
    let consumer = |i: u32| ConsumerId(i % (sim.consumers().len().max(1) as u32));
    match *op {
        GroupOp::Add => Command::AddConsumer,
        GroupOp::Close(i) => Command::CloseConsumer(consumer(i)),
        GroupOp::Crash(i) => Command::CrashConsumer(consumer(i)),
        GroupOp::Restart(i) => Command::RestartConsumer(consumer(i)),
        GroupOp::AddPartitions(n) => Command::AddPartitions {
            topic: TopicId(0),
            partitions: sim.topics()[0].partitions.len() as u32 + n,
        },
        GroupOp::CrashBroker(b) => Command::CrashBroker(BrokerId(b)),
        GroupOp::RestartBroker(b) => Command::RestartBroker(BrokerId(b)),
        GroupOp::Cut(c, b) => {
            Command::CutLink(NodeId::Consumer(consumer(c)), NodeId::Broker(BrokerId(b)))
        }
        GroupOp::Heal(c, b) => {
            Command::HealLink(NodeId::Consumer(consumer(c)), NodeId::Broker(BrokerId(b)))
        }
        GroupOp::Drop(c, b, up) => {
            let (c, b) = (NodeId::Consumer(consumer(c)), NodeId::Broker(BrokerId(b)));
            let (from, to) = if up { (c, b) } else { (b, c) };
            Command::DropNext {
                from,
                to,
                kind: None,
            }
        }
    }
}

/// Runs a schedule of group operations, checking every invariant after every step and,
/// with `no_overlap`, that no two running consumers own a partition at the same time.
/// Ends with every broker up, then leaves the group a quiet minute to settle.
fn run_group_schedule(
    sim: &mut Sim,
    mut schedule: Vec<(u64, GroupOp)>,
    no_overlap: bool,
) -> Result<Vec<TimedEvent>, TestCaseError> {
    schedule.sort_by_key(|(t, _)| *t);
    let mut events = Vec::new();
    let mut step_to = |sim: &mut Sim, until: u64| -> Result<(), TestCaseError> {
        // 50 ms at a time, so ownership is checked all along (every step is checked
        // against the invariants by `run_checked`).
        let mut t = sim.now().millis();
        while t < until {
            t = (t + 50).min(until);
            events.extend(run_checked(sim, ms(t)));
            if no_overlap {
                let mut owner: std::collections::BTreeMap<TopicPartition, ConsumerId> =
                    Default::default();
                for c in sim.consumers().values().filter(|c| c.is_running()) {
                    for tp in &c.owned {
                        if let Some(other) = owner.insert(*tp, c.id) {
                            return Err(TestCaseError::fail(format!(
                                "{tp:?} owned by {other:?} and {:?} at {:?} (seed {})",
                                c.id,
                                sim.now(),
                                sim.seed()
                            )));
                        }
                    }
                }
            }
        }
        Ok(())
    };
    for (at, op) in &schedule {
        step_to(sim, *at)?;
        let command = group_command(sim, op);
        let _ = sim.apply(ms(*at), command);
    }
    for b in 0..3 {
        let _ = sim.apply(sim.now(), Command::RestartBroker(BrokerId(b)));
        let consumers: Vec<ConsumerId> = sim.consumers().keys().copied().collect();
        for c in consumers {
            let _ = sim.apply(
                sim.now(),
                Command::HealLink(NodeId::Consumer(c), NodeId::Broker(BrokerId(b))),
            );
        }
    }
    let end = sim.now().millis() + 60_000;
    step_to(sim, end)?;
    Ok(events)
}

/// Once the group is stable, each partition of the topic has exactly one owner among the
/// running consumers, the coordinator agrees, and no commit ever went past what the
/// partition's leader had exposed.
fn check_settled(sim: &Sim, events: &[TimedEvent]) -> Result<(), TestCaseError> {
    let running: Vec<_> = sim
        .consumers()
        .values()
        .filter(|c| c.is_running())
        .collect();
    let partitions = sim.topics()[0].partitions.len() as u32;
    if running.is_empty() {
        return Ok(());
    }
    let (_, g) = sim
        .group(&sim.config().consumer.group_id)
        .ok_or_else(|| TestCaseError::fail("no coordinator"))?;
    prop_assert_eq!(g.state, kscope_core::group::GroupState::Stable);
    let mut owners = vec![0; partitions as usize];
    for c in &running {
        let member = g
            .members
            .iter()
            .find(|m| m.consumer == c.id)
            .ok_or_else(|| TestCaseError::fail(format!("{:?} is not a member", c.id)))?;
        let mut assigned = member.assignment.clone();
        assigned.sort();
        prop_assert_eq!(&assigned, &c.owned);
        for tp in &c.owned {
            owners[tp.partition as usize] += 1;
        }
    }
    prop_assert!(
        owners.iter().all(|n| *n == 1),
        "owners per partition {:?}",
        owners
    );
    let mut exposed: std::collections::BTreeMap<TopicPartition, Offset> = Default::default();
    for e in events {
        match &e.event {
            event::Event::HighWatermarkAdvanced {
                partition,
                high_watermark,
                ..
            } => {
                let hw = exposed.entry(*partition).or_insert(*high_watermark);
                *hw = (*hw).max(*high_watermark);
            }
            event::Event::OffsetsCommitted { offsets, .. } => {
                for (tp, o) in offsets {
                    let hw = exposed.get(tp).copied().unwrap_or(Offset(0));
                    prop_assert!(*o <= hw, "{:?} committed {:?} past {:?}", tp, o, hw);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Joins, closes, crashes, restarts and added partitions, eager or cooperative: no
/// partition ever has two owners at once, and once stable each has exactly one.
#[test]
fn a_settled_group_owns_each_partition_once_and_never_twice_at_a_time() {
    schedules(
        "groups",
        175,
        (
            group_config(),
            proptest::collection::vec((0..40_000u64, group_op(false)), 0..8),
        ),
        |((config, seed), schedule)| {
            let mut sim = Sim::new(config, seed).expect("valid");
            let events = run_group_schedule(&mut sim, schedule, true)?;
            check_settled(&sim, &events)
        },
    );
}

/// The same with broker crashes and restarts (the coordinator moves), cut and healed
/// links and dropped messages between the consumers and the brokers: ownership may
/// overlap while a member is cut off from its group, as in Kafka, but the settled group
/// still owns each partition exactly once.
#[test]
fn a_group_settles_after_coordinator_failures() {
    schedules(
        "groups with faults",
        175,
        (
            group_config(),
            proptest::collection::vec((0..40_000u64, group_op(true)), 0..8),
        ),
        |((config, seed), schedule)| {
            let mut sim = Sim::new(config, seed).expect("valid");
            let events = run_group_schedule(&mut sim, schedule, false)?;
            check_settled(&sim, &events)
        },
    );
}

/// What a page's run is at an instant, to compare two ways of reaching it: the clock,
/// the ledger, and every replica's log end and high watermark (and run B's, comparing).
fn page_state(p: &kscope_web::player::Player) -> String {
    let of = |sim: &Sim| {
        let logs: Vec<(i64, i64)> = sim
            .brokers()
            .values()
            .flat_map(|b| {
                b.replicas
                    .values()
                    .map(|r| (r.log.log_end_offset().0, r.high_watermark.0))
            })
            .collect();
        format!(
            "{} {:?} {logs:?}",
            sim.now().micros(),
            sim.ledger().counts()
        )
    };
    let b = p.twin.as_ref().map(|t| of(&t.sim)).unwrap_or_default();
    format!("{} | {b}", of(&p.sim))
}

/// Plays `p` in 50 ms frames of a clock that never runs out, to `to_ms`.
fn play_page_to(p: &mut kscope_web::player::Player, to_ms: u64) {
    let mut wall = || 0.0;
    p.playing = true;
    while p.sim.now().millis() < to_ms {
        p.frame(50.0, &mut wall);
    }
    p.playing = false;
}

/// Going to any instant on the timeline (from a checkpoint, or replaying from the start,
/// back or forward) gives exactly the state a run played straight there gives, with the
/// person's crashes and restarts at their instants; in a comparison, for both runs.
#[test]
fn the_timeline_reaches_any_instant_as_playing_there_does() {
    use kscope_web::i18n::Lang;
    use kscope_web::player::{Frame, Player};
    use kscope_web::script::Action;
    schedules(
        "timeline",
        6,
        (
            proptest::collection::vec((1..500u64, 0..3u32, any::<bool>()), 0..4),
            proptest::collection::vec(0..26_000u64, 1..4),
            any::<bool>(),
        ),
        |(actions, instants, compare)| {
            let query = format!(
                "partitions=2&acks=1&consumers=1&rate=400{}",
                if compare { "&compare=acks:all" } else { "" }
            );
            // The person's actions at multiples of 50 ms (the frames' instants).
            let mut actions: Vec<(u64, Action)> = actions
                .into_iter()
                .map(|(t, b, crash)| {
                    let a = if crash {
                        Action::CrashBroker(b)
                    } else {
                        Action::RestartBroker(b)
                    };
                    (t * 50, a)
                })
                .collect();
            actions.sort_by_key(|(t, _)| *t);
            actions.dedup_by_key(|(t, _)| *t);
            let run = |to_ms: u64| {
                let mut p = Player::new(&query, Lang::En);
                p.scenarios_loaded(vec![], vec![]);
                for (t, a) in &actions {
                    if *t <= to_ms {
                        play_page_to(&mut p, *t);
                        p.act(a.clone());
                    }
                }
                play_page_to(&mut p, to_ms);
                p
            };
            let mut p = run(26_000);
            for t in instants {
                let t = t / 50 * 50;
                p.go_to(t * 1_000);
                let mut wall = || 0.0;
                let mut frames = 0;
                while p.seek.is_some() {
                    prop_assert_eq!(p.frame(16.0, &mut wall), Frame::Seeking);
                    frames += 1;
                    prop_assert!(frames < 100_000);
                }
                prop_assert_eq!(page_state(&p), page_state(&run(t)), "at {} ms", t);
            }
            Ok(())
        },
    );
}

// ----- transactions -----------------------------------------------------------------

fn transactional_config() -> impl Strategy<Value = (SimConfig, u64)> {
    (3..5u32, 1..4u32, 5..60u32, any::<u64>()).prop_map(|(brokers, partitions, records, seed)| {
        let mut c = cluster(brokers, partitions, 3, 2);
        c.producer.transactional_id = Some("tx".into());
        c.producer.request_timeout_ms = 3_000;
        c.producer.delivery_timeout_ms = 20_000;
        c.workload.rate = 200;
        c.workload.transaction_records = records;
        c.workload.transaction_interval_ms = 500;
        c.consumers = 1;
        c.consumer.isolation_level = kscope_core::config::IsolationLevel::ReadCommitted;
        c.consumer.auto_offset_reset = kscope_core::config::OffsetReset::Earliest;
        (c, seed)
    })
}

/// What the transactional application does at an instant of a schedule.
#[derive(Clone, Debug)]
enum AppOp {
    /// `abortTransaction()` instead of the next commit.
    Abort,
    /// Its process dies, and starts again after this many milliseconds.
    CrashFor(u64),
}

/// KIP-98's promise to a `read_committed` reader: whatever the crashes, drops and delays,
/// whichever transactions the application aborts and whenever its process dies, it never
/// processes a record of an aborted transaction.
#[test]
fn read_committed_never_processes_an_aborted_record() {
    schedules(
        "transactions",
        12,
        (
            transactional_config(),
            proptest::collection::vec(
                (
                    1_000..40_000u64,
                    prop_oneof![
                        3 => idempotence_fault().prop_map(Ok),
                        1 => Just(Err(AppOp::Abort)),
                        1 => (0..5_000u64).prop_map(|d| Err(AppOp::CrashFor(d))),
                    ],
                ),
                0..12,
            ),
        ),
        |((config, seed), schedule)| {
            let brokers = config.brokers;
            let partitions = config.topics[0].partitions;
            let mut sim = Sim::new(config, seed).expect("valid");
            let mut faults = Vec::new();
            let mut app = Vec::new();
            for (at, op) in schedule {
                match op {
                    Ok(op) => faults.push((at, op)),
                    Err(op) => app.push((at, op)),
                }
            }
            app.sort_by_key(|(at, _)| *at);
            let mut from = 0;
            for (at, op) in app {
                let at = at.max(from);
                run_checked(&mut sim, ms(at));
                match op {
                    AppOp::Abort => {
                        sim.apply(ms(at), Command::AbortTransaction)
                            .expect("transactional");
                        from = at;
                    }
                    AppOp::CrashFor(down) => {
                        sim.apply(ms(at), Command::CrashProducer(ProducerId(0)))
                            .expect("running");
                        run_checked(&mut sim, ms(at + down));
                        sim.apply(ms(at + down), Command::RestartProducer(ProducerId(0)))
                            .expect("down");
                        from = at + down;
                    }
                }
            }
            faults.retain(|(at, _)| *at >= from);
            run_schedule(&mut sim, faults, brokers, partitions)?;
            let c = sim.ledger().counts();
            prop_assert_eq!(c.read_aborted, 0, "{:?}", c);
            Ok(())
        },
    );
}

/// KIP-447's promise, end to end: the exactly-once pipeline's `read_committed` reader
/// processes at most one result of any input record, whatever broker crashes, drops and
/// delays meet it and whenever its members die and come back.
#[test]
fn the_pipeline_s_reader_never_processes_two_results_of_one_record() {
    let pipeline = (3..5u32, 1..4u32, any::<u64>()).prop_map(|(brokers, partitions, seed)| {
        let mut c = super::pipeline::pipeline_config(
            kscope_core::config::ManualCommit::Transactional,
            kscope_core::config::IsolationLevel::ReadCommitted,
        );
        c.brokers = brokers;
        c.topics[0].partitions = partitions;
        c.topics[1].partitions = partitions;
        c.producer.request_timeout_ms = 3_000;
        c.producer.delivery_timeout_ms = 20_000;
        c.producer.transaction_timeout_ms = 10_000;
        c.consumer.session_timeout_ms = 10_000;
        // Fewer partitions of the internal topics than Kafka's 50: the invariants, checked
        // after every item, visit every partition.
        c.broker.offsets_topic_num_partitions = 5;
        c.broker.transaction_state_log_num_partitions = 5;
        // A quarter of the scenarios' rate: every item is checked.
        c.workload.rate = 50;
        (c, seed)
    });
    schedules(
        "pipeline",
        6,
        (
            pipeline,
            proptest::collection::vec(
                (
                    1_000..40_000u64,
                    prop_oneof![
                        3 => idempotence_fault().prop_map(Ok),
                        1 => (0..2u32, 0..5_000u64).prop_map(Err),
                    ],
                ),
                0..10,
            ),
        ),
        |((config, seed), schedule)| {
            let brokers = config.brokers;
            let partitions = config.topics[0].partitions;
            let mut sim = Sim::new(config, seed).expect("valid");
            let mut faults = Vec::new();
            let mut members = Vec::new();
            for (at, op) in schedule {
                match op {
                    Ok(op) => faults.push((at, op)),
                    Err(member) => members.push((at, member)),
                }
            }
            members.sort_by_key(|(at, _)| *at);
            let mut from = 0;
            for (at, (member, down)) in members {
                let at = at.max(from);
                let c = ConsumerId(member);
                run_checked(&mut sim, ms(at));
                sim.apply(ms(at), Command::CrashConsumer(c))
                    .expect("running");
                run_checked(&mut sim, ms(at + down));
                sim.apply(ms(at + down), Command::RestartConsumer(c))
                    .expect("down");
                from = at + down;
            }
            faults.retain(|(at, _)| *at >= from);
            run_schedule(&mut sim, faults, brokers, partitions)?;
            let c = sim.ledger().counts();
            prop_assert_eq!(c.results_twice, 0, "{:?}", c);
            prop_assert_eq!(c.duplicated, 0, "{:?}", c);
            Ok(())
        },
    );
}

// ----- the controller quorum ----------------------------------------------------------

#[derive(Clone, Debug)]
enum QuorumOp {
    CrashBroker(u32),
    RestartBroker(u32),
    CrashController(u32),
    RestartController(u32),
    Burst(u32, u32),
}

fn quorum_op() -> impl Strategy<Value = QuorumOp> {
    prop_oneof![
        (0..4u32).prop_map(QuorumOp::CrashBroker),
        (0..4u32).prop_map(QuorumOp::RestartBroker),
        (0..5u32).prop_map(QuorumOp::CrashController),
        (0..5u32).prop_map(QuorumOp::RestartController),
        (0..24u32, 1..40u32).prop_map(|(p, n)| QuorumOp::Burst(p, n)),
    ]
}

/// A KRaft quorum of 1, 3 or 5 controllers, or (Kafka 3.9) a ZooKeeper ensemble of 1, 3
/// or 5 servers, over 3 or 4 brokers, `acks=all`, RF 3 with `min.insync.replicas` 2,
/// clean elections only.
fn quorum_property_config() -> impl Strategy<Value = (SimConfig, u64)> {
    (3..5u32, 1..5u32, 0..6usize, any::<u64>()).prop_map(|(brokers, partitions, q, seed)| {
        let mut c = cluster(brokers, partitions, 3, 2);
        let size = [1, 3, 5][q % 3];
        if q < 3 {
            c.broker.controller_quorum_voters = size;
        } else {
            c.broker.metadata_mode = kscope_core::config::MetadataMode::ZooKeeper;
            c.broker.version = kscope_core::config::KafkaVersion::V3_9;
            c.broker.zookeeper_servers = size;
        }
        c.producer.acks = Acks::All;
        c.producer.request_timeout_ms = 3_000;
        c.producer.delivery_timeout_ms = 20_000;
        c.producer.linger_ms = 5;
        c.workload.rate = 100;
        (c, seed)
    })
}

/// With the controller quorum failing beside the brokers: every invariant after every step
/// (among them one leader per partition epoch, one quorum leader per epoch, committed
/// metadata never lost, brokers acting on committed metadata only), and no acknowledged
/// `acks=all` record lost, since every election is clean.
#[test]
fn controller_and_broker_crashes_lose_no_acknowledged_record() {
    schedules(
        "quorum",
        180,
        (
            quorum_property_config(),
            proptest::collection::vec((0..40_000u64, quorum_op()), 0..20),
        ),
        |((config, seed), mut schedule)| {
            let brokers = config.brokers;
            let partitions = config.topics[0].partitions;
            let (voters, first) = match config.broker.metadata_mode {
                kscope_core::config::MetadataMode::KRaft => (
                    config.broker.controller_quorum_voters,
                    raft::FIRST_CONTROLLER_ID,
                ),
                kscope_core::config::MetadataMode::ZooKeeper => (
                    config.broker.zookeeper_servers,
                    kscope_core::zookeeper::FIRST_ZOOKEEPER_ID,
                ),
            };
            let mut sim = Sim::new(config, seed).expect("valid");
            schedule.sort_by_key(|(t, _)| *t);
            for (at, op) in &schedule {
                run_checked(&mut sim, ms(*at));
                let controller = |n: u32| raft::ControllerId(first + n % voters);
                let commands = match *op {
                    QuorumOp::CrashBroker(b) => vec![Command::CrashBroker(BrokerId(b % brokers))],
                    QuorumOp::RestartBroker(b) => {
                        vec![Command::RestartBroker(BrokerId(b % brokers))]
                    }
                    QuorumOp::CrashController(n) => vec![Command::CrashController(controller(n))],
                    QuorumOp::RestartController(n) => {
                        vec![Command::RestartController(controller(n))]
                    }
                    QuorumOp::Burst(p, n) => command(&Op::Burst(p, n), brokers, partitions),
                };
                for c in commands {
                    let _ = sim.apply(ms(*at), c);
                }
            }
            run_checked(&mut sim, ms(60_000));
            let c = sim.ledger().counts();
            prop_assert_eq!(c.lost, 0, "{:?}", c);
            prop_assert!(c.acknowledged + c.failed <= c.sent);
            Ok(())
        },
    );
}
