//! Narrated scenarios: a configuration, a seed and a timed script of actions, with a
//! caption in English and in Korean for each step. Scenarios are text files in
//! `scenarios/` (their format is documented in `scenarios/README.md`) so a teacher can
//! write one without touching Rust; a bad file gets a message naming its line.
//!
//! A [`Timeline`] carries timed actions out as the simulation's clock passes them: the
//! scenario's script merged with what the person did, which is also what a share link
//! records and replays.

use kscope_core::{Instant, Sim};

use crate::i18n::Lang;
use crate::script::{self, Action};
use crate::settings::Settings;

/// The most a scenario file may hold, in bytes, and in steps.
pub const MAX_FILE_BYTES: usize = 64 * 1024;
pub const MAX_STEPS: usize = 100;

/// One step of a scenario: from `at` on, its caption is shown; its actions run at `at`.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub at_us: u64,
    /// The caption in English and in Korean.
    pub caption: [String; 2],
    pub actions: Vec<Action>,
}

impl Step {
    pub fn caption(&self, lang: Lang) -> &str {
        &self.caption[lang as usize]
    }
}

/// A figure of the run a scenario states its outcome with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    Acked,
    Lost,
    Duplicated,
    Reordered,
    Consumed,
    Redelivered,
    /// Records the group skipped (handed to a member, never processed, committed past).
    Skipped,
    /// Acknowledged records of aborted transactions.
    Aborted,
    /// Of those, the ones the group processed.
    ReadAborted,
    /// With the exactly-once pipeline: records whose result its reader processed.
    Results,
    /// Processings by the reader of a second result of one record.
    ResultsTwice,
    /// The pipeline's results in aborted transactions.
    ResultsAborted,
    Failed,
    /// The group's total lag (records below the high watermark not yet committed).
    Lag,
    UncleanElections,
    /// Fetch answers the brokers read from the disk (page cache misses).
    DiskReads,
    /// The KRaft quorum's highest epoch (one more at each election); 0 without a quorum.
    QuorumEpoch,
}

const METRICS: &[(&str, Metric)] = &[
    ("acked", Metric::Acked),
    ("lost", Metric::Lost),
    ("duplicated", Metric::Duplicated),
    ("reordered", Metric::Reordered),
    ("consumed", Metric::Consumed),
    ("redelivered", Metric::Redelivered),
    ("skipped", Metric::Skipped),
    ("aborted", Metric::Aborted),
    ("read-aborted", Metric::ReadAborted),
    ("results", Metric::Results),
    ("results-twice", Metric::ResultsTwice),
    ("results-aborted", Metric::ResultsAborted),
    ("failed", Metric::Failed),
    ("lag", Metric::Lag),
    ("unclean-elections", Metric::UncleanElections),
    ("disk-reads", Metric::DiskReads),
    ("quorum-epoch", Metric::QuorumEpoch),
];

impl Metric {
    pub fn name(self) -> &'static str {
        METRICS
            .iter()
            .find(|(_, m)| *m == self)
            .map_or("?", |(n, _)| n)
    }

    /// The figure in `sim` now.
    pub fn value(self, sim: &Sim) -> u64 {
        let c = sim.ledger().counts();
        match self {
            Metric::Acked => c.acknowledged,
            Metric::Lost => c.lost,
            Metric::Duplicated => c.duplicated,
            Metric::Reordered => c.reordered,
            Metric::Consumed => c.consumed,
            Metric::Redelivered => c.redelivered,
            Metric::Skipped => c.skipped,
            Metric::Aborted => c.aborted,
            Metric::ReadAborted => c.read_aborted,
            Metric::Results => c.results,
            Metric::ResultsTwice => c.results_twice,
            Metric::ResultsAborted => sim.ledger().output_counts().aborted,
            Metric::Failed => c.failed,
            Metric::Lag => sim
                .group_lag()
                .iter()
                .filter_map(|l| l.lag)
                .map(|l| l.max(0) as u64)
                .sum(),
            Metric::UncleanElections => u64::from(sim.unclean_elections()),
            Metric::DiskReads => sim.brokers().values().map(|b| b.page_cache.misses).sum(),
            Metric::QuorumEpoch => sim.control_plane().map_or(0, |c| {
                c.ensemble
                    .nodes()
                    .iter()
                    .map(|n| u64::from(n.epoch))
                    .max()
                    .unwrap_or(0)
            }),
        }
    }
}

