//! The consumer client: `KafkaConsumer` with the classic group protocol, as one process
//! per member.
//!
//! Two threads, as in Kafka: the application thread calls `poll()` (which finds the
//! coordinator, runs rebalances and their listener callbacks, auto-commits, fetches and
//! hands out at most `max.poll.records`), then processes what it got; the heartbeat
//! thread sends a heartbeat every `heartbeat.interval.ms` and leaves the group when the
//! application has not polled for `max.poll.interval.ms`.
//!
//! Rebalances follow the group's assignor (KIP-429): with an eager one a member revokes
//! every partition before it rejoins (after committing, when auto commit is on), so the
//! whole group stops consuming until the new assignment arrives; with cooperative-sticky
//! a member keeps consuming what it keeps, revokes only what moves, and rejoins so the
//! moved partitions are handed out in a second rebalance.

use crate::vecmap::VecMap;
use alloc::collections::VecDeque;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

use crate::assignor::{self, AssignorKind, NamedPartition, RebalanceProtocol, Subscription};
use crate::config::{ManualCommit, OffsetReset};
use crate::ctx::Due;
use crate::event::{Event, KafkaError};
use crate::ids::{
    BrokerId, ConsumerId, LeaderEpoch, MessageId, NodeId, Offset, RecordId, TopicId, TopicPartition,
};
use crate::network::{FetchPartition, FetchPartitionData, JoinGroup, Message, Payload};
use crate::sim::Sim;
use crate::time::{Duration, Instant};

/// The consumer application's `poll(Duration.ofMillis(100))` loop: when nothing is
/// ready it polls again after this long.
const POLL_TIMEOUT: Duration = Duration::from_millis(100);

/// Where a consumer process stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum ConsumerStatus {
    Running,
    /// Closed cleanly (committed, left the group).
    Closed,
    /// The process died.
    Crashed,
    /// Stopped by an error the application cannot get past (a fenced static member).
    Failed(KafkaError),
}

/// The member's view of its group membership (`MemberState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum MemberState {
    Unjoined,
    /// JoinGroup sent.
    PreparingRebalance,
    /// SyncGroup sent.
    CompletingRebalance,
    Stable,
}

#[derive(Clone, Debug)]
pub(crate) enum Inflight {
    FindCoordinator,
    Metadata,
    Join,
    Sync,
    Heartbeat,
    Leave,
    Commit {
        offsets: Vec<(TopicPartition, Offset)>,
        sync: bool,
    },
    OffsetFetch,
    ListOffsets,
    Fetch(BrokerId),
}

/// Records handed to the application by the last `poll()`, being processed.
#[derive(Clone, Debug)]
pub(crate) struct Processing {
    pub until: Instant,
    pub records: Vec<(TopicPartition, Offset, RecordId)>,
}

/// A consumer of the group.
#[derive(Clone, Debug)]
pub struct Consumer {
    pub id: ConsumerId,
    pub status: ConsumerStatus,
    /// The application stopped calling `poll()`.
    pub paused: bool,
    pub(crate) incarnation: u32,
    pub member_id: Rc<str>,
    pub group_instance_id: Option<Rc<str>>,
    pub generation: i32,
    pub member_state: MemberState,
    pub coordinator: Option<BrokerId>,
    pub assignor: AssignorKind,
    /// Partitions assigned to it (`SubscriptionState.assignedPartitions`).
    pub owned: Vec<TopicPartition>,
    /// The next offset to hand out per owned partition; `None` until it is known.
    pub positions: VecMap<TopicPartition, Option<Offset>>,
    /// Offsets this consumer last committed successfully.
    pub committed: VecMap<TopicPartition, Offset>,
    /// Fetched records not yet returned by `poll()`.
    pub(crate) buffer: VecMap<TopicPartition, VecDeque<(Offset, RecordId)>>,
    pub(crate) metadata: VecMap<TopicPartition, (Option<BrokerId>, LeaderEpoch)>,
    pub(crate) metadata_stale: bool,
    /// Requests awaiting an answer: (request, destination, what it was).
    pub(crate) requests: Vec<(MessageId, NodeId, Inflight)>,
    pub(crate) rejoin_needed: bool,
    /// Join preparation (the commit before revoking) is done for the coming join.
    pub(crate) join_prepared: bool,
    /// A JoinGroup or SyncGroup response waiting for the next `poll()` to act on it.
    pub(crate) group_inbox: VecDeque<Payload>,
    pub(crate) last_poll_at: Instant,
    pub(crate) next_auto_commit_at: Instant,
    pub(crate) processing: Option<Processing>,
    pub(crate) blocked_on_commit: bool,
    pub(crate) wake_at: Option<Instant>,
    /// The partition counts the leader assigned from (`assignmentSnapshot`).
    pub(crate) assignment_snapshot: Option<VecMap<TopicId, u32>>,
    pub(crate) bootstrap_cursor: u32,
    pub(crate) next_partition: usize,
    /// Records it processed, and how many of them were redeliveries.
    pub consumed: u64,
    pub redelivered: u64,
}

fn take_request(
    requests: &mut Vec<(MessageId, NodeId, Inflight)>,
    id: MessageId,
) -> Option<(MessageId, NodeId, Inflight)> {
    let i = requests.iter().position(|r| r.0 == id)?;
    Some(requests.swap_remove(i))
}

