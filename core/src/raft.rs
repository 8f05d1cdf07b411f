//! KRaft's controller quorum (KIP-500, KIP-595, with KIP-996's pre-vote): the dedicated
//! controller nodes (`process.roles=controller`) of `controller.quorum.voters`, each
//! running Kafka's Raft over the `__cluster_metadata` log. Roles are `QuorumState`'s
//! (unattached, voted, prospective, candidate, follower, leader, resigned); elections use
//! `controller.quorum.election.timeout.ms` with `QuorumState.randomElectionTimeoutMs`'s
//! jitter (the timeout plus a draw below it), followers fetch from the leader and give up
//! on it after `controller.quorum.fetch.timeout.ms`, the leader holds an idle fetch up to
//! `KafkaRaftClient.MAX_FETCH_WAIT_MS` (500 ms), commits what a majority of voters hold
//! (the high watermark, only once an entry of its own epoch is held, `LeaderState.
//! maybeUpdateHighWatermark`), sends BeginQuorumEpoch to voters that have not fetched in
//! its epoch, and resigns when a majority has not fetched for 1.5 times the fetch timeout
//! (`LeaderState.CHECK_QUORUM_TIMEOUT_FACTOR`). Controllers fsync their log and their
//! quorum state, so a restart keeps both.
//!
//! The quorum owns no broker: what a committed record means for the cluster is
//! `control_plane.rs`'s business. Its messages travel on their own channel, with the
//! network's default latency (they are not drawn, and links between controllers cannot be
//! cut).

use alloc::vec::Vec;

pub use crate::ctx::RaftDue;
use crate::ctx::{Ctx, Due};
pub use crate::ids::ControllerId;
use crate::ids::{BrokerId, TopicPartition};
use crate::metadata::PartitionState;
use crate::rng::Rng;
use crate::time::{Duration, Instant};
use crate::vecmap::VecMap;

/// The first controller's `node.id`; the others follow it.
pub const FIRST_CONTROLLER_ID: u32 = 100;

/// `KafkaRaftClient.MAX_FETCH_WAIT_MS`: how long a leader holds a fetch it has nothing for.
pub const MAX_FETCH_WAIT_MS: u64 = 500;

/// A voter's state, as `QuorumState` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Knows no leader and has voted for nobody in its epoch.
    Unattached,
    /// Has voted for this candidate in its epoch.
    Voted(ControllerId),
    /// Asks for pre-votes (KIP-996) before it may raise the epoch.
    Prospective,
    /// Raised the epoch and asks for votes.
    Candidate,
    /// Fetches from this leader.
    Follower(ControllerId),
    Leader,
    /// A leader that gave up its epoch and waits for the next election.
    Resigned,
}

impl Role {
    /// The state's name in lower case, as the page shows it.
    pub fn name(&self) -> &'static str {
        match self {
            Role::Unattached => "unattached",
            Role::Voted(_) => "voted",
            Role::Prospective => "prospective",
            Role::Candidate => "candidate",
            Role::Follower(_) => "follower",
            Role::Leader => "leader",
            Role::Resigned => "resigned",
        }
    }
}

/// A record of the metadata log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetadataRecord {
    /// The control record a new leader writes first (`LeaderChangeMessage`).
    LeaderChange(ControllerId),
    /// A partition's leader, leader epoch, replicas and ISR (`PartitionRecord`, and the
    /// state a `PartitionChangeRecord` leaves).
    Partition(TopicPartition, PartitionState),
    /// `FenceBrokerRecord`; in ZooKeeper mode, the broker's session expired and its
    /// ephemeral `/brokers/ids/N` deleted.
    FenceBroker(BrokerId),
    /// `RegisterBrokerRecord` (unfenced); in ZooKeeper mode, the broker's ephemeral
    /// `/brokers/ids/N` created.
    RegisterBroker(BrokerId),
    /// ZooKeeper mode only: the broker that created the ephemeral `/controller` znode,
    /// and the `/controller_epoch` it wrote (`KafkaController.elect`).
    Controller { broker: BrokerId, epoch: u32 },
}

/// One entry of the metadata log: a record and the epoch of the leader that wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub epoch: u32,
    pub record: MetadataRecord,
}

