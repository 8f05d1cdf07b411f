//! The view model: everything the page shows, computed from the simulation by a pure
//! function, so it can be tested natively without a browser. Components only turn it into
//! markup.

use kscope_core::sim::Sim;
use kscope_core::{BrokerId, Offset, TopicPartition};

/// One replica of a partition, as a row of the inspector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaView {
    pub topic: String,
    pub partition: u32,
    pub broker: u32,
    pub leader: bool,
    pub in_isr: bool,
    pub log_start_offset: i64,
    pub log_end_offset: i64,
    pub high_watermark: i64,
    pub segments: usize,
}

/// A broker and its replicas.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokerView {
    pub id: u32,
    pub up: bool,
    pub fenced: bool,
    pub replicas: Vec<ReplicaView>,
}

/// A partition as the controller records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionView {
    pub topic: String,
    pub partition: u32,
    pub leader: Option<u32>,
    pub leader_epoch: i32,
    pub isr: Vec<u32>,
    pub replicas: Vec<u32>,
    /// The leader's high watermark and log end offset (the committed and written ends).
    pub high_watermark: Option<i64>,
    pub log_end_offset: Option<i64>,
}

/// Everything the inspector shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewModel {
    pub seed: u64,
    pub time_ms: u64,
    pub brokers: Vec<BrokerView>,
    pub partitions: Vec<PartitionView>,
    pub sent: u64,
    pub acknowledged: u64,
    pub failed: u64,
    pub lost: u64,
    pub duplicated: u64,
    pub reordered: u64,
    pub redelivered: u64,
    pub in_flight_messages: usize,
    pub queued_batches: usize,
    pub buffer_used: u64,
    pub buffer_memory: u64,
    /// The idempotent producer's id and epoch, once it has them; `None` when the producer
    /// is not idempotent.
    pub producer_id: Option<Option<(i64, i16)>>,
}

fn offset(o: Offset) -> i64 {
    o.0
}

/// Computes the view model of `sim`.
pub fn view_model(sim: &Sim) -> ViewModel {
    let topic_name = |tp: TopicPartition| sim.topics()[tp.topic.0 as usize].spec.name.clone();
    let brokers = sim
        .brokers()
        .values()
        .map(|b| BrokerView {
            id: b.id.0,
            up: b.up,
            fenced: b.fenced,
            replicas: b
                .replicas
                .iter()
                .map(|(tp, r)| {
                    let p = sim.partition(*tp);
                    ReplicaView {
                        topic: topic_name(*tp),
                        partition: tp.partition,
                        broker: b.id.0,
                        leader: p.leader == Some(b.id),
                        in_isr: p.isr.contains(&b.id),
                        log_start_offset: offset(r.log.log_start_offset()),
                        log_end_offset: offset(r.log.log_end_offset()),
                        high_watermark: offset(r.high_watermark),
                        segments: r.log.segments().len(),
                    }
                })
                .collect(),
        })
        .collect();
    let partitions = sim
        .all_partitions()
        .map(|tp| {
            let p = sim.partition(tp);
            let leader_replica = p
                .leader
                .and_then(|l| sim.brokers().get(&l))
                .and_then(|b| b.replicas.get(&tp));
            PartitionView {
                topic: topic_name(tp),
                partition: tp.partition,
                leader: p.leader.map(|b: BrokerId| b.0),
                leader_epoch: p.leader_epoch.0,
                isr: p.isr.iter().map(|b| b.0).collect(),
                replicas: p.replicas.iter().map(|b| b.0).collect(),
                high_watermark: leader_replica.map(|r| offset(r.high_watermark)),
                log_end_offset: leader_replica.map(|r| offset(r.log.log_end_offset())),
            }
        })
        .collect();
    let c = sim.ledger().counts();
    ViewModel {
        seed: sim.seed(),
        time_ms: sim.now().millis(),
        brokers,
        partitions,
        sent: c.sent,
        acknowledged: c.acknowledged,
        failed: c.failed,
        lost: c.lost,
        duplicated: c.duplicated,
        reordered: c.reordered,
        redelivered: c.redelivered,
        in_flight_messages: sim.messages_in_flight().count(),
        queued_batches: sim.producer().queued_batches(),
        buffer_used: sim.producer().buffer_used,
        buffer_memory: sim.producer().config.buffer_memory,
        producer_id: sim
            .producer()
            .idempotent
            .then_some(sim.producer().idempotence.producer_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kscope_core::{Command, Instant, SimConfig};

    #[test]
    fn shows_every_replica_with_its_offsets() {
        let mut sim = Sim::new(SimConfig::default(), 3).expect("default config is valid");
        sim.step(Instant::from_millis(2_000));
        let vm = view_model(&sim);
        assert_eq!(vm.time_ms, 2_000);
        assert_eq!(vm.brokers.len(), 3);
        let replicas: usize = vm.brokers.iter().map(|b| b.replicas.len()).sum();
        assert_eq!(replicas, 9, "3 partitions x replication factor 3");
        for p in &vm.partitions {
            let leader = p.leader.expect("every partition has a leader");
            let row = vm.brokers[leader as usize]
                .replicas
                .iter()
                .find(|r| r.partition == p.partition)
                .expect("the leader holds a replica");
            assert!(row.leader && row.in_isr);
            assert_eq!(Some(row.high_watermark), p.high_watermark);
            assert!(row.high_watermark <= row.log_end_offset);
        }
        assert!(vm.acknowledged > 0);
        assert!(vm.acknowledged + vm.failed <= vm.sent);
    }

    #[test]
    fn a_crashed_broker_shows_down_and_then_fenced() {
        let mut sim = Sim::new(SimConfig::default(), 3).expect("default config is valid");
        sim.apply(Instant::from_millis(100), Command::CrashBroker(BrokerId(1)))
            .expect("broker 1 exists");
        let vm = view_model(&sim);
        assert!(!vm.brokers[1].up && !vm.brokers[1].fenced);
        sim.step(Instant::from_millis(10_000));
        let vm = view_model(&sim);
        assert!(
            vm.brokers[1].fenced,
            "fenced after broker.session.timeout.ms"
        );
        assert!(vm.partitions.iter().all(|p| p.leader != Some(1)));
        assert!(vm.partitions.iter().all(|p| !p.isr.contains(&1)));
    }
}