impl Consumer {
    pub fn is_running(&self) -> bool {
        self.status == ConsumerStatus::Running
    }
    fn in_flight(&self, test: impl Fn(&Inflight) -> bool) -> bool {
        self.requests.iter().any(|(_, _, k)| test(k))
    }
    /// Partitions being processed or buffered, for the stage.
    pub fn processing(&self) -> usize {
        self.processing.as_ref().map_or(0, |p| p.records.len())
    }
    pub fn buffered(&self) -> usize {
        self.buffer.values().map(VecDeque::len).sum()
    }
}

impl Sim {
    pub fn consumers(&self) -> &VecMap<ConsumerId, Consumer> {
        &self.consumers
    }

    /// Starts a consumer process; it looks for its coordinator and joins.
    pub(crate) fn start_consumer(&mut self, id: ConsumerId, incarnation: u32) {
        let cfg = &self.config.consumer;
        let instance = cfg
            .static_membership
            .then(|| Rc::from(alloc::format!("{}-instance-{}", cfg.group_id, id.0)));
        let consumer = Consumer {
            id,
            status: ConsumerStatus::Running,
            paused: false,
            incarnation,
            member_id: Rc::from(""),
            group_instance_id: instance,
            generation: -1,
            member_state: MemberState::Unjoined,
            coordinator: None,
            assignor: cfg.partition_assignment_strategy,
            owned: Vec::new(),
            positions: VecMap::new(),
            committed: VecMap::new(),
            buffer: VecMap::new(),
            metadata: VecMap::new(),
            metadata_stale: true,
            requests: Vec::new(),
            rejoin_needed: true,
            join_prepared: false,
            group_inbox: VecDeque::new(),
            last_poll_at: self.cx.now,
            next_auto_commit_at: self.cx.now
                + Duration::from_millis(self.config.consumer.auto_commit_interval_ms),
            processing: None,
            blocked_on_commit: false,
            wake_at: None,
            assignment_snapshot: None,
            bootstrap_cursor: id.0,
            next_partition: 0,
            consumed: 0,
            redelivered: 0,
        };
        self.consumers.insert(id, consumer);
        self.cx.emit(Event::ConsumerStarted { consumer: id });
        let every = Duration::from_millis(self.config.consumer.heartbeat_interval_ms);
        self.cx.schedule(
            self.cx.now + every,
            Due::ConsumerHeartbeat {
                consumer: id,
                incarnation,
            },
        );
        self.consumer_poll(id);
    }

    fn consumer(&mut self, c: ConsumerId) -> &mut Consumer {
        self.consumers.get_mut(&c).expect("known consumer")
    }

    fn consumer_send(&mut self, c: ConsumerId, to: BrokerId, payload: Payload, kind: Inflight) {
        let timeout = match kind {
            Inflight::Join => {
                // JoinGroup waits for the whole rebalance: Kafka allows it the rebalance
                // timeout plus 5 seconds.
                self.config.consumer.max_poll_interval_ms + 5_000
            }
            _ => self.config.consumer.request_timeout_ms,
        };
        let id = self
            .cx
            .send(NodeId::Consumer(c), NodeId::Broker(to), payload);
        let incarnation = self.consumer(c).incarnation;
        self.consumer(c)
            .requests
            .push((id, NodeId::Broker(to), kind));
        self.cx.schedule(
            self.cx.now + Duration::from_millis(timeout),
            Due::ConsumerRequestTimeout {
                consumer: c,
                incarnation,
                request: id,
            },
        );
    }

    /// The next broker to ask for metadata or the coordinator: the bootstrap list in turn.
    fn bootstrap_broker(&mut self, c: ConsumerId) -> BrokerId {
        let ids: Vec<BrokerId> = self.brokers.keys().copied().collect();
        let cons = self.consumer(c);
        cons.bootstrap_cursor = cons.bootstrap_cursor.wrapping_add(1);
        ids[cons.bootstrap_cursor as usize % ids.len()]
    }

    fn schedule_consumer_wake(&mut self, c: ConsumerId, at: Instant) {
        let cons = self.consumer(c);
        if cons.wake_at.is_some_and(|w| w <= at) {
            return;
        }
        cons.wake_at = Some(at);
        let incarnation = cons.incarnation;
        self.cx.schedule(
            at,
            Due::ConsumerWake {
                consumer: c,
                incarnation,
            },
        );
    }

    pub(crate) fn on_consumer_wake(&mut self, c: ConsumerId, incarnation: u32) {
        let Some(cons) = self.consumers.get_mut(&c) else {
            return;
        };
        if cons.incarnation != incarnation || !cons.is_running() {
            return;
        }
        if cons.wake_at.is_some_and(|w| w > self.cx.now) {
            return;
        }
        cons.wake_at = None;
        if cons
            .processing
            .as_ref()
            .is_some_and(|p| p.until <= self.cx.now)
        {
            self.finish_processing(c);
        }
        self.consumer_poll(c);
        // Still processing: wake when it is done.
        if let Some(until) = self.consumers[&c].processing.as_ref().map(|p| p.until) {
            self.schedule_consumer_wake(c, until);
        }
    }

    /// The application thread's `poll()`.
    pub(crate) fn consumer_poll(&mut self, c: ConsumerId) {
        let now = self.cx.now;
        {
            let cons = self.consumer(c);
            if !cons.is_running()
                || cons.paused
                || cons.processing.is_some()
                || cons.blocked_on_commit
            {
                return;
            }
            cons.last_poll_at = now;
        }
        self.consumer_metadata(c);
        if self.consumer(c).coordinator.is_none() {
            if !self
                .consumer(c)
                .in_flight(|k| matches!(k, Inflight::FindCoordinator))
            {
                let to = self.bootstrap_broker(c);
                let group: Rc<str> = Rc::from(self.config.consumer.group_id.as_str());
                self.consumer_send(
                    c,
                    to,
                    Payload::FindCoordinatorRequest { group },
                    Inflight::FindCoordinator,
                );
            }
        } else {
            while let Some(p) = self.consumer(c).group_inbox.pop_front() {
                self.on_group_response(c, p);
                if !self.consumer(c).is_running() {
                    return;
                }
            }
            if self.consumer(c).blocked_on_commit {
                return;
            }
            self.maybe_join(c);
            if self.consumer(c).blocked_on_commit {
                return;
            }
            self.maybe_auto_commit(c);
            self.refresh_positions(c);
        }
        self.send_fetches(c);
        if !self.hand_out_records(c) {
            self.schedule_consumer_wake(c, now + POLL_TIMEOUT);
        }
    }

