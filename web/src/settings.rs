//! The page's settings: what the sliders and selectors hold, read from and written to the
//! page's URL as readable query parameters named as Kafka names them
//! (`?brokers=3&partitions=6&replication.factor=3&acks=all&linger.ms=5&seed=7`).
//! A bad or out-of-range parameter falls back to its default alone, with a message.

use kscope_core::assignor::AssignorList;
use kscope_core::config::{ManualCommit, OffsetReset, SendMode};
use kscope_core::log::CleanupPolicy;
use kscope_core::partitioner::PartitionerKind;
use kscope_core::record::CompressionType;
use kscope_core::{Acks, ConfigError, KafkaVersion, SimConfig, TopicSpec, Workload};

/// A URL parameter that was not understood: what it should have been, and what the page
/// does instead. Written out in the page's language by [`Problem::text`].
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub param: String,
    pub value: String,
    pub expected: Expected,
    pub fallback: Fallback,
}

/// What a parameter's value should be.
#[derive(Clone, Debug, PartialEq)]
pub enum Expected {
    Range(u64, u64),
    WholeNumber,
    TrueOrFalse,
    OneOrZero,
    OneOf(&'static str),
    /// `retention.*`: -1 or a whole number of at least 0.
    Retention,
    /// An instant within the first hour (a link's `at`).
    Instant,
    /// A web origin (`https://slides.example.org`) or `null`.
    Origin,
    /// The parameter is not one kscope knows.
    Known,
    /// `compare=`: a setting that makes a run, a colon and its value (`acks:all`).
    Comparison,
    /// Kafka's own message, as Kafka prints it.
    Kafka(String),
    /// What is wrong with a link's record of actions.
    Link(crate::share::LinkError),
}

/// What the page does instead.
#[derive(Clone, Debug, PartialEq)]
pub enum Fallback {
    Value(String),
    KafkaDefault,
    BrowserLanguage,
    Ignored,
    FirstStep,
    NotReplayed,
}

impl Problem {
    pub(crate) fn new(param: &str, value: &str, expected: Expected, fallback: Fallback) -> Problem {
        Problem {
            param: param.into(),
            value: value.into(),
            expected,
            fallback,
        }
    }

