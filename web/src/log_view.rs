//! The log view: one replica's log as Kafka lays it out on disk, its segments (each a
//! `.log` with its `.index` and `.timeindex`), the batches of the segment picked and the
//! bytes of the batch picked with every field marked, and the segment's files to
//! download. Pure functions of the simulation (the bytes come from
//! `kscope_core::record_batch`), tested natively.
//!
//! It runs in the page's worker (`trace_worker.rs`, its own WebAssembly, fetched when a
//! log is first opened), never in the page's first load: the worker replays the session
//! to the instant shown ([`Replay`]) and answers with the view as markup ([`html`]), whose
//! buttons carry `data-act` for the page to act on; the page only places the markup.

use kscope_core::ids::{BrokerId, TopicId};
use kscope_core::log::{segment_file_name, Segment};
use kscope_core::record::CompressionType;
use kscope_core::record_batch::{self, Field, Span};
use kscope_core::sim::Sim;
use kscope_core::TopicPartition;

/// The most batches the table lists (the segment's latest).
pub const MAX_BATCHES: usize = 12;
/// The most bytes of a batch the hex view shows (the rest is in the downloaded file).
pub const MAX_HEX_BYTES: usize = 320;

/// Which replica's log is open, and which segment and batch of it are picked (`None`:
/// the active segment, its latest batch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opened {
    pub topic: u32,
    pub partition: u32,
    pub broker: u32,
    pub segment: Option<i64>,
    pub batch: Option<i64>,
}

impl Opened {
    pub fn new(topic: u32, partition: u32, broker: u32) -> Opened {
        Opened {
            topic,
            partition,
            broker,
            segment: None,
            batch: None,
        }
    }

    /// The replica it names in `sim`, if the run has it.
    fn replica<'a>(&self, sim: &'a Sim) -> Option<&'a kscope_core::broker::Replica> {
        let tp = TopicPartition::new(TopicId(self.topic), self.partition);
        sim.brokers().get(&BrokerId(self.broker))?.replicas.get(&tp)
    }
}

/// A segment's row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentRow {
    pub base: i64,
    /// `00000000000000000000.log`.
    pub file: String,
    /// Bytes as the simulation counted them (what Kafka's file would hold).
    pub size: u64,
    pub batches: usize,
    pub index_entries: usize,
    pub time_entries: usize,
    pub active: bool,
    pub picked: bool,
}

/// A batch's row: its header's fields, where it lies in the segment, its size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchRow {
    pub base: i64,
    pub last_offset_delta: u32,
    pub records: usize,
    pub partition_leader_epoch: i32,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
    /// Its position in the `.log` as written (uncompressed).
    pub position: u32,
    /// Bytes as the simulation counted them, and as written.
    pub size: u32,
    pub written: u32,
    pub crc: u32,
    /// Kafka's codec, when the producer compressed it (kscope writes it uncompressed).
    pub compression: Option<&'static str>,
    pub delete_horizon: Option<i64>,
    pub picked: bool,
}

/// A field of the picked batch, bytes `start..end` of it, with its value in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HexField {
    pub field: Field,
    pub record: Option<u32>,
    pub start: u32,
    pub end: u32,
    /// The bytes shown, as hex pairs.
    pub hex: String,
    /// Its value as a reader wants it: a number, text, or a null.
    pub value: String,
}

/// The picked batch's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hex {
    pub base: i64,
    /// The fields of its first [`MAX_HEX_BYTES`] bytes (a field cut there is shown whole).
    pub fields: Vec<HexField>,
    pub shown: u32,
    pub total: u32,
}

/// What the log view shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogModel {
    pub opened: Opened,
    /// `orders-1`: Kafka's directory name of the partition.
    pub dir: String,
    pub leader: bool,
    pub log_start: i64,
    pub high_watermark: i64,
    pub log_end: i64,
    pub segments: Vec<SegmentRow>,
    pub batches: Vec<BatchRow>,
    /// Batches of the segment before those listed.
    pub earlier: usize,
    pub hex: Option<Hex>,
    /// The codec of the segment's compressed batches, when it has some.
    pub compressed: Option<&'static str>,
}

fn picked_segment<'a>(segments: &'a [Segment], opened: &Opened) -> Option<&'a Segment> {
    opened
        .segment
        .and_then(|b| segments.iter().find(|s| s.base_offset.0 == b))
        .or(segments.last())
}

