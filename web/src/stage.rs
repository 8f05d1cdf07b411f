//! The stage's view model: a matrix with one row per partition: a column for the
//! producer's accumulator, one per broker, and one per consumer group; the messages
//! in flight placed between their columns by interpolating the core's `sent_at` and
//! `deliver_at`. Pure functions of the simulation, tested natively; nothing about motion
//! lives in the core.

use kscope_core::network::{OffsetCommitRequest, Payload, ProduceRequest};
use kscope_core::sim::Sim;
use kscope_core::{Instant, NodeId, ProducerId, TopicPartition};

/// Height of the stage's header row (a broker's title, its state and two rows of failure
/// buttons) and of each partition row (four lines), in CSS pixels at a 16 px root font
/// size; the stage's grid is sized from them in rem, so the page's text size scales it.
pub const HEAD_PX: f64 = 100.0;
pub const ROW_PX: f64 = 74.0;
/// Width of the producer's column relative to a broker's.
pub const PRODUCER_WEIGHT: f64 = 1.4;
/// Width of the consumer group's column relative to a broker's.
pub const GROUP_WEIGHT: f64 = 1.3;

/// A replica in its cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub broker: u32,
    pub leader: bool,
    pub in_isr: bool,
    pub log_start_offset: i64,
    pub high_watermark: i64,
    /// The last stable offset (below the high watermark while a transaction is open).
    pub last_stable_offset: i64,
    pub log_end_offset: i64,
    /// Kafka's recovery point (what it flushed), and what is on disk (flushed or written
    /// back by the kernel); the rest is only in the page cache.
    pub recovery_point: i64,
    pub on_disk: i64,
    /// The log's segments, oldest first.
    pub segments: Vec<SegmentBlock>,
    /// The group's committed offset, drawn on the leader's log.
    pub committed: Option<i64>,
    /// The owning consumer's position and hue, drawn on the leader's log.
    pub position: Option<(i64, u32)>,
}

/// A log segment as the stage draws it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SegmentBlock {
    /// Its base offset, and the next segment's (the log end offset for the active one).
    pub base: i64,
    pub end: i64,
    /// The records it still holds, when compaction took some out (fewer than its offsets):
    /// `None` when every offset still has its record.
    pub kept: Option<i64>,
}

/// The offsets every log bar on the stage is drawn against, `from..to`: one scale for
/// every replica of every partition, so logs can be compared and an empty one is empty.
/// Rounded out to a round number, so the scale does not move with every record.
pub fn log_window(rows: &[Row]) -> (i64, i64) {
    let cells = || rows.iter().flat_map(|r| r.cells.iter().flatten());
    let Some(from) = cells().map(|c| c.log_start_offset).min() else {
        return (0, 1);
    };
    let to = cells().map(|c| c.log_end_offset).max().unwrap_or(from);
    let span = (to - from).max(1);
    // A tenth of the span's power of ten, at least 10: 137 → 10, 6,100 → 100.
    let mut unit = 1;
    while unit * 10 <= span {
        unit *= 10;
    }
    let unit = (unit / 10).max(10);
    let from = from - from.rem_euclid(unit);
    let to = (to + unit - 1) / unit * unit;
    (from, to.max(from + unit))
}

/// A partition's accumulator in the producer's column.
#[derive(Clone, Debug, PartialEq)]
pub struct Accumulator {
    /// Batches waiting in the deque.
    pub queued: usize,
    /// How full the open batch is against `batch.size` (0..1).
    pub fill: f64,
    /// Records in the open batch.
    pub open_records: u32,
    /// Batches of this partition in requests not yet answered.
    pub in_flight: usize,
    /// Milliseconds left of `linger.ms` for the first batch, when it is waiting.
    pub linger_left_ms: Option<u64>,
    /// The next sequence number, for an idempotent producer.
    pub next_sequence: Option<i32>,
    /// Keyless records go here now (the sticky partitioner's choice).
    pub sticky: bool,
}

/// One partition's row.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub partition: u32,
    pub leader: Option<u32>,
    pub leader_epoch: i32,
    pub isr: Vec<u32>,
    pub accumulator: Accumulator,
    /// One entry per broker column: the replica there, if the broker holds one.
    pub cells: Vec<Option<Cell>>,
    /// The partition in each consumer group's column, the first group's first.
    pub owners: Vec<OwnerCell>,
}

/// A partition as the consumer group sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnerCell {
    /// The group reads this partition's topic.
    pub subscribed: bool,
    /// The consumer that owns it now (its client-side assignment).
    pub consumer: Option<u32>,
    /// The next offset its owner will hand to the application.
    pub position: Option<i64>,
    /// The group's committed offset and lag (high watermark minus committed).
    pub committed: Option<i64>,
    pub lag: Option<i64>,
    /// The owner's own lag (`records-lag`: from its position to the last stable offset
    /// under `read_committed`, to the high watermark otherwise); only in the page's full
    /// build.
    pub consumer_lag: Option<i64>,
}

/// A consumer group's column header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupHead {
    /// Its place: 0 the first group, then the others in order.
    pub index: u32,
    pub group_id: String,
    /// Records (the first group) or offsets (the others) it processed, and processings
    /// of ones it had processed before.
    pub processed: u64,
    pub again: u64,
    /// Kafka's group state, or why there is none.
    pub state: String,
    pub generation: Option<i32>,
    pub coordinator: Option<u32>,
    pub assignor: String,
    /// `partition.assignment.strategy`, as the members list it.
    pub listed: String,
    /// `eager` or `cooperative`.
    pub protocol: &'static str,
    pub members: usize,
    pub total_lag: i64,
    /// The topics its application subscribes to, as `subscription` writes them.
    pub subscription: String,
    /// The `__consumer_offsets` partition that stores the group, once the topic exists.
    pub offsets: Option<OffsetsPartition>,
}

/// The `__consumer_offsets` partition holding the group (`GroupCoordinator.partitionFor`:
/// the group id's Java hash code, made non-negative, modulo
/// `offsets.topic.num.partitions`), and what it holds for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OffsetsPartition {
    pub partition: u32,
    /// `offsets.topic.num.partitions`.
    pub partitions: u32,
    /// Its leader: the group's coordinator.
    pub leader: Option<u32>,
    /// Its replicas, each with whether it is in the ISR.
    pub replicas: Vec<(u32, bool)>,
    /// The leader's log.
    pub log_start_offset: i64,
    pub high_watermark: i64,
    pub log_end_offset: i64,
    pub segments: usize,
    /// The group's latest values there (what compaction keeps): its generation and
    /// members, and each partition's committed offset (the application topic's
    /// partition, the offset).
    pub generation: Option<i32>,
    pub members: usize,
    pub committed: Vec<(u32, i64)>,
}

/// One consumer process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsumerCard {
    pub id: u32,
    /// Its group's place (see [`GroupHead::index`]) and `group.id`.
    pub group: u32,
    pub group_id: String,
    /// `running`, `paused`, `crashed`, `closed` or `failed`.
    pub state: &'static str,
    /// Kafka's member state: unjoined, joining, syncing, stable.
    pub member_state: &'static str,
    pub generation: i32,
    pub leader: bool,
    /// Its partitions, named as Kafka names them (`orders-0`).
    pub owned: Vec<String>,
    /// The topics it subscribes to, as `subscription` writes them.
    pub subscription: String,
    /// How many topics the cluster has.
    pub topics: u32,
    pub processing: usize,
    pub buffered: usize,
    pub consumed: u64,
    pub redelivered: u64,
}

/// A consumer's colour on the stage: hues spread around the wheel.
pub fn consumer_hue(id: u32) -> u32 {
    (id * 137 + 200) % 360
}

