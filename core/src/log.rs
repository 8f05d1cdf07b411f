//! A replica's log: segments of record batches, each with a sparse offset index and time
//! index, rolled on `segment.bytes` and `segment.ms`, cut by retention or compacted, and
//! a leader-epoch cache (KIP-101) used to find where a diverging follower must truncate.
//!
//! The rules are Kafka's (`LogSegment.append`, `LogSegment.shouldRoll`,
//! `UnifiedLog.deletableSegments`, `LeaderEpochFileCache.endOffsetFor`); the numbers in
//! `conformance/log_facts.json` are checked against this module. Bytes are counted, not
//! stored: a batch knows its size and its records' identities.

use alloc::rc::Rc;
use alloc::vec::Vec;

use crate::ids::{BatchId, LeaderEpoch, Offset, RecordId};

/// `cleanup.policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CleanupPolicy {
    #[default]
    Delete,
    Compact,
    CompactDelete,
}

impl CleanupPolicy {
    pub fn deletes(self) -> bool {
        matches!(self, CleanupPolicy::Delete | CleanupPolicy::CompactDelete)
    }
    pub fn compacts(self) -> bool {
        matches!(self, CleanupPolicy::Compact | CleanupPolicy::CompactDelete)
    }
}

/// A topic's log settings, with Kafka's defaults (`LogConfig`, `ServerLogConfigs`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LogConfig {
    /// `segment.bytes`, default 1 GiB.
    pub segment_bytes: u32,
    /// `segment.ms`, default 7 days.
    pub segment_ms: u64,
    /// `segment.index.bytes`, default 10 MiB: bounds the entries of each index.
    pub segment_index_bytes: u32,
    /// `index.interval.bytes`, default 4096.
    pub index_interval_bytes: u32,
    /// `retention.ms`, default 7 days; -1 keeps data forever.
    pub retention_ms: i64,
    /// `retention.bytes` per partition, default -1 (no limit).
    pub retention_bytes: i64,
    /// `cleanup.policy`, default `delete`.
    pub cleanup_policy: CleanupPolicy,
    /// `delete.retention.ms`, default 1 day: how long a tombstone outlives the first
    /// cleaning that kept it (its batch's delete horizon, KIP-534).
    pub delete_retention_ms: i64,
    /// `min.cleanable.dirty.ratio`, default 0.5, in thousandths: the cleaner takes a
    /// log only when its dirty bytes are more than this share of its cleanable total.
    pub min_cleanable_dirty_ratio_permille: u32,
    /// `min.compaction.lag.ms`, default 0: a segment with a record younger than this is
    /// not cleaned yet.
    pub min_compaction_lag_ms: i64,
    /// `max.compaction.lag.ms`, default `Long.MAX_VALUE`: a log whose dirty records are
    /// older than this is cleaned whatever its dirty ratio.
    pub max_compaction_lag_ms: i64,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            segment_bytes: 1_073_741_824,
            segment_ms: 604_800_000,
            segment_index_bytes: 10_485_760,
            index_interval_bytes: 4096,
            retention_ms: 604_800_000,
            retention_bytes: -1,
            cleanup_policy: CleanupPolicy::Delete,
            delete_retention_ms: 86_400_000,
            min_cleanable_dirty_ratio_permille: 500,
            min_compaction_lag_ms: 0,
            max_compaction_lag_ms: i64::MAX,
        }
    }
}

/// One record inside a stored batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRecord {
    pub id: RecordId,
    /// Offset of this record minus the batch's base offset. Dense until compaction
    /// removes records.
    pub offset_delta: u32,
    /// Key bytes, compared by compaction.
    pub key: Option<Rc<[u8]>>,
    /// The value's length; `None` is a null value, a tombstone on a compacted topic. The
    /// value's bytes are not kept: [`crate::record_batch::value_bytes`] derives them.
    pub value_len: Option<u32>,
    /// The record's headers (`None` when it has none, as the workload's records).
    pub headers: Option<Rc<[crate::record::Header]>>,
    pub timestamp_ms: i64,
}

impl StoredRecord {
    /// A null value: a tombstone on a compacted topic.
    pub fn tombstone(&self) -> bool {
        self.value_len.is_none()
    }

    /// Its key, value and headers' bytes with their length prefixes.
    pub fn payload_size(&self) -> u32 {
        crate::record::payload_size(
            self.key.as_ref().map(|k| k.len() as u32),
            self.value_len,
            self.headers.as_deref().unwrap_or(&[]),
        )
    }
}

/// A record batch as it sits in a log. The records are shared between the replicas that
/// hold the batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBatch {
    pub base_offset: Offset,
    /// `lastOffsetDelta`: the batch spans `base_offset ..= base_offset + last_offset_delta`
    /// even after compaction removed records from it.
    pub last_offset_delta: u32,
    pub size_bytes: u32,
    /// The codec of its `attributes` (the producer's `compression.type`; kscope's brokers
    /// keep batches as the producer wrote them, as `compression.type=producer` does).
    pub compression: crate::record::CompressionType,
    pub max_timestamp_ms: i64,
    /// `partitionLeaderEpoch`: the epoch of the leader that appended it.
    pub leader_epoch: LeaderEpoch,
    /// The producer batch it came from, for the ledger and the stage.
    pub batch_id: BatchId,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
    /// `attributes` bit 4: the batch belongs to a transaction (KIP-98).
    pub transactional: bool,
    /// `attributes` bit 5: a control batch, a transaction marker written by the
    /// coordinator's `WriteTxnMarkers`.
    pub marker: Option<TxnMarker>,
    /// The batch's delete horizon (`deleteHorizonMs`, KIP-534): set by the first cleaning
    /// that keeps a tombstone of it, to that cleaning's time plus `delete.retention.ms`;
    /// later cleanings drop its tombstones once the horizon has passed.
    pub delete_horizon_ms: Option<i64>,
    pub records: Rc<[StoredRecord]>,
}

impl StoredBatch {
    pub fn last_offset(&self) -> Offset {
        Offset(self.base_offset.0 + i64::from(self.last_offset_delta))
    }
    pub fn next_offset(&self) -> Offset {
        self.last_offset().next()
    }
    pub fn record_count(&self) -> u32 {
        self.last_offset_delta + 1
    }

