//! A/B comparison (`compare=<setting>:<value>`): a second run, B, built from the page's
//! settings and seed with one setting changed, carried alongside the page's own run, A.
//!
//! The [`crate::player::Player`] drives both in lock step: B is advanced to every instant
//! A is, takes every action A takes at the same instant (an action B refuses is refused
//! there, with its message, and still carried out in A), is copied with A's checkpoints
//! and goes back with A. [`Comparison`] reads both runs' events as they come and names
//! the first where the two differ.

use kscope_core::event::Event;
use kscope_core::{Instant, Sim, TimedEvent};

use crate::i18n::Lang;
use crate::scenario::Timeline;
use crate::script::{self, Action};
use crate::settings::Settings;
use crate::view_model;

/// The comparison's second run: its simulation, its settings (A's with the compared
/// setting changed, as actions change them after), the timed actions it carries out
/// (the same as A's) and what it refused or said.
#[derive(Clone)]
pub struct Twin {
    pub sim: Sim,
    pub settings: Settings,
    pub timeline: Timeline,
    pub notices: Vec<String>,
}

impl Twin {
    /// B for a run of `settings` that carries out `timeline` (A's) as it goes (`None`
    /// outside a comparison), or Kafka's error for the configuration the compared
    /// setting makes.
    pub fn of(settings: &Settings, timeline: &Timeline) -> Option<Result<Box<Twin>, String>> {
        let b = settings.compared()?;
        Some(script::build(&b).map(|sim| {
            Box::new(Twin {
                sim,
                settings: b,
                timeline: timeline.clone(),
                notices: Vec::new(),
            })
        }))
    }

    /// Steps B to `to_us`, carrying out its timeline's actions on the way.
    pub fn advance(&mut self, to_us: u64, lang: Lang) {
        let done = self.timeline.advance(
            &mut self.sim,
            &mut self.settings,
            Instant::from_micros(to_us),
        );
        if !done.notices.is_empty() || !done.refused.is_empty() {
            self.notices = done.notices.iter().map(|n| n.text(lang)).collect();
            self.notices.extend(done.refused);
        }
    }

    /// Carries out what the person did in A, now.
    pub fn act(&mut self, action: &Action, lang: Lang) {
        self.notices = match script::perform(&mut self.sim, &mut self.settings, action) {
            Ok(notes) => notes.iter().map(|n| n.text(lang)).collect(),
            Err(e) => vec![e],
        };
    }
}

/// Whether an event counts in the comparison: the events the event log tells (elections,
/// ISR changes, losses, duplicates, rebalances, …) and every acknowledgement the producer
/// hears (where `acks` first shows). Messages on the wire do not: they differ from the
/// first request whenever a setting the request carries differs, which says nothing.
pub fn counts(e: &TimedEvent, names: &[String]) -> bool {
    matches!(e.event, Event::BatchAcknowledged { .. })
        || view_model::describe(e, names, Lang::En).is_some()
}

/// An event of the comparison in words.
pub fn say(e: &TimedEvent, names: &[String], lang: Lang) -> String {
    match &e.event {
        Event::BatchAcknowledged {
            batch,
            partition,
            base_offset,
        } => {
            let topic = names
                .get(partition.topic.0 as usize)
                .map_or("?", |n| n.as_str());
            let tp = format!("{topic}-{}", partition.partition);
            let offset = base_offset.map_or("–".to_string(), |o| o.0.to_string());
            crate::i18n::acknowledged(lang, batch.0, &tp, &offset)
        }
        _ => view_model::describe(e, names, lang).unwrap_or_default(),
    }
}

/// Where the two runs first differ: the instant, and each run's event there. Where one
/// run's event came first, the other's is its first event of the same kind (the same
/// acknowledgement later, say), or `None` until it has one.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence {
    pub at_us: u64,
    pub a: Option<TimedEvent>,
    pub b: Option<TimedEvent>,
}

