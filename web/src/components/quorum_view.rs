//! The control-plane strip above the brokers (the page's full build): each KRaft
//! controller with its quorum state, epoch and metadata log, the active controller, the
//! quorum's health, and the crash and restart buttons; in ZooKeeper mode each ZooKeeper
//! server, the ensemble's leader and the controller broker. Its styles are
//! `web/control-plane.css`, which `web/boot.js` loads with the full build.

use yew::prelude::*;

use crate::i18n::{tr, Lang};
use crate::script::Action;
use crate::stage::{ControllerCard, QuorumStrip};
use crate::Msg;

/// The props of [`QuorumView`].
#[derive(Properties, PartialEq)]
pub struct QuorumProps {
    pub quorum: QuorumStrip,
    pub lang: Lang,
    pub locked: bool,
    pub dispatch: Callback<Msg>,
    /// The canvas under the cards that the page paints the quorum's messages on
    /// (`draw_dots`, every frame).
    pub wire: NodeRef,
}

/// The strip: a diamond per controller (shape: a controller; colour: its state).
#[function_component]
pub fn QuorumView(props: &QuorumProps) -> Html {
    let q = &props.quorum;
    let lang = props.lang;
    let lost = q.up < q.majority;
    let state = if lost { "lost" } else { "ok" };
    let health = match (q.zookeeper, lost) {
        (false, true) => tr!(
            lang,
            "{0} of {1} controllers up, {2} needed: nothing new is committed (no election, no ISR change, no fencing)",
            "컨트롤러 {1}개 중 {0}개 동작, {2}개 필요: 새로 커밋되는 것이 없음 (선출도, ISR 변경도, 펜싱도 없음)",
            q.up,
            q.controllers.len(),
            q.majority
        ),
        (false, false) => tr!(
            lang,
            "{0} of {1} controllers up, {2} needed",
            "컨트롤러 {1}개 중 {0}개 동작, {2}개 필요",
            q.up,
            q.controllers.len(),
            q.majority
        ),
        (true, true) => tr!(
            lang,
            "{0} of {1} ZooKeeper servers up, {2} needed: no write commits (no session expires, no election, no ISR change)",
            "ZooKeeper 서버 {1}개 중 {0}개 동작, {2}개 필요: 커밋되는 쓰기가 없음 (세션 만료도, 선출도, ISR 변경도 없음)",
            q.up,
            q.controllers.len(),
            q.majority
        ),
        (true, false) => tr!(
            lang,
            "{0} of {1} ZooKeeper servers up, {2} needed",
            "ZooKeeper 서버 {1}개 중 {0}개 동작, {2}개 필요",
            q.up,
            q.controllers.len(),
            q.majority
        ),
    };
    let active = q
        .active
        .map_or_else(|| "none".to_string(), |(id, _)| id.to_string());
    let epoch = q.active.map(|(_, e)| e);
    let title = if q.zookeeper {
        tr!(lang, "ZooKeeper ensemble", "ZooKeeper 앙상블")
    } else {
        tr!(lang, "KRaft controller quorum", "KRaft 컨트롤러 쿼럼")
    };
    // The card marked active: KRaft's active controller; ZooKeeper's leader.
    let marked = if q.zookeeper {
        q.leader
    } else {
        q.active.map(|(id, _)| id)
    };
    html! {
        <section class={classes!("quorum", state, q.zookeeper.then_some("zookeeper"))} data-testid="quorum" aria-label={title.clone()}>
            <div class="quorum-head">
                <strong>{title}</strong>
                <span class={classes!("quorum-health", state)}>
                    <b data-testid="quorum-state" data-state={state}>{state}</b>
                    {format!(" · {health}")}
                </span>
                <span class="quorum-active">
                    if q.zookeeper {
                        {tr!(lang, "controller broker:", "컨트롤러 브로커:")}
                    } else {
                        {tr!(lang, "active controller:", "액티브 컨트롤러:")}
                    }
                    {" "}
                    <b data-testid="active-controller" data-node={active.clone()}>{active}</b>
                    if let Some(e) = epoch {
                        {" "}
                        if q.zookeeper {
                            {tr!(lang, "(controller_epoch {0})", "(controller_epoch {0})", e)}
                        } else {
                            {tr!(lang, "(epoch {0})", "(에포크 {0})", e)}
                        }
                    }
                    {" · "}
                    if q.zookeeper {
                        {tr!(lang, "committed znode writes: {0}", "커밋된 znode 쓰기: {0}", q.applied)}
                    } else {
                        {tr!(lang, "committed metadata records: {0}", "커밋된 메타데이터 레코드: {0}", q.applied)}
                    }
                </span>
            </div>
            <ol class={classes!("controllers", format!("n{}", q.controllers.len()))}>
                { for q.controllers.iter().map(|c| controller(c, marked == Some(c.id), q.zookeeper, props)) }
            </ol>
            {wire(q, lang, &props.wire)}
            {observers(q, lang)}
        </section>
    }
}

