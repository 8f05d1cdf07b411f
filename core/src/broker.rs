//! Brokers: each holds replicas of partitions. A leader appends produce requests, answers
//! `acks=1` at once and `acks=all` once the high watermark passes the batch; followers
//! pull from their leader with long-polling fetches (`replica.fetch.wait.max.ms`), report
//! their log end offset in each fetch, and truncate where their log diverges from the
//! leader's (KIP-101, KIP-320). The leader advances the high watermark to the smallest log
//! end offset in the ISR, shrinks the ISR when a follower lags more than
//! `replica.lag.time.max.ms`, and expands it when a follower catches up.

use crate::vecmap::VecMap;
use alloc::vec::Vec;

use crate::config::Acks;
use crate::config::SimConfig;
use crate::ctx::{Ctx, Due};
use crate::event::{Event, KafkaError, LossCause};
use crate::group::GroupStore;
use crate::ids::{BrokerId, LeaderEpoch, MessageId, NodeId, Offset, TopicPartition};
use crate::log::{Log, LogConfig, StoredBatch};
use crate::metadata::{PartitionState, Topic};
use crate::network::{
    any_group_response, FetchPartition, FetchPartitionData, FrozenBatch, Message, Payload,
    ProduceRequest,
};
use crate::time::{Duration, Instant};

/// What a leader knows of one follower (`ReplicaState` in Kafka).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FollowerState {
    /// The follower's log end offset, from its last fetch; unknown after a leader change.
    pub log_end_offset: Option<Offset>,
    pub last_fetch_at: Instant,
    /// The leader's log end offset at the follower's last fetch.
    pub last_fetch_leader_leo: Offset,
    pub last_caught_up_at: Instant,
}

/// A broker's replica of one partition.
#[derive(Clone, Debug)]
pub struct Replica {
    pub log: Log,
    pub high_watermark: Offset,
    pub leader_epoch: LeaderEpoch,
    pub is_leader: bool,
    /// The first offset of the current leader epoch, when this replica leads.
    pub epoch_start_offset: Offset,
    /// The ISR as this replica last heard it from the controller.
    pub isr: Vec<BrokerId>,
    /// As leader, with a controller quorum: the ISR change it asked the controller for
    /// (`AlterPartition`) and has not seen settled in its metadata yet (Kafka's
    /// `PendingExpandIsr` and `PendingShrinkIsr`). No other is asked for meanwhile.
    pub pending_isr: Option<crate::event::IsrChange>,
    pub followers: VecMap<BrokerId, FollowerState>,
}

impl Replica {
    pub(crate) fn update_leadership(&mut self, me: BrokerId, p: &PartitionState, now: Instant) {
        let becomes_leader =
            p.leader == Some(me) && (!self.is_leader || self.leader_epoch != p.leader_epoch);
        self.isr = p.isr.clone();
        if becomes_leader || p.leader != Some(me) {
            self.pending_isr = None;
        }
        if p.leader == Some(me) {
            if becomes_leader {
                self.log.assign_epoch_start(p.leader_epoch);
                self.epoch_start_offset = self.log.log_end_offset();
                // Kafka resets what it knows of followers when it becomes leader: their
                // offsets are unknown until they fetch again.
                self.followers = p
                    .replicas
                    .iter()
                    .filter(|b| **b != me)
                    .map(|b| {
                        (
                            *b,
                            FollowerState {
                                log_end_offset: None,
                                last_fetch_at: now,
                                last_fetch_leader_leo: Offset::ZERO,
                                last_caught_up_at: if p.isr.contains(b) {
                                    now
                                } else {
                                    Instant::ZERO
                                },
                            },
                        )
                    })
                    .collect();
            }
            self.is_leader = true;
        } else {
            self.is_leader = false;
            self.followers.clear();
        }
        self.leader_epoch = p.leader_epoch;
    }
}

impl Replica {
    /// Cuts the log back to `to` (or, with `fully`, drops it and starts again there),
    /// keeping the high watermark within the log; returns how many records went.
    pub(crate) fn truncate(&mut self, to: Offset, fully: bool, now_ms: i64) -> u32 {
        let removed = if fully {
            self.log.truncate_fully_and_start_at(to, now_ms)
        } else {
            self.log.truncate_to(to)
        };
        self.high_watermark = self
            .high_watermark
            .min(self.log.log_end_offset())
            .max(self.log.log_start_offset());
        removed.len() as u32
    }
}

/// What a broker reads beyond its own state while it handles a request or a timer: the
/// settings, the cluster's metadata as the controller last published it (in KRaft every
/// broker replays the metadata log; kscope's controller publishes at once), and the
/// store of `__consumer_offsets` record values with the coordinators' counters.
pub(crate) struct Env<'a> {
    pub(crate) config: &'a SimConfig,
    pub(crate) topics: &'a [Topic],
    pub(crate) groups: &'a mut GroupStore,
    /// The next producer id to hand out (the controller's producer id blocks, as one
    /// counter).
    pub(crate) producer_ids: &'a mut i64,
}

impl Env<'_> {
    /// The id of the `__consumer_offsets` topic, if it was created.
    pub(crate) fn offsets_topic(&self) -> Option<crate::ids::TopicId> {
        crate::metadata::offsets_topic(self.topics)
    }

    pub(crate) fn partition(&self, tp: TopicPartition) -> &PartitionState {
        crate::metadata::partition(self.topics, tp)
    }

    /// The `__transaction_state` partition of `transactional_id`.
    pub(crate) fn txn_partition(&self, transactional_id: &str) -> Option<TopicPartition> {
        crate::metadata::txn_partition(self.topics, transactional_id)
    }
}

/// A follower's fetcher towards one leader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FetcherState {
    Idle,
    InFlight(MessageId),
    Backoff,
}

/// A produce request waiting for the high watermark (`DelayedProduce`).
#[derive(Clone, Debug)]
pub(crate) struct DelayedProduce {
    pub request: MessageId,
    pub client: NodeId,
    pub results: Vec<(
        TopicPartition,
        crate::ids::BatchId,
        Result<Offset, KafkaError>,
    )>,
    /// For each pending result: its index and the offset the high watermark must reach.
    pub waiting: Vec<(usize, Offset)>,
}

/// A fetch parked until there is data to read or its wait passes (`DelayedFetch`):
/// followers' fetches read up to the log end offset, consumers' up to the high watermark.
#[derive(Clone, Debug)]
pub(crate) struct DelayedFetch {
    pub request: MessageId,
    /// The follower or the consumer that asked.
    pub client: NodeId,
    pub up_to: ReadUpTo,
    pub partition_max_bytes: u32,
    /// The most bytes of the whole response.
    pub max_bytes: u32,
    /// Answered before its wait is over only once this many bytes can be read.
    pub min_bytes: u32,
    pub partitions: Vec<FetchPartition>,
}

