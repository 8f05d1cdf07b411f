//! The invariants that need a memory: how epochs move, what was checked before, what a
//! request asked for when it arrived. A [`Monitor`] watches a run item by item (a checked
//! [`Sim`] feeds it after every item it handles, with the events that item emitted) and
//! reports each broken invariant by name, as [`super::check`] does for the ones that
//! need only the present state.
//!
//! Each check here reads the simulation's state and events, never the code that decided
//! them: a broken rule in a broker, a coordinator or the ledger shows up as a state or an
//! event the rule forbids.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

use super::Violation;
use crate::config::Acks;
use crate::event::{ElectionKind, Event, TimedEvent};
use crate::ids::{BrokerId, LeaderEpoch, MessageId, Offset, RecordId, TopicPartition};
use crate::ledger::RecordStatus;
use crate::network::Payload;
use crate::sim::Sim;

/// One invariant over time: its name and its check, given what the monitor remembers and
/// the item just handled.
pub struct TemporalInvariant {
    pub name: &'static str,
    pub check: fn(&mut Monitor, &Sim, &Item, &mut Vec<String>),
}

/// The item just handled, as the checks see it: its events, and each partition whose
/// leader is up (found once, for every check).
pub struct Item<'a> {
    pub events: &'a [TimedEvent],
    led: Vec<super::Led<'a>>,
}

impl<'a> Item<'a> {
    fn new(sim: &'a Sim, events: &'a [TimedEvent]) -> Item<'a> {
        Item {
            events,
            led: super::led_partitions(sim).collect(),
        }
    }

    /// The leader's replica of `tp`, if its leader is up.
    fn led(&self, tp: TopicPartition) -> Option<&'a crate::broker::Replica> {
        self.led
            .binary_search_by_key(&tp, |(t, ..)| *t)
            .ok()
            .map(|i| self.led[i].2)
    }
}

/// Every invariant the monitor checks, in order.
pub const TEMPORAL: &[TemporalInvariant] = &[
    TemporalInvariant {
        name: "leader_epochs_rise",
        check: leader_epochs_rise,
    },
    TemporalInvariant {
        name: "one_leader_per_epoch",
        check: one_leader_per_epoch,
    },
    TemporalInvariant {
        name: "committed_prefix_agrees",
        check: committed_prefix_agrees,
    },
    TemporalInvariant {
        name: "consumers_below_high_watermark",
        check: consumers_below_high_watermark,
    },
    TemporalInvariant {
        name: "stale_generation_commits_refused",
        check: stale_generation_commits_refused,
    },
    TemporalInvariant {
        name: "committed_offsets_rewind_only_by_reset_or_truncation",
        check: committed_offsets_rewind_only_by_reset_or_truncation,
    },
    TemporalInvariant {
        name: "acks_all_appended_with_min_isr",
        check: acks_all_appended_with_min_isr,
    },
    TemporalInvariant {
        name: "losses_found_independently",
        check: losses_found_independently,
    },
    TemporalInvariant {
        name: "read_committed_below_last_stable_offset",
        check: read_committed_below_last_stable_offset,
    },
    TemporalInvariant {
        name: "markers_follow_a_replicated_prepare",
        check: markers_follow_a_replicated_prepare,
    },
    TemporalInvariant {
        name: "one_quorum_leader_per_epoch",
        check: one_quorum_leader_per_epoch,
    },
    TemporalInvariant {
        name: "committed_metadata_never_lost",
        check: committed_metadata_never_lost,
    },
    TemporalInvariant {
        name: "brokers_act_on_committed_metadata",
        check: brokers_act_on_committed_metadata,
    },
];

