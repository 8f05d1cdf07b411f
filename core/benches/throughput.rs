//! The throughput benchmark: 6 partitions, replication factor 3, `acks=all`, 1 KB
//! values, `linger.ms=5`, 1,000,000 keyless records from `send()` to the high watermark.
//! Prints `native records/s: N` (records acknowledged per second of wall time) and the
//! simulated time it took. Run with `cargo bench -p kscope-core --bench throughput`.
//! `KSCOPE_BENCH_RECORDS` and `KSCOPE_BENCH_PASSES` shrink it for profilers such as
//! callgrind, which count instructions where a shared machine's timings are noisy.

use kscope_core::{Acks, Instant, Sim, SimConfig, TopicSpec, Workload};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn config() -> SimConfig {
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
            ..Default::default()
        },
        ..Default::default()
    };
    config.producer.acks = Acks::All;
    config.producer.linger_ms = 5;
    config
}

/// Runs until a million records are acknowledged, then returns the simulated time.
fn run(records: u64) -> (u64, Instant) {
    let mut sim = Sim::new(config(), 42).expect("valid config");
    let mut t = 0;
    loop {
        t += 10;
        sim.step(Instant::from_millis(t));
        sim.discard_events();
        if sim.ledger().counts().sent >= records {
            let mut w = sim.config().workload.clone();
            w.rate = 0;
            sim.apply(sim.now(), kscope_core::Command::SetWorkload(w))
                .expect("valid workload");
        }
        if sim.ledger().acknowledged() >= records {
            return (sim.ledger().acknowledged(), sim.now());
        }
        assert!(
            t < 3_600_000,
            "the benchmark should finish within a simulated hour"
        );
    }
}

fn main() {
    // One warm-up pass, then three measured ones (by default); the machine is shared, so the median
    // is reported, with every pass shown.
    let records = env("KSCOPE_BENCH_RECORDS", 1_000_000);
    let passes = env("KSCOPE_BENCH_PASSES", 3).max(1) as usize;
    let _ = run(records);
    let mut rates = Vec::new();
    let mut simulated = Instant::ZERO;
    let mut acked = 0;
    for _ in 0..passes {
        let start = std::time::Instant::now();
        let (a, s) = run(records);
        let wall = start.elapsed().as_secs_f64();
        (acked, simulated) = (a, s);
        rates.push(a as f64 / wall);
    }
    rates.sort_by(|a, b| a.total_cmp(b));
    let shown: Vec<String> = rates.iter().map(|r| format!("{r:.0}")).collect();
    println!(
        "records acknowledged: {acked}, simulated time: {simulated:?}, passes (records/s): {}",
        shown.join(", ")
    );
    println!("native records/s: {:.0}", rates[rates.len() / 2]);
}
