//! Share links: the page's settings as readable query parameters, plus what makes a
//! session replay exactly: the scenario and its step, the instant the sharer was at, and
//! every action the person took with its instant.
//!
//! `?brokers=3&…&seed=7&scenario=acks-1&step=3&at=12500000&run=1_5yc1s~cb1_2bi~dr0`
//!
//! `run` is versioned (`1_` first); each entry is the time since the previous entry in
//! microseconds, in base 36, then `~` and the action's code ([`Action::to_code`]). The
//! decoder is bounded (link length, entries, time) and never panics, whatever the input.

use crate::script::{Action, MAX_TIME_US};
use crate::settings::{Expected, Fallback, Problem};

/// The format this kscope writes.
pub const VERSION: u32 = 1;
/// The longest `run` value read, in bytes.
pub const MAX_RUN_BYTES: usize = 16 * 1024;
/// The most actions a link holds.
pub const MAX_ACTIONS: usize = 1_000;

/// What a link holds beside the settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Session {
    pub scenario: Option<String>,
    /// The caption shown (0-based step of the scenario).
    pub step: Option<usize>,
    /// The instant the sharer was at, in microseconds.
    pub at_us: Option<u64>,
    /// The person's actions with their instants, in order.
    pub run: Vec<(u64, Action)>,
}

/// The parameters [`Session`] reads (the settings parser leaves them to it).
pub const PARAMS: &[&str] = &["scenario", "step", "at", "run"];

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).expect("ascii")
}

fn parse_base36(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 12 {
        return None;
    }
    s.bytes().try_fold(0u64, |n, b| {
        let d = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'z' => b - b'a' + 10,
            _ => return None,
        };
        n.checked_mul(36)?.checked_add(u64::from(d))
    })
}

/// The `run` parameter's value for `actions`.
pub fn encode_run(actions: &[(u64, Action)]) -> String {
    let mut out = VERSION.to_string();
    let mut last = 0;
    for (t, a) in actions {
        out.push('_');
        out.push_str(&base36(t.saturating_sub(last)));
        out.push('~');
        out.push_str(&a.to_code());
        last = *t;
    }
    out
}

/// What is wrong with a link's record of actions (said in words by
/// [`crate::i18n::link_error`]).
#[derive(Clone, Debug, PartialEq)]
pub enum LinkError {
    /// Longer than [`MAX_RUN_BYTES`].
    TooLong,
    /// Written by a newer kscope, in this format.
    Newer(u32),
    /// It does not start with a format number.
    NoVersion,
    /// More than [`MAX_ACTIONS`] actions.
    TooMany,
    /// The action at this position (counted from 1) cannot be read.
    Damaged { index: usize, why: Damage },
}

/// Why one action of a link cannot be read.
#[derive(Clone, Debug, PartialEq)]
pub enum Damage {
    /// The entry has no `~` between its time and its action.
    NoTilde(String),
    /// The time is not a base-36 number.
    BadTime(String),
    /// The action falls past the longest run kscope replays.
    PastLimit,
    /// The action's code is not one kscope knows (its reason, in English, from
    /// [`Action::parse_code`]).
    BadAction { code: String, reason: String },
}

impl LinkError {
    /// The error in words, in `lang`.
    pub fn text(&self, lang: crate::i18n::Lang) -> String {
        crate::i18n::link_error(lang, self)
    }
}

/// Reads a `run` value.
pub fn decode_run(run: &str) -> Result<Vec<(u64, Action)>, LinkError> {
    if run.len() > MAX_RUN_BYTES {
        return Err(LinkError::TooLong);
    }
    let mut parts = run.split('_');
    let version = parts.next().unwrap_or("");
    match version.parse::<u32>() {
        Ok(VERSION) => {}
        Ok(v) if v > VERSION => return Err(LinkError::Newer(v)),
        _ => return Err(LinkError::NoVersion),
    }
    let mut out = Vec::new();
    let mut t = 0u64;
    for (i, entry) in parts.enumerate() {
        if i == MAX_ACTIONS {
            return Err(LinkError::TooMany);
        }
        let bad = |why: Damage| LinkError::Damaged { index: i + 1, why };
        let (dt, code) = entry
            .split_once('~')
            .ok_or_else(|| bad(Damage::NoTilde(entry.into())))?;
        let dt = parse_base36(dt).ok_or_else(|| bad(Damage::BadTime(dt.into())))?;
        t = t
            .checked_add(dt)
            .filter(|t| *t <= MAX_TIME_US)
            .ok_or_else(|| bad(Damage::PastLimit))?;
        let action = Action::parse_code(code).map_err(|reason| {
            bad(Damage::BadAction {
                code: code.into(),
                reason,
            })
        })?;
        out.push((t, action));
    }
    Ok(out)
}

impl Session {
    /// Reads the session parameters of a query string (the settings are read by
    /// [`crate::settings::Settings::from_query`]). A damaged part is left out with a
    /// message; the rest is kept.
    pub fn from_query(query: &str) -> (Session, Vec<Problem>) {
        let mut s = Session::default();
        let mut problems = Vec::new();
        for pair in query.trim_start_matches('?').split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = crate::settings::decode(v);
            match k {
                "scenario" => s.scenario = Some(v),
                "step" => match v.parse::<usize>() {
                    Ok(n) if (1..=crate::scenario::MAX_STEPS).contains(&n) => s.step = Some(n - 1),
                    _ => problems.push(Problem::new(
                        k,
                        &v,
                        Expected::Range(1, crate::scenario::MAX_STEPS as u64),
                        Fallback::FirstStep,
                    )),
                },
                "at" => match v.parse::<u64>() {
                    Ok(n) if n <= MAX_TIME_US => s.at_us = Some(n),
                    _ => problems.push(Problem::new(
                        k,
                        &v,
                        Expected::Instant,
                        Fallback::Value("0".into()),
                    )),
                },
                "run" => match decode_run(&v) {
                    Ok(run) => s.run = run,
                    Err(e) => problems.push(Problem::new(
                        k,
                        "",
                        Expected::Link(e),
                        Fallback::NotReplayed,
                    )),
                },
                _ => {}
            }
        }
        (s, problems)
    }

    /// The session's parameters, to follow the settings' in a link.
    pub fn to_query(&self) -> String {
        let mut q = String::new();
        if let Some(id) = &self.scenario {
            q.push_str(&format!("&scenario={id}"));
        }
        if let Some(step) = self.step {
            q.push_str(&format!("&step={}", step + 1));
        }
        if let Some(at) = self.at_us {
            q.push_str(&format!("&at={at}"));
        }
        if !self.run.is_empty() {
            q.push_str(&format!("&run={}", encode_run(&self.run)));
        }
        q
    }
}