    /// `baseTimestamp` as Kafka writes it: the first record's timestamp, or the delete
    /// horizon once compaction set one (`MemoryRecordsBuilder`); an empty batch kept by
    /// compaction has its maximum timestamp (`DefaultRecordBatch.writeEmptyHeader`).
    pub fn base_timestamp(&self) -> i64 {
        self.delete_horizon_ms.unwrap_or_else(|| {
            self.records
                .first()
                .map_or(self.max_timestamp_ms, |r| r.timestamp_ms)
        })
    }

    /// Its bytes uncompressed: the header and its records at their deltas from the base.
    pub fn uncompressed_size(&self) -> u32 {
        crate::record::RECORD_BATCH_OVERHEAD + records_size(&self.records, self.base_timestamp())
    }
}

/// An offset index entry: an offset and the byte position of the batch holding it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OffsetIndexEntry {
    pub offset: Offset,
    pub position: u32,
}

/// A time index entry: every record after `offset` has a timestamp above `timestamp_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeIndexEntry {
    pub timestamp_ms: i64,
    pub offset: Offset,
}

/// A segment: the batches from `base_offset` on, up to the next segment's base offset.
#[derive(Clone, Debug)]
pub struct Segment {
    pub base_offset: Offset,
    pub size_bytes: u64,
    /// Shared with the other replicas holding the same batch (a follower appends what it
    /// fetched from its leader): a replica costs a pointer per batch, not a copy.
    pub batches: Vec<Rc<StoredBatch>>,
    pub offset_index: Vec<OffsetIndexEntry>,
    pub time_index: Vec<TimeIndexEntry>,
    /// When the segment was created, for `segment.ms` on an empty segment.
    pub created_ms: i64,
    /// The largest record timestamp, and the last offset of the batch that had it.
    pub max_timestamp_ms: i64,
    pub offset_of_max_timestamp: Offset,
    bytes_since_last_index_entry: u64,
}

impl Segment {
    fn new(base_offset: Offset, now_ms: i64) -> Segment {
        Segment {
            base_offset,
            size_bytes: 0,
            batches: Vec::new(),
            offset_index: Vec::new(),
            time_index: Vec::new(),
            created_ms: now_ms,
            max_timestamp_ms: -1,
            offset_of_max_timestamp: base_offset,
            bytes_since_last_index_entry: 0,
        }
    }

    /// The segment's file name: the base offset zero-padded to 20 digits, then `.log`.
    pub fn file_name(&self) -> alloc::string::String {
        segment_file_name(self.base_offset, "log")
    }

    /// `LogSegment.append`: index the append if more than `index.interval.bytes` were
    /// written since the last entry, counting the current append only afterwards.
    fn append(&mut self, batch: Rc<StoredBatch>, index_interval_bytes: u32) {
        let position = self.size_bytes as u32;
        if batch.max_timestamp_ms > self.max_timestamp_ms {
            self.max_timestamp_ms = batch.max_timestamp_ms;
            self.offset_of_max_timestamp = batch.last_offset();
        }
        if self.bytes_since_last_index_entry > u64::from(index_interval_bytes) {
            self.offset_index.push(OffsetIndexEntry {
                offset: batch.last_offset(),
                position,
            });
            self.maybe_append_time_index();
            self.bytes_since_last_index_entry = 0;
        }
        self.bytes_since_last_index_entry += u64::from(batch.size_bytes);
        self.size_bytes += u64::from(batch.size_bytes);
        self.batches.push(batch);
    }

    fn maybe_append_time_index(&mut self) {
        let newer = self
            .time_index
            .last()
            .is_none_or(|e| self.max_timestamp_ms > e.timestamp_ms);
        if newer && self.max_timestamp_ms >= 0 {
            self.time_index.push(TimeIndexEntry {
                timestamp_ms: self.max_timestamp_ms,
                offset: self.offset_of_max_timestamp,
            });
        }
    }

    /// `OffsetIndex.lookup`: the greatest entry at or below `target`, else the segment's
    /// start.
    pub fn lookup(&self, target: Offset) -> OffsetIndexEntry {
        let i = self.offset_index.partition_point(|e| e.offset <= target);
        if i == 0 {
            OffsetIndexEntry {
                offset: self.base_offset,
                position: 0,
            }
        } else {
            self.offset_index[i - 1]
        }
    }

    fn first_batch_timestamp(&self) -> Option<i64> {
        self.batches.first().map(|b| b.max_timestamp_ms)
    }
}

fn producer_info(b: &StoredBatch) -> crate::idempotence::ProducerBatchInfo {
    crate::idempotence::ProducerBatchInfo {
        producer_id: b.producer_id,
        epoch: b.producer_epoch,
        first_seq: b.base_sequence,
        records: b.last_offset_delta + 1,
        transactional: b.transactional,
    }
}

/// A transaction marker: the single control record of a control batch
/// (`EndTransactionMarker`; its key is the version and `ControlRecordType`, ABORT 0 or
/// COMMIT 1, its value the version and the coordinator's epoch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TxnMarker {
    pub commit: bool,
    pub coordinator_epoch: i32,
}

impl TxnMarker {
    /// The control record's key: version 0 and the type.
    pub fn key(self) -> [u8; 4] {
        [0, 0, 0, u8::from(self.commit)]
    }
    /// The control record's value: version 0 and the coordinator epoch.
    pub fn value(self) -> Vec<u8> {
        let mut v = alloc::vec![0, 0];
        v.extend_from_slice(&self.coordinator_epoch.to_be_bytes());
        v
    }
}

/// A transaction a marker ended in this log (`CompletedTxn`; an aborted one is an
/// `AbortedTxn` entry of the segment's `.txnindex`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompletedTxn {
    pub producer_id: i64,
    pub first_offset: Offset,
    /// The marker's offset.
    pub last_offset: Offset,
    /// The last stable offset once it ended (`ProducerStateManager.lastStableOffset`):
    /// the first offset of the earliest other transaction still open, else the marker's
    /// next offset.
    pub last_stable_offset: Offset,
    pub aborted: bool,
}

/// How many committed transactions a log remembers: only those whose marker the high
/// watermark has not passed matter to the last stable offset.
const COMMITTED_KEPT: usize = 32;

