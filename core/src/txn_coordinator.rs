//! The transaction coordinator's handlers and a partition leader's side of transactions,
//! run by a broker (`TransactionCoordinator`, `TransactionMarkerChannelManager`, and
//! KIP-890's verification in `ReplicaManager.appendRecords`).
//!
//! kscope models transaction version 2 (KIP-890 part 2), what a new Kafka 4.0 cluster
//! runs: the producer sends no `AddPartitionsToTxn`; the leader of a partition, before
//! appending a producer's first transactional batch of a transaction there, asks the
//! coordinator to add the partition (`AddPartitionsToTxn` v5 from the broker) and holds
//! the produce request until it answers; `EndTxn` bumps the producer's epoch, so each
//! transaction has an epoch of its own and a late batch of the previous one is fenced.

use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

use crate::broker::{Broker, Env};
use crate::ctx::Ctx;
use crate::event::{Event, KafkaError};
use crate::group::{AppendWaiter, GroupRecord};
use crate::ids::{MessageId, NodeId, TopicPartition};
use crate::log::{StoredBatch, StoredRecord, TxnMarker};
use crate::network::{Message, Payload, TxnMarkers, TxnPartitions};
use crate::txn::{MarkerWait, TxnMetadata, TxnRecord, TxnState, TxnWaiter, Verifying};

impl Broker {
    /// The `__transaction_state` partition of `transactional_id`, if this broker leads it
    /// (it coordinates the transaction).
    fn txn_partition_led(&self, env: &Env, transactional_id: &str) -> Option<TopicPartition> {
        let tp = env.txn_partition(transactional_id)?;
        self.replicas.get(&tp).filter(|r| r.is_leader).map(|_| tp)
    }

    /// Writes the transaction's next state to its partition; `waiter` acts once it is
    /// replicated.
    fn write_txn(&mut self, cx: &mut Ctx, env: &mut Env, record: TxnRecord, waiter: TxnWaiter) {
        let id = record.transactional_id.clone();
        let Some(meta) = self.txn.txns.get_mut(&id) else {
            return;
        };
        meta.pending = true;
        let tp = meta.partition;
        self.append_group_records(
            cx,
            env,
            tp,
            alloc::vec![GroupRecord::Txn(record)],
            Some(AppendWaiter::Txn {
                transactional_id: id,
                waiter,
            }),
            None,
        );
    }

    /// The record a transaction's next state writes, from its present one.
    fn next_record(&self, id: &str, state: TxnState, now_ms: i64) -> Option<TxnRecord> {
        let meta = self.txn.txns.get(id)?;
        let mut r = meta.record.clone();
        r.state = state;
        r.updated_ms = now_ms;
        Some(r)
    }