/// One controller's card.
fn controller(c: &ControllerCard, active: bool, zookeeper: bool, props: &QuorumProps) -> Html {
    let lang = props.lang;
    let id = c.id;
    let state = if c.up { "up" } else { "down" };
    let d = &props.dispatch;
    let t = lang.text();
    let named = |action: &str| {
        let who = if zookeeper {
            tr!(lang, "ZooKeeper server {0}", "ZooKeeper 서버 {0}", id)
        } else {
            tr!(lang, "controller {0}", "컨트롤러 {0}", id)
        };
        format!("{action} ({who})")
    };
    // Shape tells the role: a diamond for a KRaft controller, a hexagon for a ZooKeeper
    // server.
    let shape = if zookeeper { "⬢" } else { "◆" };
    let figures = if zookeeper {
        (
            tr!(
                lang,
                "ZAB epoch · transaction log end · committed",
                "ZAB 에포크 · 트랜잭션 로그 끝 · 커밋됨"
            ),
            tr!(
                lang,
                "epoch {0} · log {1} · committed {2}",
                "에포크 {0} · 로그 {1} · 커밋 {2}",
                c.epoch,
                c.log_end,
                c.committed
            ),
        )
    } else {
        (
            tr!(
                lang,
                "quorum epoch · metadata log end · high watermark (committed)",
                "쿼럼 에포크 · 메타데이터 로그 끝 · 하이 워터마크 (커밋됨)"
            ),
            tr!(
                lang,
                "epoch {0} · log {1} · hw {2}",
                "에포크 {0} · 로그 {1} · hw {2}",
                c.epoch,
                c.log_end,
                c.committed
            ),
        )
    };
    html! {
        <li class={classes!("controller", state, c.role, active.then_some("active"))} data-testid="controller"
            data-node={id.to_string()} data-state={state} data-role={c.role}>
            <span class="shape" aria-hidden="true">{shape}</span>
            <span class="name"><strong>{id.to_string()}</strong>
                <span class="role">{if c.up { role(c.role, lang) } else { tr!(lang, "down", "중단") }}</span></span>
            <span class="figures" title={figures.0}>{figures.1}</span>
            <fieldset class="actions" disabled={props.locked}>
                if c.up {
                    <button class="danger" data-testid="crash-controller" onclick={d.reform(move |_| Msg::Act(Action::CrashController(id)))}
                        aria-label={named(t.crash)}>{"✕"}</button>
                } else {
                    <button data-testid="restart-controller" onclick={d.reform(move |_| Msg::Act(Action::RestartController(id)))}
                        aria-label={named(t.restart)}>{"↻"}</button>
                }
            </fieldset>
        </li>
    }
}

/// The band under the cards where the messages between them travel: a tick under each
/// card, and the canvas the page paints them on (replication as teal squares, elections
/// as amber circles; rightward over the middle line, leftward under it).
fn wire(q: &QuorumStrip, lang: Lang, canvas: &NodeRef) -> Html {
    let n = q.controllers.len().max(1);
    let tip = if q.zookeeper {
        tr!(
            lang,
            "messages between ZooKeeper servers: amber circles elect and synchronise a leader (NOTIFICATION, FOLLOWERINFO, NEWLEADER and its ACK), teal squares carry writes (PROPOSAL, ACK, COMMIT); rightward above the line, leftward below",
            "ZooKeeper 서버 사이의 메시지: 주황 원은 리더 선출과 동기화 (NOTIFICATION, FOLLOWERINFO, NEWLEADER와 그 ACK), 청록 사각형은 쓰기 (PROPOSAL, ACK, COMMIT); 오른쪽으로 가는 것은 선 위, 왼쪽으로 가는 것은 선 아래"
        )
    } else {
        tr!(
            lang,
            "messages between controllers: amber circles are an election (Vote, its response, BeginQuorumEpoch), teal squares the metadata log's replication (Fetch, FetchResponse); rightward above the line, leftward below",
            "컨트롤러 사이의 메시지: 주황 원은 선출 (Vote와 그 응답, BeginQuorumEpoch), 청록 사각형은 메타데이터 로그 복제 (Fetch, FetchResponse); 오른쪽으로 가는 것은 선 위, 왼쪽으로 가는 것은 선 아래"
        )
    };
    // Drawn as SVG attributes (the page's CSP allows no inline style), stretched to the
    // band's width with strokes that keep theirs.
    let centre = |i: usize| format!("{:.3}", 100.0 * (i as f64 + 0.5) / n as f64);
    let middle = format!("{}", crate::stage::QUORUM_WIRE_PX / 2.0);
    let bottom = format!("{}", crate::stage::QUORUM_WIRE_PX);
    html! {
        <div class="quorum-wire" title={tip}>
            <svg viewBox={format!("0 0 100 {bottom}")} preserveAspectRatio="none" aria-hidden="true">
                <line class="wire-line" x1={centre(0)} x2={centre(n - 1)} y1={middle.clone()} y2={middle.clone()} vector-effect="non-scaling-stroke" />
                { for (0..n).map(|i| html! {
                    <line class="wire-tick" x1={centre(i)} x2={centre(i)} y1="0" y2={bottom.clone()} vector-effect="non-scaling-stroke" />
                }) }
            </svg>
            <canvas ref={canvas.clone()} data-testid="quorum-wire" aria-hidden="true"></canvas>
        </div>
    }
}

