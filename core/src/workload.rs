//! The producing application: a loop that calls `send()` at the workload's rate, with
//! keys drawn from the seeded generator, and stops creating records while `send()`
//! blocks on `buffer.memory` (the application's send loop runs on one thread). With
//! `SendMode::Sync` it also waits for each record's result (`send().get()`) before the
//! next `send()`. With several topics it sends each record to the next topic in turn.

use alloc::vec::Vec;

use crate::config::SendMode;
use crate::ctx::Due;
use crate::ids::TopicId;
use crate::producer::ProduceRecord;
use crate::sim::Sim;
use crate::time::Duration;

impl Sim {
    pub(crate) fn schedule_workload(&mut self) {
        if self.config.workload.rate > 0 && !self.workload_scheduled {
            self.workload_scheduled = true;
            let next = self.cx.now + self.workload_interval();
            self.cx.schedule(next, Due::Workload);
        }
    }

    pub(crate) fn workload_interval(&self) -> Duration {
        let rate = u64::from(self.config.workload.rate.max(1));
        if rate <= 1000 {
            Duration::from_micros(1_000_000 / rate)
        } else {
            Duration::from_millis(1)
        }
    }

    pub(crate) fn workload_tick(&mut self) {
        let w = self.config.workload.clone();
        if w.rate == 0 {
            return;
        }
        let count = if w.rate <= 1000 {
            1
        } else {
            self.workload_carry += u64::from(w.rate);
            let n = self.workload_carry / 1000;
            self.workload_carry %= 1000;
            n
        };
        // `send().get()`: nothing more until the last record's result is in.
        let waiting = self.workload_waiting.is_some_and(|id| {
            self.cx
                .ledger
                .record(id)
                .is_some_and(|r| r.status == crate::ledger::RecordStatus::Pending)
        });
        let count = match w.send_mode {
            SendMode::Sync if waiting => 0,
            SendMode::Sync => count.min(1),
            SendMode::Async | SendMode::FireAndForget => count,
        };
        // A transactional application begins a transaction, sends, and commits it
        // after `transaction.records` records or `transaction.interval.ms`; it sends
        // nothing while `initTransactions()` or `commitTransaction()` blocks it.
        // A crashed application sends nothing until it is restarted.
        let count = if !self.app_producer().is_running() {
            0
        } else if crate::broker::TXN && self.app_producer().txn.is_some() {
            self.workload_txn(&w, count)
        } else {
            count
        };
        // The application's send loop runs on one thread: while `send()` blocks on
        // buffer.memory it creates no new records.
        if self.app_producer().is_running() && !self.app_producer().is_blocked() {
            for _ in 0..count {
                let key = if w.keys == 0 {
                    None
                } else {
                    {
                        let i = self.rng.below(w.keys);
                        Some(self.app_producer().workload_key(i))
                    }
                };
                let topic = w.topic + self.workload_next_topic % w.topics.max(1);
                self.workload_next_topic = (self.workload_next_topic + 1) % w.topics.max(1);
                let record = ProduceRecord {
                    topic: TopicId(topic),
                    partition: None,
                    key,
                    value_len: Some(w.value_bytes),
                    headers: Vec::new(),
                    timestamp_ms: None,
                };
                // The workload's own records are always well formed.
                let producer = self.producers.get_mut(&self.app);
                let producer = producer.expect("the application's producer");
                let id = crate::ids::RecordId(self.cx.ledger.len() as u64);
                let _ = producer.send(&mut self.cx, &self.topics, record);
                if w.send_mode == SendMode::Sync && self.cx.ledger.len() as u64 > id.0 {
                    self.workload_waiting = Some(id);
                }
                if self.app_producer().is_blocked() {
                    break;
                }
            }
            let producer = self.producers.get_mut(&self.app);
            producer
                .expect("the application's producer")
                .poll(&mut self.cx);
        }
        self.schedule_workload();
    }

    /// The transactional application's loop around its sends: how many records it may
    /// send now.
    fn workload_txn(&mut self, w: &crate::config::Workload, count: u64) -> u64 {
        use crate::txn::TxnClientState as S;
        let now = self.cx.now;
        let producer = self
            .producers
            .get_mut(&self.app)
            .expect("the application's producer");
        let Some(t) = producer.txn.as_ref() else {
            return count;
        };
        match t.state {
            S::Ready => {
                producer.begin_transaction(&mut self.cx);
                count
            }
            S::InTransaction => {
                let full = w.transaction_records > 0
                    && t.records.len() as u64 >= u64::from(w.transaction_records);
                let due = now.since(t.began_at)
                    >= Duration::from_millis(w.transaction_interval_ms.max(1));
                if full || due {
                    let commit = !t.abort_next;
                    if let Some(t) = producer.txn.as_mut() {
                        t.abort_next = false;
                    }
                    producer.end_transaction(&mut self.cx, commit);
                    0
                } else if w.transaction_records > 0 {
                    count.min(u64::from(w.transaction_records) - t.records.len() as u64)
                } else {
                    count
                }
            }
            _ => 0,
        }
    }
}
