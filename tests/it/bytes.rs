//! Record batches and segment files in real bytes (`kscope_core::record_batch`): what a
//! run's replicas hold, encoded, is exactly what the simulation counted, decodes to the
//! batches it stored, and its indexes point where Kafka's would.

use kscope_core::log::{encode_offset_index_entry, encode_time_index_entry, CleanupPolicy};
use kscope_core::producer::ProduceRecord;
use kscope_core::record::CompressionType;
use kscope_core::record_batch::{self, encode_stored, segment_files, value_bytes, Field};
use kscope_core::*;
use kscope_tests::*;

use crate::conformance::decode_batch;

fn busy_run(seed: u64, compression: CompressionType) -> Sim {
    let mut config = cluster(3, 3, 3, 2);
    config.topics[0].log.segment_bytes = 16_384;
    config.workload.rate = 300;
    config.workload.keys = 20;
    config.producer.compression_type = compression;
    let mut sim = Sim::new(config, seed).expect("a valid configuration");
    run_checked(&mut sim, ms(8_000));
    sim
}

/// Every replica's every segment, with its replica's name for messages.
fn segments(sim: &Sim) -> Vec<(String, &kscope_core::log::Segment)> {
    let mut out = Vec::new();
    for b in sim.brokers().values() {
        for (tp, r) in &b.replicas {
            for s in r.log.segments() {
                out.push((format!("{:?} {tp:?} segment {:?}", b.id, s.base_offset), s));
            }
        }
    }
    out
}

#[test]
fn every_batch_a_run_stores_encodes_to_the_bytes_it_counted_and_decodes_back() {
    let sim = busy_run(5, CompressionType::None);
    let mut batches = 0;
    let mut rolled = 0;
    for (name, seg) in segments(&sim) {
        rolled += 1;
        for b in &seg.batches {
            batches += 1;
            let bytes = encode_stored(b, sim.seed(), None);
            assert_eq!(
                bytes.len() as u32,
                b.size_bytes,
                "{name}: batch {:?}",
                b.base_offset
            );
            let d = decode_batch(&bytes).expect("kscope's batch decodes");
            let stored = u32::from_be_bytes(bytes[17..21].try_into().unwrap());
            assert_eq!(
                stored,
                record_batch::crc32c(&bytes[21..]),
                "{name}: CRC-32C"
            );
            assert_eq!(d.header.base_offset, b.base_offset.0);
            assert_eq!(d.header.last_offset_delta as u32, b.last_offset_delta);
            assert_eq!(d.header.producer_id, b.producer_id);
            assert_eq!(d.header.base_sequence, b.base_sequence);
            assert_eq!(d.header.max_timestamp, b.max_timestamp_ms);
            assert_eq!(d.records.len(), b.records.len());
            for (got, r) in d.records.iter().zip(b.records.iter()) {
                assert_eq!(got.key.as_deref(), r.key.as_deref());
                assert_eq!(got.value.as_ref().map(|v| v.len() as u32), r.value_len);
                assert_eq!(got.offset_delta as u32, r.offset_delta);
            }
        }
        // The files: the batches back to back, the index entries the simulation kept.
        let files = segment_files(seg, sim.seed());
        assert_eq!(files.log.len() as u64, seg.size_bytes, "{name}");
        let index: Vec<u8> = seg
            .offset_index
            .iter()
            .flat_map(|e| encode_offset_index_entry(seg.base_offset, *e))
            .collect();
        assert_eq!(files.index, index, "{name}: .index");
        let timeindex: Vec<u8> = seg
            .time_index
            .iter()
            .flat_map(|e| encode_time_index_entry(seg.base_offset, *e))
            .collect();
        assert_eq!(files.timeindex, timeindex, "{name}: .timeindex");
    }
    assert!(batches > 300, "{batches} batches");
    assert!(rolled > 9, "{rolled} segments: some rolled");
    assert!(
        segments(&sim)
            .iter()
            .any(|(_, s)| !s.offset_index.is_empty()),
        "some segment is indexed"
    );
}

#[test]
fn a_compressed_topic_is_written_uncompressed_and_its_index_points_at_the_written_batches() {
    let sim = busy_run(6, CompressionType::Gzip);
    let mut entries = 0;
    for (name, seg) in segments(&sim) {
        let files = segment_files(seg, sim.seed());
        assert!(
            files.log.len() as u64 > seg.size_bytes || seg.batches.is_empty(),
            "{name}"
        );
        for entry in files.index.chunks(8) {
            entries += 1;
            let relative = i32::from_be_bytes(entry[..4].try_into().unwrap());
            let position = u32::from_be_bytes(entry[4..].try_into().unwrap()) as usize;
            let d = decode_batch(&files.log[position..]).expect("a batch at the position");
            assert_eq!(d.header.attributes & record_batch::COMPRESSION_MASK, 0);
            let offset = seg.base_offset.0 + i64::from(relative);
            let last = d.header.base_offset + i64::from(d.header.last_offset_delta);
            assert!(
                (d.header.base_offset..=last).contains(&offset),
                "{name}: {offset}"
            );
        }
    }
    assert!(entries > 0);
}

