//! Configuration: the cluster, its topics, the producer, the network and the workload,
//! with Kafka's names and defaults, and Kafka's own error text when a value is one Kafka
//! would reject.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use crate::log::LogConfig;
use crate::partitioner::PartitionerKind;
use crate::record::CompressionType;

/// `acks`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Acks {
    /// `acks=0`: the producer does not wait for any response.
    None,
    /// `acks=1`: the leader answers once it has appended the batch.
    Leader,
    /// `acks=all` (-1): the leader answers once every in-sync replica has the batch.
    #[default]
    All,
}

impl Acks {
    pub fn name(self) -> &'static str {
        match self {
            Acks::None => "0",
            Acks::Leader => "1",
            Acks::All => "all",
        }
    }
    pub fn parse(s: &str) -> Result<Acks, ConfigError> {
        match s.trim() {
            "0" => Ok(Acks::None),
            "1" => Ok(Acks::Leader),
            "all" | "-1" => Ok(Acks::All),
            other => Err(ConfigError::new(
                "acks",
                format!(
                    "Invalid value {other} for configuration acks: String must be one of: all, -1, 0, 1"
                ),
            )),
        }
    }
}

/// A configuration value Kafka would reject, with Kafka's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The configuration's Kafka name.
    pub config: &'static str,
    pub message: String,
}

impl ConfigError {
    pub fn new(config: &'static str, message: String) -> ConfigError {
        ConfigError { config, message }
    }
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The producer's settings (`ProducerConfig`), with Kafka's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ProducerConfig {
    /// `acks`, default `all` (KIP-679).
    pub acks: Acks,
    /// `batch.size`, default 16384.
    pub batch_size: u32,
    /// `linger.ms`, default 5 since Kafka 4.0 (KIP-1030); 0 before.
    pub linger_ms: u64,
    /// `buffer.memory`, default 32 MiB.
    pub buffer_memory: u64,
    /// `max.block.ms`, default 60000.
    pub max_block_ms: u64,
    /// `max.request.size`, default 1 MiB.
    pub max_request_size: u32,
    /// `max.in.flight.requests.per.connection`, default 5.
    pub max_in_flight_requests_per_connection: u32,
    /// `request.timeout.ms`, default 30000.
    pub request_timeout_ms: u64,
    /// `retries`, default `Integer.MAX_VALUE`.
    pub retries: u32,
    /// `retry.backoff.ms`, default 100: the first retry's backoff.
    pub retry_backoff_ms: u64,
    /// `retry.backoff.max.ms`, default 1000: the most a retry's backoff grows to
    /// (KIP-580).
    pub retry_backoff_max_ms: u64,
    /// `delivery.timeout.ms`, default 120000.
    pub delivery_timeout_ms: u64,
    /// `reconnect.backoff.ms`, default 50.
    pub reconnect_backoff_ms: u64,
    /// `compression.type`, default `none`.
    pub compression_type: CompressionType,
    /// `partitioner.class` (none means the built-in partitioner).
    pub partitioner: PartitionerKind,
    /// `partitioner.ignore.keys`, default false.
    pub partitioner_ignore_keys: bool,
    /// `partitioner.adaptive.partitioning.enable`, default true.
    pub partitioner_adaptive_partitioning_enable: bool,
    /// `partitioner.availability.timeout.ms`, default 0 (off).
    pub partitioner_availability_timeout_ms: u64,
    /// `enable.idempotence`: `None` leaves Kafka's default (true since 3.0, effective
    /// since 3.0.1 and 3.2, KIP-679), which conflicting settings silently turn off;
    /// `Some(true)` set explicitly makes a conflict a configuration error.
    pub enable_idempotence: Option<bool>,
    /// The client's release: whose default `enable.idempotence` is.
    pub client_version: KafkaVersion,
    /// `transactional.id`, default none: set, the producer is transactional (KIP-98).
    pub transactional_id: Option<String>,
    /// `transaction.timeout.ms`, default 60000: how long the coordinator lets a
    /// transaction stay open before it aborts it.
    pub transaction_timeout_ms: u64,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            acks: Acks::All,
            batch_size: 16_384,
            linger_ms: 5,
            buffer_memory: 33_554_432,
            max_block_ms: 60_000,
            max_request_size: 1_048_576,
            max_in_flight_requests_per_connection: 5,
            request_timeout_ms: 30_000,
            retries: i32::MAX as u32,
            retry_backoff_ms: 100,
            retry_backoff_max_ms: 1_000,
            delivery_timeout_ms: 120_000,
            reconnect_backoff_ms: 50,
            compression_type: CompressionType::None,
            partitioner: PartitionerKind::BuiltIn,
            partitioner_ignore_keys: false,
            partitioner_adaptive_partitioning_enable: true,
            partitioner_availability_timeout_ms: 0,
            enable_idempotence: None,
            client_version: KafkaVersion::V4_0,
            transactional_id: None,
            transaction_timeout_ms: 60_000,
        }
    }
}

/// A Kafka release whose defaults and rules kscope applies where they differ from 4.0,
/// kscope's reference (`kafka.version` on the page): what the books written for it teach.
/// Each is the release's `.0` (3.0 is 3.0.0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum KafkaVersion {
    V2_8,
    V3_0,
    V3_3,
    V3_7,
    V3_9,
    V4_0,
}

impl KafkaVersion {
    pub const ALL: [KafkaVersion; 6] = [
        KafkaVersion::V2_8,
        KafkaVersion::V3_0,
        KafkaVersion::V3_3,
        KafkaVersion::V3_7,
        KafkaVersion::V3_9,
        KafkaVersion::V4_0,
    ];