/// A broker.
#[derive(Clone, Debug)]
pub struct Broker {
    pub id: BrokerId,
    /// The process is running.
    pub up: bool,
    /// The controller has fenced it (it missed `broker.session.timeout.ms`).
    pub fenced: bool,
    /// A restarted process waiting for its previous incarnation's session to expire
    /// before it can register (`ClusterControlManager.registerBroker` refuses it with
    /// `DuplicateBrokerRegistrationException` until then).
    pub registering: bool,
    /// Bumped at every crash, so timers of an earlier life are ignored.
    pub incarnation: u32,
    /// Its machine lost power and it has not registered again since: its logs are
    /// shorter than the ISR it may still be listed in believes.
    pub lost_power: bool,
    pub replicas: VecMap<TopicPartition, Replica>,
    pub fetchers: VecMap<BrokerId, FetcherState>,
    pub(crate) delayed_produces: Vec<DelayedProduce>,
    /// Followers' and consumers' fetches waiting for data, in arrival order.
    pub(crate) delayed_fetches: Vec<DelayedFetch>,
    /// The group coordinator's in-memory state (lost in a crash, reloaded from the log).
    pub coordinator: crate::group::Coordinator,
    /// The transaction coordinator's in-memory state, and produce requests held for
    /// KIP-890's verification (lost in a crash; reloaded from the log).
    pub txn: crate::txn::TxnCoordinator,
    /// The machine's page cache as Kafka's reads meet it (kept through a process crash,
    /// emptied by a power loss).
    pub page_cache: PageCache,
}

/// A broker machine's page cache, as kscope models it: the log files' pages stay cached
/// in the order they were appended, up to `capacity` bytes (the newest), across all the
/// broker's logs (`Log::cached`). A fetch whose first batch is among them is served from
/// memory, with `sendfile` (zero-copy: the kernel moves the pages to the socket, as
/// Kafka's `FileRecords.writeTo` asks on a plaintext listener); an older one reads the
/// disk first. Reads do not bring pages back in here (Linux would, and readahead would
/// serve a sequential reader's next reads from memory): a miss counts what came from the
/// disk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageCache {
    pub capacity: u64,
    /// Bytes appended to the broker's logs since it started (the cache's clock).
    pub appended: u64,
    /// Fetch answers served from the page cache, and read from the disk, with their
    /// bytes.
    pub hits: u64,
    pub hit_bytes: u64,
    pub misses: u64,
    pub miss_bytes: u64,
}

impl PageCache {
    /// How far apart the log's marks of the cache's clock are (a 64th of the cache: a
    /// read is judged at most that much older than it is).
    pub fn mark_step(&self) -> u64 {
        (self.capacity / 64).max(1)
    }

    /// Appends `batch` to `log` through the page cache: every append to a broker's logs
    /// goes this way.
    pub(crate) fn append(
        &mut self,
        log: &mut Log,
        batch: impl Into<alloc::rc::Rc<StoredBatch>>,
        now_ms: i64,
    ) {
        let batch = batch.into();
        log.note_cached(
            batch.base_offset,
            self.appended,
            self.mark_step(),
            self.capacity,
        );
        self.appended += u64::from(batch.size_bytes);
        log.append(batch, now_ms);
    }

    /// Whether the batch at `offset` of `log` is served from the cache.
    pub fn holds(&self, log: &Log, offset: Offset) -> bool {
        log.cached(offset, self.appended, self.capacity)
    }
}

impl Broker {
    pub(crate) fn new(id: BrokerId, page_cache_bytes: u64) -> Broker {
        Broker {
            id,
            up: true,
            fenced: false,
            registering: false,
            incarnation: 0,
            lost_power: false,
            replicas: VecMap::new(),
            fetchers: VecMap::new(),
            delayed_produces: Vec::new(),
            delayed_fetches: Vec::new(),
            coordinator: crate::group::Coordinator::default(),
            txn: crate::txn::TxnCoordinator::default(),
            page_cache: PageCache {
                capacity: page_cache_bytes,
                ..Default::default()
            },
        }
    }

    pub(crate) fn add_replica(&mut self, tp: TopicPartition, config: LogConfig, now: Instant) {
        self.replicas.insert(
            tp,
            Replica {
                log: Log::new(config, now.millis() as i64),
                high_watermark: Offset::ZERO,
                leader_epoch: LeaderEpoch(0),
                is_leader: false,
                epoch_start_offset: Offset::ZERO,
                isr: Vec::new(),
                pending_isr: None,
                followers: VecMap::new(),
            },
        );
    }

    /// The process dies: everything in memory goes, the logs stay on disk.
    pub(crate) fn crash(&mut self) {
        self.up = false;
        self.incarnation += 1;
        self.fetchers.clear();
        self.delayed_produces.clear();
        self.delayed_fetches.clear();
        self.coordinator = crate::group::Coordinator::default();
        self.txn = crate::txn::TxnCoordinator::default();
        for r in self.replicas.values_mut() {
            r.is_leader = false;
            r.followers.clear();
            r.pending_isr = None;
        }
    }

    pub(crate) fn restart(&mut self) {
        self.up = true;
        self.fenced = false;
        self.lost_power = false;
    }
}

