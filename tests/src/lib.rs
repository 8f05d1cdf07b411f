//! Shared helpers of kscope's integration tests: running a simulation with every
//! invariant checked after every item, hashing traces, and small builders of
//! configurations.

pub mod trace;

use kscope_core::{Instant, Sim, SimConfig, TimedEvent, TopicSpec};

/// FNV-1a, 64-bit: a stable hash of a trace's text on every platform.
pub fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The FNV-1a offset basis.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// A hash of events, from their debug text (which names every field).
pub fn trace_hash(events: &[TimedEvent]) -> u64 {
    events.iter().fold(FNV_OFFSET, |h, e| {
        let text = format!("{:?}\n", e);
        fnv1a(text.as_bytes(), h)
    })
}

/// Runs `sim` to `until` with every invariant checked after every item it handles (as
/// every `Sim` of a test build is: kscope-core's `checked` feature); returns the events.
/// A broken invariant panics, naming it, the instant and the seed that reproduces it.
pub fn run_checked(sim: &mut Sim, until: Instant) -> Vec<TimedEvent> {
    if !sim.checks_invariants() {
        sim.check_invariants(true);
    }
    let mut events = sim.drain_events();
    sim.step(until);
    events.extend(sim.drain_events());
    events
}

/// One topic `orders` with `partitions`, `rf`, `min_isr`, and the producer idle.
pub fn cluster(brokers: u32, partitions: u32, rf: u32, min_isr: u32) -> SimConfig {
    let mut topic = TopicSpec::new("orders", partitions, rf);
    topic.min_insync_replicas = min_isr;
    SimConfig {
        brokers,
        topics: vec![topic],
        workload: kscope_core::Workload {
            rate: 0,
            ..Default::default()
        },
        ..Default::default()
    }
}

pub fn ms(n: u64) -> Instant {
    Instant::from_millis(n)
}

/// Whether `tp`'s committed leader acts as such: its broker's replica leads at the
/// committed leader epoch (with a control plane, once the record has reached it).
pub fn leader_acts(sim: &Sim, tp: kscope_core::ids::TopicPartition) -> bool {
    let p = sim.partition(tp);
    p.leader.is_some_and(|l| {
        sim.brokers()
            .get(&l)
            .and_then(|b| b.replicas.get(&tp))
            .is_some_and(|r| r.is_leader && r.leader_epoch == p.leader_epoch)
    })
}

/// Steps `sim` until every partition of `tps` has a leader other than broker `old`, and
/// then until each acts as leader; returns both instants. Panics at `deadline`.
pub fn until_new_leaders(
    sim: &mut Sim,
    tps: &[kscope_core::ids::TopicPartition],
    old: kscope_core::ids::BrokerId,
    deadline: Instant,
) -> (Instant, Instant) {
    let moved = |sim: &Sim| {
        tps.iter()
            .all(|tp| sim.partition(*tp).leader.is_some_and(|l| l != old))
    };
    while !moved(sim) {
        assert!(sim.now() < deadline, "no new leader by {deadline:?}");
        sim.step_one();
    }
    let committed = sim.now();
    while !tps.iter().all(|tp| leader_acts(sim, *tp)) {
        assert!(
            sim.now() < deadline,
            "the new leaders do not act by {deadline:?}"
        );
        sim.step_one();
    }
    (committed, sim.now())
}

/// The scenario whose trace hash must be the same on every platform: a workload over
/// three partitions with keys, a broker crash and restart, a cut and healed link, a
/// dropped response and a delayed request, and a consumer group (cooperative-sticky, so
/// Java's `HashMap` order matters) that gains a member and loses one, for 30 simulated
/// seconds ([`trace::determinism_run`]). The hash covers the events between commands.
pub fn determinism_scenario(seed: u64) -> (u64, kscope_core::ledger::LedgerCounts) {
    let run = trace::determinism_run(seed);
    let mut sim = Sim::new(run.config, seed).expect("a valid configuration");
    let mut hash = FNV_OFFSET;
    for (at, command) in run.script {
        sim.step(ms(at));
        hash = fnv1a(&trace_hash(&sim.drain_events()).to_le_bytes(), hash);
        sim.apply(ms(at), command)
            .expect("the script's commands are valid");
    }
    sim.step(ms(run.until_ms));
    hash = fnv1a(&trace_hash(&sim.drain_events()).to_le_bytes(), hash);
    (hash, sim.ledger().counts())
}

/// The expected hash of [`determinism_scenario`] with seed 7, kept in
/// `tests/snapshots/determinism.hash` (rewritten by `UPDATE_EXPECT=1`).
pub const DETERMINISM_SNAPSHOT: &str = include_str!("../snapshots/determinism.hash");

/// A seeded byte-level mutation fuzzer: each run tries other inputs, from a seed drawn
/// from the clock unless `KSCOPE_FUZZ_SEED` names one (printed, so a failure reproduces);
/// `KSCOPE_FUZZ_CASES` sets how many inputs, else `default_cases`.
#[cfg(not(target_arch = "wasm32"))]
pub struct Fuzz {
    pub seed: u64,
    pub cases: u64,
    state: u64,
}

#[cfg(not(target_arch = "wasm32"))]
impl Fuzz {
    pub fn from_env(name: &str, default_cases: u64) -> Fuzz {
        let env = |v: &str| std::env::var(v).ok().and_then(|v| v.parse::<u64>().ok());
        let seed = env("KSCOPE_FUZZ_SEED").unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
        let cases = env("KSCOPE_FUZZ_CASES").unwrap_or(default_cases);
        println!("{name}: KSCOPE_FUZZ_SEED={seed}, {cases} inputs");
        // xorshift64 never leaves 0.
        Fuzz {
            seed,
            cases,
            state: seed.max(1),
        }
    }

    /// The next number of the seeded sequence (xorshift64).
    pub fn draw(&mut self) -> u64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state
    }

    /// `bytes` with up to `edits` bytes replaced, cut off or inserted from `alphabet`.
    pub fn mutate(&mut self, bytes: &[u8], edits: u64, alphabet: &[u8]) -> Vec<u8> {
        let mut b = bytes.to_vec();
        for _ in 0..1 + self.draw() % edits {
            let i = (self.draw() % b.len().max(1) as u64) as usize;
            let c = alphabet[(self.draw() % alphabet.len() as u64) as usize];
            match self.draw() % 3 {
                0 if !b.is_empty() => {
                    let at = i.min(b.len() - 1);
                    b[at] = c;
                }
                1 => b.truncate(i),
                _ => b.insert(i.min(b.len()), c),
            }
        }
        b
    }
}
