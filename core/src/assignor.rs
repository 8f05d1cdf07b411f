//! Kafka's client-side partition assignors: `range`, `roundrobin`, `sticky` and
//! `cooperative-sticky`, giving exactly Kafka's assignment, tie-breaks included.
//!
//! The group leader runs the assignor named by `partition.assignment.strategy` over every
//! member's subscription (KIP-429 adds the partitions each member owns and its generation).
//! These are pure functions of that input, checked case by case against Kafka's own
//! assignor tests (`conformance/assignors.json`). Facts carried over from Apache Kafka's
//! `RangeAssignor`, `RoundRobinAssignor`, `AbstractStickyAssignor` and
//! `CooperativeStickyAssignor` (clients module); rack-aware assignment is not modelled.
//!
//! Where Kafka iterates a `java.util.HashMap` of members, kscope iterates in the same order
//! ([`crate::java::hash_map_order`]) over the members in the order they were inserted,
//! which is the order of the `members` slice.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::fmt;

use crate::java::{compare_strings, hash_map_order, string_hash_code, JavaHashSet};

/// A partition named as the assignors name it: topic name and partition number.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct NamedPartition {
    pub topic: String,
    pub partition: i32,
}

impl NamedPartition {
    pub fn new(topic: &str, partition: i32) -> Self {
        NamedPartition {
            topic: String::from(topic),
            partition,
        }
    }

    /// Java's `TopicPartition.hashCode`.
    pub fn java_hash(&self) -> i32 {
        31i32
            .wrapping_add(self.partition)
            .wrapping_mul(31)
            .wrapping_add(string_hash_code(&self.topic))
    }
}

impl fmt::Display for NamedPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// What a member sends in its JoinGroup: `ConsumerProtocolSubscription` (and, for the
/// eager sticky assignor, the same facts in its user data).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subscription {
    pub topics: Vec<String>,
    /// The partitions the member owned before this rebalance (KIP-429).
    pub owned_partitions: Vec<NamedPartition>,
    /// The generation in which it owned them; `None` for a member that never had one.
    pub generation: Option<i32>,
    /// `group.instance.id` of a static member (KIP-345).
    pub group_instance_id: Option<String>,
}

/// `partition.assignment.strategy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum AssignorKind {
    Range,
    RoundRobin,
    Sticky,
    CooperativeSticky,
}

/// Which rebalance protocol an assignor speaks (KIP-429).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum RebalanceProtocol {
    /// Every member revokes everything before it rejoins.
    Eager,
    /// Members keep what stays theirs; moving partitions go in a second rebalance.
    Cooperative,
}

impl AssignorKind {
    pub const ALL: [AssignorKind; 4] = [
        AssignorKind::Range,
        AssignorKind::RoundRobin,
        AssignorKind::Sticky,
        AssignorKind::CooperativeSticky,
    ];

    /// The name a consumer sends in its JoinGroup protocols.
    pub fn name(self) -> &'static str {
        match self {
            AssignorKind::Range => "range",
            AssignorKind::RoundRobin => "roundrobin",
            AssignorKind::Sticky => "sticky",
            AssignorKind::CooperativeSticky => "cooperative-sticky",
        }
    }

    pub fn from_name(name: &str) -> Option<AssignorKind> {
        AssignorKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The protocol a group using only this assignor rebalances with: cooperative-sticky
    /// is the one built-in assignor that supports COOPERATIVE.
    pub fn protocol(self) -> RebalanceProtocol {
        match self {
            AssignorKind::CooperativeSticky => RebalanceProtocol::Cooperative,
            _ => RebalanceProtocol::Eager,
        }
    }
}

/// An assignor's answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupAssignment {
    /// Every member, possibly with an empty list, in the order Kafka builds each list.
    pub assignment: BTreeMap<String, Vec<NamedPartition>>,
    /// The sticky assignors' `partitionsTransferringOwnership`: partitions handed to a new
    /// owner while another member still owns them. `None` where Kafka leaves it null (the
    /// general builder, and the non-sticky assignors).
    pub partitions_transferring_ownership: Option<BTreeMap<NamedPartition, String>>,
}

