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

use crate::vecmap::VecMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::fmt;

use crate::java::{
    compare_strings, hash_map_order, sort_small_by, sort_small_by_key, string_hash_code,
    JavaHashSet,
};

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

    /// Its class in Kafka's client.
    pub fn class_name(self) -> &'static str {
        match self {
            AssignorKind::Range => "org.apache.kafka.clients.consumer.RangeAssignor",
            AssignorKind::RoundRobin => "org.apache.kafka.clients.consumer.RoundRobinAssignor",
            AssignorKind::Sticky => "org.apache.kafka.clients.consumer.StickyAssignor",
            AssignorKind::CooperativeSticky => {
                "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"
            }
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

/// `partition.assignment.strategy`: the assignors a member supports, most preferred first
/// (Kafka's defaults: `KafkaVersion::default_assignors`). The member sends them all in its JoinGroup; the coordinator picks one that
/// every member supports ([`AssignorList::select`]); the member rebalances with the
/// highest rebalance protocol every assignor of its list supports.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct AssignorList {
    kinds: [AssignorKind; 4],
    len: u8,
}

impl fmt::Debug for AssignorList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl From<AssignorKind> for AssignorList {
    fn from(kind: AssignorKind) -> Self {
        AssignorList {
            kinds: [kind; 4],
            len: 1,
        }
    }
}

impl AssignorList {
    /// A list as Kafka's client accepts it: not empty (`ClassicKafkaConsumer`), and no
    /// assignor twice (`ConsumerPartitionAssignor.getAssignorInstances`); the error is
    /// Kafka's message.
    pub fn new(kinds: &[AssignorKind]) -> Result<AssignorList, String> {
        let Some(&first) = kinds.first() else {
            return Err(String::from("Must configure at least one partition assigner class name to partition.assignment.strategy configuration property"));
        };
        let mut list = AssignorList::from(first);
        for &k in &kinds[1..] {
            if list.contains(k) {
                return Err(alloc::format!(
                    "The assignor name: '{}' is used in more than one assignor: {}, {}",
                    k.name(),
                    k.class_name(),
                    k.class_name()
                ));
            }
            list.kinds[list.len as usize] = k;
            list.len += 1;
        }
        Ok(list)
    }

    /// Parses a comma-separated list of assignor names or Kafka's class names.
    pub fn parse(s: &str) -> Result<AssignorList, String> {
        let mut kinds = Vec::new();
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let kind = AssignorKind::from_name(item)
                .or_else(|| {
                    AssignorKind::ALL
                        .into_iter()
                        .find(|k| k.class_name() == item)
                })
                .ok_or_else(|| alloc::format!("Class {item} cannot be found"))?;
            kinds.push(kind);
        }
        AssignorList::new(&kinds)
    }

    /// The names, comma-separated, as `partition.assignment.strategy` lists them.
    pub fn name(&self) -> String {
        let mut out = String::new();
        for (i, k) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(k.name());
        }
        out
    }

    pub fn iter(&self) -> impl Iterator<Item = AssignorKind> + '_ {
        self.kinds[..self.len as usize].iter().copied()
    }

    /// The most preferred.
    pub fn first(&self) -> AssignorKind {
        self.kinds[0]
    }

    pub fn contains(&self, kind: AssignorKind) -> bool {
        self.iter().any(|k| k == kind)
    }

    /// The rebalance protocol the member follows: the highest one every assignor of the
    /// list supports (`ConsumerCoordinator`'s constructor). `cooperative-sticky` supports
    /// both, the others only EAGER, so a member is cooperative only when every assignor it
    /// lists is cooperative: the reason the upgrade to it takes two rolling bounces.
    pub fn rebalance_protocol(&self) -> RebalanceProtocol {
        if self
            .iter()
            .all(|k| k.protocol() == RebalanceProtocol::Cooperative)
        {
            RebalanceProtocol::Cooperative
        } else {
            RebalanceProtocol::Eager
        }
    }

    /// `ClassicGroup.selectProtocol`: among the assignors every member lists (the
    /// candidates), each member votes for the first of its list, and the most votes win;
    /// a tie goes to the assignor Java's `HashMap` of votes iterates first. `None` when
    /// no assignor is common to all (the coordinator refuses such a member before).
    pub fn select(members: &[AssignorList]) -> Option<AssignorKind> {
        let candidates: Vec<AssignorKind> = AssignorKind::ALL
            .into_iter()
            .filter(|k| !members.is_empty() && members.iter().all(|m| m.contains(*k)))
            .collect();
        // Votes in the order the votes map first sees each assignor.
        let mut votes: Vec<(AssignorKind, u32)> = Vec::new();
        for m in members {
            let vote = m.iter().find(|k| candidates.contains(k))?;
            match votes.iter_mut().find(|(k, _)| *k == vote) {
                Some((_, n)) => *n += 1,
                None => votes.push((vote, 1)),
            }
        }
        let hashes: Vec<i32> = votes
            .iter()
            .map(|(k, _)| string_hash_code(k.name()))
            .collect();
        // `Stream.max` keeps the first of equal maxima in iteration order.
        let mut best: Option<(AssignorKind, u32)> = None;
        for i in hash_map_order(&hashes) {
            let (k, n) = votes[i];
            if best.is_none_or(|(_, b)| n > b) {
                best = Some((k, n));
            }
        }
        best.map(|(k, _)| k)
    }

    /// Whether a member listing `self` may join a group whose members list `members`
    /// (`ClassicGroup.supportsProtocols`): an empty group takes any list; otherwise one of
    /// its assignors must be listed by every member.
    pub fn supported_by(&self, members: &[AssignorList]) -> bool {
        members.is_empty() || self.iter().any(|k| members.iter().all(|m| m.contains(k)))
    }
}

