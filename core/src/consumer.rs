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

use crate::assignor::{
    self, AssignorKind, AssignorList, NamedPartition, RebalanceProtocol, Subscription,
};
use crate::config::{ConsumerConfig, ManualCommit, OffsetReset};
use crate::ctx::{Ctx, Due};
use crate::event::{Event, KafkaError};
use crate::ids::{
    BrokerId, ConsumerId, LeaderEpoch, MessageId, NodeId, Offset, RecordId, TopicId, TopicPartition,
};
use crate::network::{
    any_request, FetchPartition, FetchPartitionData, HeartbeatRequest, JoinGroup,
    LeaveGroupRequest, Message, OffsetCommitRequest, Payload, SyncGroupRequest,
};
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
    /// With the generation and member id it was sent with.
    Heartbeat(i32, Rc<str>),
    Leave,
    Commit {
        offsets: Vec<(TopicPartition, Offset)>,
        sync: bool,
    },
    OffsetFetch,
    ListOffsets,
    Validate,
    Fetch(BrokerId),
}

/// Requests' parts gathered per leader, in the order they came, leaders in id order: one
/// request goes to each.
fn by_leader<T>(parts: Vec<(BrokerId, T)>) -> Vec<(BrokerId, Vec<T>)> {
    let mut out: Vec<(BrokerId, Vec<T>)> = Vec::new();
    for (leader, part) in parts {
        match out.iter_mut().find(|(l, _)| *l == leader) {
            Some((_, list)) => list.push(part),
            None => out.push((leader, alloc::vec![part])),
        }
    }
    crate::java::sort_small_by_key(&mut out, |(l, _)| *l);
    out
}

/// Records handed to the application by the last `poll()`, being processed.
#[derive(Clone, Debug)]
pub(crate) struct Processing {
    pub until: Instant,
    pub records: Vec<(TopicPartition, Offset, RecordId)>,
    /// With [`ManualCommit::BeforeProcessing`]: the application is in `commitSync()` and
    /// has not started on the records; `until` is set when the commit is answered.
    pub awaiting_commit: bool,
    /// With the exactly-once pipeline: how many of the records (the first ones) are
    /// processed and their results handed to the producer.
    pub emitted: usize,
}

/// How often the exactly-once pipeline hands its producer the results of the records it
/// processed since (kscope's granularity: the application sends each result as it is
/// computed, and the producer's `linger.ms` batches them).
const RESULTS_EVERY: Duration = Duration::from_millis(50);

/// One partition's fetched data waiting for `poll()` (`CompletedFetch`): its records, and
/// the offset after its last batch, where the position moves once they are used up.
#[derive(Clone, Debug, Default)]
pub(crate) struct CompletedFetch {
    pub(crate) records: VecDeque<(Offset, RecordId)>,
    pub(crate) next_fetch_offset: Offset,
    /// The leader epoch of its last batch (`CompletedFetch.lastEpoch`).
    pub(crate) last_epoch: Option<LeaderEpoch>,
}

/// A consumer of the group.
#[derive(Clone, Debug)]
pub struct Consumer {
    pub id: ConsumerId,
    /// Its group: 0 the first ([`crate::SimConfig::consumer`]), then
    /// [`crate::SimConfig::other_groups`] in order.
    pub group: u32,
    pub status: ConsumerStatus,
    /// The application stopped calling `poll()`.
    pub paused: bool,
    pub(crate) incarnation: u32,
    pub member_id: Rc<str>,
    pub group_instance_id: Option<Rc<str>>,
    pub generation: i32,
    pub member_state: MemberState,
    pub coordinator: Option<BrokerId>,
    /// `partition.assignment.strategy`.
    pub assignor: AssignorList,
    /// Partitions assigned to it (`SubscriptionState.assignedPartitions`).
    pub owned: Vec<TopicPartition>,
    /// The next offset to hand out per owned partition; `None` until it is known.
    pub positions: VecMap<TopicPartition, Option<Offset>>,
    /// Offsets this consumer last committed successfully.
    pub committed: VecMap<TopicPartition, Offset>,
    /// Per owned partition, the high watermark and the last stable offset its last fetch
    /// response gave (`TopicPartitionState.highWatermark`, `.lastStableOffset`), for its
    /// own lag ([`Consumer::partition_lag`]). Kept only in a build with transactions.
    #[cfg(feature = "transactions")]
    pub(crate) fetched_ends: VecMap<TopicPartition, (Offset, Offset)>,
    /// Fetched records not yet returned by `poll()`, per partition.
    pub(crate) buffer: VecMap<TopicPartition, CompletedFetch>,
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
    /// When the session was last confirmed: a heartbeat answered (or answered that a
    /// rebalance is on), or the member joined (`Heartbeat.sessionTimer`).
    pub(crate) heartbeat_ok_at: Instant,
    pub(crate) next_auto_commit_at: Instant,
    pub(crate) processing: Option<Processing>,
    pub(crate) blocked_on_commit: bool,
    /// With [`ManualCommit::Transactional`]: the application is in its producer's
    /// `commitTransaction()` (the poll's results and offsets), and polls again when it
    /// returns.
    pub in_transaction: bool,
    /// The coordinator answered `UNSTABLE_OFFSET_COMMIT`: positions are asked for again
    /// after `retry.backoff.ms`.
    pub(crate) offsets_unstable_until: Instant,
    pub(crate) wake_at: Option<Instant>,
    /// The partition counts the leader assigned from (`assignmentSnapshot`).
    pub(crate) assignment_snapshot: Option<VecMap<TopicId, u32>>,
    pub(crate) bootstrap_cursor: u32,
    /// The partition whose fetched records are handed out next (the completed fetch in
    /// line); the others follow in partition order after it.
    pub(crate) in_line: Option<TopicPartition>,
    /// Nanoseconds of one core spent decompressing the batches it fetched (see
    /// [`crate::record::CompressionType`]'s figures).
    pub decompression_ns: u64,
    /// Records it processed, and how many of them were redeliveries.
    pub consumed: u64,
    pub redelivered: u64,
    /// Partitions whose position comes from `auto.offset.reset` (ListOffsets) rather than
    /// the committed offset: a fetch found the position out of range
    /// (`SubscriptionState.requestOffsetReset`).
    pub(crate) resetting: Vec<TopicPartition>,
    /// Partitions whose position was out of range with `auto.offset.reset=none`: the
    /// application got `OffsetOutOfRangeException` and nothing resets them (kscope's
    /// application does not seek), so they are not fetched.
    pub(crate) out_of_range: Vec<TopicPartition>,
    /// The leader epoch of the last batch each position was taken from
    /// (`FetchPosition.offsetEpoch`), for KIP-320's validation.
    pub(crate) position_epochs: VecMap<TopicPartition, LeaderEpoch>,
    /// Partitions whose leader changed since their position was taken: not fetched until
    /// the new leader confirms the position is in its log (`AWAIT_VALIDATION`, KIP-320).
    pub(crate) awaiting_validation: Vec<TopicPartition>,
    /// The consumer's settings (`partition.assignment.strategy` is `assignor`, above).
    pub(crate) config: ConsumerConfig,
    /// Every topic's name, by [`TopicId`]: how the names the client speaks (its
    /// subscription, the assignors' output) map to kscope's topic numbers. The cluster's
    /// topics are fixed for a run.
    pub(crate) topic_names: Rc<[String]>,
    /// `subscribe()`'s topics (`SubscriptionState.subscription`), in id order.
    pub subscription: Vec<TopicId>,
    /// The subscription its last JoinGroup carried (`joinedSubscription`): a member whose
    /// subscription changed since then rejoins.
    pub(crate) joined_subscription: Option<Vec<TopicId>>,
    /// The group leader's union of every member's topics (`groupSubscription`): its
    /// metadata snapshot covers them, so a partition added to any of them rebalances.
    pub(crate) group_subscription: Vec<TopicId>,
    /// `bootstrap.servers`: every broker, asked in turn.
    pub(crate) brokers: Vec<BrokerId>,
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
    /// `isolation.level=read_committed` (always false in a build without transactions,
    /// where every offset below the high watermark is stable).
    fn read_committed(&self) -> bool {
        crate::broker::TXN
            && self.config.isolation_level == crate::config::IsolationLevel::ReadCommitted
    }
    /// Its own lag of partition `tp`, as its `records-lag` metric says
    /// (`SubscriptionState.partitionLag`): from its position to the last stable offset
    /// under `read_committed`, to the high watermark otherwise, as its last fetch response
    /// gave them. The `kafka-consumer-groups` tool's lag is another figure: the high
    /// watermark minus the group's committed offset ([`crate::group::PartitionLag`]).
    #[cfg(feature = "transactions")]
    pub fn partition_lag(&self, tp: TopicPartition) -> Option<i64> {
        let position = (*self.positions.get(&tp)?)?;
        let (high_watermark, last_stable) = *self.fetched_ends.get(&tp)?;
        let end = if self.read_committed() {
            last_stable
        } else {
            high_watermark
        };
        Some(end.0 - position.0)
    }