    /// `InitProducerId` with a `transactional.id` (`handleInitProducerId`): a new id
    /// gets a producer id and epoch 0; a known one its epoch bumped. An open transaction
    /// is fenced and aborted first (the producer retries on CONCURRENT_TRANSACTIONS), as
    /// is one completing.
    pub(crate) fn handle_init_producer_id(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        client: NodeId,
        request: MessageId,
        transactional_id: Rc<str>,
        timeout_ms: u64,
    ) {
        let b = self.id;
        let reply = |cx: &mut Ctx, pid: i64, epoch: i16, error: Option<KafkaError>| {
            cx.send(
                NodeId::Broker(b),
                client,
                Payload::InitProducerIdResponse {
                    request,
                    producer_id: pid,
                    epoch,
                    error,
                },
            );
        };
        let Some(tp) = self.txn_partition_led(env, &transactional_id) else {
            return reply(cx, -1, -1, Some(KafkaError::NotCoordinator));
        };
        if timeout_ms > env.config.broker.transaction_max_timeout_ms {
            // INVALID_TRANSACTION_TIMEOUT: fatal to the producer.
            return reply(cx, -1, -1, Some(KafkaError::InvalidTxnState));
        }
        let now_ms = cx.now.millis() as i64;
        let Some(meta) = self.txn.txns.get(&transactional_id) else {
            let pid = *env.producer_ids;
            *env.producer_ids += 1;
            let record = TxnRecord {
                transactional_id: transactional_id.clone(),
                producer_id: pid,
                epoch: -1,
                timeout_ms,
                state: TxnState::Empty,
                partitions: Vec::new(),
                started_ms: -1,
                updated_ms: now_ms,
            };
            self.txn.txns.insert(
                transactional_id.clone(),
                TxnMetadata {
                    record: record.clone(),
                    partition: tp,
                    pending: false,
                    unmarked: Vec::new(),
                },
            );
            let mut first = record;
            first.epoch = 0;
            return self.write_txn(cx, env, first, TxnWaiter::Init { client, request });
        };
        if meta.pending || meta.record.state.is_preparing() {
            return reply(cx, -1, -1, Some(KafkaError::ConcurrentTransactions));
        }
        match meta.record.state {
            TxnState::Ongoing => {
                // The old producer's transaction is fenced, then aborted.
                self.fence(cx, env, &transactional_id);
                reply(cx, -1, -1, Some(KafkaError::ConcurrentTransactions));
            }
            _ => {
                let mut r = meta.record.clone();
                r.epoch = r.epoch.saturating_add(1);
                r.state = TxnState::Empty;
                r.partitions.clear();
                r.timeout_ms = timeout_ms;
                r.updated_ms = now_ms;
                self.write_txn(cx, env, r, TxnWaiter::Init { client, request });
            }
        }
    }

    /// A leader's `AddPartitionsToTxn` (`handleAddPartitionsToTransaction`): the
    /// transaction becomes Ongoing with the partitions added.
    pub(crate) fn handle_add_partitions_to_txn(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        client: NodeId,
        request: MessageId,
        req: &TxnPartitions,
    ) {
        let b = self.id;
        let reply = |cx: &mut Ctx, error: Option<KafkaError>| {
            cx.send(
                NodeId::Broker(b),
                client,
                Payload::AddPartitionsToTxnResponse { request, error },
            );
        };
        if self.txn_partition_led(env, &req.transactional_id).is_none() {
            return reply(cx, Some(KafkaError::NotCoordinator));
        }
        let now_ms = cx.now.millis() as i64;
        let Some(meta) = self.txn.txns.get(&req.transactional_id) else {
            return reply(cx, Some(KafkaError::InvalidProducerIdMapping));
        };
        if meta.record.producer_id != req.producer_id {
            return reply(cx, Some(KafkaError::InvalidProducerIdMapping));
        }
        if meta.record.epoch != req.epoch {
            return reply(cx, Some(KafkaError::ProducerFenced));
        }
        if meta.pending || meta.record.state.is_preparing() {
            return reply(cx, Some(KafkaError::ConcurrentTransactions));
        }
        if meta.record.state == TxnState::PrepareEpochFence {
            return reply(cx, Some(KafkaError::ProducerFenced));
        }
        let mut r = meta.record.clone();
        if meta.record.state == TxnState::Ongoing
            && req.partitions.iter().all(|p| r.partitions.contains(p))
        {
            return reply(cx, None);
        }
        if r.state != TxnState::Ongoing {
            r.partitions.clear();
            r.started_ms = now_ms;
        }
        for p in &req.partitions {
            if !r.partitions.contains(p) {
                r.partitions.push(*p);
            }
        }
        crate::java::sort_by(&mut r.partitions, |a, b| a < b);
        r.state = TxnState::Ongoing;
        r.updated_ms = now_ms;
        self.write_txn(cx, env, r, TxnWaiter::Add { client, request });
    }