    /// The problem in words, in `lang` (the words are in [`crate::i18n`]).
    pub fn text(&self, lang: crate::i18n::Lang) -> String {
        crate::i18n::problem(lang, self)
    }
}

/// Every setting of the page.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// `kafka.version`: the release whose defaults and rules apply (4.0 by default).
    pub kafka_version: KafkaVersion,
    pub brokers: u64,
    pub partitions: u64,
    pub replication_factor: u64,
    pub min_insync_replicas: u64,
    pub acks: Acks,
    pub batch_size: u64,
    pub linger_ms: u64,
    /// `None` leaves Kafka's default.
    pub enable_idempotence: Option<bool>,
    pub unclean_leader_election_enable: bool,
    pub max_in_flight: u64,
    pub partitioner: PartitionerKind,
    /// How the application calls `send()` (`send.mode`, not a Kafka setting).
    pub send_mode: SendMode,
    pub buffer_memory: u64,
    pub max_block_ms: u64,
    pub compression_type: CompressionType,
    pub retries: u64,
    pub delivery_timeout_ms: u64,
    pub request_timeout_ms: u64,
    pub retry_backoff_ms: u64,
    pub max_request_size: u64,
    pub enable_auto_commit: bool,
    /// Where the application commits with auto commit off (`commit.mode`, not a Kafka
    /// setting).
    pub commit_mode: ManualCommit,
    pub auto_commit_interval_ms: u64,
    pub auto_offset_reset: OffsetReset,
    pub max_poll_records: u64,
    pub max_poll_interval_ms: u64,
    pub session_timeout_ms: u64,
    pub heartbeat_interval_ms: u64,
    pub fetch_min_bytes: u64,
    pub fetch_max_wait_ms: u64,
    pub rate: u64,
    pub keys: u64,
    pub consumers: u64,
    /// Topics the application writes to (`topics`, 1 to 3), each record to the next:
    /// orders, then [`OTHER_TOPICS`].
    pub topics: u64,
    /// The other topics' partitions, replication factor and `min.insync.replicas`.
    pub other_topics: [TopicShape; 2],
    /// The topic the stage shows (`topic`, by name; how the page looks).
    pub shown_topic: u64,
    /// Consumer groups reading the topic (`groups`, 1 to 3).
    pub groups: u64,
    /// `partition.assignment.strategy` of the second and third groups
    /// (`audit-app.partition.assignment.strategy`, `search-indexer.…`).
    pub group_assignors: [AssignorList; 2],
    /// The topics each group's application subscribes to (`subscription`,
    /// `audit-app.subscription`, `search-indexer.subscription`; not Kafka settings: the
    /// application's `subscribe()`).
    pub subscriptions: [TopicSet; 3],
    /// `partition.assignment.strategy` of every consumer.
    pub assignor: AssignorList,
    pub consumer_rate: u64,
    /// The topic's `segment.bytes`.
    pub segment_bytes: u64,
    /// The brokers' page cache for the log files (kscope's `os.page.cache.bytes`).
    pub page_cache_bytes: u64,
    /// The producer's `transactional.id` (empty: none).
    pub transactional_id: String,
    /// The consumers' `isolation.level`.
    pub isolation_level: kscope_core::config::IsolationLevel,
    /// The transactional application's `transaction.records` and
    /// `transaction.interval.ms` (kscope workload settings).
    pub transaction_records: u64,
    pub transaction_interval_ms: u64,
    /// The topic's `retention.bytes` (-1: no limit).
    pub retention_bytes: i64,
    /// The topic's `retention.ms` (-1: forever).
    pub retention_ms: i64,
    /// The topic's `cleanup.policy`.
    pub cleanup_policy: CleanupPolicy,
    pub retention_check_ms: u64,
    pub seed: u64,
    pub speed: f64,
    /// `lang=ko` or `lang=en`; `None` follows the browser's language.
    pub lang: Option<crate::i18n::Lang>,
    /// `embed=1`: the stage alone, for a slide.
    pub embed: bool,
    /// `controls=show|hide|lock` (embedded pages hide them unless asked).
    pub controls: Option<ControlsMode>,
    /// `autoplay=0` starts paused.
    pub autoplay: bool,
    /// `host`: the origin whose page may drive the embedded page with `postMessage`
    /// (see [`crate::embed`]); `None`: the parent page's own.
    pub host: Option<String>,
    /// `text=large`: every size on the page a quarter larger, for a projector.
    pub large_text: bool,
    /// `compare=<setting>:<value>`: a second run beside this one, from the same seed,
    /// with that one setting changed (see [`crate::compare`]).
    pub compare: Option<Compare>,
    /// `quorum.size`: 1, 3 or 5 dedicated KRaft controllers (`controller.quorum.voters`),
    /// or 0 for kscope's idealised controller; in ZooKeeper mode, the ensemble's servers.
    pub quorum_size: u64,
    /// `metadata.mode`: KRaft, or a ZooKeeper ensemble (Kafka 3.9 and earlier).
    pub metadata_mode: kscope_core::config::MetadataMode,
}

/// The one setting the second run of a comparison changes, and its value there, written
/// as the URL writes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Compare {
    pub name: &'static str,
    pub value: String,
}

impl Compare {
    /// Reads `acks:all`: a setting that makes a run (not one of how the page looks, not
    /// `seed`: both runs have one seed) and a value it takes.
    pub fn parse(text: &str) -> Result<Compare, Expected> {
        let (name, value) = text.split_once(':').ok_or(Expected::Comparison)?;
        let param = crate::params::find(name.trim())
            .filter(|p| {
                p.in_url != crate::params::InUrl::View && !matches!(p.name, "compare" | "seed")
            })
            .ok_or(Expected::Comparison)?;
        let value = value.trim();
        (param.put)(&mut Settings::default(), value)?;
        Ok(Compare {
            name: param.name,
            value: value.into(),
        })
    }

    /// `acks:all`, as the URL writes it.
    pub fn text(&self) -> String {
        format!("{}:{}", self.name, self.value)
    }
}

/// What an embedded page does with the control panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControlsMode {
    Show,
    Hide,
    /// Shown but disabled: the audience sees the settings and cannot change them.
    Lock,
}