impl Broker {
    /// A request for this broker, or a response to its fetcher. Followers' fetches,
    /// Metadata, FindCoordinator and InitProducerId are handled by the simulation on the
    /// broker's behalf (they need the controller), so they never come here.
    pub(crate) fn receive(&mut self, cx: &mut Ctx, env: &mut Env, message: Message) {
        let from = message.from;
        let (id, kind, to) = (message.id, message.payload.kind(), message.to);
        if let (true, Payload::ProduceRequest(req)) = (TXN, &message.payload) {
            let unverified = self.unverified(&req.batches);
            if !unverified.is_empty() {
                if let Err((m, e)) = self.verify_then_produce(cx, env, message, unverified) {
                    self.reject_produce(cx, &m, e);
                }
                return;
            }
        }
        match message.payload {
            Payload::ProduceRequest(req) => self.handle_produce(cx, env, from, message.id, req),
            Payload::AddPartitionsToTxnRequest(req) if TXN => {
                self.handle_add_partitions_to_txn(cx, env, from, id, &req)
            }
            Payload::AddPartitionsToTxnResponse { request, error } if TXN => {
                self.after_verification(cx, env, request, error)
            }
            #[cfg(feature = "transactions")]
            Payload::TxnOffsetCommitRequest(_) if TXN => {
                self.handle_txn_offset_commit(cx, env, message, false)
            }
            Payload::EndTxnRequest {
                transactional_id,
                producer_id,
                epoch,
                commit,
            } if TXN => self.handle_end_txn(
                cx,
                env,
                from,
                id,
                transactional_id,
                producer_id,
                epoch,
                commit,
            ),
            Payload::InitProducerIdRequest {
                transactional_id: Some(t),
                transaction_timeout_ms,
            } if TXN => self.handle_init_producer_id(cx, env, from, id, t, transaction_timeout_ms),
            Payload::WriteTxnMarkersRequest(m) if TXN => {
                self.handle_write_txn_markers(cx, env, from, id, &m)
            }
            Payload::WriteTxnMarkersResponse { request, results } if TXN => {
                self.handle_markers_response(cx, env, request, &results)
            }
            Payload::FetchRequest {
                max_wait_ms,
                partition_max_bytes,
                max_bytes,
                min_bytes,
                read_committed,
                partitions,
            } => match from {
                // Followers' fetches go through the controller's ISR decisions
                // (`Sim::follower_fetch`); the producer never fetches.
                NodeId::Broker(_) | NodeId::Producer(_) => cx.misrouted_parts(id, kind, to),
                NodeId::Consumer(_) => self.handle_consumer_fetch(
                    cx,
                    DelayedFetch {
                        request: message.id,
                        client: from,
                        up_to: ReadUpTo::for_consumer(read_committed),
                        partition_max_bytes,
                        max_bytes,
                        min_bytes,
                        partitions,
                    },
                    max_wait_ms,
                ),
            },
            Payload::JoinGroupRequest(join) => {
                self.handle_join_group(cx, env, from, message.id, join)
            }
            Payload::SyncGroupRequest(req) => {
                self.handle_sync_group(cx, env, from, message.id, req)
            }
            Payload::HeartbeatRequest(req) => self.handle_heartbeat(cx, env, from, message.id, req),
            Payload::LeaveGroupRequest(req) => {
                self.handle_leave_group(cx, env, from, message.id, req)
            }
            Payload::OffsetCommitRequest(req) => {
                self.handle_offset_commit(cx, env, from, message.id, req)
            }
            Payload::OffsetFetchRequest { group, partitions } => {
                self.handle_offset_fetch(cx, env, from, message.id, group, partitions)
            }
            Payload::ListOffsetsRequest {
                partitions,
                read_committed,
            } => {
                let up_to = ReadUpTo::for_consumer(read_committed);
                self.handle_list_offsets(cx, from, message.id, partitions, up_to)
            }
            Payload::OffsetsForLeaderEpochRequest { partitions } => {
                self.handle_offsets_for_leader_epoch(cx, from, message.id, partitions)
            }
            Payload::FetchResponse {
                request,
                partitions,
            } => match from {
                NodeId::Broker(leader) => {
                    self.handle_fetch_response(cx, env, leader, request, partitions)
                }
                NodeId::Producer(_) | NodeId::Consumer(_) => cx.misrouted_parts(id, kind, to),
            },
            // A reset of a connection this broker sent a request on: a fetcher's, a
            // verification's or a coordinator's markers.
            Payload::ConnectionReset { request } => {
                if let NodeId::Broker(leader) = from {
                    let verifying = if TXN {
                        self.forget_markers_request(cx, request);
                        self.on_verified(request, Some(KafkaError::NotCoordinator))
                    } else {
                        None
                    };
                    if let Some((m, error)) = verifying {
                        let error = error.unwrap_or(KafkaError::NotEnoughReplicas);
                        self.reject_held(cx, &m, error);
                        return;
                    }
                    self.on_fetch_failed(cx, env, leader, request);
                }
            }
            Payload::MetadataRequest
            | Payload::InitProducerIdRequest { .. }
            | Payload::FindCoordinatorRequest { .. }
            | Payload::EndTxnResponse { .. }
            // Without transactions (`TXN` false) nothing sends these.
            | Payload::AddPartitionsToTxnRequest(_)
            | Payload::AddPartitionsToTxnResponse { .. }
            | Payload::EndTxnRequest { .. }
            | Payload::WriteTxnMarkersRequest(_)
            | Payload::WriteTxnMarkersResponse { .. }
            | Payload::TxnOffsetCommitRequest(_)
            | Payload::TxnOffsetCommitResponse { .. }
            | any_group_response!()
            | Payload::ProduceResponse { .. }
            | Payload::MetadataResponse { .. }
            | Payload::InitProducerIdResponse { .. } => cx.misrouted_parts(id, kind, to),
        }
    }

    // ----- produce ------------------------------------------------------------------

    /// Answers a produce request with `error` for every batch, appending nothing.
    fn reject_produce(&mut self, cx: &mut Ctx, message: &Message, error: KafkaError) {
        let Payload::ProduceRequest(req) = &message.payload else {
            return;
        };
        for b in &req.batches {
            cx.emit(Event::ProduceRejected {
                broker: self.id,
                partition: b.partition,
                batch: b.id,
                error,
            });
        }
        if req.acks == Acks::None {
            return;
        }
        let results = req
            .batches
            .iter()
            .map(|b| (b.partition, b.id, Err(error)))
            .collect();
        cx.send(
            NodeId::Broker(self.id),
            message.from,
            Payload::ProduceResponse {
                request: message.id,
                results,
            },
        );
    }

    /// The coordinator answered a verification: the held produce request goes on.
    fn after_verification(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        request: MessageId,
        error: Option<KafkaError>,
    ) {
        let Some((message, error)) = self.on_verified(request, error) else {
            return;
        };
        if let Some(e) = error {
            return self.reject_held(cx, &message, e);
        }
        match message.payload {
            Payload::ProduceRequest(req) => {
                self.handle_produce(cx, env, message.from, message.id, req)
            }
            #[cfg(feature = "transactions")]
            Payload::TxnOffsetCommitRequest(_) => {
                self.handle_txn_offset_commit(cx, env, message, true)
            }
            _ => {}
        }
    }

    /// Answers a request held for verification with `error`.
    fn reject_held(&mut self, cx: &mut Ctx, message: &Message, error: KafkaError) {
        match message.payload {
            Payload::TxnOffsetCommitRequest(_) => {
                // `Errors.NOT_ENOUGH_REPLICAS` means nothing to this request: Kafka's
                // group coordinator answers a failed verification as a coordinator
                // not available, which the producer retries.
                let error = match error {
                    KafkaError::NotEnoughReplicas => KafkaError::CoordinatorNotAvailable,
                    e => e,
                };
                self.answer_txn_offsets(cx, message, Some(error))
            }
            _ => self.reject_produce(cx, message, error),
        }
    }

    fn handle_produce(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        client: NodeId,
        request: MessageId,
        req: ProduceRequest,
    ) {
        let ProduceRequest {
            acks,
            timeout_ms,
            batches,
            ..
        } = req;
        let b = self.id;
        let mut results = Vec::with_capacity(batches.len());
        let mut waiting = Vec::new();
        for batch in batches {
            let tp = batch.partition;
            match self.append_as_leader(cx, env, acks, &batch) {
                Ok(base) => {
                    if acks == Acks::All {
                        let required = Offset(base.0 + batch.records.len() as i64);
                        waiting.push((results.len(), required));
                        results.push((tp, batch.id, Ok(base)));
                    } else {
                        results.push((tp, batch.id, Ok(base)));
                    }
                }
                Err(error) => {
                    cx.emit(Event::ProduceRejected {
                        broker: b,
                        partition: tp,
                        batch: batch.id,
                        error,
                    });
                    if acks == Acks::None {
                        let records = batch.records.iter().map(|r| r.id).collect();
                        cx.mark_lost(tp, records, LossCause::UnacknowledgedSendRejected { error });
                    }
                    results.push((tp, batch.id, Err(error)));
                }
            }
        }
        if acks == Acks::None {
            return;
        }
        let delayed = DelayedProduce {
            request,
            client,
            results,
            waiting,
        };
        self.delayed_produces.push(delayed);
        self.try_complete_delayed_produce(cx, env, request);
        if self.delayed_produces.iter().any(|d| d.request == request) {
            cx.schedule(
                cx.now + Duration::from_millis(timeout_ms),
                Due::DelayedProduceExpire { broker: b, request },
            );
        }
    }

