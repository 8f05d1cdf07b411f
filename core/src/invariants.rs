//! Named invariants: what must hold after every step of any simulation. A violation
//! names the invariant and the place.
//!
//! Two lists hold them all, each entry a name and the function that checks it, so a new
//! invariant is one function and one line: [`INVARIANTS`], of the present state alone
//! ([`check`]), and [`monitor::TEMPORAL`], of how the state moves from item to item
//! ([`Monitor`], which checks both). A checked [`Sim`] (see [`Sim::check_invariants`])
//! runs a monitor after every item it handles; built with the `checked` feature, as every
//! test build is, every `Sim` is checked from its start.

pub mod monitor;
pub use monitor::Monitor;

#[cfg(test)]
mod tests;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::config::Acks;
use crate::ids::{BrokerId, TopicPartition};
use crate::sim::Sim;
use crate::vecmap::VecMap;

/// A broken invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub invariant: &'static str,
    pub detail: String,
}

/// One invariant: its name and its check, which reports each place it is broken.
pub struct Invariant {
    pub name: &'static str,
    pub check: fn(&Sim, &mut Vec<String>),
}

/// Every invariant, in the order [`check`] applies them.
pub const INVARIANTS: &[Invariant] = &[
    Invariant {
        name: "leader_in_isr",
        check: leader_in_isr,
    },
    Invariant {
        name: "isr_within_replicas",
        check: isr_within_replicas,
    },
    Invariant {
        name: "hw_at_most_isr_leo",
        check: hw_at_most_isr_leo,
    },
    Invariant {
        name: "offsets_ordered",
        check: offsets_ordered,
    },
    Invariant {
        name: "offsets_dense",
        check: offsets_dense,
    },
    Invariant {
        name: "log_start_at_most_hw",
        check: log_start_at_most_hw,
    },
    Invariant {
        name: "no_acked_loss_under_clean_elections",
        check: no_acked_loss_under_clean_elections,
    },
    Invariant {
        name: "buffer_memory_bounded",
        check: buffer_memory_bounded,
    },
    Invariant {
        name: "in_flight_bounded",
        check: in_flight_bounded,
    },
    Invariant {
        name: "group_assignment_disjoint",
        check: group_assignment_disjoint,
    },
    Invariant {
        name: "one_coordinator_per_group",
        check: one_coordinator_per_group,
    },
    Invariant {
        name: "messages_reach_their_actor",
        check: messages_reach_their_actor,
    },
];

/// Checks every invariant; returns all that are broken.
pub fn check(sim: &Sim) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut details = Vec::new();
    for invariant in INVARIANTS {
        (invariant.check)(sim, &mut details);
        out.extend(details.drain(..).map(|detail| Violation {
            invariant: invariant.name,
            detail,
        }));
    }
    out
}

/// Every ISR member is an assigned replica, and the ISR is never empty.
fn isr_within_replicas(sim: &Sim, fail: &mut Vec<String>) {
    for tp in sim.all_partitions() {
        let p = sim.partition(tp);
        if p.isr.is_empty() || p.isr.iter().any(|b| !p.replicas.contains(b)) {
            fail.push(format!("{tp:?}: isr {:?} replicas {:?}", p.isr, p.replicas));
        }
    }
}

/// A partition's leader is in its ISR.
fn leader_in_isr(sim: &Sim, fail: &mut Vec<String>) {
    for tp in sim.all_partitions() {
        let p = sim.partition(tp);
        if let Some(leader) = p.leader {
            if !p.isr.contains(&leader) {
                fail.push(format!("{tp:?}: leader {leader:?} isr {:?}", p.isr));
            }
        }
    }
}

/// A partition whose leader is up: the leader, its replica and the partition's ISR.
type Led<'a> = (
    TopicPartition,
    BrokerId,
    &'a crate::broker::Replica,
    &'a [BrokerId],
);

/// Each partition whose leader is up, in order.
fn led_partitions(sim: &Sim) -> impl Iterator<Item = Led<'_>> + '_ {
    sim.all_partitions().filter_map(move |tp| {
        let p = sim.partition(tp);
        let id = p.leader?;
        let leader = &sim.brokers()[&id];
        leader
            .up
            .then(|| (tp, id, &leader.replicas[&tp], p.isr.as_slice()))
    })
}

/// The leader's high watermark is at most every ISR member's log end offset.
fn hw_at_most_isr_leo(sim: &Sim, fail: &mut Vec<String>) {
    for (tp, _, lr, isr) in led_partitions(sim) {
        for m in isr {
            // A member that lost power is short until it is fenced and leaves the ISR.
            if sim.brokers()[m].lost_power {
                continue;
            }
            let r = &sim.brokers()[m].replicas[&tp];
            if lr.high_watermark > r.log.log_end_offset() {
                fail.push(format!(
                    "{tp:?}: hw {:?} > leo {:?} of isr member {m:?}",
                    lr.high_watermark,
                    r.log.log_end_offset()
                ));
            }
        }
    }
}

