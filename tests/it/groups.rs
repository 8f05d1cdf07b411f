//! Consumer groups: scenario tests that read like traces.

use kscope_core::event::Event;
use kscope_core::group::GroupState;
use kscope_core::*;
use kscope_tests::*;

fn run(sim: &mut Sim, until: u64, trace: &mut Vec<TimedEvent>) {
    trace.extend(run_checked(sim, ms(until)).unwrap_or_else(|e| panic!("{e}")));
}

fn group_config(partitions: u32, consumers: u32) -> SimConfig {
    let mut config = cluster(3, partitions, 3, 2);
    config.workload.rate = 200;
    config.consumers = consumers;
    config.consumer.auto_offset_reset = config::OffsetReset::Earliest;
    config
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
