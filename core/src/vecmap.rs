//! Ordered maps and sets kept as vectors sorted by key.
//!
//! They iterate in key order exactly as `BTreeMap` and `BTreeSet` do, and offer the part
//! of their interface kscope uses, in a fraction of the code: every `BTreeMap<K, V>`
//! type brings its own copy of the B-tree's node handling into the page's WebAssembly,
//! while a sorted vector needs a binary search and `Vec::insert`. Lookups are
//! O(log n) and insertions and removals O(n), which suits the simulation's many small
//! maps (brokers, partitions, consumers, requests in flight per broker). Maps that grow
//! large (the network's messages in flight) stay `BTreeMap`s.

use alloc::vec::Vec;
use core::borrow::Borrow;
use core::fmt;
use core::iter::Map;
use core::ops::Index;
use core::slice;

/// A map kept as a vector of entries sorted by key.
#[derive(Clone, PartialEq, Eq)]
pub struct VecMap<K, V> {
    entries: Vec<(K, V)>,
}

/// The entries of a [`VecMap`], by reference, in key order.
pub type Iter<'a, K, V> = Map<slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;
/// The entries of a [`VecMap`], values mutable, in key order.
pub type IterMut<'a, K, V> =
    Map<slice::IterMut<'a, (K, V)>, fn(&'a mut (K, V)) -> (&'a K, &'a mut V)>;

/// The keys of a [`VecMap`], in order.
pub type Keys<'a, K, V> = Map<slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> &'a K>;
/// The values of a [`VecMap`], in key order.
pub type Values<'a, K, V> = Map<slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> &'a V>;
/// The values of a [`VecMap`], mutable, in key order.
pub type ValuesMut<'a, K, V> = Map<slice::IterMut<'a, (K, V)>, fn(&'a mut (K, V)) -> &'a mut V>;

fn pair<K, V>(e: &(K, V)) -> (&K, &V) {
    (&e.0, &e.1)
}
fn pair_mut<K, V>(e: &mut (K, V)) -> (&K, &mut V) {
    (&e.0, &mut e.1)
}
fn key<K, V>(e: &(K, V)) -> &K {
    &e.0
}
fn value<K, V>(e: &(K, V)) -> &V {
    &e.1
}
fn value_mut<K, V>(e: &mut (K, V)) -> &mut V {
    &mut e.1
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap {
            entries: Vec::new(),
        }
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for VecMap<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K, V> VecMap<K, V> {
    pub const fn new() -> Self {
        VecMap {
            entries: Vec::new(),
        }
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    pub fn clear(&mut self) {
        self.entries.clear()
    }
    pub fn iter(&self) -> Iter<'_, K, V> {
        self.entries.iter().map(pair as fn(&(K, V)) -> (&K, &V))
    }
    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        self.entries
            .iter_mut()
            .map(pair_mut as fn(&mut (K, V)) -> (&K, &mut V))
    }
    pub fn keys(&self) -> Keys<'_, K, V> {
        self.entries.iter().map(key as fn(&(K, V)) -> &K)
    }
    pub fn values(&self) -> Values<'_, K, V> {
        self.entries.iter().map(value as fn(&(K, V)) -> &V)
    }
    pub fn values_mut(&mut self) -> ValuesMut<'_, K, V> {
        self.entries
            .iter_mut()
            .map(value_mut as fn(&mut (K, V)) -> &mut V)
    }
    /// Keeps the entries for which `f` is true, in order.
    pub fn retain(&mut self, mut f: impl FnMut(&K, &mut V) -> bool) {
        self.entries.retain_mut(|(k, v)| f(k, v))
    }
    pub fn last_key_value(&self) -> Option<(&K, &V)> {
        self.entries.last().map(pair)
    }
}

impl<K: Ord, V> VecMap<K, V> {
    fn find<Q>(&self, k: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.entries.binary_search_by(|(e, _)| e.borrow().cmp(k))
    }

    pub fn get<Q>(&self, k: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(k).ok().map(|i| &self.entries[i].1)
    }
    pub fn get_mut<Q>(&mut self, k: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        match self.find(k) {
            Ok(i) => Some(&mut self.entries[i].1),
            Err(_) => None,
        }
    }
    pub fn contains_key<Q>(&self, k: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(k).is_ok()
    }
    /// Inserts or replaces; returns the value replaced.
    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        match self.find(&k) {
            Ok(i) => Some(core::mem::replace(&mut self.entries[i].1, v)),
            Err(i) => {
                self.entries.insert(i, (k, v));
                None
            }
        }
    }
    pub fn remove<Q>(&mut self, k: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.find(k).ok().map(|i| self.entries.remove(i).1)
    }
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V> {
        match self.find(&key) {
            Ok(index) => Entry::Occupied(OccupiedEntry {
                entries: &mut self.entries,
                index,
            }),
            Err(index) => Entry::Vacant(VacantEntry {
                entries: &mut self.entries,
                index,
                key,
            }),
        }
    }
}

/// A place in a [`VecMap`], as `BTreeMap::entry` gives.
pub enum Entry<'a, K, V> {
    Occupied(OccupiedEntry<'a, K, V>),
    Vacant(VacantEntry<'a, K, V>),
}

pub struct OccupiedEntry<'a, K, V> {
    entries: &'a mut Vec<(K, V)>,
    index: usize,
}

pub struct VacantEntry<'a, K, V> {
    entries: &'a mut Vec<(K, V)>,
    index: usize,
    key: K,
}

