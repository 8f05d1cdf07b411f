//! Kafka's wire protocol: any message of the simulation as the bytes a Kafka 4.0 client
//! or broker puts on the TCP connection, with every field named as Kafka's message
//! definitions (`clients/src/main/resources/common/message/*.json`) name it.
//!
//! Encoded on demand, never stored: the simulation's messages carry what the run decided;
//! [`encode`] lays it out. Every message is framed as Kafka frames it: a 4-byte size, then
//! the request header v2 (`RequestApiKey`, `RequestApiVersion`, `CorrelationId`,
//! `ClientId`, tagged fields) or the response header v1 (`CorrelationId`, tagged fields),
//! then the body. Each API is encoded in one version ([`api`]): the newest Kafka 4.0's
//! clients send to a 4.0 broker. All of them are flexible versions (KIP-482): strings,
//! arrays and bytes are compact (length + 1 as an unsigned varint, 0 for null), and every
//! structure ends with its tagged fields (a count, then tag, size and data of each).
//!
//! What kscope does not model is written as the client or broker writes it when the
//! feature is off, and the doc comment of the field says so: no fetch sessions (KIP-227:
//! every fetch is a full one, `SessionEpoch` -1), no throttling (`ThrottleTimeMs` 0), no
//! racks (`RackId` empty), no transactions (`AbortedTransactions` null, the last stable
//! offset is the high watermark). The correlation id is kscope's message number (Kafka's
//! `NetworkClient` counts per client; either way the response echoes its request's).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::assignor::{AssignorKind, Subscription};
use crate::config::Acks;
use crate::event::{KafkaError, MessageKind};
use crate::ids::{BrokerId, MessageId, NodeId, TopicId, TopicPartition};
use crate::network::{FrozenBatch, Message, Payload, ProduceRequest};
use crate::record_batch::{self, BatchHeader, Field};
use crate::sim::Sim;

/// An API as kscope encodes it: Kafka's API key, the version, the name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Api {
    pub key: i16,
    pub version: i16,
    pub name: &'static str,
}

/// The API a kind of message belongs to, in the version kscope encodes (`None` for a
/// connection reset, which is TCP's, not Kafka's). Produce v12 has v11's body (KIP-890
/// part 2 added it to say the client speaks transactions v2); Fetch v17 adds the
/// follower's directory id (KIP-853); ListOffsets v10 a timeout for tiered storage
/// (KIP-1075).
pub fn api(kind: MessageKind) -> Option<Api> {
    use MessageKind as K;
    let (key, version, name) = match kind {
        K::ProduceRequest | K::ProduceResponse => (0, 12, "Produce"),
        K::FetchRequest | K::FetchResponse => (1, 17, "Fetch"),
        K::ListOffsetsRequest | K::ListOffsetsResponse => (2, 10, "ListOffsets"),
        K::MetadataRequest | K::MetadataResponse => (3, 12, "Metadata"),
        K::OffsetCommitRequest | K::OffsetCommitResponse => (8, 9, "OffsetCommit"),
        K::OffsetFetchRequest | K::OffsetFetchResponse => (9, 9, "OffsetFetch"),
        K::FindCoordinatorRequest | K::FindCoordinatorResponse => (10, 6, "FindCoordinator"),
        K::JoinGroupRequest | K::JoinGroupResponse => (11, 9, "JoinGroup"),
        K::HeartbeatRequest | K::HeartbeatResponse => (12, 4, "Heartbeat"),
        K::LeaveGroupRequest | K::LeaveGroupResponse => (13, 5, "LeaveGroup"),
        K::SyncGroupRequest | K::SyncGroupResponse => (14, 5, "SyncGroup"),
        K::InitProducerIdRequest | K::InitProducerIdResponse => (22, 5, "InitProducerId"),
        K::OffsetsForLeaderEpochRequest | K::OffsetsForLeaderEpochResponse => {
            (23, 4, "OffsetForLeaderEpoch")
        }
        K::AddPartitionsToTxnRequest | K::AddPartitionsToTxnResponse => {
            (24, 5, "AddPartitionsToTxn")
        }
        K::EndTxnRequest | K::EndTxnResponse => (26, 5, "EndTxn"),
        K::WriteTxnMarkersRequest | K::WriteTxnMarkersResponse => (27, 1, "WriteTxnMarkers"),
        // v5 has v4's body: KIP-890 part 2 added it to say the client speaks transactions
        // v2 (no AddOffsetsToTxn before it).
        K::TxnOffsetCommitRequest | K::TxnOffsetCommitResponse => (28, 5, "TxnOffsetCommit"),
        K::ConnectionReset => return None,
    };
    Some(Api { key, version, name })
}

/// Whether a kind of message is a request (else a response).
pub fn is_request(kind: MessageKind) -> bool {
    use MessageKind as K;
    matches!(
        kind,
        K::ProduceRequest
            | K::FetchRequest
            | K::ListOffsetsRequest
            | K::MetadataRequest
            | K::OffsetCommitRequest
            | K::OffsetFetchRequest
            | K::FindCoordinatorRequest
            | K::JoinGroupRequest
            | K::HeartbeatRequest
            | K::LeaveGroupRequest
            | K::SyncGroupRequest
            | K::InitProducerIdRequest
            | K::OffsetsForLeaderEpochRequest
            | K::AddPartitionsToTxnRequest
            | K::EndTxnRequest
            | K::WriteTxnMarkersRequest
            | K::TxnOffsetCommitRequest
    )
}

/// One field of an encoded message: Kafka's name for it, how deep it is nested (0 for
/// the header's fields and the body's top level; a batch inside `Records` and its
/// records go deeper), its bytes `start..end` and its value as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireField {
    pub name: &'static str,
    pub depth: u8,
    pub start: u32,
    pub end: u32,
    pub value: String,
}

/// A message in bytes: its API, whether it is the request, its correlation id, the bytes
/// from the size on, where the header ends, and every field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoded {
    pub api: Api,
    pub request: bool,
    pub correlation_id: i32,
    pub client_id: Option<String>,
    pub bytes: Vec<u8>,
    pub header_end: u32,
    pub fields: Vec<WireField>,
}

/// Kafka's error code of an error a broker sends (`Errors.java`); -1
/// (`UNKNOWN_SERVER_ERROR`) for the client's own errors, which no broker sends.
pub fn error_code(e: KafkaError) -> i16 {
    use KafkaError as E;
    match e {
        E::OffsetOutOfRange => 1,
        E::NotLeaderOrFollower => 6,
        E::RequestTimedOut => 7,
        E::RecordTooLarge => 10,
        E::NetworkException => 13,
        E::CoordinatorNotAvailable => 15,
        E::NotCoordinator => 16,
        E::NotEnoughReplicas => 19,
        E::NotEnoughReplicasAfterAppend => 20,
        E::IllegalGeneration => 22,
        E::InconsistentGroupProtocol => 23,
        E::UnknownMemberId => 25,
        E::RebalanceInProgress => 27,
        E::OutOfOrderSequenceNumber => 45,
        E::InvalidProducerEpoch => 47,
        E::InvalidTxnState => 48,
        E::InvalidProducerIdMapping => 49,
        E::ConcurrentTransactions => 51,
        E::ProducerFenced => 90,
        E::FencedLeaderEpoch => 74,
        E::UnknownLeaderEpoch => 75,
        E::MemberIdRequired => 79,
        E::FencedInstanceId => 82,
        E::InvalidRecord => 87,
        E::UnstableOffsetCommit => 88,
        E::DeliveryTimeout
        | E::BufferExhaustedTimeout
        | E::NoOffsetForPartition
        | E::CommitFailed
        | E::LogTruncation
        | E::TransactionAborted => -1,
    }
}

