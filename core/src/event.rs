//! Everything the simulation reports: typed events for the stage to animate and for tests
//! to read like traces. Each carries the simulated instant it happened at.

use alloc::string::String;
use alloc::vec::Vec;

use crate::ids::{
    BatchId, BrokerId, ConsumerId, LeaderEpoch, MessageId, NodeId, Offset, ProducerId, RecordId,
    TopicId, TopicPartition,
};
use crate::time::Instant;

/// An ISR change a partition leader asks the controller for (`AlterPartition`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum IsrChange {
    /// A follower that caught up joins.
    Expand(BrokerId),
    /// Followers that fell behind leave.
    Shrink(Vec<BrokerId>),
}

impl IsrChange {
    /// The follower an expansion adds. While it is pending the leader's high watermark
    /// waits for that follower already, as Kafka's counts its `maximalIsr`
    /// (`Partition.maybeIncrementLeaderHW`), so that once the addition commits every ISR
    /// member has the high watermark. A shrink's maximal ISR is the current one: the high
    /// watermark waits for the followers leaving until they have left.
    pub fn joining(&self) -> Option<&BrokerId> {
        match self {
            IsrChange::Expand(b) => Some(b),
            IsrChange::Shrink(_) => None,
        }
    }
}

/// Why the controller refused a partition leader's `AlterPartition`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum AlterPartitionError {
    /// The request's leader epoch is older than the controller's: another broker leads
    /// the partition now.
    FencedLeaderEpoch,
    /// The partition epoch it carried is stale: the controller changed the partition
    /// and the change has not reached the leader yet. The leader waits for it.
    InvalidUpdateVersion,
    /// The follower it adds is fenced. The leader forgets the request at once (it goes
    /// back to its last committed state) and may ask again.
    IneligibleReplica,
}

/// Why the producer or a broker refused or failed something, named as Kafka names the
/// error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum KafkaError {
    NotLeaderOrFollower,
    NotEnoughReplicas,
    NotEnoughReplicasAfterAppend,
    RequestTimedOut,
    /// The connection closed under an in-flight request (`NetworkException`).
    NetworkException,
    /// The producer gave up on a batch after `delivery.timeout.ms` (`TimeoutException`).
    DeliveryTimeout,
    /// `send()` blocked on `buffer.memory` longer than `max.block.ms`.
    BufferExhaustedTimeout,
    RecordTooLarge,
    /// A keyless record on a compacted topic.
    InvalidRecord,
    FencedLeaderEpoch,
    UnknownLeaderEpoch,
    OffsetOutOfRange,
    /// The idempotent producer's sequence has a gap, or repeats a batch older than the 5
    /// the broker remembers (KIP-98).
    OutOfOrderSequenceNumber,
    /// A batch from an epoch older than the producer's current one.
    InvalidProducerEpoch,
    /// The group's coordinator is not (yet) available: `__consumer_offsets` is being
    /// created or its partition has no leader.
    CoordinatorNotAvailable,
    /// The broker asked is not the group's coordinator (any more).
    NotCoordinator,
    /// KIP-394: a new member must rejoin with the member id the coordinator gave it.
    MemberIdRequired,
    UnknownMemberId,
    IllegalGeneration,
    RebalanceInProgress,
    /// A static member was replaced by a newer process with the same `group.instance.id`.
    FencedInstanceId,
    /// A member's `partition.assignment.strategy` shares no assignor with every member of
    /// the group (`InconsistentGroupProtocolException`, fatal to the consumer).
    InconsistentGroupProtocol,
    /// `auto.offset.reset=none` and no committed offset (`NoOffsetForPartitionException`).
    NoOffsetForPartition,
    /// A commit the group could not accept because the member is no longer in its
    /// generation (`CommitFailedException`).
    CommitFailed,
    /// `auto.offset.reset=none` and the consumer's position is past where the new
    /// leader's log diverges (`LogTruncationException`, KIP-320).
    LogTruncation,
    /// A newer producer with the same `transactional.id` bumped the epoch
    /// (`ProducerFencedException`, fatal to the older one).
    ProducerFenced,
    /// The request does not fit the transaction's state.
    InvalidTxnState,
    /// The producer id does not belong to the `transactional.id`.
    InvalidProducerIdMapping,
    /// The transaction is completing; retry (`CONCURRENT_TRANSACTIONS`).
    ConcurrentTransactions,
    /// A batch still in the accumulator when the application aborted its transaction
    /// (`TransactionAbortedException`).
    TransactionAborted,
    /// KIP-447: the group has offsets for the partition in a transaction not yet ended, so
    /// no stable committed offset can be given (`UNSTABLE_OFFSET_COMMIT`; the consumer
    /// asks again).
    UnstableOffsetCommit,
}

