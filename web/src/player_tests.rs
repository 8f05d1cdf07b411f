//! The session logic, natively: a fake wall clock drives [`Player`] as the page's frames
//! would, and the tests read where the simulated clock went, what the URL says and what
//! the run holds.

use super::*;
use crate::scenario::Scenario;

/// A wall clock that moves `per_read` milliseconds each time it is read.
fn clock(per_read: f64) -> impl FnMut() -> f64 {
    let mut now = 0.0;
    move || {
        now += per_read;
        now
    }
}

/// Frames of `frame_ms` wall milliseconds until the player stops fast-forwarding (at
/// most `limit` frames); returns how many frames it took.
fn seek_to_end(p: &mut Player, frame_ms: f64, limit: usize) -> usize {
    let mut wall = clock(1.0);
    for i in 1..=limit {
        if p.frame(frame_ms, &mut wall) != Frame::Seeking || p.seek.is_none() {
            return i;
        }
    }
    panic!("still seeking after {limit} frames");
}

const SCENARIO: &str = "id: test-steps
title.en: Three steps
title.ko: 세 단계
settings: partitions=1 consumers=0 rate=100 seed=3
end: 6s

at 0s
en: one
ko: 하나

at 2s
do: crash-broker 1
en: two
ko: 둘

at 4s
en: three
ko: 셋
";

fn presenting() -> Player {
    let mut p = Player::new("", Lang::En);
    let sc = Scenario::parse(SCENARIO).expect("a valid scenario");
    p.scenarios_loaded(vec![sc], vec![]);
    p.pick_scenario("test-steps");
    p
}

#[test]
fn playing_advances_the_clock_by_elapsed_time_times_speed_and_skips_long_gaps() {
    let mut p = Player::new("speed=2&consumers=0", Lang::En);
    assert!(p.playing);
    let mut wall = clock(0.0);
    assert_eq!(p.frame(30.0, &mut wall), Frame::Played);
    assert_eq!(p.sim.now().micros(), 60_000);
    // A background tab's gap of ten seconds counts as MAX_GAP_MS.
    p.frame(10_000.0, &mut wall);
    assert_eq!(p.sim.now().micros(), 60_000 + (MAX_GAP_MS * 2_000.0) as u64);
    p.toggle_play();
    assert_eq!(p.frame(30.0, &mut wall), Frame::Paused);
    assert_eq!(p.sim.now().micros(), 560_000);
}

#[test]
fn a_share_link_replays_to_its_instant_in_slices_within_the_frame_budget() {
    // A session: two actions at known instants, shared at 3 s.
    let mut a = Player::new("consumers=1&seed=9&rate=500", Lang::En);
    a.playing = false;
    let mut wall = clock(0.0);
    a.playing = true;
    for _ in 0..40 {
        a.frame(25.0, &mut wall);
    }
    a.act(Action::CrashBroker(0));
    for _ in 0..40 {
        a.frame(25.0, &mut wall);
    }
    a.toggle(Toggle::Isolate(1));
    for _ in 0..40 {
        a.frame(25.0, &mut wall);
    }
    let shared_at = a.sim.now().micros();
    let query = a.share_query();

    let mut b = Player::new(&query, Lang::En);
    assert!(!b.playing, "a share link opens paused");
    assert_eq!(b.seek.map(|s| s.to_us), Some(shared_at));
    // Each clock read costs 5 ms: a frame does the slices of SEEK_SLICE_US that fit in
    // SEEK_BUDGET_MS, and one more that crosses it.
    let mut wall = clock(5.0);
    let before = b.sim.now().micros();
    assert_eq!(b.frame(16.0, &mut wall), Frame::Seeking);
    let first = b.sim.now().micros() - before;
    let most = (SEEK_BUDGET_MS / 5.0) as u64 + 1;
    assert!(
        (SEEK_SLICE_US..=most * SEEK_SLICE_US).contains(&first),
        "one frame went {first} µs"
    );
    let frames = seek_to_end(&mut b, 16.0, 1_000);
    assert!(frames > 5, "{frames} frames");
    assert_eq!(b.sim.now().micros(), shared_at);
    assert!(!b.playing);
    assert_eq!(b.person, a.person);
    assert_eq!(b.sim.ledger().counts(), a.sim.ledger().counts());
    assert_eq!(b.url_query(), a.url_query());
}

#[test]
fn presenting_a_step_fast_forwards_to_it_plays_it_and_holds_before_the_next() {
    let mut p = presenting();
    assert!(p.presenting());
    assert_eq!(p.step_index(), Some(0));
    assert_eq!(p.take_url().as_deref(), Some("scenario=test-steps"));
    p.key("PageDown");
    assert_eq!(p.seek.map(|s| s.to_us), Some(2_000_000));
    assert_eq!(
        p.step_index(),
        Some(1),
        "the caption is the target's at once"
    );
    seek_to_end(&mut p, 16.0, 1_000);
    assert_eq!(p.sim.now().micros(), 2_000_000);
    assert!(p.playing, "a presented step plays");
    assert_eq!(p.take_url().as_deref(), Some("scenario=test-steps&step=2"));
    // The step's action happened at its instant.
    assert!(!p.sim.brokers()[&kscope_core::BrokerId(1)].up);
    // It plays to just before the next step, then holds.
    let mut wall = clock(0.0);
    for _ in 0..200 {
        p.frame(30.0, &mut wall);
    }
    assert!(!p.playing);
    assert_eq!(p.step_index(), Some(1));
    assert_eq!(
        p.sim.now().micros(),
        p.scenario.as_ref().unwrap().hold_after(1)
    );
    assert!(p.sim.now().micros() < 4_000_000);
}