    /// Counts its process's stops and starts: 0 for the first process, never stopped.
    pub fn incarnation(&self) -> u32 {
        self.incarnation
    }
    /// Partitions being processed or buffered, for the stage.
    pub fn processing(&self) -> usize {
        self.processing.as_ref().map_or(0, |p| p.records.len())
    }
    pub fn buffered(&self) -> usize {
        self.buffer.values().map(|f| f.records.len()).sum()
    }
}

impl Consumer {
    /// A consumer process, not yet started, subscribed to `config.topics`; `topic_names`
    /// names the cluster's topics.
    pub(crate) fn new(
        id: ConsumerId,
        group: u32,
        incarnation: u32,
        config: &ConsumerConfig,
        topic_names: Rc<[String]>,
        brokers: Vec<BrokerId>,
        now: Instant,
    ) -> Consumer {
        let instance = config
            .static_membership
            .then(|| Rc::from(alloc::format!("{}-instance-{}", config.group_id, id.0)));
        Consumer {
            id,
            group,
            status: ConsumerStatus::Running,
            paused: false,
            incarnation,
            member_id: Rc::from(""),
            group_instance_id: instance,
            generation: -1,
            member_state: MemberState::Unjoined,
            coordinator: None,
            assignor: config.partition_assignment_strategy,
            owned: Vec::new(),
            positions: VecMap::new(),
            #[cfg(feature = "transactions")]
            fetched_ends: VecMap::new(),
            committed: VecMap::new(),
            buffer: VecMap::new(),
            metadata: VecMap::new(),
            metadata_stale: true,
            requests: Vec::new(),
            rejoin_needed: true,
            join_prepared: false,
            group_inbox: VecDeque::new(),
            last_poll_at: now,
            heartbeat_ok_at: now,
            next_auto_commit_at: now + Duration::from_millis(config.auto_commit_interval_ms),
            processing: None,
            blocked_on_commit: false,
            in_transaction: false,
            offsets_unstable_until: Instant::ZERO,
            wake_at: None,
            assignment_snapshot: None,
            bootstrap_cursor: id.0,
            in_line: None,
            decompression_ns: 0,
            consumed: 0,
            redelivered: 0,
            resetting: Vec::new(),
            position_epochs: VecMap::new(),
            awaiting_validation: Vec::new(),
            out_of_range: Vec::new(),
            subscription: config.topics.iter().map(|t| TopicId(*t)).collect(),
            joined_subscription: None,
            group_subscription: Vec::new(),
            config: config.clone(),
            topic_names,
            brokers,
        }
    }

    /// Starts the process: it starts its heartbeat thread, looks for its coordinator and
    /// joins.
    pub(crate) fn start(&mut self, cx: &mut Ctx) {
        cx.emit(Event::ConsumerStarted { consumer: self.id });
        let every = Duration::from_millis(self.config.heartbeat_interval_ms);
        cx.schedule(
            cx.now + every,
            Due::ConsumerHeartbeat {
                consumer: self.id,
                incarnation: self.incarnation,
            },
        );
        self.poll(cx);
    }

    fn send_request(&mut self, cx: &mut Ctx, to: BrokerId, payload: Payload, kind: Inflight) {
        let c = self.id;
        let timeout = match kind {
            Inflight::Join => {
                // JoinGroup waits for the whole rebalance: Kafka allows it the rebalance
                // timeout plus 5 seconds.
                self.config.max_poll_interval_ms + 5_000
            }
            _ => self.config.request_timeout_ms,
        };
        let id = cx.send(NodeId::Consumer(c), NodeId::Broker(to), payload);
        let incarnation = self.incarnation;
        self.requests.push((id, NodeId::Broker(to), kind));
        cx.schedule(
            cx.now + Duration::from_millis(timeout),
            Due::ConsumerRequestTimeout {
                consumer: c,
                incarnation,
                request: id,
            },
        );
    }

    /// The next broker to ask for metadata or the coordinator: the bootstrap list in turn.
    fn bootstrap_broker(&mut self) -> BrokerId {
        self.bootstrap_cursor = self.bootstrap_cursor.wrapping_add(1);
        self.brokers[self.bootstrap_cursor as usize % self.brokers.len()]
    }

    fn schedule_wake(&mut self, cx: &mut Ctx, at: Instant) {
        let c = self.id;
        if self.wake_at.is_some_and(|w| w <= at) {
            return;
        }
        self.wake_at = Some(at);
        let incarnation = self.incarnation;
        cx.schedule(
            at,
            Due::ConsumerWake {
                consumer: c,
                incarnation,
            },
        );
    }

    pub(crate) fn on_wake(&mut self, cx: &mut Ctx, incarnation: u32) {
        if self.incarnation != incarnation || !self.is_running() {
            return;
        }
        if self.wake_at.is_some_and(|w| w > cx.now) {
            return;
        }
        self.wake_at = None;
        if self
            .processing
            .as_ref()
            .is_some_and(|p| p.until <= cx.now && !p.awaiting_commit)
        {
            self.finish_processing(cx);
        }
        let pipeline = self.pipeline();
        #[cfg(feature = "transactions")]
        if pipeline {
            self.emit_results(cx);
        }
        self.poll(cx);
        // Still processing: wake when it is done (the pipeline: when its next results
        // are due).
        if let Some(until) = self
            .processing
            .as_ref()
            .filter(|p| !p.awaiting_commit)
            .map(|p| p.until)
        {
            let next = if pipeline {
                until.min(cx.now + RESULTS_EVERY)
            } else {
                until
            };
            self.schedule_wake(cx, next);
        }
    }

    /// The application thread's `poll()`.
    pub(crate) fn poll(&mut self, cx: &mut Ctx) {
        let now = cx.now;
        {
            if !self.is_running()
                || self.paused
                || self.processing.is_some()
                || self.blocked_on_commit
                || self.in_transaction
            {
                return;
            }
            self.last_poll_at = now;
        }
        self.maybe_request_metadata(cx);
        if self.coordinator.is_none() {
            if !self.in_flight(|k| matches!(k, Inflight::FindCoordinator)) {
                let to = self.bootstrap_broker();
                let group: Rc<str> = Rc::from(self.config.group_id.as_str());
                self.send_request(
                    cx,
                    to,
                    Payload::FindCoordinatorRequest {
                        group,
                        transaction: false,
                    },
                    Inflight::FindCoordinator,
                );
            }
        } else {
            while let Some(p) = self.group_inbox.pop_front() {
                self.on_group_response(cx, p);
                if !self.is_running() {
                    return;
                }
            }
            if self.blocked_on_commit {
                return;
            }
            self.maybe_join(cx);
            if self.blocked_on_commit {
                return;
            }
            self.maybe_auto_commit(cx);
            self.refresh_positions(cx);
            self.validate_positions(cx);
        }
        self.send_fetches(cx);
        if self.hand_out_records(cx) {
            // Before returning the records, the next round of fetches goes out for the
            // partitions just drained, so it is in flight while the application
            // processes (`ClassicKafkaConsumer.poll`, "to enable pipelining").
            self.send_fetches(cx);
        } else {
            self.schedule_wake(cx, now + POLL_TIMEOUT);
        }
    }

    fn maybe_request_metadata(&mut self, cx: &mut Ctx) {
        if !self.metadata_stale || self.in_flight(|k| matches!(k, Inflight::Metadata)) {
            return;
        }
        let to = self.bootstrap_broker();
        self.send_request(cx, to, Payload::MetadataRequest, Inflight::Metadata);
    }