/// Runs `kind` over the members, in the order they were put into Kafka's member map.
/// `partitions_per_topic` is the metadata: topics absent from it are ignored, as are
/// topics in it that no member subscribes to.
pub fn assign(
    kind: AssignorKind,
    partitions_per_topic: &BTreeMap<String, i32>,
    members: &[(String, Subscription)],
) -> GroupAssignment {
    let subscribed: BTreeSet<&str> = members
        .iter()
        .flat_map(|(_, s)| s.topics.iter().map(String::as_str))
        .collect();
    let metadata: BTreeMap<String, i32> = partitions_per_topic
        .iter()
        .filter(|(t, _)| subscribed.contains(t.as_str()))
        .map(|(t, n)| (t.clone(), *n))
        .collect();
    match kind {
        AssignorKind::Range => GroupAssignment {
            assignment: range(&metadata, members),
            partitions_transferring_ownership: None,
        },
        AssignorKind::RoundRobin => GroupAssignment {
            assignment: round_robin(&metadata, members),
            partitions_transferring_ownership: None,
        },
        AssignorKind::Sticky => sticky(&metadata, members),
        AssignorKind::CooperativeSticky => {
            let mut result = sticky(&metadata, members);
            let transferring = match &result.partitions_transferring_ownership {
                Some(t) => t.clone(),
                None => computed_transfers(members, &result.assignment),
            };
            for (tp, member) in &transferring {
                if let Some(list) = result.assignment.get_mut(member) {
                    if let Some(i) = list.iter().position(|p| p == tp) {
                        list.remove(i);
                    }
                }
            }
            result
        }
    }
}

