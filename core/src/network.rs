//! The simulated network: every request and response is a [`Message`] in flight with the
//! instant it was sent and the instant it will arrive, so the stage can draw it moving
//! without the core knowing anything about motion. Links can be cut and healed, given
//! their own latency, and told to drop or delay their next message.

use crate::vecmap::VecMap;
use crate::vecmap::VecSet;
use alloc::rc::Rc;
use alloc::vec::Vec;

use crate::config::Acks;
use crate::event::{KafkaError, MessageKind};
use crate::ids::{BatchId, BrokerId, LeaderEpoch, MessageId, NodeId, Offset, TopicPartition};
use crate::log::{StoredBatch, StoredRecord};
use crate::time::{Duration, Instant};

/// A producer batch as it travels in produce requests, shared by every attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrozenBatch {
    pub id: BatchId,
    pub partition: TopicPartition,
    pub records: Rc<[StoredRecord]>,
    pub size_bytes: u32,
    /// The codec of its `attributes`.
    pub compression: crate::record::CompressionType,
    pub max_timestamp_ms: i64,
    /// -1 unless the producer is idempotent.
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
    /// Written inside a transaction (`attributes` bit 4).
    pub transactional: bool,
}

/// One partition of a follower's fetch request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchPartition {
    pub partition: TopicPartition,
    pub fetch_offset: Offset,
    /// The epoch of the follower's last batch (KIP-320 truncation by fetch).
    pub last_fetched_epoch: Option<LeaderEpoch>,
    pub current_leader_epoch: LeaderEpoch,
}

/// One partition of a fetch response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchPartitionData {
    pub partition: TopicPartition,
    pub error: Option<KafkaError>,
    pub high_watermark: Offset,
    pub log_start_offset: Offset,
    pub log_end_offset: Offset,
    /// The leader's last matching epoch and where it ended, when the follower's log
    /// diverges from the leader's.
    pub diverging_epoch: Option<(LeaderEpoch, Offset)>,
    /// The last stable offset (KIP-98): a `read_committed` fetch reads below it.
    pub last_stable_offset: Offset,
    /// For a `read_committed` fetch, the aborted transactions among the batches: each
    /// producer id and its transaction's first offset (`AbortedTransactions`).
    pub aborted: Vec<(i64, Offset)>,
    pub batches: Vec<Rc<StoredBatch>>,
}

