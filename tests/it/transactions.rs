//! Transactions (KIP-98, transaction version 2 of KIP-890): the coordinator's states in
//! `__transaction_state`, markers in the partitions' logs, the last stable offset, and
//! what `read_committed` hides.

use kscope_core::config::IsolationLevel;
use kscope_core::event::{Event, TxnCall};
use kscope_core::txn::TxnState;
use kscope_core::*;
use kscope_tests::*;

/// Three brokers, two partitions on all three, a transactional producer committing every
/// 20 records, one consumer reading with `isolation`.
fn transactional(isolation: IsolationLevel, seed: u64) -> Sim {
    let mut config = cluster(3, 2, 3, 2);
    config.workload.rate = 200;
    config.producer.transactional_id = Some("payments-tx".into());
    config.workload.transaction_records = 20;
    config.workload.transaction_interval_ms = 1_000;
    config.consumers = 1;
    config.consumer.isolation_level = isolation;
    config.consumer.auto_offset_reset = kscope_core::config::OffsetReset::Earliest;
    Sim::new(config, seed).expect("a valid configuration")
}

fn coordinator_state(sim: &Sim) -> Option<TxnState> {
    sim.brokers()
        .values()
        .find_map(|b| b.txn_state("payments-tx"))
        .map(|t| t.record.state)
}

#[test]
fn a_committed_transaction_ends_with_commit_markers_and_the_lso_catches_up() {
    let mut sim = transactional(IsolationLevel::ReadCommitted, 3);
    let events = run_checked(&mut sim, ms(10_000));
    let committed = events
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
        .count();
    assert!(committed > 20, "{committed} transactions committed");
    let markers = events
        .iter()
        .filter(|e| matches!(e.event, Event::TxnMarkerWritten { commit: true, .. }))
        .count();
    assert!(markers >= committed, "{markers} markers");
    // Every state Kafka names for a commit went by, in its log.
    for s in [
        TxnState::Empty,
        TxnState::Ongoing,
        TxnState::PrepareCommit,
        TxnState::CompleteCommit,
    ] {
        assert!(
            events
                .iter()
                .any(|e| matches!(&e.event, Event::TxnStateChanged { state, .. } if *state == s)),
            "{s:?} never written"
        );
    }
    assert!(coordinator_state(&sim).is_some());
    // Markers take offsets: the log holds more offsets than records.
    let tp = TopicPartition::new(TopicId(0), 0);
    let leader = sim.topics()[0].partitions[0].leader.unwrap();
    let r = &sim.brokers()[&leader].replicas[&tp];
    let lso = r.log.last_stable_offset(r.high_watermark);
    assert!(lso <= r.high_watermark && r.high_watermark <= r.log.log_end_offset());
    let c = sim.ledger().counts();
    assert_eq!(c.aborted, 0);
    assert!(c.consumed > 0);
}

#[test]
fn read_committed_skips_an_aborted_transaction_that_read_uncommitted_processes() {
    let mut counts = Vec::new();
    for isolation in [
        IsolationLevel::ReadUncommitted,
        IsolationLevel::ReadCommitted,
    ] {
        let mut sim = transactional(isolation, 5);
        run_checked(&mut sim, ms(6_000));
        sim.apply(ms(6_000), Command::AbortTransaction).unwrap();
        let events = run_checked(&mut sim, ms(20_000));
        assert!(
            events
                .iter()
                .any(|e| matches!(e.event, Event::TxnMarkerWritten { commit: false, .. })),
            "an ABORT marker"
        );
        assert!(events.iter().any(|e| matches!(
            e.event,
            Event::TxnCall {
                call: TxnCall::Aborted,
                ..
            }
        )));
        counts.push(sim.ledger().counts());
    }
    let (uncommitted, committed) = (counts[0], counts[1]);
    assert!(uncommitted.aborted > 0 && committed.aborted > 0);
    // read_uncommitted processes the aborted records; read_committed none of them.
    assert_eq!(uncommitted.read_aborted, uncommitted.aborted);
    assert_eq!(committed.read_aborted, 0);
    assert!(committed.consumed > 0);
}

#[test]
fn a_second_producer_with_the_same_transactional_id_fences_the_first() {
    let mut sim = transactional(IsolationLevel::ReadCommitted, 7);
    run_checked(&mut sim, ms(3_000));
    sim.apply(ms(3_000), Command::AddProducer).unwrap();
    let events = run_checked(&mut sim, ms(8_000));
    // The newcomer's InitProducerId bumps the epoch; the first producer's next request
    // meets the new epoch and it is fenced.
    assert!(
        events.iter().any(|e| matches!(
            e.event,
            Event::TxnCall {
                call: TxnCall::Fenced,
                ..
            }
        )) || sim.producers()[&ProducerId(0)]
            .txn
            .as_ref()
            .is_some_and(|t| t.state == kscope_core::txn::TxnClientState::FatalError),
        "the first producer is fenced"
    );
}

#[test]
fn transaction_log_values_are_counted_at_their_encoded_length() {
    let mut sim = transactional(IsolationLevel::ReadCommitted, 11);
    run_checked(&mut sim, ms(3_000));
    let names: Vec<&str> = sim.topics().iter().map(|t| t.spec.name.as_str()).collect();
    let mut seen = 0;
    for state in [TxnState::Empty, TxnState::Ongoing, TxnState::PrepareCommit] {
        let record = kscope_core::txn::TxnRecord {
            transactional_id: "payments-tx".into(),
            producer_id: 4,
            epoch: 7,
            timeout_ms: 60_000,
            state,
            partitions: if state == TxnState::Empty {
                vec![]
            } else {
                vec![
                    TopicPartition::new(TopicId(0), 0),
                    TopicPartition::new(TopicId(0), 1),
                    TopicPartition::new(TopicId(1), 3),
                ]
            },
            started_ms: 10,
            updated_ms: 20,
        };
        let bytes = record.value_bytes(&names);
        assert_eq!(record.value_len(&names) as usize, bytes.len(), "{state:?}");
        // TransactionLogValue v1: the version, then the producer id.
        assert_eq!(&bytes[..2], &[0, 1]);
        assert_eq!(&bytes[2..10], &4i64.to_be_bytes());
        seen += 1;
    }
    assert_eq!(seen, 3);
}