    /// `Partition.appendRecordsToLeader`: validation, the `min.insync.replicas` check for
    /// `acks=all`, then the append at the log end offset.
    fn append_as_leader(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        acks: Acks,
        batch: &FrozenBatch,
    ) -> Result<Offset, KafkaError> {
        let b = self.id;
        let tp = batch.partition;
        let topic = &env.topics[tp.topic.0 as usize].spec;
        let min_isr = topic.effective_min_isr() as usize;
        let compacted = topic.log.cleanup_policy.compacts();
        let max_bytes = env.config.broker.message_max_bytes;
        let now_ms = cx.now.millis() as i64;
        let replica = match self.replicas.get_mut(&tp) {
            Some(r) if r.is_leader => r,
            _ => return Err(KafkaError::NotLeaderOrFollower),
        };
        if batch.size_bytes > max_bytes {
            return Err(KafkaError::RecordTooLarge);
        }
        if compacted && batch.records.iter().any(|r| r.key.is_none()) {
            return Err(KafkaError::InvalidRecord);
        }
        if acks == Acks::All && replica.isr.len() < min_isr {
            return Err(KafkaError::NotEnoughReplicas);
        }
        if batch.producer_id != crate::idempotence::NO_PRODUCER_ID {
            let info = crate::idempotence::ProducerBatchInfo {
                producer_id: batch.producer_id,
                epoch: batch.producer_epoch,
                first_seq: batch.base_sequence,
                records: batch.records.len() as u32,
                transactional: batch.transactional,
            };
            match replica.log.producers.validate_client_batch(&info) {
                crate::idempotence::Verdict::Append => {}
                crate::idempotence::Verdict::Duplicate(meta) => {
                    cx.emit(Event::DuplicateBatch {
                        broker: b,
                        partition: tp,
                        batch: batch.id,
                        producer_id: batch.producer_id,
                        base_sequence: batch.base_sequence,
                        base_offset: meta.first_offset,
                    });
                    return Ok(meta.first_offset);
                }
                crate::idempotence::Verdict::Reject(e) => {
                    return Err(match e {
                        crate::idempotence::ProducerStateError::InvalidProducerEpoch => {
                            KafkaError::InvalidProducerEpoch
                        }
                        _ => KafkaError::OutOfOrderSequenceNumber,
                    })
                }
            }
        }
        let base = replica.log.log_end_offset();
        let segments_before = replica.log.segments().len();
        let stored = StoredBatch {
            base_offset: base,
            last_offset_delta: batch.records.len() as u32 - 1,
            size_bytes: batch.size_bytes,
            compression: batch.compression,
            max_timestamp_ms: batch.max_timestamp_ms,
            leader_epoch: replica.leader_epoch,
            batch_id: batch.id,
            producer_id: batch.producer_id,
            producer_epoch: batch.producer_epoch,
            base_sequence: batch.base_sequence,
            transactional: batch.transactional,
            marker: None,
            delete_horizon_ms: None,
            records: batch.records.clone(),
        };
        self.page_cache.append(&mut replica.log, stored, now_ms);
        if batch.transactional {
            self.txn
                .verified
                .retain(|(p, pid, _)| !(*p == tp && *pid == batch.producer_id));
        }
        let rolled = replica.log.segments().len() != segments_before;
        cx.emit(Event::BatchAppended {
            broker: b,
            partition: tp,
            batch: batch.id,
            base_offset: base,
            records: batch.records.len() as u32,
            leader: true,
        });
        if rolled {
            cx.emit(Event::SegmentRolled {
                broker: b,
                partition: tp,
                base_offset: base,
            });
        }
        let log = &self.replicas[&tp].log;
        let flags = cx
            .ledger
            .on_appended_batch(tp, &batch.records, base, |id, o| {
                o < base && log.record_at(o) == Some(id)
            });
        for (r, offset, dup, reordered) in flags {
            if dup {
                cx.emit(Event::RecordDuplicated {
                    record: r,
                    partition: tp,
                    offset,
                });
            }
            if reordered {
                cx.emit(Event::RecordReordered {
                    record: r,
                    partition: tp,
                    offset,
                });
            }
        }
        self.maybe_increment_hw(cx, env, tp);
        self.wake_delayed_fetches(cx, tp, ReadUpTo::LogEnd);
        Ok(base)
    }

    /// `DelayedProduce.tryComplete`: a waiting partition is done when this broker lost
    /// leadership, or the high watermark reached the batch (an error if the ISR is then
    /// below `min.insync.replicas`).
    fn try_complete_delayed_produce(&mut self, cx: &mut Ctx, env: &mut Env, request: MessageId) {
        let b = self.id;
        let min_isr: Vec<usize> = env
            .topics
            .iter()
            .map(|t| t.spec.effective_min_isr() as usize)
            .collect();
        let Some(pos) = self
            .delayed_produces
            .iter()
            .position(|d| d.request == request)
        else {
            return;
        };
        let d = &mut self.delayed_produces[pos];
        let replicas = &self.replicas;
        d.waiting.retain(|(i, required)| {
            let tp = d.results[*i].0;
            match replicas.get(&tp) {
                Some(r) if r.is_leader => {
                    if r.high_watermark >= *required {
                        if r.isr.len() < min_isr[tp.topic.0 as usize] {
                            d.results[*i].2 = Err(KafkaError::NotEnoughReplicasAfterAppend);
                        }
                        false
                    } else {
                        true
                    }
                }
                _ => {
                    d.results[*i].2 = Err(KafkaError::NotLeaderOrFollower);
                    false
                }
            }
        });
        if d.waiting.is_empty() {
            let d = self.delayed_produces.remove(pos);
            cx.send(
                NodeId::Broker(b),
                d.client,
                Payload::ProduceResponse {
                    request: d.request,
                    results: d.results,
                },
            );
        }
    }

    pub(crate) fn try_complete_delayed_produces_for(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        tp: TopicPartition,
    ) {
        let requests: Vec<MessageId> = self
            .delayed_produces
            .iter()
            .filter(|d| d.waiting.iter().any(|(i, _)| d.results[*i].0 == tp))
            .map(|d| d.request)
            .collect();
        for r in requests {
            self.try_complete_delayed_produce(cx, env, r);
        }
    }