impl ControlsMode {
    pub fn name(self) -> &'static str {
        match self {
            ControlsMode::Show => "show",
            ControlsMode::Hide => "hide",
            ControlsMode::Lock => "lock",
        }
    }
}

impl Settings {
    /// How the page shows the controls: as asked, else hidden when embedded.
    pub fn controls_mode(&self) -> ControlsMode {
        self.controls.unwrap_or(if self.embed {
            ControlsMode::Hide
        } else {
            ControlsMode::Show
        })
    }

    /// These settings' run with `view`'s look: the settings that only change how the page
    /// looks (speed, language, embedding, controls, autoplay, text size) taken from `view`.
    pub fn looking_like(&self, view: &Settings) -> Settings {
        Settings {
            speed: view.speed,
            lang: view.lang,
            embed: view.embed,
            controls: view.controls,
            autoplay: view.autoplay,
            host: view.host.clone(),
            large_text: view.large_text,
            shown_topic: view.shown_topic,
            ..self.clone()
        }
    }

    /// The settings of a comparison's second run: these, with the compared setting at
    /// its value there (`None` outside a comparison).
    pub fn compared(&self) -> Option<Settings> {
        let c = self.compare.as_ref()?;
        let mut b = Settings {
            compare: None,
            ..self.clone()
        };
        (crate::params::find(c.name)?.put)(&mut b, &c.value).ok()?;
        Some(b)
    }

    /// Kafka's defaults as `version` has them.
    pub fn for_version(version: KafkaVersion) -> Settings {
        let mut s = Settings::default();
        s.set_kafka_version(version);
        s
    }

    /// Moves to another Kafka release: each setting the release decides (`acks`,
    /// `linger.ms`, `partitioner`, `partition.assignment.strategy`, `session.timeout.ms`) that is at the old release's default takes the new
    /// one's; a value chosen by hand stays.
    pub fn set_kafka_version(&mut self, version: KafkaVersion) {
        let old = self.kafka_version;
        self.kafka_version = version;
        if self.acks == old.default_acks() {
            self.acks = version.default_acks();
        }
        if self.linger_ms == old.default_linger_ms() {
            self.linger_ms = version.default_linger_ms();
        }
        if self.partitioner == old.default_partitioner() {
            self.partitioner = version.default_partitioner();
        }
        for a in core::iter::once(&mut self.assignor).chain(self.group_assignors.iter_mut()) {
            if *a == old.default_assignors() {
                *a = version.default_assignors();
            }
        }
        if self.session_timeout_ms == old.default_session_timeout_ms() {
            self.session_timeout_ms = version.default_session_timeout_ms();
        }
    }

    /// Whether `other` differs from these settings only in how the page looks.
    pub fn same_run_as(&self, other: &Settings) -> bool {
        self.looking_like(other) == *other
    }
}

/// Playback speeds: simulated milliseconds per wall millisecond.
pub const SPEEDS: &[f64] = &[0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0];
/// The speeds as the URL and the page write them.
pub const SPEED_NAMES: &[&str] = &["0.1", "0.25", "0.5", "1", "2", "5", "10"];

/// The name of a speed (one of [`SPEEDS`]).
pub fn speed_name(speed: f64) -> &'static str {
    SPEEDS
        .iter()
        .position(|s| *s == speed)
        .map_or("1", |i| SPEED_NAMES[i])
}

/// The speed a name stands for.
pub fn parse_speed(name: &str) -> Option<f64> {
    SPEED_NAMES
        .iter()
        .position(|n| *n == name.trim())
        .map(|i| SPEEDS[i])
}