/// Bytes of `records` in a v2 batch whose base timestamp is `base_ms`, uncompressed
/// (`DefaultRecord.sizeInBytes` of each).
pub fn records_size(records: &[StoredRecord], base_ms: i64) -> u32 {
    records
        .iter()
        .map(|r| {
            crate::record::record_size(
                r.payload_size(),
                r.offset_delta as i32,
                r.timestamp_ms - base_ms,
            )
        })
        .sum()
}

/// An offset index entry as Kafka writes it: the offset relative to the segment's base
/// and the position, both 32-bit big-endian.
pub fn encode_offset_index_entry(base_offset: Offset, entry: OffsetIndexEntry) -> [u8; 8] {
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&((entry.offset.0 - base_offset.0) as i32).to_be_bytes());
    out[4..].copy_from_slice(&entry.position.to_be_bytes());
    out
}

/// A time index entry as Kafka writes it: the timestamp, 64-bit big-endian, then the
/// relative offset, 32-bit big-endian.
pub fn encode_time_index_entry(base_offset: Offset, entry: TimeIndexEntry) -> [u8; 12] {
    let mut out = [0u8; 12];
    out[..8].copy_from_slice(&entry.timestamp_ms.to_be_bytes());
    out[8..].copy_from_slice(&((entry.offset.0 - base_offset.0) as i32).to_be_bytes());
    out
}

/// Kafka's segment file naming: the offset zero-padded to 20 digits and a suffix.
pub fn segment_file_name(base_offset: Offset, suffix: &str) -> alloc::string::String {
    alloc::format!("{:020}.{}", base_offset.0, suffix)
}

/// What retention or compaction did to a log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CleanupOutcome {
    pub segments_deleted: u32,
    pub records_deleted: Vec<RecordId>,
    pub new_log_start_offset: Option<Offset>,
}

/// A replica's log.
#[derive(Clone, Debug)]
pub struct Log {
    pub config: LogConfig,
    segments: Vec<Segment>,
    log_start_offset: Offset,
    log_end_offset: Offset,
    /// The leader-epoch cache: each epoch and the first offset appended in it.
    epochs: Vec<(LeaderEpoch, Offset)>,
    /// The idempotent producers' state, rebuilt from the log when it is truncated.
    pub producers: crate::idempotence::ProducerStateManager,
    /// The log cleaner's checkpoint (`cleaner-offset-checkpoint`): where the dirty part
    /// of the log begins. `None` before the first cleaning.
    cleaner_checkpoint: Option<Offset>,
    /// How many times batches were taken out of the log other than from its front
    /// (a truncation, a cleaning): what the invariants compare logs by knows a part
    /// checked before is still the same while this stays.
    rewrites: u32,
    /// Kafka's recovery point: what Kafka flushed (`UnifiedLog.flush`), the segments
    /// before the active one, flushed when it rolled.
    recovery_point: Offset,
    /// What the kernel wrote back of the page cache, and its flusher's samples of the log
    /// end (when, where) not yet expired ([`Log::write_back`]).
    written_back: Offset,
    dirty: Vec<(i64, Offset)>,
    /// Where the broker's page cache clock stood when parts of the log were appended:
    /// (first offset, clock), oldest first, a mark every `step` bytes (the broker's
    /// `PageCache::mark_step`), those older than the cache holds dropped but the newest
    /// of them.
    cache_marks: Vec<(Offset, u64)>,
    /// Transactions ended by a marker: every aborted one (the transaction index) and the
    /// latest committed ones, in marker order.
    txns: Vec<CompletedTxn>,
}

impl Log {
    pub fn new(config: LogConfig, now_ms: i64) -> Log {
        Log {
            config,
            segments: alloc::vec![Segment::new(Offset::ZERO, now_ms)],
            log_start_offset: Offset::ZERO,
            log_end_offset: Offset::ZERO,
            epochs: Vec::new(),
            producers: Default::default(),
            cleaner_checkpoint: None,
            rewrites: 0,
            recovery_point: Offset::ZERO,
            written_back: Offset::ZERO,
            dirty: Vec::new(),
            cache_marks: Vec::new(),
            txns: Vec::new(),
        }
    }

    /// Notes that the batch at `offset` is appended when the broker's page cache clock
    /// is at `clock`.
    pub(crate) fn note_cached(&mut self, offset: Offset, clock: u64, step: u64, capacity: u64) {
        if self
            .cache_marks
            .last()
            .is_none_or(|(_, c)| clock >= c + step)
        {
            self.cache_marks.push((offset, clock));
        }
        let old = self
            .cache_marks
            .partition_point(|(_, c)| c + capacity < clock);
        if old > 1 {
            self.cache_marks.drain(..old - 1);
        }
    }

    /// Whether the batch at `offset` is still in a page cache of `capacity` bytes whose
    /// clock is at `clock` (appended within its capacity's bytes of the broker's latest
    /// appends, and since the last power loss).
    pub fn cached(&self, offset: Offset, clock: u64, capacity: u64) -> bool {
        let i = self.cache_marks.partition_point(|(o, _)| *o <= offset);
        i.checked_sub(1)
            .is_some_and(|i| clock - self.cache_marks[i].1 <= capacity)
    }

    /// A power loss empties the page cache.
    pub(crate) fn forget_cache(&mut self) {
        self.cache_marks.clear();
    }

    /// Kafka's recovery point (`recovery-point-offset-checkpoint`): the offset below which
    /// Kafka flushed the log to disk itself, at each segment roll.
    pub fn recovery_point(&self) -> Offset {
        self.recovery_point.min(self.log_end_offset)
    }

    /// What is on disk: what Kafka flushed or the kernel wrote back; the rest of the log
    /// is only in the page cache, which a process crash keeps and a power loss does not.
    pub fn on_disk(&self) -> Offset {
        self.recovery_point
            .max(self.written_back)
            .min(self.log_end_offset)
    }

    /// The kernel's flusher at `now_ms`: it writes back what has been dirty for longer
    /// than `expire_ms` (`vm.dirty_expire_centisecs`), which is the log up to where it
    /// ended at the flusher's wake-up that long ago.
    pub fn write_back(&mut self, now_ms: i64, expire_ms: i64) {
        self.dirty.push((now_ms, self.log_end_offset));
        let expired = self
            .dirty
            .partition_point(|(at, _)| *at <= now_ms - expire_ms);
        if let Some((_, end)) = expired.checked_sub(1).map(|i| self.dirty[i]) {
            self.written_back = self.written_back.max(end);
        }
        self.dirty.drain(..expired);
    }

