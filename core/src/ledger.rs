//! The ledger: every record's fate, from `send()` to acknowledgement and beyond, and the
//! counts the page shows (acknowledged, failed, lost, duplicated, reordered), each loss
//! linked to the event that caused it.

use alloc::vec::Vec;

use crate::event::{KafkaError, LossCause};
use crate::ids::{BatchId, Offset, RecordId, TopicPartition};
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
}

/// One record's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordFate {
    pub id: RecordId,
    pub partition: TopicPartition,
    pub sent_at: Instant,
    pub batch: Option<BatchId>,
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
    /// The offset at which the group first processed it.
    pub consumed_at: Option<Offset>,
    /// How many times consumers of the group processed it at that offset.
    pub deliveries: u32,
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
}

/// Every record's fate.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    records: Vec<RecordFate>,
    counts: LedgerCounts,
    /// Per partition, the highest record id appended so far: a lower one appended later
    /// was reordered.
    pub(crate) highest_appended: crate::vecmap::VecMap<TopicPartition, RecordId>,
}

impl Ledger {
    pub fn counts(&self) -> LedgerCounts {
        self.counts
    }
    pub fn acknowledged(&self) -> u64 {
        self.counts.acknowledged
    }
    pub fn records(&self) -> &[RecordFate] {
        &self.records
    }
    pub fn record(&self, id: RecordId) -> Option<&RecordFate> {
        self.records.get(id.0 as usize)
    }

    /// A record moved to another batch when its batch was split.
    pub(crate) fn on_split(&mut self, id: RecordId, batch: BatchId) {
        if let Some(r) = self.records.get_mut(id.0 as usize) {
            r.batch = Some(batch);
        }
    }

    pub(crate) fn next_id(&self) -> RecordId {
        RecordId(self.records.len() as u64)
    }

    pub(crate) fn on_sent(
        &mut self,
        partition: TopicPartition,
        now: Instant,
        batch: BatchId,
    ) -> RecordId {
        let id = self.next_id();
        self.records.push(RecordFate {
            id,
            partition,
            sent_at: now,
            batch: Some(batch),
            status: RecordStatus::Pending,
            acked_at: None,
            offset: None,
            appends: 0,
            lost: None,
            duplicated: false,
            reordered: false,
            consumed_at: None,
            deliveries: 0,
        });
        self.counts.sent += 1;
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
            let fate = &mut self.records[r.id.0 as usize];
            if fate.appends > 0 && !fate.offset.is_some_and(|o| present(r.id, o)) {
                fate.appends = 0;
            }
            fate.appends += 1;
            let duplicated = fate.appends == 2 && !fate.duplicated;
            if duplicated {
                fate.duplicated = true;
                self.counts.duplicated += 1;
            } else if fate.appends == 1 {
                fate.offset = Some(offset);
            }
            let reordered = reordered_now && fate.appends == 1 && !fate.reordered;
            if reordered {
                fate.reordered = true;
                self.counts.reordered += 1;
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
        let r = &mut self.records[id.0 as usize];
        if r.status != RecordStatus::Pending {
            return;
        }
        r.status = RecordStatus::Acknowledged;
        r.acked_at = Some(now);
        if offset.is_some() {
            r.offset = offset;
        }
        self.counts.acknowledged += 1;
        if r.lost.is_some() {
            // An acks=0 record already known not to have arrived.
            self.counts.lost += 1;
        }
    }

    /// A consumer of the group processed the record it read at `offset`. Returns whether
    /// this was a redelivery: the group had processed the same record at the same offset
    /// before (a second copy at another offset is a duplicate, counted when appended).
    pub(crate) fn on_consumed(&mut self, id: RecordId, offset: Offset) -> bool {
        let Some(r) = self.records.get_mut(id.0 as usize) else {
            return false;
        };
        match r.consumed_at {
            None => {
                r.consumed_at = Some(offset);
                r.deliveries = 1;
                self.counts.consumed += 1;
                false
            }
            Some(o) if o == offset => {
                r.deliveries += 1;
                self.counts.redelivered += 1;
                true
            }
            Some(_) => false,
        }
    }

    pub(crate) fn on_failed(&mut self, id: RecordId, error: KafkaError) {
        let r = &mut self.records[id.0 as usize];
        if r.status == RecordStatus::Pending {
            r.status = RecordStatus::Failed(error);
            self.counts.failed += 1;
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
        let r = &mut self.records[id.0 as usize];
        if r.lost.is_some() {
            return false;
        }
        r.lost = Some(cause);
        if r.status == RecordStatus::Acknowledged {
            self.counts.lost += 1;
        }
        true
    }

    /// Acknowledged records of a partition, with their offsets, not yet known lost.
    /// Elections are rare, so a scan is cheaper than an index kept on every append.
    pub(crate) fn acked_in(
        &self,
        partition: TopicPartition,
    ) -> impl Iterator<Item = (RecordId, Offset)> + '_ {
        self.records
            .iter()
            .filter_map(move |r| match (r.status, r.offset) {
                (RecordStatus::Acknowledged, Some(o))
                    if r.partition == partition && r.lost.is_none() =>
                {
                    Some((r.id, o))
                }
                _ => None,
            })
    }
}
