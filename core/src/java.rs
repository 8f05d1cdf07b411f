//! The few behaviours of the Java platform that leak into Kafka's results.
//!
//! Kafka's client-side assignors iterate `java.util.HashMap`s keyed by member id and
//! compare member ids with `String.compareTo`. Which member keeps a partition can depend
//! on that order (see `sticky_max_quota_more_than_expected` in `conformance/assignors.json`),
//! so kscope reproduces it: `String.hashCode`, `HashMap`'s hash spreading, its table
//! growth, and its bucket-then-insertion iteration order.

use alloc::vec::Vec;
use core::cmp::Ordering;

/// Java's `String.hashCode`: `s[0]*31^(n-1) + ... + s[n-1]` over UTF-16 code units,
/// wrapping at 32 bits.
pub fn string_hash_code(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, unit| h.wrapping_mul(31).wrapping_add(unit as i32))
}

/// The partition of an internal topic that holds `key` (a group id or a transactional id):
/// `Utils.abs(key.hashCode()) % partitions`, where `Utils.abs` maps `Integer.MIN_VALUE` to
/// 0 (`GroupCoordinator.partitionFor`, `TransactionStateManager.partitionFor`).
pub fn internal_partition_for(key: &str, partitions: u32) -> u32 {
    let h = string_hash_code(key);
    (if h == i32::MIN { 0 } else { h.abs() }) as u32 % partitions
}

/// Java's `String.compareTo`: lexicographic over UTF-16 code units (which differs from
/// Rust's byte order only for characters above U+FFFF).
pub fn compare_strings(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// A stable insertion sort. kscope sorts only short lists (members, a member's partitions,
/// an ISR), and this keeps the WebAssembly small: the standard library's sorts are large
/// and are instantiated again for every element type and comparison.
pub fn sort_small_by<T>(v: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && less(&v[j], &v[j - 1]) {
            v.swap(j, j - 1);
            j -= 1;
        }
    }
}

/// A stable merge sort (stable, as Java's `Collections.sort`): kscope's one sort for
/// lists of any length, a fraction of the standard library's sorts in WebAssembly
/// (each of which its every element type gets a copy of).
pub fn sort_by<T: Clone>(v: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    let n = v.len();
    if n <= 16 {
        return sort_small_by(v, less);
    }
    let mut buf: Vec<T> = v.to_vec();
    let mut width = 1;
    let mut in_buf = false;
    while width < n {
        if in_buf {
            merge_pass(&buf, v, width, &mut less);
        } else {
            merge_pass(v, &mut buf, width, &mut less);
        }
        in_buf = !in_buf;
        width *= 2;
    }
    if in_buf {
        v.clone_from_slice(&buf);
    }
}

/// [`sort_by`] on a key.
pub fn sort_by_key<T: Clone, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| key(a) < key(b));
}

/// One pass of the merge sort: runs of `width` from `src` merged in pairs into `dst`.
fn merge_pass<T: Clone>(
    src: &[T],
    dst: &mut [T],
    width: usize,
    less: &mut impl FnMut(&T, &T) -> bool,
) {
    let n = src.len();
    let mut i = 0;
    while i < n {
        let mid = (i + width).min(n);
        let end = (i + 2 * width).min(n);
        let (mut a, mut b) = (i, mid);
        for slot in &mut dst[i..end] {
            // Ties take the left run first: stable.
            if a < mid && (b >= end || !less(&src[b], &src[a])) {
                *slot = src[a].clone();
                a += 1;
            } else {
                *slot = src[b].clone();
                b += 1;
            }
        }
        i = end;
    }
}

/// [`sort_small_by`] on a key.
pub fn sort_small_by_key<T, K: Ord>(v: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_small_by(v, |a, b| key(a) < key(b));
}

/// `HashMap.hash`: the key's hash with its high half folded into the low half.
fn spread(hash: i32) -> u32 {
    let h = hash as u32;
    h ^ (h >> 16)
}

