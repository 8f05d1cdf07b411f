//! The KRaft controller quorum (`controller.quorum.voters`, KIP-595): elections, the
//! metadata log committed by a majority, an active controller that can fail, and what the
//! brokers do while no controller is active.

use kscope_core::event::Event;
use kscope_core::ids::{BrokerId, TopicPartition};
use kscope_core::raft::{ControllerId, Role};
use kscope_core::*;
use kscope_tests::*;

/// Three brokers, `orders` (3 partitions, RF 3, min ISR 2), a quorum of `voters`.
pub fn quorum_config(voters: u32) -> SimConfig {
    let mut config = cluster(3, 3, 3, 2);
    config.broker.controller_quorum_voters = voters;
    config
}

fn active(sim: &Sim) -> Option<ControllerId> {
    sim.control_plane()
        .and_then(|c| c.quorum().expect("KRaft").active())
        .map(|n| n.id)
}

fn controller(n: u32) -> ControllerId {
    ControllerId(kscope_core::raft::FIRST_CONTROLLER_ID + n)
}

/// When the first event matching `f` happened, if it did.
fn first_at(events: &[TimedEvent], f: impl Fn(&Event) -> bool) -> Option<Instant> {
    events.iter().find(|e| f(&e.event)).map(|e| e.at)
}

#[test]
fn a_quorum_starts_with_one_active_controller_and_commits_what_it_decides() {
    for voters in [1, 3, 5] {
        let mut sim = Sim::new(quorum_config(voters), 3).expect("valid");
        run_checked(&mut sim, ms(5_000));
        let c = sim.control_plane().expect("a quorum");
        assert_eq!(c.quorum().expect("KRaft").nodes.len(), voters as usize);
        assert_eq!(active(&sim), Some(controller(0)));
        let leaders = c
            .quorum()
            .expect("KRaft")
            .nodes
            .iter()
            .filter(|n| n.role == Role::Leader)
            .count();
        assert_eq!(leaders, 1);
        // A broker crash: fenced broker.session.timeout.ms after its last heartbeat
        // reached the active controller (at 4005 ms: heartbeats leave 2 s after the last
        // answer, at 0, 2002 and 4004 ms, one link away), its partitions led elsewhere,
        // all of it in the metadata log and committed on every voter.
        let before = c.quorum().expect("KRaft").nodes[0].log.len();
        sim.apply(ms(5_000), Command::CrashBroker(BrokerId(0)))
            .expect("up");
        let events = run_checked(&mut sim, ms(20_000));
        let fenced = first_at(&events, |e| matches!(e, Event::BrokerFenced { .. }));
        assert_eq!(fenced, Some(ms(13_005)), "{voters} voters");
        assert_eq!(
            sim.control_plane().unwrap().last_contact.get(&BrokerId(0)),
            None,
            "a fenced broker's session is over"
        );
        let c = sim.control_plane().expect("a quorum");
        let leader = &c.quorum().expect("KRaft").nodes[0];
        assert!(leader.log.len() > before, "records appended");
        assert_eq!(
            leader.high_watermark,
            leader.log.len() as u64,
            "all committed"
        );
        for n in &c.quorum().expect("KRaft").nodes {
            assert_eq!(n.log, leader.log, "every voter holds the log");
        }
        for tp in sim.all_partitions() {
            assert_ne!(sim.partition(tp).leader, Some(BrokerId(0)), "{tp:?}");
        }
    }
}

#[test]
fn the_active_controller_crashing_elects_another_after_the_fetch_timeout() {
    for seed in 1..=5 {
        let mut sim = Sim::new(quorum_config(3), seed).expect("valid");
        run_checked(&mut sim, ms(2_000));
        sim.apply(ms(2_000), Command::CrashController(controller(0)))
            .expect("up");
        let events = run_checked(&mut sim, ms(12_000));
        let elected = events
            .iter()
            .find_map(|e| match e.event {
                Event::ActiveController {
                    node: Some(n),
                    epoch,
                } => Some((e.at, n, epoch)),
                _ => None,
            })
            .expect("a new active controller");
        // The followers give up on the leader after controller.quorum.fetch.timeout.ms
        // (2 s after their last fetch response), then pre-vote and vote within the
        // election timeout's jitter.
        let waited = elected.0.since(ms(2_000)).millis();
        assert!(
            (1_500..=6_200).contains(&waited),
            "seed {seed}: {waited} ms"
        );
        assert_ne!(elected.1, controller(0));
        // Both followers lose the leader at once: their first election may split.
        assert!(
            (2..=4).contains(&elected.2),
            "seed {seed}: epoch {}",
            elected.2
        );
        // The restarted controller comes back as a follower of the new leader.
        sim.apply(ms(12_000), Command::RestartController(controller(0)))
            .expect("down");
        run_checked(&mut sim, ms(20_000));
        let c = sim.control_plane().expect("a quorum");
        let old = c
            .quorum()
            .expect("KRaft")
            .node(controller(0))
            .expect("listed");
        assert_eq!(old.role, Role::Follower(elected.1), "seed {seed}");
        assert_eq!(active(&sim), Some(elected.1));
    }
}

