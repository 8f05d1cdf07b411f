//! Records and their sizes in Kafka's v2 record format (magic 2, KIP-98). Only sizes
//! matter to the simulation: how many bytes a record adds to a batch decides when a batch
//! is full, when the sticky partitioner switches, when a segment rolls and which segments
//! retention deletes. The rules are those of `DefaultRecord.sizeInBytes`,
//! `DefaultRecord.recordSizeUpperBound` and `DefaultRecordBatch.RECORD_BATCH_OVERHEAD`.

use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

/// Bytes of a v2 record batch header (`RECORD_BATCH_OVERHEAD`).
pub const RECORD_BATCH_OVERHEAD: u32 = 61;
/// The most bytes a record's framing can take (`DefaultRecord.MAX_RECORD_OVERHEAD`).
pub const MAX_RECORD_OVERHEAD: u32 = 21;

/// Bytes of a zigzag varint (`ByteUtils.sizeOfVarint`).
pub fn size_of_varint(value: i32) -> u32 {
    let mut v = ((value << 1) ^ (value >> 31)) as u32;
    let mut bytes = 1;
    while v & 0xffff_ff80 != 0 {
        bytes += 1;
        v >>= 7;
    }
    bytes
}

/// Bytes of a zigzag varlong (`ByteUtils.sizeOfVarlong`).
pub fn size_of_varlong(value: i64) -> u32 {
    let mut v = ((value << 1) ^ (value >> 63)) as u64;
    let mut bytes = 1;
    while v & 0xffff_ffff_ffff_ff80 != 0 {
        bytes += 1;
        v >>= 7;
    }
    bytes
}

/// A record header: its key and the length of its value (`None` for a null value).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Header {
    pub key: String,
    pub value_len: Option<u32>,
}

/// Bytes of a record inside a batch (`DefaultRecord.sizeInBytes`) whose key, value and
/// headers take `payload` bytes ([`RecordShape::payload_size`]).
pub fn record_size(payload: u32, offset_delta: i32, timestamp_delta: i64) -> u32 {
    let body = 1 + size_of_varlong(timestamp_delta) + size_of_varint(offset_delta) + payload;
    body + size_of_varint(body as i32)
}

/// Bytes of a record's key, value and headers with their length prefixes
/// (`DefaultRecord.sizeOf(keySize, valueSize, headers)`), `None` lengths being nulls.
pub fn payload_size(key: Option<u32>, value: Option<u32>, headers: &[Header]) -> u32 {
    let field = |len: Option<u32>| match len {
        None => 1,
        Some(n) => size_of_varint(n as i32) + n,
    };
    let mut size = field(key) + field(value);
    size += size_of_varint(headers.len() as i32);
    for h in headers {
        let k = h.key.len() as u32;
        size += size_of_varint(k as i32) + k + field(h.value_len);
    }
    size
}

/// What a record carries, as far as sizes and partitioning need: key bytes (hashed by the
/// partitioner, compared by compaction), value length, headers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct RecordShape {
    pub key: Option<Rc<[u8]>>,
    /// `None` is a null value: a tombstone on a compacted topic.
    pub value_len: Option<u32>,
    pub headers: Vec<Header>,
}

impl RecordShape {
    fn key_len(&self) -> Option<u32> {
        self.key.as_ref().map(|k| k.len() as u32)
    }

    /// Key, value and headers' bytes with their length prefixes
    /// (`DefaultRecord.sizeOf(keySize, valueSize, headers)`).
    pub fn payload_size(&self) -> u32 {
        payload_size(self.key_len(), self.value_len, &self.headers)
    }

    /// Bytes of this record inside a batch (`DefaultRecord.sizeInBytes`), for its offset
    /// and timestamp deltas from the batch's base.
    pub fn size_in_batch(&self, offset_delta: i32, timestamp_delta: i64) -> u32 {
        record_size(self.payload_size(), offset_delta, timestamp_delta)
    }