#[test]
fn going_back_a_step_replays_the_run_from_a_copy_before_it() {
    let mut p = presenting();
    p.present_step(true);
    seek_to_end(&mut p, 16.0, 1_000);
    p.present_step(true);
    seek_to_end(&mut p, 16.0, 1_000);
    assert_eq!(p.step_index(), Some(2));
    let at_two = p.sim.now().micros();
    assert_eq!(at_two, 4_000_000);
    p.present_step(false);
    assert!(
        p.sim.now().micros() <= 2_000_000,
        "from the run's start or a copy before the step"
    );
    seek_to_end(&mut p, 16.0, 1_000);
    assert_eq!(p.sim.now().micros(), 2_000_000);
    assert_eq!(p.step_index(), Some(1));
    // The same run as going there the first time.
    let mut q = presenting();
    q.present_step(true);
    seek_to_end(&mut q, 16.0, 1_000);
    assert_eq!(p.sim.ledger().counts(), q.sim.ledger().counts());
}

#[test]
fn a_url_naming_a_step_presents_it_once_the_scenarios_load() {
    let mut p = Player::new("scenario=test-steps&step=3", Lang::Ko);
    assert!(!p.playing);
    assert!(!p.presenting(), "waits for the scenario files");
    p.scenarios_loaded(vec![Scenario::parse(SCENARIO).unwrap()], vec![]);
    assert_eq!(p.seek.map(|s| s.to_us), Some(4_000_000));
    seek_to_end(&mut p, 16.0, 1_000);
    assert_eq!(p.step_index(), Some(2));
    // A scenario the page does not have: a notice in the page's language, and the run
    // goes on without it.
    let mut q = Player::new("scenario=nowhere&lang=ko", Lang::En);
    q.scenarios_loaded(vec![], vec![]);
    assert!(!q.presenting());
    assert_eq!(q.notices.len(), 1);
    assert!(q.notices[0].contains("nowhere"), "{:?}", q.notices);
}

#[test]
fn settings_a_running_cluster_takes_are_recorded_as_actions_others_start_a_new_run() {
    let mut p = Player::new("consumers=1&rate=100", Lang::En);
    let mut wall = clock(0.0);
    for _ in 0..10 {
        p.frame(30.0, &mut wall);
    }
    let now = p.sim.now();
    let mut next = p.settings.clone();
    next.consumers = 3;
    p.apply_settings(next);
    assert_eq!(p.sim.now(), now, "taken live");
    assert_eq!(p.settings.consumers, 3);
    assert_eq!(p.person.len(), 1, "{:?}", p.person);
    let mut next = p.settings.clone();
    next.linger_ms = 50;
    p.apply_settings(next);
    assert_eq!(p.sim.now().micros(), 0, "a new run");
    assert!(p.person.is_empty());
    // A configuration Kafka rejects changes nothing and says why.
    let mut next = p.settings.clone();
    next.replication_factor = 9;
    p.apply_settings(next);
    assert_eq!(p.settings.replication_factor, 3);
    assert_eq!(p.notices.len(), 1);
    assert!(
        p.notices[0].contains("replication factor"),
        "{:?}",
        p.notices
    );
}

#[test]
fn toggles_do_the_action_the_cluster_state_calls_for() {
    let mut p = Player::new("consumers=1", Lang::En);
    p.toggle(Toggle::Isolate(0));
    p.toggle(Toggle::Isolate(0));
    p.toggle(Toggle::ProducerLink(2));
    p.toggle(Toggle::PauseConsumer(0));
    let done: Vec<Action> = p.person.iter().map(|(_, a)| a.clone()).collect();
    assert_eq!(
        done,
        vec![
            Action::IsolateBroker(0),
            Action::ReconnectBroker(0),
            Action::CutLink(NodeId::PRODUCER, NodeId::Broker(BrokerId(2))),
            Action::PauseConsumer(0),
        ]
    );
    assert!(p
        .sim
        .network()
        .is_cut(NodeId::PRODUCER, NodeId::Broker(BrokerId(2))));
}

#[test]
fn the_url_follows_settings_and_a_bad_seed_is_refused_in_the_page_language() {
    let mut p = Player::new("lang=ko", Lang::En);
    assert!(p.take_url().is_some());
    assert_eq!(p.take_url(), None, "once per change");
    p.set_seed("seven");
    assert_eq!(p.take_url(), None);
    assert_eq!(p.notices.len(), 1);
    assert!(p.notices[0].contains("seven") || !p.notices[0].is_ascii());
    p.set_seed("7");
    assert!(p.take_url().is_some_and(|q| q.contains("seed=7")));
}

/// Plays frames of 30 ms until the player pauses (at most `limit`).
fn play_until_held(p: &mut Player, limit: usize) {
    let mut wall = clock(0.0);
    for _ in 0..limit {
        if !p.playing {
            return;
        }
        p.frame(30.0, &mut wall);
    }
    panic!("still playing after {limit} frames");
}

#[test]
fn a_scenario_holds_each_caption_until_the_presenter_moves_on() {
    let mut p = presenting();
    assert!(p.playing, "the scenario starts playing (autoplay)");
    play_until_held(&mut p, 1_000);
    assert_eq!(p.step_index(), Some(0), "the first caption holds");
    assert_eq!(p.sim.now().micros(), 2_000_000 - 1);
    // Play, held at a step's end, presents the next step.
    p.toggle_play();
    seek_to_end(&mut p, 16.0, 1_000);
    assert_eq!(p.step_index(), Some(1));
    play_until_held(&mut p, 1_000);
    assert_eq!(p.sim.now().micros(), 4_000_000 - 1);
    // Paused mid-step, Play plays on to the step's end only.
    p.present_step(true);
    seek_to_end(&mut p, 16.0, 1_000);
    let mut wall = clock(0.0);
    p.frame(30.0, &mut wall);
    p.toggle_play();
    assert!(!p.playing);
    p.toggle_play();
    play_until_held(&mut p, 1_000);
    assert_eq!(p.step_index(), Some(2));
    assert_eq!(
        p.sim.now().micros(),
        6_000_000,
        "the last step holds at the end"
    );
    // Past the end, Play runs on freely.
    p.toggle_play();
    for _ in 0..10 {
        p.frame(30.0, &mut wall);
    }
    assert!(p.playing);
    assert!(p.sim.now().micros() > 6_000_000);
}

