//! The page's settings: what the sliders and selectors hold, read from and written to the
//! page's URL as readable query parameters named as Kafka names them
//! (`?brokers=3&partitions=6&replication.factor=3&acks=all&linger.ms=5&seed=7`).
//! A bad or out-of-range parameter falls back to its default alone, with a message.

use kscope_core::assignor::AssignorKind;
use kscope_core::log::CleanupPolicy;
use kscope_core::partitioner::PartitionerKind;
use kscope_core::{Acks, ConfigError, SimConfig, TopicSpec, Workload};

/// One integer setting: its URL name, range and default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub name: &'static str,
    pub min: u64,
    pub max: u64,
    pub default: u64,
}

pub const BROKERS: Range = Range {
    name: "brokers",
    min: 1,
    max: 9,
    default: 3,
};
pub const PARTITIONS: Range = Range {
    name: "partitions",
    min: 1,
    max: 24,
    default: 3,
};
pub const REPLICATION_FACTOR: Range = Range {
    name: "replication.factor",
    min: 1,
    max: 9,
    default: 3,
};
pub const MIN_INSYNC_REPLICAS: Range = Range {
    name: "min.insync.replicas",
    min: 1,
    max: 9,
    default: 2,
};
pub const BATCH_SIZE: Range = Range {
    name: "batch.size",
    min: 0,
    max: 1_048_576,
    default: 16_384,
};
pub const LINGER_MS: Range = Range {
    name: "linger.ms",
    min: 0,
    max: 1_000,
    default: 5,
};
pub const MAX_IN_FLIGHT: Range = Range {
    name: "max.in.flight.requests.per.connection",
    min: 1,
    max: 10,
    default: 5,
};
pub const RATE: Range = Range {
    name: "rate",
    min: 0,
    max: 20_000,
    default: 200,
};
pub const KEYS: Range = Range {
    name: "keys",
    min: 0,
    max: 1_000,
    default: 0,
};
pub const CONSUMERS: Range = Range {
    name: "consumers",
    min: 0,
    max: 12,
    default: 2,
};
/// Records per second each consumer's application processes (not a Kafka setting: how
/// fast the consuming application is).
pub const CONSUMER_RATE: Range = Range {
    name: "consumer.rate",
    min: 10,
    max: 20_000,
    default: 2_000,
};