/// What a message carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    ProduceRequest(ProduceRequest),
    ProduceResponse {
        request: MessageId,
        results: Vec<(TopicPartition, BatchId, Result<Offset, KafkaError>)>,
    },
    FetchRequest {
        /// How long the leader may hold the fetch for data (`replica.fetch.wait.max.ms`,
        /// `fetch.max.wait.ms`).
        max_wait_ms: u64,
        /// The most bytes per partition (`replica.fetch.max.bytes`,
        /// `max.partition.fetch.bytes`).
        partition_max_bytes: u32,
        /// The most bytes of the whole response (`replica.fetch.response.max.bytes`,
        /// `fetch.max.bytes`).
        max_bytes: u32,
        /// The fewest bytes worth answering before the wait is over
        /// (`replica.fetch.min.bytes`, `fetch.min.bytes`).
        min_bytes: u32,
        /// `isolation.level=read_committed`: records below the last stable offset only,
        /// with the aborted transactions listed.
        read_committed: bool,
        partitions: Vec<FetchPartition>,
    },
    FetchResponse {
        request: MessageId,
        partitions: Vec<FetchPartitionData>,
    },
    MetadataRequest,
    MetadataResponse {
        request: MessageId,
        partitions: Vec<(TopicPartition, Option<BrokerId>, LeaderEpoch)>,
    },
    /// To any broker from an idempotent producer; to the transaction coordinator, with
    /// the `transactional.id` and `transaction.timeout.ms`, from a transactional one.
    InitProducerIdRequest {
        transactional_id: Option<Rc<str>>,
        transaction_timeout_ms: u64,
    },
    InitProducerIdResponse {
        request: MessageId,
        producer_id: i64,
        epoch: i16,
        error: Option<KafkaError>,
    },
    /// A dead process's kernel refusing or resetting the connection a request used.
    ConnectionReset {
        request: MessageId,
    },
    /// The coordinator of a group (key type 0) or of a `transactional.id` (key type 1).
    FindCoordinatorRequest {
        group: Rc<str>,
        transaction: bool,
    },
    FindCoordinatorResponse {
        request: MessageId,
        coordinator: Result<BrokerId, KafkaError>,
    },
    JoinGroupRequest(Rc<JoinGroup>),
    JoinGroupResponse {
        request: MessageId,
        result: Result<Rc<JoinGroupResult>, JoinGroupError>,
    },
    SyncGroupRequest(SyncGroupRequest),
    SyncGroupResponse {
        request: MessageId,
        result: Result<Vec<TopicPartition>, KafkaError>,
    },
    HeartbeatRequest(HeartbeatRequest),
    HeartbeatResponse {
        request: MessageId,
        error: Option<KafkaError>,
    },
    LeaveGroupRequest(LeaveGroupRequest),
    LeaveGroupResponse {
        request: MessageId,
    },
    OffsetCommitRequest(OffsetCommitRequest),
    OffsetCommitResponse {
        request: MessageId,
        error: Option<KafkaError>,
    },
    OffsetFetchRequest {
        group: Rc<str>,
        partitions: Vec<TopicPartition>,
    },
    OffsetFetchResponse {
        request: MessageId,
        result: Result<Vec<(TopicPartition, Option<Offset>)>, KafkaError>,
    },
    /// The earliest (log start) or latest offset of partitions this broker leads: the
    /// high watermark, or for a `read_committed` consumer the last stable offset.
    ListOffsetsRequest {
        read_committed: bool,
        partitions: Vec<(TopicPartition, bool)>,
    },
    ListOffsetsResponse {
        request: MessageId,
        results: Vec<(TopicPartition, Result<Offset, KafkaError>)>,
    },
    /// KIP-320: for each partition, with the leader epoch the asker believes current, the
    /// epoch of its position; the leader answers where that epoch ends in its log.
    OffsetsForLeaderEpochRequest {
        partitions: Vec<EpochQuery>,
    },
    /// The largest epoch at most the one asked and its end offset, `None` when the leader
    /// has no such epoch.
    OffsetsForLeaderEpochResponse {
        request: MessageId,
        results: Vec<(TopicPartition, EpochEndResult)>,
    },
    /// KIP-890 (transaction version 2): a partition leader, before appending a
    /// producer's first transactional batch to a partition, adds the partition to the
    /// producer's transaction at its coordinator (AddPartitionsToTxn v5 from a broker).
    AddPartitionsToTxnRequest(Rc<TxnPartitions>),
    AddPartitionsToTxnResponse {
        request: MessageId,
        error: Option<KafkaError>,
    },
    /// `commitTransaction()` or `abortTransaction()` at the coordinator.
    EndTxnRequest {
        transactional_id: Rc<str>,
        producer_id: i64,
        epoch: i16,
        commit: bool,
    },
    /// With transaction version 2 the coordinator bumped the epoch: the producer's next
    /// transaction uses the one it returns.
    EndTxnResponse {
        request: MessageId,
        error: Option<KafkaError>,
        producer_id: i64,
        epoch: i16,
    },
    /// The coordinator to a partition leader: append a COMMIT or ABORT marker for the
    /// producer to each partition.
    WriteTxnMarkersRequest(Rc<TxnMarkers>),
    WriteTxnMarkersResponse {
        request: MessageId,
        results: Vec<(TopicPartition, Option<KafkaError>)>,
    },
    /// `sendOffsetsToTransaction(offsets, groupMetadata)` (KIP-98, KIP-447): a
    /// transactional producer stores a group's offsets at the group coordinator inside
    /// its transaction; they count as committed only when the transaction commits. With
    /// transaction version 2 (KIP-890) the producer sends no `AddOffsetsToTxn` first: the
    /// coordinator's partition joins the transaction as a produced partition does.
    TxnOffsetCommitRequest(Rc<TxnOffsetCommit>),
    TxnOffsetCommitResponse {
        request: MessageId,
        error: Option<KafkaError>,
    },
}