    /// How many times the log was truncated or cleaned.
    pub fn rewrites(&self) -> u32 {
        self.rewrites
    }

    /// The batches that hold `offset` or come after it, oldest first (found by binary
    /// search, as `batch_at` finds one).
    pub fn batches_from(&self, offset: Offset) -> impl Iterator<Item = &StoredBatch> {
        let si = self
            .segments
            .partition_point(|s| s.base_offset <= offset)
            .saturating_sub(1);
        let bi = self.segments[si]
            .batches
            .partition_point(|b| b.last_offset() < offset);
        self.segments[si].batches[bi..]
            .iter()
            .chain(
                self.segments[si + 1..]
                    .iter()
                    .flat_map(|s| s.batches.iter()),
            )
            .map(|b| &**b)
    }

    pub fn log_start_offset(&self) -> Offset {
        self.log_start_offset
    }
    pub fn log_end_offset(&self) -> Offset {
        self.log_end_offset
    }
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }
    pub fn size_bytes(&self) -> u64 {
        self.segments.iter().map(|s| s.size_bytes).sum()
    }
    pub fn epoch_cache(&self) -> &[(LeaderEpoch, Offset)] {
        &self.epochs
    }
    /// The epoch of the last batch appended, as a follower reports it in its fetch.
    pub fn latest_epoch(&self) -> Option<LeaderEpoch> {
        self.epochs.last().map(|(e, _)| *e)
    }

    /// Every batch, oldest first.
    pub fn batches(&self) -> impl Iterator<Item = &StoredBatch> {
        self.segments
            .iter()
            .flat_map(|s| s.batches.iter().map(|b| &**b))
    }

    /// `LogSegment.shouldRoll` for an append of `size` bytes whose largest offset is
    /// `max_offset` and largest timestamp `max_timestamp_ms`.
    fn should_roll(&self, size: u32, max_offset: Offset, max_timestamp_ms: i64) -> bool {
        let seg = self
            .segments
            .last()
            .expect("a log always has an active segment");
        let waited = match seg.first_batch_timestamp() {
            Some(ts) if ts >= 0 => max_timestamp_ms - ts,
            _ => max_timestamp_ms - seg.created_ms,
        };
        let max_entries = u64::from(self.config.segment_index_bytes / 8);
        let max_time_entries = u64::from(self.config.segment_index_bytes / 12);
        let relative = max_offset.0 - seg.base_offset.0;
        seg.size_bytes > u64::from(self.config.segment_bytes).saturating_sub(u64::from(size))
            || (seg.size_bytes > 0 && waited > self.config.segment_ms as i64)
            || seg.offset_index.len() as u64 >= max_entries
            || seg.time_index.len() as u64 >= max_time_entries
            || !(0..=i64::from(i32::MAX)).contains(&relative)
    }

    fn roll(&mut self, now_ms: i64) {
        if let Some(active) = self.segments.last_mut() {
            if active.batches.is_empty() {
                return;
            }
            // The time index of a segment that becomes inactive gets its final entry.
            active.maybe_append_time_index();
        }
        // `UnifiedLog.roll` flushes the segments before the new one (a task it schedules
        // at once) and moves the recovery point to the new segment's base offset.
        self.recovery_point = self.recovery_point.max(self.log_end_offset);
        self.segments
            .push(Segment::new(self.log_end_offset, now_ms));
    }

    /// Appends a batch whose offsets are already set (a follower copying its leader, or a
    /// leader after [`Log::assign_offsets`]). Rolls a new segment first when Kafka would.
    pub fn append(&mut self, batch: impl Into<Rc<StoredBatch>>, now_ms: i64) {
        let batch = batch.into();
        debug_assert_eq!(batch.base_offset, self.log_end_offset, "offsets stay dense");
        if self.should_roll(
            batch.size_bytes,
            batch.last_offset(),
            batch.max_timestamp_ms,
        ) {
            self.roll(now_ms);
        }
        if self
            .epochs
            .last()
            .is_none_or(|(e, _)| batch.leader_epoch > *e)
        {
            self.epochs.push((batch.leader_epoch, batch.base_offset));
        }
        self.log_end_offset = batch.next_offset();
        self.note_txn(&batch);
        let interval = self.config.index_interval_bytes;
        self.segments
            .last_mut()
            .expect("a log always has an active segment")
            .append(batch, interval);
    }

    /// Records the start of a new leader epoch at the current log end offset, as a
    /// replica does when it becomes leader.
    pub fn assign_epoch_start(&mut self, epoch: LeaderEpoch) {
        if self.epochs.last().is_none_or(|(e, _)| epoch > *e) {
            self.epochs.push((epoch, self.log_end_offset));
        }
    }

    /// The leader-epoch cache: each epoch and the first offset appended in it, oldest
    /// first (what `leader-epoch-checkpoint` holds).
    pub fn epochs(&self) -> &[(LeaderEpoch, Offset)] {
        &self.epochs
    }

    /// `LeaderEpochFileCache.endOffsetFor`: the largest epoch at or below `requested` and
    /// the offset where it ended (the next epoch's start, or the log end offset for the
    /// latest). `None` if `requested` is older than every epoch cached.
    pub fn end_offset_for_epoch(&self, requested: LeaderEpoch) -> Option<(LeaderEpoch, Offset)> {
        let latest = self.epochs.last()?;
        if requested == latest.0 {
            return Some((latest.0, self.log_end_offset));
        }
        let i = self.epochs.partition_point(|(e, _)| *e <= requested);
        if i == 0 {
            return None;
        }
        let epoch = self.epochs[i - 1].0;
        let end = self
            .epochs
            .get(i)
            .map_or(self.log_end_offset, |(_, start)| *start);
        Some((epoch, end))
    }

    /// Removes every batch that reaches `offset` or beyond (a diverging follower, or a
    /// replica whose records were never committed); truncation points are batch
    /// boundaries, as Kafka's are. Returns the records removed, oldest first.
    pub fn truncate_to(&mut self, offset: Offset) -> Vec<RecordId> {
        let mut removed = Vec::new();
        if offset >= self.log_end_offset {
            // No record goes, but an epoch that starts at the log end does, as in
            // `UnifiedLog.truncateTo`: a replica that led an epoch without appending to it
            // keeps no entry for it, or it would diverge from the new leader forever.
            let leo = self.log_end_offset;
            self.epochs.retain(|(_, start)| *start < leo);
            return removed;
        }
        let offset = offset.max(self.log_start_offset);
        self.rewrites += 1;
        self.cache_marks.retain(|(o, _)| *o < offset);
        loop {
            let segments = self.segments.len();
            let seg = self
                .segments
                .last_mut()
                .expect("a log always has an active segment");
            while seg
                .batches
                .last()
                .is_some_and(|b| b.last_offset() >= offset)
            {
                let b = seg.batches.pop().expect("just looked");
                seg.size_bytes -= u64::from(b.size_bytes);
                removed.extend(b.records.iter().rev().map(|r| r.id));
            }
            seg.offset_index.retain(|e| e.offset < offset);
            seg.time_index.retain(|e| e.offset < offset);
            seg.max_timestamp_ms = seg
                .batches
                .iter()
                .map(|b| b.max_timestamp_ms)
                .max()
                .unwrap_or(-1);
            if seg.batches.is_empty() && segments > 1 && seg.base_offset >= offset {
                self.segments.pop();
            } else {
                break;
            }
        }
        let active = self
            .segments
            .last()
            .expect("a log always has an active segment");
        self.log_end_offset = active
            .batches
            .last()
            .map_or(active.base_offset.max(self.log_start_offset), |b| {
                b.next_offset()
            });
        let leo = self.log_end_offset;
        // `LogCleanerManager.maybeTruncateCheckpoint`.
        if let Some(c) = self.cleaner_checkpoint.as_mut() {
            *c = (*c).min(leo);
        }
        // What was flushed or written back above the new end is no longer the log's.
        self.recovery_point = self.recovery_point.min(leo);
        self.written_back = self.written_back.min(leo);
        for (_, end) in &mut self.dirty {
            *end = (*end).min(leo);
        }
        self.epochs.retain(|(_, start)| *start < leo);
        self.rebuild_producer_state();
        removed.reverse();
        removed
    }

    /// Rebuilds the producers' state from the batches still in the log, as Kafka does
    /// from its snapshots and the log after a truncation.
    fn rebuild_producer_state(&mut self) {
        self.producers = Default::default();
        self.txns.clear();
        let batches: Vec<Rc<StoredBatch>> = self
            .segments
            .iter()
            .flat_map(|s| s.batches.iter().cloned())
            .collect();
        for b in &batches {
            self.note_txn(b);
        }
    }

    /// The producer state and the transactions after `batch` is in the log
    /// (`ProducerStateManager.update`, `completeTxn`): a transactional batch opens its
    /// producer's transaction, a marker closes it.
    fn note_txn(&mut self, batch: &StoredBatch) {
        // (Markers exist only in a build with transactions.)
        let Some(marker) = batch.marker.filter(|_| cfg!(feature = "transactions")) else {
            self.producers
                .on_append(&producer_info(batch), batch.base_offset);
            return;
        };
        let first = self
            .producers
            .entry(batch.producer_id)
            .and_then(|e| e.ongoing_txn_first_offset);
        let last_stable_offset = self
            .producers
            .producers
            .iter()
            .filter(|(pid, _)| **pid != batch.producer_id)
            .filter_map(|(_, e)| e.ongoing_txn_first_offset)
            .min()
            .unwrap_or(batch.next_offset());
        // The log took the marker already; its epoch was checked by the leader.
        let _ = self
            .producers
            .on_end_txn_marker(batch.producer_id, batch.producer_epoch);
        if let Some(first_offset) = first {
            // Aborted transactions are all kept (the `.txnindex`); committed ones only the
            // latest `COMMITTED_KEPT`, the oldest making room.
            if marker.commit && self.txns.iter().filter(|t| !t.aborted).count() >= COMMITTED_KEPT {
                if let Some(i) = self.txns.iter().position(|t| !t.aborted) {
                    self.txns.remove(i);
                }
            }
            self.txns.push(CompletedTxn {
                producer_id: batch.producer_id,
                first_offset,
                last_offset: batch.base_offset,
                last_stable_offset,
                aborted: !marker.commit,
            });
        }
    }

    /// The last stable offset under high watermark `hw` (`UnifiedLog.
    /// lastStableOffset`): the first offset of the earliest transaction still open, or
    /// ended by a marker the high watermark has not passed; else the high watermark. A
    /// `read_committed` consumer reads below it.
    pub fn last_stable_offset(&self, hw: Offset) -> Offset {
        let open = self
            .producers
            .producers
            .values()
            .filter_map(|e| e.ongoing_txn_first_offset);
        let unreplicated = self
            .txns
            .iter()
            .filter(|t| t.last_offset >= hw)
            .map(|t| t.first_offset);
        open.chain(unreplicated).fold(hw, Offset::min)
    }

    /// The aborted transactions that overlap `from .. upto` (`UnifiedLog.
    /// collectAbortedTransactions`): what a `read_committed` fetch response lists.
    pub fn aborted_txns(&self, from: Offset, upto: Offset) -> Vec<CompletedTxn> {
        self.txns
            .iter()
            .filter(|t| t.aborted && t.last_offset >= from && t.first_offset < upto)
            .copied()
            .collect()
    }

    /// Every transaction a marker ended that the log still remembers: each aborted
    /// one, the latest committed ones.
    pub fn completed_txns(&self) -> &[CompletedTxn] {
        &self.txns
    }

    /// Drops the whole log and starts it again, empty, at `offset` (a follower that
    /// fell behind its leader's log start offset).
    pub fn truncate_fully_and_start_at(&mut self, offset: Offset, now_ms: i64) -> Vec<RecordId> {
        self.cache_marks.clear();
        let removed: Vec<RecordId> = self
            .batches()
            .flat_map(|b| b.records.iter().map(|r| r.id))
            .collect();
        self.segments = alloc::vec![Segment::new(offset, now_ms)];
        self.rewrites += 1;
        self.log_start_offset = offset;
        self.log_end_offset = offset;
        self.epochs.clear();
        self.producers = Default::default();
        self.txns.clear();
        self.cleaner_checkpoint = None;
        // An empty log is all flushed (`LocalLog.truncateFullyAndStartAt`).
        self.recovery_point = offset;
        self.written_back = offset;
        self.dirty.clear();
        removed
    }

    /// Batches from `offset` on, up to `max_bytes` (with `min_one`, at least one batch, as
    /// Kafka returns an oversized first batch rather than nothing), from one segment: the
    /// first at or after `offset` that holds any (`LocalLog.read` stops at the segment
    /// that yields data, so a reader catching up gets a segment per fetch).
    pub fn read(&self, offset: Offset, max_bytes: u32, min_one: bool) -> Vec<Rc<StoredBatch>> {
        let mut out = Vec::new();
        let mut bytes = 0u32;
        let start_seg = self
            .segments
            .partition_point(|s| s.base_offset <= offset)
            .saturating_sub(1);
        for seg in &self.segments[start_seg..] {
            let from = seg.batches.partition_point(|b| b.last_offset() < offset);
            for b in &seg.batches[from..] {
                if (!out.is_empty() || !min_one) && bytes.saturating_add(b.size_bytes) > max_bytes {
                    return out;
                }
                bytes = bytes.saturating_add(b.size_bytes);
                out.push(b.clone());
            }
            if !out.is_empty() {
                return out;
            }
        }
        out
    }

    /// Bytes of the batches holding offsets in `[from, to)`, counted up to `cap` (a reader
    /// asking whether there is enough to read stops counting once there is).
    pub fn bytes_between(&self, from: Offset, to: Offset, cap: u64) -> u64 {
        let mut bytes = 0;
        for seg in &self.segments[self.segment_range(from, to)] {
            let first = seg.batches.partition_point(|b| b.last_offset() < from);
            for b in seg.batches[first..]
                .iter()
                .take_while(|b| b.base_offset < to)
            {
                bytes += u64::from(b.size_bytes);
                if bytes >= cap {
                    return cap;
                }
            }
        }
        bytes
    }

    /// The batch holding `offset`, if the log has it.
    pub fn batch_at(&self, offset: Offset) -> Option<&StoredBatch> {
        let si = self.segments.partition_point(|s| s.base_offset <= offset);
        let seg = self.segments.get(si.checked_sub(1)?)?;
        let bi = seg.batches.partition_point(|b| b.last_offset() < offset);
        seg.batches
            .get(bi)
            .map(|b| &**b)
            .filter(|b| b.base_offset <= offset)
    }

    /// The record stored at `offset`, if any.
    /// Where the cleaner's dirty part begins: below it a record may have been compacted
    /// away (a newer record with its key is kept), and its offset holds nothing.
    pub fn cleaned_up_to(&self) -> Offset {
        self.cleaner_checkpoint.unwrap_or(self.log_start_offset)
    }

    pub fn record_at(&self, offset: Offset) -> Option<RecordId> {
        let b = self.batch_at(offset)?;
        let delta = (offset.0 - b.base_offset.0) as u32;
        b.records
            .iter()
            .find(|r| r.offset_delta == delta)
            .map(|r| r.id)
    }

    /// `UnifiedLog.maybeIncrementLogStartOffset`: the log start moves up to `offset`
    /// (never past the high watermark); the segments wholly below it go at the next
    /// retention run. A follower does this with the leader's log start from every fetch
    /// response.
    pub fn maybe_increment_log_start_offset(&mut self, offset: Offset, high_watermark: Offset) {
        if offset > self.log_start_offset && offset <= high_watermark {
            self.log_start_offset = offset;
            self.producers.truncate_head(offset);
            self.txns.retain(|t| t.last_offset >= offset);
        }
    }

    /// Retention (`UnifiedLog.deleteOldSegments`): deletes whole segments, oldest first,
    /// that lie wholly below the log start offset, are past `retention.ms` or are beyond
    /// `retention.bytes`, never above the high watermark, rolling first if every segment
    /// would go.
    pub fn delete_old_segments(&mut self, now_ms: i64, high_watermark: Offset) -> CleanupOutcome {
        let mut outcome = CleanupOutcome::default();
        let start = self.log_start_offset;
        let below_start = self.deletable_prefix(high_watermark, |_, next| {
            next.is_some_and(|n| n.base_offset <= start)
        });
        self.delete_prefix(below_start, now_ms, &mut outcome);
        if !self.config.cleanup_policy.deletes() {
            return outcome;
        }
        let retention_ms = self.config.retention_ms;
        let by_time = self.deletable_prefix(high_watermark, |seg, _| {
            retention_ms >= 0 && now_ms - seg.max_timestamp_ms > retention_ms
        });
        self.delete_prefix(by_time, now_ms, &mut outcome);
        let retention_bytes = self.config.retention_bytes;
        let size = self.size_bytes() as i64;
        if retention_bytes >= 0 && size >= retention_bytes {
            let mut diff = size - retention_bytes;
            let by_size = self.deletable_prefix(high_watermark, |seg, _| {
                if diff - seg.size_bytes as i64 >= 0 {
                    diff -= seg.size_bytes as i64;
                    true
                } else {
                    false
                }
            });
            self.delete_prefix(by_size, now_ms, &mut outcome);
        }
        outcome
    }

    /// `UnifiedLog.deletableSegments`: how many segments from the oldest satisfy
    /// `predicate`, stopping at the first that does not, that reaches above the high
    /// watermark, or that is the empty active segment.
    fn deletable_prefix(
        &self,
        high_watermark: Offset,
        mut predicate: impl FnMut(&Segment, Option<&Segment>) -> bool,
    ) -> usize {
        let mut n = 0;
        for (i, seg) in self.segments.iter().enumerate() {
            let next = self.segments.get(i + 1);
            let upper = next.map_or(self.log_end_offset, |s| s.base_offset);
            let last_and_empty = next.is_none() && seg.size_bytes == 0;
            if high_watermark >= upper && !last_and_empty && predicate(seg, next) {
                n += 1;
            } else {
                break;
            }
        }
        n
    }

    fn delete_prefix(&mut self, n: usize, now_ms: i64, outcome: &mut CleanupOutcome) {
        if n == 0 {
            return;
        }
        if n == self.segments.len() {
            self.roll(now_ms);
        }
        for seg in self.segments.drain(..n) {
            outcome.segments_deleted += 1;
            outcome.records_deleted.extend(
                seg.batches
                    .iter()
                    .flat_map(|b| b.records.iter().map(|r| r.id)),
            );
        }
        let start = self.segments[0].base_offset.max(self.log_start_offset);
        if start > self.log_start_offset {
            self.log_start_offset = start;
            outcome.new_log_start_offset = Some(start);
            self.producers.truncate_head(start);
            self.txns.retain(|t| t.last_offset >= start);
        }
    }

    /// The segments holding offsets in `[from, to)` (`UnifiedLog.logSegments(from, to)`):
    /// from the one containing `from` to the last that starts below `to`.
    fn segment_range(&self, from: Offset, to: Offset) -> core::ops::Range<usize> {
        let start = self
            .segments
            .partition_point(|s| s.base_offset <= from)
            .saturating_sub(1);
        let end = self.segments.partition_point(|s| s.base_offset < to);
        start..end.max(start)
    }

    /// What the log cleaner sees of this log at `now_ms` (`LogCleanerManager.cleanableOffsets`
    /// and `LogToClean`): the dirty part starts at the cleaner's checkpoint (the log start
    /// if it has none or it is out of range) and ends at the first segment holding an
    /// offset the cleaner may not touch: the last stable offset (the high watermark while
    /// there are no transactions), the active segment, or a segment with a record younger
    /// than `min.compaction.lag.ms`. `None` for a log that is not compacted.
    pub fn to_clean(&self, now_ms: i64, last_stable_offset: Offset) -> Option<LogToClean> {
        if !self.config.cleanup_policy.compacts() {
            return None;
        }
        let start = self.log_start_offset;
        let first_dirty = match self.cleaner_checkpoint {
            Some(c) if c >= start && c <= self.log_end_offset => c,
            _ => start,
        };
        let active = self.segments.len() - 1;
        let dirty_from = self.segment_range(first_dirty, first_dirty).start;
        let dirty_non_active = &self.segments[dirty_from.min(active)..active];
        let mut uncleanable = last_stable_offset.min(self.segments[active].base_offset);
        let min_lag = self.config.min_compaction_lag_ms.max(0);
        if min_lag > 0 {
            if let Some(s) = dirty_non_active
                .iter()
                .find(|s| s.max_timestamp_ms > now_ms.saturating_sub(min_lag))
            {
                uncleanable = uncleanable.min(s.base_offset);
            }
        }
        let uncleanable = uncleanable.max(first_dirty);
        // `calculateCleanableBytes`: the cleanable part ends at a segment boundary.
        let first_uncleanable_offset = self.segments[self
            .segment_range(uncleanable, uncleanable)
            .start
            .min(active)]
        .base_offset;
        let size = |r: core::ops::Range<usize>| -> u64 {
            self.segments[r].iter().map(|s| s.size_bytes).sum()
        };
        let clean_bytes = size(self.segment_range(Offset(-1), first_dirty));
        let cleanable_bytes = size(self.segment_range(
            first_dirty.min(first_uncleanable_offset),
            first_uncleanable_offset,
        ));
        // `maxCompactionDelay`.
        let max_lag = self.config.max_compaction_lag_ms.max(0);
        let clean_until = now_ms.saturating_sub(max_lag);
        let need_compaction_now = dirty_non_active
            .iter()
            .filter_map(Segment::first_batch_timestamp)
            .filter(|t| *t > 0)
            .min()
            .is_some_and(|earliest| earliest < clean_until);
        Some(LogToClean {
            first_dirty_offset: first_dirty,
            first_uncleanable_offset,
            clean_bytes,
            cleanable_bytes,
            need_compaction_now,
        })
    }

    /// One cleaning of this log (`Cleaner.doClean`): maps each key of the dirty part to
    /// its latest offset, then rewrites every segment up to the last mapped offset, in
    /// groups of consecutive segments that together fit in `segment.bytes`
    /// (`groupSegmentsBySize`), each group becoming one segment. A keyed record stays if
    /// no later record of its key was mapped and, for a tombstone, its batch's delete
    /// horizon has not passed; the first cleaning that keeps a tombstone sets the
    /// horizon. Emptied batches go, except an idempotent producer's last batch and the
    /// last batch of the cleaning round, kept empty so that their offsets and sequence
    /// survive. Offsets keep their values, so a compacted log has gaps.
    pub fn clean(&mut self, to_clean: &LogToClean, now_ms: i64) -> CleanupOutcome {
        let mut outcome = CleanupOutcome::default();
        self.rewrites += 1;
        let dirty_start = to_clean.first_dirty_offset;
        let upper = to_clean.first_uncleanable_offset;
        // The offset map: each key's latest offset in the dirty range (sorted by key).
        let mut map: Vec<(Rc<[u8]>, Offset)> = Vec::new();
        let mut latest = Offset(-1);
        for seg in &self.segments[self.segment_range(dirty_start, upper)] {
            // A transaction marker's key is its type, not a record's key: markers stay.
            for b in seg.batches.iter().filter(|b| b.marker.is_none()) {
                for r in b.records.iter() {
                    let offset = Offset(b.base_offset.0 + i64::from(r.offset_delta));
                    if let (Some(k), true) = (&r.key, offset >= dirty_start) {
                        map.push((k.clone(), offset));
                    }
                }
                if b.last_offset() >= dirty_start {
                    latest = latest.max(b.last_offset());
                }
            }
        }
        // Stable: a key's offsets stay in order, its latest last.
        crate::java::sort_by(&mut map, |a, b| a.0 < b.0);
        let mut latest_of: Vec<(Rc<[u8]>, Offset)> = Vec::with_capacity(map.len());
        for (k, o) in map {
            match latest_of.last_mut() {
                Some(last) if last.0 == k => last.1 = o,
                _ => latest_of.push((k, o)),
            }
        }
        let map = latest_of;
        let end = latest.next();
        let cleaned = self.segment_range(Offset(0), end);
        if cleaned.is_empty() {
            return outcome;
        }
        let last_data: Vec<Offset> = self
            .producers
            .producers
            .values()
            .filter_map(|e| e.last_offset())
            .collect();
        let groups = self.group_by_size(cleaned.clone(), upper);
        let old: Vec<Segment> = self.segments.drain(cleaned.clone()).collect();
        let mut old = old.into_iter();
        let mut rewritten = Vec::with_capacity(groups.len());
        for n in groups {
            let group: Vec<Segment> = old.by_ref().take(n).collect();
            let mut seg = Segment::new(group[0].base_offset, group[0].created_ms);
            for b in group.into_iter().flat_map(|s| s.batches) {
                let keep = |r: &StoredRecord| {
                    let offset = Offset(b.base_offset.0 + i64::from(r.offset_delta));
                    if offset > latest || b.marker.is_some() {
                        return true;
                    }
                    let Some(k) = &r.key else { return false };
                    let newest = map
                        .binary_search_by(|(x, _)| x.cmp(k))
                        .ok()
                        .is_none_or(|i| offset >= map[i].1);
                    let deletes_kept = b.delete_horizon_ms.is_none_or(|h| now_ms < h);
                    newest && (!r.tombstone() || deletes_kept)
                };
                let mut kept: Vec<StoredRecord> = Vec::with_capacity(b.records.len());
                for r in b.records.iter() {
                    if keep(r) {
                        kept.push(r.clone());
                    } else {
                        outcome.records_deleted.push(r.id);
                    }
                }
                let retain_empty = (b.producer_id >= 0 && last_data.contains(&b.last_offset()))
                    || b.next_offset() == upper;
                if kept.is_empty() && !retain_empty {
                    continue;
                }
                let set_horizon =
                    b.delete_horizon_ms.is_none() && kept.iter().any(|r| r.tombstone());
                if kept.len() == b.records.len() && !set_horizon {
                    seg.append(b, self.config.index_interval_bytes);
                    continue;
                }
                // `MemoryRecords.filterTo` writes the batch again with what it keeps: the
                // same base offset and last offset delta, the base timestamp of its first
                // record kept (or its delete horizon, KIP-534), the largest timestamp kept.
                let mut b = (*b).clone();
                if set_horizon {
                    b.delete_horizon_ms =
                        Some(now_ms.saturating_add(self.config.delete_retention_ms));
                }
                if let Some(max) = kept.iter().map(|r| r.timestamp_ms).max() {
                    b.max_timestamp_ms = max;
                }
                b.records = kept.into();
                let records = b.uncompressed_size() - crate::record::RECORD_BATCH_OVERHEAD;
                b.size_bytes = crate::record::RECORD_BATCH_OVERHEAD
                    + (u64::from(records) * u64::from(b.compression.ratio_permille()) / 1000)
                        as u32;
                seg.append(Rc::new(b), self.config.index_interval_bytes);
            }
            seg.maybe_append_time_index();
            rewritten.push(seg);
        }
        // Segments merged into their group's first are gone.
        outcome.segments_deleted = (cleaned.len() - rewritten.len()) as u32;
        let at = cleaned.start;
        self.segments.splice(at..at, rewritten);
        self.cleaner_checkpoint = Some(end);
        outcome
    }

    /// `Cleaner.groupSegmentsBySize`: counts of consecutive segments in `range` whose
    /// sizes together stay within `segment.bytes` and whose indexes within
    /// `segment.index.bytes`, and whose offsets fit a segment's 32-bit relative offsets.
    fn group_by_size(
        &self,
        range: core::ops::Range<usize>,
        first_uncleanable: Offset,
    ) -> Vec<usize> {
        let max_size = u64::from(self.config.segment_bytes);
        let max_index = u64::from(self.config.segment_index_bytes);
        let segs = &self.segments[range];
        let mut groups = Vec::new();
        let mut i = 0;
        while i < segs.len() {
            let first = &segs[i];
            let mut size = first.size_bytes;
            let mut index = first.offset_index.len() as u64 * 8;
            let mut time_index = first.time_index.len() as u64 * 12;
            let mut n = 1;
            while let Some(next) = segs.get(i + n) {
                // `lastOffsetForFirstSegment`: estimated from the segment after it.
                let last = segs
                    .get(i + n + 1)
                    .map_or(first_uncleanable, |s| s.base_offset)
                    .0
                    - 1;
                let group_last_base = segs[i + n - 1].base_offset.0;
                let fits = size + next.size_bytes <= max_size
                    && index + next.offset_index.len() as u64 * 8 <= max_index
                    && time_index + next.time_index.len() as u64 * 12 <= max_index
                    && (next.size_bytes == 0 || last - group_last_base <= i64::from(i32::MAX));
                if !fits {
                    break;
                }
                size += next.size_bytes;
                index += next.offset_index.len() as u64 * 8;
                time_index += next.time_index.len() as u64 * 12;
                n += 1;
            }
            groups.push(n);
            i += n;
        }
        groups
    }
}

