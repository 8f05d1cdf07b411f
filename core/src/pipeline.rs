//! The exactly-once consume-transform-produce application (KIP-98, KIP-447), run by the
//! first group with `commit.mode=transactional` ([`crate::config::ManualCommit`]): each
//! member has a transactional producer of its own, as Kafka's `ExactlyOnceMessageProcessor`
//! example and Kafka Streams' `exactly_once_v2` run one per thread. The member processes
//! a poll; its producer sends one result per record to the output topic as it goes, stores the
//! member's positions in the same transaction (`sendOffsetsToTransaction` with the
//! group's metadata) and commits; the member polls again when `commitTransaction()`
//! returns, or, after an abort, from its last committed offsets.
//!
//! The consumer and its producer are actors that own nothing of each other: the consumer
//! hands over its results as it processes ([`Effect::Results`], every 50 ms of
//! processing) and asks for the commit at the end of the poll ([`Effect::Commit`]); the
//! producer reports the transaction's end ([`Effect::TxnEnded`]); `Sim` carries them out
//! here after the item that raised them.
//!
//! A member's producer is named after its group and member (`orders-app-0`): a restarted
//! member's new producer fences its predecessor, whose open transaction the coordinator
//! aborts at once (InitProducerId). A member fenced by a rebalance is refused by the group
//! coordinator (KIP-447's generation check of `TxnOffsetCommit`), so its transaction can
//! only abort.

#[cfg(feature = "transactions")]
use alloc::vec::Vec;

#[cfg(feature = "transactions")]
use crate::ctx::Effect;
use crate::ids::ConsumerId;
#[cfg(feature = "transactions")]
use crate::ids::{ProducerId, TopicId};
#[cfg(feature = "transactions")]
use crate::producer::ProduceRecord;
use crate::sim::Sim;
#[cfg(feature = "transactions")]
use crate::txn::TxnClientState as S;

/// Without transactions there is no pipeline: nothing to start, stop or carry out.
#[cfg(not(feature = "transactions"))]
impl Sim {
    pub(crate) fn start_pipeline_producer(&mut self, _: ConsumerId) {}
    pub(crate) fn crash_pipeline_producer(&mut self, _: ConsumerId) {}
    pub(crate) fn run_effects(&mut self) {}
}

#[cfg(feature = "transactions")]
impl Sim {
    /// Gives member `c` of the first group a new transactional producer (a new process's
    /// client, with the same `transactional.id` as its predecessor's).
    pub(crate) fn start_pipeline_producer(&mut self, c: ConsumerId) {
        if !crate::broker::TXN || !self.config.pipeline() {
            return;
        }
        let settings = crate::config::ProducerConfig {
            transactional_id: Some(alloc::format!("{}-{}", self.config.consumer.group_id, c.0)),
            transaction_timeout_ms: self.config.producer.transaction_timeout_ms,
            ..Default::default()
        };
        let mut config = self.config.clone();
        config.producer = crate::config::ProducerConfig {
            client_version: self.config.producer.client_version,
            ..settings
        };
        let (p, incarnation) = match self.pipeline.get(&c).copied() {
            Some(p) => (p, self.producers.get(&p).map_or(0, |p| p.incarnation + 1)),
            None => {
                let p = ProducerId(self.producers.last_key_value().map_or(0, |(p, _)| p.0 + 1));
                self.pipeline.insert(c, p);
                (p, 0)
            }
        };
        let producer = self.producer_client(p, incarnation, &config);
        self.install_producer(producer);
    }

    /// Member `c`'s process died: its producer with it.
    pub(crate) fn crash_pipeline_producer(&mut self, c: ConsumerId) {
        let Some(p) = self.pipeline.get(&c).copied() else {
            return;
        };
        if let Some(p) = self.producers.get_mut(&p).filter(|p| p.is_running()) {
            p.crash(&mut self.cx);
        }
        self.pipeline_waiting.retain(|e| {
            !matches!(e, Effect::Results { consumer, .. } | Effect::Commit { consumer, .. } if *consumer == c)
        });
        self.failed_polls.remove(&c);
    }

