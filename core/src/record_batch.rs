//! Record batches in real bytes: Kafka's magic-2 format (KIP-98; `DefaultRecordBatch`,
//! `DefaultRecord`, `MemoryRecordsBuilder`), with the CRC-32C Kafka computes over a
//! batch from its `attributes` to its end, and the segment files a replica's log would
//! hold (`.log`, `.index`, `.timeindex`).
//!
//! The simulation counts bytes; this module makes them on demand, from what a
//! [`StoredBatch`] keeps: offsets, timestamps, the producer's id, epoch and sequence,
//! each record's key and header keys. A record's value is not kept (memory would grow
//! with the records' size): its bytes are derived from the run's seed and the record's
//! identity ([`value_bytes`]), the same every time they are encoded. The byte layout and
//! the CRC are checked against `conformance/record_batch_v2.json`.
//!
//! Batches are written uncompressed, whatever the producer's `compression.type`: kscope
//! counts a compressed batch at its codec's ratio but has no codec to make its bytes, and
//! never writes bytes that only look compressed. [`StoredBatch::compression`] tells the
//! page which batches Kafka would hold compressed.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::ids::{Offset, RecordId};
use crate::log::StoredRecord;
use crate::log::{encode_offset_index_entry, encode_time_index_entry, Segment, StoredBatch};

/// The magic byte of the v2 format.
pub const MAGIC: i8 = 2;
/// `attributes` bit 4: the batch belongs to a transaction.
pub const TRANSACTIONAL_FLAG: i16 = 0x10;
/// `attributes` bit 5: a control batch (a transaction marker).
pub const CONTROL_FLAG: i16 = 0x20;
/// `attributes` bit 6: `baseTimestamp` holds the compaction delete horizon (KIP-534).
pub const DELETE_HORIZON_FLAG: i16 = 0x40;
/// `attributes` bits 0 to 2: the compression codec.
pub const COMPRESSION_MASK: i16 = 0x07;

const CASTAGNOLI: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISCSI);

/// CRC-32C (Castagnoli), as `Crc32C.compute`: the checksum of a v2 batch.
pub fn crc32c(bytes: &[u8]) -> u32 {
    CASTAGNOLI.checksum(bytes)
}

/// A batch's header fields, in the order the format lays them out (the length, magic,
/// CRC and record count are derived when encoding).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchHeader {
    pub base_offset: i64,
    pub partition_leader_epoch: i32,
    pub attributes: i16,
    pub last_offset_delta: i32,
    pub base_timestamp: i64,
    pub max_timestamp: i64,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
}

/// One record's fields (`DefaultRecord`): deltas from the batch's base, key, value and
/// headers, each `None` for a null.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordBytes {
    pub timestamp_delta: i64,
    pub offset_delta: i32,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

/// A field of a batch or of one of its records, named as Kafka's format description
/// names it: what the page's hex view marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    BaseOffset,
    BatchLength,
    PartitionLeaderEpoch,
    Magic,
    Crc,
    Attributes,
    LastOffsetDelta,
    BaseTimestamp,
    MaxTimestamp,
    ProducerId,
    ProducerEpoch,
    BaseSequence,
    RecordsCount,
    Length,
    RecordAttributes,
    TimestampDelta,
    OffsetDelta,
    KeyLength,
    Key,
    ValueLength,
    Value,
    HeadersCount,
    HeaderKeyLength,
    HeaderKey,
    HeaderValueLength,
    HeaderValue,
}

impl Field {
    /// The field's name in Kafka's documentation (`docs/implementation.html`, 5.3).
    pub fn name(self) -> &'static str {
        match self {
            Field::BaseOffset => "baseOffset",
            Field::BatchLength => "batchLength",
            Field::PartitionLeaderEpoch => "partitionLeaderEpoch",
            Field::Magic => "magic",
            Field::Crc => "crc",
            Field::Attributes | Field::RecordAttributes => "attributes",
            Field::LastOffsetDelta => "lastOffsetDelta",
            Field::BaseTimestamp => "baseTimestamp",
            Field::MaxTimestamp => "maxTimestamp",
            Field::ProducerId => "producerId",
            Field::ProducerEpoch => "producerEpoch",
            Field::BaseSequence => "baseSequence",
            Field::RecordsCount => "recordsCount",
            Field::Length => "length",
            Field::TimestampDelta => "timestampDelta",
            Field::OffsetDelta => "offsetDelta",
            Field::KeyLength => "keyLength",
            Field::Key => "key",
            Field::ValueLength => "valueLength",
            Field::Value => "value",
            Field::HeadersCount => "headers",
            Field::HeaderKeyLength => "headerKeyLength",
            Field::HeaderKey => "headerKey",
            Field::HeaderValueLength => "headerValueLength",
            Field::HeaderValue => "headerValue",
        }
    }

    /// A field of the batch header (the others belong to a record).
    pub fn in_header(self) -> bool {
        self <= Field::RecordsCount
    }
}

