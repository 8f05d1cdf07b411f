//! The readouts: simulated time, the ledger's counts, throughput and end-to-end latency,
//! the producer's identity and what is in flight, as a pure function of the simulation,
//! cheap enough to compute every frame.

#[cfg(feature = "control_plane")]
use kscope_core::event::AlterPartitionError;
use kscope_core::event::LossCause;
use kscope_core::guarantee::{Delivered, Guarantee, Weakness};
use kscope_core::ledger::RecordStatus;
use kscope_core::sim::Sim;

use crate::i18n::{tr, Lang};

/// Everything the readouts show.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewModel {
    pub seed: u64,
    pub time_ms: u64,
    pub sent: u64,
    pub acknowledged: u64,
    pub failed: u64,
    /// The application ignores `send()`'s results (fire-and-forget): the failures are
    /// the ledger's, not the application's.
    pub failures_unnoticed: bool,
    pub lost: u64,
    pub duplicated: u64,
    pub reordered: u64,
    pub consumed: u64,
    pub redelivered: u64,
    pub skipped: u64,
    /// Records whose producing application crashed before it heard of them.
    pub abandoned: u64,
    pub in_flight_messages: usize,
    /// Records carried by the messages in flight (produce requests and fetch responses).
    pub records_in_flight: u64,
    /// The idempotent producer's id and epoch, once it has them; `None` when the producer
    /// is not idempotent.
    pub producer_id: Option<Option<(i64, i16)>>,
    /// With a `compression.type`: the share of one core the producer spent compressing
    /// and the consumers decompressing since the run began, in percent.
    pub compression_cpu: Option<(f64, f64)>,
    /// With a `transactional.id`: the ledger's transactional counts (acknowledged
    /// records of aborted transactions, those the group processed), the coordinator's
    /// state of the transaction (`None` before it has one) and the producer's.
    pub txn: Option<TxnView>,
    /// The delivery guarantee the configuration promises, with the settings that decide
    /// it, and what the run delivered so far.
    pub guarantees: Guarantees,
}

/// Delivery semantics, named ([`kscope_core::guarantee`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Guarantees {
    pub promised: Guarantee,
    /// The settings that weaken the promise, each with the name of its topic (empty for
    /// a client's setting).
    pub weaknesses: Vec<(Weakness, String)>,
    pub delivered: Delivered,
    /// With the exactly-once pipeline (the full build): what its reader and its
    /// producers did.
    #[cfg(feature = "transactions")]
    pub pipeline: Option<PipelineView>,
}

/// The exactly-once pipeline's results, where they land.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PipelineView {
    /// Input records whose result the reader processed, and processings of a result of
    /// a record already delivered.
    pub results: u64,
    pub twice: u64,
    /// Results the pipeline's producers sent, and those in aborted transactions.
    pub written: u64,
    pub aborted: u64,
}

impl Guarantees {
    fn of(sim: &Sim) -> Guarantees {
        let promise = sim.promised_guarantee();
        let topic = |t: u32| {
            sim.config()
                .topics
                .get(t as usize)
                .map_or(String::new(), |t| t.name.clone())
        };
        Guarantees {
            promised: promise.guarantee,
            weaknesses: promise
                .weaknesses
                .into_iter()
                .map(|w| match w {
                    Weakness::MinIsrOne(t) | Weakness::Unclean(t) => (w, topic(t)),
                    _ => (w, String::new()),
                })
                .collect(),
            delivered: sim.delivered_guarantee(),
            #[cfg(feature = "transactions")]
            pipeline: sim.config().pipeline_output().map(|_| {
                let c = sim.ledger().counts();
                let out = sim.ledger().output_counts();
                PipelineView {
                    results: c.results,
                    twice: c.results_twice,
                    written: out.sent,
                    aborted: out.aborted,
                }
            }),
        }
    }

    /// The pipeline's figures and its line, in `lang`.
    #[cfg(feature = "transactions")]
    pub fn pipeline_line(&self, lang: Lang) -> Option<(PipelineView, String)> {
        let p = self.pipeline?;
        Some((p, tr!(
            lang,
            "measured at processed-reader: {0} records' results read, {1} read twice · the pipeline wrote {2} results, {3} in aborted transactions",
            "processed-reader에서 측정: 결과를 읽은 레코드 {0}, 두 번 읽음 {1} · 파이프라인이 쓴 결과 {2}, 그중 중단된 트랜잭션 {3}",
            p.results,
            p.twice,
            p.written,
            p.aborted
        )))
    }

    /// Without transactions there is no pipeline.
    #[cfg(not(feature = "transactions"))]
    pub fn pipeline_line(&self, _: Lang) -> Option<(PipelineView, String)> {
        None
    }