impl KafkaError {
    /// Whether Kafka's producer retries it.
    pub fn is_retriable(self) -> bool {
        matches!(
            self,
            KafkaError::NotLeaderOrFollower
                | KafkaError::NotEnoughReplicas
                | KafkaError::NotEnoughReplicasAfterAppend
                | KafkaError::RequestTimedOut
                | KafkaError::NetworkException
                | KafkaError::FencedLeaderEpoch
                | KafkaError::UnknownLeaderEpoch
        )
    }
    /// Whether it tells the producer its metadata is stale.
    pub fn invalidates_metadata(self) -> bool {
        matches!(
            self,
            KafkaError::NotLeaderOrFollower
                | KafkaError::NetworkException
                | KafkaError::RequestTimedOut
                | KafkaError::FencedLeaderEpoch
                | KafkaError::UnknownLeaderEpoch
        )
    }
}

/// What kind of message travels on a link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum MessageKind {
    ProduceRequest,
    ProduceResponse,
    FetchRequest,
    FetchResponse,
    MetadataRequest,
    MetadataResponse,
    InitProducerIdRequest,
    InitProducerIdResponse,
    /// The peer's kernel resetting a connection to a dead process.
    ConnectionReset,
    FindCoordinatorRequest,
    FindCoordinatorResponse,
    JoinGroupRequest,
    JoinGroupResponse,
    SyncGroupRequest,
    SyncGroupResponse,
    HeartbeatRequest,
    HeartbeatResponse,
    LeaveGroupRequest,
    LeaveGroupResponse,
    OffsetCommitRequest,
    OffsetCommitResponse,
    OffsetFetchRequest,
    OffsetFetchResponse,
    ListOffsetsRequest,
    ListOffsetsResponse,
    OffsetsForLeaderEpochRequest,
    OffsetsForLeaderEpochResponse,
    AddPartitionsToTxnRequest,
    AddPartitionsToTxnResponse,
    EndTxnRequest,
    EndTxnResponse,
    WriteTxnMarkersRequest,
    WriteTxnMarkersResponse,
    TxnOffsetCommitRequest,
    TxnOffsetCommitResponse,
}

impl MessageKind {
    /// Every kind, in declaration order.
    pub const ALL: [MessageKind; 35] = [
        MessageKind::ProduceRequest,
        MessageKind::ProduceResponse,
        MessageKind::FetchRequest,
        MessageKind::FetchResponse,
        MessageKind::MetadataRequest,
        MessageKind::MetadataResponse,
        MessageKind::InitProducerIdRequest,
        MessageKind::InitProducerIdResponse,
        MessageKind::ConnectionReset,
        MessageKind::FindCoordinatorRequest,
        MessageKind::FindCoordinatorResponse,
        MessageKind::JoinGroupRequest,
        MessageKind::JoinGroupResponse,
        MessageKind::SyncGroupRequest,
        MessageKind::SyncGroupResponse,
        MessageKind::HeartbeatRequest,
        MessageKind::HeartbeatResponse,
        MessageKind::LeaveGroupRequest,
        MessageKind::LeaveGroupResponse,
        MessageKind::OffsetCommitRequest,
        MessageKind::OffsetCommitResponse,
        MessageKind::OffsetFetchRequest,
        MessageKind::OffsetFetchResponse,
        MessageKind::ListOffsetsRequest,
        MessageKind::ListOffsetsResponse,
        MessageKind::OffsetsForLeaderEpochRequest,
        MessageKind::OffsetsForLeaderEpochResponse,
        MessageKind::AddPartitionsToTxnRequest,
        MessageKind::AddPartitionsToTxnResponse,
        MessageKind::EndTxnRequest,
        MessageKind::EndTxnResponse,
        MessageKind::WriteTxnMarkersRequest,
        MessageKind::WriteTxnMarkersResponse,
        MessageKind::TxnOffsetCommitRequest,
        MessageKind::TxnOffsetCommitResponse,
    ];