    pub fn name(self) -> &'static str {
        match self {
            KafkaVersion::V2_8 => "2.8",
            KafkaVersion::V3_0 => "3.0",
            KafkaVersion::V3_3 => "3.3",
            KafkaVersion::V3_7 => "3.7",
            KafkaVersion::V3_9 => "3.9",
            KafkaVersion::V4_0 => "4.0",
        }
    }

    pub fn parse(name: &str) -> Option<KafkaVersion> {
        KafkaVersion::ALL
            .into_iter()
            .find(|v| v.name() == name.trim())
    }

    /// `acks`: 1 before 3.0, `all` from 3.0 (KIP-679).
    pub fn default_acks(self) -> Acks {
        if self < KafkaVersion::V3_0 {
            Acks::Leader
        } else {
            Acks::All
        }
    }

    /// Whether `enable.idempotence` left to its default makes the producer idempotent:
    /// from 3.0 (KIP-679), but 3.0.0 and 3.1.0 did not apply the new default
    /// (KAFKA-13598, fixed in 3.0.1, 3.1.1 and 3.2.0), so of these releases only 3.3 and
    /// later; from 3.2 conflicting settings turn it off silently (KAFKA-13673).
    pub fn idempotence_by_default(self) -> bool {
        self >= KafkaVersion::V3_3
    }

    /// `linger.ms`: 5 from 4.0 (KIP-1030), 0 before.
    pub fn default_linger_ms(self) -> u64 {
        if self >= KafkaVersion::V4_0 {
            5
        } else {
            0
        }
    }

    /// The producer's default partitioner: `DefaultPartitioner`, sticky for keyless
    /// records since 2.4 (KIP-480), before 3.3; the built-in partitioner (KIP-794) from
    /// 3.3 (4.0 removed `DefaultPartitioner`).
    pub fn default_partitioner(self) -> PartitionerKind {
        if self >= KafkaVersion::V3_3 {
            PartitionerKind::BuiltIn
        } else {
            PartitionerKind::LegacyDefault
        }
    }

    /// `partition.assignment.strategy`: `[range]` before 3.0, `[range, cooperative-sticky]`
    /// from 3.0 (KAFKA-13023).
    pub fn default_assignors(self) -> crate::assignor::AssignorList {
        use crate::assignor::{AssignorKind, AssignorList};
        if self < KafkaVersion::V3_0 {
            AssignorList::from(AssignorKind::Range)
        } else {
            AssignorList::new(&[AssignorKind::Range, AssignorKind::CooperativeSticky])
                .expect("two different assignors")
        }
    }

    /// `session.timeout.ms`: 10 s before 3.0, 45 s from 3.0 (KIP-735).
    pub fn default_session_timeout_ms(self) -> u64 {
        if self >= KafkaVersion::V3_0 {
            45_000
        } else {
            10_000
        }
    }

    /// Whether the release can keep its metadata in ZooKeeper: every one before 4.0,
    /// which runs KRaft alone (KIP-833).
    pub fn has_zookeeper(self) -> bool {
        self < KafkaVersion::V4_0
    }
}

/// ZooKeeper's `tickTime` as its sample `zoo.cfg` sets it (the one tutorials start from),
/// in ms: the unit of its session bounds and its leader's checks.
pub const ZOOKEEPER_TICK_TIME_MS: u64 = 2_000;

/// Where a cluster keeps its metadata.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum MetadataMode {
    /// A KRaft controller quorum (KIP-500), or kscope's idealised controller.
    KRaft,
    /// A ZooKeeper ensemble and a controller broker (Kafka 3.9 and earlier).
    ZooKeeper,
}

impl MetadataMode {
    pub fn name(self) -> &'static str {
        match self {
            MetadataMode::KRaft => "kraft",
            MetadataMode::ZooKeeper => "zookeeper",
        }
    }
}

