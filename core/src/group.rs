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

use crate::assignor::{AssignorKind, Subscription};
use crate::ctx::Due;
use crate::event::{Event, KafkaError, LeaveReason, RebalanceReason};
use crate::ids::{BrokerId, ConsumerId, MessageId, NodeId, Offset, RecordId, TopicPartition};
use crate::log::{CleanupPolicy, StoredBatch, StoredRecord};
use crate::network::{JoinGroup, JoinGroupError, JoinGroupResult, Payload};
use crate::sim::Sim;
use crate::time::{Duration, Instant};

/// The name of the internal topic.
pub const OFFSETS_TOPIC: &str = "__consumer_offsets";

/// Kafka's `Utils.abs`: `Math.abs`, except that `Integer.MIN_VALUE` maps to 0.
fn java_abs(n: i32) -> i32 {
    if n == i32::MIN {
        0
    } else {
        n.abs()
    }
}

/// The `__consumer_offsets` partition that holds `group` (`GroupCoordinator.partitionFor`).
pub fn partition_for(group: &str, partitions: u32) -> u32 {
    (java_abs(crate::java::string_hash_code(group)) as u32) % partitions
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
    pub protocol: AssignorKind,
    pub subscription: Subscription,
    pub assignment: Vec<TopicPartition>,
    pub(crate) awaiting_join: Option<MessageId>,
    pub(crate) awaiting_sync: Option<MessageId>,
    pub(crate) session_expires_at: Instant,
    /// A number unique to this member record, for its session timer.
    pub(crate) seq: u64,
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
    /// Identifies the current join timer.
    pub(crate) timer: u64,
    /// The first rebalance of an empty group completes no earlier than this.
    pub(crate) initial_delay_until: Option<Instant>,
}

impl Group {
    /// A group the coordinator has no record of yet.
    fn empty(id: Rc<str>, partition: TopicPartition) -> Group {
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
            timer: 0,
            initial_delay_until: None,
        }
    }

    fn member(&self, id: &str) -> Option<&Member> {
        self.members.iter().find(|m| &*m.member_id == id)
    }
    fn member_mut(&mut self, id: &str) -> Option<&mut Member> {
        self.members.iter_mut().find(|m| &*m.member_id == id)
    }
    fn all_joined(&self) -> bool {
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
}

#[derive(Clone, Debug)]
pub(crate) struct PendingAppend {
    pub id: u64,
    pub partition: TopicPartition,
    /// The high watermark that makes it durable.
    pub end_offset: Offset,
    pub waiter: AppendWaiter,
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
            } => Some((*client, *request)),
            AppendWaiter::Sync { .. } => None,
        });
        members.chain(commits)
    }
}

impl Sim {
    /// The id of the `__consumer_offsets` topic, if it was created.
    pub fn offsets_topic(&self) -> Option<crate::ids::TopicId> {
        self.topics
            .iter()
            .position(|t| t.spec.name == OFFSETS_TOPIC)
            .map(|i| crate::ids::TopicId(i as u32))
    }

    /// The group as its current coordinator holds it.
    pub fn group(&self, group: &str) -> Option<(BrokerId, &Group)> {
        let topic = self.offsets_topic()?;
        let n = self.topics[topic.0 as usize].partitions.len() as u32;
        let tp = TopicPartition::new(topic, partition_for(group, n));
        let leader = self.partition(tp).leader?;
        let b = self.brokers.get(&leader)?;
        if !b.up {
            return None;
        }
        b.coordinator.groups.get(group).map(|g| (leader, g))
    }

    /// Creates `__consumer_offsets` as a broker does when a group first needs it; Kafka
    /// refuses while fewer brokers are registered than its replication factor.
    fn create_offsets_topic(&mut self) -> bool {
        let rf = self.config.broker.offsets_topic_replication_factor;
        let live = self.brokers.values().filter(|b| b.up && !b.fenced).count() as u32;
        if rf == 0 || rf > live {
            return false;
        }
        let mut spec = crate::config::TopicSpec::new(
            OFFSETS_TOPIC,
            self.config.broker.offsets_topic_num_partitions.max(1),
            rf,
        );
        spec.log.cleanup_policy = CleanupPolicy::Compact;
        spec.log.segment_bytes = 104_857_600;
        self.create_topic(spec);
        self.reconcile_fetchers();
        true
    }

    /// Which broker coordinates `group`, creating `__consumer_offsets` if needed.
    pub(crate) fn handle_find_coordinator(
        &mut self,
        b: BrokerId,
        from: NodeId,
        request: MessageId,
        group: Rc<str>,
    ) {
        let coordinator = match self.offsets_topic() {
            None => {
                self.create_offsets_topic();
                Err(KafkaError::CoordinatorNotAvailable)
            }
            Some(topic) => {
                let n = self.topics[topic.0 as usize].partitions.len() as u32;
                let tp = TopicPartition::new(topic, partition_for(&group, n));
                match self.partition(tp).leader {
                    Some(l) if self.broker_usable(l) => Ok(l),
                    _ => Err(KafkaError::CoordinatorNotAvailable),
                }
            }
        };
        self.cx.send(
            NodeId::Broker(b),
            from,
            Payload::FindCoordinatorResponse {
                request,
                coordinator,
            },
        );
    }