    /// Whether a node like `to` ever receives a message of this kind: brokers get
    /// requests (and followers their fetch responses), the producer and the consumers
    /// their responses, and anyone a reset. A message that reaches another kind of node
    /// is a routing bug (the invariant `messages_reach_their_actor`).
    pub fn received_by(self, to: NodeId) -> bool {
        use MessageKind::*;
        let broker = matches!(to, NodeId::Broker(_));
        let producer = matches!(to, NodeId::Producer(_));
        let consumer = matches!(to, NodeId::Consumer(_));
        match self {
            ProduceRequest
            | FetchRequest
            | MetadataRequest
            | InitProducerIdRequest
            | FindCoordinatorRequest
            | JoinGroupRequest
            | SyncGroupRequest
            | HeartbeatRequest
            | LeaveGroupRequest
            | OffsetCommitRequest
            | OffsetFetchRequest
            | ListOffsetsRequest
            | OffsetsForLeaderEpochRequest
            | AddPartitionsToTxnRequest
            | EndTxnRequest
            | WriteTxnMarkersRequest
            | TxnOffsetCommitRequest
            | AddPartitionsToTxnResponse
            | WriteTxnMarkersResponse => broker,
            ProduceResponse | InitProducerIdResponse | EndTxnResponse | TxnOffsetCommitResponse => {
                producer
            }
            FetchResponse => broker || consumer,
            MetadataResponse => producer || consumer,
            FindCoordinatorResponse => consumer || producer,
            JoinGroupResponse
            | SyncGroupResponse
            | HeartbeatResponse
            | LeaveGroupResponse
            | OffsetCommitResponse
            | OffsetFetchResponse
            | ListOffsetsResponse
            | OffsetsForLeaderEpochResponse => consumer,
            ConnectionReset => true,
        }
    }

    /// Whether a message of this kind answers a request (a dead process's kernel resets
    /// requests, not responses).
    pub fn is_response(self) -> bool {
        matches!(
            self,
            MessageKind::ProduceResponse
                | MessageKind::FetchResponse
                | MessageKind::MetadataResponse
                | MessageKind::InitProducerIdResponse
                | MessageKind::ConnectionReset
                | MessageKind::FindCoordinatorResponse
                | MessageKind::JoinGroupResponse
                | MessageKind::SyncGroupResponse
                | MessageKind::HeartbeatResponse
                | MessageKind::LeaveGroupResponse
                | MessageKind::OffsetCommitResponse
                | MessageKind::OffsetFetchResponse
                | MessageKind::ListOffsetsResponse
                | MessageKind::OffsetsForLeaderEpochResponse
                | MessageKind::AddPartitionsToTxnResponse
                | MessageKind::EndTxnResponse
                | MessageKind::WriteTxnMarkersResponse
                | MessageKind::TxnOffsetCommitResponse
        )
    }
}

/// A transaction's state, as Kafka names it (`TransactionState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TxnState {
    Empty,
    Ongoing,
    PrepareCommit,
    PrepareAbort,
    CompleteCommit,
    CompleteAbort,
    Dead,
    PrepareEpochFence,
}

impl TxnState {
    pub fn name(self) -> &'static str {
        match self {
            TxnState::Empty => "Empty",
            TxnState::Ongoing => "Ongoing",
            TxnState::PrepareCommit => "PrepareCommit",
            TxnState::PrepareAbort => "PrepareAbort",
            TxnState::CompleteCommit => "CompleteCommit",
            TxnState::CompleteAbort => "CompleteAbort",
            TxnState::Dead => "Dead",
            TxnState::PrepareEpochFence => "PrepareEpochFence",
        }
    }

    /// `TransactionState.id`: the status byte of its log record.
    pub fn id(self) -> i8 {
        match self {
            TxnState::Empty => 0,
            TxnState::Ongoing => 1,
            TxnState::PrepareCommit => 2,
            TxnState::PrepareAbort => 3,
            TxnState::CompleteCommit => 4,
            TxnState::CompleteAbort => 5,
            TxnState::Dead => 6,
            TxnState::PrepareEpochFence => 7,
        }
    }

    /// A new transaction may begin (its last one is over).
    pub fn is_complete(self) -> bool {
        matches!(
            self,
            TxnState::Empty | TxnState::CompleteCommit | TxnState::CompleteAbort
        )
    }

    /// Markers are being written.
    pub fn is_preparing(self) -> bool {
        matches!(self, TxnState::PrepareCommit | TxnState::PrepareAbort)
    }
}

