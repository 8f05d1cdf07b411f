//! The transaction coordinator's state (KIP-98, with KIP-890's transaction version 2,
//! the default of a new Kafka 4.0 cluster).
//!
//! A `transactional.id`'s coordinator is the leader of the `__transaction_state`
//! partition `abs(transactionalId.hashCode()) % transaction.state.log.num.partitions`
//! (the same hash as a group's). Each change of a transaction's state is a record in that
//! partition, replicated like any other; the coordinator acts on a change once the high
//! watermark passes its record, and a new leader of the partition loads the
//! transactions from its copy of the log.
//!
//! The states are Kafka's (`TransactionState`): Empty → Ongoing (a partition leader added
//! the first partition) → PrepareCommit or PrepareAbort (`EndTxn`; with transaction
//! version 2 the epoch is bumped here) → the markers are written to every partition →
//! CompleteCommit or CompleteAbort. A producer that starts again with the same
//! `transactional.id` (`InitProducerId`) bumps the epoch: a transaction left open is
//! fenced (PrepareEpochFence) and aborted.

use alloc::rc::Rc;
use alloc::vec::Vec;

use crate::assignor::classic_string;
use crate::ids::{MessageId, NodeId, Offset, TopicPartition};
use crate::network::Message;
use crate::vecmap::VecMap;

/// The name of the internal topic.
pub const TRANSACTION_STATE_TOPIC: &str = "__transaction_state";

pub use crate::event::TxnState;

/// One state of a transaction as its record in `__transaction_state` holds it
/// (`TxnTransitMetadata`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxnRecord {
    pub transactional_id: Rc<str>,
    pub producer_id: i64,
    pub epoch: i16,
    pub timeout_ms: u64,
    pub state: TxnState,
    /// Sorted.
    pub partitions: Vec<TopicPartition>,
    pub started_ms: i64,
    pub updated_ms: i64,
}

impl TxnRecord {
    /// `TransactionLogKey` v0: the version and the `transactional.id`.
    pub fn key_bytes(&self) -> Vec<u8> {
        let mut out = alloc::vec![0, 0];
        classic_string(&mut out, &self.transactional_id);
        out
    }

    /// `TransactionLogValue` v1 as Kafka 4.0 writes it with transaction version 2
    /// (`TransactionLog.valueToBytes`; flexible: compact arrays and strings, the tagged
    /// `ClientTransactionVersion` 2; the partitions grouped by topic, null when Empty).
    pub fn value_bytes(&self, topics: &[&str]) -> Vec<u8> {
        let mut out = Vec::with_capacity(48);
        out.extend_from_slice(&1i16.to_be_bytes());
        out.extend_from_slice(&self.producer_id.to_be_bytes());
        out.extend_from_slice(&self.epoch.to_be_bytes());
        out.extend_from_slice(&(self.timeout_ms.min(i32::MAX as u64) as i32).to_be_bytes());
        out.push(self.state.id() as u8);
        if self.state == TxnState::Empty {
            out.push(0);
        } else {
            let by_topic = crate::assignor::by_topic(self.partitions.iter().map(|tp| {
                let name = topics.get(tp.topic.0 as usize).copied().unwrap_or("");
                (name, tp.partition as i32)
            }));
            uvarint(&mut out, by_topic.len() as u32 + 1);
            for (name, parts) in by_topic {
                uvarint(&mut out, name.len() as u32 + 1);
                out.extend_from_slice(name.as_bytes());
                uvarint(&mut out, parts.len() as u32 + 1);
                for p in parts {
                    out.extend_from_slice(&p.to_be_bytes());
                }
                out.push(0);
            }
        }
        out.extend_from_slice(&self.updated_ms.to_be_bytes());
        out.extend_from_slice(&self.started_ms.to_be_bytes());
        // Tagged fields: ClientTransactionVersion (tag 2, two bytes) = 2.
        out.extend_from_slice(&[1, 2, 2, 0, 2]);
        out
    }
}