    /// The group's partition if `b` coordinates it (creating an empty group on first use).
    fn coordinated(&mut self, b: BrokerId, group: &Rc<str>) -> Result<(), KafkaError> {
        let topic = self.offsets_topic().ok_or(KafkaError::NotCoordinator)?;
        let n = self.topics[topic.0 as usize].partitions.len() as u32;
        let tp = TopicPartition::new(topic, partition_for(group, n));
        let broker = self.brokers.get_mut(&b).ok_or(KafkaError::NotCoordinator)?;
        if !broker.replicas.get(&tp).is_some_and(|r| r.is_leader) {
            return Err(KafkaError::NotCoordinator);
        }
        broker
            .coordinator
            .groups
            .entry(group.clone())
            .or_insert_with(|| Group::empty(group.clone(), tp));
        Ok(())
    }

    fn group_mut(&mut self, b: BrokerId, group: &str) -> &mut Group {
        self.brokers
            .get_mut(&b)
            .expect("coordinator exists")
            .coordinator
            .groups
            .get_mut(group)
            .expect("checked by coordinated()")
    }

    fn new_member_id(&mut self, consumer: ConsumerId) -> Rc<str> {
        // Kafka: clientId + "-" + a random UUID.
        let a = (u64::from(self.group_rng.next_u32()) << 32) | u64::from(self.group_rng.next_u32());
        let b = (u64::from(self.group_rng.next_u32()) << 32) | u64::from(self.group_rng.next_u32());
        Rc::from(alloc::format!(
            "consumer-{}-{}-{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            self.config.consumer.group_id,
            consumer.0 + 1,
            (a >> 32) as u32,
            (a >> 16) as u16,
            (a & 0xfff) as u16,
            ((b >> 48) as u16 & 0x3fff) | 0x8000,
            b & 0xffff_ffff_ffff
        ))
    }

    fn reply_join(
        &mut self,
        b: BrokerId,
        to: NodeId,
        request: MessageId,
        result: Result<Rc<JoinGroupResult>, JoinGroupError>,
    ) {
        self.cx.send(
            NodeId::Broker(b),
            to,
            Payload::JoinGroupResponse { request, result },
        );
    }

    pub(crate) fn handle_join_group(
        &mut self,
        b: BrokerId,
        from: NodeId,
        request: MessageId,
        join: Rc<JoinGroup>,
    ) {
        let NodeId::Consumer(consumer) = from else {
            return;
        };
        if let Err(error) = self.coordinated(b, &join.group) {
            let err = JoinGroupError {
                error,
                member_id: None,
            };
            return self.reply_join(b, from, request, Err(err));
        }
        let now = self.cx.now;
        let group_name = join.group.clone();
        if join.member_id.is_empty() {
            if let Some(instance) = join.group_instance_id.clone() {
                return self.join_static(b, from, consumer, request, &join, instance);
            }
            // KIP-394: hand out a member id and expect a rejoin with it.
            let id = self.new_member_id(consumer);
            let expires = now + Duration::from_millis(join.session_timeout_ms);
            let g = self.group_mut(b, &group_name);
            g.pending_members.push((id.clone(), expires));
            let partition = g.partition.partition;
            self.cx.schedule(
                expires,
                Due::PendingMemberExpiry {
                    broker: b,
                    partition,
                },
            );
            let err = JoinGroupError {
                error: KafkaError::MemberIdRequired,
                member_id: Some(id),
            };
            return self.reply_join(b, from, request, Err(err));
        }
        let g = self.group_mut(b, &group_name);
        let pending = g
            .pending_members
            .iter()
            .position(|(id, _)| *id == join.member_id);
        if let Some(i) = pending {
            g.pending_members.remove(i);
            self.add_member(
                b,
                &group_name,
                consumer,
                &join,
                join.member_id.clone(),
                request,
            );
            self.maybe_prepare_rebalance(b, &group_name, RebalanceReason::MemberJoined);
            self.try_complete_join(b, &group_name);
            return;
        }
        let Some(m) = g.member_mut(&join.member_id) else {
            let err = JoinGroupError {
                error: KafkaError::UnknownMemberId,
                member_id: None,
            };
            return self.reply_join(b, from, request, Err(err));
        };
        let changed = m.subscription != join.subscription || m.protocol != join.protocol;
        m.subscription = join.subscription.clone();
        m.protocol = join.protocol;
        m.consumer = consumer;
        m.awaiting_join = Some(request);
        m.session_expires_at = now + Duration::from_millis(m.session_timeout_ms);
        let is_leader = g.leader.as_deref() == Some(&*join.member_id);
        match g.state {
            GroupState::PreparingRebalance => self.try_complete_join(b, &group_name),
            GroupState::Stable if !changed && !is_leader => {
                // A follower rejoining with nothing new gets the current generation.
                let g = self.group_mut(b, &group_name);
                let m = g.member_mut(&join.member_id).expect("just found");
                m.awaiting_join = None;
                let result = JoinGroupResult {
                    generation: g.generation,
                    protocol: g.protocol.unwrap_or(join.protocol),
                    leader: g.leader.clone().unwrap_or_else(|| Rc::from("")),
                    member_id: join.member_id.clone(),
                    members: Vec::new(),
                    skip_assignment: false,
                };
                self.reply_join(b, from, request, Ok(Rc::new(result)));
            }
            _ => {
                self.maybe_prepare_rebalance(b, &group_name, RebalanceReason::MemberJoined);
                self.try_complete_join(b, &group_name);
            }
        }
    }