    /// Partition counts, as this consumer's metadata has them, of the topics it follows
    /// (`SubscriptionState.metadataTopics`): its subscription and, while it leads, the
    /// group's.
    fn partition_counts(&self) -> VecMap<TopicId, u32> {
        let mut counts = VecMap::new();
        for tp in self.metadata.keys() {
            let n = counts.entry(tp.topic).or_insert(0);
            *n = (*n).max(tp.partition + 1);
        }
        counts.retain(|t, _| self.subscription.contains(t) || self.group_subscription.contains(t));
        counts
    }

    /// `KafkaConsumer.subscribe(topics)`: the subscription changes at once, data buffered
    /// for topics it left is dropped (`clearBufferedDataForUnassignedTopics`), and the
    /// next `poll()` rejoins the group when the subscription differs from the one it
    /// joined with (`ConsumerCoordinator.rejoinNeededOrPending`); the partitions move at
    /// that rebalance.
    pub(crate) fn subscribe(&mut self, cx: &mut Ctx, topics: &[TopicId]) {
        let mut topics = topics.to_vec();
        crate::java::sort_by(&mut topics, |a, b| a < b);
        topics.dedup();
        if topics == self.subscription {
            return;
        }
        self.subscription = topics;
        cx.emit(Event::Subscribed {
            consumer: self.id,
            topics: self.subscription.clone(),
        });
        let left: Vec<TopicPartition> = self
            .buffer
            .keys()
            .filter(|tp| !self.subscription.contains(&tp.topic))
            .copied()
            .collect();
        for tp in left {
            self.buffer.remove(&tp);
        }
        if self.joined_subscription.as_ref() != Some(&self.subscription) {
            self.rejoin_needed = true;
            self.join_prepared = false;
        }
        self.metadata_stale = true;
        self.poll(cx);
    }

    fn subscription(&self) -> Subscription {
        Subscription {
            topics: self
                .subscription
                .iter()
                .map(|t| self.topic_name(*t))
                .collect(),
            owned_partitions: self.owned.iter().map(|tp| self.named(*tp)).collect(),
            generation: (self.generation >= 0).then_some(self.generation),
            group_instance_id: self.group_instance_id.as_ref().map(|s| String::from(&**s)),
        }
    }

    fn topic_name(&self, t: TopicId) -> String {
        self.topic_names
            .get(t.0 as usize)
            .cloned()
            .unwrap_or_default()
    }

    fn named(&self, tp: TopicPartition) -> NamedPartition {
        NamedPartition::new(&self.topic_name(tp.topic), tp.partition as i32)
    }

    fn unnamed(&self, np: &NamedPartition) -> Option<TopicPartition> {
        let t = self.topic_names.iter().position(|n| *n == np.topic)?;
        Some(TopicPartition::new(TopicId(t as u32), np.partition as u32))
    }

    /// `ConsumerCoordinator.onJoinPrepare` then JoinGroup.
    fn maybe_join(&mut self, cx: &mut Ctx) {
        let c = self.id;
        let joining = self.in_flight(|k| matches!(k, Inflight::Join | Inflight::Sync))
            || matches!(
                self.member_state,
                MemberState::PreparingRebalance | MemberState::CompletingRebalance
            );
        if joining || !(self.rejoin_needed || self.member_state == MemberState::Unjoined) {
            return;
        }
        if !self.join_prepared {
            self.join_prepared = true;
            // Commit what was consumed before giving partitions up (auto commit only).
            if self.config.enable_auto_commit && self.generation >= 0 {
                let offsets = self.consumed_positions();
                if !offsets.is_empty() {
                    self.commit(cx, offsets, true);
                    return;
                }
            }
        }
        let owned = self.owned.clone();
        if self.generation < 0 && !owned.is_empty() {
            // The member is no longer in the group: it cannot commit what it had.
            cx.emit(Event::PartitionsLost {
                consumer: c,
                partitions: owned,
            });
            self.drop_partitions(None);
        } else if self.assignor.rebalance_protocol() == RebalanceProtocol::Eager {
            if !owned.is_empty() {
                cx.emit(Event::PartitionsRevoked {
                    consumer: c,
                    partitions: owned,
                });
                self.drop_partitions(None);
            }
        } else {
            // Cooperative: only the partitions of topics no longer subscribed.
            let left: Vec<TopicPartition> = owned
                .into_iter()
                .filter(|tp| !self.subscription.contains(&tp.topic))
                .collect();
            if !left.is_empty() {
                cx.emit(Event::PartitionsRevoked {
                    consumer: c,
                    partitions: left.clone(),
                });
                self.drop_partitions(Some(&left));
            }
        }
        // `resetGroupSubscription`: the leader's view of the group is rebuilt at the
        // next assignment.
        self.group_subscription.clear();
        let Some(coordinator) = self.coordinator else {
            return;
        };
        let cfg = &self.config;
        let join = JoinGroup {
            group: Rc::from(cfg.group_id.as_str()),
            member_id: self.member_id.clone(),
            group_instance_id: self.group_instance_id.clone(),
            session_timeout_ms: cfg.session_timeout_ms,
            rebalance_timeout_ms: cfg.max_poll_interval_ms,
            protocols: self.assignor,
            subscription: self.subscription(),
        };
        let generation = self.generation;
        self.joined_subscription = Some(self.subscription.clone());
        self.member_state = MemberState::PreparingRebalance;
        self.rejoin_needed = false;
        cx.emit(Event::JoinGroupSent {
            consumer: c,
            generation,
        });
        self.send_request(
            cx,
            coordinator,
            Payload::JoinGroupRequest(Rc::new(join)),
            Inflight::Join,
        );
    }

    /// Drops `which` (or every) owned partition: position, buffer, ownership.
    fn drop_partitions(&mut self, which: Option<&[TopicPartition]>) {
        let gone: Vec<TopicPartition> = match which {
            Some(w) => w.to_vec(),
            None => self.owned.clone(),
        };
        self.owned.retain(|tp| !gone.contains(tp));
        for tp in &gone {
            self.positions.remove(tp);
            #[cfg(feature = "transactions")]
            self.fetched_ends.remove(tp);
            self.buffer.remove(tp);
        }
        self.resetting.retain(|tp| !gone.contains(tp));
        self.awaiting_validation.retain(|tp| !gone.contains(tp));
        for tp in &gone {
            self.position_epochs.remove(tp);
        }
        self.out_of_range.retain(|tp| !gone.contains(tp));
    }

    /// The positions of owned partitions that moved past what was last committed.
    /// `SubscriptionState.allConsumed`: the position of every owned partition that has
    /// one, changed since the last commit or not (what `commitSync()`, `commitAsync()` and
    /// the auto commit send).
    fn consumed_positions(&self) -> Vec<(TopicPartition, Offset)> {
        self.positions
            .iter()
            .filter_map(|(tp, p)| p.map(|p| (*tp, p)))
            .collect()
    }

    /// `ConsumerCoordinator.maybeAutoCommitOffsetsAsync`: every
    /// `auto.commit.interval.ms`, all consumed positions, whether they moved or not.
    fn maybe_auto_commit(&mut self, cx: &mut Ctx) {
        if !self.config.enable_auto_commit {
            return;
        }
        let now = cx.now;
        if now < self.next_auto_commit_at || self.member_state != MemberState::Stable {
            return;
        }
        let next = now + Duration::from_millis(self.config.auto_commit_interval_ms);
        self.next_auto_commit_at = next;
        let offsets = self.consumed_positions();
        if !offsets.is_empty() {
            self.commit(cx, offsets, false);
        }
    }

    /// `commitSync` (blocking the application until answered) or `commitAsync`.
    fn commit(&mut self, cx: &mut Ctx, offsets: Vec<(TopicPartition, Offset)>, sync: bool) {
        let Some(coordinator) = self.coordinator else {
            return;
        };
        if sync {
            self.blocked_on_commit = true;
        }
        let payload = Payload::OffsetCommitRequest(OffsetCommitRequest {
            group: Rc::from(self.config.group_id.as_str()),
            member_id: self.member_id.clone(),
            generation: self.generation,
            offsets: offsets.clone(),
        });
        self.send_request(cx, coordinator, payload, Inflight::Commit { offsets, sync });
    }