/// `MemberInfo.compareTo`: static members first by `group.instance.id`, then dynamic
/// ones by member id.
fn member_order(a: &(String, Subscription), b: &(String, Subscription)) -> Ordering {
    match (&a.1.group_instance_id, &b.1.group_instance_id) {
        (Some(x), Some(y)) => compare_strings(x, y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => compare_strings(&a.0, &b.0),
    }
}

fn empty_assignment(members: &[(String, Subscription)]) -> BTreeMap<String, Vec<NamedPartition>> {
    members
        .iter()
        .map(|(m, _)| (m.clone(), Vec::new()))
        .collect()
}

/// `RangeAssignor`: per topic, its subscribers in member order take contiguous ranges;
/// the first `partitions % subscribers` take one more.
fn range(
    metadata: &BTreeMap<String, i32>,
    members: &[(String, Subscription)],
) -> BTreeMap<String, Vec<NamedPartition>> {
    let mut out = empty_assignment(members);
    for (topic, &count) in metadata {
        let mut consumers: Vec<&(String, Subscription)> = members
            .iter()
            .filter(|(_, s)| s.topics.iter().any(|t| t == topic))
            .collect();
        if consumers.is_empty() {
            continue;
        }
        consumers.sort_by(|a, b| member_order(a, b));
        let n = consumers.len() as i32;
        let per = count / n;
        let extra = count % n;
        for (i, (member, _)) in consumers.iter().enumerate() {
            let i = i as i32;
            let start = per * i + i.min(extra);
            let len = per + i32::from(i < extra);
            let list = out.get_mut(member).expect("every member has a list");
            list.extend((start..start + len).map(|p| NamedPartition::new(topic, p)));
        }
    }
    out
}

/// `RoundRobinAssignor`: all partitions of all subscribed topics (topics by name) dealt
/// around the circle of members in member order, skipping members not subscribed to the
/// partition's topic. The pointer carries over from one topic to the next.
fn round_robin(
    metadata: &BTreeMap<String, i32>,
    members: &[(String, Subscription)],
) -> BTreeMap<String, Vec<NamedPartition>> {
    let mut out = empty_assignment(members);
    let mut circle: Vec<&(String, Subscription)> = members.iter().collect();
    circle.sort_by(|a, b| member_order(a, b));
    if circle.is_empty() {
        return out;
    }
    let mut at = 0;
    for (topic, &count) in metadata {
        for p in 0..count {
            while !circle[at].1.topics.iter().any(|t| t == topic) {
                at = (at + 1) % circle.len();
            }
            out.get_mut(&circle[at].0)
                .expect("every member has a list")
                .push(NamedPartition::new(topic, p));
            at = (at + 1) % circle.len();
        }
    }
    out
}

/// The members' indexes in Kafka's `HashMap` iteration order.
fn java_member_order(members: &[(String, Subscription)]) -> Vec<usize> {
    let hashes: Vec<i32> = members.iter().map(|(m, _)| string_hash_code(m)).collect();
    hash_map_order(&hashes)
}

/// `AbstractStickyAssignor.allSubscriptionsEqual`: validates every member's owned
/// partitions (a partition claimed twice in one generation is taken from both claimants;
/// otherwise the higher generation wins) and tells whether all subscriptions are equal.
struct Validated {
    all_equal: bool,
    /// Each member's valid owned partitions, by member index.
    owned: Vec<Vec<NamedPartition>>,
    multiple_owners: BTreeSet<NamedPartition>,
    max_generation: i32,
}

const DEFAULT_GENERATION: i32 = -1;

fn validate(metadata: &BTreeMap<String, i32>, members: &[(String, Subscription)]) -> Validated {
    let mut v = Validated {
        all_equal: true,
        owned: alloc::vec![Vec::new(); members.len()],
        multiple_owners: BTreeSet::new(),
        max_generation: DEFAULT_GENERATION,
    };
    let mut topics: Option<BTreeSet<&str>> = None;
    let mut owner_of: BTreeMap<NamedPartition, usize> = BTreeMap::new();
    for i in java_member_order(members) {
        let sub = &members[i].1;
        let these: BTreeSet<&str> = sub.topics.iter().map(String::as_str).collect();
        match &topics {
            None => topics = Some(these),
            Some(first) if first.is_empty() => topics = Some(these),
            Some(first) => {
                if *first != these {
                    v.all_equal = false;
                }
            }
        }
        let generation = sub.generation.unwrap_or(DEFAULT_GENERATION);
        v.max_generation = v.max_generation.max(generation);
        for tp in &sub.owned_partitions {
            if !metadata.contains_key(&tp.topic) {
                continue;
            }
            match owner_of.get(tp).copied() {
                None => {
                    v.owned[i].push(tp.clone());
                    owner_of.insert(tp.clone(), i);
                }
                Some(other) => {
                    let other_generation =
                        members[other].1.generation.unwrap_or(DEFAULT_GENERATION);
                    if generation == other_generation {
                        v.multiple_owners.insert(tp.clone());
                        remove_first(&mut v.owned[other], tp);
                        owner_of.insert(tp.clone(), i);
                    } else if generation > other_generation {
                        v.owned[i].push(tp.clone());
                        remove_first(&mut v.owned[other], tp);
                        owner_of.insert(tp.clone(), i);
                    }
                }
            }
        }
    }
    v
}

fn remove_first(list: &mut Vec<NamedPartition>, tp: &NamedPartition) {
    if let Some(i) = list.iter().position(|p| p == tp) {
        list.remove(i);
    }
}

fn sticky(metadata: &BTreeMap<String, i32>, members: &[(String, Subscription)]) -> GroupAssignment {
    if members.is_empty() {
        return GroupAssignment::default();
    }
    let v = validate(metadata, members);
    if v.all_equal {
        constrained(metadata, members, v)
    } else {
        GroupAssignment {
            assignment: General::new(metadata, members, &v).build(),
            partitions_transferring_ownership: None,
        }
    }
}

/// All partitions of the metadata, topics by name, partitions ascending.
fn all_partitions(metadata: &BTreeMap<String, i32>) -> Vec<NamedPartition> {
    metadata
        .iter()
        .flat_map(|(t, &n)| (0..n).map(move |p| NamedPartition::new(t, p)))
        .collect()
}

/// The constrained builder, used when every member subscribes to the same topics:
/// members keep up to their quota of what they owned, then the rest is dealt round robin.
fn constrained(
    metadata: &BTreeMap<String, i32>,
    members: &[(String, Subscription)],
    v: Validated,
) -> GroupAssignment {
    let total: usize = metadata.values().map(|&n| n.max(0) as usize).sum();
    let n = members.len();
    let min_quota = total / n;
    let max_quota = total.div_ceil(n);
    let expected_over = total % n;
    let mut current_over = 0;

    let mut assignment: Vec<Vec<NamedPartition>> = alloc::vec![Vec::new(); n];
    let mut assigned: BTreeSet<NamedPartition> = BTreeSet::new();
    let mut revoked: BTreeSet<NamedPartition> = BTreeSet::new();
    let mut under_min: Vec<usize> = Vec::new();
    let mut exactly_min: Vec<usize> = Vec::new();

    for i in java_member_order(members) {
        let mut owned = v.owned[i].clone();
        owned.sort_by(|a, b| {
            a.partition
                .cmp(&b.partition)
                .then_with(|| compare_strings(&a.topic, &b.topic))
        });
        owned.retain(|tp| !v.multiple_owners.contains(tp));
        let keep = if owned.len() < min_quota {
            under_min.push(i);
            owned.len()
        } else if owned.len() >= max_quota && current_over < expected_over {
            current_over += 1;
            if current_over == expected_over {
                exactly_min.clear();
            }
            max_quota
        } else {
            if current_over < expected_over {
                exactly_min.push(i);
            }
            min_quota
        };
        revoked.extend(owned[keep..].iter().cloned());
        assigned.extend(owned[..keep].iter().cloned());
        assignment[i].extend(owned.into_iter().take(keep));
    }

    let unassigned: Vec<NamedPartition> = all_partitions(metadata)
        .into_iter()
        .filter(|tp| !assigned.contains(tp))
        .collect();
    under_min.sort_by(|&a, &b| compare_strings(&members[a].0, &members[b].0));
    exactly_min.sort_by(|&a, &b| compare_strings(&members[a].0, &members[b].0));

    let mut transferring: BTreeMap<NamedPartition, String> = BTreeMap::new();
    // A cursor over `under_min` with Java's `Iterator` semantics: `next` and `remove`.
    let mut cursor = 0;
    for tp in unassigned {
        let from_cursor = cursor < under_min.len();
        let member = if from_cursor {
            cursor += 1;
            under_min[cursor - 1]
        } else if under_min.is_empty() {
            if exactly_min.is_empty() {
                // Kafka throws IllegalStateException here; the quotas make it unreachable.
                break;
            }
            exactly_min.remove(0)
        } else {
            cursor = 1;
            under_min[0]
        };
        assignment[member].push(tp.clone());
        if revoked.contains(&tp) || v.multiple_owners.contains(&tp) {
            transferring.insert(tp, members[member].0.clone());
        }
        if assignment[member].len() == min_quota {
            // Java's `unfilledConsumerIter.remove()`: drops the member the cursor last
            // returned.
            if cursor > 0 && cursor <= under_min.len() && under_min[cursor - 1] == member {
                under_min.remove(cursor - 1);
                cursor -= 1;
            }
            exactly_min.push(member);
        }
    }

    GroupAssignment {
        assignment: members
            .iter()
            .zip(assignment)
            .map(|((m, _), list)| (m.clone(), list))
            .collect(),
        partitions_transferring_ownership: Some(transferring),
    }
}

/// `CooperativeStickyAssignor.computePartitionsTransferringOwnership`, for the general
/// builder: partitions newly assigned to one member that another member reported owning.
fn computed_transfers(
    members: &[(String, Subscription)],
    assignment: &BTreeMap<String, Vec<NamedPartition>>,
) -> BTreeMap<NamedPartition, String> {
    let mut added: BTreeMap<NamedPartition, String> = BTreeMap::new();
    let mut revoked: BTreeSet<NamedPartition> = BTreeSet::new();
    for (member, sub) in members {
        let assigned = assignment.get(member).map(Vec::as_slice).unwrap_or(&[]);
        for tp in assigned {
            if !sub.owned_partitions.contains(tp) {
                added.insert(tp.clone(), member.clone());
            }
        }
        for tp in &sub.owned_partitions {
            if !assigned.contains(tp) {
                revoked.insert(tp.clone());
            }
        }
    }
    added.retain(|tp, _| revoked.contains(tp));
    added
}

/// A partition's move from one member to another, as `PartitionMovements` records it.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
struct Pair {
    src: usize,
    dst: usize,
}

/// The general builder, used when subscriptions differ: balance first, stickiness
/// second, with `PartitionMovements` keeping a partition from bouncing between two members.
struct General<'a> {
    metadata: &'a BTreeMap<String, i32>,
    members: &'a [(String, Subscription)],
    total: usize,
    /// topic → its potential consumers, in Kafka's member-map order.
    topic_consumers: BTreeMap<String, Vec<usize>>,
    /// member → the subscribed topics that exist.
    member_topics: Vec<Vec<String>>,
    /// member → its current list; `None` for a member set aside as fixed.
    current: Vec<Option<Vec<NamedPartition>>>,
    current_owner: BTreeMap<NamedPartition, usize>,
    sorted_partitions: Vec<NamedPartition>,
    /// Members in `sortedCurrentSubscriptions`.
    in_sorted: BTreeSet<usize>,
    revocation_required: bool,
    prev: BTreeMap<NamedPartition, (usize, i32)>,
    movements: BTreeMap<NamedPartition, Pair>,
    movements_by_topic: BTreeMap<String, BTreeMap<Pair, JavaHashSet<NamedPartition>>>,
}

