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
    Sim::new(transactional_config(isolation), seed).expect("a valid configuration")
}

fn transactional_config(isolation: IsolationLevel) -> SimConfig {
    let mut config = cluster(3, 2, 3, 2);
    config.workload.rate = 200;
    config.producer.transactional_id = Some("payments-tx".into());
    config.workload.transaction_records = 20;
    config.workload.transaction_interval_ms = 1_000;
    config.consumers = 1;
    config.consumer.isolation_level = isolation;
    config.consumer.auto_offset_reset = kscope_core::config::OffsetReset::Earliest;
    config
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

/// The broker coordinating the transaction: the leader of its `__transaction_state`
/// partition.
fn coordinator(sim: &Sim) -> BrokerId {
    *sim.brokers()
        .iter()
        .find(|(_, b)| b.up && b.txn_state("payments-tx").is_some())
        .expect("a coordinator")
        .0
}

/// Every replica's last stable offset has caught up with its high watermark: no
/// transaction is left open or unmarked.
fn all_stable(sim: &Sim) -> bool {
    sim.brokers().values().filter(|b| b.up).all(|b| {
        b.replicas
            .iter()
            .filter(|(tp, _)| tp.topic == TopicId(0))
            .all(|(_, r)| r.log.last_stable_offset(r.high_watermark) == r.high_watermark)
    })
}

#[test]
fn a_new_coordinator_loads_the_transactions_and_the_producer_carries_on() {
    let mut sim = transactional(IsolationLevel::ReadCommitted, 13);
    run_checked(&mut sim, ms(5_000));
    let old = coordinator(&sim);
    sim.apply(ms(5_000), Command::CrashBroker(old)).unwrap();
    let events = run_checked(&mut sim, ms(40_000));
    let new = coordinator(&sim);
    assert_ne!(new, old);
    // After the failover the new coordinator completes transactions again.
    let later = events.iter().filter(|e| {
        e.at > ms(15_000)
            && matches!(&e.event, Event::TxnStateChanged { broker, state: TxnState::CompleteCommit, .. } if *broker == new)
    });
    assert!(later.count() > 5, "commits after the failover");
    // The application aborts its transaction and stops: everything is marked and stable.
    sim.apply(ms(40_000), Command::AbortTransaction).unwrap();
    let mut idle = sim.config().workload.clone();
    idle.rate = 0;
    sim.apply(ms(40_000), Command::SetWorkload(idle)).unwrap();
    run_checked(&mut sim, ms(60_000));
    assert!(
        all_stable(&sim),
        "a transaction left open after the failover"
    );
    let c = sim.ledger().counts();
    assert_eq!(c.read_aborted, 0);
}

#[test]
fn the_coordinator_aborts_a_transaction_open_past_its_timeout() {
    let mut config = cluster(3, 2, 3, 2);
    config.workload.rate = 200;
    config.producer.transactional_id = Some("payments-tx".into());
    config.producer.transaction_timeout_ms = 2_000;
    config.workload.transaction_records = 0;
    config.workload.transaction_interval_ms = 60_000;
    let mut sim = Sim::new(config, 17).expect("valid");
    let events = run_checked(&mut sim, ms(30_000));
    // The application never commits within the timeout: the coordinator's sweep (every
    // 10 s) finds the transaction and aborts it, fencing the producer's epoch.
    let timed_out = events
        .iter()
        .find(|e| matches!(e.event, Event::TxnTimedOut { .. }))
        .expect("a timed-out transaction");
    assert!(timed_out.at >= ms(10_000), "{:?}", timed_out.at);
    for s in [
        TxnState::PrepareEpochFence,
        TxnState::PrepareAbort,
        TxnState::CompleteAbort,
    ] {
        assert!(
            events
                .iter()
                .any(|e| matches!(&e.event, Event::TxnStateChanged { state, .. } if *state == s)),
            "{s:?}"
        );
    }
    assert!(all_stable(&sim));
    // The producer's next transactional request meets the bumped epoch: it is fenced.
    let t = sim.producers()[&ProducerId(0)].txn.as_ref().unwrap();
    assert_eq!(t.state, kscope_core::txn::TxnClientState::FatalError);
}

#[test]
fn a_coordinator_that_dies_mid_commit_is_succeeded_by_one_that_writes_the_markers() {
    let mut sim = transactional(IsolationLevel::ReadCommitted, 19);
    run_checked(&mut sim, ms(4_000));
    // Step until the coordinator has written PrepareCommit (replicated) and not yet
    // completed: the markers are on their way.
    let at = loop {
        let at = sim.step_one().expect("the run goes on");
        let preparing = sim
            .brokers()
            .values()
            .filter_map(|b| b.txn_state("payments-tx"))
            .any(|t| t.record.state == TxnState::PrepareCommit);
        if preparing {
            break at;
        }
        assert!(at < ms(10_000), "no commit prepared");
    };
    let old = coordinator(&sim);
    sim.apply(at, Command::CrashBroker(old)).unwrap();
    let mut idle = sim.config().workload.clone();
    idle.rate = 0;
    sim.apply(at, Command::SetWorkload(idle)).unwrap();
    let events = run_checked(&mut sim, ms(40_000));
    // The new coordinator loaded PrepareCommit from its replica of the log and finished
    // the commit: markers on every partition, CompleteCommit, nothing left open.
    let new = coordinator(&sim);
    assert_ne!(new, old);
    assert!(events.iter().any(|e| matches!(
        &e.event,
        Event::TxnStateChanged { broker, state: TxnState::CompleteCommit, .. } if *broker == new
    )));
    assert!(all_stable(&sim), "the prepared transaction was finished");
    assert_eq!(sim.ledger().counts().aborted, 0);
}

#[test]
fn compaction_keeps_the_transaction_markers() {
    let mut config = cluster(3, 1, 3, 2);
    config.topics[0].log.cleanup_policy = kscope_core::log::CleanupPolicy::Compact;
    config.topics[0].log.segment_bytes = 4_096;
    config.broker.log_cleaner_backoff_ms = 1_000;
    config.workload.rate = 200;
    config.workload.keys = 4;
    config.producer.transactional_id = Some("payments-tx".into());
    config.workload.transaction_records = 10;
    config.consumers = 1;
    config.consumer.isolation_level = IsolationLevel::ReadCommitted;
    config.consumer.auto_offset_reset = kscope_core::config::OffsetReset::Earliest;
    let mut sim = Sim::new(config, 23).expect("valid");
    let events = run_checked(&mut sim, ms(30_000));
    assert!(
        events
            .iter()
            .any(|e| matches!(e.event, Event::LogCompacted { .. })),
        "the cleaner ran"
    );
    // Every replica still holds a marker for each transaction it holds records of: the
    // cleaner keeps markers (their keys are their types, not records' keys).
    let tp = TopicPartition::new(TopicId(0), 0);
    for b in sim.brokers().values() {
        let log = &b.replicas[&tp].log;
        let markers = log.batches().filter(|b| b.marker.is_some()).count();
        assert!(markers > 50, "{markers} markers on {:?}", b.id);
    }
    assert_eq!(sim.ledger().counts().read_aborted, 0);
}

#[test]
fn an_aborted_transaction_is_an_entry_of_its_segments_txnindex() {
    let mut sim = transactional(IsolationLevel::ReadCommitted, 29);
    run_checked(&mut sim, ms(3_000));
    sim.apply(ms(3_000), Command::AbortTransaction).unwrap();
    run_checked(&mut sim, ms(6_000));
    // The aborted transaction's records went to one partition or both (the sticky
    // partitioner): each that holds them has one aborted transaction.
    let logs: Vec<&kscope_core::log::Log> = (0..2)
        .map(|p| {
            let leader = sim.topics()[0].partitions[p].leader.unwrap();
            &sim.brokers()[&leader].replicas[&TopicPartition::new(TopicId(0), p as u32)].log
        })
        .filter(|log| log.completed_txns().iter().any(|t| t.aborted))
        .collect();
    assert!(!logs.is_empty());
    let log = logs[0];
    let aborted: Vec<_> = log
        .completed_txns()
        .iter()
        .filter(|t| t.aborted)
        .copied()
        .collect();
    assert_eq!(aborted.len(), 1, "{aborted:?}");
    let t = aborted[0];
    let index = kscope_core::record_batch::txn_index(log, &log.segments()[0]);
    // AbortedTxn: version 0, producer id, first offset, last offset, last stable offset.
    assert_eq!(index.len(), 34);
    assert_eq!(&index[0..2], &[0, 0]);
    assert_eq!(&index[2..10], &t.producer_id.to_be_bytes());
    assert_eq!(&index[10..18], &t.first_offset.0.to_be_bytes());
    assert_eq!(&index[18..26], &t.last_offset.0.to_be_bytes());
    assert_eq!(&index[26..34], &t.last_stable_offset.0.to_be_bytes());
    // The marker is the ABORT control batch at the last offset; one producer, so the last
    // stable offset once it ended is the offset after the marker.
    let marker = log
        .batches()
        .find(|b| b.base_offset == t.last_offset)
        .unwrap();
    assert_eq!(marker.marker.map(|m| m.commit), Some(false));
    assert_eq!(t.last_stable_offset, marker.next_offset());
    assert!(t.first_offset < t.last_offset);
}

#[test]
fn a_marker_refused_by_a_deposed_leader_is_written_soon_after_the_new_leader_is_elected() {
    let mut sim = transactional(IsolationLevel::ReadCommitted, 31);
    run_checked(&mut sim, ms(4_000));
    // Step until a commit is prepared, then crash the leader of a partition it wrote to
    // (not the coordinator's broker).
    let coordinator = loop {
        sim.step_one().expect("the run goes on");
        let prepared = sim.brokers().iter().find(|(_, b)| {
            b.txn_state("payments-tx")
                .is_some_and(|t| t.record.state == TxnState::PrepareCommit)
        });
        if let Some((id, _)) = prepared {
            break *id;
        }
    };
    let t = sim.brokers()[&coordinator]
        .txn_state("payments-tx")
        .unwrap();
    let victim = t
        .record
        .partitions
        .iter()
        .map(|tp| {
            (
                *tp,
                sim.topics()[0].partitions[tp.partition as usize]
                    .leader
                    .unwrap(),
            )
        })
        .find(|(_, l)| *l != coordinator);
    let (tp, leader) = victim.expect("a partition another broker leads");
    let at = sim.now();
    sim.apply(at, Command::CrashBroker(leader)).unwrap();
    let events = run_checked(&mut sim, ms(30_000));
    let elected = events
        .iter()
        .find(|e| matches!(&e.event, Event::LeaderElected { partition, .. } if *partition == tp))
        .expect("a new leader")
        .at;
    let marked = events
        .iter()
        .find(|e| matches!(&e.event, Event::TxnMarkerWritten { partition, commit: true, .. } if *partition == tp))
        .expect("the marker written")
        .at;
    // Retried every 100 ms, not only at the coordinator's 10 s sweep.
    assert!(marked >= elected, "{marked:?} {elected:?}");
    assert!(
        marked.since(elected) <= Duration::from_millis(200),
        "{marked:?} long after {elected:?}"
    );
}

#[test]
fn an_abort_asked_for_at_any_moment_aborts_a_transaction_and_the_producer_goes_on() {
    // The presenter's abort lands in whatever state the application is in: in a
    // transaction, committing one, or between two; on fast links, and on the page's
    // (20 ms one way), where an abort can find the next transaction's first batch waiting
    // for its leader to verify it with the coordinator.
    for (latency_us, at) in [1_000, 20_000]
        .into_iter()
        .flat_map(|l| (2_000..2_400).step_by(20).map(move |at| (l, at)))
    {
        let mut config = transactional_config(IsolationLevel::ReadCommitted);
        config.network.latency_us = latency_us;
        config.workload.transaction_interval_ms = 100;
        let mut sim = Sim::new(config, 4).unwrap();
        run_checked(&mut sim, ms(at));
        let before = sim.producer().txn.as_ref().unwrap().state;
        sim.apply(ms(at), Command::AbortTransaction).unwrap();
        run_checked(&mut sim, ms(at + 5_000));
        let t = sim.producer().txn.as_ref().unwrap();
        assert!(
            t.aborted >= 1 && t.state != kscope_core::txn::TxnClientState::FatalError,
            "an abort asked for at {at} ms in {before:?} ({latency_us} us links): {:?}, {} aborted",
            t.state,
            t.aborted
        );
        let acked = sim.ledger().counts().acknowledged;
        run_checked(&mut sim, ms(at + 6_000));
        assert!(
            sim.ledger().counts().acknowledged > acked,
            "the producer goes on after an abort asked for at {at} ms in {before:?} ({:?})",
            sim.producer().txn.as_ref().unwrap().state
        );
    }
}

/// Runs until the application's transaction has records in a log, then crashes the
/// producing application; returns the instant of the crash.
fn crash_mid_transaction(sim: &mut Sim) -> Instant {
    let mut at = ms(3_000);
    run_checked(sim, at);
    loop {
        let t = sim.producer().txn.as_ref().expect("transactional");
        let appended = t
            .records
            .iter()
            .any(|r| sim.ledger().record(*r).is_some_and(|f| f.appends > 0));
        if t.state == kscope_core::txn::TxnClientState::InTransaction && appended {
            break;
        }
        at = at + kscope_core::Duration::from_millis(5);
        run_checked(sim, at);
        assert!(at < ms(10_000), "a transaction with appended records");
    }
    sim.apply(at, Command::CrashProducer(ProducerId(0)))
        .unwrap();
    at
}

#[test]
fn a_producer_crash_mid_transaction_is_aborted_when_the_application_restarts() {
    let mut counts = Vec::new();
    for isolation in [
        IsolationLevel::ReadUncommitted,
        IsolationLevel::ReadCommitted,
    ] {
        let mut sim = transactional(isolation, 23);
        let crashed = crash_mid_transaction(&mut sim);
        assert_eq!(coordinator_state(&sim), Some(TxnState::Ongoing));
        assert!(sim.ledger().counts().abandoned > 0);
        // Down, it sends nothing; the application's commands are refused.
        let record = kscope_core::producer::ProduceRecord {
            topic: TopicId(0),
            partition: None,
            key: None,
            value_len: Some(10),
            headers: Vec::new(),
            timestamp_ms: None,
        };
        let sent = sim.ledger().counts().sent;
        assert!(sim.apply(crashed, Command::Produce(record)).is_err());
        assert!(sim.apply(crashed, Command::AbortTransaction).is_err());
        let back = crashed + kscope_core::Duration::from_millis(2_000);
        run_checked(&mut sim, back);
        assert_eq!(sim.ledger().counts().sent, sent);
        assert_eq!(
            coordinator_state(&sim),
            Some(TxnState::Ongoing),
            "open until restarted"
        );
        sim.apply(back, Command::RestartProducer(ProducerId(0)))
            .unwrap();
        assert!(sim
            .apply(back, Command::RestartProducer(ProducerId(0)))
            .is_err());
        let events = run_checked(&mut sim, ms(20_000));
        // `initTransactions()` of the new process fences the old epoch and the coordinator
        // aborts what the old one left open, then the application commits again.
        for s in [
            TxnState::PrepareEpochFence,
            TxnState::PrepareAbort,
            TxnState::CompleteAbort,
        ] {
            assert!(
                events.iter().any(
                    |e| matches!(&e.event, Event::TxnStateChanged { state, .. } if *state == s)
                ),
                "{s:?}"
            );
        }
        assert!(events
            .iter()
            .any(|e| matches!(e.event, Event::TxnMarkerWritten { commit: false, .. })));
        let t = sim.producer().txn.as_ref().unwrap();
        assert!(
            t.committed > 5,
            "{} committed after the restart",
            t.committed
        );
        assert_eq!(sim.producer().incarnation, 1);
        counts.push(sim.ledger().counts());
    }
    let (uncommitted, committed) = (counts[0], counts[1]);
    assert!(uncommitted.aborted > 0 && committed.aborted > 0);
    assert_eq!(uncommitted.read_aborted, uncommitted.aborted);
    assert_eq!(committed.read_aborted, 0);
}

#[test]
fn a_crashed_producers_transaction_left_alone_is_aborted_after_its_timeout() {
    let mut config = transactional_config(IsolationLevel::ReadCommitted);
    config.producer.transaction_timeout_ms = 5_000;
    let mut sim = Sim::new(config, 29).expect("valid");
    let crashed = crash_mid_transaction(&mut sim);
    // The last stable offset stays at the open transaction until the coordinator's sweep
    // (every 10 s) finds it past its timeout.
    let events = run_checked(
        &mut sim,
        crashed + kscope_core::Duration::from_millis(30_000),
    );
    let timed_out = events
        .iter()
        .find(|e| matches!(e.event, Event::TxnTimedOut { .. }))
        .expect("timed out");
    assert!(timed_out.at >= crashed + kscope_core::Duration::from_millis(3_000));
    assert_eq!(coordinator_state(&sim), Some(TxnState::CompleteAbort));
    assert!(all_stable(&sim));
    let c = sim.ledger().counts();
    assert!(c.aborted > 0);
    assert_eq!(c.read_aborted, 0);
}

#[test]
fn an_idempotent_producer_restarted_after_a_crash_gets_a_new_producer_id() {
    let mut config = cluster(3, 2, 3, 2);
    config.workload.rate = 200;
    let mut sim = Sim::new(config, 31).expect("valid");
    let before = run_checked(&mut sim, ms(2_000));
    let first = before
        .iter()
        .find_map(|e| match e.event {
            Event::ProducerIdAssigned { producer_id, .. } => Some(producer_id),
            _ => None,
        })
        .expect("an id");
    sim.apply(ms(2_000), Command::CrashProducer(ProducerId(0)))
        .unwrap();
    let acked = sim.ledger().counts().acknowledged;
    sim.apply(ms(3_000), Command::RestartProducer(ProducerId(0)))
        .unwrap();
    let after = run_checked(&mut sim, ms(6_000));
    let second = after
        .iter()
        .find_map(|e| match e.event {
            Event::ProducerIdAssigned { producer_id, .. } => Some(producer_id),
            _ => None,
        })
        .expect("a new id");
    assert_ne!(first, second);
    let c = sim.ledger().counts();
    assert!(c.acknowledged > acked + 400, "{c:?}");
    assert_eq!(c.duplicated, 0);
    assert_eq!(
        c.sent,
        c.acknowledged + c.failed + c.abandoned + pending(&sim)
    );
}

fn pending(sim: &Sim) -> u64 {
    sim.ledger()
        .records()
        .filter(|r| r.status == kscope_core::ledger::RecordStatus::Pending)
        .count() as u64
}

#[test]
fn a_read_committed_consumers_own_lag_ends_at_the_lso_while_the_tools_lag_counts_to_the_hw() {
    let mut config = transactional_config(IsolationLevel::ReadCommitted);
    config.workload.transaction_records = 0;
    config.workload.transaction_interval_ms = 6_000;
    let mut sim = Sim::new(config, 37).expect("valid");
    // Mid-transaction: records of the open transaction are below the high watermark and
    // above the last stable offset; the caught-up consumer waits at the LSO.
    run_checked(&mut sim, ms(9_000));
    let consumer = sim.consumers().values().next().expect("a consumer");
    let lags = sim.group_lag();
    let mut checked = 0;
    for l in &lags {
        let leader = sim.partition(l.partition).leader.expect("a leader");
        let r = &sim.brokers()[&leader].replicas[&l.partition];
        let lso = r.log.last_stable_offset(r.high_watermark);
        let (Some(own), Some(position)) = (
            consumer.partition_lag(l.partition),
            consumer.positions.get(&l.partition).copied().flatten(),
        ) else {
            continue;
        };
        // Its fetch response gave the LSO; it reads no further.
        assert!(position <= lso, "{position:?} past the LSO {lso:?}");
        assert!(own >= 0 && own <= lso.0 - position.0, "own lag {own}");
        let tool = l.lag.expect("a committed offset");
        assert!(
            tool > own,
            "the tool counts the open transaction's records: {tool} against {own}"
        );
        checked += 1;
    }
    assert!(checked > 0, "{lags:?}");
}

#[test]
fn a_stalled_instance_is_fenced_by_its_successor_and_its_late_batches_are_refused() {
    let mut config = transactional_config(IsolationLevel::ReadCommitted);
    config.producer.request_timeout_ms = 5_000;
    let mut sim = Sim::new(config, 41).expect("valid");
    run_checked(&mut sim, ms(4_500));
    let brokers: Vec<BrokerId> = sim.brokers().keys().copied().collect();
    for b in &brokers {
        sim.apply(
            ms(4_500),
            Command::CutLink(NodeId::PRODUCER, NodeId::Broker(*b)),
        )
        .unwrap();
    }
    run_checked(&mut sim, ms(6_000));
    // The first instance is cut off, not dead: a second starts with the same
    // transactional.id and the workload moves to it.
    assert_eq!(coordinator_state(&sim), Some(TxnState::Ongoing));
    sim.apply(ms(6_000), Command::StartProducerInstance)
        .unwrap();
    assert_eq!(sim.producer().id, ProducerId(1));
    run_checked(&mut sim, ms(9_000));
    for b in &brokers {
        sim.apply(
            ms(9_000),
            Command::HealLink(NodeId::PRODUCER, NodeId::Broker(*b)),
        )
        .unwrap();
    }
    let events = run_checked(&mut sim, ms(25_000));
    // The zombie's batches carry the old epoch: refused, and it can only close.
    let zombie = sim.producers()[&ProducerId(0)].txn.as_ref().unwrap();
    assert_eq!(zombie.state, kscope_core::txn::TxnClientState::FatalError);
    assert!(events.iter().any(|e| matches!(
        e.event,
        Event::ProduceRejected {
            error: kscope_core::event::KafkaError::InvalidProducerEpoch
                | kscope_core::event::KafkaError::ProducerFenced,
            ..
        }
    )));
    let successor = sim.producer().txn.as_ref().unwrap();
    assert!(successor.committed > 5, "{}", successor.committed);
    let c = sim.ledger().counts();
    assert!(c.aborted > 0, "{c:?}");
    assert_eq!(c.read_aborted, 0);
}