#[test]
fn a_five_voter_quorum_survives_two_failures_and_freezes_at_the_third() {
    let mut sim = Sim::new(quorum_config(5), 7).expect("valid");
    run_checked(&mut sim, ms(1_000));
    for n in [3, 4] {
        sim.apply(ms(1_000), Command::CrashController(controller(n)))
            .expect("up");
    }
    run_checked(&mut sim, ms(10_000));
    assert_eq!(
        active(&sim),
        Some(controller(0)),
        "three of five are a majority"
    );
    sim.apply(ms(10_000), Command::CrashController(controller(2)))
        .expect("up");
    let events = run_checked(&mut sim, ms(13_100));
    // The leader stops hearing from a majority and resigns after 1.5 x the fetch timeout.
    let lost = first_at(&events, |e| {
        matches!(e, Event::ActiveController { node: None, .. })
    })
    .expect("the quorum is lost");
    let after = lost.since(ms(10_000)).millis();
    assert!((2_490..=3_000).contains(&after), "{after} ms");
    let c = sim.control_plane().expect("a quorum");
    assert_eq!(
        c.quorum()
            .expect("KRaft")
            .node(controller(0))
            .expect("listed")
            .role
            .name(),
        "resigned"
    );
    assert_eq!(active(&sim), None);
    // Nobody can win an election: two of five.
    run_checked(&mut sim, ms(20_000));
    assert_eq!(active(&sim), None);
    // A voter back: three of five again, and a controller.
    sim.apply(ms(20_000), Command::RestartController(controller(3)))
        .expect("down");
    run_checked(&mut sim, ms(30_000));
    assert!(active(&sim).is_some());
}

#[test]
fn with_the_quorum_lost_a_dead_broker_is_neither_fenced_nor_replaced_until_a_voter_returns() {
    let mut config = quorum_config(3);
    config.workload.rate = 100;
    let mut sim = Sim::new(config, 5).expect("valid");
    run_checked(&mut sim, ms(2_000));
    for n in [1, 2] {
        sim.apply(ms(2_000), Command::CrashController(controller(n)))
            .expect("up");
    }
    run_checked(&mut sim, ms(8_000));
    assert_eq!(active(&sim), None);
    let led: Vec<TopicPartition> = sim
        .all_partitions()
        .filter(|tp| sim.partition(*tp).leader == Some(BrokerId(1)))
        .collect();
    assert!(!led.is_empty());
    sim.apply(ms(8_000), Command::CrashBroker(BrokerId(1)))
        .expect("up");
    let events = run_checked(&mut sim, ms(40_000));
    assert!(!events.iter().any(|e| matches!(
        e.event,
        Event::BrokerFenced { .. } | Event::LeaderElected { .. } | Event::IsrShrunk { .. }
    )));
    for tp in &led {
        assert_eq!(
            sim.partition(*tp).leader,
            Some(BrokerId(1)),
            "still named leader"
        );
    }
    // A voter returns: a controller is elected, gives the dead broker a fresh session,
    // and fences it broker.session.timeout.ms later; its partitions get new leaders.
    sim.apply(ms(40_000), Command::RestartController(controller(1)))
        .expect("down");
    let events = run_checked(&mut sim, ms(60_000));
    let activated = first_at(&events, |e| {
        matches!(e, Event::ActiveController { node: Some(_), .. })
    })
    .expect("a controller");
    let fenced = first_at(
        &events,
        |e| matches!(e, Event::BrokerFenced { broker } if *broker == BrokerId(1)),
    )
    .expect("fenced");
    assert_eq!(fenced.since(activated).millis(), 9_000);
    for tp in &led {
        let p = sim.partition(*tp);
        assert!(
            p.leader.is_some() && p.leader != Some(BrokerId(1)),
            "{tp:?}: {p:?}"
        );
    }
}