/// A broker's column header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub id: u32,
    pub up: bool,
    pub fenced: bool,
    pub producer_link_cut: bool,
    /// Every link to the other brokers is cut.
    pub isolated: bool,
    /// Produce requests the producer has in flight to this broker, and its
    /// `max.in.flight.requests.per.connection`.
    pub in_flight: u32,
    pub max_in_flight: u32,
    /// Fetch answers served from the page cache, and read from the disk.
    pub cache_hits: u64,
    pub cache_misses: u64,
}

/// What a dot in flight stands for; its shape and colour on the stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DotKind {
    Produce,
    ProduceResponse,
    Fetch,
    FetchData,
    /// Records on their way to a consumer.
    Consumed,
    /// An offset commit on its way to the coordinator.
    Commit,
    /// A produce request carrying a batch sent before (a retry).
    Retry,
    /// A record leaving the application for its partition's accumulator.
    Record,
    Control,
    /// The control plane's: a broker's metadata fetch from the active controller and
    /// its answer (KRaft), the controller broker's LeaderAndIsr/UpdateMetadata
    /// (ZooKeeper mode), drawn between the strip above and the broker's column.
    ControlPlane,
    /// A vote or a new leader's announcement between controllers (KRaft's Vote and
    /// BeginQuorumEpoch) or ZooKeeper servers (an election's notifications and the
    /// followers' synchronisation), drawn in the control-plane strip.
    Election,
}

impl DotKind {
    /// Every kind, in the order of the canvas painter's palette.
    pub const ALL: [DotKind; 11] = [
        DotKind::Produce,
        DotKind::ProduceResponse,
        DotKind::Fetch,
        DotKind::FetchData,
        DotKind::Consumed,
        DotKind::Commit,
        DotKind::Retry,
        DotKind::Record,
        DotKind::Control,
        DotKind::ControlPlane,
        DotKind::Election,
    ];

    /// How it is painted: colour, round (else square), size in CSS pixels. The legend's
    /// swatches (`style.css`, `.dot.*`) use the same colours and shapes.
    pub fn look(self) -> (&'static str, bool, f64) {
        match self {
            DotKind::Produce => ("#3558d6", false, 11.0),
            DotKind::ProduceResponse => ("#1f8a4c", true, 11.0),
            DotKind::Fetch => ("#8a94a6", false, 7.0),
            DotKind::FetchData => ("#3ba26a", true, 11.0),
            DotKind::Consumed => ("#e08a1e", true, 11.0),
            DotKind::Commit => ("#c0417a", false, 9.0),
            DotKind::Retry => ("#d64545", false, 11.0),
            DotKind::Record => ("#3558d6", true, 6.0),
            DotKind::Control => ("#8e5bd6", true, 8.0),
            DotKind::ControlPlane => ("#0f7c86", false, 8.0),
            DotKind::Election => ("#c27c0e", true, 9.0),
        }
    }

    /// Its place in [`DotKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn class(self) -> &'static str {
        match self {
            DotKind::Produce => "dot produce",
            DotKind::ProduceResponse => "dot ack",
            DotKind::Fetch => "dot fetch",
            DotKind::FetchData => "dot fetch-data",
            DotKind::Consumed => "dot consumed",
            DotKind::Commit => "dot commit",
            DotKind::Retry => "dot retry",
            DotKind::Record => "dot record",
            DotKind::Control => "dot control",
            DotKind::ControlPlane => "dot control-plane",
            DotKind::Election => "dot election",
        }
    }
}

/// A message in flight at the current instant.
#[derive(Clone, Debug, PartialEq)]
pub struct Dot {
    pub id: u64,
    pub kind: DotKind,
    /// Horizontal position, percent of the stage's width.
    pub x: f64,
    /// Vertical position, CSS pixels from the stage's top.
    pub y: f64,
    pub records: u32,
}

/// The message drawn nearest the point `at` (CSS pixels from the stage's top left) of a
/// stage `width` pixels wide whose dots' heights are scaled by `scale`, if one is within
/// a finger's reach (18 px). The control plane's messages are not on the wire view's
/// list, so they are not picked.
pub fn nearest_dot(dots: &[Dot], at: (f64, f64), width: f64, scale: f64) -> Option<u64> {
    dots.iter()
        .filter(|d| d.kind != DotKind::ControlPlane)
        .map(|d| {
            let (dx, dy) = (d.x / 100.0 * width - at.0, d.y * scale - at.1);
            (dx * dx + dy * dy, d.id)
        })
        .filter(|(d2, _)| *d2 <= 18.0 * 18.0)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, id)| id)
}

/// How the producer picks partitions now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    RoundRobin,
    /// murmur2 of the key, modulo the partitions.
    Keyed,
    /// Keyless records go to one partition until a batch.size of bytes went there.
    Sticky(Option<u32>),
}

impl Choice {
    /// The rule in words, for the partitions of `topic`.
    pub fn text(self, topic: &str, lang: crate::i18n::Lang) -> String {
        use crate::i18n::Lang;
        match (self, lang) {
            (Choice::RoundRobin, Lang::En) => {
                "round robin: the next partition for every record (keys ignored)".into()
            }
            (Choice::RoundRobin, Lang::Ko) => {
                "라운드 로빈: 레코드마다 다음 파티션 (키 무시)".into()
            }
            (Choice::Keyed, Lang::En) => "keyed records: murmur2(key) mod partitions".into(),
            (Choice::Keyed, Lang::Ko) => "키가 있는 레코드: murmur2(key) mod 파티션 수".into(),
            (Choice::Sticky(Some(p)), Lang::En) => {
                format!(
                    "keyless records stick to {topic}-{p} until a batch.size of bytes went there"
                )
            }
            (Choice::Sticky(Some(p)), Lang::Ko) => {
                format!("키 없는 레코드는 batch.size만큼 쌓일 때까지 {topic}-{p}에 붙음 (sticky)")
            }
            (Choice::Sticky(None), Lang::En) => "keyless records: sticky partitioner".into(),
            (Choice::Sticky(None), Lang::Ko) => "키 없는 레코드: sticky 파티셔너".into(),
        }
    }
}

/// The whole stage.
#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    /// The topic shown, by name.
    pub topic: String,
    /// How the producer picks partitions.
    pub partitioner: Choice,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    /// Every consumer group, the first group's first.
    pub groups: Vec<GroupHead>,
    pub consumers: std::rc::Rc<Vec<ConsumerCard>>,
    pub links: std::rc::Rc<Vec<Link>>,
    pub height_px: f64,
    /// The offsets the log bars are drawn against (see [`log_window`]).
    pub log_window: (i64, i64),
    /// The producing application's process runs.
    pub producer_up: bool,
    /// Its producer (a later instance's after `start-producer`).
    pub producer_id: u32,
    /// The KRaft controller quorum, or the ZooKeeper ensemble, where the run has one
    /// (`quorum.size`, `metadata.mode`).
    pub quorum: Option<QuorumStrip>,
}

/// The control plane as the strip above the brokers draws it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuorumStrip {
    /// A ZooKeeper ensemble (ZooKeeper mode), not a KRaft quorum.
    pub zookeeper: bool,
    pub controllers: Vec<ControllerCard>,
    /// Voters (or servers) up, and how many make a majority.
    pub up: usize,
    pub majority: usize,
    /// The active controller's node id and epoch; in ZooKeeper mode the controller
    /// broker's id and its `controller_epoch`.
    pub active: Option<(u32, u32)>,
    /// ZooKeeper mode: the ensemble's established leader.
    pub leader: Option<u32>,
    /// The committed log's length.
    pub applied: u64,
    /// Each broker's metadata and session.
    pub observers: Vec<Observer>,
}

/// One broker as the control plane sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observer {
    pub id: u32,
    pub up: bool,
    /// How far it has applied the committed log (KRaft: as an observer fetching it;
    /// ZooKeeper mode: as the controller's requests brought it).
    pub offset: u64,
    /// A down broker not yet fenced (or whose ZooKeeper session lives): the simulated
    /// milliseconds until the active controller's count of its session runs out.
    pub session_left_ms: Option<u64>,
}