/// What the temporal invariants remember between items.
#[derive(Clone, Debug, Default)]
pub struct Monitor {
    /// Per topic and partition.
    parts: Vec<Vec<Seen>>,
    /// The leader of each partition and epoch other than the one the controller names
    /// now, as first seen.
    epoch_leaders: BTreeMap<(TopicPartition, LeaderEpoch), BrokerId>,
    /// OffsetCommit requests seen on the wire, and what their coordinator had to say.
    commits: BTreeMap<MessageId, CommitSeen>,
    /// Each group's committed offsets, as last seen on a coordinator.
    committed: BTreeMap<(Rc<str>, TopicPartition), Offset>,
    /// Partitions whose committed offsets may move back: a consumer reset or detected a
    /// truncation, a replica truncated, or (for `__consumer_offsets`) an unclean election.
    may_rewind: BTreeSet<TopicPartition>,
    /// Each transaction whose PrepareCommit or PrepareAbort a coordinator had replicated:
    /// producer id, epoch, commit.
    prepared: BTreeSet<(i64, i16, bool)>,
    /// The controller quorum's leader of each epoch, as first seen.
    quorum_leaders: BTreeMap<u32, crate::raft::ControllerId>,
    /// The metadata log's entries known committed (some voter's high watermark passed
    /// them), and the partitions' states they leave.
    committed_metadata: Vec<crate::raft::Entry>,
    metadata_image: BTreeMap<TopicPartition, crate::metadata::PartitionState>,
    /// Each controller's (log end, high watermark, epoch) when its log was last compared.
    metadata_checked: BTreeMap<crate::raft::ControllerId, (usize, u64, u32)>,
    /// Each broker's image as the committed log's prefix up to the broker's offset: the
    /// offset and the partitions' states.
    broker_images: BTreeMap<
        BrokerId,
        (
            u64,
            BTreeMap<TopicPartition, crate::metadata::PartitionState>,
        ),
    >,
}

/// What the monitor remembers of one partition.
#[derive(Clone, Debug, Default)]
struct Seen {
    /// The leader and epoch the controller named, as last seen.
    named: Option<(LeaderEpoch, Option<BrokerId>)>,
    /// Per ISR member, how far its log is known to agree with the leader's.
    agreed: Vec<(BrokerId, Agreed)>,
    /// The highest high watermark any leader has had.
    max_hw: Offset,
    /// The highest last stable offset any leader has had.
    max_lso: Offset,
    /// The leader's log end as last seen, with its leader and epoch.
    appended: Option<(BrokerId, LeaderEpoch, Offset)>,
    /// Offsets a leader appended while its ISR was below the effective
    /// `min.insync.replicas`, with the leader epoch.
    short_isr: Vec<(LeaderEpoch, Offset, Offset)>,
    /// The leader and epoch the loss check last compared the ledger with.
    loss_leader: Option<Option<(BrokerId, LeaderEpoch)>>,
}

impl Monitor {
    fn seen(&mut self, tp: TopicPartition) -> &mut Seen {
        let t = tp.topic.0 as usize;
        if self.parts.len() <= t {
            self.parts.resize_with(t + 1, Vec::new);
        }
        let topic = &mut self.parts[t];
        let p = tp.partition as usize;
        if topic.len() <= p {
            topic.resize_with(p + 1, Seen::default);
        }
        &mut topic[p]
    }
}

/// A part of a follower's log known to match its leader's, and both logs' rewrite counts
/// when it was checked (a truncation or a cleaning means checking again from the start).
#[derive(Clone, Copy, Debug)]
struct Agreed {
    leader: BrokerId,
    leader_rewrites: u32,
    member_rewrites: u32,
    to: Offset,
}

#[derive(Clone, Debug)]
struct CommitSeen {
    group: Rc<str>,
    member_id: Rc<str>,
    generation: i32,
    coordinator: BrokerId,
    /// Once the request was handled: whether its coordinator could accept it.
    acceptable: Option<bool>,
}

impl Monitor {
    pub fn new() -> Monitor {
        Monitor::default()
    }

    /// Checks every invariant, with `events` the events of the item just handled; returns
    /// all that are broken.
    pub fn observe(&mut self, sim: &Sim, events: &[TimedEvent]) -> Vec<Violation> {
        let mut out = super::check(sim);
        let mut details = Vec::new();
        let item = Item::new(sim, events);
        for invariant in TEMPORAL {
            (invariant.check)(self, sim, &item, &mut details);
            out.extend(details.drain(..).map(|detail| Violation {
                invariant: invariant.name,
                detail,
            }));
        }
        out
    }
}

