//! The wire view: the latest requests and responses between the run's nodes as a
//! sequence diagram (time down the page, a lane per node; `sequence-diagram`) and as a
//! request log, both filterable by API, and the picked message opened in an inspector
//! (`inspector`): its header and every field with its value and its bytes, as
//! `kscope_core::protocol` encodes it.
//!
//! Like the log view it runs in the page's worker, out of the first load: the worker's
//! replay keeps the latest messages ([`kscope_core::protocol::RecentMessages`]) and
//! answers with markup whose buttons carry `data-act` (`close`, `api`, `msg`).

use core::fmt::Write;

use kscope_core::event::MessageKind;
use kscope_core::ids::{MessageId, NodeId};
use kscope_core::network::Message;
use kscope_core::protocol::{self, Encoded, RecentMessages, WireField};
use kscope_core::sim::Sim;

use crate::log_view::esc;

/// Messages the worker keeps.
pub const KEPT: usize = 400;
/// The most messages the diagram and the log show (the latest that pass the filter).
pub const SHOWN: usize = 24;
/// The most fields the inspector lists, and bytes it shows.
pub const MAX_FIELDS: usize = 140;
pub const MAX_HEX_BYTES: usize = 384;

/// What the wire view shows: the picked message (`None`: the latest shown) and the API
/// it is filtered by (`None`: every API).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WireOpened {
    pub msg: Option<u64>,
    pub api: Option<i16>,
}

/// The filter's choices: Kafka's API keys, the group's APIs together under JoinGroup's.
const FILTERS: [(i16, &str); 7] = [
    (0, "Produce"),
    (1, "Fetch"),
    (3, "Metadata"),
    (11, "JoinGroup · SyncGroup · Heartbeat · LeaveGroup"),
    (8, "OffsetCommit · OffsetFetch"),
    (2, "ListOffsets · OffsetForLeaderEpoch"),
    (22, "InitProducerId · FindCoordinator"),
];

/// Whether a message passes the filter `api`.
fn passes(kind: MessageKind, api: Option<i16>) -> bool {
    let Some(api) = api else {
        return true;
    };
    let key = protocol::api(kind).map_or(-1, |a| a.key);
    let group = match key {
        11..=14 => 11,
        8 | 9 => 8,
        2 | 23 => 2,
        22 | 10 => 22,
        k => k,
    };
    group == api
}

/// The words of the view.
pub struct WireText {
    pub title: &'static str,
    pub close: &'static str,
    pub all: &'static str,
    pub filter: &'static str,
    pub diagram: &'static str,
    pub log: &'static str,
    pub time: &'static str,
    pub from_to: &'static str,
    pub message: &'static str,
    pub bytes: &'static str,
    pub none: &'static str,
    pub picked: &'static str,
    pub header: &'static str,
    pub body: &'static str,
    pub field: &'static str,
    pub value: &'static str,
    pub at: &'static str,
    pub more_fields: &'static str,
    pub more_bytes: &'static str,
    pub reset: &'static str,
    pub gone: &'static str,
    pub note: &'static str,
}

pub static EN: WireText = WireText {
    title: "On the wire: the latest requests and responses",
    close: "Close",
    all: "All APIs",
    filter: "Show only",
    diagram: "Sequence diagram (time runs down; click an arrow)",
    log: "Request log (click a row to inspect it)",
    time: "sent",
    from_to: "from → to",
    message: "message",
    bytes: "bytes",
    none: "No message of this API among the latest.",
    picked: "{kind} · {api} v{v} · correlation id {c} · {from} → {to} · {n} bytes",
    header: "header",
    body: "body",
    field: "field",
    value: "value",
    at: "bytes",
    more_fields: "… {n} more fields",
    more_bytes: "… {n} more bytes",
    reset: "A connection reset is TCP's (the peer's kernel answers for a dead process): it carries no Kafka bytes.",
    gone: "That message is no longer among the latest; the latest is shown.",
    note: "Each API in the version a Kafka 4.0 client sends a 4.0 broker, all flexible versions (KIP-482): compact strings and arrays (length + 1 as an unsigned varint), tagged fields at the end of every structure. kscope leaves out fetch sessions (every fetch is a full one: SessionEpoch -1), quotas (ThrottleTimeMs 0), racks and transactions; the correlation id is kscope's message number. Record values are letters derived from the run's seed.",
};