    pub(crate) fn expire_delayed_produce(&mut self, cx: &mut Ctx, request: MessageId) {
        let b = self.id;
        let Some(pos) = self
            .delayed_produces
            .iter()
            .position(|d| d.request == request)
        else {
            return;
        };
        let mut d = self.delayed_produces.remove(pos);
        for (i, _) in &d.waiting {
            d.results[*i].2 = Err(KafkaError::RequestTimedOut);
        }
        cx.send(
            NodeId::Broker(b),
            d.client,
            Payload::ProduceResponse {
                request: d.request,
                results: d.results,
            },
        );
    }

    // ----- high watermark and ISR ---------------------------------------------------

    /// `Partition.maybeIncrementLeaderHW`: the high watermark becomes the smallest log end
    /// offset of the leader and its ISR, never moving back, and (Kafka 3.7, KAFKA-15583)
    /// not at all while the ISR is smaller than `min.insync.replicas`.
    pub(crate) fn maybe_increment_hw(&mut self, cx: &mut Ctx, env: &mut Env, tp: TopicPartition) {
        let b = self.id;
        let topic = &env.topics[tp.topic.0 as usize].spec;
        let min_isr = topic.effective_min_isr() as usize;
        let Some(r) = self.replicas.get_mut(&tp) else {
            return;
        };
        if !r.is_leader || r.isr.len() < min_isr {
            return;
        }
        let mut new_hw = r.log.log_end_offset();
        for member in r.isr.iter().chain(
            r.pending_isr
                .as_ref()
                .and_then(crate::event::IsrChange::joining),
        ) {
            if *member == b {
                continue;
            }
            match r.followers.get(member).and_then(|f| f.log_end_offset) {
                Some(leo) => new_hw = new_hw.min(leo),
                None => return,
            }
        }
        if new_hw > r.high_watermark {
            r.high_watermark = new_hw;
            cx.emit(Event::HighWatermarkAdvanced {
                broker: b,
                partition: tp,
                high_watermark: new_hw,
            });
            self.try_complete_delayed_produces_for(cx, env, tp);
            self.complete_group_appends(cx, env, tp);
            if TXN {
                self.complete_marker_writes(cx);
            }
            self.wake_delayed_fetches(cx, tp, ReadUpTo::HighWatermark);
        }
    }

    /// The leader's periodic ISR check (every `replica.lag.time.max.ms / 2`,
    /// `Partition.getOutOfSyncReplicas`): the followers that are not caught up, by
    /// partition. A follower is caught up when its log end equals the leader's, however
    /// long ago it fetched, or when it caught up within `replica.lag.time.max.ms`
    /// (`Replica.isCaughtUp`). The controller takes the others out of the ISR
    /// (`AlterPartition`).
    pub(crate) fn isr_check(&self, cx: &Ctx, env: &Env) -> Vec<(TopicPartition, BrokerId)> {
        let b = self.id;
        let lag = Duration::from_millis(env.config.broker.replica_lag_time_max_ms);
        let now = cx.now;
        let mut shrinks = Vec::new();
        for (tp, r) in &self.replicas {
            if !r.is_leader {
                continue;
            }
            for member in &r.isr {
                if *member == b {
                    continue;
                }
                let follower = r.followers.get(member);
                let at_log_end = follower
                    .and_then(|f| f.log_end_offset)
                    .is_some_and(|leo| leo == r.log.log_end_offset());
                let caught_up = follower.map_or(Instant::ZERO, |f| f.last_caught_up_at);
                if !at_log_end && now.since(caught_up) > lag {
                    shrinks.push((*tp, *member));
                }
            }
        }
        shrinks
    }

    /// Retention on every log of this broker (`LogManager.cleanupLogs`): whole segments
    /// past `retention.ms` or `retention.bytes` go.
    pub(crate) fn retention_check(&mut self, cx: &mut Ctx) {
        let b = self.id;
        let now_ms = cx.now.millis() as i64;
        for (tp, r) in self.replicas.iter_mut() {
            let hw = r.high_watermark;
            let deleted = r.log.delete_old_segments(now_ms, hw);
            if deleted.segments_deleted > 0 {
                cx.emit(Event::SegmentsDeleted {
                    broker: b,
                    partition: *tp,
                    segments: deleted.segments_deleted,
                    log_start_offset: r.log.log_start_offset(),
                });
            }
        }
    }

    /// The log cleaner's pass over this broker's compacted logs (`LogCleaner`'s one
    /// thread, which starts with the broker): it takes the filthiest log whose dirty ratio
    /// is above `min.cleanable.dirty.ratio` (or whose dirty records passed
    /// `max.compaction.lag.ms`), cleans it, and takes the next at once; with none left it
    /// sleeps `log.cleaner.backoff.ms` (`LogCleanerManager.grabFilthiestCompactedLog`).
    /// Cleaning takes no simulated time, so the filthiest-first order is the order of the
    /// logs' ratios now, ties in partition order.
    pub(crate) fn cleaner_check(&mut self, cx: &mut Ctx) {
        let b = self.id;
        let now_ms = cx.now.millis() as i64;
        let mut candidates: Vec<(TopicPartition, crate::log::LogToClean)> = self
            .replicas
            .iter()
            .filter_map(|(tp, r)| {
                let c = r.log.to_clean(now_ms, r.high_watermark)?;
                let ratio = r.log.config.min_cleanable_dirty_ratio_permille;
                (c.total_bytes() > 0 && c.is_cleanable(ratio)).then_some((*tp, c))
            })
            .collect();
        // Stable: equal ratios keep partition order.
        crate::java::sort_by(&mut candidates, |(_, x), (_, y)| {
            y.cmp_ratio(x) == core::cmp::Ordering::Less
        });
        for (tp, c) in candidates {
            let r = self.replicas.get_mut(&tp).expect("listed");
            let cleaned = r.log.clean(&c, now_ms);
            cx.emit(Event::LogCompacted {
                broker: b,
                partition: tp,
                records_removed: cleaned.records_deleted.len() as u32,
                segments_merged: cleaned.segments_deleted,
            });
        }
    }

    // ----- replication --------------------------------------------------------------

    /// The fetchers of a follower: one per leader in `leaders` (sorted), started for
    /// the new ones, stopped for the others.
    pub(crate) fn fetch_from(&mut self, cx: &mut Ctx, env: &mut Env, leaders: Vec<BrokerId>) {
        self.fetchers.retain(|l, _| leaders.contains(l));
        let mut start = Vec::new();
        for l in leaders {
            if let crate::vecmap::Entry::Vacant(e) = self.fetchers.entry(l) {
                e.insert(FetcherState::Idle);
                start.push(l);
            }
        }
        for l in start {
            self.send_fetch(cx, env, l);
        }
    }