/// A partition's leader epoch, as the controller names it, never goes back.
fn leader_epochs_rise(m: &mut Monitor, sim: &Sim, _: &Item, fail: &mut Vec<String>) {
    for tp in sim.all_partitions() {
        let p = sim.partition(tp);
        let seen = m.seen(tp);
        if let Some((before, _)) = seen.named.filter(|(e, _)| p.leader_epoch < *e) {
            fail.push(format!(
                "{tp:?}: epoch {:?} after {before:?}",
                p.leader_epoch
            ));
        }
    }
}

/// A leader epoch has one leader: the controller names one broker for it, and no other
/// live broker leads the partition at that epoch.
fn one_leader_per_epoch(m: &mut Monitor, sim: &Sim, _: &Item, fail: &mut Vec<String>) {
    let mut claim = |m: &mut Monitor, tp: TopicPartition, epoch: LeaderEpoch, broker| {
        let first = *m.epoch_leaders.entry((tp, epoch)).or_insert(broker);
        if first != broker {
            fail.push(format!(
                "{tp:?} {epoch:?}: led by {first:?} and by {broker:?}"
            ));
        }
    };
    for tp in sim.all_partitions() {
        let p = sim.partition(tp);
        let now = (p.leader_epoch, p.leader);
        let seen = m.seen(tp);
        let before = seen.named.replace(now);
        if before != Some(now) {
            if let Some(l) = p.leader {
                claim(m, tp, p.leader_epoch, l);
            }
        }
    }
    for (id, broker) in sim.brokers() {
        if !broker.up {
            continue;
        }
        for (tp, r) in &broker.replicas {
            let named = sim.partition(*tp);
            if r.is_leader && (r.leader_epoch, Some(*id)) != (named.leader_epoch, named.leader) {
                claim(m, *tp, r.leader_epoch, *id);
            }
        }
    }
}

/// Every ISR member holds the leader's batches at the same offsets from the log start to
/// the high watermark. Checked incrementally: a part found to agree is checked again
/// only after the leader changes or either log is truncated or cleaned.
fn committed_prefix_agrees(m: &mut Monitor, sim: &Sim, item: &Item, fail: &mut Vec<String>) {
    for &(tp, leader, lr, isr) in &item.led {
        if lr.log.config.cleanup_policy.compacts() {
            continue;
        }
        // A member that lost power holds a prefix, short until it leaves the ISR.
        for member in isr.iter().filter(|b| **b != leader) {
            let Some(r) = sim
                .brokers()
                .get(member)
                .filter(|b| !b.lost_power)
                .and_then(|b| b.replicas.get(&tp))
            else {
                continue;
            };
            let start = lr.log.log_start_offset().max(r.log.log_start_offset());
            let fresh = Agreed {
                leader,
                leader_rewrites: lr.log.rewrites(),
                member_rewrites: r.log.rewrites(),
                to: start,
            };
            let agreed = &mut m.seen(tp).agreed;
            let i = match agreed.iter().position(|(b, _)| b == member) {
                Some(i) => i,
                None => {
                    agreed.push((*member, fresh));
                    agreed.len() - 1
                }
            };
            let a = &mut agreed[i].1;
            if a.leader != fresh.leader
                || a.leader_rewrites != fresh.leader_rewrites
                || a.member_rewrites != fresh.member_rewrites
            {
                *a = fresh;
            }
            let hw = lr.high_watermark;
            for b in lr.log.batches_from(a.to.max(start)) {
                if b.base_offset >= hw {
                    break;
                }
                let theirs = r.log.batch_at(b.base_offset);
                if theirs.map(|t| (t.batch_id, t.base_offset, t.last_offset()))
                    != Some((b.batch_id, b.base_offset, b.last_offset()))
                {
                    fail.push(format!(
                        "{tp:?}: at {:?} leader {leader:?} has {:?}, {member:?} has {:?}",
                        b.base_offset,
                        b.batch_id,
                        theirs.map(|t| t.batch_id)
                    ));
                    break;
                }
                a.to = b.next_offset();
            }
        }
    }
}