    /// Owned partitions without a position ask the coordinator for their committed offset.
    fn refresh_positions(&mut self, cx: &mut Ctx) {
        if self.member_state != MemberState::Stable
            && self.assignor.rebalance_protocol() == RebalanceProtocol::Eager
        {
            return;
        }
        if self.in_flight(|k| matches!(k, Inflight::OffsetFetch | Inflight::ListOffsets)) {
            return;
        }
        let (reset, missing): (Vec<TopicPartition>, Vec<TopicPartition>) = self
            .positions
            .iter()
            .filter(|(tp, p)| p.is_none() && !self.out_of_range.contains(tp))
            .map(|(tp, _)| *tp)
            .partition(|tp| self.resetting.contains(tp));
        if !reset.is_empty() {
            // `Fetcher.resetPositionsIfNeeded`: the reset policy, never the committed
            // offset that was out of range.
            let earliest = self.config.auto_offset_reset == OffsetReset::Earliest;
            let partitions = reset.into_iter().map(|tp| (tp, earliest)).collect();
            self.list_offsets(cx, partitions);
            return;
        }
        if missing.is_empty() || crate::broker::TXN && cx.now < self.offsets_unstable_until {
            return;
        }
        let Some(coordinator) = self.coordinator else {
            return;
        };
        let group = Rc::from(self.config.group_id.as_str());
        self.send_request(
            cx,
            coordinator,
            Payload::OffsetFetchRequest {
                group,
                partitions: missing,
            },
            Inflight::OffsetFetch,
        );
    }

    /// KIP-320 on the consumer (`OffsetsForLeaderEpochClient`): partitions awaiting
    /// validation ask their leader where the epoch of their position ends.
    fn validate_positions(&mut self, cx: &mut Ctx) {
        if self.awaiting_validation.is_empty()
            || self.in_flight(|k| matches!(k, Inflight::Validate))
        {
            return;
        }
        let mut to_leaders = Vec::new();
        for tp in &self.awaiting_validation {
            let (Some(&(Some(leader), current)), Some(&epoch)) =
                (self.metadata.get(tp), self.position_epochs.get(tp))
            else {
                self.metadata_stale = true;
                continue;
            };
            to_leaders.push((leader, (*tp, current, epoch)));
        }
        for (leader, partitions) in by_leader(to_leaders) {
            self.send_request(
                cx,
                leader,
                Payload::OffsetsForLeaderEpochRequest { partitions },
                Inflight::Validate,
            );
        }
    }

    /// `SubscriptionState.maybeCompleteValidation`: a position past the end of its epoch
    /// in the new leader's log was truncated away; the consumer goes back to where the
    /// logs diverge, or, with `auto.offset.reset=none`, the application gets
    /// `LogTruncationException`. An epoch the leader no longer has leaves the position to
    /// the reset policy.
    fn on_validation(
        &mut self,
        cx: &mut Ctx,
        results: Vec<(TopicPartition, crate::network::EpochEndResult)>,
    ) {
        let c = self.id;
        for (tp, result) in results {
            if !self.awaiting_validation.contains(&tp) {
                continue;
            }
            let Some(Some(position)) = self.positions.get(&tp).copied() else {
                self.awaiting_validation.retain(|p| *p != tp);
                continue;
            };
            match result {
                Err(_) => self.metadata_stale = true,
                Ok(None) => {
                    self.awaiting_validation.retain(|p| *p != tp);
                    self.positions.insert(tp, None);
                    if self.config.auto_offset_reset == OffsetReset::None {
                        self.out_of_range.push(tp);
                        cx.emit(Event::ConsumerError {
                            consumer: c,
                            error: KafkaError::OffsetOutOfRange,
                        });
                    } else if !self.resetting.contains(&tp) {
                        self.resetting.push(tp);
                    }
                }
                Ok(Some((epoch, end))) => {
                    self.awaiting_validation.retain(|p| *p != tp);
                    if end >= position {
                        continue;
                    }
                    cx.emit(Event::TruncationDetected {
                        consumer: c,
                        partition: tp,
                        position,
                        diverging_offset: end,
                    });
                    self.buffer.remove(&tp);
                    if self.config.auto_offset_reset == OffsetReset::None {
                        self.positions.insert(tp, None);
                        self.out_of_range.push(tp);
                        cx.emit(Event::ConsumerError {
                            consumer: c,
                            error: KafkaError::LogTruncation,
                        });
                    } else {
                        self.positions.insert(tp, Some(end));
                        self.position_epochs.insert(tp, epoch);
                        cx.emit(Event::PositionSet {
                            consumer: c,
                            partition: tp,
                            offset: end,
                            reset: true,
                        });
                    }
                }
            }
        }
    }

    /// ListOffsets to each partition's leader (earliest or latest); partitions whose
    /// leader is unknown wait for fresh metadata.
    fn list_offsets(&mut self, cx: &mut Ctx, partitions: Vec<(TopicPartition, bool)>) {
        let mut to_leaders = Vec::new();
        for entry in partitions {
            match self.metadata.get(&entry.0).and_then(|m| m.0) {
                Some(l) => to_leaders.push((l, entry)),
                None => self.metadata_stale = true,
            }
        }
        for (leader, partitions) in by_leader(to_leaders) {
            self.send_request(
                cx,
                leader,
                Payload::ListOffsetsRequest {
                    read_committed: self.read_committed(),
                    partitions,
                },
                Inflight::ListOffsets,
            );
        }
    }

    /// One fetch per leader for owned partitions with a position and nothing buffered.
    fn send_fetches(&mut self, cx: &mut Ctx) {
        let mut to_leaders = Vec::new();
        for (tp, pos) in &self.positions {
            let Some(pos) = pos else { continue };
            if self.buffer.contains_key(tp) || self.awaiting_validation.contains(tp) {
                continue;
            }
            let Some(&(Some(leader), epoch)) = self.metadata.get(tp) else {
                continue;
            };
            let fp = FetchPartition {
                partition: *tp,
                fetch_offset: *pos,
                last_fetched_epoch: None,
                current_leader_epoch: epoch,
            };
            to_leaders.push((leader, fp));
        }
        let busy: Vec<BrokerId> = self
            .requests
            .iter()
            .filter_map(|(_, _, k)| match k {
                Inflight::Fetch(b) => Some(*b),
                _ => None,
            })
            .collect();
        for (leader, partitions) in by_leader(to_leaders) {
            if busy.contains(&leader) {
                continue;
            }
            self.send_request(
                cx,
                leader,
                Payload::FetchRequest {
                    max_wait_ms: self.config.fetch_max_wait_ms,
                    partition_max_bytes: self.config.max_partition_fetch_bytes,
                    max_bytes: self.config.fetch_max_bytes,
                    min_bytes: self.config.fetch_min_bytes,
                    read_committed: self.read_committed(),
                    partitions,
                },
                Inflight::Fetch(leader),
            );
        }
    }

    /// Hands out up to `max.poll.records` buffered records and starts processing them.
    /// Returns whether there were any. As `FetchCollector.collectFetch` does, the
    /// partition in line is drained before the next one is taken: a poll that fills up
    /// leaves the rest of that partition for the next poll.
    fn hand_out_records(&mut self, cx: &mut Ctx) -> bool {
        let max = self.config.max_poll_records as usize;
        let now = cx.now;
        let partitions: Vec<TopicPartition> = self.buffer.keys().copied().collect();
        if partitions.is_empty() {
            return false;
        }
        let mut out = Vec::new();
        let start = self.in_line.map_or(0, |tp| {
            partitions.iter().position(|p| *p >= tp).unwrap_or(0)
        });
        let mut used_up = Vec::new();
        for i in 0..partitions.len() {
            let tp = partitions[(start + i) % partitions.len()];
            let Some(Some(mut pos)) = self.positions.get(&tp).copied() else {
                continue;
            };
            let fetch = self.buffer.get_mut(&tp).expect("listed");
            while out.len() < max {
                let Some(&(offset, id)) = fetch.records.front() else {
                    // `CompletedFetch.nextFetchedRecord`: past the last record, the
                    // position moves to the end of the last batch, over any offsets
                    // compaction removed.
                    pos = pos.max(fetch.next_fetch_offset);
                    used_up.push(tp);
                    break;
                };
                fetch.records.pop_front();
                if offset < pos {
                    continue;
                }
                out.push((tp, offset, id));
                pos = offset.next();
            }
            self.positions.insert(tp, Some(pos));
            if let Some(e) = fetch.last_epoch {
                self.position_epochs.insert(tp, e);
            }
            if out.len() >= max {
                let drained = fetch.records.is_empty();
                let next = start + i + usize::from(drained);
                self.in_line = Some(partitions[next % partitions.len()]);
                break;
            }
        }
        for tp in used_up {
            self.buffer.remove(&tp);
        }
        if out.is_empty() {
            return false;
        }
        let until = now + self.processing_time(out.len());
        let commit_first = !self.config.enable_auto_commit
            && self.config.manual_commit == ManualCommit::BeforeProcessing
            && self.coordinator.is_some();
        self.processing = Some(Processing {
            until,
            records: out,
            awaiting_commit: commit_first,
            emitted: 0,
        });
        if commit_first {
            // At most once: what `poll()` returned is committed before it is processed.
            let offsets = self.consumed_positions();
            self.commit(cx, offsets, true);
        } else if self.pipeline() {
            self.schedule_wake(cx, until.min(now + RESULTS_EVERY));
        } else {
            self.schedule_wake(cx, until);
        }
        true
    }

