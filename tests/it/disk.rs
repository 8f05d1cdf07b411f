//! The page cache and the disk: appends land in the page cache; the kernel writes them
//! back after `vm.dirty_expire_centisecs` (30 s), Kafka flushes a segment when it rolls,
//! a process crash keeps the page cache and a power loss does not. What the notes get
//! wrong: `acks=all` acknowledges records that are on no disk at all.

use kscope_core::event::{Event, LossCause};
use kscope_core::*;
use kscope_tests::*;

fn tp0() -> TopicPartition {
    TopicPartition::new(TopicId(0), 0)
}

/// Three brokers, one partition on all three (`min.insync.replicas=2`, `acks=all`), 200
/// records a second.
fn three_replicas(seed: u64) -> Sim {
    let mut config = cluster(3, 1, 3, 2);
    config.workload.rate = 200;
    Sim::new(config, seed).expect("a valid configuration")
}

fn leo(sim: &Sim, b: u32) -> Offset {
    sim.brokers()[&BrokerId(b)].replicas[&tp0()]
        .log
        .log_end_offset()
}

fn on_disk(sim: &Sim, b: u32) -> Offset {
    sim.brokers()[&BrokerId(b)].replicas[&tp0()].log.on_disk()
}

#[test]
fn the_kernel_writes_back_what_was_dirty_for_30_s_and_a_crash_keeps_the_page_cache() {
    let mut sim = three_replicas(1);
    run_checked(&mut sim, ms(20_000));
    // Nothing rolled and nothing is 30 s old: all of it is in the page cache alone.
    assert!(leo(&sim, 0) > Offset(3_000));
    assert_eq!(on_disk(&sim, 0), Offset(0));
    run_checked(&mut sim, ms(45_000));
    // At 45 s the flusher (every 5 s) has written back the log as it stood at 15 s.
    let disk = on_disk(&sim, 0);
    assert!(
        disk > Offset(2_000) && disk < leo(&sim, 0),
        "{disk:?} of {:?}",
        leo(&sim, 0)
    );
    // A process crash keeps it all, page cache included.
    sim.apply(ms(45_001), Command::CrashBroker(BrokerId(1)))
        .unwrap();
    let before = leo(&sim, 1);
    run_checked(&mut sim, ms(46_000));
    assert_eq!(leo(&sim, 1), before);
}

#[test]
fn a_rolled_segment_is_flushed_at_once_and_survives_a_power_loss() {
    let mut config = cluster(3, 1, 3, 2);
    config.workload.rate = 200;
    config.topics[0].log.segment_bytes = 16_384;
    let mut sim = Sim::new(config, 2).unwrap();
    run_checked(&mut sim, ms(10_000));
    let log = &sim.brokers()[&BrokerId(2)].replicas[&tp0()].log;
    let active = log.segments().last().unwrap().base_offset;
    assert!(log.segments().len() > 3);
    assert_eq!(
        log.recovery_point(),
        active,
        "UnifiedLog.roll flushed up to the new segment"
    );
    sim.apply(ms(10_001), Command::PowerOffBroker(BrokerId(2)))
        .unwrap();
    let trace = run_checked(&mut sim, ms(10_100));
    assert_eq!(
        leo(&sim, 2),
        active,
        "only the active segment's page cache was lost"
    );
    assert!(trace.iter().any(|e| matches!(
        e.event,
        Event::LogRecovered { broker: BrokerId(2), to, records_removed, .. } if to == active && records_removed > 0
    )));
    // One replica's power loss loses nothing acknowledged: the others hold it.
    assert_eq!(sim.ledger().counts().lost, 0);
    // Back on, it catches up from the leader and rejoins the ISR.
    sim.apply(ms(12_000), Command::RestartBroker(BrokerId(2)))
        .unwrap();
    run_checked(&mut sim, ms(40_000));
    assert!(sim.partition(tp0()).isr.contains(&BrokerId(2)));
    assert!(leo(&sim, 2) > active);
    assert_eq!(sim.ledger().counts().lost, 0);
}