/// No consumer's position passes the highest high watermark its partition has had: a
/// consumer reads only committed records.
fn consumers_below_high_watermark(m: &mut Monitor, sim: &Sim, item: &Item, fail: &mut Vec<String>) {
    for &(tp, _, lr, _) in &item.led {
        let seen = m.seen(tp);
        seen.max_hw = seen.max_hw.max(lr.high_watermark);
    }
    for c in sim.consumers().values() {
        for (tp, pos) in &c.positions {
            let hw = m.seen(*tp).max_hw;
            if let Some(pos) = pos.filter(|p| *p > hw) {
                fail.push(format!(
                    "{:?} at {pos:?} in {tp:?}, whose high watermark never passed {hw:?}",
                    c.id
                ));
            }
        }
    }
}

/// No `read_committed` consumer's position passes the highest last stable offset its
/// partition has had: it reads no record of a transaction still open.
fn read_committed_below_last_stable_offset(
    m: &mut Monitor,
    sim: &Sim,
    item: &Item,
    fail: &mut Vec<String>,
) {
    for &(tp, _, lr, _) in &item.led {
        let seen = m.seen(tp);
        seen.max_lso = seen
            .max_lso
            .max(lr.log.last_stable_offset(lr.high_watermark));
    }
    let committed_readers = sim
        .consumers()
        .values()
        .filter(|c| c.config.isolation_level == crate::config::IsolationLevel::ReadCommitted);
    for c in committed_readers {
        for (tp, pos) in &c.positions {
            let lso = m.seen(*tp).max_lso;
            if let Some(pos) = pos.filter(|p| *p > lso) {
                fail.push(format!(
                    "{:?} (read_committed) at {pos:?} in {tp:?}, whose last stable offset never passed {lso:?}",
                    c.id
                ));
            }
        }
    }
}

/// A partition leader writes a COMMIT or ABORT marker only for a transaction whose
/// PrepareCommit or PrepareAbort, at the marker's epoch, its coordinator had replicated
/// (the coordinator states it once the high watermark passes the record).
fn markers_follow_a_replicated_prepare(
    m: &mut Monitor,
    _: &Sim,
    item: &Item,
    fail: &mut Vec<String>,
) {
    for e in item.events {
        match &e.event {
            Event::TxnStateChanged {
                state,
                producer_id,
                epoch,
                ..
            } if state.is_preparing() => {
                let commit = *state == crate::event::TxnState::PrepareCommit;
                m.prepared.insert((*producer_id, *epoch, commit));
            }
            Event::TxnMarkerWritten {
                partition,
                producer_id,
                epoch,
                commit,
                ..
            } if !m.prepared.contains(&(*producer_id, *epoch, *commit)) => {
                fail.push(format!(
                    "a {} marker in {partition:?} for producer {producer_id} epoch {epoch} without a replicated prepare",
                    if *commit { "COMMIT" } else { "ABORT" }
                ));
            }
            _ => {}
        }
    }
}

