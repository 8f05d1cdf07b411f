//! Time series for the charts: throughput, end-to-end latency (p50, p99) and the group's
//! lag per partition, sampled from the simulation every half second of simulated time.
//! Every figure comes from the ledger and the group's committed offsets, as
//! `kafka-consumer-groups --describe` reports lag. Drawn as SVG polylines (no chart
//! crate: a few lines of SVG cost less than any crate's code in the page's size budget).

use std::collections::VecDeque;

use kscope_core::Sim;

use crate::view_model;

/// Simulated time between two samples.
pub const SAMPLE_US: u64 = 500_000;
/// How many samples a chart shows: a minute of simulated time.
pub const SAMPLES: usize = 120;
/// The most recent records a throughput and latency sample looks at.
const SCAN: usize = 25_000;

/// The figures at one instant.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sample {
    pub at_us: u64,
    /// Records acknowledged per second over the last second.
    pub throughput: f64,
    /// Send-to-acknowledgement latency of the records acknowledged in the last second.
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    /// LAG of each partition of the consumed topic (`None` before a first commit).
    pub lag: Vec<Option<i64>>,
}

/// The last [`SAMPLES`] samples.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    pub samples: VecDeque<Sample>,
    next_us: u64,
}

impl Series {
    /// Whether a sample of `sim` is due.
    pub fn due(&self, sim: &Sim) -> bool {
        sim.now().micros() >= self.next_us
    }

    /// Takes a sample of `sim` if one is due; returns whether it took one.
    pub fn sample(&mut self, sim: &Sim) -> bool {
        let now = sim.now().micros();
        if now < self.next_us {
            return false;
        }
        self.next_us = (now / SAMPLE_US + 1) * SAMPLE_US;
        let r = view_model::rates(sim, 1_000, SCAN);
        self.samples.push_back(Sample {
            at_us: now,
            throughput: r.records_per_s,
            p50_ms: r.latency_p50_ms,
            p99_ms: r.latency_p99_ms,
            lag: sim.group_lag().iter().map(|l| l.lag).collect(),
        });
        if self.samples.len() > SAMPLES {
            self.samples.pop_front();
        }
        true
    }

    /// The instants the charts span: the last [`SAMPLES`] sample periods up to the
    /// newest sample.
    pub fn span_us(&self) -> (u64, u64) {
        let end = self.samples.back().map_or(0, |s| s.at_us);
        let width = SAMPLE_US * (SAMPLES as u64 - 1);
        (end.saturating_sub(width), end.max(width))
    }
}

/// A round upper bound for an axis: 1, 2 or 5 times a power of ten, at least `max`.
pub fn axis_max(max: f64) -> f64 {
    let mut step = 1.0;
    loop {
        for m in [1.0, 2.0, 5.0] {
            if m * step >= max {
                return m * step;
            }
        }
        step *= 10.0;
        if step > 1e15 {
            return max;
        }
    }
}

/// The SVG `points` of one line in a `width` × `height` box: `x,y` pairs, time along x
/// over `span`, the value up y against `top`. Missing values break nothing: they are
/// left out.
pub fn points(
    values: impl Iterator<Item = (u64, Option<f64>)>,
    span: (u64, u64),
    top: f64,
    width: f64,
    height: f64,
) -> String {
    let (t0, t1) = span;
    let dt = (t1 - t0).max(1) as f64;
    let mut out = String::new();
    for (t, v) in values {
        let Some(v) = v else { continue };
        let x = (t.saturating_sub(t0)) as f64 / dt * width;
        let y = height - (v / top.max(1e-9)).min(1.0) * height;
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&crate::settings::fixed(x, 1));
        out.push(',');
        out.push_str(&crate::settings::fixed(y, 1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;
    use kscope_core::Instant;

    #[test]
    fn samples_follow_the_ledger_and_the_group() {
        let (settings, _) =
            Settings::from_query("partitions=2&consumers=1&consumer.rate=50&rate=200&seed=3");
        let mut sim = crate::script::build(&settings).unwrap();
        let mut series = Series::default();
        for ms in (0..=20_000).step_by(100) {
            sim.step(Instant::from_micros(ms * 1_000));
            series.sample(&sim);
        }
        assert_eq!(series.samples.len(), 41, "one sample every 500 ms");
        let last = series.samples.back().unwrap();
        assert!((150.0..=250.0).contains(&last.throughput), "{last:?}");
        assert!(last.p50_ms.unwrap() <= last.p99_ms.unwrap());
        assert_eq!(last.lag.len(), 2);
        // One consumer at 50 records/s cannot keep up with 200: lag grows.
        let lag = |s: &Sample| s.lag.iter().flatten().sum::<i64>();
        assert!(lag(last) > lag(&series.samples[20]), "{last:?}");
        assert_eq!(
            sim.group_lag().iter().map(|l| l.lag).collect::<Vec<_>>(),
            last.lag
        );
    }

    #[test]
    fn axes_are_round_and_lines_fit_the_box() {
        assert_eq!(axis_max(0.3), 1.0);
        assert_eq!(axis_max(1.0), 1.0);
        assert_eq!(axis_max(1.5), 2.0);
        assert_eq!(axis_max(3.0), 5.0);
        assert_eq!(axis_max(4_100.0), 5_000.0);
        assert_eq!(
            points(
                [(0, Some(0.0)), (50, None), (100, Some(10.0))].into_iter(),
                (0, 100),
                10.0,
                200.0,
                50.0
            ),
            "0.0,50.0 200.0,0.0"
        );
    }
}