/// A broker's settings, with Kafka's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BrokerConfig {
    /// `replica.lag.time.max.ms`, default 30000.
    pub replica_lag_time_max_ms: u64,
    /// `replica.fetch.wait.max.ms`, default 500.
    pub replica_fetch_wait_max_ms: u64,
    /// `replica.fetch.max.bytes`, default 1 MiB (per partition).
    pub replica_fetch_max_bytes: u32,
    /// `replica.fetch.response.max.bytes`, default 10 MiB: the most bytes of a whole
    /// follower fetch response.
    pub replica_fetch_response_max_bytes: u32,
    /// `replica.fetch.min.bytes`, default 1: the leader holds a follower's fetch until
    /// this much is there or `replica.fetch.wait.max.ms` passes.
    pub replica_fetch_min_bytes: u32,
    /// `replica.fetch.backoff.ms`, default 1000.
    pub replica_fetch_backoff_ms: u64,
    /// `replica.socket.timeout.ms`, default 30000: how long a follower waits for a fetch
    /// response.
    pub replica_socket_timeout_ms: u64,
    /// `broker.session.timeout.ms` (KRaft), default 9000: how long the controller waits
    /// without heartbeats before it fences a broker.
    pub broker_session_timeout_ms: u64,
    /// How many dedicated controllers (`process.roles=controller`) make up
    /// `controller.quorum.voters`: 1, 3 or 5. 0, kscope's default, is the idealised
    /// controller: always reachable, every decision in effect at once.
    pub controller_quorum_voters: u32,
    /// `controller.quorum.election.timeout.ms`, default 1000.
    pub controller_quorum_election_timeout_ms: u64,
    /// Where the cluster keeps its metadata: KRaft (kscope's default, Kafka 4.0's only
    /// mode) or a ZooKeeper ensemble (`zookeeper.connect`, Kafka 3.9 and earlier).
    pub metadata_mode: MetadataMode,
    /// How many servers make up the ZooKeeper ensemble in ZooKeeper mode: 1, 3 or 5.
    pub zookeeper_servers: u32,
    /// `zookeeper.session.timeout.ms`, default 18000 (since 2.5, KIP-537): how long the
    /// ensemble keeps a silent broker's session, and with it its registration.
    pub zookeeper_session_timeout_ms: u64,
    /// The brokers' Kafka release (which metadata modes it has).
    pub version: KafkaVersion,
    /// `controller.quorum.fetch.timeout.ms`, default 2000.
    pub controller_quorum_fetch_timeout_ms: u64,
    /// `log.retention.check.interval.ms`, default 300000.
    pub log_retention_check_interval_ms: u64,
    /// `log.initial.task.delay.ms` (an internal setting), default 30000: how long after
    /// a broker starts its first retention run comes (`LogManager.startup`).
    pub log_initial_task_delay_ms: u64,
    /// `log.cleaner.backoff.ms`, default 15000: how long the log cleaner waits before it
    /// looks again for logs to compact.
    pub log_cleaner_backoff_ms: u64,
    /// `unclean.leader.election.interval.ms` (a controller's internal setting), default
    /// 300000: how often the controller elects unclean leaders for offline partitions
    /// whose topic allows it (KRaft, Kafka 3.9 and later).
    pub unclean_leader_election_interval_ms: u64,
    /// `message.max.bytes`, default 1048588.
    pub message_max_bytes: u32,
    /// `group.initial.rebalance.delay.ms`, default 3000: how long the coordinator waits
    /// for more members before the first rebalance of an empty group.
    pub group_initial_rebalance_delay_ms: u64,
    /// `group.min.session.timeout.ms`, default 6000.
    pub group_min_session_timeout_ms: u64,
    /// `group.max.session.timeout.ms`, default 1800000.
    pub group_max_session_timeout_ms: u64,
    /// `offsets.topic.num.partitions`, default 50.
    pub offsets_topic_num_partitions: u32,
    /// `offsets.topic.replication.factor`, default 3.
    pub offsets_topic_replication_factor: u32,
    /// `offsets.commit.timeout.ms`, default 5000.
    pub offsets_commit_timeout_ms: u64,
    /// The broker machine's Linux `vm.dirty_expire_centisecs`, in ms (default 30 s): how
    /// long an append stays only in the page cache before the kernel writes it back.
    /// Kafka itself flushes a segment when it rolls, and otherwise only on
    /// `flush.messages` / `flush.ms` (default never: it relies on replication).
    pub os_dirty_expire_ms: u64,
    /// Linux `vm.dirty_writeback_centisecs`, in ms (default 5 s): how often the kernel's
    /// flusher wakes to write back what has expired.
    pub os_dirty_writeback_ms: u64,
    /// The memory the broker machine's kernel gives the page cache for Kafka's log files,
    /// in bytes (a kscope setting, default 1 GiB): a read of what was appended within the
    /// last this many bytes the broker appended is served from memory, an older one
    /// from the disk.
    pub os_page_cache_bytes: u64,
    /// `transaction.state.log.num.partitions`, default 50.
    pub transaction_state_log_num_partitions: u32,
    /// `transaction.state.log.replication.factor`, default 3.
    pub transaction_state_log_replication_factor: u32,
    /// `transaction.state.log.min.isr`, default 2.
    pub transaction_state_log_min_isr: u32,
    /// `transaction.max.timeout.ms`, default 900000: the longest
    /// `transaction.timeout.ms` a producer may ask for.
    pub transaction_max_timeout_ms: u64,
    /// `transaction.abort.timed.out.transaction.cleanup.interval.ms`, default 10000: how
    /// often the coordinator looks for transactions open longer than their timeout.
    pub transaction_abort_timed_out_transaction_cleanup_interval_ms: u64,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            replica_lag_time_max_ms: 30_000,
            replica_fetch_wait_max_ms: 500,
            replica_fetch_max_bytes: 1_048_576,
            replica_fetch_response_max_bytes: 10_485_760,
            replica_fetch_min_bytes: 1,
            replica_fetch_backoff_ms: 1_000,
            replica_socket_timeout_ms: 30_000,
            broker_session_timeout_ms: 9_000,
            controller_quorum_voters: 0,
            controller_quorum_election_timeout_ms: 1_000,
            metadata_mode: MetadataMode::KRaft,
            zookeeper_servers: 3,
            zookeeper_session_timeout_ms: 18_000,
            version: KafkaVersion::V4_0,
            controller_quorum_fetch_timeout_ms: 2_000,
            log_retention_check_interval_ms: 300_000,
            log_initial_task_delay_ms: 30_000,
            log_cleaner_backoff_ms: 15_000,
            unclean_leader_election_interval_ms: 300_000,
            message_max_bytes: 1_048_588,
            group_initial_rebalance_delay_ms: 3_000,
            group_min_session_timeout_ms: 6_000,
            group_max_session_timeout_ms: 1_800_000,
            offsets_topic_num_partitions: 50,
            offsets_topic_replication_factor: 3,
            os_dirty_expire_ms: 30_000,
            os_dirty_writeback_ms: 5_000,
            os_page_cache_bytes: 1 << 30,
            offsets_commit_timeout_ms: 5_000,
            transaction_state_log_num_partitions: 50,
            transaction_state_log_replication_factor: 3,
            transaction_state_log_min_isr: 2,
            transaction_max_timeout_ms: 900_000,
            transaction_abort_timed_out_transaction_cleanup_interval_ms: 10_000,
        }
    }
}

/// A topic to create when the simulation starts.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TopicSpec {
    pub name: String,
    pub partitions: u32,
    /// `replication.factor`.
    pub replication_factor: u32,
    /// `min.insync.replicas`, default 1.
    pub min_insync_replicas: u32,
    /// `unclean.leader.election.enable`, default false.
    pub unclean_leader_election_enable: bool,
    pub log: LogConfig,
}

impl TopicSpec {
    pub fn new(name: &str, partitions: u32, replication_factor: u32) -> TopicSpec {
        TopicSpec {
            name: name.into(),
            partitions,
            replication_factor,
            min_insync_replicas: 1,
            unclean_leader_election_enable: false,
            log: LogConfig::default(),
        }
    }

