//! The producer client: `KafkaProducer.send`, the `RecordAccumulator` and the `Sender`.
//!
//! `send()` picks a partition (explicit, a partitioner class, the key's murmur2, or the
//! built-in sticky partitioner of KIP-794) and appends the record to the last batch of the
//! partition's deque, opening a new batch when it does not fit; a new batch needs
//! `max(batch.size, record upper bound)` bytes of `buffer.memory`, and `send()` blocks up to
//! `max.block.ms` when there are not enough. The sender drains a batch when it is full or
//! has waited `linger.ms` (`retry.backoff.ms` after a failure), one batch per partition per
//! request, up to `max.request.size`, to leaders with fewer than
//! `max.in.flight.requests.per.connection` requests outstanding. Failed batches are retried
//! at the front of their deque while `retries` and `delivery.timeout.ms` allow; a request
//! unanswered for `request.timeout.ms` closes the connection.
//!
//! With `max.in.flight.requests.per.connection > 1` and no idempotence, a retried batch can
//! land after a later one: Kafka reorders records then, and so does kscope.

use crate::partition_map::PartitionMap;
use crate::vecmap::{VecMap, VecSet};
use alloc::collections::VecDeque;
use alloc::rc::Rc;
use alloc::vec::Vec;

use crate::config::{Acks, ProducerConfig, SimConfig};
use crate::ctx::{Ctx, Due};
use crate::event::CommandError;
use crate::event::{Event, KafkaError};
use crate::ids::{
    BatchId, BrokerId, MessageId, NodeId, Offset, ProducerId, TopicId, TopicPartition,
};
use crate::log::StoredRecord;
use crate::metadata::Topic;
use crate::murmur2::partition_for_key;
use crate::network::{
    any_group_response, any_request, FrozenBatch, Message, Payload, ProduceRequest,
};
use crate::partitioner::{
    BuiltInPartitioner, PartitionerKind, RoundRobinPartitioner, StickyPartitionCache,
    StickyPartitionInfo,
};
use crate::record::{CompressionType, Header, RecordShape, RECORD_BATCH_OVERHEAD};
use crate::time::{Duration, Instant};

/// What the application passes to `send()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProduceRecord {
    pub topic: TopicId,
    pub partition: Option<u32>,
    pub key: Option<Rc<[u8]>>,
    /// `None` is a null value (a tombstone).
    pub value_len: Option<u32>,
    pub headers: Vec<Header>,
    /// `None` takes the producer's clock (CreateTime).
    pub timestamp_ms: Option<i64>,
}

impl ProduceRecord {
    fn shape(&self) -> RecordShape {
        RecordShape {
            key: self.key.clone(),
            value_len: self.value_len,
            headers: self.headers.clone(),
        }
    }
}

/// A batch in the accumulator (`ProducerBatch` with its `MemoryRecordsBuilder`).
#[derive(Clone, Debug)]
pub struct ProducerBatch {
    pub id: BatchId,
    pub partition: TopicPartition,
    pub records: Vec<StoredRecord>,
    /// Each record's key, value and headers bytes, for a split to size it again.
    payloads: Vec<u32>,
    pub created_at: Instant,
    base_timestamp_ms: i64,
    max_timestamp_ms: i64,
    write_limit: u32,
    uncompressed_bytes: u32,
    compression: CompressionType,
    estimated_ratio_permille: u32,
    closed: bool,
    /// How many times it was sent and failed.
    pub attempts: u32,
    pub last_attempt_at: Instant,
    /// How long it waits before its next attempt (drawn when it failed, KIP-580).
    pub retry_backoff: Duration,
    /// The broker its last attempt went to.
    sent_to: Option<BrokerId>,
    allocated: u64,
    frozen: Option<Rc<FrozenBatch>>,
    /// The idempotent producer's sequence of the first record, once assigned at the
    /// first drain; a retry keeps it unless the epoch was bumped.
    pub base_sequence: Option<i32>,
    /// The producer epoch the sequence belongs to.
    pub producer_epoch: i16,
}

/// Kafka's `COMPRESSION_RATE_ESTIMATION_FACTOR`, in thousandths.
const ESTIMATION_FACTOR_PERMILLE: u64 = 1050;

impl ProducerBatch {
    /// `MemoryRecordsBuilder.estimatedBytesWritten`.
    pub fn estimated_size(&self) -> u32 {
        if self.compression == CompressionType::None {
            RECORD_BATCH_OVERHEAD + self.uncompressed_bytes
        } else {
            RECORD_BATCH_OVERHEAD
                + (u64::from(self.uncompressed_bytes)
                    * u64::from(self.estimated_ratio_permille)
                    * ESTIMATION_FACTOR_PERMILLE
                    / 1_000_000) as u32
        }
    }

    /// The size on the wire once closed: the compression model's real ratio.
    pub fn actual_size(&self) -> u32 {
        RECORD_BATCH_OVERHEAD
            + (u64::from(self.uncompressed_bytes) * u64::from(self.compression.ratio_permille())
                / 1000) as u32
    }

    /// `isFull`: closed for appends, or at the write limit.
    pub fn is_full(&self) -> bool {
        self.closed || (!self.records.is_empty() && self.write_limit <= self.estimated_size())
    }

    /// `MemoryRecordsBuilder.hasRoomFor`: the record's size in this batch if it fits.
    fn room_for(&self, shape: &RecordShape, timestamp_ms: i64) -> Option<u32> {
        self.room_for_payload(shape.payload_size(), timestamp_ms)
    }

    /// [`Self::room_for`] for a record whose key, value and headers take `payload` bytes.
    fn room_for_payload(&self, payload: u32, timestamp_ms: i64) -> Option<u32> {
        if self.is_full() {
            return None;
        }
        if self.records.is_empty() {
            return Some(crate::record::record_size(payload, 0, 0));
        }
        let size = crate::record::record_size(
            payload,
            self.records.len() as i32,
            timestamp_ms - self.base_timestamp_ms,
        );
        (self.write_limit >= self.estimated_size() + size).then_some(size)
    }

    /// Appends a record of `size` bytes (from [`Self::room_for`]); returns the growth of
    /// the estimated size (what the sticky partitioner counts).
    fn append(
        &mut self,
        id: crate::ids::RecordId,
        shape: &RecordShape,
        timestamp_ms: i64,
        size: u32,
    ) -> u32 {
        let before = if self.records.is_empty() {
            0
        } else {
            self.estimated_size()
        };
        let record = StoredRecord {
            id,
            offset_delta: 0,
            key: shape.key.clone(),
            value_len: shape.value_len,
            headers: (!shape.headers.is_empty()).then(|| Rc::from(&shape.headers[..])),
            timestamp_ms,
        };
        self.push(record, shape.payload_size(), size);
        self.estimated_size() - before
    }

    /// Adds a record of `size` bytes at the end (its offset delta is set here), the
    /// first one setting the batch's base timestamp.
    fn push(&mut self, record: StoredRecord, payload: u32, size: u32) {
        if self.records.is_empty() {
            self.base_timestamp_ms = record.timestamp_ms;
        }
        self.uncompressed_bytes += size;
        self.max_timestamp_ms = self.max_timestamp_ms.max(record.timestamp_ms);
        self.payloads.push(payload);
        self.records.push(StoredRecord {
            offset_delta: self.records.len() as u32,
            ..record
        });
    }

