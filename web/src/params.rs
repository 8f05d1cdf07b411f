//! Every setting of the page, described once: [`PARAMS`].
//!
//! An entry says what the setting is called (Kafka's name, which is also its URL
//! parameter), the `data-testid` of its control, how its value is written as text and
//! read back (the URL, scenario files and the controls all speak that text), what the
//! page does with a bad value, how it is drawn in the control panel, which part of the
//! core's configuration it drives, and whether a running cluster takes a change to it
//! live. The URL parser and printer ([`crate::settings`]), the control panel
//! ([`crate::components::controls`]), the live changes ([`crate::script`]) and the core's
//! configuration all read this one table, so a new setting is a field of
//! [`Settings`] and one entry here.

use kscope_core::assignor::{AssignorList, RebalanceProtocol};
use kscope_core::config::{ManualCommit, MetadataMode, OffsetReset, SendMode};
use kscope_core::partitioner::PartitionerKind;
use kscope_core::record::CompressionType;
use kscope_core::{Acks, KafkaVersion, SimConfig};

use crate::i18n::{Lang, Text};
use crate::settings::{
    cleanup_policy_name, parse_cleanup_policy, parse_speed, speed_name, ControlsMode, Expected,
    Fallback, Settings,
};

/// Where the control panel shows a setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Cluster,
    Producer,
    /// The producer's other settings, folded under the common ones.
    ProducerMore,
    Consumers,
    /// The consumers' other settings, folded under the common ones.
    ConsumersMore,
    /// Not in the panel's sections: in the URL and scenario files only, or drawn by the
    /// panel's own header (speed, seed, language).
    None,
}

/// How the panel draws a setting's control.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// A slider over whole numbers; `max` and `step` are the slider's own (the URL may
    /// take a wider range).
    Slider {
        max: u64,
        step: u64,
    },
    /// A slider over the setting's names, showing the name.
    NameSlider,
    Checkbox,
    Select,
    /// No control of its own.
    None,
}

/// What values a setting takes, as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Values {
    /// A whole number from `min` to `max`.
    Int { min: u64, max: u64, default: u64 },
    /// One of these names, in the order a control offers them.
    Names(&'static [&'static str]),
    /// `true` or `false`.
    Bool,
    /// Anything its reader accepts.
    Other,
}

/// When the URL writes a setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InUrl {
    /// Always: what a run is.
    Always,
    /// Only when it is not its default.
    Changed,
    /// Only when it is not its default, and it changes how the page looks, not the run
    /// (speed, language, embedding): a scenario's URL keeps these too.
    View,
}

/// One setting: see the module's documentation.
pub struct Param {
    /// Kafka's name for it (kscope's, where Kafka has none), as the URL writes it.
    pub name: &'static str,
    /// The `data-testid` of its control ("" without one).
    pub testid: &'static str,
    /// The control's label in the page's language; `None` labels it with Kafka's name,
    /// as Kafka writes it.
    pub label: Option<fn(&Text) -> &'static str>,
    pub section: Section,
    pub control: Control,
    pub values: Values,
    pub in_url: InUrl,
    /// A running cluster takes a change to it as Kafka would (a command), instead of a
    /// new run.
    pub live: bool,
    /// Its value as text.
    pub get: fn(&Settings) -> String,
    /// What the control shows, where it differs from the value (the idempotence Kafka
    /// resolves when the setting is left to its default).
    pub shown: Option<fn(&Settings) -> String>,
    /// Takes a value from text; what was expected, if the text is not one.
    pub put: fn(&mut Settings, &str) -> Result<(), Expected>,
    /// What the page keeps when the text is not a value; `None` for a whole number keeps
    /// its default.
    pub fallback: Option<fn() -> Fallback>,
    /// A note beside the control (the assignor's rebalance protocol).
    pub note: Option<fn(&Settings, &Text) -> &'static str>,
    /// Writes the setting into the core's configuration.
    pub configure: fn(&Settings, &mut SimConfig),
}

impl Param {
    /// The control's label.
    pub fn label(&self, t: &Text) -> &'static str {
        self.label.map_or(self.name, |l| l(t))
    }

    /// What the page keeps when the text is not a value.
    pub fn fallback(&self) -> Fallback {
        match (self.fallback, self.values) {
            (Some(f), _) => f(),
            (None, Values::Int { default, .. }) => Fallback::Value(default.to_string()),
            (None, _) => Fallback::KafkaDefault,
        }
    }

    /// The value the control shows.
    pub fn shown(&self, s: &Settings) -> String {
        self.shown.map_or_else(|| (self.get)(s), |f| f(s))
    }

    /// Where the chosen Kafka release's default differs from 4.0's: both, as the control
    /// shows them (the page marks the setting with them).
    pub fn version_defaults(&self, s: &Settings) -> Option<(String, String)> {
        if s.kafka_version == KafkaVersion::V4_0 || self.name == "kafka.version" {
            return None;
        }
        let then = self.shown(&Settings::for_version(s.kafka_version));
        let now = self.shown(&Settings::default());
        (then != now).then_some((then, now))
    }

    /// Whether the URL writes it for these settings.
    pub fn written(&self, s: &Settings, default: &Settings) -> bool {
        match self.in_url {
            InUrl::Always => true,
            InUrl::Changed | InUrl::View => (self.get)(s) != (self.get)(default),
        }
    }
}

/// The setting called `name`.
pub fn find(name: &str) -> Option<&'static Param> {
    PARAMS.iter().find(|p| p.name == name)
}

/// Reads a whole number within `min..=max`.
fn int(v: &str, min: u64, max: u64) -> Result<u64, Expected> {
    match v.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(Expected::Range(min, max)),
    }
}

fn boolean(v: &str) -> Result<bool, Expected> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Expected::TrueOrFalse),
    }
}

fn one_or_zero(v: &str) -> Result<bool, Expected> {
    match v {
        "1" | "true" => Ok(true),
        "0" | "false" => Ok(false),
        _ => Err(Expected::OneOrZero),
    }
}

/// `retention.*`: -1 or a whole number of at least 0.
fn retention(v: &str) -> Result<i64, Expected> {
    match v.trim().parse::<i64>() {
        Ok(n) if n >= -1 => Ok(n),
        _ => Err(Expected::Retention),
    }
}

/// A whole-number setting: `$field` of [`Settings`] from `$min` to `$max`.
macro_rules! int_param {
    ($name:literal, $testid:literal, $label:expr, $section:expr, $control:expr,
     $field:ident, $min:literal, $max:literal, $default:literal, $live:literal,
     $configure:expr) => {
        Param {
            name: $name,
            testid: $testid,
            label: $label,
            section: $section,
            control: $control,
            values: Values::Int {
                min: $min,
                max: $max,
                default: $default,
            },
            in_url: InUrl::Always,
            live: $live,
            get: |s| s.$field.to_string(),
            shown: None,
            put: |s, v| {
                s.$field = int(v, $min, $max)?;
                Ok(())
            },
            fallback: None,
            note: None,
            configure: $configure,
        }
    };
}

