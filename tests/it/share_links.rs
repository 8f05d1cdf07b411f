//! Share links: a session's link replays to the same state, and the decoder takes any
//! input (malformed, truncated, hostile) without panicking, within its bounds.

use kscope_core::{BrokerId, ConsumerId, Instant, NodeId};
use kscope_web::i18n::Lang::{En, Ko};
use kscope_web::scenario::Timeline;
use kscope_web::script::{self, Action};
use kscope_web::settings::Settings;
use kscope_web::share::{decode_run, encode_run, Session, MAX_ACTIONS, MAX_RUN_BYTES};
use proptest::prelude::*;

fn action() -> impl Strategy<Value = Action> {
    let node = prop_oneof![
        Just(NodeId::PRODUCER),
        (0u32..9).prop_map(|b| NodeId::Broker(BrokerId(b))),
        (0u32..12).prop_map(|c| NodeId::Consumer(ConsumerId(c))),
    ];
    prop_oneof![
        (0u32..9).prop_map(Action::CrashBroker),
        (0u32..9).prop_map(Action::RestartBroker),
        (0u32..9).prop_map(Action::IsolateBroker),
        (0u32..9).prop_map(Action::ReconnectBroker),
        (0u32..9).prop_map(Action::SlowBroker),
        (0u32..9).prop_map(Action::UnslowBroker),
        (0u32..9).prop_map(Action::DropResponse),
        (0u32..9).prop_map(Action::DropRequest),
        (node.clone(), node.clone())
            .prop_filter("two nodes", |(a, b)| a != b)
            .prop_map(|(a, b)| Action::CutLink(a, b)),
        (node.clone(), node)
            .prop_filter("two nodes", |(a, b)| a != b)
            .prop_map(|(a, b)| Action::HealLink(a, b)),
        (0u32..12).prop_map(Action::CrashConsumer),
        (0u32..12).prop_map(Action::RestartConsumer),
        (0u32..12).prop_map(Action::PauseConsumer),
        (0u32..12).prop_map(Action::ResumeConsumer),
        (0u32..13).prop_map(|n| Action::Set("consumers".into(), n.to_string())),
        (1u32..25).prop_map(|n| Action::Set("partitions".into(), n.to_string())),
        Just(Action::Set(
            "partition.assignment.strategy".into(),
            "cooperative-sticky".into()
        )),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_run_round_trips(mut entries in proptest::collection::vec((0u64..3_600_000_000, action()), 0..60)) {
        entries.sort_by_key(|(t, _)| *t);
        let link = encode_run(&entries);
        prop_assert_eq!(decode_run(&link), Ok(entries));
    }

    #[test]
    fn any_text_is_decoded_or_refused_without_panicking(text in ".{0,400}") {
        let _ = decode_run(&text);
        let _ = Session::from_query(&text);
        let _ = Settings::from_query(&text);
        let _ = decode_run(&format!("1_{text}"));
        let _ = Session::from_query(&format!("run=1_{text}&step={text}&at={text}"));
    }

    #[test]
    fn link_shaped_garbage_is_refused_without_panicking(
        parts in proptest::collection::vec(("[0-9a-z]{0,14}", "[a-z=.0-9~_-]{0,12}"), 0..40)
    ) {
        let run: Vec<String> = parts.iter().map(|(t, c)| format!("{t}~{c}")).collect();
        let _ = decode_run(&format!("1_{}", run.join("_")));
    }
}

/// Runs `planned` the way the page does (uneven frames of about 16 ms, each action
/// between two frames at the simulation's instant) and returns the events and what was
/// recorded for a share link (refused actions too, as on the page), and how many were
/// refused.
fn run_as_the_page(
    settings: &Settings,
    planned: &[(u64, Action)],
    until: u64,
) -> (
    u64,
    kscope_core::ledger::LedgerCounts,
    Vec<(u64, Action)>,
    usize,
) {
    let mut s = settings.clone();
    let mut sim = script::build(&s).unwrap();
    let mut events = Vec::new();
    let mut person = Vec::new();
    let mut refused = 0;
    let mut pending = planned.iter().peekable();
    let (mut frame, mut n) = (0u64, 0u64);
    while frame < until {
        sim.step(Instant::from_micros(frame));
        while let Some((t, a)) = pending.peek() {
            if *t > frame {
                break;
            }
            refused += usize::from(script::perform(&mut sim, &mut s, a).is_err());
            person.push((sim.now().micros(), a.clone()));
            pending.next();
        }
        events.extend(sim.drain_events());
        n += 1;
        frame += 16_000 + n % 5 * 333;
    }
    sim.step(Instant::from_micros(until));
    events.extend(sim.drain_events());
    (
        kscope_tests::trace_hash(&events),
        sim.ledger().counts(),
        person,
        refused,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Whatever a person does, the link made of it replays to the same events, event for
    /// event, and the same ledger.
    #[test]
    fn any_session_replays_from_its_link(
        mut planned in proptest::collection::vec((0u64..8_000_000, action()), 0..12),
        seed in 0u64..1_000,
    ) {
        planned.sort_by_key(|(t, _)| *t);
        let (settings, _) = Settings::from_query(&format!(
            "acks=1&partitions=3&consumers=2&rate=300&seed={seed}"
        ));
        let until = 10_000_000;
        let (hash, counts, person, refused) = run_as_the_page(&settings, &planned, until);
        let link = format!(
            "{}{}",
            settings.to_query(),
            Session { run: person, at_us: Some(until), ..Default::default() }.to_query()
        );
        let (mut s2, _) = Settings::from_query(&link);
        let (session, problems) = Session::from_query(&link);
        prop_assert!(problems.is_empty());
        let mut replay = script::build(&s2).unwrap();
        let mut timeline = Timeline::merged(&[], &session.run);
        // Fast-forward in slices, as the page does.
        let mut events = Vec::new();
        let mut refused_again = 0;
        let mut t = 0;
        while t < until {
            t = (t + 20_000).min(until);
            let done = timeline.advance(&mut replay, &mut s2, Instant::from_micros(t));
            refused_again += done.refusals;
            events.extend(replay.drain_events());
        }
        prop_assert_eq!(refused_again, refused);
        prop_assert_eq!(replay.ledger().counts(), counts);
        prop_assert_eq!(kscope_tests::trace_hash(&events), hash);
    }
}

/// A seeded byte-level mutation fuzzer over a real link: flips, truncations, insertions.
#[test]
fn mutated_links_never_panic() {
    let entries = vec![
        (1_200_000, Action::CrashBroker(1)),
        (3_000_000, Action::Set("consumers".into(), "4".into())),
        (
            4_500_000,
            Action::CutLink(NodeId::PRODUCER, NodeId::Broker(BrokerId(2))),
        ),
        (9_000_000, Action::RestartBroker(1)),
    ];
    let link = format!(
        "brokers=3&seed=7&scenario=acks-0&step=2&at=9500000&run={}",
        encode_run(&entries)
    );
    let bytes = link.as_bytes().to_vec();
    let mut fuzz = kscope_tests::Fuzz::from_env("mutated links", 100_000);
    let (seed, cases) = (fuzz.seed, fuzz.cases);
    let alphabet = b"0123456789abcz_~.=&%-+ \xff\xc3";
    let mut refused = 0;
    for _ in 0..cases {
        let b = fuzz.mutate(&bytes, 4, alphabet);
        let text = String::from_utf8_lossy(&b).into_owned();
        let problems = std::panic::catch_unwind(|| {
            let _ = Settings::from_query(&text);
            Session::from_query(&text).1
        })
        .unwrap_or_else(|_| panic!("KSCOPE_FUZZ_SEED={seed}: the link {text:?} panicked"));
        refused += usize::from(!problems.is_empty());
    }
    assert!(
        cases < 10_000 || refused > 1_000,
        "the fuzzer reached the checks ({refused} refused)"
    );
}

#[test]
fn the_decoder_is_bounded() {
    let long = format!("1{}", "_1~cb1".repeat(MAX_ACTIONS + 1));
    assert!(long.len() <= MAX_RUN_BYTES);
    let err = |run: &str, lang| decode_run(run).unwrap_err().text(lang);
    assert!(err(&long, En).contains("more than"));
    let huge = "1_".to_string() + &"z".repeat(MAX_RUN_BYTES);
    assert!(err(&huge, En).contains("longer than"));
    assert!(err("1_zzzzzzzzzzz~cb1", En).contains("1 hour"));
    assert!(err("2_1~cb1", En).contains("newer kscope"));
    assert!(err("x", En).contains("format number"));
    assert!(err("1_1~xx1", En).contains("Action 1"));
    // In Korean, every one of them is said in Korean (the action's code is quoted).
    for run in [
        &long,
        &huge,
        "1_zzzzzzzzzzz~cb1",
        "2_1~cb1",
        "x",
        "1_1~xx1",
        "1_1cb1",
        "1_$~cb1",
    ] {
        let ko = err(run, Ko);
        let latin = ko
            .replace("kscope", "")
            .chars()
            .filter(|c| c.is_ascii_alphabetic())
            .count();
        assert!(ko.contains("링크"), "{ko}");
        assert!(latin <= 8, "English left in the Korean message: {ko}");
    }
}

/// What a person did, recorded and written into a link, replays to the same ledger.
#[test]
fn a_shared_session_replays_to_the_same_ledger() {
    let (settings, _) = Settings::from_query("acks=1&partitions=3&consumers=2&rate=300&seed=9");
    let planned = [
        (2_000_000, Action::IsolateBroker(1)),
        (3_500_000, Action::CrashBroker(1)),
        (5_000_000, Action::Set("consumers".into(), "3".into())),
        (15_000_000, Action::ReconnectBroker(1)),
        (15_000_000, Action::RestartBroker(1)),
        (17_250_000, Action::CrashConsumer(0)),
    ];
    // The original: the page steps in uneven frames of about 16 ms, and a click acts
    // between two frames at the simulation's instant, which is what the page records.
    let mut s1 = settings.clone();
    let mut original = script::build(&s1).unwrap();
    let mut person = Vec::new();
    let mut frame = 0u64;
    let mut pending = planned.iter().peekable();
    let mut n = 0u64;
    while frame < 25_000_000 {
        original.step(Instant::from_micros(frame));
        while let Some((t, a)) = pending.peek() {
            if *t > frame {
                break;
            }
            script::perform(&mut original, &mut s1, a).unwrap();
            person.push((original.now().micros(), a.clone()));
            pending.next();
        }
        n += 1;
        frame += 16_000 + n % 5 * 333;
    }
    original.step(Instant::from_micros(25_000_000));

    let link = format!(
        "{}{}",
        settings.to_query(),
        Session {
            run: person.clone(),
            at_us: Some(25_000_000),
            ..Default::default()
        }
        .to_query()
    );
    let (s2, problems) = Settings::from_query(&link);
    let (session, more) = Session::from_query(&link);
    assert!(
        problems.is_empty() && more.is_empty(),
        "{problems:?} {more:?}"
    );
    assert_eq!(session.run, person);
    let mut s2 = s2;
    let mut replay = script::build(&s2).unwrap();
    let mut timeline = Timeline::merged(&[], &session.run);
    let done = timeline.advance(
        &mut replay,
        &mut s2,
        Instant::from_micros(session.at_us.unwrap()),
    );
    assert!(done.refused.is_empty(), "{:?}", done.refused);
    assert_eq!(replay.ledger().counts(), original.ledger().counts());
    assert!(original.ledger().counts().lost > 0);
    assert_eq!(s1, s2);
}