/// The transactional producer's calls, as the application makes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TxnCall {
    Begin,
    Commit,
    Abort,
    /// The transaction is committed (`commitTransaction()` returned).
    Committed,
    /// The transaction is aborted (`abortTransaction()` returned).
    Aborted,
    /// The producer was fenced by a newer one with its `transactional.id` (fatal).
    Fenced,
}

/// Why a member left its group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum LeaveReason {
    /// No heartbeat for `session.timeout.ms`.
    SessionTimeout,
    /// The member sent LeaveGroup (a clean close, or `max.poll.interval.ms` passed
    /// without a poll).
    LeaveGroup,
    /// It did not rejoin within the rebalance timeout.
    RebalanceTimeout,
    /// It did not send SyncGroup within the rebalance timeout after the join phase.
    SyncTimeout,
}

/// Why the coordinator started a rebalance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum RebalanceReason {
    /// A member joined (or rejoined asking for a new assignment).
    MemberJoined,
    /// A member left or was removed.
    MemberLeft,
}

/// Why a message never arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum DropReason {
    /// A `DropNext` command took it.
    Injected,
    /// The link was cut when it was sent or while it travelled.
    LinkCut,
    /// Its destination had crashed.
    DestinationDown,
}

/// How a partition got its leader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ElectionKind {
    /// The topic was created.
    Initial,
    /// From the ISR.
    Clean,
    /// From outside the ISR (`unclean.leader.election.enable`): acknowledged records may be
    /// lost.
    Unclean,
}

/// What caused acknowledged records to be lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum LossCause {
    /// A new leader that did not have them was elected (index into the event log of the
    /// `LeaderElected` event).
    LeaderElection {
        partition: TopicPartition,
        leader: BrokerId,
        leader_epoch: LeaderEpoch,
        kind: ElectionKind,
    },
    /// `acks=0`: the request carrying them never reached a leader that appended them.
    UnacknowledgedSendDropped { message: MessageId },
    /// `acks=0`: the broker refused the batch, and nobody was told.
    UnacknowledgedSendRejected { error: KafkaError },
    /// The last copies were in page caches that lost power before reaching a disk.
    PowerLoss { broker: BrokerId },
}

