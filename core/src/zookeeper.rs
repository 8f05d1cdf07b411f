//! A ZooKeeper ensemble (Kafka 3.9 and earlier, `zookeeper.connect`): 1, 3 or 5 servers
//! running ZooKeeper's atomic broadcast (ZAB), simplified.
//!
//! Modelled: roles as ZooKeeper's `QuorumPeer` names them (looking, following, leading);
//! leader election as `FastLeaderElection` decides it (the vote with the greatest epoch,
//! then last zxid, then server id wins once a majority holds it, confirmed after
//! `finalizeWait`, 200 ms; a server that finds an established leader follows it);
//! discovery and synchronisation collapsed into one step (the new leader takes an epoch
//! above every vote it counted and sends its whole log, which the follower adopts,
//! `NEWLEADER`; with a majority's acknowledgement the leader commits its log and serves);
//! broadcast (a write is a proposal, each follower logs it and acknowledges, the leader
//! commits it once a majority, itself included, holds it, and tells the followers); the
//! leader's check every half `tickTime` that a majority is still with it, else it gives
//! up and looks again (`Leader.lead`, "Not sufficient followers synced"); a
//! server that crashes closes its connections, so its leader or followers learn it at
//! once. Servers log every transaction to disk before they acknowledge it, so a restart
//! keeps the log.
//!
//! A leader that has not gathered a majority of followers within `initLimit` ticks, or a
//! follower not synchronised by then, looks again.
//!
//! Left out: network partitions between servers (links between them cannot be cut, so
//! `syncLimit` never fires), snapshots, observers, client sessions (`control_plane.rs` times them from the leader's
//! establishment, as a new leader's `SessionTracker` restarts every session's timeout).
//!
//! Timing from ZooKeeper's sample `zoo.cfg`, the one tutorials start from: `tickTime`
//! 2000 ms, `initLimit` 10 ticks.

use alloc::vec::Vec;

use crate::ctx::{Ctx, Due, RaftDue};
use crate::ids::ControllerId;
use crate::raft::{Entry, Mailbox, MetadataRecord};
use crate::time::{Duration, Instant};
use crate::vecmap::VecMap;

/// The first server's `myid`; the others follow it.
pub const FIRST_ZOOKEEPER_ID: u32 = 1;

/// `tickTime` in ZooKeeper's sample `zoo.cfg`, in ms.
pub const TICK_TIME_MS: u64 = crate::config::ZOOKEEPER_TICK_TIME_MS;

/// `initLimit` in ZooKeeper's sample `zoo.cfg`, in ticks.
pub const INIT_LIMIT_TICKS: u64 = 10;

/// `FastLeaderElection.finalizeWait`: how long a server waits for a better vote once a
/// majority agrees, in ms.
pub const FINALIZE_WAIT_MS: u64 = 200;

/// A server's state, as `QuorumPeer.ServerState` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZkRole {
    Looking,
    Following(ControllerId),
    Leading,
}

impl ZkRole {
    /// The state's name as the page shows it (`leader`, `follower`, `looking`).
    pub fn name(&self) -> &'static str {
        match self {
            ZkRole::Looking => "looking",
            ZkRole::Following(_) => "follower",
            ZkRole::Leading => "leader",
        }
    }
}

/// A vote of `FastLeaderElection`: the proposed leader with its epoch and last zxid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vote {
    pub leader: ControllerId,
    pub epoch: u32,
    /// The last zxid: the epoch of the proposer's last transaction, and how many it has.
    pub zxid: (u32, u64),
}

impl Vote {
    /// `FastLeaderElection.totalOrderPredicate`: epoch, then zxid, then server id.
    fn beats(&self, other: &Vote) -> bool {
        (self.epoch, self.zxid, self.leader.0) > (other.epoch, other.zxid, other.leader.0)
    }
}