#[test]
fn a_setting_that_needs_a_new_cluster_leaves_the_scenario_and_offers_the_way_back() {
    let mut p = presenting();
    p.present_step(true);
    seek_to_end(&mut p, 16.0, 1_000);
    assert_eq!(p.step_index(), Some(1));
    // A live change (the rate) stays in the scenario.
    p.set_param("rate", "150");
    assert!(p.presenting());
    assert!(p.left.is_none());
    // The brokers' count needs a new cluster: the scenario is left, and said to be.
    p.set_param("brokers", "4");
    assert!(!p.presenting());
    let (sc, step) = p.left.clone().expect("the scenario left is kept");
    assert_eq!((sc.id.as_str(), step), ("test-steps", 1));
    assert_eq!(p.settings.brokers, 4);
    // Trying more settings keeps the way back offered.
    p.set_param("replication.factor", "2");
    assert_eq!(
        p.left.as_ref().map(|(sc, step)| (sc.id.as_str(), *step)),
        Some(("test-steps", 1))
    );
    p.back_to_scenario();
    assert!(p.presenting());
    assert!(p.left.is_none());
    seek_to_end(&mut p, 16.0, 1_000);
    assert_eq!(p.step_index(), Some(1), "back at the step it was at");
    assert_eq!(p.settings.brokers, 3, "with the scenario's settings");
    // Picking another scenario (or none) forgets it.
    p.set_param("brokers", "5");
    assert!(p.left.is_some());
    p.pick_scenario("");
    assert!(p.left.is_none());
}

#[test]
fn segment_rolls_are_told_for_the_leader_and_a_run_of_them_is_one_line() {
    let mut p = Player::new(
        "partitions=1&consumers=0&rate=200&segment.bytes=4096&retention.bytes=8192&log.retention.check.interval.ms=1000",
        Lang::En,
    );
    let mut wall = clock(0.0);
    for _ in 0..1_500 {
        p.frame(30.0, &mut wall);
    }
    let rolls: Vec<&LogLine> = p
        .log
        .iter()
        .filter(|l| matches!(l.event.event, Event::SegmentRolled { .. }))
        .collect();
    assert!(!rolls.is_empty(), "{:?}", p.log);
    let leader = p
        .sim
        .partition(p.sim.all_partitions().next().unwrap())
        .leader;
    for l in &rolls {
        let Event::SegmentRolled { broker, .. } = l.event.event else {
            unreachable!()
        };
        assert_eq!(Some(broker), leader, "only the leader's rolls are told");
    }
    assert!(
        rolls.iter().any(|l| l.repeats > 1),
        "runs of rolls are counted"
    );
    for pair in p.log.windows(2) {
        let both_rolls = pair
            .iter()
            .all(|l| matches!(l.event.event, Event::SegmentRolled { .. }));
        assert!(!both_rolls, "rolls in a row make one line: {pair:?}");
    }
    assert!(
        p.log
            .iter()
            .any(|l| matches!(l.event.event, Event::SegmentsDeleted { .. })),
        "retention's deletions stay in view: {:#?}",
        p.log
            .iter()
            .map(|l| (
                l.event.at.millis(),
                format!("{:?}", l.event.event),
                l.repeats
            ))
            .collect::<Vec<_>>()
    );
}

#[test]
fn locked_controls_refuse_the_audiences_actions_but_the_presenter_still_steps() {
    let mut p = Player::new("embed=1&controls=lock&consumers=1", Lang::En);
    assert!(p.locked());
    p.act(Action::CrashBroker(1));
    p.toggle(Toggle::Isolate(2));
    p.toggle(Toggle::ProducerLink(3));
    assert!(p.person.is_empty(), "nothing the audience clicked was done");
    assert!(p.sim.brokers().values().all(|b| b.up));
    // The same actions unlocked are carried out.
    let mut open = Player::new("embed=1&controls=show&consumers=1", Lang::En);
    assert!(!open.locked());
    open.act(Action::CrashBroker(1));
    assert_eq!(open.person.len(), 1);
    assert!(open.sim.brokers().values().any(|b| !b.up));
    // A scenario presented under a lock still steps through its captions.
    let mut p = Player::new("controls=lock", Lang::En);
    p.scenarios_loaded(
        vec![Scenario::parse(SCENARIO).expect("a valid scenario")],
        vec![],
    );
    p.pick_scenario("test-steps");
    assert!(p.locked());
    assert_eq!(p.step_index(), Some(0));
    p.present_step(true);
    assert_eq!(p.step_index(), Some(1));
}

/// The notices as the page shows them.
fn shown(p: &Player) -> Vec<String> {
    i18n::notice_lines(p.lang(), &p.notices)
}