    fn consumer_metadata(&mut self, c: ConsumerId) {
        let cons = self.consumer(c);
        if !cons.metadata_stale || cons.in_flight(|k| matches!(k, Inflight::Metadata)) {
            return;
        }
        let to = self.bootstrap_broker(c);
        self.consumer_send(c, to, Payload::MetadataRequest, Inflight::Metadata);
    }

    /// Partition counts of the subscribed topic as this consumer's metadata has them.
    fn partition_counts(&self, c: ConsumerId) -> VecMap<TopicId, u32> {
        let mut counts = VecMap::new();
        for tp in self.consumers[&c].metadata.keys() {
            let n = counts.entry(tp.topic).or_insert(0);
            *n = (*n).max(tp.partition + 1);
        }
        let topic = TopicId(self.config.consumer.topic);
        counts.retain(|t, _| *t == topic);
        counts
    }

    fn subscription(&self, c: ConsumerId) -> Subscription {
        let cons = &self.consumers[&c];
        let topic = &self.topics[self.config.consumer.topic as usize].spec.name;
        Subscription {
            topics: alloc::vec![topic.clone()],
            owned_partitions: cons.owned.iter().map(|tp| self.named(*tp)).collect(),
            generation: (cons.generation >= 0).then_some(cons.generation),
            group_instance_id: cons.group_instance_id.as_ref().map(|s| String::from(&**s)),
        }
    }

    fn named(&self, tp: TopicPartition) -> NamedPartition {
        NamedPartition::new(
            &self.topics[tp.topic.0 as usize].spec.name,
            tp.partition as i32,
        )
    }

    fn unnamed(&self, np: &NamedPartition) -> Option<TopicPartition> {
        let t = self.topics.iter().position(|t| t.spec.name == np.topic)?;
        Some(TopicPartition::new(TopicId(t as u32), np.partition as u32))
    }

    /// `ConsumerCoordinator.onJoinPrepare` then JoinGroup.
    fn maybe_join(&mut self, c: ConsumerId) {
        let cons = &self.consumers[&c];
        let joining = cons.in_flight(|k| matches!(k, Inflight::Join | Inflight::Sync))
            || matches!(
                cons.member_state,
                MemberState::PreparingRebalance | MemberState::CompletingRebalance
            );
        if joining || !(cons.rejoin_needed || cons.member_state == MemberState::Unjoined) {
            return;
        }
        if !self.consumer(c).join_prepared {
            self.consumer(c).join_prepared = true;
            let cons = &self.consumers[&c];
            // Commit what was consumed before giving partitions up (auto commit only).
            if self.config.consumer.enable_auto_commit && cons.generation >= 0 {
                let offsets = self.consumed_positions(c);
                if !offsets.is_empty() {
                    self.commit(c, offsets, true);
                    return;
                }
            }
        }
        let cons = &self.consumers[&c];
        let owned = cons.owned.clone();
        if cons.generation < 0 && !owned.is_empty() {
            // The member is no longer in the group: it cannot commit what it had.
            self.cx.emit(Event::PartitionsLost {
                consumer: c,
                partitions: owned,
            });
            self.drop_partitions(c, None);
        } else if cons.assignor.protocol() == RebalanceProtocol::Eager && !owned.is_empty() {
            self.cx.emit(Event::PartitionsRevoked {
                consumer: c,
                partitions: owned,
            });
            self.drop_partitions(c, None);
        }
        let Some(coordinator) = self.consumers[&c].coordinator else {
            return;
        };
        let cfg = &self.config.consumer;
        let cons = &self.consumers[&c];
        let join = JoinGroup {
            group: Rc::from(cfg.group_id.as_str()),
            member_id: cons.member_id.clone(),
            group_instance_id: cons.group_instance_id.clone(),
            session_timeout_ms: cfg.session_timeout_ms,
            rebalance_timeout_ms: cfg.max_poll_interval_ms,
            protocol: cons.assignor,
            subscription: self.subscription(c),
        };
        let generation = cons.generation;
        let cons = self.consumer(c);
        cons.member_state = MemberState::PreparingRebalance;
        cons.rejoin_needed = false;
        self.cx.emit(Event::JoinGroupSent {
            consumer: c,
            generation,
        });
        self.consumer_send(
            c,
            coordinator,
            Payload::JoinGroupRequest(Rc::new(join)),
            Inflight::Join,
        );
    }

    /// Drops `which` (or every) owned partition: position, buffer, ownership.
    fn drop_partitions(&mut self, c: ConsumerId, which: Option<&[TopicPartition]>) {
        let cons = self.consumer(c);
        let gone: Vec<TopicPartition> = match which {
            Some(w) => w.to_vec(),
            None => cons.owned.clone(),
        };
        cons.owned.retain(|tp| !gone.contains(tp));
        for tp in &gone {
            cons.positions.remove(tp);
            cons.buffer.remove(tp);
        }
    }