/// The messages between servers.
#[derive(Clone, Debug)]
pub enum ZkMessage {
    /// An election notification: the sender's vote, and whether it is still looking (a
    /// server that is not answers with the leader it has).
    Notification { vote: Vote, looking: bool },
    /// A follower announces itself to its leader (`FOLLOWERINFO`).
    FollowerInfo,
    /// The leader's epoch and log, which the follower adopts (`NEWLEADER`, with the
    /// `DIFF`/`TRUNC`/`SNAP` that precedes it folded in).
    NewLeader {
        epoch: u32,
        log: Vec<Entry>,
        committed: u64,
    },
    /// The follower holds the leader's log (`ACK` of `NEWLEADER`).
    AckNewLeader { epoch: u32, end: u64 },
    /// A write (`PROPOSAL`), the entry at `index`.
    Proposal {
        epoch: u32,
        index: u64,
        entry: Entry,
    },
    /// The follower logged everything below `end` (`ACK`).
    Ack { epoch: u32, end: u64 },
    /// Everything below `upto` is committed (`COMMIT`).
    Commit { epoch: u32, upto: u64 },
}

impl ZkMessage {
    /// Its name in ZooKeeper's quorum protocol (`Leader.java`'s packet types; an
    /// election's notification is `FastLeaderElection`'s).
    pub fn name(&self) -> &'static str {
        match self {
            ZkMessage::Notification { .. } => "NOTIFICATION",
            ZkMessage::FollowerInfo => "FOLLOWERINFO",
            ZkMessage::NewLeader { .. } => "NEWLEADER",
            ZkMessage::AckNewLeader { .. } | ZkMessage::Ack { .. } => "ACK",
            ZkMessage::Proposal { .. } => "PROPOSAL",
            ZkMessage::Commit { .. } => "COMMIT",
        }
    }

    /// Part of electing and establishing a leader (the votes, then the followers'
    /// synchronisation with it), not of a write's broadcast.
    pub fn election(&self) -> bool {
        matches!(
            self,
            ZkMessage::Notification { .. }
                | ZkMessage::FollowerInfo
                | ZkMessage::NewLeader { .. }
                | ZkMessage::AckNewLeader { .. }
        )
    }
}

/// One ZooKeeper server.
#[derive(Clone, Debug)]
pub struct ZkNode {
    pub id: ControllerId,
    pub up: bool,
    pub incarnation: u32,
    pub role: ZkRole,
    /// The epoch it last accepted (`currentEpoch`).
    pub epoch: u32,
    /// Its transaction log.
    pub log: Vec<Entry>,
    /// Entries below it are committed, as this server knows.
    pub high_watermark: u64,
    /// As leader: a majority acknowledged its `NEWLEADER`; it serves.
    pub established: bool,
    /// Bumped at every change of state; timers of an older state are ignored.
    generation: u32,
    /// As looking: its vote, and the votes it received in this election.
    vote: Vote,
    votes: VecMap<ControllerId, Vote>,
    /// As looking: the servers outside the election that named a leader, and whom.
    settled: VecMap<ControllerId, Vote>,
    /// As leader: each synchronised follower's log end (itself included).
    acks: VecMap<ControllerId, u64>,
    /// As leader: when it began to lead.
    since: Instant,
}

impl ZkNode {
    fn own_vote(&self) -> Vote {
        Vote {
            leader: self.id,
            epoch: self.epoch,
            zxid: (
                self.log.last().map_or(0, |e| e.epoch),
                self.log.len() as u64,
            ),
        }
    }

    /// Leads and serves.
    pub fn is_active(&self) -> bool {
        self.up && self.role == ZkRole::Leading && self.established
    }
}

/// The ensemble.
#[derive(Clone, Debug)]
pub struct ZkEnsemble {
    pub nodes: Vec<ZkNode>,
    mail: Mailbox<ZkMessage>,
}