    /// Carries out what the actors asked of the pipeline's application, in order; and
    /// replaces a member's producer that met a fatal error (fenced) while the member
    /// waited in `commitTransaction()`.
    pub(crate) fn run_effects(&mut self) {
        if !crate::broker::TXN || self.pipeline.is_empty() && self.cx.effects.is_empty() {
            return;
        }
        let mut effects = core::mem::take(&mut self.pipeline_waiting);
        effects.append(&mut self.cx.effects);
        // What these raise (a transaction ended at once) waits for the next item.
        for e in effects {
            match e {
                Effect::Results { consumer, .. } | Effect::Commit { consumer, .. } => {
                    self.pipeline_step(consumer, e)
                }
                Effect::TxnEnded {
                    producer,
                    committed,
                } => {
                    let member = self.pipeline.iter().find(|(_, p)| **p == producer);
                    if let Some(c) = member.map(|(c, _)| *c) {
                        self.failed_polls.remove(&c);
                        let cons = self.consumers.get_mut(&c).expect("a paired member");
                        cons.on_transaction_ended(&mut self.cx, committed);
                    }
                }
            }
        }
        let fenced: Vec<ConsumerId> = self
            .pipeline
            .iter()
            .filter(|(c, p)| {
                self.consumers.get(c).is_some_and(|c| c.in_transaction)
                    && self
                        .producers
                        .get(p)
                        .and_then(|p| p.txn.as_ref())
                        .map(|t| t.state)
                        == Some(S::FatalError)
            })
            .map(|(c, _)| *c)
            .collect();
        for c in fenced {
            self.start_pipeline_producer(c);
            let cons = self.consumers.get_mut(&c).expect("a paired member");
            cons.on_transaction_ended(&mut self.cx, false);
        }
    }

    /// One step of member `c`'s transaction: results to send, or the offsets and the
    /// commit. A producer still in `initTransactions()` makes the application wait (the
    /// step waits, and those after it); one that cannot take the step (fenced, a fatal
    /// error) fails the member's poll: its results are not written, nothing is
    /// committed, and the member goes back to its committed offsets.
    fn pipeline_step(&mut self, c: ConsumerId, e: Effect) {
        let Some(p) = self.pipeline.get(&c).copied() else {
            return;
        };
        let queued = self
            .pipeline_waiting
            .iter()
            .any(|w| matches!(w, Effect::Results { consumer, .. } | Effect::Commit { consumer, .. } if *consumer == c));
        let state = self
            .producers
            .get(&p)
            .and_then(|p| p.txn.as_ref())
            .map(|t| t.state);
        if queued || matches!(state, Some(S::Uninitialized | S::Initializing)) {
            self.pipeline_waiting.push(e);
            return;
        }
        let failed = self.failed_polls.contains(&c)
            || !matches!(state, Some(S::Ready | S::InTransaction))
            || !self.producers.get(&p).is_some_and(|p| p.is_running());
        match e {
            Effect::Results { .. } if failed => {
                self.failed_polls.insert(c);
            }
            Effect::Commit { .. } if failed => {
                self.failed_polls.remove(&c);
                if !matches!(state, Some(S::Ready | S::InTransaction)) {
                    self.start_pipeline_producer(c);
                }
                if let Some(cons) = self.consumers.get_mut(&c) {
                    cons.on_transaction_ended(&mut self.cx, false);
                }
            }
            Effect::Results { records, .. } => self.send_results(p, records),
            Effect::Commit { offsets, .. } => {
                let producer = self.producers.get_mut(&p).expect("paired");
                producer.begin_transaction(&mut self.cx);
                producer.send_offsets_to_transaction(offsets);
                producer.end_transaction(&mut self.cx, true);
            }
            Effect::TxnEnded { .. } => {}
        }
    }

    /// Producer `p` sends one result per record to the output topic, in its transaction
    /// (begun with the first results).
    fn send_results(
        &mut self,
        p: ProducerId,
        records: Vec<(
            crate::ids::TopicPartition,
            crate::ids::Offset,
            crate::ids::RecordId,
        )>,
    ) {
        let Some(out) = self.config.pipeline_output() else {
            return;
        };
        let producer = self.producers.get_mut(&p).expect("paired");
        producer.begin_transaction(&mut self.cx);
        let partitions = self.topics[out as usize].partitions.len() as u32;
        let value_len = self.config.workload.value_bytes;
        let mut results = Vec::with_capacity(records.len());
        for (tp, _, source) in records {
            let record = ProduceRecord {
                topic: TopicId(out),
                partition: Some(tp.partition % partitions),
                key: None,
                value_len: Some(value_len),
                headers: Vec::new(),
                timestamp_ms: None,
            };
            let id = self.cx.ledger.next_id();
            if producer.send(&mut self.cx, &self.topics, record).is_ok()
                && self.cx.ledger.next_id() > id
            {
                results.push((id, source));
            }
        }
        for (id, source) in results {
            self.cx.ledger.on_result_sent(id, source);
        }
        producer.poll(&mut self.cx);
    }
}
