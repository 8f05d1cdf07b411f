//! A short run of the throughput benchmark's workload, for profilers (callgrind counts
//! instructions, which a shared machine's timings cannot). Not part of the checks.
use kscope_core::{Acks, Instant, Sim, SimConfig, TopicSpec, Workload};

fn main() {
    let mut topic = TopicSpec::new("bench", 6, 3);
    topic.min_insync_replicas = 2;
    let mut config = SimConfig {
        brokers: 3,
        topics: vec![topic],
        workload: Workload {
            rate: 100_000,
            keys: 0,
            value_bytes: 1024,
            topic: 0,
        },
        ..Default::default()
    };
    config.producer.acks = Acks::All;
    config.producer.linger_ms = 5;
    let mut sim = Sim::new(config, 42).expect("valid config");
    let mut t = 0;
    while sim.ledger().acknowledged() < 100_000 {
        t += 10;
        sim.step(Instant::from_millis(t));
        sim.discard_events();
    }
    println!(
        "acknowledged {} in {:?}",
        sim.ledger().acknowledged(),
        sim.now()
    );
}