impl ZkEnsemble {
    /// `servers` servers started together, with `records` written: as at a simultaneous
    /// start, the one with the greatest `myid` leads (the votes tie on epoch and zxid),
    /// in epoch 1.
    pub(crate) fn new(cx: &mut Ctx, servers: u32, records: Vec<MetadataRecord>) -> ZkEnsemble {
        let log: Vec<Entry> = records
            .into_iter()
            .map(|record| Entry { epoch: 1, record })
            .collect();
        let end = log.len() as u64;
        let leader = ControllerId(FIRST_ZOOKEEPER_ID + servers - 1);
        let nodes = (0..servers)
            .map(|i| {
                let id = ControllerId(FIRST_ZOOKEEPER_ID + i);
                ZkNode {
                    id,
                    up: true,
                    incarnation: 0,
                    role: if id == leader {
                        ZkRole::Leading
                    } else {
                        ZkRole::Following(leader)
                    },
                    epoch: 1,
                    log: log.clone(),
                    high_watermark: end,
                    established: id == leader,
                    generation: 0,
                    vote: Vote {
                        leader,
                        epoch: 1,
                        zxid: (1, end),
                    },
                    votes: VecMap::new(),
                    settled: VecMap::new(),
                    acks: if id == leader {
                        (0..servers)
                            .map(|j| (ControllerId(FIRST_ZOOKEEPER_ID + j), end))
                            .collect()
                    } else {
                        VecMap::new()
                    },
                    since: cx.now,
                }
            })
            .collect();
        let mut z = ZkEnsemble {
            nodes,
            mail: Mailbox::new(cx),
        };
        let i = z.index(leader).expect("the leader is a server");
        z.schedule_tick(cx, i);
        z
    }

    /// Servers needed for a majority.
    /// The messages between servers on their way.
    pub(crate) fn mail(&self) -> &Mailbox<ZkMessage> {
        &self.mail
    }

    pub fn majority(&self) -> usize {
        self.nodes.len() / 2 + 1
    }

    /// The established leader, if there is one.
    pub fn active(&self) -> Option<&ZkNode> {
        self.nodes.iter().find(|n| n.is_active())
    }

    pub fn node(&self, id: ControllerId) -> Option<&ZkNode> {
        self.nodes.iter().find(|n| n.id == id)
    }

