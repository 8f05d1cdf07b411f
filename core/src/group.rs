//! The group coordinator: the broker side of consumer groups (the classic protocol with
//! KIP-394 member ids, KIP-345 static members and KIP-429's cooperative rebalancing).
//!
//! A group's coordinator is the leader of the `__consumer_offsets` partition
//! `abs(groupId.hashCode()) % offsets.topic.num.partitions`. The topic is a real topic of
//! the simulation, created when the first consumer looks for its coordinator; the group's
//! metadata and its committed offsets are records in that partition (kscope keeps their
//! values beside the log, [`GroupRecord`]), replicated like any other, so when the leader
//! moves the new coordinator loads the group from its own copy of the log.
//!
//! The state machine is Kafka's: Empty → PreparingRebalance (members rejoin, within the
//! rebalance timeout; the first rebalance of an empty group waits
//! `group.initial.rebalance.delay.ms`) → CompletingRebalance (the leader computes the
//! assignment and sends it in its SyncGroup) → Stable. Heartbeats keep a member; one
//! silent for `session.timeout.ms` is removed.

use crate::vecmap::VecMap;
use alloc::rc::Rc;
use alloc::vec::Vec;

use crate::assignor::{classic_string, AssignorKind, AssignorList, Subscription};
use crate::ids::{ConsumerId, MessageId, NodeId, Offset, RecordId, TopicPartition};
use crate::rng::Rng;
use crate::time::Instant;

/// The name of the internal topic.
pub const OFFSETS_TOPIC: &str = "__consumer_offsets";

/// The `__consumer_offsets` partition that holds `group` (`GroupCoordinator.partitionFor`).
pub fn partition_for(group: &str, partitions: u32) -> u32 {
    crate::java::internal_partition_for(group, partitions)
}

/// The group's state, as Kafka names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum GroupState {
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
}

impl GroupState {
    pub fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
        }
    }
}

/// A member as its coordinator knows it.
#[derive(Clone, Debug)]
pub struct Member {
    pub member_id: Rc<str>,
    pub group_instance_id: Option<Rc<str>>,
    /// The process that sent its last request (for the stage; Kafka knows a client id).
    pub consumer: ConsumerId,
    pub session_timeout_ms: u64,
    pub rebalance_timeout_ms: u64,
    /// The assignors it listed in its last JoinGroup, preferred first.
    pub protocols: AssignorList,
    pub subscription: Subscription,
    pub assignment: Vec<TopicPartition>,
    pub(crate) awaiting_join: Option<MessageId>,
    pub(crate) awaiting_sync: Option<MessageId>,
    pub(crate) session_expires_at: Instant,
    /// A number unique to this member record, for its session timer.
    pub(crate) seq: u64,
    /// Joined since the last generation began (`ClassicGroupMember.isNew`): it may
    /// expire while it awaits its first join.
    pub(crate) is_new: bool,
    /// Has not sent SyncGroup since the current generation began
    /// (`ClassicGroup.pendingSyncMembers`).
    pub(crate) pending_sync: bool,
}

impl Member {
    /// `ClassicGroupMember.hasSatisfiedHeartbeat`: a member awaiting a JoinGroup or a
    /// SyncGroup response needs no heartbeat (unless it is new); the rebalance's own
    /// timeout decides whether it stays.
    pub(crate) fn has_satisfied_heartbeat(&self) -> bool {
        !self.is_new && (self.awaiting_join.is_some() || self.awaiting_sync.is_some())
    }
}

/// A group as its coordinator holds it.
#[derive(Clone, Debug)]
pub struct Group {
    pub id: Rc<str>,
    /// Its `__consumer_offsets` partition.
    pub partition: TopicPartition,
    pub state: GroupState,
    pub generation: i32,
    pub protocol: Option<AssignorKind>,
    pub leader: Option<Rc<str>>,
    /// In the order they joined (the order the leader receives them in).
    pub members: Vec<Member>,
    /// KIP-394: member ids handed out and not yet used to rejoin, with their expiry.
    pub(crate) pending_members: Vec<(Rc<str>, Instant)>,
    /// Offsets whose commit is replicated.
    pub committed: VecMap<TopicPartition, Offset>,
    /// Offsets stored by transactional producers (`TxnOffsetCommit`), by producer id, not
    /// yet committed or aborted by their transaction's marker
    /// (`pendingTransactionalOffsetCommits`). While a partition has some, an `OffsetFetch`
    /// that requires stable offsets is answered `UNSTABLE_OFFSET_COMMIT` (KIP-447).
    #[cfg(feature = "transactions")]
    pub pending_txn: VecMap<i64, Vec<(TopicPartition, Offset)>>,
    /// Identifies the current join timer.
    pub(crate) timer: u64,
    /// The first rebalance of an empty group completes no earlier than this.
    pub(crate) initial_delay_until: Option<Instant>,
    /// In the initial rebalance: the delay running and what is left of the rebalance
    /// timeout to extend it by (`tryCompleteInitialRebalanceElseSchedule`).
    pub(crate) initial_delay: Option<(u64, u64)>,
    /// A member joined during the initial delay (`ClassicGroup.newMemberAdded`).
    pub(crate) new_member_added: bool,
}