    /// The positions of owned partitions that moved past what was last committed.
    fn consumed_positions(&self, c: ConsumerId) -> Vec<(TopicPartition, Offset)> {
        let cons = &self.consumers[&c];
        cons.positions
            .iter()
            .filter_map(|(tp, p)| p.map(|p| (*tp, p)))
            .filter(|(tp, p)| cons.committed.get(tp) != Some(p))
            .collect()
    }

    fn maybe_auto_commit(&mut self, c: ConsumerId) {
        if !self.config.consumer.enable_auto_commit {
            return;
        }
        let now = self.cx.now;
        let cons = &self.consumers[&c];
        if now < cons.next_auto_commit_at || cons.member_state != MemberState::Stable {
            return;
        }
        let next = now + Duration::from_millis(self.config.consumer.auto_commit_interval_ms);
        self.consumer(c).next_auto_commit_at = next;
        let offsets = self.consumed_positions(c);
        if !offsets.is_empty() {
            self.commit(c, offsets, false);
        }
    }

    /// `commitSync` (blocking the application until answered) or `commitAsync`.
    fn commit(&mut self, c: ConsumerId, offsets: Vec<(TopicPartition, Offset)>, sync: bool) {
        let Some(coordinator) = self.consumers[&c].coordinator else {
            return;
        };
        let cons = self.consumer(c);
        if sync {
            cons.blocked_on_commit = true;
        }
        let payload = Payload::OffsetCommitRequest {
            group: Rc::from(self.config.consumer.group_id.as_str()),
            member_id: self.consumers[&c].member_id.clone(),
            generation: self.consumers[&c].generation,
            offsets: offsets.clone(),
        };
        self.consumer_send(c, coordinator, payload, Inflight::Commit { offsets, sync });
    }

    /// Owned partitions without a position ask the coordinator for their committed offset.
    fn refresh_positions(&mut self, c: ConsumerId) {
        let cons = &self.consumers[&c];
        if cons.member_state != MemberState::Stable
            && cons.assignor.protocol() == RebalanceProtocol::Eager
        {
            return;
        }
        let missing: Vec<TopicPartition> = cons
            .positions
            .iter()
            .filter(|(_, p)| p.is_none())
            .map(|(tp, _)| *tp)
            .collect();
        if missing.is_empty()
            || cons.in_flight(|k| matches!(k, Inflight::OffsetFetch | Inflight::ListOffsets))
        {
            return;
        }
        let Some(coordinator) = cons.coordinator else {
            return;
        };
        let group = Rc::from(self.config.consumer.group_id.as_str());
        self.consumer_send(
            c,
            coordinator,
            Payload::OffsetFetchRequest {
                group,
                partitions: missing,
            },
            Inflight::OffsetFetch,
        );
    }

    /// One fetch per leader for owned partitions with a position and nothing buffered.
    fn send_fetches(&mut self, c: ConsumerId) {
        let cons = &self.consumers[&c];
        let mut by_leader: Vec<(BrokerId, Vec<FetchPartition>)> = Vec::new();
        for (tp, pos) in &cons.positions {
            let Some(pos) = pos else { continue };
            if cons.buffer.get(tp).is_some_and(|b| !b.is_empty()) {
                continue;
            }
            let Some(&(Some(leader), epoch)) = cons.metadata.get(tp) else {
                continue;
            };
            let fp = FetchPartition {
                partition: *tp,
                fetch_offset: *pos,
                last_fetched_epoch: None,
                current_leader_epoch: epoch,
            };
            match by_leader.iter_mut().find(|(l, _)| *l == leader) {
                Some((_, list)) => list.push(fp),
                None => by_leader.push((leader, alloc::vec![fp])),
            }
        }
        crate::java::sort_small_by_key(&mut by_leader, |(l, _)| *l);
        let busy: Vec<BrokerId> = cons
            .requests
            .iter()
            .filter_map(|(_, _, k)| match k {
                Inflight::Fetch(b) => Some(*b),
                _ => None,
            })
            .collect();
        for (leader, partitions) in by_leader {
            if busy.contains(&leader) {
                continue;
            }
            self.consumer_send(
                c,
                leader,
                Payload::FetchRequest { partitions },
                Inflight::Fetch(leader),
            );
        }
    }

    /// Hands out up to `max.poll.records` buffered records (partitions in turn) and starts
    /// processing them. Returns whether there were any.
    fn hand_out_records(&mut self, c: ConsumerId) -> bool {
        let max = self.config.consumer.max_poll_records as usize;
        let per_record = self.config.consumer.process_us_per_record;
        let now = self.cx.now;
        let cons = self.consumer(c);
        let partitions: Vec<TopicPartition> = cons.buffer.keys().copied().collect();
        if partitions.is_empty() {
            return false;
        }
        let mut out = Vec::new();
        let start = cons.next_partition % partitions.len();
        for i in 0..partitions.len() {
            let tp = partitions[(start + i) % partitions.len()];
            let Some(Some(mut pos)) = cons.positions.get(&tp).copied() else {
                continue;
            };
            let buf = cons.buffer.get_mut(&tp).expect("listed");
            while out.len() < max {
                let Some(&(offset, id)) = buf.front() else {
                    break;
                };
                buf.pop_front();
                if offset < pos {
                    continue;
                }
                out.push((tp, offset, id));
                pos = offset.next();
            }
            cons.positions.insert(tp, Some(pos));
            if out.len() >= max {
                cons.next_partition = start + i + 1;
                break;
            }
        }
        cons.buffer.retain(|_, b| !b.is_empty());
        if out.is_empty() {
            return false;
        }
        let until = now + Duration::from_micros(per_record * out.len() as u64);
        cons.processing = Some(Processing {
            until,
            records: out,
        });
        self.schedule_consumer_wake(c, until);
        true
    }