/// The table size of a `new HashMap<>()` after `len` insertions: 16, doubled whenever the
/// size exceeds three quarters of it.
pub fn hash_map_capacity(len: usize) -> usize {
    let mut capacity = 16;
    while len > capacity / 4 * 3 {
        capacity *= 2;
    }
    capacity
}

/// The order in which a `new HashMap<>()` (or `HashSet`) iterates keys that were inserted
/// in the order of `hashes`: by bucket, and within a bucket by insertion (resizing splits
/// buckets without reordering them). Returns indexes into `hashes`. Tree bins, which Java
/// builds only for 8 or more keys in one bucket of a table of 64 or more, are not modelled.
pub fn hash_map_order(hashes: &[i32]) -> Vec<usize> {
    let mask = hash_map_capacity(hashes.len()) as u32 - 1;
    let mut order: Vec<usize> = (0..hashes.len()).collect();
    sort_small_by_key(&mut order, |&i| spread(hashes[i]) & mask);
    order
}

/// A `java.util.HashSet` reduced to what Kafka's results can depend on: which element
/// `iterator().next()` returns.
#[derive(Clone, Debug)]
pub struct JavaHashSet<T> {
    /// Elements with their hash, in insertion order.
    entries: Vec<(i32, T)>,
    capacity: usize,
}

impl<T: PartialEq> JavaHashSet<T> {
    pub fn new() -> Self {
        JavaHashSet {
            entries: Vec::new(),
            capacity: 16,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn contains(&self, value: &T) -> bool {
        self.entries.iter().any(|(_, v)| v == value)
    }

    /// Adds `value` unless present (a present element keeps its place, as in Java).
    pub fn insert(&mut self, hash: i32, value: T) {
        if self.contains(&value) {
            return;
        }
        self.entries.push((hash, value));
        if self.entries.len() > self.capacity / 4 * 3 {
            self.capacity *= 2;
        }
    }

    pub fn remove(&mut self, value: &T) {
        self.entries.retain(|(_, v)| v != value);
    }

    /// The element Java's iterator returns first. The table never shrinks.
    pub fn first(&self) -> Option<&T> {
        let mask = self.capacity as u32 - 1;
        self.entries
            .iter()
            .enumerate()
            .min_by_key(|(i, (h, _))| (spread(*h) & mask, *i))
            .map(|(_, (_, v))| v)
    }
}

impl<T: PartialEq> Default for JavaHashSet<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_hash_code_matches_java() {
        // Values Java prints for "".hashCode(), "a".hashCode(), "consumer1".hashCode().
        assert_eq!(string_hash_code(""), 0);
        assert_eq!(string_hash_code("a"), 97);
        assert_eq!(string_hash_code("hello"), 99162322);
        assert_eq!(string_hash_code("consumer1"), -421004549);
    }

    #[test]
    fn the_small_sort_is_stable() {
        let mut v = [(2, 'a'), (1, 'b'), (2, 'c'), (0, 'd'), (1, 'e')];
        sort_small_by_key(&mut v, |x| x.0);
        assert_eq!(v, [(0, 'd'), (1, 'b'), (1, 'e'), (2, 'a'), (2, 'c')]);
    }

    #[test]
    fn capacity_grows_past_three_quarters() {
        assert_eq!(hash_map_capacity(0), 16);
        assert_eq!(hash_map_capacity(12), 16);
        assert_eq!(hash_map_capacity(13), 32);
        assert_eq!(hash_map_capacity(25), 64);
    }

    #[test]
    fn hash_map_order_of_consumers() {
        // conformance/assignors.json, sticky_max_quota_more_than_expected: Java iterates
        // consumer1..3 as consumer3, consumer2, consumer1.
        let keys = ["consumer1", "consumer2", "consumer3"];
        let hashes: Vec<i32> = keys.iter().map(|k| string_hash_code(k)).collect();
        let order: Vec<&str> = hash_map_order(&hashes).iter().map(|&i| keys[i]).collect();
        assert_eq!(order, ["consumer3", "consumer2", "consumer1"]);
    }
}