/// Without transactions nothing sends a `TxnOffsetCommit`: no value of it exists (and
/// the first build carries no code for one).
#[cfg(not(feature = "transactions"))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TxnOffsetCommit {}

/// A transactional producer's offsets for a group (`TxnOffsetCommit` v5), with the
/// group's generation and member id from the consumer's `groupMetadata()` (KIP-447: a
/// member fenced by a rebalance cannot commit).
#[cfg(feature = "transactions")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxnOffsetCommit {
    pub transactional_id: Rc<str>,
    pub group: Rc<str>,
    pub producer_id: i64,
    pub epoch: i16,
    pub generation: i32,
    pub member_id: Rc<str>,
    pub offsets: Vec<(TopicPartition, Offset)>,
}

/// The partitions a transactional producer writes to, as a leader asks its coordinator
/// to add them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxnPartitions {
    pub transactional_id: Rc<str>,
    pub producer_id: i64,
    pub epoch: i16,
    pub partitions: Vec<TopicPartition>,
}

/// Markers a coordinator asks one leader to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxnMarkers {
    pub producer_id: i64,
    pub epoch: i16,
    pub commit: bool,
    pub coordinator_epoch: i32,
    pub partitions: Vec<TopicPartition>,
}

/// A leader's answer about one epoch: the largest epoch at most the one asked and where it
/// ends, `None` when it has no such epoch.
pub type EpochEndResult = Result<Option<(LeaderEpoch, Offset)>, KafkaError>;

/// One partition of a validation: the leader epoch the asker believes current, and the
/// epoch of its position.
pub type EpochQuery = (TopicPartition, LeaderEpoch, LeaderEpoch);

/// A produce request: its `acks`, how long the leader may wait for them, and one
/// batch per partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProduceRequest {
    /// The producer's `transactional.id`, if it has one.
    pub transactional_id: Option<Rc<str>>,
    pub acks: Acks,
    pub timeout_ms: u64,
    pub batches: Vec<Rc<FrozenBatch>>,
}

/// A SyncGroup request; the leader brings every member's assignment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncGroupRequest {
    pub group: Rc<str>,
    pub member_id: Rc<str>,
    pub generation: i32,
    /// The leader's assignment; empty from the other members.
    pub assignments: Vec<(Rc<str>, Vec<TopicPartition>)>,
}

/// A member's heartbeat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeartbeatRequest {
    pub group: Rc<str>,
    pub member_id: Rc<str>,
    pub generation: i32,
}

/// A member leaving its group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaveGroupRequest {
    pub group: Rc<str>,
    pub member_id: Rc<str>,
}

/// An OffsetCommit request from a member of a generation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffsetCommitRequest {
    pub group: Rc<str>,
    pub member_id: Rc<str>,
    pub generation: i32,
    pub offsets: Vec<(TopicPartition, Offset)>,
}

/// A JoinGroup request: who the member is and what it asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinGroup {
    pub group: Rc<str>,
    /// Empty on a member's first join (KIP-394).
    pub member_id: Rc<str>,
    pub group_instance_id: Option<Rc<str>>,
    pub session_timeout_ms: u64,
    pub rebalance_timeout_ms: u64,
    /// `partition.assignment.strategy`: the protocols it supports, preferred first.
    pub protocols: crate::assignor::AssignorList,
    pub subscription: crate::assignor::Subscription,
}

/// A JoinGroup response: the generation, its leader, and (for the leader) every member's
/// subscription.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinGroupResult {
    pub generation: i32,
    pub protocol: crate::assignor::AssignorKind,
    pub leader: Rc<str>,
    pub member_id: Rc<str>,
    /// Empty unless the receiver is the leader; in the coordinator's member order.
    pub members: Vec<(Rc<str>, crate::assignor::Subscription)>,
    /// KIP-814: a static leader rejoining a stable group learns it leads (and watches the
    /// metadata again) without computing a new assignment.
    pub skip_assignment: bool,
}

