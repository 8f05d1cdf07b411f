//! The transactional producer (`TransactionManager` with a `transactional.id`):
//! `initTransactions()` finds the coordinator and gets the producer id and epoch;
//! `beginTransaction()` is local; sends go out as transactional batches (their leaders
//! add the partitions to the transaction, KIP-890); `commitTransaction()` flushes what
//! the accumulator holds and sends `EndTxn`; `abortTransaction()` fails the batches not
//! yet sent (`TransactionAbortedException`), waits for those in flight, and sends
//! `EndTxn` to abort. With transaction version 2 the answer to `EndTxn` carries the
//! producer's next epoch.

use crate::ctx::Ctx;
use crate::event::{Event, KafkaError, TxnCall};
use crate::ids::{BrokerId, MessageId, NodeId};
use crate::network::Payload;
use crate::producer::Producer;
use crate::time::Duration;
use crate::txn::TxnClientState as S;

impl Producer {
    /// The transactional part of the sender's loop: finds the coordinator, initialises,
    /// ends transactions. Returns whether batches may be sent.
    pub(crate) fn txn_poll(&mut self, cx: &mut Ctx) -> bool {
        let timeout = Duration::from_millis(self.config.request_timeout_ms);
        let now = cx.now;
        let Some(t) = self.txn.as_mut() else {
            return true;
        };
        if let Some((_, sent)) = t.request {
            if now.since(sent) < timeout {
                return matches!(
                    t.state,
                    S::InTransaction | S::CommittingTransaction | S::AbortingTransaction
                );
            }
            // No answer: look for the coordinator again.
            t.request = None;
            t.forget_coordinator();
        }
        let waiting = t.retry_at.is_some_and(|r| r > now);
        match t.state {
            S::FatalError | S::Ready => false,
            S::InTransaction => true,
            S::Uninitialized | S::Initializing => {
                t.state = S::Initializing;
                if !waiting {
                    self.txn_request(cx, false);
                }
                false
            }
            S::CommittingTransaction | S::AbortingTransaction => {
                #[cfg(feature = "transactions")]
                if t.state == S::AbortingTransaction || t.failed {
                    // Offsets not yet stored are not sent once the transaction aborts.
                    t.offsets = None;
                }
                if t.state == S::AbortingTransaction {
                    self.abort_undrained(cx);
                }
                let settled = self.deques.values().all(|d| d.is_empty())
                    && self.in_flight.is_empty()
                    && self.blocked.is_empty();
                let started = self.txn.as_ref().is_some_and(|t| t.started);
                if settled && !started {
                    // Every batch failed before it was sent (an abort fails the undrained
                    // ones): no partition joined the transaction, so it ends here, with no
                    // EndTxn (`TransactionManager` skips the request when its
                    // `transactionStarted` is false).
                    self.complete_transaction(cx, None);
                    return false;
                }
                #[cfg(feature = "transactions")]
                let offsets = self.txn.as_ref().is_some_and(|t| t.offsets.is_some());
                #[cfg(not(feature = "transactions"))]
                let offsets = false;
                if settled && !waiting && offsets {
                    #[cfg(feature = "transactions")]
                    self.txn_offsets_request(cx);
                } else if settled && !waiting {
                    self.txn_request(cx, true);
                }
                true
            }
        }
    }

    /// Sends FindCoordinator if the coordinator is unknown, else InitProducerId (or, with
    /// `end`, EndTxn) to it.
    fn txn_request(&mut self, cx: &mut Ctx, end: bool) {
        let Some(t) = self.txn.as_ref() else {
            return;
        };
        let id = t.transactional_id.clone();
        let (to, payload) = match t.coordinator {
            None => {
                let Some(b) = self.least_loaded_node(cx) else {
                    return;
                };
                (
                    b,
                    Payload::FindCoordinatorRequest {
                        group: id,
                        transaction: true,
                    },
                )
            }
            Some(c) if !end => (
                c,
                Payload::InitProducerIdRequest {
                    transactional_id: Some(id),
                    transaction_timeout_ms: self.config.transaction_timeout_ms,
                },
            ),
            Some(c) => {
                let Some((producer_id, epoch)) = self.idempotence.producer_id else {
                    return;
                };
                let commit = t.state == S::CommittingTransaction && !t.failed;
                (
                    c,
                    Payload::EndTxnRequest {
                        transactional_id: id,
                        producer_id,
                        epoch,
                        commit,
                    },
                )
            }
        };
        let sent = cx.send(NodeId::Producer(self.id), NodeId::Broker(to), payload);
        if let Some(t) = self.txn.as_mut() {
            t.request = Some((sent, cx.now));
            t.group_request = false;
        }
    }