/// An assignor's answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupAssignment {
    /// Every member, possibly with an empty list, in the order Kafka builds each list.
    pub assignment: VecMap<String, Vec<NamedPartition>>,
    /// The sticky assignors' `partitionsTransferringOwnership`: partitions handed to a new
    /// owner while another member still owns them. `None` where Kafka leaves it null (the
    /// general builder, and the non-sticky assignors).
    pub partitions_transferring_ownership: Option<VecMap<NamedPartition, String>>,
}

/// Runs `kind` over the members, in the order they were put into Kafka's member map.
/// `partitions_per_topic` is the metadata: topics absent from it are ignored, as are
/// topics in it that no member subscribes to.
pub fn assign(
    kind: AssignorKind,
    partitions_per_topic: &VecMap<String, i32>,
    members: &[(String, Subscription)],
) -> GroupAssignment {
    let u = Universe::new(partitions_per_topic, members);
    let (lists, transferring) = match kind {
        AssignorKind::Range => (range(&u, members), None),
        AssignorKind::RoundRobin => (round_robin(&u, members), None),
        AssignorKind::Sticky | AssignorKind::CooperativeSticky => sticky(&u, members),
    };
    let mut lists = lists;
    let transferring_out = transferring.as_ref().map(|t| u.transfers(t, members));
    if kind == AssignorKind::CooperativeSticky {
        let moving = match transferring {
            Some(t) => t,
            None => computed_transfers(&u, members, &lists),
        };
        for (p, member) in moving.iter().enumerate() {
            if let Some(m) = member {
                remove_first(&mut lists[*m], p as u32);
            }
        }
    }
    // Maps are filled by insertion: collecting into one would instantiate a sort.
    let mut assignment = VecMap::new();
    for ((m, _), list) in members.iter().zip(lists) {
        assignment.insert(m.clone(), list.iter().map(|p| u.named(*p)).collect());
    }
    GroupAssignment {
        assignment,
        partitions_transferring_ownership: transferring_out,
    }
}

/// The partitions of the subscribed topics that exist, numbered densely: topics in name
/// order (Java's `String` order), partitions ascending, so a partition's number orders
/// partitions by (topic, partition) as Kafka's sorted sets do. Everything below works on
/// these numbers; the assignors' inputs are small and plain vectors keep the code small.
struct Universe {
    topics: Vec<String>,
    counts: Vec<u32>,
    /// The number of each topic's partition 0.
    first: Vec<u32>,
    total: u32,
}

impl Universe {
    fn new(metadata: &VecMap<String, i32>, members: &[(String, Subscription)]) -> Universe {
        let mut topics: Vec<String> = metadata
            .keys()
            .filter(|t| members.iter().any(|(_, s)| s.topics.contains(t)))
            .cloned()
            .collect();
        sort_small_by(&mut topics, |a, b| compare_strings(a, b) == Ordering::Less);
        let counts: Vec<u32> = topics.iter().map(|t| metadata[t].max(0) as u32).collect();
        let mut first = Vec::with_capacity(counts.len());
        let mut total = 0;
        for c in &counts {
            first.push(total);
            total += c;
        }
        Universe {
            topics,
            counts,
            first,
            total,
        }
    }

    fn topic(&self, name: &str) -> Option<usize> {
        self.topics.iter().position(|t| t == name)
    }

    /// The number of a partition, if it exists.
    fn index(&self, tp: &NamedPartition) -> Option<u32> {
        let t = self.topic(&tp.topic)?;
        (tp.partition >= 0 && (tp.partition as u32) < self.counts[t])
            .then(|| self.first[t] + tp.partition as u32)
    }

    fn topic_of(&self, p: u32) -> usize {
        self.first.iter().rposition(|f| *f <= p).unwrap_or(0)
    }

    fn partition_of(&self, p: u32) -> i32 {
        (p - self.first[self.topic_of(p)]) as i32
    }

    fn named(&self, p: u32) -> NamedPartition {
        NamedPartition::new(&self.topics[self.topic_of(p)], self.partition_of(p))
    }

