//! The wire protocol: every message a run sends, encoded as Kafka 4.0 puts it on the wire
//! (`kscope_core::protocol`), decodes with an independent codec generated from Kafka's
//! message definitions (the `kafka-protocol` crate) and re-encodes to the same bytes.

use bytes::{Bytes, BytesMut};
use kafka_protocol::messages::{ApiKey, RequestKind, ResponseHeader, ResponseKind};
use kafka_protocol::protocol::{
    decode_request_header_from_buffer, encode_request_header_into_buffer, Decodable, Encodable,
};
use kscope_core::event::MessageKind;
use kscope_core::protocol::{self, Encoded, RecentMessages};
use kscope_core::*;
use kscope_tests::*;

/// Three brokers, two partitions on all three, a group of two consumers; broker 1
/// crashes at 3 s and comes back at 6 s, a consumer crashes at 16 s.
fn eventful_run() -> (Sim, RecentMessages) {
    let mut config = cluster(3, 2, 3, 2);
    config.workload.rate = 300;
    config.workload.keys = 4;
    config.consumers = 2;
    let mut sim = Sim::new(config, 7).expect("a valid configuration");
    let mut recent = RecentMessages::new(100_000);
    recent.run_until(&mut sim, ms(3_000));
    sim.apply(ms(3_000), Command::CrashBroker(BrokerId(1)))
        .unwrap();
    recent.run_until(&mut sim, ms(6_000));
    sim.apply(ms(6_000), Command::RestartBroker(BrokerId(1)))
        .unwrap();
    recent.run_until(&mut sim, ms(16_000));
    sim.apply(ms(16_000), Command::CrashConsumer(ConsumerId(1)))
        .unwrap();
    recent.run_until(&mut sim, ms(20_000));
    (sim, recent)
}

/// Decodes `e` with the independent codec and encodes it again.
fn round_trip(e: &Encoded) -> Result<Vec<u8>, String> {
    let size = i32::from_be_bytes(e.bytes[..4].try_into().unwrap());
    if size as usize != e.bytes.len() - 4 {
        return Err(format!("size {size} of {}", e.bytes.len()));
    }
    let key = ApiKey::try_from(e.api.key).map_err(|_| "an unknown API key".to_string())?;
    let version = e.api.version;
    let mut buf = Bytes::copy_from_slice(&e.bytes[4..]);
    let mut out = BytesMut::new();
    fn err<E: std::fmt::Display>(x: E) -> String {
        format!("{x:#}")
    }
    if e.request {
        let header = decode_request_header_from_buffer(&mut buf).map_err(err)?;
        assert_eq!(
            (header.request_api_key, header.request_api_version),
            (e.api.key, version)
        );
        assert_eq!(header.correlation_id, e.correlation_id);
        assert_eq!(
            header.client_id.as_ref().map(|c| c.to_string()),
            e.client_id
        );
        let body = RequestKind::decode(key, &mut buf, version).map_err(err)?;
        encode_request_header_into_buffer(&mut out, &header).map_err(err)?;
        body.encode(&mut out, version).map_err(err)?;
    } else {
        let header =
            ResponseHeader::decode(&mut buf, key.response_header_version(version)).map_err(err)?;
        assert_eq!(header.correlation_id, e.correlation_id);
        let body = ResponseKind::decode(key, &mut buf, version).map_err(err)?;
        header
            .encode(&mut out, key.response_header_version(version))
            .map_err(err)?;
        body.encode(&mut out, version).map_err(err)?;
    }
    if !buf.is_empty() {
        return Err(format!("{} bytes left over", buf.len()));
    }
    Ok(out.to_vec())
}