#[test]
fn acks_all_loses_acknowledged_records_when_every_replica_loses_power_at_once() {
    let mut sim = three_replicas(3);
    run_checked(&mut sim, ms(40_000));
    let acked_before = sim.ledger().counts().acknowledged;
    let disk: Vec<Offset> = (0..3).map(|b| on_disk(&sim, b)).collect();
    assert!(
        disk.iter().all(|d| *d > Offset(0) && *d < leo(&sim, 0)),
        "{disk:?}"
    );
    // A power cut of the whole rack.
    for b in 0..3 {
        sim.apply(ms(40_001), Command::PowerOffBroker(BrokerId(b)))
            .unwrap();
    }
    let mut trace = run_checked(&mut sim, ms(41_000));
    let lost = sim.ledger().counts().lost;
    assert!(
        lost > 1_000,
        "{lost} of {acked_before} acknowledged records lost"
    );
    let causes: Vec<_> = sim.ledger().losses().map(|(c, _)| c).collect();
    assert!(
        causes
            .iter()
            .all(|c| matches!(c, LossCause::PowerLoss { .. })),
        "{causes:?}"
    );
    assert_eq!(sim.power_losses(), 3);
    // Every broker comes back; a leader is elected from what reached the disks, and the
    // records acknowledged before the last write-back are all there.
    for b in 0..3 {
        sim.apply(ms(42_000), Command::RestartBroker(BrokerId(b)))
            .unwrap();
    }
    trace.extend(run_checked(&mut sim, ms(70_000)));
    let leader = sim.partition(tp0()).leader.expect("a leader again");
    let held = sim.brokers()[&leader].replicas[&tp0()].log.log_end_offset();
    assert!(held >= *disk.iter().max().unwrap());
    assert_eq!(
        sim.ledger().counts().lost,
        lost,
        "no more lost once they are back"
    );
    assert!(trace.iter().any(|e| matches!(
        e.event,
        Event::BrokerPowerLost {
            broker: BrokerId(0)
        }
    )));
}

#[test]
fn powering_off_a_broker_that_is_down_or_unknown() {
    let mut sim = three_replicas(4);
    run_checked(&mut sim, ms(5_000));
    sim.apply(ms(5_001), Command::CrashBroker(BrokerId(0)))
        .unwrap();
    let kept = leo(&sim, 0);
    assert!(kept > Offset(0));
    // The process is down; the machine still loses its page cache.
    sim.apply(ms(5_002), Command::PowerOffBroker(BrokerId(0)))
        .unwrap();
    run_checked(&mut sim, ms(5_100));
    assert_eq!(leo(&sim, 0), Offset(0));
    assert!(sim
        .apply(ms(5_200), Command::PowerOffBroker(BrokerId(9)))
        .is_err());
}

fn cache(sim: &Sim, b: u32) -> kscope_core::broker::PageCache {
    sim.brokers()[&BrokerId(b)].page_cache.clone()
}

/// Reads: followers and a consumer at the log end are served from the page cache; a
/// consumer that fell behind by more than the cache holds reads the disk until it has
/// caught up.
#[test]
fn a_lagging_consumer_turns_page_cache_hits_into_disk_reads() {
    let mut config = cluster(3, 1, 3, 2);
    config.workload.rate = 500;
    config.consumers = 1;
    config.broker.os_page_cache_bytes = 256 * 1024;
    let mut sim = Sim::new(config, 4).unwrap();
    run_checked(&mut sim, ms(20_000));
    let leader = sim.partition(tp0()).leader.unwrap().0;
    let before = cache(&sim, leader);
    assert!(before.hits > 100, "{before:?}");
    for b in 0..3 {
        // `__consumer_offsets` too, whose records the coordinator appends.
        assert_eq!(
            cache(&sim, b).misses,
            0,
            "everyone reads what was just appended"
        );
    }
    // The consumer stops polling for 30 s: the log grows by far more than the cache.
    sim.apply(
        ms(20_000),
        Command::PauseConsumer {
            consumer: ConsumerId(0),
            paused: true,
        },
    )
    .unwrap();
    run_checked(&mut sim, ms(50_000));
    let paused = cache(&sim, leader);
    assert_eq!(paused.misses, 0, "the followers still read from memory");
    assert!(paused.appended - before.appended > 4 * paused.capacity);
    sim.apply(
        ms(50_000),
        Command::PauseConsumer {
            consumer: ConsumerId(0),
            paused: false,
        },
    )
    .unwrap();
    run_checked(&mut sim, ms(60_000));
    let behind = cache(&sim, leader);
    assert!(
        behind.miss_bytes > 2 * behind.capacity,
        "it read what it missed from the disk: {behind:?}"
    );
    // Caught up, it reads from memory again.
    run_checked(&mut sim, ms(80_000));
    let after = cache(&sim, leader);
    assert_eq!(after.misses, behind.misses, "{after:?}");
    assert!(after.hits > behind.hits);
}