    fn partitions_of(&self, t: usize) -> core::ops::Range<u32> {
        self.first[t]..self.first[t] + self.counts[t]
    }

    fn transfers(
        &self,
        t: &[Option<usize>],
        members: &[(String, Subscription)],
    ) -> VecMap<NamedPartition, String> {
        let mut out = VecMap::new();
        for (p, m) in t.iter().enumerate() {
            if let Some(m) = m {
                out.insert(self.named(p as u32), members[*m].0.clone());
            }
        }
        out
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

/// Member numbers sorted by [`member_order`].
fn sorted_members(members: &[(String, Subscription)]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..members.len()).collect();
    sort_small_by(&mut order, |&a, &b| {
        member_order(&members[a], &members[b]) == Ordering::Less
    });
    order
}

/// `RangeAssignor`: per topic, its subscribers in member order take contiguous ranges;
/// the first `partitions % subscribers` take one more.
fn range(u: &Universe, members: &[(String, Subscription)]) -> Vec<Vec<u32>> {
    let mut out = alloc::vec![Vec::new(); members.len()];
    let order = sorted_members(members);
    for t in 0..u.topics.len() {
        let consumers: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&m| members[m].1.topics.contains(&u.topics[t]))
            .collect();
        if consumers.is_empty() {
            continue;
        }
        let n = consumers.len() as u32;
        let (per, extra) = (u.counts[t] / n, u.counts[t] % n);
        for (i, m) in consumers.into_iter().enumerate() {
            let i = i as u32;
            let start = u.first[t] + per * i + i.min(extra);
            let len = per + u32::from(i < extra);
            out[m].extend(start..start + len);
        }
    }
    out
}