/// A client setting past the common ones: a whole number, with a slider, written in the
/// URL only when it is not its default (in the chosen Kafka release).
macro_rules! knob {
    ($name:literal, $testid:literal, $section:expr, $max_slider:literal, $step:literal,
     $field:ident, $min:literal, $max:literal, $default:literal,
     $configure:expr) => {
        Param {
            in_url: InUrl::Changed,
            ..int_param!(
                $name,
                $testid,
                None,
                $section,
                Control::Slider {
                    max: $max_slider,
                    step: $step
                },
                $field,
                $min,
                $max,
                $default,
                false,
                $configure
            )
        }
    };
}

/// The URL writes topic and view settings only when they differ from their defaults;
/// these build such entries without a control.
macro_rules! hidden_param {
    ($name:literal, $in_url:expr, $get:expr, $put:expr, $fallback:expr, $configure:expr) => {
        Param {
            name: $name,
            testid: "",
            label: None,
            section: Section::None,
            control: Control::None,
            values: Values::Other,
            in_url: $in_url,
            live: false,
            get: $get,
            shown: None,
            put: $put,
            fallback: Some($fallback),
            note: None,
            configure: $configure,
        }
    };
}

/// A topic after the first's `partitions`, `replication.factor` and
/// `min.insync.replicas`: URL entries without a control (the stage's topic bar edits them).
macro_rules! topic_param {
    ($name:literal, $topic:literal, $field:ident, $max:literal) => {
        hidden_param!(
            $name,
            InUrl::Changed,
            |s| s.other_topics[$topic].$field.to_string(),
            |s, v| {
                s.other_topics[$topic].$field = int(v, 1, $max)?;
                Ok(())
            },
            || Fallback::Value(crate::settings::TopicShape::default().$field.to_string()),
            no_config
        )
    };
}

/// A group after the first's `partition.assignment.strategy`: a URL entry without a
/// control (its column's header has the select), live (the group's members restart with
/// the new list).
macro_rules! group_assignor_param {
    ($name:literal, $group:literal) => {
        Param {
            live: true,
            ..hidden_param!(
                $name,
                InUrl::Changed,
                |s| s.group_assignors[$group].name(),
                |s, v| {
                    s.group_assignors[$group] = AssignorList::parse(v).map_err(Expected::Kafka)?;
                    Ok(())
                },
                || Fallback::Value("range,cooperative-sticky".into()),
                no_config
            )
        }
    };
}

/// A group's `subscription`: a URL entry without a control (its column's header has the
/// select), live (each running member calls `subscribe()`).
macro_rules! subscription_param {
    ($name:literal, $group:literal, $configure:expr) => {
        Param {
            live: true,
            ..hidden_param!(
                $name,
                InUrl::Changed,
                |s| s.subscriptions[$group].name(),
                |s, v| {
                    s.subscriptions[$group] = crate::settings::TopicSet::parse(v)
                        .ok_or(Expected::OneOf("orders, payments, shipments"))?;
                    Ok(())
                },
                || Fallback::Value("orders".into()),
                $configure
            )
        }
    };
}

/// Each group's `subscription`, the first group's first.
pub(crate) const SUBSCRIPTION_PARAMS: [&str; 3] = [
    "subscription",
    "audit-app.subscription",
    "search-indexer.subscription",
];

/// The settings of the topics after the first, by topic: `partitions`,
/// `replication.factor`, `min.insync.replicas`.
pub(crate) const TOPIC_PARAMS: [[&str; 3]; 2] = [
    [
        "payments.partitions",
        "payments.replication.factor",
        "payments.min.insync.replicas",
    ],
    [
        "shipments.partitions",
        "shipments.replication.factor",
        "shipments.min.insync.replicas",
    ],
];

/// The settings of the second and third groups' `partition.assignment.strategy`.
pub(crate) const GROUP_ASSIGNOR_PARAMS: [&str; 2] = [
    "audit-app.partition.assignment.strategy",
    "search-indexer.partition.assignment.strategy",
];

/// Settings that only change how the page looks configure nothing.
fn no_config(_: &Settings, _: &mut SimConfig) {}

// `groups` offers 1 to 3.
const _: () = assert!(kscope_core::config::MAX_GROUPS == 3);

const ACKS: &[&str] = &["0", "1", "all"];
const PARTITIONERS: &[&str] = &["builtin", "roundrobin", "uniformsticky", "default"];
/// The assignor lists the select offers: each assignor alone, Kafka's default since 3.0,
/// and the first step of the two-bounce upgrade to cooperative-sticky (KIP-429). The URL
/// takes any list.
pub(crate) const ASSIGNORS: &[&str] = &[
    "range",
    "roundrobin",
    "sticky",
    "cooperative-sticky",
    "range,cooperative-sticky",
    "cooperative-sticky,range",
];

const VERSIONS: &[&str] = &["2.8", "3.0", "3.3", "3.7", "3.9", "4.0"];
const SEND_MODES: &[&str] = &["async", "sync", "fire-and-forget"];
const COMPRESSIONS: &[&str] = &["none", "gzip", "snappy", "lz4", "zstd"];
const OFFSET_RESETS: &[&str] = &["latest", "earliest", "none"];
const QUORUM_SIZES: &[&str] = &["0", "1", "3", "5"];
const METADATA_MODES: &[&str] = &["kraft", "zookeeper"];
const COMMIT_MODES: &[&str] = &["sync", "async", "before-processing", "transactional"];

/// Whether `name=value` asks for what only the page's full build has and this build
/// lacks: transactions (a `transactional.id`, `commit.mode=transactional`), a controller
/// quorum (`quorum.size` 1, 3 or 5) or a ZooKeeper ensemble (`metadata.mode=zookeeper`).
/// `web/boot.js` loads the full build for the same values.
pub fn needs_full_build(name: &str, value: &str) -> bool {
    let value = value.trim();
    match name {
        "transactional.id" => !crate::view_model::TXN && !matches!(value, "" | "false"),
        "commit.mode" => !crate::view_model::TXN && value == "transactional",
        "quorum.size" => {
            !kscope_core::control_plane::CONTROL_PLANE && matches!(value, "1" | "3" | "5")
        }
        "metadata.mode" => !kscope_core::control_plane::CONTROL_PLANE && value == "zookeeper",
        _ => false,
    }
}

/// The `transactional.id` the panel's checkbox gives the producing application.
pub const DEFAULT_TRANSACTIONAL_ID: &str = "orders-app-tx";