    /// Why the configuration promises what it does, in `lang`.
    pub fn why(&self, lang: Lang) -> Vec<String> {
        if self.weaknesses.is_empty() {
            return vec![tr!(
                lang,
                "no setting can lose a record or write it twice",
                "레코드를 잃거나 두 번 쓸 수 있는 설정이 없음"
            )];
        }
        self.weaknesses
            .iter()
            .map(|(w, topic)| match *w {
                Weakness::Acks0 => tr!(
                    lang,
                    "acks=0: no answer, so no retry",
                    "acks=0: 응답이 없으니 재시도도 없음"
                ),
                Weakness::Acks1 => tr!(
                    lang,
                    "acks=1: the leader answers before its followers copy",
                    "acks=1: 팔로워가 복제하기 전에 리더가 응답함"
                ),
                Weakness::MinIsrOne(_) => tr!(
                    lang,
                    "{0}: min.insync.replicas=1, the leader may answer alone",
                    "{0}: min.insync.replicas=1, 리더 혼자 응답할 수 있음",
                    topic
                ),
                Weakness::Unclean(_) => tr!(
                    lang,
                    "{0}: unclean.leader.election.enable=true",
                    "{0}: unclean.leader.election.enable=true",
                    topic
                ),
                Weakness::NoRetries => tr!(
                    lang,
                    "retries=0: a failed send is given up",
                    "retries=0: 실패한 전송은 포기함"
                ),
                Weakness::FireAndForget => tr!(
                    lang,
                    "fire-and-forget: the application never sees a failure",
                    "fire-and-forget: 애플리케이션이 실패를 모름"
                ),
                Weakness::RetriesWithoutIdempotence => tr!(
                    lang,
                    "retries without idempotence: a retried batch can be written twice",
                    "멱등성 없는 재시도: 재시도한 배치가 두 번 쓰일 수 있음"
                ),
                Weakness::CommitBeforeProcessing => tr!(
                    lang,
                    "commit before processing: a crash skips the records in hand",
                    "처리 전 커밋: 크래시하면 처리 중이던 레코드를 건너뜀"
                ),
                Weakness::CommitAfterProcessing => tr!(
                    lang,
                    "commit after processing: after a crash or a rebalance some records are processed again (exactly once needs commit.mode=transactional)",
                    "처리 후 커밋: 크래시나 리밸런스 뒤 일부 레코드를 다시 처리함 (정확히 한 번은 commit.mode=transactional이 필요함)"
                ),
                // Only the pipeline (the full build) has it.
                Weakness::ReadUncommitted if !TXN => String::new(),
                Weakness::ReadUncommitted => tr!(
                    lang,
                    "read_uncommitted: the output's reader also reads results of aborted transactions",
                    "read_uncommitted: 출력 토픽을 읽는 쪽이 중단된 트랜잭션의 결과도 읽음"
                ),
            })
            .collect()
    }

    /// The counts that decide what the run delivered, in `lang`.
    pub fn counts(&self, lang: Lang) -> String {
        let d = &self.delivered;
        tr!(
            lang,
            "lost {0}, skipped by the group {1}, failed unseen {2} · written twice {3}, processed again {4}",
            "유실 {0}, 그룹이 건너뜀 {1}, 모르는 실패 {2} · 두 번 쓰임 {3}, 다시 처리 {4}",
            d.lost,
            d.skipped,
            d.failed_unseen,
            d.duplicated,
            d.redelivered
        )
    }
}

/// Whether the page was built with transactions (the `transactions` feature).
pub const TXN: bool = cfg!(feature = "transactions");

/// The first producer's transactions as the page shows them.
#[derive(Clone, Debug, PartialEq)]
pub struct TxnView {
    pub aborted: u64,
    pub read_aborted: u64,
    pub coordinator_state: Option<&'static str>,
    pub producer_state: &'static str,
    pub committed: u64,
    pub aborts: u64,
    /// The producing application's process runs (it can be told to abort).
    pub producer_up: bool,
    /// The application's earlier instances still running, each with its producer's
    /// transaction state (a fenced zombie's is FatalError).
    pub others: Vec<(u32, &'static str)>,
}

/// Computes the readouts of `sim`.
pub fn view_model(sim: &Sim) -> ViewModel {
    let c = sim.ledger().counts();
    ViewModel {
        seed: sim.seed(),
        time_ms: sim.now().millis(),
        sent: c.sent,
        acknowledged: c.acknowledged,
        failed: c.failed,
        failures_unnoticed: !sim.config().workload.send_mode.notices_failures(),
        lost: c.lost,
        duplicated: c.duplicated,
        reordered: c.reordered,
        consumed: c.consumed,
        redelivered: c.redelivered,
        skipped: c.skipped,
        abandoned: c.abandoned,
        txn: sim
            .producer()
            .txn
            .as_ref()
            .filter(|_| TXN)
            .map(|t| TxnView {
                aborted: c.aborted,
                read_aborted: c.read_aborted,
                coordinator_state: sim
                    .brokers()
                    .values()
                    .filter(|b| b.up)
                    .find_map(|b| b.txn_state(&t.transactional_id))
                    .map(|m| m.record.state.name()),
                producer_state: t.state.name(),
                committed: t.committed,
                aborts: t.aborted,
                producer_up: sim.producer().is_running(),
                others: sim
                    .producers()
                    .values()
                    .filter(|p| p.id != sim.producer().id && p.is_running())
                    .filter_map(|p| Some((p.id.0, p.txn.as_ref()?.state.name())))
                    .collect(),
            }),
        guarantees: Guarantees::of(sim),
        in_flight_messages: sim.messages_in_flight().count(),
        records_in_flight: sim
            .messages_in_flight()
            .map(|m| u64::from(m.payload.records()))
            .sum(),
        producer_id: sim
            .producer()
            .idempotent
            .then_some(sim.producer().idempotence.producer_id),
        compression_cpu: {
            let codec = sim.config().producer.compression_type;
            let elapsed_ns = sim.now().micros().max(1) as f64 * 1_000.0;
            let consumers: u64 = sim.consumers().values().map(|c| c.decompression_ns).sum();
            (codec != kscope_core::record::CompressionType::None).then(|| {
                (
                    100.0 * sim.producer().compression_ns as f64 / elapsed_ns,
                    100.0 * consumers as f64 / elapsed_ns,
                )
            })
        },
    }
}

/// Throughput and end-to-end latency over the last `window_ms` of simulated time:
/// acknowledged records per second, and the median and 99th percentile of the time from
/// `send()` to acknowledgement.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rates {
    pub records_per_s: f64,
    pub latency_p50_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
}

