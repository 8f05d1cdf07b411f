//! The group coordinator's handlers, run by the broker that leads the group's
//! `__consumer_offsets` partition (Kafka 4.0's `GroupCoordinatorService` for the classic
//! protocol, `GroupMetadataManager`): JoinGroup (KIP-394 member ids, KIP-345 static
//! members), SyncGroup, Heartbeat, LeaveGroup, OffsetCommit and OffsetFetch; the join and
//! member-expiry timers; the group's records appended to the broker's own log and
//! answered once replicated; groups loaded from the log when the broker becomes the
//! partition's leader and dropped when it resigns. The group state itself is in
//! [`crate::group`].

use crate::vecmap::VecMap;
use alloc::rc::Rc;
use alloc::vec::Vec;

use crate::assignor::AssignorList;
use crate::broker::{Broker, Env, ReadUpTo};
use crate::ctx::{Ctx, Due};
use crate::event::{Event, KafkaError, LeaveReason, RebalanceReason};
use crate::group::*;
use crate::ids::{ConsumerId, MessageId, NodeId, Offset, RecordId, TopicPartition};
use crate::log::{StoredBatch, StoredRecord};
use crate::network::{
    HeartbeatRequest, JoinGroup, JoinGroupError, JoinGroupResult, LeaveGroupRequest,
    OffsetCommitRequest, Payload, SyncGroupRequest,
};
use crate::time::Duration;

/// How long a new member's first JoinGroup may wait in a rebalance before it is timed out
/// (`classicGroupNewMemberJoinTimeoutMs`, 5 minutes).
const NEW_MEMBER_JOIN_TIMEOUT_MS: u64 = 300_000;

impl Broker {
    /// The group's partition if `b` coordinates it (creating an empty group on first use).
    fn coordinated(&mut self, env: &mut Env, group: &Rc<str>) -> Result<(), KafkaError> {
        let topic = env.offsets_topic().ok_or(KafkaError::NotCoordinator)?;
        let n = env.topics[topic.0 as usize].partitions.len() as u32;
        let tp = TopicPartition::new(topic, partition_for(group, n));
        if !self.replicas.get(&tp).is_some_and(|r| r.is_leader) {
            return Err(KafkaError::NotCoordinator);
        }
        self.coordinator
            .groups
            .entry(group.clone())
            .or_insert_with(|| Group::empty(group.clone(), tp));
        Ok(())
    }

    fn group_mut(&mut self, group: &str) -> &mut Group {
        self.coordinator
            .groups
            .get_mut(group)
            .expect("checked by coordinated()")
    }