/// `log.retention.check.interval.ms` of every broker, in milliseconds.
pub const RETENTION_CHECK_MS: Range = Range {
    name: "log.retention.check.interval.ms",
    min: 100,
    max: 300_000,
    default: 300_000,
};
/// `segment.bytes` of the topic (Kafka's minimum is 14 bytes; the page asks for a
/// segment that holds at least a few records).
pub const SEGMENT_BYTES: Range = Range {
    name: "segment.bytes",
    min: 1_024,
    max: 1_073_741_824,
    default: 1_073_741_824,
};

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
    /// The parameter is not one kscope knows.
    Known,
    /// Kafka's own message, as Kafka prints it.
    Kafka(String),
    /// What is wrong with a link's record of actions.
    Link(String),
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
    pub rate: u64,
    pub keys: u64,
    pub consumers: u64,
    /// `partition.assignment.strategy` of every consumer.
    pub assignor: AssignorKind,
    pub consumer_rate: u64,
    /// The topic's `segment.bytes`.
    pub segment_bytes: u64,
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
    /// looks (speed, language, embedding, controls, autoplay) taken from `view`.
    pub fn looking_like(&self, view: &Settings) -> Settings {
        Settings {
            speed: view.speed,
            lang: view.lang,
            embed: view.embed,
            controls: view.controls,
            autoplay: view.autoplay,
            ..self.clone()
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
            brokers: BROKERS.default,
            partitions: PARTITIONS.default,
            replication_factor: REPLICATION_FACTOR.default,
            min_insync_replicas: MIN_INSYNC_REPLICAS.default,
            acks: Acks::All,
            batch_size: BATCH_SIZE.default,
            linger_ms: LINGER_MS.default,
            enable_idempotence: None,
            unclean_leader_election_enable: false,
            max_in_flight: MAX_IN_FLIGHT.default,
            partitioner: PartitionerKind::BuiltIn,
            rate: RATE.default,
            keys: KEYS.default,
            consumers: CONSUMERS.default,
            assignor: AssignorKind::Range,
            consumer_rate: CONSUMER_RATE.default,
            segment_bytes: SEGMENT_BYTES.default,
            retention_bytes: -1,
            retention_ms: 604_800_000,
            cleanup_policy: CleanupPolicy::Delete,
            retention_check_ms: RETENTION_CHECK_MS.default,
            seed: 1,
            speed: 1.0,
            lang: None,
            embed: false,
            controls: None,
            autoplay: true,
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
        for pair in query
            .trim_start_matches('?')
            .split('&')
            .filter(|p| !p.is_empty())
        {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (k, v) = (decode(k), decode(v));
            let int = |r: Range, problems: &mut Vec<Problem>| -> Option<u64> {
                match v.trim().parse::<u64>() {
                    Ok(n) if (r.min..=r.max).contains(&n) => Some(n),
                    _ => {
                        problems.push(Problem::new(
                            r.name,
                            &v,
                            Expected::Range(r.min, r.max),
                            Fallback::Value(r.default.to_string()),
                        ));
                        None
                    }
                }
            };
            let bad =
                |expected: Expected, fallback: Fallback| Problem::new(&k, &v, expected, fallback);
            match k.as_str() {
                "brokers" => s.brokers = int(BROKERS, &mut problems).unwrap_or(s.brokers),
                "partitions" => {
                    s.partitions = int(PARTITIONS, &mut problems).unwrap_or(s.partitions)
                }
                "replication.factor" => {
                    s.replication_factor =
                        int(REPLICATION_FACTOR, &mut problems).unwrap_or(s.replication_factor)
                }
                "min.insync.replicas" => {
                    s.min_insync_replicas =
                        int(MIN_INSYNC_REPLICAS, &mut problems).unwrap_or(s.min_insync_replicas)
                }
                "batch.size" => {
                    s.batch_size = int(BATCH_SIZE, &mut problems).unwrap_or(s.batch_size)
                }
                "linger.ms" => s.linger_ms = int(LINGER_MS, &mut problems).unwrap_or(s.linger_ms),
                "max.in.flight.requests.per.connection" => {
                    s.max_in_flight = int(MAX_IN_FLIGHT, &mut problems).unwrap_or(s.max_in_flight)
                }
                "rate" => s.rate = int(RATE, &mut problems).unwrap_or(s.rate),
                "keys" => s.keys = int(KEYS, &mut problems).unwrap_or(s.keys),
                "consumers" => s.consumers = int(CONSUMERS, &mut problems).unwrap_or(s.consumers),
                "seed" => match v.trim().parse::<u64>() {
                    Ok(n) => s.seed = n,
                    Err(_) => problems.push(bad(
                        Expected::WholeNumber,
                        Fallback::Value(s.seed.to_string()),
                    )),
                },
                "acks" => match Acks::parse(&v) {
                    Ok(a) => s.acks = a,
                    Err(e) => problems.push(bad(
                        Expected::Kafka(e.message),
                        Fallback::Value("acks=all".into()),
                    )),
                },
                "enable.idempotence" => match v.as_str() {
                    "true" => s.enable_idempotence = Some(true),
                    "false" => s.enable_idempotence = Some(false),
                    _ => problems.push(bad(Expected::TrueOrFalse, Fallback::KafkaDefault)),
                },
                "unclean.leader.election.enable" => match v.as_str() {
                    "true" => s.unclean_leader_election_enable = true,
                    "false" => s.unclean_leader_election_enable = false,
                    _ => problems.push(bad(Expected::TrueOrFalse, Fallback::Value("false".into()))),
                },
                "partitioner" => match PartitionerKind::parse(&v) {
                    Some(p) => s.partitioner = p,
                    None => problems.push(bad(
                        Expected::OneOf("builtin, roundrobin, uniformsticky, default"),
                        Fallback::Value("builtin".into()),
                    )),
                },
                "partition.assignment.strategy" => match parse_assignor(&v) {
                    Some(a) => s.assignor = a,
                    None => problems.push(bad(
                        Expected::OneOf("range, roundrobin, sticky, cooperative-sticky"),
                        Fallback::Value("range".into()),
                    )),
                },
                "segment.bytes" => {
                    s.segment_bytes = int(SEGMENT_BYTES, &mut problems).unwrap_or(s.segment_bytes)
                }
                "log.retention.check.interval.ms" => {
                    s.retention_check_ms =
                        int(RETENTION_CHECK_MS, &mut problems).unwrap_or(s.retention_check_ms)
                }
                "retention.bytes" | "retention.ms" => match v.trim().parse::<i64>() {
                    Ok(n) if n >= -1 => {
                        if k == "retention.bytes" {
                            s.retention_bytes = n
                        } else {
                            s.retention_ms = n
                        }
                    }
                    _ => problems.push(bad(Expected::Retention, Fallback::KafkaDefault)),
                },
                "cleanup.policy" => match parse_cleanup_policy(&v) {
                    Some(p) => s.cleanup_policy = p,
                    None => problems.push(bad(
                        Expected::OneOf("delete, compact, compact,delete"),
                        Fallback::Value("delete".into()),
                    )),
                },
                "consumer.rate" => {
                    s.consumer_rate = int(CONSUMER_RATE, &mut problems).unwrap_or(s.consumer_rate)
                }
                "embed" => match v.as_str() {
                    "1" | "true" => s.embed = true,
                    "0" | "false" => s.embed = false,
                    _ => problems.push(bad(Expected::OneOrZero, Fallback::Value("0".into()))),
                },
                "autoplay" => match v.as_str() {
                    "1" | "true" => s.autoplay = true,
                    "0" | "false" => s.autoplay = false,
                    _ => problems.push(bad(Expected::OneOrZero, Fallback::Value("1".into()))),
                },
                "controls" => match v.as_str() {
                    "show" => s.controls = Some(ControlsMode::Show),
                    "hide" => s.controls = Some(ControlsMode::Hide),
                    "lock" => s.controls = Some(ControlsMode::Lock),
                    _ => problems.push(bad(Expected::OneOf("show, hide, lock"), Fallback::Ignored)),
                },
                "lang" => match crate::i18n::Lang::parse(&v) {
                    Some(l) => s.lang = Some(l),
                    None => {
                        problems.push(bad(Expected::OneOf("ko, en"), Fallback::BrowserLanguage))
                    }
                },
                "speed" => match parse_speed(&v) {
                    Some(x) => s.speed = x,
                    None => problems.push(bad(
                        Expected::OneOf("0.1, 0.25, 0.5, 1, 2, 5, 10"),
                        Fallback::Value("1".into()),
                    )),
                },
                // Read by share::Session.
                k if crate::share::PARAMS.contains(&k) => {}
                _ => problems.push(bad(Expected::Known, Fallback::Ignored)),
            }
        }
        (s, problems)
    }

    /// The query string for these settings, every parameter named as Kafka names it.
    pub fn to_query(&self) -> String {
        let mut q = format!(
            "brokers={}&partitions={}&replication.factor={}&min.insync.replicas={}&acks={}&batch.size={}&linger.ms={}",
            self.brokers,
            self.partitions,
            self.replication_factor,
            self.min_insync_replicas,
            self.acks.name(),
            self.batch_size,
            self.linger_ms
        );
        if let Some(i) = self.enable_idempotence {
            q.push_str(&format!("&enable.idempotence={i}"));
        }
        if self.unclean_leader_election_enable {
            q.push_str("&unclean.leader.election.enable=true");
        }
        q.push_str(&format!(
            "&max.in.flight.requests.per.connection={}&partitioner={}&consumers={}&partition.assignment.strategy={}&consumer.rate={}&keys={}&rate={}&seed={}",
            self.max_in_flight,
            self.partitioner.name(),
            self.consumers,
            self.assignor.name(),
            self.consumer_rate,
            self.keys,
            self.rate,
            self.seed
        ));
        let d = Settings::default();
        if self.segment_bytes != d.segment_bytes {
            q.push_str(&format!("&segment.bytes={}", self.segment_bytes));
        }
        if self.retention_bytes != d.retention_bytes {
            q.push_str(&format!("&retention.bytes={}", self.retention_bytes));
        }
        if self.retention_ms != d.retention_ms {
            q.push_str(&format!("&retention.ms={}", self.retention_ms));
        }
        if self.cleanup_policy != d.cleanup_policy {
            q.push_str(&format!(
                "&cleanup.policy={}",
                cleanup_policy_name(self.cleanup_policy)
            ));
        }
        if self.retention_check_ms != d.retention_check_ms {
            q.push_str(&format!(
                "&log.retention.check.interval.ms={}",
                self.retention_check_ms
            ));
        }
        q.push_str(&self.view_query());
        q
    }

    /// The parameters that only change how the page looks (speed, language, embedding),
    /// each only when not its default, each starting with `&`.
    pub fn view_query(&self) -> String {
        let mut q = String::new();
        if self.speed != 1.0 {
            q.push_str(&format!("&speed={}", speed_name(self.speed)));
        }
        if let Some(l) = self.lang {
            q.push_str(&format!("&lang={}", l.code()));
        }
        if self.embed {
            q.push_str("&embed=1");
        }
        if let Some(c) = self.controls {
            q.push_str(&format!("&controls={}", c.name()));
        }
        if !self.autoplay {
            q.push_str("&autoplay=0");
        }
        q
    }

    /// The simulation's configuration, or Kafka's error for a combination it rejects.
    pub fn to_config(&self) -> Result<SimConfig, ConfigError> {
        let mut topic = TopicSpec::new(
            "orders",
            self.partitions as u32,
            self.replication_factor as u32,
        );
        topic.min_insync_replicas = self.min_insync_replicas as u32;
        topic.unclean_leader_election_enable = self.unclean_leader_election_enable;
        topic.log.segment_bytes = self.segment_bytes as u32;
        topic.log.retention_bytes = self.retention_bytes;
        topic.log.retention_ms = self.retention_ms;
        topic.log.cleanup_policy = self.cleanup_policy;
        let mut config = SimConfig {
            brokers: self.brokers as u32,
            topics: vec![topic],
            workload: Workload {
                rate: self.rate as u32,
                keys: self.keys as u32,
                value_bytes: 100,
                topic: 0,
            },
            ..Default::default()
        };
        config.producer.acks = self.acks;
        config.producer.batch_size = self.batch_size as u32;
        config.producer.linger_ms = self.linger_ms;
        config.producer.enable_idempotence = self.enable_idempotence;
        config.producer.max_in_flight_requests_per_connection = self.max_in_flight as u32;
        config.producer.partitioner = self.partitioner;
        config.consumers = self.consumers as u32;
        config.consumer.partition_assignment_strategy = self.assignor;
        config.consumer.process_us_per_record = 1_000_000 / self.consumer_rate.max(1);
        // As a cluster of fewer than three brokers is configured to let consumer groups
        // work at all (Kafka's default of 3 refuses to create __consumer_offsets).
        config.broker.log_retention_check_interval_ms = self.retention_check_ms;
        config.broker.offsets_topic_replication_factor = (self.brokers as u32).min(3);
        config.validate()?;
        Ok(config)
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

fn parse_cleanup_policy(v: &str) -> Option<CleanupPolicy> {
    match v.trim() {
        "delete" => Some(CleanupPolicy::Delete),
        "compact" => Some(CleanupPolicy::Compact),
        "compact,delete" | "delete,compact" => Some(CleanupPolicy::CompactDelete),
        _ => None,
    }
}

/// `partition.assignment.strategy`: the short names, or the assignors' class names.
pub fn parse_assignor(v: &str) -> Option<AssignorKind> {
    let v = v.trim();
    AssignorKind::from_name(v).or(match v {
        "org.apache.kafka.clients.consumer.RangeAssignor" => Some(AssignorKind::Range),
        "org.apache.kafka.clients.consumer.RoundRobinAssignor" => Some(AssignorKind::RoundRobin),
        "org.apache.kafka.clients.consumer.StickyAssignor" => Some(AssignorKind::Sticky),
        "org.apache.kafka.clients.consumer.CooperativeStickyAssignor" => {
            Some(AssignorKind::CooperativeSticky)
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_round_trips() {
        let s = Settings {
            brokers: 5,
            partitions: 12,
            acks: Acks::Leader,
            linger_ms: 20,
            enable_idempotence: Some(false),
            consumers: 5,
            assignor: AssignorKind::CooperativeSticky,
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
        assert_eq!(s.linger_ms, LINGER_MS.default);
        assert_eq!(problems.len(), 4, "{problems:?}");
        use crate::i18n::Lang;
        assert_eq!(
            problems[0].text(Lang::En),
            "brokers=40 is not a whole number from 1 to 9; using 3."
        );
        assert_eq!(
            problems[0].text(Lang::Ko),
            "brokers=40: 허용되는 값은 1부터 9까지의 정수입니다. 3을(를) 씁니다."
        );
        assert!(problems[1]
            .text(Lang::En)
            .starts_with("Invalid value 2 for configuration acks"));
        assert_eq!(
            problems[3].text(Lang::Ko),
            "color은(는) kscope가 아는 설정이 아닙니다. 무시합니다."
        );
    }

    #[test]
    fn the_assignor_is_read_by_name_or_class_name() {
        let (s, p) = Settings::from_query(
            "partition.assignment.strategy=org.apache.kafka.clients.consumer.CooperativeStickyAssignor",
        );
        assert!(p.is_empty());
        assert_eq!(s.assignor, AssignorKind::CooperativeSticky);
        let (s, p) = Settings::from_query("partition.assignment.strategy=fair");
        assert_eq!(s.assignor, AssignorKind::Range);
        assert_eq!(p.len(), 1);
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