    /// A synchronous commit was answered: the application returns from `commitSync()`.
    /// A poll committed before processing is processed now, or dropped if the commit
    /// failed (the application gave up on it: at most once).
    fn sync_commit_answered(&mut self, cx: &mut Ctx, committed: bool) {
        self.blocked_on_commit = false;
        let Some(records) = self
            .processing
            .as_ref()
            .filter(|p| p.awaiting_commit)
            .map(|p| p.records.len())
        else {
            return;
        };
        if committed {
            let until = cx.now + self.processing_time(records);
            let p = self.processing.as_mut().expect("just looked");
            p.awaiting_commit = false;
            p.until = until;
            self.schedule_wake(cx, until);
        } else {
            let p = self.processing.take().expect("just looked");
            self.dropped(cx, &p.records);
        }
    }

    /// How long the application takes to process `records` records.
    fn processing_time(&self, records: usize) -> Duration {
        Duration::from_micros(self.config.process_us_per_record * records as u64)
    }

    /// The application finished processing the last poll's records.
    fn finish_processing(&mut self, cx: &mut Ctx) {
        let Some(p) = self.processing.take() else {
            return;
        };
        #[cfg(feature = "transactions")]
        if self.pipeline() {
            self.processing = Some(p);
            return self.commit_transaction(cx);
        }
        self.processed(cx, p.records);
        let after = match self.config.manual_commit {
            ManualCommit::Sync => Some(true),
            ManualCommit::Async => Some(false),
            ManualCommit::BeforeProcessing | ManualCommit::Transactional => None,
        };
        if let (false, Some(sync)) = (self.config.enable_auto_commit, after) {
            let offsets = self.consumed_positions();
            if !offsets.is_empty() {
                self.commit(cx, offsets, sync);
            }
        }
    }

    /// Whether this member runs the exactly-once pipeline.
    fn pipeline(&self) -> bool {
        crate::broker::TXN && self.group == 0 && self.config.commits_in_transactions()
    }

    /// How many of the poll's records are processed by now (one after another, each
    /// taking its time; `until` is when the last is done).
    fn done_by(&self, p: &Processing, now: Instant) -> usize {
        let per_record = self.config.process_us_per_record.max(1);
        let left = p
            .until
            .micros()
            .saturating_sub(now.micros())
            .div_ceil(per_record);
        p.records.len().saturating_sub(left as usize)
    }

    /// The exactly-once pipeline: the records processed since the last call are
    /// processed, and their results go to the member's producer, in its transaction.
    #[cfg(feature = "transactions")]
    fn emit_results(&mut self, cx: &mut Ctx) {
        let Some(p) = self.processing.as_ref().filter(|p| !p.awaiting_commit) else {
            return;
        };
        let done = self.done_by(p, cx.now);
        if done <= p.emitted {
            return;
        }
        let records = p.records[p.emitted..done].to_vec();
        if let Some(p) = self.processing.as_mut() {
            p.emitted = done;
        }
        self.processed(cx, records.clone());
        cx.effects.push(crate::ctx::Effect::Results {
            consumer: self.id,
            records,
        });
    }

    /// The exactly-once pipeline's end of a poll: the last results go out, and the
    /// application adds the positions reached to the transaction
    /// (`sendOffsetsToTransaction(offsets, groupMetadata())`) and calls
    /// `commitTransaction()`, blocking until the transaction ends.
    #[cfg(feature = "transactions")]
    fn commit_transaction(&mut self, cx: &mut Ctx) {
        self.emit_results(cx);
        self.processing = None;
        let offsets = crate::txn::TxnOffsets {
            group: Rc::from(self.config.group_id.as_str()),
            member_id: self.member_id.clone(),
            generation: self.generation,
            offsets: self.consumed_positions(),
        };
        self.in_transaction = true;
        cx.effects.push(crate::ctx::Effect::Commit {
            consumer: self.id,
            offsets,
        });
    }

    /// The application's `commitTransaction()` (or the abort it fell back to) returned.
    /// After an abort the positions go back to the last committed offsets
    /// (`ExactlyOnceMessageProcessor.resetToLastCommittedPositions`): the aborted
    /// results are processed again.
    #[cfg(feature = "transactions")]
    pub(crate) fn on_transaction_ended(&mut self, cx: &mut Ctx, committed: bool) {
        if !self.in_transaction {
            return;
        }
        self.in_transaction = false;
        if !committed {
            let owned: Vec<TopicPartition> = self.positions.keys().copied().collect();
            for tp in owned {
                self.positions.insert(tp, None);
                self.buffer.remove(&tp);
            }
        }
        self.poll(cx);
    }

    /// The process dies while processing a poll: the application processes records one
    /// after another, so those whose time has passed were processed (their effects are
    /// done), the rest were not.
    fn die_while_processing(&mut self, cx: &mut Ctx) {
        let Some(p) = self.processing.take() else {
            return;
        };
        if p.awaiting_commit {
            self.dropped(cx, &p.records);
            return;
        }
        // The pipeline's records whose results went out were counted processed then.
        let done = self.done_by(&p, cx.now);
        let emitted = if crate::broker::TXN { p.emitted } else { 0 };
        let mut records = p.records;
        let unprocessed = records.split_off(done.max(emitted).min(records.len()));
        records.drain(..emitted.min(records.len()));
        self.processed(cx, records);
        self.dropped(cx, &unprocessed);
    }

    /// `records` were handed to the application, which will never process them: the
    /// ledger learns it (the group skips them if its committed offset passes them).
    fn dropped(&self, cx: &mut Ctx, records: &[(TopicPartition, Offset, RecordId)]) {
        if self.group == 0 {
            for (tp, offset, id) in records {
                cx.ledger.on_dropped(*tp, *offset, *id);
            }
        }
    }

    /// `records` were processed: the ledger and the trace learn it.
    fn processed(&mut self, cx: &mut Ctx, records: Vec<(TopicPartition, Offset, RecordId)>) {
        let c = self.id;
        let mut runs: Vec<(TopicPartition, Offset, u32, u32)> = Vec::new();
        for (tp, offset, id) in records {
            let again = if self.group == 0 {
                cx.ledger.on_consumed(id, offset)
            } else {
                #[cfg(feature = "transactions")]
                cx.ledger.on_result_read(self.group, id);
                cx.ledger.on_consumed_by_other_group(self.group, tp, offset)
            };
            match runs.last_mut() {
                Some(run) if run.0 == tp => {
                    run.2 += 1;
                    run.3 += u32::from(again);
                }
                _ => runs.push((tp, offset, 1, u32::from(again))),
            }
        }
        for (tp, from, records, redelivered) in runs {
            self.consumed += u64::from(records);
            self.redelivered += u64::from(redelivered);
            cx.emit(Event::RecordsConsumed {
                consumer: c,
                partition: tp,
                from,
                records,
                redelivered,
            });
        }
    }

