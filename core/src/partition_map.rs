//! `PartitionMap`: values by topic partition, stored densely (a vector per topic,
//! indexed by partition number) instead of searched for. It behaves as an ordered map from
//! `TopicPartition` (iteration in topic, then partition order, over the partitions that
//! have a value); the producer's accumulator looks its deques up several times per record,
//! where a sorted map's binary search was a measurable share of the simulation's time.

use alloc::vec::Vec;
use core::ops::Index;

use crate::ids::{TopicId, TopicPartition};

#[derive(Clone, Debug)]
pub struct PartitionMap<V> {
    topics: Vec<Vec<Option<V>>>,
    len: usize,
}

impl<V> Default for PartitionMap<V> {
    fn default() -> Self {
        PartitionMap {
            topics: Vec::new(),
            len: 0,
        }
    }
}

impl<V> PartitionMap<V> {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many partitions have a value.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, tp: &TopicPartition) -> Option<&V> {
        self.topics
            .get(tp.topic.0 as usize)?
            .get(tp.partition as usize)?
            .as_ref()
    }

    pub fn get_mut(&mut self, tp: &TopicPartition) -> Option<&mut V> {
        self.topics
            .get_mut(tp.topic.0 as usize)?
            .get_mut(tp.partition as usize)?
            .as_mut()
    }

    pub fn contains_key(&self, tp: &TopicPartition) -> bool {
        self.get(tp).is_some()
    }

    /// The value of `tp`, made with `make` if it has none.
    pub fn get_or_insert_with(&mut self, tp: TopicPartition, make: impl FnOnce() -> V) -> &mut V {
        let (t, p) = (tp.topic.0 as usize, tp.partition as usize);
        if self.topics.len() <= t {
            self.topics.resize_with(t + 1, Vec::new);
        }
        let partitions = &mut self.topics[t];
        if partitions.len() <= p {
            partitions.resize_with(p + 1, || None);
        }
        let slot = &mut partitions[p];
        if slot.is_none() {
            self.len += 1;
        }
        slot.get_or_insert_with(make)
    }

    /// The partitions with a value and their values, in topic, then partition order.
    pub fn iter(&self) -> impl Iterator<Item = (TopicPartition, &V)> + '_ {
        self.topics.iter().enumerate().flat_map(|(t, ps)| {
            ps.iter().enumerate().filter_map(move |(p, v)| {
                v.as_ref()
                    .map(|v| (TopicPartition::new(TopicId(t as u32), p as u32), v))
            })
        })
    }

    pub fn values(&self) -> impl Iterator<Item = &V> + '_ {
        self.topics.iter().flatten().flatten()
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> + '_ {
        self.topics.iter_mut().flatten().flatten()
    }
}

impl<V: Default> PartitionMap<V> {
    /// The value of `tp`, a default one if it has none.
    pub fn or_default(&mut self, tp: TopicPartition) -> &mut V {
        self.get_or_insert_with(tp, V::default)
    }
}

impl<V> Index<&TopicPartition> for PartitionMap<V> {
    type Output = V;
    fn index(&self, tp: &TopicPartition) -> &V {
        self.get(tp).expect("a partition with a value")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vecmap::VecMap;

    /// The same insertions into a `PartitionMap` and a `VecMap` leave the same entries in
    /// the same order.
    #[test]
    fn behaves_as_an_ordered_map() {
        let mut d: PartitionMap<u32> = PartitionMap::new();
        let mut v: VecMap<TopicPartition, u32> = VecMap::new();
        let mut x = 11u32;
        for i in 0..500u32 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let tp = TopicPartition::new(TopicId((x >> 8) % 4), (x >> 16) % 30);
            *d.or_default(tp) += i;
            *v.entry(tp).or_default() += i;
            assert_eq!(d.len(), v.len());
            assert_eq!(d.get(&tp), v.get(&tp));
        }
        let dense: Vec<(TopicPartition, u32)> = d.iter().map(|(k, v)| (k, *v)).collect();
        let sorted: Vec<(TopicPartition, u32)> = v.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(dense, sorted);
        assert_eq!(
            d.values().copied().collect::<Vec<_>>(),
            v.values().copied().collect::<Vec<_>>()
        );
        assert!(!d.contains_key(&TopicPartition::new(TopicId(9), 0)));
    }
}