/// `RoundRobinAssignor`: all partitions of all subscribed topics (topics by name) dealt
/// around the circle of members in member order, skipping members not subscribed to the
/// partition's topic. The pointer carries over from one topic to the next.
fn round_robin(u: &Universe, members: &[(String, Subscription)]) -> Vec<Vec<u32>> {
    let mut out = alloc::vec![Vec::new(); members.len()];
    let circle = sorted_members(members);
    if circle.is_empty() {
        return out;
    }
    let mut at = 0;
    for p in 0..u.total {
        let topic = &u.topics[u.topic_of(p)];
        while !members[circle[at]].1.topics.contains(topic) {
            at = (at + 1) % circle.len();
        }
        out[circle[at]].push(p);
        at = (at + 1) % circle.len();
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
    owned: Vec<Vec<u32>>,
    multiple_owners: Vec<bool>,
    max_generation: i32,
}

const DEFAULT_GENERATION: i32 = -1;

fn validate(u: &Universe, members: &[(String, Subscription)]) -> Validated {
    let mut v = Validated {
        all_equal: true,
        owned: alloc::vec![Vec::new(); members.len()],
        multiple_owners: alloc::vec![false; u.total as usize],
        max_generation: DEFAULT_GENERATION,
    };
    let mut topics: Option<Vec<&str>> = None;
    let mut owner_of: Vec<Option<usize>> = alloc::vec![None; u.total as usize];
    for i in java_member_order(members) {
        let sub = &members[i].1;
        let mut these: Vec<&str> = sub.topics.iter().map(String::as_str).collect();
        sort_small_by(&mut these, |a, b| a < b);
        these.dedup();
        match &topics {
            Some(first) if !first.is_empty() => {
                if *first != these {
                    v.all_equal = false;
                }
            }
            _ => topics = Some(these),
        }
        let generation = sub.generation.unwrap_or(DEFAULT_GENERATION);
        v.max_generation = v.max_generation.max(generation);
        for p in sub.owned_partitions.iter().filter_map(|tp| u.index(tp)) {
            match owner_of[p as usize] {
                None => {
                    v.owned[i].push(p);
                    owner_of[p as usize] = Some(i);
                }
                Some(other) => {
                    let other_generation =
                        members[other].1.generation.unwrap_or(DEFAULT_GENERATION);
                    if generation == other_generation {
                        v.multiple_owners[p as usize] = true;
                        remove_first(&mut v.owned[other], p);
                        owner_of[p as usize] = Some(i);
                    } else if generation > other_generation {
                        v.owned[i].push(p);
                        remove_first(&mut v.owned[other], p);
                        owner_of[p as usize] = Some(i);
                    }
                }
            }
        }
    }
    v
}

fn remove_first(list: &mut Vec<u32>, p: u32) {
    if let Some(i) = list.iter().position(|x| *x == p) {
        list.remove(i);
    }
}

/// Partition lists and, for the constrained builder, who each transferring partition
/// goes to.
type StickyResult = (Vec<Vec<u32>>, Option<Vec<Option<usize>>>);

fn sticky(u: &Universe, members: &[(String, Subscription)]) -> StickyResult {
    if members.is_empty() {
        return (Vec::new(), None);
    }
    let v = validate(u, members);
    if v.all_equal {
        constrained(u, members, v)
    } else {
        (General::new(u, members, &v).build(), None)
    }
}

/// The constrained builder, used when every member subscribes to the same topics:
/// members keep up to their quota of what they owned, then the rest is dealt round robin.
fn constrained(u: &Universe, members: &[(String, Subscription)], v: Validated) -> StickyResult {
    let total = u.total as usize;
    let n = members.len();
    let min_quota = total / n;
    let max_quota = total.div_ceil(n);
    let expected_over = total % n;
    let mut current_over = 0;

    let mut assignment: Vec<Vec<u32>> = alloc::vec![Vec::new(); n];
    let mut assigned = alloc::vec![false; total];
    let mut revoked = alloc::vec![false; total];
    let mut under_min: Vec<usize> = Vec::new();
    let mut exactly_min: Vec<usize> = Vec::new();

    for i in java_member_order(members) {
        let mut owned = v.owned[i].clone();
        // By partition number, then topic name.
        sort_small_by_key(&mut owned, |&p| (u.partition_of(p), u.topic_of(p)));
        owned.retain(|&p| !v.multiple_owners[p as usize]);
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
        for &p in &owned[keep..] {
            revoked[p as usize] = true;
        }
        for &p in &owned[..keep] {
            assigned[p as usize] = true;
        }
        owned.truncate(keep);
        assignment[i] = owned;
    }

    let by_id =
        |a: &usize, b: &usize| compare_strings(&members[*a].0, &members[*b].0) == Ordering::Less;
    sort_small_by(&mut under_min, by_id);
    sort_small_by(&mut exactly_min, by_id);

    let mut transferring: Vec<Option<usize>> = alloc::vec![None; total];
    // A cursor over `under_min` with Java's `Iterator` semantics: `next` and `remove`.
    let mut cursor = 0;
    for p in (0..u.total).filter(|p| !assigned[*p as usize]) {
        let member = if cursor < under_min.len() {
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
        assignment[member].push(p);
        if revoked[p as usize] || v.multiple_owners[p as usize] {
            transferring[p as usize] = Some(member);
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
    (assignment, Some(transferring))
}

/// `CooperativeStickyAssignor.computePartitionsTransferringOwnership`, for the general
/// builder: partitions newly assigned to one member that another member reported owning.
fn computed_transfers(
    u: &Universe,
    members: &[(String, Subscription)],
    lists: &[Vec<u32>],
) -> Vec<Option<usize>> {
    let mut added: Vec<Option<usize>> = alloc::vec![None; u.total as usize];
    let mut revoked = alloc::vec![false; u.total as usize];
    for (m, (_, sub)) in members.iter().enumerate() {
        let owned: Vec<u32> = sub
            .owned_partitions
            .iter()
            .filter_map(|tp| u.index(tp))
            .collect();
        for &p in &lists[m] {
            if !owned.contains(&p) {
                added[p as usize] = Some(m);
            }
        }
        for &p in &owned {
            if !lists[m].contains(&p) {
                revoked[p as usize] = true;
            }
        }
    }
    for (p, a) in added.iter_mut().enumerate() {
        if !revoked[p] {
            *a = None;
        }
    }
    added
}

/// A partition's move from one member to another, as `PartitionMovements` records it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Pair {
    src: usize,
    dst: usize,
}

/// The general builder, used when subscriptions differ: balance first, stickiness
/// second, with `PartitionMovements` keeping a partition from bouncing between two members.
struct General<'a> {
    u: &'a Universe,
    members: &'a [(String, Subscription)],
    /// topic → its potential consumers, in Kafka's member-map order.
    topic_consumers: Vec<Vec<usize>>,
    /// member → the subscribed topics that exist.
    member_topics: Vec<Vec<usize>>,
    /// member → its current list; `None` for a member set aside as fixed.
    current: Vec<Option<Vec<u32>>>,
    current_owner: Vec<Option<usize>>,
    sorted_partitions: Vec<u32>,
    /// Members in `sortedCurrentSubscriptions`.
    in_sorted: Vec<bool>,
    revocation_required: bool,
    prev: Vec<Option<(usize, i32)>>,
    movements: Vec<Option<Pair>>,
    /// (topic, pair) → the partitions of that topic that moved along that pair.
    movements_by_topic: Vec<(usize, Pair, JavaHashSet<u32>)>,
}

impl<'a> General<'a> {
    fn new(u: &'a Universe, members: &'a [(String, Subscription)], v: &Validated) -> Self {
        let order = java_member_order(members);
        let mut topic_consumers: Vec<Vec<usize>> = alloc::vec![Vec::new(); u.topics.len()];
        let mut member_topics = alloc::vec![Vec::new(); members.len()];
        for &i in &order {
            for t in &members[i].1.topics {
                if let Some(t) = u.topic(t) {
                    member_topics[i].push(t);
                    topic_consumers[t].push(i);
                }
            }
        }
        let current: Vec<Option<Vec<u32>>> = v.owned.iter().map(|o| Some(o.clone())).collect();
        let mut current_owner = alloc::vec![None; u.total as usize];
        for (i, list) in current.iter().enumerate() {
            for &p in list.iter().flatten() {
                current_owner[p as usize] = Some(i);
            }
        }
        // Topics by (number of potential consumers, name); names are in order already.
        let mut topics: Vec<usize> = (0..u.topics.len()).collect();
        sort_small_by_key(&mut topics, |&t| (topic_consumers[t].len(), t));
        let sorted_partitions = topics.iter().flat_map(|&t| u.partitions_of(t)).collect();
        // prepopulateCurrentAssignments: the latest earlier owner of each partition.
        let mut prev: Vec<Option<(usize, i32)>> = alloc::vec![None; u.total as usize];
        for &i in &order {
            let sub = &members[i].1;
            let generation = match sub.generation {
                Some(g) if g < v.max_generation => g,
                None if v.max_generation > DEFAULT_GENERATION => DEFAULT_GENERATION,
                _ => continue,
            };
            for p in sub.owned_partitions.iter().filter_map(|tp| u.index(tp)) {
                let slot = &mut prev[p as usize];
                if slot.is_none_or(|(_, g)| generation > g) {
                    *slot = Some((i, generation));
                }
            }
        }
        General {
            u,
            members,
            topic_consumers,
            member_topics,
            current,
            current_owner,
            sorted_partitions,
            in_sorted: alloc::vec![false; members.len()],
            revocation_required: false,
            prev,
            movements: alloc::vec![None; u.total as usize],
            movements_by_topic: Vec::new(),
        }
    }

    fn size(&self, m: usize) -> usize {
        self.current[m].as_ref().map_or(0, Vec::len)
    }

    /// `sortedCurrentSubscriptions` in order: by assigned count, then member id.
    fn sorted(&self) -> Vec<usize> {
        let mut v: Vec<usize> = (0..self.members.len())
            .filter(|m| self.in_sorted[*m])
            .collect();
        sort_small_by(&mut v, |&a, &b| {
            self.size(a)
                .cmp(&self.size(b))
                .then_with(|| compare_strings(&self.members[a].0, &self.members[b].0))
                == Ordering::Less
        });
        v
    }

    fn subscribes(&self, m: usize, topic: usize) -> bool {
        self.member_topics[m].contains(&topic)
    }

    fn build(mut self) -> Vec<Vec<u32>> {
        // assignOwnedPartitions: keep what each member still subscribes to.
        let mut assigned = alloc::vec![false; self.u.total as usize];
        for m in 0..self.members.len() {
            let list = self.current[m].take().unwrap_or_default();
            let mut kept = Vec::new();
            for p in list {
                if !self.subscribes(m, self.u.topic_of(p)) {
                    self.revocation_required = true;
                } else {
                    assigned[p as usize] = true;
                    kept.push(p);
                }
            }
            self.current[m] = Some(kept);
        }
        let mut unassigned: Vec<u32> = self
            .sorted_partitions
            .iter()
            .copied()
            .filter(|p| !assigned[*p as usize])
            .collect();
        self.in_sorted = alloc::vec![true; self.members.len()];
        self.balance(&mut unassigned);
        self.current
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect()
    }

    fn balance(&mut self, unassigned: &mut Vec<u32>) {
        let initializing = self.sorted().last().is_none_or(|&m| self.size(m) == 0);
        for &p in unassigned.iter() {
            let t = self.u.topic_of(p);
            if self.topic_consumers[t].is_empty() {
                continue;
            }
            if let Some(m) = self.sorted().into_iter().find(|&m| self.subscribes(m, t)) {
                self.current[m].as_mut().expect("in the sorted set").push(p);
                self.current_owner[p as usize] = Some(m);
            }
        }
        // Partitions of topics with fewer than two potential consumers cannot move.
        let fixed = |g: &Self, p: &u32| g.topic_consumers[g.u.topic_of(*p)].len() < 2;
        let sorted: Vec<u32> = self
            .sorted_partitions
            .iter()
            .copied()
            .filter(|p| !fixed(self, p))
            .collect();
        self.sorted_partitions = sorted;
        let kept: Vec<u32> = unassigned
            .iter()
            .copied()
            .filter(|p| !fixed(self, p))
            .collect();
        *unassigned = kept;
        // Members that cannot gain or lose anything are set aside.
        let mut set_aside: Vec<(usize, Vec<u32>)> = Vec::new();
        for m in 0..self.members.len() {
            if !self.can_participate(m) {
                self.in_sorted[m] = false;
                set_aside.push((m, self.current[m].take().unwrap_or_default()));
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
        for (m, list) in set_aside {
            self.current[m] = Some(list);
            self.in_sorted[m] = true;
        }
    }

    fn max_assignment_size(&self, m: usize) -> usize {
        self.member_topics[m]
            .iter()
            .map(|&t| self.u.counts[t] as usize)
            .sum()
    }

    fn can_participate(&self, m: usize) -> bool {
        if self.size(m) < self.max_assignment_size(m) {
            return true;
        }
        self.current[m]
            .iter()
            .flatten()
            .any(|&p| self.topic_consumers[self.u.topic_of(p)].len() >= 2)
    }

    fn is_balanced(&self) -> bool {
        let sorted = self.sorted();
        let (Some(&first), Some(&last)) = (sorted.first(), sorted.last()) else {
            return true;
        };
        if self.size(first) + 1 >= self.size(last) {
            return true;
        }
        let mut owner: Vec<Option<usize>> = alloc::vec![None; self.u.total as usize];
        for (m, list) in self.current.iter().enumerate() {
            for &p in list.iter().flatten() {
                owner[p as usize] = Some(m);
            }
        }
        for &m in &sorted {
            let count = self.size(m);
            if count == self.max_assignment_size(m) {
                continue;
            }
            let mine = self.current[m].as_deref().unwrap_or(&[]);
            for &t in &self.member_topics[m] {
                for p in self.u.partitions_of(t) {
                    if mine.contains(&p) {
                        continue;
                    }
                    if let Some(other) = owner[p as usize] {
                        if count + 1 < self.size(other) {
                            return false;
                        }
                    }
                }
            }
        }
        true
    }

    fn perform_reassignments(&mut self, partitions: &[u32]) -> bool {
        let mut performed = false;
        loop {
            let mut modified = false;
            for &p in partitions {
                if self.is_balanced() {
                    break;
                }
                let Some(owner) = self.current_owner[p as usize] else {
                    continue;
                };
                if let Some((prev_owner, _)) = self.prev[p as usize] {
                    if self.current[prev_owner].is_some()
                        && self.size(owner) > self.size(prev_owner) + 1
                    {
                        self.reassign_to(p, prev_owner);
                        performed = true;
                        modified = true;
                        continue;
                    }
                }
                let t = self.u.topic_of(p);
                let better = self.topic_consumers[t]
                    .iter()
                    .any(|&other| self.size(owner) > self.size(other) + 1);
                if better {
                    let new_owner = self
                        .sorted()
                        .into_iter()
                        .find(|&m| self.subscribes(m, t))
                        .expect("a potential consumer exists");
                    self.reassign_to(p, new_owner);
                    performed = true;
                    modified = true;
                }
            }
            if !modified {
                return performed;
            }
        }
    }

    /// `reassignPartition(partition, newConsumer)`: moves `p`, or the partition of the
    /// same topic that moved the opposite way before, so no two members trade partitions.
    fn reassign_to(&mut self, p: u32, new_owner: usize) {
        let owner = self.current_owner[p as usize].expect("assigned");
        let to_move = self.actual_partition_to_move(p, owner, new_owner);
        let old_owner = self.current_owner[to_move as usize].expect("assigned");
        self.move_partition(to_move, old_owner, new_owner);
        remove_first(
            self.current[old_owner].as_mut().expect("participating"),
            to_move,
        );
        self.current[new_owner]
            .as_mut()
            .expect("participating")
            .push(to_move);
        self.current_owner[to_move as usize] = Some(new_owner);
    }

    fn movements_of(&self, topic: usize, pair: Pair) -> Option<usize> {
        self.movements_by_topic
            .iter()
            .position(|(t, q, _)| *t == topic && *q == pair)
    }

    fn actual_partition_to_move(&self, p: u32, mut old: usize, new: usize) -> u32 {
        let t = self.u.topic_of(p);
        if !self.movements_by_topic.iter().any(|(x, _, _)| *x == t) {
            return p;
        }
        if let Some(pair) = self.movements[p as usize] {
            old = pair.src;
        }
        self.movements_of(t, Pair { src: new, dst: old })
            .and_then(|i| self.movements_by_topic[i].2.first().copied())
            .unwrap_or(p)
    }

    fn move_partition(&mut self, p: u32, old: usize, new: usize) {
        if let Some(existing) = self.remove_movement(p) {
            if existing.src != new {
                self.add_movement(
                    p,
                    Pair {
                        src: existing.src,
                        dst: new,
                    },
                );
            }
        } else {
            self.add_movement(p, Pair { src: old, dst: new });
        }
    }

    fn remove_movement(&mut self, p: u32) -> Option<Pair> {
        let pair = self.movements[p as usize].take()?;
        if let Some(i) = self.movements_of(self.u.topic_of(p), pair) {
            self.movements_by_topic[i].2.remove(&p);
            if self.movements_by_topic[i].2.is_empty() {
                self.movements_by_topic.remove(i);
            }
        }
        Some(pair)
    }

    fn add_movement(&mut self, p: u32, pair: Pair) {
        self.movements[p as usize] = Some(pair);
        let t = self.u.topic_of(p);
        let i = match self.movements_of(t, pair) {
            Some(i) => i,
            None => {
                self.movements_by_topic.push((t, pair, JavaHashSet::new()));
                self.movements_by_topic.len() - 1
            }
        };
        let hash = self.u.named(p).java_hash();
        self.movements_by_topic[i].2.insert(hash, p);
    }
}

/// The sum over all pairs of members of the difference in their partition counts.
fn balance_score(current: &[Option<Vec<u32>>]) -> usize {
    let sizes: Vec<usize> = current.iter().flatten().map(Vec::len).collect();
    let mut score = 0;
    for (i, a) in sizes.iter().enumerate() {
        for b in &sizes[i + 1..] {
            score += a.abs_diff(*b);
        }
    }
    score
}

/// A field of the consumer protocol's bytes: its name, where it lies, its value as text.
pub type ProtocolField = (&'static str, u32, u32, String);

/// Bytes in Kafka's non-flexible encoding (int16-length strings, int32-length arrays and
/// bytes), each field noted where it lies.
struct Classic<'a> {
    out: Vec<u8>,
    fields: Option<&'a mut Vec<ProtocolField>>,
}

impl Classic<'_> {
    fn put(&mut self, name: &'static str, value: impl FnOnce() -> String, bytes: &[u8]) {
        let start = self.out.len() as u32;
        self.out.extend_from_slice(bytes);
        if let Some(f) = self.fields.as_deref_mut() {
            f.push((name, start, self.out.len() as u32, value()));
        }
    }
}

/// Partitions grouped by topic, as the consumer protocol lists them: an int32 count of
/// topics, each an int16-length name and an int32 count of int32 partitions.
pub fn classic_partitions(out: &mut Vec<u8>, topics: &[(&str, Vec<i32>)]) {
    out.extend_from_slice(&(topics.len() as i32).to_be_bytes());
    for (t, ps) in topics {
        classic_string(out, t);
        out.extend_from_slice(&(ps.len() as i32).to_be_bytes());
        for p in ps {
            out.extend_from_slice(&p.to_be_bytes());
        }
    }
}

/// A string in Kafka's non-flexible encoding: its int16 length, then its bytes.
pub fn classic_string(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as i16).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Partitions grouped by topic, topics in the order they first appear.
pub fn by_topic<'a>(
    partitions: impl IntoIterator<Item = (&'a str, i32)>,
) -> Vec<(&'a str, Vec<i32>)> {
    let mut topics: Vec<(&str, Vec<i32>)> = Vec::new();
    for (topic, p) in partitions {
        match topics.iter_mut().find(|t| t.0 == topic) {
            Some(t) => t.1.push(p),
            None => topics.push((topic, alloc::vec![p])),
        }
    }
    topics
}

fn grouped(partitions: &[NamedPartition]) -> Vec<(&str, Vec<i32>)> {
    by_topic(partitions.iter().map(|p| (p.topic.as_str(), p.partition)))
}

/// `ConsumerProtocolSubscription` v3, as the consumer puts it in JoinGroup's protocol
/// metadata for `assignor`, with the assignor's `UserData`: the generation for
/// cooperative-sticky (`CooperativeStickyAssignor.subscriptionUserData`); for sticky, the
/// previous assignment and generation once it had one
/// (`StickyAssignor.serializeTopicPartitionAssignment`). An eager member revoked what it
/// owned before it joined: its `OwnedPartitions` is empty.
pub fn subscription_bytes(
    s: &Subscription,
    assignor: AssignorKind,
    fields: Option<&mut Vec<ProtocolField>>,
) -> Vec<u8> {
    use alloc::format;
    use alloc::string::ToString;
    let mut c = Classic {
        out: Vec::new(),
        fields,
    };
    c.put("Version", || "3".to_string(), &3i16.to_be_bytes());
    let mut b = (s.topics.len() as i32).to_be_bytes().to_vec();
    for t in &s.topics {
        classic_string(&mut b, t);
    }
    c.put("Topics", || format!("{:?}", s.topics), &b);
    let generation = s.generation.unwrap_or(-1);
    let user_data = match assignor {
        AssignorKind::CooperativeSticky => Some(generation.to_be_bytes().to_vec()),
        AssignorKind::Sticky if !s.owned_partitions.is_empty() => {
            let mut d = Vec::new();
            classic_partitions(&mut d, &grouped(&s.owned_partitions));
            d.extend_from_slice(&generation.to_be_bytes());
            Some(d)
        }
        _ => None,
    };
    match user_data {
        None => c.put("UserData", || "null".to_string(), &(-1i32).to_be_bytes()),
        Some(d) => {
            let mut b = (d.len() as i32).to_be_bytes().to_vec();
            b.extend_from_slice(&d);
            c.put("UserData", || format!("{} B", d.len()), &b);
        }
    }
    let owned: &[NamedPartition] = match assignor {
        AssignorKind::CooperativeSticky => &s.owned_partitions,
        _ => &[],
    };
    let mut b = Vec::new();
    classic_partitions(&mut b, &grouped(owned));
    c.put(
        "OwnedPartitions",
        || format!("{} partitions", owned.len()),
        &b,
    );
    c.put(
        "GenerationId",
        || generation.to_string(),
        &generation.to_be_bytes(),
    );
    c.put("RackId", || "null".to_string(), &(-1i16).to_be_bytes());
    c.out
}

/// `ConsumerProtocolAssignment` v3, as SyncGroup carries a member's assignment (the
/// assignors' own `UserData` is not modelled: null).
pub fn assignment_bytes(
    topics: &[(&str, Vec<i32>)],
    fields: Option<&mut Vec<ProtocolField>>,
) -> Vec<u8> {
    use alloc::string::ToString;
    let mut c = Classic {
        out: Vec::new(),
        fields,
    };
    c.put("Version", || "3".to_string(), &3i16.to_be_bytes());
    let mut b = Vec::new();
    classic_partitions(&mut b, topics);
    let text = || {
        let list: Vec<String> = topics
            .iter()
            .flat_map(|(t, ps)| ps.iter().map(move |p| alloc::format!("{t}-{p}")))
            .collect();
        list.join(", ")
    };
    c.put("AssignedPartitions", text, &b);
    c.put("UserData", || "null".to_string(), &(-1i32).to_be_bytes());
    c.out
}

#[cfg(test)]
mod list_tests {
    use super::AssignorKind::*;
    use super::*;

    fn list(kinds: &[AssignorKind]) -> AssignorList {
        AssignorList::new(kinds).unwrap()
    }

    #[test]
    fn the_group_takes_the_most_voted_assignor_all_members_list() {
        let default = list(&[Range, CooperativeSticky]);
        assert_eq!(AssignorList::select(&[default; 3]), Some(Range));
        // A member that lists only range leaves range the only candidate.
        let upgraded = list(&[CooperativeSticky, Range]);
        assert_eq!(
            AssignorList::select(&[upgraded, upgraded, Range.into()]),
            Some(Range)
        );
        // Everyone lists both: two votes for cooperative-sticky beat one for range.
        assert_eq!(
            AssignorList::select(&[upgraded, upgraded, default]),
            Some(CooperativeSticky)
        );
        // No assignor common to all.
        assert_eq!(
            AssignorList::select(&[Range.into(), CooperativeSticky.into()]),
            None
        );
    }

    #[test]
    fn a_tie_goes_to_the_assignor_a_java_hash_map_of_votes_iterates_first() {
        // "sticky" hashes to bucket 8, "range" to 9, "roundrobin" to 10 and
        // "cooperative-sticky" to 15 of a 16-bucket table.
        let a = list(&[CooperativeSticky, Range]);
        let b = list(&[Range, CooperativeSticky]);
        assert_eq!(AssignorList::select(&[a, b]), Some(Range));
        assert_eq!(AssignorList::select(&[b, a]), Some(Range));
        let c = list(&[RoundRobin, Sticky]);
        let d = list(&[Sticky, RoundRobin]);
        assert_eq!(AssignorList::select(&[c, d]), Some(Sticky));
    }

    #[test]
    fn a_member_is_cooperative_only_when_every_assignor_it_lists_is() {
        assert_eq!(
            list(&[CooperativeSticky, Range]).rebalance_protocol(),
            RebalanceProtocol::Eager
        );
        assert_eq!(
            AssignorList::from(CooperativeSticky).rebalance_protocol(),
            RebalanceProtocol::Cooperative
        );
    }

    #[test]
    fn a_group_admits_a_member_sharing_an_assignor_with_all_of_its_members() {
        let range = AssignorList::from(Range);
        let coop = AssignorList::from(CooperativeSticky);
        let both = list(&[CooperativeSticky, Range]);
        assert!(coop.supported_by(&[]));
        assert!(!coop.supported_by(&[range, range]));
        assert!(both.supported_by(&[range, range]));
        assert!(coop.supported_by(&[both, both]));
        assert!(!coop.supported_by(&[both, range]));
    }

    #[test]
    fn lists_parse_and_print_as_kafka_writes_them() {
        let l = AssignorList::parse(
            "cooperative-sticky, org.apache.kafka.clients.consumer.RangeAssignor",
        )
        .unwrap();
        assert_eq!(l.name(), "cooperative-sticky,range");
        assert_eq!(
            AssignorList::parse("range,range").unwrap_err(),
            "The assignor name: 'range' is used in more than one assignor: \
             org.apache.kafka.clients.consumer.RangeAssignor, \
             org.apache.kafka.clients.consumer.RangeAssignor"
        );
        assert!(AssignorList::parse("")
            .unwrap_err()
            .starts_with("Must configure"));
        assert_eq!(
            AssignorList::parse("fair").unwrap_err(),
            "Class fair cannot be found"
        );
    }
}
