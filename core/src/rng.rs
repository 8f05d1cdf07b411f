//! The simulation's only source of randomness: a PCG-XSH-RR 32-bit generator (O'Neill,
//! 2014) seeded from the simulation's seed. Nothing in the core draws randomness anywhere
//! else, so a seed and a command log fully determine a run.

/// A deterministic PCG32 generator.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
    inc: u64,
}

const MULTIPLIER: u64 = 6_364_136_223_846_793_005;

impl Rng {
    /// A generator for `seed`; `stream` selects one of 2^63 independent sequences, so each
    /// part of the simulation can draw from its own without disturbing the others.
    pub fn new(seed: u64, stream: u64) -> Rng {
        let mut rng = Rng {
            state: 0,
            inc: (stream << 1) | 1,
        };
        rng.next_u32();
        rng.state = rng.state.wrapping_add(seed);
        rng.next_u32();
        rng
    }

    pub fn next_u32(&mut self) -> u32 {
        let old = self.state;
        self.state = old.wrapping_mul(MULTIPLIER).wrapping_add(self.inc);
        let xorshifted = (((old >> 18) ^ old) >> 27) as u32;
        let rot = (old >> 59) as u32;
        xorshifted.rotate_right(rot)
    }

    /// Like Java's `ThreadLocalRandom.nextInt()`: any 32-bit value, signed.
    pub fn next_i32(&mut self) -> i32 {
        self.next_u32() as i32
    }

    /// A value in `0..bound` (`bound > 0`), without modulo bias.
    pub fn below(&mut self, bound: u32) -> u32 {
        debug_assert!(bound > 0);
        let threshold = bound.wrapping_neg() % bound;
        loop {
            let r = self.next_u32();
            if r >= threshold {
                return r % bound;
            }
        }
    }
}

/// Where a partitioner takes its random numbers from. The simulation passes its [`Rng`];
/// the conformance tests pass a fixed sequence, as Kafka's own partitioner tests do.
pub trait RandomSource {
    /// The next value, as Java's `nextInt()` would return it.
    fn next_int(&mut self) -> i32;
}

impl RandomSource for Rng {
    fn next_int(&mut self) -> i32 {
        self.next_i32()
    }
}

/// Returns 0, 1, 2, ... in turn: the `SequentialPartitioner`-style randomness that
/// Kafka's partitioner tests inject.
#[derive(Clone, Debug, Default)]
pub struct SequentialRandom {
    pub next: i32,
    /// How many values were drawn.
    pub calls: u32,
}

impl RandomSource for SequentialRandom {
    fn next_int(&mut self) -> i32 {
        let v = self.next;
        self.next = self.next.wrapping_add(1);
        self.calls += 1;
        v
    }
}

/// The producer partitioners' randomness: the seeded generator, or, for conformance tests,
/// the sequence 0, 1, 2, ... that Kafka's own tests inject.
#[derive(Clone, Debug)]
pub enum PartitionerRandom {
    Seeded(Rng),
    Sequential(SequentialRandom),
}

impl PartitionerRandom {
    /// How many values were drawn, when the source is sequential.
    pub fn sequential_calls(&self) -> Option<u32> {
        match self {
            PartitionerRandom::Sequential(s) => Some(s.calls),
            PartitionerRandom::Seeded(_) => None,
        }
    }
}

impl RandomSource for PartitionerRandom {
    fn next_int(&mut self) -> i32 {
        match self {
            PartitionerRandom::Seeded(r) => r.next_int(),
            PartitionerRandom::Sequential(s) => s.next_int(),
        }
    }
}