    /// The `min.insync.replicas` a leader enforces: never more than the partition's
    /// replicas (`Partition.effectiveMinIsr`, Kafka 3.7 and later, KAFKA-15583), so a
    /// setting above the replication factor does not refuse every `acks=all` write.
    pub fn effective_min_isr(&self) -> u32 {
        self.min_insync_replicas.min(self.replication_factor)
    }
}

/// The simulated network: one latency for every link unless a command changes a link.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct NetworkConfig {
    /// One-way latency of every link, in microseconds.
    pub latency_us: u64,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig { latency_us: 1_000 }
    }
}

/// The producing application: a loop that calls `send()` at a steady rate.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Workload {
    /// Records per second; 0 sends nothing unless commanded.
    pub rate: u32,
    /// Distinct keys, chosen at random per record; 0 sends keyless records.
    pub keys: u32,
    /// Bytes of each record's value.
    pub value_bytes: u32,
    /// The topic it writes to (an index into [`SimConfig::topics`]).
    pub topic: u32,
    /// How many topics, from `topic` on, it writes to: each record to the next in turn
    /// (at least 1).
    pub topics: u32,
    /// How the application calls `send()` (not a Kafka setting).
    pub send_mode: SendMode,
    /// With a `transactional.id`: the application commits its transaction once it holds
    /// this many records (a kscope workload setting, not Kafka's; 0: by time only).
    pub transaction_records: u32,
    /// ... or this long after it began, whichever comes first (a kscope workload
    /// setting, as Kafka Streams' `commit.interval.ms`).
    pub transaction_interval_ms: u64,
}

impl Workload {
    /// The last topic it writes to (an index into [`SimConfig::topics`]).
    pub fn last_topic(&self) -> usize {
        self.topic as usize + self.topics.max(1) as usize - 1
    }
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            rate: 200,
            keys: 0,
            value_bytes: 100,
            topic: 0,
            topics: 1,
            send_mode: SendMode::Async,
            transaction_records: 100,
            transaction_interval_ms: 100,
        }
    }
}

/// How the producing application uses `send()`: the three ways the Kafka books teach. Not
/// a Kafka setting: the producer is the same, the application around it differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum SendMode {
    /// `send()` and ignore the result: a failure goes unnoticed by the application.
    FireAndForget,
    /// `send().get()`: the application waits for each record's result before the next
    /// `send()`, so one record is in flight at a time and batching is defeated.
    Sync,
    /// `send()` with a callback: records flow, and each result reaches the callback.
    #[default]
    Async,
}

impl SendMode {
    pub fn name(self) -> &'static str {
        match self {
            SendMode::FireAndForget => "fire-and-forget",
            SendMode::Sync => "sync",
            SendMode::Async => "async",
        }
    }
    pub fn parse(s: &str) -> Option<SendMode> {
        match s.trim() {
            "fire-and-forget" => Some(SendMode::FireAndForget),
            "sync" => Some(SendMode::Sync),
            "async" => Some(SendMode::Async),
            _ => None,
        }
    }
    /// Whether the application learns of a record's failure.
    pub fn notices_failures(self) -> bool {
        self != SendMode::FireAndForget
    }
}

/// `auto.offset.reset`: where a consumer starts a partition that has no committed offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum OffsetReset {
    Earliest,
    /// Kafka's default.
    #[default]
    Latest,
    /// Fail with `NoOffsetForPartitionException`.
    None,
}

impl OffsetReset {
    pub fn name(self) -> &'static str {
        match self {
            OffsetReset::Earliest => "earliest",
            OffsetReset::Latest => "latest",
            OffsetReset::None => "none",
        }
    }
    pub fn parse(s: &str) -> Result<OffsetReset, ConfigError> {
        match s.trim() {
            "earliest" => Ok(OffsetReset::Earliest),
            "latest" => Ok(OffsetReset::Latest),
            "none" => Ok(OffsetReset::None),
            other => Err(ConfigError::new(
                "auto.offset.reset",
                format!("Invalid value {other} for configuration auto.offset.reset: String must be one of: latest, earliest, none"),
            )),
        }
    }
}

/// How the consuming application commits when `enable.auto.commit` is false (the
/// application's code, not a Kafka setting).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum ManualCommit {
    /// `commitSync()` after processing each poll's records: at least once, a crash
    /// redelivers at most the poll being processed.
    #[default]
    Sync,
    /// `commitAsync()` after processing each poll's records.
    Async,
    /// `commitSync()` as soon as `poll()` returns, then processing: at most once. A crash
    /// while processing loses the rest of the poll's records (they were committed), and a
    /// poll whose commit fails is dropped unprocessed.
    BeforeProcessing,
    /// The exactly-once consume-transform-produce pipeline (KIP-98, KIP-447, as Kafka's
    /// `ExactlyOnceMessageProcessor` example runs it): each member has a transactional
    /// producer; a poll's records are processed, one result per record is sent to the
    /// output topic ([`ConsumerConfig::output_topic`]), and the member's offsets go into
    /// the same transaction (`sendOffsetsToTransaction`), which then commits. An aborted
    /// transaction sends the member back to its last committed offsets.
    Transactional,
}

impl ManualCommit {
    pub const ALL: [ManualCommit; 4] = [
        ManualCommit::Sync,
        ManualCommit::Async,
        ManualCommit::BeforeProcessing,
        ManualCommit::Transactional,
    ];
    /// Its name on the page and in links (`commit.mode`).
    pub fn name(self) -> &'static str {
        match self {
            ManualCommit::Sync => "sync",
            ManualCommit::Async => "async",
            ManualCommit::BeforeProcessing => "before-processing",
            ManualCommit::Transactional => "transactional",
        }
    }
    pub fn parse(s: &str) -> Option<ManualCommit> {
        ManualCommit::ALL.into_iter().find(|m| m.name() == s.trim())
    }
}