/// Every setting, in the order the URL writes them and the panel shows each section.
pub const PARAMS: &[Param] = &[
    // First: the settings after it default to what this release has.
    Param {
        name: "kafka.version",
        testid: "kafka-version",
        label: Some(|t| t.kafka_version),
        section: Section::Cluster,
        control: Control::Select,
        values: Values::Names(VERSIONS),
        in_url: InUrl::Changed,
        live: false,
        get: |s| s.kafka_version.name().into(),
        shown: None,
        put: |s, v| {
            let v =
                KafkaVersion::parse(v).ok_or(Expected::OneOf("2.8, 3.0, 3.3, 3.7, 3.9, 4.0"))?;
            s.set_kafka_version(v);
            Ok(())
        },
        fallback: Some(|| Fallback::Value("4.0".into())),
        note: Some(|s, t| {
            if s.kafka_version.has_zookeeper() {
                t.version_zookeeper
            } else {
                t.version_kraft
            }
        }),
        configure: |s, c| {
            c.producer.client_version = s.kafka_version;
            c.broker.version = s.kafka_version;
        },
    },
    // Where the metadata lives: KRaft (Kafka 4.0's only mode), or a ZooKeeper ensemble and
    // a controller broker (Kafka 3.9 and earlier; with 4.0 it is Kafka's error), in the
    // page's full build. Choosing ZooKeeper with no quorum size gives it 3 servers.
    Param {
        name: "metadata.mode",
        testid: "metadata-mode",
        label: Some(|t| t.metadata_mode),
        section: Section::Cluster,
        control: Control::Select,
        values: Values::Names(METADATA_MODES),
        in_url: InUrl::Changed,
        live: false,
        get: |s| s.metadata_mode.name().into(),
        shown: None,
        put: |s, v| {
            s.metadata_mode = match v.trim() {
                "kraft" => MetadataMode::KRaft,
                "zookeeper" => {
                    if s.quorum_size == 0 {
                        s.quorum_size = 3;
                    }
                    MetadataMode::ZooKeeper
                }
                _ => return Err(Expected::OneOf("kraft, zookeeper")),
            };
            Ok(())
        },
        fallback: Some(|| Fallback::Value("kraft".into())),
        note: Some(|_, t| t.metadata_mode_note),
        configure: |s, c| c.broker.metadata_mode = s.metadata_mode,
    },
    // The control plane: 0 keeps kscope's idealised controller (always reachable, its
    // decisions in effect at once); 1, 3 or 5 run that many dedicated KRaft controllers
    // (`controller.quorum.voters`, `process.roles=controller`), or ZooKeeper servers in
    // ZooKeeper mode, in the page's full build.
    Param {
        name: "quorum.size",
        testid: "quorum-size",
        label: Some(|t| t.quorum_size),
        section: Section::Cluster,
        control: Control::Select,
        values: Values::Names(QUORUM_SIZES),
        in_url: InUrl::Changed,
        live: false,
        get: |s| s.quorum_size.to_string(),
        shown: None,
        put: |s, v| {
            s.quorum_size = match v.trim() {
                "0" => 0,
                "1" => 1,
                "3" => 3,
                "5" => 5,
                _ => return Err(Expected::OneOf("0, 1, 3, 5")),
            };
            Ok(())
        },
        fallback: Some(|| Fallback::Value("0".into())),
        note: Some(|_, t| t.quorum_size_note),
        configure: |s, c| {
            let size = s.quorum_size as u32;
            if s.metadata_mode == MetadataMode::ZooKeeper {
                // An ensemble has servers: 0 (the idealised controller) means the usual 3.
                c.broker.zookeeper_servers = if size == 0 { 3 } else { size };
            } else {
                c.broker.controller_quorum_voters = size;
            }
        },
    },
    int_param!(
        "brokers",
        "brokers",
        Some(|t| t.brokers),
        Section::Cluster,
        Control::Slider { max: 9, step: 1 },
        brokers,
        1,
        9,
        3,
        false,
        |s, c| {
            c.brokers = s.brokers as u32;
            // As a cluster of fewer than three brokers is configured to let consumer
            // groups work at all (Kafka's default of 3 refuses to create
            // __consumer_offsets).
            c.broker.offsets_topic_replication_factor = (s.brokers as u32).min(3);
        }
    ),
    int_param!(
        "partitions",
        "partitions",
        Some(|t| t.partitions),
        Section::Cluster,
        Control::Slider { max: 24, step: 1 },
        partitions,
        1,
        24,
        3,
        true,
        |s, c| c.topics[0].partitions = s.partitions as u32
    ),
    int_param!(
        "replication.factor",
        "replication-factor",
        None,
        Section::Cluster,
        Control::Slider { max: 9, step: 1 },
        replication_factor,
        1,
        9,
        3,
        false,
        |s, c| c.topics[0].replication_factor = s.replication_factor as u32
    ),
    int_param!(
        "min.insync.replicas",
        "min-insync-replicas",
        None,
        Section::Cluster,
        Control::Slider { max: 9, step: 1 },
        min_insync_replicas,
        1,
        9,
        2,
        false,
        |s, c| c.topics[0].min_insync_replicas = s.min_insync_replicas as u32
    ),
    Param {
        name: "unclean.leader.election.enable",
        testid: "unclean",
        label: None,
        section: Section::Cluster,
        control: Control::Checkbox,
        values: Values::Bool,
        in_url: InUrl::Changed,
        live: false,
        get: |s| s.unclean_leader_election_enable.to_string(),
        shown: None,
        put: |s, v| {
            s.unclean_leader_election_enable = boolean(v)?;
            Ok(())
        },
        fallback: Some(|| Fallback::Value("false".into())),
        note: None,
        configure: |s, c| {
            c.topics[0].unclean_leader_election_enable = s.unclean_leader_election_enable
        },
    },
    Param {
        name: "acks",
        testid: "acks",
        label: None,
        section: Section::Producer,
        control: Control::NameSlider,
        values: Values::Names(ACKS),
        in_url: InUrl::Always,
        live: false,
        get: |s| s.acks.name().into(),
        shown: None,
        put: |s, v| {
            s.acks = Acks::parse(v).map_err(|e| Expected::Kafka(e.message))?;
            Ok(())
        },
        fallback: Some(|| Fallback::Value("acks=all".into())),
        note: None,
        configure: |s, c| c.producer.acks = s.acks,
    },
    Param {
        control: Control::Slider {
            max: 262_144,
            step: 1024,
        },
        ..int_param!(
            "batch.size",
            "batch-size",
            None,
            Section::Producer,
            Control::None,
            batch_size,
            0,
            1_048_576,
            16_384,
            false,
            |s, c| c.producer.batch_size = s.batch_size as u32
        )
    },
    int_param!(
        "linger.ms",
        "linger-ms",
        None,
        Section::Producer,
        Control::Slider {
            max: 1_000,
            step: 1
        },
        linger_ms,
        0,
        1_000,
        5,
        false,
        |s, c| c.producer.linger_ms = s.linger_ms
    ),
    int_param!(
        "max.in.flight.requests.per.connection",
        "max-in-flight",
        None,
        Section::Producer,
        Control::Slider { max: 10, step: 1 },
        max_in_flight,
        1,
        10,
        5,
        false,
        |s, c| c.producer.max_in_flight_requests_per_connection = s.max_in_flight as u32
    ),
    Param {
        name: "enable.idempotence",
        testid: "idempotence",
        label: None,
        section: Section::Producer,
        control: Control::Checkbox,
        values: Values::Bool,
        in_url: InUrl::Changed,
        live: false,
        get: |s| {
            s.enable_idempotence
                .map_or(String::new(), |i| i.to_string())
        },
        // Left to its default, the idempotence Kafka resolves from the other settings.
        shown: Some(|s| {
            let mut c = SimConfig::default();
            for p in PARAMS
                .iter()
                .filter(|p| p.section == Section::Producer || p.name == "kafka.version")
            {
                (p.configure)(s, &mut c);
            }
            c.producer.idempotence().unwrap_or(false).to_string()
        }),
        put: |s, v| {
            s.enable_idempotence = Some(boolean(v)?);
            Ok(())
        },
        fallback: Some(|| Fallback::KafkaDefault),
        note: None,
        configure: |s, c| c.producer.enable_idempotence = s.enable_idempotence,
    },
    Param {
        name: "partitioner",
        testid: "partitioner",
        label: None,
        section: Section::Producer,
        control: Control::Select,
        values: Values::Names(PARTITIONERS),
        in_url: InUrl::Always,
        live: false,
        get: |s| s.partitioner.name().into(),
        shown: None,
        put: |s, v| {
            s.partitioner = PartitionerKind::parse(v).ok_or(Expected::OneOf(
                "builtin, roundrobin, uniformsticky, default",
            ))?;
            Ok(())
        },
        fallback: Some(|| Fallback::Value("builtin".into())),
        // `DefaultPartitioner` and `UniformStickyPartitioner` (KIP-480) are gone in 4.0.
        note: Some(|s, t| match s.partitioner {
            PartitionerKind::UniformSticky | PartitionerKind::LegacyDefault => t.removed_in_4_0,
            _ => "",
        }),
        configure: |s, c| c.producer.partitioner = s.partitioner,
    },
    Param {
        control: Control::Slider {
            max: 5_000,
            step: 10,
        },
        ..int_param!(
            "rate",
            "rate",
            Some(|t| t.records_per_s),
            Section::Producer,
            Control::None,
            rate,
            0,
            20_000,
            200,
            true,
            |s, c| c.workload.rate = s.rate as u32
        )
    },
    Param {
        control: Control::Slider { max: 64, step: 1 },
        ..int_param!(
            "keys",
            "keys",
            Some(|t| t.distinct_keys),
            Section::Producer,
            Control::None,
            keys,
            0,
            1_000,
            0,
            true,
            |s, c| c.workload.keys = s.keys as u32
        )
    },
    int_param!(
        "consumers",
        "consumers",
        Some(|t| t.consumers),
        Section::Consumers,
        Control::Slider { max: 12, step: 1 },
        consumers,
        0,
        12,
        2,
        true,
        |s, c| c.consumers = s.consumers as u32
    ),
    // Topics the application writes to, each record to the next: orders, payments,
    // shipments; each with its own partitions, replication factor and min.insync.replicas
    // (`payments.partitions`, ...). The consumer groups read orders.
    Param {
        in_url: InUrl::Changed,
        ..int_param!(
            "topics",
            "topics",
            Some(|t| t.topics_label),
            Section::Cluster,
            Control::Slider { max: 3, step: 1 },
            topics,
            1,
            3,
            1,
            false,
            |s, c| {
                for (name, shape) in crate::settings::OTHER_TOPICS
                    .iter()
                    .zip(s.other_topics)
                    .take(s.topics.saturating_sub(1) as usize)
                {
                    let mut t = kscope_core::TopicSpec::new(
                        name,
                        shape.partitions as u32,
                        shape.replication_factor as u32,
                    );
                    t.min_insync_replicas = shape.min_insync_replicas as u32;
                    c.topics.push(t);
                }
                c.workload.topics = s.topics as u32;
            }
        )
    },
    topic_param!("payments.partitions", 0, partitions, 24),
    topic_param!("payments.replication.factor", 0, replication_factor, 64),
    topic_param!("payments.min.insync.replicas", 0, min_insync_replicas, 64),
    topic_param!("shipments.partitions", 1, partitions, 24),
    topic_param!("shipments.replication.factor", 1, replication_factor, 64),
    topic_param!("shipments.min.insync.replicas", 1, min_insync_replicas, 64),
    // Which topic the stage shows.
    hidden_param!(
        "topic",
        InUrl::View,
        |s| match s.shown_topic {
            crate::settings::SHOWN_PIPELINE => crate::settings::PIPELINE_TOPIC.into(),
            t => crate::settings::TOPIC_NAMES[t as usize % 3].into(),
        },
        |s, v| {
            s.shown_topic = if v.trim() == crate::settings::PIPELINE_TOPIC {
                crate::settings::SHOWN_PIPELINE
            } else {
                crate::settings::TOPIC_NAMES
                    .iter()
                    .position(|n| *n == v.trim())
                    .ok_or(Expected::OneOf("orders, payments, shipments, processed"))?
                    as u64
            };
            Ok(())
        },
        || Fallback::Value("orders".into()),
        no_config
    ),
    // Consumer groups on the topic (at most `MAX_GROUPS`, 3): the first (`group.id`
    // orders-app) and up to two more
    // (audit-app, search-indexer), each starting with `consumers` members listing
    // `partition.assignment.strategy`; each reads every record.
    Param {
        in_url: InUrl::Changed,
        ..int_param!(
            "groups",
            "groups",
            Some(|t| t.groups_label),
            Section::Consumers,
            Control::Slider { max: 3, step: 1 },
            groups,
            1,
            3,
            1,
            false,
            |s, c| {
                c.other_groups = kscope_core::config::OTHER_GROUP_IDS
                    .iter()
                    .take(s.groups.saturating_sub(1) as usize)
                    .zip(s.group_assignors)
                    .zip(&s.subscriptions[1..])
                    .map(|((id, assignors), topics)| kscope_core::config::GroupSpec {
                        group_id: (*id).into(),
                        consumers: s.consumers as u32,
                        partition_assignment_strategy: assignors,
                        topics: topics.within(s.topics).indices().collect(),
                    })
                    .collect()
            }
        )
    },
    Param {
        name: "partition.assignment.strategy",
        testid: "assignor",
        label: None,
        section: Section::Consumers,
        control: Control::Select,
        values: Values::Names(ASSIGNORS),
        in_url: InUrl::Always,
        live: true,
        get: |s| s.assignor.name(),
        shown: None,
        put: |s, v| {
            s.assignor = AssignorList::parse(v).map_err(Expected::Kafka)?;
            Ok(())
        },
        fallback: Some(|| Fallback::Value("range,cooperative-sticky".into())),
        note: Some(|s, t| match s.assignor.rebalance_protocol() {
            RebalanceProtocol::Eager => t.eager,
            RebalanceProtocol::Cooperative => t.cooperative,
        }),
        configure: |s, c| c.consumer.partition_assignment_strategy = s.assignor,
    },
    // The other groups' assignors (`GROUP_ASSIGNOR_PARAMS`), set in their columns'
    // headers.
    group_assignor_param!("audit-app.partition.assignment.strategy", 0),
    group_assignor_param!("search-indexer.partition.assignment.strategy", 1),
    // The topics each group's application subscribes to (the other groups' are written
    // by `groups`).
    subscription_param!("subscription", 0, |s, c| {
        c.consumer.topics = s.subscriptions[0].within(s.topics).indices().collect()
    }),
    subscription_param!("audit-app.subscription", 1, no_config),
    subscription_param!("search-indexer.subscription", 2, no_config),
    // Records per second each consumer's application processes (not a Kafka setting:
    // how fast the consuming application is).
    Param {
        control: Control::Slider {
            max: 5_000,
            step: 10,
        },
        ..int_param!(
            "consumer.rate",
            "consumer-rate",
            Some(|t| t.consumer_rate),
            Section::Consumers,
            Control::None,
            consumer_rate,
            10,
            20_000,
            2_000,
            false,
            |s, c| c.consumer.process_us_per_record = 1_000_000 / s.consumer_rate.max(1)
        )
    },
    // How the producing application calls `send()`: not a Kafka setting, and taken live
    // (the application changes, the producer and the cluster run on).
    Param {
        name: "send.mode",
        testid: "send-mode",
        label: None,
        section: Section::Producer,
        control: Control::Select,
        values: Values::Names(SEND_MODES),
        in_url: InUrl::Changed,
        live: true,
        get: |s| s.send_mode.name().into(),
        shown: None,
        put: |s, v| {
            s.send_mode =
                SendMode::parse(v).ok_or(Expected::OneOf("async, sync, fire-and-forget"))?;
            Ok(())
        },
        fallback: Some(|| Fallback::Value("async".into())),
        note: Some(|_, t| t.send_mode_note),
        configure: |s, c| c.workload.send_mode = s.send_mode,
    },
    // The producer's other settings (`ProducerConfig`), folded in the panel.
    knob!(
        "buffer.memory",
        "buffer-memory",
        Section::ProducerMore,
        67_108_864,
        1_048_576,
        buffer_memory,
        1_048_576,
        1_073_741_824,
        33_554_432,
        |s, c| c.producer.buffer_memory = s.buffer_memory
    ),
    knob!(
        "max.block.ms",
        "max-block-ms",
        Section::ProducerMore,
        120_000,
        1_000,
        max_block_ms,
        0,
        3_600_000,
        60_000,
        |s, c| c.producer.max_block_ms = s.max_block_ms
    ),
    Param {
        name: "compression.type",
        testid: "compression-type",
        label: None,
        section: Section::ProducerMore,
        control: Control::Select,
        values: Values::Names(COMPRESSIONS),
        in_url: InUrl::Changed,
        live: false,
        get: |s| s.compression_type.name().into(),
        shown: None,
        put: |s, v| {
            s.compression_type = CompressionType::parse(v.trim())
                .ok_or(Expected::OneOf("none, gzip, snappy, lz4, zstd"))?;
            Ok(())
        },
        fallback: Some(|| Fallback::Value("none".into())),
        note: None,
        configure: |s, c| c.producer.compression_type = s.compression_type,
    },
    knob!(
        "retries",
        "retries",
        Section::ProducerMore,
        10,
        1,
        retries,
        0,
        2_147_483_647,
        2_147_483_647,
        |s, c| c.producer.retries = s.retries as u32
    ),
    knob!(
        "delivery.timeout.ms",
        "delivery-timeout-ms",
        Section::ProducerMore,
        300_000,
        1_000,
        delivery_timeout_ms,
        1,
        2_147_483_647,
        120_000,
        |s, c| c.producer.delivery_timeout_ms = s.delivery_timeout_ms
    ),
    knob!(
        "request.timeout.ms",
        "request-timeout-ms",
        Section::ProducerMore,
        120_000,
        1_000,
        request_timeout_ms,
        1,
        2_147_483_647,
        30_000,
        |s, c| c.producer.request_timeout_ms = s.request_timeout_ms
    ),
    knob!(
        "retry.backoff.ms",
        "retry-backoff-ms",
        Section::ProducerMore,
        5_000,
        10,
        retry_backoff_ms,
        0,
        60_000,
        100,
        |s, c| c.producer.retry_backoff_ms = s.retry_backoff_ms
    ),
    knob!(
        "max.request.size",
        "max-request-size",
        Section::ProducerMore,
        4_194_304,
        16_384,
        max_request_size,
        1,
        104_857_600,
        1_048_576,
        |s, c| c.producer.max_request_size = s.max_request_size as u32
    ),
    // The consumers' other settings (`ConsumerConfig`), folded in the panel.
    Param {
        name: "enable.auto.commit",
        testid: "enable-auto-commit",
        label: None,
        section: Section::ConsumersMore,
        control: Control::Checkbox,
        values: Values::Bool,
        in_url: InUrl::Changed,
        live: false,
        get: |s| s.enable_auto_commit.to_string(),
        shown: None,
        put: |s, v| {
            s.enable_auto_commit = boolean(v)?;
            Ok(())
        },
        fallback: Some(|| Fallback::Value("true".into())),
        note: None,
        configure: |s, c| c.consumer.enable_auto_commit = s.enable_auto_commit,
    },
    // Where the consuming application commits when auto commit is off: not a Kafka
    // setting (its code: `commitSync()` or `commitAsync()` after processing,
    // `commitSync()` before it, or the exactly-once pipeline's transactions, which write
    // its results to `processed`, read by `processed-reader`).
    Param {
        name: "commit.mode",
        testid: "commit-mode",
        label: None,
        section: Section::ConsumersMore,
        control: Control::Select,
        values: Values::Names(COMMIT_MODES),
        in_url: InUrl::Changed,
        live: false,
        get: |s| s.commit_mode.name().into(),
        shown: None,
        put: |s, v| {
            s.commit_mode = ManualCommit::parse(v).ok_or(Expected::OneOf(
                "sync, async, before-processing, transactional",
            ))?;
            Ok(())
        },
        fallback: Some(|| Fallback::Value("sync".into())),
        note: Some(|_, t| t.commit_mode_note),
        configure: |s, c| {
            c.consumer.manual_commit = s.commit_mode;
            if crate::view_model::TXN && s.pipeline() {
                crate::settings::add_pipeline(c);
            }
        },
    },
    knob!(
        "auto.commit.interval.ms",
        "auto-commit-interval-ms",
        Section::ConsumersMore,
        30_000,
        100,
        auto_commit_interval_ms,
        1,
        3_600_000,
        5_000,
        |s, c| c.consumer.auto_commit_interval_ms = s.auto_commit_interval_ms
    ),
    Param {
        name: "auto.offset.reset",
        testid: "auto-offset-reset",
        label: None,
        section: Section::ConsumersMore,
        control: Control::Select,
        values: Values::Names(OFFSET_RESETS),
        in_url: InUrl::Changed,
        live: false,
        get: |s| s.auto_offset_reset.name().into(),
        shown: None,
        put: |s, v| {
            s.auto_offset_reset = OffsetReset::parse(v).map_err(|e| Expected::Kafka(e.message))?;
            Ok(())
        },
        fallback: Some(|| Fallback::Value("latest".into())),
        note: None,
        configure: |s, c| c.consumer.auto_offset_reset = s.auto_offset_reset,
    },
    knob!(
        "max.poll.records",
        "max-poll-records",
        Section::ConsumersMore,
        2_000,
        10,
        max_poll_records,
        1,
        100_000,
        500,
        |s, c| c.consumer.max_poll_records = s.max_poll_records as u32
    ),
    knob!(
        "max.poll.interval.ms",
        "max-poll-interval-ms",
        Section::ConsumersMore,
        600_000,
        1_000,
        max_poll_interval_ms,
        1,
        2_147_483_647,
        300_000,
        |s, c| c.consumer.max_poll_interval_ms = s.max_poll_interval_ms
    ),
    knob!(
        "session.timeout.ms",
        "session-timeout-ms",
        Section::ConsumersMore,
        120_000,
        1_000,
        session_timeout_ms,
        1,
        2_147_483_647,
        45_000,
        |s, c| c.consumer.session_timeout_ms = s.session_timeout_ms
    ),
    knob!(
        "heartbeat.interval.ms",
        "heartbeat-interval-ms",
        Section::ConsumersMore,
        30_000,
        100,
        heartbeat_interval_ms,
        1,
        2_147_483_647,
        3_000,
        |s, c| c.consumer.heartbeat_interval_ms = s.heartbeat_interval_ms
    ),
    knob!(
        "fetch.min.bytes",
        "fetch-min-bytes",
        Section::ConsumersMore,
        1_048_576,
        1_024,
        fetch_min_bytes,
        0,
        52_428_800,
        1,
        |s, c| c.consumer.fetch_min_bytes = s.fetch_min_bytes as u32
    ),
    knob!(
        "fetch.max.wait.ms",
        "fetch-max-wait-ms",
        Section::ConsumersMore,
        5_000,
        10,
        fetch_max_wait_ms,
        0,
        60_000,
        500,
        |s, c| c.consumer.fetch_max_wait_ms = s.fetch_max_wait_ms
    ),
    Param {
        name: "seed",
        testid: "seed",
        label: Some(|t| t.seed),
        section: Section::None,
        control: Control::None,
        values: Values::Other,
        in_url: InUrl::Always,
        live: false,
        get: |s| s.seed.to_string(),
        shown: None,
        put: |s, v| {
            s.seed = v.trim().parse().map_err(|_| Expected::WholeNumber)?;
            Ok(())
        },
        fallback: Some(|| Fallback::Value("1".into())),
        note: None,
        configure: no_config,
    },
    // The topic's log settings (Kafka's minimum `segment.bytes` is 14 bytes; the page
    // asks for a segment that holds at least a few records).
    Param {
        section: Section::None,
        in_url: InUrl::Changed,
        ..int_param!(
            "segment.bytes",
            "",
            None,
            Section::None,
            Control::None,
            segment_bytes,
            1_024,
            1_073_741_824,
            1_073_741_824,
            false,
            |s, c| c.topics[0].log.segment_bytes = s.segment_bytes as u32
        )
    },
    // The brokers' page cache (kscope's setting: the memory their machines' kernels give
    // Kafka's log files; from 64 KiB, a few segments' worth on the page's scale).
    Param {
        section: Section::None,
        in_url: InUrl::Changed,
        ..int_param!(
            "os.page.cache.bytes",
            "",
            None,
            Section::None,
            Control::None,
            page_cache_bytes,
            65_536,
            68_719_476_736,
            1_073_741_824,
            false,
            |s, c| c.broker.os_page_cache_bytes = s.page_cache_bytes
        )
    },
    // The panel's checkbox turns a transactional.id on (`true`: [`DEFAULT_TRANSACTIONAL_ID`])
    // and off (`false`); a link names any id. A page whose first load left transactions out
    // reloads into its full build for it (`lib.rs`).
    Param {
        name: "transactional.id",
        testid: "transactions",
        label: None,
        section: Section::ProducerMore,
        control: Control::Checkbox,
        values: Values::Other,
        in_url: InUrl::Changed,
        live: false,
        get: |s| s.transactional_id.clone(),
        shown: Some(|s| (!s.transactional_id.is_empty()).to_string()),
        put: |s, v| {
            let v = match v.trim() {
                "true" => DEFAULT_TRANSACTIONAL_ID,
                "false" => "",
                v => v,
            };
            if v.len() > 64 || v.chars().any(|c| c.is_control()) {
                return Err(Expected::Kafka(
                    "kscope takes a transactional.id of at most 64 printable characters.".into(),
                ));
            }
            s.transactional_id = v.into();
            Ok(())
        },
        fallback: Some(|| Fallback::Value(String::new())),
        note: None,
        configure: |s, c| {
            c.producer.transactional_id =
                (!s.transactional_id.is_empty()).then(|| s.transactional_id.clone());
            c.broker.transaction_state_log_replication_factor = (s.brokers as u32).min(3);
        },
    },
    Param {
        name: "isolation.level",
        testid: "isolation-level",
        label: None,
        section: Section::ConsumersMore,
        control: Control::Select,
        values: Values::Names(&["read_uncommitted", "read_committed"]),
        in_url: InUrl::Changed,
        live: false,
        get: |s| s.isolation_level.name().into(),
        shown: None,
        fallback: Some(|| Fallback::Value("read_uncommitted".into())),
        note: None,
        configure: |s, c| c.consumer.isolation_level = s.isolation_level,
        put: |s, v| {
            use kscope_core::config::IsolationLevel as L;
            s.isolation_level = match v.trim() {
                "read_uncommitted" => L::ReadUncommitted,
                "read_committed" => L::ReadCommitted,
                _ => {
                    return Err(Expected::Kafka(format!(
                        "Invalid value {v} for configuration isolation.level: String must be one of: read_committed, read_uncommitted"
                    )))
                }
            };
            Ok(())
        },
    },
    Param {
        in_url: InUrl::Changed,
        ..int_param!(
            "transaction.records",
            "",
            None,
            Section::None,
            Control::None,
            transaction_records,
            0,
            100_000,
            100,
            false,
            |s, c| c.workload.transaction_records = s.transaction_records as u32
        )
    },
    Param {
        in_url: InUrl::Changed,
        ..int_param!(
            "transaction.interval.ms",
            "",
            None,
            Section::None,
            Control::None,
            transaction_interval_ms,
            1,
            600_000,
            100,
            false,
            |s, c| c.workload.transaction_interval_ms = s.transaction_interval_ms
        )
    },
    hidden_param!(
        "retention.bytes",
        InUrl::Changed,
        |s| s.retention_bytes.to_string(),
        |s, v| {
            s.retention_bytes = retention(v)?;
            Ok(())
        },
        || Fallback::KafkaDefault,
        |s, c| c.topics[0].log.retention_bytes = s.retention_bytes
    ),
    hidden_param!(
        "retention.ms",
        InUrl::Changed,
        |s| s.retention_ms.to_string(),
        |s, v| {
            s.retention_ms = retention(v)?;
            Ok(())
        },
        || Fallback::KafkaDefault,
        |s, c| c.topics[0].log.retention_ms = s.retention_ms
    ),
    hidden_param!(
        "cleanup.policy",
        InUrl::Changed,
        |s| cleanup_policy_name(s.cleanup_policy).into(),
        |s, v| {
            s.cleanup_policy = parse_cleanup_policy(v)
                .ok_or(Expected::OneOf("delete, compact, compact,delete"))?;
            Ok(())
        },
        || Fallback::Value("delete".into()),
        |s, c| c.topics[0].log.cleanup_policy = s.cleanup_policy
    ),
    // `log.retention.check.interval.ms` of every broker, in milliseconds.
    Param {
        in_url: InUrl::Changed,
        ..int_param!(
            "log.retention.check.interval.ms",
            "",
            None,
            Section::None,
            Control::None,
            retention_check_ms,
            100,
            300_000,
            300_000,
            false,
            |s, c| c.broker.log_retention_check_interval_ms = s.retention_check_ms
        )
    },
    hidden_param!(
        "speed",
        InUrl::View,
        |s| speed_name(s.speed).into(),
        |s, v| {
            s.speed = parse_speed(v).ok_or(Expected::OneOf("0.1, 0.25, 0.5, 1, 2, 5, 10"))?;
            Ok(())
        },
        || Fallback::Value("1".into()),
        no_config
    ),
    hidden_param!(
        "lang",
        InUrl::View,
        |s| s.lang.map_or(String::new(), |l| l.code().into()),
        |s, v| {
            s.lang = Some(Lang::parse(v).ok_or(Expected::OneOf("ko, en"))?);
            Ok(())
        },
        || Fallback::BrowserLanguage,
        no_config
    ),
    hidden_param!(
        "embed",
        InUrl::View,
        |s| (if s.embed { "1" } else { "0" }).into(),
        |s, v| {
            s.embed = one_or_zero(v)?;
            Ok(())
        },
        || Fallback::Value("0".into()),
        no_config
    ),
    hidden_param!(
        "controls",
        InUrl::View,
        |s| s.controls.map_or("", |c| c.name()).into(),
        |s, v| {
            s.controls = Some(match v {
                "show" => ControlsMode::Show,
                "hide" => ControlsMode::Hide,
                "lock" => ControlsMode::Lock,
                _ => return Err(Expected::OneOf("show, hide, lock")),
            });
            Ok(())
        },
        || Fallback::Ignored,
        no_config
    ),
    hidden_param!(
        "host",
        InUrl::View,
        |s| s.host.clone().unwrap_or_default(),
        |s, v| {
            s.host = Some(crate::embed::parse_host(v).ok_or(Expected::Origin)?);
            Ok(())
        },
        || Fallback::Ignored,
        no_config
    ),
    hidden_param!(
        "compare",
        InUrl::Changed,
        |s| s.compare.as_ref().map_or(String::new(), |c| c.text()),
        |s, v| {
            s.compare = match v.trim() {
                "" => None,
                v => Some(crate::settings::Compare::parse(v)?),
            };
            Ok(())
        },
        || Fallback::Ignored,
        no_config
    ),
    hidden_param!(
        "autoplay",
        InUrl::View,
        |s| (if s.autoplay { "1" } else { "0" }).into(),
        |s, v| {
            s.autoplay = one_or_zero(v)?;
            Ok(())
        },
        || Fallback::Value("1".into()),
        no_config
    ),
    hidden_param!(
        "text",
        InUrl::View,
        |s| (if s.large_text { "large" } else { "normal" }).into(),
        |s, v| {
            s.large_text = match v {
                "large" => true,
                "normal" => false,
                _ => return Err(Expected::OneOf("normal, large")),
            };
            Ok(())
        },
        || Fallback::Value("normal".into()),
        no_config
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use kscope_core::assignor::AssignorKind;
    use kscope_core::log::CleanupPolicy;

    // The first load's build, which has neither transactions nor a quorum.
    #[cfg(not(any(feature = "transactions", feature = "control_plane")))]
    #[test]
    fn the_values_that_ask_for_the_full_build_are_boot_js_values() {
        for (name, value, full) in [
            ("transactional.id", "orders-tx", true),
            ("transactional.id", "", false),
            ("transactional.id", "false", false),
            ("commit.mode", "transactional", true),
            ("commit.mode", " transactional ", true),
            ("commit.mode", "sync", false),
            ("quorum.size", "1", true),
            ("quorum.size", "3", true),
            ("quorum.size", "5", true),
            ("quorum.size", "0", false),
            ("quorum.size", "4", false),
            ("metadata.mode", "zookeeper", true),
            ("metadata.mode", "kraft", false),
            ("acks", "all", false),
        ] {
            assert_eq!(needs_full_build(name, value), full, "{name}={value}");
        }
    }

    #[test]
    fn the_names_settings_offer_are_the_names_the_readers_take() {
        for (n, a) in ASSIGNORS.iter().zip(AssignorKind::ALL) {
            assert_eq!(*n, a.name());
        }
        for n in ASSIGNORS {
            assert_eq!(AssignorList::parse(n).map(|a| a.name()).as_deref(), Ok(*n));
        }
        for n in PARTITIONERS {
            assert_eq!(PartitionerKind::parse(n).map(|p| p.name()), Some(*n));
        }
        for n in ACKS {
            assert_eq!(Acks::parse(n).map(|a| a.name()).ok(), Some(*n));
        }
        for c in [
            CleanupPolicy::Delete,
            CleanupPolicy::Compact,
            CleanupPolicy::CompactDelete,
        ] {
            assert_eq!(parse_cleanup_policy(cleanup_policy_name(c)), Some(c));
        }
    }

    #[test]
    fn every_setting_round_trips_through_its_text_and_test_ids_are_unique() {
        let s = Settings::default();
        let mut ids: Vec<&str> = Vec::new();
        for p in PARAMS {
            let mut back = Settings {
                seed: 99,
                ..Settings::default()
            };
            let text = (p.get)(&s);
            if !text.is_empty() {
                (p.put)(&mut back, &text).unwrap_or_else(|e| panic!("{}: {e:?}", p.name));
                assert_eq!((p.get)(&back), text, "{}", p.name);
            }
            if !p.testid.is_empty() {
                assert!(!ids.contains(&p.testid), "{} twice", p.testid);
                ids.push(p.testid);
            }
            if let Values::Int { min, max, default } = p.values {
                assert!(min <= default && default <= max, "{}", p.name);
                assert_eq!((p.get)(&s), default.to_string(), "{}'s default", p.name);
                assert!(
                    (p.put)(&mut back, &(max + 1).to_string()).is_err(),
                    "{}",
                    p.name
                );
            }
        }
        // The ids the end-to-end tests and other pages drive the panel by.
        for id in [
            "brokers",
            "partitions",
            "replication-factor",
            "min-insync-replicas",
            "unclean",
            "acks",
            "batch-size",
            "linger-ms",
            "max-in-flight",
            "idempotence",
            "partitioner",
            "rate",
            "keys",
            "consumers",
            "assignor",
            "consumer-rate",
        ] {
            assert!(ids.contains(&id), "{id}");
        }
    }

    #[test]
    fn a_bad_whole_number_falls_back_to_its_default_as_written() {
        let (_, problems) = Settings::from_query("batch.size=lots&segment.bytes=1");
        let texts: Vec<String> = problems.iter().map(|p| p.text(Lang::En)).collect();
        assert!(texts[0].ends_with("using 16384."), "{texts:?}");
        assert!(texts[1].ends_with("using 1073741824."), "{texts:?}");
    }

    #[test]
    fn kafka_version_sets_the_defaults_of_its_release_and_keeps_what_was_chosen() {
        use kscope_core::partitioner::PartitionerKind;
        let idempotence = find("enable.idempotence").unwrap();
        // 2.8: acks=1, no idempotence, linger.ms 0, the KIP-480 DefaultPartitioner, a
        // 10 s session.
        let (old, problems) = Settings::from_query("kafka.version=2.8");
        assert!(problems.is_empty());
        assert_eq!(old.acks, Acks::Leader);
        assert_eq!(idempotence.shown(&old), "false");
        assert_eq!(old.linger_ms, 0);
        assert_eq!(old.partitioner, PartitionerKind::LegacyDefault);
        let c = old.to_config().unwrap();
        assert_eq!(c.consumer.session_timeout_ms, 10_000);
        assert!(!c.producer.idempotence().unwrap());
        // 3.0.0 already defaults to acks=all, but did not apply idempotence (KAFKA-13598).
        let (v30, _) = Settings::from_query("kafka.version=3.0");
        assert_eq!(v30.acks, Acks::All);
        assert_eq!(idempotence.shown(&v30), "false");
        assert_eq!(v30.to_config().unwrap().consumer.session_timeout_ms, 45_000);
        let (v33, _) = Settings::from_query("kafka.version=3.3");
        assert_eq!(idempotence.shown(&v33), "true");
        assert_eq!(
            (v33.linger_ms, v33.partitioner),
            (0, PartitionerKind::BuiltIn)
        );
        // 4.0, the default: acks=all, idempotence, linger.ms 5.
        let (new, _) = Settings::from_query("kafka.version=4.0");
        assert_eq!(new, Settings::default());
        assert_eq!((new.acks, new.linger_ms), (Acks::All, 5));
        // A value written in the query stays, wherever the release is named.
        let (chosen, _) = Settings::from_query("acks=all&linger.ms=5&kafka.version=2.8");
        assert_eq!((chosen.acks, chosen.linger_ms), (Acks::All, 5));
        // The URL round-trips a release with its defaults, and a hand-chosen value.
        for s in [
            old.clone(),
            chosen.clone(),
            Settings::for_version(KafkaVersion::V3_7),
        ] {
            assert_eq!(Settings::from_query(&s.to_query()).0, s, "{}", s.to_query());
        }
        assert!(
            old.to_query().starts_with("kafka.version=2.8&"),
            "{}",
            old.to_query()
        );
        assert!(!Settings::default().to_query().contains("kafka.version"));
        // Changed from the panel: what was at 4.0's default follows; the rest stays.
        let mut s = Settings {
            linger_ms: 100,
            ..Settings::default()
        };
        (find("kafka.version").unwrap().put)(&mut s, "2.8").unwrap();
        assert_eq!((s.acks, s.linger_ms), (Acks::Leader, 100));
        assert!((find("kafka.version").unwrap().put)(&mut s, "2.7").is_err());
        // The marks: the settings whose default the release changes, with both defaults.
        let marked: Vec<_> = PARAMS
            .iter()
            .filter_map(|p| p.version_defaults(&old).map(|d| (p.name, d)))
            .collect();
        assert_eq!(
            marked,
            [
                ("acks", ("1".to_string(), "all".to_string())),
                ("linger.ms", ("0".to_string(), "5".to_string())),
                (
                    "enable.idempotence",
                    ("false".to_string(), "true".to_string())
                ),
                (
                    "partitioner",
                    ("default".to_string(), "builtin".to_string())
                ),
                (
                    "partition.assignment.strategy",
                    ("range".to_string(), "range,cooperative-sticky".to_string())
                ),
                (
                    "audit-app.partition.assignment.strategy",
                    ("range".to_string(), "range,cooperative-sticky".to_string())
                ),
                (
                    "search-indexer.partition.assignment.strategy",
                    ("range".to_string(), "range,cooperative-sticky".to_string())
                ),
                (
                    "session.timeout.ms",
                    ("10000".to_string(), "45000".to_string())
                ),
            ]
        );
        assert!(PARAMS.iter().all(|p| p.version_defaults(&new).is_none()));
    }

    /// Each client setting of the panel reaches the core's configuration, and the URL
    /// writes it only when it is not its default and reads it back.
    #[test]
    fn every_client_knob_configures_the_core_and_round_trips() {
        /// A setting, a value other than its default, and what of the core's
        /// configuration it sets, as text.
        type Case = (&'static str, &'static str, fn(&SimConfig) -> String);
        let cases: &[Case] = &[
            ("buffer.memory", "2097152", |c| {
                c.producer.buffer_memory.to_string()
            }),
            ("max.block.ms", "100", |c| {
                c.producer.max_block_ms.to_string()
            }),
            ("compression.type", "zstd", |c| {
                c.producer.compression_type.name().into()
            }),
            ("retries", "0", |c| c.producer.retries.to_string()),
            ("commit.mode", "before-processing", |c| {
                c.consumer.manual_commit.name().into()
            }),
            ("delivery.timeout.ms", "200000", |c| {
                c.producer.delivery_timeout_ms.to_string()
            }),
            ("request.timeout.ms", "5000", |c| {
                c.producer.request_timeout_ms.to_string()
            }),
            ("retry.backoff.ms", "500", |c| {
                c.producer.retry_backoff_ms.to_string()
            }),
            ("max.request.size", "65536", |c| {
                c.producer.max_request_size.to_string()
            }),
            ("enable.auto.commit", "false", |c| {
                c.consumer.enable_auto_commit.to_string()
            }),
            ("auto.commit.interval.ms", "1000", |c| {
                c.consumer.auto_commit_interval_ms.to_string()
            }),
            ("auto.offset.reset", "earliest", |c| {
                c.consumer.auto_offset_reset.name().into()
            }),
            ("max.poll.records", "10", |c| {
                c.consumer.max_poll_records.to_string()
            }),
            ("max.poll.interval.ms", "20000", |c| {
                c.consumer.max_poll_interval_ms.to_string()
            }),
            ("session.timeout.ms", "10000", |c| {
                c.consumer.session_timeout_ms.to_string()
            }),
            ("heartbeat.interval.ms", "1000", |c| {
                c.consumer.heartbeat_interval_ms.to_string()
            }),
            ("fetch.min.bytes", "4096", |c| {
                c.consumer.fetch_min_bytes.to_string()
            }),
            ("fetch.max.wait.ms", "100", |c| {
                c.consumer.fetch_max_wait_ms.to_string()
            }),
        ];
        let default = Settings::default().to_config().unwrap();
        assert!(!Settings::default().to_query().contains("buffer.memory"));
        for (name, value, read) in cases {
            let p = find(name).unwrap();
            assert_eq!(
                p.testid,
                name.replace('.', "-"),
                "the control is named after {name}"
            );
            assert_ne!(read(&default), *value, "{name}: the case changes it");
            let (s, problems) = Settings::from_query(&format!("{name}={value}"));
            assert!(problems.is_empty(), "{name}: {problems:?}");
            assert_eq!(read(&s.to_config().unwrap()), *value, "{name}");
            assert!(
                s.to_query().contains(&format!("{name}={value}")),
                "{}",
                s.to_query()
            );
            assert_eq!(Settings::from_query(&s.to_query()).0, s, "{name}");
        }
        // Kafka's own rules refuse a combination, with Kafka's message.
        let (s, _) = Settings::from_query("heartbeat.interval.ms=50000");
        assert_eq!(
            s.to_config().unwrap_err().message,
            "Heartbeat must be set lower than the session timeout"
        );
        let (s, _) = Settings::from_query("delivery.timeout.ms=1000");
        assert!(s
            .to_config()
            .unwrap_err()
            .message
            .starts_with("delivery.timeout.ms should be"));
        let (_, problems) = Settings::from_query("auto.offset.reset=smallest");
        assert!(problems[0]
            .text(Lang::En)
            .contains("String must be one of: latest, earliest, none"));
    }

    #[test]
    fn the_idempotence_shown_is_the_one_kafka_resolves() {
        let mut s = Settings::default();
        let p = find("enable.idempotence").unwrap();
        assert_eq!(
            p.shown(&s),
            "true",
            "Kafka 3.0+: on by default with acks=all"
        );
        s.acks = Acks::Leader;
        assert_eq!(p.shown(&s), "false", "left to its default, off with acks=1");
        assert_eq!((p.get)(&s), "", "and the URL does not write it");
    }
}
