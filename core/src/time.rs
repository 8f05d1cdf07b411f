//! Simulated time. The core never reads a clock: every entry point takes the current
//! [`Instant`] from its caller, and the simulation only moves forward to the instants it is
//! given. Kafka's configs are in milliseconds; the network needs finer steps, so an instant
//! counts microseconds since the start of the simulation.

use core::fmt;
use core::ops::{Add, Sub};

/// A point in simulated time, in microseconds since the simulation started.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Instant {
    micros: u64,
}

impl Instant {
    /// The start of every simulation.
    pub const ZERO: Instant = Instant { micros: 0 };
    /// Later than any instant the simulation reaches.
    pub const MAX: Instant = Instant { micros: u64::MAX };

    pub const fn from_micros(micros: u64) -> Instant {
        Instant { micros }
    }
    pub const fn from_millis(millis: u64) -> Instant {
        Instant {
            micros: millis.saturating_mul(1_000),
        }
    }
    pub const fn micros(self) -> u64 {
        self.micros
    }
    /// Whole milliseconds, as Kafka's record timestamps and timers count them.
    pub const fn millis(self) -> u64 {
        self.micros / 1_000
    }
    /// The time from `earlier` to `self`, zero if `earlier` is later.
    pub const fn since(self, earlier: Instant) -> Duration {
        Duration::from_micros(self.micros.saturating_sub(earlier.micros))
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}ms", self.micros / 1_000, self.micros % 1_000)
    }
}

/// A span of simulated time, in microseconds.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Duration {
    micros: u64,
}

impl Duration {
    pub const ZERO: Duration = Duration { micros: 0 };

    pub const fn from_micros(micros: u64) -> Duration {
        Duration { micros }
    }
    pub const fn from_millis(millis: u64) -> Duration {
        Duration {
            micros: millis.saturating_mul(1_000),
        }
    }
    pub const fn micros(self) -> u64 {
        self.micros
    }
    pub const fn millis(self) -> u64 {
        self.micros / 1_000
    }
}

impl fmt::Debug for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}ms", self.micros / 1_000, self.micros % 1_000)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant {
            micros: self.micros.saturating_add(d.micros),
        }
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, earlier: Instant) -> Duration {
        self.since(earlier)
    }
}