/// A failed JoinGroup, with the member id the coordinator assigned, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinGroupError {
    pub error: KafkaError,
    pub member_id: Option<Rc<str>>,
}

/// A pattern that matches every request (what only brokers receive), for the actors'
/// exhaustive dispatch.
macro_rules! any_request {
    () => {
        $crate::network::Payload::ProduceRequest(_)
            | $crate::network::Payload::FetchRequest { .. }
            | $crate::network::Payload::MetadataRequest
            | $crate::network::Payload::InitProducerIdRequest { .. }
            | $crate::network::Payload::FindCoordinatorRequest { .. }
            | $crate::network::Payload::AddPartitionsToTxnRequest(_)
            | $crate::network::Payload::EndTxnRequest { .. }
            | $crate::network::Payload::WriteTxnMarkersRequest(_)
            | $crate::network::Payload::TxnOffsetCommitRequest(_)
            | $crate::network::Payload::JoinGroupRequest(_)
            | $crate::network::Payload::SyncGroupRequest(_)
            | $crate::network::Payload::HeartbeatRequest(_)
            | $crate::network::Payload::LeaveGroupRequest(_)
            | $crate::network::Payload::OffsetCommitRequest(_)
            | $crate::network::Payload::OffsetFetchRequest { .. }
            | $crate::network::Payload::ListOffsetsRequest { .. }
            | $crate::network::Payload::OffsetsForLeaderEpochRequest { .. }
    };
}
pub(crate) use any_request;

/// A pattern that matches every response of the consumer group protocol and of the
/// consumer's own requests (what only consumers receive).
macro_rules! any_group_response {
    () => {
        $crate::network::Payload::FindCoordinatorResponse { .. }
            | $crate::network::Payload::JoinGroupResponse { .. }
            | $crate::network::Payload::SyncGroupResponse { .. }
            | $crate::network::Payload::HeartbeatResponse { .. }
            | $crate::network::Payload::LeaveGroupResponse { .. }
            | $crate::network::Payload::OffsetCommitResponse { .. }
            | $crate::network::Payload::OffsetFetchResponse { .. }
            | $crate::network::Payload::ListOffsetsResponse { .. }
            | $crate::network::Payload::OffsetsForLeaderEpochResponse { .. }
    };
}
pub(crate) use any_group_response;

/// A pattern that matches every response of the transaction APIs.
macro_rules! any_txn_response {
    () => {
        $crate::network::Payload::AddPartitionsToTxnResponse { .. }
            | $crate::network::Payload::EndTxnResponse { .. }
            | $crate::network::Payload::WriteTxnMarkersResponse { .. }
            | $crate::network::Payload::TxnOffsetCommitResponse { .. }
    };
}
pub(crate) use any_txn_response;