#[test]
fn bad_parameters_beside_a_valid_scenario_are_each_still_said_once_it_starts() {
    let mut p = Player::new(
        "scenario=test-steps&step=abc&at=soon&acks=7&run=garbage&colour=blue",
        Lang::En,
    );
    p.scenarios_loaded(vec![Scenario::parse(SCENARIO).expect("valid")], vec![]);
    assert_eq!(
        p.scenario.as_ref().map(|s| s.id.as_str()),
        Some("test-steps")
    );
    let said = shown(&p).join("\n");
    for param in [
        "step=abc",
        "at=soon",
        "value 7 for configuration acks",
        "record of actions",
        "colour",
    ] {
        assert!(said.contains(param), "{param} is said: {said}");
    }
    // A step past the scenario's last is said too, and its last step shown.
    let mut p = Player::new("scenario=test-steps&step=9", Lang::Ko);
    p.scenarios_loaded(vec![Scenario::parse(SCENARIO).expect("valid")], vec![]);
    assert_eq!(p.step_index(), Some(2));
    assert_eq!(shown(&p), vec![i18n::step_past_end(Lang::Ko, 9, 3)]);
}

#[test]
fn a_link_replaying_a_thousand_refused_actions_gives_one_line_and_quotes_no_long_value() {
    let run: Vec<(u64, Action)> = (0..1000)
        .map(|i| (1_000 + i * 1_000, Action::CrashBroker(9)))
        .collect();
    let query = format!("seed=3&run={}&at=2000000", crate::share::encode_run(&run));
    let mut p = Player::new(&query, Lang::En);
    p.scenarios_loaded(vec![], vec![]);
    seek_to_end(&mut p, 16.0, 10_000);
    let lines = shown(&p);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("crash-broker 9") && lines[0].contains("1000×"),
        "{}",
        lines[0]
    );
    // A long bad value is quoted by its start only.
    let long = "x".repeat(16 * 1024);
    let p = Player::new(
        &format!("acks={long}&scenario={long}&run=1_{long}"),
        Lang::En,
    );
    let lines = shown(&p);
    assert!(!lines.is_empty());
    assert!(
        lines
            .iter()
            .all(|l| l.chars().count() <= i18n::MAX_NOTICE_CHARS + 20),
        "{lines:?}"
    );
    let mut p = Player::new(&format!("scenario={long}"), Lang::Ko);
    p.scenarios_loaded(vec![], vec![]);
    assert!(
        shown(&p).iter().all(|l| l.chars().count() < 200),
        "{:?}",
        shown(&p)
    );
}

#[test]
fn many_different_notices_are_capped_and_counted() {
    let query: String = (0..12).map(|i| format!("bogus{i}=1&")).collect();
    let p = Player::new(&query, Lang::En);
    let lines = shown(&p);
    assert_eq!(lines.len(), i18n::MAX_NOTICES + 1);
    assert_eq!(
        lines.last().map(String::as_str),
        Some("…and 6 more messages.")
    );
}

#[test]
fn a_scenario_file_with_a_built_in_id_replaces_it_and_says_so() {
    let builtin = Scenario::parse(SCENARIO).expect("valid");
    let mine = SCENARIO.replace("title.en: Three steps", "title.en: My own three steps");
    // Opened after the built-ins arrived.
    let mut p = Player::new("", Lang::En);
    p.scenarios_loaded(vec![builtin.clone()], vec![]);
    p.open_file("mine.txt", Ok(mine.clone()));
    assert_eq!(
        p.scenarios.iter().filter(|s| s.id == "test-steps").count(),
        1
    );
    assert_eq!(
        p.scenario.as_ref().map(|s| s.title(Lang::En)),
        Some("My own three steps")
    );
    assert_eq!(
        shown(&p),
        vec![i18n::scenario_replaced(Lang::En, "mine.txt", "test-steps")]
    );
    // Opened before they arrived: the file still wins, and it is said.
    let mut p = Player::new("", Lang::En);
    p.open_file("mine.txt", Ok(mine));
    p.scenarios_loaded(vec![builtin], vec![]);
    let list: Vec<&str> = p
        .scenarios
        .iter()
        .filter(|s| s.id == "test-steps")
        .map(|s| s.title(Lang::En))
        .collect();
    assert_eq!(list, vec!["My own three steps"]);
    assert_eq!(shown(&p).len(), 1);
    assert!(shown(&p)[0].contains("test-steps"));
}

#[test]
fn a_run_pauses_with_a_notice_at_the_heap_limit_and_reset_starts_small() {
    // Natively the heap is not counted: the player estimates from the records held.
    assert_eq!(crate::heap::live_bytes(), None);
    let mut p = Player::new(
        "partitions=3&rate=20000&consumers=0&at=3600000000",
        Lang::En,
    );
    p.scenarios_loaded(vec![], vec![]);
    seek_to_end(&mut p, 16.0, 100_000);
    assert!(p.held_bytes() >= HEAP_LIMIT_BYTES);
    assert!(p.seek.is_none() && !p.playing, "paused");
    assert!(
        p.sim.now().micros() < 3_600_000_000,
        "long before the link's instant"
    );
    let said = shown(&p).join("\n");
    assert!(
        said.starts_with("Paused: this run holds") && said.contains(" MB)"),
        "{said}"
    );
    // Playing on, or stepping, is refused the same way: the clock stays.
    let at = p.sim.now();
    p.toggle_play();
    let mut wall = clock(0.0);
    p.frame(30.0, &mut wall);
    assert!(!p.playing);
    p.step();
    assert_eq!(p.sim.now(), at);
    p.reset();
    assert!(p.sim.ledger().is_empty());
    assert!(p.held_bytes() < HEAP_LIMIT_BYTES / 100);
}