/// Looks back over the most recent records only (at most `scan`), newest first, so the
/// cost per frame is bounded.
pub fn rates(sim: &Sim, window_ms: u64, scan: usize) -> Rates {
    let now = sim.now();
    let since = now.micros().saturating_sub(window_ms * 1_000);
    let mut latencies: Vec<f64> = sim
        .ledger()
        .records()
        .rev()
        .take(scan)
        .filter_map(|r| match (r.status, r.acked_at) {
            (RecordStatus::Acknowledged, Some(at)) if at.micros() >= since => {
                Some(at.since(r.sent_at).micros() as f64 / 1_000.0)
            }
            _ => None,
        })
        .collect();
    let (latency_p50_ms, latency_p99_ms) = p50_p99(&mut latencies).unzip();
    let span_s = (now.micros() - since).max(1) as f64 / 1_000_000.0;
    Rates {
        records_per_s: latencies.len() as f64 / span_s,
        latency_p50_ms,
        latency_p99_ms,
    }
}

/// The 50th and 99th percentiles (nearest rank) of `values`, which it reorders; `None`
/// when empty. Selecting the 99th percentile's place leaves the 50th's among the smaller
/// values before it, so nothing is sorted.
pub fn p50_p99(values: &mut [f64]) -> Option<(f64, f64)> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let rank = |p: f64| ((n - 1) as f64 * p).round() as usize;
    // kscope's one sort (the standard library's selection would add its own code to the
    // first load).
    kscope_core::java::sort_by(values, |a, b| a.total_cmp(b).is_lt());
    Some((values[rank(0.5)], values[rank(0.99)]))
}

/// Every loss, grouped by cause, with its count: what the ledger links each loss to.
pub fn losses(sim: &Sim, lang: Lang) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = Vec::new();
    for (cause, lost) in sim.ledger().losses() {
        let text = match cause {
            LossCause::LeaderElection {
                partition,
                leader,
                leader_epoch,
                kind,
            } => tr!(
                lang,
                "{0:?} election of broker {1} for orders-{2} (leader epoch {3}): it did not have them",
                "브로커 {1}이(가) orders-{2}의 리더로 선출됨({0:?}, 리더 에포크 {3}): 그 브로커에 없던 레코드",
                kind,
                leader.0,
                partition.partition,
                leader_epoch.0
            ),
            LossCause::UnacknowledgedSendDropped { .. } => tr!(
                lang,
                "acks=0: the request carrying them was lost on the way",
                "acks=0: 레코드를 실은 요청이 가는 길에 사라짐"
            ),
            LossCause::PowerLoss { broker } => tr!(
                lang,
                "broker {0} lost power: their last copies were in page caches, on no disk",
                "브로커 {0} 전원 꺼짐: 마지막 사본이 디스크가 아닌 페이지 캐시에만 있었음",
                broker.0
            ),
            LossCause::UnacknowledgedSendRejected { error } => tr!(
                lang,
                "acks=0: the broker refused them ({0:?}) and nobody was told",
                "acks=0: 브로커가 거부했지만({0:?}) 아무도 알지 못함",
                error
            ),
        };
        match out.iter_mut().find(|(t, _)| *t == text) {
            Some((_, n)) => *n += lost,
            None => out.push((text, lost)),
        }
    }
    out
}

fn node(n: kscope_core::NodeId, lang: Lang) -> String {
    match n {
        kscope_core::NodeId::Producer(_) => tr!(lang, "the producer", "프로듀서"),
        kscope_core::NodeId::Broker(b) => tr!(lang, "broker {0}", "브로커 {0}", b.0),
        kscope_core::NodeId::Consumer(c) => format!("c{}", c.0),
    }
}