    /// The heartbeat thread's tick.
    pub(crate) fn heartbeat_tick(&mut self, cx: &mut Ctx, incarnation: u32) {
        let c = self.id;
        if self.incarnation != incarnation || !self.is_running() {
            return;
        }
        let every = Duration::from_millis(self.config.heartbeat_interval_ms);
        cx.schedule(
            cx.now + every,
            Due::ConsumerHeartbeat {
                consumer: c,
                incarnation,
            },
        );
        let joined = matches!(
            self.member_state,
            MemberState::Stable | MemberState::CompletingRebalance
        );
        let Some(coordinator) = self.coordinator else {
            return;
        };
        if !joined {
            return;
        }
        let max_poll = Duration::from_millis(self.config.max_poll_interval_ms);
        if cx.now.since(self.last_poll_at) > max_poll {
            // "consumer poll timeout has expired": leave, and rejoin at the next poll.
            self.leave_group(cx);
            self.generation = -1;
            if self.group_instance_id.is_none() {
                self.member_id = Rc::from("");
            }
            self.member_state = MemberState::Unjoined;
            self.rejoin_needed = true;
            self.join_prepared = false;
            return;
        }
        let session = Duration::from_millis(self.config.session_timeout_ms);
        if cx.now.since(self.heartbeat_ok_at) > session {
            // "session timed out without receiving a heartbeat response"
            // (`AbstractCoordinator.HeartbeatThread`): the coordinator is marked unknown
            // and its connection dropped, failing every request in flight to it (the
            // heartbeat too); the next `poll()` looks for the coordinator again.
            let at = NodeId::Broker(coordinator);
            self.heartbeat_ok_at = cx.now;
            self.mark_coordinator_unknown();
            // From the last down, so that what a failure sends anew is not failed too.
            let mut i = self.requests.len();
            while i > 0 {
                i -= 1;
                let id = self.requests.get(i).filter(|r| r.1 == at).map(|r| r.0);
                if let Some((_, _, kind)) = id.and_then(|id| take_request(&mut self.requests, id)) {
                    self.on_request_failed(cx, kind, KafkaError::NetworkException);
                }
            }
            return;
        }
        // Every `heartbeat.interval.ms`, whether or not an earlier heartbeat is still
        // unanswered (`Heartbeat.shouldHeartbeat` reads the timer alone): one lost on a
        // cut link must not silence the member until `request.timeout.ms`.
        let payload = Payload::HeartbeatRequest(HeartbeatRequest {
            group: Rc::from(self.config.group_id.as_str()),
            member_id: self.member_id.clone(),
            generation: self.generation,
        });
        let sent_with = Inflight::Heartbeat(self.generation, self.member_id.clone());
        self.send_request(cx, coordinator, payload, sent_with);
    }

    fn leave_group(&mut self, cx: &mut Ctx) {
        let (Some(coordinator), false) = (self.coordinator, self.member_id.is_empty()) else {
            return;
        };
        if self.group_instance_id.is_some() {
            // Static members do not leave: the coordinator waits for their session.
            return;
        }
        let payload = Payload::LeaveGroupRequest(LeaveGroupRequest {
            group: Rc::from(self.config.group_id.as_str()),
            member_id: self.member_id.clone(),
        });
        self.send_request(cx, coordinator, payload, Inflight::Leave);
    }

    /// `close()`: commit (with auto commit), revoke, leave.
    pub(crate) fn close(&mut self, cx: &mut Ctx) {
        let c = self.id;
        self.in_transaction = false;
        if self.config.enable_auto_commit && self.generation >= 0 {
            let offsets = self.consumed_positions();
            if !offsets.is_empty() {
                self.commit(cx, offsets, false);
            }
        }
        let owned = self.owned.clone();
        if !owned.is_empty() {
            cx.emit(Event::PartitionsRevoked {
                consumer: c,
                partitions: owned,
            });
        }
        self.leave_group(cx);
        self.status = ConsumerStatus::Closed;
        self.forget_partitions(cx);
        self.incarnation += 1;
        cx.emit(Event::ConsumerClosed { consumer: c });
    }

    /// The process stops consuming: what it owned, its positions and the records it
    /// fetched or was processing are gone with it.
    fn forget_partitions(&mut self, cx: &mut Ctx) {
        self.owned.clear();
        self.positions.clear();
        #[cfg(feature = "transactions")]
        self.fetched_ends.clear();
        self.resetting.clear();
        self.awaiting_validation.clear();
        self.position_epochs.clear();
        self.out_of_range.clear();
        self.buffer.clear();
        if let Some(p) = self.processing.take() {
            self.dropped(cx, &p.records);
        }
    }

    pub(crate) fn crash(&mut self, cx: &mut Ctx) {
        let c = self.id;
        self.in_transaction = false;
        self.die_while_processing(cx);
        self.status = ConsumerStatus::Crashed;
        self.forget_partitions(cx);
        self.requests.clear();
        self.group_inbox.clear();
        self.incarnation += 1;
        cx.emit(Event::ConsumerCrashed { consumer: c });
    }

    pub(crate) fn on_request_timeout(
        &mut self,
        cx: &mut Ctx,
        incarnation: u32,
        request: MessageId,
    ) {
        let c = self.id;
        if self.incarnation != incarnation {
            return;
        }
        let Some((_, to, kind)) = take_request(&mut self.requests, request) else {
            return;
        };
        cx.emit(Event::RequestTimedOut {
            from: NodeId::Consumer(c),
            to,
        });
        self.on_request_failed(cx, kind, KafkaError::RequestTimedOut);
    }

    /// A request failed in the network (reset or timed out): the coordinator or the
    /// metadata is suspect.
    fn on_request_failed(&mut self, cx: &mut Ctx, kind: Inflight, error: KafkaError) {
        let c = self.id;
        match kind {
            Inflight::FindCoordinator | Inflight::Metadata => {}
            Inflight::Fetch(_) | Inflight::ListOffsets | Inflight::Validate => {
                self.metadata_stale = true
            }
            Inflight::Join | Inflight::Sync => {
                self.mark_coordinator_unknown();
                self.member_state = MemberState::Unjoined;
                self.rejoin_needed = true;
            }
            Inflight::Heartbeat(..) | Inflight::Leave | Inflight::OffsetFetch => {
                self.mark_coordinator_unknown()
            }
            Inflight::Commit { sync, .. } => {
                self.mark_coordinator_unknown();
                self.retry_auto_commit_soon(cx, sync);
                cx.emit(Event::CommitFailed { consumer: c, error });
                if sync {
                    self.sync_commit_answered(cx, false);
                }
            }
        }
        self.poll(cx);
    }

    /// A retriable failure of an automatic commit: the next one is tried after
    /// `retry.backoff.ms` rather than a whole interval later
    /// (`ConsumerCoordinator.autoCommitOffsetsAsync`).
    fn retry_auto_commit_soon(&mut self, cx: &Ctx, sync: bool) {
        if self.config.enable_auto_commit && !sync {
            self.next_auto_commit_at = cx.now + Duration::from_millis(self.config.retry_backoff_ms);
        }
    }

    fn mark_coordinator_unknown(&mut self) {
        self.coordinator = None;
    }