/// One KRaft controller (`process.roles=controller`), or one ZooKeeper server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControllerCard {
    pub id: u32,
    pub up: bool,
    /// Its quorum state, as Kafka's `QuorumState` names it, in lower case (ZooKeeper's
    /// `leader`, `follower`, `looking`).
    pub role: &'static str,
    pub epoch: u32,
    /// Its metadata log's end and its high watermark (what it knows committed).
    pub log_end: u64,
    pub committed: u64,
}

/// The strip of `sim`'s controller quorum; `None` with the idealised controller, and
/// always in a build without the quorum (the first load).
pub fn quorum_strip(sim: &Sim) -> Option<QuorumStrip> {
    if !kscope_core::control_plane::CONTROL_PLANE {
        return None;
    }
    let c = sim.control_plane()?;
    let nodes = c.ensemble.nodes();
    let zookeeper = c.zookeeper().is_some();
    let leader = c.ensemble.active().map(|n| n.id.0);
    Some(QuorumStrip {
        zookeeper,
        controllers: nodes
            .iter()
            .map(|n| ControllerCard {
                id: n.id.0,
                up: n.up,
                role: n.role,
                epoch: n.epoch,
                log_end: n.log.len() as u64,
                committed: n.committed,
            })
            .collect(),
        up: nodes.iter().filter(|n| n.up).count(),
        majority: c.ensemble.majority(),
        active: if zookeeper {
            sim.controller_broker().map(|(b, e)| (b.0, e))
        } else {
            c.ensemble.active().map(|n| (n.id.0, n.epoch))
        },
        leader: if zookeeper { leader } else { None },
        applied: c.applied,
        observers: c
            .images
            .iter()
            .map(|(b, image)| {
                let broker = &sim.brokers()[b];
                Observer {
                    id: b.0,
                    up: broker.up,
                    offset: image.offset,
                    session_left_ms: (!broker.up && !broker.fenced && c.active.is_some()).then(
                        || {
                            sim.session_deadline(*b)
                                .millis()
                                .saturating_sub(sim.now().millis())
                        },
                    ),
                }
            })
            .collect(),
    })
}

/// The horizontal centre of a column, in percent: column 0 is the producer's, 1 to
/// `brokers` the brokers', then one per consumer group (`groups` of them).
pub fn column_x(column: usize, brokers: usize, groups: usize) -> f64 {
    let total = PRODUCER_WEIGHT + brokers as f64 + GROUP_WEIGHT * groups.max(1) as f64;
    let centre = if column == 0 {
        PRODUCER_WEIGHT / 2.0
    } else if column > brokers {
        let g = (column - brokers - 1) as f64;
        PRODUCER_WEIGHT + brokers as f64 + GROUP_WEIGHT * (g + 0.5)
    } else {
        PRODUCER_WEIGHT + (column - 1) as f64 + 0.5
    };
    100.0 * centre / total
}

/// How many consumer group columns the stage has.
pub fn group_count(sim: &Sim) -> usize {
    1 + sim.config().other_groups.len()
}

/// The vertical centre of a partition's row (or of the header, for `None`), in pixels.
pub fn row_y(row: Option<usize>) -> f64 {
    match row {
        None => HEAD_PX / 2.0,
        Some(r) => HEAD_PX + ROW_PX * (r as f64 + 0.5),
    }
}

/// A partition's owner in a group: the consumer, its position if it has one, and its own
/// lag (the full build).
type Owner = (u32, Option<i64>, Option<i64>);

/// The stage of the first topic of `sim`.
pub fn stage(sim: &Sim) -> Stage {
    stage_of(sim, 0)
}

/// The application topic to show: `shown` if there is such a topic, else the first.
fn application_topic(sim: &Sim, shown: u32) -> u32 {
    if (shown as usize) < sim.config().topics.len() {
        shown
    } else {
        0
    }
}

/// The stage of application topic `shown` of `sim` (the first if there is no such topic).
pub fn stage_of(sim: &Sim, shown: u32) -> Stage {
    let t = application_topic(sim, shown);
    let brokers: Vec<_> = sim.brokers().values().collect();
    let topic = &sim.topics()[t as usize];
    let producer = sim.producer();
    let now = sim.now();
    let columns = brokers
        .iter()
        .map(|b| Column {
            id: b.id.0,
            up: b.up,
            fenced: b.fenced,
            producer_link_cut: sim.network().is_cut(NodeId::PRODUCER, NodeId::Broker(b.id)),
            isolated: brokers.len() > 1
                && brokers.iter().filter(|o| o.id != b.id).all(|o| {
                    sim.network()
                        .is_cut(NodeId::Broker(b.id), NodeId::Broker(o.id))
                }),
            in_flight: producer.nodes.get(&b.id).map_or(0, |n| n.in_flight),
            max_in_flight: producer.config.max_in_flight_requests_per_connection,
            cache_hits: b.page_cache.hits,
            cache_misses: b.page_cache.misses,
        })
        .collect();
    let linger = kscope_core::Duration::from_millis(producer.config.linger_ms);
    let sticky = producer.sticky_partition(kscope_core::TopicId(t));
    let keyed = sim.config().workload.keys > 0;
    let partitioner = match (producer.config.partitioner, keyed) {
        (kscope_core::partitioner::PartitionerKind::RoundRobin, _) => Choice::RoundRobin,
        (_, true)
            if producer.config.partitioner
                != kscope_core::partitioner::PartitionerKind::UniformSticky =>
        {
            Choice::Keyed
        }
        _ => Choice::Sticky(sticky),
    };
    let group_ids: Vec<&str> = sim.config().group_ids().collect();
    let lags: Vec<_> = group_ids.iter().map(|g| sim.group_lag_of(g)).collect();
    // A group reads the topics its members subscribe to (its lag lists their partitions);
    // on another its column says so.
    let subscribed: Vec<bool> = lags
        .iter()
        .map(|l| l.iter().any(|l| l.partition.topic.0 == t))
        .collect();
    // Compaction leaves gaps between offsets: count what each segment keeps only then.
    let compacted = topic.spec.log.cleanup_policy != kscope_core::log::CleanupPolicy::Delete;
    // By group and partition: the running consumer that owns it, and its position.
    let mut owners: Vec<Vec<Option<Owner>>> =
        vec![vec![None; topic.partitions.len()]; group_ids.len()];
    for c in sim.consumers().values().filter(|c| c.is_running()) {
        for tp in c.owned.iter().filter(|tp| tp.topic.0 == t) {
            if let Some(slot) = owners
                .get_mut(c.group as usize)
                .and_then(|g| g.get_mut(tp.partition as usize))
            {
                let position = c.positions.get(tp).copied().flatten().map(|o| o.0);
                #[cfg(feature = "transactions")]
                let lag = c.partition_lag(*tp);
                #[cfg(not(feature = "transactions"))]
                let lag = None;
                *slot = Some((c.id.0, position, lag));
            }
        }
    }
    let rows: Vec<Row> = (0..topic.partitions.len() as u32)
        .map(|p| {
            let tp = TopicPartition::new(kscope_core::TopicId(t), p);
            let owner_cells: Vec<OwnerCell> = lags
                .iter()
                .zip(&owners)
                .zip(&subscribed)
                .map(|((lags, owners), subscribed)| {
                    let lag = lags.iter().find(|l| l.partition == tp);
                    OwnerCell {
                        subscribed: *subscribed,
                        consumer: owners[p as usize].map(|o| o.0),
                        position: owners[p as usize].and_then(|o| o.1),
                        committed: lag.and_then(|l| l.committed).map(|o| o.0),
                        lag: lag.and_then(|l| l.lag),
                        consumer_lag: owners[p as usize].and_then(|o| o.2),
                    }
                })
                .collect();
            // The first group's committed offset and owner's position, on the leader's log.
            let committed = owner_cells[0].committed;
            let first_owner = owners[0][p as usize];
            let state = &topic.partitions[p as usize];
            let deque = producer.deques.get(&tp);
            let open = deque
                .and_then(|d| d.back())
                .filter(|b| b.frozen_for_send().is_none());
            let batch_size = f64::from(producer.config.batch_size.max(1));
            let accumulator = Accumulator {
                queued: deque.map_or(0, |d| d.len()),
                fill: open.map_or(0.0, |b| {
                    (f64::from(b.estimated_size()) / batch_size).min(1.0)
                }),
                open_records: open.map_or(0, |b| b.record_total()),
                in_flight: producer
                    .in_flight
                    .values()
                    .flat_map(|r| r.batches.iter())
                    .filter(|b| b.partition == tp)
                    .count(),
                linger_left_ms: deque.and_then(|d| d.front()).and_then(|b| {
                    let due = b.created_at + linger;
                    (b.attempts == 0 && due > now).then(|| due.since(now).millis())
                }),
                next_sequence: producer.idempotent.then(|| {
                    producer
                        .idempotence
                        .partitions
                        .get(&tp)
                        .map_or(0, |e| e.next_sequence)
                }),
                sticky: !keyed && sticky == Some(p),
            };
            let cells = brokers
                .iter()
                .map(|b| {
                    b.replicas.get(&tp).map(|r| {
                        let leader = state.leader == Some(b.id);
                        Cell {
                            broker: b.id.0,
                            leader,
                            in_isr: state.isr.contains(&b.id),
                            log_start_offset: r.log.log_start_offset().0,
                            high_watermark: r.high_watermark.0,
                            last_stable_offset: r.log.last_stable_offset(r.high_watermark).0,
                            log_end_offset: r.log.log_end_offset().0,
                            recovery_point: r.log.recovery_point().0,
                            on_disk: r.log.on_disk().0,
                            segments: segment_blocks(&r.log, compacted),
                            committed: leader.then_some(committed).flatten(),
                            position: leader
                                .then_some(first_owner)
                                .flatten()
                                .and_then(|(c, pos, _)| Some((pos?, consumer_hue(c)))),
                        }
                    })
                })
                .collect();
            Row {
                partition: p,
                leader: state.leader.map(|b| b.0),
                leader_epoch: state.leader_epoch.0,
                isr: state.isr.iter().map(|b| b.0).collect(),
                accumulator,
                cells,
                owners: owner_cells,
            }
        })
        .collect();
    let height_px = HEAD_PX + ROW_PX * rows.len() as f64;
    let log_window = log_window(&rows);
    Stage {
        topic: topic.spec.name.clone(),
        log_window,
        producer_up: producer.is_running(),
        producer_id: producer.id.0,
        quorum: quorum_strip(sim),
        partitioner,
        columns,
        rows,
        groups: group_ids
            .iter()
            .zip(&lags)
            .enumerate()
            .map(|(i, (g, lags))| group_head(sim, i as u32, g, lags))
            .collect(),
        consumers: std::rc::Rc::new(consumer_cards(sim)),
        links: std::rc::Rc::new(links(sim)),
        height_px,
    }
}

