//! The exactly-once consume-transform-produce pipeline (KIP-98, KIP-447): the first group
//! processes `orders` and writes one result per record to `processed` in transactions
//! that carry its offsets; a second group reads `processed` with `read_committed`, and
//! the ledger counts, per input record, the results that reader processed.

use kscope_core::config::{GroupSpec, IsolationLevel, ManualCommit};
use kscope_core::event::{Event, TxnCall};
use kscope_core::guarantee::Guarantee;
use kscope_core::*;
use kscope_tests::*;

/// Three brokers; `orders` (3 partitions) written by an idempotent producer at 200
/// records/s; `processed` (3 partitions) written by the pipeline; `orders-app` (two
/// members) runs the pipeline with `commit`; `audit-app` (one member) reads `processed`
/// with `isolation`.
pub fn pipeline_config(commit: ManualCommit, isolation: IsolationLevel) -> SimConfig {
    let mut config = cluster(3, 3, 3, 2);
    config.topics.push(TopicSpec::new("processed", 3, 3));
    config.topics[1].min_insync_replicas = 2;
    config.workload.rate = 200;
    config.consumers = 2;
    config.consumer.enable_auto_commit = false;
    config.consumer.manual_commit = commit;
    config.consumer.output_topic = Some(1);
    config.consumer.isolation_level = isolation;
    config.consumer.auto_offset_reset = kscope_core::config::OffsetReset::Earliest;
    config.other_groups.push(GroupSpec {
        group_id: "audit-app".into(),
        consumers: 1,
        partition_assignment_strategy: config.consumer.partition_assignment_strategy,
        topics: vec![1],
    });
    config
}

fn committed_transactions(events: &[TimedEvent]) -> usize {
    events
        .iter()
        .filter(|e| {
            matches!(
                e.event,
                Event::TxnCall {
                    call: TxnCall::Committed,
                    ..
                }
            )
        })
        .count()
}

#[test]
fn the_pipeline_commits_results_and_offsets_together_and_its_reader_reads_each_once() {
    let config = pipeline_config(ManualCommit::Transactional, IsolationLevel::ReadCommitted);
    let mut sim = Sim::new(config, 11).expect("a valid configuration");
    let events = run_checked(&mut sim, ms(15_000));
    assert!(committed_transactions(&events) > 20);
    // Each member has its own transactional producer, named after it.
    let ids: Vec<String> = sim
        .producers()
        .values()
        .filter_map(|p| p.txn.as_ref().map(|t| t.transactional_id.to_string()))
        .collect();
    assert_eq!(ids, ["orders-app-0", "orders-app-1"]);
    // The offsets were committed by the transactions: the group's coordinator has them.
    let committed: i64 = sim
        .group_lag()
        .iter()
        .filter_map(|l| l.committed)
        .map(|o| o.0)
        .sum();
    assert!(committed > 1_000, "{committed} offsets committed");
    let c = sim.ledger().counts();
    let out = sim.ledger().output_counts();
    assert!(out.acknowledged > 1_000, "{out:?}");
    assert!(c.results > 1_000, "{c:?}");
    assert_eq!(c.results_twice, 0, "{c:?}");
    // Results are not input records: the application's counts do not hold them.
    assert!(c.sent < out.sent + c.sent);
    assert_eq!(sim.delivered_guarantee().guarantee, Guarantee::ExactlyOnce);
}

/// Runs the pipeline until member 0 is in `commitTransaction()` with results sent, then
/// crashes it; restarts it `down_ms` later (if given) and runs to 70 s.
fn crash_mid_transaction(
    isolation: IsolationLevel,
    seed: u64,
    down_ms: Option<u64>,
) -> (Sim, Vec<TimedEvent>) {
    let config = pipeline_config(ManualCommit::Transactional, isolation);
    let mut sim = Sim::new(config, seed).expect("a valid configuration");
    sim.check_invariants(true);
    sim.run_until(ms(6_000));
    let c0 = ConsumerId(0);
    // Member 0 has results of its transaction in a log (appended, not yet committed).
    let in_log = |sim: &Sim| {
        let p = sim.producers().values().find(|p| {
            p.txn
                .as_ref()
                .is_some_and(|t| &*t.transactional_id == "orders-app-0" && !t.records.is_empty())
        });
        p.and_then(|p| p.txn.as_ref()).is_some_and(|t| {
            t.records
                .iter()
                .any(|r| sim.ledger().record(*r).is_some_and(|f| f.appends > 0))
        })
    };
    while !(sim.consumers()[&c0].in_transaction && in_log(&sim)) {
        sim.step_one().expect("the run goes on");
    }
    let at = sim.now();
    sim.apply(at, Command::CrashConsumer(c0)).unwrap();
    let mut events = sim.drain_events();
    if let Some(down) = down_ms {
        let back = at + kscope_core::time::Duration::from_millis(down);
        sim.run_until(back);
        sim.apply(back, Command::RestartConsumer(c0)).unwrap();
    }
    // The restarted member's rebalance waits for its old member id's session to expire
    // (session.timeout.ms, 45 s), as Kafka's does for a dynamic member.
    sim.run_until(ms(70_000));
    events.extend(sim.drain_events());
    (sim, events)
}