/// `lost > 0`, `duplicated = 0`: a stated outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expect {
    pub metric: Metric,
    pub op: Op,
    pub value: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Gt,
    Lt,
    Ge,
    Le,
}

impl Expect {
    fn parse(s: &str) -> Result<Expect, String> {
        let at = s.find(['=', '<', '>']).ok_or_else(|| {
            format!("'{s}' is not an outcome: write it as lost>0 or duplicated=0")
        })?;
        let (name, rest) = s.split_at(at);
        let metric = METRICS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, m)| *m)
            .ok_or_else(|| {
                let names: Vec<&str> = METRICS.iter().map(|(n, _)| *n).collect();
                format!(
                    "'{name}' is not a figure kscope counts; the figures are {}",
                    names.join(", ")
                )
            })?;
        let (op, number) = [
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("=", Op::Eq),
            (">", Op::Gt),
            ("<", Op::Lt),
        ]
        .into_iter()
        .find_map(|(t, op)| rest.strip_prefix(t).map(|n| (op, n)))
        .expect("rest starts with = < or >");
        let value = number
            .parse()
            .map_err(|_| format!("'{number}' in '{s}' is not a whole number"))?;
        Ok(Expect { metric, op, value })
    }

    pub fn holds(&self, actual: u64) -> bool {
        match self.op {
            Op::Eq => actual == self.value,
            Op::Gt => actual > self.value,
            Op::Lt => actual < self.value,
            Op::Ge => actual >= self.value,
            Op::Le => actual <= self.value,
        }
    }

    pub fn to_text(&self) -> String {
        let op = match self.op {
            Op::Eq => "=",
            Op::Gt => ">",
            Op::Lt => "<",
            Op::Ge => ">=",
            Op::Le => "<=",
        };
        format!("{}{op}{}", self.metric.name(), self.value)
    }

    /// The outcome in words, as a caption says it ("no acknowledged record is lost").
    pub fn in_words(&self, lang: Lang) -> String {
        crate::i18n::outcome(lang, self)
    }
}

/// A scenario, as read from its file.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub id: String,
    /// The title in English and in Korean.
    pub title: [String; 2],
    pub settings: Settings,
    /// When the scenario is over: playback pauses there.
    pub end_us: u64,
    pub expect: Vec<Expect>,
    /// `expect.b:` the outcome of run B, in a comparison (`compare=` in the settings).
    pub expect_b: Vec<Expect>,
    pub steps: Vec<Step>,
}