    /// `ProducerBatch.split`: the records of a batch the broker refused as too large,
    /// re-appended in order into new batches of `batch_size` bytes (or one record's upper
    /// bound) sized with the compression `estimate` given, each keeping the original
    /// creation time, sequences following on from the original's.
    fn split(&self, batch_size: u32, estimate: u32, next_id: &mut u64) -> Vec<ProducerBatch> {
        let frozen = self
            .frozen
            .as_ref()
            .map_or(&self.records[..], |f| &f.records[..]);
        let mut out: Vec<ProducerBatch> = Vec::new();
        for (r, &payload) in frozen.iter().zip(&self.payloads) {
            let fits = out
                .last()
                .and_then(|b| b.room_for_payload(payload, r.timestamp_ms));
            let size = match fits {
                Some(size) => size,
                None => {
                    let upper =
                        RECORD_BATCH_OVERHEAD + crate::record::MAX_RECORD_OVERHEAD + payload;
                    out.push(ProducerBatch {
                        id: BatchId(*next_id),
                        partition: self.partition,
                        records: Vec::new(),
                        payloads: Vec::new(),
                        created_at: self.created_at,
                        base_timestamp_ms: r.timestamp_ms,
                        max_timestamp_ms: r.timestamp_ms,
                        write_limit: batch_size.max(upper),
                        uncompressed_bytes: 0,
                        compression: self.compression,
                        estimated_ratio_permille: estimate,
                        closed: false,
                        attempts: 0,
                        last_attempt_at: self.last_attempt_at,
                        retry_backoff: Duration::ZERO,
                        sent_to: None,
                        allocated: 0,
                        frozen: None,
                        base_sequence: None,
                        producer_epoch: self.producer_epoch,
                    });
                    *next_id += 1;
                    crate::record::record_size(payload, 0, 0)
                }
            };
            let b = out.last_mut().expect("just made");
            b.push(r.clone(), payload, size);
        }
        if let Some(mut sequence) = self.base_sequence {
            for b in &mut out {
                b.base_sequence = Some(sequence);
                sequence = crate::idempotence::increment_sequence(sequence, b.records.len() as i32);
            }
        }
        out
    }

    /// Closes the batch and gives the form it travels in, with the producer's id, epoch
    /// and the batch's sequence (-1s when not idempotent). Sequences are assigned before
    /// the first drain, so the first frozen form serves every retry, unless an epoch
    /// bump rewrites them ([`ProducerBatch::reset_producer_state`]).
    fn freeze(&mut self, producer_id: i64, transactional: bool) -> Rc<FrozenBatch> {
        if self.frozen.is_none() {
            self.closed = true;
            let idempotent = self.base_sequence.is_some();
            self.frozen = Some(Rc::new(FrozenBatch {
                id: self.id,
                partition: self.partition,
                records: Rc::from(core::mem::take(&mut self.records)),
                size_bytes: self.actual_size(),
                compression: self.compression,
                max_timestamp_ms: self.max_timestamp_ms,
                producer_id: if idempotent { producer_id } else { -1 },
                producer_epoch: if idempotent { self.producer_epoch } else { -1 },
                base_sequence: self.base_sequence.unwrap_or(-1),
                transactional: transactional && idempotent,
            }));
        }
        self.frozen.clone().expect("just set")
    }

    /// `ProducerBatch.resetProducerState`: the batch restarts in a bumped epoch at a new
    /// sequence (KIP-360), and travels so from its next attempt on.
    fn reset_producer_state(&mut self, epoch: i16, sequence: i32) {
        self.producer_epoch = epoch;
        self.base_sequence = Some(sequence);
        if let Some(f) = &self.frozen {
            self.frozen = Some(Rc::new(FrozenBatch {
                producer_epoch: epoch,
                base_sequence: sequence,
                ..(**f).clone()
            }));
        }
    }

    /// The form the batch travels in, once it was drained for the first time.
    pub fn frozen_for_send(&self) -> Option<&FrozenBatch> {
        self.frozen.as_deref()
    }

    /// Records in the batch, before or after it was frozen for sending.
    pub fn record_total(&self) -> u32 {
        self.frozen
            .as_ref()
            .map_or(self.records.len() as u32, |f| f.records.len() as u32)
    }

    /// The records, whether or not the batch was frozen.
    pub fn record_ids(&self) -> impl Iterator<Item = crate::ids::RecordId> + '_ {
        let frozen = self.frozen.as_ref().map(|f| &f.records[..]).unwrap_or(&[]);
        self.records.iter().chain(frozen.iter()).map(|r| r.id)
    }
}

/// The client's connection to one broker.
#[derive(Clone, Debug, Default)]
pub struct NodeState {
    pub in_flight: u32,
    pub reconnect_at: Option<Instant>,
    failures: u32,
    drain_index: usize,
    ready_time: Instant,
    drain_time: Instant,
}

/// A produce request awaiting its response.
#[derive(Clone, Debug)]
pub struct InFlightRequest {
    pub to: BrokerId,
    pub sent_at: Instant,
    pub batches: Vec<ProducerBatch>,
}

/// The idempotent producer's sequence bookkeeping for one partition (`TxnPartitionEntry`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionSequences {
    /// The epoch these sequences belong to; an older one is reset once nothing of it is
    /// in flight.
    pub epoch: i16,
    pub next_sequence: i32,
    pub last_acked_sequence: i32,
}

/// The idempotent producer's client state (Kafka's `TransactionManager` for a producer
/// without a `transactional.id`).
#[derive(Clone, Debug, Default)]
pub struct IdempotentState {
    /// The producer id and epoch, once InitProducerId answered.
    pub producer_id: Option<(i64, i16)>,
    init_request: Option<(MessageId, Instant)>,
    pub partitions: VecMap<TopicPartition, PartitionSequences>,
    /// Partitions with a batch given up on after it was sent: whether the broker has it is
    /// unknown until the partition's other sequenced batches are done
    /// (`partitionsWithUnresolvedSequences`).
    pub unresolved: VecSet<TopicPartition>,
}

/// A `send()` waiting for `buffer.memory`.
#[derive(Clone, Debug)]
pub(crate) struct BlockedSend {
    record: ProduceRecord,
    partition: Option<u32>,
    deadline: Instant,
}

/// The producer client.
#[derive(Clone, Debug)]
pub struct Producer {
    pub id: ProducerId,
    pub config: ProducerConfig,
    /// The leader of each partition, as the client's metadata last said.
    pub metadata: VecMap<TopicPartition, Option<BrokerId>>,
    /// Per topic, the partitions with a known leader, rebuilt when metadata changes.
    available: Vec<Rc<[u32]>>,
    partition_counts: Vec<u32>,
    pub(crate) metadata_stale: bool,
    /// Nanoseconds of one core spent compressing the batches it closed (see
    /// [`CompressionType`]'s figures).
    pub compression_ns: u64,
    metadata_request: Option<(MessageId, Instant)>,
    pub deques: PartitionMap<VecDeque<ProducerBatch>>,
    pub in_flight: VecMap<MessageId, InFlightRequest>,
    pub nodes: VecMap<BrokerId, NodeState>,
    muted: VecSet<TopicPartition>,
    /// Bytes of `buffer.memory` in use.
    pub buffer_used: u64,
    pub(crate) blocked: VecDeque<BlockedSend>,
    builtin: Vec<BuiltInPartitioner>,
    legacy: Vec<StickyPartitionCache>,
    round_robin: Vec<RoundRobinPartitioner>,
    compression_estimate: Vec<u32>,
    next_batch: u64,
    pub(crate) wake_scheduled: Option<Instant>,
    keys: VecMap<u32, Rc<[u8]>>,
    /// Set when a deque or the metadata changed: adaptive partitioning's queue sizes need
    /// recomputing at the next `ready()`.
    adaptive_dirty: bool,
    /// Whether the producer is idempotent (`enable.idempotence` as Kafka resolves it).
    pub idempotent: bool,
    pub idempotence: IdempotentState,
    /// The numbers the partitioners draw (seeded; sequential in conformance tests).
    pub(crate) partitioner_random: crate::rng::PartitionerRandom,
    /// The brokers the client knows it can connect to (`bootstrap.servers`, then the
    /// metadata's), in id order.
    pub(crate) brokers: Vec<BrokerId>,
    /// The retries' jitter (KIP-580's ±20%), from the simulation's seed.
    backoff_rng: crate::rng::Rng,
    /// With a `transactional.id`: its transactions.
    pub txn: Option<crate::txn::TxnClient>,
    /// Whether its process runs ([`Producer::crash`] stops it; a restart is a new client).
    running: bool,
    /// How many times its process was started again after a crash.
    pub incarnation: u32,
    /// When its process started: what was sent to it before went to an earlier process's
    /// connections, which died with it.
    pub(crate) started_at: Instant,
}

enum AppendResult {
    Appended,
    AbortForNewBatch,
    Blocked,
}