/// Where a field lies in an encoded batch: bytes `start..end`, of record `record` (its
/// index in the batch) unless it is a header field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub field: Field,
    pub record: Option<u32>,
    pub start: u32,
    pub end: u32,
}

/// Appends `value` as a zigzag varint (`ByteUtils.writeVarint`).
pub fn write_varint(out: &mut Vec<u8>, value: i32) {
    write_unsigned(out, ((value << 1) ^ (value >> 31)) as u32 as u64);
}

/// Appends `value` as a zigzag varlong (`ByteUtils.writeVarlong`).
pub fn write_varlong(out: &mut Vec<u8>, value: i64) {
    write_unsigned(out, ((value << 1) ^ (value >> 63)) as u64);
}

fn write_unsigned(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Writes fields, noting where each lies when asked to.
struct Writer<'a> {
    out: Vec<u8>,
    spans: Option<&'a mut Vec<Span>>,
    record: Option<u32>,
}

impl Writer<'_> {
    fn field(&mut self, field: Field, write: impl FnOnce(&mut Vec<u8>)) {
        let start = self.out.len() as u32;
        write(&mut self.out);
        if let Some(spans) = self.spans.as_deref_mut() {
            spans.push(Span {
                field,
                record: self.record,
                start,
                end: self.out.len() as u32,
            });
        }
    }

    /// A varint length then the bytes, or -1 for a null.
    fn bytes(&mut self, length: Field, body: Field, bytes: Option<&[u8]>) {
        match bytes {
            None => self.field(length, |o| write_varint(o, -1)),
            Some(b) => {
                self.field(length, |o| write_varint(o, b.len() as i32));
                self.field(body, |o| o.extend_from_slice(b));
            }
        }
    }
}

