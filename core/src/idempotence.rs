//! The idempotent producer's broker side (KIP-98): per partition, the state Kafka keeps for
//! each producer id (`ProducerStateEntry`): its epoch and the sequence and offset ranges of
//! its last 5 batches, and the checks a leader applies to every batch a client sends, in
//! Kafka's order (`UnifiedLog.analyzeAndValidateProducerState`,
//! `ProducerAppendInfo.checkProducerEpoch` and `checkSequence`):
//!
//! 1. a batch equal to one of the 5 cached batches (same epoch, same first and last
//!    sequence) is a duplicate: nothing is appended and the original offsets are returned
//!    with no error (since Kafka 2.0, KAFKA-6683);
//! 2. an epoch older than the producer's is `InvalidProducerEpoch`;
//! 3. a new epoch must start at sequence 0; within an epoch the first sequence must follow
//!    the last one (wrapping after `i32::MAX`); otherwise `OutOfOrderSequenceNumber`.
//!    A producer id with no state is accepted with any epoch and sequence;
//! 4. a non-transactional batch while the producer has an open transaction is
//!    `InvalidTxnState`.
//!
//! Followers apply batches without validation, so a follower that becomes leader has the
//! same state and still recognises duplicates. Transaction markers (used only by the
//! conformance vectors: kscope's producer is not transactional) bump the epoch and close
//! the transaction.

use crate::vecmap::VecMap;
use alloc::collections::VecDeque;

use crate::ids::Offset;

/// How many batches per producer the broker remembers (`NUM_BATCHES_TO_RETAIN`).
pub const NUM_BATCHES_TO_RETAIN: usize = 5;
/// `RecordBatch.NO_PRODUCER_ID`.
pub const NO_PRODUCER_ID: i64 = -1;

/// `DefaultRecordBatch.incrementSequence`: sequences wrap to 0 after `i32::MAX`.
pub fn increment_sequence(sequence: i32, increment: i32) -> i32 {
    if sequence > i32::MAX - increment {
        increment - (i32::MAX - sequence) - 1
    } else {
        sequence + increment
    }
}

/// One remembered batch (`BatchMetadata`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BatchMetadata {
    pub first_seq: i32,
    pub last_seq: i32,
    pub first_offset: Offset,
    pub last_offset: Offset,
}

/// What a partition's leader remembers of one producer (`ProducerStateEntry`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ProducerStateEntry {
    pub epoch: i16,
    pub batches: VecDeque<BatchMetadata>,
    /// The first offset of the producer's open transaction, if one is open.
    pub ongoing_txn_first_offset: Option<Offset>,
}

impl ProducerStateEntry {
    pub fn last_seq(&self) -> i32 {
        self.batches.back().map_or(-1, |b| b.last_seq)
    }
    pub fn last_offset(&self) -> Option<Offset> {
        self.batches.back().map(|b| b.last_offset)
    }
    fn find_duplicate(&self, epoch: i16, first_seq: i32, last_seq: i32) -> Option<BatchMetadata> {
        if epoch != self.epoch {
            return None;
        }
        self.batches
            .iter()
            .find(|b| b.first_seq == first_seq && b.last_seq == last_seq)
            .copied()
    }
}

/// Why the leader refused a batch, by Kafka's error name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProducerStateError {
    InvalidProducerEpoch,
    OutOfOrderSequenceNumber,
    InvalidTxnState,
}

/// The leader's verdict on a client batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Append it.
    Append,
    /// A retry of a batch already in the log: answer with its offsets, append nothing.
    Duplicate(BatchMetadata),
    Reject(ProducerStateError),
}

/// The producer states of one partition's log (`ProducerStateManager`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProducerStateManager {
    pub producers: VecMap<i64, ProducerStateEntry>,
}

/// A batch's producer fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProducerBatchInfo {
    pub producer_id: i64,
    pub epoch: i16,
    pub first_seq: i32,
    pub records: u32,
    pub transactional: bool,
}

