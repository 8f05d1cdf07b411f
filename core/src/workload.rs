//! The producing application: a loop that calls `send()` at the workload's rate, with
//! keys drawn from the seeded generator, and stops creating records while `send()`
//! blocks on `buffer.memory` (the application's send loop runs on one thread).

use alloc::vec::Vec;

use crate::ctx::Due;
use crate::ids::{ProducerId, TopicId};
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
        // The application's send loop runs on one thread: while `send()` blocks on
        // buffer.memory it creates no new records.
        if !self.app_producer().is_blocked() {
            for _ in 0..count {
                let key = if w.keys == 0 {
                    None
                } else {
                    {
                        let i = self.rng.below(w.keys);
                        Some(self.app_producer().workload_key(i))
                    }
                };
                let record = ProduceRecord {
                    topic: TopicId(w.topic),
                    partition: None,
                    key,
                    value_len: Some(w.value_bytes),
                    headers: Vec::new(),
                    timestamp_ms: None,
                };
                // The workload's own records are always well formed.
                let producer = self.producers.get_mut(&ProducerId(0));
                let producer = producer.expect("the application's producer");
                let _ = producer.send(&mut self.cx, &self.topics, record);
                if self.app_producer().is_blocked() {
                    break;
                }
            }
            let producer = self.producers.get_mut(&ProducerId(0));
            producer
                .expect("the application's producer")
                .poll(&mut self.cx);
        }
        self.schedule_workload();
    }
}