/// The quorum's messages (KIP-595's RPCs).
#[derive(Clone, Debug)]
pub enum RaftMessage {
    Vote {
        epoch: u32,
        pre_vote: bool,
        last_epoch: u32,
        end_offset: u64,
    },
    VoteResponse {
        epoch: u32,
        pre_vote: bool,
        granted: bool,
        /// The leader the voter follows in `epoch`, if any.
        leader: Option<ControllerId>,
    },
    BeginQuorumEpoch {
        epoch: u32,
    },
    Fetch {
        /// Echoed by the response: the follower goes on only from its latest fetch.
        id: u64,
        epoch: u32,
        offset: u64,
        last_fetched_epoch: u32,
        /// The high watermark the follower knows (the leader answers a held fetch when it
        /// moves past it).
        high_watermark: u64,
    },
    FetchResponse {
        id: u64,
        epoch: u32,
        /// The fetch offset, where `entries` start.
        offset: u64,
        entries: Vec<Entry>,
        high_watermark: u64,
        /// The fetch's last epoch disagrees with the leader's log: truncate to here.
        diverging_at: Option<u64>,
    },
}

impl RaftMessage {
    /// Its RPC's name in Kafka's protocol (a pre-vote is a `Vote` request, KIP-996).
    pub fn name(&self) -> &'static str {
        match self {
            RaftMessage::Vote { .. } => "Vote",
            RaftMessage::VoteResponse { .. } => "VoteResponse",
            RaftMessage::BeginQuorumEpoch { .. } => "BeginQuorumEpoch",
            RaftMessage::Fetch { .. } => "Fetch",
            RaftMessage::FetchResponse { .. } => "FetchResponse",
        }
    }

    /// Part of an election (a vote, or the winner's announcement), not of the log's
    /// replication.
    pub fn election(&self) -> bool {
        matches!(
            self,
            RaftMessage::Vote { .. }
                | RaftMessage::VoteResponse { .. }
                | RaftMessage::BeginQuorumEpoch { .. }
        )
    }
}

/// The quorum's timing settings (from the brokers' configuration).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuorumConfig {
    /// `controller.quorum.election.timeout.ms`.
    pub election_timeout_ms: u64,
    /// `controller.quorum.fetch.timeout.ms`.
    pub fetch_timeout_ms: u64,
}

impl QuorumConfig {
    pub fn of(broker: &crate::config::BrokerConfig) -> QuorumConfig {
        QuorumConfig {
            election_timeout_ms: broker.controller_quorum_election_timeout_ms,
            fetch_timeout_ms: broker.controller_quorum_fetch_timeout_ms,
        }
    }
}

/// One controller node.
#[derive(Clone, Debug)]
pub struct ControllerNode {
    pub id: ControllerId,
    pub up: bool,
    pub incarnation: u32,
    pub role: Role,
    pub epoch: u32,
    pub log: Vec<Entry>,
    /// Entries below it are committed, as this node knows.
    pub high_watermark: u64,
    /// Bumped at every change of state; timers of an older state are ignored.
    generation: u32,
    /// When the state's timeout falls (election, or a follower's fetch timeout).
    deadline: Instant,
    /// Votes (or pre-votes) granted to this node in its present state.
    votes: Vec<ControllerId>,
    /// As leader: each other voter's fetch offset in this epoch (none before its first
    /// fetch), and when it last fetched (or the epoch began).
    fetched: VecMap<ControllerId, (Option<u64>, Instant)>,
    /// As leader: the offset of the epoch's first entry (its LeaderChange record).
    pub epoch_start: u64,
    /// As leader: fetches held: their id and offset, and when the hold ends.
    held: VecMap<ControllerId, (u64, u64, Instant)>,
    /// As follower: the id of its latest fetch.
    fetch_id: u64,
}

impl ControllerNode {
    fn last_epoch(&self) -> u32 {
        self.log.last().map_or(0, |e| e.epoch)
    }

    fn end(&self) -> u64 {
        self.log.len() as u64
    }

    /// The leader the node follows, or itself when it leads.
    pub fn leader(&self) -> Option<ControllerId> {
        match self.role {
            Role::Follower(l) => Some(l),
            Role::Leader => Some(self.id),
            _ => None,
        }
    }