impl Payload {
    pub fn kind(&self) -> MessageKind {
        match self {
            Payload::ProduceRequest(_) => MessageKind::ProduceRequest,
            Payload::ProduceResponse { .. } => MessageKind::ProduceResponse,
            Payload::FetchRequest { .. } => MessageKind::FetchRequest,
            Payload::FetchResponse { .. } => MessageKind::FetchResponse,
            Payload::MetadataRequest => MessageKind::MetadataRequest,
            Payload::MetadataResponse { .. } => MessageKind::MetadataResponse,
            Payload::InitProducerIdRequest { .. } => MessageKind::InitProducerIdRequest,
            Payload::InitProducerIdResponse { .. } => MessageKind::InitProducerIdResponse,
            Payload::ConnectionReset { .. } => MessageKind::ConnectionReset,
            Payload::FindCoordinatorRequest { .. } => MessageKind::FindCoordinatorRequest,
            Payload::FindCoordinatorResponse { .. } => MessageKind::FindCoordinatorResponse,
            Payload::JoinGroupRequest(_) => MessageKind::JoinGroupRequest,
            Payload::JoinGroupResponse { .. } => MessageKind::JoinGroupResponse,
            Payload::SyncGroupRequest(_) => MessageKind::SyncGroupRequest,
            Payload::SyncGroupResponse { .. } => MessageKind::SyncGroupResponse,
            Payload::HeartbeatRequest(_) => MessageKind::HeartbeatRequest,
            Payload::HeartbeatResponse { .. } => MessageKind::HeartbeatResponse,
            Payload::LeaveGroupRequest(_) => MessageKind::LeaveGroupRequest,
            Payload::LeaveGroupResponse { .. } => MessageKind::LeaveGroupResponse,
            Payload::OffsetCommitRequest(_) => MessageKind::OffsetCommitRequest,
            Payload::OffsetCommitResponse { .. } => MessageKind::OffsetCommitResponse,
            Payload::OffsetFetchRequest { .. } => MessageKind::OffsetFetchRequest,
            Payload::OffsetFetchResponse { .. } => MessageKind::OffsetFetchResponse,
            Payload::ListOffsetsRequest { .. } => MessageKind::ListOffsetsRequest,
            Payload::ListOffsetsResponse { .. } => MessageKind::ListOffsetsResponse,
            Payload::OffsetsForLeaderEpochRequest { .. } => {
                MessageKind::OffsetsForLeaderEpochRequest
            }
            Payload::OffsetsForLeaderEpochResponse { .. } => {
                MessageKind::OffsetsForLeaderEpochResponse
            }
            Payload::AddPartitionsToTxnRequest(_) => MessageKind::AddPartitionsToTxnRequest,
            Payload::AddPartitionsToTxnResponse { .. } => MessageKind::AddPartitionsToTxnResponse,
            Payload::EndTxnRequest { .. } => MessageKind::EndTxnRequest,
            Payload::EndTxnResponse { .. } => MessageKind::EndTxnResponse,
            Payload::WriteTxnMarkersRequest(_) => MessageKind::WriteTxnMarkersRequest,
            Payload::WriteTxnMarkersResponse { .. } => MessageKind::WriteTxnMarkersResponse,
            Payload::TxnOffsetCommitRequest(_) => MessageKind::TxnOffsetCommitRequest,
            Payload::TxnOffsetCommitResponse { .. } => MessageKind::TxnOffsetCommitResponse,
        }
    }

    /// Records a message carries, for the stage.
    pub fn records(&self) -> u32 {
        match self {
            Payload::ProduceRequest(ProduceRequest { batches, .. }) => {
                batches.iter().map(|b| b.records.len() as u32).sum()
            }
            Payload::FetchResponse { partitions, .. } => partitions
                .iter()
                .flat_map(|p| p.batches.iter())
                .map(|b| b.records.len() as u32)
                .sum(),
            _ => 0,
        }
    }
}

/// A message in flight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub id: MessageId,
    pub from: NodeId,
    pub to: NodeId,
    pub sent_at: Instant,
    pub deliver_at: Instant,
    pub payload: Payload,
}

/// A one-shot rule for the next message matching it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    pub from: NodeId,
    pub to: NodeId,
    pub kind: Option<MessageKind>,
    /// `None` drops the message; `Some(d)` delays it by `d`.
    pub delay: Option<Duration>,
}

impl Fault {
    fn matches(&self, from: NodeId, to: NodeId, kind: MessageKind) -> bool {
        self.from == from && self.to == to && self.kind.is_none_or(|k| k == kind)
    }
}

fn link(a: NodeId, b: NodeId) -> (NodeId, NodeId) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

/// The links between nodes: latencies, cuts and pending faults.
#[derive(Clone, Debug)]
pub struct Network {
    pub default_latency: Duration,
    latencies: VecMap<(NodeId, NodeId), Duration>,
    cut: VecSet<(NodeId, NodeId)>,
    faults: Vec<Fault>,
    pub in_flight: InFlight,
    next_id: u64,
}

