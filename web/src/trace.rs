//! The event trace of a session, as JSON Lines: every event the simulation emitted, in
//! order, one JSON object per line (`{"at": …, "event": {…}}`, the core's types through its
//! `serde` feature).
//!
//! A run keeps no trace (it would grow without bound), so the trace is made by replaying
//! the session from its scenario file ([`crate::player::Player::export_scenario`], which
//! replays to the same ledger). The page does it in a worker (`trace_worker.rs`, its own
//! WebAssembly, fetched only when asked for), so `serde_json` stays out of the first load.

use kscope_core::{Duration, Instant};

use crate::scenario::{Scenario, Timeline};
use crate::script;

/// How far each slice of the replay goes before its events are written.
const SLICE: Duration = Duration::from_millis(1_000);

/// The trace of the session `scenario_file` holds, to its end, as JSON Lines; or why the
/// file does not run.
pub fn json_lines(scenario_file: &str) -> Result<String, String> {
    let sc = Scenario::parse(scenario_file).map_err(|e| e.to_string())?;
    let mut settings = sc.settings.clone();
    let mut sim = script::build(&settings)?;
    let mut timeline = Timeline::merged(&sc.actions(), &[]);
    let mut out = String::new();
    let end = Instant::from_micros(sc.end_us);
    let mut at = Instant::from_micros(0);
    loop {
        at = (at + SLICE).min(end);
        // The timeline steps the simulation to `at`, carrying out the actions on the way.
        timeline.advance(&mut sim, &mut settings, at);
        for e in sim.drain_events() {
            out.push_str(&serde_json::to_string(&e).map_err(|e| e.to_string())?);
            out.push('\n');
        }
        if at >= end {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sessions_trace_parses_line_by_line_and_counts_its_ledgers_records() {
        let file = "id: t
title.en: t
title.ko: t
settings: partitions=2 consumers=1 rate=200 seed=4
end: 5s

at 0s
en: start
ko: 시작

at 2s
do: crash-broker 1
en: crash
ko: 장애
";
        let lines = json_lines(file).unwrap();
        let events: Vec<serde_json::Value> = lines
            .lines()
            .map(|l| serde_json::from_str(l).expect("each line is JSON"))
            .collect();
        assert!(events.len() > 100, "{}", events.len());
        // The same run, played here, acknowledged as many records as the trace says.
        let sc = Scenario::parse(file).unwrap();
        let mut settings = sc.settings.clone();
        let mut sim = script::build(&settings).unwrap();
        Timeline::merged(&sc.actions(), &[]).advance(
            &mut sim,
            &mut settings,
            Instant::from_micros(sc.end_us),
        );
        let sent = events
            .iter()
            .filter(|e| e["event"].get("RecordSent").is_some())
            .count();
        assert_eq!(sent, sim.ledger().len());
        assert!(events
            .iter()
            .any(|e| e["event"].get("BrokerCrashed").is_some()));
        assert!(json_lines("id: x").is_err());
    }
}