/// The consumer group's members' settings (`ConsumerConfig`), with Kafka's defaults, and
/// the consuming application's pace.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ConsumerConfig {
    /// `group.id`.
    pub group_id: String,
    /// The topics its members subscribe to (`subscribe()`; indices into
    /// [`SimConfig::topics`], at least one).
    pub topics: Vec<u32>,
    /// `partition.assignment.strategy`: `[range, cooperative-sticky]` since 3.0, of which
    /// a group of such members uses range (each votes for its first).
    pub partition_assignment_strategy: crate::assignor::AssignorList,
    /// `session.timeout.ms`, default 45000 (KIP-735).
    pub session_timeout_ms: u64,
    /// `heartbeat.interval.ms`, default 3000.
    pub heartbeat_interval_ms: u64,
    /// `max.poll.interval.ms`, default 300000.
    pub max_poll_interval_ms: u64,
    /// `max.poll.records`, default 500.
    pub max_poll_records: u32,
    /// `enable.auto.commit`, default true.
    pub enable_auto_commit: bool,
    /// `auto.commit.interval.ms`, default 5000.
    pub auto_commit_interval_ms: u64,
    /// How the application commits when auto commit is off.
    pub manual_commit: ManualCommit,
    /// `auto.offset.reset`, default latest.
    pub auto_offset_reset: OffsetReset,
    /// `fetch.max.wait.ms`, default 500.
    pub fetch_max_wait_ms: u64,
    /// `max.partition.fetch.bytes`, default 1 MiB.
    pub max_partition_fetch_bytes: u32,
    /// `fetch.max.bytes`, default 50 MiB: the most bytes of a whole fetch response.
    pub fetch_max_bytes: u32,
    /// `fetch.min.bytes`, default 1: the leader holds the fetch until this much is there
    /// or `fetch.max.wait.ms` passes.
    pub fetch_min_bytes: u32,
    /// `request.timeout.ms`, default 30000.
    pub request_timeout_ms: u64,
    /// `retry.backoff.ms`, default 100.
    pub retry_backoff_ms: u64,
    /// Gives each member a `group.instance.id` (static membership, KIP-345).
    pub static_membership: bool,
    /// The application's processing time per record, in microseconds (not a Kafka
    /// setting: how slow the consuming application is).
    pub process_us_per_record: u64,
    /// `isolation.level`, default `read_uncommitted`.
    pub isolation_level: IsolationLevel,
    /// With [`ManualCommit::Transactional`], the topic the pipeline writes its results to
    /// (an index into [`SimConfig::topics`]; not one the producing application writes
    /// to, nor one the group reads).
    pub output_topic: Option<u32>,
}

/// `isolation.level`: what a consumer reads of transactional records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum IsolationLevel {
    /// Everything below the high watermark, aborted transactions included.
    #[default]
    ReadUncommitted,
    /// Only below the last stable offset, without the records of aborted transactions.
    ReadCommitted,
}

impl IsolationLevel {
    pub fn name(self) -> &'static str {
        match self {
            IsolationLevel::ReadUncommitted => "read_uncommitted",
            IsolationLevel::ReadCommitted => "read_committed",
        }
    }
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        ConsumerConfig {
            group_id: String::from(FIRST_GROUP_ID),
            topics: vec![0],
            partition_assignment_strategy: KafkaVersion::V4_0.default_assignors(),
            session_timeout_ms: 45_000,
            heartbeat_interval_ms: 3_000,
            max_poll_interval_ms: 300_000,
            max_poll_records: 500,
            enable_auto_commit: true,
            auto_commit_interval_ms: 5_000,
            manual_commit: ManualCommit::Sync,
            auto_offset_reset: OffsetReset::Latest,
            fetch_max_wait_ms: 500,
            max_partition_fetch_bytes: 1_048_576,
            fetch_max_bytes: 52_428_800,
            fetch_min_bytes: 1,
            request_timeout_ms: 30_000,
            retry_backoff_ms: 100,
            static_membership: false,
            process_us_per_record: 500,
            isolation_level: IsolationLevel::ReadUncommitted,
            output_topic: None,
        }
    }
}

/// The most consumers kscope runs in its group.
pub const MAX_CONSUMERS: u32 = 32;

impl ConsumerConfig {
    /// Whether the application commits its offsets in its producer's transactions (the
    /// exactly-once pipeline): auto commit off, `commit.mode=transactional`.
    pub fn commits_in_transactions(&self) -> bool {
        !self.enable_auto_commit && self.manual_commit == ManualCommit::Transactional
    }

    /// Checks the settings as the consumer client and the group coordinator would.
    pub fn validate(&self, broker: &BrokerConfig) -> Result<(), ConfigError> {
        if self.group_id.is_empty() {
            return Err(ConfigError::new(
                "group.id",
                String::from("To use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration."),
            ));
        }
        if self.max_poll_records == 0 {
            return Err(ConfigError::new(
                "max.poll.records",
                String::from(
                    "Invalid value 0 for configuration max.poll.records: Value must be at least 1",
                ),
            ));
        }
        if self.heartbeat_interval_ms >= self.session_timeout_ms {
            return Err(ConfigError::new(
                "heartbeat.interval.ms",
                String::from("Heartbeat must be set lower than the session timeout"),
            ));
        }
        if self.session_timeout_ms < broker.group_min_session_timeout_ms
            || self.session_timeout_ms > broker.group_max_session_timeout_ms
        {
            return Err(ConfigError::new(
                "session.timeout.ms",
                String::from("The session timeout is not within the range allowed by the broker (as configured by group.min.session.timeout.ms and group.max.session.timeout.ms)."),
            ));
        }
        if self.heartbeat_interval_ms == 0 || self.auto_commit_interval_ms == 0 {
            return Err(ConfigError::new(
                "heartbeat.interval.ms",
                String::from("kscope needs heartbeat.interval.ms and auto.commit.interval.ms of at least 1 ms."),
            ));
        }
        Ok(())
    }
}