    /// KIP-345: a static member joins without a member id; if its instance id is known, the
    /// new process replaces the old one without a rebalance when the group is stable.
    fn join_static(
        &mut self,
        b: BrokerId,
        from: NodeId,
        consumer: ConsumerId,
        request: MessageId,
        join: &JoinGroup,
        instance: Rc<str>,
    ) {
        let group_name = join.group.clone();
        let new_id = self.new_member_id(consumer);
        let now = self.cx.now;
        let g = self.group_mut(b, &group_name);
        let known = g
            .members
            .iter()
            .position(|m| m.group_instance_id.as_deref() == Some(&*instance));
        let Some(i) = known else {
            self.add_member(b, &group_name, consumer, join, new_id, request);
            self.maybe_prepare_rebalance(b, &group_name, RebalanceReason::MemberJoined);
            self.try_complete_join(b, &group_name);
            return;
        };
        let old_id = g.members[i].member_id.clone();
        let old_consumer = g.members[i].consumer;
        let fenced: Vec<MessageId> = [g.members[i].awaiting_join, g.members[i].awaiting_sync]
            .into_iter()
            .flatten()
            .collect();
        {
            let m = &mut g.members[i];
            m.member_id = new_id.clone();
            m.consumer = consumer;
            m.awaiting_join = None;
            m.awaiting_sync = None;
            m.session_expires_at = now + Duration::from_millis(m.session_timeout_ms);
        }
        if g.leader.as_deref() == Some(&*old_id) {
            g.leader = Some(new_id.clone());
        }
        let state = g.state;
        for r in fenced {
            let err = JoinGroupError {
                error: KafkaError::FencedInstanceId,
                member_id: None,
            };
            self.reply_join(b, NodeId::Consumer(old_consumer), r, Err(err));
        }
        if state == GroupState::Stable {
            let g = self.group_mut(b, &group_name);
            let leads = g.leader.as_deref() == Some(&*new_id);
            let result = JoinGroupResult {
                generation: g.generation,
                protocol: g.protocol.unwrap_or(join.protocol),
                leader: g.leader.clone().unwrap_or_else(|| Rc::from("")),
                member_id: new_id,
                members: if leads {
                    g.members
                        .iter()
                        .map(|m| (m.member_id.clone(), m.subscription.clone()))
                        .collect()
                } else {
                    Vec::new()
                },
                skip_assignment: leads,
            };
            self.reply_join(b, from, request, Ok(Rc::new(result)));
        } else {
            let g = self.group_mut(b, &group_name);
            g.members[i].awaiting_join = Some(request);
            self.maybe_prepare_rebalance(b, &group_name, RebalanceReason::MemberJoined);
            self.try_complete_join(b, &group_name);
        }
    }

    fn add_member(
        &mut self,
        b: BrokerId,
        group: &str,
        consumer: ConsumerId,
        join: &JoinGroup,
        member_id: Rc<str>,
        request: MessageId,
    ) {
        self.member_seq += 1;
        let seq = self.member_seq;
        let expires = self.cx.now + Duration::from_millis(join.session_timeout_ms);
        let g = self.group_mut(b, group);
        let partition = g.partition.partition;
        g.members.push(Member {
            member_id,
            group_instance_id: join.group_instance_id.clone(),
            consumer,
            session_timeout_ms: join.session_timeout_ms,
            rebalance_timeout_ms: join.rebalance_timeout_ms,
            protocol: join.protocol,
            subscription: join.subscription.clone(),
            assignment: Vec::new(),
            awaiting_join: Some(request),
            awaiting_sync: None,
            session_expires_at: expires,
            seq,
        });
        self.cx.schedule(
            expires,
            Due::MemberExpiry {
                broker: b,
                partition,
                member: seq,
            },
        );
    }

    /// `prepareRebalance`: moves a Stable, CompletingRebalance or Empty group to
    /// PreparingRebalance and starts the join timer.
    fn maybe_prepare_rebalance(&mut self, b: BrokerId, group: &str, reason: RebalanceReason) {
        let now = self.cx.now;
        let initial_delay = self.config.broker.group_initial_rebalance_delay_ms;
        if self.group_mut(b, group).state == GroupState::PreparingRebalance {
            return;
        }
        // Timer tokens are unique across the simulation, so a timer from before a
        // coordinator moved never matches a reloaded group.
        self.member_seq += 1;
        let token = self.member_seq;
        let g = self.group_mut(b, group);
        let rebalance_timeout = g
            .members
            .iter()
            .map(|m| m.rebalance_timeout_ms)
            .max()
            .unwrap_or(0);
        // Members still waiting for the last generation's assignment must rejoin.
        let syncs: Vec<(NodeId, MessageId)> = g
            .members
            .iter_mut()
            .filter_map(|m| {
                m.awaiting_sync
                    .take()
                    .map(|r| (NodeId::Consumer(m.consumer), r))
            })
            .collect();
        let was_empty = g.state == GroupState::Empty;
        g.state = GroupState::PreparingRebalance;
        g.timer = token;
        let (deadline, delay_until) = if was_empty && initial_delay > 0 {
            let until = now + Duration::from_millis(initial_delay.min(rebalance_timeout));
            (until, Some(until))
        } else {
            (now + Duration::from_millis(rebalance_timeout), None)
        };
        g.initial_delay_until = delay_until;
        let timer = g.timer;
        let partition = g.partition.partition;
        let generation = g.generation;
        self.cx.emit(Event::RebalanceStarted {
            broker: b,
            generation,
            reason,
        });
        for (to, request) in syncs {
            self.cx.send(
                NodeId::Broker(b),
                to,
                Payload::SyncGroupResponse {
                    request,
                    result: Err(KafkaError::RebalanceInProgress),
                },
            );
        }
        self.cx.schedule(
            deadline,
            Due::GroupJoinTimer {
                broker: b,
                partition,
                timer,
            },
        );
    }

