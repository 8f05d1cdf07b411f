//! Kafka's murmur2 key hash, bit for bit as the Java client computes it
//! (`org.apache.kafka.common.utils.Utils.murmur2` and `Utils.toPositive`), and the key to
//! partition formula of the producer's built-in partitioner
//! (`BuiltInPartitioner.partitionForKey`). Checked against Kafka's `UtilsTest` and
//! librdkafka's vectors in the conformance runner.

/// MurmurHash2, 32-bit, Kafka's variant: seed `0x9747b28c`, the tail switch falling
/// through, logical shifts, the result read as a signed Java `int`.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;

    let len = data.len();
    let mut h: u32 = SEED ^ (len as u32);
    let mut words = data.chunks_exact(4);
    for w in &mut words {
        let mut k = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = words.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Kafka's `Utils.toPositive`: clears the sign bit (it is not `abs`: -1 gives
/// 2147483647 and `i32::MIN` gives 0).
pub fn to_positive(x: i32) -> i32 {
    x & 0x7fff_ffff
}

/// The partition Kafka's producer picks for a serialized key: murmur2 of the bytes, made
/// positive, modulo the topic's partition count (all partitions, available or not).
pub fn partition_for_key(key: &[u8], num_partitions: u32) -> u32 {
    debug_assert!(num_partitions > 0);
    (to_positive(murmur2(key)) as u32) % num_partitions
}