// Natively only: in the browser the heap is counted for real, and cannot be pretended.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn a_run_held_at_the_heap_limit_stays_held_when_the_counted_heap_dips() {
    // In the browser the count moves both ways as the page renders: a dip just under
    // the limit must not let Play run on.
    let mut p = Player::new("partitions=3&rate=2000&consumers=0", Lang::En);
    p.scenarios_loaded(vec![], vec![]);
    let mut wall = clock(0.0);
    assert!(p.playing, "a run plays from the start");
    p.frame(30.0, &mut wall);
    assert!(p.sim.now().micros() > 0);
    crate::heap::pretend(Some(HEAP_LIMIT_BYTES));
    p.frame(30.0, &mut wall);
    assert!(!p.playing);
    let at = p.sim.now();
    crate::heap::pretend(Some(HEAP_LIMIT_BYTES - 1024 * 1024));
    p.toggle_play();
    p.frame(30.0, &mut wall);
    p.step();
    assert_eq!(p.sim.now(), at, "held");
    // A new run starts from nothing held.
    p.reset();
    if !p.playing {
        p.toggle_play();
    }
    p.frame(30.0, &mut wall);
    crate::heap::pretend(None);
    assert!(p.sim.now().micros() > 0, "the new run plays");
}

// The page's tests run every simulation checked: every invariant after every item, so a
// scenario or a replayed share link that breaks one fails its test.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn the_players_simulations_are_checked_in_tests() {
    let mut p = Player::new("acks=1&partitions=2", Lang::En);
    p.scenarios_loaded(vec![], vec![]);
    assert!(p.sim.checks_invariants());
    p.reset();
    assert!(p.sim.checks_invariants());
}

/// Plays `p` in frames of 50 ms wall time (at speed 1) until the clock reaches `to_ms`.
fn play_to(p: &mut Player, to_ms: u64) {
    let mut wall = clock(0.0);
    p.playing = true;
    while p.sim.now().millis() < to_ms {
        p.frame(50.0, &mut wall);
    }
    p.playing = false;
}

/// What a run's state is, to compare two ways of reaching an instant.
fn state(p: &Player) -> (u64, kscope_core::ledger::LedgerCounts, Vec<u64>, usize) {
    let leos = p
        .sim
        .brokers()
        .values()
        .flat_map(|b| b.replicas.values().map(|r| r.log.log_end_offset().0 as u64))
        .collect();
    (
        p.sim.now().micros(),
        p.sim.ledger().counts(),
        leos,
        p.marks.len(),
    )
}

#[test]
fn going_back_on_the_timeline_gives_the_state_playing_there_gives_and_the_future_plays_again() {
    let query = "partitions=3&acks=1&consumers=2&rate=500";
    let mut p = Player::new(query, Lang::En);
    p.scenarios_loaded(vec![], vec![]);
    play_to(&mut p, 3_000);
    p.act(Action::CrashBroker(1));
    // Brokers notice the crash after broker.session.timeout.ms (9 s): leaders move.
    play_to(&mut p, 14_000);
    let horizon = p.horizon_us;
    assert!(horizon >= 14_000_000);
    assert!(
        p.marks.iter().any(|m| m.kind == MarkKind::Election),
        "the crash elected leaders"
    );
    // Back to 2 s: the same state as a run played straight to 2 s.
    p.go_to(2_000_000);
    seek_to_end(&mut p, 16.0, 10_000);
    let mut straight = Player::new(query, Lang::En);
    straight.scenarios_loaded(vec![], vec![]);
    play_to(&mut straight, 2_000);
    assert_eq!(p.sim.now().micros(), 2_000_000);
    assert_eq!(
        (state(&p).0, state(&p).1, state(&p).2),
        (state(&straight).0, state(&straight).1, state(&straight).2)
    );
    // The timeline keeps its end and its marks; forward again, the crash happens again.
    assert_eq!(p.horizon_us, horizon);
    p.go_to(6_000_000);
    seek_to_end(&mut p, 16.0, 10_000);
    assert!(
        !p.sim.brokers()[&kscope_core::BrokerId(1)].up,
        "the recorded crash replayed"
    );
    // Anywhere, back and forth: the state a link replaying the run to that instant gives.
    assert_eq!(p.checkpoints.len(), 1, "a copy of the run at 10 s");
    assert_eq!(p.checkpoints[0].at_us, 10_000_000);
    // 12.5 s after 13 s goes back from that copy; the others before it replay from 0.
    for t in [
        700_000, 9_999_000, 2_350_000, 5_125_000, 13_000_000, 12_500_000, 50_000,
    ] {
        p.go_to(t);
        seek_to_end(&mut p, 16.0, 10_000);
        let mut q = Player::new(&p.share_query(), Lang::En);
        q.scenarios_loaded(vec![], vec![]);
        seek_to_end(&mut q, 16.0, 10_000);
        assert_eq!(p.sim.now().micros(), t);
        assert_eq!(
            (state(&p).0, state(&p).1, state(&p).2),
            (state(&q).0, state(&q).1, state(&q).2),
            "at {t} µs"
        );
    }
    p.go_to(6_000_000);
    seek_to_end(&mut p, 16.0, 10_000);
    // Stepping back goes to the notable moment before the present.
    let before = p
        .marks
        .iter()
        .rev()
        .find(|m| m.at_us < 6_000_000)
        .unwrap()
        .at_us;
    p.step_back();
    seek_to_end(&mut p, 16.0, 10_000);
    assert_eq!(p.sim.now().micros(), before);
}