    /// Sends FindCoordinator for the group if its coordinator is unknown, else the
    /// transaction's offsets to it (`TxnOffsetCommit`), before `EndTxn` commits.
    #[cfg(feature = "transactions")]
    fn txn_offsets_request(&mut self, cx: &mut Ctx) {
        let Some(t) = self.txn.as_ref() else {
            return;
        };
        let Some(o) = t.offsets.as_ref() else {
            return;
        };
        let (to, payload) = match t.group_coordinator {
            None => {
                let Some(b) = self.least_loaded_node(cx) else {
                    return;
                };
                let payload = Payload::FindCoordinatorRequest {
                    group: o.group.clone(),
                    transaction: false,
                };
                (b, payload)
            }
            Some(c) => {
                let Some((producer_id, epoch)) = self.idempotence.producer_id else {
                    return;
                };
                let request = crate::network::TxnOffsetCommit {
                    transactional_id: t.transactional_id.clone(),
                    group: o.group.clone(),
                    producer_id,
                    epoch,
                    generation: o.generation,
                    member_id: o.member_id.clone(),
                    offsets: o.offsets.clone(),
                };
                let payload = Payload::TxnOffsetCommitRequest(alloc::rc::Rc::new(request));
                (c, payload)
            }
        };
        let sent = cx.send(NodeId::Producer(self.id), NodeId::Broker(to), payload);
        if let Some(t) = self.txn.as_mut() {
            t.request = Some((sent, cx.now));
            t.group_request = true;
        }
    }

    /// `sendOffsetsToTransaction(offsets, groupMetadata)`: the offsets go to the group's
    /// coordinator inside the present transaction, before it commits. With transaction
    /// version 2 the transaction counts as started from here (the group's partition joins
    /// it without `AddOffsetsToTxn`).
    #[cfg(feature = "transactions")]
    pub(crate) fn send_offsets_to_transaction(&mut self, offsets: crate::txn::TxnOffsets) -> bool {
        let Some(t) = self.txn.as_mut().filter(|t| t.state == S::InTransaction) else {
            return false;
        };
        t.offsets = Some(offsets);
        t.started = true;
        true
    }

    /// `RecordAccumulator.abortUndrainedBatches`: the batches not yet sent fail.
    /// Only those never drained: a batch sent once has its sequence numbers, and is
    /// retried to its end, as a gap in the sequence would fail every later batch of its
    /// partition with OUT_OF_ORDER_SEQUENCE_NUMBER.
    fn abort_undrained(&mut self, cx: &mut Ctx) {
        let mut undrained = alloc::vec::Vec::new();
        for d in self.deques.values_mut() {
            let (never_sent, sent): (alloc::vec::Vec<_>, alloc::vec::Vec<_>) =
                d.drain(..).partition(|b| b.base_sequence.is_none());
            undrained.extend(never_sent);
            d.extend(sent);
        }
        for b in undrained {
            self.fail_batch(cx, b, KafkaError::TransactionAborted);
        }
    }

    /// `beginTransaction()`.
    pub(crate) fn begin_transaction(&mut self, cx: &mut Ctx) -> bool {
        let Some(t) = self.txn.as_mut().filter(|t| t.state == S::Ready) else {
            return false;
        };
        t.state = S::InTransaction;
        t.began_at = cx.now;
        t.records.clear();
        t.failed = false;
        t.started = false;
        cx.emit(Event::TxnCall {
            producer: self.id,
            call: TxnCall::Begin,
        });
        true
    }

    /// `commitTransaction()` (or, with `commit` false, `abortTransaction()`): a
    /// transaction with no record sent ends at once, without the coordinator.
    pub(crate) fn end_transaction(&mut self, cx: &mut Ctx, commit: bool) {
        let Some(t) = self.txn.as_mut().filter(|t| t.state == S::InTransaction) else {
            return;
        };
        cx.emit(Event::TxnCall {
            producer: self.id,
            call: if commit {
                TxnCall::Commit
            } else {
                TxnCall::Abort
            },
        });
        if t.records.is_empty() && !t.started {
            t.state = S::Ready;
            #[cfg(feature = "transactions")]
            cx.effects.push(crate::ctx::Effect::TxnEnded {
                producer: self.id,
                committed: commit,
            });
            return;
        }
        t.state = if commit {
            S::CommittingTransaction
        } else {
            S::AbortingTransaction
        };
        self.poll(cx);
    }

    /// The transaction ended: committed or aborted, with the producer id and epoch of the
    /// next transaction when EndTxn answered (`None` when it ended without EndTxn).
    fn complete_transaction(&mut self, cx: &mut Ctx, next: Option<(i64, i16)>) {
        let Some(t) = self.txn.as_mut() else {
            return;
        };
        let committed = t.state == S::CommittingTransaction && !t.failed;
        t.records.clear();
        if committed {
            t.committed += 1;
        } else {
            // The ledger marks its records aborted as the ABORT markers land.
            t.aborted += 1;
        }
        t.state = S::Ready;
        t.failed = false;
        if let Some(next) = next {
            self.idempotence.producer_id = Some(next);
            self.idempotence.partitions.clear();
        }
        cx.emit(Event::TxnCall {
            producer: self.id,
            call: if committed {
                TxnCall::Committed
            } else {
                TxnCall::Aborted
            },
        });
        #[cfg(feature = "transactions")]
        cx.effects.push(crate::ctx::Effect::TxnEnded {
            producer: self.id,
            committed,
        });
    }