#[test]
fn compaction_writes_batches_again_at_their_exact_size_with_the_delete_horizon() {
    let mut config = cluster(1, 1, 1, 1);
    config.topics[0].log.cleanup_policy = CleanupPolicy::Compact;
    config.topics[0].log.segment_bytes = 2_048;
    config.broker.log_retention_check_interval_ms = 1_000;
    let mut sim = Sim::new(config, 21).unwrap();
    for i in 0..80u64 {
        let key = format!("user-{}", i % 4);
        let record = ProduceRecord {
            topic: TopicId(0),
            partition: Some(0),
            key: Some(key.as_bytes().into()),
            // Every ninth record deletes its key.
            value_len: (i % 9 != 8).then_some(100),
            headers: vec![],
            timestamp_ms: None,
        };
        sim.apply(ms(10 + i * 10), Command::Produce(record))
            .unwrap();
    }
    run_checked(&mut sim, ms(40_000));
    let log = &sim.brokers()[&BrokerId(0)].replicas[&TopicPartition::new(TopicId(0), 0)].log;
    let mut horizons = 0;
    for b in log.batches() {
        let mut spans = Vec::new();
        let bytes = encode_stored(b, sim.seed(), Some(&mut spans));
        assert_eq!(
            bytes.len() as u32,
            b.size_bytes,
            "batch {:?}",
            b.base_offset
        );
        if let Some(h) = b.delete_horizon_ms {
            horizons += 1;
            let d = decode_batch(&bytes).unwrap();
            assert_eq!(
                d.header.base_timestamp, h,
                "baseTimestamp holds the horizon"
            );
            assert_ne!(d.header.attributes & record_batch::DELETE_HORIZON_FLAG, 0);
        }
        assert!(spans.iter().any(|s| s.field == Field::Crc));
    }
    assert!(horizons > 0, "a cleaning kept a tombstone");
    assert!(log.rewrites() > 0, "the log was cleaned");
}

#[test]
fn values_are_derived_from_the_seed_and_the_record_never_stored() {
    let a = value_bytes(7, RecordId(3), 40);
    assert_eq!(a, value_bytes(7, RecordId(3), 40), "the same every time");
    assert_ne!(
        a,
        value_bytes(8, RecordId(3), 40),
        "another seed, another value"
    );
    assert_ne!(
        a,
        value_bytes(7, RecordId(4), 40),
        "another record, another value"
    );
    assert!(a.iter().all(u8::is_ascii_lowercase));
    // Two runs of one seed write the same files.
    let one = busy_run(9, CompressionType::None);
    let two = busy_run(9, CompressionType::None);
    let files = |sim: &Sim| -> Vec<_> {
        segments(sim)
            .into_iter()
            .map(|(_, s)| segment_files(s, sim.seed()))
            .collect()
    };
    assert_eq!(files(&one), files(&two));
}

/// The partition directory's other files: the leader-epoch cache as Kafka checkpoints it,
/// and the producer state snapshot Kafka writes when a segment rolls.
#[test]
fn the_leader_epoch_checkpoint_and_the_producer_snapshot_are_kafkas_formats() {
    let mut config = cluster(3, 1, 3, 2);
    config.workload.rate = 300;
    config.topics[0].log.segment_bytes = 16_384;
    let mut sim = Sim::new(config, 5).unwrap();
    run_checked(&mut sim, ms(5_000));
    let tp = TopicPartition::new(TopicId(0), 0);
    let first = sim.partition(tp).leader.unwrap();
    sim.apply(ms(5_000), Command::CrashBroker(first)).unwrap();
    // The controller fences it after broker.session.timeout.ms and elects another.
    run_checked(&mut sim, ms(20_000));
    assert_ne!(sim.partition(tp).leader, Some(first));
    let leader = sim.partition(tp).leader.unwrap();
    let log = &sim.brokers()[&leader].replicas[&tp].log;
    // Version 0, the count, then "epoch startOffset" lines: a new epoch since the crash.
    let text = String::from_utf8(record_batch::leader_epoch_checkpoint(log)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "0");
    assert_eq!(lines[1].parse::<usize>().unwrap(), lines.len() - 2);
    assert!(lines.len() >= 4, "{text}");
    assert_eq!(lines[2], "0 0");
    // A snapshot at a later segment's base offset.
    let seg = &log.segments()[2];
    let snap = record_batch::producer_snapshot(log, seg.base_offset);
    assert_eq!(i16::from_be_bytes([snap[0], snap[1]]), 1, "version");
    let crc = u32::from_be_bytes(snap[2..6].try_into().unwrap());
    assert_eq!(crc, record_batch::crc32c(&snap[6..]));
    assert_eq!(
        i32::from_be_bytes(snap[6..10].try_into().unwrap()),
        1,
        "one producer"
    );
    assert_eq!(snap.len(), 10 + 46);
    let e = &snap[10..];
    let pid = i64::from_be_bytes(e[0..8].try_into().unwrap());
    let last_seq = i32::from_be_bytes(e[10..14].try_into().unwrap());
    let last_offset = i64::from_be_bytes(e[14..22].try_into().unwrap());
    // The producer's last batch below the snapshot's offset.
    let last = log
        .segments()
        .iter()
        .flat_map(|s| s.batches.iter())
        .rfind(|b| b.last_offset() < seg.base_offset)
        .unwrap();
    assert_eq!(pid, last.producer_id);
    assert_eq!(last_offset, last.last_offset().0);
    assert_eq!(last_offset, seg.base_offset.0 - 1);
    assert_eq!(last_seq, last.base_sequence + last.last_offset_delta as i32);
}