#[test]
fn acting_in_the_past_forks_the_run_and_the_share_link_records_the_new_history() {
    let query = "partitions=3&consumers=0&rate=200";
    let mut p = Player::new(query, Lang::En);
    p.scenarios_loaded(vec![], vec![]);
    play_to(&mut p, 2_000);
    p.act(Action::CrashBroker(1));
    play_to(&mut p, 6_000);
    p.go_to(1_000_000);
    seek_to_end(&mut p, 16.0, 10_000);
    // A different action at 1 s: the crash at 2 s is gone from the run's history.
    p.act(Action::CrashBroker(2));
    assert_eq!(p.person, vec![(1_000_000, Action::CrashBroker(2))]);
    assert_eq!(p.horizon_us, 1_000_000);
    play_to(&mut p, 4_000);
    assert!(
        p.sim.brokers()[&kscope_core::BrokerId(1)].up,
        "the old future was discarded"
    );
    assert!(!p.sim.brokers()[&kscope_core::BrokerId(2)].up);
    // Its share link replays the new history.
    let link = p.share_query();
    let mut q = Player::new(&link, Lang::En);
    q.scenarios_loaded(vec![], vec![]);
    seek_to_end(&mut q, 16.0, 10_000);
    assert_eq!(q.sim.now(), p.sim.now());
    assert_eq!(q.sim.ledger().counts(), p.sim.ledger().counts());
    assert!(
        !q.sim.brokers()[&kscope_core::BrokerId(2)].up
            && q.sim.brokers()[&kscope_core::BrokerId(1)].up
    );
}