/// `group` is the group as its coordinator holds it, if it has one.
fn offsets_partition(
    sim: &Sim,
    group_id: &str,
    group: Option<&kscope_core::group::Group>,
) -> Option<OffsetsPartition> {
    let tp = sim.group_partition(group_id)?;
    let partitions = sim.topics()[tp.topic.0 as usize].partitions.len() as u32;
    let state = sim.partition(tp);
    let leader_log = state
        .leader
        .and_then(|b| sim.brokers().get(&b))
        .and_then(|b| b.replicas.get(&tp));
    Some(OffsetsPartition {
        partition: tp.partition,
        partitions,
        leader: state.leader.map(|b| b.0),
        replicas: state
            .replicas
            .iter()
            .map(|b| (b.0, state.isr.contains(b)))
            .collect(),
        log_start_offset: leader_log.map_or(0, |r| r.log.log_start_offset().0),
        high_watermark: leader_log.map_or(0, |r| r.high_watermark.0),
        log_end_offset: leader_log.map_or(0, |r| r.log.log_end_offset().0),
        segments: leader_log.map_or(0, |r| r.log.segments().len()),
        generation: group.map(|g| g.generation),
        members: group.map_or(0, |g| g.members.len()),
        committed: group.map_or(Vec::new(), |g| {
            g.committed
                .iter()
                .filter(|(tp, _)| tp.topic.0 == 0)
                .map(|(tp, o)| (tp.partition, o.0))
                .collect()
        }),
    })
}

/// A log's segments as the stage draws them; with `compacted`, what each still holds.
fn segment_blocks(log: &kscope_core::log::Log, compacted: bool) -> Vec<SegmentBlock> {
    let segments = log.segments();
    let start = log.log_start_offset().0;
    let leo = log.log_end_offset().0;
    segments
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let base = s.base_offset.0.max(start);
            let end = segments
                .get(i + 1)
                .map_or(leo, |n| n.base_offset.0)
                .max(base);
            let kept = compacted
                .then(|| {
                    s.batches
                        .iter()
                        .map(|b| i64::from(b.record_count()))
                        .sum::<i64>()
                })
                .filter(|k| *k < end - base);
            SegmentBlock { base, end, kept }
        })
        .collect()
}

fn group_head(
    sim: &Sim,
    index: u32,
    group_id: &str,
    lags: &[kscope_core::group::PartitionLag],
) -> GroupHead {
    let config = sim.config().group_consumer_config(index);
    let listed = config.partition_assignment_strategy;
    let group = sim.group(group_id);
    let running = sim
        .consumers()
        .values()
        .any(|c| c.group == index && c.is_running());
    let (processed, again) = if index == 0 {
        let counts = sim.ledger().counts();
        (counts.consumed, counts.redelivered)
    } else {
        sim.ledger()
            .other_group(index)
            .map_or((0, 0), |t| (t.consumed, t.redelivered))
    };
    let state = match group {
        Some((_, g)) => g.state.name().to_string(),
        None if !running => "no consumers".to_string(),
        None if sim.offsets_topic().is_none() => "creating __consumer_offsets".to_string(),
        None => "no coordinator".to_string(),
    };
    GroupHead {
        index,
        processed,
        again,
        group_id: config.group_id.clone(),
        state,
        generation: group.map(|(_, g)| g.generation),
        coordinator: group.map(|(b, _)| b.0),
        // The assignor the coordinator chose, once it has; the members' list until then.
        assignor: group
            .and_then(|(_, g)| g.protocol)
            .map_or_else(|| listed.name(), |k| k.name().to_string()),
        listed: listed.name(),
        protocol: match listed.rebalance_protocol() {
            kscope_core::assignor::RebalanceProtocol::Eager => "eager",
            kscope_core::assignor::RebalanceProtocol::Cooperative => "cooperative",
        },
        members: group.map_or(0, |(_, g)| g.members.len()),
        total_lag: lags.iter().filter_map(|l| l.lag).sum(),
        subscription: topic_names(sim, config.topics.iter().map(|t| kscope_core::TopicId(*t))),
        offsets: offsets_partition(sim, &config.group_id, group.map(|(_, g)| g)),
    }
}

fn topic_name(sim: &Sim, t: kscope_core::TopicId) -> &str {
    sim.topics().get(t.0 as usize).map_or("", |t| &t.spec.name)
}