/// Everything a simulation starts from, besides its seed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SimConfig {
    pub brokers: u32,
    pub topics: Vec<TopicSpec>,
    pub producer: ProducerConfig,
    pub broker: BrokerConfig,
    pub network: NetworkConfig,
    pub workload: Workload,
    /// Members of the consumer group at the start (0: no group until one is added).
    pub consumers: u32,
    pub consumer: ConsumerConfig,
    /// More consumer groups, each with its own `group.id`, members, assignors and
    /// subscription (every other setting is `consumer`'s): a group reads every record of
    /// the topics it subscribes to.
    pub other_groups: Vec<GroupSpec>,
}

/// A consumer group after the first ([`SimConfig::other_groups`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct GroupSpec {
    pub group_id: String,
    /// Members at the start.
    pub consumers: u32,
    pub partition_assignment_strategy: crate::assignor::AssignorList,
    /// The topics its members subscribe to (indices into [`SimConfig::topics`]).
    pub topics: Vec<u32>,
}

/// The most consumer groups kscope runs (the first and two others).
pub const MAX_GROUPS: usize = 3;

/// The `group.id` of kscope's first group.
pub const FIRST_GROUP_ID: &str = "orders-app";

/// The `group.id`s kscope gives the groups after the first, in order.
pub const OTHER_GROUP_IDS: [&str; MAX_GROUPS - 1] = ["audit-app", "search-indexer"];

impl Default for SimConfig {
    fn default() -> Self {
        let mut topic = TopicSpec::new("orders", 3, 3);
        topic.min_insync_replicas = 2;
        SimConfig {
            brokers: 3,
            topics: vec![topic],
            producer: ProducerConfig::default(),
            broker: BrokerConfig::default(),
            network: NetworkConfig::default(),
            workload: Workload::default(),
            consumers: 0,
            consumer: ConsumerConfig::default(),
            other_groups: Vec::new(),
        }
    }
}

/// The most brokers a simulation may have.
pub const MAX_BROKERS: u32 = 64;
/// The most producer clients a simulation runs.
pub const MAX_PRODUCERS: u32 = 16;
/// The most partitions a topic may have in kscope.
pub const MAX_PARTITIONS: u32 = 1024;