/// The model of `opened`'s log in `sim`, `None` when the run has no such replica.
pub fn log_model(sim: &Sim, opened: &Opened) -> Option<LogModel> {
    let topic = sim.topics().get(opened.topic as usize)?;
    let replica = opened.replica(sim)?;
    let log = &replica.log;
    let segments = log.segments();
    let picked = picked_segment(segments, opened)?;
    let last = segments.len() - 1;
    let seed = sim.seed();
    let mut position = 0u32;
    let mut rows = Vec::with_capacity(picked.batches.len().min(MAX_BATCHES));
    let earlier = picked.batches.len().saturating_sub(MAX_BATCHES);
    let picked_batch = opened
        .batch
        .and_then(|o| picked.batches.iter().find(|b| b.base_offset.0 == o))
        .or(picked.batches.last());
    let mut hex = None;
    for (i, b) in picked.batches.iter().enumerate() {
        let listed = i >= earlier;
        let is_picked = picked_batch.is_some_and(|p| p.base_offset == b.base_offset);
        if !listed && !is_picked {
            position += written_size(b);
            continue;
        }
        let mut spans = Vec::new();
        let value = |r: &_| sim.record_value(r);
        let bytes =
            record_batch::encode_stored_by(b, seed, &value, is_picked.then_some(&mut spans));
        if is_picked {
            hex = Some(hex_of(b.base_offset.0, &bytes, &spans));
        }
        let crc = u32::from_be_bytes([bytes[17], bytes[18], bytes[19], bytes[20]]);
        if listed {
            rows.push(BatchRow {
                base: b.base_offset.0,
                last_offset_delta: b.last_offset_delta,
                records: b.records.len(),
                partition_leader_epoch: b.leader_epoch.0,
                producer_id: b.producer_id,
                producer_epoch: b.producer_epoch,
                base_sequence: b.base_sequence,
                position,
                size: b.size_bytes,
                written: bytes.len() as u32,
                crc,
                compression: (b.compression != CompressionType::None).then(|| b.compression.name()),
                delete_horizon: b.delete_horizon_ms,
                picked: is_picked,
            });
        }
        position += bytes.len() as u32;
    }
    Some(LogModel {
        opened: *opened,
        dir: format!("{}-{}", topic.spec.name, opened.partition),
        leader: replica.is_leader,
        log_start: log.log_start_offset().0,
        high_watermark: replica.high_watermark.0,
        log_end: log.log_end_offset().0,
        segments: segments
            .iter()
            .enumerate()
            .map(|(i, s)| SegmentRow {
                base: s.base_offset.0,
                file: s.file_name(),
                size: s.size_bytes,
                batches: s.batches.len(),
                index_entries: s.offset_index.len(),
                time_entries: s.time_index.len(),
                active: i == last,
                picked: core::ptr::eq(s, picked),
            })
            .collect(),
        batches: rows,
        earlier,
        hex,
        compressed: picked
            .batches
            .iter()
            .find(|b| b.compression != CompressionType::None)
            .map(|b| b.compression.name()),
    })
}

/// A batch's size as written: uncompressed, whatever the simulation counted.
fn written_size(b: &kscope_core::log::StoredBatch) -> u32 {
    if b.compression == CompressionType::None {
        b.size_bytes
    } else {
        b.uncompressed_size()
    }
}

fn hex_of(base: i64, bytes: &[u8], spans: &[Span]) -> Hex {
    let mut fields = Vec::new();
    let mut shown = 0;
    for s in spans {
        if s.start as usize >= MAX_HEX_BYTES {
            break;
        }
        let b = &bytes[s.start as usize..s.end as usize];
        shown = s.end;
        fields.push(HexField {
            field: s.field,
            record: s.record,
            start: s.start,
            end: s.end,
            hex: b
                .iter()
                .map(|x| format!("{x:02x}"))
                .collect::<Vec<_>>()
                .join(" "),
            value: record_batch::field_value(s.field, b),
        });
    }
    Hex {
        base,
        fields,
        shown,
        total: bytes.len() as u32,
    }
}