/// Topics' names joined by commas, as `subscription` writes them.
fn topic_names(sim: &Sim, topics: impl Iterator<Item = kscope_core::TopicId>) -> String {
    topics
        .map(|t| topic_name(sim, t))
        .collect::<Vec<_>>()
        .join(",")
}

fn consumer_cards(sim: &Sim) -> Vec<ConsumerCard> {
    use kscope_core::consumer::{ConsumerStatus, MemberState};
    let group_ids: Vec<&str> = sim.config().group_ids().collect();
    let leaders: Vec<Option<std::rc::Rc<str>>> = group_ids
        .iter()
        .map(|g| sim.group(g).and_then(|(_, g)| g.leader.clone()))
        .collect();
    sim.consumers()
        .values()
        .map(|c| ConsumerCard {
            id: c.id.0,
            group: c.group,
            group_id: group_ids
                .get(c.group as usize)
                .map_or_else(String::new, |g| g.to_string()),
            state: match c.status {
                ConsumerStatus::Running if c.paused => "paused",
                ConsumerStatus::Running => "running",
                ConsumerStatus::Closed => "closed",
                ConsumerStatus::Crashed => "crashed",
                ConsumerStatus::Failed(_) => "failed",
            },
            member_state: match c.member_state {
                MemberState::Unjoined => "unjoined",
                MemberState::PreparingRebalance => "joining",
                MemberState::CompletingRebalance => "syncing",
                MemberState::Stable => "stable",
            },
            generation: c.generation,
            leader: c.is_running()
                && leaders
                    .get(c.group as usize)
                    .is_some_and(|l| l.as_deref() == Some(&*c.member_id)),
            owned: c
                .owned
                .iter()
                .map(|tp| format!("{}-{}", topic_name(sim, tp.topic), tp.partition))
                .collect(),
            subscription: topic_names(sim, c.subscription.iter().copied()),
            topics: sim.config().topics.len() as u32,
            processing: c.processing(),
            buffered: c.buffered(),
            consumed: c.consumed,
            redelivered: c.redelivered,
        })
        .collect()
}

/// How messages move on the stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Motion {
    /// Gliding from sender to receiver.
    Smooth,
    /// `prefers-reduced-motion`: at the sender for the first half of the trip, then at
    /// the receiver: a step change instead of movement.
    Steps,
}

/// The messages in flight at `now`, placed on the stage; at most `limit` of them (the
/// stage draws fewer under load rather than freezing).
pub fn dots(sim: &Sim, now: Instant, limit: usize, motion: Motion) -> Vec<Dot> {
    dots_of(sim, 0, now, limit, motion)
}

/// Where a message about several partitions is drawn: the first of `tps` in topic `shown`,
/// else the first of all.
fn first_in(shown: u32, mut tps: impl Iterator<Item = TopicPartition>) -> Option<TopicPartition> {
    let first = tps.next()?;
    if first.topic.0 == shown {
        return Some(first);
    }
    Some(tps.find(|tp| tp.topic.0 == shown).unwrap_or(first))
}

/// [`dots`] on the stage of application topic `shown`: messages about another topic's
/// partitions are not drawn.
pub fn dots_of(sim: &Sim, shown: u32, now: Instant, limit: usize, motion: Motion) -> Vec<Dot> {
    let shown = application_topic(sim, shown);
    let application_topics = sim.config().topics.len() as u32;
    let brokers: Vec<u32> = sim.brokers().keys().map(|b| b.0).collect();
    let groups = group_count(sim);
    let column = |n: NodeId| match n {
        NodeId::Producer(_) => 0,
        NodeId::Broker(b) => 1 + brokers.iter().position(|x| *x == b.0).unwrap_or(0),
        NodeId::Consumer(c) => {
            1 + brokers.len() + sim.consumers().get(&c).map_or(0, |c| c.group as usize)
        }
    };
    let partitions = sim.topics()[shown as usize].partitions.len();
    let row_of = |tp: Option<TopicPartition>| {
        tp.filter(|tp| (tp.partition as usize) < partitions)
            .map(|tp| tp.partition as usize)
    };
    sim.messages_in_flight()
        .take(limit)
        .filter_map(|m| {
            let (kind, tp) = match &m.payload {
                Payload::ProduceRequest(ProduceRequest { batches, .. }) => {
                    let retry = sim
                        .producer()
                        .in_flight
                        .get(&m.id)
                        .is_some_and(|r| r.batches.iter().any(|b| b.attempts > 0));
                    let kind = if retry {
                        DotKind::Retry
                    } else {
                        DotKind::Produce
                    };
                    (kind, first_in(shown, batches.iter().map(|b| b.partition)))
                }
                Payload::ProduceResponse { results, .. } => (
                    DotKind::ProduceResponse,
                    first_in(shown, results.iter().map(|r| r.0)),
                ),
                Payload::FetchRequest { partitions, .. } => (
                    DotKind::Fetch,
                    first_in(shown, partitions.iter().map(|p| p.partition)),
                ),
                Payload::FetchResponse { partitions, .. } => {
                    let with_data = first_in(
                        shown,
                        partitions
                            .iter()
                            .filter(|p| !p.batches.is_empty())
                            .map(|p| p.partition),
                    );
                    match (with_data, m.to) {
                        (Some(tp), NodeId::Consumer(_)) => (DotKind::Consumed, Some(tp)),
                        (Some(tp), _) => (DotKind::FetchData, Some(tp)),
                        (None, _) => (
                            DotKind::Fetch,
                            first_in(shown, partitions.iter().map(|p| p.partition)),
                        ),
                    }
                }
                Payload::OffsetCommitRequest(OffsetCommitRequest { offsets, .. }) => (
                    DotKind::Commit,
                    first_in(shown, offsets.iter().map(|o| o.0)),
                ),
                _ => (DotKind::Control, None),
            };
            let t = progress(m.sent_at, m.deliver_at, now, motion);
            let (x0, x1) = (
                column_x(column(m.from), brokers.len(), groups),
                column_x(column(m.to), brokers.len(), groups),
            );
            // Another topic's partition: not on this stage (`__consumer_offsets`'
            // commits are drawn at the group's row of the shown topic's partition).
            if tp.is_some_and(|tp| tp.topic.0 != shown && tp.topic.0 < application_topics) {
                return None;
            }
            let y = row_y(row_of(tp));
            Some(Dot {
                id: m.id.0,
                kind,
                x: x0 + (x1 - x0) * t,
                y,
                records: m.payload.records(),
            })
        })
        .chain(control_plane_dots(sim, now, motion, &|b| {
            column_x(column(NodeId::Broker(b)), brokers.len(), groups)
        }))
        .collect()
}

/// How far a message sent at `sent` and delivered at `deliver` has come at `now`, from
/// 0 to 1, as `motion` moves it.
fn progress(sent: Instant, deliver: Instant, now: Instant, motion: Motion) -> f64 {
    let span = deliver.micros().saturating_sub(sent.micros()).max(1) as f64;
    let t = (now.micros().saturating_sub(sent.micros()) as f64 / span).clamp(0.0, 1.0);
    match motion {
        Motion::Smooth => t,
        Motion::Steps if t < 0.5 => 0.0,
        Motion::Steps => 1.0,
    }
}

/// The control plane's messages to and from brokers (the full build): each travels
/// between the stage's top edge, under the control-plane strip, and its broker's head.
/// Their ids are set apart from the network's.
fn control_plane_dots<'a>(
    sim: &'a Sim,
    now: Instant,
    motion: Motion,
    x_of: &'a dyn Fn(kscope_core::ids::BrokerId) -> f64,
) -> impl Iterator<Item = Dot> + 'a {
    let messages = kscope_core::control_plane::CONTROL_PLANE
        .then(|| sim.control_plane())
        .flatten();
    messages
        .into_iter()
        .flat_map(|c| c.metadata_in_flight())
        .map(move |m| {
            let t = progress(m.sent_at, m.deliver_at, now, motion);
            let down = if m.to_broker { t } else { 1.0 - t };
            Dot {
                id: CONTROL_PLANE_DOT | m.id,
                kind: DotKind::ControlPlane,
                x: x_of(m.broker),
                y: row_y(None) * down,
                records: m.records,
            }
        })
}