impl Producer {
    pub(crate) fn new(
        id: ProducerId,
        config: &SimConfig,
        partitioner_random: crate::rng::PartitionerRandom,
        backoff_rng: crate::rng::Rng,
    ) -> Producer {
        let topics = config.topics.len();
        Producer {
            id,
            config: config.producer.clone(),
            metadata: VecMap::new(),
            available: alloc::vec![Rc::from(Vec::new()); topics],
            partition_counts: config.topics.iter().map(|t| t.partitions).collect(),
            metadata_stale: false,
            metadata_request: None,
            deques: PartitionMap::new(),
            in_flight: VecMap::new(),
            nodes: VecMap::new(),
            muted: VecSet::new(),
            buffer_used: 0,
            blocked: VecDeque::new(),
            builtin: (0..topics)
                .map(|_| BuiltInPartitioner::new(config.producer.batch_size))
                .collect(),
            legacy: alloc::vec![StickyPartitionCache::default(); topics],
            round_robin: alloc::vec![RoundRobinPartitioner::default(); topics],
            compression_estimate: alloc::vec![1000; topics],
            compression_ns: 0,
            next_batch: 0,
            wake_scheduled: None,
            keys: VecMap::new(),
            adaptive_dirty: true,
            idempotent: config.producer.idempotence().unwrap_or(false),
            idempotence: IdempotentState::default(),
            partitioner_random,
            brokers: (0..config.brokers).map(BrokerId).collect(),
            backoff_rng,
            txn: config
                .producer
                .transactional_id
                .as_deref()
                .filter(|_| crate::broker::TXN)
                .map(crate::txn::TxnClient::new),
            running: true,
            incarnation: 0,
            started_at: Instant::ZERO,
        }
    }

    /// The application's process dies, its producer with it: the batches in the
    /// accumulator and the requests in flight are gone, and the records whose fate it had
    /// not learned are abandoned (requests already on the wire still reach their
    /// brokers). A transaction it left open stays open until the coordinator aborts it:
    /// when a new producer with the same `transactional.id` calls `initTransactions()`,
    /// or after `transaction.timeout.ms`.
    pub(crate) fn crash(&mut self, cx: &mut Ctx) {
        let queued = self.deques.values().flat_map(|d| d.iter());
        let sent = self.in_flight.values().flat_map(|r| r.batches.iter());
        for batch in queued.chain(sent) {
            for id in batch.record_ids() {
                cx.ledger.on_abandoned(id);
            }
        }
        self.running = false;
        self.deques = PartitionMap::new();
        self.in_flight.clear();
        self.blocked.clear();
        self.buffer_used = 0;
        cx.emit(Event::ProducerCrashed { producer: self.id });
    }

    pub(crate) fn refresh_metadata_from(&mut self, topics: &[Topic]) {
        for (t, topic) in topics.iter().enumerate() {
            for (p, state) in topic.partitions.iter().enumerate() {
                self.metadata.insert(
                    TopicPartition::new(TopicId(t as u32), p as u32),
                    state.leader,
                );
            }
        }
        self.rebuild_available();
    }

    fn rebuild_available(&mut self) {
        self.adaptive_dirty = true;
        for t in 0..self.partition_counts.len() {
            let topic = TopicId(t as u32);
            let n = self.partition_counts[t];
            let list: Vec<u32> = (0..n)
                .filter(|p| {
                    self.metadata
                        .get(&TopicPartition::new(topic, *p))
                        .is_some_and(|l| l.is_some())
                })
                .collect();
            self.available[t] = Rc::from(list);
        }
    }

    /// Whether its process runs. Only a build with transactions crashes producers, so in
    /// one without, the answer is known when it is compiled.
    pub fn is_running(&self) -> bool {
        !crate::broker::TXN || self.running
    }

    /// True while `send()` is blocked on `buffer.memory`.
    pub fn is_blocked(&self) -> bool {
        !self.blocked.is_empty()
    }

    pub(crate) fn workload_key(&mut self, i: u32) -> Rc<[u8]> {
        self.keys
            .entry(i)
            .or_insert_with(|| Rc::from(alloc::format!("key-{i}").into_bytes()))
            .clone()
    }

    /// Partitions whose leader the client knows, in metadata order
    /// (`availablePartitionsForTopic`).
    fn available(&self, topic: TopicId) -> Rc<[u32]> {
        self.available[topic.0 as usize].clone()
    }

    fn all_batches_full(&self, tp: TopicPartition) -> bool {
        self.deques
            .get(&tp)
            .and_then(|d| d.back())
            .is_none_or(|b| b.is_full())
    }

    /// The partition keyless records of `topic` go to now, for the sticky partitioners
    /// (KIP-794's built-in one, or KIP-480's cache); `None` before the first keyless
    /// record or for round robin.
    pub fn sticky_partition(&self, topic: TopicId) -> Option<u32> {
        let t = topic.0 as usize;
        match self.config.partitioner {
            PartitionerKind::BuiltIn => self.builtin.get(t)?.current_partition(),
            PartitionerKind::UniformSticky | PartitionerKind::LegacyDefault => {
                self.legacy.get(t)?.current()
            }
            PartitionerKind::RoundRobin => None,
        }
    }

    /// Batches waiting in the accumulator, over all partitions.
    pub fn queued_batches(&self) -> usize {
        self.deques.values().map(|d| d.len()).sum()
    }
}

impl Producer {
    /// `KafkaProducer.send`.
    pub(crate) fn send(
        &mut self,
        cx: &mut Ctx,
        topics: &[Topic],
        record: ProduceRecord,
    ) -> Result<(), CommandError> {
        let topic = topics.get(record.topic.0 as usize).ok_or_else(|| {
            CommandError(alloc::format!(
                "Topic {} not present in metadata.",
                record.topic.0
            ))
        })?;
        let n = topic.partitions.len() as u32;
        if let Some(p) = record.partition {
            if p >= n {
                return Err(CommandError(alloc::format!(
                    "Invalid partition given with record: {p} is not in the range [0...{n})."
                )));
            }
        }
        if let Some(t) = &self.txn {
            if t.state != crate::txn::TxnClientState::InTransaction {
                return Err(CommandError(
                    if t.state < crate::txn::TxnClientState::Ready {
                        alloc::string::String::from("Cannot perform a 'send' before completing a call to initTransactions when transactions are enabled.")
                    } else {
                        alloc::format!("Cannot call send in state {}", t.state.name())
                    },
                ));
            }
        }
        let shape = record.shape();
        let size = shape.batch_size_upper_bound();
        let max_request = self.config.max_request_size;
        if size > max_request {
            return Err(CommandError(alloc::format!(
                "The message is {size} bytes when serialized which is larger than {max_request}, which is the value of the max.request.size configuration."
            )));
        }
        if u64::from(size) > self.config.buffer_memory {
            return Err(CommandError(alloc::format!(
                "The message is {size} bytes when serialized which is larger than the total memory buffer you have configured with the buffer.memory configuration."
            )));
        }
        let partition = self.choose_partition(&record);
        if self.is_blocked() {
            let deadline = cx.now + Duration::from_millis(self.config.max_block_ms);
            self.blocked.push_back(BlockedSend {
                record,
                partition,
                deadline,
            });
            return Ok(());
        }
        if let Some((record, partition)) = self.send_with_partition(cx, record, shape, partition) {
            let deadline = cx.now + Duration::from_millis(self.config.max_block_ms);
            self.blocked.push_back(BlockedSend {
                record,
                partition,
                deadline,
            });
            cx.emit(Event::ProducerBlocked);
        }
        Ok(())
    }

