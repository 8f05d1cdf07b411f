//! ZooKeeper mode (Kafka 3.9 and earlier): a ZooKeeper ensemble commits the controller's
//! decisions, the controller is the broker that holds `/controller`, and a broker's
//! liveness is its ZooKeeper session (`zookeeper.session.timeout.ms`).

use kscope_core::config::{KafkaVersion, MetadataMode};
use kscope_core::event::Event;
use kscope_core::ids::{BrokerId, TopicPartition};
use kscope_core::raft::ControllerId;
use kscope_core::zookeeper::ZkRole;
use kscope_core::*;
use kscope_tests::*;

/// Three brokers, `orders` (3 partitions, RF 3, min ISR 2), Kafka 3.9 in ZooKeeper mode
/// with an ensemble of `servers`.
pub fn zookeeper_config(servers: u32) -> SimConfig {
    let mut config = cluster(3, 3, 3, 2);
    config.broker.metadata_mode = MetadataMode::ZooKeeper;
    config.broker.version = KafkaVersion::V3_9;
    config.broker.zookeeper_servers = servers;
    config
}

fn server(myid: u32) -> ControllerId {
    ControllerId(myid)
}

/// The ensemble's established leader.
fn zk_leader(sim: &Sim) -> Option<ControllerId> {
    sim.control_plane()
        .and_then(|c| c.zookeeper())
        .and_then(|z| z.active())
        .map(|n| n.id)
}

fn first_at(events: &[TimedEvent], f: impl Fn(&Event) -> bool) -> Option<Instant> {
    events.iter().find(|e| f(&e.event)).map(|e| e.at)
}

fn led_by(sim: &Sim, b: u32) -> Vec<TopicPartition> {
    sim.all_partitions()
        .filter(|tp| sim.partition(*tp).leader == Some(BrokerId(b)))
        .collect()
}

/// Steps until every partition in `tps` has a leader other than broker `b`; when.
fn until_moved(sim: &mut Sim, tps: &[TopicPartition], b: u32, deadline: u64) -> Instant {
    while tps
        .iter()
        .any(|tp| sim.partition(*tp).leader.is_none_or(|l| l == BrokerId(b)))
    {
        assert!(sim.now() < ms(deadline), "no new leader by {deadline} ms");
        sim.step_one();
    }
    sim.now()
}

#[test]
fn an_ensemble_starts_with_its_greatest_myid_leading_and_the_first_broker_as_controller() {
    for servers in [1, 3, 5] {
        let mut sim = Sim::new(zookeeper_config(servers), 3).expect("valid");
        run_checked(&mut sim, ms(2_000));
        assert!(sim.zookeeper_mode());
        assert_eq!(zk_leader(&sim), Some(server(servers)));
        assert_eq!(sim.controller_broker(), Some((BrokerId(0), 1)));
        let z = sim.control_plane().unwrap().zookeeper().unwrap();
        assert_eq!(z.majority(), servers as usize / 2 + 1);
        for n in &z.nodes {
            let want = if n.id == server(servers) {
                ZkRole::Leading
            } else {
                ZkRole::Following(server(servers))
            };
            assert_eq!(n.role, want, "{servers} servers");
        }
    }
}

#[test]
fn zookeeper_mode_is_kafka_4_0s_configuration_error() {
    let mut config = zookeeper_config(3);
    config.broker.version = KafkaVersion::V4_0;
    let err = Sim::new(config, 1).expect_err("4.0 has no ZooKeeper mode");
    assert_eq!(err.config, "metadata.mode");
    assert!(
        err.message
            .starts_with("Missing required configuration \"process.roles\""),
        "{}",
        err.message
    );
    for (servers, ok) in [
        (0, false),
        (1, true),
        (2, false),
        (3, true),
        (5, true),
        (7, false),
    ] {
        let r = Sim::new(zookeeper_config(servers), 1);
        assert_eq!(r.is_ok(), ok, "{servers} servers");
    }
    let mut config = zookeeper_config(3);
    config.broker.zookeeper_session_timeout_ms = 60_000;
    let err = Sim::new(config, 1).expect_err("above 20 ticks");
    assert_eq!(err.config, "zookeeper.session.timeout.ms");
}