/// The height of the band under the control-plane strip's cards that the messages
/// between controllers (or ZooKeeper servers) travel along, in CSS pixels.
pub const QUORUM_WIRE_PX: f64 = 36.0;

/// The messages between the controllers (or the ZooKeeper servers) on their way (the
/// full build), drawn on the band under the strip's cards: from under its sender's card
/// to under its addressee's, over an arc above the band's middle when it goes right and
/// under it when it goes left, higher the farther it goes. `x` is in percent of the
/// band's width, where card `i` of `n` is centred at `(i + 0.5) / n`.
pub fn quorum_dots(sim: &Sim, now: Instant, motion: Motion) -> Vec<Dot> {
    let Some(c) = kscope_core::control_plane::CONTROL_PLANE
        .then(|| sim.control_plane())
        .flatten()
    else {
        return Vec::new();
    };
    let ids: Vec<_> = c.ensemble.nodes().iter().map(|n| n.id).collect();
    let n = ids.len().max(1) as f64;
    let place = |id| ids.iter().position(|x| *x == id).unwrap_or(0) as f64;
    let middle = QUORUM_WIRE_PX / 2.0;
    c.ensemble
        .messages()
        .into_iter()
        .map(|m| {
            let t = progress(m.sent_at, m.deliver_at, now, motion);
            let (from, to) = (place(m.from), place(m.to));
            let span = (to - from).abs();
            let lift = (4.0 + 3.0 * (span - 1.0).max(0.0)).min(middle - 5.0);
            let side = if to > from { -1.0 } else { 1.0 };
            Dot {
                id: m.id,
                kind: if m.election {
                    DotKind::Election
                } else {
                    DotKind::ControlPlane
                },
                x: 100.0 * (from + (to - from) * t + 0.5) / n,
                y: middle + side * lift * (core::f64::consts::PI * t).sin(),
                records: 0,
            }
        })
        .collect()
}

/// The bit that sets a control-plane message's dot id apart from network messages' ids.
pub const CONTROL_PLANE_DOT: u64 = 1 << 62;

/// A link of the network, for the links panel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub a: NodeId,
    pub b: NodeId,
    pub a_name: String,
    pub b_name: String,
    pub cut: bool,
}

fn node_name(n: NodeId) -> String {
    match n {
        NodeId::Producer(ProducerId(0)) => "producer".to_string(),
        NodeId::Producer(p) => format!("producer {}", p.0),
        NodeId::Broker(b) => format!("broker {}", b.0),
        NodeId::Consumer(c) => format!("c{}", c.0),
    }
}

/// Every link between the brokers, from the producer to each broker, and from each
/// running consumer to each broker.
pub fn links(sim: &Sim) -> Vec<Link> {
    let brokers: Vec<NodeId> = sim.brokers().keys().map(|b| NodeId::Broker(*b)).collect();
    let mut pairs = Vec::new();
    for (i, a) in brokers.iter().enumerate() {
        for b in &brokers[i + 1..] {
            pairs.push((*a, *b));
        }
    }
    for b in &brokers {
        pairs.push((NodeId::PRODUCER, *b));
    }
    for c in sim.consumers().values().filter(|c| c.is_running()) {
        for b in &brokers {
            pairs.push((NodeId::Consumer(c.id), *b));
        }
    }
    pairs
        .into_iter()
        .map(|(a, b)| Link {
            a,
            b,
            a_name: node_name(a),
            b_name: node_name(b),
            cut: sim.network().is_cut(a, b),
        })
        .collect()
}

/// Where records leave the application and where they land, as a fraction of the
/// producer column's width: over the accumulators' batch bars.
pub const SEND_X: f64 = 0.62;

/// Records the application handed to `send()` in the last `window` of simulated time,
/// each moving from the application to its partition's accumulator (the partitioner's
/// choice made visible); at most `limit`, newest first.
pub fn sends(sim: &Sim, now: Instant, window: kscope_core::Duration, limit: usize) -> Vec<Dot> {
    sends_of(sim, 0, now, window, limit)
}