    /// Partition choice before the accumulator: explicit, partitioner class, or key hash.
    /// `None` leaves it to the built-in sticky partitioner.
    fn choose_partition(&mut self, record: &ProduceRecord) -> Option<u32> {
        if record.partition.is_some() {
            return record.partition;
        }
        let t = record.topic.0 as usize;
        let n = self.partition_counts[t];
        let kind = self.config.partitioner;
        if kind == PartitionerKind::BuiltIn
            && (record.key.is_none() || self.config.partitioner_ignore_keys)
        {
            return None;
        }
        let available = self.available(record.topic);
        match kind {
            PartitionerKind::RoundRobin => Some(self.round_robin[t].partition(&available, n)),
            PartitionerKind::UniformSticky => {
                Some(self.legacy[t].partition(&available, n, &mut self.partitioner_random))
            }
            PartitionerKind::LegacyDefault | PartitionerKind::BuiltIn => match &record.key {
                Some(k) if !self.config.partitioner_ignore_keys || kind.is_custom_class() => {
                    Some(partition_for_key(k, n))
                }
                _ if kind == PartitionerKind::LegacyDefault => {
                    Some(self.legacy[t].partition(&available, n, &mut self.partitioner_random))
                }
                _ => None,
            },
        }
    }

    /// The rest of `send()`: the append, with Kafka's abort-on-new-batch dance for
    /// partitioner classes (which is how `RoundRobinPartitioner` skips partitions,
    /// KAFKA-9965).
    fn send_with_partition(
        &mut self,
        cx: &mut Ctx,
        record: ProduceRecord,
        shape: RecordShape,
        partition: Option<u32>,
    ) -> Option<(ProduceRecord, Option<u32>)> {
        let custom = self.config.partitioner.is_custom_class() && record.partition.is_none();
        let mut partition = partition;
        let mut result = self.accumulator_append(cx, &record, &shape, partition, custom);
        if let AppendResult::AbortForNewBatch = result {
            let t = record.topic.0 as usize;
            let n = self.partition_counts[t];
            let available = self.available(record.topic);
            let prev = partition;
            // `onNewBatch`: only the KIP-480 sticky partitioners react.
            if matches!(
                self.config.partitioner,
                PartitionerKind::UniformSticky | PartitionerKind::LegacyDefault
            ) {
                self.legacy[t].next_partition(prev, &available, n, &mut self.partitioner_random);
            }
            partition = self.choose_partition(&record);
            result = self.accumulator_append(cx, &record, &shape, partition, false);
        }
        match result {
            AppendResult::Blocked => Some((record, partition)),
            _ => None,
        }
    }

    /// `RecordAccumulator.append`.
    fn accumulator_append(
        &mut self,
        cx: &mut Ctx,
        record: &ProduceRecord,
        shape: &RecordShape,
        partition: Option<u32>,
        abort_on_new_batch: bool,
    ) -> AppendResult {
        let topic = record.topic;
        let t = topic.0 as usize;
        let n = self.partition_counts[t];
        let timestamp = record.timestamp_ms.unwrap_or(cx.now.millis() as i64);
        let available = self.available(topic);
        loop {
            let (p, info) = match partition {
                Some(p) => (p, None),
                None => {
                    let info =
                        self.builtin[t].peek_current(&available, n, &mut self.partitioner_random);
                    (info.partition, Some(info))
                }
            };
            let tp = TopicPartition::new(topic, p);
            if self.partition_changed(tp, info, &available, n) {
                continue;
            }
            if let Some(appended) = self.try_append(cx, tp, shape, timestamp) {
                self.update_sticky(tp, info, appended, &available, n);
                return AppendResult::Appended;
            }
            if abort_on_new_batch {
                return AppendResult::AbortForNewBatch;
            }
            let size = u64::from(self.config.batch_size.max(shape.batch_size_upper_bound()));
            if self.buffer_used + size > self.config.buffer_memory {
                return AppendResult::Blocked;
            }
            if self.partition_changed(tp, info, &available, n) {
                continue;
            }
            self.buffer_used += size;
            let id = BatchId(self.next_batch);
            self.next_batch += 1;
            let compression = self.config.compression_type;
            // Room for as many records of this size as the batch can take, so appends
            // do not reallocate.
            let expected = (size as u32 / shape.size_in_batch(0, 0).max(1)).clamp(1, 4096);
            let batch = ProducerBatch {
                id,
                partition: tp,
                records: Vec::with_capacity(expected as usize),
                payloads: Vec::with_capacity(expected as usize),
                created_at: cx.now,
                base_timestamp_ms: timestamp,
                max_timestamp_ms: timestamp,
                write_limit: size as u32,
                uncompressed_bytes: 0,
                compression,
                estimated_ratio_permille: self.compression_estimate[t],
                closed: false,
                attempts: 0,
                last_attempt_at: cx.now,
                retry_backoff: Duration::ZERO,
                sent_to: None,
                allocated: size,
                frozen: None,
                base_sequence: None,
                producer_epoch: -1,
            };
            self.deques.or_default(tp).push_back(batch);
            self.adaptive_dirty = true;
            cx.emit(Event::BatchCreated {
                batch: id,
                partition: tp,
            });
            let appended = self
                .try_append(cx, tp, shape, timestamp)
                .expect("an empty batch takes any record");
            self.update_sticky(tp, info, appended, &available, n);
            return AppendResult::Appended;
        }
    }

    /// `RecordAccumulator.partitionChanged`: another append moved the sticky partition, or
    /// a switch deferred while the last batch had room can now happen.
    fn partition_changed(
        &mut self,
        tp: TopicPartition,
        info: Option<StickyPartitionInfo>,
        available: &[u32],
        n: u32,
    ) -> bool {
        let Some(info) = info else { return false };
        let t = tp.topic.0 as usize;
        if self.builtin[t].is_partition_changed(info) {
            return true;
        }
        if self.all_batches_full(tp) {
            self.builtin[t].update_partition_info(
                info,
                0,
                true,
                available,
                n,
                &mut self.partitioner_random,
            );
            return self.builtin[t].is_partition_changed(info);
        }
        false
    }

    fn update_sticky(
        &mut self,
        tp: TopicPartition,
        info: Option<StickyPartitionInfo>,
        appended: u32,
        available: &[u32],
        n: u32,
    ) {
        if let Some(info) = info {
            let enable_switch = self.all_batches_full(tp);
            self.builtin[tp.topic.0 as usize].update_partition_info(
                info,
                appended,
                enable_switch,
                available,
                n,
                &mut self.partitioner_random,
            );
        }
    }

    /// `RecordAccumulator.tryAppend`: into the last batch if it has room, closing it if
    /// not.
    fn try_append(
        &mut self,
        cx: &mut Ctx,
        tp: TopicPartition,
        shape: &RecordShape,
        timestamp: i64,
    ) -> Option<u32> {
        let last = self.deques.get_mut(&tp)?.back_mut()?;
        let Some(size) = last.room_for(shape, timestamp) else {
            last.closed = true;
            return None;
        };
        let id = cx.ledger.on_sent(tp, cx.now);
        if let Some(t) = self.txn.as_mut() {
            t.records.push(id);
        }
        let last = self.deques.get_mut(&tp)?.back_mut()?;
        let appended = last.append(id, shape, timestamp, size);
        cx.emit(Event::RecordSent {
            record: id,
            partition: tp,
        });
        Some(appended)
    }

    /// The sender's loop, run whenever something changed for the producer.
    pub(crate) fn poll(&mut self, cx: &mut Ctx) {
        self.unblock_sends(cx);
        self.maybe_request_metadata(cx);
        self.expire_batches(cx);
        self.expire_requests(cx);
        self.maybe_resolve_sequences(cx);
        self.update_adaptive_stats();
        if crate::broker::TXN && self.txn.is_some() && !self.txn_poll(cx) {
            self.schedule_wake(cx);
            return;
        }
        if self.idempotent && self.idempotence.producer_id.is_none() {
            // Nothing is sent before the producer has its id (InitProducerId).
            self.maybe_init_producer_id(cx);
            self.schedule_wake(cx);
            return;
        }
        // The real sender thread loops as long as it finds work: keep draining while a
        // pass sent something (each pass takes at least one batch out of a deque).
        loop {
            let ready = self.ready_nodes(cx);
            let mut sent = false;
            for node in ready {
                sent |= self.drain_and_send(cx, node);
            }
            if !sent {
                break;
            }
        }
        self.schedule_wake(cx);
    }