    /// Completes the join phase once every member has rejoined (not before the initial
    /// delay of a group that was empty).
    fn try_complete_join(&mut self, b: BrokerId, group: &str) {
        let now = self.cx.now;
        let g = self.group_mut(b, group);
        if g.state != GroupState::PreparingRebalance || !g.all_joined() {
            return;
        }
        if g.initial_delay_until.is_some_and(|t| now < t) {
            return;
        }
        self.complete_join(b, group);
    }

    /// The join timer fired: the initial delay may be extended by new joins (up to the
    /// rebalance timeout), otherwise the join phase completes with whoever rejoined.
    pub(crate) fn on_group_join_timer(&mut self, b: BrokerId, partition: u32, timer: u64) {
        let Some(name) = self.find_group(b, partition, |g| g.timer == timer) else {
            return;
        };
        let g = self.group_mut(b, &name);
        if g.state != GroupState::PreparingRebalance {
            return;
        }
        g.initial_delay_until = None;
        self.complete_join(b, &name);
    }

    fn find_group(
        &self,
        b: BrokerId,
        partition: u32,
        test: impl Fn(&Group) -> bool,
    ) -> Option<Rc<str>> {
        let broker = self.brokers.get(&b)?;
        if !broker.up {
            return None;
        }
        broker
            .coordinator
            .groups
            .values()
            .find(|g| g.partition.partition == partition && test(g))
            .map(|g| g.id.clone())
    }