fn code(e: Option<KafkaError>) -> i16 {
    e.map_or(0, error_code)
}

/// A topic's id (Kafka's random `Uuid`, here drawn from the run's seed so that a run's
/// ids are the same whenever it is replayed).
pub fn topic_uuid(seed: u64, topic: TopicId) -> [u8; 16] {
    let mut rng = crate::rng::Rng::new(seed ^ 0x0074_6f70_6963_6964, u64::from(topic.0) + 1);
    let mut u = [0; 16];
    for chunk in u.chunks_mut(4) {
        chunk.copy_from_slice(&rng.next_u32().to_be_bytes());
    }
    // Version 4 and the variant bits, as `Uuid.randomUuid` (via `UUID.randomUUID`).
    u[6] = (u[6] & 0x0f) | 0x40;
    u[8] = (u[8] & 0x3f) | 0x80;
    u
}

/// A `Uuid` as Kafka prints it: URL-safe base64 without padding (22 characters).
pub fn uuid_text(u: &[u8; 16]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut s = String::with_capacity(22);
    for chunk in u.chunks(3) {
        let mut n = 0u32;
        for (i, b) in chunk.iter().enumerate() {
            n |= u32::from(*b) << (16 - 8 * i);
        }
        for i in 0..=chunk.len() {
            s.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    s
}

/// The host name kscope gives a broker in the responses that list brokers (all listen
/// on 9092, plaintext).
pub fn broker_host(b: BrokerId) -> String {
    format!("kafka-{}", b.0)
}

/// The client id a node sends: Kafka's defaults (`producer-1`, `consumer-{group}-{n}`,
/// a follower's fetcher `broker-{id}-fetcher-0`).
pub fn client_id(sim: &Sim, node: NodeId) -> String {
    match node {
        // `ProducerConfig.maybeOverrideClientId`: a transactional producer's is named
        // after its `transactional.id`.
        NodeId::Producer(p) => match sim.producers().get(&p).and_then(|p| p.txn.as_ref()) {
            Some(t) => format!("producer-{}", t.transactional_id),
            None => format!("producer-{}", p.0 + 1),
        },
        NodeId::Consumer(c) => {
            let group = sim.consumers().get(&c).map_or(0, |c| c.group);
            let name = sim.config().group_ids().nth(group as usize).unwrap_or("");
            format!("consumer-{name}-{}", c.0 + 1)
        }
        NodeId::Broker(b) => format!("broker-{}-fetcher-0", b.0),
    }
}

/// The client id of a request: its sender's, or for a broker's transaction requests the
/// name of the client that sends them (`AddPartitionsToTxnManager`'s network client,
/// `TransactionMarkerChannelManager`'s).
fn client_id_of(sim: &Sim, m: &Message) -> String {
    match (&m.payload, m.from) {
        (Payload::AddPartitionsToTxnRequest(_), NodeId::Broker(b)) => {
            format!("AddPartitionsManager-client-{}", b.0)
        }
        (Payload::WriteTxnMarkersRequest(_), NodeId::Broker(b)) => {
            format!("broker-{}-txn-marker-sender", b.0)
        }
        _ => client_id(sim, m.from),
    }
}

// ----- the writer ---------------------------------------------------------------------

/// Tagged fields present: tag, name, data.
type Tags = Vec<(u32, &'static str, W)>;

struct W {
    out: Vec<u8>,
    fields: Vec<WireField>,
    depth: u8,
}

fn uvarint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

impl W {
    fn new(depth: u8) -> W {
        W {
            out: Vec::new(),
            fields: Vec::new(),
            depth,
        }
    }

    fn put(&mut self, name: &'static str, value: String, bytes: &[u8]) {
        let start = self.out.len() as u32;
        self.out.extend_from_slice(bytes);
        self.fields.push(WireField {
            name,
            depth: self.depth,
            start,
            end: self.out.len() as u32,
            value,
        });
    }

    fn int8(&mut self, name: &'static str, v: i8) {
        self.put(name, v.to_string(), &v.to_be_bytes());
    }
    fn int16(&mut self, name: &'static str, v: i16) {
        self.put(name, v.to_string(), &v.to_be_bytes());
    }
    fn int32(&mut self, name: &'static str, v: i32) {
        self.put(name, v.to_string(), &v.to_be_bytes());
    }
    fn int64(&mut self, name: &'static str, v: i64) {
        self.put(name, v.to_string(), &v.to_be_bytes());
    }
    fn boolean(&mut self, name: &'static str, v: bool) {
        self.put(name, v.to_string(), &[u8::from(v)]);
    }
    fn uuid(&mut self, name: &'static str, u: [u8; 16]) {
        self.put(name, uuid_text(&u), &u);
    }
    /// A compact (nullable) string.
    fn string(&mut self, name: &'static str, s: Option<&str>) {
        let mut b = Vec::new();
        match s {
            None => b.push(0),
            Some(s) => {
                uvarint(&mut b, s.len() as u64 + 1);
                b.extend_from_slice(s.as_bytes());
            }
        }
        self.put(
            name,
            s.map_or("null".to_string(), |s| format!("\"{s}\"")),
            &b,
        );
    }
    /// Compact bytes, their contents laid out by `inner` as fields one level deeper.
    fn bytes(&mut self, name: &'static str, inner: Option<W>) {
        let mut len = Vec::new();
        let Some(inner) = inner else {
            self.put(name, "null".to_string(), &[0]);
            return;
        };
        uvarint(&mut len, inner.out.len() as u64 + 1);
        let value = format!("{} B", inner.out.len());
        self.put(name, value, &len);
        self.splice(inner);
    }
    fn splice(&mut self, inner: W) {
        let at = self.out.len() as u32;
        self.out.extend_from_slice(&inner.out);
        self.fields
            .extend(inner.fields.into_iter().map(|f| WireField {
                start: f.start + at,
                end: f.end + at,
                ..f
            }));
    }
    /// A compact array of structures, each ending with its (empty) tagged fields.
    fn array<T>(&mut self, name: &'static str, items: &[T], mut each: impl FnMut(&mut W, &T)) {
        self.array_tagged(name, items, |w, it| {
            each(w, it);
            Vec::new()
        });
    }
    /// A compact array of structures whose tagged fields `each` returns.
    fn array_tagged<T>(
        &mut self,
        name: &'static str,
        items: &[T],
        mut each: impl FnMut(&mut W, &T) -> Tags,
    ) {
        self.count(name, Some(items.len()));
        self.depth += 1;
        for it in items {
            let tags = each(self, it);
            self.tags(tags);
        }
        self.depth -= 1;
    }
    fn count(&mut self, name: &'static str, n: Option<usize>) {
        let mut b = Vec::new();
        uvarint(&mut b, n.map_or(0, |n| n as u64 + 1));
        self.put(name, n.map_or("null".to_string(), |n| format!("[{n}]")), &b);
    }
    /// A compact array of int32.
    fn int32s(&mut self, name: &'static str, items: &[i32]) {
        let mut b = Vec::new();
        uvarint(&mut b, items.len() as u64 + 1);
        for i in items {
            b.extend_from_slice(&i.to_be_bytes());
        }
        let list: Vec<String> = items.iter().map(|i| i.to_string()).collect();
        self.put(name, format!("[{}]", list.join(", ")), &b);
    }
    fn no_tags(&mut self) {
        self.put("TaggedFields", "0".to_string(), &[0]);
    }
    /// The tagged fields of a structure: each present one's tag and size, then its data
    /// (a structure, with tagged fields of its own).
    fn tags(&mut self, present: Tags) {
        let mut b = Vec::new();
        uvarint(&mut b, present.len() as u64);
        self.put("TaggedFields", present.len().to_string(), &b);
        for (tag, name, mut inner) in present {
            inner.no_tags();
            let mut h = Vec::new();
            uvarint(&mut h, u64::from(tag));
            uvarint(&mut h, inner.out.len() as u64);
            self.put(name, format!("tag {tag}, {} B", inner.out.len()), &h);
            self.splice(inner);
        }
    }
    fn sub(&self) -> W {
        W::new(self.depth + 1)
    }
}

// ----- what the messages hold ---------------------------------------------------------

fn topic_name(sim: &Sim, t: TopicId) -> &str {
    sim.topics()
        .get(t.0 as usize)
        .map_or("", |t| t.spec.name.as_str())
}

/// Partitions grouped by topic, in the order the topics first appear.
fn by_topic<T: Clone>(
    items: impl Iterator<Item = (TopicPartition, T)>,
) -> Vec<(TopicId, Vec<(u32, T)>)> {
    let mut out: Vec<(TopicId, Vec<(u32, T)>)> = Vec::new();
    for (tp, v) in items {
        match out.iter_mut().find(|(t, _)| *t == tp.topic) {
            Some((_, list)) => list.push((tp.partition, v)),
            None => out.push((tp.topic, alloc::vec![(tp.partition, v)])),
        }
    }
    out
}

/// A batch's bytes and fields inside `Records`, one level deeper (its records deeper
/// still).
fn batch_fields(w: &mut W, bytes: &[u8], spans: &[record_batch::Span]) {
    let at = w.out.len() as u32;
    w.out.extend_from_slice(bytes);
    for s in spans {
        let b = &bytes[s.start as usize..s.end as usize];
        w.fields.push(WireField {
            name: s.field.name(),
            depth: w.depth + u8::from(s.record.is_some() && s.field != Field::Length),
            start: s.start + at,
            end: s.end + at,
            value: record_batch::field_value(s.field, b),
        });
    }
}

/// A producer batch as the producer sends it: base offset 0, the partition leader epoch
/// unset (-1): the leader assigns both when it appends.
fn frozen_bytes(sim: &Sim, b: &FrozenBatch, spans: &mut Vec<record_batch::Span>) -> Vec<u8> {
    let base = b.records.iter().map(|r| r.timestamp_ms).min().unwrap_or(0);
    let header = BatchHeader {
        base_offset: 0,
        partition_leader_epoch: -1,
        attributes: 0,
        last_offset_delta: b.records.len() as i32 - 1,
        base_timestamp: base,
        max_timestamp: b.max_timestamp_ms,
        producer_id: b.producer_id,
        producer_epoch: b.producer_epoch,
        base_sequence: b.base_sequence,
    };
    let seed = sim.seed();
    let value = |r: &crate::log::StoredRecord| sim.record_value(r);
    let records = record_batch::record_bytes(&b.records, base, seed, &value);
    record_batch::encode(&header, &records, Some(spans))
}

/// `Records`: compact nullable bytes holding whole batches.
fn records(w: &mut W, batches: Vec<(Vec<u8>, Vec<record_batch::Span>)>) {
    let mut inner = w.sub();
    for (bytes, spans) in &batches {
        batch_fields(&mut inner, bytes, spans);
    }
    w.bytes("Records", Some(inner));
}

/// Bytes laid out elsewhere, with their fields, as the contents of a `bytes` field one
/// level deeper than `w`.
fn inner(w: &W, bytes: Vec<u8>, fields: Vec<crate::assignor::ProtocolField>) -> W {
    let mut m = w.sub();
    m.out = bytes;
    let depth = m.depth;
    m.fields = fields
        .into_iter()
        .map(|(name, start, end, value)| WireField {
            name,
            depth,
            start,
            end,
            value,
        })
        .collect();
    m
}

/// `ConsumerProtocolSubscription` v3 as JoinGroup's `Metadata` carries it
/// ([`crate::assignor::subscription_bytes`]).
fn subscription(w: &W, s: &Subscription, assignor: AssignorKind) -> W {
    let mut fields = Vec::new();
    let bytes = crate::assignor::subscription_bytes(s, assignor, Some(&mut fields));
    inner(w, bytes, fields)
}

/// `ConsumerProtocolAssignment` v3 as SyncGroup's `Assignment` carries it.
fn assignment(sim: &Sim, w: &W, partitions: &[TopicPartition]) -> W {
    let topics = crate::assignor::by_topic(
        partitions
            .iter()
            .map(|tp| (topic_name(sim, tp.topic), tp.partition as i32)),
    );
    let mut fields = Vec::new();
    let bytes = crate::assignor::assignment_bytes(&topics, Some(&mut fields));
    inner(w, bytes, fields)
}

fn acks_value(a: Acks) -> i16 {
    match a {
        Acks::None => 0,
        Acks::Leader => 1,
        Acks::All => -1,
    }
}

/// The request `id` names, if it is still in flight or among `recent`.
fn request_of(recent: &[Message], id: MessageId) -> Option<&Message> {
    recent.iter().find(|m| m.id == id)
}

/// The topics a client asks metadata for: the producer's application topics, or the
/// consumer's group's subscription.
fn metadata_topics(sim: &Sim, node: NodeId) -> Vec<TopicId> {
    match node {
        NodeId::Consumer(c) => {
            let group = sim.consumers().get(&c).map_or(0, |c| c.group);
            sim.config()
                .subscription_of(group)
                .iter()
                .map(|t| TopicId(*t))
                .collect()
        }
        _ => (0..sim.config().topics.len() as u32).map(TopicId).collect(),
    }
}

/// `m` in Kafka's bytes, with its fields; `recent` are messages sent before it (a
/// response's request is looked up there for what the response repeats of it). `None`
/// for a connection reset, which carries no Kafka bytes.
pub fn encode(sim: &Sim, m: &Message, recent: &[Message]) -> Option<Encoded> {
    let kind = m.payload.kind();
    let api = api(kind)?;
    let request = is_request(kind);
    let mut w = W::new(0);
    w.put("Size", String::new(), &[0; 4]);
    let (correlation_id, client_id) = match response_to(&m.payload) {
        Some(r) => (r.0 as i32, None),
        None => (m.id.0 as i32, Some(client_id_of(sim, m))),
    };
    if let Some(client) = &client_id {
        w.int16("RequestApiKey", api.key);
        w.int16("RequestApiVersion", api.version);
        w.int32("CorrelationId", correlation_id);
        // Always an int16-length string, even in flexible versions.
        let mut b = (client.len() as i16).to_be_bytes().to_vec();
        b.extend_from_slice(client.as_bytes());
        w.put("ClientId", format!("\"{client}\""), &b);
    } else {
        w.int32("CorrelationId", correlation_id);
    }
    w.no_tags();
    let header_end = w.out.len() as u32;
    let top = body(sim, m, recent, &mut w);
    w.tags(top);
    let size = w.out.len() as i32 - 4;
    w.out[..4].copy_from_slice(&size.to_be_bytes());
    w.fields[0].value = size.to_string();
    Some(Encoded {
        api,
        request,
        correlation_id,
        client_id,
        bytes: w.out,
        header_end,
        fields: w.fields,
    })
}

/// The request a response answers.
pub fn response_to(p: &Payload) -> Option<MessageId> {
    use Payload as P;
    match p {
        P::ProduceResponse { request, .. }
        | P::FetchResponse { request, .. }
        | P::MetadataResponse { request, .. }
        | P::InitProducerIdResponse { request, .. }
        | P::ConnectionReset { request }
        | P::FindCoordinatorResponse { request, .. }
        | P::JoinGroupResponse { request, .. }
        | P::SyncGroupResponse { request, .. }
        | P::HeartbeatResponse { request, .. }
        | P::LeaveGroupResponse { request }
        | P::OffsetCommitResponse { request, .. }
        | P::OffsetFetchResponse { request, .. }
        | P::ListOffsetsResponse { request, .. }
        | P::OffsetsForLeaderEpochResponse { request, .. }
        | P::AddPartitionsToTxnResponse { request, .. }
        | P::EndTxnResponse { request, .. }
        | P::WriteTxnMarkersResponse { request, .. }
        | P::TxnOffsetCommitResponse { request, .. } => Some(*request),
        _ => None,
    }
}

/// Writes `m`'s body but for its top-level tagged fields, which it returns.
fn body(sim: &Sim, m: &Message, recent: &[Message], w: &mut W) -> Tags {
    use Payload as P;
    let mut top = Tags::new();
    let seed = sim.seed();
    let broker = |n: NodeId| match n {
        NodeId::Broker(b) => sim.brokers().get(&b),
        _ => None,
    };
    let log_start = |n: NodeId, tp: TopicPartition| {
        broker(n)
            .and_then(|b| b.replicas.get(&tp))
            .map_or(-1, |r| r.log.log_start_offset().0)
    };
    match &m.payload {
        P::ProduceRequest(ProduceRequest {
            transactional_id,
            acks,
            timeout_ms,
            batches,
        }) => {
            w.string("TransactionalId", transactional_id.as_deref());
            w.int16("Acks", acks_value(*acks));
            w.int32("TimeoutMs", *timeout_ms as i32);
            let topics = by_topic(batches.iter().map(|b| (b.partition, b.clone())));
            w.array("TopicData", &topics, |w, (t, parts)| {
                w.string("Name", Some(topic_name(sim, *t)));
                w.array("PartitionData", parts, |w, (p, b)| {
                    w.int32("Index", *p as i32);
                    let mut spans = Vec::new();
                    let bytes = frozen_bytes(sim, b, &mut spans);
                    records(w, alloc::vec![(bytes, spans)]);
                });
            });
        }
        P::ProduceResponse { results, .. } => {
            let topics = by_topic(results.iter().map(|(tp, _, r)| (*tp, *r)));
            w.array("Responses", &topics, |w, (t, parts)| {
                w.string("Name", Some(topic_name(sim, *t)));
                w.array_tagged("PartitionResponses", parts, |w, (p, r)| {
                    let tp = TopicPartition::new(*t, *p);
                    w.int32("Index", *p as i32);
                    w.int16("ErrorCode", r.err().map_or(0, error_code));
                    w.int64("BaseOffset", r.map_or(-1, |o| o.0));
                    w.int64("LogAppendTimeMs", -1);
                    let start = if r.is_ok() { log_start(m.from, tp) } else { -1 };
                    w.int64("LogStartOffset", start);
                    w.array("RecordErrors", &[] as &[()], |_, _| {});
                    w.string("ErrorMessage", None);
                    let mut tags = Vec::new();
                    if matches!(
                        r,
                        Err(KafkaError::NotLeaderOrFollower | KafkaError::FencedLeaderEpoch)
                    ) {
                        tags.push((0, "CurrentLeader", current_leader(sim, w, *t, *p)));
                    }
                    tags
                });
            });
            w.int32("ThrottleTimeMs", 0);
        }
        P::FetchRequest {
            max_wait_ms,
            partition_max_bytes,
            max_bytes,
            min_bytes,
            read_committed,
            partitions,
        } => {
            if let NodeId::Broker(b) = m.from {
                // KIP-903: a follower names itself in a tagged field (kscope has no broker
                // epochs: -1).
                let mut s = W::new(1);
                s.int32("ReplicaId", b.0 as i32);
                s.int64("ReplicaEpoch", -1);
                top.push((1, "ReplicaState", s));
            }
            w.int32("MaxWaitMs", *max_wait_ms as i32);
            w.int32("MinBytes", *min_bytes as i32);
            w.int32("MaxBytes", *max_bytes as i32);
            w.int8("IsolationLevel", i8::from(*read_committed));
            w.int32("SessionId", 0);
            w.int32("SessionEpoch", -1);
            let topics = by_topic(partitions.iter().map(|p| (p.partition, p.clone())));
            w.array("Topics", &topics, |w, (t, parts)| {
                w.uuid("TopicId", topic_uuid(seed, *t));
                w.array("Partitions", parts, |w, (p, f)| {
                    w.int32("Partition", *p as i32);
                    w.int32("CurrentLeaderEpoch", f.current_leader_epoch.0);
                    w.int64("FetchOffset", f.fetch_offset.0);
                    w.int32("LastFetchedEpoch", f.last_fetched_epoch.map_or(-1, |e| e.0));
                    let start = if matches!(m.from, NodeId::Broker(_)) {
                        log_start(m.from, f.partition)
                    } else {
                        -1
                    };
                    w.int64("LogStartOffset", start);
                    w.int32("PartitionMaxBytes", *partition_max_bytes as i32);
                });
            });
            w.array("ForgottenTopicsData", &[] as &[()], |_, _| {});
            w.string("RackId", Some(""));
        }
        P::FetchResponse {
            partitions,
            request,
        } => {
            let read_committed = matches!(
                request_of(recent, *request).map(|r| &r.payload),
                Some(P::FetchRequest {
                    read_committed: true,
                    ..
                })
            );
            w.int32("ThrottleTimeMs", 0);
            w.int16("ErrorCode", 0);
            w.int32("SessionId", 0);
            let topics = by_topic(partitions.iter().map(|p| (p.partition, p.clone())));
            w.array("Responses", &topics, |w, (t, parts)| {
                w.uuid("TopicId", topic_uuid(seed, *t));
                w.array_tagged("Partitions", parts, |w, (p, d)| {
                    w.int32("PartitionIndex", *p as i32);
                    w.int16("ErrorCode", code(d.error));
                    w.int64("HighWatermark", d.high_watermark.0);
                    w.int64("LastStableOffset", d.last_stable_offset.0);
                    w.int64("LogStartOffset", d.log_start_offset.0);
                    if read_committed {
                        w.array("AbortedTransactions", &d.aborted, |w, (pid, first)| {
                            w.int64("ProducerId", *pid);
                            w.int64("FirstOffset", first.0);
                        });
                    } else {
                        w.count("AbortedTransactions", None);
                    }
                    w.int32("PreferredReadReplica", -1);
                    let batches = d
                        .batches
                        .iter()
                        .map(|b| {
                            let mut spans = Vec::new();
                            (
                                record_batch::encode_stored_by(
                                    b,
                                    seed,
                                    &|r| sim.record_value(r),
                                    Some(&mut spans),
                                ),
                                spans,
                            )
                        })
                        .collect();
                    records(w, batches);
                    let mut tags = Vec::new();
                    if let Some((epoch, end)) = d.diverging_epoch {
                        let mut e = w.sub();
                        e.int32("Epoch", epoch.0);
                        e.int64("EndOffset", end.0);
                        tags.push((0, "DivergingEpoch", e));
                    }
                    if matches!(
                        d.error,
                        Some(KafkaError::NotLeaderOrFollower | KafkaError::FencedLeaderEpoch)
                    ) {
                        tags.push((1, "CurrentLeader", current_leader(sim, w, *t, *p)));
                    }
                    tags
                });
            });
        }
        P::MetadataRequest => {
            let topics = metadata_topics(sim, m.from);
            w.array("Topics", &topics, |w, t| {
                w.uuid("TopicId", [0; 16]);
                w.string("Name", Some(topic_name(sim, *t)));
            });
            w.boolean("AllowAutoTopicCreation", true);
            w.boolean("IncludeTopicAuthorizedOperations", false);
        }
        P::MetadataResponse { partitions, .. } => {
            w.int32("ThrottleTimeMs", 0);
            let brokers: Vec<BrokerId> = sim
                .brokers()
                .iter()
                .filter(|(_, b)| b.up && !b.fenced)
                .map(|(id, _)| *id)
                .collect();
            w.array("Brokers", &brokers, |w, b| {
                w.int32("NodeId", b.0 as i32);
                w.string("Host", Some(&broker_host(*b)));
                w.int32("Port", 9092);
                w.string("Rack", None);
            });
            let cluster = uuid_text(&topic_uuid(seed, TopicId(u32::MAX)));
            w.string("ClusterId", Some(&cluster));
            w.int32("ControllerId", brokers.first().map_or(-1, |b| b.0 as i32));
            let asked = request_of(recent, response_to(&m.payload).unwrap_or(MessageId(0)))
                .map_or_else(
                    || metadata_topics(sim, m.to),
                    |r| metadata_topics(sim, r.from),
                );
            let topics = by_topic(
                partitions
                    .iter()
                    .filter(|(tp, _, _)| asked.contains(&tp.topic))
                    .map(|(tp, l, e)| (*tp, (*l, *e))),
            );
            w.array("Topics", &topics, |w, (t, parts)| {
                w.int16("ErrorCode", 0);
                let name = topic_name(sim, *t);
                w.string("Name", Some(name));
                w.uuid("TopicId", topic_uuid(seed, *t));
                w.boolean("IsInternal", name.starts_with("__"));
                w.array("Partitions", parts, |w, (p, (leader, epoch))| {
                    let s = &sim.topics()[t.0 as usize].partitions[*p as usize];
                    w.int16("ErrorCode", if leader.is_some() { 0 } else { 5 });
                    w.int32("PartitionIndex", *p as i32);
                    w.int32("LeaderId", leader.map_or(-1, |b| b.0 as i32));
                    w.int32("LeaderEpoch", epoch.0);
                    let ids = |v: &[BrokerId]| v.iter().map(|b| b.0 as i32).collect::<Vec<_>>();
                    w.int32s("ReplicaNodes", &ids(&s.replicas));
                    w.int32s("IsrNodes", &ids(&s.isr));
                    let offline: Vec<BrokerId> = s
                        .replicas
                        .iter()
                        .filter(|b| !brokers.contains(b))
                        .copied()
                        .collect();
                    w.int32s("OfflineReplicas", &ids(&offline));
                });
                w.int32("TopicAuthorizedOperations", i32::MIN);
            });
        }
        P::InitProducerIdRequest {
            transactional_id,
            transaction_timeout_ms,
        } => {
            w.string("TransactionalId", transactional_id.as_deref());
            w.int32(
                "TransactionTimeoutMs",
                if transactional_id.is_some() {
                    *transaction_timeout_ms as i32
                } else {
                    60_000
                },
            );
            w.int64("ProducerId", -1);
            w.int16("ProducerEpoch", -1);
        }
        P::InitProducerIdResponse {
            producer_id,
            epoch,
            error,
            ..
        } => {
            w.int32("ThrottleTimeMs", 0);
            w.int16("ErrorCode", code(*error));
            w.int64("ProducerId", *producer_id);
            w.int16("ProducerEpoch", *epoch);
        }
        P::ConnectionReset { .. } => {}
        P::AddPartitionsToTxnRequest(r) => {
            w.array("Transactions", &[()], |w, _| {
                w.string("TransactionalId", Some(&r.transactional_id));
                w.int64("ProducerId", r.producer_id);
                w.int16("ProducerEpoch", r.epoch);
                // Transaction version 2: the leader adds the partitions, not only checks.
                w.boolean("VerifyOnly", false);
                let topics = by_topic(r.partitions.iter().map(|tp| (*tp, ())));
                w.array("Topics", &topics, |w, (t, parts)| {
                    w.string("Name", Some(topic_name(sim, *t)));
                    let ids: Vec<i32> = parts.iter().map(|(p, _)| *p as i32).collect();
                    w.int32s("Partitions", &ids);
                });
            });
        }
        P::AddPartitionsToTxnResponse { request, error } => {
            w.int32("ThrottleTimeMs", 0);
            w.int16("ErrorCode", 0);
            let asked = match request_of(recent, *request).map(|r| &r.payload) {
                Some(P::AddPartitionsToTxnRequest(r)) => Some(r.clone()),
                _ => None,
            };
            let asked = asked.as_deref();
            w.array("ResultsByTransaction", &[()], |w, _| {
                w.string(
                    "TransactionalId",
                    Some(asked.map_or("", |r| &*r.transactional_id)),
                );
                let parts = asked.map_or(&[][..], |r| &r.partitions[..]);
                let topics = by_topic(parts.iter().map(|tp| (*tp, ())));
                w.array("TopicResults", &topics, |w, (t, parts)| {
                    w.string("Name", Some(topic_name(sim, *t)));
                    w.array("ResultsByPartition", parts, |w, (p, _)| {
                        w.int32("PartitionIndex", *p as i32);
                        w.int16("PartitionErrorCode", code(*error));
                    });
                });
            });
        }
        P::EndTxnRequest {
            transactional_id,
            producer_id,
            epoch,
            commit,
        } => {
            w.string("TransactionalId", Some(transactional_id));
            w.int64("ProducerId", *producer_id);
            w.int16("ProducerEpoch", *epoch);
            w.boolean("Committed", *commit);
        }
        P::EndTxnResponse {
            error,
            producer_id,
            epoch,
            ..
        } => {
            w.int32("ThrottleTimeMs", 0);
            w.int16("ErrorCode", code(*error));
            w.int64("ProducerId", *producer_id);
            w.int16("ProducerEpoch", *epoch);
        }
        P::WriteTxnMarkersRequest(m) => {
            w.array("Markers", &[()], |w, _| {
                w.int64("ProducerId", m.producer_id);
                w.int16("ProducerEpoch", m.epoch);
                w.boolean("TransactionResult", m.commit);
                let topics = by_topic(m.partitions.iter().map(|tp| (*tp, ())));
                w.array("Topics", &topics, |w, (t, parts)| {
                    w.string("Name", Some(topic_name(sim, *t)));
                    let ids: Vec<i32> = parts.iter().map(|(p, _)| *p as i32).collect();
                    w.int32s("PartitionIndexes", &ids);
                });
                w.int32("CoordinatorEpoch", m.coordinator_epoch);
            });
        }
        P::WriteTxnMarkersResponse { request, results } => {
            let pid = match request_of(recent, *request).map(|r| &r.payload) {
                Some(P::WriteTxnMarkersRequest(m)) => m.producer_id,
                _ => -1,
            };
            w.array("Markers", &[()], |w, _| {
                w.int64("ProducerId", pid);
                let topics = by_topic(results.iter().map(|(tp, e)| (*tp, *e)));
                w.array("Topics", &topics, |w, (t, parts)| {
                    w.string("Name", Some(topic_name(sim, *t)));
                    w.array("Partitions", parts, |w, (p, e)| {
                        w.int32("PartitionIndex", *p as i32);
                        w.int16("ErrorCode", code(*e));
                    });
                });
            });
        }
        P::FindCoordinatorRequest { group, transaction } => {
            w.int8("KeyType", i8::from(*transaction));
            let mut b = Vec::new();
            uvarint(&mut b, 2);
            w.put("CoordinatorKeys", "[1]".to_string(), &b);
            w.depth += 1;
            w.string("Key", Some(group));
            w.depth -= 1;
        }
        P::FindCoordinatorResponse {
            coordinator,
            request,
        } => {
            w.int32("ThrottleTimeMs", 0);
            let key = match request_of(recent, *request).map(|r| &r.payload) {
                Some(P::FindCoordinatorRequest { group, .. }) => group.to_string(),
                _ => String::new(),
            };
            w.array("Coordinators", &[()], |w, _| {
                w.string("Key", Some(&key));
                match coordinator {
                    Ok(b) => {
                        w.int32("NodeId", b.0 as i32);
                        w.string("Host", Some(&broker_host(*b)));
                        w.int32("Port", 9092);
                        w.int16("ErrorCode", 0);
                        w.string("ErrorMessage", None);
                    }
                    Err(e) => {
                        w.int32("NodeId", -1);
                        w.string("Host", Some(""));
                        w.int32("Port", -1);
                        w.int16("ErrorCode", error_code(*e));
                        w.string("ErrorMessage", Some(error_message(*e)));
                    }
                }
            });
        }
        P::JoinGroupRequest(j) => {
            w.string("GroupId", Some(&j.group));
            w.int32("SessionTimeoutMs", j.session_timeout_ms as i32);
            w.int32("RebalanceTimeoutMs", j.rebalance_timeout_ms as i32);
            w.string("MemberId", Some(&j.member_id));
            w.string("GroupInstanceId", j.group_instance_id.as_deref());
            w.string("ProtocolType", Some("consumer"));
            let protocols: Vec<AssignorKind> = j.protocols.iter().collect();
            w.array("Protocols", &protocols, |w, a| {
                w.string("Name", Some(a.name()));
                let meta = subscription(w, &j.subscription, *a);
                w.bytes("Metadata", Some(meta));
            });
            // `AbstractCoordinator.rejoinReason`, empty until something makes it rejoin.
            w.string("Reason", Some(""));
        }
        P::JoinGroupResponse { result, .. } => {
            w.int32("ThrottleTimeMs", 0);
            match result {
                Ok(r) => {
                    w.int16("ErrorCode", 0);
                    w.int32("GenerationId", r.generation);
                    w.string("ProtocolType", Some("consumer"));
                    w.string("ProtocolName", Some(r.protocol.name()));
                    w.string("Leader", Some(&r.leader));
                    w.boolean("SkipAssignment", r.skip_assignment);
                    w.string("MemberId", Some(&r.member_id));
                    w.array("Members", &r.members, |w, (id, s)| {
                        w.string("MemberId", Some(id));
                        w.string("GroupInstanceId", s.group_instance_id.as_deref());
                        let meta = subscription(w, s, r.protocol);
                        w.bytes("Metadata", Some(meta));
                    });
                }
                Err(e) => {
                    w.int16("ErrorCode", error_code(e.error));
                    w.int32("GenerationId", -1);
                    w.string("ProtocolType", None);
                    w.string("ProtocolName", None);
                    w.string("Leader", Some(""));
                    w.boolean("SkipAssignment", false);
                    w.string("MemberId", Some(e.member_id.as_deref().unwrap_or("")));
                    w.array("Members", &[] as &[()], |_, _| {});
                }
            }
        }
        P::SyncGroupRequest(s) => {
            w.string("GroupId", Some(&s.group));
            w.int32("GenerationId", s.generation);
            w.string("MemberId", Some(&s.member_id));
            w.string("GroupInstanceId", None);
            w.string("ProtocolType", Some("consumer"));
            let protocol = group_protocol(sim, m.to, &s.group);
            w.string("ProtocolName", protocol.map(AssignorKind::name));
            w.array("Assignments", &s.assignments, |w, (id, parts)| {
                w.string("MemberId", Some(id));
                let a = assignment(sim, w, parts);
                w.bytes("Assignment", Some(a));
            });
        }
        P::SyncGroupResponse { result, .. } => {
            w.int32("ThrottleTimeMs", 0);
            w.int16(
                "ErrorCode",
                result.as_ref().err().map_or(0, |e| error_code(*e)),
            );
            let group = match request_of(recent, response_to(&m.payload).unwrap_or(MessageId(0)))
                .map(|r| &r.payload)
            {
                Some(P::SyncGroupRequest(s)) => Some(s.group.clone()),
                _ => None,
            };
            let protocol = group.and_then(|g| group_protocol(sim, m.from, &g));
            w.string("ProtocolType", Some("consumer"));
            w.string("ProtocolName", protocol.map(AssignorKind::name));
            let a = assignment(sim, w, result.as_deref().unwrap_or(&[]));
            w.bytes("Assignment", Some(a));
        }
        P::HeartbeatRequest(h) => {
            w.string("GroupId", Some(&h.group));
            w.int32("GenerationId", h.generation);
            w.string("MemberId", Some(&h.member_id));
            w.string("GroupInstanceId", None);
        }
        P::HeartbeatResponse { error, .. } => {
            w.int32("ThrottleTimeMs", 0);
            w.int16("ErrorCode", code(*error));
        }
        P::LeaveGroupRequest(l) => {
            w.string("GroupId", Some(&l.group));
            w.array("Members", &[()], |w, _| {
                w.string("MemberId", Some(&l.member_id));
                w.string("GroupInstanceId", None);
                w.string("Reason", Some("the consumer is being closed"));
            });
        }
        P::LeaveGroupResponse { request } => {
            w.int32("ThrottleTimeMs", 0);
            w.int16("ErrorCode", 0);
            let member = match request_of(recent, *request).map(|r| &r.payload) {
                Some(P::LeaveGroupRequest(l)) => Some(l.member_id.to_string()),
                _ => None,
            };
            w.array("Members", member.as_slice(), |w, id| {
                w.string("MemberId", Some(id));
                w.string("GroupInstanceId", None);
                w.int16("ErrorCode", 0);
            });
        }
        // Only the exactly-once pipeline sends it: in the build with transactions.
        #[cfg(not(feature = "transactions"))]
        P::TxnOffsetCommitRequest(_) | P::TxnOffsetCommitResponse { .. } => {}
        #[cfg(feature = "transactions")]
        P::TxnOffsetCommitRequest(c) => {
            w.string("TransactionalId", Some(&c.transactional_id));
            w.string("GroupId", Some(&c.group));
            w.int64("ProducerId", c.producer_id);
            w.int16("ProducerEpoch", c.epoch);
            w.int32("GenerationId", c.generation);
            w.string("MemberId", Some(&c.member_id));
            w.string("GroupInstanceId", None);
            let topics = by_topic(c.offsets.iter().copied());
            w.array("Topics", &topics, |w, (t, parts)| {
                w.string("Name", Some(topic_name(sim, *t)));
                w.array("Partitions", parts, |w, (p, o)| {
                    w.int32("PartitionIndex", *p as i32);
                    w.int64("CommittedOffset", o.0);
                    w.int32("CommittedLeaderEpoch", -1);
                    w.string("CommittedMetadata", Some(""));
                });
            });
        }
        #[cfg(feature = "transactions")]
        P::TxnOffsetCommitResponse { error, request } => {
            w.int32("ThrottleTimeMs", 0);
            let offsets = match request_of(recent, *request).map(|r| &r.payload) {
                Some(P::TxnOffsetCommitRequest(c)) => c.offsets.clone(),
                _ => Vec::new(),
            };
            let topics = by_topic(offsets.into_iter());
            w.array("Topics", &topics, |w, (t, parts)| {
                w.string("Name", Some(topic_name(sim, *t)));
                w.array("Partitions", parts, |w, (p, _)| {
                    w.int32("PartitionIndex", *p as i32);
                    w.int16("ErrorCode", code(*error));
                });
            });
        }
        P::OffsetCommitRequest(c) => {
            w.string("GroupId", Some(&c.group));
            w.int32("GenerationIdOrMemberEpoch", c.generation);
            w.string("MemberId", Some(&c.member_id));
            w.string("GroupInstanceId", None);
            let topics = by_topic(c.offsets.iter().copied());
            w.array("Topics", &topics, |w, (t, parts)| {
                w.string("Name", Some(topic_name(sim, *t)));
                w.array("Partitions", parts, |w, (p, o)| {
                    w.int32("PartitionIndex", *p as i32);
                    w.int64("CommittedOffset", o.0);
                    w.int32("CommittedLeaderEpoch", -1);
                    w.string("CommittedMetadata", Some(""));
                });
            });
        }
        P::OffsetCommitResponse { error, request } => {
            w.int32("ThrottleTimeMs", 0);
            let offsets = match request_of(recent, *request).map(|r| &r.payload) {
                Some(P::OffsetCommitRequest(c)) => c.offsets.clone(),
                _ => Vec::new(),
            };
            let topics = by_topic(offsets.into_iter());
            w.array("Topics", &topics, |w, (t, parts)| {
                w.string("Name", Some(topic_name(sim, *t)));
                w.array("Partitions", parts, |w, (p, _)| {
                    w.int32("PartitionIndex", *p as i32);
                    w.int16("ErrorCode", code(*error));
                });
            });
        }
        P::OffsetFetchRequest { group, partitions } => {
            w.array("Groups", &[()], |w, _| {
                w.string("GroupId", Some(group));
                w.string("MemberId", None);
                w.int32("MemberEpoch", -1);
                let topics = by_topic(partitions.iter().map(|tp| (*tp, ())));
                w.array("Topics", &topics, |w, (t, parts)| {
                    w.string("Name", Some(topic_name(sim, *t)));
                    let ps: Vec<i32> = parts.iter().map(|p| p.0 as i32).collect();
                    w.int32s("PartitionIndexes", &ps);
                });
            });
            w.boolean("RequireStable", true);
        }
        P::OffsetFetchResponse { result, request } => {
            w.int32("ThrottleTimeMs", 0);
            let group = match request_of(recent, *request).map(|r| &r.payload) {
                Some(P::OffsetFetchRequest { group, .. }) => group.to_string(),
                _ => String::new(),
            };
            w.array("Groups", &[()], |w, _| {
                w.string("GroupId", Some(&group));
                let list = result.as_deref().unwrap_or(&[]);
                let topics = by_topic(list.iter().copied());
                w.array("Topics", &topics, |w, (t, parts)| {
                    w.string("Name", Some(topic_name(sim, *t)));
                    w.array("Partitions", parts, |w, (p, o)| {
                        w.int32("PartitionIndex", *p as i32);
                        w.int64("CommittedOffset", o.map_or(-1, |o| o.0));
                        w.int32("CommittedLeaderEpoch", -1);
                        w.string("Metadata", Some(""));
                        w.int16("ErrorCode", 0);
                    });
                });
                w.int16(
                    "ErrorCode",
                    result.as_ref().err().map_or(0, |e| error_code(*e)),
                );
            });
        }
        P::ListOffsetsRequest {
            partitions,
            read_committed,
        } => {
            w.int32("ReplicaId", -1);
            w.int8("IsolationLevel", i8::from(*read_committed));
            let topics = by_topic(partitions.iter().copied());
            w.array("Topics", &topics, |w, (t, parts)| {
                w.string("Name", Some(topic_name(sim, *t)));
                w.array("Partitions", parts, |w, (p, earliest)| {
                    w.int32("PartitionIndex", *p as i32);
                    w.int32("CurrentLeaderEpoch", -1);
                    // ListOffsetsRequest.EARLIEST_TIMESTAMP and LATEST_TIMESTAMP.
                    w.int64("Timestamp", if *earliest { -2 } else { -1 });
                });
            });
            w.int32("TimeoutMs", 0);
        }
        P::ListOffsetsResponse { results, .. } => {
            w.int32("ThrottleTimeMs", 0);
            let topics = by_topic(results.iter().map(|(tp, r)| (*tp, *r)));
            w.array("Topics", &topics, |w, (t, parts)| {
                w.string("Name", Some(topic_name(sim, *t)));
                w.array("Partitions", parts, |w, (p, r)| {
                    let s = &sim.topics()[t.0 as usize].partitions[*p as usize];
                    w.int32("PartitionIndex", *p as i32);
                    w.int16("ErrorCode", r.err().map_or(0, error_code));
                    w.int64("Timestamp", -1);
                    w.int64("Offset", r.map_or(-1, |o| o.0));
                    w.int32("LeaderEpoch", if r.is_ok() { s.leader_epoch.0 } else { -1 });
                });
            });
        }
        P::OffsetsForLeaderEpochRequest { partitions } => {
            w.int32("ReplicaId", -1);
            let topics = by_topic(partitions.iter().map(|(tp, cur, e)| (*tp, (*cur, *e))));
            w.array("Topics", &topics, |w, (t, parts)| {
                w.string("Topic", Some(topic_name(sim, *t)));
                w.array("Partitions", parts, |w, (p, (cur, e))| {
                    w.int32("Partition", *p as i32);
                    w.int32("CurrentLeaderEpoch", cur.0);
                    w.int32("LeaderEpoch", e.0);
                });
            });
        }
        P::OffsetsForLeaderEpochResponse { results, .. } => {
            w.int32("ThrottleTimeMs", 0);
            let topics = by_topic(results.iter().map(|(tp, r)| (*tp, *r)));
            w.array("Topics", &topics, |w, (t, parts)| {
                w.string("Topic", Some(topic_name(sim, *t)));
                w.array("Partitions", parts, |w, (p, r)| {
                    w.int16("ErrorCode", r.err().map_or(0, error_code));
                    w.int32("Partition", *p as i32);
                    let (epoch, end) = match r {
                        Ok(Some((e, o))) => (e.0, o.0),
                        // UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET.
                        _ => (-1, -1),
                    };
                    w.int32("LeaderEpoch", epoch);
                    w.int64("EndOffset", end);
                });
            });
        }
    }
    top
}

/// KIP-951's `CurrentLeader` of a produce or fetch answer refused for a stale leader:
/// the leader and epoch the broker knows of, to save the client a metadata round trip.
fn current_leader(sim: &Sim, w: &W, t: TopicId, p: u32) -> W {
    let s = &sim.topics()[t.0 as usize].partitions[p as usize];
    let mut l = w.sub();
    l.int32("LeaderId", s.leader.map_or(-1, |b| b.0 as i32));
    l.int32("LeaderEpoch", s.leader_epoch.0);
    l
}

/// The protocol of `group` on the coordinator `node`, if it chose one.
fn group_protocol(sim: &Sim, node: NodeId, group: &str) -> Option<AssignorKind> {
    let NodeId::Broker(b) = node else {
        return None;
    };
    sim.brokers()
        .get(&b)?
        .coordinator
        .groups
        .get(group)?
        .protocol
}

/// The message Kafka's `Errors` enum gives an error, where kscope writes one.
fn error_message(e: KafkaError) -> &'static str {
    match e {
        KafkaError::CoordinatorNotAvailable => "The coordinator is not available.",
        KafkaError::NotCoordinator => "This is not the correct coordinator.",
        _ => "",
    }
}

/// The messages sent lately, oldest first, at most `cap` of them: what a sequence diagram
/// draws and an inspector opens. Fed by [`RecentMessages::observe`] after each step.
#[derive(Clone, Debug, Default)]
pub struct RecentMessages {
    cap: usize,
    last: Option<MessageId>,
    /// Oldest first; up to twice `cap` between trims.
    list: Vec<Message>,
    /// A message kept however old it gets (the one an inspector has open).
    pinned: Option<Message>,
}

impl RecentMessages {
    pub fn new(cap: usize) -> RecentMessages {
        RecentMessages {
            cap,
            ..Default::default()
        }
    }

    /// Takes in the messages `sim` sent since the last call (those still in flight: a
    /// step sends and delivers nothing within itself, as every link has a latency).
    pub fn observe(&mut self, sim: &Sim) {
        for m in sim.messages_in_flight_after(self.last) {
            self.last = Some(m.id);
            self.list.push(m.clone());
            if self.list.len() > 2 * self.cap {
                self.list.drain(..self.cap);
            }
        }
    }

    /// Steps `sim` to `until` one due item at a time, observing after each.
    pub fn run_until(&mut self, sim: &mut Sim, until: crate::time::Instant) {
        self.observe(sim);
        while let Some(at) = sim.poll_at().filter(|at| *at <= until) {
            sim.step(at);
            self.observe(sim);
        }
        sim.step(until);
    }

    /// The latest `cap` messages, oldest first.
    pub fn list(&self) -> &[Message] {
        &self.list[self.list.len().saturating_sub(self.cap)..]
    }

    /// The message with id `id`, if it is still kept (or pinned).
    pub fn get(&self, id: MessageId) -> Option<&Message> {
        self.list
            .iter()
            .find(|m| m.id == id)
            .or(self.pinned.as_ref().filter(|m| m.id == id))
    }

    /// Keeps message `id` (if it is kept now) however old it gets, instead of the one
    /// pinned before.
    pub fn pin(&mut self, id: MessageId) {
        if self.pinned.as_ref().is_none_or(|m| m.id != id) {
            self.pinned = self.get(id).cloned();
        }
    }

    /// [`encode`] with the messages kept as what came before.
    pub fn encode(&self, sim: &Sim, id: MessageId) -> Option<Encoded> {
        encode(sim, self.get(id)?, &self.list)
    }
}