impl<'a> General<'a> {
    fn new(
        metadata: &'a BTreeMap<String, i32>,
        members: &'a [(String, Subscription)],
        v: &Validated,
    ) -> Self {
        let order = java_member_order(members);
        let mut topic_consumers: BTreeMap<String, Vec<usize>> =
            metadata.keys().map(|t| (t.clone(), Vec::new())).collect();
        let mut member_topics = alloc::vec![Vec::new(); members.len()];
        for &i in &order {
            for t in &members[i].1.topics {
                if let Some(list) = topic_consumers.get_mut(t) {
                    member_topics[i].push(t.clone());
                    list.push(i);
                }
            }
        }
        let current: Vec<Option<Vec<NamedPartition>>> =
            v.owned.iter().map(|o| Some(o.clone())).collect();
        let mut current_owner = BTreeMap::new();
        for (i, list) in current.iter().enumerate() {
            for tp in list.iter().flatten() {
                current_owner.insert(tp.clone(), i);
            }
        }
        let mut topics: Vec<&String> = topic_consumers.keys().collect();
        topics.sort_by(|a, b| {
            topic_consumers[*a]
                .len()
                .cmp(&topic_consumers[*b].len())
                .then_with(|| compare_strings(a, b))
        });
        let sorted_partitions = topics
            .iter()
            .flat_map(|t| (0..metadata[*t]).map(move |p| NamedPartition::new(t, p)))
            .collect();
        // prepopulateCurrentAssignments: the latest earlier owner of each partition.
        let mut prev: BTreeMap<NamedPartition, (usize, i32)> = BTreeMap::new();
        for &i in &order {
            let sub = &members[i].1;
            let generation = match sub.generation {
                Some(g) if g < v.max_generation => g,
                None if v.max_generation > DEFAULT_GENERATION => DEFAULT_GENERATION,
                _ => continue,
            };
            for tp in &sub.owned_partitions {
                match prev.get(tp) {
                    Some(&(_, g)) if generation <= g => {}
                    _ => {
                        prev.insert(tp.clone(), (i, generation));
                    }
                }
            }
        }
        General {
            metadata,
            members,
            total: metadata.values().map(|&n| n.max(0) as usize).sum(),
            topic_consumers,
            member_topics,
            current,
            current_owner,
            sorted_partitions,
            in_sorted: BTreeSet::new(),
            revocation_required: false,
            prev,
            movements: BTreeMap::new(),
            movements_by_topic: BTreeMap::new(),
        }
    }