#[test]
fn a_session_saved_as_a_scenario_file_reads_back_and_replays_to_the_same_ledger() {
    let mut p = Player::new("partitions=3&acks=1&consumers=1&rate=300&seed=5", Lang::En);
    p.scenarios_loaded(vec![], vec![]);
    play_to(&mut p, 1_500);
    // Off the millisecond grid, as a click between frames is.
    let mut wall = clock(0.0);
    p.playing = true;
    p.frame(16.7, &mut wall);
    p.playing = false;
    assert!(!p.sim.now().micros().is_multiple_of(1_000));
    p.act(Action::CrashBroker(0));
    play_to(&mut p, 4_000);
    p.set_param("consumers", "2");
    play_to(&mut p, 14_000);
    let text = p.export_scenario();
    let sc = Scenario::parse(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
    assert_eq!(sc.end_us, p.sim.now().micros());
    assert!(
        text.contains("do: crash-broker 0") && text.contains("do: set consumers=2"),
        "{text}"
    );
    let mut q = Player::new("", Lang::En);
    q.scenarios_loaded(vec![sc.clone()], vec![]);
    q.pick_scenario(&sc.id);
    q.seek = Some(Seek {
        to_us: sc.end_us,
        then_play_until: None,
    });
    seek_to_end(&mut q, 16.0, 100_000);
    assert_eq!(q.sim.now(), p.sim.now());
    assert_eq!(q.sim.ledger().counts(), p.sim.ledger().counts());
    assert!(
        !q.sim.brokers()[&kscope_core::BrokerId(0)].up,
        "the crash replayed"
    );
    assert_eq!(
        q.sim
            .consumers()
            .values()
            .filter(|c| c.is_running())
            .count(),
        2
    );
}

#[test]
fn checkpoints_stay_few_as_the_run_grows_and_going_back_from_them_is_exact() {
    let mut p = Player::new("partitions=2&consumers=0&rate=50", Lang::En);
    p.scenarios_loaded(vec![], vec![]);
    p.go_to(0);
    p.horizon_us = 400_000_000;
    p.go_to(400_000_000);
    seek_to_end(&mut p, 16.0, 100_000);
    assert!(p.checkpoints.len() <= MAX_CHECKPOINTS);
    assert!(
        p.checkpoints.len() >= MAX_CHECKPOINTS / 2,
        "{}",
        p.checkpoints.len()
    );
    assert!(
        p.checkpoint_every_us > CHECKPOINT_EVERY_US,
        "thinned as the run grew"
    );
    let gaps: Vec<u64> = p
        .checkpoints
        .windows(2)
        .map(|w| w[1].at_us - w[0].at_us)
        .collect();
    assert!(gaps.iter().all(|g| *g >= CHECKPOINT_EVERY_US), "{gaps:?}");
    p.go_to(333_333_000);
    seek_to_end(&mut p, 16.0, 100_000);
    let mut q = Player::new(&p.share_query(), Lang::En);
    q.scenarios_loaded(vec![], vec![]);
    seek_to_end(&mut q, 16.0, 100_000);
    assert_eq!(q.sim.now(), p.sim.now());
    assert_eq!(q.sim.ledger().counts(), p.sim.ledger().counts());
}

#[test]
fn the_embedding_page_presents_steps_seeks_and_hears_each_caption_and_notable_event() {
    use crate::embed::{Command, Post};
    let mut p = presenting();
    // The first caption is told once.
    let posts = p.take_posts();
    assert!(
        matches!(&posts[..], [Post::Step { step: 1, steps: 3, caption, .. }] if caption == "one"),
        "{posts:?}"
    );
    assert!(p.take_posts().is_empty());
    // Step 3: fast-forwarded to, past broker 1's crash (an election), then held.
    p.command(Command::Step { step: 3 }).unwrap();
    seek_to_end(&mut p, 16.0, 10_000);
    let posts = p.take_posts();
    assert!(
        matches!(&posts[0], Post::Step { step: 3, caption, .. } if caption == "three"),
        "{posts:?}"
    );
    let marked = p.marks.iter().filter(|m| m.at_us <= p.shown_us()).count();
    let told = posts
        .iter()
        .filter(|q| matches!(q, Post::Notable { .. }))
        .count();
    assert_eq!(told, marked.min(crate::embed::MAX_NOTABLE_PER_POST));
    assert_eq!(p.status().step, Some(3));
    // Steps that do not exist, bad instants and unknown names are refused in words.
    assert!(p
        .command(Command::Step { step: 4 })
        .unwrap_err()
        .contains("1 to 3"));
    assert!(p.command(Command::Step { step: 0 }).is_err());
    assert!(p.command(Command::Seek { ms: f64::NAN }).is_err());
    assert!(p
        .command(Command::Load {
            scenario: "nope".into(),
            step: None
        })
        .unwrap_err()
        .contains("nope"));
    let bad = p
        .command(Command::Set {
            name: "acks".into(),
            value: "2".into(),
        })
        .unwrap_err();
    assert!(
        bad.contains("Invalid value 2 for configuration acks"),
        "{bad}"
    );
    assert!(p
        .command(Command::Set {
            name: "ackz".into(),
            value: "1".into()
        })
        .unwrap_err()
        .contains("ackz"));
    assert!(p
        .command(Command::Act {
            action: "crash-broker x".into()
        })
        .is_err());
    // Seeking back to 1 s shows step 1 again and tells it; the election is told again
    // when it is met again.
    p.command(Command::Seek { ms: 1_000.0 }).unwrap();
    seek_to_end(&mut p, 16.0, 10_000);
    assert_eq!(p.shown_us(), 1_000_000);
    let posts = p.take_posts();
    assert!(
        matches!(&posts[..], [Post::Step { step: 1, .. }]),
        "{posts:?}"
    );
    // Play and pause.
    p.command(Command::Play).unwrap();
    assert!(p.playing);
    p.command(Command::Pause).unwrap();
    assert!(!p.playing);
    // An action, as a scenario writes it, is done and recorded; the election it causes
    // (once the controller finds the broker gone) is told.
    let leader = p.sim.topics()[0].partitions[0].leader.unwrap();
    p.command(Command::Act {
        action: format!("crash-broker {}", leader.0),
    })
    .unwrap();
    assert!(!p.sim.brokers()[&leader].up);
    p.pick_scenario("");
    let later = p.sim.now().millis() + 12_000;
    play_to(&mut p, later);
    let posts = p.take_posts();
    assert!(
        posts
            .iter()
            .any(|q| matches!(q, Post::Notable { kind: "election", text, .. } if text.contains("now leads"))),
        "{posts:?}"
    );
}

#[test]
fn a_locked_embed_refuses_what_changes_the_run_and_allows_moving_through_it() {
    use crate::embed::Command;
    let mut p = Player::new("controls=lock&embed=1", Lang::Ko);
    let sc = Scenario::parse(SCENARIO).expect("a valid scenario");
    p.scenarios_loaded(vec![sc], vec![]);
    let refused = p
        .command(Command::Load {
            scenario: "test-steps".into(),
            step: Some(2),
        })
        .unwrap_err();
    assert!(refused.contains("controls=lock"), "{refused}");
    assert!(p
        .command(Command::Set {
            name: "acks".into(),
            value: "1".into()
        })
        .is_err());
    assert!(p
        .command(Command::Act {
            action: "crash-broker 1".into()
        })
        .is_err());
    assert!(p.sim.brokers().values().all(|b| b.up));
    p.command(Command::Pause).unwrap();
    p.command(Command::Next).unwrap();
    assert!(p.status().locked);
    assert_eq!(p.status().scenarios, ["test-steps"]);
}

/// B of a comparison: the twin's state, as [`state`] reads a run's.
fn twin_state(p: &Player) -> (u64, kscope_core::ledger::LedgerCounts) {
    let b = &p.twin.as_ref().expect("a comparison").sim;
    (b.now().micros(), b.ledger().counts())
}

#[test]
fn a_comparison_runs_b_in_lock_step_as_its_own_settings_would_run_alone() {
    let mut p = Player::new(
        "acks=1&partitions=2&consumers=1&rate=300&compare=acks:all",
        Lang::En,
    );
    p.scenarios_loaded(vec![], vec![]);
    let b = p.twin.as_ref().expect("compare= makes run B");
    assert_eq!(b.settings.acks, kscope_core::Acks::All);
    assert_eq!(p.settings.acks, kscope_core::Acks::Leader);
    assert_eq!(b.settings.seed, p.settings.seed);
    // The same actions at the same instants: B is what a run of its settings alone is.
    let mut alone = Player::new("acks=all&partitions=2&consumers=1&rate=300", Lang::En);
    alone.scenarios_loaded(vec![], vec![]);
    for q in [&mut p, &mut alone] {
        play_to(q, 3_000);
        q.act(Action::CrashBroker(1));
        play_to(q, 6_000);
        q.step();
    }
    assert_eq!(
        twin_state(&p),
        (alone.sim.now().micros(), alone.sim.ledger().counts())
    );
    assert_eq!(p.twin.as_ref().unwrap().sim.now(), p.sim.now());
    assert!(!p.twin.as_ref().unwrap().sim.brokers()[&kscope_core::BrokerId(1)].up);
    // The two runs part where the producer first hears an acknowledgement.
    let d = p
        .comparison
        .first
        .clone()
        .expect("acks=1 and acks=all differ");
    let a = d.a.clone().expect("A acknowledges first");
    assert!(matches!(a.event, Event::BatchAcknowledged { .. }), "{a:?}");
    let b = d.b.clone().expect("B hears an acknowledgement later");
    assert!(
        matches!(b.event, Event::BatchAcknowledged { .. }) && b.at > a.at,
        "{b:?}"
    );
    let said = p
        .comparison
        .in_words(&p.names, p.sim.now().micros(), Lang::En);
    assert!(said.starts_with("The runs part at "), "{said}");
    assert!(said.contains("A: the producer hears batch"), "{said}");
    // Going back gives B's state at that instant too, and the divergence stays.
    p.go_to(2_000_000);
    seek_to_end(&mut p, 16.0, 10_000);
    let mut alone_then = Player::new("acks=all&partitions=2&consumers=1&rate=300", Lang::En);
    alone_then.scenarios_loaded(vec![], vec![]);
    play_to(&mut alone_then, 2_000);
    assert_eq!(
        twin_state(&p),
        (2_000_000, alone_then.sim.ledger().counts())
    );
    assert_eq!(p.comparison.first.as_ref().map(|d| d.at_us), Some(d.at_us));
    // The URL and a share link keep the comparison.
    assert!(
        p.url_query().contains("compare=acks:all"),
        "{}",
        p.url_query()
    );
    let q = Player::new(&p.share_query(), Lang::En);
    assert!(q.twin.is_some());
}

#[test]
fn a_comparison_of_a_setting_with_its_own_value_never_parts() {
    let mut p = Player::new(
        "acks=all&partitions=3&consumers=2&compare=acks:all",
        Lang::En,
    );
    p.scenarios_loaded(vec![], vec![]);
    play_to(&mut p, 2_000);
    p.act(Action::CrashBroker(0));
    play_to(&mut p, 15_000);
    assert!(p.marks.iter().any(|m| m.kind == MarkKind::Election));
    assert_eq!(p.comparison.first, None);
    assert_eq!(
        p.comparison
            .in_words(&p.names, p.sim.now().micros(), Lang::En),
        "No difference yet: both runs had the same events up to 15000 ms."
    );
}

#[test]
fn an_action_one_run_refuses_is_refused_there_and_carried_out_in_the_other() {
    let mut p = Player::new("brokers=3&consumers=0&compare=brokers:4", Lang::En);
    p.scenarios_loaded(vec![], vec![]);
    play_to(&mut p, 500);
    p.act(Action::CrashBroker(3));
    let b = p.twin.as_ref().unwrap();
    assert!(
        !b.sim.brokers()[&kscope_core::BrokerId(3)].up,
        "B has a broker 3"
    );
    assert!(b.notices.is_empty(), "{:?}", b.notices);
    assert_eq!(p.notices.len(), 1, "A has none: {:?}", p.notices);
}

#[test]
fn a_comparison_kafka_or_the_page_refuses_is_said_and_a_runs_alone() {
    for (query, said) in [
        ("compare=acks:2", "Invalid value 2 for configuration acks"),
        (
            "compare=seed:4",
            "compare=seed:4 is not a setting of the run, a colon and its value",
        ),
        ("compare=speed:2", "is not a setting of the run"),
        ("compare=nonsense", "is not a setting of the run"),
        (
            "brokers=3&compare=replication.factor:4",
            "Run B cannot start: ",
        ),
    ] {
        let p = Player::new(query, Lang::En);
        assert!(p.twin.is_none(), "{query}");
        assert!(
            p.notices.iter().any(|n| n.contains(said)),
            "{query}: {:?}",
            p.notices
        );
    }
    let p = Player::new("compare=acks", Lang::Ko);
    assert!(
        p.notices[0].contains("실행 설정 하나와 콜론"),
        "{:?}",
        p.notices
    );
}

#[test]
fn acting_in_the_past_of_a_comparison_forks_both_runs_and_b_stays_what_its_settings_give() {
    let query = "acks=1&partitions=2&consumers=1&rate=300";
    let mut p = Player::new(&format!("{query}&compare=acks:all"), Lang::En);
    p.scenarios_loaded(vec![], vec![]);
    play_to(&mut p, 3_000);
    p.act(Action::CrashBroker(1));
    play_to(&mut p, 6_000);
    p.go_to(2_000_000);
    seek_to_end(&mut p, 16.0, 10_000);
    p.act(Action::CrashBroker(2));
    play_to(&mut p, 5_000);
    let b = &p.twin.as_ref().unwrap().sim;
    assert!(
        b.brokers()[&kscope_core::BrokerId(1)].up,
        "B's old future is gone too"
    );
    assert!(!b.brokers()[&kscope_core::BrokerId(2)].up);
    let mut alone = Player::new("acks=all&partitions=2&consumers=1&rate=300", Lang::En);
    alone.scenarios_loaded(vec![], vec![]);
    play_to(&mut alone, 2_000);
    alone.act(Action::CrashBroker(2));
    play_to(&mut alone, 5_000);
    assert_eq!(
        twin_state(&p),
        (alone.sim.now().micros(), alone.sim.ledger().counts())
    );
    // The divergence found before the fork (the first acknowledgement) stands.
    assert!(p
        .comparison
        .first
        .as_ref()
        .is_some_and(|d| d.at_us < 2_000_000));
}

#[test]
fn going_back_from_a_copy_made_before_an_action_still_carries_the_action_out() {
    // Copies at 10 s and 20 s; the person crashes broker 1 at 10 s (just after the copy
    // was made) and broker 2 at 12 s. Going to 15 s starts from the copy at 10 s, which
    // knows neither crash: both must happen again on the way.
    let query = "partitions=2&acks=1&consumers=1&rate=400";
    let mut p = Player::new(query, Lang::En);
    p.scenarios_loaded(vec![], vec![]);
    play_to(&mut p, 10_000);
    assert_eq!(p.checkpoints.last().map(|c| c.at_us), Some(10_000_000));
    p.act(Action::CrashBroker(1));
    play_to(&mut p, 12_000);
    p.act(Action::CrashBroker(2));
    play_to(&mut p, 21_000);
    p.go_to(15_000_000);
    seek_to_end(&mut p, 16.0, 10_000);
    let brokers = p.sim.brokers();
    assert!(!brokers[&kscope_core::BrokerId(1)].up && !brokers[&kscope_core::BrokerId(2)].up);
    let mut straight = Player::new(query, Lang::En);
    straight.scenarios_loaded(vec![], vec![]);
    play_to(&mut straight, 10_000);
    straight.act(Action::CrashBroker(1));
    play_to(&mut straight, 12_000);
    straight.act(Action::CrashBroker(2));
    play_to(&mut straight, 15_000);
    assert_eq!(
        (state(&p).0, state(&p).1, state(&p).2),
        (state(&straight).0, state(&straight).1, state(&straight).2)
    );
}
