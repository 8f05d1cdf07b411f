//! The delivery guarantee a configuration promises (Kafka's documentation, "Message
//! Delivery Semantics"), case by case, and what runs delivered.

use kscope_core::config::{Acks, ManualCommit, SendMode};
use kscope_core::guarantee::{Guarantee, Weakness};
use kscope_core::*;
use kscope_tests::*;

/// One configuration: what changes from a 3-broker cluster with RF 3, min ISR 2 and the
/// 4.0 producer's defaults (acks=all, idempotent), whether a group consumes, and what it
/// promises.
struct Case {
    name: &'static str,
    change: fn(&mut SimConfig),
    consumers: bool,
    promise: Guarantee,
    weaknesses: &'static [Weakness],
}

const CASES: &[Case] = &[
    Case {
        name: "the defaults, in the log",
        change: |_| {},
        consumers: false,
        promise: Guarantee::ExactlyOnce,
        weaknesses: &[],
    },
    Case {
        name: "the defaults, a group committing after processing",
        change: |_| {},
        consumers: true,
        promise: Guarantee::AtLeastOnce,
        weaknesses: &[Weakness::CommitAfterProcessing],
    },
    Case {
        name: "commitSync before processing",
        change: |c| {
            c.consumer.enable_auto_commit = false;
            c.consumer.manual_commit = ManualCommit::BeforeProcessing;
        },
        consumers: true,
        promise: Guarantee::AtMostOnce,
        weaknesses: &[Weakness::CommitBeforeProcessing],
    },
    Case {
        name: "acks=0",
        change: |c| c.producer.acks = Acks::None,
        consumers: false,
        promise: Guarantee::AtMostOnce,
        weaknesses: &[Weakness::Acks0],
    },
    Case {
        name: "acks=1 (idempotence silently off, so retries can duplicate)",
        change: |c| c.producer.acks = Acks::Leader,
        consumers: false,
        promise: Guarantee::None,
        weaknesses: &[Weakness::Acks1, Weakness::RetriesWithoutIdempotence],
    },
    Case {
        name: "min.insync.replicas=1",
        change: |c| c.topics[0].min_insync_replicas = 1,
        consumers: false,
        promise: Guarantee::AtMostOnce,
        weaknesses: &[Weakness::MinIsrOne(0)],
    },
    Case {
        name: "replication.factor=1 (min.insync.replicas 2 is capped at 1)",
        change: |c| c.topics[0].replication_factor = 1,
        consumers: false,
        promise: Guarantee::AtMostOnce,
        weaknesses: &[Weakness::MinIsrOne(0)],
    },
    Case {
        name: "unclean.leader.election.enable=true",
        change: |c| c.topics[0].unclean_leader_election_enable = true,
        consumers: false,
        promise: Guarantee::AtMostOnce,
        weaknesses: &[Weakness::Unclean(0)],
    },
    Case {
        name: "enable.idempotence=false with retries",
        change: |c| c.producer.enable_idempotence = Some(false),
        consumers: false,
        promise: Guarantee::AtLeastOnce,
        weaknesses: &[Weakness::RetriesWithoutIdempotence],
    },
    Case {
        name: "retries=0",
        change: |c| {
            c.producer.enable_idempotence = Some(false);
            c.producer.retries = 0;
        },
        consumers: false,
        promise: Guarantee::AtMostOnce,
        weaknesses: &[Weakness::NoRetries],
    },
    Case {
        name: "fire-and-forget sends",
        change: |c| c.workload.send_mode = SendMode::FireAndForget,
        consumers: false,
        promise: Guarantee::AtMostOnce,
        weaknesses: &[Weakness::FireAndForget],
    },
    Case {
        name: "acks=1 and commit before processing",
        change: |c| {
            c.producer.acks = Acks::Leader;
            c.producer.retries = 0;
            c.consumer.enable_auto_commit = false;
            c.consumer.manual_commit = ManualCommit::BeforeProcessing;
        },
        consumers: true,
        promise: Guarantee::AtMostOnce,
        weaknesses: &[
            Weakness::Acks1,
            Weakness::NoRetries,
            Weakness::CommitBeforeProcessing,
        ],
    },
];

#[test]
fn each_configuration_promises_what_kafkas_delivery_semantics_say() {
    for case in CASES {
        let mut config = cluster(3, 3, 3, 2);
        (case.change)(&mut config);
        let promise = guarantee::promise(&config, case.consumers);
        assert_eq!(
            (promise.guarantee, promise.weaknesses.as_slice()),
            (case.promise, case.weaknesses),
            "{}",
            case.name
        );
    }
}

#[test]
fn a_run_that_lost_nothing_and_repeated_nothing_delivered_exactly_once_so_far() {
    let mut config = cluster(3, 3, 3, 2);
    config.workload.rate = 200;
    let mut sim = Sim::new(config, 5).unwrap();
    run_checked(&mut sim, ms(5_000));
    assert!(sim.ledger().counts().acknowledged > 500);
    assert_eq!(sim.delivered_guarantee().guarantee, Guarantee::ExactlyOnce);
    assert_eq!(sim.promised_guarantee().guarantee, Guarantee::ExactlyOnce);
}

#[test]
fn acks_1_losing_records_to_a_leader_crash_delivered_at_most_once() {
    let mut config = cluster(3, 1, 3, 1);
    config.producer.acks = Acks::Leader;
    config.workload.rate = 500;
    // Followers a little behind: the leader acknowledges what they do not have yet.
    config.network.latency_us = 20_000;
    let mut sim = Sim::new(config, 8).unwrap();
    run_checked(&mut sim, ms(3_000));
    let leader = sim.topics()[0].partitions[0].leader.unwrap();
    sim.apply(ms(3_000), Command::CrashBroker(leader)).unwrap();
    run_checked(&mut sim, ms(20_000));
    let d = sim.delivered_guarantee();
    assert!(d.lost > 0, "{d:?}");
    assert_eq!(d.guarantee, Guarantee::AtMostOnce, "{d:?}");
}