    /// The application finished processing the last poll's records.
    fn finish_processing(&mut self, c: ConsumerId) {
        let Some(p) = self.consumer(c).processing.take() else {
            return;
        };
        let mut runs: Vec<(TopicPartition, Offset, u32, u32)> = Vec::new();
        for (tp, offset, id) in p.records {
            let again = self.cx.ledger.on_consumed(id, offset);
            match runs.last_mut() {
                Some(run) if run.0 == tp => {
                    run.2 += 1;
                    run.3 += u32::from(again);
                }
                _ => runs.push((tp, offset, 1, u32::from(again))),
            }
        }
        for (tp, from, records, redelivered) in runs {
            let cons = self.consumer(c);
            cons.consumed += u64::from(records);
            cons.redelivered += u64::from(redelivered);
            self.cx.emit(Event::RecordsConsumed {
                consumer: c,
                partition: tp,
                from,
                records,
                redelivered,
            });
        }
        if !self.config.consumer.enable_auto_commit {
            let offsets = self.consumed_positions(c);
            if !offsets.is_empty() {
                let sync = self.config.consumer.manual_commit == ManualCommit::Sync;
                self.commit(c, offsets, sync);
            }
        }
    }

    /// The heartbeat thread's tick.
    pub(crate) fn on_consumer_heartbeat(&mut self, c: ConsumerId, incarnation: u32) {
        let Some(cons) = self.consumers.get(&c) else {
            return;
        };
        if cons.incarnation != incarnation || !cons.is_running() {
            return;
        }
        let every = Duration::from_millis(self.config.consumer.heartbeat_interval_ms);
        self.cx.schedule(
            self.cx.now + every,
            Due::ConsumerHeartbeat {
                consumer: c,
                incarnation,
            },
        );
        let cons = &self.consumers[&c];
        let joined = matches!(
            cons.member_state,
            MemberState::Stable | MemberState::CompletingRebalance
        );
        let Some(coordinator) = cons.coordinator else {
            return;
        };
        if !joined {
            return;
        }
        let max_poll = Duration::from_millis(self.config.consumer.max_poll_interval_ms);
        if self.cx.now.since(cons.last_poll_at) > max_poll {
            // "consumer poll timeout has expired": leave, and rejoin at the next poll.
            self.leave_group(c);
            let cons = self.consumer(c);
            cons.generation = -1;
            if cons.group_instance_id.is_none() {
                cons.member_id = Rc::from("");
            }
            cons.member_state = MemberState::Unjoined;
            cons.rejoin_needed = true;
            cons.join_prepared = false;
            return;
        }
        if cons.in_flight(|k| matches!(k, Inflight::Heartbeat)) {
            return;
        }
        let payload = Payload::HeartbeatRequest {
            group: Rc::from(self.config.consumer.group_id.as_str()),
            member_id: cons.member_id.clone(),
            generation: cons.generation,
        };
        self.consumer_send(c, coordinator, payload, Inflight::Heartbeat);
    }

    fn leave_group(&mut self, c: ConsumerId) {
        let cons = &self.consumers[&c];
        let (Some(coordinator), false) = (cons.coordinator, cons.member_id.is_empty()) else {
            return;
        };
        if cons.group_instance_id.is_some() {
            // Static members do not leave: the coordinator waits for their session.
            return;
        }
        let payload = Payload::LeaveGroupRequest {
            group: Rc::from(self.config.consumer.group_id.as_str()),
            member_id: cons.member_id.clone(),
        };
        self.consumer_send(c, coordinator, payload, Inflight::Leave);
    }

    /// `close()`: commit (with auto commit), revoke, leave.
    pub(crate) fn close_consumer(&mut self, c: ConsumerId) {
        if self.config.consumer.enable_auto_commit && self.consumers[&c].generation >= 0 {
            let offsets = self.consumed_positions(c);
            if !offsets.is_empty() {
                self.commit(c, offsets, false);
            }
        }
        let owned = self.consumers[&c].owned.clone();
        if !owned.is_empty() {
            self.cx.emit(Event::PartitionsRevoked {
                consumer: c,
                partitions: owned,
            });
        }
        self.leave_group(c);
        let cons = self.consumer(c);
        cons.status = ConsumerStatus::Closed;
        cons.owned.clear();
        cons.positions.clear();
        cons.buffer.clear();
        cons.processing = None;
        cons.incarnation += 1;
        self.cx.emit(Event::ConsumerClosed { consumer: c });
    }

    pub(crate) fn crash_consumer(&mut self, c: ConsumerId) {
        let cons = self.consumer(c);
        cons.status = ConsumerStatus::Crashed;
        cons.owned.clear();
        cons.positions.clear();
        cons.buffer.clear();
        cons.processing = None;
        cons.requests.clear();
        cons.group_inbox.clear();
        cons.incarnation += 1;
        self.cx.emit(Event::ConsumerCrashed { consumer: c });
    }

    pub(crate) fn on_consumer_request_timeout(
        &mut self,
        c: ConsumerId,
        incarnation: u32,
        request: MessageId,
    ) {
        let Some(cons) = self.consumers.get_mut(&c) else {
            return;
        };
        if cons.incarnation != incarnation {
            return;
        }
        let Some((_, to, kind)) = take_request(&mut cons.requests, request) else {
            return;
        };
        self.cx.emit(Event::RequestTimedOut {
            from: NodeId::Consumer(c),
            to,
        });
        self.on_request_failed(c, kind, KafkaError::RequestTimedOut);
    }