    fn unblock_sends(&mut self, cx: &mut Ctx) {
        while let Some(front) = self.blocked.front() {
            if cx.now >= front.deadline {
                self.blocked.pop_front();
                cx.ledger.on_failed_before_batch();
                cx.emit(Event::RecordsFailed {
                    partition: None,
                    records: 1,
                    error: KafkaError::BufferExhaustedTimeout,
                });
                continue;
            }
            let send = self.blocked.pop_front().expect("just looked");
            let shape = send.record.shape();
            if let Some((record, partition)) =
                self.send_with_partition(cx, send.record, shape, send.partition)
            {
                // Still no room: it keeps its place and its deadline.
                self.blocked.push_front(BlockedSend {
                    record,
                    partition,
                    deadline: send.deadline,
                });
                return;
            }
            if self.blocked.is_empty() {
                cx.emit(Event::ProducerUnblocked);
            }
        }
    }

    fn maybe_request_metadata(&mut self, cx: &mut Ctx) {
        if let Some((_, sent)) = self.metadata_request {
            if cx.now.since(sent) >= Duration::from_millis(self.config.request_timeout_ms) {
                self.metadata_request = None;
            } else {
                return;
            }
        }
        if !self.metadata_stale {
            return;
        }
        let target = self.least_loaded_node(cx);
        if let Some(b) = target {
            let id = cx.send(
                NodeId::Producer(self.id),
                NodeId::Broker(b),
                Payload::MetadataRequest,
            );
            self.metadata_request = Some((id, cx.now));
        }
    }

    /// `NetworkClient.leastLoadedNode`: a broker the client may connect to now, with the
    /// fewest requests in flight.
    pub(crate) fn least_loaded_node(&self, cx: &Ctx) -> Option<BrokerId> {
        let now = cx.now;
        self.brokers
            .iter()
            .copied()
            .filter(|b| {
                self.nodes
                    .get(b)
                    .and_then(|n| n.reconnect_at)
                    .is_none_or(|t| t <= now)
            })
            .min_by_key(|b| self.nodes.get(b).map_or(0, |n| n.in_flight))
    }

    fn maybe_init_producer_id(&mut self, cx: &mut Ctx) {
        let timeout = Duration::from_millis(self.config.request_timeout_ms);
        if let Some((_, sent)) = self.idempotence.init_request {
            if cx.now.since(sent) < timeout {
                return;
            }
        }
        if let Some(b) = self.least_loaded_node(cx) {
            let id = cx.send(
                NodeId::Producer(self.id),
                NodeId::Broker(b),
                Payload::InitProducerIdRequest {
                    transactional_id: None,
                    transaction_timeout_ms: 0,
                },
            );
            self.idempotence.init_request = Some((id, cx.now));
        }
    }

    /// KIP-360: the idempotent producer bumps its own epoch when a sequence of `tp`
    /// cannot be resolved, and `tp`'s batches that already have sequences (in flight or
    /// waiting to be retried) restart at 0 in the new epoch, in their order
    /// (`TransactionManager.startSequencesAtBeginning`); other partitions restart at 0
    /// once their in-flight batches of the old epoch are done.
    fn bump_epoch_for(&mut self, cx: &mut Ctx, tp: TopicPartition) {
        self.bump_epoch(cx);
        let Some((_, epoch)) = self.idempotence.producer_id else {
            return;
        };
        // Where each sequenced batch of `tp` is: (old epoch, old sequence, in flight?,
        // request or deque position, index in the request).
        let mut places: Vec<(i16, i32, bool, usize, usize)> = Vec::new();
        for (r, req) in self.in_flight.values().enumerate() {
            for (i, b) in req.batches.iter().enumerate() {
                if let (true, Some(seq)) = (b.partition == tp, b.base_sequence) {
                    places.push((b.producer_epoch, seq, true, r, i));
                }
            }
        }
        if let Some(dq) = self.deques.get(&tp) {
            for (i, b) in dq.iter().enumerate() {
                if let Some(seq) = b.base_sequence {
                    places.push((b.producer_epoch, seq, false, i, 0));
                }
            }
        }
        crate::java::sort_small_by_key(&mut places, |p| (p.0, p.1));
        let mut next = 0i32;
        for (_, _, in_flight, at, i) in places {
            let batch = if in_flight {
                let req = self.in_flight.values_mut().nth(at).expect("listed");
                &mut req.batches[i]
            } else {
                &mut self.deques.get_mut(&tp).expect("listed")[at]
            };
            batch.reset_producer_state(epoch, next);
            next = crate::idempotence::increment_sequence(next, batch.record_total() as i32);
        }
        self.idempotence.partitions.insert(
            tp,
            PartitionSequences {
                epoch,
                next_sequence: next,
                last_acked_sequence: -1,
            },
        );
    }

    fn bump_epoch(&mut self, cx: &mut Ctx) {
        if let Some((pid, epoch)) = self.idempotence.producer_id {
            let epoch = epoch.checked_add(1).unwrap_or(0);
            self.idempotence.producer_id = Some((pid, epoch));
            cx.emit(Event::ProducerIdAssigned {
                producer_id: pid,
                epoch,
                bumped: true,
            });
        }
    }

    /// `TransactionManager.maybeResolveSequences`: a partition with a sequence given up on
    /// is resolved once none of its sequenced batches is in flight or waiting to be
    /// retried. If the batches after it were acknowledged (the next sequence follows the
    /// last acknowledged one), nothing is lost and the epoch stays; otherwise the
    /// producer bumps its epoch and the partition starts again at sequence 0.
    fn maybe_resolve_sequences(&mut self, cx: &mut Ctx) {
        let unresolved: Vec<TopicPartition> = self.idempotence.unresolved.iter().copied().collect();
        for tp in unresolved {
            let in_flight = self
                .in_flight
                .values()
                .flat_map(|r| r.batches.iter())
                .chain(self.deques.get(&tp).into_iter().flatten())
                .any(|b| b.partition == tp && b.base_sequence.is_some());
            if in_flight {
                continue;
            }
            self.idempotence.unresolved.remove(&tp);
            let next_follows = self
                .idempotence
                .partitions
                .get(&tp)
                .is_some_and(|s| s.next_sequence.wrapping_sub(s.last_acked_sequence) == 1);
            if !next_follows {
                self.bump_epoch(cx);
            }
        }
    }

    /// The lowest sequence of `tp` in flight in the current epoch, and whether anything
    /// of an older epoch is in flight.
    fn in_flight_sequences(&self, tp: TopicPartition, epoch: i16) -> (Option<i32>, bool) {
        let mut first: Option<i32> = None;
        let mut stale = false;
        for b in self.in_flight.values().flat_map(|r| r.batches.iter()) {
            if b.partition != tp {
                continue;
            }
            if let Some(seq) = b.base_sequence {
                if b.producer_epoch == epoch {
                    first = Some(first.map_or(seq, |f| f.min(seq)));
                } else {
                    stale = true;
                }
            }
        }
        (first, stale)
    }

    /// `RecordAccumulator.shouldStopDrainBatchesForPartition` for the idempotent
    /// producer: false if the partition's first batch must wait.
    fn prepare_idempotent_drain(&mut self, tp: TopicPartition) -> bool {
        let Some((_, epoch)) = self.idempotence.producer_id else {
            return false;
        };
        let Some(first) = self.deques.get(&tp).and_then(|d| d.front()) else {
            return false;
        };
        if let (Some(seq), first_epoch) = (first.base_sequence, first.producer_epoch) {
            // A retry keeps its epoch and sequence: giving it new ones could append it a
            // second time if its first attempt was in fact written. It goes only when it is
            // the lowest of its partition in flight, which keeps the order.
            let (first_in_flight, _) = self.in_flight_sequences(tp, first_epoch);
            return first_in_flight.is_none_or(|f| f == seq);
        }
        if self.idempotence.unresolved.contains(&tp) {
            // No new batch goes while an earlier sequence's fate is unknown
            // (`RecordAccumulator.shouldStopDrainBatchesForPartition`).
            return false;
        }
        let (_, stale_in_flight) = self.in_flight_sequences(tp, epoch);
        if stale_in_flight {
            // Batches of an older epoch are still out: a new sequence 0 could land
            // before them.
            return false;
        }
        let fresh = PartitionSequences {
            epoch,
            next_sequence: 0,
            last_acked_sequence: -1,
        };
        let entry = self
            .idempotence
            .partitions
            .entry(tp)
            .or_insert_with(|| fresh.clone());
        if entry.epoch != epoch {
            *entry = fresh;
        }
        true
    }