/// The batch's bytes: its header, then its records back to back, uncompressed; the
/// CRC-32C covers everything from `attributes` on. With `spans`, where each field lies.
pub fn encode(
    header: &BatchHeader,
    records: &[RecordBytes],
    spans: Option<&mut Vec<Span>>,
) -> Vec<u8> {
    let mut w = Writer {
        out: Vec::new(),
        spans,
        record: None,
    };
    let h = header;
    w.field(Field::BaseOffset, |o| {
        o.extend_from_slice(&h.base_offset.to_be_bytes())
    });
    w.field(Field::BatchLength, |o| o.extend_from_slice(&[0; 4]));
    w.field(Field::PartitionLeaderEpoch, |o| {
        o.extend_from_slice(&h.partition_leader_epoch.to_be_bytes())
    });
    w.field(Field::Magic, |o| o.push(MAGIC as u8));
    w.field(Field::Crc, |o| o.extend_from_slice(&[0; 4]));
    w.field(Field::Attributes, |o| {
        o.extend_from_slice(&h.attributes.to_be_bytes())
    });
    w.field(Field::LastOffsetDelta, |o| {
        o.extend_from_slice(&h.last_offset_delta.to_be_bytes())
    });
    w.field(Field::BaseTimestamp, |o| {
        o.extend_from_slice(&h.base_timestamp.to_be_bytes())
    });
    w.field(Field::MaxTimestamp, |o| {
        o.extend_from_slice(&h.max_timestamp.to_be_bytes())
    });
    w.field(Field::ProducerId, |o| {
        o.extend_from_slice(&h.producer_id.to_be_bytes())
    });
    w.field(Field::ProducerEpoch, |o| {
        o.extend_from_slice(&h.producer_epoch.to_be_bytes())
    });
    w.field(Field::BaseSequence, |o| {
        o.extend_from_slice(&h.base_sequence.to_be_bytes())
    });
    w.field(Field::RecordsCount, |o| {
        o.extend_from_slice(&(records.len() as i32).to_be_bytes())
    });
    let mut body = Vec::new();
    for (i, r) in records.iter().enumerate() {
        w.record = Some(i as u32);
        // The record's length comes first but counts what follows it: encode the rest
        // apart, then place it (spans shift by the length's own size).
        body.clear();
        let mut inner = Writer {
            out: core::mem::take(&mut body),
            spans: None,
            record: w.record,
        };
        let mut inner_spans = Vec::new();
        if w.spans.is_some() {
            inner.spans = Some(&mut inner_spans);
        }
        inner.field(Field::RecordAttributes, |o| o.push(0));
        inner.field(Field::TimestampDelta, |o| {
            write_varlong(o, r.timestamp_delta)
        });
        inner.field(Field::OffsetDelta, |o| write_varint(o, r.offset_delta));
        inner.bytes(Field::KeyLength, Field::Key, r.key.as_deref());
        inner.bytes(Field::ValueLength, Field::Value, r.value.as_deref());
        inner.field(Field::HeadersCount, |o| {
            write_varint(o, r.headers.len() as i32)
        });
        for (k, v) in &r.headers {
            inner.bytes(Field::HeaderKeyLength, Field::HeaderKey, Some(k));
            inner.bytes(Field::HeaderValueLength, Field::HeaderValue, v.as_deref());
        }
        body = inner.out;
        w.field(Field::Length, |o| write_varint(o, body.len() as i32));
        let at = w.out.len() as u32;
        w.out.extend_from_slice(&body);
        if let Some(spans) = w.spans.as_deref_mut() {
            spans.extend(inner_spans.into_iter().map(|s| Span {
                start: s.start + at,
                end: s.end + at,
                ..s
            }));
        }
    }
    let out = &mut w.out;
    let length = (out.len() - 12) as i32;
    out[8..12].copy_from_slice(&length.to_be_bytes());
    let crc = crc32c(&out[21..]);
    out[17..21].copy_from_slice(&crc.to_be_bytes());
    w.out
}

/// A field's value: big-endian integers for the header's fixed fields (the CRC in hex),
/// zigzag varints for a record's lengths and deltas, text for keys and values.
pub fn field_value(field: Field, b: &[u8]) -> String {
    match field {
        Field::Crc => format!(
            "0x{}",
            b.iter().map(|x| format!("{x:02x}")).collect::<String>()
        ),
        Field::Key | Field::Value | Field::HeaderKey | Field::HeaderValue => {
            String::from_utf8_lossy(b).into_owned()
        }
        f if f.in_header() => {
            // Sign-extended from the field's width.
            let mut v: i64 = if b.first().is_some_and(|x| x & 0x80 != 0) {
                -1
            } else {
                0
            };
            for x in b {
                v = (v << 8) | i64::from(*x);
            }
            v.to_string()
        }
        Field::RecordAttributes => b.first().map_or(String::new(), |x| x.to_string()),
        _ => {
            let mut v: u64 = 0;
            for (i, x) in b.iter().enumerate() {
                v |= u64::from(x & 0x7f) << (7 * i);
            }
            ((v >> 1) as i64 ^ -((v & 1) as i64)).to_string()
        }
    }
}

/// A record's value bytes: `len` lower-case letters drawn from a generator seeded with
/// the run's seed and the record's id, so the same record has the same value whenever
/// it is encoded, and no value is ever stored.
pub fn value_bytes(seed: u64, id: RecordId, len: u32) -> Vec<u8> {
    let mut rng = crate::rng::Rng::new(seed ^ 0x6b73_636f_7065, id.0);
    (0..len).map(|_| b'a' + rng.below(26) as u8).collect()
}

/// The header a [`StoredBatch`] is written with ([`StoredBatch::base_timestamp`]).
pub fn header_of(batch: &StoredBatch) -> BatchHeader {
    let mut attributes = 0;
    if batch.delete_horizon_ms.is_some() {
        attributes |= DELETE_HORIZON_FLAG;
    }
    if batch.transactional {
        attributes |= TRANSACTIONAL_FLAG;
    }
    if batch.marker.is_some() {
        attributes |= CONTROL_FLAG;
    }
    BatchHeader {
        base_offset: batch.base_offset.0,
        partition_leader_epoch: batch.leader_epoch.0,
        attributes,
        last_offset_delta: batch.last_offset_delta as i32,
        base_timestamp: batch.base_timestamp(),
        max_timestamp: batch.max_timestamp_ms,
        producer_id: batch.producer_id,
        producer_epoch: batch.producer_epoch,
        base_sequence: batch.base_sequence,
    }
}