    /// A request failed in the network (reset or timed out): the coordinator or the
    /// metadata is suspect.
    fn on_request_failed(&mut self, c: ConsumerId, kind: Inflight, error: KafkaError) {
        match kind {
            Inflight::FindCoordinator | Inflight::Metadata => {}
            Inflight::Fetch(_) | Inflight::ListOffsets => self.consumer(c).metadata_stale = true,
            Inflight::Join | Inflight::Sync => {
                self.mark_coordinator_unknown(c);
                let cons = self.consumer(c);
                cons.member_state = MemberState::Unjoined;
                cons.rejoin_needed = true;
            }
            Inflight::Heartbeat | Inflight::Leave | Inflight::OffsetFetch => {
                self.mark_coordinator_unknown(c)
            }
            Inflight::Commit { sync, .. } => {
                self.mark_coordinator_unknown(c);
                self.cx.emit(Event::CommitFailed { consumer: c, error });
                if sync {
                    self.consumer(c).blocked_on_commit = false;
                }
            }
        }
        self.consumer_poll(c);
    }

    fn mark_coordinator_unknown(&mut self, c: ConsumerId) {
        self.consumer(c).coordinator = None;
    }

    /// A response (or a reset) arrived for a consumer.
    pub(crate) fn consumer_receive(&mut self, c: ConsumerId, message: Message) {
        let Some(cons) = self.consumers.get_mut(&c) else {
            return;
        };
        if !cons.is_running() {
            return;
        }
        let request = match &message.payload {
            Payload::FindCoordinatorResponse { request, .. }
            | Payload::MetadataResponse { request, .. }
            | Payload::JoinGroupResponse { request, .. }
            | Payload::SyncGroupResponse { request, .. }
            | Payload::HeartbeatResponse { request, .. }
            | Payload::LeaveGroupResponse { request }
            | Payload::OffsetCommitResponse { request, .. }
            | Payload::OffsetFetchResponse { request, .. }
            | Payload::ListOffsetsResponse { request, .. }
            | Payload::FetchResponse { request, .. }
            | Payload::ConnectionReset { request } => *request,
            _ => return,
        };
        let Some((_, _, kind)) = take_request(&mut cons.requests, request) else {
            return;
        };
        match message.payload {
            Payload::ConnectionReset { .. } => {
                self.on_request_failed(c, kind, KafkaError::NetworkException)
            }
            Payload::FindCoordinatorResponse { coordinator, .. } => {
                match coordinator {
                    Ok(b) => {
                        self.consumer(c).coordinator = Some(b);
                        self.cx.emit(Event::CoordinatorFound {
                            consumer: c,
                            broker: b,
                        });
                        self.consumer_poll(c);
                    }
                    Err(_) => {
                        // Retry after retry.backoff.ms.
                        let at = self.cx.now
                            + Duration::from_millis(self.config.consumer.retry_backoff_ms);
                        self.schedule_consumer_wake(c, at);
                    }
                }
            }
            Payload::MetadataResponse { partitions, .. } => {
                let cons = self.consumer(c);
                cons.metadata.clear();
                for (tp, leader, epoch) in partitions {
                    cons.metadata.insert(tp, (leader, epoch));
                }
                cons.metadata_stale = false;
                // The leader rejoins when a subscribed topic's partition count changed.
                if let Some(snapshot) = cons.assignment_snapshot.clone() {
                    if snapshot != self.partition_counts(c) {
                        let cons = self.consumer(c);
                        cons.rejoin_needed = true;
                        cons.join_prepared = false;
                    }
                }
                self.consumer_poll(c);
            }
            p @ (Payload::JoinGroupResponse { .. } | Payload::SyncGroupResponse { .. }) => {
                self.consumer(c).group_inbox.push_back(p);
                self.consumer_poll(c);
            }
            Payload::HeartbeatResponse { error, .. } => self.on_heartbeat_response(c, error),
            Payload::LeaveGroupResponse { .. } => {}
            Payload::OffsetCommitResponse { error, .. } => {
                let Inflight::Commit { offsets, sync } = kind else {
                    return;
                };
                self.on_commit_response(c, offsets, sync, error);
            }
            Payload::OffsetFetchResponse { result, .. } => match result {
                Err(_) => {
                    self.mark_coordinator_unknown(c);
                    self.consumer_poll(c);
                }
                Ok(offsets) => self.on_committed_offsets(c, offsets),
            },
            Payload::ListOffsetsResponse { results, .. } => {
                for (tp, r) in results {
                    match r {
                        Ok(o) => {
                            if self.consumer(c).positions.get(&tp) == Some(&None) {
                                self.consumer(c).positions.insert(tp, Some(o));
                                self.cx.emit(Event::PositionSet {
                                    consumer: c,
                                    partition: tp,
                                    offset: o,
                                    reset: true,
                                });
                            }
                        }
                        Err(_) => self.consumer(c).metadata_stale = true,
                    }
                }
                self.consumer_poll(c);
            }
            Payload::FetchResponse { partitions, .. } => self.on_consumer_fetch(c, partitions),
            _ => {}
        }
    }