#[test]
fn a_restarted_broker_rejoins_the_isr_once_its_registration_and_the_expansion_commit() {
    for voters in [0, 1, 3, 5] {
        let mut sim = Sim::new(quorum_config(voters), 1).expect("valid");
        run_checked(&mut sim, ms(5_000));
        sim.apply(ms(5_000), Command::CrashBroker(BrokerId(2)))
            .expect("up");
        run_checked(&mut sim, ms(20_000));
        assert!(sim
            .all_partitions()
            .all(|tp| !sim.partition(tp).isr.contains(&BrokerId(2))));
        sim.apply(ms(20_000), Command::RestartBroker(BrokerId(2)))
            .expect("down");
        // Every step checks hw_at_most_isr_leo: while an addition waits to commit, the
        // leader's high watermark waits for the follower already (Kafka's maximal ISR).
        let events = run_checked(&mut sim, ms(35_000));
        let rejoined = first_at(
            &events,
            |e| matches!(e, Event::IsrExpanded { added, .. } if *added == BrokerId(2)),
        );
        assert!(rejoined.is_some(), "{voters} voters: broker 2 asked back");
        for tp in sim.all_partitions() {
            let p = sim.partition(tp);
            if p.replicas.contains(&BrokerId(2)) {
                assert!(
                    p.isr.contains(&BrokerId(2)),
                    "{voters} voters, {tp:?}: {p:?}"
                );
            }
        }
    }
}

#[test]
fn an_acks_all_producer_stalls_while_the_quorum_cannot_shrink_the_isr() {
    let mut config = quorum_config(3);
    config.topics[0].partitions = 1;
    config.topics[0].min_insync_replicas = 3;
    config.workload.rate = 100;
    let mut sim = Sim::new(config, 9).expect("valid");
    run_checked(&mut sim, ms(2_000));
    for n in [1, 2] {
        sim.apply(ms(2_000), Command::CrashController(controller(n)))
            .expect("up");
    }
    let tp = TopicPartition::new(kscope_core::ids::TopicId(0), 0);
    let follower = sim
        .partition(tp)
        .replicas
        .iter()
        .copied()
        .find(|b| Some(*b) != sim.partition(tp).leader)
        .expect("a follower");
    sim.apply(ms(2_500), Command::CrashBroker(follower))
        .expect("up");
    run_checked(&mut sim, ms(60_000));
    // The ISR keeps the dead follower: min.insync.replicas=3 still counts it, so records
    // are appended but the high watermark cannot pass what it had fetched.
    assert!(sim.partition(tp).isr.contains(&follower));
    let acked_late = sim.ledger().counts().acknowledged;
    run_checked(&mut sim, ms(70_000));
    assert_eq!(
        sim.ledger().counts().acknowledged,
        acked_late,
        "nothing more is acknowledged"
    );
}

#[test]
fn the_idealised_controller_is_the_default_and_has_no_quorum() {
    let sim = Sim::new(cluster(3, 3, 3, 2), 1).expect("valid");
    assert!(sim.control_plane().is_none());
    let mut config = quorum_config(4);
    assert!(Sim::new(config.clone(), 1).is_err());
    config.broker.controller_quorum_voters = 3;
    config.broker.controller_quorum_fetch_timeout_ms = 0;
    let err = Sim::new(config, 1)
        .err()
        .unwrap_or_else(|| panic!("refused"));
    assert_eq!(err.config, "controller.quorum.fetch.timeout.ms");
}