impl TxnRecord {
    /// The length [`TxnRecord::value_bytes`] encodes to, reckoned without encoding (the
    /// page's core counts the bytes; only the log view makes them).
    pub fn value_len(&self, topics: &[&str]) -> u32 {
        let uv = |n: u32| {
            if n < 0x80 {
                1
            } else if n < 0x4000 {
                2
            } else {
                3
            }
        };
        // Version, producer id, epoch, timeout, status, two timestamps, tagged fields.
        let mut len = 2 + 8 + 2 + 4 + 1 + 8 + 8 + 5;
        if self.state == TxnState::Empty {
            return len + 1;
        }
        let mut seen: Vec<u32> = Vec::new();
        for tp in &self.partitions {
            if !seen.contains(&tp.topic.0) {
                seen.push(tp.topic.0);
                let name = topics
                    .get(tp.topic.0 as usize)
                    .map_or(0, |n| n.len() as u32);
                let count = self
                    .partitions
                    .iter()
                    .filter(|p| p.topic == tp.topic)
                    .count() as u32;
                len += uv(name + 1) + name + uv(count + 1) + 4 * count + 1;
            }
        }
        len + uv(seen.len() as u32 + 1)
    }
}

fn uvarint(out: &mut Vec<u8>, mut n: u32) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// A transaction as its coordinator holds it (`TransactionMetadata`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxnMetadata {
    /// What its last record says, once replicated.
    pub record: TxnRecord,
    /// Its `__transaction_state` partition.
    pub partition: TopicPartition,
    /// A change written and not yet replicated (`pendingState`): nothing else may
    /// change the transaction meanwhile.
    pub(crate) pending: bool,
    /// Partitions whose marker is not yet acknowledged.
    pub(crate) unmarked: Vec<TopicPartition>,
}

/// Who waits for a transaction's record to be replicated, and what follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TxnWaiter {
    /// `InitProducerId`: answer with the producer id and epoch.
    Init { client: NodeId, request: MessageId },
    /// A leader's `AddPartitionsToTxn`: answer it.
    Add { client: NodeId, request: MessageId },
    /// `EndTxn` from the producer (or the coordinator's own abort): answer it, if it
    /// came from a client, and write the markers.
    Prepare { client: Option<(NodeId, MessageId)> },
    /// PrepareEpochFence written: abort the fenced transaction.
    Fence,
    /// The final state: nothing more.
    Complete,
}

/// A produce request a leader holds while the coordinator adds its partitions to the
/// producer's transaction (KIP-890's verification).
#[derive(Clone, Debug)]
pub(crate) struct Verifying {
    pub(crate) message: Message,
    pub(crate) add_request: MessageId,
}

/// A marker appended by a leader, answered once the high watermark passes it
/// (`WriteTxnMarkers` appends with acks=all).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MarkerWait {
    pub(crate) client: NodeId,
    pub(crate) request: MessageId,
    /// Each partition, its marker's offset (`None`: answered with the error).
    pub(crate) partitions: Vec<(TopicPartition, Result<Offset, crate::event::KafkaError>)>,
}

/// A broker's transaction coordinator and its side of transactional produce.
#[derive(Clone, Debug, Default)]
pub struct TxnCoordinator {
    /// The transactions of the `__transaction_state` partitions this broker leads.
    pub txns: VecMap<Rc<str>, TxnMetadata>,
    pub(crate) verifying: Vec<Verifying>,
    /// (partition, producer id, epoch) the coordinator confirmed in an ongoing
    /// transaction, for the held request's append (`VerificationGuard`).
    pub(crate) verified: Vec<(TopicPartition, i64, i16)>,
    pub(crate) marker_waits: Vec<MarkerWait>,
    /// Requests to other brokers awaiting an answer: markers sent, per request.
    pub(crate) markers_sent: VecMap<MessageId, (Rc<str>, Vec<TopicPartition>)>,
    /// A retry of refused markers is scheduled.
    pub(crate) retry_scheduled: bool,
}

/// The `__transaction_state` partition that holds `transactional_id`
/// (`TransactionStateManager.partitionFor`).
pub fn partition_for(transactional_id: &str, partitions: u32) -> u32 {
    crate::java::internal_partition_for(transactional_id, partitions)
}

/// The transactional producer's state (`TransactionManager.State`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum TxnClientState {
    Uninitialized,
    Initializing,
    Ready,
    InTransaction,
    CommittingTransaction,
    AbortingTransaction,
    FatalError,
}