    /// Gives a batch drained for the first time its sequence numbers.
    fn assign_sequence(&mut self, batch: &mut ProducerBatch) {
        let Some((_, epoch)) = self.idempotence.producer_id else {
            return;
        };
        if batch.base_sequence.is_some() {
            return;
        }
        let count = batch.record_total() as i32;
        let entry = self
            .idempotence
            .partitions
            .get_mut(&batch.partition)
            .expect("prepared before the drain");
        batch.base_sequence = Some(entry.next_sequence);
        batch.producer_epoch = epoch;
        entry.next_sequence = crate::idempotence::increment_sequence(entry.next_sequence, count);
    }

    fn delivery_expired(&self, cx: &Ctx, batch: &ProducerBatch) -> bool {
        cx.now.since(batch.created_at) >= Duration::from_millis(self.config.delivery_timeout_ms)
    }

    /// Batches past `delivery.timeout.ms`, queued or in flight, fail.
    fn expire_batches(&mut self, cx: &mut Ctx) {
        let timeout = Duration::from_millis(self.config.delivery_timeout_ms);
        let now = cx.now;
        let mut expired = Vec::new();
        for dq in self.deques.values_mut() {
            while dq
                .front()
                .is_some_and(|b| now.since(b.created_at) >= timeout)
            {
                expired.push(dq.pop_front().expect("just looked"));
            }
        }
        if !expired.is_empty() {
            self.adaptive_dirty = true;
        }
        for req in self.in_flight.values_mut() {
            let mut i = 0;
            while i < req.batches.len() {
                if now.since(req.batches[i].created_at) >= timeout {
                    expired.push(req.batches.remove(i));
                } else {
                    i += 1;
                }
            }
        }
        for b in expired {
            self.fail_batch(cx, b, KafkaError::DeliveryTimeout);
        }
    }

    /// Requests past `request.timeout.ms`: the connection is closed, the timed-out request
    /// fails with `RequestTimedOut` and the others on it with `NetworkException`.
    fn expire_requests(&mut self, cx: &mut Ctx) {
        let timeout = Duration::from_millis(self.config.request_timeout_ms);
        let now = cx.now;
        let timed_out: Vec<(MessageId, BrokerId)> = self
            .in_flight
            .iter()
            .filter(|(_, r)| now.since(r.sent_at) >= timeout)
            .map(|(id, r)| (*id, r.to))
            .collect();
        for (id, node) in timed_out {
            if self.in_flight.contains_key(&id) {
                cx.emit(Event::RequestTimedOut {
                    from: NodeId::Producer(self.id),
                    to: NodeId::Broker(node),
                });
                self.disconnect(cx, node, Some(id));
            }
        }
    }

    /// Closes the connection to `node`, failing everything in flight on it.
    fn disconnect(&mut self, cx: &mut Ctx, node: BrokerId, timed_out: Option<MessageId>) {
        let requests: Vec<MessageId> = self
            .in_flight
            .iter()
            .filter(|(_, r)| r.to == node)
            .map(|(id, _)| *id)
            .collect();
        let state = self.nodes.entry(node).or_default();
        state.failures += 1;
        // reconnect.backoff.ms doubling up to reconnect.backoff.max.ms (1 s); Kafka's
        // 20% jitter is left out.
        let backoff = (self.config.reconnect_backoff_ms << (state.failures - 1).min(10)).min(1000);
        state.reconnect_at = Some(cx.now + Duration::from_millis(backoff));
        state.in_flight = 0;
        for id in requests {
            let error = if Some(id) == timed_out {
                KafkaError::RequestTimedOut
            } else {
                KafkaError::NetworkException
            };
            if let Some(req) = self.in_flight.remove(&id) {
                for b in req.batches {
                    self.complete_batch(cx, b, Err(error));
                }
            }
        }
        self.metadata_stale = true;
    }

    /// `RecordAccumulator.ready`: the leaders that have a sendable batch and a connection
    /// that can take another request.
    /// `ExponentialBackoff.backoff(attempts)` with Kafka's producer settings (KIP-580):
    /// `retry.backoff.ms` doubled per attempt up to `retry.backoff.max.ms`, times a
    /// random factor within ±20% (drawn from the seeded generator, once per retry), and
    /// never above the maximum.
    fn retry_backoff(&mut self, attempts: u32) -> Duration {
        let initial = self.config.retry_backoff_ms;
        let max = self.config.retry_backoff_max_ms.max(initial);
        // initial * 2^min(attempts, log2(max / initial)) is min(initial * 2^attempts, max).
        let term = initial
            .checked_shl(attempts.min(63))
            .filter(|t| *t >> attempts.min(63) == initial)
            .map_or(max, |t| t.min(max));
        // nextDouble(1 - jitter, 1 + jitter) with jitter 0.2, in thousandths.
        let factor = 800 + u64::from(self.backoff_rng.below(400));
        Duration::from_millis((term * factor / 1000).min(max))
    }

    /// `RecordAccumulator.shouldBackoff`: a retried batch waits out its backoff, unless
    /// its partition has a new leader since the attempt that failed (KIP-951, which the
    /// producer learns from its metadata here).
    fn backing_off(&self, batch: &ProducerBatch, now: Instant, leader: BrokerId) -> bool {
        let leader_changed = batch.sent_to.is_some_and(|b| b != leader);
        batch.attempts > 0
            && now.since(batch.last_attempt_at) < batch.retry_backoff
            && !leader_changed
    }

    fn ready_nodes(&mut self, cx: &mut Ctx) -> Vec<BrokerId> {
        let linger = Duration::from_millis(self.config.linger_ms);
        let exhausted = self.is_blocked();
        let now = cx.now;
        let mut ready = VecSet::new();
        for (tp, dq) in self.deques.iter() {
            let Some(first) = dq.front() else { continue };
            let leader = match self.metadata.get(&tp).copied().flatten() {
                Some(l) => l,
                None => {
                    self.metadata_stale = true;
                    continue;
                }
            };
            if ready.contains(&leader) || self.muted.contains(&tp) {
                continue;
            }
            let waited = now.since(first.last_attempt_at);
            let backing_off = self.backing_off(first, now, leader);
            let time_to_wait = if backing_off {
                first.retry_backoff
            } else {
                linger
            };
            let full = dq.len() > 1 || first.is_full();
            let expired = waited >= time_to_wait;
            if (full || expired || exhausted) && !backing_off {
                ready.insert(leader);
            }
        }
        let max_in_flight = self.config.max_in_flight_requests_per_connection;
        ready
            .into_iter()
            .filter(|b| {
                let state = self.nodes.entry(*b).or_default();
                state.ready_time = now;
                state.reconnect_at.is_none_or(|t| t <= now) && state.in_flight < max_in_flight
            })
            .collect()
    }

    /// Adaptive partitioning's queue-size weights, rebuilt in `ready()` once the topic has
    /// a deque for every partition.
    fn update_adaptive_stats(&mut self) {
        if !self.config.partitioner_adaptive_partitioning_enable
            || self.config.partitioner.is_custom_class()
        {
            return;
        }
        let timeout = self.config.partitioner_availability_timeout_ms;
        // Queue sizes change only with the deques and the metadata; node latencies matter
        // only with an availability timeout.
        if timeout == 0 && !self.adaptive_dirty {
            return;
        }
        self.adaptive_dirty = false;
        for t in 0..self.partition_counts.len() {
            let topic = TopicId(t as u32);
            let n = self.partition_counts[t];
            let deques = (0..n)
                .filter(|p| self.deques.contains_key(&TopicPartition::new(topic, *p)))
                .count() as u32;
            if deques < n {
                self.builtin[t].update_partition_load_stats(None, &[], 0);
                continue;
            }
            let mut inputs = Vec::new();
            for p in 0..n {
                let tp = TopicPartition::new(topic, p);
                let Some(leader) = self.metadata.get(&tp).copied().flatten() else {
                    continue;
                };
                let node = self.nodes.get(&leader);
                let latency = node.map_or(0, |s| s.ready_time.since(s.drain_time).millis());
                let excluded = timeout > 0 && latency > timeout;
                inputs.push((p, self.deques[&tp].len() as u32, excluded));
            }
            let (sizes, ids, length) = crate::partitioner::adaptive_inputs(&inputs);
            self.builtin[t].update_partition_load_stats(Some(&sizes), &ids, length);
        }
    }