/// What is wrong with a scenario file, and on which line (counted from 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl core::fmt::Display for ParseError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl Scenario {
    pub fn title(&self, lang: Lang) -> &str {
        &self.title[lang as usize]
    }

    /// The step shown at `now`: the last one that has started.
    pub fn step_at(&self, now_us: u64) -> usize {
        self.steps
            .iter()
            .rposition(|s| s.at_us <= now_us)
            .unwrap_or(0)
    }

    /// Where presenting step `i` stops: just before the next step (whose actions and
    /// caption belong to it), or at the scenario's end.
    pub fn hold_after(&self, i: usize) -> u64 {
        self.steps
            .get(i + 1)
            .map_or(self.end_us, |s| s.at_us.saturating_sub(1))
    }

    /// The scenario's actions, in time order.
    pub fn actions(&self) -> Vec<(u64, Action)> {
        self.steps
            .iter()
            .flat_map(|s| s.actions.iter().map(|a| (s.at_us, a.clone())))
            .collect()
    }

    /// Reads a scenario file.
    pub fn parse(text: &str) -> Result<Scenario, ParseError> {
        let err = |line: usize, message: String| ParseError { line, message };
        if text.len() > MAX_FILE_BYTES {
            return Err(err(
                0,
                format!("the file is larger than {MAX_FILE_BYTES} bytes"),
            ));
        }
        let mut id = None;
        let mut title = [None, None];
        let mut settings = None;
        let mut end = None;
        let mut expect = Vec::new();
        let mut expect_b = Vec::new();
        // Each step with the line that opened it.
        let mut steps: Vec<StepDraft> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(t) = line.strip_prefix("at ") {
                let at = script::parse_time(t).map_err(|m| err(n, m))?;
                if let Some((_, last, ..)) = steps.last() {
                    if at <= *last {
                        return Err(err(
                            n,
                            format!(
                                "steps must go forward in time; this one is not after {}",
                                script::format_time(*last)
                            ),
                        ));
                    }
                }
                if steps.len() == MAX_STEPS {
                    return Err(err(n, format!("a scenario has at most {MAX_STEPS} steps")));
                }
                steps.push((n, at, [None, None], Vec::new()));
                continue;
            }
            let Some((key, value)) = line.split_once(':') else {
                return Err(err(
                    n,
                    format!("'{line}' is neither 'name: value' nor 'at <time>'"),
                ));
            };
            let value = value.trim();
            if let Some((_, _, caption, actions)) = steps.last_mut() {
                match key {
                    "en" | "ko" => {
                        let l = usize::from(key == "ko");
                        once(&caption[l], key, n)?;
                        if value.is_empty() {
                            return Err(err(n, "the caption is empty".into()));
                        }
                        caption[l] = Some(value.to_string());
                    }
                    "do" => actions.push(Action::parse(value).map_err(|m| err(n, m))?),
                    _ => {
                        return Err(err(n, format!("a step holds en:, ko: and do: lines, not '{key}:' (put the scenario's own lines before the first 'at')")))
                    }
                }
                continue;
            }
            match key {
                "id" => {
                    once(&id, key, n)?;
                    if value.is_empty()
                        || value.len() > 40
                        || !value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    {
                        return Err(err(n, format!("the id '{value}' must be 1 to 40 of a-z, 0-9 and -")));
                    }
                    id = Some(value.to_string());
                }
                "title.en" | "title.ko" => {
                    let l = usize::from(key == "title.ko");
                    once(&title[l], key, n)?;
                    title[l] = Some(value.to_string());
                }
                "settings" => {
                    once(&settings, key, n)?;
                    let query = value.split_whitespace().collect::<Vec<_>>().join("&");
                    let (s, problems) = Settings::from_query(&query);
                    if let Some(p) = problems.into_iter().next() {
                        return Err(err(n, p.text(Lang::En)));
                    }
                    // A scenario with transactions is checked by the page's full build, which
                    // a page without them opens for it (`lib.rs`).
                    let needs_full_build = s.needs_full_build();
                    match s.to_config() {
                        Err(e)
                            if !(needs_full_build
                                && matches!(
                                    e.config,
                                    "transactional.id" | "commit.mode" | "controller.quorum.voters" | "metadata.mode"
                                )) =>
                        {
                            return Err(err(n, e.message))
                        }
                        _ => {}
                    }
                    settings = Some(s);
                }
                "end" => {
                    once(&end, key, n)?;
                    end = Some(script::parse_time(value).map_err(|m| err(n, m))?);
                }
                "expect" | "expect.b" => {
                    let list = if key == "expect" { &mut expect } else { &mut expect_b };
                    for e in value.split_whitespace() {
                        list.push(Expect::parse(e).map_err(|m| err(n, m))?);
                    }
                    if key == "expect.b" && settings.as_ref().is_none_or(|s: &Settings| s.compare.is_none()) {
                        return Err(err(n, "expect.b states run B's outcome: it follows a settings line with compare=".into()));
                    }
                }
                _ => return Err(err(n, format!("'{key}' is not a scenario line; they are id, title.en, title.ko, settings, end, expect, expect.b and at"))),
            }
        }
        let last = text.lines().count().max(1);
        let id = id.ok_or_else(|| err(last, "the scenario has no 'id:'".into()))?;
        let [en, ko] = title;
        let title = [
            en.ok_or_else(|| err(last, "the scenario has no 'title.en:'".into()))?,
            ko.ok_or_else(|| err(last, "the scenario has no 'title.ko:'".into()))?,
        ];
        let settings = settings.unwrap_or_default();
        let end_us = end.ok_or_else(|| err(last, "the scenario has no 'end:'".into()))?;
        if steps.is_empty() {
            return Err(err(last, "the scenario has no steps ('at <time>')".into()));
        }
        let mut out = Vec::new();
        for (n, at, [en, ko], actions) in steps {
            if at > end_us {
                return Err(err(
                    n,
                    format!(
                        "this step is after the scenario's end ({})",
                        script::format_time(end_us)
                    ),
                ));
            }
            let missing = |l: &str| err(n, format!("this step has no '{l}:' caption"));
            out.push(Step {
                at_us: at,
                caption: [
                    en.ok_or_else(|| missing("en"))?,
                    ko.ok_or_else(|| missing("ko"))?,
                ],
                actions,
            });
        }
        Ok(Scenario {
            id,
            title,
            settings,
            end_us,
            expect,
            expect_b,
            steps: out,
        })
    }
}

