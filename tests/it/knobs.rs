//! The client settings of the page's panel, each moved from its default as the page moves
//! it (a URL query read by the page's own `Settings`), and each changing what Kafka's
//! rule says it changes: one case per setting the other modules do not already cover.

use kscope_core::event::{Event, MessageKind};
use kscope_core::{BrokerId, Command, NodeId, Sim, TimedEvent};
use kscope_tests::{ms, run_checked};
use kscope_web::settings::Settings;

/// The page's run for `query` (on top of the page's defaults), with `act` applied at
/// `act_at` ms, run for `until` ms; its events.
fn run(query: &str, act_at: u64, act: Option<Command>, until: u64) -> (Sim, Vec<TimedEvent>) {
    let (settings, problems) = Settings::from_query(query);
    assert!(problems.is_empty(), "{query}");
    let mut sim = Sim::new(settings.to_config().expect("a valid configuration"), 3).unwrap();
    let mut events = run_checked(&mut sim, ms(act_at));
    if let Some(c) = act {
        sim.apply(ms(act_at), c).unwrap();
    }
    events.extend(run_checked(&mut sim, ms(until)));
    (sim, events)
}

fn count(events: &[TimedEvent], pick: impl Fn(&Event) -> bool) -> usize {
    events.iter().filter(|e| pick(&e.event)).count()
}

fn sent(events: &[TimedEvent], kind: MessageKind, from_consumer: bool) -> usize {
    count(events, |e| {
        matches!(e, Event::MessageSent { kind: k, from, .. }
            if *k == kind && matches!(from, NodeId::Consumer(_)) == from_consumer)
    })
}

/// The leader of partition 0 crashes; brokers take 9 s to notice, the producer's requests
/// to it fail meanwhile.
fn crash_leader() -> Option<Command> {
    Some(Command::CrashBroker(BrokerId(0)))
}

#[test]
fn retries_0_fails_what_a_retry_would_have_delivered() {
    let (sim, _) = run("consumers=0", 2_000, crash_leader(), 20_000);
    assert_eq!(
        sim.ledger().counts().failed,
        0,
        "retried until the new leader took them"
    );
    let (sim, events) = run("consumers=0&retries=0", 2_000, crash_leader(), 20_000);
    assert!(sim.ledger().counts().failed > 0);
    assert_eq!(
        count(&events, |e| matches!(e, Event::BatchRetried { .. })),
        0
    );
}

#[test]
fn retry_backoff_ms_spaces_the_retries() {
    let retried = |query: &str| {
        let (_, events) = run(query, 2_000, crash_leader(), 8_000);
        count(&events, |e| matches!(e, Event::BatchRetried { .. }))
    };
    let (quick, slow) = (
        retried("consumers=0"),
        retried("consumers=0&retry.backoff.ms=2000"),
    );
    assert!(quick > 0, "the crash makes the producer retry");
    assert!(
        slow < quick,
        "{slow} retries with 2 s backoff, {quick} with 100 ms"
    );
}

#[test]
fn auto_commit_interval_ms_is_how_often_the_group_commits() {
    let commits = |query: &str| {
        let (_, events) = run(query, 0, None, 20_000);
        count(&events, |e| matches!(e, Event::OffsetsCommitted { .. }))
    };
    let (every_5s, every_1s) = (
        commits("consumers=1"),
        commits("consumers=1&auto.commit.interval.ms=1000"),
    );
    assert!(every_5s > 0);
    assert!(
        every_1s >= 3 * every_5s,
        "{every_1s} commits against {every_5s}"
    );
}

#[test]
fn heartbeat_interval_ms_is_how_often_members_heartbeat() {
    let beats = |query: &str| {
        let (_, events) = run(query, 0, None, 20_000);
        sent(&events, MessageKind::HeartbeatRequest, true)
    };
    let (every_3s, every_1s) = (
        beats("consumers=1"),
        beats("consumers=1&heartbeat.interval.ms=1000"),
    );
    assert!(every_3s > 0);
    assert!(
        every_1s >= 2 * every_3s,
        "{every_1s} heartbeats against {every_3s}"
    );
}

#[test]
fn fetch_max_wait_ms_is_how_long_an_idle_fetch_is_held() {
    // Nothing is produced: every consumer fetch waits at the leader for fetch.max.wait.ms.
    let fetches = |query: &str| {
        let (_, events) = run(query, 0, None, 20_000);
        sent(&events, MessageKind::FetchRequest, true)
    };
    let (held_500, held_100) = (
        fetches("consumers=1&rate=0"),
        fetches("consumers=1&rate=0&fetch.max.wait.ms=100"),
    );
    assert!(held_500 > 0);
    assert!(
        held_100 >= 3 * held_500,
        "{held_100} fetches against {held_500}"
    );
}

