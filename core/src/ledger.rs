//! The ledger: every record's fate, from `send()` to acknowledgement and beyond, and the
//! counts the page shows (acknowledged, failed, lost, duplicated, reordered), each loss
//! linked to the event that caused it.

use alloc::rc::Rc;
use alloc::vec::Vec;

use crate::event::{KafkaError, LossCause};
use crate::ids::{Offset, RecordId, TopicPartition};
use crate::time::Instant;

/// Where a record stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum RecordStatus {
    /// In the producer's accumulator, or in a request not yet answered.
    Pending,
    /// The producer reported success (for `acks=0`, when the request was sent).
    Acknowledged,
    /// The producer reported an error to the application.
    Failed(KafkaError),
    /// The producer's process died before it learned the record's fate: the record may
    /// be in a log or not, and no application will ever hear of it.
    Abandoned,
}

/// One record's history, as [`Ledger::record`] and [`Ledger::records`] give it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordFate {
    pub id: RecordId,
    pub partition: TopicPartition,
    pub sent_at: Instant,
    pub status: RecordStatus,
    pub acked_at: Option<Instant>,
    /// The offset the leader gave it, once known (for `acks=0`, when appended).
    pub offset: Option<Offset>,
    /// How many times a leader appended it to its partition.
    pub appends: u32,
    /// Set once the record was acknowledged and is no longer anywhere it can be read.
    pub lost: Option<LossCause>,
    pub duplicated: bool,
    pub reordered: bool,
    /// Its transaction was aborted.
    pub aborted: bool,
    /// The offset at which the group first processed it.
    pub consumed_at: Option<Offset>,
    /// How many times consumers of the group processed it at that offset.
    pub deliveries: u32,
    /// The group skipped it ([`LedgerCounts::skipped`]).
    pub skipped: bool,
}

/// A record's history as the ledger keeps it: [`RecordFate`] in [`Fate::BYTES`] bytes,
/// since a run keeps one for every record it sends (millions, in a browser tab). The
/// record's id is its place in the ledger; absent values are sentinels; the loss cause is
/// an index into the ledger's list of causes.
#[derive(Clone, Copy, Debug)]
struct Fate {
    partition: TopicPartition,
    sent_us: u64,
    /// -1: not known yet.
    offset: i64,
    /// -1: not processed by the group yet.
    consumed_at: i64,
    /// Microseconds from `send()` to the acknowledgement; `u32::MAX`: not acknowledged.
    /// (A producer gives up on a record long before 71 minutes: `delivery.timeout.ms`.)
    ack_after_us: u32,
    /// 0: not lost; otherwise 1 + its cause's index in `Ledger::causes`.
    lost: u32,
    appends: u16,
    deliveries: u16,
    status: RecordStatus,
    /// [`Fate::DUPLICATED`], [`Fate::REORDERED`].
    flags: u8,
}

impl Fate {
    const DUPLICATED: u8 = 1;
    const REORDERED: u8 = 2;
    const ABORTED: u8 = 4;
    /// The first group skipped it ([`LedgerCounts::skipped`]).
    const SKIPPED: u8 = 8;
    /// The pipeline's reader read a result of it ([`LedgerCounts::results`]).
    #[cfg(feature = "transactions")]
    const RESULT_READ: u8 = 16;
    /// What the ledger spends on a record.
    const BYTES: usize = core::mem::size_of::<Fate>();

    fn offset(&self) -> Option<Offset> {
        (self.offset >= 0).then_some(Offset(self.offset))
    }
    fn duplicated(&self) -> bool {
        self.flags & Fate::DUPLICATED != 0
    }
    fn reordered(&self) -> bool {
        self.flags & Fate::REORDERED != 0
    }
    fn aborted(&self) -> bool {
        self.flags & Fate::ABORTED != 0
    }
    fn skipped(&self) -> bool {
        self.flags & Fate::SKIPPED != 0
    }
}

// A record's fate stays this small (it is kept for every record a run sends).
const _: () = assert!(Fate::BYTES <= 48);