/// The time from a broker's crash to a new leader for each partition it led, with the
/// idealised controller and with quorums of 1, 3 and 5 (the closing figures of issue 15):
/// `broker.session.timeout.ms` (9 s) from the last heartbeat the controller heard until
/// the fence (the idealised controller counts from the crash), then the metadata log's
/// commit, then the record's way to the new leader's broker (an observer of the log).
#[test]
fn time_to_a_new_partition_leader_after_a_broker_crash() {
    let mut figures = Vec::new();
    for voters in [0, 1, 3, 5] {
        let mut sim = Sim::new(quorum_config(voters), 3).expect("valid");
        run_checked(&mut sim, ms(5_000));
        let led: Vec<TopicPartition> = sim
            .all_partitions()
            .filter(|tp| sim.partition(*tp).leader == Some(BrokerId(0)))
            .collect();
        assert!(!led.is_empty());
        sim.apply(ms(5_000), Command::CrashBroker(BrokerId(0)))
            .expect("up");
        run_checked(&mut sim, ms(11_000));
        let (committed, acting) = until_new_leaders(&mut sim, &led, BrokerId(0), ms(30_000));
        let (committed, acting) = (
            committed.since(ms(5_000)).millis(),
            acting.since(ms(5_000)).millis(),
        );
        println!(
            "voters {voters}: a new leader committed {committed} ms after the crash, \
             leading {acting} ms after it"
        );
        figures.push((committed, acting));
        assert!(
            (7_000..9_100).contains(&acting),
            "{voters} voters: {acting} ms"
        );
    }
    // The idealised controller fences 9 s after the crash and applies its decision at
    // once. With a quorum the session counts from the last heartbeat heard (at 4005 ms,
    // 995 ms before the crash), and a lone voter commits at once (its own log is the
    // majority; its fsync takes no simulated time); three or five voters commit when a
    // follower's next fetch says it holds the record.
    assert_eq!(figures[0], (9_000, 9_000));
    assert_eq!(figures[1].0, 8_005);
    assert!(figures[2..].iter().all(|f| f.0 > 8_005), "{figures:?}");
    // With a quorum the new leader leads only once the record reaches its broker.
    assert!(figures[1..].iter().all(|f| f.1 > f.0), "{figures:?}");
}

/// A broker is an observer of the metadata log: a committed partition change reaches it
/// with its next fetch's answer, and until then it acts on what it knew.
#[test]
fn a_broker_acts_on_a_partition_change_only_once_the_change_reaches_it() {
    let mut sim = Sim::new(quorum_config(3), 3).expect("valid");
    run_checked(&mut sim, ms(5_000));
    let c = sim.control_plane().expect("a quorum");
    // Every broker is up to date, and has a fetch held by the active controller.
    for (b, image) in &c.images {
        assert_eq!(image.offset, c.applied, "{b:?}");
    }
    let tp = TopicPartition::new(kscope_core::ids::TopicId(0), 0);
    let old = sim.partition(tp).leader.expect("a leader");
    sim.apply(ms(5_000), Command::CrashBroker(old)).expect("up");
    run_checked(&mut sim, ms(12_000));
    while sim.partition(tp).leader.is_none_or(|l| l == old) {
        sim.step_one();
    }
    let committed = sim.now();
    let new = sim.partition(tp).leader.expect("elected");
    let c = sim.control_plane().expect("a quorum");
    assert!(c.images[&new].offset < c.applied, "not yet at the broker");
    assert!(!leader_acts(&sim, tp), "the new leader does not lead yet");
    // The broker learns it one way later (the held fetch is answered at the commit).
    let latency = sim.config().network.latency_us;
    sim.step(committed + kscope_core::Duration::from_micros(latency));
    assert!(leader_acts(&sim, tp));
    let c = sim.control_plane().expect("a quorum");
    assert_eq!(c.images[&new].offset, c.applied);
    assert_eq!(sim.metadata_of(new)[0].partitions[0], *sim.partition(tp));
}

/// The active controller counts a broker's session from the last heartbeat it heard: a
/// heartbeat sent just before the crash and delivered after it still counts, and a crash
/// just before a heartbeat leaves the controller with the previous one.
#[test]
fn a_crashed_broker_is_fenced_a_session_timeout_after_its_last_heartbeat_arrived() {
    // Heartbeats leave at 0, 2002 and 4004 ms (2 s after each answer, one link each way)
    // and arrive one link (1 ms) later.
    for (crash_us, fenced) in [(4_004_500, 13_005), (4_003_000, 11_003)] {
        let mut sim = Sim::new(quorum_config(3), 3).expect("valid");
        run_checked(&mut sim, Instant::from_micros(crash_us));
        sim.apply(
            Instant::from_micros(crash_us),
            Command::CrashBroker(BrokerId(0)),
        )
        .expect("up");
        let events = run_checked(&mut sim, ms(20_000));
        let at = first_at(
            &events,
            |e| matches!(e, Event::BrokerFenced { broker } if *broker == BrokerId(0)),
        );
        assert_eq!(at, Some(ms(fenced)), "crash at {crash_us} µs");
    }
}
