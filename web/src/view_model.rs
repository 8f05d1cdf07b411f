//! The readouts: simulated time, the ledger's counts, throughput and end-to-end latency,
//! the producer's identity and what is in flight, as a pure function of the simulation,
//! cheap enough to compute every frame.

use kscope_core::event::LossCause;
use kscope_core::ledger::RecordStatus;
use kscope_core::sim::Sim;

/// Everything the readouts show.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewModel {
    pub seed: u64,
    pub time_ms: u64,
    pub sent: u64,
    pub acknowledged: u64,
    pub failed: u64,
    pub lost: u64,
    pub duplicated: u64,
    pub reordered: u64,
    pub consumed: u64,
    pub redelivered: u64,
    pub in_flight_messages: usize,
    /// Records carried by the messages in flight (produce requests and fetch responses).
    pub records_in_flight: u64,
    /// The idempotent producer's id and epoch, once it has them; `None` when the producer
    /// is not idempotent.
    pub producer_id: Option<Option<(i64, i16)>>,
}

/// Computes the readouts of `sim`.
pub fn view_model(sim: &Sim) -> ViewModel {
    let c = sim.ledger().counts();
    ViewModel {
        seed: sim.seed(),
        time_ms: sim.now().millis(),
        sent: c.sent,
        acknowledged: c.acknowledged,
        failed: c.failed,
        lost: c.lost,
        duplicated: c.duplicated,
        reordered: c.reordered,
        consumed: c.consumed,
        redelivered: c.redelivered,
        in_flight_messages: sim.messages_in_flight().count(),
        records_in_flight: sim
            .messages_in_flight()
            .map(|m| u64::from(m.payload.records()))
            .sum(),
        producer_id: sim
            .producer()
            .idempotent
            .then_some(sim.producer().idempotence.producer_id),
    }
}

/// Throughput and end-to-end latency over the last `window_ms` of simulated time:
/// acknowledged records per second, and the median and 99th percentile of the time from
/// `send()` to acknowledgement.
#[derive(Clone, Debug, PartialEq)]
pub struct Rates {
    pub records_per_s: f64,
    pub latency_p50_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
}

/// Looks back over the most recent records only (at most `scan`), newest first, so the
/// cost per frame is bounded.
pub fn rates(sim: &Sim, window_ms: u64, scan: usize) -> Rates {
    let now = sim.now();
    let since = now.micros().saturating_sub(window_ms * 1_000);
    let mut latencies: Vec<f64> = sim
        .ledger()
        .records()
        .iter()
        .rev()
        .take(scan)
        .filter_map(|r| match (r.status, r.acked_at) {
            (RecordStatus::Acknowledged, Some(at)) if at.micros() >= since => {
                Some(at.since(r.sent_at).micros() as f64 / 1_000.0)
            }
            _ => None,
        })
        .collect();
    latencies.sort_by(|a, b| a.total_cmp(b));
    let pick = |p: f64| {
        (!latencies.is_empty())
            .then(|| latencies[((latencies.len() - 1) as f64 * p).round() as usize])
    };
    let span_s = (now.micros() - since).max(1) as f64 / 1_000_000.0;
    Rates {
        records_per_s: latencies.len() as f64 / span_s,
        latency_p50_ms: pick(0.5),
        latency_p99_ms: pick(0.99),
    }
}

/// Every loss, grouped by cause, with its count: what the ledger links each loss to.
pub fn losses(sim: &Sim) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = Vec::new();
    for r in sim.ledger().records() {
        if r.status != RecordStatus::Acknowledged {
            continue;
        }
        let Some(cause) = r.lost else { continue };
        let text = match cause {
            LossCause::LeaderElection {
                partition,
                leader,
                leader_epoch,
                kind,
            } => format!(
                "{:?} election of broker {} for orders-{} (leader epoch {}): it did not have them",
                kind, leader.0, partition.partition, leader_epoch.0
            ),
            LossCause::UnacknowledgedSendDropped { .. } => {
                "acks=0: the request carrying them was lost on the way".to_string()
            }
            LossCause::UnacknowledgedSendRejected { error } => {
                format!("acks=0: the broker refused them ({error:?}) and nobody was told")
            }
        };
        match out.iter_mut().find(|(t, _)| *t == text) {
            Some((_, n)) => *n += 1,
            None => out.push((text, 1)),
        }
    }
    out
}

