//! How the producer picks a partition, in Kafka's order
//! (`KafkaProducer.partition`): an explicit partition wins; a configured partitioner class
//! comes next; then a key is hashed with murmur2; a keyless record goes to the built-in
//! uniform sticky partitioner (KIP-794) inside the record accumulator.
//!
//! Three partitioners live here, each a faithful port of Kafka's rules:
//! - [`BuiltInPartitioner`]: KIP-794's uniform sticky partitioner, switching after
//!   `batch.size` bytes (deferred while the last batch still has room), with adaptive
//!   partitioning weighted by queue sizes and `partitioner.availability.timeout.ms`;
//! - [`StickyPartitionCache`]: KIP-480's older sticky cache behind the deprecated
//!   `DefaultPartitioner` and `UniformStickyPartitioner`, switching on every new batch;
//! - [`RoundRobinPartitioner`]: a per-topic counter over the available partitions,
//!   including the KAFKA-9965 skip (see [`crate::producer`]).
//!
//! Randomness comes from a [`RandomSource`] the caller passes in.

use alloc::vec::Vec;

use crate::murmur2::to_positive;
use crate::rng::RandomSource;

/// `partitioner.class`, as far as kscope models it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum PartitionerKind {
    /// No `partitioner.class`: keys are hashed, keyless records use the built-in uniform
    /// sticky partitioner of KIP-794. Kafka's default since 3.3.
    #[default]
    BuiltIn,
    /// `org.apache.kafka.clients.producer.RoundRobinPartitioner`: ignores keys.
    RoundRobin,
    /// `UniformStickyPartitioner` (KIP-480, deprecated): ignores keys, switches partition
    /// on every new batch.
    UniformSticky,
    /// `DefaultPartitioner` (deprecated): hashes keys; keyless records use the KIP-480
    /// sticky cache.
    LegacyDefault,
}

impl PartitionerKind {
    /// The value as the page's URL and Kafka's docs write it.
    pub fn name(self) -> &'static str {
        match self {
            PartitionerKind::BuiltIn => "builtin",
            PartitionerKind::RoundRobin => "roundrobin",
            PartitionerKind::UniformSticky => "uniformsticky",
            PartitionerKind::LegacyDefault => "default",
        }
    }
    pub fn parse(s: &str) -> Option<PartitionerKind> {
        Some(match s {
            "builtin" => PartitionerKind::BuiltIn,
            "roundrobin" | "org.apache.kafka.clients.producer.RoundRobinPartitioner" => {
                PartitionerKind::RoundRobin
            }
            "uniformsticky" | "org.apache.kafka.clients.producer.UniformStickyPartitioner" => {
                PartitionerKind::UniformSticky
            }
            "default" | "org.apache.kafka.clients.producer.internals.DefaultPartitioner" => {
                PartitionerKind::LegacyDefault
            }
            _ => return None,
        })
    }
    /// True when Kafka would call a partitioner class (and so append with
    /// `abortOnNewBatch = true`).
    pub fn is_custom_class(self) -> bool {
        self != PartitionerKind::BuiltIn
    }
}

/// The sticky partition the built-in partitioner currently fills. `generation` stands in
/// for Java's object identity: `isPartitionChanged` compares references.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StickyPartitionInfo {
    pub partition: u32,
    pub generation: u64,
}

/// Queue-size weights for adaptive partitioning: a cumulative frequency table over the
/// first `length` entries of `partition_ids`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionLoadStats {
    pub cumulative_frequency_table: Vec<u32>,
    pub partition_ids: Vec<u32>,
    pub length: usize,
}

/// KIP-794's built-in uniform sticky partitioner for one topic
/// (`BuiltInPartitioner.java`).
#[derive(Clone, Debug)]
pub struct BuiltInPartitioner {
    sticky_batch_size: u32,
    current: Option<(StickyPartitionInfo, u32)>,
    generations: u64,
    load_stats: Option<PartitionLoadStats>,
}