    fn index(&self, id: ControllerId) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == id)
    }

    /// The established leader proposes `record`; `None` when there is none.
    pub(crate) fn append(&mut self, cx: &mut Ctx, record: MetadataRecord) -> Option<u64> {
        let i = self.nodes.iter().position(|n| n.is_active())?;
        let n = &mut self.nodes[i];
        let entry = Entry {
            epoch: n.epoch,
            record,
        };
        let index = n.log.len() as u64;
        n.log.push(entry.clone());
        let (id, epoch) = (n.id, n.epoch);
        n.acks.insert(id, index + 1);
        let followers: Vec<ControllerId> = n.acks.keys().copied().filter(|f| *f != id).collect();
        for f in followers {
            self.send(
                cx,
                id,
                f,
                ZkMessage::Proposal {
                    epoch,
                    index,
                    entry: entry.clone(),
                },
            );
        }
        self.maybe_commit(cx, i);
        Some(index)
    }

    // ----- failures -------------------------------------------------------------------

    /// The server's process dies; its transaction log (on disk) stays. Its connections
    /// close: its followers, or its leader, learn it at once.
    #[cfg_attr(not(feature = "control_plane"), allow(dead_code))]
    pub(crate) fn crash(&mut self, cx: &mut Ctx, id: ControllerId) -> Result<(), &'static str> {
        let i = self.index(id).ok_or("unknown")?;
        if !self.nodes[i].up {
            return Err("down");
        }
        let was = self.nodes[i].role;
        let n = &mut self.nodes[i];
        n.up = false;
        n.incarnation += 1;
        n.generation += 1;
        n.established = false;
        n.acks = VecMap::new();
        n.votes = VecMap::new();
        n.settled = VecMap::new();
        match was {
            ZkRole::Leading => self.drop_followers(cx, id),
            ZkRole::Following(l) => {
                if let Some(li) = self.index(l) {
                    self.nodes[li].acks.remove(&id);
                }
            }
            ZkRole::Looking => {}
        }
        Ok(())
    }

    /// The server starts again and looks for its leader.
    #[cfg_attr(not(feature = "control_plane"), allow(dead_code))]
    pub(crate) fn restart(&mut self, cx: &mut Ctx, id: ControllerId) -> Result<(), &'static str> {
        let i = self.index(id).ok_or("unknown")?;
        if self.nodes[i].up {
            return Err("up");
        }
        self.nodes[i].up = true;
        self.look(cx, i);
        Ok(())
    }

    /// A leader's connections closed: each of its followers looks for a new leader.
    fn drop_followers(&mut self, cx: &mut Ctx, leader: ControllerId) {
        for j in 0..self.nodes.len() {
            let n = &self.nodes[j];
            if n.up && n.role == ZkRole::Following(leader) {
                let at = cx.now + self.mail.latency();
                self.schedule_timeout(cx, j, at);
            }
        }
    }

    // ----- the state machine ----------------------------------------------------------

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

    fn schedule_tick(&mut self, cx: &mut Ctx, i: usize) {
        let n = &self.nodes[i];
        cx.schedule(
            cx.now + Duration::from_millis(TICK_TIME_MS / 2),
            Due::Raft(RaftDue::LeaderTick {
                node: n.id,
                incarnation: n.incarnation,
                generation: n.generation,
            }),
        );
    }

    fn send(&mut self, cx: &mut Ctx, from: ControllerId, to: ControllerId, m: ZkMessage) {
        self.mail.send(cx, from, to, m);
    }

    fn broadcast_vote(&mut self, cx: &mut Ctx, i: usize) {
        let (id, vote, looking) = {
            let n = &self.nodes[i];
            (n.id, n.vote, n.role == ZkRole::Looking)
        };
        let others: Vec<ControllerId> = self
            .nodes
            .iter()
            .map(|n| n.id)
            .filter(|o| *o != id)
            .collect();
        for o in others {
            self.send(cx, id, o, ZkMessage::Notification { vote, looking });
        }
    }

    /// Node `i` starts an election with its own vote.
    fn look(&mut self, cx: &mut Ctx, i: usize) {
        let was_leading = self.nodes[i].role == ZkRole::Leading;
        let id = self.nodes[i].id;
        let n = &mut self.nodes[i];
        n.role = ZkRole::Looking;
        n.generation += 1;
        n.established = false;
        n.acks = VecMap::new();
        n.vote = n.own_vote();
        n.votes = VecMap::new();
        n.settled = VecMap::new();
        let own = n.vote;
        n.votes.insert(id, own);
        if was_leading {
            self.drop_followers(cx, id);
        }
        self.broadcast_vote(cx, i);
        // Alone in an ensemble of one, or with a majority already agreeing.
        self.maybe_decide(cx, i);
    }

    /// A majority holds node `i`'s vote: decide after `finalizeWait` unless a better one
    /// comes.
    fn maybe_decide(&mut self, cx: &mut Ctx, i: usize) {
        let n = &self.nodes[i];
        let agree = n.votes.values().filter(|v| **v == n.vote).count();
        if agree >= self.majority() {
            let at = cx.now + Duration::from_millis(FINALIZE_WAIT_MS);
            self.schedule_timeout(cx, i, at);
        }
    }

    fn follow(&mut self, cx: &mut Ctx, i: usize, leader: ControllerId) {
        let n = &mut self.nodes[i];
        n.role = ZkRole::Following(leader);
        n.generation += 1;
        n.votes = VecMap::new();
        n.settled = VecMap::new();
        let id = n.id;
        self.send(cx, id, leader, ZkMessage::FollowerInfo);
        // Not synchronised within `initLimit`: it looks again.
        let at = cx.now + Duration::from_millis(INIT_LIMIT_TICKS * TICK_TIME_MS);
        self.schedule_timeout(cx, i, at);
    }

    fn lead(&mut self, cx: &mut Ctx, i: usize) {
        let n = &mut self.nodes[i];
        // An epoch above every one its voters accepted.
        let top = n.votes.values().map(|v| v.epoch).max().unwrap_or(0);
        n.epoch = n.epoch.max(top) + 1;
        n.role = ZkRole::Leading;
        n.generation += 1;
        n.established = false;
        n.since = cx.now;
        let (id, end) = (n.id, n.log.len() as u64);
        n.acks = VecMap::new();
        n.acks.insert(id, end);
        n.votes = VecMap::new();
        n.settled = VecMap::new();
        self.schedule_tick(cx, i);
        self.maybe_establish(cx, i);
    }

    fn maybe_establish(&mut self, cx: &mut Ctx, i: usize) {
        let majority = self.majority();
        let n = &mut self.nodes[i];
        if n.established || n.acks.len() < majority {
            return;
        }
        n.established = true;
        // Everything the new leader holds is committed (ZAB's synchronisation phase).
        n.high_watermark = n.log.len() as u64;
        self.announce_commit(cx, i);
    }

    fn maybe_commit(&mut self, cx: &mut Ctx, i: usize) {
        let majority = self.majority();
        let n = &mut self.nodes[i];
        if !n.established {
            return;
        }
        let mut ends: Vec<u64> = n.acks.values().copied().collect();
        ends.sort_unstable_by(|a, b| b.cmp(a));
        let Some(&held) = ends.get(majority - 1) else {
            return;
        };
        if held > n.high_watermark {
            n.high_watermark = held;
            self.announce_commit(cx, i);
        }
    }

    fn announce_commit(&mut self, cx: &mut Ctx, i: usize) {
        let n = &self.nodes[i];
        let (id, epoch, upto) = (n.id, n.epoch, n.high_watermark);
        let followers: Vec<ControllerId> = n.acks.keys().copied().filter(|f| *f != id).collect();
        for f in followers {
            self.send(cx, id, f, ZkMessage::Commit { epoch, upto });
        }
    }

    /// What is due to the ensemble.
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
                let Some(i) = self.timer_of(node, incarnation, generation) else {
                    return;
                };
                let n = &self.nodes[i];
                match n.role {
                    // The election's decision after `finalizeWait`.
                    ZkRole::Looking => {
                        let agree = n.votes.values().filter(|v| **v == n.vote).count();
                        if agree < self.majority() {
                            return;
                        }
                        let leader = n.vote.leader;
                        if leader == n.id {
                            self.lead(cx, i);
                        } else {
                            self.follow(cx, i, leader);
                        }
                    }
                    // Its leader's connection closed, or it was not synchronised in time.
                    ZkRole::Following(_) => self.look(cx, i),
                    ZkRole::Leading => {}
                }
            }
            RaftDue::LeaderTick {
                node,
                incarnation,
                generation,
            } => {
                let Some(i) = self.timer_of(node, incarnation, generation) else {
                    return;
                };
                let n = &self.nodes[i];
                if n.role != ZkRole::Leading {
                    return;
                }
                // `Leader.lead`: every half tick, a majority must still be synchronised
                // with it; one not established waits for its followers up to `initLimit`.
                let waited =
                    cx.now.since(n.since) >= Duration::from_millis(INIT_LIMIT_TICKS * TICK_TIME_MS);
                if n.acks.len() < self.majority() && (n.established || waited) {
                    self.look(cx, i);
                    return;
                }
                self.schedule_tick(cx, i);
            }
            // Brokers' metadata (`broker_metadata.rs`), and KRaft's holds.
            RaftDue::HoldOver { .. }
            | RaftDue::Metadata(_)
            | RaftDue::MetadataHoldOver { .. }
            | RaftDue::Heartbeat { .. } => {}
        }
    }

    /// The server a timer is for, if it is still in the state that set it.
    fn timer_of(&self, node: ControllerId, incarnation: u32, generation: u32) -> Option<usize> {
        let i = self.index(node)?;
        let n = &self.nodes[i];
        (n.up && n.incarnation == incarnation && n.generation == generation).then_some(i)
    }

    fn receive(&mut self, cx: &mut Ctx, i: usize, from: ControllerId, m: ZkMessage) {
        let majority = self.majority();
        match m {
            ZkMessage::Notification { vote, looking } => {
                let me = self.nodes[i].role;
                if me != ZkRole::Looking {
                    // Tell a looking server whom it follows.
                    if looking {
                        let leader = match me {
                            ZkRole::Following(l) => l,
                            _ => self.nodes[i].id,
                        };
                        let epoch = self.nodes[i].epoch;
                        let answer = Vote {
                            leader,
                            epoch,
                            zxid: (0, 0),
                        };
                        let id = self.nodes[i].id;
                        self.send(
                            cx,
                            id,
                            from,
                            ZkMessage::Notification {
                                vote: answer,
                                looking: false,
                            },
                        );
                    }
                    return;
                }
                if !looking {
                    // A server outside the election names its leader: follow it once a
                    // majority, counting this one, agrees and the leader itself said so.
                    let n = &mut self.nodes[i];
                    n.settled.insert(from, vote);
                    let named = n
                        .settled
                        .values()
                        .filter(|v| v.leader == vote.leader && v.epoch == vote.epoch)
                        .count();
                    let leader_said = n.settled.get(&vote.leader) == Some(&vote);
                    if leader_said && named + 1 >= majority {
                        self.follow(cx, i, vote.leader);
                    }
                    return;
                }
                let n = &mut self.nodes[i];
                n.votes.insert(from, vote);
                if vote.beats(&n.vote) {
                    n.vote = vote;
                    n.generation += 1;
                    let id = n.id;
                    n.votes.insert(id, vote);
                    self.broadcast_vote(cx, i);
                } else if n.vote.beats(&vote) {
                    let (id, mine) = (n.id, n.vote);
                    self.send(
                        cx,
                        id,
                        from,
                        ZkMessage::Notification {
                            vote: mine,
                            looking: true,
                        },
                    );
                }
                self.maybe_decide(cx, i);
            }
            ZkMessage::FollowerInfo => {
                let n = &self.nodes[i];
                if n.role != ZkRole::Leading {
                    return;
                }
                let (id, epoch, log, committed) = (n.id, n.epoch, n.log.clone(), n.high_watermark);
                self.send(
                    cx,
                    id,
                    from,
                    ZkMessage::NewLeader {
                        epoch,
                        log,
                        committed,
                    },
                );
            }
            ZkMessage::NewLeader {
                epoch,
                log,
                committed,
            } => {
                let n = &mut self.nodes[i];
                if n.role != ZkRole::Following(from) || epoch < n.epoch {
                    return;
                }
                n.epoch = epoch;
                n.log = log;
                n.high_watermark = committed.min(n.log.len() as u64);
                n.generation += 1;
                let (id, end) = (n.id, n.log.len() as u64);
                self.send(cx, id, from, ZkMessage::AckNewLeader { epoch, end });
            }
            ZkMessage::AckNewLeader { epoch, end } => {
                let n = &mut self.nodes[i];
                if n.role != ZkRole::Leading || epoch != n.epoch {
                    return;
                }
                n.acks.insert(from, end);
                let (id, established) = (n.id, n.established);
                if established {
                    // A follower joining an established leader: what it missed since
                    // its NEWLEADER, then the commit point.
                    let missed: Vec<(u64, Entry)> = n
                        .log
                        .iter()
                        .enumerate()
                        .skip(end as usize)
                        .map(|(k, e)| (k as u64, e.clone()))
                        .collect();
                    let upto = n.high_watermark;
                    for (index, entry) in missed {
                        self.send(
                            cx,
                            id,
                            from,
                            ZkMessage::Proposal {
                                epoch,
                                index,
                                entry,
                            },
                        );
                    }
                    self.send(cx, id, from, ZkMessage::Commit { epoch, upto });
                } else {
                    self.maybe_establish(cx, i);
                }
            }
            ZkMessage::Proposal {
                epoch,
                index,
                entry,
            } => {
                let n = &mut self.nodes[i];
                if n.role != ZkRole::Following(from) || epoch != n.epoch {
                    return;
                }
                if index == n.log.len() as u64 {
                    n.log.push(entry);
                }
                let (id, end) = (n.id, n.log.len() as u64);
                self.send(cx, id, from, ZkMessage::Ack { epoch, end });
            }
            ZkMessage::Ack { epoch, end } => {
                let n = &mut self.nodes[i];
                if n.role != ZkRole::Leading || epoch != n.epoch || !n.acks.contains_key(&from) {
                    return;
                }
                n.acks.insert(from, end);
                self.maybe_commit(cx, i);
            }
            ZkMessage::Commit { epoch, upto } => {
                let n = &mut self.nodes[i];
                if n.role != ZkRole::Following(from) || epoch != n.epoch {
                    return;
                }
                n.high_watermark = n.high_watermark.max(upto.min(n.log.len() as u64));
            }
        }
    }
}