/// No replica's log starts above its high watermark: retention deletes only below it, and
/// a follower takes its leader's log start only up to it (`UnifiedLog.deleteOldSegments`,
/// `maybeIncrementLogStartOffset`).
fn log_start_at_most_hw(sim: &Sim, fail: &mut Vec<String>) {
    for (id, broker) in sim.brokers() {
        for (tp, r) in &broker.replicas {
            if r.log.log_start_offset() > r.high_watermark {
                fail.push(format!(
                    "{id:?} {tp:?}: log start {:?} above high watermark {:?}",
                    r.log.log_start_offset(),
                    r.high_watermark
                ));
            }
        }
    }
}

/// Log start offset <= log end offset, and high watermark <= log end offset, on every
/// replica.
fn offsets_ordered(sim: &Sim, fail: &mut Vec<String>) {
    for (id, broker) in sim.brokers() {
        for (tp, r) in &broker.replicas {
            let log = &r.log;
            if !(log.log_start_offset() <= log.log_end_offset()
                && r.high_watermark <= log.log_end_offset())
            {
                fail.push(format!(
                    "{id:?} {tp:?}: start {:?} hw {:?} leo {:?}",
                    log.log_start_offset(),
                    r.high_watermark,
                    log.log_end_offset()
                ));
            }
        }
    }
}

/// Within a segment, appends keep offsets dense (the log asserts it as it appends);
/// across segments of a log that is not compacted, each starts where the previous ended.
fn offsets_dense(sim: &Sim, fail: &mut Vec<String>) {
    for (id, broker) in sim.brokers() {
        for (tp, r) in &broker.replicas {
            let log = &r.log;
            if log.config.cleanup_policy.compacts() {
                continue;
            }
            let segs = log.segments();
            for (i, seg) in segs.iter().enumerate() {
                let end = segs
                    .get(i + 1)
                    .map_or(log.log_end_offset(), |n| n.base_offset);
                let first = seg.batches.first().map(|b| b.base_offset);
                let next = seg.batches.last().map(|b| b.next_offset());
                if first.is_some_and(|f| f != seg.base_offset) || next.is_some_and(|n| n != end) {
                    fail.push(format!(
                        "{id:?} {tp:?}: segment {:?} holds {first:?}..{next:?}, next starts at {end:?}",
                        seg.base_offset
                    ));
                }
            }
        }
    }
}

/// With `acks=all`, no acknowledged record is lost while every election is clean.
fn no_acked_loss_under_clean_elections(sim: &Sim, fail: &mut Vec<String>) {
    let counts = sim.ledger().counts();
    // A power loss is the other way: acknowledged means in the ISR's page caches, not on
    // a disk.
    if sim.producer().config.acks == Acks::All
        && sim.unclean_elections() == 0
        && sim.power_losses() == 0
        && counts.lost > 0
    {
        fail.push(format!(
            "{} acknowledged acks=all records lost with only clean elections",
            counts.lost
        ));
    }
}

/// The producer never holds more than `buffer.memory`.
fn buffer_memory_bounded(sim: &Sim, fail: &mut Vec<String>) {
    for p in sim.producers().values() {
        if p.buffer_used > p.config.buffer_memory {
            fail.push(format!(
                "{:?}: {} > {}",
                p.id, p.buffer_used, p.config.buffer_memory
            ));
        }
    }
}

/// No connection carries more than `max.in.flight.requests.per.connection` requests.
fn in_flight_bounded(sim: &Sim, fail: &mut Vec<String>) {
    for p in sim.producers().values() {
        for (b, n) in &p.nodes {
            if n.in_flight > p.config.max_in_flight_requests_per_connection {
                fail.push(format!(
                    "{:?} to {b:?}: {} requests in flight",
                    p.id, n.in_flight
                ));
            }
        }
    }
}

/// A coordinator never gives one partition to two members of a group.
fn group_assignment_disjoint(sim: &Sim, fail: &mut Vec<String>) {
    for broker in sim.brokers().values().filter(|b| b.up) {
        for (name, g) in &broker.coordinator.groups {
            let mut seen: VecMap<TopicPartition, &str> = VecMap::new();
            for m in &g.members {
                for tp in &m.assignment {
                    if let Some(other) = seen.insert(*tp, &m.member_id) {
                        fail.push(format!(
                            "{name}: {tp:?} assigned to {other} and {}",
                            m.member_id
                        ));
                    }
                }
            }
        }
    }
}

/// A group is loaded by one live coordinator at most.
fn one_coordinator_per_group(sim: &Sim, fail: &mut Vec<String>) {
    let mut coordinators: VecMap<&str, Vec<BrokerId>> = VecMap::new();
    for (id, broker) in sim.brokers() {
        if broker.up {
            for name in broker.coordinator.groups.keys() {
                coordinators.entry(name).or_default().push(*id);
            }
        }
    }
    for (name, brokers) in coordinators {
        if brokers.len() > 1 {
            fail.push(format!("{name} is loaded on {brokers:?}"));
        }
    }
}

/// Every message reached a node that handles its kind (a broker gets requests, the
/// producer and consumers their responses).
fn messages_reach_their_actor(sim: &Sim, fail: &mut Vec<String>) {
    for (message, kind, to) in &sim.cx.misrouted {
        fail.push(format!("{message:?} ({kind:?}) reached {to:?}"));
    }
}