    fn size(&self, m: usize) -> usize {
        self.current[m].as_ref().map_or(0, Vec::len)
    }

    /// `sortedCurrentSubscriptions` in order: by assigned count, then member id.
    fn sorted(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self.in_sorted.iter().copied().collect();
        v.sort_by(|&a, &b| {
            self.size(a)
                .cmp(&self.size(b))
                .then_with(|| compare_strings(&self.members[a].0, &self.members[b].0))
        });
        v
    }

    fn subscribes(&self, m: usize, topic: &str) -> bool {
        self.member_topics[m].iter().any(|t| t == topic)
    }

    fn build(mut self) -> BTreeMap<String, Vec<NamedPartition>> {
        // assignOwnedPartitions: keep what each member still subscribes to.
        let mut assigned: BTreeSet<NamedPartition> = BTreeSet::new();
        for m in 0..self.members.len() {
            let list = self.current[m].take().unwrap_or_default();
            let mut kept = Vec::new();
            for tp in list {
                if !self.members[m].1.topics.contains(&tp.topic) {
                    self.revocation_required = true;
                } else {
                    assigned.insert(tp.clone());
                    kept.push(tp);
                }
            }
            self.current[m] = Some(kept);
        }
        let mut unassigned: Vec<NamedPartition> = self
            .sorted_partitions
            .iter()
            .filter(|tp| !assigned.contains(*tp))
            .cloned()
            .collect();
        self.in_sorted = (0..self.members.len()).collect();
        self.balance(&mut unassigned);
        self.members
            .iter()
            .zip(self.current)
            .map(|((m, _), list)| (m.clone(), list.unwrap_or_default()))
            .collect()
    }