    fn on_heartbeat_response(&mut self, c: ConsumerId, error: Option<KafkaError>) {
        match error {
            None => {}
            Some(KafkaError::RebalanceInProgress) => {
                let cons = self.consumer(c);
                if cons.member_state == MemberState::Stable {
                    cons.rejoin_needed = true;
                    cons.join_prepared = false;
                }
            }
            Some(KafkaError::UnknownMemberId) | Some(KafkaError::IllegalGeneration) => {
                let cons = self.consumer(c);
                if error == Some(KafkaError::UnknownMemberId) && cons.group_instance_id.is_none() {
                    cons.member_id = Rc::from("");
                }
                cons.generation = -1;
                cons.member_state = MemberState::Unjoined;
                cons.rejoin_needed = true;
                cons.join_prepared = false;
            }
            Some(KafkaError::FencedInstanceId) => {
                self.fail_consumer(c, KafkaError::FencedInstanceId)
            }
            Some(_) => self.mark_coordinator_unknown(c),
        }
    }

    fn fail_consumer(&mut self, c: ConsumerId, error: KafkaError) {
        self.cx.emit(Event::ConsumerError { consumer: c, error });
        let cons = self.consumer(c);
        cons.status = ConsumerStatus::Failed(error);
        cons.owned.clear();
        cons.positions.clear();
        cons.buffer.clear();
        cons.processing = None;
        cons.incarnation += 1;
    }

    fn on_commit_response(
        &mut self,
        c: ConsumerId,
        offsets: Vec<(TopicPartition, Offset)>,
        sync: bool,
        error: Option<KafkaError>,
    ) {
        match error {
            None => {
                let cons = self.consumer(c);
                for (tp, o) in offsets {
                    cons.committed.insert(tp, o);
                }
                if sync {
                    cons.blocked_on_commit = false;
                }
            }
            Some(e) => {
                let app_error = match e {
                    KafkaError::UnknownMemberId | KafkaError::IllegalGeneration => {
                        let cons = self.consumer(c);
                        cons.generation = -1;
                        if e == KafkaError::UnknownMemberId && cons.group_instance_id.is_none() {
                            cons.member_id = Rc::from("");
                        }
                        cons.member_state = MemberState::Unjoined;
                        cons.rejoin_needed = true;
                        cons.join_prepared = true;
                        KafkaError::CommitFailed
                    }
                    KafkaError::RebalanceInProgress => {
                        let cons = self.consumer(c);
                        cons.rejoin_needed = true;
                        KafkaError::RebalanceInProgress
                    }
                    other => {
                        self.mark_coordinator_unknown(c);
                        other
                    }
                };
                self.cx.emit(Event::CommitFailed {
                    consumer: c,
                    error: app_error,
                });
                if sync {
                    self.consumer(c).blocked_on_commit = false;
                }
            }
        }
        self.consumer_poll(c);
    }

    fn on_committed_offsets(
        &mut self,
        c: ConsumerId,
        offsets: Vec<(TopicPartition, Option<Offset>)>,
    ) {
        let reset = self.config.consumer.auto_offset_reset;
        let mut need_reset: Vec<(BrokerId, Vec<(TopicPartition, bool)>)> = Vec::new();
        for (tp, committed) in offsets {
            if self.consumer(c).positions.get(&tp) != Some(&None) {
                continue;
            }
            match committed {
                Some(o) => {
                    let cons = self.consumer(c);
                    cons.positions.insert(tp, Some(o));
                    cons.committed.insert(tp, o);
                    self.cx.emit(Event::PositionSet {
                        consumer: c,
                        partition: tp,
                        offset: o,
                        reset: false,
                    });
                }
                None => match reset {
                    OffsetReset::None => {
                        self.cx.emit(Event::ConsumerError {
                            consumer: c,
                            error: KafkaError::NoOffsetForPartition,
                        });
                    }
                    _ => {
                        let leader = self.consumers[&c].metadata.get(&tp).and_then(|m| m.0);
                        let entry = (tp, reset == OffsetReset::Earliest);
                        match leader {
                            Some(l) => match need_reset.iter_mut().find(|(b, _)| *b == l) {
                                Some((_, list)) => list.push(entry),
                                None => need_reset.push((l, alloc::vec![entry])),
                            },
                            None => self.consumer(c).metadata_stale = true,
                        }
                    }
                },
            }
        }
        crate::java::sort_small_by_key(&mut need_reset, |(l, _)| *l);
        for (leader, partitions) in need_reset {
            self.consumer_send(
                c,
                leader,
                Payload::ListOffsetsRequest { partitions },
                Inflight::ListOffsets,
            );
        }
        self.consumer_poll(c);
    }

    fn on_consumer_fetch(&mut self, c: ConsumerId, partitions: Vec<FetchPartitionData>) {
        for data in partitions {
            let tp = data.partition;
            let Some(Some(pos)) = self.consumers[&c].positions.get(&tp).copied() else {
                continue;
            };
            match data.error {
                None => {}
                Some(KafkaError::OffsetOutOfRange) => {
                    // The position fell off the log (retention): auto.offset.reset.
                    self.consumer(c).positions.insert(tp, None);
                    continue;
                }
                Some(_) => {
                    self.consumer(c).metadata_stale = true;
                    continue;
                }
            }
            let buf = self.consumer(c).buffer.entry(tp).or_default();
            for batch in &data.batches {
                for r in batch.records.iter() {
                    let offset = Offset(batch.base_offset.0 + i64::from(r.offset_delta));
                    if offset >= pos {
                        buf.push_back((offset, r.id));
                    }
                }
            }
        }
        self.consumer_poll(c);
    }