    /// A response (or a reset) arrived for a consumer.
    pub(crate) fn receive(&mut self, cx: &mut Ctx, message: Message) {
        let c = self.id;
        if !self.is_running() {
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
            | Payload::OffsetsForLeaderEpochResponse { request, .. }
            | Payload::FetchResponse { request, .. }
            | Payload::ConnectionReset { request } => *request,
            any_request!()
            | Payload::ProduceResponse { .. }
            | Payload::InitProducerIdResponse { .. }
            | crate::network::any_txn_response!() => return cx.misrouted(&message),
        };
        let Some((_, _, kind)) = take_request(&mut self.requests, request) else {
            // The answer to a request this process no longer waits for (it timed out, or
            // an earlier incarnation of the consumer sent it): dropped, as the client
            // drops a response whose correlation id it does not know.
            return;
        };
        match message.payload {
            Payload::ConnectionReset { .. } => {
                self.on_request_failed(cx, kind, KafkaError::NetworkException)
            }
            Payload::FindCoordinatorResponse { coordinator, .. } => {
                match coordinator {
                    Ok(b) => {
                        self.coordinator = Some(b);
                        cx.emit(Event::CoordinatorFound {
                            consumer: c,
                            broker: b,
                        });
                        self.poll(cx);
                    }
                    Err(_) => {
                        // Retry after retry.backoff.ms.
                        let at = cx.now + Duration::from_millis(self.config.retry_backoff_ms);
                        self.schedule_wake(cx, at);
                    }
                }
            }
            Payload::MetadataResponse { partitions, .. } => {
                let before = core::mem::take(&mut self.metadata);
                for (tp, leader, epoch) in partitions {
                    // `SubscriptionState.maybeValidatePositionForCurrentLeader`: a new
                    // leader epoch puts a position taken under an older one to the test.
                    let newer = before.get(&tp).is_some_and(|(_, e)| epoch > *e);
                    if newer
                        && self.positions.get(&tp).is_some_and(Option::is_some)
                        && self.position_epochs.contains_key(&tp)
                        && !self.awaiting_validation.contains(&tp)
                    {
                        self.awaiting_validation.push(tp);
                    }
                    self.metadata.insert(tp, (leader, epoch));
                }
                self.metadata_stale = false;
                // The leader rejoins when a subscribed topic's partition count changed.
                if let Some(snapshot) = self.assignment_snapshot.clone() {
                    if snapshot != self.partition_counts() {
                        self.rejoin_needed = true;
                        self.join_prepared = false;
                    }
                }
                self.poll(cx);
            }
            p @ (Payload::JoinGroupResponse { .. } | Payload::SyncGroupResponse { .. }) => {
                self.group_inbox.push_back(p);
                self.poll(cx);
            }
            Payload::HeartbeatResponse { error, .. } => {
                let Inflight::Heartbeat(generation, member_id) = kind else {
                    return cx.misrouted(&message);
                };
                self.on_heartbeat_response(cx, error, generation, &member_id)
            }
            Payload::LeaveGroupResponse { .. } => {}
            Payload::OffsetCommitResponse { error, .. } => {
                let Inflight::Commit { offsets, sync } = kind else {
                    return;
                };
                self.on_commit_response(cx, offsets, sync, error);
            }
            Payload::OffsetFetchResponse { result, .. } => match result {
                // KIP-447: offsets in a transaction not yet ended; asked again after the
                // backoff (`UnstableOffsetCommitException`, retriable).
                Err(KafkaError::UnstableOffsetCommit) if crate::broker::TXN => {
                    let again = cx.now + Duration::from_millis(self.config.retry_backoff_ms);
                    self.offsets_unstable_until = again;
                    self.schedule_wake(cx, again);
                }
                Err(_) => {
                    self.mark_coordinator_unknown();
                    self.poll(cx);
                }
                Ok(offsets) => self.on_committed_offsets(cx, offsets),
            },
            Payload::OffsetsForLeaderEpochResponse { results, .. } => {
                self.on_validation(cx, results);
                self.poll(cx);
            }
            Payload::ListOffsetsResponse { results, .. } => {
                for (tp, r) in results {
                    match r {
                        Ok(o) => {
                            self.resetting.retain(|r| *r != tp);
                            if self.positions.get(&tp) == Some(&None) {
                                self.positions.insert(tp, Some(o));
                                cx.emit(Event::PositionSet {
                                    consumer: c,
                                    partition: tp,
                                    offset: o,
                                    reset: true,
                                });
                            }
                        }
                        Err(_) => self.metadata_stale = true,
                    }
                }
                self.poll(cx);
            }
            Payload::FetchResponse { partitions, .. } => self.on_fetch_response(cx, partitions),
            // Turned away above, before the request was looked up.
            any_request!()
            | Payload::ProduceResponse { .. }
            | Payload::InitProducerIdResponse { .. }
            | crate::network::any_txn_response!() => {}
        }
    }

    /// `AbstractCoordinator.HeartbeatResponseHandler`. An `ILLEGAL_GENERATION` or
    /// `UNKNOWN_MEMBER_ID` answering a heartbeat of a generation the member has since
    /// left behind is ignored (`generationUnchanged`): it says nothing of the current one.
    fn on_heartbeat_response(
        &mut self,
        cx: &mut Ctx,
        error: Option<KafkaError>,
        sent_generation: i32,
        sent_member_id: &str,
    ) {
        let unchanged = self.generation == sent_generation && *self.member_id == *sent_member_id;
        if matches!(error, None | Some(KafkaError::RebalanceInProgress)) {
            self.heartbeat_ok_at = cx.now;
        }
        match error {
            None => {}
            Some(KafkaError::UnknownMemberId | KafkaError::IllegalGeneration) if !unchanged => {}
            Some(KafkaError::RebalanceInProgress) if self.member_state == MemberState::Stable => {
                self.rejoin_needed = true;
                self.join_prepared = false;
            }
            Some(KafkaError::RebalanceInProgress) => {}
            Some(KafkaError::UnknownMemberId) | Some(KafkaError::IllegalGeneration) => {
                if error == Some(KafkaError::UnknownMemberId) && self.group_instance_id.is_none() {
                    self.member_id = Rc::from("");
                }
                self.generation = -1;
                self.member_state = MemberState::Unjoined;
                self.rejoin_needed = true;
                self.join_prepared = false;
            }
            Some(KafkaError::FencedInstanceId) => {
                self.fail_consumer(cx, KafkaError::FencedInstanceId)
            }
            Some(_) => self.mark_coordinator_unknown(),
        }
    }

    fn fail_consumer(&mut self, cx: &mut Ctx, error: KafkaError) {
        let c = self.id;
        cx.emit(Event::ConsumerError { consumer: c, error });
        self.status = ConsumerStatus::Failed(error);
        self.forget_partitions(cx);
        self.incarnation += 1;
    }

    fn on_commit_response(
        &mut self,
        cx: &mut Ctx,
        offsets: Vec<(TopicPartition, Offset)>,
        sync: bool,
        error: Option<KafkaError>,
    ) {
        let c = self.id;
        match error {
            None => {
                for (tp, o) in offsets {
                    self.committed.insert(tp, o);
                }
                if sync {
                    self.sync_commit_answered(cx, true);
                }
            }
            Some(e) => {
                let app_error = match e {
                    KafkaError::UnknownMemberId | KafkaError::IllegalGeneration => {
                        self.generation = -1;
                        if e == KafkaError::UnknownMemberId && self.group_instance_id.is_none() {
                            self.member_id = Rc::from("");
                        }
                        self.member_state = MemberState::Unjoined;
                        self.rejoin_needed = true;
                        self.join_prepared = true;
                        KafkaError::CommitFailed
                    }
                    KafkaError::RebalanceInProgress => {
                        self.rejoin_needed = true;
                        KafkaError::RebalanceInProgress
                    }
                    other => {
                        self.mark_coordinator_unknown();
                        self.retry_auto_commit_soon(cx, sync);
                        other
                    }
                };
                cx.emit(Event::CommitFailed {
                    consumer: c,
                    error: app_error,
                });
                if sync {
                    self.sync_commit_answered(cx, false);
                }
            }
        }
        self.poll(cx);
    }

    fn on_committed_offsets(
        &mut self,
        cx: &mut Ctx,
        offsets: Vec<(TopicPartition, Option<Offset>)>,
    ) {
        let c = self.id;
        let reset = self.config.auto_offset_reset;
        let mut need_reset: Vec<(TopicPartition, bool)> = Vec::new();
        for (tp, committed) in offsets {
            if self.positions.get(&tp) != Some(&None) {
                continue;
            }
            match committed {
                Some(o) => {
                    self.positions.insert(tp, Some(o));
                    self.committed.insert(tp, o);
                    cx.emit(Event::PositionSet {
                        consumer: c,
                        partition: tp,
                        offset: o,
                        reset: false,
                    });
                }
                None => match reset {
                    OffsetReset::None => {
                        cx.emit(Event::ConsumerError {
                            consumer: c,
                            error: KafkaError::NoOffsetForPartition,
                        });
                    }
                    _ => need_reset.push((tp, reset == OffsetReset::Earliest)),
                },
            }
        }
        self.list_offsets(cx, need_reset);
        self.poll(cx);
    }

