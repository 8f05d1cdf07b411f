//! The page's words in English and Korean: one catalogue per language. Kafka's own names
//! (configuration keys, group states, `onPartitionsRevoked`, …) are the same in both, as
//! Korean Kafka material writes them.

/// A language of the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Ko,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Ko];

    /// The code of the URL's `lang=` and of the document's `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ko => "ko",
        }
    }

    /// The language's own name, for the selector.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Ko => "한국어",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code.trim())
    }

    /// The language a browser asks for (`navigator.language`): Korean for `ko` and its
    /// regional forms, English otherwise.
    pub fn from_browser(language: &str) -> Lang {
        if language.to_ascii_lowercase().starts_with("ko") {
            Lang::Ko
        } else {
            Lang::En
        }
    }

    /// The catalogue: Korean once `help/ko.txt` is read ([`load_korean`]; natively it
    /// is compiled in), English until then.
    pub fn text(self) -> &'static Text {
        match self {
            Lang::En => &EN,
            Lang::Ko => korean().unwrap_or(&EN),
        }
    }
}

/// The Korean catalogue, once read.
static KO: std::sync::OnceLock<&'static Text> = std::sync::OnceLock::new();
/// The event log's Korean templates by their English ones (`help/ko.txt`'s `%% events`
/// part), once read.
static KO_EVENTS: std::sync::OnceLock<Vec<(&'static str, &'static str)>> =
    std::sync::OnceLock::new();

/// The Korean of the event log's English template `en`, once `help/ko.txt` is read.
pub fn korean_of(en: &str) -> Option<&'static str> {
    korean()?;
    let list = KO_EVENTS.get()?;
    list.iter().find(|(e, _)| *e == en).map(|(_, k)| *k)
}

/// A figure of an event log line, as its template shows it (`{0}` and `{0:?}` alike).
pub trait Shown {
    fn shown(&self) -> String;
}