impl Group {
    /// A group the coordinator has no record of yet.
    pub(crate) fn empty(id: Rc<str>, partition: TopicPartition) -> Group {
        Group {
            id,
            partition,
            state: GroupState::Empty,
            generation: 0,
            protocol: None,
            leader: None,
            members: Vec::new(),
            pending_members: Vec::new(),
            committed: VecMap::new(),
            #[cfg(feature = "transactions")]
            pending_txn: VecMap::new(),
            timer: 0,
            initial_delay_until: None,
            initial_delay: None,
            new_member_added: false,
        }
    }

    /// The group's rebalance timeout: the longest of its members'
    /// (`ClassicGroup.rebalanceTimeoutMs`).
    pub(crate) fn rebalance_timeout_ms(&self) -> u64 {
        self.members
            .iter()
            .map(|m| m.rebalance_timeout_ms)
            .max()
            .unwrap_or(0)
    }

    /// Each member's `partition.assignment.strategy`, in join order.
    pub(crate) fn member_protocols(&self) -> Vec<crate::assignor::AssignorList> {
        self.members.iter().map(|m| m.protocols).collect()
    }

    /// Each member's id and subscription, in join order: what the group leader's
    /// JoinGroup response carries for its assignor.
    pub(crate) fn member_subscriptions(&self) -> Vec<(Rc<str>, Subscription)> {
        self.members
            .iter()
            .map(|m| (m.member_id.clone(), m.subscription.clone()))
            .collect()
    }

    pub(crate) fn member(&self, id: &str) -> Option<&Member> {
        self.members.iter().find(|m| &*m.member_id == id)
    }
    pub(crate) fn member_mut(&mut self, id: &str) -> Option<&mut Member> {
        self.members.iter_mut().find(|m| &*m.member_id == id)
    }
    pub(crate) fn all_joined(&self) -> bool {
        self.pending_members.is_empty() && self.members.iter().all(|m| m.awaiting_join.is_some())
    }
}

/// The value of a record in `__consumer_offsets`.
#[derive(Clone, Debug)]
pub enum GroupRecord {
    /// `OffsetCommitValue` under the key (group, topic, partition).
    Offset {
        group: Rc<str>,
        partition: TopicPartition,
        offset: Offset,
    },
    /// `GroupMetadataValue` under the key (group).
    Metadata {
        group: Rc<str>,
        generation: i32,
        protocol: Option<AssignorKind>,
        leader: Option<Rc<str>>,
        members: Vec<Member>,
    },
    /// `TransactionLogValue` under `TransactionLogKey`: a record of
    /// `__transaction_state`, kept in the same store.
    Txn(crate::txn::TxnRecord),
}

fn classic_nullable(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => classic_string(out, s),
        None => out.extend_from_slice(&(-1i16).to_be_bytes()),
    }
}

fn classic_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as i32).to_be_bytes());
    out.extend_from_slice(b);
}