/// How many fates a chunk of the ledger holds. The ledger grows by whole chunks, never by
/// copying what it holds into a buffer twice as large (which would need three times the
/// memory for a moment, and keep up to twice what it uses).
const CHUNK: usize = 1 << 14;

/// A chunk of the ledger's fates. Its copy (when a shared chunk is written) keeps room
/// for a whole chunk, so it never grows by doubling.
#[derive(Debug)]
struct Chunk(Vec<Fate>);

impl Clone for Chunk {
    fn clone(&self) -> Chunk {
        let mut fates = Vec::with_capacity(CHUNK);
        fates.extend_from_slice(&self.0);
        Chunk(fates)
    }
}

/// Counts of the ledger, as the page shows them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LedgerCounts {
    pub sent: u64,
    pub acknowledged: u64,
    pub failed: u64,
    pub lost: u64,
    pub duplicated: u64,
    pub reordered: u64,
    /// Records the group processed at least once.
    pub consumed: u64,
    /// Processings of a record at an offset the group had already processed (after a
    /// consumer died or lost its partition before committing).
    pub redelivered: u64,
    /// Records in a log whose transaction was aborted (an ABORT marker closes it), whatever
    /// their producer learned of them.
    pub aborted: u64,
    /// Of those, the ones the group processed (a `read_uncommitted` consumer does).
    pub read_aborted: u64,
    /// Records the group skipped: a member was handed them and did not process them
    /// (it crashed, or gave up on them when its commit before processing failed), and
    /// the group's committed offset passed them, so no member is handed them again.
    pub skipped: u64,
    /// Records whose producer's process died before it learned their fate
    /// ([`RecordStatus::Abandoned`]).
    pub abandoned: u64,
    /// With the exactly-once pipeline: records whose result its reader (the first other
    /// group reading the output topic) processed.
    pub results: u64,
    /// Processings by the reader of a result of a record whose result it had processed
    /// already (a second result written for one record, or one result read again).
    pub results_twice: u64,
}

/// Every record's fate.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    /// The fates, in chunks of [`CHUNK`]: a record's id is its place. A clone of the
    /// ledger (a checkpoint of the run) shares the chunks; a write copies the one it
    /// changes, and records settle soon after they are sent, so old chunks stay shared.
    chunks: Vec<Rc<Chunk>>,
    len: usize,
    /// Every cause of a loss, once each (consecutive losses of one cause share it).
    causes: Vec<LossCause>,
    /// Per cause, how many acknowledged records it lost.
    lost_by_cause: Vec<u64>,
    counts: LedgerCounts,
    /// Per partition, the highest record id appended so far: a lower one appended later
    /// was reordered.
    pub(crate) highest_appended: crate::vecmap::VecMap<TopicPartition, RecordId>,
    /// What the groups after the first processed (the fates are the first group's).
    other_groups: Vec<GroupTally>,
    /// Records a member of the first group dropped unprocessed, not yet committed past
    /// nor processed by another: skipped once the group commits past them.
    dropped: Vec<(TopicPartition, Offset, RecordId)>,
    /// The first group's latest stored commit per partition.
    group_committed: crate::vecmap::VecMap<TopicPartition, Offset>,
    /// The exactly-once pipeline's output topic: its records are the pipeline's
    /// results, counted apart ([`Ledger::output_counts`]). This and what follows exist
    /// only in the build with transactions, which has the pipeline.
    #[cfg(feature = "transactions")]
    output: Option<crate::ids::TopicId>,
    #[cfg(feature = "transactions")]
    output_counts: LedgerCounts,
    /// Each result's record: (result, the input record it came from), by result (only
    /// the build with transactions has results).
    #[cfg(feature = "transactions")]
    sources: crate::vecmap::VecMap<RecordId, RecordId>,
    /// The group whose processing of results counts ([`LedgerCounts::results`]).
    #[cfg(feature = "transactions")]
    reader: Option<u32>,
}