    fn on_fetch_response(&mut self, cx: &mut Ctx, partitions: Vec<FetchPartitionData>) {
        for data in partitions {
            let tp = data.partition;
            let Some(Some(pos)) = self.positions.get(&tp).copied() else {
                continue;
            };
            match data.error {
                None => {}
                Some(KafkaError::OffsetOutOfRange) => {
                    // The position fell off the log (retention deleted it, or the log was
                    // truncated below it): the position is reset by `auto.offset.reset`,
                    // not read again from the committed offset, which may be out of
                    // range too (`FetchCollector.handleInitializeErrors`,
                    // `SubscriptionState.requestOffsetResetIfPartitionAssigned`). With
                    // `none` the application gets `OffsetOutOfRangeException` and the
                    // partition is not fetched until it seeks.
                    self.positions.insert(tp, None);
                    if self.config.auto_offset_reset == OffsetReset::None {
                        self.out_of_range.push(tp);
                        cx.emit(Event::ConsumerError {
                            consumer: self.id,
                            error: KafkaError::OffsetOutOfRange,
                        });
                    } else if !self.resetting.contains(&tp) {
                        self.resetting.push(tp);
                    }
                    continue;
                }
                Some(_) => {
                    self.metadata_stale = true;
                    continue;
                }
            }
            // Kafka takes them when `poll()` first reads the response from its buffer;
            // kscope as the response arrives.
            #[cfg(feature = "transactions")]
            self.fetched_ends
                .insert(tp, (data.high_watermark, data.last_stable_offset));
            let Some(last) = data.batches.last() else {
                continue;
            };
            let read_committed = self.read_committed();
            let fetch = self.buffer.entry(tp).or_default();
            fetch.next_fetch_offset = fetch.next_fetch_offset.max(last.next_offset());
            fetch.last_epoch = Some(last.leader_epoch);
            // `CompletedFetch`: a `read_committed` consumer skips the batches of the
            // aborted transactions the response lists, from each one's first offset to
            // its ABORT marker; no consumer returns a marker (a control batch).
            let mut aborted = data.aborted.clone();
            crate::java::sort_by(&mut aborted, |a, b| a.1 > b.1);
            let mut aborted_producers: Vec<i64> = Vec::new();
            for batch in &data.batches {
                if read_committed {
                    while aborted
                        .last()
                        .is_some_and(|(_, first)| *first <= batch.last_offset())
                    {
                        let (pid, _) = aborted.pop().expect("just looked");
                        aborted_producers.push(pid);
                    }
                }
                if let Some(marker) = batch.marker {
                    if !marker.commit {
                        aborted_producers.retain(|p| *p != batch.producer_id);
                    }
                    continue;
                }
                if read_committed
                    && batch.transactional
                    && aborted_producers.contains(&batch.producer_id)
                {
                    continue;
                }
                // `CompletedFetch` decompresses each batch whole to read its records.
                self.decompression_ns += batch.compression.decompress_ns(batch.size_bytes);
                for r in batch.records.iter() {
                    let offset = Offset(batch.base_offset.0 + i64::from(r.offset_delta));
                    if offset >= pos {
                        fetch.records.push_back((offset, r.id));
                    }
                }
            }
        }
        self.poll(cx);
    }

    /// JoinGroup and SyncGroup responses, acted on inside `poll()` where Kafka runs the
    /// assignor and the rebalance listener.
    fn on_group_response(&mut self, cx: &mut Ctx, payload: Payload) {
        match payload {
            Payload::JoinGroupResponse { result, .. } => match result {
                Ok(r) => {
                    self.member_id = r.member_id.clone();
                    self.generation = r.generation;
                    self.member_state = MemberState::CompletingRebalance;
                    let leads = r.leader == r.member_id && !r.members.is_empty();
                    let assignments = if leads && r.skip_assignment {
                        // KIP-814: the assignment stands; the leader only watches the
                        // metadata again.
                        let counts = self.partition_counts();
                        self.assignment_snapshot = Some(counts);
                        Vec::new()
                    } else if leads {
                        self.run_assignor(cx, r.generation, r.protocol, &r.members)
                    } else {
                        Vec::new()
                    };
                    let coordinator = self.coordinator.expect("joined through it");
                    let payload = Payload::SyncGroupRequest(SyncGroupRequest {
                        group: Rc::from(self.config.group_id.as_str()),
                        member_id: r.member_id.clone(),
                        generation: r.generation,
                        assignments,
                    });
                    self.send_request(cx, coordinator, payload, Inflight::Sync);
                }
                Err(e) => {
                    self.member_state = MemberState::Unjoined;
                    self.rejoin_needed = true;
                    match e.error {
                        KafkaError::MemberIdRequired => {
                            self.member_id = e.member_id.unwrap_or_else(|| Rc::from(""));
                        }
                        KafkaError::UnknownMemberId => {
                            self.member_id = Rc::from("");
                            self.generation = -1;
                        }
                        KafkaError::FencedInstanceId | KafkaError::InconsistentGroupProtocol => {
                            self.fail_consumer(cx, e.error)
                        }
                        KafkaError::NotCoordinator | KafkaError::CoordinatorNotAvailable => {
                            self.mark_coordinator_unknown()
                        }
                        _ => {}
                    }
                }
            },
            Payload::SyncGroupResponse { result, .. } => match result {
                Ok(assigned) => self.on_assignment(cx, assigned),
                Err(e) => {
                    self.member_state = MemberState::Unjoined;
                    self.rejoin_needed = true;
                    match e {
                        KafkaError::UnknownMemberId | KafkaError::IllegalGeneration => {
                            if e == KafkaError::UnknownMemberId {
                                self.member_id = Rc::from("");
                            }
                            self.generation = -1;
                        }
                        KafkaError::NotCoordinator | KafkaError::CoordinatorNotAvailable => {
                            self.mark_coordinator_unknown()
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
        cx: &mut Ctx,
        generation: i32,
        protocol: AssignorKind,
        members: &[(Rc<str>, Subscription)],
    ) -> Vec<(Rc<str>, Vec<TopicPartition>)> {
        let c = self.id;
        // `updateGroupSubscription`: the leader follows every member's topics.
        for (_, s) in members {
            for name in &s.topics {
                if let Some(t) = self.topic_names.iter().position(|n| n == name) {
                    let t = TopicId(t as u32);
                    if !self.group_subscription.contains(&t) {
                        self.group_subscription.push(t);
                    }
                }
            }
        }
        crate::java::sort_by(&mut self.group_subscription, |a, b| a < b);
        let counts = self.partition_counts();
        let mut per_topic: VecMap<String, i32> = VecMap::new();
        for (t, n) in &counts {
            per_topic.insert(self.topic_name(*t), *n as i32);
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
        self.assignment_snapshot = Some(counts);
        cx.emit(Event::AssignmentComputed {
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
    fn on_assignment(&mut self, cx: &mut Ctx, assigned: Vec<TopicPartition>) {
        let c = self.id;
        let generation = self.generation;
        // `checkAssignmentMatchedSubscription`: the subscription changed while the group
        // rebalanced; the assignment is set aside and the member rejoins.
        if assigned
            .iter()
            .any(|tp| !self.subscription.contains(&tp.topic))
        {
            self.member_state = MemberState::Stable;
            self.join_prepared = false;
            self.rejoin_needed = true;
            cx.emit(Event::AssignmentMismatched {
                consumer: c,
                generation,
            });
            return;
        }
        let owned = self.owned.clone();
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
        let cooperative = self.assignor.rebalance_protocol() == RebalanceProtocol::Cooperative;
        if !revoked.is_empty() {
            cx.emit(Event::PartitionsRevoked {
                consumer: c,
                partitions: revoked.clone(),
            });
            self.drop_partitions(Some(&revoked));
        }
        self.member_state = MemberState::Stable;
        self.join_prepared = false;
        // The heartbeat thread is enabled again, its timers reset (`Heartbeat.resetTimeouts`).
        self.heartbeat_ok_at = cx.now;
        for tp in &added {
            self.owned.push(*tp);
            self.positions.insert(*tp, None);
        }
        crate::java::sort_small_by_key(&mut self.owned, |tp| *tp);
        if cooperative && !revoked.is_empty() {
            // KIP-429: the revoked partitions go to their new owners in another round.
            self.rejoin_needed = true;
        }
        cx.emit(Event::PartitionsAssigned {
            consumer: c,
            generation,
            partitions: added,
        });
        self.refresh_positions(cx);
    }
}