    fn balance(&mut self, unassigned: &mut Vec<NamedPartition>) {
        let initializing = self.sorted().last().is_none_or(|&m| self.size(m) == 0);
        for tp in unassigned.iter() {
            if self.topic_consumers[&tp.topic].is_empty() {
                continue;
            }
            if let Some(m) = self
                .sorted()
                .into_iter()
                .find(|&m| self.subscribes(m, &tp.topic))
            {
                self.current[m]
                    .as_mut()
                    .expect("in the sorted set")
                    .push(tp.clone());
                self.current_owner.insert(tp.clone(), m);
            }
        }
        // Partitions of topics with fewer than two potential consumers cannot move.
        let fixed_topics: BTreeSet<String> = self
            .topic_consumers
            .iter()
            .filter(|(_, c)| c.len() < 2)
            .map(|(t, _)| t.clone())
            .collect();
        self.sorted_partitions
            .retain(|tp| !fixed_topics.contains(&tp.topic));
        unassigned.retain(|tp| !fixed_topics.contains(&tp.topic));
        // Members that cannot gain or lose anything are set aside.
        let mut fixed: Vec<(usize, Vec<NamedPartition>)> = Vec::new();
        for m in 0..self.members.len() {
            if !self.can_participate(m) {
                self.in_sorted.remove(&m);
                fixed.push((m, self.current[m].take().unwrap_or_default()));
            }
        }
        let before = self.current.clone();
        let before_owner = self.current_owner.clone();
        if !self.revocation_required {
            let list = unassigned.clone();
            self.perform_reassignments(&list);
        }
        let list = self.sorted_partitions.clone();
        let performed = self.perform_reassignments(&list);
        if !initializing && performed && balance_score(&self.current) >= balance_score(&before) {
            self.current = before;
            self.current_owner = before_owner;
        }
        for (m, list) in fixed {
            self.current[m] = Some(list);
            self.in_sorted.insert(m);
        }
    }

    fn max_assignment_size(&self, m: usize) -> usize {
        if self.member_topics[m].len() == self.metadata.len() {
            self.total
        } else {
            self.member_topics[m]
                .iter()
                .map(|t| self.metadata[t].max(0) as usize)
                .sum()
        }
    }

    fn can_participate(&self, m: usize) -> bool {
        let size = self.size(m);
        if size < self.max_assignment_size(m) {
            return true;
        }
        self.current[m]
            .iter()
            .flatten()
            .any(|tp| self.topic_consumers[&tp.topic].len() >= 2)
    }

    fn is_balanced(&self) -> bool {
        let sorted = self.sorted();
        let (Some(&first), Some(&last)) = (sorted.first(), sorted.last()) else {
            return true;
        };
        if self.size(first) + 1 >= self.size(last) {
            return true;
        }
        let mut owner: BTreeMap<&NamedPartition, usize> = BTreeMap::new();
        for (m, list) in self.current.iter().enumerate() {
            for tp in list.iter().flatten() {
                owner.insert(tp, m);
            }
        }
        for &m in &sorted {
            let count = self.size(m);
            if count == self.max_assignment_size(m) {
                continue;
            }
            let mine = self.current[m].as_deref().unwrap_or(&[]);
            for topic in &self.member_topics[m] {
                for p in 0..self.metadata[topic] {
                    let tp = NamedPartition::new(topic, p);
                    if mine.contains(&tp) {
                        continue;
                    }
                    if let Some(&other) = owner.get(&tp) {
                        if count + 1 < self.size(other) {
                            return false;
                        }
                    }
                }
            }
        }
        true
    }