/// What a consumer group after the first processed, counted by offset: a record processed
/// at an offset above every offset the group processed in its partition is new to it, one
/// at or below is processed again. (Consumption moves up a partition in offset order and
/// goes back only to a committed offset, so the offsets below the highest were processed;
/// an offset that an unclean election gave to another record counts as processed again.)
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupTally {
    /// Offsets processed at least once.
    pub consumed: u64,
    /// Processings of an offset processed before.
    pub redelivered: u64,
    /// Per partition, the highest offset processed.
    highest: crate::vecmap::VecMap<TopicPartition, Offset>,
}

impl Ledger {
    /// What group `group` (1 is the second) processed; `None` until it processed a record.
    pub fn other_group(&self, group: u32) -> Option<&GroupTally> {
        self.other_groups.get((group as usize).checked_sub(1)?)
    }

    /// A member of group `group` (1 or more) processed the record at `offset` of `tp`.
    /// Returns whether the group had processed that offset before.
    pub(crate) fn on_consumed_by_other_group(
        &mut self,
        group: u32,
        tp: TopicPartition,
        offset: Offset,
    ) -> bool {
        let i = group as usize - 1;
        if self.other_groups.len() <= i {
            self.other_groups.resize(i + 1, GroupTally::default());
        }
        let t = &mut self.other_groups[i];
        match t.highest.get(&tp) {
            Some(h) if *h >= offset => {
                t.redelivered += 1;
                true
            }
            _ => {
                t.highest.insert(tp, offset);
                t.consumed += 1;
                false
            }
        }
    }

    pub fn counts(&self) -> LedgerCounts {
        self.counts
    }
    /// The counts of the exactly-once pipeline's results (the records its producers
    /// wrote to the output topic): sent, acknowledged, aborted, ...
    pub fn output_counts(&self) -> LedgerCounts {
        #[cfg(feature = "transactions")]
        return self.output_counts;
        #[cfg(not(feature = "transactions"))]
        LedgerCounts::default()
    }
    /// The input record a result came from.
    #[cfg(feature = "transactions")]
    pub fn source_of(&self, result: RecordId) -> Option<RecordId> {
        self.sources.get(&result).copied()
    }

    /// The exactly-once pipeline writes to `output`, and group `reader` reads it.
    #[cfg(feature = "transactions")]
    pub(crate) fn set_pipeline(&mut self, output: crate::ids::TopicId, reader: Option<u32>) {
        self.output = Some(output);
        self.reader = reader;
    }

    /// The counts a record of `tp` belongs to.
    fn counts_of(&mut self, tp: TopicPartition) -> &mut LedgerCounts {
        #[cfg(feature = "transactions")]
        if self.output == Some(tp.topic) {
            return &mut self.output_counts;
        }
        let _ = tp;
        &mut self.counts
    }

    /// `result` is the pipeline's result of input record `source`.
    #[cfg(feature = "transactions")]
    pub(crate) fn on_result_sent(&mut self, result: RecordId, source: RecordId) {
        self.sources.insert(result, source);
    }

    /// Group `group` processed result `result`: when it is the pipeline's reader, the
    /// result's input record was delivered (again, if one of its results was before).
    #[cfg(feature = "transactions")]
    pub(crate) fn on_result_read(&mut self, group: u32, result: RecordId) {
        if self.reader != Some(group) {
            return;
        }
        let Some(source) = self.sources.get(&result).copied() else {
            return;
        };
        let Some(f) = self.fate_mut(source) else {
            return;
        };
        if f.flags & Fate::RESULT_READ != 0 {
            self.counts.results_twice += 1;
        } else {
            f.flags |= Fate::RESULT_READ;
            self.counts.results += 1;
        }
    }
    pub fn acknowledged(&self) -> u64 {
        self.counts.acknowledged
    }
    /// How many records the ledger holds (every one sent that reached a batch).
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// What the ledger spends on each record, in bytes.
    pub const BYTES_PER_RECORD: usize = Fate::BYTES;