/// [`sends`] to application topic `shown`.
pub fn sends_of(
    sim: &Sim,
    shown: u32,
    now: Instant,
    window: kscope_core::Duration,
    limit: usize,
) -> Vec<Dot> {
    let shown = application_topic(sim, shown);
    let brokers = sim.brokers().len();
    let partitions = sim.topics()[shown as usize].partitions.len() as u32;
    let since = now.micros().saturating_sub(window.micros());
    // Straight down from the producer's header into the chosen partition's batch bar.
    let x = 2.0 * column_x(0, brokers, group_count(sim)) * SEND_X;
    sim.ledger()
        .records()
        .rev()
        .take_while(|r| r.sent_at.micros() >= since)
        .filter(|r| r.partition.topic.0 == shown && r.partition.partition < partitions)
        .take(limit)
        .map(|r| {
            let t = (now.micros().saturating_sub(r.sent_at.micros()) as f64
                / window.micros().max(1) as f64)
                .clamp(0.0, 1.0);
            let y0 = HEAD_PX - 6.0;
            let y1 = row_y(Some(r.partition.partition as usize)) - 9.0;
            Dot {
                id: r.id.0,
                kind: DotKind::Record,
                x,
                y: y0 + (y1 - y0) * t,
                records: 1,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_click_picks_the_nearest_message_within_reach() {
        let dot = |id, x, y| Dot {
            id,
            kind: DotKind::Produce,
            x,
            y,
            records: 1,
        };
        // 50 % of 400 px is 200; heights scale by 2.
        let dots = [dot(1, 50.0, 40.0), dot(2, 55.0, 40.0), dot(3, 10.0, 5.0)];
        assert_eq!(nearest_dot(&dots, (205.0, 82.0), 400.0, 2.0), Some(1));
        assert_eq!(nearest_dot(&dots, (218.0, 80.0), 400.0, 2.0), Some(2));
        assert_eq!(nearest_dot(&dots, (300.0, 300.0), 400.0, 2.0), None);
        assert_eq!(nearest_dot(&[], (0.0, 0.0), 400.0, 1.0), None);
    }
    use kscope_core::SimConfig;

    /// The group's `__consumer_offsets` partition is the one its coordinator leads, and it
    /// holds the offsets the group committed.
    #[test]
    fn the_offsets_partition_is_the_coordinators_and_holds_the_commits() {
        let mut sim = crate::script::build(&crate::settings::Settings::default()).expect("valid");
        assert!(
            stage(&sim).groups[0].offsets.is_none(),
            "created when a group needs it"
        );
        sim.step(kscope_core::Instant::from_millis(12_000));
        let st = stage(&sim);
        let o = st.groups[0].offsets.clone().expect("created by now");
        assert_eq!(o.partitions, 50, "offsets.topic.num.partitions");
        assert_eq!(
            o.partition,
            kscope_core::group::partition_for(&st.groups[0].group_id, 50)
        );
        assert_eq!(o.leader, st.groups[0].coordinator);
        assert_eq!(o.replicas.len(), 3);
        assert!(o.high_watermark > 0 && o.high_watermark <= o.log_end_offset);
        let lags = sim.group_lag();
        assert!(!o.committed.is_empty(), "auto-commit ran");
        for (p, off) in &o.committed {
            let lag = lags
                .iter()
                .find(|l| l.partition.topic.0 == 0 && l.partition.partition == *p);
            assert_eq!(lag.and_then(|l| l.committed).map(|c| c.0), Some(*off));
        }
        assert_eq!(o.generation, Some(st.groups[0].generation.unwrap()));
    }

    /// The painter finds a kind's look at the kind's index in the palette built from ALL.
    #[test]
    fn every_kind_is_in_the_palette_at_its_index() {
        for (i, kind) in DotKind::ALL.iter().enumerate() {
            assert_eq!(kind.index(), i, "{kind:?}");
        }
        assert_eq!(DotKind::ALL.len(), DotKind::Election.index() + 1);
    }

    /// With a quorum, each broker's metadata fetch and its answer travel between the
    /// stage's top edge and the broker's head, in the control plane's colour.
    #[cfg(feature = "control_plane")]
    #[test]
    fn the_control_plane_s_messages_travel_between_the_strip_and_the_brokers() {
        let mut config = SimConfig::default();
        config.network.latency_us = 20_000;
        config.broker.controller_quorum_voters = 3;
        let s = Sim::new(config, 4).expect("valid");
        // At the start every broker's first fetch and first heartbeat are on their way up.
        let ups = |s: &Sim, at: u64| -> Vec<Dot> {
            dots(s, Instant::from_micros(at), 100, Motion::Smooth)
                .into_iter()
                .filter(|d| d.kind == DotKind::ControlPlane)
                .collect()
        };
        let start = ups(&s, 0);
        assert_eq!(start.len(), 6, "{start:?}");
        for (i, d) in start.iter().enumerate() {
            assert!(d.id & CONTROL_PLANE_DOT != 0);
            assert_eq!(d.x, column_x(1 + i / 2, 3, 1), "{start:?}");
            assert_eq!(d.y, row_y(None), "at the broker");
        }
        let half = ups(&s, 10_000);
        assert!(half.iter().all(|d| d.y == row_y(None) / 2.0), "{half:?}");
        // The wire view does not list them, so a tap does not pick them.
        let at = (start[0].x / 100.0 * 1000.0, start[0].y);
        assert_eq!(nearest_dot(&start, at, 1000.0, 1.0), None);
        // The idealised controller has none.
        assert!(dots(&sim(), Instant::ZERO, 100, Motion::Smooth)
            .iter()
            .all(|d| d.kind != DotKind::ControlPlane));
    }

    /// The quorum's own messages travel under the strip's cards, from the sender's to
    /// the addressee's: replication in the control plane's colour, elections in amber.
    #[cfg(feature = "control_plane")]
    #[test]
    fn the_quorum_s_messages_travel_between_the_strip_s_cards() {
        let mut config = SimConfig::default();
        config.network.latency_us = 20_000;
        config.broker.controller_quorum_voters = 3;
        let mut s = Sim::new(config, 4).expect("valid");
        // At the start the followers' first fetches are on their way to the leader, the
        // first card: they leave from under their own cards and go left, under the middle.
        let start = quorum_dots(&s, Instant::ZERO, Motion::Smooth);
        assert_eq!(start.len(), 2, "{start:?}");
        let third = 100.0 / 3.0;
        for (i, d) in start.iter().enumerate() {
            assert_eq!(d.kind, DotKind::ControlPlane);
            assert!((d.x - third * (i as f64 + 1.5)).abs() < 1e-9, "{start:?}");
            assert_eq!(d.y, QUORUM_WIRE_PX / 2.0);
        }
        let half = quorum_dots(&s, Instant::from_micros(10_000), Motion::Smooth);
        assert!((half[0].x - third).abs() < 1e-9, "{half:?}");
        assert!(half.iter().all(|d| d.y > QUORUM_WIRE_PX / 2.0), "{half:?}");
        assert!(
            half[1].y > half[0].y,
            "the farther one arcs wider: {half:?}"
        );
        // Steps: a message sits at its sender until half-way, then at its addressee.
        let steps = quorum_dots(&s, Instant::from_micros(10_000), Motion::Steps);
        assert!((steps[0].x - 50.0 / 3.0).abs() < 1e-9, "{steps:?}");
        // The leader crashes: the others' votes are drawn as an election's.
        s.apply(
            Instant::ZERO,
            kscope_core::sim::Command::CrashController(kscope_core::ids::ControllerId(100)),
        )
        .expect("crash");
        let mut seen = false;
        for ms in 0..6_000 {
            s.step(Instant::from_millis(ms));
            let dots = quorum_dots(&s, s.now(), Motion::Smooth);
            if dots.iter().any(|d| d.kind == DotKind::Election) {
                seen = true;
                assert!(
                    dots.iter()
                        .all(|d| (0.0..=100.0).contains(&d.x)
                            && (0.0..=QUORUM_WIRE_PX).contains(&d.y))
                );
                break;
            }
        }
        assert!(seen, "no vote drawn within 6 s of the leader's crash");
        // The idealised controller has none.
        assert!(quorum_dots(&sim(), Instant::ZERO, Motion::Smooth).is_empty());
    }

    fn sim() -> Sim {
        let mut config = SimConfig::default();
        config.network.latency_us = 20_000;
        config.producer.linger_ms = 5;
        Sim::new(config, 4).expect("valid")
    }

    #[test]
    fn one_row_per_partition_and_one_cell_per_broker() {
        let mut s = sim();
        s.step(Instant::from_millis(1_000));
        let st = stage(&s);
        assert_eq!(st.columns.len(), 3);
        assert_eq!(st.rows.len(), 3);
        for row in &st.rows {
            assert_eq!(row.cells.len(), 3);
            let leaders = row.cells.iter().flatten().filter(|c| c.leader).count();
            assert_eq!(leaders, 1, "one leader per partition");
            for c in row.cells.iter().flatten() {
                assert!(c.high_watermark <= c.log_end_offset);
            }
        }
        assert_eq!(st.height_px, HEAD_PX + 3.0 * ROW_PX);
    }

    #[test]
    fn a_message_moves_from_its_sender_to_its_receiver() {
        let mut s = sim();
        // Step until a produce request is on the wire.
        let mut t = 0;
        let m = loop {
            t += 1;
            s.step(Instant::from_millis(t));
            if let Some(m) = s
                .messages_in_flight()
                .find(|m| matches!(m.payload, Payload::ProduceRequest(_)))
            {
                break m.clone();
            }
            assert!(t < 5_000, "the producer sends within 5 s");
        };
        let at = |f: f64| {
            let now = Instant::from_micros(
                m.sent_at.micros()
                    + ((m.deliver_at.micros() - m.sent_at.micros()) as f64 * f) as u64,
            );
            dots(&s, now, 10_000, Motion::Smooth)
                .into_iter()
                .find(|d| d.id == m.id.0)
                .expect("in flight")
        };
        let (start, middle, end) = (at(0.0), at(0.5), at(1.0));
        let to = match m.to {
            NodeId::Broker(b) => b.0 as usize + 1,
            NodeId::Producer(_) | NodeId::Consumer(_) => 0,
        };
        assert!(
            (start.x - column_x(0, 3, 1)).abs() < 1e-9,
            "starts at the producer"
        );
        assert!(
            (end.x - column_x(to, 3, 1)).abs() < 1e-9,
            "ends at the leader"
        );
        assert!((middle.x - (start.x + end.x) / 2.0).abs() < 1e-6);
        assert_eq!(start.kind, DotKind::Produce);
        assert!(start.records > 0);
    }

    #[test]
    fn the_sticky_partition_is_the_one_keyless_records_went_to_last() {
        let mut s = sim();
        s.step(Instant::from_millis(500));
        let st = stage(&s);
        let sticky: Vec<u32> = st
            .rows
            .iter()
            .filter(|r| r.accumulator.sticky)
            .map(|r| r.partition)
            .collect();
        assert_eq!(sticky.len(), 1);
        let last = s
            .ledger()
            .records()
            .last()
            .expect("records were sent")
            .partition
            .partition;
        assert_eq!(
            sticky[0], last,
            "no switch without a new batch.size of bytes"
        );
        assert_eq!(st.partitioner, Choice::Sticky(Some(last)));
        assert!(st
            .partitioner
            .text("orders", crate::i18n::Lang::En)
            .contains(&format!("orders-{last}")));
    }

    #[test]
    fn records_fly_from_the_application_to_the_partition_the_partitioner_chose() {
        let mut s = sim();
        s.step(Instant::from_millis(1_000));
        let last = s
            .ledger()
            .records()
            .last()
            .expect("records were sent")
            .clone();
        let window = kscope_core::Duration::from_millis(100);
        let at_send = sends(&s, last.sent_at, window, 1_000);
        let d = at_send
            .iter()
            .find(|d| d.id == last.id.0)
            .expect("just sent");
        assert!(
            (d.y - (HEAD_PX - 6.0)).abs() < 1e-9,
            "starts at the producer's header"
        );
        let later = Instant::from_micros(last.sent_at.micros() + window.micros());
        let d = sends(&s, later, window, 1_000)
            .into_iter()
            .find(|d| d.id == last.id.0)
            .expect("still shown at the end of its window");
        assert!((d.y - (row_y(Some(last.partition.partition as usize)) - 9.0)).abs() < 1e-9);
        assert!(sends(&s, later, window, 1).len() <= 1);
    }

    #[test]
    fn a_retried_produce_request_is_drawn_as_a_retry() {
        use kscope_core::{event::MessageKind, BrokerId, Command};
        let mut s = sim();
        s.step(Instant::from_millis(500));
        for b in 0..3 {
            s.apply(
                Instant::from_millis(500),
                Command::DropNext {
                    from: NodeId::Broker(BrokerId(b)),
                    to: NodeId::PRODUCER,
                    kind: Some(MessageKind::ProduceResponse),
                },
            )
            .unwrap();
        }
        // The dropped responses time out after request.timeout.ms (30 s); the batches go
        // again, with their attempts counted.
        let mut seen = false;
        for t in (500..40_000).step_by(5) {
            s.step(Instant::from_millis(t));
            if dots(&s, s.now(), 10_000, Motion::Smooth)
                .iter()
                .any(|d| d.kind == DotKind::Retry)
            {
                seen = true;
                break;
            }
        }
        assert!(seen, "a retry was drawn");
    }

    #[test]
    fn reduced_motion_shows_a_message_at_one_end_or_the_other() {
        let mut s = sim();
        s.step(Instant::from_millis(1_000));
        for d in dots(&s, s.now(), 10_000, Motion::Steps) {
            let ends: Vec<f64> = (0..=4).map(|c| column_x(c, 3, 1)).collect();
            assert!(
                ends.iter().any(|x| (d.x - x).abs() < 1e-9),
                "{d:?} is between columns"
            );
        }
    }

    #[test]
    fn the_dot_limit_bounds_the_work() {
        let mut s = sim();
        s.step(Instant::from_millis(2_000));
        let all = dots(&s, s.now(), 10_000, Motion::Smooth).len();
        assert!(all > 0);
        assert_eq!(dots(&s, s.now(), 1, Motion::Smooth).len(), 1);
    }

    /// `groups=3`: a column per group, each row's partition owned in each, and a member's
    /// messages drawn to and from its own group's column.
    #[test]
    fn every_group_has_its_column_its_owners_and_its_messages() {
        let (settings, problems) = crate::settings::Settings::from_query("groups=3&consumers=2");
        assert!(problems.is_empty());
        let mut sim = crate::script::build(&settings).unwrap();
        sim.run_until(Instant::from_millis(20_000));
        let st = stage(&sim);
        let ids: Vec<&str> = st.groups.iter().map(|g| g.group_id.as_str()).collect();
        assert_eq!(ids, ["orders-app", "audit-app", "search-indexer"]);
        assert!(st
            .groups
            .iter()
            .all(|g| g.state == "Stable" && g.members == 2));
        for row in &st.rows {
            assert_eq!(row.owners.len(), 3);
            assert!(row.owners.iter().all(|o| o.consumer.is_some()));
        }
        // Members are numbered across the groups: c0, c1 in the first, c2, c3 in the
        // second, c4, c5 in the third.
        let groups: Vec<u32> = st.consumers.iter().map(|c| c.group).collect();
        assert_eq!(groups, [0, 0, 1, 1, 2, 2]);
        assert!(st.groups[1].processed > 0);
        let brokers = st.columns.len();
        let third = column_x(brokers + 3, brokers, 3);
        let (first_broker, second_group) =
            (column_x(1, brokers, 3), column_x(brokers + 2, brokers, 3));
        let mut seen = 0;
        let mut now = sim.now();
        for _ in 0..200 {
            now = now + kscope_core::Duration::from_millis(5);
            sim.step(now);
            let to_c5: Vec<u64> = sim
                .messages_in_flight()
                .filter(|m| m.to == NodeId::Consumer(kscope_core::ConsumerId(5)))
                .map(|m| m.id.0)
                .collect();
            for d in dots(&sim, now, usize::MAX, Motion::Smooth) {
                if to_c5.contains(&d.id) {
                    // From a broker to the third group's column.
                    assert!(d.x >= first_broker - 1e-9 && d.x <= third + 1e-9, "{d:?}");
                    seen += 1;
                }
            }
        }
        assert!(seen > 0, "messages to c5 were drawn");
        assert!(second_group < third);
        assert!(column_x(brokers + 1, brokers, 3) < column_x(brokers + 3, brokers, 3));
    }

    /// `topics=3`: the stage shows one topic at a time; the groups read orders, so their
    /// columns say they do not read payments; only payments' messages are drawn on it.
    #[test]
    fn the_stage_shows_one_topic_with_its_own_partitions() {
        let (settings, problems) = crate::settings::Settings::from_query(
            "topics=3&payments.partitions=5&payments.replication.factor=2&payments.min.insync.replicas=1&topic=payments&rate=600",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(settings.shown_topic, 1);
        let mut sim = crate::script::build(&settings).unwrap();
        sim.run_until(Instant::from_millis(10_000));
        let st = stage_of(&sim, 1);
        assert_eq!(st.topic, "payments");
        assert_eq!(st.rows.len(), 5);
        assert!(st
            .rows
            .iter()
            .all(|r| r.cells.iter().flatten().count() == 2));
        assert!(st
            .rows
            .iter()
            .all(|r| r.owners.iter().all(|o| !o.subscribed)));
        assert!(stage_of(&sim, 0).rows[0].owners[0].subscribed);
        // A topic that does not exist shows the first.
        assert_eq!(stage_of(&sim, 7).topic, "orders");
        let mut now = sim.now();
        let mut drawn = 0;
        for _ in 0..100 {
            now = now + kscope_core::Duration::from_millis(5);
            sim.step(now);
            let payments: Vec<u64> = sim
                .messages_in_flight()
                .filter(|m| match &m.payload {
                    Payload::ProduceRequest(ProduceRequest { batches, .. }) => {
                        batches.iter().any(|b| b.partition.topic.0 == 1)
                    }
                    _ => false,
                })
                .map(|m| m.id.0)
                .collect();
            let others: Vec<u64> = sim
                .messages_in_flight()
                .filter(|m| match &m.payload {
                    Payload::ProduceRequest(ProduceRequest { batches, .. }) => {
                        batches.iter().all(|b| b.partition.topic.0 != 1)
                    }
                    _ => false,
                })
                .map(|m| m.id.0)
                .collect();
            let dots = dots_of(&sim, 1, now, usize::MAX, Motion::Smooth);
            assert!(dots.iter().all(|d| !others.contains(&d.id)));
            drawn += dots.iter().filter(|d| payments.contains(&d.id)).count();
        }
        assert!(drawn > 0);
    }
}