#[test]
fn a_dead_broker_loses_its_partitions_when_its_zookeeper_session_expires() {
    let mut sim = Sim::new(zookeeper_config(3), 3).expect("valid");
    run_checked(&mut sim, ms(5_000));
    let led = led_by(&sim, 1);
    assert!(!led.is_empty());
    sim.apply(ms(5_000), Command::CrashBroker(BrokerId(1)))
        .expect("up");
    let events = run_checked(&mut sim, ms(22_900));
    assert!(!events.iter().any(|e| matches!(
        e.event,
        Event::BrokerSessionExpired { .. } | Event::LeaderElected { .. }
    )));
    let events = run_checked(&mut sim, ms(23_000));
    let expired = first_at(
        &events,
        |e| matches!(e, Event::BrokerSessionExpired { broker } if *broker == BrokerId(1)),
    )
    .expect("expired");
    assert_eq!(expired, ms(23_000));
    let moved = until_moved(&mut sim, &led, 1, 24_000);
    assert!(moved.since(ms(23_000)).millis() < 50, "{moved:?}");
    // The controller did not change.
    assert_eq!(sim.controller_broker(), Some((BrokerId(0), 1)));
}

#[test]
fn the_controller_broker_dying_leaves_no_controller_until_its_session_expires() {
    let mut config = zookeeper_config(3);
    config.workload.rate = 100;
    let mut sim = Sim::new(config, 7).expect("valid");
    run_checked(&mut sim, ms(5_000));
    let led = led_by(&sim, 0);
    assert!(!led.is_empty());
    sim.apply(ms(5_000), Command::CrashBroker(BrokerId(0)))
        .expect("up");
    // The followers of its partitions stop fetching from it, but nobody can shrink an
    // ISR or elect a leader: the controller is the dead broker.
    let events = run_checked(&mut sim, ms(22_900));
    assert_eq!(sim.controller_broker(), None);
    assert!(!events.iter().any(|e| matches!(
        e.event,
        Event::LeaderElected { .. } | Event::IsrShrunk { .. } | Event::ControllerElected { .. }
    )));
    // At 18 s its session expires with `/controller`; a live broker wins the race,
    // bumps controller_epoch and moves the dead broker's partitions.
    let events = run_checked(&mut sim, ms(23_100));
    let elected = events
        .iter()
        .find_map(|e| match e.event {
            Event::ControllerElected { broker, epoch } => Some((e.at, broker, epoch)),
            _ => None,
        })
        .expect("a new controller");
    assert!(elected.0.since(ms(23_000)).millis() < 50);
    assert_ne!(elected.1, BrokerId(0));
    assert_eq!(elected.2, 2);
    assert_eq!(sim.controller_broker(), Some((elected.1, 2)));
    until_moved(&mut sim, &led, 0, 23_200);
}

#[test]
fn the_zookeeper_leader_crashing_elects_the_follower_with_the_latest_zxid_at_once() {
    let mut sim = Sim::new(zookeeper_config(3), 3).expect("valid");
    run_checked(&mut sim, ms(2_000));
    sim.apply(ms(2_000), Command::CrashController(server(3)))
        .expect("up");
    let events = run_checked(&mut sim, ms(3_000));
    let at = first_at(
        &events,
        |e| matches!(e, Event::ZooKeeperLeader { node: Some(n), .. } if *n == server(2)),
    )
    .expect("a new leader");
    // The followers learn at once (the leader's connections close), agree, wait
    // finalizeWait (200 ms) and synchronise.
    let took = at.since(ms(2_000)).millis();
    assert!((200..300).contains(&took), "{took} ms");
    let z = sim.control_plane().unwrap().zookeeper().unwrap();
    assert_eq!(z.node(server(2)).unwrap().epoch, 2);
    assert_eq!(
        z.node(server(1)).unwrap().role,
        ZkRole::Following(server(2))
    );
    // The old leader comes back as a follower.
    sim.apply(ms(3_000), Command::RestartController(server(3)))
        .expect("down");
    run_checked(&mut sim, ms(4_000));
    let z = sim.control_plane().unwrap().zookeeper().unwrap();
    assert_eq!(
        z.node(server(3)).unwrap().role,
        ZkRole::Following(server(2))
    );
    assert_eq!(zk_leader(&sim), Some(server(2)));
}

