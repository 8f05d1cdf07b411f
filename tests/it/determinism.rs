//! Determinism: the same configuration, seed and commands give the same trace, twice in a
//! row and on every platform. This module runs natively and, compiled to wasm32, in Node
//! (`cargo test -p kscope-tests --target wasm32-unknown-unknown`): both compare against
//! the same snapshot, so a share link replayed in a browser sees what native tests saw.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use kscope_tests::{determinism_scenario, DETERMINISM_SNAPSHOT};

#[test]
fn the_same_seed_twice_gives_the_same_trace() {
    let (a, counts_a) = determinism_scenario(7);
    let (b, counts_b) = determinism_scenario(7);
    assert_eq!(a, b);
    assert_eq!(counts_a, counts_b);
    let (c, _) = determinism_scenario(8);
    assert_ne!(a, c, "another seed places replicas and keys differently");
}

#[test]
fn the_trace_matches_the_snapshot_on_this_platform() {
    let (hash, counts) = determinism_scenario(7);
    let text = format!("{hash:016x}");
    #[cfg(not(target_arch = "wasm32"))]
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots/determinism.hash");
        std::fs::write(path, format!("{text}\n")).expect("writable snapshot");
        return;
    }
    // The faults stall acks=all for long stretches (a dead broker stays in the ISR until
    // it is fenced; a cut link holds the high watermark back), but records flow.
    assert!(
        counts.sent == 9_000 && counts.acknowledged > 500 && counts.consumed > 0,
        "{counts:?}"
    );
    assert_eq!(
        text,
        DETERMINISM_SNAPSHOT.trim(),
        "the trace changed: if on purpose, rerun natively with UPDATE_EXPECT=1"
    );
}

#[test]
fn the_trace_diff_names_the_first_event_that_differs() {
    use kscope_tests::trace::{first_difference, reference_runs, trace_lines};
    let runs = reference_runs();
    let mut a = Vec::new();
    trace_lines(&runs[0], &mut a);
    let mut b = Vec::new();
    trace_lines(&runs[0], &mut b);
    assert!(a.len() > 1_000, "{} events", a.len());
    assert_eq!(first_difference(&a, &b), None);
    // Another seed places replicas differently: the traces part early, and the diff
    // names the first line that differs, not a later one.
    let mut other = runs.into_iter().next().expect("a run");
    other.seed = 8;
    let mut c = Vec::new();
    trace_lines(&other, &mut c);
    let d = first_difference(&a, &c).expect("another seed, another trace");
    assert_eq!(a[..d.line], c[..d.line]);
    assert_ne!(d.left, d.right);
    // A trace cut short differs where it ends.
    let short = &a[..a.len() - 1];
    let d = first_difference(&a, short).expect("one event fewer");
    assert_eq!((d.line, d.right), (a.len() - 1, None));
}

/// Every simulation these tests run (the determinism runs, natively and in Node, and every
/// other) checks every invariant after every item: kscope-core's `checked` feature.
#[test]
fn every_simulation_a_test_runs_is_checked() {
    let sim = kscope_core::Sim::new(kscope_core::SimConfig::default(), 1).unwrap();
    assert!(sim.checks_invariants());
}

/// Every reference run of the trace diff keeps every invariant to its end (the checks
/// run after every item). The `segments` run elects a leader whose cleaner has compacted
/// the partition: the records compacted away are not lost.
#[test]
fn every_reference_run_keeps_the_invariants() {
    use kscope_tests::trace::{reference_runs, trace_lines};
    for run in reference_runs() {
        let mut lines = Vec::new();
        trace_lines(&run, &mut lines);
        assert!(
            lines.iter().any(|l| l.contains("LeaderElected")),
            "{}: an election",
            run.name
        );
        assert!(
            !lines.iter().any(|l| l.contains("RecordsLost")),
            "{}: nothing lost",
            run.name
        );
    }
}