/// A step being read: the line that opened it, its instant, its captions, its actions.
type StepDraft = (usize, u64, [Option<String>; 2], Vec<Action>);

/// Refuses a line that gives a value a second time.
fn once<T>(slot: &Option<T>, key: &str, line: usize) -> Result<(), ParseError> {
    match slot {
        Some(_) => Err(ParseError {
            line,
            message: format!("{key} is given twice"),
        }),
        None => Ok(()),
    }
}

/// Timed actions carried out as the clock passes them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timeline {
    /// Every action with its instant in microseconds, in the order they run.
    pub actions: Vec<(u64, Action)>,
    /// How many have run.
    pub done: usize,
    /// The actions refused so far: (the action, the reason, its first and last instants,
    /// how many times), in the order of their first refusal.
    refused: Vec<(String, String, u64, u64, usize)>,
}

impl Timeline {
    /// Takes over a run that reached `now_us` under `old`: every action at or before
    /// it counts as carried out (the timeline carries each out as the clock reaches it,
    /// and a person's own actions were carried out as they were taken), and `old`'s
    /// refusals stay.
    pub fn carry_over(&mut self, old: &Timeline, now_us: u64) {
        self.done = self.actions.partition_point(|(t, _)| *t <= now_us);
        self.refused = old.refused.clone();
    }

    /// The timeline of a copy of the run (`old`, the copy's own), now that the person
    /// may have acted since: the scenario's actions and every one of the person's, the
    /// first `done` of them in order carried out when the copy was made, and `old`'s
    /// refusals. The copy's own timeline holds none of the person's later actions (they
    /// were carried out as they were taken, not from the timeline).
    pub fn resumed(
        old: &Timeline,
        scenario: &[(u64, Action)],
        person: &[(u64, Action)],
        done: usize,
    ) -> Timeline {
        let mut t = Timeline::merged(scenario, person);
        t.done = done.min(t.actions.len());
        t.refused = old.refused.clone();
        t
    }