pub static KO: WireText = WireText {
    title: "와이어 위의 메시지: 최근 요청과 응답",
    close: "닫기",
    all: "모든 API",
    filter: "다음만 보기",
    diagram: "시퀀스 다이어그램 (시간은 아래로 흐릅니다. 화살표를 누르세요)",
    log: "요청 기록 (행을 누르면 자세히 봅니다)",
    time: "보낸 시각",
    from_to: "보낸 곳 → 받는 곳",
    message: "메시지",
    bytes: "바이트",
    none: "최근 메시지 중에 이 API의 메시지가 없습니다.",
    picked: "{kind} · {api} v{v} · 상관 ID {c} · {from} → {to} · {n}바이트",
    header: "헤더",
    body: "본문",
    field: "필드",
    value: "값",
    at: "바이트",
    more_fields: "… 필드 {n}개 더",
    more_bytes: "… {n}바이트 더",
    reset: "연결 리셋은 TCP의 것입니다(죽은 프로세스 대신 상대 커널이 응답합니다). Kafka 바이트는 없습니다.",
    gone: "그 메시지는 더 이상 최근 메시지에 없어 가장 최근 메시지를 보여 줍니다.",
    note: "각 API는 Kafka 4.0 클라이언트가 4.0 브로커에 보내는 버전이며 모두 flexible 버전입니다(KIP-482): 문자열과 배열은 compact(길이 + 1을 부호 없는 varint로), 모든 구조체 끝에 태그 필드가 옵니다. kscope는 fetch 세션(모든 fetch가 전체 fetch: SessionEpoch -1), 쿼터(ThrottleTimeMs 0), 랙, 트랜잭션을 모델링하지 않습니다. 상관 ID는 kscope의 메시지 번호입니다. 레코드 값은 실행의 시드에서 만든 글자입니다.",
};

/// The words for `lang` (`ko`, else English).
pub fn text(lang: &str) -> &'static WireText {
    if lang == "ko" {
        &KO
    } else {
        &EN
    }
}

/// A node's name on the page.
fn node_name(n: NodeId, ko: bool) -> String {
    match (n, ko) {
        (NodeId::Producer(p), false) => format!("producer {}", p.0),
        (NodeId::Producer(p), true) => format!("프로듀서 {}", p.0),
        (NodeId::Broker(b), false) => format!("broker {}", b.0),
        (NodeId::Broker(b), true) => format!("브로커 {}", b.0),
        (NodeId::Consumer(c), false) => format!("consumer {}", c.0),
        (NodeId::Consumer(c), true) => format!("컨슈머 {}", c.0),
    }
}

fn kind_name(kind: MessageKind) -> String {
    format!("{kind:?}")
}

/// The class a field's bytes are coloured by (the log view's colours).
fn field_class(f: &WireField, in_header: bool, i: usize) -> &'static str {
    if f.name == "Size" {
        "f-length"
    } else if in_header {
        "f-epoch"
    } else if f.name == "TaggedFields" || f.value.starts_with('[') || f.value.starts_with("tag ") {
        "f-count"
    } else if f.name.starts_with(|c: char| c.is_ascii_lowercase()) {
        match f.name {
            "key" => "f-key",
            "value" => "f-value",
            "crc" => "f-crc",
            _ => "f-producer",
        }
    } else if i.is_multiple_of(2) {
        "f-offset"
    } else {
        "f-time"
    }
}