    /// Leads and has committed its epoch's first entry: its controller is active
    /// (`QuorumController` claims leadership once its listener has read that far).
    pub fn is_active(&self) -> bool {
        self.up && self.role == Role::Leader && self.high_watermark > self.epoch_start
    }

    /// Kafka's `endOffsetForEpoch`: where the largest epoch at most `epoch` ends in the
    /// log.
    fn end_offset_for_epoch(&self, epoch: u32) -> u64 {
        self.log
            .iter()
            .position(|e| e.epoch > epoch)
            .map_or(self.end(), |p| p as u64)
    }
}

/// Messages between the nodes of a quorum or an ensemble, on their own channel with the
/// network's default latency: each is kept here until its delivery (`RaftDue::Deliver`)
/// comes due.
#[derive(Clone, Debug)]
pub(crate) struct Mailbox<M> {
    latency: Duration,
    /// The item that delivers a message.
    due: fn(u64) -> RaftDue,
    /// Messages on their way, by the id their delivery carries, with when they were
    /// sent.
    mail: VecMap<u64, (Instant, ControllerId, ControllerId, M)>,
    next: u64,
}

impl<M> Mailbox<M> {
    pub(crate) fn new(cx: &Ctx) -> Mailbox<M> {
        Mailbox::delivered_by(cx, RaftDue::Deliver)
    }

    /// A channel whose deliveries come due as `due`.
    pub(crate) fn delivered_by(cx: &Ctx, due: fn(u64) -> RaftDue) -> Mailbox<M> {
        Mailbox {
            latency: cx.network.default_latency,
            due,
            mail: VecMap::new(),
            next: 0,
        }
    }

    /// One way between two nodes.
    pub(crate) fn latency(&self) -> Duration {
        self.latency
    }

    pub(crate) fn send(&mut self, cx: &mut Ctx, from: ControllerId, to: ControllerId, m: M) {
        let id = self.next;
        self.next += 1;
        self.mail.insert(id, (cx.now, from, to, m));
        cx.schedule(cx.now + self.latency, Due::Raft((self.due)(id)));
    }

    /// The message whose delivery `id` is: its sender, its addressee and itself.
    pub(crate) fn take(&mut self, id: u64) -> Option<(ControllerId, ControllerId, M)> {
        self.mail.remove(&id).map(|(_, from, to, m)| (from, to, m))
    }

    /// The messages on their way: id, when sent, sender, addressee and the message.
    pub(crate) fn in_flight(
        &self,
    ) -> impl Iterator<Item = (u64, Instant, ControllerId, ControllerId, &M)> {
        self.mail
            .iter()
            .map(|(id, (at, from, to, m))| (*id, *at, *from, *to, m))
    }
}

/// The controller quorum.
#[derive(Clone, Debug)]
pub struct Quorum {
    pub config: QuorumConfig,
    pub nodes: Vec<ControllerNode>,
    rng: Rng,
    mail: Mailbox<RaftMessage>,
}

impl Quorum {
    /// `voters` controllers already running with the first as leader in epoch 1 and
    /// `records` committed (as a cluster formatted with `kafka-storage format` and
    /// started): every follower's first fetch is on its way.
    pub(crate) fn new(
        cx: &mut Ctx,
        config: QuorumConfig,
        voters: u32,
        records: Vec<MetadataRecord>,
        rng: Rng,
    ) -> Quorum {
        let leader = ControllerId(FIRST_CONTROLLER_ID);
        let mut log = alloc::vec![Entry {
            epoch: 1,
            record: MetadataRecord::LeaderChange(leader),
        }];
        log.extend(records.into_iter().map(|record| Entry { epoch: 1, record }));
        let end = log.len() as u64;
        let nodes = (0..voters)
            .map(|i| ControllerNode {
                id: ControllerId(FIRST_CONTROLLER_ID + i),
                up: true,
                incarnation: 0,
                role: if i == 0 {
                    Role::Leader
                } else {
                    Role::Follower(leader)
                },
                epoch: 1,
                log: log.clone(),
                high_watermark: end,
                generation: 0,
                deadline: cx.now,
                votes: Vec::new(),
                fetched: VecMap::new(),
                epoch_start: 0,
                held: VecMap::new(),
                fetch_id: 0,
            })
            .collect();
        let mut q = Quorum {
            config,
            nodes,
            rng,
            mail: Mailbox::new(cx),
        };
        let now = cx.now;
        for i in 0..q.nodes.len() {
            if i == 0 {
                for other in q.voter_ids().into_iter().skip(1) {
                    q.nodes[0].fetched.insert(other, (Some(end), now));
                }
                q.start_leader_tick(cx, 0);
            } else {
                q.follow(cx, i, leader, 1);
            }
        }
        q
    }