/// `x` with `decimals` digits after the point, without the standard library's float
/// formatting (which is large in WebAssembly).
pub fn fixed(x: f64, decimals: u32) -> String {
    let scale = 10i64.pow(decimals);
    let n = (x * scale as f64).round() as i64;
    let (sign, n) = if n < 0 { ("-", -n) } else { ("", n) };
    if decimals == 0 {
        format!("{sign}{n}")
    } else {
        format!(
            "{sign}{}.{:0width$}",
            n / scale,
            n % scale,
            width = decimals as usize
        )
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            kafka_version: KafkaVersion::V4_0,
            brokers: 3,
            partitions: 3,
            replication_factor: 3,
            min_insync_replicas: 2,
            acks: Acks::All,
            batch_size: 16_384,
            linger_ms: 5,
            enable_idempotence: None,
            unclean_leader_election_enable: false,
            max_in_flight: 5,
            partitioner: PartitionerKind::BuiltIn,
            send_mode: SendMode::Async,
            buffer_memory: 33_554_432,
            max_block_ms: 60_000,
            compression_type: CompressionType::None,
            retries: 2_147_483_647,
            delivery_timeout_ms: 120_000,
            request_timeout_ms: 30_000,
            retry_backoff_ms: 100,
            max_request_size: 1_048_576,
            enable_auto_commit: true,
            commit_mode: ManualCommit::Sync,
            auto_commit_interval_ms: 5_000,
            auto_offset_reset: OffsetReset::Latest,
            max_poll_records: 500,
            max_poll_interval_ms: 300_000,
            session_timeout_ms: 45_000,
            heartbeat_interval_ms: 3_000,
            fetch_min_bytes: 1,
            fetch_max_wait_ms: 500,
            rate: 200,
            keys: 0,
            consumers: 2,
            topics: 1,
            other_topics: [TopicShape::default(); 2],
            shown_topic: 0,
            groups: 1,
            group_assignors: [KafkaVersion::V4_0.default_assignors(); 2],
            subscriptions: [TopicSet::ORDERS; 3],
            assignor: KafkaVersion::V4_0.default_assignors(),
            consumer_rate: 2_000,
            segment_bytes: 1_073_741_824,
            page_cache_bytes: 1_073_741_824,
            transactional_id: String::new(),
            isolation_level: kscope_core::config::IsolationLevel::ReadUncommitted,
            transaction_records: 100,
            transaction_interval_ms: 100,
            retention_bytes: -1,
            retention_ms: 604_800_000,
            cleanup_policy: CleanupPolicy::Delete,
            retention_check_ms: 300_000,
            seed: 1,
            speed: 1.0,
            lang: None,
            embed: false,
            controls: None,
            autoplay: true,
            host: None,
            large_text: false,
            compare: None,
            quorum_size: 0,
            metadata_mode: kscope_core::config::MetadataMode::KRaft,
        }
    }
}