    fn perform_reassignments(&mut self, partitions: &[NamedPartition]) -> bool {
        let mut performed = false;
        loop {
            let mut modified = false;
            for tp in partitions {
                if self.is_balanced() {
                    break;
                }
                let Some(&owner) = self.current_owner.get(tp) else {
                    continue;
                };
                if let Some(&(prev_owner, _)) = self.prev.get(tp) {
                    if self.current[prev_owner].is_some()
                        && self.size(owner) > self.size(prev_owner) + 1
                    {
                        self.reassign_to(tp, prev_owner);
                        performed = true;
                        modified = true;
                        continue;
                    }
                }
                let better = self.topic_consumers[&tp.topic]
                    .iter()
                    .any(|&other| self.size(owner) > self.size(other) + 1);
                if better {
                    let new_owner = self
                        .sorted()
                        .into_iter()
                        .find(|&m| self.subscribes(m, &tp.topic))
                        .expect("a potential consumer exists");
                    self.reassign_to(tp, new_owner);
                    performed = true;
                    modified = true;
                }
            }
            if !modified {
                return performed;
            }
        }
    }

    /// `reassignPartition(partition, newConsumer)`: moves `tp`, or the partition of the
    /// same topic that moved the opposite way before, so no two members trade partitions.
    fn reassign_to(&mut self, tp: &NamedPartition, new_owner: usize) {
        let owner = self.current_owner[tp];
        let to_move = self.actual_partition_to_move(tp, owner, new_owner);
        let old_owner = self.current_owner[&to_move];
        self.move_partition(&to_move, old_owner, new_owner);
        remove_first(
            self.current[old_owner].as_mut().expect("participating"),
            &to_move,
        );
        self.current[new_owner]
            .as_mut()
            .expect("participating")
            .push(to_move.clone());
        self.current_owner.insert(to_move, new_owner);
    }

    fn actual_partition_to_move(
        &self,
        tp: &NamedPartition,
        mut old: usize,
        new: usize,
    ) -> NamedPartition {
        let Some(by_pair) = self.movements_by_topic.get(&tp.topic) else {
            return tp.clone();
        };
        if let Some(pair) = self.movements.get(tp) {
            old = pair.src;
        }
        match by_pair
            .get(&Pair { src: new, dst: old })
            .and_then(JavaHashSet::first)
        {
            Some(p) => p.clone(),
            None => tp.clone(),
        }
    }

    fn move_partition(&mut self, tp: &NamedPartition, old: usize, new: usize) {
        if let Some(existing) = self.remove_movement(tp) {
            if existing.src != new {
                self.add_movement(
                    tp,
                    Pair {
                        src: existing.src,
                        dst: new,
                    },
                );
            }
        } else {
            self.add_movement(tp, Pair { src: old, dst: new });
        }
    }

    fn remove_movement(&mut self, tp: &NamedPartition) -> Option<Pair> {
        let pair = self.movements.remove(tp)?;
        let by_pair = self.movements_by_topic.get_mut(&tp.topic)?;
        if let Some(set) = by_pair.get_mut(&pair) {
            set.remove(tp);
            if set.is_empty() {
                by_pair.remove(&pair);
            }
        }
        if by_pair.is_empty() {
            self.movements_by_topic.remove(&tp.topic);
        }
        Some(pair)
    }

    fn add_movement(&mut self, tp: &NamedPartition, pair: Pair) {
        self.movements.insert(tp.clone(), pair.clone());
        self.movements_by_topic
            .entry(tp.topic.clone())
            .or_default()
            .entry(pair)
            .or_default()
            .insert(tp.java_hash(), tp.clone());
    }
}

/// The sum over all pairs of members of the difference in their partition counts.
fn balance_score(current: &[Option<Vec<NamedPartition>>]) -> usize {
    let sizes: Vec<usize> = current.iter().flatten().map(Vec::len).collect();
    let mut score = 0;
    for (i, a) in sizes.iter().enumerate() {
        for b in &sizes[i + 1..] {
            score += a.abs_diff(*b);
        }
    }
    score
}