    /// `RecordAccumulator.drainBatchesForOneNode` and `Sender.sendProduceRequest`.
    fn drain_and_send(&mut self, cx: &mut Ctx, node: BrokerId) -> bool {
        let parts: Vec<TopicPartition> = self
            .metadata
            .iter()
            .filter(|(_, l)| **l == Some(node))
            .map(|(tp, _)| *tp)
            .collect();
        if parts.is_empty() {
            return false;
        }
        let max_size = self.config.max_request_size;
        let order = self.config.max_in_flight_requests_per_connection == 1;
        let now = cx.now;
        let mut size = 0u32;
        let mut drained: Vec<ProducerBatch> = Vec::new();
        // `RecordAccumulator.drainBatchesForOneNode`: each node's drain index is stored
        // before it moves on (`updateDrainIndex`), so the next drain starts at the last
        // partition looked at (one that did not fit is first next time), and a partition
        // that must wait stops the whole node's drain for this round.
        let start = self.nodes.entry(node).or_default().drain_index % parts.len();
        let mut index = start;
        let mut visited = start;
        for _ in 0..parts.len() {
            let tp = parts[index];
            visited = index;
            index = (index + 1) % parts.len();
            if self.muted.contains(&tp) {
                continue;
            }
            let Some(first) = self.deques.get(&tp).and_then(|d| d.front()) else {
                continue;
            };
            if self.backing_off(first, now, node) {
                continue;
            }
            if self.idempotent && !self.prepare_idempotent_drain(tp) {
                break;
            }
            let dq = self.deques.get_mut(&tp).expect("looked at above");
            let first = dq.front().expect("looked at above");
            let batch_size = first
                .frozen
                .as_ref()
                .map_or(first.actual_size(), |f| f.size_bytes);
            if size.saturating_add(batch_size) > max_size && !drained.is_empty() {
                break;
            }
            let mut batch = dq.pop_front().expect("just looked");
            self.adaptive_dirty = true;
            if batch.frozen.is_none()
                && batch.compression != CompressionType::None
                && batch.uncompressed_bytes > 0
            {
                // The application's threads compressed its records as they were
                // appended (`MemoryRecordsBuilder` writes through the codec's stream).
                self.compression_ns += batch
                    .compression
                    .compress_ns(u64::from(batch.uncompressed_bytes));
                // Closing a batch teaches the estimator the codec's real ratio
                // (`CompressionRatioEstimator.updateEstimation`).
                let observed = batch.compression.ratio_permille();
                let estimate = &mut self.compression_estimate[tp.topic.0 as usize];
                if observed < *estimate {
                    *estimate = (*estimate - 5).max(observed);
                } else if observed > *estimate {
                    *estimate = (*estimate + 50).max(observed);
                }
            }
            if self.idempotent {
                self.assign_sequence(&mut batch);
            }
            let producer_id = self.idempotence.producer_id.map_or(-1, |(p, _)| p);
            batch.freeze(producer_id, self.txn.is_some());
            batch.sent_to = Some(node);
            size += batch_size;
            if order {
                self.muted.insert(tp);
            }
            drained.push(batch);
        }
        let state = self.nodes.entry(node).or_default();
        state.drain_index = visited;
        if drained.is_empty() {
            return false;
        }
        state.drain_time = now;
        for b in &drained {
            cx.emit(Event::BatchDrained {
                batch: b.id,
                partition: b.partition,
                records: b.record_total(),
                size_bytes: b.frozen.as_ref().map_or(0, |f| f.size_bytes),
                attempt: b.attempts + 1,
                base_sequence: b.base_sequence,
            });
        }
        let acks = self.config.acks;
        let frozen: Vec<Rc<FrozenBatch>> = drained
            .iter()
            .map(|b| b.frozen.clone().expect("frozen on drain"))
            .collect();
        let id = cx.send(
            NodeId::Producer(self.id),
            NodeId::Broker(node),
            Payload::ProduceRequest(ProduceRequest {
                transactional_id: self.txn.as_ref().map(|t| t.transactional_id.clone()),
                acks,
                timeout_ms: self.config.request_timeout_ms,
                batches: frozen,
            }),
        );
        if acks == Acks::None {
            // No response will come: the batches are done once sent.
            for b in drained {
                self.complete_batch(cx, b, Ok(None));
            }
        } else {
            self.nodes.entry(node).or_default().in_flight += 1;
            self.in_flight.insert(
                id,
                InFlightRequest {
                    to: node,
                    sent_at: now,
                    batches: drained,
                },
            );
        }
        true
    }

    /// `Sender.completeBatch`: success, retry at the front of the deque, or failure.
    fn complete_batch(
        &mut self,
        cx: &mut Ctx,
        mut batch: ProducerBatch,
        result: Result<Option<Offset>, KafkaError>,
    ) {
        self.muted.remove(&batch.partition);
        match result {
            Ok(base) => {
                if let (Some(seq), Some(entry)) = (
                    batch.base_sequence,
                    self.idempotence.partitions.get_mut(&batch.partition),
                ) {
                    if entry.epoch == batch.producer_epoch {
                        let last = crate::idempotence::increment_sequence(
                            seq,
                            batch.record_total() as i32 - 1,
                        );
                        entry.last_acked_sequence = entry.last_acked_sequence.max(last);
                    }
                }
                let transactional = batch.frozen.as_ref().is_some_and(|f| f.transactional);
                if let Some(t) = self.txn.as_mut().filter(|_| transactional) {
                    // Its leader verified the partition with the coordinator, which added
                    // it to the transaction (KIP-890).
                    t.started = true;
                }
                let frozen = batch.frozen.clone().expect("sent batches are frozen");
                for (i, r) in frozen.records.iter().enumerate() {
                    cx.ledger
                        .on_acknowledged(r.id, base.map(|b| Offset(b.0 + i as i64)), cx.now);
                }
                cx.emit(Event::BatchAcknowledged {
                    batch: batch.id,
                    partition: batch.partition,
                    base_offset: base,
                });
                self.buffer_used -= batch.allocated;
            }
            Err(KafkaError::RecordTooLarge) if batch.record_total() > 1 => {
                self.split_and_reenqueue(cx, batch)
            }
            Err(error) => {
                if error.invalidates_metadata() {
                    self.metadata_stale = true;
                }
                let mut bump = false;
                let retriable = match error {
                    // `TransactionManager.canRetry` for an idempotent producer: a batch
                    // that is not the next expected one waits for the earlier ones; if it
                    // is the next one, the sequence has a real gap, and the epoch is bumped.
                    KafkaError::OutOfOrderSequenceNumber if self.idempotent => {
                        let next = self
                            .idempotence
                            .partitions
                            .get(&batch.partition)
                            .filter(|e| e.epoch == batch.producer_epoch)
                            .map(|e| {
                                crate::idempotence::increment_sequence(e.last_acked_sequence, 1)
                            });
                        bump = next.is_none() || next == batch.base_sequence;
                        true
                    }
                    e => e.is_retriable(),
                };
                if retriable
                    && batch.attempts < self.config.retries
                    && !self.delivery_expired(cx, &batch)
                {
                    batch.attempts += 1;
                    batch.last_attempt_at = cx.now;
                    batch.retry_backoff = self.retry_backoff(batch.attempts - 1);
                    cx.emit(Event::BatchRetried {
                        batch: batch.id,
                        error,
                        attempt: batch.attempts,
                    });
                    let tp = batch.partition;
                    self.reenqueue(batch);
                    if bump {
                        self.bump_epoch_for(cx, tp);
                    }
                } else {
                    // fail_batch bumps the epoch for a sequence it leaves unresolved.
                    self.fail_batch(cx, batch, error);
                }
            }
        }
    }