    /// The scenario's actions merged with a person's: at the same instant, the
    /// scenario's run first (the page runs them as the clock reaches the instant, before
    /// anything is clicked).
    pub fn merged(scenario: &[(u64, Action)], person: &[(u64, Action)]) -> Timeline {
        // Both lists are in time order: merge them (a scenario's steps go forward, and a
        // person's actions are recorded as they happen).
        let mut actions = Vec::with_capacity(scenario.len() + person.len());
        let (mut a, mut b) = (scenario.iter().peekable(), person.iter().peekable());
        loop {
            let take_a = match (a.peek(), b.peek()) {
                (Some((ta, _)), Some((tb, _))) => ta <= tb,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let next = if take_a { a.next() } else { b.next() };
            actions.extend(next.cloned());
        }
        Timeline {
            actions,
            done: 0,
            refused: Vec::new(),
        }
    }

    /// Steps `sim` to `to`, carrying out every action due on the way at its instant.
    /// A refused action is reported and the script goes on, as a person would.
    /// The same action refused for the same reason again and again (a link replaying a
    /// thousand of them) is reported once, with its first and last instants and a count.
    pub fn advance(&mut self, sim: &mut Sim, settings: &mut Settings, to: Instant) -> Advanced {
        let mut out = Advanced::default();
        while let Some((at, action)) = self.actions.get(self.done) {
            if *at > to.micros() {
                break;
            }
            sim.step(Instant::from_micros(*at));
            match script::perform(sim, settings, action) {
                Ok(n) => out.notices.extend(n),
                Err(e) => {
                    out.refusals += 1;
                    let text = action.to_text();
                    match self.refused.iter_mut().find(|r| r.0 == text && r.1 == e) {
                        Some(r) => {
                            r.3 = *at;
                            r.4 += 1;
                        }
                        None => self.refused.push((text, e, *at, *at, 1)),
                    }
                }
            }
            self.done += 1;
        }
        sim.step(to);
        if out.refusals == 0 {
            return out;
        }
        out.refused = self
            .refused
            .iter()
            .map(|(action, e, first, last, n)| match n {
                1 => format!("{action} ({}): {e}", script::format_time(*first)),
                n => format!(
                    "{action} ({}–{}, {n}×): {e}",
                    script::format_time(*first),
                    script::format_time(*last)
                ),
            })
            .collect();
        out
    }

    /// The instant of the next action not yet carried out.
    pub fn next_at(&self) -> Option<u64> {
        self.actions.get(self.done).map(|(t, _)| *t)
    }
}

/// What carrying out a timeline's actions had to say.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Advanced {
    /// Consequences worth telling (keys moved to other partitions, …).
    pub notices: Vec<script::Note>,
    /// When this advance had an action refused: every action refused so far in the run,
    /// each with its reason, and with its instants and a count when refused again and
    /// again (empty when this advance had none).
    pub refused: Vec<String>,
    /// How many actions were refused (a line of `refused` may stand for several).
    pub refusals: usize,
}

impl Scenario {
    /// Each stated outcome with the figure `sim` shows for it.
    pub fn outcome(&self, sim: &Sim) -> Vec<(Expect, u64)> {
        self.expect
            .iter()
            .map(|e| (*e, e.metric.value(sim)))
            .collect()
    }
}