    /// `onCompleteJoin`: dynamic members that did not rejoin are removed; a new generation
    /// starts; the leader gets every member's subscription.
    fn complete_join(&mut self, b: BrokerId, group: &str) {
        let g = self.group_mut(b, group);
        let gone: Vec<(ConsumerId, Rc<str>)> = g
            .members
            .iter()
            .filter(|m| m.awaiting_join.is_none() && m.group_instance_id.is_none())
            .map(|m| (m.consumer, m.member_id.clone()))
            .collect();
        g.members
            .retain(|m| m.awaiting_join.is_some() || m.group_instance_id.is_some());
        g.generation += 1;
        let generation = g.generation;
        for (consumer, _) in &gone {
            self.cx.emit(Event::MemberRemoved {
                broker: b,
                consumer: Some(*consumer),
                reason: LeaveReason::RebalanceTimeout,
            });
        }
        let now = self.cx.now;
        let g = self.group_mut(b, group);
        if g.members.is_empty() {
            g.state = GroupState::Empty;
            g.leader = None;
            g.protocol = None;
            self.cx.emit(Event::GenerationStarted {
                broker: b,
                generation,
                leader: None,
                members: Vec::new(),
                protocol: None,
            });
            self.store_group(b, group, None);
            return;
        }
        let g = self.group_mut(b, group);
        if !g.leader.as_ref().is_some_and(|l| {
            g.members
                .iter()
                .any(|m| m.member_id == *l && m.awaiting_join.is_some())
        }) {
            let first = g
                .members
                .iter()
                .find(|m| m.awaiting_join.is_some())
                .unwrap_or(&g.members[0]);
            g.leader = Some(first.member_id.clone());
        }
        // Every member speaks one assignor in kscope; the group uses the leader's.
        let leader_id = g.leader.clone().expect("just chosen");
        let protocol = g
            .member(&leader_id)
            .map(|m| m.protocol)
            .expect("leader is a member");
        g.protocol = Some(protocol);
        g.state = GroupState::CompletingRebalance;
        let members: Vec<(Rc<str>, Subscription)> = g
            .members
            .iter()
            .map(|m| (m.member_id.clone(), m.subscription.clone()))
            .collect();
        let mut replies = Vec::new();
        for m in g.members.iter_mut() {
            m.session_expires_at = now + Duration::from_millis(m.session_timeout_ms);
            if let Some(request) = m.awaiting_join.take() {
                let result = JoinGroupResult {
                    generation,
                    protocol,
                    leader: leader_id.clone(),
                    member_id: m.member_id.clone(),
                    members: if m.member_id == leader_id {
                        members.clone()
                    } else {
                        Vec::new()
                    },
                    skip_assignment: false,
                };
                replies.push((NodeId::Consumer(m.consumer), request, result));
            }
        }
        let consumers: Vec<ConsumerId> = g.members.iter().map(|m| m.consumer).collect();
        let leader = g.member(&leader_id).map(|m| m.consumer);
        self.cx.emit(Event::GenerationStarted {
            broker: b,
            generation,
            leader,
            members: consumers,
            protocol: Some(protocol),
        });
        for (to, request, result) in replies {
            self.reply_join(b, to, request, Ok(Rc::new(result)));
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn handle_sync_group(
        &mut self,
        b: BrokerId,
        from: NodeId,
        request: MessageId,
        group: Rc<str>,
        member_id: Rc<str>,
        generation: i32,
        assignments: Vec<(Rc<str>, Vec<TopicPartition>)>,
    ) {
        let reply = |sim: &mut Sim, result| {
            sim.cx.send(
                NodeId::Broker(b),
                from,
                Payload::SyncGroupResponse { request, result },
            );
        };
        if let Err(e) = self.coordinated(b, &group) {
            return reply(self, Err(e));
        }
        let g = self.group_mut(b, &group);
        let Some(m) = g.member(&member_id) else {
            return reply(self, Err(KafkaError::UnknownMemberId));
        };
        if generation != g.generation {
            return reply(self, Err(KafkaError::IllegalGeneration));
        }
        match g.state {
            GroupState::Empty => reply(self, Err(KafkaError::UnknownMemberId)),
            GroupState::PreparingRebalance => reply(self, Err(KafkaError::RebalanceInProgress)),
            GroupState::Stable => {
                let a = m.assignment.clone();
                reply(self, Ok(a))
            }
            GroupState::CompletingRebalance => {
                let is_leader = g.leader.as_deref() == Some(&*member_id);
                g.member_mut(&member_id).expect("found").awaiting_sync = Some(request);
                if is_leader {
                    let stored: Vec<Member> = g
                        .members
                        .iter()
                        .map(|m| {
                            let mut m = m.clone();
                            m.assignment = assignments
                                .iter()
                                .find(|(id, _)| *id == m.member_id)
                                .map(|(_, a)| a.clone())
                                .unwrap_or_default();
                            m
                        })
                        .collect();
                    self.store_group(b, &group, Some(stored));
                }
            }
        }
    }

    /// Appends the group's metadata to its partition (`storeGroup`); with `members`, the
    /// assignment takes effect once the append is replicated.
    fn store_group(&mut self, b: BrokerId, group: &str, members: Option<Vec<Member>>) {
        let g = self.group_mut(b, group);
        let record = GroupRecord::Metadata {
            group: g.id.clone(),
            generation: g.generation,
            protocol: g.protocol,
            leader: g.leader.clone(),
            members: members.clone().unwrap_or_default(),
        };
        let waiter = members.map(|_| AppendWaiter::Sync {
            group: g.id.clone(),
            generation: g.generation,
        });
        let tp = g.partition;
        self.append_group_records(b, tp, alloc::vec![record], waiter);
    }

    /// Appends records to a `__consumer_offsets` partition this broker leads, and waits
    /// for the high watermark to pass them (`offsets.commit.required.acks=-1`).
    fn append_group_records(
        &mut self,
        b: BrokerId,
        tp: TopicPartition,
        records: Vec<GroupRecord>,
        waiter: Option<AppendWaiter>,
    ) {
        let now_ms = self.cx.now.millis() as i64;
        let mut stored = Vec::with_capacity(records.len());
        for (i, value) in records.into_iter().enumerate() {
            let key = match &value {
                GroupRecord::Offset {
                    group, partition, ..
                } => alloc::format!(
                    "offset:{group}:{}:{}",
                    partition.topic.0,
                    partition.partition
                ),
                GroupRecord::Metadata { group, .. } => alloc::format!("group:{group}"),
            };
            self.group_record_seq += 1;
            let id = RecordId(GROUP_RECORD_IDS + self.group_record_seq);
            self.group_records.push((id, value));
            stored.push(StoredRecord {
                id,
                offset_delta: i as u32,
                key: Some(Rc::from(key.as_bytes())),
                tombstone: false,
                timestamp_ms: now_ms,
            });
        }
        let count = stored.len() as u32;
        let broker = self.brokers.get_mut(&b).expect("coordinator exists");
        let Some(r) = broker.replicas.get_mut(&tp).filter(|r| r.is_leader) else {
            return;
        };
        let base = r.log.log_end_offset();
        // Sizes: a batch header and a small record per value, as Kafka's are tens of bytes.
        let batch = StoredBatch {
            base_offset: base,
            last_offset_delta: count - 1,
            size_bytes: crate::record::RECORD_BATCH_OVERHEAD + 60 * count,
            max_timestamp_ms: now_ms,
            leader_epoch: r.leader_epoch,
            batch_id: crate::ids::BatchId(u64::MAX),
            producer_id: crate::idempotence::NO_PRODUCER_ID,
            producer_epoch: -1,
            base_sequence: -1,
            records: Rc::from(stored),
        };
        r.log.append(batch, now_ms);
        let end_offset = Offset(base.0 + i64::from(count));
        if let Some(waiter) = waiter {
            self.group_append_seq += 1;
            let id = self.group_append_seq;
            self.brokers
                .get_mut(&b)
                .expect("exists")
                .coordinator
                .pending
                .push(PendingAppend {
                    id,
                    partition: tp,
                    end_offset,
                    waiter,
                });
            let timeout = Duration::from_millis(self.config.broker.offsets_commit_timeout_ms);
            self.cx.schedule(
                self.cx.now + timeout,
                Due::GroupAppendTimeout {
                    broker: b,
                    append: id,
                },
            );
        }
        self.maybe_increment_hw(b, tp);
        self.wake_delayed_fetches(b, tp);
    }

    /// The high watermark of a `__consumer_offsets` partition moved: appends it covers
    /// are durable.
    pub(crate) fn complete_group_appends(&mut self, b: BrokerId, tp: TopicPartition) {
        let Some(broker) = self.brokers.get_mut(&b) else {
            return;
        };
        let Some(hw) = broker.replicas.get(&tp).map(|r| r.high_watermark) else {
            return;
        };
        let (done, rest): (Vec<PendingAppend>, Vec<PendingAppend>) =
            core::mem::take(&mut broker.coordinator.pending)
                .into_iter()
                .partition(|p| p.partition == tp && p.end_offset <= hw);
        broker.coordinator.pending = rest;
        for p in done {
            self.finish_append(b, p.waiter, None);
        }
    }

    pub(crate) fn on_group_append_timeout(&mut self, b: BrokerId, append: u64) {
        let Some(broker) = self.brokers.get_mut(&b) else {
            return;
        };
        let Some(i) = broker
            .coordinator
            .pending
            .iter()
            .position(|p| p.id == append)
        else {
            return;
        };
        let p = broker.coordinator.pending.remove(i);
        self.finish_append(b, p.waiter, Some(KafkaError::RequestTimedOut));
    }

    fn finish_append(&mut self, b: BrokerId, waiter: AppendWaiter, error: Option<KafkaError>) {
        match waiter {
            AppendWaiter::Commit {
                client,
                consumer,
                request,
                group,
                offsets,
            } => {
                if error.is_none() {
                    if let Some(g) = self
                        .brokers
                        .get_mut(&b)
                        .and_then(|br| br.coordinator.groups.get_mut(&group))
                    {
                        for (tp, o) in &offsets {
                            g.committed.insert(*tp, *o);
                        }
                    }
                    self.cx.emit(Event::OffsetsCommitted { consumer, offsets });
                }
                self.cx.send(
                    NodeId::Broker(b),
                    client,
                    Payload::OffsetCommitResponse { request, error },
                );
            }
            AppendWaiter::Sync { group, generation } => {
                let Some(g) = self
                    .brokers
                    .get_mut(&b)
                    .and_then(|br| br.coordinator.groups.get_mut(&group))
                else {
                    return;
                };
                if g.generation != generation || g.state != GroupState::CompletingRebalance {
                    return;
                }
                if error.is_some() {
                    // Kafka rebalances again when it cannot store the assignment.
                    self.maybe_prepare_rebalance(b, &group, RebalanceReason::MemberLeft);
                    return;
                }
                let stored = self.group_records.iter().rev().find_map(|(_, r)| match r {
                    GroupRecord::Metadata {
                        group: name,
                        generation: gen,
                        members,
                        ..
                    } if *name == group && *gen == generation => Some(members.clone()),
                    _ => None,
                });
                let g = self.group_mut(b, &group);
                for m in g.members.iter_mut() {
                    if let Some(s) = stored
                        .as_ref()
                        .and_then(|s| s.iter().find(|x| x.member_id == m.member_id))
                    {
                        m.assignment = s.assignment.clone();
                    }
                }
                g.state = GroupState::Stable;
                let replies: Vec<(NodeId, MessageId, Vec<TopicPartition>)> = g
                    .members
                    .iter_mut()
                    .filter_map(|m| {
                        m.awaiting_sync
                            .take()
                            .map(|r| (NodeId::Consumer(m.consumer), r, m.assignment.clone()))
                    })
                    .collect();
                self.cx.emit(Event::GroupStable {
                    broker: b,
                    generation,
                });
                for (to, request, a) in replies {
                    self.cx.send(
                        NodeId::Broker(b),
                        to,
                        Payload::SyncGroupResponse {
                            request,
                            result: Ok(a),
                        },
                    );
                }
            }
        }
    }

    pub(crate) fn handle_heartbeat(
        &mut self,
        b: BrokerId,
        from: NodeId,
        request: MessageId,
        group: Rc<str>,
        member_id: Rc<str>,
        generation: i32,
    ) {
        let now = self.cx.now;
        let error = match self.coordinated(b, &group) {
            Err(e) => Some(e),
            Ok(()) => {
                let g = self.group_mut(b, &group);
                let state = g.state;
                let current = g.generation;
                match g.member_mut(&member_id) {
                    None => Some(KafkaError::UnknownMemberId),
                    Some(m) => match state {
                        GroupState::Empty => Some(KafkaError::UnknownMemberId),
                        GroupState::PreparingRebalance => {
                            m.session_expires_at =
                                now + Duration::from_millis(m.session_timeout_ms);
                            Some(KafkaError::RebalanceInProgress)
                        }
                        _ if generation != current => Some(KafkaError::IllegalGeneration),
                        _ => {
                            m.session_expires_at =
                                now + Duration::from_millis(m.session_timeout_ms);
                            None
                        }
                    },
                }
            }
        };
        self.cx.send(
            NodeId::Broker(b),
            from,
            Payload::HeartbeatResponse { request, error },
        );
    }

    pub(crate) fn handle_leave_group(
        &mut self,
        b: BrokerId,
        from: NodeId,
        request: MessageId,
        group: Rc<str>,
        member_id: Rc<str>,
    ) {
        if self.coordinated(b, &group).is_ok() {
            self.remove_member(b, &group, &member_id, LeaveReason::LeaveGroup);
        }
        self.cx.send(
            NodeId::Broker(b),
            from,
            Payload::LeaveGroupResponse { request },
        );
    }

    fn remove_member(&mut self, b: BrokerId, group: &str, member_id: &str, reason: LeaveReason) {
        let g = self.group_mut(b, group);
        if let Some(i) = g
            .pending_members
            .iter()
            .position(|(id, _)| &**id == member_id)
        {
            g.pending_members.remove(i);
            self.try_complete_join(b, group);
            return;
        }
        let Some(i) = g.members.iter().position(|m| &*m.member_id == member_id) else {
            return;
        };
        let m = g.members.remove(i);
        let state = g.state;
        self.cx.emit(Event::MemberRemoved {
            broker: b,
            consumer: Some(m.consumer),
            reason,
        });
        for r in [m.awaiting_join, m.awaiting_sync].into_iter().flatten() {
            let payload = if m.awaiting_join == Some(r) {
                Payload::JoinGroupResponse {
                    request: r,
                    result: Err(JoinGroupError {
                        error: KafkaError::UnknownMemberId,
                        member_id: None,
                    }),
                }
            } else {
                Payload::SyncGroupResponse {
                    request: r,
                    result: Err(KafkaError::UnknownMemberId),
                }
            };
            self.cx
                .send(NodeId::Broker(b), NodeId::Consumer(m.consumer), payload);
        }
        match state {
            GroupState::Stable | GroupState::CompletingRebalance => {
                self.maybe_prepare_rebalance(b, group, RebalanceReason::MemberLeft)
            }
            GroupState::PreparingRebalance => self.try_complete_join(b, group),
            GroupState::Empty => {}
        }
        // A group with nobody left completes its rebalance at once.
        let g = self.group_mut(b, group);
        if g.members.is_empty() && g.state == GroupState::PreparingRebalance {
            g.initial_delay_until = None;
            self.complete_join(b, group);
        }
    }

    /// A member's session timer fired: it is removed unless it was heard from since.
    pub(crate) fn on_member_expiry(&mut self, b: BrokerId, partition: u32, seq: u64) {
        let Some(name) = self.find_group(b, partition, |g| g.members.iter().any(|m| m.seq == seq))
        else {
            return;
        };
        let now = self.cx.now;
        let g = self.group_mut(b, &name);
        let m = g.members.iter().find(|m| m.seq == seq).expect("found");
        if m.session_expires_at > now {
            let at = m.session_expires_at;
            self.cx.schedule(
                at,
                Due::MemberExpiry {
                    broker: b,
                    partition,
                    member: seq,
                },
            );
            return;
        }
        let id = m.member_id.clone();
        self.remove_member(b, &name, &id, LeaveReason::SessionTimeout);
    }

    pub(crate) fn on_pending_member_expiry(&mut self, b: BrokerId, partition: u32) {
        let now = self.cx.now;
        let Some(name) = self.find_group(b, partition, |g| {
            g.pending_members.iter().any(|(_, at)| *at <= now)
        }) else {
            return;
        };
        let g = self.group_mut(b, &name);
        g.pending_members.retain(|(_, at)| *at > now);
        self.try_complete_join(b, &name);
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn handle_offset_commit(
        &mut self,
        b: BrokerId,
        from: NodeId,
        request: MessageId,
        group: Rc<str>,
        member_id: Rc<str>,
        generation: i32,
        offsets: Vec<(TopicPartition, Offset)>,
    ) {
        let NodeId::Consumer(consumer) = from else {
            return;
        };
        let check = self.coordinated(b, &group).and_then(|()| {
            let g = self.group_mut(b, &group);
            if g.member(&member_id).is_none() {
                Err(KafkaError::UnknownMemberId)
            } else if g.state == GroupState::CompletingRebalance {
                Err(KafkaError::RebalanceInProgress)
            } else if generation != g.generation {
                Err(KafkaError::IllegalGeneration)
            } else {
                Ok(g.partition)
            }
        });
        match check {
            Err(error) => {
                self.cx.send(
                    NodeId::Broker(b),
                    from,
                    Payload::OffsetCommitResponse {
                        request,
                        error: Some(error),
                    },
                );
            }
            Ok(tp) => {
                let records = offsets
                    .iter()
                    .map(|(p, o)| GroupRecord::Offset {
                        group: group.clone(),
                        partition: *p,
                        offset: *o,
                    })
                    .collect();
                let waiter = AppendWaiter::Commit {
                    client: from,
                    consumer,
                    request,
                    group,
                    offsets,
                };
                self.append_group_records(b, tp, records, Some(waiter));
            }
        };
    }

    pub(crate) fn handle_offset_fetch(
        &mut self,
        b: BrokerId,
        from: NodeId,
        request: MessageId,
        group: Rc<str>,
        partitions: Vec<TopicPartition>,
    ) {
        let result = self.coordinated(b, &group).map(|()| {
            let g = self.group_mut(b, &group);
            partitions
                .iter()
                .map(|tp| (*tp, g.committed.get(tp).copied()))
                .collect()
        });
        self.cx.send(
            NodeId::Broker(b),
            from,
            Payload::OffsetFetchResponse { request, result },
        );
    }

    /// Leadership of a `__consumer_offsets` partition changed: the new leader loads its
    /// groups from its log (`onElection`), every other replica drops them (`onResignation`)
    /// and answers what it was holding with NOT_COORDINATOR.
    pub(crate) fn on_offsets_leadership(&mut self, tp: TopicPartition) {
        if Some(tp.topic) != self.offsets_topic() {
            return;
        }
        let replicas = self.partition(tp).replicas.clone();
        for b in replicas {
            let Some(broker) = self.brokers.get(&b) else {
                continue;
            };
            if !broker.up {
                continue;
            }
            let leads = broker.replicas.get(&tp).is_some_and(|r| r.is_leader);
            let loaded = broker
                .coordinator
                .groups
                .values()
                .any(|g| g.partition == tp);
            if leads && !loaded {
                self.load_groups(b, tp);
            } else if !leads && loaded {
                self.unload_groups(b, tp);
            }
        }
    }

    fn load_groups(&mut self, b: BrokerId, tp: TopicPartition) {
        let log = &self.brokers[&b].replicas[&tp].log;
        let mut groups: VecMap<Rc<str>, Group> = VecMap::new();
        let mut offsets = 0u32;
        for record in log.batches().flat_map(|batch| batch.records.iter()) {
            let Ok(at) = self
                .group_records
                .binary_search_by_key(&record.id, |(id, _)| *id)
            else {
                continue;
            };
            let Some((_, value)) = self.group_records.get(at) else {
                continue;
            };
            let name = match value {
                GroupRecord::Offset { group, .. } | GroupRecord::Metadata { group, .. } => {
                    group.clone()
                }
            };
            let g = groups
                .entry(name.clone())
                .or_insert_with(|| Group::empty(name, tp));
            match value {
                GroupRecord::Offset {
                    partition, offset, ..
                } => {
                    g.committed.insert(*partition, *offset);
                    offsets += 1;
                }
                GroupRecord::Metadata {
                    generation,
                    protocol,
                    leader,
                    members,
                    ..
                } => {
                    g.generation = *generation;
                    g.protocol = *protocol;
                    g.leader = leader.clone();
                    g.members = members.clone();
                    g.state = if members.is_empty() {
                        GroupState::Empty
                    } else {
                        GroupState::Stable
                    };
                }
            }
        }
        let now = self.cx.now;
        let mut timers = Vec::new();
        for g in groups.values_mut() {
            for m in g.members.iter_mut() {
                m.awaiting_join = None;
                m.awaiting_sync = None;
                m.session_expires_at = now + Duration::from_millis(m.session_timeout_ms);
                self.member_seq += 1;
                m.seq = self.member_seq;
                timers.push((m.session_expires_at, m.seq));
            }
            self.cx.emit(Event::CoordinatorLoaded {
                broker: b,
                partition: tp,
                generation: g.generation,
                members: g.members.len() as u32,
                offsets,
            });
        }
        for (at, seq) in timers {
            self.cx.schedule(
                at,
                Due::MemberExpiry {
                    broker: b,
                    partition: tp.partition,
                    member: seq,
                },
            );
        }
        let broker = self.brokers.get_mut(&b).expect("exists");
        broker.coordinator.groups.extend(groups);
    }

    fn unload_groups(&mut self, b: BrokerId, tp: TopicPartition) {
        let broker = self.brokers.get_mut(&b).expect("exists");
        let names: Vec<Rc<str>> = broker
            .coordinator
            .groups
            .values()
            .filter(|g| g.partition == tp)
            .map(|g| g.id.clone())
            .collect();
        let mut replies = Vec::new();
        for name in names {
            let g = broker.coordinator.groups.remove(&name).expect("listed");
            for m in g.members {
                if let Some(r) = m.awaiting_join {
                    replies.push((
                        m.consumer,
                        Payload::JoinGroupResponse {
                            request: r,
                            result: Err(JoinGroupError {
                                error: KafkaError::NotCoordinator,
                                member_id: None,
                            }),
                        },
                    ));
                }
                if let Some(r) = m.awaiting_sync {
                    replies.push((
                        m.consumer,
                        Payload::SyncGroupResponse {
                            request: r,
                            result: Err(KafkaError::NotCoordinator),
                        },
                    ));
                }
            }
        }
        let pending: Vec<PendingAppend> = {
            let (mine, rest) = core::mem::take(&mut broker.coordinator.pending)
                .into_iter()
                .partition(|p| p.partition == tp);
            broker.coordinator.pending = rest;
            mine
        };
        for (c, payload) in replies {
            self.cx
                .send(NodeId::Broker(b), NodeId::Consumer(c), payload);
        }
        for p in pending {
            if let AppendWaiter::Commit {
                client, request, ..
            } = p.waiter
            {
                self.cx.send(
                    NodeId::Broker(b),
                    client,
                    Payload::OffsetCommitResponse {
                        request,
                        error: Some(KafkaError::NotCoordinator),
                    },
                );
            }
        }
    }

    /// The partitions of topics the coordinator's groups committed to, with lag: the
    /// high watermark minus the committed offset, as `kafka-consumer-groups --describe`
    /// reports it.
    pub fn group_lag(&self) -> Vec<PartitionLag> {
        let group = self.config.consumer.group_id.as_str();
        let committed = self.group(group).map(|(_, g)| g.committed.clone());
        let owner = |tp: TopicPartition| {
            self.group(group).and_then(|(_, g)| {
                g.members
                    .iter()
                    .find(|m| m.assignment.contains(&tp))
                    .map(|m| m.consumer)
            })
        };
        let topic = crate::ids::TopicId(self.config.consumer.topic);
        let Some(t) = self.topics.get(topic.0 as usize) else {
            return Vec::new();
        };
        (0..t.partitions.len() as u32)
            .map(|p| {
                let tp = TopicPartition::new(topic, p);
                let hw = self
                    .partition(tp)
                    .leader
                    .and_then(|l| self.brokers.get(&l))
                    .filter(|br| br.up)
                    .and_then(|br| br.replicas.get(&tp))
                    .map(|r| r.high_watermark);
                let c = committed.as_ref().and_then(|c| c.get(&tp).copied());
                PartitionLag {
                    partition: tp,
                    high_watermark: hw,
                    committed: c,
                    lag: match (hw, c) {
                        (Some(h), Some(c)) => Some(h.0 - c.0),
                        _ => None,
                    },
                    owner: owner(tp),
                }
            })
            .collect()
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