/// The first event of `list` of the same kind as `event` (an acknowledgement for an
/// acknowledgement).
fn first_like(event: &TimedEvent, list: &[TimedEvent]) -> Option<TimedEvent> {
    let kind = core::mem::discriminant(&event.event);
    list.iter()
        .find(|e| core::mem::discriminant(&e.event) == kind)
        .cloned()
}

/// Both runs' events compared in order, as they come (see [`Comparison::feed`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comparison {
    /// Both runs' events up to this instant have been compared: a run replayed after
    /// going back meets them again and they are skipped.
    compared_us: u64,
    pub first: Option<Divergence>,
}

impl Comparison {
    /// Both runs reached `now_us`; `a` and `b` are their new events that count (in
    /// order), `names` the topics' names. Until the runs differ, every event of one has
    /// its equal in the other (the same instant, the same words): the first pair that
    /// differs, or an event one run has and the other has not by `now_us`, is the
    /// divergence.
    pub fn feed(&mut self, now_us: u64, a: &[TimedEvent], b: &[TimedEvent], names: &[String]) {
        let since = self.compared_us;
        let fresh = |list: &[TimedEvent]| -> Vec<TimedEvent> {
            list.iter()
                .filter(|e| e.at.micros() > since)
                .cloned()
                .collect()
        };
        let (a, b) = (fresh(a), fresh(b));
        self.compared_us = self.compared_us.max(now_us);
        if let Some(d) = &mut self.first {
            // The side that had nothing like the other's event gets its first one.
            match (&d.a, &d.b) {
                (None, Some(theirs)) => d.a = first_like(theirs, &a),
                (Some(theirs), None) => d.b = first_like(theirs, &b),
                _ => {}
            }
            return;
        }
        // Compared as the page tells them (cheaper in the page's code than every event's
        // own equality, and what a reader could tell apart).
        let same = |x: &TimedEvent, y: &TimedEvent| {
            x.at == y.at && say(x, names, Lang::En) == say(y, names, Lang::En)
        };
        let i = a.iter().zip(&b).take_while(|(x, y)| same(x, y)).count();
        let (x, y) = (a.get(i), b.get(i));
        let a_first = match (x, y) {
            (Some(x), Some(y)) => x.at < y.at,
            (x, _) => x.is_some(),
        };
        self.first = Some(match (x, y) {
            (Some(x), Some(y)) if x.at == y.at => Divergence {
                at_us: x.at.micros(),
                a: Some(x.clone()),
                b: Some(y.clone()),
            },
            // One run's event came first: the other's of the same kind, if it has had one
            // since.
            (Some(x), _) if a_first => Divergence {
                at_us: x.at.micros(),
                a: Some(x.clone()),
                b: first_like(x, &b[i..]),
            },
            (_, Some(y)) => Divergence {
                at_us: y.at.micros(),
                a: first_like(y, &a[i..]),
                b: Some(y.clone()),
            },
            _ => return,
        });
    }

    /// The person acted at `now_us`, before the runs' furthest instant: what came after
    /// is another history, compared afresh from there.
    pub fn fork(&mut self, now_us: u64) {
        self.compared_us = self.compared_us.min(now_us);
        if let Some(d) = &mut self.first {
            if d.at_us > now_us {
                self.first = None;
                return;
            }
            for side in [&mut d.a, &mut d.b] {
                if side.as_ref().is_some_and(|e| e.at.micros() > now_us) {
                    *side = None;
                }
            }
        }
    }

    /// The divergence in words (or that there is none yet, up to `now_us`).
    pub fn in_words(&self, names: &[String], now_us: u64, lang: Lang) -> String {
        let Some(d) = &self.first else {
            return crate::i18n::no_divergence(lang, &instant(now_us));
        };
        let side = |e: &Option<TimedEvent>| {
            e.as_ref().map(|e| {
                let said = say(e, names, lang);
                match (e.at.micros() == d.at_us, lang) {
                    (true, _) => said,
                    (false, Lang::En) => format!("at {}, {said}", instant(e.at.micros())),
                    (false, Lang::Ko) => format!("{}에 {said}", instant(e.at.micros())),
                }
            })
        };
        crate::i18n::divergence(lang, &instant(d.at_us), side(&d.a), side(&d.b))
    }
}