/// A record's value bytes as [`records_of`] makes them when nothing else knows them.
pub type Values<'a> = &'a dyn Fn(&StoredRecord) -> Option<Vec<u8>>;

/// A stored batch's records with their bytes (values derived from `seed`).
pub fn records_of(batch: &StoredBatch, seed: u64) -> Vec<RecordBytes> {
    records_by(batch, seed, &|r| {
        r.value_len.map(|n| value_bytes(seed, r.id, n))
    })
}

/// A stored batch's records with their bytes, each value from `value` (headers' values
/// derived from `seed`).
pub fn records_by(batch: &StoredBatch, seed: u64, value: Values) -> Vec<RecordBytes> {
    if let Some(marker) = batch.marker {
        // A control record's value is the marker's, not derived.
        return record_bytes(&batch.records, batch.base_timestamp(), seed, &|_| {
            Some(marker.value())
        });
    }
    record_bytes(&batch.records, batch.base_timestamp(), seed, value)
}

/// Records with their bytes, their timestamps as deltas from `base_timestamp`, each
/// value from `value` (headers' values derived from `seed`).
pub fn record_bytes(
    records: &[StoredRecord],
    base_timestamp: i64,
    seed: u64,
    value: Values,
) -> Vec<RecordBytes> {
    records
        .iter()
        .map(|r| RecordBytes {
            timestamp_delta: r.timestamp_ms - base_timestamp,
            offset_delta: r.offset_delta as i32,
            key: r.key.as_deref().map(<[u8]>::to_vec),
            value: value(r),
            headers: r
                .headers
                .iter()
                .flat_map(|h| h.iter())
                .enumerate()
                .map(|(i, h)| {
                    // Each header's value from a generator of its own.
                    let salt = seed.rotate_left(1 + i as u32);
                    let value = h.value_len.map(|n| value_bytes(salt, r.id, n));
                    (h.key.as_bytes().to_vec(), value)
                })
                .collect(),
        })
        .collect()
}

/// A stored batch in bytes, as the replica's `.log` file holds it (uncompressed).
pub fn encode_stored(batch: &StoredBatch, seed: u64, spans: Option<&mut Vec<Span>>) -> Vec<u8> {
    encode(&header_of(batch), &records_of(batch, seed), spans)
}

/// [`encode_stored`] with each record's value from `value`.
pub fn encode_stored_by(
    batch: &StoredBatch,
    seed: u64,
    value: Values,
    spans: Option<&mut Vec<Span>>,
) -> Vec<u8> {
    encode(&header_of(batch), &records_by(batch, seed, value), spans)
}

/// A segment's `.txnindex` (`TransactionIndex`): each transaction aborted by a marker in
/// the segment, in marker order, as an `AbortedTxn` of 34 bytes (version 0, producer id,
/// first offset, last offset: the marker's, last stable offset). Kafka writes the file
/// only for a segment that has one.
pub fn txn_index(log: &crate::log::Log, segment: &Segment) -> Vec<u8> {
    let end = log
        .segments()
        .iter()
        .find(|s| s.base_offset > segment.base_offset)
        .map_or(Offset(i64::MAX), |s| s.base_offset);
    let mut out = Vec::new();
    for t in log
        .completed_txns()
        .iter()
        .filter(|t| t.aborted && t.last_offset >= segment.base_offset && t.last_offset < end)
    {
        out.extend_from_slice(&0i16.to_be_bytes());
        out.extend_from_slice(&t.producer_id.to_be_bytes());
        out.extend_from_slice(&t.first_offset.0.to_be_bytes());
        out.extend_from_slice(&t.last_offset.0.to_be_bytes());
        out.extend_from_slice(&t.last_stable_offset.0.to_be_bytes());
    }
    out
}