#[test]
fn losing_the_ensembles_majority_freezes_every_change_until_a_server_returns() {
    let mut config = zookeeper_config(5);
    config.workload.rate = 100;
    let mut sim = Sim::new(config, 5).expect("valid");
    run_checked(&mut sim, ms(2_000));
    // Two of five down: the ensemble carries on.
    for n in [1, 2] {
        sim.apply(ms(2_000), Command::CrashController(server(n)))
            .expect("up");
    }
    run_checked(&mut sim, ms(4_000));
    assert_eq!(zk_leader(&sim), Some(server(5)));
    // A third: the leader finds no majority at its next half tick and looks again.
    sim.apply(ms(4_000), Command::CrashController(server(3)))
        .expect("up");
    let events = run_checked(&mut sim, ms(6_000));
    let lost = first_at(&events, |e| {
        matches!(e, Event::ZooKeeperLeader { node: None, .. })
    })
    .expect("leader gone");
    assert!(lost.since(ms(4_000)).millis() <= 1_000);
    assert_eq!(zk_leader(&sim), None);
    // A broker dies: no session expires, nothing moves.
    let led = led_by(&sim, 1);
    sim.apply(ms(6_000), Command::CrashBroker(BrokerId(1)))
        .expect("up");
    let events = run_checked(&mut sim, ms(40_000));
    assert!(!events.iter().any(|e| matches!(
        e.event,
        Event::BrokerSessionExpired { .. } | Event::LeaderElected { .. } | Event::IsrShrunk { .. }
    )));
    for tp in &led {
        assert_eq!(sim.partition(*tp).leader, Some(BrokerId(1)));
    }
    // A server returns: a leader is elected, every session starts afresh, and the
    // dead broker's expires 18 s later.
    sim.apply(ms(40_000), Command::RestartController(server(3)))
        .expect("down");
    let events = run_checked(&mut sim, ms(60_000));
    let back = first_at(&events, |e| {
        matches!(e, Event::ZooKeeperLeader { node: Some(_), .. })
    })
    .expect("a leader");
    let expired = first_at(
        &events,
        |e| matches!(e, Event::BrokerSessionExpired { broker } if *broker == BrokerId(1)),
    )
    .expect("expired");
    assert_eq!(expired.since(back).millis(), 18_000);
    for tp in &led {
        let p = sim.partition(*tp);
        assert!(p.leader.is_some() && p.leader != Some(BrokerId(1)), "{p:?}");
    }
}

#[test]
fn a_broker_restarted_during_its_old_session_registers_once_it_expires_and_rejoins() {
    let mut sim = Sim::new(zookeeper_config(3), 3).expect("valid");
    run_checked(&mut sim, ms(2_000));
    sim.apply(ms(2_000), Command::CrashBroker(BrokerId(2)))
        .expect("up");
    sim.apply(ms(3_000), Command::RestartBroker(BrokerId(2)))
        .expect("down");
    run_checked(&mut sim, ms(19_000));
    assert!(!sim.brokers()[&BrokerId(2)].up, "waits for its old session");
    run_checked(&mut sim, ms(40_000));
    assert!(sim.brokers()[&BrokerId(2)].up);
    for tp in sim.all_partitions().collect::<Vec<_>>() {
        assert!(
            sim.partition(tp).isr.contains(&BrokerId(2)),
            "{tp:?}: {:?}",
            sim.partition(tp)
        );
    }
}

#[test]
fn time_to_a_new_partition_leader_after_a_broker_crash_in_zookeeper_mode() {
    for servers in [1, 3, 5] {
        let mut sim = Sim::new(zookeeper_config(servers), 3).expect("valid");
        run_checked(&mut sim, ms(5_000));
        let led = led_by(&sim, 1);
        assert!(!led.is_empty());
        sim.apply(ms(5_000), Command::CrashBroker(BrokerId(1)))
            .expect("up");
        run_checked(&mut sim, ms(22_900));
        let (moved, acting) = until_new_leaders(&mut sim, &led, BrokerId(1), ms(40_000));
        let took = moved.since(ms(5_000)).millis();
        let leads = acting.since(ms(5_000)).millis();
        println!(
            "zookeeper {servers} servers: a new leader committed {took} ms after the crash, \
             leading {leads} ms after it"
        );
        // zookeeper.session.timeout.ms, then the ensemble's commit of the new state,
        // then the controller's LeaderAndIsr to the new leader's broker.
        assert!((18_000..18_100).contains(&took), "{servers}: {took} ms");
        assert!(leads > took && leads < 18_100, "{servers}: {leads} ms");
        if servers == 1 {
            assert_eq!(took, 18_000);
        } else {
            assert!(took > 18_000);
        }
    }
}