/// Undoes the URL's percent-encoding (and `+` for a space).
pub(crate) fn decode(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() && s.is_char_boundary(i + 1) && s.is_char_boundary(i + 3) => {
                match u8::from_str_radix(&s[i + 1..i + 3], 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Settings {
    /// Reads settings from a query string; returns them and a message for every
    /// parameter that was not understood (that parameter keeps its default).
    pub fn from_query(query: &str) -> (Settings, Vec<Problem>) {
        let mut s = Settings::default();
        let mut problems = Vec::new();
        let pairs: Vec<(String, String)> = query
            .trim_start_matches('?')
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(k), decode(v))
            })
            .collect();
        // The release first, wherever the query names it: what the rest leaves to its
        // default is that release's default.
        if let Some(v) = pairs
            .iter()
            .find(|(k, _)| k == "kafka.version")
            .and_then(|(_, v)| KafkaVersion::parse(v))
        {
            s.set_kafka_version(v);
        }
        for (k, v) in pairs {
            match crate::params::find(&k) {
                Some(p) => {
                    if let Err(expected) = (p.put)(&mut s, &v) {
                        problems.push(Problem::new(&k, &v, expected, p.fallback()));
                    }
                }
                // Read by share::Session.
                None if crate::share::PARAMS.contains(&k.as_str()) => {}
                None => problems.push(Problem::new(&k, &v, Expected::Known, Fallback::Ignored)),
            }
        }
        (s, problems)
    }

    /// The query string for these settings, every parameter named as Kafka names it:
    /// what a run is, always; the rest when not its default.
    pub fn to_query(&self) -> String {
        self.query_of(|p| p.in_url != crate::params::InUrl::View) + &self.view_query()
    }

    /// `name=value` of the settings `which` picks that the URL writes, joined by `&`.
    fn query_of(&self, which: impl Fn(&crate::params::Param) -> bool) -> String {
        // Each setting against its default in this release; the release against 4.0.
        let default = Settings {
            kafka_version: KafkaVersion::V4_0,
            ..Settings::for_version(self.kafka_version)
        };
        crate::params::PARAMS
            .iter()
            .filter(|p| which(p) && p.written(self, &default))
            .map(|p| format!("{}={}", p.name, (p.get)(self)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The parameters that only change how the page looks (speed, language, embedding),
    /// each only when not its default, each starting with `&`.
    pub fn view_query(&self) -> String {
        let q = self.query_of(|p| p.in_url == crate::params::InUrl::View);
        if q.is_empty() {
            q
        } else {
            format!("&{q}")
        }
    }

    /// The simulation's configuration, or Kafka's error for a combination it rejects:
    /// one topic, `orders`, and the producing application's 100-byte records, with every
    /// setting written in by its entry of [`crate::params::PARAMS`].
    /// Whether the first group runs the exactly-once pipeline.
    pub fn pipeline(&self) -> bool {
        crate::view_model::TXN
            && !self.enable_auto_commit
            && self.commit_mode == ManualCommit::Transactional
    }

    /// Whether the run needs the page's full build: transactions, a controller quorum or
    /// a ZooKeeper ensemble.
    pub fn needs_full_build(&self) -> bool {
        (!crate::view_model::TXN
            && (!self.transactional_id.is_empty()
                || self.commit_mode == ManualCommit::Transactional))
            || (!kscope_core::control_plane::CONTROL_PLANE
                && (self.quorum_size > 0
                    || self.metadata_mode == kscope_core::config::MetadataMode::ZooKeeper))
    }

    /// The index of the topic the stage shows.
    pub fn stage_topic(&self) -> u32 {
        if self.shown_topic == SHOWN_PIPELINE && self.pipeline() {
            self.topics as u32
        } else if crate::view_model::TXN {
            self.shown_topic.min(self.topics.saturating_sub(1)) as u32
        } else {
            self.shown_topic as u32
        }
    }

    pub fn to_config(&self) -> Result<SimConfig, ConfigError> {
        let mut config = SimConfig {
            topics: vec![TopicSpec::new("orders", 1, 1)],
            workload: Workload {
                value_bytes: 100,
                topic: 0,
                ..Default::default()
            },
            ..Default::default()
        };
        for p in crate::params::PARAMS {
            (p.configure)(self, &mut config);
        }
        config.validate()?;
        Ok(config)
    }
}

/// The topics after `orders`, by name.
pub const OTHER_TOPICS: [&str; 2] = ["payments", "shipments"];

/// The exactly-once pipeline's output topic (`commit.mode=transactional`), after the
/// application's topics, shaped as `orders`.
pub const PIPELINE_TOPIC: &str = "processed";
/// The group that reads the pipeline's output: where its results land.
pub const PIPELINE_READER: &str = "processed-reader";
/// [`Settings::shown_topic`] when the stage shows [`PIPELINE_TOPIC`].
pub const SHOWN_PIPELINE: u64 = 3;

/// Adds the exactly-once pipeline's output topic and its reader to `c`.
pub fn add_pipeline(c: &mut SimConfig) {
    let orders = &c.topics[0];
    let mut out =
        kscope_core::TopicSpec::new(PIPELINE_TOPIC, orders.partitions, orders.replication_factor);
    out.min_insync_replicas = orders.min_insync_replicas;
    let index = c.topics.len() as u32;
    c.topics.push(out);
    c.consumer.output_topic = Some(index);
    c.other_groups.push(kscope_core::config::GroupSpec {
        group_id: PIPELINE_READER.into(),
        consumers: 1,
        partition_assignment_strategy: c.consumer.partition_assignment_strategy,
        topics: vec![index],
    });
}

/// Every topic's name, `orders` first.
pub const TOPIC_NAMES: [&str; 3] = ["orders", OTHER_TOPICS[0], OTHER_TOPICS[1]];

/// Some of the page's topics ([`TOPIC_NAMES`]), as a consumer's `subscribe()` names
/// them: written as their names joined by commas, in the topics' order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TopicSet(u8);

impl TopicSet {
    pub const ORDERS: TopicSet = TopicSet(1);

    /// The topics' indices, in order.
    pub fn indices(self) -> impl Iterator<Item = u32> {
        (0..TOPIC_NAMES.len() as u32).filter(move |i| self.0 & (1 << i) != 0)
    }

    pub fn name(self) -> String {
        self.indices()
            .map(|i| TOPIC_NAMES[i as usize])
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads `orders,payments` (any order, spaces allowed); at least one topic.
    pub fn parse(text: &str) -> Option<TopicSet> {
        let mut bits = 0u8;
        for name in text.split(',') {
            let i = TOPIC_NAMES.iter().position(|n| *n == name.trim())?;
            bits |= 1 << i;
        }
        (bits != 0).then_some(TopicSet(bits))
    }

    /// The topics of the first `topics` it has, or `orders` when it has none of them (a
    /// subscription outlives a lowered `topics`).
    pub fn within(self, topics: u64) -> TopicSet {
        let kept = self.0 & ((1u8 << topics.min(TOPIC_NAMES.len() as u64)) - 1);
        if kept == 0 {
            TopicSet::ORDERS
        } else {
            TopicSet(kept)
        }
    }

    /// With topic `topic` in it or not; `None` when that leaves no topic.
    pub fn with(self, topic: u32, on: bool) -> Option<TopicSet> {
        let bits = if on {
            self.0 | 1 << topic
        } else {
            self.0 & !(1 << topic)
        };
        (bits != 0).then_some(TopicSet(bits))
    }

    pub fn contains(self, topic: u32) -> bool {
        self.0 & (1 << topic) != 0
    }

    /// Every non-empty set of the first `topics` topics, singles first, by name: what a
    /// select offers.
    pub fn all(topics: u64) -> Vec<&'static str> {
        const ALL: [&str; 7] = [
            "orders",
            "payments",
            "shipments",
            "orders,payments",
            "orders,shipments",
            "payments,shipments",
            "orders,payments,shipments",
        ];
        ALL.into_iter()
            .filter(|n| TopicSet::parse(n).is_some_and(|s| s.within(topics) == s))
            .collect()
    }
}

/// A topic after the first: its partitions, replication factor and `min.insync.replicas`
/// (the rest of its configuration is Kafka's default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TopicShape {
    pub partitions: u64,
    pub replication_factor: u64,
    pub min_insync_replicas: u64,
}

impl Default for TopicShape {
    fn default() -> Self {
        TopicShape {
            partitions: 3,
            replication_factor: 3,
            min_insync_replicas: 2,
        }
    }
}

/// `cleanup.policy` as Kafka writes it.
pub fn cleanup_policy_name(p: CleanupPolicy) -> &'static str {
    match p {
        CleanupPolicy::Delete => "delete",
        CleanupPolicy::Compact => "compact",
        CleanupPolicy::CompactDelete => "compact,delete",
    }
}

pub(crate) fn parse_cleanup_policy(v: &str) -> Option<CleanupPolicy> {
    match v.trim() {
        "delete" => Some(CleanupPolicy::Delete),
        "compact" => Some(CleanupPolicy::Compact),
        "compact,delete" | "delete,compact" => Some(CleanupPolicy::CompactDelete),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use kscope_core::assignor::AssignorKind;

    #[test]
    fn a_topic_set_reads_and_writes_as_subscribe_names_its_topics() {
        let set = TopicSet::parse(" shipments , orders").unwrap();
        assert_eq!(set.name(), "orders,shipments");
        assert_eq!(set.indices().collect::<Vec<_>>(), vec![0, 2]);
        assert_eq!(TopicSet::parse("orders,refunds"), None);
        assert_eq!(TopicSet::parse(""), None);
        // Lowering `topics` keeps what still exists, else orders.
        assert_eq!(set.within(2), TopicSet::ORDERS);
        assert_eq!(
            TopicSet::parse("payments").unwrap().within(1),
            TopicSet::ORDERS
        );
        assert_eq!(
            TopicSet::all(3),
            [
                "orders",
                "payments",
                "shipments",
                "orders,payments",
                "orders,shipments",
                "payments,shipments",
                "orders,payments,shipments"
            ]
        );
        assert_eq!(TopicSet::all(1), ["orders"]);
        assert_eq!(TopicSet::all(2), ["orders", "payments", "orders,payments"]);
        // Each name is the set's own.
        for n in TopicSet::all(3) {
            assert_eq!(TopicSet::parse(n).unwrap().name(), n);
        }
    }

    #[test]
    fn a_query_round_trips() {
        let s = Settings {
            brokers: 5,
            partitions: 12,
            acks: Acks::Leader,
            linger_ms: 20,
            enable_idempotence: Some(false),
            consumers: 5,
            assignor: AssignorKind::CooperativeSticky.into(),
            consumer_rate: 300,
            segment_bytes: 4_096,
            retention_bytes: 8_192,
            cleanup_policy: CleanupPolicy::CompactDelete,
            retention_check_ms: 1_000,
            seed: 42,
            speed: 0.25,
            lang: Some(crate::i18n::Lang::Ko),
            embed: true,
            controls: Some(ControlsMode::Lock),
            autoplay: false,
            large_text: true,
            ..Default::default()
        };
        let (back, problems) = Settings::from_query(&s.to_query());
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(back, s);
    }

    #[test]
    fn a_bad_parameter_falls_back_alone_with_a_message() {
        let (s, problems) =
            Settings::from_query("?brokers=40&partitions=6&acks=2&linger.ms=abc&color=red");
        assert_eq!(s.brokers, 3);
        assert_eq!(s.partitions, 6);
        assert_eq!(s.acks, Acks::All);
        assert_eq!(s.linger_ms, 5);
        assert_eq!(problems.len(), 4, "{problems:?}");
        use crate::i18n::Lang;
        assert_eq!(
            problems[0].text(Lang::En),
            "brokers=40 is not a whole number from 1 to 9; using 3."
        );
        assert_eq!(
            problems[0].text(Lang::Ko),
            "brokers=40: 허용되는 값은 1부터 9까지의 정수입니다. 대신 3 값을 씁니다."
        );
        assert!(problems[1]
            .text(Lang::En)
            .starts_with("Invalid value 2 for configuration acks"));
        assert_eq!(
            problems[3].text(Lang::Ko),
            "kscope에는 color 설정이 없습니다. 무시합니다."
        );
    }

    #[test]
    fn the_assignor_is_read_by_name_or_class_name() {
        let (s, p) = Settings::from_query(
            "partition.assignment.strategy=org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
        );
        assert!(p.is_empty());
        assert_eq!(s.assignor, AssignorKind::CooperativeSticky.into());
        let (s, p) = Settings::from_query(
            "partition.assignment.strategy=cooperative-sticky,org.apache.kafka.clients.consumer.RangeAssignor",
        );
        assert!(p.is_empty());
        assert_eq!(s.assignor.name(), "cooperative-sticky,range");
        let (s, p) = Settings::from_query("partition.assignment.strategy=fair");
        assert_eq!(s.assignor.name(), "range,cooperative-sticky");
        assert_eq!(p.len(), 1);
        assert!(p[0].text(Lang::En).contains("Class fair cannot be found"));
        let (_, p) = Settings::from_query("partition.assignment.strategy=range,range");
        assert!(p[0]
            .text(Lang::En)
            .contains("The assignor name: 'range' is used in more than one assignor"));
    }

    #[test]
    fn kafka_rejects_a_replication_factor_above_the_broker_count() {
        let (s, _) = Settings::from_query("brokers=2&replication.factor=3");
        let e = s.to_config().unwrap_err();
        assert!(e.message.contains("only 2 broker(s) are registered"));
    }

    #[test]
    fn fixed_point_text() {
        assert_eq!(fixed(12.34, 1), "12.3");
        assert_eq!(fixed(0.05, 1), "0.1");
        assert_eq!(fixed(99.96, 1), "100.0");
        assert_eq!(fixed(7.0, 0), "7");
        assert_eq!(fixed(-2.5, 1), "-2.5");
        assert_eq!(fixed(3.04, 2), "3.04");
    }

    #[test]
    fn hostile_queries_do_not_panic() {
        for q in [
            "%",
            "%%",
            "%4",
            "a=%zz",
            "&&&",
            "=",
            "seed=99999999999999999999999",
            "speed=NaN",
            "brokers=-1",
        ] {
            let _ = Settings::from_query(q);
        }
    }
}