    fn send_fetch(&mut self, cx: &mut Ctx, env: &mut Env, leader: BrokerId) {
        let b = self.id;
        let partitions: Vec<FetchPartition> = self
            .replicas
            .iter()
            .filter(|(tp, r)| !r.is_leader && env.partition(**tp).leader == Some(leader))
            .map(|(tp, r)| FetchPartition {
                partition: *tp,
                fetch_offset: r.log.log_end_offset(),
                last_fetched_epoch: r.log.latest_epoch(),
                current_leader_epoch: r.leader_epoch,
            })
            .collect();
        if partitions.is_empty() {
            self.fetchers.remove(&leader);
            return;
        }
        let id = cx.send(
            NodeId::Broker(b),
            NodeId::Broker(leader),
            Payload::FetchRequest {
                max_wait_ms: env.config.broker.replica_fetch_wait_max_ms,
                partition_max_bytes: env.config.broker.replica_fetch_max_bytes,
                max_bytes: env.config.broker.replica_fetch_response_max_bytes,
                min_bytes: env.config.broker.replica_fetch_min_bytes,
                read_committed: false,
                partitions,
            },
        );
        self.fetchers.insert(leader, FetcherState::InFlight(id));
        let timeout = Duration::from_millis(env.config.broker.replica_socket_timeout_ms);
        cx.schedule(
            cx.now + timeout,
            Due::FetchTimeout {
                broker: b,
                leader,
                request: id,
            },
        );
    }

    /// A fetch failed (timeout or reset): back off `replica.fetch.backoff.ms`, then retry.
    pub(crate) fn on_fetch_failed(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        leader: BrokerId,
        request: MessageId,
    ) {
        let b = self.id;
        if self.fetchers.get(&leader) != Some(&FetcherState::InFlight(request)) {
            return;
        }
        self.fetchers.insert(leader, FetcherState::Backoff);
        let backoff = Duration::from_millis(env.config.broker.replica_fetch_backoff_ms);
        cx.schedule(cx.now + backoff, Due::FetcherBackoff { broker: b, leader });
    }

    pub(crate) fn on_fetcher_backoff(&mut self, cx: &mut Ctx, env: &mut Env, leader: BrokerId) {
        if self.up && self.fetchers.get(&leader) == Some(&FetcherState::Backoff) {
            self.send_fetch(cx, env, leader);
        }
    }

    /// The leader's side of a follower fetch, first part (`Partition.fetchRecords`,
    /// `updateFollowerFetchState`): where the follower is now. Returns the partitions
    /// whose ISR the follower may join, for the controller (`Sim::follower_fetch`).
    pub(crate) fn record_follower_fetch(
        &mut self,
        cx: &Ctx,
        follower: BrokerId,
        partitions: &[FetchPartition],
    ) -> Vec<TopicPartition> {
        let now = cx.now;
        let mut isr_candidates = Vec::new();
        for fp in partitions {
            let Some(r) = self.replicas.get_mut(&fp.partition) else {
                continue;
            };
            if !r.is_leader || fp.current_leader_epoch != r.leader_epoch {
                continue;
            }
            if diverging(r, fp).is_some()
                || fp.fetch_offset > r.log.log_end_offset()
                || fp.fetch_offset < r.log.log_start_offset()
            {
                continue;
            }
            let leo = r.log.log_end_offset();
            if let Some(f) = r.followers.get_mut(&follower) {
                if fp.fetch_offset >= leo {
                    f.last_caught_up_at = now;
                } else if fp.fetch_offset >= f.last_fetch_leader_leo {
                    f.last_caught_up_at = f.last_caught_up_at.max(f.last_fetch_at);
                }
                f.log_end_offset = Some(fp.fetch_offset);
                f.last_fetch_at = now;
                f.last_fetch_leader_leo = leo;
            }
            if !r.isr.contains(&follower)
                && fp.fetch_offset >= r.high_watermark
                && fp.fetch_offset >= r.epoch_start_offset
            {
                isr_candidates.push(fp.partition);
            }
        }
        isr_candidates
    }

    /// After the controller's ISR decision on a follower fetch: the high watermarks of
    /// the fetched partitions may move.
    pub(crate) fn follower_fetch_moves_hw(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        partitions: &[FetchPartition],
    ) {
        for fp in partitions {
            self.maybe_increment_hw(cx, env, fp.partition);
        }
    }

    /// The end of a follower fetch: answered at once when there is enough data or an
    /// error, else parked until there is or the fetch's wait passes.
    pub(crate) fn answer_follower_fetch(
        &mut self,
        cx: &mut Ctx,
        fetch: DelayedFetch,
        max_wait_ms: u64,
    ) {
        if self.fetch_satisfied(&fetch) {
            self.respond_fetch(cx, fetch);
        } else {
            self.park_fetch(cx, fetch, max_wait_ms);
        }
    }

    /// Parks a fetch in the purgatory until data arrives or `max_wait_ms` passes.
    fn park_fetch(&mut self, cx: &mut Ctx, fetch: DelayedFetch, max_wait_ms: u64) {
        let request = fetch.request;
        self.delayed_fetches.push(fetch);
        cx.schedule(
            cx.now + Duration::from_millis(max_wait_ms),
            Due::DelayedFetchExpire {
                broker: self.id,
                request,
            },
        );
    }

    /// Answers a fetch with what each of its partitions has up to where the fetch may
    /// read, within the per-partition and the response-wide byte limits: the first
    /// partition that yields data may exceed them with one batch, the later ones may not
    /// (`ReplicaManager.readFromLog`, `minOneMessage`).
    fn respond_fetch(&mut self, cx: &mut Ctx, fetch: DelayedFetch) {
        let mut limit = fetch.max_bytes;
        let mut min_one = true;
        let partitions = fetch
            .partitions
            .iter()
            .map(|fp| {
                let max = fetch.partition_max_bytes.min(limit);
                let data = read_partition(self, fp, max, min_one, fetch.up_to);
                let bytes: u32 = data.batches.iter().map(|b| b.size_bytes).sum();
                if let Some(first) = data.batches.first() {
                    let cache = &mut self.page_cache;
                    let cached = self
                        .replicas
                        .get(&fp.partition)
                        .is_some_and(|r| cache.holds(&r.log, first.base_offset));
                    if cached {
                        cache.hits += 1;
                        cache.hit_bytes += u64::from(bytes);
                    } else {
                        cache.misses += 1;
                        cache.miss_bytes += u64::from(bytes);
                    }
                }
                if bytes > 0 {
                    min_one = false;
                }
                limit = limit.saturating_sub(bytes);
                data
            })
            .collect();
        cx.send(
            NodeId::Broker(self.id),
            fetch.client,
            Payload::FetchResponse {
                request: fetch.request,
                partitions,
            },
        );
    }

    /// A parked fetch's wait is over (or its data came): it is answered with what there
    /// is.
    pub(crate) fn complete_delayed_fetch(&mut self, cx: &mut Ctx, request: MessageId) {
        if let Some(pos) = self
            .delayed_fetches
            .iter()
            .position(|d| d.request == request)
        {
            let fetch = self.delayed_fetches.remove(pos);
            self.respond_fetch(cx, fetch);
        }
    }