impl GroupRecord {
    /// The record's key as Kafka writes it (`GroupCoordinatorRecordHelpers`): a version,
    /// then `OffsetCommitKey` v1 (group, topic, partition) or `GroupMetadataKey` v2
    /// (group), non-flexible (int16-length strings). `topics` are the topics' names.
    pub fn key_bytes(&self, topics: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            GroupRecord::Offset {
                group, partition, ..
            } => {
                out.extend_from_slice(&1i16.to_be_bytes());
                classic_string(&mut out, group);
                let topic = topics.get(partition.topic.0 as usize).unwrap_or(&"");
                classic_string(&mut out, topic);
                out.extend_from_slice(&(partition.partition as i32).to_be_bytes());
            }
            GroupRecord::Metadata { group, .. } => {
                out.extend_from_slice(&2i16.to_be_bytes());
                classic_string(&mut out, group);
            }
            GroupRecord::Txn(t) => return t.key_bytes(),
        }
        out
    }

    /// The record's value as Kafka 4.0 writes it (`MetadataVersion`'s
    /// `offsetCommitValueVersion` and `groupMetadataValueVersion`: 3 for both), appended
    /// at `timestamp_ms`: `OffsetCommitValue` v3 (offset, leader epoch -1 as kscope's
    /// consumers commit none, metadata "", the commit timestamp) or `GroupMetadataValue`
    /// v3 (protocol type "consumer", generation, protocol, leader, the state's timestamp,
    /// each member's id, instance id, client id, client host (kscope's clients have no
    /// address: "/127.0.0.1"), timeouts, and its subscription and assignment in the
    /// consumer protocol).
    pub fn value_bytes(&self, topics: &[&str], timestamp_ms: i64) -> Vec<u8> {
        if let GroupRecord::Txn(t) = self {
            return t.value_bytes(topics);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&3i16.to_be_bytes());
        match self {
            GroupRecord::Txn(_) => {}
            GroupRecord::Offset { offset, .. } => {
                out.extend_from_slice(&offset.0.to_be_bytes());
                out.extend_from_slice(&(-1i32).to_be_bytes());
                classic_string(&mut out, "");
                out.extend_from_slice(&timestamp_ms.to_be_bytes());
            }
            GroupRecord::Metadata {
                group,
                generation,
                protocol,
                leader,
                members,
            } => {
                classic_string(&mut out, "consumer");
                out.extend_from_slice(&generation.to_be_bytes());
                classic_nullable(&mut out, protocol.map(AssignorKind::name));
                classic_nullable(&mut out, leader.as_deref());
                out.extend_from_slice(&timestamp_ms.to_be_bytes());
                out.extend_from_slice(&(members.len() as i32).to_be_bytes());
                let name = |tp: &TopicPartition| *topics.get(tp.topic.0 as usize).unwrap_or(&"");
                for m in members {
                    classic_string(&mut out, &m.member_id);
                    classic_nullable(&mut out, m.group_instance_id.as_deref());
                    classic_string(
                        &mut out,
                        &alloc::format!("consumer-{group}-{}", m.consumer.0 + 1),
                    );
                    classic_string(&mut out, "/127.0.0.1");
                    out.extend_from_slice(&(m.rebalance_timeout_ms as i32).to_be_bytes());
                    out.extend_from_slice(&(m.session_timeout_ms as i32).to_be_bytes());
                    let assignor = protocol.unwrap_or(AssignorKind::Range);
                    let sub = crate::assignor::subscription_bytes(&m.subscription, assignor, None);
                    classic_bytes(&mut out, &sub);
                    let topics = crate::assignor::by_topic(
                        m.assignment
                            .iter()
                            .map(|tp| (name(tp), tp.partition as i32)),
                    );
                    let assignment = crate::assignor::assignment_bytes(&topics, None);
                    classic_bytes(&mut out, &assignment);
                }
            }
        }
        out
    }
}

impl GroupRecord {
    /// The length of [`GroupRecord::value_bytes`], reckoned without encoding it (what
    /// the coordinator counts; a test checks the two agree).
    pub fn value_len(&self, topics: &[&str]) -> u32 {
        let string = |s: &str| 2 + s.len() as u32;
        let nullable = |s: Option<&str>| s.map_or(2, string);
        let name = |tp: &TopicPartition| *topics.get(tp.topic.0 as usize).unwrap_or(&"");
        // Partitions grouped by topic: a count, then each topic's name and partitions.
        let partitions = |names: &mut dyn Iterator<Item = &str>| {
            let mut seen: Vec<&str> = Vec::new();
            let mut len = 4;
            for n in names {
                if !seen.contains(&n) {
                    seen.push(n);
                    len += string(n) + 4;
                }
                len += 4;
            }
            len
        };
        match self {
            GroupRecord::Txn(t) => t.value_len(topics),
            GroupRecord::Offset { .. } => 24,
            GroupRecord::Metadata {
                group,
                protocol,
                leader,
                members,
                ..
            } => {
                let assignor = protocol.unwrap_or(AssignorKind::Range);
                let mut len = 2 + string("consumer") + 4;
                len += nullable(protocol.map(AssignorKind::name)) + nullable(leader.as_deref());
                len += 8 + 4;
                for m in members {
                    let s = &m.subscription;
                    let owned = &mut s.owned_partitions.iter().map(|p| p.topic.as_str());
                    let user_data = match assignor {
                        AssignorKind::CooperativeSticky => 4,
                        AssignorKind::Sticky if !s.owned_partitions.is_empty() => {
                            partitions(owned) + 4
                        }
                        _ => 0,
                    };
                    let owned_field = match assignor {
                        AssignorKind::CooperativeSticky => {
                            partitions(&mut s.owned_partitions.iter().map(|p| p.topic.as_str()))
                        }
                        _ => 4,
                    };
                    let subscription = 2
                        + 4
                        + s.topics.iter().map(|t| string(t)).sum::<u32>()
                        + 4
                        + user_data
                        + owned_field
                        + 4
                        + 2;
                    let assignment = 2 + partitions(&mut m.assignment.iter().map(name)) + 4;
                    len += string(&m.member_id) + nullable(m.group_instance_id.as_deref());
                    len += string(&alloc::format!("consumer-{group}-{}", m.consumer.0 + 1));
                    len += string("/127.0.0.1") + 4 + 4;
                    len += 4 + subscription + 4 + assignment;
                }
                len
            }
        }
    }
}