/// A segment's three files as Kafka names them and as they stand on disk once trimmed
/// to their entries (`AbstractIndex.trimToValidSize`: an active segment's indexes are
/// preallocated to `segment.index.bytes` on disk; here they are cut to what they hold).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SegmentFiles {
    /// `00000000000000000000.log`: the batches back to back.
    pub log: Vec<u8>,
    /// `.index`: 4-byte relative offset and 4-byte position per entry.
    pub index: Vec<u8>,
    /// `.timeindex`: 8-byte timestamp and 4-byte relative offset per entry.
    pub timeindex: Vec<u8>,
}

/// A segment's files. The index entries are the ones the simulation kept by Kafka's rule
/// (`index.interval.bytes` over the sizes it counted); each points at its batch's
/// position in the `.log` written here, which differs from the counted one only where a
/// batch Kafka would hold compressed is written uncompressed.
pub fn segment_files(segment: &Segment, seed: u64) -> SegmentFiles {
    segment_files_by(segment, seed, &|r| {
        r.value_len.map(|n| value_bytes(seed, r.id, n))
    })
}

/// [`segment_files`] with each record's value from `value`.
pub fn segment_files_by(segment: &Segment, seed: u64, value: Values) -> SegmentFiles {
    let mut files = SegmentFiles::default();
    let mut positions: Vec<(Offset, u32)> = Vec::with_capacity(segment.batches.len());
    for b in &segment.batches {
        positions.push((b.last_offset(), files.log.len() as u32));
        files.log.extend(encode_stored_by(b, seed, value, None));
    }
    let base = segment.base_offset;
    for e in &segment.offset_index {
        let i = positions.partition_point(|(last, _)| *last < e.offset);
        let position = positions.get(i).map_or(e.position, |p| p.1);
        let entry = crate::log::OffsetIndexEntry { position, ..*e };
        files.index.extend(encode_offset_index_entry(base, entry));
    }
    for e in &segment.time_index {
        files.timeindex.extend(encode_time_index_entry(base, *e));
    }
    files
}

/// The partition directory's `leader-epoch-checkpoint` (`LeaderEpochCheckpointFile`,
/// version 0): the version, the count of entries, then each epoch and its start offset,
/// a line each.
pub fn leader_epoch_checkpoint(log: &crate::log::Log) -> Vec<u8> {
    let epochs = log.epochs();
    let mut text = format!("0\n{}\n", epochs.len());
    for (epoch, start) in epochs {
        text.push_str(&format!("{} {}\n", epoch.0, start.0));
    }
    text.into_bytes()
}

/// The producer state snapshot `{offset:020}.snapshot` Kafka writes when a segment rolls
/// at `offset` (`ProducerStateManager.writeSnapshot`, `ProducerSnapshot` version 1): the
/// version, a CRC-32C of what follows it, then per producer its id, epoch, last
/// sequence, last offset, the last batch's offset delta, its max timestamp, the
/// coordinator epoch (-1: no transactions) and the open transaction's first offset (-1),
/// as the batches below `offset` left them. Kafka writes its producers in its map's
/// order; kscope by producer id.
pub fn producer_snapshot(log: &crate::log::Log, offset: Offset) -> Vec<u8> {
    let mut producers: alloc::collections::BTreeMap<i64, &crate::log::StoredBatch> =
        alloc::collections::BTreeMap::new();
    for seg in log.segments() {
        for b in seg.batches.iter().filter(|b| b.producer_id >= 0) {
            if b.last_offset() < offset {
                producers.insert(b.producer_id, b);
            }
        }
    }
    let mut out = Vec::new();
    out.extend_from_slice(&1i16.to_be_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(producers.len() as i32).to_be_bytes());
    for (pid, b) in producers {
        out.extend_from_slice(&pid.to_be_bytes());
        out.extend_from_slice(&b.producer_epoch.to_be_bytes());
        let last_sequence = b.base_sequence + b.last_offset_delta as i32;
        out.extend_from_slice(&last_sequence.to_be_bytes());
        out.extend_from_slice(&b.last_offset().0.to_be_bytes());
        out.extend_from_slice(&(b.last_offset_delta as i32).to_be_bytes());
        out.extend_from_slice(&b.max_timestamp_ms.to_be_bytes());
        out.extend_from_slice(&(-1i32).to_be_bytes());
        out.extend_from_slice(&(-1i64).to_be_bytes());
    }
    let crc = crc32c(&out[6..]);
    out[2..6].copy_from_slice(&crc.to_be_bytes());
    out
}