/// A notable event in words, or `None` for the routine ones. `names` are the topics'
/// names by id; events of internal topics (`__consumer_offsets`) are left out, except
/// what they mean for the group (its coordinator moving).
pub fn describe(e: &kscope_core::TimedEvent, names: &[String], lang: Lang) -> Option<String> {
    use kscope_core::event::{ElectionKind, Event, LeaveReason, RebalanceReason};
    let name = |tp: &kscope_core::TopicPartition| -> Option<String> {
        let topic = names.get(tp.topic.0 as usize)?;
        (!topic.starts_with("__")).then(|| format!("{topic}-{}", tp.partition))
    };
    let list = |tps: &[kscope_core::TopicPartition]| -> String {
        tps.iter().filter_map(name).collect::<Vec<_>>().join(", ")
    };
    let l = lang;
    let text = match &e.event {
        Event::LeaderElected { partition, leader, leader_epoch, kind, isr } => match kind {
            ElectionKind::Initial => return None,
            ElectionKind::Clean => tr!(
                l,
                "broker {0} now leads {1} (leader epoch {2}, ISR {3:?})",
                "브로커 {0}이(가) 이제 {1}의 리더 (리더 에포크 {2}, ISR {3:?})",
                leader.0, name(partition)?, leader_epoch.0, isr.iter().map(|b| b.0).collect::<Vec<_>>()
            ),
            ElectionKind::Unclean => tr!(
                l,
                "UNCLEAN election: broker {0} leads {1} from outside the ISR (leader epoch {2})",
                "UNCLEAN 선출: ISR 밖의 브로커 {0}이(가) {1}의 리더 (리더 에포크 {2})",
                leader.0, name(partition)?, leader_epoch.0
            ),
        },
        Event::PartitionOffline { partition, .. } => tr!(
            l,
            "{0} is offline: no in-sync replica is alive",
            "{0} 오프라인: 살아 있는 ISR 레플리카가 없음",
            name(partition)?
        ),
        Event::IsrShrunk { partition, removed, .. } => tr!(
            l,
            "broker {0} left the ISR of {1}",
            "브로커 {0}이(가) {1}의 ISR에서 빠짐",
            removed.0, name(partition)?
        ),
        Event::IsrExpanded { partition, added, .. } => tr!(
            l,
            "broker {0} rejoined the ISR of {1}",
            "브로커 {0}이(가) {1}의 ISR에 다시 들어옴",
            added.0, name(partition)?
        ),
        Event::BrokerCrashed { broker } => tr!(l, "broker {0} crashed", "브로커 {0} 장애", broker.0),
        Event::BrokerPowerLost { broker } => tr!(
            l,
            "broker {0} lost power: its page cache is gone",
            "브로커 {0} 전원 꺼짐: 페이지 캐시가 사라짐",
            broker.0
        ),
        Event::LogRecovered { broker, partition, to, records_removed } => tr!(
            l,
            "broker {0} will recover {1} only to offset {2}: {3} records never reached its disk",
            "브로커 {0}의 {1}은(는) 오프셋 {2}까지만 복구됨: 레코드 {3}건이 디스크에 닿지 못함",
            broker.0, name(partition)?, to.0, records_removed
        ),
        Event::BrokerFenced { broker } => tr!(
            l,
            "the controller fenced broker {0} (no heartbeat for broker.session.timeout.ms)",
            "컨트롤러가 브로커 {0}을(를) 펜싱함 (broker.session.timeout.ms 동안 하트비트 없음)",
            broker.0
        ),
        Event::BrokerRestarted { broker } => tr!(l, "broker {0} restarted", "브로커 {0} 재시작", broker.0),
        #[cfg(feature = "control_plane")]
        Event::ControllerCrashed { node } => tr!(l, "controller {0} crashed", "컨트롤러 {0} 장애", node.0),
        #[cfg(feature = "control_plane")]
        Event::ControllerRestarted { node } => tr!(
            l,
            "controller {0} restarted from its log",
            "컨트롤러 {0}이(가) 자기 로그로 재시작",
            node.0
        ),
        #[cfg(feature = "control_plane")]
        Event::ActiveController { node: Some(n), epoch } => tr!(
            l,
            "controller {0} is the active controller (quorum epoch {1}): a majority voted for it; every broker's session starts afresh with it",
            "컨트롤러 {0}이(가) 액티브 컨트롤러가 됨 (쿼럼 에포크 {1}): 과반이 투표함; 모든 브로커의 세션이 새로 시작됨",
            n.0,
            epoch
        ),
        #[cfg(feature = "control_plane")]
        Event::ZooKeeperLeader { node: Some(n), epoch } => tr!(
            l,
            "ZooKeeper server {0} leads the ensemble (epoch {1}): a majority voted for it and holds its log; every broker's ZooKeeper session starts afresh",
            "ZooKeeper 서버 {0}이(가) 앙상블을 이끎 (에포크 {1}): 과반이 투표하고 그 로그를 가짐; 모든 브로커의 ZooKeeper 세션이 새로 시작됨",
            n.0,
            epoch
        ),
        #[cfg(feature = "control_plane")]
        Event::ZooKeeperLeader { node: None, .. } => tr!(
            l,
            "the ZooKeeper ensemble has no leader: no write commits, no session expires, the controller can change nothing",
            "ZooKeeper 앙상블에 리더가 없음: 커밋되는 쓰기도, 만료되는 세션도 없고 컨트롤러는 아무것도 바꿀 수 없음"
        ),
        #[cfg(feature = "control_plane")]
        Event::ControllerElected { broker, epoch } => tr!(
            l,
            "broker {0} created /controller and is the controller (controller_epoch {1})",
            "브로커 {0}이(가) /controller를 만들어 컨트롤러가 됨 (controller_epoch {1})",
            broker.0,
            epoch
        ),
        #[cfg(feature = "control_plane")]
        Event::BrokerSessionExpired { broker } => tr!(
            l,
            "broker {0}'s ZooKeeper session expired (zookeeper.session.timeout.ms): its /brokers/ids entry is gone",
            "브로커 {0}의 ZooKeeper 세션 만료 (zookeeper.session.timeout.ms): /brokers/ids 항목이 사라짐",
            broker.0
        ),
        #[cfg(feature = "control_plane")]
        Event::AlterPartitionSent { leader, changes } => {
            use kscope_core::event::IsrChange;
            let tps: Vec<_> = changes.iter().map(|(tp, _)| *tp).collect();
            let partitions = list(&tps);
            if partitions.is_empty() {
                return None;
            }
            let same = changes.windows(2).all(|w| w[0].1 == w[1].1);
            match changes.first().map(|(_, c)| c) {
                Some(IsrChange::Expand(follower)) if same => tr!(
                    l,
                    "broker {0} asks the controller to add broker {1} to the ISR of {2} (AlterPartition)",
                    "브로커 {0}이(가) 컨트롤러에 {2}의 ISR에 브로커 {1}을(를) 넣어 달라고 요청함 (AlterPartition)",
                    leader.0,
                    follower.0,
                    partitions
                ),
                Some(IsrChange::Shrink(leaving)) if same => tr!(
                    l,
                    "broker {0} asks the controller to take broker {1} out of the ISR of {2} (AlterPartition)",
                    "브로커 {0}이(가) 컨트롤러에 {2}의 ISR에서 브로커 {1}을(를) 빼 달라고 요청함 (AlterPartition)",
                    leader.0,
                    leaving
                        .iter()
                        .map(|b| b.0.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    partitions
                ),
                _ => tr!(
                    l,
                    "broker {0} asks the controller to change the ISR of {1} (AlterPartition)",
                    "브로커 {0}이(가) 컨트롤러에 {1}의 ISR을 바꿔 달라고 요청함 (AlterPartition)",
                    leader.0,
                    partitions
                ),
            }
        }
        #[cfg(feature = "control_plane")]
        Event::AlterPartitionRefused {
            partition,
            leader,
            error: AlterPartitionError::InvalidUpdateVersion,
        } => tr!(
            l,
            "the controller refused broker {0}'s AlterPartition for {1}: the partition epoch it sent is stale (INVALID_UPDATE_VERSION); it asks again once the newer state reaches it",
            "컨트롤러가 {1}에 대한 브로커 {0}의 AlterPartition을 거절함: 보낸 파티션 에포크가 낡음 (INVALID_UPDATE_VERSION); 새 상태가 닿으면 다시 요청함",
            leader.0,
            name(partition)?
        ),
        #[cfg(feature = "control_plane")]
        Event::AlterPartitionRefused {
            partition,
            leader,
            error: AlterPartitionError::FencedLeaderEpoch,
        } => tr!(
            l,
            "the controller refused broker {0}'s AlterPartition for {1}: another broker leads it now (FENCED_LEADER_EPOCH)",
            "컨트롤러가 {1}에 대한 브로커 {0}의 AlterPartition을 거절함: 이제 다른 브로커가 리더임 (FENCED_LEADER_EPOCH)",
            leader.0,
            name(partition)?
        ),
        #[cfg(feature = "control_plane")]
        Event::AlterPartitionRefused {
            partition,
            leader,
            error: AlterPartitionError::IneligibleReplica,
        } => tr!(
            l,
            "the controller refused broker {0}'s AlterPartition for {1}: the follower it adds is fenced (INELIGIBLE_REPLICA)",
            "컨트롤러가 {1}에 대한 브로커 {0}의 AlterPartition을 거절함: 추가하려는 팔로워가 펜싱됨 (INELIGIBLE_REPLICA)",
            leader.0,
            name(partition)?
        ),
        #[cfg(feature = "control_plane")]
        Event::ActiveController { node: None, .. } => tr!(
            l,
            "no active controller: until a majority elects one, no election, ISR change or fencing is committed",
            "액티브 컨트롤러 없음: 과반이 새로 선출할 때까지 선출, ISR 변경, 펜싱 어느 것도 커밋되지 않음"
        ),
        Event::LogTruncated { broker, partition, to, records_removed } if *records_removed > 0 => tr!(
            l,
            "broker {0} truncated {1} to offset {2} ({3} records it had that the leader has not)",
            "브로커 {0}이(가) {1}을(를) 오프셋 {2}까지 잘라냄 (리더에 없는 레코드 {3}건)",
            broker.0, name(partition)?, to.0, records_removed
        ),
        Event::SegmentRolled { broker, partition, base_offset } => tr!(
            l,
            "broker {0} rolled the log of {1}: the active segment was full (segment.bytes) or old (segment.ms), a new one starts at offset {2}",
            "브로커 {0}이(가) {1}의 로그를 롤링함: 활성 세그먼트가 가득 차거나(segment.bytes) 오래되어(segment.ms) 오프셋 {2}부터 새 세그먼트가 시작",
            broker.0,
            name(partition)?,
            base_offset.0
        ),
        Event::SegmentsDeleted { broker, partition, segments, log_start_offset } => tr!(
            l,
            "retention on broker {0} deleted {1} of {2}: the log now starts at offset {3}",
            "브로커 {0}의 보존 정책이 {2}의 {1}을(를) 삭제함: 로그는 이제 오프셋 {3}부터 시작",
            broker.0,
            crate::i18n::segments(l, *segments as usize),
            name(partition)?,
            log_start_offset.0
        ),
        Event::LogCompacted { broker, partition, records_removed, .. } => tr!(
            l,
            "the log cleaner of broker {0} compacted {1}: {2} record(s) removed",
            "브로커 {0}의 로그 클리너가 {1}을(를) 컴팩션함: 레코드 {2}건 제거",
            broker.0,
            name(partition)?,
            records_removed
        ),
        Event::TruncationDetected { consumer, partition, position, diverging_offset } => tr!(
            l,
            "c{0} found {1} truncated under it after the leader change (KIP-320): its position {2} is past where the new leader's log diverges, {3}",
            "c{0}이(가) 리더 교체 뒤 {1}이(가) 잘린 것을 발견함 (KIP-320): 위치 {2}이(가) 새 리더의 로그가 갈라지는 지점 {3}보다 뒤임",
            consumer.0,
            name(partition)?,
            position.0,
            diverging_offset.0
        ),
        Event::BatchSplit { partition, into, .. } => tr!(
            l,
            "a batch for {0} was too large for the broker (MESSAGE_TOO_LARGE): the producer split it into {1} batches",
            "{0}로 가는 배치가 브로커에게 너무 커서(MESSAGE_TOO_LARGE) 프로듀서가 배치 {1}개로 나눔",
            name(partition)?,
            into.len()
        ),
        Event::RecordsLost { partition, records, .. } => tr!(
            l,
            "{0} acknowledged record(s) of {1} lost",
            "{1}의 확인된 레코드 {0}건 유실",
            records.len(),
            name(partition)?
        ),
        Event::DuplicateBatch { broker, partition, base_sequence, .. } => tr!(
            l,
            "broker {0} recognised a retried batch of {1} (sequence {2}) and did not append it again",
            "브로커 {0}이(가) {1}의 재시도 배치(시퀀스 {2})를 알아보고 다시 쓰지 않음",
            broker.0, name(partition)?, base_sequence
        ),
        Event::RecordDuplicated { partition, offset, .. } => tr!(
            l,
            "a retry appended a record to {0} a second time (offset {1})",
            "재시도로 {0}에 같은 레코드가 두 번 기록됨 (오프셋 {1})",
            name(partition)?, offset.0
        ),
        Event::ProducerIdAssigned { producer_id, epoch, bumped: true } => tr!(
            l,
            "the producer bumped its epoch: producer id {0}, epoch {1}",
            "프로듀서가 에포크를 올림: 프로듀서 ID {0}, 에포크 {1}",
            producer_id, epoch
        ),
        Event::ProducerCrashed { .. } if TXN => tr!(
            l,
            "the producing application crashed: what its producer held is gone, and an open transaction stays open",
            "프로듀서 애플리케이션 장애: 프로듀서가 들고 있던 것은 사라지고, 열린 트랜잭션은 열린 채로 남음"
        ),
        Event::ProducerInstanceStarted { producer } if TXN => tr!(
            l,
            "a second instance of the producing application started (producer {0}) while the first still runs, and took over its work",
            "첫 인스턴스가 아직 도는 동안 프로듀서 애플리케이션의 두 번째 인스턴스(프로듀서 {0})가 시작되어 일을 넘겨받음",
            producer.0
        ),
        Event::ProducerRestarted { .. } if TXN => tr!(
            l,
            "the producing application restarted: a new producer (a new producer id, or with transactional.id a new epoch)",
            "프로듀서 애플리케이션 재시작: 새 프로듀서 (새 프로듀서 ID, transactional.id가 있으면 새 에포크)"
        ),
        Event::ProduceRejected { broker, partition, error, .. } => tr!(
            l,
            "broker {0} refused a batch for {1}: {2:?}",
            "브로커 {0}이(가) {1}의 배치를 거부함: {2:?}",
            broker.0, name(partition)?, error
        ),
        Event::PartitionsAdded { topic, partitions } => tr!(
            l,
            "{0} now has {1} partitions (partitions can be added, never removed)",
            "{0}의 파티션이 이제 {1}개 (파티션은 늘릴 수만 있고 줄일 수 없음)",
            names.get(topic.0 as usize)?, partitions
        ),
        Event::LinkCut { a, b } => tr!(
            l,
            "the link between {0} and {1} was cut: what is sent over it is lost",
            "{0}와(과) {1} 사이 링크가 끊김: 그 위로 보내는 것은 사라짐",
            node(*a, l),
            node(*b, l)
        ),
        Event::LinkHealed { a, b } => tr!(
            l,
            "the link between {0} and {1} was healed",
            "{0}와(과) {1} 사이 링크가 복구됨",
            node(*a, l),
            node(*b, l)
        ),
        // ----- the consumer group -----
        Event::ConsumerStarted { consumer } => tr!(l, "consumer c{0} started", "컨슈머 c{0} 시작", consumer.0),
        Event::ConsumerClosed { consumer } => tr!(
            l,
            "consumer c{0} closed: it committed and left the group",
            "컨슈머 c{0} 종료: 커밋하고 그룹을 떠남",
            consumer.0
        ),
        Event::ConsumerCrashed { consumer } => tr!(
            l,
            "consumer c{0} crashed: no commit, no LeaveGroup; the coordinator waits for session.timeout.ms",
            "컨슈머 c{0} 장애: 커밋도 LeaveGroup도 없음, 코디네이터는 session.timeout.ms를 기다림",
            consumer.0
        ),
        Event::ConsumerPaused { consumer, paused: true } => tr!(
            l,
            "consumer c{0} stopped calling poll() (max.poll.interval.ms is running)",
            "컨슈머 c{0}이(가) poll() 호출을 멈춤 (max.poll.interval.ms 카운트 시작)",
            consumer.0
        ),
        Event::ConsumerPaused { consumer, paused: false } => tr!(
            l,
            "consumer c{0} calls poll() again",
            "컨슈머 c{0}이(가) 다시 poll()을 호출",
            consumer.0
        ),
        Event::CoordinatorLoaded { broker, generation, members, offsets, .. } => tr!(
            l,
            "broker {0} became the group's coordinator and loaded it from __consumer_offsets (generation {1}, {2} member(s), {3} offset(s))",
            "브로커 {0}이(가) 그룹 코디네이터가 되어 __consumer_offsets에서 그룹을 불러옴 (세대 {1}, 멤버 {2}, 오프셋 {3}개)",
            broker.0, generation, members, offsets
        ),
        Event::RebalanceStarted { generation, reason, .. } => match reason {
            RebalanceReason::MemberJoined => tr!(
                l,
                "the coordinator started a rebalance after generation {0} (a member joined or rejoined)",
                "코디네이터가 세대 {0} 뒤 리밸런스를 시작함 (멤버가 합류 또는 재합류)",
                generation
            ),
            RebalanceReason::MemberLeft => tr!(
                l,
                "the coordinator started a rebalance after generation {0} (a member left)",
                "코디네이터가 세대 {0} 뒤 리밸런스를 시작함 (멤버가 떠남)",
                generation
            ),
        },
        Event::GenerationStarted { generation, leader, members, .. } => match leader {
            Some(ld) => tr!(
                l,
                "generation {0}: {1} member(s), c{2} is the leader and assigns the partitions",
                "세대 {0}: 멤버 {1}, 리더 c{2}이(가) 파티션을 할당함",
                generation,
                members.len(),
                ld.0
            ),
            None => tr!(l, "generation {0}: the group is empty", "세대 {0}: 그룹이 비었음", generation),
        },
        Event::MemberRemoved { consumer, reason, .. } => {
            let c = consumer.map_or(u32::MAX, |c| c.0);
            match reason {
                LeaveReason::SessionTimeout => tr!(
                    l,
                    "the coordinator removed c{0} (no heartbeat for session.timeout.ms)",
                    "코디네이터가 c{0}을(를) 내보냄 (session.timeout.ms 동안 하트비트 없음)",
                    c
                ),
                LeaveReason::LeaveGroup => tr!(
                    l,
                    "the coordinator removed c{0} (it sent LeaveGroup)",
                    "코디네이터가 c{0}을(를) 내보냄 (LeaveGroup을 보냄)",
                    c
                ),
                LeaveReason::RebalanceTimeout => tr!(
                    l,
                    "the coordinator removed c{0} (it did not rejoin in time)",
                    "코디네이터가 c{0}을(를) 내보냄 (제때 재합류하지 않음)",
                    c
                ),
                LeaveReason::SyncTimeout => tr!(
                    l,
                    "the coordinator removed c{0} (no SyncGroup within the rebalance timeout)",
                    "코디네이터가 c{0}을(를) 내보냄 (리밸런스 타임아웃 안에 SyncGroup을 보내지 않음)",
                    c
                ),
            }
        }
        Event::AssignmentComputed { consumer, assignor, transferring, .. } if *transferring > 0 => tr!(
            l,
            "c{0} ran {1}: {2} partition(s) must first be revoked by their owners (a second rebalance follows)",
            "c{0}이(가) {1}을(를) 실행: 파티션 {2}개는 먼저 기존 담당자가 반납해야 함 (두 번째 리밸런스가 이어짐)",
            consumer.0,
            assignor.name(),
            transferring
        ),
        Event::PartitionsRevoked { consumer, partitions } if !partitions.is_empty() => tr!(
            l,
            "c{0} revoked {1} (onPartitionsRevoked)",
            "c{0}이(가) {1}을(를) 반납 (onPartitionsRevoked)",
            consumer.0,
            list(partitions)
        ),
        Event::PartitionsLost { consumer, partitions } if !partitions.is_empty() => tr!(
            l,
            "c{0} lost {1}: it was no longer in the group, so it could not commit (onPartitionsLost)",
            "c{0}이(가) {1}을(를) 잃음: 이미 그룹에서 빠져 커밋할 수 없었음 (onPartitionsLost)",
            consumer.0,
            list(partitions)
        ),
        Event::Subscribed { consumer, topics } => tr!(
            l,
            "c{0} subscribed to {1}: it rejoins its group with the new subscription",
            "c{0}이(가) {1}을(를) 구독: 새 구독으로 그룹에 다시 참여",
            consumer.0,
            topics
                .iter()
                .filter_map(|t| names.get(t.0 as usize).map(String::as_str))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Event::AssignmentMismatched { consumer, .. } => tr!(
            l,
            "c{0}'s assignment names a topic it no longer subscribes to: it sets it aside and rejoins",
            "c{0}의 할당에 더는 구독하지 않는 토픽이 있음: 할당을 버리고 다시 참여",
            consumer.0
        ),
        Event::PartitionsAssigned { consumer, partitions, .. } if !partitions.is_empty() => tr!(
            l,
            "c{0} was assigned {1} (onPartitionsAssigned)",
            "c{0}에 {1} 할당 (onPartitionsAssigned)",
            consumer.0,
            list(partitions)
        ),
        Event::RecordsConsumed { consumer, partition, records, redelivered, .. } if *redelivered > 0 => tr!(
            l,
            "c{0} processed {1} record(s) of {2} again (redelivered: committed offsets were behind)",
            "c{0}이(가) {2}의 레코드 {1}건을 다시 처리 (재전달: 커밋 오프셋이 뒤처져 있었음)",
            consumer.0,
            redelivered.min(records),
            name(partition)?
        ),
        Event::CommitFailed { consumer, error } => tr!(
            l,
            "c{0}'s commit failed: {1:?}",
            "c{0}의 커밋 실패: {1:?}",
            consumer.0,
            error
        ),
        Event::ConsumerError { consumer, error } => format!("c{}: {:?}", consumer.0, error),
        _ => return None,
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each `tr!` of this file: its English template and the Korean written beside it,
    /// read from the source (string literals without escapes).
    fn templates() -> Vec<(String, String)> {
        let mut out = Vec::new();
        for src in [
            include_str!("view_model.rs"),
            include_str!("i18n.rs"),
            include_str!("components/quorum_view.rs"),
        ] {
            // The code, not the tests; not the macro's own definition.
            let code = src
                .split("#[cfg(test)]\nmod tests")
                .next()
                .expect("some code");
            let mut rest = code.split("macro_rules! tr").next().expect("some code");
            if let Some((_, after)) = code.split_once("pub(crate) use tr;") {
                rest = after;
            }
            while let Some(at) = rest.find("tr!(") {
                // `tr!`, not `include_str!`.
                let own = !rest[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_');
                rest = &rest[at + 4..];
                if !own {
                    continue;
                }
                let lits: Vec<&str> = rest.split('"').skip(1).step_by(2).take(2).collect();
                if let [en, ko] = lits[..] {
                    out.push((en.to_string(), ko.to_string()));
                }
            }
        }
        out
    }

    #[test]
    fn the_korean_file_holds_every_event_line_as_written_here() {
        let all = templates();
        assert!(all.len() >= 65, "{} templates", all.len());
        for (en, ko) in &all {
            assert_eq!(crate::i18n::korean_of(en), Some(ko.as_str()), "{en}");
        }
        // Filled as format! would fill it, particles chosen after.
        assert_eq!(
            tr!(Lang::Ko, "broker {0} crashed", "브로커 {0} 장애", 2),
            "브로커 2 장애"
        );
        assert_eq!(
            crate::i18n::fill("{1:?} then {0}", &["a".into(), "[1, 2]".into()]),
            "[1, 2] then a"
        );
    }
    use kscope_core::{Command, Instant, SimConfig};

    #[test]
    fn readouts_follow_the_ledger() {
        let mut sim = Sim::new(SimConfig::default(), 3).expect("default config is valid");
        sim.step(Instant::from_millis(2_000));
        let vm = view_model(&sim);
        assert_eq!(vm.time_ms, 2_000);
        assert!(vm.acknowledged > 0);
        assert!(vm.acknowledged + vm.failed <= vm.sent);
        assert_eq!(
            vm.producer_id,
            Some(Some((0, 0))),
            "idempotent by default, as Kafka 3.2+"
        );
        let r = rates(&sim, 1_000, 100_000);
        assert!(
            (150.0..=250.0).contains(&r.records_per_s),
            "about 200 records/s: {r:?}"
        );
        assert!(
            r.latency_p50_ms.unwrap() > 0.0
                && r.latency_p99_ms.unwrap() >= r.latency_p50_ms.unwrap()
        );
    }

    /// The percentiles are the sorted latencies' entries at the nearest ranks, for a run
    /// whose latencies vary (several partitions, batching, a slow broker).
    #[test]
    fn latency_percentiles_are_the_sorted_latencies_nearest_ranks() {
        let mut config = SimConfig::default();
        config.workload.rate = 3_000;
        let mut sim = Sim::new(config, 5).expect("valid");
        for t in [300, 700, 1_500, 2_600] {
            sim.step(Instant::from_millis(t));
            let since = sim.now().micros().saturating_sub(1_000_000);
            let mut sorted: Vec<f64> = sim
                .ledger()
                .records()
                .filter_map(|r| match (r.status, r.acked_at) {
                    (RecordStatus::Acknowledged, Some(at)) if at.micros() >= since => {
                        Some(at.since(r.sent_at).micros() as f64 / 1_000.0)
                    }
                    _ => None,
                })
                .collect();
            sorted.sort_by(|a, b| a.total_cmp(b));
            let at = |p: f64| sorted[((sorted.len() - 1) as f64 * p).round() as usize];
            let r = rates(&sim, 1_000, usize::MAX);
            assert!(sorted.len() > 100, "{} latencies at {t} ms", sorted.len());
            assert_eq!(r.latency_p50_ms, Some(at(0.5)), "p50 at {t} ms");
            assert_eq!(r.latency_p99_ms, Some(at(0.99)), "p99 at {t} ms");
            assert!(at(0.99) > at(0.5), "the latencies vary at {t} ms");
        }
    }

    #[test]
    fn p50_and_p99_are_the_sorted_values_nearest_ranks() {
        assert_eq!(p50_p99(&mut []), None);
        assert_eq!(p50_p99(&mut [7.0]), Some((7.0, 7.0)));
        for n in [2usize, 3, 10, 99, 100, 101, 1_000, 4_321] {
            // Distinct values in a scrambled order, and the same with many repeats.
            for repeats in [1, 7] {
                let mut values: Vec<f64> =
                    (0..n).map(|i| ((i * 7_919) % n / repeats) as f64).collect();
                let mut sorted = values.clone();
                sorted.sort_by(f64::total_cmp);
                let at = |p: f64| sorted[((n - 1) as f64 * p).round() as usize];
                assert_eq!(
                    p50_p99(&mut values),
                    Some((at(0.5), at(0.99))),
                    "n {n}, repeats {repeats}"
                );
            }
        }
    }

    #[test]
    fn losses_are_listed_with_their_cause() {
        let mut config = SimConfig::default();
        config.producer.acks = kscope_core::Acks::Leader;
        config.workload.rate = 1_000;
        let mut sim = Sim::new(config, 3).expect("valid");
        sim.step(Instant::from_millis(1_000));
        let leader = sim
            .partition(sim.all_partitions().next().unwrap())
            .leader
            .unwrap();
        for b in sim
            .brokers()
            .keys()
            .copied()
            .filter(|b| *b != leader)
            .collect::<Vec<_>>()
        {
            sim.apply(
                Instant::from_millis(1_000),
                Command::CutLink(
                    kscope_core::NodeId::Broker(leader),
                    kscope_core::NodeId::Broker(b),
                ),
            )
            .unwrap();
        }
        sim.step(Instant::from_millis(1_500));
        sim.apply(Instant::from_millis(1_500), Command::CrashBroker(leader))
            .unwrap();
        sim.step(Instant::from_millis(12_000));
        let l = losses(&sim, Lang::En);
        assert!(!l.is_empty());
        assert!(l[0].0.contains("Clean election of broker"), "{l:?}");
        assert_eq!(l.iter().map(|(_, n)| n).sum::<u64>(), view_model(&sim).lost);
    }

    /// Runs `sim` to `until_ms` and gives the event log's lines for what happened.
    fn log_lines(sim: &mut Sim, until_ms: u64, lang: Lang) -> Vec<String> {
        sim.step(Instant::from_millis(until_ms));
        let names: Vec<String> = sim.topics().iter().map(|t| t.spec.name.clone()).collect();
        sim.drain_events()
            .iter()
            .filter_map(|e| describe(e, &names, lang))
            .collect()
    }

    #[test]
    fn the_event_log_tells_an_election_in_words() {
        let mut sim = Sim::new(SimConfig::default(), 3).expect("valid");
        sim.step(Instant::from_millis(100));
        let leader = sim
            .partition(sim.all_partitions().next().unwrap())
            .leader
            .unwrap();
        sim.apply(Instant::from_millis(100), Command::CrashBroker(leader))
            .unwrap();
        let lines = log_lines(&mut sim, 10_000, Lang::En);
        assert!(lines
            .iter()
            .any(|l| l.contains(&format!("broker {} crashed", leader.0))));
        assert!(lines.iter().any(|l| l.contains("fenced")));
        assert!(
            lines.iter().any(|l| l.contains("now leads orders-0")),
            "{lines:?}"
        );
    }

    #[test]
    fn the_event_log_speaks_korean_with_kafkas_names_kept() {
        let config = SimConfig {
            consumers: 1,
            ..Default::default()
        };
        let mut sim = Sim::new(config, 3).expect("valid");
        let lines = log_lines(&mut sim, 5_000, Lang::Ko);
        assert!(
            lines
                .iter()
                .any(|l| l.contains("할당 (onPartitionsAssigned)")),
            "{lines:?}"
        );
    }

    #[test]
    fn the_event_log_tells_a_rebalance_and_leaves_the_internal_topic_out() {
        let config = SimConfig {
            consumers: 2,
            ..Default::default()
        };
        let mut sim = Sim::new(config, 3).expect("valid");
        // Two members joining in the initial delay extend it: generation 1 forms at
        // about 6 s.
        let lines = log_lines(&mut sim, 8_000, Lang::En);
        assert!(
            lines
                .iter()
                .any(|l| l.contains("generation 1: 2 member(s)")),
            "{lines:?}"
        );
        assert!(
            lines.iter().any(|l| l.contains("(onPartitionsAssigned)")),
            "{lines:?}"
        );
        assert!(
            !lines.iter().any(|l| l.contains("__consumer_offsets-")),
            "{lines:?}"
        );
    }
}