/// `__consumer_offsets` holds Kafka's own schemas: each record's key an
/// `OffsetCommitKey` v1 or a `GroupMetadataKey` v2, its value an `OffsetCommitValue` v3 or
/// a `GroupMetadataValue` v3, and the batches encode to the sizes the run counted.
#[test]
fn the_offsets_topic_holds_kafkas_keys_and_values() {
    use kscope_core::assignor::AssignorKind;
    for assignor in [
        AssignorKind::Range,
        AssignorKind::Sticky,
        AssignorKind::CooperativeSticky,
    ] {
        offsets_topic_of(assignor);
    }
}

/// A group of two with `assignor`, a third joining at 10 s (so that members own
/// partitions when they rejoin, and the sticky assignors write them).
fn offsets_topic_of(assignor: kscope_core::assignor::AssignorKind) {
    let mut config = cluster(3, 2, 3, 2);
    config.workload.rate = 200;
    config.consumers = 2;
    config.consumer.partition_assignment_strategy = assignor.into();
    let mut sim = Sim::new(config, 6).unwrap();
    run_checked(&mut sim, ms(10_000));
    sim.apply(ms(10_000), Command::AddConsumer).unwrap();
    run_checked(&mut sim, ms(25_000));
    let offsets = sim
        .topics()
        .iter()
        .position(|t| t.spec.name == "__consumer_offsets")
        .expect("created for the group") as u32;
    let (mut commits, mut metadata) = (0, 0);
    for b in sim.brokers().values() {
        for (tp, r) in b.replicas.iter().filter(|(tp, _)| tp.topic.0 == offsets) {
            for batch in r.log.batches() {
                let value = |rec: &kscope_core::log::StoredRecord| sim.record_value(rec);
                let bytes = record_batch::encode_stored_by(batch, sim.seed(), &value, None);
                assert_eq!(bytes.len() as u32, batch.size_bytes, "{assignor:?} {tp:?}");
                let d = decode_batch(&bytes).expect("decodes");
                for rec in &d.records {
                    let key = rec.key.as_deref().unwrap();
                    let value = rec.value.as_deref().unwrap();
                    let i16_at = |b: &[u8], i: usize| i16::from_be_bytes([b[i], b[i + 1]]);
                    let string_at = |b: &[u8], i: usize| {
                        let n = i16_at(b, i) as usize;
                        (
                            String::from_utf8(b[i + 2..i + 2 + n].to_vec()).unwrap(),
                            i + 2 + n,
                        )
                    };
                    assert_eq!(i16_at(value, 0), 3, "value version 3");
                    let (group, at) = string_at(key, 2);
                    assert_eq!(group, "orders-app");
                    match i16_at(key, 0) {
                        1 => {
                            commits += 1;
                            let (topic, at) = string_at(key, at);
                            assert_eq!(topic, "orders");
                            let partition = i32::from_be_bytes(key[at..at + 4].try_into().unwrap());
                            assert!(partition < 2);
                            assert_eq!(value.len(), 24);
                            let offset = i64::from_be_bytes(value[2..10].try_into().unwrap());
                            assert!(offset >= 0);
                            let ts = i64::from_be_bytes(value[16..24].try_into().unwrap());
                            assert_eq!(ts, batch.max_timestamp_ms, "commit timestamp");
                        }
                        2 => {
                            metadata += 1;
                            assert_eq!(at, key.len());
                            let (protocol_type, _) = string_at(value, 2);
                            assert_eq!(protocol_type, "consumer");
                        }
                        v => panic!("key version {v}"),
                    }
                }
            }
        }
    }
    assert!(
        commits > 0 && metadata > 0,
        "{commits} commits, {metadata} group records"
    );
}