/// A compacted log as the cleaner weighs it (`LogToClean`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogToClean {
    /// Where the dirty part begins: the cleaner's checkpoint, or the log start.
    pub first_dirty_offset: Offset,
    /// The base offset of the first segment the cleaner may not touch.
    pub first_uncleanable_offset: Offset,
    /// Bytes of the segments below the dirty part.
    pub clean_bytes: u64,
    /// Bytes of the segments of the dirty part.
    pub cleanable_bytes: u64,
    /// `max.compaction.lag.ms` has passed for a dirty record.
    pub need_compaction_now: bool,
}

impl LogToClean {
    pub fn total_bytes(&self) -> u64 {
        self.clean_bytes + self.cleanable_bytes
    }

    /// `grabFilthiestCompactedLog`'s filter: dirty records past `max.compaction.lag.ms`,
    /// or a dirty ratio above `min.cleanable.dirty.ratio`.
    pub fn is_cleanable(&self, min_ratio_permille: u32) -> bool {
        (self.need_compaction_now && self.cleanable_bytes > 0)
            || u128::from(self.cleanable_bytes) * 1000
                > u128::from(min_ratio_permille) * u128::from(self.total_bytes())
    }

    /// Orders logs by dirty ratio (`cleanable / total`), exactly.
    pub fn cmp_ratio(&self, other: &LogToClean) -> core::cmp::Ordering {
        let a = u128::from(self.cleanable_bytes) * u128::from(other.total_bytes().max(1));
        let b = u128::from(other.cleanable_bytes) * u128::from(self.total_bytes().max(1));
        a.cmp(&b)
    }
}