    /// `EndTxn` (`endTransaction`): Ongoing → PrepareCommit or PrepareAbort with the epoch
    /// bumped (transaction version 2); the producer is answered once that is replicated,
    /// and the markers go out.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn handle_end_txn(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        client: NodeId,
        request: MessageId,
        transactional_id: Rc<str>,
        producer_id: i64,
        epoch: i16,
        commit: bool,
    ) {
        let b = self.id;
        let reply = |cx: &mut Ctx, error: Option<KafkaError>, epoch: i16| {
            cx.send(
                NodeId::Broker(b),
                client,
                Payload::EndTxnResponse {
                    request,
                    error,
                    producer_id,
                    epoch,
                },
            );
        };
        if self.txn_partition_led(env, &transactional_id).is_none() {
            return reply(cx, Some(KafkaError::NotCoordinator), epoch);
        }
        let Some(meta) = self.txn.txns.get(&transactional_id) else {
            return reply(cx, Some(KafkaError::InvalidProducerIdMapping), epoch);
        };
        if meta.record.producer_id != producer_id {
            return reply(cx, Some(KafkaError::InvalidProducerIdMapping), epoch);
        }
        let state = meta.record.state;
        let current = meta.record.epoch;
        // A retried EndTxn whose first try completed: the same outcome, the new epoch.
        let done = if commit {
            TxnState::CompleteCommit
        } else {
            TxnState::CompleteAbort
        };
        if epoch.checked_add(1) == Some(current) && (state == done || meta.pending) {
            return reply(cx, None, current);
        }
        if epoch != current {
            return reply(cx, Some(KafkaError::ProducerFenced), epoch);
        }
        if meta.pending || state.is_preparing() {
            return reply(cx, Some(KafkaError::ConcurrentTransactions), epoch);
        }
        if state != TxnState::Ongoing {
            return reply(cx, Some(KafkaError::InvalidTxnState), epoch);
        }
        self.prepare_end(cx, env, &transactional_id, commit, Some((client, request)));
    }

    /// `prepareFenceProducerEpoch`: PrepareEpochFence with the epoch bumped, so the
    /// producer of the open transaction is fenced; its transaction is aborted once that
    /// is replicated.
    fn fence(&mut self, cx: &mut Ctx, env: &mut Env, id: &str) {
        let now_ms = cx.now.millis() as i64;
        if let Some(mut r) = self.next_record(id, TxnState::PrepareEpochFence, now_ms) {
            r.epoch = r.epoch.saturating_add(1);
            self.write_txn(cx, env, r, TxnWaiter::Fence);
        }
    }

    /// Writes PrepareCommit or PrepareAbort with the epoch bumped.
    fn prepare_end(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        id: &str,
        commit: bool,
        client: Option<(NodeId, MessageId)>,
    ) {
        let state = if commit {
            TxnState::PrepareCommit
        } else {
            TxnState::PrepareAbort
        };
        let Some(mut r) = self.next_record(id, state, cx.now.millis() as i64) else {
            return;
        };
        r.epoch = r.epoch.saturating_add(1);
        self.write_txn(cx, env, r, TxnWaiter::Prepare { client });
    }

    /// A transaction's record is replicated (or its write failed): the state is the
    /// coordinator's now, and what waited on it follows.
    pub(crate) fn finish_txn_append(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        id: Rc<str>,
        waiter: TxnWaiter,
        error: Option<KafkaError>,
    ) {
        let b = self.id;
        // The record the write carried: the store's latest for this id.
        let written = env.groups.records.iter().rev().find_map(|(_, r)| match r {
            GroupRecord::Txn(t) if t.transactional_id == id => Some(t.clone()),
            _ => None,
        });
        let Some(meta) = self.txn.txns.get_mut(&id) else {
            return;
        };
        meta.pending = false;
        let client = match &waiter {
            TxnWaiter::Init { client, request } | TxnWaiter::Add { client, request } => {
                Some((*client, *request))
            }
            TxnWaiter::Prepare { client } => *client,
            _ => None,
        };
        if let Some(e) = error {
            // The write timed out: nothing changed; the client retries.
            let e = if e == KafkaError::RequestTimedOut {
                KafkaError::ConcurrentTransactions
            } else {
                e
            };
            if let Some((to, request)) = client {
                let payload = match waiter {
                    TxnWaiter::Init { .. } => Payload::InitProducerIdResponse {
                        request,
                        producer_id: -1,
                        epoch: -1,
                        error: Some(e),
                    },
                    TxnWaiter::Add { .. } => Payload::AddPartitionsToTxnResponse {
                        request,
                        error: Some(e),
                    },
                    _ => Payload::EndTxnResponse {
                        request,
                        error: Some(e),
                        producer_id: meta.record.producer_id,
                        epoch: meta.record.epoch,
                    },
                };
                cx.send(NodeId::Broker(b), to, payload);
            }
            return;
        }
        let Some(record) = written else {
            return;
        };
        meta.record = record.clone();
        cx.emit(Event::TxnStateChanged {
            broker: b,
            transactional_id: String::from(&*id),
            state: record.state,
            producer_id: record.producer_id,
            epoch: record.epoch,
        });
        match waiter {
            TxnWaiter::Init { client, request } => {
                cx.send(
                    NodeId::Broker(b),
                    client,
                    Payload::InitProducerIdResponse {
                        request,
                        producer_id: record.producer_id,
                        epoch: record.epoch,
                        error: None,
                    },
                );
            }
            TxnWaiter::Add { client, request } => {
                cx.send(
                    NodeId::Broker(b),
                    client,
                    Payload::AddPartitionsToTxnResponse {
                        request,
                        error: None,
                    },
                );
            }
            TxnWaiter::Prepare { client } => {
                if let Some((client, request)) = client {
                    cx.send(
                        NodeId::Broker(b),
                        client,
                        Payload::EndTxnResponse {
                            request,
                            error: None,
                            producer_id: record.producer_id,
                            epoch: record.epoch,
                        },
                    );
                }
                meta.unmarked = record.partitions.clone();
                self.send_markers(cx, env, &id);
            }
            TxnWaiter::Fence => {
                // The fenced transaction is aborted, at the fenced epoch plus one more.
                self.prepare_end(cx, env, &id, false, None);
            }
            TxnWaiter::Complete => {}
        }
    }

    /// Sends the markers of a prepared transaction to the leaders of its partitions not
    /// yet marked (`TransactionMarkerChannelManager`); with none left, the transaction
    /// completes.
    pub(crate) fn send_markers(&mut self, cx: &mut Ctx, env: &mut Env, id: &str) {
        let b = self.id;
        let Some(meta) = self.txn.txns.get(id) else {
            return;
        };
        if !meta.record.state.is_preparing() || meta.pending {
            return;
        }
        if meta.unmarked.is_empty() {
            let done = if meta.record.state == TxnState::PrepareCommit {
                TxnState::CompleteCommit
            } else {
                TxnState::CompleteAbort
            };
            if let Some(mut r) = self.next_record(id, done, cx.now.millis() as i64) {
                r.partitions.clear();
                self.write_txn(cx, env, r, TxnWaiter::Complete);
            }
            return;
        }
        let commit = meta.record.state == TxnState::PrepareCommit;
        let coordinator_epoch = self
            .replicas
            .get(&meta.partition)
            .map_or(0, |r| r.leader_epoch.0);
        let unsent: Vec<TopicPartition> = meta
            .unmarked
            .iter()
            .copied()
            .filter(|tp| {
                !self
                    .txn
                    .markers_sent
                    .values()
                    .any(|(t, ps)| &**t == id && ps.contains(tp))
            })
            .collect();
        let mut by_leader: Vec<(crate::ids::BrokerId, Vec<TopicPartition>)> = Vec::new();
        let mut leaderless = false;
        for tp in unsent {
            // Without a leader the marker waits for the next retry.
            let Some(l) = env.partition(tp).leader else {
                leaderless = true;
                continue;
            };
            match by_leader.iter_mut().find(|(x, _)| *x == l) {
                Some((_, v)) => v.push(tp),
                None => by_leader.push((l, alloc::vec![tp])),
            }
        }
        let (pid, epoch) = (meta.record.producer_id, meta.record.epoch);
        for (leader, partitions) in by_leader {
            let sent = cx.send(
                NodeId::Broker(b),
                NodeId::Broker(leader),
                Payload::WriteTxnMarkersRequest(Rc::new(TxnMarkers {
                    producer_id: pid,
                    epoch,
                    commit,
                    coordinator_epoch,
                    partitions: partitions.clone(),
                })),
            );
            self.txn
                .markers_sent
                .insert(sent, (Rc::from(id), partitions));
        }
        if leaderless {
            self.retry_markers_later(cx);
        }
    }

    /// The answer to markers this coordinator sent: the partitions marked are done; the
    /// others are sent again at the next retry.
    pub(crate) fn handle_markers_response(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        request: MessageId,
        results: &[(TopicPartition, Option<KafkaError>)],
    ) {
        let Some((id, _)) = self.txn.markers_sent.remove(&request) else {
            return;
        };
        if let Some(meta) = self.txn.txns.get_mut(&id) {
            for (tp, e) in results {
                if e.is_none() {
                    meta.unmarked.retain(|p| p != tp);
                }
            }
            if meta.unmarked.is_empty() {
                self.send_markers(cx, env, &id);
            } else if results.iter().any(|(_, e)| e.is_some()) {
                // A leader refused (it no longer leads): sent again after a backoff,
                // to the leader the metadata names then.
                self.retry_markers_later(cx);
            }
        }
    }

    /// A marker request was lost (its connection reset): its partitions are sent again
    /// at the next retry.
    pub(crate) fn forget_markers_request(&mut self, cx: &mut Ctx, request: MessageId) {
        if self.txn.markers_sent.remove(&request).is_some() {
            self.retry_markers_later(cx);
        }
    }

    /// Schedules one retry of the markers not yet written, `retry.backoff.ms` (100 ms)
    /// from now (`TransactionMarkerChannelManager` re-enqueues a marker a leader could
    /// not write and sends it once the metadata names a leader).
    fn retry_markers_later(&mut self, cx: &mut Ctx) {
        if self.txn.retry_scheduled {
            return;
        }
        self.txn.retry_scheduled = true;
        cx.schedule(
            cx.now + crate::time::Duration::from_millis(100),
            crate::ctx::Due::TxnMarkerRetry {
                broker: self.id,
                incarnation: self.incarnation,
            },
        );
    }

    /// The retry: every prepared transaction's markers not yet written go out again.
    pub(crate) fn retry_markers(&mut self, cx: &mut Ctx, env: &mut Env) {
        self.txn.retry_scheduled = false;
        let ids: Vec<Rc<str>> = self
            .txn
            .txns
            .iter()
            .filter(|(_, m)| m.record.state.is_preparing() && !m.unmarked.is_empty())
            .map(|(id, _)| id.clone())
            .collect();
        for id in ids {
            self.send_markers(cx, env, &id);
        }
    }

    /// The coordinator's periodic work (every
    /// `transaction.abort.timed.out.transaction.cleanup.interval.ms`,
    /// `abortTimedOutTransactions`): a transaction open longer than its timeout is
    /// fenced and aborted; markers not yet acknowledged are sent again.
    pub(crate) fn txn_periodic(&mut self, cx: &mut Ctx, env: &mut Env) {
        let now_ms = cx.now.millis() as i64;
        let ids: Vec<Rc<str>> = self.txn.txns.keys().cloned().collect();
        for id in ids {
            let Some(meta) = self.txn.txns.get(&id) else {
                continue;
            };
            if meta.pending {
                continue;
            }
            if meta.record.state == TxnState::Ongoing
                && now_ms - meta.record.started_ms >= meta.record.timeout_ms as i64
            {
                cx.emit(Event::TxnTimedOut {
                    broker: self.id,
                    transactional_id: String::from(&*id),
                });
                self.fence(cx, env, &id);
            } else if meta.record.state.is_preparing() {
                self.send_markers(cx, env, &id);
            }
        }
    }

    /// Leadership of a `__transaction_state` partition changed: the new leader loads its
    /// transactions from its log (each id's latest record) and finishes those prepared;
    /// a former leader drops them.
    pub(crate) fn load_txns(&mut self, cx: &mut Ctx, env: &mut Env, tp: TopicPartition) {
        let Some(r) = self.replicas.get(&tp) else {
            return;
        };
        let mut loaded: Vec<TxnRecord> = Vec::new();
        for record in r.log.batches().flat_map(|b| b.records.iter()) {
            let found = env
                .groups
                .records
                .binary_search_by_key(&record.id, |(id, _)| *id)
                .ok()
                .and_then(|at| env.groups.records.get(at));
            if let Some((_, GroupRecord::Txn(t))) = found {
                match loaded
                    .iter_mut()
                    .find(|x| x.transactional_id == t.transactional_id)
                {
                    Some(x) => *x = t.clone(),
                    None => loaded.push(t.clone()),
                }
            }
        }
        for record in loaded {
            let id = record.transactional_id.clone();
            let unmarked = if record.state.is_preparing() {
                record.partitions.clone()
            } else {
                Vec::new()
            };
            self.txn.txns.insert(
                id.clone(),
                TxnMetadata {
                    record,
                    partition: tp,
                    pending: false,
                    unmarked,
                },
            );
            self.send_markers(cx, env, &id);
        }
    }

    pub(crate) fn unload_txns(&mut self, tp: TopicPartition) {
        self.txn.txns.retain(|_, m| m.partition != tp);
    }

    // ----- a partition leader's side -----------------------------------------------

    /// KIP-890's verification: the partitions of `batches` where this producer has no
    /// ongoing transaction yet at this epoch (the coordinator must add them first).
    pub(crate) fn unverified(
        &self,
        batches: &[Rc<crate::network::FrozenBatch>],
    ) -> Vec<TopicPartition> {
        batches
            .iter()
            .filter(|b| b.transactional)
            .filter(|b| {
                let Some(r) = self.replicas.get(&b.partition).filter(|r| r.is_leader) else {
                    return false;
                };
                let open = r.log.producers.entry(b.producer_id).is_some_and(|e| {
                    e.epoch == b.producer_epoch && e.ongoing_txn_first_offset.is_some()
                });
                !open
                    && !self
                        .txn
                        .verified
                        .contains(&(b.partition, b.producer_id, b.producer_epoch))
            })
            .map(|b| b.partition)
            .collect()
    }

    /// Whether `tp`, which this broker leads, needs the coordinator's verification
    /// before the producer's transactional append at `epoch`.
    #[cfg(feature = "transactions")]
    pub(crate) fn txn_unverified(&self, tp: TopicPartition, producer_id: i64, epoch: i16) -> bool {
        let Some(r) = self.replicas.get(&tp).filter(|r| r.is_leader) else {
            return false;
        };
        let open = r
            .log
            .producers
            .entry(producer_id)
            .is_some_and(|e| e.epoch == epoch && e.ongoing_txn_first_offset.is_some());
        !open && !self.txn.verified.contains(&(tp, producer_id, epoch))
    }

    /// Holds a produce request and asks the coordinator to add its partitions.
    pub(crate) fn verify_then_produce(
        &mut self,
        cx: &mut Ctx,
        env: &Env,
        message: Message,
        partitions: Vec<TopicPartition>,
    ) -> Result<(), (Message, KafkaError)> {
        let Payload::ProduceRequest(req) = &message.payload else {
            return Ok(());
        };
        let Some(id) = req.transactional_id.clone() else {
            return Ok(());
        };
        let first = req.batches.iter().find(|b| b.transactional);
        let producer = first.map_or((-1, -1), |b| (b.producer_id, b.producer_epoch));
        self.verify_then(cx, env, message, id, producer, partitions)
    }

    /// Holds a request (a produce request, a `TxnOffsetCommit`) and asks the coordinator
    /// of `transactional_id` to add `partitions` to the transaction of `producer` (id,
    /// epoch).
    pub(crate) fn verify_then(
        &mut self,
        cx: &mut Ctx,
        env: &Env,
        message: Message,
        transactional_id: Rc<str>,
        producer: (i64, i16),
        partitions: Vec<TopicPartition>,
    ) -> Result<(), (Message, KafkaError)> {
        let coordinator = env
            .txn_partition(&transactional_id)
            .and_then(|tp| env.partition(tp).leader);
        let Some(coordinator) = coordinator else {
            return Err((message, KafkaError::NotEnoughReplicas));
        };
        let add = cx.send(
            NodeId::Broker(self.id),
            NodeId::Broker(coordinator),
            Payload::AddPartitionsToTxnRequest(Rc::new(TxnPartitions {
                transactional_id,
                producer_id: producer.0,
                epoch: producer.1,
                partitions,
            })),
        );
        self.txn.verifying.push(Verifying {
            message,
            add_request: add,
        });
        Ok(())
    }

    /// The coordinator's answer to a verification: the held request is appended, or
    /// answered with the error (a retriable one as NOT_ENOUGH_REPLICAS, as Kafka's
    /// leader answers a producer whose transaction could not be verified).
    pub(crate) fn on_verified(
        &mut self,
        request: MessageId,
        error: Option<KafkaError>,
    ) -> Option<(Message, Option<KafkaError>)> {
        let i = self
            .txn
            .verifying
            .iter()
            .position(|v| v.add_request == request)?;
        let held = self.txn.verifying.remove(i);
        if error.is_none() {
            let keys: Vec<(TopicPartition, i64, i16)> = match &held.message.payload {
                Payload::ProduceRequest(req) => req
                    .batches
                    .iter()
                    .filter(|b| b.transactional)
                    .map(|b| (b.partition, b.producer_id, b.producer_epoch))
                    .collect(),
                #[cfg(feature = "transactions")]
                Payload::TxnOffsetCommitRequest(req) => self
                    .coordinator
                    .groups
                    .get(&req.group)
                    .map(|g| (g.partition, req.producer_id, req.epoch))
                    .into_iter()
                    .collect(),
                _ => Vec::new(),
            };
            for key in keys {
                if !self.txn.verified.contains(&key) {
                    self.txn.verified.push(key);
                }
            }
        }
        let error = error.map(|e| match e {
            KafkaError::ProducerFenced
            | KafkaError::InvalidProducerEpoch
            | KafkaError::InvalidProducerIdMapping
            | KafkaError::InvalidTxnState => e,
            _ => KafkaError::NotEnoughReplicas,
        });
        Some((held.message, error))
    }

    /// `WriteTxnMarkers` at a partition leader: a control batch per partition, with the
    /// marker's epoch checked against the producer's; answered once replicated.
    pub(crate) fn handle_write_txn_markers(
        &mut self,
        cx: &mut Ctx,
        env: &mut Env,
        client: NodeId,
        request: MessageId,
        m: &TxnMarkers,
    ) {
        let b = self.id;
        let now_ms = cx.now.millis() as i64;
        let mut results = Vec::with_capacity(m.partitions.len());
        for tp in &m.partitions {
            let Some(r) = self.replicas.get_mut(tp).filter(|r| r.is_leader) else {
                results.push((*tp, Err(KafkaError::NotLeaderOrFollower)));
                continue;
            };
            if r.log
                .producers
                .entry(m.producer_id)
                .is_some_and(|e| e.epoch > m.epoch)
            {
                results.push((*tp, Err(KafkaError::InvalidProducerEpoch)));
                continue;
            }
            if !m.commit {
                // The records of the transaction stay in the log, aborted.
                let first = r.log.producers.entry(m.producer_id);
                if let Some(first) = first.and_then(|e| e.ongoing_txn_first_offset) {
                    for batch in r.log.batches_from(first) {
                        if batch.producer_id == m.producer_id && batch.marker.is_none() {
                            for record in batch.records.iter() {
                                cx.ledger.on_txn_aborted(record.id);
                            }
                        }
                    }
                }
            }
            let marker = TxnMarker {
                commit: m.commit,
                coordinator_epoch: m.coordinator_epoch,
            };
            let record = StoredRecord {
                id: crate::ids::RecordId(u64::MAX),
                offset_delta: 0,
                key: Some(Rc::from(&marker.key()[..])),
                value_len: Some(6),
                headers: None,
                timestamp_ms: now_ms,
            };
            let base = r.log.log_end_offset();
            let records = [record];
            let batch = StoredBatch {
                base_offset: base,
                last_offset_delta: 0,
                size_bytes: crate::record::RECORD_BATCH_OVERHEAD
                    + crate::log::records_size(&records, now_ms),
                compression: crate::record::CompressionType::None,
                max_timestamp_ms: now_ms,
                leader_epoch: r.leader_epoch,
                batch_id: crate::ids::BatchId(u64::MAX),
                producer_id: m.producer_id,
                producer_epoch: m.epoch,
                base_sequence: -1,
                transactional: true,
                marker: Some(marker),
                delete_horizon_ms: None,
                records: Rc::from(records),
            };
            self.page_cache.append(&mut r.log, batch, now_ms);
            self.txn
                .verified
                .retain(|(p, pid, _)| !(p == tp && *pid == m.producer_id));
            #[cfg(feature = "transactions")]
            if env.offsets_topic() == Some(tp.topic) {
                self.complete_txn_offsets(cx, env, *tp, m.producer_id, m.commit);
            }
            cx.emit(Event::TxnMarkerWritten {
                broker: b,
                partition: *tp,
                producer_id: m.producer_id,
                epoch: m.epoch,
                commit: m.commit,
                offset: base,
            });
            results.push((*tp, Ok(base)));
            self.maybe_increment_hw(cx, env, *tp);
            self.wake_delayed_fetches(cx, *tp, crate::broker::ReadUpTo::LogEnd);
        }
        self.txn.marker_waits.push(MarkerWait {
            client,
            request,
            partitions: results,
        });
        self.complete_marker_writes(cx);
    }

    /// Answers the marker requests whose markers the high watermarks now cover (or whose
    /// partitions this broker no longer leads).
    pub(crate) fn complete_marker_writes(&mut self, cx: &mut Ctx) {
        let b = self.id;
        let replicas = &self.replicas;
        let done = |w: &MarkerWait| {
            w.partitions.iter().all(|(tp, o)| match o {
                Ok(o) => replicas
                    .get(tp)
                    .is_none_or(|r| !r.is_leader || r.high_watermark > *o),
                Err(_) => true,
            })
        };
        let (ready, rest): (Vec<MarkerWait>, Vec<MarkerWait>) =
            core::mem::take(&mut self.txn.marker_waits)
                .into_iter()
                .partition(done);
        self.txn.marker_waits = rest;
        for w in ready {
            let results = w
                .partitions
                .iter()
                .map(|(tp, o)| {
                    let error = match o {
                        Err(e) => Some(*e),
                        Ok(o) => {
                            let still = self
                                .replicas
                                .get(tp)
                                .is_some_and(|r| r.is_leader && r.high_watermark > *o);
                            (!still).then_some(KafkaError::NotLeaderOrFollower)
                        }
                    };
                    (*tp, error)
                })
                .collect();
            cx.send(
                NodeId::Broker(b),
                w.client,
                Payload::WriteTxnMarkersResponse {
                    request: w.request,
                    results,
                },
            );
        }
    }

    /// The transaction coordinator's state of `transactional_id` on this broker.
    pub fn txn_state(&self, transactional_id: &str) -> Option<&TxnMetadata> {
        self.txn.txns.get(transactional_id)
    }
}