/// An instant to the microsecond: `12 ms`, `12.345 ms`.
pub fn instant(us: u64) -> String {
    match us % 1_000 {
        0 => format!("{} ms", us / 1_000),
        r => format!("{}.{r:03} ms", us / 1_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kscope_core::{BatchId, BrokerId, Offset, TopicId, TopicPartition};

    fn ack(ms: u64, batch: u64) -> TimedEvent {
        TimedEvent {
            at: Instant::from_micros(ms * 1_000),
            event: Event::BatchAcknowledged {
                batch: BatchId(batch),
                partition: TopicPartition {
                    topic: TopicId(0),
                    partition: 0,
                },
                base_offset: Some(Offset(0)),
            },
        }
    }

    fn crash(ms: u64, broker: u32) -> TimedEvent {
        TimedEvent {
            at: Instant::from_micros(ms * 1_000),
            event: Event::BrokerCrashed {
                broker: BrokerId(broker),
            },
        }
    }

    fn names() -> Vec<String> {
        vec!["orders".into()]
    }

    #[test]
    fn equal_runs_never_part_and_going_back_meets_nothing_new() {
        let mut c = Comparison::default();
        let both = [ack(5, 0), crash(8, 1)];
        c.feed(10_000, &both, &both, &names());
        c.feed(20_000, &[ack(15, 1)], &[ack(15, 1)], &names());
        // Replayed after going back: events up to 20 ms were compared already.
        c.feed(20_000, &[ack(15, 1)], &[], &names());
        assert_eq!(c.first, None);
        assert_eq!(
            c.in_words(&names(), 20_000, Lang::En),
            "No difference yet: both runs had the same events up to 20 ms."
        );
    }

    #[test]
    fn the_run_that_lags_is_named_by_its_event_of_the_same_kind_when_it_comes() {
        let mut c = Comparison::default();
        c.feed(10_000, &[ack(5, 0)], &[], &names());
        let d = c.first.clone().unwrap();
        assert_eq!((d.at_us, d.b.is_none()), (5_000, true));
        assert_eq!(
            c.in_words(&names(), 10_000, Lang::En),
            "The runs part at 5 ms. A: the producer hears batch 0 of orders-0 acknowledged \
             (base offset 0). B: nothing like it yet."
        );
        // B's next event is a crash, then its acknowledgement: the acknowledgement names it.
        c.feed(20_000, &[], &[crash(12, 1), ack(17, 0)], &names());
        assert_eq!(c.first.as_ref().unwrap().b, Some(ack(17, 0)));
        assert!(c.in_words(&names(), 20_000, Lang::Ko).ends_with(
            "B: 17 ms에 프로듀서가 orders-0의 배치 0 확인 응답을 받음 (기준 오프셋 0)."
        ));
    }

    #[test]
    fn events_that_differ_at_one_instant_are_both_named_and_a_fork_before_them_forgets_them() {
        let mut c = Comparison::default();
        c.feed(
            10_000,
            &[ack(2, 0), crash(6, 1)],
            &[ack(2, 0), crash(6, 2)],
            &names(),
        );
        let d = c.first.clone().unwrap();
        assert_eq!(
            (d.at_us, d.a, d.b),
            (6_000, Some(crash(6, 1)), Some(crash(6, 2)))
        );
        c.fork(4_000);
        assert_eq!(c.first, None);
        // The new history from 4 ms on is compared afresh.
        c.feed(10_000, &[crash(6, 1)], &[crash(6, 1)], &names());
        assert_eq!(c.first, None);
    }
}