#[test]
fn a_member_crashing_mid_transaction_leaves_its_reader_no_result_twice() {
    for seed in [11, 12, 13] {
        // Restarted: its new producer fences the old one, whose transaction the
        // coordinator aborts at once.
        let (sim, events) = crash_mid_transaction(IsolationLevel::ReadCommitted, seed, Some(2_000));
        let c = sim.ledger().counts();
        let out = sim.ledger().output_counts();
        assert!(out.aborted > 0, "seed {seed}: {out:?}");
        assert_eq!(c.results_twice, 0, "seed {seed}: {c:?}");
        // The member's transform consumer processed some records again (after the abort)...
        assert!(c.redelivered > 0 || committed_transactions(&events) > 0);
        // ... but the reader processed each record's result once, and nearly all of them.
        assert!(c.results + 200 > c.acknowledged, "seed {seed}: {c:?}");
        assert_eq!(sim.delivered_guarantee().guarantee, Guarantee::ExactlyOnce);
        assert_eq!(sim.promised_guarantee().guarantee, Guarantee::ExactlyOnce);
    }
}

#[test]
fn a_read_uncommitted_reader_reads_the_aborted_results_and_their_second_writing() {
    let (sim, _) = crash_mid_transaction(IsolationLevel::ReadUncommitted, 11, Some(2_000));
    let c = sim.ledger().counts();
    let out = sim.ledger().output_counts();
    assert!(out.aborted > 0 && out.read_aborted == 0, "{out:?}");
    assert!(c.results_twice > 0, "{c:?}");
    assert_eq!(sim.delivered_guarantee().guarantee, Guarantee::AtLeastOnce);
    assert_eq!(sim.promised_guarantee().guarantee, Guarantee::AtLeastOnce);
}

#[test]
fn a_crashed_member_left_down_blocks_its_partitions_until_the_transaction_times_out() {
    // Nobody restarts it: the other member takes its partitions after the session
    // timeout, and its OffsetFetch is answered UNSTABLE_OFFSET_COMMIT until the
    // coordinator aborts the open transaction (transaction.timeout.ms, 60 s).
    let config = pipeline_config(ManualCommit::Transactional, IsolationLevel::ReadCommitted);
    let mut config = config;
    config.producer.transaction_timeout_ms = 10_000;
    config.consumer.session_timeout_ms = 10_000;
    let mut sim = Sim::new(config, 11).expect("a valid configuration");
    sim.run_until(ms(6_000));
    let c0 = ConsumerId(0);
    // Its offsets are stored in its transaction, and the answer is on its way: the
    // member dies before it can send EndTxn.
    let stored = |sim: &Sim| {
        sim.messages_in_flight().any(|m| {
            matches!(
                m.payload,
                kscope_core::network::Payload::TxnOffsetCommitResponse { error: None, .. }
            ) && m.to == NodeId::Producer(ProducerId(1))
        })
    };
    while !stored(&sim) {
        sim.step_one().expect("the run goes on");
    }
    let at = sim.now();
    sim.apply(at, Command::CrashConsumer(c0)).unwrap();
    sim.discard_events();
    let mut recent = kscope_core::protocol::RecentMessages::new(1_000_000);
    recent.run_until(&mut sim, ms(60_000));
    let events = sim.drain_events();
    let unstable = recent
        .list()
        .iter()
        .filter(|m| {
            matches!(
                m.payload,
                kscope_core::network::Payload::OffsetFetchResponse {
                    result: Err(kscope_core::event::KafkaError::UnstableOffsetCommit),
                    ..
                }
            )
        })
        .count();
    assert!(
        unstable > 0,
        "no OffsetFetch was answered UNSTABLE_OFFSET_COMMIT"
    );
    let c = sim.ledger().counts();
    assert_eq!(c.results_twice, 0, "{c:?}");
    assert!(c.results + 300 > c.acknowledged, "{c:?}");
    // The coordinator aborted the transaction left open.
    assert!(events.iter().any(|e| matches!(&e.event, Event::TxnTimedOut { transactional_id, .. } if transactional_id == "orders-app-0")));
    assert!(events
        .iter()
        .any(|e| matches!(e.event, Event::TxnMarkerWritten { commit: false, .. })));
}

#[test]
fn the_same_crash_delivers_at_most_once_at_least_once_or_exactly_once_by_where_offsets_are_committed(
) {
    let run = |commit: ManualCommit| {
        let config = pipeline_config(commit, IsolationLevel::ReadCommitted);
        let mut sim = Sim::new(config, 21).expect("a valid configuration");
        sim.run_until(ms(6_000));
        // Member 0 is halfway through processing a poll.
        let c0 = ConsumerId(0);
        while sim.consumers()[&c0].processing() < 100 {
            sim.step_one().expect("the run goes on");
        }
        let half = sim.now()
            + kscope_core::time::Duration::from_micros(
                sim.config().consumer.process_us_per_record * 50,
            );
        sim.run_until(half);
        sim.apply(half, Command::CrashConsumer(c0)).unwrap();
        let back = half + kscope_core::time::Duration::from_millis(2_000);
        sim.run_until(back);
        sim.apply(back, Command::RestartConsumer(c0)).unwrap();
        sim.run_until(ms(70_000));
        (
            sim.promised_guarantee().guarantee,
            sim.delivered_guarantee(),
        )
    };
    let (promised, delivered) = run(ManualCommit::BeforeProcessing);
    assert_eq!(promised, Guarantee::AtMostOnce);
    assert_eq!(delivered.guarantee, Guarantee::AtMostOnce, "{delivered:?}");
    let (promised, delivered) = run(ManualCommit::Sync);
    assert_eq!(promised, Guarantee::AtLeastOnce);
    assert_eq!(delivered.guarantee, Guarantee::AtLeastOnce, "{delivered:?}");
    let (promised, delivered) = run(ManualCommit::Transactional);
    assert_eq!(promised, Guarantee::ExactlyOnce);
    assert_eq!(delivered.guarantee, Guarantee::ExactlyOnce, "{delivered:?}");
}