#[test]
fn every_message_of_a_run_decodes_with_an_independent_codec_and_encodes_back_the_same() {
    let (sim, recent) = eventful_run();
    let kinds = round_trips(&sim, &recent);
    // The run has the producer's, the followers', the group's and the recovery's APIs.
    for k in [
        MessageKind::ProduceRequest,
        MessageKind::ProduceResponse,
        MessageKind::FetchRequest,
        MessageKind::FetchResponse,
        MessageKind::MetadataRequest,
        MessageKind::MetadataResponse,
        MessageKind::InitProducerIdRequest,
        MessageKind::InitProducerIdResponse,
        MessageKind::FindCoordinatorRequest,
        MessageKind::FindCoordinatorResponse,
        MessageKind::JoinGroupRequest,
        MessageKind::JoinGroupResponse,
        MessageKind::SyncGroupRequest,
        MessageKind::SyncGroupResponse,
        MessageKind::HeartbeatRequest,
        MessageKind::HeartbeatResponse,
        MessageKind::OffsetCommitRequest,
        MessageKind::OffsetCommitResponse,
        MessageKind::OffsetFetchRequest,
        MessageKind::OffsetFetchResponse,
    ] {
        assert!(kinds.contains_key(&k), "no {k:?} in {kinds:?}");
    }
}

/// Round-trips every message `recent` holds through the independent codec; returns how
/// many of each kind it holds.
fn round_trips(sim: &Sim, recent: &RecentMessages) -> std::collections::BTreeMap<MessageKind, u32> {
    let mut kinds = std::collections::BTreeMap::new();
    for m in recent.list() {
        let kind = m.payload.kind();
        let Some(e) = recent.encode(sim, m.id) else {
            assert_eq!(
                kind,
                MessageKind::ConnectionReset,
                "only a reset has no bytes"
            );
            continue;
        };
        *kinds.entry(kind).or_insert(0) += 1;
        match round_trip(&e) {
            Ok(again) => assert!(
                again == e.bytes[4..],
                "{kind:?} {:?} re-encodes differently:\n{:02x?}\n{:02x?}",
                m.id,
                &e.bytes[4..],
                again
            ),
            Err(why) => panic!(
                "{kind:?} {:?} does not decode: {why}\n{:02x?}",
                m.id, e.bytes
            ),
        }
        // The fields cover the bytes, in order, with nothing between them.
        let mut at = 0;
        for f in &e.fields {
            assert!(f.start >= at || f.depth > 0, "{kind:?} {}", f.name);
            at = at.max(f.end);
        }
        assert_eq!(at as usize, e.bytes.len(), "{kind:?}");
    }
    // Every response answers a request the run sent.
    for m in recent.list() {
        if let Some(r) = protocol::response_to(&m.payload) {
            assert!(recent.get(r).is_some(), "{:?} answers {r:?}", m.id);
        }
    }
    kinds
}

/// A transactional producer committing every 20 records, a `read_committed` consumer,
/// an aborted transaction and the coordinator's broker crashing.
#[test]
fn the_transaction_apis_decode_with_the_independent_codec() {
    let mut config = cluster(3, 2, 3, 2);
    config.workload.rate = 300;
    config.producer.transactional_id = Some("payments-tx".into());
    config.workload.transaction_records = 20;
    config.consumers = 1;
    config.consumer.isolation_level = kscope_core::config::IsolationLevel::ReadCommitted;
    let mut sim = Sim::new(config, 5).expect("a valid configuration");
    let mut recent = RecentMessages::new(100_000);
    recent.run_until(&mut sim, ms(4_000));
    sim.apply(ms(4_000), Command::AbortTransaction).unwrap();
    recent.run_until(&mut sim, ms(8_000));
    let kinds = round_trips(&sim, &recent);
    for k in [
        MessageKind::AddPartitionsToTxnRequest,
        MessageKind::AddPartitionsToTxnResponse,
        MessageKind::EndTxnRequest,
        MessageKind::EndTxnResponse,
        MessageKind::WriteTxnMarkersRequest,
        MessageKind::WriteTxnMarkersResponse,
        MessageKind::InitProducerIdRequest,
        MessageKind::FindCoordinatorRequest,
        MessageKind::FetchResponse,
    ] {
        assert!(kinds.contains_key(&k), "no {k:?} in {kinds:?}");
    }
    // The transactional producer is named after its transactional.id.
    let end = recent
        .list()
        .iter()
        .find(|m| m.payload.kind() == MessageKind::EndTxnRequest)
        .unwrap();
    let e = recent.encode(&sim, end.id).unwrap();
    assert_eq!(e.client_id.as_deref(), Some("producer-payments-tx"));
    assert_eq!((e.api.key, e.api.version), (26, 5));
}