/// A coordinator accepts an OffsetCommit only from a member of the group's current
/// generation: a commit answered without error was, when it arrived, from a member the
/// group had, of the generation the group was in.
fn stale_generation_commits_refused(
    m: &mut Monitor,
    sim: &Sim,
    item: &Item,
    fail: &mut Vec<String>,
) {
    let events = item.events;
    for msg in sim.messages_in_flight() {
        match &msg.payload {
            Payload::OffsetCommitRequest(req) => {
                if let crate::ids::NodeId::Broker(b) = msg.to {
                    m.commits.entry(msg.id).or_insert_with(|| CommitSeen {
                        group: req.group.clone(),
                        member_id: req.member_id.clone(),
                        generation: req.generation,
                        coordinator: b,
                        acceptable: None,
                    });
                }
            }
            Payload::OffsetCommitResponse { request, error } => {
                if let Some(seen) = m.commits.remove(request) {
                    if error.is_none() && seen.acceptable == Some(false) {
                        fail.push(format!(
                            "{}: a commit of {} at generation {} was accepted",
                            seen.group, seen.member_id, seen.generation
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    for e in events {
        match &e.event {
            Event::MessageDelivered { message } => {
                if let Some(seen) = m.commits.get_mut(message) {
                    let group = sim
                        .brokers()
                        .get(&seen.coordinator)
                        .filter(|b| b.up)
                        .and_then(|b| b.coordinator.groups.get(&seen.group));
                    seen.acceptable = Some(group.is_some_and(|g| {
                        g.generation == seen.generation
                            && g.members.iter().any(|x| x.member_id == seen.member_id)
                    }));
                }
            }
            Event::MessageDropped { message, .. } => {
                m.commits.remove(message);
            }
            _ => {}
        }
    }
}

/// A group's committed offset moves back only after something that rewinds it: a
/// consumer's `auto.offset.reset` or detected truncation, a truncated replica of the
/// partition, or a truncation or unclean election of the group's `__consumer_offsets`
/// partition (which the coordinator reloads from).
fn committed_offsets_rewind_only_by_reset_or_truncation(
    m: &mut Monitor,
    sim: &Sim,
    item: &Item,
    fail: &mut Vec<String>,
) {
    let events = item.events;
    for e in events {
        match &e.event {
            Event::PositionSet {
                partition,
                reset: true,
                ..
            }
            | Event::TruncationDetected { partition, .. }
            | Event::LogTruncated { partition, .. }
            | Event::LogRecovered { partition, .. }
            | Event::LeaderElected {
                partition,
                kind: ElectionKind::Unclean,
                ..
            } => {
                m.may_rewind.insert(*partition);
            }
            _ => {}
        }
    }
    let mut moved = BTreeSet::new();
    for broker in sim.brokers().values().filter(|b| b.up) {
        for g in broker.coordinator.groups.values() {
            for (tp, offset) in &g.committed {
                let before = m.committed.insert((g.id.clone(), *tp), *offset);
                if before == Some(*offset) {
                    continue;
                }
                // A licence to rewind is spent by the next commit, whichever way it goes.
                moved.insert(*tp);
                let Some(before) = before else {
                    continue;
                };
                if *offset < before
                    && !m.may_rewind.contains(tp)
                    && !m.may_rewind.contains(&g.partition)
                {
                    fail.push(format!(
                        "{}: committed offset of {tp:?} went back from {before:?} to {offset:?}",
                        g.id
                    ));
                }
            }
        }
    }
    for tp in moved {
        m.may_rewind.remove(&tp);
    }
    for e in events {
        if let Event::CoordinatorLoaded { partition, .. } = &e.event {
            m.may_rewind.remove(partition);
        }
    }
}

/// `acks=all` is acknowledged only for records appended while the leader's ISR had at
/// least the effective `min.insync.replicas` (the smaller of it and the replica count).
fn acks_all_appended_with_min_isr(m: &mut Monitor, sim: &Sim, item: &Item, fail: &mut Vec<String>) {
    for &(tp, leader, lr, _) in &item.led {
        let leo = lr.log.log_end_offset();
        let seen = m.seen(tp);
        let Some((l, epoch, from)) = seen.appended.replace((leader, lr.leader_epoch, leo)) else {
            continue;
        };
        if l == leader && epoch == lr.leader_epoch && leo > from {
            let min_isr = sim.topics()[tp.topic.0 as usize].spec.effective_min_isr() as usize;
            if lr.isr.len() < min_isr {
                seen.short_isr.push((lr.leader_epoch, from, leo));
            }
        }
    }
    if sim.producer().config.acks != Acks::All {
        return;
    }
    for e in item.events {
        let Event::BatchAcknowledged {
            batch,
            partition,
            base_offset: Some(offset),
        } = &e.event
        else {
            continue;
        };
        let Some(stored) = item
            .led(*partition)
            .and_then(|lr| lr.log.batch_at(*offset))
            .filter(|b| b.batch_id == *batch)
        else {
            continue;
        };
        let epoch = stored.leader_epoch;
        if m.seen(*partition)
            .short_isr
            .iter()
            .any(|(e, from, to)| *e == epoch && (*from..*to).contains(offset))
        {
            fail.push(format!(
                "{partition:?}: {batch:?} at {offset:?} acknowledged to acks=all, appended in {epoch:?} with the ISR below min.insync.replicas"
            ));
        }
    }
}

/// The ledger's losses, found again from the logs: an acknowledged record is lost exactly
/// when the partition's leader does not hold it at its offset (leaving out what
/// retention removed below the log start, and compacted topics, whose cleaner removes
/// records by rule). Compared when a partition's leader changes, when the ledger records
/// a loss, and when an acknowledgement names a batch the leader does not hold.
fn losses_found_independently(m: &mut Monitor, sim: &Sim, item: &Item, fail: &mut Vec<String>) {
    let mut due: BTreeSet<TopicPartition> = BTreeSet::new();
    for tp in sim.all_partitions() {
        let p = sim.partition(tp);
        let now = p.leader.map(|l| (l, p.leader_epoch));
        if m.seen(tp).loss_leader.replace(now) != Some(now) {
            due.insert(tp);
        }
    }
    for e in item.events {
        match &e.event {
            Event::RecordsLost { partition, .. } => {
                due.insert(*partition);
            }
            Event::BatchAcknowledged {
                batch,
                partition,
                base_offset: Some(offset),
            } => {
                let held = item
                    .led(*partition)
                    .and_then(|lr| lr.log.batch_at(*offset))
                    .is_some_and(|b| b.batch_id == *batch);
                if !held {
                    due.insert(*partition);
                }
            }
            _ => {}
        }
    }
    for tp in due {
        if let Some(lr) = item.led(tp) {
            compare_losses(sim, tp, lr, fail);
        }
    }
}

/// The acknowledged records of `tp` its leader does not hold, against the ledger's lost
/// ones, both from the leader's log start on.
fn compare_losses(
    sim: &Sim,
    tp: TopicPartition,
    lr: &crate::broker::Replica,
    fail: &mut Vec<String>,
) {
    if lr.log.config.cleanup_policy.compacts() {
        return;
    }
    let start = lr.log.log_start_offset();
    let mut missing: Vec<RecordId> = Vec::new();
    let mut said_lost: Vec<RecordId> = Vec::new();
    for r in sim.ledger().records().filter(|r| r.partition == tp) {
        let Some(offset) = r.offset.filter(|o| *o >= start) else {
            continue;
        };
        if r.status != RecordStatus::Acknowledged {
            continue;
        }
        if lr.log.record_at(offset) != Some(r.id) {
            missing.push(r.id);
        }
        if r.lost.is_some() {
            said_lost.push(r.id);
        }
    }
    if missing != said_lost {
        let unnamed: Vec<_> = missing.iter().filter(|r| !said_lost.contains(r)).collect();
        let wrongly: Vec<_> = said_lost.iter().filter(|r| !missing.contains(r)).collect();
        fail.push(format!(
            "{tp:?}: the leader lacks {} acknowledged records the ledger does not call lost ({:?}), and holds {} it does ({:?})",
            unnamed.len(),
            unnamed.iter().take(5).collect::<Vec<_>>(),
            wrongly.len(),
            wrongly.iter().take(5).collect::<Vec<_>>()
        ));
    }
}

/// Raft's election safety: a quorum epoch has at most one leader (and a ZooKeeper
/// ensemble's epoch too).
fn one_quorum_leader_per_epoch(m: &mut Monitor, sim: &Sim, _: &Item, fail: &mut Vec<String>) {
    let Some(c) = sim.control_plane() else { return };
    for n in c.ensemble.nodes().iter().filter(|n| n.up) {
        if n.leads {
            let first = *m.quorum_leaders.entry(n.epoch).or_insert(n.id);
            if first != n.id {
                fail.push(format!(
                    "quorum epoch {}: led by {:?} and by {:?}",
                    n.epoch, first, n.id
                ));
            }
        }
    }
}

/// Raft's leader completeness and log matching: an entry once committed stays, the same,
/// at its offset in every voter's committed log, and every leader holds all of them (and
/// the same of a ZooKeeper ensemble's transaction log).
fn committed_metadata_never_lost(m: &mut Monitor, sim: &Sim, _: &Item, fail: &mut Vec<String>) {
    let Some(c) = sim.control_plane() else { return };
    for n in c.ensemble.nodes().iter().filter(|n| n.up) {
        let signature = (n.log.len(), n.committed, n.epoch);
        if m.metadata_checked.insert(n.id, signature) == Some(signature) {
            continue;
        }
        let hw = (n.committed as usize).min(n.log.len());
        let agree = hw.min(m.committed_metadata.len());
        if let Some(k) = (0..agree).find(|k| n.log[*k] != m.committed_metadata[*k]) {
            fail.push(format!(
                "{:?}: committed entry {k} is {:?}, was {:?}",
                n.id, n.log[k], m.committed_metadata[k]
            ));
            continue;
        }
        if n.leads && n.log.len() < m.committed_metadata.len() {
            fail.push(format!(
                "{:?} leads epoch {} with {} entries of the {} committed",
                n.id,
                n.epoch,
                n.log.len(),
                m.committed_metadata.len()
            ));
        }
        for e in &n.log[agree.min(hw)..hw] {
            if let crate::raft::MetadataRecord::Partition(tp, state) = &e.record {
                m.metadata_image.insert(*tp, state.clone());
            }
            m.committed_metadata.push(e.clone());
        }
    }
}

/// The brokers act only on committed metadata: every partition's state, as the
/// controller tells it, is the one the committed log leaves; each broker's image is the
/// committed log's prefix up to its offset (which never moves back); and no live broker
/// holds a leader epoch its image does not have.
fn brokers_act_on_committed_metadata(m: &mut Monitor, sim: &Sim, _: &Item, fail: &mut Vec<String>) {
    let Some(c) = sim.control_plane() else {
        return;
    };
    for (b, image) in &c.images {
        let (seen, states) = m.broker_images.entry(*b).or_default();
        if image.offset < *seen || image.offset > m.committed_metadata.len() as u64 {
            fail.push(format!(
                "{b:?} has applied the log to {}: it was at {seen}, {} are committed",
                image.offset,
                m.committed_metadata.len()
            ));
            continue;
        }
        for e in &m.committed_metadata[*seen as usize..image.offset as usize] {
            if let crate::raft::MetadataRecord::Partition(tp, state) = &e.record {
                states.insert(*tp, state.clone());
            }
        }
        *seen = image.offset;
        for (tp, state) in states.iter() {
            let known = crate::metadata::partition(&image.topics, *tp);
            if known != state {
                fail.push(format!(
                    "{b:?} knows {tp:?} as {known:?}, its applied log says {state:?}"
                ));
            }
        }
        let Some(broker) = sim.brokers().get(b).filter(|b| b.up) else {
            continue;
        };
        for (tp, r) in &broker.replicas {
            let known = states.get(tp).map_or(LeaderEpoch(0), |s| s.leader_epoch);
            if r.leader_epoch > known {
                fail.push(format!(
                    "{b:?} holds {tp:?} at {:?}, its applied log says {known:?}",
                    r.leader_epoch
                ));
            }
        }
    }
    for (tp, state) in &m.metadata_image {
        if sim.partition(*tp) != state {
            fail.push(format!(
                "{tp:?}: {:?}, the committed log says {state:?}",
                sim.partition(*tp)
            ));
        }
    }
}