    /// A batch of the transaction failed: the transaction can only abort.
    pub(crate) fn on_txn_batch_failed(&mut self, error: KafkaError) {
        if let Some(t) = self.txn.as_mut() {
            t.failed = true;
            if matches!(
                error,
                KafkaError::ProducerFenced | KafkaError::InvalidProducerEpoch
            ) {
                t.state = S::FatalError;
            }
        }
    }

    /// The answers a transactional producer gets: FindCoordinator, InitProducerId and
    /// EndTxn. Returns whether the message was one of them.
    pub(crate) fn txn_receive(&mut self, cx: &mut Ctx, from: BrokerId, payload: &Payload) -> bool {
        let backoff = Duration::from_millis(self.config.retry_backoff_ms);
        let now = cx.now;
        let me = self.id;
        let Some(t) = self.txn.as_mut() else {
            return false;
        };
        let ours = |request: &MessageId| t.request.map(|(r, _)| r) == Some(*request);
        match payload {
            Payload::FindCoordinatorResponse {
                request,
                coordinator,
            } if ours(request) => {
                t.request = None;
                match coordinator {
                    Ok(c) if t.group_request => t.group_coordinator = Some(*c),
                    Ok(c) => t.coordinator = Some(*c),
                    Err(_) => t.retry_at = Some(now + backoff),
                }
            }
            // `TxnOffsetCommitHandler`.
            #[cfg(feature = "transactions")]
            Payload::TxnOffsetCommitResponse { request, error } if ours(request) => {
                t.request = None;
                match error {
                    None => t.offsets = None,
                    // The member left the generation (a rebalance fenced it): the
                    // transaction can only abort (`CommitFailedException`, abortable).
                    Some(
                        KafkaError::UnknownMemberId
                        | KafkaError::IllegalGeneration
                        | KafkaError::FencedInstanceId,
                    ) => {
                        t.offsets = None;
                        t.failed = true;
                    }
                    Some(KafkaError::ProducerFenced | KafkaError::InvalidProducerEpoch) => {
                        t.state = S::FatalError;
                        cx.emit(Event::TxnCall {
                            producer: me,
                            call: TxnCall::Fenced,
                        });
                    }
                    Some(e) => t.retry_after(*e, now + backoff),
                }
            }
            Payload::InitProducerIdResponse {
                request,
                producer_id,
                epoch,
                error,
            } if ours(request) => {
                t.request = None;
                match error {
                    None => {
                        t.state = S::Ready;
                        self.idempotence.producer_id = Some((*producer_id, *epoch));
                        self.idempotence.partitions.clear();
                        cx.emit(Event::ProducerIdAssigned {
                            producer_id: *producer_id,
                            epoch: *epoch,
                            bumped: false,
                        });
                    }
                    Some(KafkaError::InvalidTxnState) => t.state = S::FatalError,
                    Some(e) => t.retry_after(*e, now + backoff),
                }
            }
            Payload::EndTxnResponse {
                request,
                error,
                producer_id,
                epoch,
            } if ours(request) => {
                t.request = None;
                match error {
                    // Transaction version 2: the answer carries the next transaction's
                    // epoch.
                    None => self.complete_transaction(cx, Some((*producer_id, *epoch))),
                    // `EndTxnHandler`: fenced, an unknown producer id or a state the
                    // coordinator cannot end are fatal.
                    Some(
                        KafkaError::ProducerFenced
                        | KafkaError::InvalidProducerIdMapping
                        | KafkaError::InvalidTxnState,
                    ) => {
                        t.state = S::FatalError;
                        cx.emit(Event::TxnCall {
                            producer: me,
                            call: TxnCall::Fenced,
                        });
                    }
                    Some(e) => t.retry_after(*e, now + backoff),
                }
            }
            Payload::ConnectionReset { request } if ours(request) => {
                t.request = None;
                t.forget_coordinator();
                t.retry_at = Some(now + backoff);
            }
            _ => return false,
        }
        let _ = from;
        true
    }

    /// When the transactional part of the sender next has something to do.
    pub(crate) fn txn_wake(&self) -> Option<crate::time::Instant> {
        let t = self.txn.as_ref()?;
        let timeout = Duration::from_millis(self.config.request_timeout_ms);
        match t.request {
            Some((_, sent)) => Some(sent + timeout),
            None => t.retry_at,
        }
    }
}