/// The picked segment's files and their names, for the downloads.
/// With the partition directory's `leader-epoch-checkpoint` and, for a segment Kafka
/// rolled to (any but the log's first ever), the producer state `.snapshot` written at
/// its base offset.
pub fn files_of(sim: &Sim, opened: &Opened) -> Option<Vec<(String, Vec<u8>)>> {
    let replica = opened.replica(sim)?;
    let log = &replica.log;
    let seg = picked_segment(log.segments(), opened)?;
    let files = record_batch::segment_files_by(seg, sim.seed(), &|r| sim.record_value(r));
    let name = |suffix| segment_file_name(seg.base_offset, suffix);
    let mut all = vec![
        (name("log"), files.log),
        (name("index"), files.index),
        (name("timeindex"), files.timeindex),
        (
            "leader-epoch-checkpoint".to_string(),
            record_batch::leader_epoch_checkpoint(log),
        ),
    ];
    if seg.base_offset.0 > 0 {
        all.push((
            name("snapshot"),
            record_batch::producer_snapshot(log, seg.base_offset),
        ));
    }
    Some(all)
}

/// The log view's words, in each of the page's languages (here and not in
/// [`crate::i18n::Text`], so that they stay out of the page's first load).
pub struct LogText {
    pub title: &'static str,
    pub close: &'static str,
    pub record: &'static str,
    pub segments: &'static str,
    pub file: &'static str,
    pub bytes: &'static str,
    pub batch_count: &'static str,
    pub active: &'static str,
    pub download: &'static str,
    pub uncompressed: &'static str,
    pub batches: &'static str,
    pub earlier: &'static str,
    pub position: &'static str,
    pub hex: &'static str,
    pub more_bytes: &'static str,
    pub values_note: &'static str,
    pub no_replica: &'static str,
}

pub static EN: LogText = LogText {
    title: "Log of {dir} on broker {b}",
    close: "Close",
    record: "record",
    segments: "Segment files (Kafka's names)",
    file: "file",
    bytes: "bytes",
    batch_count: "batches",
    active: "active",
    download: "Download the picked segment's files:",
    uncompressed: "Kafka holds these batches {codec}-compressed. kscope writes them uncompressed (it counts their size at the codec's ratio and has no codec here), so where sizes differ the written size comes first and the counted one in brackets.",
    batches: "Record batches of {file}",
    earlier: "{n} earlier not listed",
    position: "position",
    hex: "Bytes of the batch at offset {o} (hover a field for its name and value)",
    more_bytes: "… {n} more bytes in the .log file",
    values_note: "Record values are letters derived from the run's seed (kscope keeps no record contents); keys are the workload's. The files open with Kafka's kafka-dump-log.sh or any client's batch decoder.",
    no_replica: "This replica is not in the run any more.",
};

pub static KO: LogText = LogText {
    title: "브로커 {b}의 {dir} 로그",
    close: "닫기",
    record: "레코드",
    segments: "세그먼트 파일 (Kafka의 파일 이름)",
    file: "파일",
    bytes: "바이트",
    batch_count: "배치",
    active: "활성",
    download: "선택한 세그먼트의 파일 내려받기:",
    uncompressed: "Kafka는 이 배치들을 {codec}로 압축해 저장합니다. kscope는 압축하지 않고 씁니다(크기는 코덱의 압축률로 계산하지만 여기에는 코덱이 없습니다). 그래서 크기가 다르면 쓴 크기를 먼저, 계산한 크기를 괄호 안에 보여 줍니다.",
    batches: "{file}의 레코드 배치",
    earlier: "이전 배치 {n}개 생략",
    position: "위치",
    hex: "오프셋 {o} 배치의 바이트 (필드에 마우스를 올리면 이름과 값)",
    more_bytes: "… 나머지 {n}바이트는 .log 파일에",
    values_note: "레코드 값은 실행의 시드에서 만든 글자입니다(kscope는 레코드 내용을 저장하지 않습니다). 키는 워크로드의 키입니다. 파일은 Kafka의 kafka-dump-log.sh나 클라이언트의 배치 디코더로 열립니다.",
    no_replica: "이 레플리카는 더 이상 실행에 없습니다.",
};

/// The words for `lang` (`ko`, else English).
pub fn text(lang: &str) -> &'static LogText {
    if lang == "ko" {
        &KO
    } else {
        &EN
    }
}