/// One thing that happened.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Event {
    /// The application called `send()` and the record got a partition.
    RecordSent {
        record: RecordId,
        partition: TopicPartition,
    },
    /// `send()` blocked: `buffer.memory` is used up.
    ProducerBlocked,
    ProducerUnblocked,
    /// The producer failed a record or batch for good.
    RecordsFailed {
        partition: Option<TopicPartition>,
        records: u32,
        error: KafkaError,
    },
    BatchCreated {
        batch: BatchId,
        partition: TopicPartition,
    },
    /// The sender drained a batch into a request.
    BatchDrained {
        batch: BatchId,
        partition: TopicPartition,
        records: u32,
        size_bytes: u32,
        attempt: u32,
        /// The idempotent producer's sequence number of the batch's first record.
        base_sequence: Option<i32>,
    },
    /// The idempotent producer got its producer id (InitProducerId), or bumped its epoch
    /// itself after a sequence it could not resolve (KIP-360).
    ProducerIdAssigned {
        producer_id: i64,
        epoch: i16,
        bumped: bool,
    },
    /// The producing application's process died (the records it held are abandoned).
    ProducerCrashed {
        producer: ProducerId,
    },
    /// The application started again: a new producer client, with a new producer id (or,
    /// with a `transactional.id`, the same id at a bumped epoch).
    ProducerRestarted {
        producer: ProducerId,
    },
    /// A second instance of the producing application started while the first still
    /// runs; the workload sends with its producer from now on.
    ProducerInstanceStarted {
        producer: ProducerId,
    },
    /// A transaction coordinator's record of a new state is replicated: the state is
    /// the transaction's now.
    TxnStateChanged {
        broker: BrokerId,
        transactional_id: String,
        state: TxnState,
        producer_id: i64,
        epoch: i16,
    },
    /// A leader appended a COMMIT or ABORT marker.
    TxnMarkerWritten {
        broker: BrokerId,
        partition: TopicPartition,
        producer_id: i64,
        /// The marker's producer epoch (the one the coordinator bumped in Prepare).
        epoch: i16,
        commit: bool,
        offset: Offset,
    },
    /// The coordinator found a transaction open longer than `transaction.timeout.ms`.
    TxnTimedOut {
        broker: BrokerId,
        transactional_id: String,
    },
    /// The application began a transaction, or called `commitTransaction()` or
    /// `abortTransaction()`.
    TxnCall {
        producer: crate::ids::ProducerId,
        call: TxnCall,
    },
    /// A leader recognised a retried batch it already had (KIP-98): nothing appended, the
    /// original offsets returned.
    DuplicateBatch {
        broker: BrokerId,
        partition: TopicPartition,
        batch: BatchId,
        producer_id: i64,
        base_sequence: i32,
        base_offset: Offset,
    },
    /// The broker refused a batch as too large (`MESSAGE_TOO_LARGE`): the producer split
    /// it into smaller batches, queued at the front (`RecordAccumulator.splitAndReenqueue`).
    BatchSplit {
        batch: BatchId,
        partition: TopicPartition,
        into: Vec<BatchId>,
    },
    /// A failed batch went back to the front of its queue to be retried.
    BatchRetried {
        batch: BatchId,
        error: KafkaError,
        attempt: u32,
    },
    BatchAcknowledged {
        batch: BatchId,
        partition: TopicPartition,
        base_offset: Option<Offset>,
    },
    MessageSent {
        message: MessageId,
        from: NodeId,
        to: NodeId,
        kind: MessageKind,
        sent_at: Instant,
        deliver_at: Instant,
    },
    MessageDelivered {
        message: MessageId,
    },
    MessageDropped {
        message: MessageId,
        reason: DropReason,
    },
    /// A producer request ran past `request.timeout.ms`; the connection is closed.
    RequestTimedOut {
        from: NodeId,
        to: NodeId,
    },
    /// A replica appended a batch.
    BatchAppended {
        broker: BrokerId,
        partition: TopicPartition,
        batch: BatchId,
        base_offset: Offset,
        records: u32,
        leader: bool,
    },
    ProduceRejected {
        broker: BrokerId,
        partition: TopicPartition,
        batch: BatchId,
        error: KafkaError,
    },
    HighWatermarkAdvanced {
        broker: BrokerId,
        partition: TopicPartition,
        high_watermark: Offset,
    },
    IsrShrunk {
        partition: TopicPartition,
        removed: BrokerId,
        isr: Vec<BrokerId>,
    },
    IsrExpanded {
        partition: TopicPartition,
        added: BrokerId,
        isr: Vec<BrokerId>,
    },
    LeaderElected {
        partition: TopicPartition,
        leader: BrokerId,
        leader_epoch: LeaderEpoch,
        kind: ElectionKind,
        isr: Vec<BrokerId>,
    },
    /// No replica can lead: the partition is offline.
    PartitionOffline {
        partition: TopicPartition,
        leader_epoch: LeaderEpoch,
    },
    /// A replica cut its log back (a diverging follower, KIP-101 and KIP-320).
    LogTruncated {
        broker: BrokerId,
        partition: TopicPartition,
        to: Offset,
        records_removed: u32,
    },
    SegmentRolled {
        broker: BrokerId,
        partition: TopicPartition,
        base_offset: Offset,
    },
    SegmentsDeleted {
        broker: BrokerId,
        partition: TopicPartition,
        segments: u32,
        log_start_offset: Offset,
    },
    /// The log cleaner cleaned a replica's log.
    LogCompacted {
        broker: BrokerId,
        partition: TopicPartition,
        records_removed: u32,
        /// Segments merged into a neighbour by the cleaning (`groupSegmentsBySize`).
        segments_merged: u32,
    },
    BrokerCrashed {
        broker: BrokerId,
    },
    /// The broker's machine lost power: its process died and what its logs held only in
    /// the page cache is gone (`LogRecovered` for each log that lost some).
    BrokerPowerLost {
        broker: BrokerId,
    },
    /// After a power loss, a log as its next start's recovery finds it: up to `to`, what
    /// reached the disk; `records_removed` were only in the page cache.
    LogRecovered {
        broker: BrokerId,
        partition: TopicPartition,
        to: Offset,
        records_removed: u32,
    },
    BrokerRestarted {
        broker: BrokerId,
    },
    BrokerAdded {
        broker: BrokerId,
    },
    /// A controller of the quorum became active, or (`node` none) the quorum has no
    /// active controller any more.
    #[cfg(feature = "control_plane")]
    ActiveController {
        node: Option<crate::ids::ControllerId>,
        epoch: u32,
    },
    #[cfg(feature = "control_plane")]
    ControllerCrashed {
        node: crate::ids::ControllerId,
    },
    /// ZooKeeper mode: the ensemble's leader established (`node` some), or the ensemble
    /// has no leader any more.
    #[cfg(feature = "control_plane")]
    ZooKeeperLeader {
        node: Option<crate::ids::ControllerId>,
        epoch: u32,
    },
    /// ZooKeeper mode: this broker created `/controller` and is the controller, with this
    /// `controller_epoch`.
    #[cfg(feature = "control_plane")]
    ControllerElected {
        broker: BrokerId,
        epoch: u32,
    },
    /// ZooKeeper mode: a silent broker's session expired (`zookeeper.session.timeout.ms`)
    /// and its registration went with it.
    #[cfg(feature = "control_plane")]
    BrokerSessionExpired {
        broker: BrokerId,
    },
    /// A broker sent the controller the ISR changes its partitions' leaders asked for
    /// (`AlterPartition`).
    #[cfg(feature = "control_plane")]
    AlterPartitionSent {
        leader: BrokerId,
        changes: Vec<(TopicPartition, IsrChange)>,
    },
    /// The controller refused a partition leader's AlterPartition.
    #[cfg(feature = "control_plane")]
    AlterPartitionRefused {
        partition: TopicPartition,
        leader: BrokerId,
        error: AlterPartitionError,
    },
    #[cfg(feature = "control_plane")]
    ControllerRestarted {
        node: crate::ids::ControllerId,
    },
    /// The controller stopped waiting for a silent broker's heartbeats.
    BrokerFenced {
        broker: BrokerId,
    },
    LinkCut {
        a: NodeId,
        b: NodeId,
    },
    LinkHealed {
        a: NodeId,
        b: NodeId,
    },
    /// Records the producer believed delivered are gone.
    RecordsLost {
        partition: TopicPartition,
        records: Vec<RecordId>,
        cause: LossCause,
    },
    /// A record was appended to a partition a second time (a retry whose first attempt had
    /// succeeded).
    RecordDuplicated {
        record: RecordId,
        partition: TopicPartition,
        offset: Offset,
    },
    /// A record was appended after a record the application sent later.
    RecordReordered {
        record: RecordId,
        partition: TopicPartition,
        offset: Offset,
    },

    // ----- consumer groups ----------------------------------------------------------
    /// A consumer process started (it will look for its coordinator and join).
    ConsumerStarted {
        consumer: ConsumerId,
    },
    /// A consumer closed cleanly (it committed and left its group).
    ConsumerClosed {
        consumer: ConsumerId,
    },
    /// A consumer process died: no LeaveGroup, no commit.
    ConsumerCrashed {
        consumer: ConsumerId,
    },
    /// The application stopped (or resumed) calling `poll()`.
    ConsumerPaused {
        consumer: ConsumerId,
        paused: bool,
    },
    /// A consumer learned which broker coordinates its group.
    CoordinatorFound {
        consumer: ConsumerId,
        broker: BrokerId,
    },
    /// A broker became (or stopped being) a group's coordinator: it leads the group's
    /// `__consumer_offsets` partition and loaded the group from it.
    CoordinatorLoaded {
        broker: BrokerId,
        partition: TopicPartition,
        generation: i32,
        members: u32,
        offsets: u32,
    },
    /// The coordinator moved the group to PreparingRebalance.
    RebalanceStarted {
        broker: BrokerId,
        generation: i32,
        reason: RebalanceReason,
    },
    /// The join phase completed: a new generation with its leader and members.
    GenerationStarted {
        broker: BrokerId,
        generation: i32,
        leader: Option<ConsumerId>,
        members: Vec<ConsumerId>,
        protocol: Option<crate::assignor::AssignorKind>,
    },
    /// The leader's assignment was stored: the group is Stable.
    GroupStable {
        broker: BrokerId,
        generation: i32,
    },
    /// The coordinator removed a member.
    MemberRemoved {
        broker: BrokerId,
        consumer: Option<ConsumerId>,
        reason: LeaveReason,
    },
    /// A consumer sent JoinGroup.
    JoinGroupSent {
        consumer: ConsumerId,
        generation: i32,
    },
    /// The group leader ran the assignor.
    AssignmentComputed {
        consumer: ConsumerId,
        generation: i32,
        assignor: crate::assignor::AssignorKind,
        /// Partitions handed over only in the next rebalance (cooperative: still owned).
        transferring: u32,
    },
    /// `ConsumerRebalanceListener.onPartitionsRevoked`.
    PartitionsRevoked {
        consumer: ConsumerId,
        partitions: Vec<TopicPartition>,
    },
    /// `ConsumerRebalanceListener.onPartitionsAssigned` (the newly added partitions).
    PartitionsAssigned {
        consumer: ConsumerId,
        generation: i32,
        partitions: Vec<TopicPartition>,
    },
    /// The application called `subscribe()` with other topics than before.
    Subscribed {
        consumer: ConsumerId,
        topics: Vec<crate::ids::TopicId>,
    },
    /// The assignment named a topic the member no longer subscribes to (its subscription
    /// changed during the rebalance): set aside, and the member rejoins
    /// (`ConsumerCoordinator.onJoinComplete`).
    AssignmentMismatched {
        consumer: ConsumerId,
        generation: i32,
    },
    /// `ConsumerRebalanceListener.onPartitionsLost`: the member was no longer in the group
    /// when it found out, so it could not commit.
    PartitionsLost {
        consumer: ConsumerId,
        partitions: Vec<TopicPartition>,
    },
    /// A consumer chose where to start a partition.
    PositionSet {
        consumer: ConsumerId,
        partition: TopicPartition,
        offset: Offset,
        /// Whether it came from `auto.offset.reset` rather than a committed offset.
        reset: bool,
    },
    /// KIP-320: after a leader change the new leader's log ends the consumer's epoch
    /// below its position: what it read past `diverging_offset` is gone from the log.
    TruncationDetected {
        consumer: ConsumerId,
        partition: TopicPartition,
        position: Offset,
        diverging_offset: Offset,
    },
    /// `poll()` returned records and the application processed them.
    RecordsConsumed {
        consumer: ConsumerId,
        partition: TopicPartition,
        from: Offset,
        records: u32,
        /// How many of them the group had processed before (redeliveries).
        redelivered: u32,
    },
    /// The coordinator stored a commit (it is replicated in `__consumer_offsets`).
    OffsetsCommitted {
        consumer: ConsumerId,
        offsets: Vec<(TopicPartition, Offset)>,
    },
    /// A commit failed.
    CommitFailed {
        consumer: ConsumerId,
        error: KafkaError,
    },
    /// A consumer failed a call with an error the application sees.
    ConsumerError {
        consumer: ConsumerId,
        error: KafkaError,
    },
    /// Partitions were added to a topic.
    PartitionsAdded {
        topic: TopicId,
        partitions: u32,
    },
}

/// An event with the instant it happened at.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct TimedEvent {
    pub at: Instant,
    pub event: Event,
}

/// A command the simulation cannot carry out, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandError(pub String);

/// A configuration Kafka rejects, met by a command (a subscription to a topic that does
/// not exist): refused with Kafka's message.
impl From<crate::config::ConfigError> for CommandError {
    fn from(e: crate::config::ConfigError) -> Self {
        CommandError(e.message)
    }
}

impl core::fmt::Display for CommandError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}