    /// Every record's fate, oldest first.
    pub fn records(&self) -> impl DoubleEndedIterator<Item = RecordFate> + ExactSizeIterator + '_ {
        (0..self.len).map(move |i| self.fate_at(i))
    }
    pub fn record(&self, id: RecordId) -> Option<RecordFate> {
        let i = usize::try_from(id.0).ok().filter(|i| *i < self.len)?;
        Some(self.fate_at(i))
    }
    /// The acknowledged records each cause of loss took, the causes in the order they
    /// first lost a record.
    pub fn losses(&self) -> impl Iterator<Item = (LossCause, u64)> + '_ {
        self.causes
            .iter()
            .zip(&self.lost_by_cause)
            .filter(|(_, n)| **n > 0)
            .map(|(c, n)| (*c, *n))
    }

    fn fate_at(&self, i: usize) -> RecordFate {
        let f = &self.chunks[i / CHUNK].0[i % CHUNK];
        RecordFate {
            id: RecordId(i as u64),
            partition: f.partition,
            sent_at: Instant::from_micros(f.sent_us),
            status: f.status,
            acked_at: (f.ack_after_us != u32::MAX)
                .then(|| Instant::from_micros(f.sent_us + u64::from(f.ack_after_us))),
            offset: f.offset(),
            appends: u32::from(f.appends),
            lost: (f.lost > 0).then(|| self.causes[f.lost as usize - 1]),
            duplicated: f.duplicated(),
            reordered: f.reordered(),
            aborted: f.aborted(),
            consumed_at: (f.consumed_at >= 0).then_some(Offset(f.consumed_at)),
            deliveries: u32::from(f.deliveries),
            skipped: f.skipped(),
        }
    }

    fn fate_mut(&mut self, id: RecordId) -> Option<&mut Fate> {
        let i = usize::try_from(id.0).ok().filter(|i| *i < self.len)?;
        Some(self.fate_at_mut(i))
    }

    /// The fate at `i` (which exists), its chunk made this ledger's own first.
    fn fate_at_mut(&mut self, i: usize) -> &mut Fate {
        &mut Rc::make_mut(&mut self.chunks[i / CHUNK]).0[i % CHUNK]
    }

    pub(crate) fn next_id(&self) -> RecordId {
        RecordId(self.len as u64)
    }

    pub(crate) fn on_sent(&mut self, partition: TopicPartition, now: Instant) -> RecordId {
        let id = self.next_id();
        if self.len.is_multiple_of(CHUNK) {
            self.chunks.push(Rc::new(Chunk(Vec::with_capacity(CHUNK))));
        }
        let chunk = Rc::make_mut(self.chunks.last_mut().expect("a chunk with room"));
        chunk.0.push(Fate {
            partition,
            sent_us: now.micros(),
            offset: -1,
            consumed_at: -1,
            ack_after_us: u32::MAX,
            lost: 0,
            appends: 0,
            deliveries: 0,
            status: RecordStatus::Pending,
            flags: 0,
        });
        self.len += 1;
        self.counts_of(partition).sent += 1;
        id
    }

    /// A leader appended a batch at `base`. `present(record, offset)` tells whether the
    /// leader's log still holds an earlier copy of a record at the offset it was first
    /// given: a copy that a new leader never had is not in the log any more, so appending
    /// the record again is its first real append, not a duplicate. Returns the records
    /// whose duplication or reordering this append revealed: (record, offset, duplicated,
    /// reordered).
    pub(crate) fn on_appended_batch(
        &mut self,
        partition: TopicPartition,
        records: &[crate::log::StoredRecord],
        base: Offset,
        present: impl Fn(RecordId, Offset) -> bool,
    ) -> Vec<(RecordId, Offset, bool, bool)> {
        let mut flagged = Vec::new();
        let Some(first) = records.first() else {
            return flagged;
        };
        let highest = self.highest_appended.entry(partition).or_insert(first.id);
        for r in records {
            let offset = Offset(base.0 + i64::from(r.offset_delta));
            let reordered_now = r.id < *highest;
            if r.id > *highest {
                *highest = r.id;
            }
            let i = r.id.0 as usize;
            let fate = &mut Rc::make_mut(&mut self.chunks[i / CHUNK]).0[i % CHUNK];
            if fate.appends > 0 && !fate.offset().is_some_and(|o| present(r.id, o)) {
                fate.appends = 0;
            }
            fate.appends = fate.appends.saturating_add(1);
            let duplicated = fate.appends == 2 && !fate.duplicated();
            #[cfg(feature = "transactions")]
            let counts = if self.output == Some(partition.topic) {
                &mut self.output_counts
            } else {
                &mut self.counts
            };
            #[cfg(not(feature = "transactions"))]
            let counts = &mut self.counts;
            if duplicated {
                fate.flags |= Fate::DUPLICATED;
                counts.duplicated += 1;
            } else if fate.appends == 1 {
                fate.offset = offset.0;
            }
            let reordered = reordered_now && fate.appends == 1 && !fate.reordered();
            if reordered {
                fate.flags |= Fate::REORDERED;
                counts.reordered += 1;
            }
            if duplicated || reordered {
                flagged.push((r.id, offset, duplicated, reordered));
            }
        }
        flagged
    }

    /// A new leader took over `partition`: later appends are compared with the records
    /// its log holds, not with copies only the old leader had.
    pub(crate) fn on_new_leader(&mut self, partition: TopicPartition, log: &crate::log::Log) {
        match log
            .batches()
            .flat_map(|b| b.records.iter())
            .map(|r| r.id)
            .max()
        {
            Some(id) => self.highest_appended.insert(partition, id),
            None => self.highest_appended.remove(&partition),
        };
    }

    pub(crate) fn on_acknowledged(&mut self, id: RecordId, offset: Option<Offset>, now: Instant) {
        let Some(r) = self.fate_mut(id) else {
            return;
        };
        if r.status != RecordStatus::Pending {
            return;
        }
        r.status = RecordStatus::Acknowledged;
        r.ack_after_us = u32::try_from(now.micros().saturating_sub(r.sent_us))
            .unwrap_or(u32::MAX - 1)
            .min(u32::MAX - 1);
        if let Some(o) = offset {
            r.offset = o.0;
        }
        let (lost, tp) = (r.lost, r.partition);
        self.counts_of(tp).acknowledged += 1;
        if lost > 0 {
            // An acks=0 record already known not to have arrived.
            self.counts_of(tp).lost += 1;
            self.lost_by_cause[lost as usize - 1] += 1;
        }
    }

    /// A consumer of the group processed the record it read at `offset`. Returns whether
    /// this was a redelivery: the group had processed the same record at the same offset
    /// before (a second copy at another offset is a duplicate, counted when appended).
    pub(crate) fn on_consumed(&mut self, id: RecordId, offset: Offset) -> bool {
        let Some(r) = self.fate_mut(id) else {
            return false;
        };
        if r.consumed_at < 0 {
            r.consumed_at = offset.0;
            r.deliveries = 1;
            let aborted = r.aborted();
            let skipped = r.skipped();
            r.flags &= !Fate::SKIPPED;
            self.counts.consumed += 1;
            if aborted {
                self.counts.read_aborted += 1;
            }
            if skipped {
                // Read again after all (an offset reset or a commit moved back).
                self.counts.skipped -= 1;
            }
            if !self.dropped.is_empty() {
                self.dropped.retain(|d| d.2 != id);
            }
            false
        } else if r.consumed_at == offset.0 {
            r.deliveries = r.deliveries.saturating_add(1);
            self.counts.redelivered += 1;
            true
        } else {
            false
        }
    }

    /// A member of the first group dropped the record it was handed at `offset` of `tp`
    /// without processing it.
    pub(crate) fn on_dropped(&mut self, tp: TopicPartition, offset: Offset, id: RecordId) {
        if self.record(id).is_some_and(|r| r.consumed_at.is_none())
            && !self.dropped.iter().any(|d| d.2 == id)
        {
            self.dropped.push((tp, offset, id));
            // Committed before processing: the group's commit is past it already.
            if let Some(committed) = self.group_committed.get(&tp).copied() {
                self.on_group_committed(tp, committed);
            }
        }
    }

    /// The first group's coordinator stored committed offset `committed` for `tp`: the
    /// records dropped unprocessed below it are skipped.
    pub(crate) fn on_group_committed(&mut self, tp: TopicPartition, committed: Offset) {
        self.group_committed.insert(tp, committed);
        if self.dropped.is_empty() {
            return;
        }
        let mut skipped = Vec::new();
        self.dropped.retain(|d| {
            let past = d.0 == tp && d.1 < committed;
            if past {
                skipped.push(d.2);
            }
            !past
        });
        for id in skipped {
            if let Some(r) = self.fate_mut(id) {
                if r.consumed_at < 0 && !r.skipped() {
                    r.flags |= Fate::SKIPPED;
                    self.counts.skipped += 1;
                }
            }
        }
    }

    /// The record's transaction was aborted: it stays in its log, followed by the ABORT
    /// marker that a partition leader just wrote.
    pub(crate) fn on_txn_aborted(&mut self, id: RecordId) {
        let Some(r) = self.fate_mut(id) else {
            return;
        };
        if r.aborted() {
            return;
        }
        r.flags |= Fate::ABORTED;
        let (consumed, tp) = (r.consumed_at >= 0, r.partition);
        let counts = self.counts_of(tp);
        counts.aborted += 1;
        if consumed {
            counts.read_aborted += 1;
        }
    }

    pub(crate) fn on_failed(&mut self, id: RecordId, error: KafkaError) {
        let Some(r) = self.fate_mut(id) else {
            return;
        };
        if r.status == RecordStatus::Pending {
            r.status = RecordStatus::Failed(error);
            let tp = r.partition;
            self.counts_of(tp).failed += 1;
        }
    }

    /// The producer's process died with the record in its accumulator or in a request
    /// not yet answered.
    pub(crate) fn on_abandoned(&mut self, id: RecordId) {
        let Some(r) = self.fate_mut(id) else {
            return;
        };
        if r.status == RecordStatus::Pending {
            r.status = RecordStatus::Abandoned;
            let tp = r.partition;
            self.counts_of(tp).abandoned += 1;
        }
    }

    /// A `send()` that failed before its record reached a batch (it blocked on
    /// `buffer.memory` past `max.block.ms`): counted, with no history to keep.
    pub(crate) fn on_failed_before_batch(&mut self) {
        self.counts.sent += 1;
        self.counts.failed += 1;
    }

    /// Marks a record lost. Counts it if the producer had reported it delivered; a record
    /// still pending (an `acks=0` send being dropped before the producer counts it as sent)
    /// is counted when it is acknowledged.
    pub(crate) fn on_lost(&mut self, id: RecordId, cause: LossCause) -> bool {
        if self.fate_mut(id).is_none_or(|r| r.lost > 0) {
            return false;
        }
        // Losses come in runs of one cause (an election loses a partition's tail).
        let index = match self.causes.last() {
            Some(last) if *last == cause => self.causes.len() - 1,
            _ => {
                self.causes.push(cause);
                self.lost_by_cause.push(0);
                self.causes.len() - 1
            }
        };
        let r = self.fate_mut(id).expect("checked above");
        r.lost = index as u32 + 1;
        if r.status == RecordStatus::Acknowledged {
            let tp = r.partition;
            self.counts_of(tp).lost += 1;
            self.lost_by_cause[index] += 1;
        }
        true
    }

    /// Acknowledged records of a partition, with their offsets, not yet known lost.
    /// Elections are rare, so a scan is cheaper than an index kept on every append.
    pub(crate) fn acked_in(
        &self,
        partition: TopicPartition,
    ) -> impl Iterator<Item = (RecordId, Offset)> + '_ {
        self.chunks
            .iter()
            .flat_map(|c| c.0.iter())
            .enumerate()
            .filter_map(move |(i, r)| match (r.status, r.offset()) {
                (RecordStatus::Acknowledged, Some(o))
                    if r.partition == partition && r.lost == 0 =>
                {
                    Some((RecordId(i as u64), o))
                }
                _ => None,
            })
    }
}