impl ProducerBatchInfo {
    pub fn last_seq(&self) -> i32 {
        increment_sequence(self.first_seq, self.records as i32 - 1)
    }
}

impl ProducerStateManager {
    pub fn entry(&self, producer_id: i64) -> Option<&ProducerStateEntry> {
        self.producers.get(&producer_id)
    }

    /// Validates a batch a client sent to the leader, in Kafka's order.
    pub fn validate_client_batch(&self, b: &ProducerBatchInfo) -> Verdict {
        self.validate(b, true)
    }

    /// The same checks, optionally without the duplicate check (as Kafka's
    /// `ProducerStateManager` tests exercise them).
    pub fn validate(&self, b: &ProducerBatchInfo, check_duplicates: bool) -> Verdict {
        let Some(entry) = self.producers.get(&b.producer_id) else {
            return Verdict::Append;
        };
        if check_duplicates {
            if let Some(dup) = entry.find_duplicate(b.epoch, b.first_seq, b.last_seq()) {
                return Verdict::Duplicate(dup);
            }
        }
        if b.epoch < entry.epoch {
            return Verdict::Reject(ProducerStateError::InvalidProducerEpoch);
        }
        let in_sequence = if b.epoch != entry.epoch {
            // A bumped epoch restarts at 0 (an entry always has a known epoch here).
            b.first_seq == 0
        } else {
            // lastSeq + 1, where 0 follows i32::MAX and, with no cached batch (-1), 0.
            b.first_seq == increment_sequence(entry.last_seq(), 1)
        };
        if !in_sequence {
            return Verdict::Reject(ProducerStateError::OutOfOrderSequenceNumber);
        }
        if !b.transactional && entry.ongoing_txn_first_offset.is_some() {
            return Verdict::Reject(ProducerStateError::InvalidTxnState);
        }
        Verdict::Append
    }

    /// Records an appended batch (leader or follower alike): a new epoch forgets the
    /// cached batches; at most 5 are kept.
    pub fn on_append(&mut self, b: &ProducerBatchInfo, first_offset: Offset) {
        if b.producer_id == NO_PRODUCER_ID {
            return;
        }
        let entry = self
            .producers
            .entry(b.producer_id)
            .or_insert_with(|| ProducerStateEntry {
                epoch: b.epoch,
                ..Default::default()
            });
        if b.epoch != entry.epoch {
            entry.epoch = b.epoch;
            entry.batches.clear();
        }
        if entry.batches.len() == NUM_BATCHES_TO_RETAIN {
            entry.batches.pop_front();
        }
        entry.batches.push_back(BatchMetadata {
            first_seq: b.first_seq,
            last_seq: b.last_seq(),
            first_offset,
            last_offset: Offset(first_offset.0 + i64::from(b.records) - 1),
        });
        if b.transactional && entry.ongoing_txn_first_offset.is_none() {
            entry.ongoing_txn_first_offset = Some(first_offset);
        }
    }

    /// A transaction marker (COMMIT or ABORT) from the coordinator: only the epoch is
    /// checked; a newer epoch forgets the cached batches; the transaction ends.
    pub fn on_end_txn_marker(
        &mut self,
        producer_id: i64,
        epoch: i16,
    ) -> Result<(), ProducerStateError> {
        let entry = self
            .producers
            .entry(producer_id)
            .or_insert_with(|| ProducerStateEntry {
                epoch,
                ..Default::default()
            });
        if epoch < entry.epoch {
            return Err(ProducerStateError::InvalidProducerEpoch);
        }
        if epoch != entry.epoch {
            entry.epoch = epoch;
            entry.batches.clear();
        }
        entry.ongoing_txn_first_offset = None;
        Ok(())
    }

    /// Forgets producers whose last batch is below the log start offset (their batches
    /// were deleted), as Kafka does when the log start offset moves.
    pub fn truncate_head(&mut self, log_start_offset: Offset) {
        self.producers
            .retain(|_, e| e.last_offset().is_none_or(|o| o >= log_start_offset));
    }
}