/// The class a field's bytes are coloured by: offsets, lengths, the epoch, attributes,
/// the CRC, timestamps, the producer's fields, counts, a record's key, value, headers.
fn field_class(f: Field) -> &'static str {
    match f {
        Field::BaseOffset | Field::LastOffsetDelta => "f-offset",
        Field::BatchLength | Field::Length => "f-length",
        Field::PartitionLeaderEpoch => "f-epoch",
        Field::Magic | Field::Attributes | Field::RecordAttributes => "f-attr",
        Field::Crc => "f-crc",
        Field::BaseTimestamp | Field::MaxTimestamp | Field::TimestampDelta => "f-time",
        Field::ProducerId | Field::ProducerEpoch | Field::BaseSequence => "f-producer",
        Field::RecordsCount | Field::OffsetDelta | Field::HeadersCount => "f-count",
        Field::KeyLength | Field::Key => "f-key",
        Field::ValueLength | Field::Value => "f-value",
        Field::HeaderKeyLength
        | Field::HeaderKey
        | Field::HeaderValueLength
        | Field::HeaderValue => "f-header",
    }
}

/// Text made safe to place in markup, in an element or an attribute.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The log view as markup: a header with the close button, the segments with the
/// download buttons, the batches, the picked batch's bytes. Every element the person
/// acts on is a button with `data-act` (`close`, `segment`, `batch`, `download`) and,
/// where it needs one, `data-arg`. Classes only, no `style`: the page's strict content
/// policy holds.
pub fn html(m: &LogModel, lang: &str) -> String {
    use core::fmt::Write;
    let t = text(lang);
    let mut h = String::new();
    let title = t
        .title
        .replace("{dir}", &m.dir)
        .replace("{b}", &m.opened.broker.to_string());
    let _ = write!(
        h,
        r#"<header class="log-view-head"><h2 id="log-view-title"><span class="shape" aria-hidden="true">{}</span>{}</h2><span class="nums">logStartOffset {} · HW {} · LEO {}</span><button data-act="close" data-testid="log-view-close">{}</button></header>"#,
        if m.leader { "★ " } else { "● " },
        esc(&title),
        m.log_start,
        m.high_watermark,
        m.log_end,
        t.close
    );
    let _ = write!(
        h,
        r#"<div class="log-files"><table class="segments"><caption>{}</caption><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">.index</th><th scope="col">.timeindex</th></tr></thead><tbody>"#,
        t.segments, t.file, t.bytes, t.batch_count
    );
    for s in &m.segments {
        let _ = write!(
            h,
            r#"<tr class="{}" data-testid="log-segment" data-base="{}"><td><button class="link-button" data-act="segment" data-arg="{}" aria-pressed="{}">{}</button>{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            if s.picked { "picked" } else { "" },
            s.base,
            s.base,
            s.picked,
            s.file,
            if s.active {
                format!(r#"<span class="tag">{}</span>"#, t.active)
            } else {
                String::new()
            },
            s.size,
            s.batches,
            s.index_entries,
            s.time_entries
        );
    }
    h.push_str("</tbody></table>");
    let picked = m.segments.iter().find(|s| s.picked);
    if let Some(s) = picked {
        let _ = write!(
            h,
            r#"<div class="downloads" role="group" aria-label="{0}"><span class="muted">{0}</span>"#,
            t.download
        );
        let files = [
            ("log", "download-log"),
            ("index", "download-index"),
            ("timeindex", "download-timeindex"),
            ("", "download-leader-epoch-checkpoint"),
            ("snapshot", "download-snapshot"),
        ];
        // A snapshot only where Kafka rolled a segment.
        let n = if s.base > 0 { 5 } else { 4 };
        for (i, (suffix, id)) in files.into_iter().take(n).enumerate() {
            let name = match suffix {
                "" => "leader-epoch-checkpoint".to_string(),
                _ => format!("{:020}.{suffix}", s.base),
            };
            let _ = write!(
                h,
                r#"<button data-act="download" data-arg="{i}" data-testid="{id}">⤓ {name}</button>"#
            );
        }
        h.push_str("</div>");
    }
    h.push_str("</div>");
    if let Some(codec) = m.compressed {
        let _ = write!(
            h,
            r#"<p class="note">{}</p>"#,
            t.uncompressed.replace("{codec}", codec)
        );
    }
    let _ = write!(
        h,
        r#"<div class="batches-wrap"><table class="batches"><caption>{}"#,
        t.batches.replace("{file}", picked.map_or("", |s| &s.file))
    );
    if m.earlier > 0 {
        let _ = write!(
            h,
            r#"<span class="muted"> · {}</span>"#,
            t.earlier.replace("{n}", &m.earlier.to_string())
        );
    }
    h.push_str("</caption><thead><tr>");
    for c in [
        "baseOffset",
        "lastOffsetDelta",
        "partitionLeaderEpoch",
        "producerId",
        "producerEpoch",
        "baseSequence",
        "crc",
        "attributes",
        t.position,
        t.bytes,
    ] {
        let _ = write!(h, r#"<th scope="col">{c}</th>"#);
    }
    h.push_str("</tr></thead><tbody>");
    for b in &m.batches {
        let mut attributes = Vec::new();
        if let Some(c) = b.compression {
            attributes.push(c.to_string());
        }
        if let Some(d) = b.delete_horizon {
            attributes.push(format!("deleteHorizonMs {d}"));
        }
        let size = if b.written == b.size {
            b.size.to_string()
        } else {
            format!("{} ({})", b.written, b.size)
        };
        let _ = write!(
            h,
            r#"<tr class="{}" data-testid="log-batch" data-base="{}"><td><button class="link-button" data-act="batch" data-arg="{}" aria-pressed="{}">{}</button></td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n">{}</td><td class="n mono">{:08x}</td><td>{}</td><td class="n">{}</td><td class="n">{}</td></tr>"#,
            if b.picked { "picked" } else { "" },
            b.base,
            b.base,
            b.picked,
            b.base,
            b.last_offset_delta,
            b.partition_leader_epoch,
            b.producer_id,
            b.producer_epoch,
            b.base_sequence,
            b.crc,
            if attributes.is_empty() {
                "–".to_string()
            } else {
                attributes.join(", ")
            },
            b.position,
            size
        );
    }
    h.push_str("</tbody></table></div>");
    if let Some(x) = &m.hex {
        let _ = write!(
            h,
            r#"<div class="hex-wrap"><h3>{}</h3><div class="hex" data-testid="log-hex" data-bytes="{}">"#,
            t.hex.replace("{o}", &x.base.to_string()),
            x.total
        );
        for f in &x.fields {
            let title = match f.record {
                Some(r) => format!("{} {r} · {} = {}", t.record, f.field.name(), f.value),
                None => format!("{} = {}", f.field.name(), f.value),
            };
            let stripe = match f.record {
                Some(r) if r % 2 == 1 => " rec-odd",
                _ => "",
            };
            let _ = write!(
                h,
                r#"<span class="hf {}{stripe}" data-field="{}" title="{}">{} </span>"#,
                field_class(f.field),
                f.field.name(),
                esc(&title),
                f.hex
            );
        }
        if x.shown < x.total {
            let _ = write!(
                h,
                r#"<span class="muted">{}</span>"#,
                t.more_bytes
                    .replace("{n}", &(x.total - x.shown).to_string())
            );
        }
        h.push_str(r#"</div><dl class="hex-fields">"#);
        for f in x.fields.iter().filter(|f| f.record.is_none()) {
            let _ = write!(
                h,
                r#"<div class="hf-row {}"><dt>{}</dt><dd>{}</dd></div>"#,
                field_class(f.field),
                f.field.name(),
                esc(&f.value)
            );
        }
        let _ = write!(h, r#"</dl><p class="note">{}</p></div>"#, t.values_note);
    }
    h
}

/// The worker's copy of the session: the run replayed from the page's scenario file to
/// the instant the page shows, kept so that the next question (a later instant of the
/// same session, another segment or batch) goes on from it instead of from the start.
#[derive(Default)]
pub struct Replay {
    run: Option<Run>,
    /// How many times it replayed from the start.
    starts: u32,
}

struct Run {
    start: crate::settings::Settings,
    settings: crate::settings::Settings,
    sim: Sim,
    timeline: crate::scenario::Timeline,
    /// The latest messages, for the wire view.
    recent: kscope_core::protocol::RecentMessages,
}

impl Replay {
    /// The run of the session `file` holds, at the instant it ends: the kept one carried
    /// on when `file` is that session gone further (same settings, the same actions up
    /// to where the kept one is, none new before it), else replayed from the start.
    pub fn at(&mut self, file: &str) -> Result<&Sim, String> {
        self.run_at(file).map(|r| &r.sim)
    }

    /// The run at the instant `file` ends and the messages it sent lately.
    pub fn with_messages(
        &mut self,
        file: &str,
    ) -> Result<(&Sim, &mut kscope_core::protocol::RecentMessages), String> {
        self.run_at(file).map(|r| (&r.sim, &mut r.recent))
    }

    fn run_at(&mut self, file: &str) -> Result<&mut Run, String> {
        use crate::scenario::{Scenario, Timeline};
        let sc = Scenario::parse(file).map_err(|e| e.to_string())?;
        let actions = sc.actions();
        let end = kscope_core::Instant::from_micros(sc.end_us);
        let goes_on = self.run.as_ref().is_some_and(|r| {
            let done = r.timeline.done;
            let now = r.sim.now();
            r.start == sc.settings
                && now <= end
                && actions.len() >= done
                && actions[..done] == r.timeline.actions[..done]
                && actions.get(done).is_none_or(|(t, _)| *t > now.micros())
        });
        if !goes_on {
            self.starts += 1;
            let settings = sc.settings.clone();
            self.run = Some(Run {
                sim: crate::script::build(&settings)?,
                start: settings.clone(),
                settings,
                timeline: Timeline::merged(&actions, &[]),
                recent: kscope_core::protocol::RecentMessages::new(crate::wire_view::KEPT),
            });
        }
        let r = self.run.as_mut().expect("made above");
        if goes_on {
            let done = r.timeline.done;
            r.timeline = Timeline::resumed(&r.timeline, &actions, &[], done);
        }
        // One due item at a time, so that every message sent is seen in flight.
        loop {
            let action = r.timeline.next_at().map(kscope_core::Instant::from_micros);
            let next = [r.sim.poll_at(), action]
                .into_iter()
                .flatten()
                .fold(end, |a, b| a.min(b.max(r.sim.now())));
            r.timeline.advance(&mut r.sim, &mut r.settings, next);
            r.recent.observe(&r.sim);
            if next >= end {
                break;
            }
        }
        Ok(r)
    }
}

/// What a panel below the stage shows: a replica's log, or the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Log(Opened),
    Wire(crate::wire_view::WireOpened),
}

/// A question about a panel, as the page asks it of the worker: a first line `log` or
/// `wire` and its numbers, then the session's scenario file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Question {
    pub panel: Panel,
    pub ko: bool,
    /// One of the files [`files_of`] gives (by its place); else the view.
    pub download: Option<usize>,
    pub seq: u32,
}

impl Question {
    /// The question with the session `file`: `log topic partition broker segment batch
    /// download ko seq` or `wire message api ko seq` (`-` for a number not given), a
    /// newline, the file.
    pub fn to_text(&self, file: &str) -> String {
        let n = |v: Option<i64>| v.map_or("-".to_string(), |v| v.to_string());
        match &self.panel {
            Panel::Log(o) => format!(
                "log {} {} {} {} {} {} {} {}\n{file}",
                o.topic,
                o.partition,
                o.broker,
                n(o.segment),
                n(o.batch),
                n(self.download.map(|d| d as i64)),
                u8::from(self.ko),
                self.seq
            ),
            Panel::Wire(w) => format!(
                "wire {} {} {} {}\n{file}",
                n(w.msg.map(|m| m as i64)),
                n(w.api.map(i64::from)),
                u8::from(self.ko),
                self.seq
            ),
        }
    }

    /// A question and its file from [`Self::to_text`]'s text; `None` for other text.
    pub fn parse(text: &str) -> Option<(Question, &str)> {
        let (head, file) = text.split_once('\n')?;
        let (wire, rest) = match head.split_once(' ')? {
            ("log", rest) => (false, rest),
            ("wire", rest) => (true, rest),
            _ => return None,
        };
        let mut words = rest.split(' ');
        let mut next = || -> Option<Option<i64>> {
            match words.next()? {
                "-" => Some(None),
                w => w.parse().ok().map(Some),
            }
        };
        if wire {
            let (msg, api) = (next()?, next()?);
            let (ko, seq) = (next()??, next()??);
            let panel = Panel::Wire(crate::wire_view::WireOpened {
                msg: msg.and_then(|m| u64::try_from(m).ok()),
                api: api.and_then(|a| i16::try_from(a).ok()),
            });
            let question = Question {
                panel,
                ko: ko == 1,
                download: None,
                seq: u32::try_from(seq).ok()?,
            };
            return Some((question, file));
        }
        let (topic, partition, broker) = (next()??, next()??, next()??);
        let (segment, batch, download) = (next()?, next()?, next()?);
        let (ko, seq) = (next()??, next()??);
        let question = Question {
            panel: Panel::Log(Opened {
                topic: u32::try_from(topic).ok()?,
                partition: u32::try_from(partition).ok()?,
                broker: u32::try_from(broker).ok()?,
                segment,
                batch,
            }),
            ko: ko == 1,
            download: download.and_then(|d| usize::try_from(d).ok()),
            seq: u32::try_from(seq).ok()?,
        };
        Some((question, file))
    }
}

/// What the worker answers a question with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The view, as markup.
    View(String),
    /// A file of the picked segment: its name and bytes.
    File(String, Vec<u8>),
}

/// The answer to the page's question `q` about the session `file`: the panel's view, or
/// with `download` one of the files [`files_of`] gives.
pub fn answer(replay: &mut Replay, q: &Question, file: &str) -> Result<Answer, String> {
    let lang = if q.ko { "ko" } else { "en" };
    let opened = match &q.panel {
        Panel::Wire(w) => {
            let (sim, recent) = replay.with_messages(file)?;
            if let Some(id) = w.msg {
                recent.pin(kscope_core::ids::MessageId(id));
            }
            return Ok(Answer::View(crate::wire_view::html(sim, recent, w, lang)));
        }
        Panel::Log(o) => o,
    };
    let sim = replay.at(file)?;
    let missing = || text(lang).no_replica.to_string();
    match q.download {
        Some(i) => {
            let files = files_of(sim, opened).ok_or_else(missing)?;
            let (name, bytes) = files.into_iter().nth(i).ok_or_else(missing)?;
            Ok(Answer::File(name, bytes))
        }
        None => Ok(Answer::View(html(
            &log_model(sim, opened).ok_or_else(missing)?,
            lang,
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> Sim {
        let mut config = kscope_core::SimConfig {
            brokers: 3,
            topics: vec![kscope_core::TopicSpec::new("orders", 2, 3)],
            ..Default::default()
        };
        config.workload.rate = 200;
        config.workload.keys = 5;
        config.topics[0].log.segment_bytes = 8_192;
        let mut sim = Sim::new(config, 3).unwrap();
        let until = kscope_core::Instant::from_millis(5_000);
        while let Some(at) = sim.poll_at().filter(|at| *at <= until) {
            sim.step(at);
        }
        sim
    }

    #[test]
    fn the_model_lists_segments_and_the_latest_batches_and_marks_the_picked_ones_bytes() {
        let sim = run();
        let m = log_model(&sim, &Opened::new(0, 1, 0)).expect("broker 0 holds orders-1");
        assert_eq!(m.dir, "orders-1");
        assert!(m.segments.len() > 1, "segments rolled");
        assert!(m.segments.last().unwrap().active && m.segments.last().unwrap().picked);
        assert_eq!(m.segments[0].file, "00000000000000000000.log");
        assert!(m.batches.len() <= MAX_BATCHES && !m.batches.is_empty());
        let picked = m
            .batches
            .iter()
            .find(|b| b.picked)
            .expect("the latest batch");
        assert_eq!(picked.base, m.batches.last().unwrap().base);
        // Positions follow one another.
        for w in m.batches.windows(2) {
            assert_eq!(w[0].position + w[0].written, w[1].position);
        }
        let hex = m.hex.expect("the picked batch's bytes");
        assert_eq!(hex.base, picked.base);
        let first = &hex.fields[0];
        assert_eq!(
            (first.field, first.value.clone()),
            (Field::BaseOffset, picked.base.to_string())
        );
        let crc = hex.fields.iter().find(|f| f.field == Field::Crc).unwrap();
        assert_eq!(crc.value, format!("0x{:08x}", picked.crc));
        let key = hex.fields.iter().find(|f| f.field == Field::Key).unwrap();
        assert!(key.value.starts_with("key-"), "{}", key.value);
        assert!(hex.shown as usize <= MAX_HEX_BYTES + 120 && hex.shown <= hex.total);
    }

    #[test]
    fn an_older_segment_and_batch_can_be_picked_and_its_files_downloaded() {
        let sim = run();
        let mut opened = Opened::new(0, 0, 1);
        opened.segment = Some(0);
        opened.batch = Some(0);
        let m = log_model(&sim, &opened).unwrap();
        assert!(m.segments[0].picked && !m.segments[0].active);
        assert_eq!(m.hex.as_ref().map(|h| h.base), Some(0));
        let files = files_of(&sim, &opened).unwrap();
        let [(log, bytes), (index, _), (time, _), (epochs, checkpoint)] = &files[..] else {
            panic!("the first segment has no producer snapshot: {files:?}");
        };
        assert_eq!(log, "00000000000000000000.log");
        assert_eq!(index, "00000000000000000000.index");
        assert_eq!(time, "00000000000000000000.timeindex");
        assert_eq!(bytes.len() as u64, m.segments[0].size);
        assert_eq!(epochs, "leader-epoch-checkpoint");
        let text = String::from_utf8(checkpoint.clone()).unwrap();
        assert!(text.starts_with("0\n1\n0 0\n"), "{text}");
        // A replica the run does not have.
        assert!(log_model(&sim, &Opened::new(0, 9, 0)).is_none());
        assert!(log_model(&sim, &Opened::new(4, 0, 0)).is_none());
    }

    /// A session to `end` seconds with a crash of broker 1 at `crash` seconds, written as
    /// the page writes it (an action only once the run has passed it).
    fn session(end: u32, crash: u32) -> String {
        let mut file = format!(
            "id: t\ntitle.en: t\ntitle.ko: t\nsettings: partitions=2 rate=300 keys=3 seed=4 segment.bytes=8192\nend: {end}s\n\nat 0s\nen: start\nko: 시작\n"
        );
        if crash <= end {
            file.push_str(&format!(
                "\nat {crash}s\ndo: crash-broker 1\nen: crash\nko: 장애\n"
            ));
        }
        file
    }

    #[test]
    fn a_question_reads_back_and_other_text_is_no_question() {
        let q = Question {
            panel: Panel::Log(Opened {
                topic: 1,
                partition: 2,
                broker: 0,
                segment: Some(114),
                batch: None,
            }),
            ko: true,
            download: Some(2),
            seq: 7,
        };
        let text = q.to_text("id: x\nend: 2s");
        assert_eq!(Question::parse(&text), Some((q, "id: x\nend: 2s")));
        assert_eq!(Question::parse("id: x\nend: 2s"), None);
        assert_eq!(Question::parse("log 1 2\nid: x"), None);
        assert_eq!(Question::parse("log -1 0 0 - - - 0 1\n"), None);
        let w = Question {
            panel: Panel::Wire(crate::wire_view::WireOpened {
                msg: Some(12),
                api: None,
            }),
            ko: false,
            download: None,
            seq: 3,
        };
        assert_eq!(Question::parse(&w.to_text("id: y")), Some((w, "id: y")));
    }

    #[test]
    fn the_worker_answers_with_the_view_and_files_going_on_from_the_run_it_kept() {
        let mut replay = Replay::default();
        let q = Question {
            panel: Panel::Log(Opened::new(0, 1, 0)),
            ko: false,
            download: None,
            seq: 1,
        };
        let got = answer(&mut replay, &q, &session(3, 5));
        let Ok(Answer::View(first)) = got else {
            panic!("a view: {got:?}");
        };
        assert!(
            first.contains(r#"data-testid="log-segment""#)
                && first.contains("Log of orders-1 on broker 0")
        );
        // Later in the same session: carried on, not replayed; the crash at 5 s happens.
        let Ok(Answer::View(later)) = answer(&mut replay, &q, &session(6, 5)) else {
            panic!("a view");
        };
        assert_ne!(first, later);
        assert_eq!(replay.starts, 1);
        // The same instant as a straight replay gives the same view.
        let mut fresh = Replay::default();
        assert_eq!(
            answer(&mut fresh, &q, &session(6, 5)),
            Ok(Answer::View(later))
        );
        // Another session (the crash earlier than where the kept run is): from the start.
        answer(&mut replay, &q, &session(6, 2)).unwrap();
        assert_eq!(replay.starts, 2);
        // A file, in Korean: the active segment's .log with Kafka's name.
        let q = Question {
            ko: true,
            download: Some(0),
            ..q
        };
        let Ok(Answer::File(name, bytes)) = answer(&mut replay, &q, &session(6, 2)) else {
            panic!("a file");
        };
        assert!(
            name.ends_with(".log") && name.len() == 24 && !bytes.is_empty(),
            "{name}"
        );
        // A replica the run does not have, said in the question's language.
        let q = Question {
            panel: Panel::Log(Opened::new(0, 9, 0)),
            download: None,
            ..q
        };
        assert_eq!(
            answer(&mut replay, &q, &session(6, 2)),
            Err(KO.no_replica.to_string())
        );
        assert!(answer(&mut replay, &q, "id: broken").is_err());
    }
}