    /// New data for fetches of `tp` that read `up_to`: followers' fetches when the log
    /// end moved, consumers' when the high watermark did.
    pub(crate) fn wake_delayed_fetches(
        &mut self,
        cx: &mut Ctx,
        tp: TopicPartition,
        up_to: ReadUpTo,
    ) {
        let requests: Vec<MessageId> = self
            .delayed_fetches
            .iter()
            // What wakes a high watermark reader wakes a last stable one (the last stable
            // offset moves only with the high watermark).
            .filter(|d| {
                (d.up_to == up_to
                    || (up_to == ReadUpTo::HighWatermark && d.up_to == ReadUpTo::LastStable))
                    && d.partitions.iter().any(|p| p.partition == tp)
            })
            .filter(|d| self.fetch_satisfied_first(d, tp))
            .map(|d| d.request)
            .collect();
        for r in requests {
            self.complete_delayed_fetch(cx, r);
        }
    }

    /// The follower's side: truncate where the leader says the logs diverge, append what
    /// came, learn the high watermark and log start offset, and fetch again.
    fn handle_fetch_response(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        leader: BrokerId,
        request: MessageId,
        partitions: Vec<FetchPartitionData>,
    ) {
        let b = self.id;
        if self.fetchers.get(&leader) != Some(&FetcherState::InFlight(request)) {
            return;
        }
        self.fetchers.insert(leader, FetcherState::Idle);
        let now_ms = cx.now.millis() as i64;
        let mut errors = false;
        for data in partitions {
            let tp = data.partition;
            if env.partition(tp).leader != Some(leader) {
                continue;
            }
            let Some(r) = self.replicas.get_mut(&tp) else {
                continue;
            };
            if r.is_leader {
                continue;
            }
            if let Some(error) = data.error {
                errors = true;
                let behind_start = r.log.log_end_offset() < data.log_start_offset;
                if error == KafkaError::OffsetOutOfRange
                    && (data.log_end_offset < r.log.log_end_offset() || behind_start)
                {
                    let to = if behind_start {
                        data.log_start_offset
                    } else {
                        data.log_end_offset
                    };
                    let removed = r.truncate(to, behind_start, now_ms);
                    cx.emit(Event::LogTruncated {
                        broker: b,
                        partition: tp,
                        to,
                        records_removed: removed,
                    });
                }
                continue;
            }
            if let Some((epoch, end)) = data.diverging_epoch {
                // The follower's own end of that epoch, or the leader's, whichever is lower.
                let to = match r.log.end_offset_for_epoch(epoch) {
                    Some((_, mine)) => mine.min(end),
                    None => end.max(r.log.log_start_offset()),
                };
                let removed = r.truncate(to, false, now_ms);
                cx.emit(Event::LogTruncated {
                    broker: b,
                    partition: tp,
                    to,
                    records_removed: removed,
                });
                continue;
            }
            for batch in data.batches {
                let r = self.replicas.get_mut(&tp).expect("exists");
                if batch.base_offset != r.log.log_end_offset() {
                    continue;
                }
                let segments_before = r.log.segments().len();
                let (id, base, n) = (batch.batch_id, batch.base_offset, batch.record_count());
                self.page_cache.append(&mut r.log, batch, now_ms);
                let rolled = r.log.segments().len() != segments_before;
                cx.emit(Event::BatchAppended {
                    broker: b,
                    partition: tp,
                    batch: id,
                    base_offset: base,
                    records: n,
                    leader: false,
                });
                if rolled {
                    cx.emit(Event::SegmentRolled {
                        broker: b,
                        partition: tp,
                        base_offset: base,
                    });
                }
            }
            let r = self.replicas.get_mut(&tp).expect("exists");
            let hw = data.high_watermark.min(r.log.log_end_offset());
            // The leader's log start, from every response
            // (`ReplicaFetcherThread.processPartitionData`).
            r.log
                .maybe_increment_log_start_offset(data.log_start_offset, hw.max(r.high_watermark));
            // A follower takes its leader's high watermark as it is, bounded by its own
            // log (`UnifiedLog.updateHighWatermark`): after a leader change it can move
            // down, to a new leader that has not advanced its own yet.
            let hw = hw.max(r.log.log_start_offset());
            let before = r.high_watermark;
            r.high_watermark = hw;
            if hw > before {
                cx.emit(Event::HighWatermarkAdvanced {
                    broker: b,
                    partition: tp,
                    high_watermark: hw,
                });
            }
        }
        if errors {
            self.fetchers.insert(leader, FetcherState::Backoff);
            let backoff = Duration::from_millis(env.config.broker.replica_fetch_backoff_ms);
            cx.schedule(cx.now + backoff, Due::FetcherBackoff { broker: b, leader });
        } else {
            self.send_fetch(cx, env, leader);
        }
    }
}

/// Whether kscope-core was built with transactions (its `transactions` feature).
pub(crate) const TXN: bool = cfg!(feature = "transactions");

/// How far a fetch may read: a follower reads to the log end offset, a consumer only
/// what is below the high watermark (what every ISR member has).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReadUpTo {
    LogEnd,
    HighWatermark,
    /// A `read_committed` consumer's: the last stable offset.
    LastStable,
}

impl ReadUpTo {
    /// A consumer's limit under its `isolation.level`.
    pub(crate) fn for_consumer(read_committed: bool) -> ReadUpTo {
        if read_committed {
            ReadUpTo::LastStable
        } else {
            ReadUpTo::HighWatermark
        }
    }
}

impl Replica {
    /// Where a reader of `up_to` stops in this replica's log.
    pub(crate) fn read_limit(&self, up_to: ReadUpTo) -> Offset {
        match up_to {
            ReadUpTo::LogEnd => self.log.log_end_offset(),
            ReadUpTo::HighWatermark => self.high_watermark,
            ReadUpTo::LastStable => self.log.last_stable_offset(self.high_watermark),
        }
    }
}