/// What waits for an append to `__consumer_offsets` to be replicated.
#[derive(Clone, Debug)]
pub(crate) enum AppendWaiter {
    Commit {
        client: NodeId,
        consumer: ConsumerId,
        request: MessageId,
        group: Rc<str>,
        offsets: Vec<(TopicPartition, Offset)>,
    },
    Sync {
        group: Rc<str>,
        generation: i32,
    },
    /// A transactional producer's offsets for a group (`TxnOffsetCommit`; only the build
    /// with transactions sends one).
    #[cfg_attr(not(feature = "transactions"), allow(dead_code))]
    TxnOffsets {
        client: NodeId,
        request: MessageId,
        group: Rc<str>,
        producer_id: i64,
        offsets: Vec<(TopicPartition, Offset)>,
    },
    /// A transaction's record in `__transaction_state`.
    Txn {
        transactional_id: Rc<str>,
        waiter: crate::txn::TxnWaiter,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct PendingAppend {
    pub id: u64,
    pub partition: TopicPartition,
    /// The high watermark that makes it durable.
    pub end_offset: Offset,
    pub waiter: AppendWaiter,
}

/// What the coordinators share across the cluster: the values of `__consumer_offsets`
/// records by record id (the log holds the record ids; a value travels with its record
/// when followers replicate it), and the counters and random stream that make ids unique.
#[derive(Clone, Debug)]
pub(crate) struct GroupStore {
    /// Record values, sorted by id (ids increase).
    pub(crate) records: Vec<(RecordId, GroupRecord)>,
    pub(crate) record_seq: u64,
    pub(crate) append_seq: u64,
    /// Numbers for group members' timers, unique across the simulation.
    pub(crate) member_seq: u64,
    /// Draws group member ids (Kafka's random UUIDs).
    pub(crate) rng: Rng,
}

impl GroupStore {
    pub(crate) fn new(rng: Rng) -> GroupStore {
        GroupStore {
            records: Vec::new(),
            record_seq: 0,
            append_seq: 0,
            member_seq: 0,
            rng,
        }
    }
}

/// One broker's coordinator: the groups it loaded and its appends in progress.
#[derive(Clone, Debug, Default)]
pub struct Coordinator {
    pub groups: VecMap<Rc<str>, Group>,
    pub(crate) pending: Vec<PendingAppend>,
}

impl Coordinator {
    /// Requests the coordinator holds unanswered (joins and syncs waiting for the rest of
    /// the group, commits waiting for replication), with their senders.
    pub(crate) fn held_requests(&self) -> impl Iterator<Item = (NodeId, MessageId)> + '_ {
        let members = self
            .groups
            .values()
            .flat_map(|g| g.members.iter())
            .flat_map(|m| {
                [m.awaiting_join, m.awaiting_sync]
                    .into_iter()
                    .flatten()
                    .map(move |r| (NodeId::Consumer(m.consumer), r))
            });
        let commits = self.pending.iter().filter_map(|p| match &p.waiter {
            AppendWaiter::Commit {
                client, request, ..
            }
            | AppendWaiter::TxnOffsets {
                client, request, ..
            } => Some((*client, *request)),
            AppendWaiter::Txn { waiter, .. } => match waiter {
                crate::txn::TxnWaiter::Init { client, request }
                | crate::txn::TxnWaiter::Add { client, request } => Some((*client, *request)),
                crate::txn::TxnWaiter::Prepare { client } => *client,
                _ => None,
            },
            AppendWaiter::Sync { .. } => None,
        });
        members.chain(commits)
    }
}

/// One row of `kafka-consumer-groups --describe`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PartitionLag {
    pub partition: TopicPartition,
    /// LOG-END-OFFSET: the leader's high watermark (what a consumer can read).
    pub high_watermark: Option<Offset>,
    /// CURRENT-OFFSET.
    pub committed: Option<Offset>,
    /// LAG.
    pub lag: Option<i64>,
    /// CONSUMER-ID's process.
    pub owner: Option<ConsumerId>,
}

/// Record ids of `__consumer_offsets` records start here, apart from the application's.
pub const GROUP_RECORD_IDS: u64 = 1 << 48;