impl BuiltInPartitioner {
    /// `batch_size` is the producer's `batch.size`; 0 counts as 1, as in Kafka.
    pub fn new(batch_size: u32) -> BuiltInPartitioner {
        BuiltInPartitioner {
            sticky_batch_size: batch_size.max(1),
            current: None,
            generations: 0,
            load_stats: None,
        }
    }

    /// The partition keyless records currently stick to, once one was chosen.
    pub fn current_partition(&self) -> Option<u32> {
        self.current.map(|(info, _)| info.partition)
    }

    pub fn load_stats(&self) -> Option<&PartitionLoadStats> {
        self.load_stats.as_ref()
    }

    /// Picks the next sticky partition (`nextPartition`): uniformly among the available
    /// partitions (all partitions if none is available), or weighted by the load stats.
    pub fn next_partition(
        &self,
        available: &[u32],
        num_partitions: u32,
        random: &mut dyn RandomSource,
    ) -> u32 {
        let r = to_positive(random.next_int()) as u32;
        match &self.load_stats {
            None if !available.is_empty() => available[(r % available.len() as u32) as usize],
            None => r % num_partitions,
            Some(stats) => {
                let table = &stats.cumulative_frequency_table[..stats.length];
                let weighted = r % table[stats.length - 1];
                // Java's Arrays.binarySearch then abs(result + 1): an exact hit moves to
                // the next slot, a miss takes the insertion point.
                let index = table.partition_point(|&f| f <= weighted);
                stats.partition_ids[index]
            }
        }
    }

    /// The current sticky partition, choosing one first if there is none
    /// (`peekCurrentPartitionInfo`).
    pub fn peek_current(
        &mut self,
        available: &[u32],
        num_partitions: u32,
        random: &mut dyn RandomSource,
    ) -> StickyPartitionInfo {
        if let Some((info, _)) = self.current {
            return info;
        }
        let partition = self.next_partition(available, num_partitions, random);
        self.install(partition)
    }

    fn install(&mut self, partition: u32) -> StickyPartitionInfo {
        self.generations += 1;
        let info = StickyPartitionInfo {
            partition,
            generation: self.generations,
        };
        self.current = Some((info, 0));
        info
    }

    /// True if the sticky partition moved on since `info` was peeked
    /// (`isPartitionChanged`).
    pub fn is_partition_changed(&self, info: StickyPartitionInfo) -> bool {
        self.current.map(|(c, _)| c) != Some(info)
    }

    /// Counts `appended_bytes` against the sticky partition and switches once it has
    /// received `batch.size` bytes and `enable_switch` (its last batch is full), or
    /// `2 * batch.size` bytes regardless (`updatePartitionInfo`).
    pub fn update_partition_info(
        &mut self,
        info: StickyPartitionInfo,
        appended_bytes: u32,
        enable_switch: bool,
        available: &[u32],
        num_partitions: u32,
        random: &mut dyn RandomSource,
    ) {
        let Some((current, produced)) = self.current.as_mut() else {
            return;
        };
        if *current != info {
            return;
        }
        *produced = produced.saturating_add(appended_bytes);
        let produced = *produced;
        if (produced >= self.sticky_batch_size && enable_switch)
            || produced >= self.sticky_batch_size.saturating_mul(2)
        {
            let next = self.next_partition(available, num_partitions, random);
            self.install(next);
        }
    }

    /// Rebuilds the adaptive weights from queue sizes (`updatePartitionLoadStats`):
    /// `queue_sizes[i]` batches wait for `partition_ids[i]`; only the first `length`
    /// entries take part (the rest were excluded by the availability timeout).
    pub fn update_partition_load_stats(
        &mut self,
        queue_sizes: Option<&[u32]>,
        partition_ids: &[u32],
        length: usize,
    ) {
        self.load_stats = queue_sizes.and_then(|q| load_stats(q, partition_ids, length));
    }
}