impl<'a, K, V> OccupiedEntry<'a, K, V> {
    pub fn get(&self) -> &V {
        &self.entries[self.index].1
    }
    pub fn get_mut(&mut self) -> &mut V {
        &mut self.entries[self.index].1
    }
    pub fn into_mut(self) -> &'a mut V {
        &mut self.entries[self.index].1
    }
    pub fn remove(self) -> V {
        self.entries.remove(self.index).1
    }
}

impl<'a, K, V> VacantEntry<'a, K, V> {
    pub fn insert(self, v: V) -> &'a mut V {
        self.entries.insert(self.index, (self.key, v));
        &mut self.entries[self.index].1
    }
}

impl<'a, K, V> Entry<'a, K, V> {
    pub fn or_insert_with(self, f: impl FnOnce() -> V) -> &'a mut V {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(f()),
        }
    }
    pub fn or_insert(self, v: V) -> &'a mut V {
        self.or_insert_with(|| v)
    }
    pub fn or_default(self) -> &'a mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for VecMap<K, V> {
    /// As `BTreeMap`: a later entry with the same key replaces an earlier one.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = VecMap::new();
        map.extend(iter);
        map
    }
}

impl<K: Ord, V> Extend<(K, V)> for VecMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K, V> IntoIterator for VecMap<K, V> {
    type Item = (K, V);
    type IntoIter = alloc::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a, K, V> IntoIterator for &'a VecMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a, K, V> IntoIterator for &'a mut VecMap<K, V> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, K, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

impl<K, Q, V> Index<&Q> for VecMap<K, V>
where
    K: Ord + Borrow<Q>,
    Q: Ord + ?Sized,
{
    type Output = V;
    fn index(&self, k: &Q) -> &V {
        self.get(k).expect("no entry found for key")
    }
}

/// A set kept as a sorted vector: `BTreeSet`'s order and the part of its interface
/// kscope uses.
#[derive(Clone, PartialEq, Eq)]
pub struct VecSet<T> {
    items: Vec<T>,
}

impl<T> Default for VecSet<T> {
    fn default() -> Self {
        VecSet::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for VecSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.items.iter()).finish()
    }
}

impl<T> VecSet<T> {
    pub const fn new() -> Self {
        VecSet { items: Vec::new() }
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    pub fn clear(&mut self) {
        self.items.clear()
    }
    pub fn iter(&self) -> slice::Iter<'_, T> {
        self.items.iter()
    }
    pub fn retain(&mut self, f: impl FnMut(&T) -> bool) {
        self.items.retain(f)
    }
}

impl<T: Ord> VecSet<T> {
    /// Adds `item`; returns whether it was new.
    pub fn insert(&mut self, item: T) -> bool {
        match self.items.binary_search(&item) {
            Ok(_) => false,
            Err(i) => {
                self.items.insert(i, item);
                true
            }
        }
    }
    pub fn contains<Q>(&self, item: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.items
            .binary_search_by(|e| e.borrow().cmp(item))
            .is_ok()
    }
    /// Removes `item`; returns whether it was there.
    pub fn remove<Q>(&mut self, item: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        match self.items.binary_search_by(|e| e.borrow().cmp(item)) {
            Ok(i) => {
                self.items.remove(i);
                true
            }
            Err(_) => false,
        }
    }
}

impl<T: Ord> FromIterator<T> for VecSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut set = VecSet::new();
        set.extend(iter);
        set
    }
}

impl<T: Ord> Extend<T> for VecSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for item in iter {
            self.insert(item);
        }
    }
}

impl<T> IntoIterator for VecSet<T> {
    type Item = T;
    type IntoIter = alloc::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a VecSet<T> {
    type Item = &'a T;
    type IntoIter = slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::{BTreeMap, BTreeSet};

    /// The same operations on a `VecMap` and a `BTreeMap` leave the same entries in the
    /// same order.
    #[test]
    fn behaves_as_a_btree_map() {
        let mut v = VecMap::new();
        let mut b = BTreeMap::new();
        let mut x = 7u32;
        for i in 0..2_000u32 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let k = (x >> 16) % 97;
            match i % 5 {
                0 | 1 => assert_eq!(v.insert(k, i), b.insert(k, i)),
                2 => assert_eq!(v.remove(&k), b.remove(&k)),
                3 => *v.entry(k).or_insert(0) += 1,
                _ => {
                    v.retain(|k, _| k % 11 != 3);
                    b.retain(|k, _| k % 11 != 3);
                }
            }
            if i % 5 == 3 {
                *b.entry(k).or_insert(0) += 1;
            }
            assert_eq!(v.get(&k), b.get(&k));
            assert_eq!(v.len(), b.len());
        }
        assert!(v.iter().eq(b.iter()));
        assert!(v.keys().rev().eq(b.keys().rev()));
        let collected: VecMap<u32, u32> = [(3, 1), (1, 2), (3, 9)].into_iter().collect();
        assert_eq!(collected.iter().collect::<Vec<_>>(), [(&1, &2), (&3, &9)]);
        assert_eq!(collected[&3], 9);
    }

    #[test]
    fn behaves_as_a_btree_set() {
        let mut v = VecSet::new();
        let mut b = BTreeSet::new();
        for i in 0..500u32 {
            let k = (i * 37) % 41;
            if i % 3 == 0 {
                assert_eq!(v.remove(&k), b.remove(&k));
            } else {
                assert_eq!(v.insert(k), b.insert(k));
            }
            assert_eq!(v.contains(&k), b.contains(&k));
        }
        assert!(v.iter().eq(b.iter()));
    }
}