#[test]
fn session_timeout_ms_is_how_long_a_silent_member_stays() {
    use kscope_core::ConsumerId;
    // A member crashes at 8 s; the coordinator removes it once its session expires,
    // `session.timeout.ms` after its last heartbeat (up to `heartbeat.interval.ms`, 3 s,
    // before the crash).
    let removed_after = |query: &str| {
        let (_, events) = run(
            query,
            8_000,
            Some(Command::CrashConsumer(ConsumerId(0))),
            70_000,
        );
        events
            .iter()
            .find(|e| matches!(e.event, Event::MemberRemoved { .. }))
            .map(|e| e.at.millis() - 8_000)
            .expect("the member is removed")
    };
    let (default, short) = (
        removed_after("consumers=2"),
        removed_after("consumers=2&session.timeout.ms=10000"),
    );
    assert!((42_000..=45_500).contains(&default), "{default} ms");
    assert!((7_000..=10_500).contains(&short), "{short} ms");
    // Kafka 2.8's default is 10 s (KIP-735 raised it to 45 s in 3.0).
    let old = removed_after("consumers=2&kafka.version=2.8");
    assert!((7_000..=10_500).contains(&old), "{old} ms");
}

#[test]
fn sync_sends_wait_for_each_result_and_cost_most_of_the_throughput() {
    let acked = |query: &str| {
        let (sim, _) = run(query, 0, None, 10_000);
        sim
    };
    let fast = acked("consumers=0&rate=2000");
    let slow = acked("consumers=0&rate=2000&send.mode=sync");
    let (a, s) = (
        fast.ledger().counts().acknowledged,
        slow.ledger().counts().acknowledged,
    );
    assert!(a > 15_000, "async keeps up with 2000 records/s: {a}");
    assert!(s * 10 < a, "send().get() per record: {s} against {a}");
    // One record in flight at a time: each is sent after the one before was answered.
    let mut last_done = None;
    for r in slow.ledger().records() {
        if let Some(done) = last_done {
            assert!(r.sent_at >= done, "{:?} sent before {done:?}", r.id);
        }
        last_done = r.acked_at;
    }
    // Fire-and-forget sends as async does; only what the application learns differs.
    let forget = acked("consumers=0&rate=2000&send.mode=fire-and-forget");
    assert_eq!(forget.ledger().counts(), fast.ledger().counts());
    assert!(!forget.config().workload.send_mode.notices_failures());
}

#[test]
fn compression_type_shrinks_the_batches_and_costs_cpu_on_both_sides() {
    // Bytes the brokers stored, and the producer's and the consumers' CPU time, in µs.
    let measure = |codec: &str| {
        let (sim, _) = run(
            &format!("compression.type={codec}&rate=2000"),
            0,
            None,
            20_000,
        );
        let stored: u64 = sim
            .brokers()
            .values()
            .flat_map(|b| b.replicas.iter())
            .filter(|(tp, _)| tp.topic.0 == 0)
            .map(|(_, r)| r.log.size_bytes())
            .sum();
        let decompressed: u64 = sim.consumers().values().map(|c| c.decompression_ns).sum();
        (stored, sim.producer().compression_ns, decompressed)
    };
    let (none, none_cpu, none_read) = measure("none");
    assert_eq!((none_cpu, none_read), (0, 0));
    let (gzip, gzip_cpu, gzip_read) = measure("gzip");
    let (lz4, lz4_cpu, lz4_read) = measure("lz4");
    println!(
        "stored bytes: none {none}, gzip {gzip}, lz4 {lz4}; producer CPU ns: gzip {gzip_cpu}, \
         lz4 {lz4_cpu}; consumers' CPU ns: gzip {gzip_read}, lz4 {lz4_read}"
    );
    assert!(gzip < lz4 && lz4 < none);
    // lzbench: zlib -6 compresses at 25.3 MB/s, lz4 at 577 MB/s: about 23 times the CPU
    // for the same records (the runs send the same records, batched alike).
    let ratio = gzip_cpu as f64 / lz4_cpu as f64;
    assert!((20.0..26.0).contains(&ratio), "{ratio}");
    // Decompressing: 344 against 3,716 MB/s.
    let ratio = gzip_read as f64 / lz4_read as f64;
    assert!((9.0..12.5).contains(&ratio), "{ratio}");
}

#[test]
fn the_application_writes_to_several_topics_in_turn_each_with_its_own_settings() {
    use kscope_core::{TopicId, TopicSpec};
    let mut config = kscope_tests::cluster(3, 3, 3, 2);
    let mut payments = TopicSpec::new("payments", 6, 2);
    payments.min_insync_replicas = 1;
    config.topics.push(payments);
    config.topics.push(TopicSpec::new("shipments", 1, 1));
    config.workload.rate = 300;
    config.workload.topics = 3;
    let mut sim = Sim::new(config, 4).unwrap();
    run_checked(&mut sim, ms(10_000));
    let per_topic: Vec<usize> = (0..3)
        .map(|t| {
            sim.ledger()
                .records()
                .filter(|r| r.partition.topic == TopicId(t) && r.offset.is_some())
                .count()
        })
        .collect();
    let total: usize = per_topic.iter().sum();
    assert!(total > 2_500, "{per_topic:?}");
    for n in &per_topic {
        assert!(
            n.abs_diff(total / 3) <= 2,
            "each record to the next topic: {per_topic:?}"
        );
    }
    let layout: Vec<(usize, usize)> = sim
        .topics()
        .iter()
        .map(|t| (t.partitions.len(), t.partitions[0].replicas.len()))
        .collect();
    assert_eq!(layout, [(3, 3), (6, 2), (1, 1)]);
    // A workload past the last topic is refused.
    let mut w = sim.config().workload.clone();
    w.topics = 4;
    assert!(sim.apply(ms(10_000), Command::SetWorkload(w)).is_err());
}