    /// JoinGroup and SyncGroup responses, acted on inside `poll()` where Kafka runs the
    /// assignor and the rebalance listener.
    fn on_group_response(&mut self, c: ConsumerId, payload: Payload) {
        match payload {
            Payload::JoinGroupResponse { result, .. } => match result {
                Ok(r) => {
                    let cons = self.consumer(c);
                    cons.member_id = r.member_id.clone();
                    cons.generation = r.generation;
                    cons.member_state = MemberState::CompletingRebalance;
                    let leads = r.leader == r.member_id && !r.members.is_empty();
                    let assignments = if leads && r.skip_assignment {
                        // KIP-814: the assignment stands; the leader only watches the
                        // metadata again.
                        let counts = self.partition_counts(c);
                        self.consumer(c).assignment_snapshot = Some(counts);
                        Vec::new()
                    } else if leads {
                        self.run_assignor(c, r.generation, r.protocol, &r.members)
                    } else {
                        Vec::new()
                    };
                    let coordinator = self.consumers[&c].coordinator.expect("joined through it");
                    let payload = Payload::SyncGroupRequest {
                        group: Rc::from(self.config.consumer.group_id.as_str()),
                        member_id: r.member_id.clone(),
                        generation: r.generation,
                        assignments,
                    };
                    self.consumer_send(c, coordinator, payload, Inflight::Sync);
                }
                Err(e) => {
                    let cons = self.consumer(c);
                    cons.member_state = MemberState::Unjoined;
                    cons.rejoin_needed = true;
                    match e.error {
                        KafkaError::MemberIdRequired => {
                            cons.member_id = e.member_id.unwrap_or_else(|| Rc::from(""));
                        }
                        KafkaError::UnknownMemberId => {
                            cons.member_id = Rc::from("");
                            cons.generation = -1;
                        }
                        KafkaError::FencedInstanceId => {
                            self.fail_consumer(c, KafkaError::FencedInstanceId)
                        }
                        KafkaError::NotCoordinator | KafkaError::CoordinatorNotAvailable => {
                            self.mark_coordinator_unknown(c)
                        }
                        _ => {}
                    }
                }
            },
            Payload::SyncGroupResponse { result, .. } => match result {
                Ok(assigned) => self.on_assignment(c, assigned),
                Err(e) => {
                    let cons = self.consumer(c);
                    cons.member_state = MemberState::Unjoined;
                    cons.rejoin_needed = true;
                    match e {
                        KafkaError::UnknownMemberId | KafkaError::IllegalGeneration => {
                            if e == KafkaError::UnknownMemberId {
                                cons.member_id = Rc::from("");
                            }
                            cons.generation = -1;
                        }
                        KafkaError::NotCoordinator | KafkaError::CoordinatorNotAvailable => {
                            self.mark_coordinator_unknown(c)
                        }
                        _ => {}
                    }
                }
            },
            _ => {}
        }
    }

    /// The leader runs the group's assignor over every member's subscription.
    fn run_assignor(
        &mut self,
        c: ConsumerId,
        generation: i32,
        protocol: AssignorKind,
        members: &[(Rc<str>, Subscription)],
    ) -> Vec<(Rc<str>, Vec<TopicPartition>)> {
        let counts = self.partition_counts(c);
        let mut per_topic: VecMap<String, i32> = VecMap::new();
        for (t, n) in &counts {
            per_topic.insert(self.topics[t.0 as usize].spec.name.clone(), *n as i32);
        }
        let input: Vec<(String, Subscription)> = members
            .iter()
            .map(|(id, s)| (String::from(&**id), s.clone()))
            .collect();
        let result = assignor::assign(protocol, &per_topic, &input);
        let transferring = result
            .partitions_transferring_ownership
            .as_ref()
            .map_or(0, |t| t.len() as u32);
        self.consumer(c).assignment_snapshot = Some(counts);
        self.cx.emit(Event::AssignmentComputed {
            consumer: c,
            generation,
            assignor: protocol,
            transferring: if protocol == AssignorKind::CooperativeSticky {
                transferring
            } else {
                0
            },
        });
        members
            .iter()
            .map(|(id, _)| {
                let list = result
                    .assignment
                    .get(&**id)
                    .map(|l| l.iter().filter_map(|np| self.unnamed(np)).collect())
                    .unwrap_or_default();
                (id.clone(), list)
            })
            .collect()
    }

    /// `onJoinComplete`: revoke what is no longer ours (cooperative: then rejoin), take
    /// the new partitions, and look up where to start them.
    fn on_assignment(&mut self, c: ConsumerId, assigned: Vec<TopicPartition>) {
        let cons = &self.consumers[&c];
        let generation = cons.generation;
        let owned = cons.owned.clone();
        let revoked: Vec<TopicPartition> = owned
            .iter()
            .filter(|tp| !assigned.contains(tp))
            .copied()
            .collect();
        let added: Vec<TopicPartition> = assigned
            .iter()
            .filter(|tp| !owned.contains(tp))
            .copied()
            .collect();
        let cooperative = cons.assignor.protocol() == RebalanceProtocol::Cooperative;
        if !revoked.is_empty() {
            self.cx.emit(Event::PartitionsRevoked {
                consumer: c,
                partitions: revoked.clone(),
            });
            self.drop_partitions(c, Some(&revoked));
        }
        let cons = self.consumer(c);
        cons.member_state = MemberState::Stable;
        cons.join_prepared = false;
        for tp in &added {
            cons.owned.push(*tp);
            cons.positions.insert(*tp, None);
        }
        crate::java::sort_small_by_key(&mut cons.owned, |tp| *tp);
        if cooperative && !revoked.is_empty() {
            // KIP-429: the revoked partitions go to their new owners in another round.
            cons.rejoin_needed = true;
        }
        self.cx.emit(Event::PartitionsAssigned {
            consumer: c,
            generation,
            partitions: added,
        });
        self.refresh_positions(c);
    }
}