fn node(n: kscope_core::NodeId) -> String {
    match n {
        kscope_core::NodeId::Producer => "the producer".to_string(),
        kscope_core::NodeId::Broker(b) => format!("broker {}", b.0),
        kscope_core::NodeId::Consumer(c) => format!("c{}", c.0),
    }
}

/// A notable event in words, or `None` for the routine ones. `names` are the topics'
/// names by id; events of internal topics (`__consumer_offsets`) are left out, except
/// what they mean for the group (its coordinator moving).
pub fn describe(e: &kscope_core::TimedEvent, names: &[String]) -> Option<String> {
    use kscope_core::event::{ElectionKind, Event, LeaveReason, RebalanceReason};
    let t = e.at.millis();
    let name = |tp: &kscope_core::TopicPartition| -> Option<String> {
        let topic = names.get(tp.topic.0 as usize)?;
        (!topic.starts_with("__")).then(|| format!("{topic}-{}", tp.partition))
    };
    let list = |tps: &[kscope_core::TopicPartition]| -> String {
        tps.iter().filter_map(name).collect::<Vec<_>>().join(", ")
    };
    let text = match &e.event {
        Event::LeaderElected { partition, leader, leader_epoch, kind, isr } => match kind {
            ElectionKind::Initial => return None,
            ElectionKind::Clean => format!(
                "broker {} now leads {} (leader epoch {}, ISR {:?})",
                leader.0, name(partition)?, leader_epoch.0, isr.iter().map(|b| b.0).collect::<Vec<_>>()
            ),
            ElectionKind::Unclean => format!(
                "UNCLEAN election: broker {} leads {} from outside the ISR (leader epoch {})",
                leader.0, name(partition)?, leader_epoch.0
            ),
        },
        Event::PartitionOffline { partition, .. } => {
            format!("{} is offline: no in-sync replica is alive", name(partition)?)
        }
        Event::IsrShrunk { partition, removed, .. } => {
            format!("broker {} left the ISR of {}", removed.0, name(partition)?)
        }
        Event::IsrExpanded { partition, added, .. } => {
            format!("broker {} rejoined the ISR of {}", added.0, name(partition)?)
        }
        Event::BrokerCrashed { broker } => format!("broker {} crashed", broker.0),
        Event::BrokerFenced { broker } => format!(
            "the controller fenced broker {} (no heartbeat for broker.session.timeout.ms)",
            broker.0
        ),
        Event::BrokerRestarted { broker } => format!("broker {} restarted", broker.0),
        Event::LogTruncated { broker, partition, to, records_removed } if *records_removed > 0 => format!(
            "broker {} truncated {} to offset {} ({} records it had that the leader has not)",
            broker.0, name(partition)?, to.0, records_removed
        ),
        Event::RecordsLost { partition, records, .. } => format!(
            "{} acknowledged record(s) of {} lost",
            records.len(),
            name(partition)?
        ),
        Event::DuplicateBatch { broker, partition, base_sequence, .. } => format!(
            "broker {} recognised a retried batch of {} (sequence {}) and did not append it again",
            broker.0, name(partition)?, base_sequence
        ),
        Event::RecordDuplicated { partition, offset, .. } => format!(
            "a retry appended a record to {} a second time (offset {})",
            name(partition)?, offset.0
        ),
        Event::ProducerIdAssigned { producer_id, epoch, bumped: true } => {
            format!("the producer bumped its epoch: producer id {producer_id}, epoch {epoch}")
        }
        Event::ProduceRejected { broker, partition, error, .. } => format!(
            "broker {} refused a batch for {}: {:?}",
            broker.0, name(partition)?, error
        ),
        Event::PartitionsAdded { topic, partitions } => format!(
            "{} now has {} partitions (partitions can be added, never removed)",
            names.get(topic.0 as usize)?, partitions
        ),
        Event::LinkCut { a, b } => format!(
            "the link between {} and {} was cut: what is sent over it is lost",
            node(*a),
            node(*b)
        ),
        Event::LinkHealed { a, b } => {
            format!("the link between {} and {} was healed", node(*a), node(*b))
        }
        // ----- the consumer group -----
        Event::ConsumerStarted { consumer } => format!("consumer c{} started", consumer.0),
        Event::ConsumerClosed { consumer } => {
            format!("consumer c{} closed: it committed and left the group", consumer.0)
        }
        Event::ConsumerCrashed { consumer } => format!(
            "consumer c{} crashed: no commit, no LeaveGroup; the coordinator waits for session.timeout.ms",
            consumer.0
        ),
        Event::ConsumerPaused { consumer, paused: true } => format!(
            "consumer c{} stopped calling poll() (max.poll.interval.ms is running)",
            consumer.0
        ),
        Event::ConsumerPaused { consumer, paused: false } => {
            format!("consumer c{} calls poll() again", consumer.0)
        }
        Event::CoordinatorLoaded { broker, generation, members, offsets, .. } => format!(
            "broker {} became the group's coordinator and loaded it from __consumer_offsets (generation {}, {} member(s), {} offset(s))",
            broker.0, generation, members, offsets
        ),
        Event::RebalanceStarted { generation, reason, .. } => format!(
            "the coordinator started a rebalance after generation {} ({})",
            generation,
            match reason {
                RebalanceReason::MemberJoined => "a member joined or rejoined",
                RebalanceReason::MemberLeft => "a member left",
            }
        ),
        Event::GenerationStarted { generation, leader, members, .. } => match leader {
            Some(l) => format!(
                "generation {}: {} member(s), c{} is the leader and assigns the partitions",
                generation,
                members.len(),
                l.0
            ),
            None => format!("generation {generation}: the group is empty"),
        },
        Event::MemberRemoved { consumer, reason, .. } => format!(
            "the coordinator removed c{} ({})",
            consumer.map_or(u32::MAX, |c| c.0),
            match reason {
                LeaveReason::SessionTimeout => "no heartbeat for session.timeout.ms",
                LeaveReason::LeaveGroup => "it sent LeaveGroup",
                LeaveReason::RebalanceTimeout => "it did not rejoin in time",
            }
        ),
        Event::AssignmentComputed { consumer, assignor, transferring, .. } if *transferring > 0 => format!(
            "c{} ran {}: {} partition(s) must first be revoked by their owners (a second rebalance follows)",
            consumer.0,
            assignor.name(),
            transferring
        ),
        Event::PartitionsRevoked { consumer, partitions } if !partitions.is_empty() => format!(
            "c{} revoked {} (onPartitionsRevoked)",
            consumer.0,
            list(partitions)
        ),
        Event::PartitionsLost { consumer, partitions } if !partitions.is_empty() => format!(
            "c{} lost {}: it was no longer in the group, so it could not commit (onPartitionsLost)",
            consumer.0,
            list(partitions)
        ),
        Event::PartitionsAssigned { consumer, partitions, .. } if !partitions.is_empty() => format!(
            "c{} was assigned {} (onPartitionsAssigned)",
            consumer.0,
            list(partitions)
        ),
        Event::RecordsConsumed { consumer, partition, records, redelivered, .. } if *redelivered > 0 => format!(
            "c{} processed {} record(s) of {} again (redelivered: committed offsets were behind)",
            consumer.0,
            redelivered.min(records),
            name(partition)?
        ),
        Event::CommitFailed { consumer, error } => {
            format!("c{}'s commit failed: {:?}", consumer.0, error)
        }
        Event::ConsumerError { consumer, error } => format!("c{}: {:?}", consumer.0, error),
        _ => return None,
    };
    Some(format!("{t} ms · {text}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kscope_core::{Command, Instant, SimConfig};

    #[test]
    fn readouts_follow_the_ledger() {
        let mut sim = Sim::new(SimConfig::default(), 3).expect("default config is valid");
        sim.step(Instant::from_millis(2_000));
        let vm = view_model(&sim);
        assert_eq!(vm.time_ms, 2_000);
        assert!(vm.acknowledged > 0);
        assert!(vm.acknowledged + vm.failed <= vm.sent);
        assert_eq!(
            vm.producer_id,
            Some(Some((0, 0))),
            "idempotent by default, as Kafka 3.2+"
        );
        let r = rates(&sim, 1_000, 100_000);
        assert!(
            (150.0..=250.0).contains(&r.records_per_s),
            "about 200 records/s: {r:?}"
        );
        assert!(
            r.latency_p50_ms.unwrap() > 0.0
                && r.latency_p99_ms.unwrap() >= r.latency_p50_ms.unwrap()
        );
    }

    #[test]
    fn losses_are_listed_with_their_cause() {
        let mut config = SimConfig::default();
        config.producer.acks = kscope_core::Acks::Leader;
        config.workload.rate = 1_000;
        let mut sim = Sim::new(config, 3).expect("valid");
        sim.step(Instant::from_millis(1_000));
        let leader = sim
            .partition(sim.all_partitions().next().unwrap())
            .leader
            .unwrap();
        for b in sim
            .brokers()
            .keys()
            .copied()
            .filter(|b| *b != leader)
            .collect::<Vec<_>>()
        {
            sim.apply(
                Instant::from_millis(1_000),
                Command::CutLink(
                    kscope_core::NodeId::Broker(leader),
                    kscope_core::NodeId::Broker(b),
                ),
            )
            .unwrap();
        }
        sim.step(Instant::from_millis(1_500));
        sim.apply(Instant::from_millis(1_500), Command::CrashBroker(leader))
            .unwrap();
        sim.step(Instant::from_millis(12_000));
        let l = losses(&sim);
        assert!(!l.is_empty());
        assert!(l[0].0.contains("Clean election of broker"), "{l:?}");
        assert_eq!(l.iter().map(|(_, n)| n).sum::<u64>(), view_model(&sim).lost);
    }

    #[test]
    fn the_event_log_tells_an_election_in_words() {
        let mut sim = Sim::new(SimConfig::default(), 3).expect("valid");
        sim.step(Instant::from_millis(100));
        let leader = sim
            .partition(sim.all_partitions().next().unwrap())
            .leader
            .unwrap();
        sim.apply(Instant::from_millis(100), Command::CrashBroker(leader))
            .unwrap();
        sim.step(Instant::from_millis(10_000));
        let names: Vec<String> = sim.topics().iter().map(|t| t.spec.name.clone()).collect();
        let lines: Vec<String> = sim
            .drain_events()
            .iter()
            .filter_map(|e| describe(e, &names))
            .collect();
        assert!(lines
            .iter()
            .any(|l| l.contains(&format!("broker {} crashed", leader.0))));
        assert!(lines.iter().any(|l| l.contains("fenced")));
        assert!(
            lines.iter().any(|l| l.contains("now leads orders-0")),
            "{lines:?}"
        );
    }

    #[test]
    fn the_event_log_tells_a_rebalance_and_leaves_the_internal_topic_out() {
        let config = SimConfig {
            consumers: 2,
            ..Default::default()
        };
        let mut sim = Sim::new(config, 3).expect("valid");
        sim.step(Instant::from_millis(5_000));
        let names: Vec<String> = sim.topics().iter().map(|t| t.spec.name.clone()).collect();
        let lines: Vec<String> = sim
            .drain_events()
            .iter()
            .filter_map(|e| describe(e, &names))
            .collect();
        assert!(
            lines
                .iter()
                .any(|l| l.contains("generation 1: 2 member(s)")),
            "{lines:?}"
        );
        assert!(
            lines.iter().any(|l| l.contains("(onPartitionsAssigned)")),
            "{lines:?}"
        );
        assert!(
            !lines.iter().any(|l| l.contains("__consumer_offsets-")),
            "{lines:?}"
        );
    }
}