/// The wire view as markup, from the run and the messages it kept.
pub fn html(sim: &Sim, recent: &RecentMessages, opened: &WireOpened, lang: &str) -> String {
    let t = text(lang);
    let ko = lang == "ko";
    let mut h = String::new();
    let _ = write!(
        h,
        r#"<header class="log-view-head"><h2 id="log-view-title"><span class="shape" aria-hidden="true">⇄ </span>{}</h2><button data-act="close" data-testid="wire-view-close">{}</button></header>"#,
        t.title, t.close
    );
    // The filter.
    let _ = write!(
        h,
        r#"<div class="wire-filter" role="group" aria-label="{}"><button data-act="api" data-arg="-1" aria-pressed="{}">{}</button>"#,
        t.filter,
        opened.api.is_none(),
        t.all
    );
    for (key, name) in FILTERS {
        let _ = write!(
            h,
            r#"<button data-act="api" data-arg="{key}" data-testid="wire-filter" aria-pressed="{}">{name}</button>"#,
            opened.api == Some(key)
        );
    }
    h.push_str("</div>");
    let all = recent.list();
    let shown: Vec<&Message> = {
        let mut v: Vec<&Message> = all
            .iter()
            .rev()
            .filter(|m| passes(m.payload.kind(), opened.api))
            .take(SHOWN)
            .collect();
        v.reverse();
        v
    };
    if shown.is_empty() {
        let _ = write!(
            h,
            r#"<p class="muted" data-testid="sequence-diagram">{}</p>"#,
            t.none
        );
        return h;
    }
    let wanted = opened.msg.map(MessageId);
    let picked = wanted
        .and_then(|id| {
            shown
                .iter()
                .copied()
                .find(|m| m.id == id)
                .or_else(|| recent.get(id))
        })
        .or(shown.last().copied())
        .expect("some shown");
    h.push_str(r#"<div class="wire-top">"#);
    diagram(&mut h, &shown, picked.id, t, ko);
    request_log(&mut h, sim, &shown, all, picked.id, t, ko);
    h.push_str("</div>");
    if wanted.is_some_and(|w| w != picked.id) {
        let _ = write!(h, r#"<p class="note">{}</p>"#, t.gone);
    }
    inspector(&mut h, sim, picked, all, t, ko);
    h
}

/// The diagram: a lane per node the shown messages travel between, an arrow per message
/// from its sender's lane when it was sent to its receiver's when it arrives.
fn diagram(h: &mut String, shown: &[&Message], picked: MessageId, t: &WireText, ko: bool) {
    let mut lanes: Vec<NodeId> = shown.iter().flat_map(|m| [m.from, m.to]).collect();
    kscope_core::java::sort_by(&mut lanes, |a, b| a < b);
    lanes.dedup();
    let t0 = shown.iter().map(|m| m.sent_at).min().expect("some");
    let t1 = shown.iter().map(|m| m.deliver_at).max().expect("some");
    let span = (t1.micros() - t0.micros()).max(1) as f64;
    let (lane_w, top, height) = (150.0, 34.0, 18.0 * shown.len() as f64 + 20.0);
    let width = lane_w * lanes.len() as f64;
    let x = |n: NodeId| lane_w * (lanes.iter().position(|l| *l == n).unwrap_or(0) as f64 + 0.5);
    let y = |at: kscope_core::Instant| top + (at.micros() - t0.micros()) as f64 / span * height;
    let _ = write!(
        h,
        r#"<figure class="seq" data-testid="sequence-diagram" data-messages="{}"><figcaption>{}</figcaption><svg viewBox="0 0 {width} {}" role="img" aria-label="{}">"#,
        shown.len(),
        t.diagram,
        top + height + 10.0,
        t.diagram
    );
    for n in &lanes {
        let _ = write!(
            h,
            r#"<text class="lane-name" x="{0}" y="14" text-anchor="middle">{1}</text><line class="lane" x1="{0}" y1="22" x2="{0}" y2="{2}"/>"#,
            x(*n),
            esc(&node_name(*n, ko)),
            top + height + 6.0
        );
    }
    let _ = write!(
        h,
        r#"<text class="lane-time" x="2" y="{}">{}</text><text class="lane-time" x="2" y="{}">{}</text>"#,
        top - 2.0,
        kscope_web_time(t0),
        top + height + 8.0,
        kscope_web_time(t1)
    );
    for m in shown {
        let kind = m.payload.kind();
        let (x1, y1, x2, y2) = (x(m.from), y(m.sent_at), x(m.to), y(m.deliver_at));
        let class = if kind == MessageKind::ConnectionReset {
            "reset"
        } else if protocol::is_request(kind) {
            "req"
        } else {
            "resp"
        };
        let dir = if x2 >= x1 { 1.0 } else { -1.0 };
        let _ = write!(
            h,
            r#"<g class="arrow {class}{}" data-act="msg" data-arg="{}"><title>{}</title><line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}"/><path d="M{x2:.1} {y2:.1} l{:.1} -4 v8 z"/><line class="hit" x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}"/><text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text></g>"#,
            if m.id == picked { " picked" } else { "" },
            m.id.0,
            esc(&format!(
                "{} {} → {}",
                kind_name(kind),
                node_name(m.from, ko),
                node_name(m.to, ko)
            )),
            -7.0 * dir,
            (x1 + x2) / 2.0,
            (y1 + y2) / 2.0 - 3.0,
            kind_name(kind)
        );
    }
    h.push_str("</svg></figure>");
}

fn kscope_web_time(at: kscope_core::Instant) -> String {
    crate::script::format_time(at.micros())
}

/// The request log: a row per message, newest last.
fn request_log(
    h: &mut String,
    sim: &Sim,
    shown: &[&Message],
    all: &[Message],
    picked: MessageId,
    t: &WireText,
    ko: bool,
) {
    let _ = write!(
        h,
        r#"<div class="wire-log"><table><caption>{}</caption><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        t.log, t.time, t.from_to, t.message, t.bytes
    );
    for m in shown {
        let kind = m.payload.kind();
        let size = protocol::encode(sim, m, all).map_or(0, |e| e.bytes.len());
        let _ = write!(
            h,
            r#"<tr class="{}" data-testid="wire-row" data-kind="{}"><td class="n">{}</td><td>{} → {}</td><td><button class="link-button" data-act="msg" data-arg="{}" aria-pressed="{}">{}</button></td><td class="n">{size}</td></tr>"#,
            if m.id == picked { "picked" } else { "" },
            kind_name(kind),
            kscope_web_time(m.sent_at),
            esc(&node_name(m.from, ko)),
            esc(&node_name(m.to, ko)),
            m.id.0,
            m.id == picked,
            kind_name(kind)
        );
    }
    h.push_str("</tbody></table></div>");
}

/// The inspector: the picked message's header and fields with their values and bytes,
/// and its bytes with every top-level field coloured.
fn inspector(h: &mut String, sim: &Sim, m: &Message, all: &[Message], t: &WireText, ko: bool) {
    let kind = m.payload.kind();
    let Some(e) = protocol::encode(sim, m, all) else {
        let _ = write!(
            h,
            r#"<section class="inspector" data-testid="inspector" data-kind="{}"><h3>{}</h3><p class="note">{}</p></section>"#,
            kind_name(kind),
            kind_name(kind),
            t.reset
        );
        return;
    };
    let Encoded {
        api,
        correlation_id,
        bytes,
        header_end,
        fields,
        ..
    } = &e;
    let title = t
        .picked
        .replace("{kind}", &kind_name(kind))
        .replace("{api}", api.name)
        .replace("{v}", &api.version.to_string())
        .replace("{c}", &correlation_id.to_string())
        .replace("{from}", &node_name(m.from, ko))
        .replace("{to}", &node_name(m.to, ko))
        .replace("{n}", &bytes.len().to_string());
    let _ = write!(
        h,
        r#"<section class="inspector" data-testid="inspector" data-kind="{}" data-api-key="{}" data-api-version="{}" data-correlation-id="{correlation_id}" data-bytes="{}"><h3>{}</h3><div class="hex-wrap"><table class="wire-fields"><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        kind_name(kind),
        api.key,
        api.version,
        bytes.len(),
        esc(&title),
        t.field,
        t.value,
        t.at
    );
    let mut section = None;
    for (i, f) in fields.iter().take(MAX_FIELDS).enumerate() {
        let in_header = f.start < *header_end && f.name != "Size";
        let now = if f.name == "Size" {
            ""
        } else if in_header {
            t.header
        } else {
            t.body
        };
        if section != Some(now) && !now.is_empty() {
            section = Some(now);
            let _ = write!(
                h,
                r#"<tr class="sect"><th colspan="3" scope="rowgroup">{now}</th></tr>"#
            );
        }
        let _ = write!(
            h,
            r#"<tr class="d{}"><td><span class="hf {}">{}</span></td><td class="mono">{}</td><td class="n">{}–{}</td></tr>"#,
            f.depth.min(4),
            field_class(f, in_header, i),
            f.name,
            esc(&f.value),
            f.start,
            f.end
        );
    }
    if fields.len() > MAX_FIELDS {
        let _ = write!(
            h,
            r#"<tr><td colspan="3" class="muted">{}</td></tr>"#,
            t.more_fields
                .replace("{n}", &(fields.len() - MAX_FIELDS).to_string())
        );
    }
    h.push_str(r#"</tbody></table><div class="hex" data-testid="wire-hex">"#);
    // The bytes, each coloured by the innermost field that holds it.
    let shown = bytes.len().min(MAX_HEX_BYTES);
    let mut owner: Vec<Option<usize>> = vec![None; shown];
    for (i, f) in fields.iter().enumerate() {
        for o in owner
            .iter_mut()
            .take((f.end as usize).min(shown))
            .skip(f.start as usize)
        {
            *o = Some(i);
        }
    }
    let mut at = 0;
    while at < shown {
        let who = owner[at];
        let mut end = at + 1;
        while end < shown && owner[end] == who {
            end += 1;
        }
        let hex: Vec<String> = bytes[at..end].iter().map(|b| format!("{b:02x}")).collect();
        match who {
            Some(i) => {
                let f = &fields[i];
                let in_header = f.start < *header_end && f.name != "Size";
                let _ = write!(
                    h,
                    r#"<span class="hf {}" title="{} = {}">{}</span> "#,
                    field_class(f, in_header, i),
                    f.name,
                    esc(&f.value),
                    hex.join(" ")
                );
            }
            None => {
                let _ = write!(h, "{} ", hex.join(" "));
            }
        }
        at = end;
    }
    if bytes.len() > shown {
        let _ = write!(
            h,
            r#"<span class="muted">{}</span>"#,
            t.more_bytes
                .replace("{n}", &(bytes.len() - shown).to_string())
        );
    }
    let _ = write!(h, r#"</div></div><p class="note">{}</p></section>"#, t.note);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> (Sim, RecentMessages) {
        let mut config = kscope_core::SimConfig {
            brokers: 3,
            topics: vec![kscope_core::TopicSpec::new("orders", 2, 3)],
            consumers: 2,
            ..Default::default()
        };
        config.workload.rate = 200;
        let mut sim = Sim::new(config, 3).unwrap();
        let mut recent = RecentMessages::new(KEPT);
        recent.run_until(&mut sim, kscope_core::Instant::from_millis(8_000));
        (sim, recent)
    }

    #[test]
    fn the_view_draws_the_latest_messages_and_inspects_the_picked_one() {
        let (sim, recent) = run();
        let all = html(&sim, &recent, &WireOpened::default(), "en");
        assert!(all.contains(r#"data-testid="sequence-diagram" data-messages="24""#));
        assert_eq!(all.matches(r#"data-testid="wire-row""#).count(), SHOWN);
        // The latest is inspected by default: header first, then the body.
        let latest = recent.list().last().unwrap();
        assert!(all.contains(&format!(
            r#"data-correlation-id="{}""#,
            protocol::encode(&sim, latest, recent.list())
                .unwrap()
                .correlation_id
        )));
        // Only the group's APIs, and one of them picked.
        let group = WireOpened {
            msg: None,
            api: Some(11),
        };
        let only = html(&sim, &recent, &group, "ko");
        assert!(!only.contains(r#"data-kind="ProduceRequest""#));
        assert!(only.contains("JoinGroup") || only.contains(KO.none));
        let produce = recent
            .list()
            .iter()
            .rev()
            .find(|m| m.payload.kind() == MessageKind::ProduceRequest)
            .unwrap();
        let picked = WireOpened {
            msg: Some(produce.id.0),
            api: Some(0),
        };
        let v = html(&sim, &recent, &picked, "en");
        assert!(v.contains(r#"data-testid="inspector" data-kind="ProduceRequest" data-api-key="0" data-api-version="12""#));
        assert!(v.contains(">RequestApiKey<") && v.contains(">Acks<") && v.contains(">crc<"));
        assert!(v.contains(r#"class="hf f-crc""#));
        // A message no longer kept: the latest instead, and said so.
        let gone = WireOpened {
            msg: Some(0),
            api: None,
        };
        assert!(html(&sim, &recent, &gone, "en").contains(EN.gone));
    }
}