    /// The messages between controllers on their way.
    pub(crate) fn mail(&self) -> &Mailbox<RaftMessage> {
        &self.mail
    }

    pub fn voter_ids(&self) -> Vec<ControllerId> {
        self.nodes.iter().map(|n| n.id).collect()
    }

    /// Votes needed for a majority.
    pub fn majority(&self) -> usize {
        self.nodes.len() / 2 + 1
    }

    /// The active controller, if there is one.
    pub fn active(&self) -> Option<&ControllerNode> {
        self.nodes.iter().find(|n| n.is_active())
    }

    pub fn node(&self, id: ControllerId) -> Option<&ControllerNode> {
        self.nodes.iter().find(|n| n.id == id)
    }

    fn index(&self, id: ControllerId) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == id)
    }

    /// The active controller appends `record`; `None` when there is none.
    pub(crate) fn append(&mut self, cx: &mut Ctx, record: MetadataRecord) -> Option<u64> {
        let i = self.nodes.iter().position(|n| n.is_active())?;
        let epoch = self.nodes[i].epoch;
        self.nodes[i].log.push(Entry { epoch, record });
        self.answer_held(cx, i);
        Some(self.nodes[i].end() - 1)
    }

    // ----- failures -------------------------------------------------------------------

    /// The controller's process dies: what it held in memory is gone, its log and quorum
    /// state (fsynced) stay.
    // Reached through `Command::CrashController` and `RestartController`, which only a
    // build with the `control_plane` feature has.
    #[cfg_attr(not(feature = "control_plane"), allow(dead_code))]
    pub(crate) fn crash(&mut self, id: ControllerId) -> Result<(), &'static str> {
        let i = self.index(id).ok_or("unknown")?;
        let n = &mut self.nodes[i];
        if !n.up {
            return Err("down");
        }
        n.up = false;
        n.incarnation += 1;
        n.generation += 1;
        n.votes.clear();
        n.fetched = VecMap::new();
        n.held = VecMap::new();
        Ok(())
    }

    /// The controller starts again from its log and quorum-state file: a voter of its
    /// last epoch with no leader yet (a leader's or voter's record of the epoch is kept:
    /// it voted, or led, and may not vote for another in that epoch).
    // Reached through `Command::CrashController` and `RestartController`, which only a
    // build with the `control_plane` feature has.
    #[cfg_attr(not(feature = "control_plane"), allow(dead_code))]
    pub(crate) fn restart(&mut self, cx: &mut Ctx, id: ControllerId) -> Result<(), &'static str> {
        let i = self.index(id).ok_or("unknown")?;
        if self.nodes[i].up {
            return Err("up");
        }
        self.nodes[i].up = true;
        // `QuorumState.initialize`: a leader comes back resigned in its epoch, a voter
        // still bound by its vote.
        let role = match self.nodes[i].role {
            Role::Voted(c) => Role::Voted(c),
            Role::Candidate => Role::Voted(id),
            Role::Leader | Role::Resigned => Role::Resigned,
            _ => Role::Unattached,
        };
        self.enter(cx, i, role);
        Ok(())
    }

    // ----- the state machine ----------------------------------------------------------

    /// Moves node `i` to `role`, starting the state's timer.
    fn enter(&mut self, cx: &mut Ctx, i: usize, role: Role) {
        let n = &mut self.nodes[i];
        n.role = role;
        n.generation += 1;
        n.votes.clear();
        n.held = VecMap::new();
        match role {
            Role::Leader => {}
            Role::Follower(_) => {
                let at = cx.now + Duration::from_millis(self.config.fetch_timeout_ms);
                self.nodes[i].deadline = at;
                self.schedule_timeout(cx, i, at);
            }
            _ => {
                let t = self.config.election_timeout_ms;
                let jitter = u64::from(self.rng.below(t.clamp(1, u32::MAX as u64) as u32));
                let at = cx.now + Duration::from_millis(t + jitter);
                self.nodes[i].deadline = at;
                self.schedule_timeout(cx, i, at);
            }
        }
    }

    fn schedule_timeout(&mut self, cx: &mut Ctx, i: usize, at: Instant) {
        let n = &self.nodes[i];
        cx.schedule(
            at,
            Due::Raft(RaftDue::Timeout {
                node: n.id,
                incarnation: n.incarnation,
                generation: n.generation,
            }),
        );
    }

    fn start_leader_tick(&mut self, cx: &mut Ctx, i: usize) {
        let at = cx.now + Duration::from_millis(MAX_FETCH_WAIT_MS);
        self.schedule_leader_tick(cx, i, at);
    }

    fn schedule_leader_tick(&mut self, cx: &mut Ctx, i: usize, at: Instant) {
        let n = &self.nodes[i];
        cx.schedule(
            at,
            Due::Raft(RaftDue::LeaderTick {
                node: n.id,
                incarnation: n.incarnation,
                generation: n.generation,
            }),
        );
    }

    fn send(&mut self, cx: &mut Ctx, from: ControllerId, to: ControllerId, m: RaftMessage) {
        self.mail.send(cx, from, to, m);
    }

    /// Node `i` learns of a higher epoch: it leaves its state for that epoch, unattached.
    fn observe_epoch(&mut self, cx: &mut Ctx, i: usize, epoch: u32) {
        if epoch > self.nodes[i].epoch {
            self.nodes[i].epoch = epoch;
            self.enter(cx, i, Role::Unattached);
        }
    }

    fn follow(&mut self, cx: &mut Ctx, i: usize, leader: ControllerId, epoch: u32) {
        self.nodes[i].epoch = epoch;
        self.enter(cx, i, Role::Follower(leader));
        self.send_fetch(cx, i);
    }

    fn send_fetch(&mut self, cx: &mut Ctx, i: usize) {
        let n = &mut self.nodes[i];
        let Role::Follower(leader) = n.role else {
            return;
        };
        n.fetch_id += 1;
        let m = RaftMessage::Fetch {
            id: n.fetch_id,
            epoch: n.epoch,
            offset: n.end(),
            last_fetched_epoch: n.last_epoch(),
            high_watermark: n.high_watermark,
        };
        let from = n.id;
        self.send(cx, from, leader, m);
    }

    /// A voter's election timeout: it asks for pre-votes (a prospective, KIP-996).
    fn become_prospective(&mut self, cx: &mut Ctx, i: usize) {
        self.enter(cx, i, Role::Prospective);
        let me = self.nodes[i].id;
        self.nodes[i].votes.push(me);
        self.ask_votes(cx, i, true);
        self.maybe_won(cx, i);
    }

    fn become_candidate(&mut self, cx: &mut Ctx, i: usize) {
        self.nodes[i].epoch += 1;
        self.enter(cx, i, Role::Candidate);
        let me = self.nodes[i].id;
        self.nodes[i].votes.push(me);
        self.ask_votes(cx, i, false);
        self.maybe_won(cx, i);
    }

    fn ask_votes(&mut self, cx: &mut Ctx, i: usize, pre_vote: bool) {
        let n = &self.nodes[i];
        let m = RaftMessage::Vote {
            epoch: if pre_vote { n.epoch + 1 } else { n.epoch },
            pre_vote,
            last_epoch: n.last_epoch(),
            end_offset: n.end(),
        };
        let from = n.id;
        for to in self.voter_ids().into_iter().filter(|v| *v != from) {
            self.send(cx, from, to, m.clone());
        }
    }

    /// A prospective or candidate with a majority moves on.
    fn maybe_won(&mut self, cx: &mut Ctx, i: usize) {
        if self.nodes[i].votes.len() < self.majority() {
            return;
        }
        match self.nodes[i].role {
            Role::Prospective => self.become_candidate(cx, i),
            Role::Candidate => self.become_leader(cx, i),
            _ => {}
        }
    }

    fn become_leader(&mut self, cx: &mut Ctx, i: usize) {
        self.enter(cx, i, Role::Leader);
        let now = cx.now;
        let n = &mut self.nodes[i];
        n.epoch_start = n.end();
        let (id, epoch) = (n.id, n.epoch);
        n.log.push(Entry {
            epoch,
            record: MetadataRecord::LeaderChange(id),
        });
        n.fetched = VecMap::new();
        for v in self.voter_ids().into_iter().filter(|v| *v != id) {
            // Not fetched in this epoch yet; the check-quorum clock starts now.
            self.nodes[i].fetched.insert(v, (None, now));
            self.send(cx, id, v, RaftMessage::BeginQuorumEpoch { epoch });
        }
        self.start_leader_tick(cx, i);
        self.maybe_advance_hw(cx, i);
    }

    /// What is due to the quorum.
    pub(crate) fn handle(&mut self, cx: &mut Ctx, due: RaftDue) {
        match due {
            RaftDue::Deliver(id) => {
                let Some((from, to, m)) = self.mail.take(id) else {
                    return;
                };
                let Some(i) = self.index(to).filter(|i| self.nodes[*i].up) else {
                    return;
                };
                self.receive(cx, i, from, m);
            }
            RaftDue::Timeout {
                node,
                incarnation,
                generation,
            } => {
                let Some(i) = self.index(node) else { return };
                let n = &self.nodes[i];
                if !n.up || n.incarnation != incarnation || n.generation != generation {
                    return;
                }
                if cx.now < n.deadline {
                    let at = n.deadline;
                    self.schedule_timeout(cx, i, at);
                    return;
                }
                match n.role {
                    Role::Leader => {}
                    // The leader went quiet (`controller.quorum.fetch.timeout.ms`), or an
                    // election went nowhere: a new one, pre-votes first.
                    _ => self.become_prospective(cx, i),
                }
            }
            RaftDue::LeaderTick {
                node,
                incarnation,
                generation,
            } => {
                let Some(i) = self.index(node) else { return };
                let n = &self.nodes[i];
                if !n.up || n.incarnation != incarnation || n.generation != generation {
                    return;
                }
                self.leader_tick(cx, i);
            }
            RaftDue::HoldOver {
                node,
                incarnation,
                generation,
                follower,
                fetch,
            } => {
                let Some(i) = self.index(node) else { return };
                let n = &self.nodes[i];
                if !n.up || n.incarnation != incarnation || n.generation != generation {
                    return;
                }
                if let Some((id, offset, _)) = n.held.get(&follower).copied() {
                    if id == fetch {
                        self.nodes[i].held.remove(&follower);
                        self.answer_fetch(cx, i, follower, id, offset);
                    }
                }
            }
            // Brokers' metadata: `broker_metadata.rs`.
            RaftDue::Metadata(_) | RaftDue::MetadataHoldOver { .. } | RaftDue::Heartbeat { .. } => {
            }
        }
    }

    fn leader_tick(&mut self, cx: &mut Ctx, i: usize) {
        let now = cx.now;
        // Check-quorum: the leader resigns 1.5 fetch timeouts after the last instant a
        // majority of voters (itself counted) had fetched.
        let limit = Duration::from_millis(self.config.fetch_timeout_ms * 3 / 2);
        let n = &self.nodes[i];
        let mut times: Vec<Instant> = n.fetched.values().map(|(_, at)| *at).collect();
        times.sort_unstable_by(|a, b| b.cmp(a));
        // A quorum of one always has its majority.
        let resign_at = match self.majority().checked_sub(2) {
            Some(k) => times.get(k).copied().unwrap_or(now) + limit,
            None => now + limit,
        };
        if resign_at <= now {
            self.enter(cx, i, Role::Resigned);
            return;
        }
        // BeginQuorumEpoch again to voters that have not fetched in this epoch (every
        // tick, where Kafka waits half the fetch timeout).
        let (id, epoch) = (n.id, n.epoch);
        let unacked: Vec<ControllerId> = n
            .fetched
            .iter()
            .filter(|(_, (offset, _))| offset.is_none())
            .map(|(v, _)| *v)
            .collect();
        for v in unacked {
            self.send(cx, id, v, RaftMessage::BeginQuorumEpoch { epoch });
        }
        let next = resign_at.min(now + Duration::from_millis(MAX_FETCH_WAIT_MS));
        self.schedule_leader_tick(cx, i, next);
    }

    fn receive(&mut self, cx: &mut Ctx, i: usize, from: ControllerId, m: RaftMessage) {
        match m {
            RaftMessage::Vote {
                epoch,
                pre_vote,
                last_epoch,
                end_offset,
            } => {
                if !pre_vote {
                    self.observe_epoch(cx, i, epoch);
                }
                let n = &self.nodes[i];
                let up_to_date = (last_epoch, end_offset) >= (n.last_epoch(), n.end());
                let granted = if pre_vote {
                    // KIP-996: no pre-vote while it hears from a leader.
                    epoch > n.epoch && up_to_date && n.leader().is_none()
                } else {
                    epoch == n.epoch
                        && up_to_date
                        && match n.role {
                            Role::Unattached => true,
                            Role::Voted(c) => c == from,
                            _ => false,
                        }
                };
                let (my_epoch, leader) = (n.epoch, n.leader());
                if granted && !pre_vote {
                    self.enter(cx, i, Role::Voted(from));
                }
                let me = self.nodes[i].id;
                self.send(
                    cx,
                    me,
                    from,
                    RaftMessage::VoteResponse {
                        epoch: if pre_vote { epoch } else { my_epoch },
                        pre_vote,
                        granted,
                        leader,
                    },
                );
            }
            RaftMessage::VoteResponse {
                epoch,
                pre_vote,
                granted,
                leader,
            } => {
                let n = &self.nodes[i];
                if let Some(l) = leader.filter(|l| epoch >= n.epoch && !pre_vote && *l != n.id) {
                    self.follow(cx, i, l, epoch);
                    return;
                }
                if !pre_vote && epoch > n.epoch {
                    self.observe_epoch(cx, i, epoch);
                    return;
                }
                let expected = match n.role {
                    Role::Prospective => pre_vote && epoch == n.epoch + 1,
                    Role::Candidate => !pre_vote && epoch == n.epoch,
                    _ => false,
                };
                if pre_vote {
                    if let Some(l) = leader.filter(|l| n.role == Role::Prospective && *l != n.id) {
                        // A voter still follows a leader: follow it too (KIP-996).
                        let e = n.epoch;
                        self.follow(cx, i, l, e);
                        return;
                    }
                }
                if expected && granted && !self.nodes[i].votes.contains(&from) {
                    self.nodes[i].votes.push(from);
                    self.maybe_won(cx, i);
                }
            }
            RaftMessage::BeginQuorumEpoch { epoch } => {
                let n = &self.nodes[i];
                if epoch < n.epoch || (epoch == n.epoch && n.leader() == Some(from)) {
                    return;
                }
                self.follow(cx, i, from, epoch);
            }
            RaftMessage::Fetch {
                id,
                epoch,
                offset,
                last_fetched_epoch,
                high_watermark,
            } => {
                let n = &self.nodes[i];
                if n.role != Role::Leader || epoch != n.epoch {
                    if epoch > n.epoch {
                        self.observe_epoch(cx, i, epoch);
                    } else if n.role == Role::Leader {
                        // A follower of an older epoch: tell it who leads now.
                        let e = n.epoch;
                        let me = n.id;
                        self.send(cx, me, from, RaftMessage::BeginQuorumEpoch { epoch: e });
                    }
                    return;
                }
                // The fetch's position agrees with the log where the epochs say so.
                let diverging = offset > 0
                    && (offset > n.end() || n.log[offset as usize - 1].epoch != last_fetched_epoch);
                if diverging {
                    let at = n.end_offset_for_epoch(last_fetched_epoch).min(offset);
                    let (me, e, hw) = (n.id, n.epoch, n.high_watermark);
                    let at = if at == offset { offset - 1 } else { at };
                    self.send(
                        cx,
                        me,
                        from,
                        RaftMessage::FetchResponse {
                            id,
                            epoch: e,
                            offset,
                            entries: Vec::new(),
                            high_watermark: hw,
                            diverging_at: Some(at),
                        },
                    );
                    return;
                }
                let now = cx.now;
                self.nodes[i].fetched.insert(from, (Some(offset), now));
                self.maybe_advance_hw(cx, i);
                let n = &self.nodes[i];
                if offset < n.end() || high_watermark < n.high_watermark {
                    self.answer_fetch(cx, i, from, id, offset);
                } else {
                    let until = now + Duration::from_millis(MAX_FETCH_WAIT_MS);
                    self.nodes[i].held.insert(from, (id, offset, until));
                    let n = &self.nodes[i];
                    cx.schedule(
                        until,
                        Due::Raft(RaftDue::HoldOver {
                            node: n.id,
                            incarnation: n.incarnation,
                            generation: n.generation,
                            follower: from,
                            fetch: id,
                        }),
                    );
                }
            }
            RaftMessage::FetchResponse {
                id,
                epoch,
                offset,
                entries,
                high_watermark,
                diverging_at,
            } => {
                let n = &self.nodes[i];
                if epoch < n.epoch {
                    return;
                }
                if epoch > n.epoch || n.role != Role::Follower(from) {
                    self.follow(cx, i, from, epoch);
                    return;
                }
                let timeout = Duration::from_millis(self.config.fetch_timeout_ms);
                let n = &mut self.nodes[i];
                n.deadline = cx.now + timeout;
                if let Some(at) = diverging_at {
                    n.log.truncate(at as usize);
                } else if offset <= n.end() {
                    // Entries it holds from this leader already agree; from the first that
                    // disagrees (an older leader's), the leader's replace its own.
                    for (k, e) in entries.into_iter().enumerate() {
                        let at = offset as usize + k;
                        match n.log.get(at) {
                            Some(mine) if mine.epoch == e.epoch => {}
                            _ => {
                                n.log.truncate(at);
                                n.log.push(e);
                            }
                        }
                    }
                    n.high_watermark = high_watermark.min(n.end()).max(n.high_watermark);
                }
                if id == n.fetch_id {
                    self.send_fetch(cx, i);
                }
            }
        }
    }

    /// The leader answers `follower`'s fetch `id` from `offset`.
    fn answer_fetch(
        &mut self,
        cx: &mut Ctx,
        i: usize,
        follower: ControllerId,
        id: u64,
        offset: u64,
    ) {
        let n = &self.nodes[i];
        let from = (offset as usize).min(n.log.len());
        let m = RaftMessage::FetchResponse {
            id,
            offset: from as u64,
            epoch: n.epoch,
            entries: n.log[from..].to_vec(),
            high_watermark: n.high_watermark,
            diverging_at: None,
        };
        let me = n.id;
        self.send(cx, me, follower, m);
    }

    /// Answers every held fetch (the log or the high watermark moved).
    fn answer_held(&mut self, cx: &mut Ctx, i: usize) {
        let held: Vec<(ControllerId, u64, u64)> = self.nodes[i]
            .held
            .iter()
            .map(|(v, (id, offset, _))| (*v, *id, *offset))
            .collect();
        self.nodes[i].held = VecMap::new();
        for (v, id, offset) in held {
            self.answer_fetch(cx, i, v, id, offset);
        }
        // A quorum of one commits what it appends.
        self.maybe_advance_hw(cx, i);
    }

    /// The leader's high watermark: the offset a majority of voters hold, once that is
    /// past the epoch's first entry.
    fn maybe_advance_hw(&mut self, cx: &mut Ctx, i: usize) {
        let majority = self.majority();
        let n = &mut self.nodes[i];
        let mut ends: Vec<u64> = n.fetched.values().map(|(o, _)| o.unwrap_or(0)).collect();
        ends.push(n.end());
        ends.sort_unstable_by(|a, b| b.cmp(a));
        let hw = ends[majority - 1];
        if hw > n.epoch_start && hw > n.high_watermark {
            n.high_watermark = hw;
            if !n.held.is_empty() {
                self.answer_held(cx, i);
            }
        }
    }
}