impl SimConfig {
    /// Checks the configuration as Kafka would, returning Kafka's message for the first
    /// value it would reject.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.brokers == 0 || self.brokers > MAX_BROKERS {
            return Err(ConfigError::new(
                "brokers",
                format!(
                    "kscope simulates 1 to {MAX_BROKERS} brokers, not {}.",
                    self.brokers
                ),
            ));
        }
        for t in &self.topics {
            t.validate(self.brokers)?;
        }
        if self.workload.last_topic() >= self.topics.len() && self.workload.rate > 0 {
            return Err(ConfigError::new(
                "topic",
                format!(
                    "The workload writes to topic {} which does not exist.",
                    self.workload.last_topic()
                ),
            ));
        }
        if self.consumers > MAX_CONSUMERS {
            return Err(ConfigError::new(
                "consumers",
                format!("kscope runs at most {MAX_CONSUMERS} consumers in its group."),
            ));
        }
        self.check_subscription(&self.consumer.topics)?;
        // The exactly-once pipeline's reader is a group beside them.
        if self.other_groups.len() > MAX_GROUPS - 1 + usize::from(self.pipeline()) {
            return Err(ConfigError::new(
                "groups",
                format!("kscope runs at most {MAX_GROUPS} consumer groups."),
            ));
        }
        for (i, g) in self.other_groups.iter().enumerate() {
            // The ids before it: the first group's and the other groups' before it.
            let mut taken = self.group_ids().take(i + 1);
            if g.group_id.is_empty() || taken.any(|id| id == g.group_id) {
                return Err(ConfigError::new(
                    "group.id",
                    format!(
                        "Each consumer group needs a group.id of its own, not \"{}\".",
                        g.group_id
                    ),
                ));
            }
            if g.consumers > MAX_CONSUMERS {
                return Err(ConfigError::new(
                    "consumers",
                    format!("kscope runs at most {MAX_CONSUMERS} consumers in a group."),
                ));
            }
            self.check_subscription(&g.topics)?;
        }
        self.consumer.validate(&self.broker)?;
        self.check_pipeline()?;
        self.check_quorum()?;
        self.producer.validate()
    }

    /// The controller quorum: 1, 3 or 5 voters (or 0, the idealised controller), with
    /// timeouts Kafka accepts.
    fn check_quorum(&self) -> Result<(), ConfigError> {
        let b = &self.broker;
        #[cfg(not(feature = "control_plane"))]
        if b.controller_quorum_voters > 0 {
            return Err(ConfigError::new(
                "controller.quorum.voters",
                String::from("This build of kscope has no controller quorum: controller.quorum.voters is not available."),
            ));
        }
        if b.metadata_mode == MetadataMode::ZooKeeper {
            return self.check_zookeeper();
        }
        #[cfg(feature = "control_plane")]
        {
            if !matches!(b.controller_quorum_voters, 0 | 1 | 3 | 5) {
                return Err(ConfigError::new(
                    "controller.quorum.voters",
                    format!(
                        "kscope runs a controller quorum of 1, 3 or 5 voters, not {}.",
                        b.controller_quorum_voters
                    ),
                ));
            }
            for (name, v) in [
                (
                    "controller.quorum.election.timeout.ms",
                    b.controller_quorum_election_timeout_ms,
                ),
                (
                    "controller.quorum.fetch.timeout.ms",
                    b.controller_quorum_fetch_timeout_ms,
                ),
            ] {
                if v == 0 || v > 3_600_000 {
                    return Err(ConfigError::new(
                        name,
                        format!(
                            "Invalid value {v} for configuration {name}: kscope takes 1 to 3600000."
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// ZooKeeper mode: a release that has it, an ensemble of 1, 3 or 5 servers, a
    /// session timeout ZooKeeper grants.
    fn check_zookeeper(&self) -> Result<(), ConfigError> {
        // The page's first load (no ensemble linked) leaves the ZooKeeper-mode run, and
        // what Kafka would say of its configuration, to the full build.
        #[cfg(not(feature = "control_plane"))]
        return Err(ConfigError::new(
            "metadata.mode",
            String::from("This build of kscope has no ZooKeeper ensemble."),
        ));
        #[cfg(feature = "control_plane")]
        self.check_zookeeper_ensemble()
    }

    #[cfg(feature = "control_plane")]
    fn check_zookeeper_ensemble(&self) -> Result<(), ConfigError> {
        let b = &self.broker;
        if !b.version.has_zookeeper() {
            // KAFKA-18331: 4.0 requires process.roles, which a ZooKeeper-mode broker's
            // configuration does not set.
            return Err(ConfigError::new(
                "metadata.mode",
                format!(
                    "Missing required configuration \"process.roles\" which has no default value. (Kafka {} has no ZooKeeper mode, KIP-833: choose kafka.version 3.9 or earlier.)",
                    b.version.name()
                ),
            ));
        }
        if b.controller_quorum_voters > 0 {
            return Err(ConfigError::new(
                "controller.quorum.voters",
                String::from(
                    "controller.quorum.voters is a KRaft setting: a ZooKeeper-mode cluster has no controller quorum.",
                ),
            ));
        }
        if !matches!(b.zookeeper_servers, 1 | 3 | 5) {
            return Err(ConfigError::new(
                "zookeeper.servers",
                format!(
                    "kscope runs a ZooKeeper ensemble of 1, 3 or 5 servers, not {}.",
                    b.zookeeper_servers
                ),
            ));
        }
        // ZooKeeper grants a session of 2 to 20 ticks (`minSessionTimeout`,
        // `maxSessionTimeout`) and would bend any other ask into that range.
        let (min, max) = (2 * ZOOKEEPER_TICK_TIME_MS, 20 * ZOOKEEPER_TICK_TIME_MS);
        let t = b.zookeeper_session_timeout_ms;
        if !(min..=max).contains(&t) {
            return Err(ConfigError::new(
                "zookeeper.session.timeout.ms",
                format!(
                    "ZooKeeper grants sessions of {min} to {max} ms (2 to 20 times tickTime {} ms), not {t}.",
                    ZOOKEEPER_TICK_TIME_MS
                ),
            ));
        }
        Ok(())
    }

    /// Whether the first group runs the exactly-once pipeline (auto commit off, offsets
    /// committed in the output's transactions).
    pub fn pipeline(&self) -> bool {
        self.consumer.commits_in_transactions()
    }

    /// The pipeline's output topic, when the first group runs it.
    pub fn pipeline_output(&self) -> Option<u32> {
        self.consumer.output_topic.filter(|_| self.pipeline())
    }

    /// The exactly-once pipeline's settings, checked.
    fn check_pipeline(&self) -> Result<(), ConfigError> {
        let c = &self.consumer;
        if c.manual_commit != ManualCommit::Transactional {
            return Ok(());
        }
        let fail = |m: &str| Err(ConfigError::new("commit.mode", String::from(m)));
        if !cfg!(feature = "transactions") {
            // The same words as the abort's refusal (`Sim::apply`): one string in the build.
            return fail("This build of kscope has no transactions.");
        }
        if c.enable_auto_commit {
            return fail("commit.mode=transactional commits offsets in the producer's transaction: it needs enable.auto.commit=false.");
        }
        let Some(out) = c.output_topic.filter(|t| (*t as usize) < self.topics.len()) else {
            return fail("commit.mode=transactional needs an output topic for its results.");
        };
        let written = self.workload.topic as usize..=self.workload.last_topic();
        if written.contains(&(out as usize)) || c.topics.contains(&out) {
            return fail("The pipeline's output topic is neither one the producing application writes to nor one its group reads.");
        }
        Ok(())
    }

    /// A subscription names at least one topic, and only topics that exist.
    pub fn check_subscription(&self, topics: &[u32]) -> Result<(), ConfigError> {
        if topics.is_empty() {
            return Err(ConfigError::new(
                "subscription",
                String::from(
                    "A consumer subscribes to at least one topic (subscribe() with none is unsubscribe(), which kscope does not model).",
                ),
            ));
        }
        match topics.iter().find(|t| **t as usize >= self.topics.len()) {
            Some(t) => Err(ConfigError::new(
                "subscription",
                format!("The consumers subscribe to topic {t} which does not exist."),
            )),
            None => Ok(()),
        }
    }

    /// The settings of the members of group `group` (0 is the first, `consumer`).
    pub fn group_consumer_config(&self, group: u32) -> ConsumerConfig {
        let mut c = self.consumer.clone();
        if let Some(g) = (group as usize)
            .checked_sub(1)
            .and_then(|i| self.other_groups.get(i))
        {
            c.group_id = g.group_id.clone();
            c.partition_assignment_strategy = g.partition_assignment_strategy;
            c.topics = g.topics.clone();
            // Only the first group runs the pipeline; the others commit after processing.
            if c.manual_commit == ManualCommit::Transactional {
                c.manual_commit = ManualCommit::Sync;
                c.output_topic = None;
            }
        }
        c
    }

    /// The topics group `group`'s members subscribe to (0 is the first, `consumer`; a
    /// group that does not exist subscribes to none).
    pub fn subscription_of(&self, group: u32) -> &[u32] {
        match (group as usize).checked_sub(1) {
            None => &self.consumer.topics,
            Some(i) => self.other_groups.get(i).map_or(&[], |g| &g.topics),
        }
    }

    /// Every group's `group.id`, the first group's first.
    pub fn group_ids(&self) -> impl Iterator<Item = &str> {
        core::iter::once(self.consumer.group_id.as_str())
            .chain(self.other_groups.iter().map(|g| g.group_id.as_str()))
    }
}

impl TopicSpec {
    pub fn validate(&self, brokers: u32) -> Result<(), ConfigError> {
        if self.partitions == 0 {
            return Err(ConfigError::new(
                "partitions",
                String::from("Number of partitions must be larger than 0."),
            ));
        }
        if self.partitions > MAX_PARTITIONS {
            return Err(ConfigError::new(
                "partitions",
                format!("kscope simulates at most {MAX_PARTITIONS} partitions per topic."),
            ));
        }
        if self.replication_factor == 0 {
            return Err(ConfigError::new(
                "replication.factor",
                String::from("Replication factor must be larger than 0."),
            ));
        }
        if self.replication_factor > brokers {
            return Err(ConfigError::new(
                "replication.factor",
                format!(
                    "Unable to replicate the partition {rf} time(s): The target replication factor of {rf} cannot be reached because only {brokers} broker(s) are registered.",
                    rf = self.replication_factor
                ),
            ));
        }
        if self.min_insync_replicas == 0 {
            return Err(ConfigError::new(
                "min.insync.replicas",
                String::from("Invalid value 0 for configuration min.insync.replicas: Value must be at least 1"),
            ));
        }
        if self.log.segment_bytes < 14 {
            return Err(ConfigError::new(
                "segment.bytes",
                format!(
                    "Invalid value {} for configuration segment.bytes: Value must be at least 14",
                    self.log.segment_bytes
                ),
            ));
        }
        if self.log.segment_ms < 1 {
            return Err(ConfigError::new(
                "segment.ms",
                String::from(
                    "Invalid value 0 for configuration segment.ms: Value must be at least 1",
                ),
            ));
        }
        Ok(())
    }
}

/// The settings `ProducerConfig.postProcessAndValidateIdempotenceConfigs` looks at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotenceSettings<'a> {
    /// `enable.idempotence` if the user set it.
    pub enable_idempotence: Option<bool>,
    pub acks: Acks,
    pub retries: u32,
    pub max_in_flight_requests_per_connection: u32,
    /// `transactional.id` if the user set it.
    pub transactional_id: Option<&'a str>,
}

/// The most requests in flight that idempotence allows: the broker remembers 5 batches.
pub const MAX_IN_FLIGHT_FOR_IDEMPOTENCE: u32 = 5;

/// Whether the producer will be idempotent, as Kafka 3.2+ decides it: idempotence is on
/// unless disabled; `retries=0`, an `acks` other than `all`, or more than 5 requests in
/// flight turn it off silently if `enable.idempotence` was left to its default, and are
/// errors if it was set explicitly; a `transactional.id` needs idempotence.
pub fn resolve_idempotence(s: &IdempotenceSettings<'_>) -> Result<bool, ConfigError> {
    let explicit = s.enable_idempotence.is_some();
    let mut enabled = s.enable_idempotence.unwrap_or(true);
    if enabled {
        let mut disable = false;
        if s.retries == 0 {
            if explicit {
                return Err(ConfigError::new(
                    "retries",
                    String::from(
                        "Must set retries to non-zero when using the idempotent producer.",
                    ),
                ));
            }
            disable = true;
        }
        if s.acks != Acks::All {
            if explicit {
                return Err(ConfigError::new(
                    "acks",
                    String::from("Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence."),
                ));
            }
            disable = true;
        }
        if s.max_in_flight_requests_per_connection > MAX_IN_FLIGHT_FOR_IDEMPOTENCE {
            if explicit {
                return Err(ConfigError::new(
                    "max.in.flight.requests.per.connection",
                    String::from("Must set max.in.flight.requests.per.connection to at most 5 to use the idempotent producer."),
                ));
            }
            disable = true;
        }
        enabled = !disable;
    }
    if !enabled && s.transactional_id.is_some() {
        return Err(ConfigError::new(
            "transactional.id",
            String::from("Cannot set a transactional.id without also enabling idempotence."),
        ));
    }
    Ok(enabled)
}

impl ProducerConfig {
    /// Whether this producer is idempotent, or Kafka's error for a conflicting explicit
    /// `enable.idempotence=true`.
    pub fn idempotence(&self) -> Result<bool, ConfigError> {
        if self.enable_idempotence.is_none()
            && !self.client_version.idempotence_by_default()
            && self.transactional_id.is_none()
        {
            return Ok(false);
        }
        resolve_idempotence(&IdempotenceSettings {
            enable_idempotence: self.enable_idempotence,
            acks: self.acks,
            retries: self.retries,
            max_in_flight_requests_per_connection: self.max_in_flight_requests_per_connection,
            transactional_id: self.transactional_id.as_deref(),
        })
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        self.idempotence()?;
        if self.max_in_flight_requests_per_connection == 0 {
            return Err(ConfigError::new(
                "max.in.flight.requests.per.connection",
                String::from("Invalid value 0 for configuration max.in.flight.requests.per.connection: Value must be at least 1"),
            ));
        }
        if self.delivery_timeout_ms < self.linger_ms.saturating_add(self.request_timeout_ms) {
            return Err(ConfigError::new(
                "delivery.timeout.ms",
                String::from("delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms"),
            ));
        }
        if self.buffer_memory == 0 {
            return Err(ConfigError::new(
                "buffer.memory",
                String::from("kscope needs buffer.memory of at least 1 byte."),
            ));
        }
        if self.transactional_id.is_some() && !cfg!(feature = "transactions") {
            return Err(ConfigError::new(
                "transactional.id",
                String::from(
                    "This build of kscope has no transactions: transactional.id is not available.",
                ),
            ));
        }
        if self.transactional_id.as_deref() == Some("") {
            return Err(ConfigError::new(
                "transactional.id",
                String::from("kscope needs a transactional.id of at least one character."),
            ));
        }
        if self.transactional_id.is_some() && self.transaction_timeout_ms == 0 {
            return Err(ConfigError::new(
                "transaction.timeout.ms",
                String::from("Invalid value 0 for configuration transaction.timeout.ms: Value must be at least 1"),
            ));
        }
        Ok(())
    }
}
