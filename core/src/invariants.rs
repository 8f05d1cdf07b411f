//! Named invariants: what must hold after every step of any simulation. Tests call
//! [`check`] after each step; a violation names the invariant and the place.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::config::Acks;
use crate::ids::{BrokerId, TopicPartition};
use crate::sim::Sim;

/// A broken invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub invariant: &'static str,
    pub detail: String,
}

/// The invariants, by name, as [`check`] applies them.
pub const NAMES: &[&str] = &[
    "leader_in_isr",
    "isr_within_replicas",
    "hw_at_most_isr_leo",
    "offsets_ordered",
    "offsets_dense",
    "committed_prefix_agrees",
    "no_acked_loss_under_clean_elections",
    "buffer_memory_bounded",
    "in_flight_bounded",
    "group_assignment_disjoint",
    "one_coordinator_per_group",
];

/// Checks every invariant; returns all that are broken.
pub fn check(sim: &Sim) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut fail =
        |invariant: &'static str, detail: String| out.push(Violation { invariant, detail });
    for tp in sim.all_partitions() {
        let p = sim.partition(tp);
        if p.isr.is_empty() || p.isr.iter().any(|b| !p.replicas.contains(b)) {
            fail(
                "isr_within_replicas",
                format!("{tp:?}: isr {:?} replicas {:?}", p.isr, p.replicas),
            );
        }
        let Some(leader) = p.leader else { continue };
        if !p.isr.contains(&leader) {
            fail(
                "leader_in_isr",
                format!("{tp:?}: leader {leader:?} isr {:?}", p.isr),
            );
        }
        let lr = &sim.brokers()[&leader].replicas[&tp];
        if !sim.brokers()[&leader].up {
            continue;
        }
        for m in &p.isr {
            let r = &sim.brokers()[m].replicas[&tp];
            if lr.high_watermark > r.log.log_end_offset() {
                fail(
                    "hw_at_most_isr_leo",
                    format!(
                        "{tp:?}: hw {:?} > leo {:?} of isr member {m:?}",
                        lr.high_watermark,
                        r.log.log_end_offset()
                    ),
                );
            }
            let last_committed = crate::ids::Offset(lr.high_watermark.0 - 1);
            if lr.high_watermark > r.log.log_start_offset().max(lr.log.log_start_offset()) {
                let a = lr.log.batch_at(last_committed).map(|b| b.batch_id);
                let b = r.log.batch_at(last_committed).map(|b| b.batch_id);
                if a != b {
                    fail(
                        "committed_prefix_agrees",
                        format!("{tp:?}: at {last_committed:?} leader has {a:?}, {m:?} has {b:?}"),
                    );
                }
            }
        }
    }
    for (id, broker) in sim.brokers() {
        for (tp, r) in &broker.replicas {
            let log = &r.log;
            if !(log.log_start_offset() <= log.log_end_offset()
                && r.high_watermark <= log.log_end_offset())
            {
                fail(
                    "offsets_ordered",
                    format!(
                        "{id:?} {tp:?}: start {:?} hw {:?} leo {:?}",
                        log.log_start_offset(),
                        r.high_watermark,
                        log.log_end_offset()
                    ),
                );
            }
            // Within a segment, appends keep offsets dense (the log asserts it as it
            // appends); across segments, each starts where the previous one ended.
            if !log.config.cleanup_policy.compacts() {
                let segs = log.segments();
                for (i, seg) in segs.iter().enumerate() {
                    let end = segs
                        .get(i + 1)
                        .map_or(log.log_end_offset(), |n| n.base_offset);
                    let first = seg.batches.first().map(|b| b.base_offset);
                    let next = seg.batches.last().map(|b| b.next_offset());
                    if first.is_some_and(|f| f != seg.base_offset) || next.is_some_and(|n| n != end)
                    {
                        fail(
                            "offsets_dense",
                            format!("{id:?} {tp:?}: segment {:?} holds {first:?}..{next:?}, next starts at {end:?}", seg.base_offset),
                        );
                    }
                }
            }
        }
    }
    let counts = sim.ledger().counts();
    if sim.producer().config.acks == Acks::All && sim.unclean_elections() == 0 && counts.lost > 0 {
        fail(
            "no_acked_loss_under_clean_elections",
            format!(
                "{} acknowledged acks=all records lost with only clean elections",
                counts.lost
            ),
        );
    }
    // Consumer groups: one coordinator per group, and its members' assignments disjoint.
    let mut coordinators: crate::vecmap::VecMap<&str, Vec<BrokerId>> = Default::default();
    for (id, broker) in sim.brokers() {
        if !broker.up {
            continue;
        }
        for (name, g) in &broker.coordinator.groups {
            coordinators.entry(name).or_default().push(*id);
            let mut seen: crate::vecmap::VecMap<TopicPartition, &str> = Default::default();
            for m in &g.members {
                for tp in &m.assignment {
                    if let Some(other) = seen.insert(*tp, &m.member_id) {
                        fail(
                            "group_assignment_disjoint",
                            format!("{name}: {tp:?} assigned to {other} and {}", m.member_id),
                        );
                    }
                }
            }
        }
    }
    for (name, brokers) in coordinators {
        if brokers.len() > 1 {
            fail(
                "one_coordinator_per_group",
                format!("{name} is loaded on {brokers:?}"),
            );
        }
    }
    let p = sim.producer();
    if p.buffer_used > p.config.buffer_memory {
        fail(
            "buffer_memory_bounded",
            format!("{} > {}", p.buffer_used, p.config.buffer_memory),
        );
    }
    for (b, n) in &p.nodes {
        if n.in_flight > p.config.max_in_flight_requests_per_connection {
            fail(
                "in_flight_bounded",
                format!("{b:?}: {} requests in flight", n.in_flight),
            );
        }
    }
    out
}