/// The messages in flight by id. Ids are handed out in order and a message goes on the
/// network as it gets its id, so they sit in a window of slots from the oldest still in
/// flight: a map in id order at a fraction of a `BTreeMap`'s code (each slot a pointer, so
/// a long-delayed message holding the window open costs 8 bytes per later message).
#[derive(Clone, Debug, Default)]
pub struct InFlight {
    /// The id of the first slot.
    base: u64,
    slots: alloc::collections::VecDeque<Option<alloc::boxed::Box<Message>>>,
    len: usize,
}

impl InFlight {
    pub(crate) fn insert(&mut self, id: MessageId, message: Message) {
        if self.slots.is_empty() {
            self.base = id.0;
        }
        let Some(i) = id.0.checked_sub(self.base) else {
            debug_assert!(false, "message ids go up");
            return;
        };
        let i = i as usize;
        while self.slots.len() <= i {
            self.slots.push_back(None);
        }
        if self.slots[i]
            .replace(alloc::boxed::Box::new(message))
            .is_none()
        {
            self.len += 1;
        }
    }

    pub(crate) fn remove(&mut self, id: &MessageId) -> Option<Message> {
        let i = id.0.checked_sub(self.base)? as usize;
        let message = self.slots.get_mut(i)?.take()?;
        self.len -= 1;
        while matches!(self.slots.front(), Some(None)) {
            self.slots.pop_front();
            self.base += 1;
        }
        Some(*message)
    }

    /// The messages in flight, oldest id first.
    pub fn values(&self) -> impl Iterator<Item = &Message> {
        self.slots.iter().flatten().map(|m| &**m)
    }

    /// The messages in flight from id `from` on.
    pub fn from(&self, from: MessageId) -> impl Iterator<Item = &Message> {
        let skip = from.0.saturating_sub(self.base) as usize;
        self.slots.iter().skip(skip).flatten().map(|m| &**m)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// What the network decided for a message being sent.
pub enum Verdict {
    Deliver(Instant),
    DropInjected,
    DropCut,
}

impl Network {
    pub fn new(default_latency: Duration) -> Network {
        Network {
            default_latency,
            latencies: VecMap::new(),
            cut: VecSet::new(),
            faults: Vec::new(),
            in_flight: InFlight::default(),
            next_id: 0,
        }
    }

    pub fn next_id(&mut self) -> MessageId {
        let id = MessageId(self.next_id);
        self.next_id += 1;
        id
    }

    pub fn latency(&self, a: NodeId, b: NodeId) -> Duration {
        self.latencies
            .get(&link(a, b))
            .copied()
            .unwrap_or(self.default_latency)
    }
    pub fn set_latency(&mut self, a: NodeId, b: NodeId, latency: Duration) {
        self.latencies.insert(link(a, b), latency);
    }
    pub fn is_cut(&self, a: NodeId, b: NodeId) -> bool {
        self.cut.contains(&link(a, b))
    }
    /// Returns false if it already was.
    pub fn cut(&mut self, a: NodeId, b: NodeId) -> bool {
        self.cut.insert(link(a, b))
    }
    pub fn heal(&mut self, a: NodeId, b: NodeId) -> bool {
        self.cut.remove(&link(a, b))
    }
    pub fn cut_links(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.cut.iter().copied()
    }
    pub fn add_fault(&mut self, fault: Fault) {
        self.faults.push(fault);
    }
    pub fn pending_faults(&self) -> &[Fault] {
        &self.faults
    }

    /// Decides the fate of a message sent now: the first matching fault is used up.
    pub fn verdict(
        &mut self,
        from: NodeId,
        to: NodeId,
        kind: MessageKind,
        now: Instant,
    ) -> Verdict {
        if self.is_cut(from, to) {
            return Verdict::DropCut;
        }
        let mut at = now + self.latency(from, to);
        if let Some(i) = self.faults.iter().position(|f| f.matches(from, to, kind)) {
            let fault = self.faults.remove(i);
            match fault.delay {
                None => return Verdict::DropInjected,
                Some(d) => at = at + d,
            }
        }
        Verdict::Deliver(at)
    }
}