/// The cumulative frequency table of adaptive partitioning, or `None` where Kafka falls
/// back to uniform choice (nothing left, fewer than 2 partitions, or all queues equal with
/// nothing excluded).
pub fn load_stats(
    queue_sizes: &[u32],
    partition_ids: &[u32],
    length: usize,
) -> Option<PartitionLoadStats> {
    debug_assert_eq!(queue_sizes.len(), partition_ids.len());
    if length < 1 || queue_sizes.len() < 2 || length > queue_sizes.len() {
        return None;
    }
    let head = &queue_sizes[..length];
    let max_plus_1 = head.iter().copied().max().unwrap_or(0) + 1;
    let all_equal = head.iter().all(|&q| q == head[0]);
    if all_equal && length == queue_sizes.len() {
        return None;
    }
    let mut table = Vec::with_capacity(length);
    let mut running = 0u32;
    for &q in head {
        running += max_plus_1 - q;
        table.push(running);
    }
    Some(PartitionLoadStats {
        cumulative_frequency_table: table,
        partition_ids: partition_ids.to_vec(),
        length,
    })
}

/// The inputs of adaptive partitioning as `RecordAccumulator.partitionReady` gathers
/// them: for each partition with a known leader, in metadata order, `(partition, queued
/// batches, excluded)`, where `excluded` means its leader was not drained for longer than
/// `partitioner.availability.timeout.ms`. Excluded partitions leave the table; the arrays
/// keep their full length and `length` counts the entries in use.
pub fn adaptive_inputs(partitions: &[(u32, u32, bool)]) -> (Vec<u32>, Vec<u32>, usize) {
    let mut sizes = alloc::vec![0; partitions.len()];
    let mut ids = alloc::vec![0; partitions.len()];
    let mut length = 0;
    for &(p, queued, excluded) in partitions {
        if excluded {
            continue;
        }
        sizes[length] = queued;
        ids[length] = p;
        length += 1;
    }
    (sizes, ids, length)
}

/// KIP-480's sticky partition cache for one topic (`StickyPartitionCache.java`).
#[derive(Clone, Debug, Default)]
pub struct StickyPartitionCache {
    current: Option<u32>,
}

impl StickyPartitionCache {
    pub fn current(&self) -> Option<u32> {
        self.current
    }

    /// `partition(topic, cluster)`: the cached partition, choosing one if there is none.
    pub fn partition(
        &mut self,
        available: &[u32],
        num_partitions: u32,
        random: &mut dyn RandomSource,
    ) -> u32 {
        match self.current {
            Some(p) => p,
            None => self.next_partition(None, available, num_partitions, random),
        }
    }

    /// `nextPartition(topic, cluster, prevPartition)`: switches only if the cache is empty
    /// or still holds `prev`; draws until the new partition differs from the old one when
    /// two or more are available.
    pub fn next_partition(
        &mut self,
        prev: Option<u32>,
        available: &[u32],
        num_partitions: u32,
        random: &mut dyn RandomSource,
    ) -> u32 {
        let old = self.current;
        if old.is_some() && old != prev {
            return old.unwrap_or(0);
        }
        let new = match available.len() {
            0 => (to_positive(random.next_int()) as u32) % num_partitions,
            1 => available[0],
            n => loop {
                let r = to_positive(random.next_int()) as u32;
                let candidate = available[(r % n as u32) as usize];
                if Some(candidate) != old {
                    break candidate;
                }
            },
        };
        self.current = Some(new);
        new
    }
}

/// `RoundRobinPartitioner` for one topic: a counter that every call advances.
#[derive(Clone, Debug, Default)]
pub struct RoundRobinPartitioner {
    counter: i32,
}

impl RoundRobinPartitioner {
    pub fn partition(&mut self, available: &[u32], num_partitions: u32) -> u32 {
        let v = to_positive(self.counter) as u32;
        self.counter = self.counter.wrapping_add(1);
        if available.is_empty() {
            v % num_partitions
        } else {
            available[(v % available.len() as u32) as usize]
        }
    }
}
