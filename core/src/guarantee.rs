//! Delivery semantics, named: the guarantee a configuration promises and the one a run
//! has delivered so far.
//!
//! The promise follows the reasoning of Kafka's documentation ("Message Delivery
//! Semantics", design section 4.6): what the producer does when a send fails or its
//! answer is lost, what the broker does with an acknowledged record when its leader
//! fails, and where the consuming application stores its position relative to its
//! processing. Kafka's exactly-once (KIP-98, KIP-447) needs the transactional
//! consume-transform-produce pipeline (`commit.mode=transactional`, `pipeline.rs`) read
//! by `read_committed` readers; with a consumer group committing on its own, the promise
//! is at best at least once.
//!
//! What a run delivered is measured where the application's results land: with the
//! pipeline, at the reader of its output topic (the pipeline's own consumers legitimately
//! process again after an abort); otherwise at the first consumer group (its processing),
//! or in the log when no group consumes.

use alloc::vec::Vec;

use crate::config::{Acks, IsolationLevel, ManualCommit, SimConfig};
use crate::ledger::LedgerCounts;

/// A delivery guarantee, by the words of Kafka's documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guarantee {
    /// A record may be lost, never delivered twice.
    AtMostOnce,
    /// A record may be delivered twice, never lost.
    AtLeastOnce,
    /// Neither: a record may be lost and another delivered twice.
    None,
    /// Each record delivered once.
    ExactlyOnce,
}

impl Guarantee {
    /// Its name on the page (the text of `promised-guarantee` and `delivery-guarantee`).
    pub fn name(self) -> &'static str {
        match self {
            Guarantee::AtMostOnce => "at-most-once",
            Guarantee::AtLeastOnce => "at-least-once",
            Guarantee::None => "none",
            Guarantee::ExactlyOnce => "exactly-once",
        }
    }

    /// The guarantee of a run that can lose (`lossy`) and can deliver twice (`twice`).
    pub fn of(lossy: bool, twice: bool) -> Guarantee {
        match (lossy, twice) {
            (true, true) => Guarantee::None,
            (true, false) => Guarantee::AtMostOnce,
            (false, true) => Guarantee::AtLeastOnce,
            (false, false) => Guarantee::ExactlyOnce,
        }
    }
}

/// A setting that weakens the promise, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weakness {
    /// `acks=0`: the producer never learns whether a record arrived, so never retries.
    Acks0,
    /// `acks=1`: the leader acknowledges before its followers copy; if it fails then, a
    /// follower that never had the record becomes leader.
    Acks1,
    /// `acks=all` with `min.insync.replicas=1` (of topic `.0`): the ISR may shrink to the
    /// leader alone, which then acknowledges alone.
    MinIsrOne(u32),
    /// `unclean.leader.election.enable=true` (of topic `.0`): a replica outside the ISR
    /// may become leader without the acknowledged records it lacks.
    Unclean(u32),
    /// `retries=0`: a send that fails once is given up.
    NoRetries,
    /// Fire-and-forget sends: a send that fails is never seen by the application.
    FireAndForget,
    /// Retries without idempotence: a batch whose answer was lost is written again.
    RetriesWithoutIdempotence,
    /// The group commits before processing: the records in hand at a crash are skipped.
    CommitBeforeProcessing,
    /// The group commits after processing (auto commit included): what it processed
    /// since its last commit is processed again after a crash or a rebalance.
    CommitAfterProcessing,
    /// The pipeline's output is read with `isolation.level=read_uncommitted`: results of
    /// aborted transactions are read, and written again by the next transaction.
    ReadUncommitted,
}

impl Weakness {
    /// Whether it can lose records (otherwise it can deliver them twice).
    pub fn lossy(self) -> bool {
        !matches!(
            self,
            Weakness::RetriesWithoutIdempotence
                | Weakness::CommitAfterProcessing
                | Weakness::ReadUncommitted
        )
    }
}

/// What a configuration promises, and the settings that decide it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Promise {
    pub guarantee: Guarantee,
    pub weaknesses: Vec<Weakness>,
}

/// The promise of `config`, with `consumers` (whether the first group has members: its
/// processing is where results land).
pub fn promise(config: &SimConfig, consumers: bool) -> Promise {
    let p = &config.producer;
    let mut w = Vec::new();
    match p.acks {
        Acks::None => w.push(Weakness::Acks0),
        Acks::Leader => w.push(Weakness::Acks1),
        Acks::All => {}
    }
    let written = config.workload.topic as usize..=config.workload.last_topic();
    let output = config
        .pipeline_output()
        .filter(|_| cfg!(feature = "transactions"))
        .map(|t| t as usize);
    for (i, t) in config.topics.iter().enumerate() {
        if !written.contains(&i) && output != Some(i) {
            continue;
        }
        if p.acks == Acks::All && t.effective_min_isr() < 2 {
            w.push(Weakness::MinIsrOne(i as u32));
        }
        if t.unclean_leader_election_enable {
            w.push(Weakness::Unclean(i as u32));
        }
    }
    if p.acks != Acks::None {
        if p.retries == 0 {
            w.push(Weakness::NoRetries);
        } else if !p.idempotence().unwrap_or(false) {
            w.push(Weakness::RetriesWithoutIdempotence);
        }
    }
    if !config.workload.send_mode.notices_failures() && p.acks != Acks::None {
        w.push(Weakness::FireAndForget);
    }
    if consumers && output.is_some() {
        if config.consumer.isolation_level == IsolationLevel::ReadUncommitted {
            w.push(Weakness::ReadUncommitted);
        }
    } else if consumers {
        let c = &config.consumer;
        if !c.enable_auto_commit && c.manual_commit == ManualCommit::BeforeProcessing {
            w.push(Weakness::CommitBeforeProcessing);
        } else {
            w.push(Weakness::CommitAfterProcessing);
        }
    }
    let lossy = w.iter().any(|w| w.lossy());
    let twice = w.iter().any(|w| !w.lossy());
    Promise {
        guarantee: Guarantee::of(lossy, twice),
        weaknesses: w,
    }
}

/// What a run delivered so far, with the counts that decide it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivered {
    pub guarantee: Guarantee,
    /// Acknowledged records no longer in any log.
    pub lost: u64,
    /// Records the first group skipped: handed to a member, not processed, and committed
    /// past.
    pub skipped: u64,
    /// Records that failed without the application seeing it (fire-and-forget sends).
    pub failed_unseen: u64,
    /// Records written twice to a log.
    pub duplicated: u64,
    /// Records the first group processed again (with the pipeline, those its reader
    /// processed a result of again: [`LedgerCounts::results_twice`]).
    pub redelivered: u64,
}

/// What a run with ledger counts `counts` delivered; `unseen` says whether a failed send
/// went unseen by the application (fire-and-forget sends). With the pipeline
/// (`output`: its results' counts), the records its reader processed more than one
/// result of count as delivered twice, and acknowledged results lost as lost; its own
/// consumers' reprocessing does not count.
pub fn delivered(counts: &LedgerCounts, output: Option<&LedgerCounts>, unseen: bool) -> Delivered {
    let failed_unseen = if unseen { counts.failed } else { 0 };
    let (lost, redelivered) = match output {
        Some(out) => (counts.lost + out.lost, counts.results_twice),
        None => (counts.lost, counts.redelivered),
    };
    let twice = counts.duplicated + redelivered;
    Delivered {
        guarantee: Guarantee::of(lost + counts.skipped + failed_unseen > 0, twice > 0),
        lost,
        skipped: counts.skipped,
        failed_unseen,
        duplicated: counts.duplicated,
        redelivered,
    }
}