macro_rules! shown_display {
    ($($t:ty),*) => {$(
        impl Shown for $t {
            fn shown(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
shown_display!(u8, u16, u32, u64, usize, i16, i32, i64, String, str);

macro_rules! shown_debug {
    ($($t:ty),*) => {$(
        impl Shown for $t {
            fn shown(&self) -> String {
                format!("{self:?}")
            }
        }
    )*};
}
shown_debug!(kscope_core::event::ElectionKind, kscope_core::KafkaError);

impl<T: core::fmt::Debug> Shown for Vec<T> {
    fn shown(&self) -> String {
        format!("{self:?}")
    }
}

impl<T: Shown + ?Sized> Shown for &T {
    fn shown(&self) -> String {
        (**self).shown()
    }
}

/// A line in `lang`: the English template, or its Korean from `help/ko.txt` (the `$ko`
/// written here is what that file must hold, checked by a test; the page does not
/// compile it in), filled with the figures (`{0}`, `{1:?}`...; see [`translate`]).
macro_rules! tr {
    ($lang:expr, $en:literal, $ko:literal $(, $arg:expr)* $(,)?) => {
        $crate::i18n::translate($lang, $en, &[$(&$arg as &dyn $crate::i18n::Shown),*])
    };
}
pub(crate) use tr;

/// A line: the English template `en`, or in Korean its translation, filled with `args`.
/// One function for every line, so that each line costs the page only its template and
/// its figures.
pub fn translate(lang: Lang, en: &'static str, args: &[&dyn Shown]) -> String {
    let args: Vec<String> = args.iter().map(|a| a.shown()).collect();
    match lang {
        Lang::En => fill(en, &args),
        Lang::Ko => particles(&fill(korean_of(en).unwrap_or(en), &args)),
    }
}

/// `template` with `{0}`, `{1:?}`... replaced by `args` (each already shown).
pub fn fill(template: &str, args: &[String]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let spec = &rest[open + 1..open + close];
        let index: Option<usize> = spec.split(':').next().and_then(|i| i.parse().ok());
        match index.and_then(|i| args.get(i)) {
            Some(a) => out.push_str(a),
            None => out.push_str(&rest[open..=open + close]),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// The Korean catalogue: in the browser once [`load_korean`] read it; natively (the tests,
/// the tools) from the file compiled in.
pub fn korean() -> Option<&'static Text> {
    #[cfg(not(target_arch = "wasm32"))]
    if KO.get().is_none() {
        let _ = load_korean(include_str!("../../help/ko.txt"));
    }
    KO.get().copied()
}

/// Reads `help/ko.txt` (`field: text` lines in the order of [`Text`]'s fields, `#`
/// comments) into the Korean catalogue. Kept for the page's life (it is read once).
pub fn load_korean(text: &str) -> Result<(), String> {
    let text: &'static str = Box::leak(text.to_string().into_boxed_str());
    let (text, events) = text.split_once("\n%% events\n").unwrap_or((text, ""));
    let mut pairs = Vec::new();
    let mut en = None;
    for line in events.lines() {
        if let Some(e) = line.strip_prefix("en: ") {
            en = Some(e);
        } else if let (Some(k), Some(e)) = (line.strip_prefix("ko: "), en.take()) {
            pairs.push((e, k));
        }
    }
    let _ = KO_EVENTS.set(pairs);
    let strings: Vec<&'static str> = text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_once(": ").map_or("", |(_, v)| v))
        .collect();
    let n = strings.len();
    let strings: [&'static str; FIELDS] = strings
        .try_into()
        .map_err(|_| format!("help/ko.txt has {n} strings, the page {FIELDS}"))?;
    let _ = KO.set(Box::leak(Box::new(Text::from_strings(strings))));
    Ok(())
}

thread_local! {
    /// The tooltips of `help/titles.txt`, once fetched ([`load_tips`]): each key with
    /// its English and Korean text (a few dozen: looked up in order).
    static TIPS: std::cell::RefCell<Vec<(Box<str>, [yew::AttrValue; 2])>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Reads `help/titles.txt` (`key.en:` and `key.ko:` lines, `#` comments; boot.js fetches
/// it beside the WebAssembly) into the tooltips [`Text::tip`] gives; how many keys it
/// holds, or the first line it cannot read.
pub fn load_tips(text: &str) -> Result<usize, String> {
    let mut tips: Vec<(Box<str>, [yew::AttrValue; 2])> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || {
            format!(
                "help/titles.txt line {}: not `key.en: text` or `key.ko: text`",
                i + 1
            )
        };
        let (key, value) = line.split_once(": ").ok_or_else(bad)?;
        let slot = match key.rsplit_once('.') {
            Some((_, "en")) => 0,
            Some((_, "ko")) => 1,
            _ => return Err(bad()),
        };
        let key = &key[..key.len() - 3];
        let at = match tips.iter().position(|(k, _)| **k == *key) {
            Some(at) => at,
            None => {
                tips.push((key.into(), Default::default()));
                tips.len() - 1
            }
        };
        tips[at].1[slot] = value.to_string().into();
    }
    let n = tips.len();
    TIPS.with(|t| *t.borrow_mut() = tips);
    Ok(n)
}

impl Text {
    /// The tooltip `key` in this language (`help/titles.txt`, a data file read before the
    /// first frame but not compiled in), empty without the file.
    pub fn tip(&self, key: &str) -> yew::AttrValue {
        let slot = usize::from(!std::ptr::eq(self, &EN));
        TIPS.with(|t| {
            t.borrow()
                .iter()
                .find(|(k, _)| **k == *key)
                .map(|(_, v)| v[slot].clone())
                .unwrap_or_default()
        })
    }
}

/// Declares [`Text`] and how a catalogue is built from its strings in field order.
macro_rules! catalogue {
    ($( $(#[$doc:meta])* pub $name:ident: &'static str, )*) => {
        /// Every fixed string of the page in one language.
        #[derive(Debug)]
        #[repr(C)]
        pub struct Text {
            $( $(#[$doc])* pub $name: &'static str, )*
        }

        /// How many strings a catalogue holds.
        const FIELDS: usize = [$(stringify!($name)),*].len();

        impl Text {
            /// A catalogue from its strings, in the order of the fields.
            fn from_strings(strings: [&'static str; FIELDS]) -> Text {
                // SAFETY: `Text` is `repr(C)` and each of its FIELDS fields is a
                // `&'static str`, so it is laid out as an array of FIELDS of them (a copy,
                // where building it field by field took 7 KB of WebAssembly).
                unsafe { core::mem::transmute::<[&'static str; FIELDS], Text>(strings) }
            }

            /// The fields' names, in order (what `help/ko.txt` is checked against).
            #[cfg(test)]
            fn names() -> [&'static str; FIELDS] {
                [$(stringify!($name)),*]
            }
        }
    };
}

catalogue! {
    pub sim_time: &'static str,
    pub throughput_latency: &'static str,
    /// The compression CPU readout: its label, its unit and where its figures come from.
    pub compression_cpu: &'static str,
    pub of_a_core: &'static str,
    pub rec_per_s: &'static str,
    pub sent: &'static str,
    pub acknowledged: &'static str,
    pub failed: &'static str,
    /// The failed counter when the application ignores `send()`'s results.
    pub failed_unnoticed: &'static str,
    /// The note beside `send.mode`.
    pub send_mode_note: &'static str,
    /// The note beside `commit.mode`.
    pub commit_mode_note: &'static str,
    pub lost: &'static str,
    pub duplicated: &'static str,
    pub reordered: &'static str,
    pub consumed: &'static str,
    pub redelivered: &'static str,
    pub skipped: &'static str,
    pub play: &'static str,
    pub pause: &'static str,
    pub step: &'static str,
    pub reset: &'static str,
    pub speed: &'static str,
    pub seed: &'static str,
    pub language: &'static str,
    pub cluster: &'static str,
    pub producer: &'static str,
    pub consumer_group: &'static str,
    pub brokers: &'static str,
    pub partitions: &'static str,
    pub records_per_s: &'static str,
    pub distinct_keys: &'static str,
    pub consumers: &'static str,
    /// The label of `groups`.
    pub groups_label: &'static str,
    /// The label of `topics`, the topic bar's, and a group's cell on a topic it does not
    /// read.
    pub topics_label: &'static str,
    pub topic_bar: &'static str,
    pub not_subscribed: &'static str,
    /// The label of a consumer's subscription select.
    pub subscription: &'static str,
    /// Before the groups that subscribe to the shown topic, in the topic bar.
    pub read_by: &'static str,
    pub consumer_rate: &'static str,
    pub eager: &'static str,
    /// Said beside the KIP-480 partitioners, which Kafka 4.0 removed.
    pub removed_in_4_0: &'static str,
    /// The button that saves the session as a scenario file, and its hint.
    pub export_scenario: &'static str,
    pub export_html: &'static str,
    /// Before the export buttons.
    pub save_as: &'static str,
    pub compare_with: &'static str,
    pub export_svg: &'static str,
    pub export_trace: &'static str,
    /// The timeline: its label, the step-back button and its hint, the marks' kinds.
    pub timeline: &'static str,
    pub step_back: &'static str,
    pub mark_election: &'static str,
    pub mark_isr: &'static str,
    pub mark_loss: &'static str,
    pub mark_duplicate: &'static str,
    pub mark_rebalance: &'static str,
    /// The folded groups of the producer's and the consumers' other settings.
    pub more_producer: &'static str,
    pub more_consumer: &'static str,
    /// The `kafka.version` control's label, and its notes.
    pub kafka_version: &'static str,
    pub version_zookeeper: &'static str,
    pub version_kraft: &'static str,
    /// The label of `quorum.size`.
    pub quorum_size: &'static str,
    /// The note beside `quorum.size`.
    pub quorum_size_note: &'static str,
    /// The label of `metadata.mode`, and its note.
    pub metadata_mode: &'static str,
    pub metadata_mode_note: &'static str,
    /// The tag of a card on a widely taught statement about Kafka that is wrong.
    pub myth: &'static str,
    /// What Kafka does instead, before the card's text.
    pub myth_fact: &'static str,
    /// A card's demonstration button.
    pub myth_try: &'static str,
    pub cooperative: &'static str,
    pub broker: &'static str,
    pub running: &'static str,
    pub down_not_fenced: &'static str,
    pub down_fenced: &'static str,
    pub coordinator: &'static str,
    pub crash: &'static str,
    pub power_off: &'static str,
    /// The share of fetch answers the broker served from its page cache.
    pub page_cache: &'static str,
    pub legend_on_disk: &'static str,
    pub restart: &'static str,
    pub cut: &'static str,
    pub heal: &'static str,
    pub drop: &'static str,
    pub isolate: &'static str,
    pub rejoin: &'static str,
    pub slow: &'static str,
    pub leader: &'static str,
    pub follower: &'static str,
    pub out_of_isr: &'static str,
    pub queued: &'static str,
    pub in_flight: &'static str,
    pub linger: &'static str,
    pub next_seq: &'static str,
    pub group: &'static str,
    pub lag: &'static str,
    pub committed: &'static str,
    pub unowned: &'static str,
    pub no_consumers_card: &'static str,
    pub consumer: &'static str,
    pub group_leader: &'static str,
    pub owns_nothing: &'static str,
    pub owns: &'static str,
    pub processed: &'static str,
    pub in_hand: &'static str,
    pub fetched: &'static str,
    pub pause_consumer: &'static str,
    pub resume_consumer: &'static str,
    pub network_links: &'static str,
    pub links_cut: &'static str,
    pub scenario: &'static str,
    pub free_play: &'static str,
    pub step_of: &'static str,
    pub prev_step: &'static str,
    pub next_step: &'static str,
    pub step_keys: &'static str,
    pub scenario_over: &'static str,
    pub expected: &'static str,
    pub fast_forward: &'static str,
    pub share: &'static str,
    pub share_ready: &'static str,
    pub close: &'static str,
    pub stop_comparing: &'static str,
    pub log_reading: &'static str,
    pub run: &'static str,
    pub loading_scenarios: &'static str,
    pub charts: &'static str,
    pub throughput_chart: &'static str,
    pub latency_chart: &'static str,
    pub lag_chart: &'static str,
    pub chart_empty: &'static str,
    pub seconds: &'static str,
    pub open_file: &'static str,
    pub what_happened: &'static str,
    pub nothing_yet: &'static str,
    pub why_lost: &'static str,
    pub acked_records: &'static str,
    pub legend_leader: &'static str,
    pub legend_follower: &'static str,
    pub legend_committed: &'static str,
    pub legend_uncommitted: &'static str,
    pub legend_produce: &'static str,
    pub legend_record: &'static str,
    pub legend_retry: &'static str,
    pub legend_ack: &'static str,
    pub legend_replication: &'static str,
    pub legend_fetch: &'static str,
    pub legend_consumed: &'static str,
    pub legend_commit: &'static str,
    pub legend_control: &'static str,
    pub legend_consumer: &'static str,
    pub legend_committed_offset: &'static str,
    pub not_idempotent: &'static str,
    pub waiting_producer_id: &'static str,
    pub idempotent_producer: &'static str,
    pub epoch: &'static str,
    pub every_link: &'static str,
    pub records_in: &'static str,
    pub messages_in_flight: &'static str,
    pub no_consumers: &'static str,
    pub creating_offsets: &'static str,
    pub no_coordinator: &'static str,
    pub generation: &'static str,
    pub state_running: &'static str,
    pub state_paused: &'static str,
    pub state_crashed: &'static str,
    pub state_closed: &'static str,
    pub state_failed: &'static str,
    pub open_controls: &'static str,
    pub close_controls: &'static str,
    pub position: &'static str,
    pub log_start: &'static str,
    pub log_title: &'static str,
    pub compacted_title: &'static str,
    pub legend_position: &'static str,
    pub legend_segments: &'static str,
    pub log_scale: &'static str,
    pub isr: &'static str,
    pub doc_title: &'static str,
    pub stage_label: &'static str,
    pub ledger_label: &'static str,
    pub losses_label: &'static str,
    pub consumers_label: &'static str,
    /// The button that starts one more member of a group after the first.
    pub add_consumer: &'static str,
    /// Processings of what a group had processed before, in its column's header.
    pub again: &'static str,
    pub controls_label: &'static str,
    pub copy: &'static str,
    pub copied: &'static str,
    pub copy_failed: &'static str,
    pub left_scenario: &'static str,
    pub back_to_scenario: &'static str,
    pub stay: &'static str,
    pub text_large: &'static str,
    pub scroll_hint: &'static str,
    pub guide_try: &'static str,
    pub guide_done: &'static str,
    pub offsets_summary: &'static str,
    pub offsets_replicas: &'static str,
    pub offsets_log: &'static str,
    pub offsets_commits: &'static str,
    pub offsets_none: &'static str,
}

pub static EN: Text = Text {
    sim_time: "simulated time",
    throughput_latency: "throughput · latency p50 / p99",
    compression_cpu: "compression CPU: producer / consumers",
    of_a_core: "of a core",
    rec_per_s: "rec/s",
    sent: "sent",
    acknowledged: "acknowledged",
    failed: "failed",
    failed_unnoticed: "failed, unseen by the app",
    send_mode_note: "the application's, not a Kafka setting",
    commit_mode_note: "the application's, with enable.auto.commit=false; before-processing is at most once",
    lost: "lost",
    duplicated: "duplicated",
    reordered: "reordered",
    consumed: "consumed",
    redelivered: "redelivered",
    skipped: "skipped by the group",
    play: "▶ Play",
    pause: "❚❚ Pause",
    step: "Step ▸",
    reset: "Reset",
    speed: "speed",
    seed: "seed",
    language: "language",
    cluster: "cluster",
    producer: "producer",
    consumer_group: "consumer group",
    brokers: "brokers",
    partitions: "partitions",
    records_per_s: "records/s",
    distinct_keys: "distinct keys (0 = none)",
    consumers: "consumers",
    groups_label: "consumer groups",
    topics_label: "topics",
    topic_bar: "The stage shows topic",
    not_subscribed: "not subscribed",
    subscription: "subscribes to",
    read_by: "read by",
    consumer_rate: "records/s each consumer processes",
    eager: "eager rebalancing",
    removed_in_4_0: "Kafka 3.x only: removed in 4.0",
    export_scenario: "Scenario",
    save_as: "Save as",
    compare_with: "compare with",
    export_html: "Offline copy",
    export_svg: "Picture",
    export_trace: "Trace",
    timeline: "Timeline: go to any instant of the run",
    step_back: "◀ Back",
    mark_election: "leader election",
    mark_isr: "ISR change",
    mark_loss: "acknowledged records lost",
    mark_duplicate: "duplicate",
    mark_rebalance: "rebalance",
    more_producer: "More producer settings",
    more_consumer: "More consumer settings",
    kafka_version: "Kafka version (defaults and rules)",
    version_zookeeper: "ZooKeeper or KRaft in this release (metadata mode)",
    version_kraft: "KRaft only (4.0 removed ZooKeeper); kscope's reference",
    quorum_size: "Controller quorum",
    quorum_size_note: "KRaft controllers (controller.quorum.voters), or ZooKeeper servers; 0: an idealised controller, always reachable",
    metadata_mode: "Metadata mode",
    metadata_mode_note: "KRaft (Kafka 4.0's only mode) or a ZooKeeper ensemble with a controller broker (3.9 and earlier)",
    myth: "Myth",
    myth_fact: "In Kafka:",
    myth_try: "Show me",
    cooperative: "cooperative rebalancing",
    broker: "broker",
    running: "running",
    down_not_fenced: "down · not yet fenced",
    down_fenced: "down · fenced",
    coordinator: "◈ coordinator",
    crash: "crash",
    power_off: "power cut",
    page_cache: "cache",
    legend_on_disk: "on disk up to here (the rest only in the page cache)",
    restart: "restart",
    cut: "cut",
    heal: "heal",
    drop: "drop",
    isolate: "isolate",
    rejoin: "rejoin",
    slow: "slow",
    leader: "leader",
    follower: "follower",
    out_of_isr: "out of ISR",
    queued: "queued",
    in_flight: "in flight",
    linger: "linger",
    next_seq: "next seq",
    group: "group",
    lag: "lag",
    committed: "committed",
    unowned: "unowned",
    no_consumers_card: "No consumers: move the consumers slider to start some.",
    consumer: "consumer",
    group_leader: "leader",
    owns_nothing: "owns nothing",
    owns: "owns",
    processed: "processed",
    in_hand: "in hand",
    fetched: "fetched",
    pause_consumer: "pause",
    resume_consumer: "resume",
    network_links: "network links",
    links_cut: "cut",
    what_happened: "what just happened",
    nothing_yet: "Nothing notable yet: crash a broker, cut a link or drop a response.",
    why_lost: "why records were lost",
    acked_records: "acknowledged record(s):",
    legend_leader: "leader",
    legend_follower: "follower",
    legend_committed: "committed (below the high watermark)",
    legend_uncommitted: "written, not yet committed",
    legend_produce: "produce request",
    legend_record: "record sent by the application",
    legend_retry: "retried produce request",
    legend_ack: "produce response",
    legend_replication: "replication",
    legend_fetch: "fetch without data",
    legend_consumed: "records to a consumer",
    legend_commit: "offset commit",
    legend_control: "group protocol (join, sync, heartbeat)",
    legend_consumer: "consumer",
    legend_committed_offset: "committed offset",
    not_idempotent: "producer not idempotent",
    waiting_producer_id: "idempotent producer, waiting for its producer id",
    idempotent_producer: "idempotent producer: id",
    epoch: "epoch",
    every_link: "every link {} ms one way",
    records_in: "records in",
    messages_in_flight: "messages in flight",
    no_consumers: "no consumers",
    creating_offsets: "creating __consumer_offsets",
    no_coordinator: "no coordinator",
    generation: "gen",
    state_running: "running",
    state_paused: "paused",
    state_crashed: "crashed",
    state_closed: "closed",
    state_failed: "failed",
    open_controls: "Settings",
    close_controls: "Close settings",
    position: "position",
    log_start: "start",
    log_title: "log start {start} · high watermark {hw} · log end {leo} · {n}",
    compacted_title: "a compacted segment: {kept} of its {span} offsets still hold a record",
    legend_position: "the consumer's position",
    legend_segments: "a block is a segment; a paler one was compacted",
    log_scale: "every log on one scale: offsets {from} to {to}",
    isr: "ISR",
    doc_title: "kscope · Kafka internals, simulated",
    stage_label: "the cluster: brokers in columns, partitions in rows",
    ledger_label: "the fate of every record",
    losses_label: "lost records and their causes",
    consumers_label: "consumers",
    add_consumer: "one more consumer in this group",
    again: "again",
    controls_label: "settings and actions",
    copy: "Copy",
    copied: "Copied.",
    copy_failed: "Not copied here: the link is selected, press Ctrl+C (⌘C on a Mac).",
    left_scenario: "You left the scenario “{}”: that setting needs a new cluster, so a new run started with your settings.",
    back_to_scenario: "Back to the scenario, step {}",
    stay: "Stay here",
    text_large: "large text",
    scroll_hint: "Swipe the stage sideways to see every broker →",
    guide_try: "Try a scenario",
    guide_done: "Got it",
    offsets_summary: "where the group is stored",
    offsets_replicas: "replicas",
    offsets_log: "its log (cleanup.policy=compact: the latest record of each key stays)",
    offsets_commits: "committed offsets",
    offsets_none: "nothing committed yet",
    scenario: "Scenario",
    free_play: "Free play (no scenario)",
    step_of: "Step {} of {}",
    prev_step: "◀ Previous",
    next_step: "Next ▶",
    step_keys: "PageDown, →, ↓ or space: next step · PageUp, ←, ↑: previous",
    scenario_over: "End of the scenario: press play to let it run on, or pick another.",
    expected: "By the end",
    fast_forward: "Fast-forwarding to {}…",
    share: "Share",
    share_ready: "This link replays what you see:",
    close: "Close",
    stop_comparing: "Stop comparing",
    log_reading: "Reading the log…",
    run: "Run",
    loading_scenarios: "Loading scenarios…",
    charts: "Charts",
    throughput_chart: "Throughput (acknowledged records/s)",
    latency_chart: "End-to-end latency, send to acknowledgement (ms)",
    lag_chart: "Consumer lag per partition (records)",
    chart_empty: "Runs for a second before it draws.",
    seconds: "s",
    open_file: "Open a scenario file…",
};

use crate::settings::{Expected, Fallback, Problem};

/// kscope's own notices, in each language (Kafka's messages stay as Kafka prints them).
pub fn using_defaults(lang: Lang, kafka_error: &str) -> String {
    tr!(
        lang,
        "{0} Using kscope's defaults.",
        "{0} kscope 기본값을 씁니다.",
        kafka_error
    )
}

pub fn nothing_changed(lang: Lang, kafka_error: &str) -> String {
    tr!(
        lang,
        "{0} Nothing was changed.",
        "{0} 아무것도 바뀌지 않았습니다.",
        kafka_error
    )
}

pub fn bad_seed(lang: Lang, keep: u64) -> String {
    tr!(
        lang,
        "The seed must be a whole number from 0 to {0}; keeping {1}.",
        "시드는 0부터 {0}까지의 정수여야 합니다. 지금 시드({1})를 유지합니다.",
        u64::MAX,
        keep
    )
}

/// The notices as the page shows them: a message repeated is shown once with how many
/// times it came (a link replaying a thousand refused actions gives one line, not a
/// thousand), at most [`MAX_NOTICES`] different ones and a line counting the rest, each
/// at most [`MAX_NOTICE_CHARS`] characters.
pub fn notice_lines(lang: Lang, notices: &[String]) -> Vec<String> {
    let mut distinct: Vec<(&str, usize)> = Vec::new();
    for n in notices {
        match distinct.iter_mut().find(|(text, _)| *text == n.as_str()) {
            Some((_, count)) => *count += 1,
            None => distinct.push((n, 1)),
        }
    }
    let more = distinct.len().saturating_sub(MAX_NOTICES);
    let mut lines: Vec<String> = distinct
        .iter()
        .take(MAX_NOTICES)
        .map(|(text, count)| {
            let text = cut(text, MAX_NOTICE_CHARS);
            match (lang, count) {
                (_, 1) => text,
                (_, n) => tr!(lang, "{0} (×{1})", "{0} ({1}번)", text, n),
            }
        })
        .collect();
    if more > 0 {
        lines.push(match lang {
            Lang::En if more == 1 => "…and 1 more message.".to_string(),
            _ => tr!(lang, "…and {0} more messages.", "…외 메시지 {0}개.", more),
        });
    }
    lines
}

/// How many different notices the page shows at once.
pub const MAX_NOTICES: usize = 6;

/// How long a notice may be, in characters (a Kafka message fits; a pasted paragraph
/// quoted whole would not).
pub const MAX_NOTICE_CHARS: usize = 320;

/// A scenario opened from a file has the id of a scenario already on the page.
pub fn scenario_replaced(lang: Lang, file: &str, id: &str) -> String {
    let (file, id) = (shown_value(file), shown_value(id));
    tr!(
        lang,
        "{0} has the id '{1}' of a scenario already on this page: it replaces that scenario until the page is reloaded.",
        "{0}의 id '{1}'는 이 페이지에 이미 있는 시나리오의 id입니다. 페이지를 다시 불러올 때까지 그 시나리오를 대신합니다.", file, id
    )
}

/// A link's `step` past the scenario's last step.
pub fn step_past_end(lang: Lang, step: usize, steps: usize) -> String {
    tr!(
        lang,
        "step={0} is past this scenario's last step; showing step {1}, its last.",
        "step={0}: 이 시나리오에는 {1}단계까지 있습니다. 마지막 단계인 {1}단계를 보여 줍니다.",
        step,
        steps
    )
}

pub fn no_scenario(lang: Lang, id: &str) -> String {
    let id = shown_value(id);
    tr!(
        lang,
        "There is no scenario called '{0}'; showing the settings of the link instead.",
        "'{0}'라는 시나리오가 없습니다. 대신 링크의 설정을 보여 줍니다.",
        id
    )
}

pub fn topic_recreated(lang: Lang, partitions: u64) -> String {
    tr!(
        lang,
        "Kafka can add partitions to a topic but never remove them: the topic was deleted and recreated with {0} partitions.",
        "카프카는 토픽에 파티션을 추가할 수만 있고 줄일 수는 없습니다. 토픽을 지우고 파티션 {0}개로 다시 만들었습니다.", partitions
    )
}

impl Text {
    /// A timeline mark's kind, in words.
    pub fn mark_kind(&self, kind: crate::player::MarkKind) -> &'static str {
        use crate::player::MarkKind::*;
        match kind {
            Election => self.mark_election,
            Isr => self.mark_isr,
            Loss => self.mark_loss,
            Duplicate => self.mark_duplicate,
            Rebalance => self.mark_rebalance,
            Other => "",
        }
    }
}

/// Beside a setting whose default the chosen Kafka release changes.
pub fn version_default(lang: Lang, version: &str, then: &str, now: &str) -> String {
    let show = |v: &str| {
        if v.is_empty() {
            "-".to_string()
        } else {
            v.to_string()
        }
    };
    let (then, now) = (show(then), show(now));
    tr!(
        lang,
        "default in {0}: {1} (4.0: {2})",
        "{0} 기본값: {1} (4.0: {2})",
        version,
        then,
        now
    )
}

/// The header's tagline, naming the Kafka release the run follows (`kafka.version`).
pub fn tagline(lang: Lang, version: &str) -> String {
    tr!(
        lang,
        "Apache Kafka {0} internals, simulated",
        "아파치 카프카 {0} 내부 동작 시뮬레이션",
        version
    )
}

pub fn record_limit(lang: Lang, records: usize, bytes: usize) -> String {
    let mb = bytes / (1024 * 1024);
    tr!(
        lang,
        "Paused: this run holds {0} records and the fate of each ({1} MB), as much as kscope keeps in a browser tab. Reset to start again; fewer records/s take longer to fill it.",
        "일시 정지: 이 실행은 레코드 {0}개와 각각의 결과({1}MB)를 담고 있어 kscope가 브라우저 탭에 보관하는 한도에 이르렀습니다. 리셋하면 다시 시작합니다. records/s가 낮을수록 한도에 늦게 이릅니다.", records, mb
    )
}

pub fn keys_moved(lang: Lang, partitions: u64) -> String {
    tr!(
        lang,
        "orders now has {0} partitions: keys hash to murmur2(key) mod {0}, so many keys now go to another partition than before.",
        "orders의 파티션이 이제 {0}개입니다. 키는 murmur2(key) mod {0}로 가므로 많은 키가 전과 다른 파티션으로 갑니다.", partitions
    )
}

/// A URL parameter the page could not read, in words.
pub fn problem(lang: Lang, p: &Problem) -> String {
    let l = lang;
    let fallback = match &p.fallback {
        Fallback::Value(v) => tr!(l, "using {0}", "대신 {0} 값을 씁니다", v),
        Fallback::KafkaDefault => tr!(l, "using Kafka's default", "카프카 기본값을 씁니다"),
        Fallback::BrowserLanguage => {
            tr!(l, "using the browser's language", "브라우저 언어를 씁니다")
        }
        Fallback::Ignored => tr!(l, "ignored", "무시합니다"),
        Fallback::FirstStep => tr!(l, "starting at the first step", "첫 단계부터 시작합니다"),
        Fallback::NotReplayed => tr!(
            l,
            "the link's actions were not replayed",
            "링크의 조작은 재생하지 않았습니다"
        ),
    };
    let value = shown_value(&p.value);
    let expected = match &p.expected {
        // After a whole sentence, the fallback is a sentence of its own.
        Expected::Kafka(m) => {
            let stop = if m.ends_with('.') { "" } else { "." };
            return format!("{m}{stop} {}.", sentence(&fallback));
        }
        Expected::Link(e) => return format!("{} {}.", link_error(lang, e), sentence(&fallback)),
        Expected::Known => {
            return tr!(
                l,
                "{0} is not a setting kscope knows; {1}.",
                "kscope에는 {0} 설정이 없습니다. {1}.",
                p.param,
                fallback
            )
        }
        Expected::Range(a, b) => {
            tr!(
                l,
                "a whole number from {0} to {1}",
                "{0}부터 {1}까지의 정수",
                a,
                b
            )
        }
        Expected::WholeNumber => tr!(l, "a whole number", "정수"),
        Expected::TrueOrFalse => tr!(l, "true or false", "true 또는 false"),
        Expected::OneOrZero => tr!(l, "1 or 0", "1 또는 0"),
        Expected::OneOf(list) => tr!(l, "one of {0}", "{0} 중 하나", list),
        Expected::Retention => tr!(
            l,
            "-1 (no limit) or a whole number of at least 0",
            "-1(제한 없음) 또는 0 이상의 정수"
        ),
        Expected::Instant => tr!(
            l,
            "an instant within the first hour",
            "첫 한 시간 안의 시각"
        ),
        Expected::Origin => tr!(
            l,
            "a web origin such as https://slides.example.org, or null",
            "https://slides.example.org 같은 웹 출처 또는 null"
        ),
        Expected::Comparison => tr!(
            l,
            "a setting of the run, a colon and its value, as in acks:all",
            "실행 설정 하나와 콜론, 그 값 (예: acks:all)"
        ),
    };
    tr!(
        l,
        "{0}={1} is not {2}; {3}.",
        "{0}={1}: 허용되는 값은 {2}입니다. {3}.",
        p.param,
        value,
        expected,
        fallback
    )
}

/// A value from the URL as a message quotes it: at most 40 characters, so a pasted
/// paragraph cannot make the message (or the page) as wide as itself.
fn shown_value(value: &str) -> String {
    cut(value, 40)
}

/// `text` cut to at most `max` characters, with an ellipsis where it was cut.
fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// `text` with its first letter capitalised, to stand as a sentence. The page's sentences
/// start with an English letter or with Hangul (which has no case): ASCII's rule is all it
/// needs, and Unicode's case tables would cost the first load some kilobytes.
fn sentence(text: &str) -> String {
    let mut out = text.to_string();
    if let Some(first) = out.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    out
}

/// A scenario's stated outcome in words: "no acknowledged record is lost", "some records
/// are consumed", "at least 10 records are redelivered".
pub fn outcome(lang: Lang, e: &crate::scenario::Expect) -> String {
    use crate::scenario::{Metric, Op};
    // What is counted.
    let what = match e.metric {
        Metric::Acked => tr!(lang, "records acknowledged", "확인된 레코드"),
        Metric::Lost => tr!(lang, "acknowledged records lost", "잃어버린 확인된 레코드"),
        Metric::Duplicated => tr!(lang, "records duplicated", "중복된 레코드"),
        Metric::Reordered => tr!(lang, "records out of order", "순서가 바뀐 레코드"),
        Metric::Consumed => tr!(lang, "records consumed", "소비된 레코드"),
        Metric::Redelivered => tr!(lang, "records delivered again", "다시 전달된 레코드"),
        Metric::Skipped => tr!(lang, "records the group skipped", "그룹이 건너뛴 레코드"),
        Metric::Aborted => tr!(
            lang,
            "records of aborted transactions",
            "중단된 트랜잭션의 레코드"
        ),
        Metric::ReadAborted => tr!(
            lang,
            "records of aborted transactions processed",
            "처리된 중단 트랜잭션의 레코드"
        ),
        // Only the pipeline's scenarios (the full build) count them.
        Metric::Results | Metric::ResultsTwice | Metric::ResultsAborted
            if !crate::view_model::TXN =>
        {
            String::new()
        }
        Metric::Results => tr!(
            lang,
            "records whose result the reader processed",
            "리더가 결과를 처리한 레코드"
        ),
        Metric::ResultsTwice => tr!(lang, "results read twice", "두 번 읽은 결과"),
        Metric::ResultsAborted => tr!(
            lang,
            "results in aborted transactions",
            "중단된 트랜잭션의 결과"
        ),
        Metric::Failed => tr!(lang, "sends failed", "실패한 전송"),
        Metric::Lag => tr!(lang, "records of consumer lag", "컨슈머 랙"),
        Metric::UncleanElections => tr!(lang, "unclean elections", "unclean 선출"),
        Metric::DiskReads => tr!(lang, "fetches read from the disk", "디스크에서 읽은 fetch"),
        Metric::QuorumEpoch => tr!(lang, "controller quorum epoch", "컨트롤러 쿼럼 에포크"),
    };
    let v = e.value;
    match (e.op, v) {
        (Op::Eq, 0) | (Op::Lt, 1) | (Op::Le, 0) => tr!(lang, "no {0}", "{0} 없음", what),
        (Op::Gt, 0) | (Op::Ge, 1) => tr!(lang, "some {0}", "{0} 있음", what),
        (Op::Eq, v) => tr!(lang, "exactly {1} {0}", "{0} 정확히 {1}", what, v),
        (Op::Gt, v) => tr!(lang, "more than {1} {0}", "{0} {1} 초과", what, v),
        (Op::Ge, v) => tr!(lang, "at least {1} {0}", "{0} {1} 이상", what, v),
        (Op::Lt, v) => tr!(lang, "fewer than {1} {0}", "{0} {1} 미만", what, v),
        (Op::Le, v) => tr!(lang, "at most {1} {0}", "{0} {1} 이하", what, v),
    }
}

/// Why the group lives in its `__consumer_offsets` partition, and who leads it.
pub fn offsets_why(
    lang: Lang,
    group: &str,
    partition: u32,
    of: u32,
    leader: Option<u32>,
) -> String {
    let leader = match leader {
        Some(b) => tr!(
            lang,
            " Its leader, broker {0}, is the group's coordinator.",
            " 이 파티션의 리더인 브로커 {0}이(가) 그룹 코디네이터입니다.",
            b
        ),
        None => tr!(
            lang,
            " It has no leader now, so the group has no coordinator.",
            " 지금은 리더가 없어 그룹 코디네이터도 없습니다."
        ),
    };
    tr!(
        lang,
        "Partition {0} of {1}: the Java hash code of “{2}”, made non-negative, modulo offsets.topic.num.partitions ({1}).{3}",
        "{1}개 중 파티션 {0}: “{2}”의 자바 해시 코드를 음이 아니게 만든 뒤 offsets.topic.num.partitions({1})로 나눈 나머지입니다.{3}", partition, of, group, leader
    )
}

/// The group's metadata record, in words.
pub fn offsets_metadata(lang: Lang, generation: Option<i32>, members: usize) -> String {
    match generation {
        Some(g) => tr!(
            lang,
            "group metadata: generation {0}, {1}",
            "그룹 메타데이터: 세대 {0}, {1}",
            g,
            self::members(lang, members)
        ),
        None => tr!(
            lang,
            "group metadata: not loaded (no coordinator)",
            "그룹 메타데이터: 불러오지 않음 (코디네이터 없음)"
        ),
    }
}

/// How many events in a row an event log line stands for: " (12 times)", " (12번)".
pub fn times(lang: Lang, n: u32) -> String {
    tr!(lang, " ({0} times)", " ({0}번)", n)
}

/// "3 members", "1 member"; "멤버 3명".
pub fn members(lang: Lang, n: usize) -> String {
    match (lang, n) {
        (Lang::En, 1) => "1 member".into(),
        (_, n) => tr!(lang, "{0} members", "멤버 {0}명", n),
    }
}

/// "2 segments", "1 segment"; "세그먼트 2개".
pub fn segments(lang: Lang, n: usize) -> String {
    match (lang, n) {
        (Lang::En, 1) => "1 segment".into(),
        (_, n) => tr!(lang, "{0} segments", "세그먼트 {0}개", n),
    }
}

/// What is wrong with a link's record of actions, in words.
pub fn link_error(lang: Lang, e: &crate::share::LinkError) -> String {
    use crate::share::{Damage, LinkError, MAX_ACTIONS, MAX_RUN_BYTES, VERSION};
    match e {
        LinkError::TooLong => tr!(
            lang,
            "The link's record of actions is longer than kscope reads ({0} bytes).",
            "링크의 조작 기록이 kscope가 읽는 길이({0}바이트)보다 깁니다.",
            MAX_RUN_BYTES
        ),
        LinkError::Newer(v) => tr!(
            lang,
            "The link was made by a newer kscope (format {0}); this one reads format {1}.",
            "더 새로운 kscope가 만든 링크입니다(형식 {0}). 이 kscope는 형식 {1}을 읽습니다.",
            v,
            VERSION
        ),
        LinkError::NoVersion => tr!(
            lang,
            "The link's record of actions does not start with its format number.",
            "링크의 조작 기록이 형식 번호로 시작하지 않습니다."
        ),
        LinkError::TooMany => tr!(
            lang,
            "The link holds more than {0} actions.",
            "링크에 조작이 {0}개보다 많습니다.",
            MAX_ACTIONS
        ),
        LinkError::Damaged { index, why } => {
            let why = match why {
                Damage::NoTilde(entry) => {
                    tr!(
                        lang,
                        "'{0}' has no '~'",
                        "'{0}'에 '~'가 없습니다",
                        shown_value(entry)
                    )
                }
                Damage::BadTime(dt) => {
                    tr!(
                        lang,
                        "'{0}' is not a time",
                        "'{0}'는 시각이 아닙니다",
                        shown_value(dt)
                    )
                }
                Damage::PastLimit => tr!(
                    lang,
                    "it is past the longest run kscope replays (1 hour)",
                    "kscope가 재생하는 가장 긴 실행(1시간)을 넘습니다"
                ),
                // The reason quotes the code: cut as a quoted value is.
                Damage::BadAction { reason, code } => match lang {
                    Lang::En => cut(reason, 120),
                    Lang::Ko => tr!(
                        lang,
                        "'{0}' is not an action kscope knows",
                        "'{0}'는 kscope가 아는 조작이 아닙니다",
                        shown_value(code)
                    ),
                },
            };
            tr!(
                lang,
                "Action {0} of the link is damaged: {1}.",
                "링크의 {0}번째 조작이 손상되었습니다. {1}.",
                index,
                why
            )
        }
    }
}

/// Korean particles chosen by the word before them. A template writes both forms, as
/// `브로커 {0}이(가)`; this picks the one the word takes (`브로커 1이`, `브로커 2가`), reading
/// digits as Sino-Korean numbers (1 일, 2 이, 3 삼, …; a number ending in 0 ends in 십,
/// 백, 천 or 만, or is 영, all with a final consonant) and Latin letters as their usual
/// loanword endings (a final l, m or n keeps its consonant).
pub fn particles(text: &str) -> String {
    // (both forms, after a final consonant, after a vowel); 으로 is also 로 after ㄹ.
    const PAIRS: [(&str, &str, &str); 5] = [
        ("이(가)", "이", "가"),
        ("을(를)", "을", "를"),
        ("은(는)", "은", "는"),
        ("와(과)", "과", "와"),
        ("(으)로", "으로", "로"),
    ];
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while !rest.is_empty() {
        for (both, consonant, vowel) in PAIRS {
            if let Some(tail) = rest.strip_prefix(both) {
                let last = out.chars().last();
                let form = match final_consonant(last) {
                    Some(Final::Rieul) if both == "(으)로" => vowel,
                    Some(_) => consonant,
                    None => vowel,
                };
                out.push_str(form);
                rest = tail;
                continue 'scan;
            }
        }
        let c = rest.chars().next().expect("not empty");
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

enum Final {
    Rieul,
    Other,
}

/// The final consonant of how `c` ends when read aloud in Korean, if it has one.
fn final_consonant(c: Option<char>) -> Option<Final> {
    let c = c?;
    match c {
        '가'..='힣' => match (c as u32 - 0xAC00) % 28 {
            0 => None,
            8 => Some(Final::Rieul),
            _ => Some(Final::Other),
        },
        '1' | '7' | '8' | 'l' | 'L' => Some(Final::Rieul),
        '0' | '3' | '6' | 'm' | 'n' | 'M' | 'N' => Some(Final::Other),
        _ => None,
    }
}

/// Why the embedding page's command was refused (see [`crate::embed`]).
pub enum EmbedRefusal<'a> {
    Locked,
    NoScenario,
    /// The step asked for, and how many the scenario has.
    NoStep(usize, usize),
    BadInstant,
    NoSuchScenario(&'a str),
    NoSuchSetting(&'a str),
}

/// Said when an offline copy is asked for an export it cannot make (its maker is a file
/// beside the served page).
pub fn no_offline_copy(lang: Lang) -> String {
    tr!(
        lang,
        "This is an offline copy: open the page from its server to save another copy, a picture or a trace.",
        "이 페이지는 오프라인 사본입니다. 새 사본, 그림, 이벤트 기록은 서버에서 연 페이지에서 저장하세요."
    )
}

/// Said (in English: Korean is what is missing) when the Korean catalogue cannot be read.
pub fn no_korean() -> &'static str {
    "help/ko.txt, the Korean catalogue, could not be read: the page stays in English."
}

/// Said when the log view's worker cannot run (an offline copy has none).
pub fn no_worker(lang: Lang) -> String {
    tr!(
        lang,
        "The log view is made by the page's worker, which could not start here (an offline copy has none): open the page from its server.",
        "로그 보기는 페이지의 워커가 만드는데, 여기서는 워커를 시작할 수 없습니다(오프라인 사본에는 없습니다). 서버에서 페이지를 여세요."
    )
}

/// Said when a run needs transactions and the page has no full build (a debug build).
pub fn no_full_build(lang: Lang) -> String {
    tr!(
        lang,
        "This run needs transactions, which are in the page's release build only (trunk build --release).",
        "이 실행에는 트랜잭션이 필요한데, 트랜잭션은 페이지의 릴리스 빌드(trunk build --release)에만 있습니다."
    )
}

/// Said when an export could not be made.
pub fn export_failed(lang: Lang) -> String {
    tr!(
        lang,
        "The file could not be made: this page's files could not be read again from its server.",
        "파일을 만들 수 없습니다. 이 페이지의 파일을 서버에서 다시 읽지 못했습니다."
    )
}

/// Why the embedding page's message is not a command.
pub fn not_a_command(lang: Lang, why: crate::embed::Missing) -> String {
    use crate::embed::Missing;
    const TYPES: &str = "play, pause, next, prev, step, seek, load, set, act, state";
    match why {
        Missing::Type => tr!(
            lang,
            "Not a command: type is one of {0}.",
            "명령이 아닙니다. type은 {0} 중 하나입니다.",
            TYPES
        ),
        Missing::Field(f) => tr!(
            lang,
            "This command needs a field '{0}'.",
            "이 명령에는 '{0}' 필드가 있어야 합니다.",
            f
        ),
    }
}

pub fn embed_refusal(lang: Lang, why: EmbedRefusal) -> String {
    use EmbedRefusal as R;
    match why {
        R::Locked => tr!(
            lang,
            "The run is locked (controls=lock): it cannot be changed from outside.",
            "실행이 잠겨 있습니다(controls=lock). 밖에서 바꿀 수 없습니다."
        ),
        R::NoScenario => tr!(
            lang,
            "No scenario is being presented.",
            "진행 중인 시나리오가 없습니다."
        ),
        R::NoStep(step, n) => tr!(
            lang,
            "There is no step {0}: the scenario has steps 1 to {1}.",
            "{0}단계는 없습니다. 이 시나리오의 단계는 1부터 {1}까지입니다.",
            step,
            n
        ),
        R::BadInstant => tr!(
            lang,
            "An instant is a number of milliseconds, 0 or more.",
            "시각은 0 이상의 밀리초여야 합니다."
        ),
        R::NoSuchScenario(id) => tr!(
            lang,
            "There is no scenario '{0}'.",
            "'{0}' 시나리오는 없습니다.",
            id
        ),
        R::NoSuchSetting(name) => tr!(
            lang,
            "'{0}' is not a setting kscope knows.",
            "'{0}'은(는) kscope가 아는 설정이 아닙니다.",
            name
        ),
    }
}

/// The producer hears a batch acknowledged (a comparison's event: see [`crate::compare`]).
pub fn acknowledged(lang: Lang, batch: u64, tp: &str, offset: &str) -> String {
    tr!(
        lang,
        "the producer hears batch {0} of {1} acknowledged (base offset {2})",
        "프로듀서가 {1}의 배치 {0} 확인 응답을 받음 (기준 오프셋 {2})",
        batch,
        tp,
        offset
    )
}

/// The comparison's second run cannot be built: Kafka's error for its configuration.
pub fn no_twin(lang: Lang, kafka_error: &str) -> String {
    tr!(
        lang,
        "Run B cannot start: {0} Run A runs alone.",
        "실행 B를 시작할 수 없습니다: {0} 실행 A만 진행합니다.",
        kafka_error
    )
}

/// That the two runs of a comparison have not parted, up to the instant `now`.
pub fn no_divergence(lang: Lang, now: &str) -> String {
    tr!(
        lang,
        "No difference yet: both runs had the same events up to {0}.",
        "아직 차이 없음: {0}까지 두 실행의 이벤트가 같습니다.",
        now
    )
}

/// Where the two runs of a comparison part: `at` the instant, each side its event in
/// words (with its own instant when that is later), `None` when the run has had nothing
/// like the other's event yet.
pub fn divergence(lang: Lang, at: &str, a: Option<String>, b: Option<String>) -> String {
    let side = |s: Option<String>| {
        s.unwrap_or_else(|| tr!(lang, "nothing like it yet", "아직 같은 일 없음"))
    };
    tr!(
        lang,
        "The runs part at {0}. A: {1}. B: {2}.",
        "두 실행이 {0}에 갈라집니다. A: {1}. B: {2}.",
        at,
        side(a),
        side(b)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tooltip_the_page_asks_for_is_in_the_file_in_both_languages() {
        let file = include_str!("../../help/titles.txt");
        assert!(
            EN.tip("share_title").is_empty(),
            "nothing before the file arrives"
        );
        let n = load_tips(file).expect("the shipped file reads");
        let sources = [
            include_str!("components/controls.rs"),
            include_str!("components/readouts.rs"),
            include_str!("components/stage_view.rs"),
            include_str!("components/timeline.rs"),
        ];
        let mut asked = std::collections::BTreeSet::new();
        for src in sources {
            for part in src.split("tip(\"").skip(1) {
                asked.insert(part.split('"').next().unwrap().to_string());
            }
        }
        assert!(
            asked.len() > 20 && asked.len() == n,
            "{} asked, {n} in the file",
            asked.len()
        );
        for key in &asked {
            let (en, ko) = (EN.tip(key), Lang::Ko.text().tip(key));
            assert!(
                !en.is_empty() && !ko.is_empty() && en != ko,
                "{key}: {en} / {ko}"
            );
        }
        assert!(EN.tip("no_such_tip").is_empty());
        assert!(load_tips("share_title.fr: bonjour").is_err());
        assert!(load_tips("no colon here").is_err());
    }

    #[test]
    fn a_long_value_is_quoted_short_and_a_fallback_after_a_sentence_starts_one() {
        let p = Problem::new(
            "seed",
            &"9".repeat(20_000),
            Expected::WholeNumber,
            Fallback::Value("1".into()),
        );
        for lang in Lang::ALL {
            let text = problem(lang, &p);
            assert!(text.chars().count() < 200, "{text}");
            assert!(text.contains(&format!("{}…", "9".repeat(40))), "{text}");
        }
        let p = Problem::new(
            "acks",
            "2",
            Expected::Kafka("Invalid value 2 for configuration acks.".into()),
            Fallback::KafkaDefault,
        );
        assert_eq!(
            problem(Lang::En, &p),
            "Invalid value 2 for configuration acks. Using Kafka's default."
        );
    }

    #[test]
    fn korean_particles_follow_the_word_before_them() {
        let cases = [
            ("브로커 1이(가) 리더", "브로커 1이 리더"),
            ("브로커 2이(가) 리더", "브로커 2가 리더"),
            ("브로커 10이(가)", "브로커 10이"),
            ("c4을(를) 내보냄", "c4를 내보냄"),
            ("c3을(를) 내보냄", "c3을 내보냄"),
            ("orders-0, orders-5을(를) 반납", "orders-0, orders-5를 반납"),
            ("range을(를) 실행", "range를 실행"),
            ("roundrobin을(를) 실행", "roundrobin을 실행"),
            ("producer와(과) 브로커 1", "producer와 브로커 1"),
            ("브로커 0와(과) 브로커 2", "브로커 0과 브로커 2"),
            ("시드은(는)", "시드는"),
            ("토픽은(는)", "토픽은"),
            ("브로커 1(으)로", "브로커 1로"),
            ("브로커 3(으)로", "브로커 3으로"),
            ("파티션(으)로", "파티션으로"),
        ];
        for (template, said) in cases {
            assert_eq!(particles(template), said, "{template}");
        }
    }

    #[test]
    fn the_browser_language_picks_korean_for_every_korean_locale() {
        assert_eq!(Lang::from_browser("ko"), Lang::Ko);
        assert_eq!(Lang::from_browser("ko-KR"), Lang::Ko);
        assert_eq!(Lang::from_browser("en-US"), Lang::En);
        assert_eq!(Lang::from_browser(""), Lang::En);
        assert_eq!(Lang::parse("ko"), Some(Lang::Ko));
        assert_eq!(Lang::parse("fr"), None);
    }

    #[test]
    fn both_catalogues_fill_every_string() {
        // Debug prints every field: none may be empty in either language.
        for lang in Lang::ALL {
            let text = format!("{:?}", lang.text());
            assert!(!text.contains(": \"\""), "{lang:?} has an empty string");
        }
        assert_ne!(EN.sent, Lang::Ko.text().sent);
    }

    #[test]
    fn the_korean_file_holds_every_field_in_order() {
        let file = include_str!("../../help/ko.txt");
        let (file, _) = file.split_once("\n%% events\n").expect("the events part");
        let keys: Vec<&str> = file
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| l.split_once(": ").map_or(l, |(k, _)| k))
            .collect();
        assert_eq!(keys, Text::names().to_vec());
        assert!(korean().is_some_and(|k| k.sent != EN.sent));
        assert!(load_korean("sent: x").is_err(), "too few strings");
    }
}
