//! Every scenario file of `scenarios/` runs to its end as the page runs it, with no
//! action refused, and its ledger matches the outcome the file states.

use std::path::PathBuf;

use kscope_core::Instant;
use kscope_web::compare::Twin;
use kscope_web::i18n::Lang;
use kscope_web::scenario::{index_entries, Scenario, Timeline};
use kscope_web::script;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn load(name: &str) -> Scenario {
    let text = std::fs::read_to_string(dir().join(name)).unwrap();
    Scenario::parse(&text).unwrap_or_else(|e| panic!("scenarios/{name}: {e}"))
}

#[test]
fn every_scenario_reaches_its_stated_outcome() {
    let index = std::fs::read_to_string(dir().join("index.txt")).unwrap();
    let names = index_entries(&index);
    assert!(names.len() >= 15, "{} scenarios", names.len());
    let mut ids = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for name in names {
        let sc = load(name);
        assert!(
            ids.insert(sc.id.clone()),
            "two scenarios are called {}",
            sc.id
        );
        assert_eq!(
            format!("{}.txt", sc.id),
            name,
            "a scenario's file is named after its id"
        );
        let mut settings = sc.settings.clone();
        let mut sim = script::build(&settings).unwrap();
        let mut timeline = Timeline::merged(&sc.actions(), &[]);
        // A comparison's run B: the same actions at the same instants.
        let mut twin = Twin::of(&settings, &timeline).map(|t| t.expect("run B starts"));
        if let Some(twin) = &mut twin {
            twin.advance(sc.end_us, Lang::En);
        }
        assert_eq!(
            twin.is_some(),
            !sc.expect_b.is_empty(),
            "{}: a comparison states B's outcome",
            sc.id
        );
        let done = timeline.advance(&mut sim, &mut settings, Instant::from_micros(sc.end_us));
        let figures: Vec<String> = sc
            .outcome(&sim)
            .iter()
            .map(|(e, v)| {
                format!(
                    "{} → {v}{}",
                    e.to_text(),
                    if e.holds(*v) { "" } else { " ✗" }
                )
            })
            .collect();
        let c = sim.ledger().counts();
        println!(
            "{:<28} acked {:>6} lost {:>4} dup {:>4} reord {:>3} consumed {:>6} redeliv {:>4} | {}",
            sc.id,
            c.acknowledged,
            c.lost,
            c.duplicated,
            c.reordered,
            c.consumed,
            c.redelivered,
            figures.join(", ")
        );
        if !done.refused.is_empty() {
            failures.push(format!("{}: refused {:?}", sc.id, done.refused));
        }
        if let Some(twin) = &twin {
            let c = twin.sim.ledger().counts();
            println!(
                "{:<28} acked {:>6} lost {:>4} dup {:>4} reord {:>3} consumed {:>6} redeliv {:>4} (run B)",
                "", c.acknowledged, c.lost, c.duplicated, c.reordered, c.consumed, c.redelivered,
            );
            for e in &sc.expect_b {
                let v = e.metric.value(&twin.sim);
                if !e.holds(v) {
                    failures.push(format!("{} run B: {} → {v} ✗", sc.id, e.to_text()));
                }
            }
            if !twin.notices.is_empty() {
                failures.push(format!("{} run B: {:?}", sc.id, twin.notices));
            }
        }
        if sc.outcome(&sim).iter().any(|(e, v)| !e.holds(*v)) {
            failures.push(format!("{}: {}", sc.id, figures.join(", ")));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// The rebalancing scenarios tell their story only if the consumer that joins has taken
/// over a partition and processed records from it by the last caption.
#[test]
fn in_the_rebalancing_scenarios_the_newcomer_processes_records() {
    for name in ["cooperative-rebalance.txt", "eager-rebalance.txt"] {
        let sc = load(name);
        let mut settings = sc.settings.clone();
        let mut sim = script::build(&settings).unwrap();
        let mut timeline = Timeline::merged(&sc.actions(), &[]);
        let last = sc.steps.last().unwrap().at_us;
        timeline.advance(&mut sim, &mut settings, Instant::from_micros(last));
        let newcomer = sim
            .consumers()
            .iter()
            .max_by_key(|(id, _)| **id)
            .map(|(_, c)| c)
            .unwrap();
        assert!(
            newcomer.consumed > 0,
            "{name}: the newcomer processed nothing by the last caption"
        );
    }
}

/// `two-groups`' captions, checked: each newcomer rebalances its own group only, the
/// cooperative group twice for one newcomer and the eager one once, and both groups
/// process every record.
#[test]
fn in_the_two_groups_scenario_each_group_rebalances_alone() {
    let sc = load("two-groups.txt");
    let mut settings = sc.settings.clone();
    let mut sim = script::build(&settings).unwrap();
    let mut timeline = Timeline::merged(&sc.actions(), &[]);
    let generations = |sim: &kscope_core::Sim| {
        ["orders-app", "audit-app"].map(|g| sim.group(g).expect("a coordinator").1.generation)
    };
    let mut at = Vec::new();
    for s in [7_900_000, 14_900_000, 22_000_000] {
        timeline.advance(&mut sim, &mut settings, Instant::from_micros(s));
        at.push(generations(&sim));
    }
    // A newcomer in audit-app: two rebalances there, none in orders-app.
    assert_eq!(at[1][0], at[0][0]);
    assert_eq!(at[1][1], at[0][1] + 2);
    // A newcomer in orders-app: one rebalance there, none in audit-app.
    assert_eq!(at[2][0], at[1][0] + 1);
    assert_eq!(at[2][1], at[1][1]);
    // Both read everything (what is left is what each has not fetched yet).
    let acked = sim.ledger().acknowledged();
    let first = sim.ledger().counts().consumed;
    let second = sim.ledger().other_group(1).unwrap().consumed;
    assert!(
        first * 10 > acked * 9 && second * 10 > acked * 9,
        "{acked} {first} {second}"
    );
}

/// `subscriptions`' captions, checked: c1 alone takes payments, then the group splits it.
#[test]
fn in_the_subscriptions_scenario_range_follows_each_members_subscription() {
    let sc = load("subscriptions.txt");
    let mut settings = sc.settings.clone();
    let mut sim = script::build(&settings).unwrap();
    let mut timeline = Timeline::merged(&sc.actions(), &[]);
    let owned = |sim: &kscope_core::Sim| -> Vec<(u32, Vec<(u32, u32)>)> {
        sim.consumers()
            .values()
            .filter(|c| c.is_running())
            .map(|c| {
                (
                    c.id.0,
                    c.owned
                        .iter()
                        .map(|tp| (tp.topic.0, tp.partition))
                        .collect(),
                )
            })
            .collect()
    };
    let mut at = Vec::new();
    for s in [7_900_000, 15_900_000, 23_000_000] {
        timeline.advance(&mut sim, &mut settings, Instant::from_micros(s));
        at.push(owned(&sim));
    }
    assert_eq!(at[0], vec![(0, vec![(0, 0), (0, 1)]), (1, vec![(0, 2)])]);
    assert_eq!(
        at[1],
        vec![
            (0, vec![(0, 0), (0, 1)]),
            (1, vec![(0, 2), (1, 0), (1, 1), (1, 2)])
        ]
    );
    assert_eq!(
        at[2],
        vec![
            (0, vec![(0, 0), (0, 1), (1, 0), (1, 1)]),
            (1, vec![(0, 2), (1, 2)])
        ]
    );
    assert_eq!(sim.group_lag().len(), 6);
    assert!(sim
        .ledger()
        .records()
        .any(|r| r.partition.topic.0 == 1 && r.consumed_at.is_some()));
}

/// A seeded mutation fuzzer over real scenario files: flipped, cut and inserted bytes
/// never panic the parser, and a file it refuses is named by a line. The seed is drawn
/// from the clock unless KSCOPE_FUZZ_SEED names one, and printed; KSCOPE_FUZZ_CASES
/// tries more (or fewer) than 20,000 inputs.
#[test]
fn mutated_scenario_files_never_panic_the_parser() {
    let mut fuzz = kscope_tests::Fuzz::from_env("mutated scenario files", 20_000);
    let (seed, cases) = (fuzz.seed, fuzz.cases);
    let files: Vec<Vec<u8>> = ["acks-0.txt", "batching.txt", "acks-1-leader-dies.txt"]
        .iter()
        .map(|n| std::fs::read(dir().join(n)).unwrap())
        .collect();
    let alphabet = b"0123456789 :=\n#.-_abcdeklnorstxyz\xff\xc3\xea";
    let (mut refused, mut named) = (0, 0);
    for _ in 0..cases {
        let file = &files[(fuzz.draw() % files.len() as u64) as usize];
        let b = fuzz.mutate(file, 6, alphabet);
        let text = String::from_utf8_lossy(&b).into_owned();
        let parsed =
            std::panic::catch_unwind(|| Scenario::parse(&text).err()).unwrap_or_else(|_| {
                panic!("KSCOPE_FUZZ_SEED={seed}: this file panicked the parser:\n{text}")
            });
        if let Some(e) = parsed {
            refused += 1;
            named += usize::from(e.line >= 1 && e.to_string().contains(&e.line.to_string()));
        }
    }
    assert!(
        cases < 1_000 || refused > 0,
        "the fuzzer reached the parser's checks"
    );
    println!("{refused} refused, {named} of them naming a line");
}

/// `eager-vs-cooperative`'s captions, checked on both runs: one rebalance in A (range,
/// eager), two in B (cooperative-sticky), and both newcomers process records.
#[test]
fn in_the_eager_vs_cooperative_comparison_b_rebalances_twice_and_both_newcomers_work() {
    let sc = load("eager-vs-cooperative.txt");
    let mut settings = sc.settings.clone();
    let mut sim = script::build(&settings).unwrap();
    let mut timeline = Timeline::merged(&sc.actions(), &[]);
    let mut twin = Twin::of(&settings, &timeline).unwrap().unwrap();
    let generation =
        |sim: &kscope_core::Sim| sim.group("orders-app").expect("a coordinator").1.generation;
    let newcomer = |sim: &kscope_core::Sim| {
        sim.consumers()
            .iter()
            .max_by_key(|(id, _)| **id)
            .map(|(_, c)| c.consumed)
            .unwrap()
    };
    timeline.advance(&mut sim, &mut settings, Instant::from_micros(7_900_000));
    twin.advance(7_900_000, Lang::En);
    let before = (generation(&sim), generation(&twin.sim));
    let last = sc.steps.last().unwrap().at_us;
    timeline.advance(&mut sim, &mut settings, Instant::from_micros(last));
    twin.advance(last, Lang::En);
    assert_eq!(generation(&sim), before.0 + 1, "A: one rebalance");
    assert_eq!(generation(&twin.sim), before.1 + 2, "B: two rebalances");
    assert!(newcomer(&sim) > 0 && newcomer(&twin.sim) > 0);
}