/// How far each broker has applied the committed metadata: KRaft brokers are observers
/// fetching the log; in ZooKeeper mode the controller broker sends them its changes.
fn observers(q: &QuorumStrip, lang: Lang) -> Html {
    let (label, tip) = if q.zookeeper {
        (
            tr!(
                lang,
                "brokers' metadata (LeaderAndIsr, UpdateMetadata):",
                "브로커의 메타데이터 (LeaderAndIsr, UpdateMetadata):"
            ),
            tr!(
                lang,
                "each broker acts on a change once the controller broker's request reaches it",
                "각 브로커는 컨트롤러 브로커의 요청이 도착해야 변경을 적용함"
            ),
        )
    } else {
        (
            tr!(
                lang,
                "observers (brokers fetching the metadata log):",
                "옵저버 (메타데이터 로그를 가져오는 브로커):"
            ),
            tr!(
                lang,
                "each broker acts on a committed record once its fetch brings it",
                "각 브로커는 커밋된 레코드를 자신의 fetch로 받아야 적용함"
            ),
        )
    };
    html! {
        <div class="observers" title={tip}>
            <span class="observers-label">{label}</span>
            <ol>
                { for q.observers.iter().map(|o| {
                    let behind = q.applied.saturating_sub(o.offset);
                    let state = if !o.up { "down" } else if behind > 0 { "behind" } else { "current" };
                    html! {
                        <li class={classes!("observer", state)} data-testid="observer" data-node={o.id.to_string()}
                            data-offset={o.offset.to_string()} data-state={state}>
                            <span class="who">{tr!(lang, "broker {0}", "브로커 {0}", o.id)}{" · "}<b>{o.offset}</b></span>
                            if behind > 0 {
                                {" "}<span class="behind">{tr!(lang, "({0} behind)", "({0}개 뒤처짐)", behind)}</span>
                            }
                            if let Some(left) = o.session_left_ms {
                                {" · "}{{
                                    let (words, tip) = session_left(left, q.zookeeper, lang);
                                    html! { <span class="session" data-testid="session-left" data-ms={left.to_string()} title={tip}>{words}</span> }
                                }}
                            }
                        </li>
                    }
                }) }
            </ol>
        </div>
    }
}

/// A down broker's session as the active controller counts it (KRaft fences it when
/// its session runs out, ZooKeeper expires it): the words and their tip.
fn session_left(ms: u64, zookeeper: bool, lang: Lang) -> (String, String) {
    let s = crate::settings::fixed(ms as f64 / 1000.0, 1);
    if zookeeper {
        (
            tr!(lang, "session expires in {0} s", "{0}초 뒤 세션 만료", s),
            tr!(
                lang,
                "zookeeper.session.timeout.ms from the crash",
                "크래시부터 zookeeper.session.timeout.ms"
            ),
        )
    } else {
        (
            tr!(lang, "fenced in {0} s", "{0}초 뒤 펜싱", s),
            tr!(
                lang,
                "broker.session.timeout.ms after the last heartbeat the active controller heard",
                "액티브 컨트롤러가 받은 마지막 하트비트로부터 broker.session.timeout.ms"
            ),
        )
    }
}

/// A quorum state (`QuorumState`'s, in lower case) in the page's language.
fn role(name: &str, lang: Lang) -> String {
    match name {
        "leader" => tr!(lang, "leader", "리더"),
        "follower" => tr!(lang, "follower", "팔로워"),
        "candidate" => tr!(lang, "candidate", "후보"),
        "prospective" => tr!(lang, "prospective (pre-vote)", "예비 후보 (사전 투표)"),
        "unattached" => tr!(lang, "unattached", "리더 모름"),
        "voted" => tr!(lang, "voted", "투표함"),
        "resigned" => tr!(lang, "resigned", "사임"),
        "looking" => tr!(lang, "looking (electing)", "리더 찾는 중 (선출)"),
        other => other.to_string(),
    }
}

/// The controller broker's mark on the stage (ZooKeeper mode): its name and its tip.
pub fn controller_broker_words(lang: Lang) -> (String, String) {
    (
        tr!(lang, "controller", "컨트롤러"),
        tr!(
            lang,
            "the controller: this broker holds the /controller znode; it elects leaders and writes ISR changes to ZooKeeper",
            "컨트롤러: 이 브로커가 /controller znode를 가짐; 리더를 뽑고 ISR 변경을 ZooKeeper에 씀"
        ),
    )
}

/// A down broker's state in ZooKeeper mode: its session lives on, or expired.
pub fn session_words(expired: bool, lang: Lang) -> &'static str {
    match (expired, lang) {
        (false, Lang::En) => "down · ZooKeeper session alive",
        (false, Lang::Ko) => "다운 · ZooKeeper 세션 살아 있음",
        (true, Lang::En) => "down · session expired",
        (true, Lang::Ko) => "다운 · 세션 만료됨",
    }
}