/// One partition of a fetch response, as the leader's `ReplicaManager.readFromLog`
/// answers it: the leader and epoch checks (KIP-320), the diverging epoch for a follower
/// that asks with its last fetched epoch, the offset range, then the batches.
fn read_partition(
    broker: &Broker,
    fp: &FetchPartition,
    max_bytes: u32,
    min_one: bool,
    up_to: ReadUpTo,
) -> FetchPartitionData {
    let mut data = FetchPartitionData {
        partition: fp.partition,
        error: None,
        high_watermark: Offset(-1),
        log_start_offset: Offset(-1),
        log_end_offset: Offset(-1),
        diverging_epoch: None,
        last_stable_offset: Offset(-1),
        aborted: Vec::new(),
        batches: Vec::new(),
    };
    let replica = broker.replicas.get(&fp.partition);
    // A consumer's answer from a replica that does not lead carries no offsets.
    let Some(r) = replica.filter(|r| r.is_leader || up_to == ReadUpTo::LogEnd) else {
        data.error = Some(KafkaError::NotLeaderOrFollower);
        return data;
    };
    data.high_watermark = r.high_watermark;
    data.log_start_offset = r.log.log_start_offset();
    data.log_end_offset = r.log.log_end_offset();
    data.last_stable_offset = r.log.last_stable_offset(r.high_watermark);
    if !r.is_leader {
        data.error = Some(KafkaError::NotLeaderOrFollower);
    } else if fp.current_leader_epoch < r.leader_epoch {
        data.error = Some(KafkaError::FencedLeaderEpoch);
    } else if fp.current_leader_epoch > r.leader_epoch {
        data.error = Some(KafkaError::UnknownLeaderEpoch);
    } else if let Some(d) = diverging(r, fp) {
        data.diverging_epoch = Some(d);
    } else if fp.fetch_offset > r.log.log_end_offset() || fp.fetch_offset < r.log.log_start_offset()
    {
        data.error = Some(KafkaError::OffsetOutOfRange);
    } else {
        match up_to {
            ReadUpTo::LogEnd => data.batches = r.log.read(fp.fetch_offset, max_bytes, min_one),
            _ => {
                let limit = r.read_limit(up_to);
                if fp.fetch_offset < limit {
                    data.batches = r
                        .log
                        .read(fp.fetch_offset, max_bytes, min_one)
                        .into_iter()
                        .filter(|batch| batch.last_offset() < limit)
                        .collect();
                }
                if up_to == ReadUpTo::LastStable {
                    let upto = data.batches.last().map_or(limit, |b| b.next_offset());
                    data.aborted = r
                        .log
                        .aborted_txns(fp.fetch_offset, upto)
                        .into_iter()
                        .map(|t| (t.producer_id, t.first_offset))
                        .collect();
                }
            }
        }
    }
    data
}

/// KIP-320's check on the leader: if the follower's last fetched epoch ended earlier in
/// the leader's log than the follower's fetch offset, or the leader has no such epoch, the
/// logs diverge and the follower must truncate.
fn diverging(r: &Replica, fp: &FetchPartition) -> Option<(LeaderEpoch, Offset)> {
    let last = fp.last_fetched_epoch?;
    match r.log.end_offset_for_epoch(last) {
        Some((epoch, end)) if epoch == last && end >= fp.fetch_offset => None,
        Some((epoch, end)) => Some((epoch, end)),
        None => Some((LeaderEpoch(-1), r.log.log_start_offset())),
    }
}

impl Broker {
    // ----- consumers ------------------------------------------------------------------

    /// A consumer's fetch: records below the high watermark only (`READ_UNCOMMITTED`
    /// consumers never see what is not replicated to the ISR), parked when there are
    /// none until the high watermark moves or `fetch.max.wait.ms` passes.
    fn handle_consumer_fetch(&mut self, cx: &mut Ctx, fetch: DelayedFetch, max_wait_ms: u64) {
        if self.fetch_satisfied(&fetch) {
            self.respond_fetch(cx, fetch);
        } else {
            self.park_fetch(cx, fetch, max_wait_ms);
        }
    }

    /// [`Self::fetch_satisfied`], looking first at `tp`, which just got data: at the
    /// usual `min_bytes` of 1, any byte of it to read settles the question.
    fn fetch_satisfied_first(&self, fetch: &DelayedFetch, tp: TopicPartition) -> bool {
        let quick = fetch.min_bytes <= 1
            && fetch.partitions.iter().any(|fp| {
                fp.partition == tp
                    && self.replicas.get(&tp).is_some_and(|r| {
                        let end = r.read_limit(fetch.up_to);
                        fp.fetch_offset < end && r.log.bytes_between(fp.fetch_offset, end, 1) > 0
                    })
            });
        quick || self.fetch_satisfied(fetch)
    }

    /// Whether a fetch is answered before its wait is over (`DelayedFetch.tryComplete`):
    /// a partition with an error (not the leader, another epoch, an offset out of range,
    /// diverging logs) answers at once; otherwise the bytes readable up to where the
    /// fetch may read, each partition's counted up to its limit, must reach the fetch's
    /// `min_bytes` (at least one byte).
    fn fetch_satisfied(&self, fetch: &DelayedFetch) -> bool {
        let need = u64::from(fetch.min_bytes.max(1));
        let mut bytes = 0u64;
        for fp in &fetch.partitions {
            let Some(r) = self
                .replicas
                .get(&fp.partition)
                .filter(|r| r.is_leader && fp.current_leader_epoch == r.leader_epoch)
            else {
                return true;
            };
            let leo = r.log.log_end_offset();
            if (fetch.up_to == ReadUpTo::LogEnd && diverging(r, fp).is_some())
                || fp.fetch_offset > leo
                || fp.fetch_offset < r.log.log_start_offset()
            {
                return true;
            }
            let end = r.read_limit(fetch.up_to);
            if fp.fetch_offset < end {
                let cap = u64::from(fetch.partition_max_bytes).min(need - bytes);
                bytes += r.log.bytes_between(fp.fetch_offset, end, cap);
                // Enough already: the rest cannot make it less so.
                if bytes >= need {
                    return true;
                }
            }
        }
        false
    }

    /// `ListOffsets`: the log start offset (earliest) or, latest, the high watermark (the
    /// last stable offset for a `read_committed` consumer, `UnifiedLog.fetchOffsetByTimestamp`).
    fn handle_list_offsets(
        &mut self,
        cx: &mut Ctx,
        from: NodeId,
        request: MessageId,
        partitions: Vec<(TopicPartition, bool)>,
        up_to: ReadUpTo,
    ) {
        let b = self.id;
        let results = partitions
            .iter()
            .map(|(tp, earliest)| {
                let r = self
                    .replicas
                    .get(tp)
                    .filter(|r| r.is_leader)
                    .ok_or(KafkaError::NotLeaderOrFollower)
                    .map(|r| {
                        if *earliest {
                            r.log.log_start_offset()
                        } else {
                            r.read_limit(up_to)
                        }
                    });
                (*tp, r)
            })
            .collect();
        cx.send(
            NodeId::Broker(b),
            from,
            Payload::ListOffsetsResponse { request, results },
        );
    }

    /// `OffsetsForLeaderEpoch` from a consumer validating its position (KIP-320): the
    /// leader's end offset of the largest epoch at most the one asked
    /// (`LeaderEpochFileCache.endOffsetFor`), after the same epoch checks as a fetch.
    fn handle_offsets_for_leader_epoch(
        &mut self,
        cx: &mut Ctx,
        from: NodeId,
        request: MessageId,
        partitions: Vec<crate::network::EpochQuery>,
    ) {
        let b = self.id;
        let results = partitions
            .iter()
            .map(|(tp, current, epoch)| {
                let r = match self.replicas.get(tp).filter(|r| r.is_leader) {
                    None => Err(KafkaError::NotLeaderOrFollower),
                    Some(r) if *current < r.leader_epoch => Err(KafkaError::FencedLeaderEpoch),
                    Some(r) if *current > r.leader_epoch => Err(KafkaError::UnknownLeaderEpoch),
                    Some(r) => Ok(r.log.end_offset_for_epoch(*epoch)),
                };
                (*tp, r)
            })
            .collect();
        cx.send(
            NodeId::Broker(b),
            from,
            Payload::OffsetsForLeaderEpochResponse { request, results },
        );
    }
}