/// A scenario's stated outcomes in words, run B's after A's in a comparison.
pub fn expectations(sc: &Scenario, lang: Lang) -> String {
    let words = |list: &[Expect]| {
        list.iter()
            .map(|e| e.in_words(lang))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match sc.expect_b.as_slice() {
        [] => words(&sc.expect),
        b => format!("A: {}; B: {}", words(&sc.expect), words(b)),
    }
}

/// The scenario files an index names, one file name per line (`#` starts a comment).
pub fn index_entries(index: &str) -> Vec<&str> {
    index
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "# a comment\nid: demo\ntitle.en: Demo\ntitle.ko: 데모\nsettings: acks=1 partitions=2 seed=4\nend: 10s\nexpect: lost>0 duplicated=0\n\nat 0s\nen: Start.\nko: 시작.\nat 2.5s\ndo: crash-broker 1\ndo: set consumers=3\nen: Crash.\nko: 충돌.\n";

    #[test]
    fn a_scenario_file_is_read() {
        let s = Scenario::parse(GOOD).unwrap();
        assert_eq!(s.id, "demo");
        assert_eq!(s.title(Lang::Ko), "데모");
        assert_eq!(s.settings.partitions, 2);
        assert_eq!(s.settings.seed, 4);
        assert_eq!(s.end_us, 10_000_000);
        assert_eq!(s.expect.len(), 2);
        assert_eq!(s.expect[0].to_text(), "lost>0");
        assert_eq!(s.steps.len(), 2);
        assert_eq!(s.steps[1].at_us, 2_500_000);
        assert_eq!(
            s.actions(),
            vec![
                (2_500_000, Action::CrashBroker(1)),
                (2_500_000, Action::Set("consumers".into(), "3".into()))
            ]
        );
        assert_eq!(s.step_at(0), 0);
        assert_eq!(s.step_at(2_499_999), 0);
        assert_eq!(s.step_at(2_500_000), 1);
        assert_eq!(
            s.hold_after(0),
            2_499_999,
            "step 1 stops before step 2 acts"
        );
        assert_eq!(s.hold_after(1), 10_000_000);
    }

    /// Each broken line is reported with its number and what is wrong.
    #[test]
    fn a_bad_file_gets_a_message_naming_the_line() {
        let cases: &[(&str, &str, usize, &str)] = &[
            (
                "do: crash-broker 1",
                "do: crash-brokr 1",
                13,
                "'crash-brokr' is not an action",
            ),
            ("at 2.5s", "at 2.5", 12, "not a time"),
            ("at 2.5s", "at 0s", 12, "steps must go forward in time"),
            (
                "settings: acks=1 partitions=2 seed=4",
                "settings: acks=2",
                5,
                "Invalid value 2 for configuration acks",
            ),
            (
                "settings: acks=1 partitions=2 seed=4",
                "settings: brokers=2 replication.factor=3",
                5,
                "only 2 broker(s)",
            ),
            (
                "expect: lost>0 duplicated=0",
                "expect: lost>>0",
                7,
                "not a whole number",
            ),
            (
                "expect: lost>0 duplicated=0",
                "expect: speed=1",
                7,
                "not a figure kscope counts",
            ),
            ("ko: 충돌.", "", 12, "this step has no 'ko:' caption"),
            ("end: 10s", "end: 2s", 12, "after the scenario's end"),
            ("id: demo", "id: Demo!", 2, "must be 1 to 40 of a-z"),
            (
                "en: Start.",
                "colour: blue",
                10,
                "a step holds en:, ko: and do: lines",
            ),
            (
                "title.ko: 데모",
                "title.en: again",
                4,
                "title.en is given twice",
            ),
            (
                "do: set consumers=3",
                "do: set acks=0",
                14,
                "acks cannot change while the cluster runs",
            ),
            (
                "do: crash-broker 1",
                "do: cut-link b1 b1",
                13,
                "two different nodes",
            ),
        ];
        for (from, to, line, message) in cases {
            let text = GOOD.replacen(from, to, 1);
            let e = Scenario::parse(&text).expect_err(to);
            assert_eq!(e.line, *line, "{to}: {e}");
            assert!(e.message.contains(message), "{to}: {e}");
        }
        let e = Scenario::parse("id: x\n").unwrap_err();
        assert_eq!(e.to_string(), "line 1: the scenario has no 'title.en:'");
    }

    #[test]
    fn a_timeline_runs_the_scenario_first_at_a_shared_instant() {
        let t = Timeline::merged(
            &[(5, Action::CrashBroker(1)), (9, Action::RestartBroker(1))],
            &[(5, Action::DropResponse(0)), (7, Action::CrashConsumer(0))],
        );
        let order: Vec<u64> = t.actions.iter().map(|(t, _)| *t).collect();
        assert_eq!(order, vec![5, 5, 7, 9]);
        assert_eq!(t.actions[0].1, Action::CrashBroker(1));
        assert_eq!(t.actions[1].1, Action::DropResponse(0));
    }
}