    /// `Sender.completeBatch` on `MESSAGE_TOO_LARGE` for a batch of several records, and
    /// `RecordAccumulator.splitAndReenqueue`: the topic's compression estimate goes back to
    /// 1.0 (no compression assumed, or the batch's own ratio if worse), the batch is split
    /// by `batch.size` with it, and the parts go to the front of the queue (in sequence
    /// order for the idempotent producer) as batches never tried: the split uses no
    /// retry. Their buffers are allocated outside `buffer.memory`, as Kafka's are.
    fn split_and_reenqueue(&mut self, cx: &mut Ctx, batch: ProducerBatch) {
        let t = batch.partition.topic.0 as usize;
        let ratio = batch.compression.ratio_permille().max(1000);
        if let Some(e) = self.compression_estimate.get_mut(t) {
            *e = ratio;
        }
        let parts = batch.split(self.config.batch_size, ratio, &mut self.next_batch);
        self.buffer_used -= batch.allocated;
        cx.emit(Event::BatchSplit {
            batch: batch.id,
            partition: batch.partition,
            into: parts.iter().map(|b| b.id).collect(),
        });
        for part in parts.into_iter().rev() {
            self.reenqueue(part);
        }
    }

    /// `RecordAccumulator.reenqueue`: at the front of the deque, or, for the idempotent
    /// producer, in sequence order among the other retried batches.
    fn reenqueue(&mut self, batch: ProducerBatch) {
        let idempotent = self.idempotent;
        let dq = self.deques.or_default(batch.partition);
        let position = match batch.base_sequence {
            Some(seq) if idempotent => dq
                .iter()
                .position(|b| {
                    b.base_sequence
                        .is_none_or(|s| b.producer_epoch != batch.producer_epoch || s > seq)
                })
                .unwrap_or(dq.len()),
            _ => 0,
        };
        dq.insert(position, batch);
        self.adaptive_dirty = true;
    }

    pub(crate) fn fail_batch(&mut self, cx: &mut Ctx, batch: ProducerBatch, error: KafkaError) {
        // A sent batch given up on leaves its sequence unresolved: the idempotent
        // producer bumps its epoch so the partition can start again at 0 (KIP-360).
        if crate::broker::TXN && self.txn.is_some() {
            // A transactional producer does not bump its own epoch: the transaction
            // aborts.
            self.on_txn_batch_failed(error);
        } else if self.idempotent
            && batch.base_sequence.is_some()
            && self.idempotence.producer_id.map(|(_, e)| e) == Some(batch.producer_epoch)
        {
            // Its sequence is unresolved (`TransactionManager.markSequenceUnresolved`):
            // `maybe_resolve_sequences` decides once the partition's other sequenced
            // batches are done whether the epoch must be bumped.
            self.idempotence.unresolved.insert(batch.partition);
        }
        self.muted.remove(&batch.partition);
        let ids: Vec<_> = batch.record_ids().collect();
        for id in &ids {
            cx.ledger.on_failed(*id, error);
        }
        cx.emit(Event::RecordsFailed {
            partition: Some(batch.partition),
            records: ids.len() as u32,
            error,
        });
        self.buffer_used -= batch.allocated;
    }

    pub(crate) fn receive(&mut self, cx: &mut Ctx, message: Message) {
        let (id, kind, to) = (message.id, message.payload.kind(), message.to);
        let from = match message.from {
            NodeId::Broker(b) => b,
            // Only brokers answer the producer.
            NodeId::Producer(_) | NodeId::Consumer(_) => return cx.misrouted(&message),
        };
        if crate::broker::TXN && self.txn_receive(cx, from, &message.payload) {
            return self.poll(cx);
        }
        match message.payload {
            Payload::ProduceResponse { request, results } => {
                let Some(req) = self.in_flight.remove(&request) else {
                    // The answer to a request the producer gave up on (its connection was
                    // closed after a timeout or a reset): dropped, as the client drops a
                    // response whose correlation id it no longer knows.
                    return;
                };
                let state = self.nodes.entry(from).or_default();
                state.in_flight = state.in_flight.saturating_sub(1);
                state.failures = 0;
                for batch in req.batches {
                    let result = results
                        .iter()
                        .find(|(_, id, _)| *id == batch.id)
                        .map_or(Err(KafkaError::NetworkException), |(_, _, r)| r.map(Some));
                    self.complete_batch(cx, batch, result);
                }
            }
            Payload::MetadataResponse {
                request,
                partitions,
            } => {
                if self.metadata_request.map(|(id, _)| id) != Some(request) {
                    // The answer to a Metadata request given up on: dropped.
                    return;
                }
                self.metadata_request = None;
                self.metadata_stale = false;
                for (tp, leader, _) in partitions {
                    // Partitions added to a topic: the partitioners use the new count.
                    if let Some(n) = self.partition_counts.get_mut(tp.topic.0 as usize) {
                        *n = (*n).max(tp.partition + 1);
                    }
                    self.metadata.insert(tp, leader);
                }
                self.rebuild_available();
            }
            Payload::InitProducerIdResponse {
                request,
                producer_id,
                epoch,
                ..
            } => {
                if self.idempotence.init_request.map(|(id, _)| id) != Some(request) {
                    // An answer to an InitProducerId the producer gave up on: dropped.
                    return self.poll(cx);
                }
                self.idempotence.init_request = None;
                self.idempotence.producer_id = Some((producer_id, epoch));
                cx.emit(Event::ProducerIdAssigned {
                    producer_id,
                    epoch,
                    bumped: false,
                });
            }
            Payload::ConnectionReset { request } => {
                if self.metadata_request.map(|(id, _)| id) == Some(request) {
                    self.metadata_request = None;
                }
                if self.idempotence.init_request.map(|(id, _)| id) == Some(request) {
                    self.idempotence.init_request = None;
                }
                if self.in_flight.contains_key(&request) || self.metadata_request.is_none() {
                    self.disconnect(cx, from, None);
                }
            }
            any_request!()
            | any_group_response!()
            | crate::network::any_txn_response!()
            | Payload::FetchResponse { .. } => {
                return cx.misrouted_parts(id, kind, to);
            }
        }
        self.poll(cx);
    }

    /// The next instant the sender has something to do, scheduled once.
    fn schedule_wake(&mut self, cx: &mut Ctx) {
        let p = &*self;
        let linger = Duration::from_millis(p.config.linger_ms);
        let delivery = Duration::from_millis(p.config.delivery_timeout_ms);
        let request = Duration::from_millis(p.config.request_timeout_ms);
        // Only future deadlines: what is due now was handled by this poll, or waits for
        // an event (a response, a reconnect) that polls again.
        let now = cx.now;
        let mut next = Instant::MAX;
        let mut consider = |t: Instant| {
            if t > now {
                next = next.min(t);
            }
        };
        for dq in p.deques.values() {
            if let Some(first) = dq.front() {
                let wait = if first.attempts > 0 {
                    first.retry_backoff
                } else {
                    linger
                };
                consider(first.last_attempt_at + wait);
                consider(first.created_at + delivery);
            }
        }
        for r in p.in_flight.values() {
            consider(r.sent_at + request);
            for b in &r.batches {
                consider(b.created_at + delivery);
            }
        }
        for n in p.nodes.values() {
            if let Some(t) = n.reconnect_at {
                consider(t);
            }
        }
        if let Some(b) = p.blocked.front() {
            consider(b.deadline);
        }
        if let Some((_, sent)) = p.metadata_request {
            consider(sent + request);
        }
        if let Some((_, sent)) = p.idempotence.init_request {
            consider(sent + request);
        }
        if let Some(t) = p.txn_wake().filter(|_| crate::broker::TXN) {
            consider(t);
        }
        if next == Instant::MAX {
            return;
        }
        if self.wake_scheduled.is_none_or(|t| next < t) {
            self.wake_scheduled = Some(next);
            cx.schedule(next, Due::ProducerWake(self.id));
        }
    }
}