#[test]
fn a_produce_request_carries_its_batch_and_the_response_answers_its_correlation_id() {
    let (sim, recent) = eventful_run();
    let produce = recent
        .list()
        .iter()
        .find(|m| m.payload.kind() == MessageKind::ProduceRequest)
        .unwrap();
    let e = recent.encode(&sim, produce.id).unwrap();
    assert_eq!((e.api.key, e.api.version, e.api.name), (0, 12, "Produce"));
    assert_eq!(e.client_id.as_deref(), Some("producer-1"));
    let value = |name: &str| {
        e.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.clone())
    };
    assert_eq!(value("Acks").as_deref(), Some("-1"));
    assert_eq!(value("Name").as_deref(), Some("\"orders\""));
    // The batch inside: magic 2, its CRC-32C over what follows it.
    assert_eq!(value("magic").as_deref(), Some("2"));
    let crc = e.fields.iter().find(|f| f.name == "crc").unwrap();
    let batch_len = e.fields.iter().find(|f| f.name == "batchLength").unwrap();
    let len = i32::from_be_bytes(
        e.bytes[batch_len.start as usize..batch_len.end as usize]
            .try_into()
            .unwrap(),
    );
    let after = crc.end as usize;
    let end = batch_len.end as usize + len as usize;
    assert_eq!(
        format!("0x{:08x}", record_batch::crc32c(&e.bytes[after..end])),
        crc.value
    );
    let response = recent
        .list()
        .iter()
        .find(|m| protocol::response_to(&m.payload) == Some(produce.id))
        .expect("answered");
    let r = recent.encode(&sim, response.id).unwrap();
    assert_eq!(r.correlation_id, e.correlation_id);
    assert!(!r.request && r.header_end == 4 + 4 + 1);
}

/// The exactly-once pipeline's `TxnOffsetCommit`, and the `UNSTABLE_OFFSET_COMMIT` a
/// member's `OffsetFetch` meets while another member's transaction holds offsets.
#[test]
fn the_pipeline_apis_decode_with_the_independent_codec() {
    use kscope_core::config::{IsolationLevel, ManualCommit};
    let config = super::pipeline::pipeline_config(
        ManualCommit::Transactional,
        IsolationLevel::ReadCommitted,
    );
    let mut sim = Sim::new(config, 5).expect("a valid configuration");
    let mut recent = RecentMessages::new(100_000);
    recent.run_until(&mut sim, ms(8_000));
    sim.apply(ms(8_000), Command::CrashConsumer(ConsumerId(1)))
        .unwrap();
    recent.run_until(&mut sim, ms(10_000));
    sim.apply(ms(10_000), Command::RestartConsumer(ConsumerId(1)))
        .unwrap();
    recent.run_until(&mut sim, ms(14_000));
    let kinds = round_trips(&sim, &recent);
    for k in [
        MessageKind::TxnOffsetCommitRequest,
        MessageKind::TxnOffsetCommitResponse,
        MessageKind::AddPartitionsToTxnRequest,
        MessageKind::EndTxnRequest,
    ] {
        assert!(kinds.contains_key(&k), "no {k:?} in {kinds:?}");
    }
    let commit = recent
        .list()
        .iter()
        .find(|m| m.payload.kind() == MessageKind::TxnOffsetCommitRequest)
        .unwrap();
    let e = recent.encode(&sim, commit.id).unwrap();
    assert_eq!(e.client_id.as_deref(), Some("producer-orders-app-0"));
    assert_eq!((e.api.key, e.api.version), (28, 5));
}