    /// The most bytes this record could take (`DefaultRecord.recordSizeUpperBound`).
    pub fn size_upper_bound(&self) -> u32 {
        MAX_RECORD_OVERHEAD + self.payload_size()
    }

    /// The producer's upper bound for a batch holding only this record
    /// (`AbstractRecords.estimateSizeInBytesUpperBound` for magic 2).
    pub fn batch_size_upper_bound(&self) -> u32 {
        RECORD_BATCH_OVERHEAD + self.size_upper_bound()
    }
}

/// `compression.type`. kscope does not compress bytes; it models sizes and CPU time: a
/// compressed batch is the 61-byte header plus the records' bytes times the codec's
/// [`ratio`](Self::ratio_permille), and compressing or decompressing it takes the records'
/// bytes over the codec's [`speeds`](Self::speeds_kb_per_s).
///
/// Every figure is from one published benchmark: lzbench 2.0.1's table (the README of
/// inikep/lzbench: one thread of an AMD EPYC 9554 at 3.10 GHz, gcc 14.2, the Silesia
/// corpus), for each codec as Kafka runs it by default: zlib 1.3.1 at level 6 (gzip,
/// `compression.gzip.level` 6), snappy 1.2.1, lz4 1.10.0's fast compressor (what Kafka's
/// `Lz4BlockOutputStream` uses at the default `compression.lz4.level`), and zstd 1.5.6 at
/// level 2: the table has no level 3, Kafka's default `compression.zstd.level`, and level
/// 2 is the nearest it measured. Records of real applications compress differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum CompressionType {
    #[default]
    None,
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

impl CompressionType {
    pub fn name(self) -> &'static str {
        match self {
            CompressionType::None => "none",
            CompressionType::Gzip => "gzip",
            CompressionType::Snappy => "snappy",
            CompressionType::Lz4 => "lz4",
            CompressionType::Zstd => "zstd",
        }
    }
    pub fn parse(s: &str) -> Option<CompressionType> {
        Some(match s {
            "none" => CompressionType::None,
            "gzip" => CompressionType::Gzip,
            "snappy" => CompressionType::Snappy,
            "lz4" => CompressionType::Lz4,
            "zstd" => CompressionType::Zstd,
            _ => return None,
        })
    }
    /// Compressed size over uncompressed size, in thousandths (lzbench's ratio on Silesia,
    /// rounded; see the type's documentation): the real ratio depends on data kscope does
    /// not have.
    pub fn ratio_permille(self) -> u32 {
        match self {
            CompressionType::None => 1000,
            CompressionType::Gzip => 322,
            CompressionType::Snappy => 479,
            CompressionType::Lz4 => 476,
            CompressionType::Zstd => 328,
        }
    }

    /// How fast one core compresses and decompresses, in thousands of uncompressed bytes
    /// per second (lzbench's MB/s; see the type's documentation); `None` for no codec.
    pub fn speeds_kb_per_s(self) -> Option<(u64, u64)> {
        match self {
            CompressionType::None => None,
            CompressionType::Gzip => Some((25_300, 344_000)),
            CompressionType::Snappy => Some((401_000, 1_077_000)),
            CompressionType::Lz4 => Some((577_000, 3_716_000)),
            CompressionType::Zstd => Some((344_000, 1_246_000)),
        }
    }

    /// Nanoseconds of one core to compress `uncompressed` bytes.
    pub fn compress_ns(self, uncompressed: u64) -> u64 {
        self.speeds_kb_per_s()
            .map_or(0, |(c, _)| uncompressed * 1_000_000 / c)
    }

    /// Nanoseconds of one core to decompress a batch of `size_bytes` on the wire: its
    /// records' bytes, as the ratio makes them, over the decompression speed.
    pub fn decompress_ns(self, size_bytes: u32) -> u64 {
        self.speeds_kb_per_s().map_or(0, |(_, d)| {
            let records = u64::from(size_bytes.saturating_sub(RECORD_BATCH_OVERHEAD));
            records * 1_000 / u64::from(self.ratio_permille()) * 1_000_000 / d
        })
    }
}