impl TxnClientState {
    pub fn name(self) -> &'static str {
        match self {
            TxnClientState::Uninitialized => "UNINITIALIZED",
            TxnClientState::Initializing => "INITIALIZING",
            TxnClientState::Ready => "READY",
            TxnClientState::InTransaction => "IN_TRANSACTION",
            TxnClientState::CommittingTransaction => "COMMITTING_TRANSACTION",
            TxnClientState::AbortingTransaction => "ABORTING_TRANSACTION",
            TxnClientState::FatalError => "FATAL_ERROR",
        }
    }
}

/// The producer's side of its transactions (`TransactionManager` with a
/// `transactional.id`).
#[derive(Clone, Debug)]
pub struct TxnClient {
    pub transactional_id: Rc<str>,
    pub state: TxnClientState,
    /// The coordinator, once FindCoordinator answered.
    pub coordinator: Option<crate::ids::BrokerId>,
    /// FindCoordinator, InitProducerId or EndTxn in flight, and when it was sent.
    pub(crate) request: Option<(MessageId, crate::time::Instant)>,
    /// After a retriable error, when to try again (`retry.backoff.ms`).
    pub(crate) retry_at: Option<crate::time::Instant>,
    /// The records sent in the present transaction.
    pub records: Vec<crate::ids::RecordId>,
    pub began_at: crate::time::Instant,
    /// The application will abort its next transaction instead of committing it.
    pub abort_next: bool,
    /// A batch of the present transaction failed: it can only abort.
    pub(crate) failed: bool,
    /// A batch of the present transaction was appended, so its leader had the coordinator
    /// add its partition to the transaction (`TransactionManager.transactionStarted`):
    /// only then does ending it take EndTxn.
    pub(crate) started: bool,
    /// Transactions the application committed and aborted, over all its processes.
    pub committed: u64,
    pub aborted: u64,
    /// `sendOffsetsToTransaction(offsets, groupMetadata)` called in the present
    /// transaction, its `TxnOffsetCommit` not yet answered: sent before `EndTxn` (only
    /// the build with transactions has the pipeline that calls it).
    #[cfg(feature = "transactions")]
    pub offsets: Option<TxnOffsets>,
    /// The group's coordinator, once FindCoordinator answered.
    pub group_coordinator: Option<crate::ids::BrokerId>,
    /// The request in flight is for the group (FindCoordinator or `TxnOffsetCommit`).
    pub(crate) group_request: bool,
}

/// A consumer's offsets to store in a transaction, with its group metadata (KIP-447).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxnOffsets {
    pub group: Rc<str>,
    pub member_id: Rc<str>,
    pub generation: i32,
    pub offsets: alloc::vec::Vec<(crate::ids::TopicPartition, crate::ids::Offset)>,
}

impl TxnClient {
    /// Forgets the coordinator the request in flight went to: the group's for a group
    /// request, else the transaction's (it is looked for again).
    pub(crate) fn forget_coordinator(&mut self) {
        if self.group_request {
            self.group_coordinator = None;
        } else {
            self.coordinator = None;
        }
    }

    /// A retriable error answered the request in flight: it goes again at `at`, to a
    /// coordinator looked for again if the one asked is not (or no longer) it.
    pub(crate) fn retry_after(
        &mut self,
        error: crate::event::KafkaError,
        at: crate::time::Instant,
    ) {
        use crate::event::KafkaError as E;
        if matches!(error, E::NotCoordinator | E::CoordinatorNotAvailable) {
            self.forget_coordinator();
        }
        self.retry_at = Some(at);
    }

    pub fn new(transactional_id: &str) -> TxnClient {
        TxnClient {
            transactional_id: Rc::from(transactional_id),
            state: TxnClientState::Uninitialized,
            coordinator: None,
            request: None,
            retry_at: None,
            records: Vec::new(),
            began_at: crate::time::Instant::ZERO,
            abort_next: false,
            failed: false,
            started: false,
            committed: 0,
            aborted: 0,
            #[cfg(feature = "transactions")]
            offsets: None,
            group_coordinator: None,
            group_request: false,
        }
    }
}