    fn new_member_id(env: &mut Env, group: &str, consumer: ConsumerId) -> Rc<str> {
        // Kafka: clientId + "-" + a random UUID.
        let a = (u64::from(env.groups.rng.next_u32()) << 32) | u64::from(env.groups.rng.next_u32());
        let b = (u64::from(env.groups.rng.next_u32()) << 32) | u64::from(env.groups.rng.next_u32());
        Rc::from(alloc::format!(
            "consumer-{}-{}-{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            group,
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
        cx: &mut Ctx,
        to: NodeId,
        request: MessageId,
        result: Result<Rc<JoinGroupResult>, JoinGroupError>,
    ) {
        let b = self.id;
        cx.send(
            NodeId::Broker(b),
            to,
            Payload::JoinGroupResponse { request, result },
        );
    }

    pub(crate) fn handle_join_group(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        from: NodeId,
        request: MessageId,
        join: Rc<JoinGroup>,
    ) {
        let b = self.id;
        let NodeId::Consumer(consumer) = from else {
            return;
        };
        if let Err(error) = self.coordinated(env, &join.group) {
            let err = JoinGroupError {
                error,
                member_id: None,
            };
            return self.reply_join(cx, from, request, Err(err));
        }
        let now = cx.now;
        let group_name = join.group.clone();
        // `ClassicGroup.supportsProtocols`, checked before anything else of a join: a
        // group with members admits only a member listing an assignor they all list (a
        // rejoining member counts with the assignors it listed before).
        let lists = self
            .coordinator
            .groups
            .get(&*group_name)
            .map_or(Vec::new(), Group::member_protocols);
        if !join.protocols.supported_by(&lists) {
            let err = JoinGroupError {
                error: KafkaError::InconsistentGroupProtocol,
                member_id: None,
            };
            return self.reply_join(cx, from, request, Err(err));
        }
        if join.member_id.is_empty() {
            if let Some(instance) = join.group_instance_id.clone() {
                return self.join_static(cx, env, consumer, request, &join, instance);
            }
            // KIP-394: hand out a member id and expect a rejoin with it.
            let id = Self::new_member_id(env, &group_name, consumer);
            let expires = now + Duration::from_millis(join.session_timeout_ms);
            let g = self.group_mut(&group_name);
            g.pending_members.push((id.clone(), expires));
            let partition = g.partition.partition;
            cx.schedule(
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
            return self.reply_join(cx, from, request, Err(err));
        }
        let g = self.group_mut(&group_name);
        let pending = g
            .pending_members
            .iter()
            .position(|(id, _)| *id == join.member_id);
        if let Some(i) = pending {
            g.pending_members.remove(i);
            self.add_member(cx, env, consumer, &join, join.member_id.clone(), request);
            self.maybe_prepare_rebalance(cx, env, &group_name, RebalanceReason::MemberJoined);
            self.try_complete_join(cx, env, &group_name);
            return;
        }
        let Some(m) = g.member_mut(&join.member_id) else {
            let err = JoinGroupError {
                error: KafkaError::UnknownMemberId,
                member_id: None,
            };
            return self.reply_join(cx, from, request, Err(err));
        };
        let changed = m.subscription != join.subscription || m.protocols != join.protocols;
        m.subscription = join.subscription.clone();
        m.protocols = join.protocols;
        m.consumer = consumer;
        m.awaiting_join = Some(request);
        m.session_expires_at = now + Duration::from_millis(m.session_timeout_ms);
        let is_leader = g.leader.as_deref() == Some(&*join.member_id);
        match g.state {
            GroupState::PreparingRebalance => self.try_complete_join(cx, env, &group_name),
            // `classicGroupJoinExistingMember`: a follower of a stable group, or any member
            // while the group awaits its SyncGroups (it may have missed the JoinGroup
            // response), rejoining with the same metadata gets the current generation;
            // the leader gets the members again.
            GroupState::CompletingRebalance | GroupState::Stable
                if !changed && (g.state == GroupState::CompletingRebalance || !is_leader) =>
            {
                let g = self.group_mut(&group_name);
                let members = if is_leader {
                    g.member_subscriptions()
                } else {
                    Vec::new()
                };
                let m = g.member_mut(&join.member_id).expect("just found");
                m.awaiting_join = None;
                let result = JoinGroupResult {
                    generation: g.generation,
                    protocol: g.protocol.unwrap_or(join.protocols.first()),
                    leader: g.leader.clone().unwrap_or_else(|| Rc::from("")),
                    member_id: join.member_id.clone(),
                    members,
                    skip_assignment: false,
                };
                self.reply_join(cx, from, request, Ok(Rc::new(result)));
            }
            _ => {
                self.maybe_prepare_rebalance(cx, env, &group_name, RebalanceReason::MemberJoined);
                self.try_complete_join(cx, env, &group_name);
            }
        }
    }

    /// KIP-345: a static member joins without a member id; if its instance id is known, the
    /// new process replaces the old one without a rebalance when the group is stable.
    fn join_static(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        consumer: ConsumerId,
        request: MessageId,
        join: &JoinGroup,
        instance: Rc<str>,
    ) {
        let group_name = join.group.clone();
        let new_id = Self::new_member_id(env, &group_name, consumer);
        let now = cx.now;
        let g = self.group_mut(&group_name);
        let known = g
            .members
            .iter()
            .position(|m| m.group_instance_id.as_deref() == Some(&*instance));
        let Some(i) = known else {
            self.add_member(cx, env, consumer, join, new_id, request);
            self.maybe_prepare_rebalance(cx, env, &group_name, RebalanceReason::MemberJoined);
            self.try_complete_join(cx, env, &group_name);
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
            self.reply_join(cx, NodeId::Consumer(old_consumer), r, Err(err));
        }
        if state == GroupState::Stable {
            let g = self.group_mut(&group_name);
            let leads = g.leader.as_deref() == Some(&*new_id);
            let result = JoinGroupResult {
                generation: g.generation,
                protocol: g.protocol.unwrap_or(join.protocols.first()),
                leader: g.leader.clone().unwrap_or_else(|| Rc::from("")),
                member_id: new_id,
                members: if leads {
                    g.member_subscriptions()
                } else {
                    Vec::new()
                },
                skip_assignment: leads,
            };
            self.reply_join(cx, NodeId::Consumer(consumer), request, Ok(Rc::new(result)));
        } else {
            let g = self.group_mut(&group_name);
            g.members[i].awaiting_join = Some(request);
            self.maybe_prepare_rebalance(cx, env, &group_name, RebalanceReason::MemberJoined);
            self.try_complete_join(cx, env, &group_name);
        }
    }

    fn add_member(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        consumer: ConsumerId,
        join: &JoinGroup,
        member_id: Rc<str>,
        request: MessageId,
    ) {
        let group = &*join.group;
        let b = self.id;
        env.groups.member_seq += 1;
        let seq = env.groups.member_seq;
        // A new member cannot heartbeat before it has joined: its JoinGroup is timed out
        // after the new-member join timeout instead of the session timeout
        // (`GroupMetadataManager.addMemberAndRebalance`).
        let expires = cx.now + Duration::from_millis(NEW_MEMBER_JOIN_TIMEOUT_MS);
        let g = self.group_mut(group);
        if g.state == GroupState::PreparingRebalance && g.initial_delay.is_some() {
            g.new_member_added = true;
        }
        let partition = g.partition.partition;
        g.members.push(Member {
            member_id,
            group_instance_id: join.group_instance_id.clone(),
            consumer,
            session_timeout_ms: join.session_timeout_ms,
            rebalance_timeout_ms: join.rebalance_timeout_ms,
            protocols: join.protocols,
            subscription: join.subscription.clone(),
            assignment: Vec::new(),
            awaiting_join: Some(request),
            awaiting_sync: None,
            session_expires_at: expires,
            seq,
            is_new: true,
            pending_sync: false,
        });
        cx.schedule(
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
    fn maybe_prepare_rebalance(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        group: &str,
        reason: RebalanceReason,
    ) {
        let b = self.id;
        let now = cx.now;
        let initial_delay = env.config.broker.group_initial_rebalance_delay_ms;
        if self.group_mut(group).state == GroupState::PreparingRebalance {
            return;
        }
        // Timer tokens are unique across the simulation, so a timer from before a
        // coordinator moved never matches a reloaded group.
        env.groups.member_seq += 1;
        let token = env.groups.member_seq;
        let g = self.group_mut(group);
        let rebalance_timeout = g.rebalance_timeout_ms();
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
        // A group that was empty waits `group.initial.rebalance.delay.ms` for more members,
        // extended while they keep coming, up to the rebalance timeout
        // (`GroupMetadataManager.prepareRebalance`).
        let (deadline, delay_until) = if was_empty && initial_delay > 0 {
            let until = now + Duration::from_millis(initial_delay);
            g.initial_delay = Some((
                initial_delay,
                rebalance_timeout.saturating_sub(initial_delay),
            ));
            (until, Some(until))
        } else {
            g.initial_delay = None;
            (now + Duration::from_millis(rebalance_timeout), None)
        };
        g.new_member_added = false;
        g.initial_delay_until = delay_until;
        let timer = g.timer;
        let partition = g.partition.partition;
        let generation = g.generation;
        cx.emit(Event::RebalanceStarted {
            broker: b,
            generation,
            reason,
        });
        for (to, request) in syncs {
            cx.send(
                NodeId::Broker(b),
                to,
                Payload::SyncGroupResponse {
                    request,
                    result: Err(KafkaError::RebalanceInProgress),
                },
            );
        }
        cx.schedule(
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
    fn try_complete_join(&mut self, cx: &mut Ctx, env: &mut Env, group: &str) {
        let now = cx.now;
        let g = self.group_mut(group);
        if g.state != GroupState::PreparingRebalance || !g.all_joined() {
            return;
        }
        if g.initial_delay_until.is_some_and(|t| now < t) {
            return;
        }
        self.complete_join(cx, env, group);
    }

    /// The join timer fired: the initial delay may be extended by new joins (up to the
    /// rebalance timeout), otherwise the join phase completes with whoever rejoined.
    pub(crate) fn on_group_join_timer(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        partition: u32,
        timer: u64,
    ) {
        let Some(name) = self.find_group(partition, |g| g.timer == timer) else {
            return;
        };
        let now = cx.now;
        let initial = env.config.broker.group_initial_rebalance_delay_ms;
        let g = self.group_mut(&name);
        if g.state != GroupState::PreparingRebalance {
            return;
        }
        // `tryCompleteInitialRebalanceElseSchedule`: members joined during the initial
        // delay extend it, by at most the delay again, until the rebalance timeout is used.
        if let Some((delay, remaining)) = g.initial_delay {
            if g.new_member_added && remaining != 0 {
                g.new_member_added = false;
                let next = initial.min(remaining);
                g.initial_delay = Some((next, remaining.saturating_sub(delay)));
                let until = now + Duration::from_millis(next);
                g.initial_delay_until = Some(until);
                cx.schedule(
                    until,
                    Due::GroupJoinTimer {
                        broker: self.id,
                        partition,
                        timer,
                    },
                );
                return;
            }
        }
        g.initial_delay_until = None;
        g.initial_delay = None;
        self.complete_join(cx, env, &name);
    }

    fn find_group(&self, partition: u32, test: impl Fn(&Group) -> bool) -> Option<Rc<str>> {
        let broker = self;
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
    fn complete_join(&mut self, cx: &mut Ctx, env: &mut Env, group: &str) {
        let b = self.id;
        let g = self.group_mut(group);
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
            cx.emit(Event::MemberRemoved {
                broker: b,
                consumer: Some(*consumer),
                reason: LeaveReason::RebalanceTimeout,
            });
        }
        let now = cx.now;
        let g = self.group_mut(group);
        if g.members.is_empty() {
            g.state = GroupState::Empty;
            g.leader = None;
            g.protocol = None;
            cx.emit(Event::GenerationStarted {
                broker: b,
                generation,
                leader: None,
                members: Vec::new(),
                protocol: None,
            });
            self.store_group(cx, env, group, None);
            return;
        }
        let g = self.group_mut(group);
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
        let leader_id = g.leader.clone().expect("just chosen");
        // `ClassicGroup.selectProtocol`: the members' votes among the assignors all list.
        let protocol = AssignorList::select(&g.member_protocols())
            .expect("members are admitted only with a common assignor");
        g.protocol = Some(protocol);
        g.state = GroupState::CompletingRebalance;
        let members = g.member_subscriptions();
        let mut replies = Vec::new();
        let mut timers = Vec::new();
        let rebalance_timeout = g.rebalance_timeout_ms();
        for m in g.members.iter_mut() {
            m.pending_sync = true;
            m.session_expires_at = now + Duration::from_millis(m.session_timeout_ms);
            if m.is_new {
                // Its first session starts now (`rescheduleClassicGroupMemberHeartbeat`);
                // the new-member timer it had is left to find no such member.
                m.is_new = false;
                env.groups.member_seq += 1;
                m.seq = env.groups.member_seq;
                timers.push((m.session_expires_at, m.seq));
            }
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
        let partition = g.partition.partition;
        cx.emit(Event::GenerationStarted {
            broker: b,
            generation,
            leader,
            members: consumers,
            protocol: Some(protocol),
        });
        for (at, member) in timers {
            cx.schedule(
                at,
                Due::MemberExpiry {
                    broker: b,
                    partition,
                    member,
                },
            );
        }
        // `schedulePendingSync`: the members have the rebalance timeout to send SyncGroup.
        cx.schedule(
            now + Duration::from_millis(rebalance_timeout),
            Due::PendingSyncExpiry {
                broker: b,
                partition,
                generation,
            },
        );
        for (to, request, result) in replies {
            self.reply_join(cx, to, request, Ok(Rc::new(result)));
        }
    }

    pub(crate) fn handle_sync_group(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        from: NodeId,
        request: MessageId,
        req: SyncGroupRequest,
    ) {
        let SyncGroupRequest {
            group,
            member_id,
            generation,
            assignments,
        } = req;
        let b = self.id;
        let reply = |cx: &mut Ctx, result| {
            cx.send(
                NodeId::Broker(b),
                from,
                Payload::SyncGroupResponse { request, result },
            );
        };
        if let Err(e) = self.coordinated(env, &group) {
            return reply(cx, Err(e));
        }
        let g = self.group_mut(&group);
        let state = g.state;
        let current = g.generation;
        let Some(m) = g.member_mut(&member_id) else {
            return reply(cx, Err(KafkaError::UnknownMemberId));
        };
        if generation != current {
            return reply(cx, Err(KafkaError::IllegalGeneration));
        }
        if matches!(state, GroupState::CompletingRebalance | GroupState::Stable) {
            // `removePendingSyncMember`.
            m.pending_sync = false;
        }
        match g.state {
            GroupState::Empty => reply(cx, Err(KafkaError::UnknownMemberId)),
            GroupState::PreparingRebalance => reply(cx, Err(KafkaError::RebalanceInProgress)),
            GroupState::Stable => {
                let a = g.member(&member_id).expect("found").assignment.clone();
                reply(cx, Ok(a))
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
                    self.store_group(cx, env, &group, Some(stored));
                }
            }
        }
    }

    /// Appends the group's metadata to its partition (`storeGroup`); with `members`, the
    /// assignment takes effect once the append is replicated.
    fn store_group(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        group: &str,
        members: Option<Vec<Member>>,
    ) {
        let g = self.group_mut(group);
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
        self.append_group_records(cx, env, tp, alloc::vec![record], waiter, None);
    }

    /// Appends records to a `__consumer_offsets` partition this broker leads, and waits
    /// for the high watermark to pass them (`offsets.commit.required.acks=-1`). With
    /// `producer` (a producer id and epoch), as a transactional batch of that producer,
    /// with no sequence numbers (`RecordBatch.NO_SEQUENCE`, as Kafka writes transactional
    /// offset commits).
    pub(crate) fn append_group_records(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        tp: TopicPartition,
        records: Vec<GroupRecord>,
        waiter: Option<AppendWaiter>,
        producer: Option<(i64, i16)>,
    ) {
        let b = self.id;
        let now_ms = cx.now.millis() as i64;
        let mut stored = Vec::with_capacity(records.len());
        let names: Vec<&str> = env.topics.iter().map(|t| t.spec.name.as_str()).collect();
        for (i, value) in records.into_iter().enumerate() {
            // Kafka's key and value schemas, so that the log's bytes are Kafka's and the
            // batch's size is theirs.
            let key = value.key_bytes(&names);
            let value_len = value.value_len(&names);
            env.groups.record_seq += 1;
            let id = RecordId(GROUP_RECORD_IDS + env.groups.record_seq);
            env.groups.records.push((id, value));
            stored.push(StoredRecord {
                id,
                offset_delta: i as u32,
                key: Some(Rc::from(key)),
                value_len: Some(value_len),
                headers: None,
                timestamp_ms: now_ms,
            });
        }
        let count = stored.len() as u32;
        let Some(r) = self.replicas.get_mut(&tp).filter(|r| r.is_leader) else {
            return;
        };
        let base = r.log.log_end_offset();
        let batch = StoredBatch {
            base_offset: base,
            last_offset_delta: count - 1,
            size_bytes: crate::record::RECORD_BATCH_OVERHEAD
                + crate::log::records_size(&stored, now_ms),
            compression: crate::record::CompressionType::None,
            max_timestamp_ms: now_ms,
            leader_epoch: r.leader_epoch,
            batch_id: crate::ids::BatchId(u64::MAX),
            producer_id: producer.map_or(crate::idempotence::NO_PRODUCER_ID, |p| p.0),
            producer_epoch: producer.map_or(-1, |p| p.1),
            base_sequence: -1,
            transactional: producer.is_some(),
            marker: None,
            delete_horizon_ms: None,
            records: Rc::from(stored),
        };
        self.page_cache.append(&mut r.log, batch, now_ms);
        let end_offset = Offset(base.0 + i64::from(count));
        if let Some(waiter) = waiter {
            env.groups.append_seq += 1;
            let id = env.groups.append_seq;
            self.coordinator.pending.push(PendingAppend {
                id,
                partition: tp,
                end_offset,
                waiter,
            });
            let timeout = Duration::from_millis(env.config.broker.offsets_commit_timeout_ms);
            cx.schedule(
                cx.now + timeout,
                Due::GroupAppendTimeout {
                    broker: b,
                    append: id,
                },
            );
        }
        self.maybe_increment_hw(cx, env, tp);
        self.wake_delayed_fetches(cx, tp, ReadUpTo::LogEnd);
    }

    /// The high watermark of a `__consumer_offsets` partition moved: appends it covers
    /// are durable.
    pub(crate) fn complete_group_appends(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        tp: TopicPartition,
    ) {
        let Some(hw) = self.replicas.get(&tp).map(|r| r.high_watermark) else {
            return;
        };
        let (done, rest): (Vec<PendingAppend>, Vec<PendingAppend>) =
            core::mem::take(&mut self.coordinator.pending)
                .into_iter()
                .partition(|p| p.partition == tp && p.end_offset <= hw);
        self.coordinator.pending = rest;
        for p in done {
            self.finish_append(cx, env, p.waiter, None);
        }
    }

    pub(crate) fn on_group_append_timeout(&mut self, cx: &mut Ctx, env: &mut Env, append: u64) {
        let Some(i) = self.coordinator.pending.iter().position(|p| p.id == append) else {
            return;
        };
        let p = self.coordinator.pending.remove(i);
        self.finish_append(cx, env, p.waiter, Some(KafkaError::RequestTimedOut));
    }

    fn finish_append(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        waiter: AppendWaiter,
        error: Option<KafkaError>,
    ) {
        let b = self.id;
        match waiter {
            AppendWaiter::Commit {
                client,
                consumer,
                request,
                group,
                offsets,
            } => {
                if error.is_none() {
                    if let Some(g) = self.coordinator.groups.get_mut(&group) {
                        for (tp, o) in &offsets {
                            g.committed.insert(*tp, *o);
                        }
                    }
                    if *group == *env.config.consumer.group_id {
                        for (tp, o) in &offsets {
                            cx.ledger.on_group_committed(*tp, *o);
                        }
                    }
                    cx.emit(Event::OffsetsCommitted { consumer, offsets });
                }
                cx.send(
                    NodeId::Broker(b),
                    client,
                    Payload::OffsetCommitResponse { request, error },
                );
            }
            AppendWaiter::TxnOffsets {
                client,
                request,
                group,
                producer_id,
                offsets,
            } if crate::broker::TXN => {
                #[cfg(feature = "transactions")]
                if let (Some(_), Some(g)) = (error, self.coordinator.groups.get_mut(&group)) {
                    // `failPendingTxnOffsetCommit`.
                    if let Some(p) = g.pending_txn.get_mut(&producer_id) {
                        p.retain(|o| !offsets.contains(o));
                        if p.is_empty() {
                            g.pending_txn.remove(&producer_id);
                        }
                    }
                }
                let _ = (group, producer_id, offsets);
                cx.send(
                    NodeId::Broker(b),
                    client,
                    Payload::TxnOffsetCommitResponse { request, error },
                );
            }
            AppendWaiter::TxnOffsets { .. } => {}
            AppendWaiter::Txn {
                transactional_id,
                waiter,
            } => {
                if crate::broker::TXN {
                    self.finish_txn_append(cx, env, transactional_id, waiter, error)
                }
            }
            AppendWaiter::Sync { group, generation } => {
                let Some(g) = self.coordinator.groups.get_mut(&group) else {
                    return;
                };
                if g.generation != generation || g.state != GroupState::CompletingRebalance {
                    return;
                }
                if error.is_some() {
                    // Kafka rebalances again when it cannot store the assignment.
                    self.maybe_prepare_rebalance(cx, env, &group, RebalanceReason::MemberLeft);
                    return;
                }
                let stored = env.groups.records.iter().rev().find_map(|(_, r)| match r {
                    GroupRecord::Metadata {
                        group: name,
                        generation: gen,
                        members,
                        ..
                    } if *name == group && *gen == generation => Some(members.clone()),
                    _ => None,
                });
                let g = self.group_mut(&group);
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
                cx.emit(Event::GroupStable {
                    broker: b,
                    generation,
                });
                for (to, request, a) in replies {
                    cx.send(
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
        cx: &mut Ctx,
        env: &mut Env,
        from: NodeId,
        request: MessageId,
        req: HeartbeatRequest,
    ) {
        let HeartbeatRequest {
            group,
            member_id,
            generation,
        } = req;
        let b = self.id;
        let now = cx.now;
        let error = match self.coordinated(env, &group) {
            Err(e) => Some(e),
            Ok(()) => {
                let g = self.group_mut(&group);
                let state = g.state;
                let current = g.generation;
                // `validateClassicGroupHeartbeat`: the member, then the generation, and
                // only then the group's state (`classicGroupHeartbeatToClassicGroup`).
                match g.member_mut(&member_id) {
                    None => Some(KafkaError::UnknownMemberId),
                    Some(_) if generation != current => Some(KafkaError::IllegalGeneration),
                    Some(m) => match state {
                        GroupState::Empty => Some(KafkaError::UnknownMemberId),
                        GroupState::PreparingRebalance => {
                            m.session_expires_at =
                                now + Duration::from_millis(m.session_timeout_ms);
                            Some(KafkaError::RebalanceInProgress)
                        }
                        _ => {
                            m.session_expires_at =
                                now + Duration::from_millis(m.session_timeout_ms);
                            None
                        }
                    },
                }
            }
        };
        cx.send(
            NodeId::Broker(b),
            from,
            Payload::HeartbeatResponse { request, error },
        );
    }

    pub(crate) fn handle_leave_group(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        from: NodeId,
        request: MessageId,
        req: LeaveGroupRequest,
    ) {
        let LeaveGroupRequest { group, member_id } = req;
        let b = self.id;
        if self.coordinated(env, &group).is_ok() {
            self.remove_member(cx, env, &group, &member_id, LeaveReason::LeaveGroup);
        }
        cx.send(
            NodeId::Broker(b),
            from,
            Payload::LeaveGroupResponse { request },
        );
    }

    fn remove_member(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        group: &str,
        member_id: &str,
        reason: LeaveReason,
    ) {
        let b = self.id;
        let g = self.group_mut(group);
        if let Some(i) = g
            .pending_members
            .iter()
            .position(|(id, _)| &**id == member_id)
        {
            g.pending_members.remove(i);
            self.try_complete_join(cx, env, group);
            return;
        }
        let Some(i) = g.members.iter().position(|m| &*m.member_id == member_id) else {
            return;
        };
        let m = g.members.remove(i);
        let state = g.state;
        cx.emit(Event::MemberRemoved {
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
            cx.send(NodeId::Broker(b), NodeId::Consumer(m.consumer), payload);
        }
        match state {
            GroupState::Stable | GroupState::CompletingRebalance => {
                self.maybe_prepare_rebalance(cx, env, group, RebalanceReason::MemberLeft)
            }
            GroupState::PreparingRebalance => self.try_complete_join(cx, env, group),
            GroupState::Empty => {}
        }
        // A group with nobody left completes its rebalance at once.
        let g = self.group_mut(group);
        if g.members.is_empty() && g.state == GroupState::PreparingRebalance {
            g.initial_delay_until = None;
            g.initial_delay = None;
            self.complete_join(cx, env, group);
        }
    }

    /// A member's session timer fired: it is removed unless it was heard from since.
    pub(crate) fn on_member_expiry(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        partition: u32,
        seq: u64,
    ) {
        let b = self.id;
        let Some(name) = self.find_group(partition, |g| g.members.iter().any(|m| m.seq == seq))
        else {
            return;
        };
        let now = cx.now;
        let g = self.group_mut(&name);
        let m = g.members.iter_mut().find(|m| m.seq == seq).expect("found");
        if m.session_expires_at <= now && m.has_satisfied_heartbeat() {
            // Waiting in the rebalance counts as heartbeating
            // (`GroupMetadataManager.expireClassicGroupMemberHeartbeat`): the session
            // starts again from now.
            m.session_expires_at = now + Duration::from_millis(m.session_timeout_ms);
        }
        if m.session_expires_at > now {
            let at = m.session_expires_at;
            cx.schedule(
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
        self.remove_member(cx, env, &name, &id, LeaveReason::SessionTimeout);
    }

    /// `expirePendingSync`: the rebalance timeout after a join phase completed, the
    /// members of that generation that have not sent SyncGroup are removed and the group
    /// rebalances without them.
    pub(crate) fn on_pending_sync_expiry(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        partition: u32,
        generation: i32,
    ) {
        let b = self.id;
        let Some(group) = self.find_group(partition, |g| {
            g.generation == generation
                && matches!(
                    g.state,
                    GroupState::CompletingRebalance | GroupState::Stable
                )
                && g.members.iter().any(|m| m.pending_sync)
        }) else {
            return;
        };
        let g = self.group_mut(&group);
        let gone: Vec<ConsumerId> = g
            .members
            .iter()
            .filter(|m| m.pending_sync)
            .map(|m| m.consumer)
            .collect();
        g.members.retain(|m| !m.pending_sync);
        for consumer in gone {
            cx.emit(Event::MemberRemoved {
                broker: b,
                consumer: Some(consumer),
                reason: LeaveReason::SyncTimeout,
            });
        }
        self.maybe_prepare_rebalance(cx, env, &group, RebalanceReason::MemberLeft);
    }

    pub(crate) fn on_pending_member_expiry(&mut self, cx: &mut Ctx, env: &mut Env, partition: u32) {
        let now = cx.now;
        let Some(name) = self.find_group(partition, |g| {
            g.pending_members.iter().any(|(_, at)| *at <= now)
        }) else {
            return;
        };
        let g = self.group_mut(&name);
        g.pending_members.retain(|(_, at)| *at > now);
        self.try_complete_join(cx, env, &name);
    }

    pub(crate) fn handle_offset_commit(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        from: NodeId,
        request: MessageId,
        req: OffsetCommitRequest,
    ) {
        let OffsetCommitRequest {
            group,
            member_id,
            generation,
            offsets,
        } = req;
        let b = self.id;
        let NodeId::Consumer(consumer) = from else {
            return;
        };
        let check = self.coordinated(env, &group).and_then(|()| {
            let g = self.group_mut(&group);
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
                cx.send(
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
                self.append_group_records(cx, env, tp, records, Some(waiter), None);
            }
        };
    }

    /// `TxnOffsetCommit` (KIP-98, KIP-447; `OffsetMetadataManager.commitTransactionalOffset`
    /// with `ClassicGroup.validateOffsetCommit`): a member's offsets from its transactional
    /// producer, checked against the group's generation (a zombie fenced by a rebalance
    /// cannot commit), then appended to the group's partition as the producer's
    /// transactional batch, pending until the transaction's marker. With transaction
    /// version 2 the partition joins the transaction by the leader's verification, as a
    /// produced partition does (`verified`: the coordinator added it already).
    #[cfg(feature = "transactions")]
    pub(crate) fn handle_txn_offset_commit(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        message: crate::network::Message,
        verified: bool,
    ) {
        let crate::network::Payload::TxnOffsetCommitRequest(req) = &message.payload else {
            return;
        };
        let req = req.clone();
        let check = self.coordinated(env, &req.group).and_then(|()| {
            let g = self.group_mut(&req.group);
            if g.member(&req.member_id).is_none() {
                Err(KafkaError::UnknownMemberId)
            } else if req.generation != g.generation {
                Err(KafkaError::IllegalGeneration)
            } else {
                Ok(g.partition)
            }
        });
        let tp = match check {
            Ok(tp) => tp,
            Err(error) => return self.answer_txn_offsets(cx, &message, Some(error)),
        };
        if !verified && self.txn_unverified(tp, req.producer_id, req.epoch) {
            let asked = self.verify_then(
                cx,
                env,
                message,
                req.transactional_id.clone(),
                (req.producer_id, req.epoch),
                alloc::vec![tp],
            );
            if let Err((m, e)) = asked {
                self.answer_txn_offsets(cx, &m, Some(e));
            }
            return;
        }
        let records = req
            .offsets
            .iter()
            .map(|(p, o)| GroupRecord::Offset {
                group: req.group.clone(),
                partition: *p,
                offset: *o,
            })
            .collect();
        // `prepareTxnOffsetCommit`: pending from the append on.
        let g = self.group_mut(&req.group);
        let pending = g.pending_txn.entry(req.producer_id).or_default();
        for (p, o) in &req.offsets {
            pending.retain(|(q, _)| q != p);
            pending.push((*p, *o));
        }
        let waiter = AppendWaiter::TxnOffsets {
            client: message.from,
            request: message.id,
            group: req.group.clone(),
            producer_id: req.producer_id,
            offsets: req.offsets.clone(),
        };
        let producer = Some((req.producer_id, req.epoch));
        self.append_group_records(cx, env, tp, records, Some(waiter), producer);
    }

    /// Answers a `TxnOffsetCommit`.
    pub(crate) fn answer_txn_offsets(
        &mut self,
        cx: &mut Ctx,
        message: &crate::network::Message,
        error: Option<KafkaError>,
    ) {
        cx.send(
            NodeId::Broker(self.id),
            message.from,
            Payload::TxnOffsetCommitResponse {
                request: message.id,
                error,
            },
        );
    }

    /// A transaction marker for `producer_id` landed on `__consumer_offsets` partition
    /// `tp`: the offsets it stored there for its groups become committed (COMMIT) or are
    /// dropped (ABORT) (`GroupCoordinator.onTransactionCompleted`,
    /// `completePendingTxnOffsetCommit`).
    #[cfg(feature = "transactions")]
    pub(crate) fn complete_txn_offsets(
        &mut self,
        cx: &mut Ctx,
        env: &Env,
        tp: TopicPartition,
        producer_id: i64,
        commit: bool,
    ) {
        let first = &*env.config.consumer.group_id;
        for g in self.coordinator.groups.values_mut() {
            if g.partition != tp {
                continue;
            }
            let Some(offsets) = g.pending_txn.remove(&producer_id) else {
                continue;
            };
            if !commit {
                continue;
            }
            for (p, o) in &offsets {
                g.committed.insert(*p, *o);
                if *g.id == *first {
                    cx.ledger.on_group_committed(*p, *o);
                }
            }
        }
    }

    pub(crate) fn handle_offset_fetch(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        from: NodeId,
        request: MessageId,
        group: Rc<str>,
        partitions: Vec<TopicPartition>,
    ) {
        let b = self.id;
        // The consumer always requires stable offsets (KIP-447): a partition with
        // offsets in an open transaction has none to give yet.
        let result = self.coordinated(env, &group).and_then(|()| {
            let g = self.group_mut(&group);
            #[cfg(feature = "transactions")]
            let unstable = g
                .pending_txn
                .values()
                .flatten()
                .any(|(tp, _)| partitions.contains(tp));
            #[cfg(not(feature = "transactions"))]
            let unstable = false;
            if unstable {
                return Err(KafkaError::UnstableOffsetCommit);
            }
            Ok(partitions
                .iter()
                .map(|tp| (*tp, g.committed.get(tp).copied()))
                .collect())
        });
        cx.send(
            NodeId::Broker(b),
            from,
            Payload::OffsetFetchResponse { request, result },
        );
    }

    pub(crate) fn load_groups(&mut self, cx: &mut Ctx, env: &mut Env, tp: TopicPartition) {
        let b = self.id;
        let log = &self.replicas[&tp].log;
        let mut groups: VecMap<Rc<str>, Group> = VecMap::new();
        let mut offsets = 0u32;
        for batch in log.batches() {
            // A marker ends its producer's pending offsets (committed or dropped).
            #[cfg(feature = "transactions")]
            if let Some(marker) = batch.marker {
                for g in groups.values_mut() {
                    if let Some(pending) = g.pending_txn.remove(&batch.producer_id) {
                        if marker.commit {
                            g.committed.extend(pending);
                        }
                    }
                }
                continue;
            }
            for record in batch.records.iter() {
                let Ok(at) = env
                    .groups
                    .records
                    .binary_search_by_key(&record.id, |(id, _)| *id)
                else {
                    continue;
                };
                let Some((_, value)) = env.groups.records.get(at) else {
                    continue;
                };
                let name = match value {
                    GroupRecord::Offset { group, .. } | GroupRecord::Metadata { group, .. } => {
                        group.clone()
                    }
                    GroupRecord::Txn(_) => continue,
                };
                let g = groups
                    .entry(name.clone())
                    .or_insert_with(|| Group::empty(name, tp));
                match value {
                    GroupRecord::Txn(_) => {}
                    #[cfg(feature = "transactions")]
                    GroupRecord::Offset {
                        partition, offset, ..
                    } if batch.transactional => {
                        let pending = g.pending_txn.entry(batch.producer_id).or_default();
                        pending.retain(|(p, _)| p != partition);
                        pending.push((*partition, *offset));
                    }
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
        }
        let now = cx.now;
        let mut timers = Vec::new();
        for g in groups.values_mut() {
            for m in g.members.iter_mut() {
                m.awaiting_join = None;
                m.awaiting_sync = None;
                m.session_expires_at = now + Duration::from_millis(m.session_timeout_ms);
                env.groups.member_seq += 1;
                m.seq = env.groups.member_seq;
                timers.push((m.session_expires_at, m.seq));
            }
            cx.emit(Event::CoordinatorLoaded {
                broker: b,
                partition: tp,
                generation: g.generation,
                members: g.members.len() as u32,
                offsets,
            });
        }
        for (at, seq) in timers {
            cx.schedule(
                at,
                Due::MemberExpiry {
                    broker: b,
                    partition: tp.partition,
                    member: seq,
                },
            );
        }
        self.coordinator.groups.extend(groups);
    }

    pub(crate) fn unload_groups(&mut self, cx: &mut Ctx, tp: TopicPartition) {
        let b = self.id;
        let names: Vec<Rc<str>> = self
            .coordinator
            .groups
            .values()
            .filter(|g| g.partition == tp)
            .map(|g| g.id.clone())
            .collect();
        let mut replies = Vec::new();
        for name in names {
            let g = self.coordinator.groups.remove(&name).expect("listed");
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
            let (mine, rest) = core::mem::take(&mut self.coordinator.pending)
                .into_iter()
                .partition(|p| p.partition == tp);
            self.coordinator.pending = rest;
            mine
        };
        for (c, payload) in replies {
            cx.send(NodeId::Broker(b), NodeId::Consumer(c), payload);
        }
        for p in pending {
            let error = Some(KafkaError::NotCoordinator);
            match p.waiter {
                AppendWaiter::Commit {
                    client, request, ..
                } => cx.send(
                    NodeId::Broker(b),
                    client,
                    Payload::OffsetCommitResponse { request, error },
                ),
                AppendWaiter::TxnOffsets {
                    client, request, ..
                } => cx.send(
                    NodeId::Broker(b),
                    client,
                    Payload::TxnOffsetCommitResponse { request, error },
                ),
                _ => continue,
            };
        }
    }
}
