//! The control plane with `controller.quorum.voters` set: the controller's decisions
//! (`controller.rs`) become metadata records that the KRaft quorum (`raft.rs`) must
//! commit before any broker acts on them.
//!
//! The active controller (`QuorumController`) decides against its own image, which runs
//! ahead of the committed one by the records it has appended and not yet committed
//! (`decided`): an ISR member it removed is not removed twice, a partition it moved is
//! not moved again. The brokers, the clients and the invariants see the committed image
//! (`Sim::partition`). With no active controller nothing is decided: fencing, elections
//! and ISR changes wait, and brokers go on with what they know. A new active controller
//! starts every broker's session afresh (its `BrokerHeartbeatManager` starts empty).
//!
//! In ZooKeeper mode (`metadata_mode`, Kafka 3.9 and earlier) a ZooKeeper ensemble
//! (`zookeeper.rs`) commits the same decisions as znode writes, and the controller is a
//! broker: the one whose write of the ephemeral `/controller` znode committed
//! (`KafkaController.elect`, with `/controller_epoch`). A broker's liveness is its
//! ZooKeeper session: the ensemble's leader expires a silent broker's session after
//! `zookeeper.session.timeout.ms`, counted from the broker's crash or from the
//! leader's establishment, whichever is later (a new leader's `SessionTracker` restarts
//! every session); its `/brokers/ids/N` goes with it, and the controller moves its
//! partitions. When the expired session is the controller's own, `/controller` goes too
//! and the live brokers race to create it (the winner drawn from the seeded RNG); the
//! new controller then handles every broker that died meanwhile and elects leaders for
//! the offline partitions (`KafkaController.onControllerFailover`). Partition leaders
//! send their ISR changes to the controller (AlterPartition, KIP-497, since 2.7), which
//! writes them to `/brokers/topics/T/partitions/N/state`.
//!
//! What committed reaches each broker on its own way (`broker_metadata.rs`): KRaft
//! brokers fetch the log as observers, and in ZooKeeper mode the controller broker sends
//! it. Simplified: a broker's fencing and registration, and the creation of partitions,
//! are decided at once while a controller is active, and written to the log as records. In ZooKeeper mode a broker
//! restarted while its old session lives waits for it to expire (Kafka's broker fails
//! to start, `NodeExistsException` on `/brokers/ids/N`, and must be started again), and
//! registers once a controller can tell it its partitions.

#[cfg(feature = "control_plane")]
use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::broker_metadata::{BrokerImage, MetadataMessage};
use crate::config::MetadataMode;
use crate::ctx::{Ctx, Due};
#[cfg(feature = "control_plane")]
use crate::event::Event;
use crate::ids::{BrokerId, TopicPartition};
use crate::metadata::PartitionState;
use crate::raft::{ControllerId, Entry, Mailbox, MetadataRecord, Quorum, QuorumConfig, RaftDue};
use crate::rng::Rng;
#[cfg(feature = "control_plane")]
use crate::sim::CommandError;
use crate::sim::Sim;
use crate::time::{Duration, Instant};
use crate::vecmap::VecMap;
use crate::zookeeper::ZkEnsemble;

/// Whether this build links the controller quorum (kscope-core's `control_plane`
/// feature; the page's first load leaves it out).
pub const CONTROL_PLANE: bool = cfg!(feature = "control_plane");

/// Where `Sim` keeps its control plane: nothing at all in a build without the
/// `control_plane` feature, so that the page's first load carries none of its code
/// (not even the cloning of an always-empty `Option`).
#[derive(Clone, Debug, Default)]
pub(crate) struct ControlSlot(#[cfg(feature = "control_plane")] Option<Box<ControlPlane>>);

impl ControlSlot {
    pub(crate) fn get(&self) -> Option<&ControlPlane> {
        #[cfg(feature = "control_plane")]
        return self.0.as_deref();
        #[cfg(not(feature = "control_plane"))]
        None
    }

    pub(crate) fn get_mut(&mut self) -> Option<&mut ControlPlane> {
        #[cfg(feature = "control_plane")]
        return self.0.as_deref_mut();
        #[cfg(not(feature = "control_plane"))]
        None
    }

    /// Broker `b`'s own image of the topics, when the cluster runs a control plane.
    pub(crate) fn image(&self, b: BrokerId) -> Option<&[crate::metadata::Topic]> {
        self.get()
            .and_then(|c| c.images.get(&b))
            .map(|i| &i.topics[..])
    }

    fn set(&mut self, c: ControlPlane) {
        #[cfg(feature = "control_plane")]
        {
            self.0 = Some(Box::new(c));
        }
        #[cfg(not(feature = "control_plane"))]
        drop(c);
    }
}

/// What commits the controller's decisions.
#[derive(Clone, Debug)]
pub enum Ensemble {
    /// The KRaft controller quorum (`controller.quorum.voters`).
    KRaft(Quorum),
    /// A ZooKeeper ensemble (ZooKeeper mode).
    ZooKeeper(ZkEnsemble),
}

/// One node of the ensemble (a KRaft controller or a ZooKeeper server), as the page and
/// the invariants read it.
#[derive(Clone, Copy, Debug)]
pub struct NodeView<'a> {
    pub id: ControllerId,
    pub up: bool,
    /// Its role in lower case: KRaft's `QuorumState` names, or ZooKeeper's `leader`,
    /// `follower`, `looking`.
    pub role: &'static str,
    /// It leads its epoch (KRaft's leader; ZooKeeper's leader once established).
    pub leads: bool,
    pub epoch: u32,
    pub log: &'a [Entry],
    /// Entries below it are committed, as this node knows.
    pub committed: u64,
}

impl Ensemble {
    /// Every node.
    pub fn nodes(&self) -> Vec<NodeView<'_>> {
        match self {
            Ensemble::KRaft(q) => q.nodes.iter().map(kraft_view).collect(),
            Ensemble::ZooKeeper(z) => z.nodes.iter().map(zookeeper_view).collect(),
        }
    }

    /// Nodes needed for a majority.
    pub fn majority(&self) -> usize {
        match self {
            Ensemble::KRaft(q) => q.majority(),
            Ensemble::ZooKeeper(z) => z.majority(),
        }
    }

    /// The node that commits now (KRaft's active controller, ZooKeeper's established
    /// leader), if there is one.
    pub fn active(&self) -> Option<NodeView<'_>> {
        match self {
            Ensemble::KRaft(q) => q.active().map(kraft_view),
            Ensemble::ZooKeeper(z) => z.active().map(zookeeper_view),
        }
    }

    /// The messages between its nodes on their way (the broker's metadata messages are
    /// [`ControlPlane::metadata_in_flight`]'s).
    pub fn messages(&self) -> Vec<QuorumMessage> {
        match self {
            Ensemble::KRaft(q) => in_flight(q.mail(), |m| (m.name(), m.election())),
            Ensemble::ZooKeeper(z) => in_flight(z.mail(), |m| (m.name(), m.election())),
        }
    }

    fn append(&mut self, cx: &mut Ctx, record: MetadataRecord) -> Option<u64> {
        match self {
            Ensemble::KRaft(q) => q.append(cx, record),
            Ensemble::ZooKeeper(z) => z.append(cx, record),
        }
    }

    fn handle(&mut self, cx: &mut Ctx, due: RaftDue) {
        match self {
            Ensemble::KRaft(q) => q.handle(cx, due),
            Ensemble::ZooKeeper(z) => z.handle(cx, due),
        }
    }
}

/// A message between two nodes of the ensemble, on its way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuorumMessage {
    /// Its id on the ensemble's channel.
    pub id: u64,
    pub from: ControllerId,
    pub to: ControllerId,
    pub sent_at: Instant,
    pub deliver_at: Instant,
    /// Its name in the protocol: KRaft's RPCs (`Vote`, `FetchResponse`), ZooKeeper's
    /// packets (`NOTIFICATION`, `PROPOSAL`).
    pub name: &'static str,
    /// Part of an election, not of the log's replication.
    pub election: bool,
}

fn in_flight<M>(
    mail: &Mailbox<M>,
    what: impl Fn(&M) -> (&'static str, bool),
) -> Vec<QuorumMessage> {
    let latency = mail.latency();
    mail.in_flight()
        .map(|(id, sent_at, from, to, m)| {
            let (name, election) = what(m);
            QuorumMessage {
                id,
                from,
                to,
                sent_at,
                deliver_at: sent_at + latency,
                name,
                election,
            }
        })
        .collect()
}

fn kraft_view(n: &crate::raft::ControllerNode) -> NodeView<'_> {
    NodeView {
        id: n.id,
        up: n.up,
        role: n.role.name(),
        leads: n.role == crate::raft::Role::Leader,
        epoch: n.epoch,
        log: &n.log,
        committed: n.high_watermark,
    }
}

fn zookeeper_view(n: &crate::zookeeper::ZkNode) -> NodeView<'_> {
    NodeView {
        id: n.id,
        up: n.up,
        role: n.role.name(),
        // ZAB's epochs are one leader's once a majority took it.
        leads: n.role == crate::zookeeper::ZkRole::Leading && n.established,
        epoch: n.epoch,
        log: &n.log,
        committed: n.high_watermark,
    }
}

/// The controller quorum, or the ZooKeeper ensemble, and what the simulation keeps
/// beside it.
#[derive(Clone, Debug)]
pub struct ControlPlane {
    pub ensemble: Ensemble,
    /// The log's entries below this offset are in the committed image.
    pub applied: u64,
    /// The active controller's decisions not yet committed, by partition.
    pub(crate) working: VecMap<TopicPartition, PartitionState>,
    /// The node that commits (KRaft's active controller, ZooKeeper's leader) and its
    /// epoch. Brokers' sessions count from when it became so.
    pub active: Option<(ControllerId, u32)>,
    /// When the active node became active.
    pub active_since: Instant,
    /// ZooKeeper mode: the controller broker and its `controller_epoch`, as committed in
    /// `/controller` (none while the znode is gone).
    pub controller: Option<(BrokerId, u32)>,
    /// ZooKeeper mode: the latest committed `controller_epoch`.
    pub controller_epoch: u32,
    /// ZooKeeper mode: a broker's write of `/controller` waits to commit.
    controller_pending: bool,
    /// ZooKeeper mode: who wins the race to create `/controller`.
    rng: Rng,
    /// Each broker's image of the metadata (`broker_metadata.rs`).
    pub images: VecMap<BrokerId, BrokerImage>,
    /// The brokers' metadata messages on their way.
    pub(crate) mail: Mailbox<MetadataMessage>,
    /// KRaft: the brokers' fetches the active controller holds (fetch id, offset).
    pub(crate) held: VecMap<BrokerId, (u64, u64)>,
    /// When the active controller last heard each broker's heartbeat (KRaft), or when
    /// the broker crashed (ZooKeeper mode); forgotten when another node becomes active.
    pub last_contact: VecMap<BrokerId, Instant>,
    /// The id of the next broker request (fetch, heartbeat or AlterPartition).
    pub(crate) next_request: u64,
    /// AlterPartition requests the controller took, to answer once what they changed
    /// has committed.
    pub(crate) alter_answers: Vec<crate::broker_metadata::AlterAnswer>,
}

impl ControlPlane {
    /// The KRaft quorum, in KRaft mode.
    pub fn quorum(&self) -> Option<&Quorum> {
        match &self.ensemble {
            Ensemble::KRaft(q) => Some(q),
            Ensemble::ZooKeeper(_) => None,
        }
    }

    /// The ZooKeeper ensemble, in ZooKeeper mode.
    pub fn zookeeper(&self) -> Option<&ZkEnsemble> {
        match &self.ensemble {
            Ensemble::ZooKeeper(z) => Some(z),
            Ensemble::KRaft(_) => None,
        }
    }

    #[cfg(test)]
    pub(crate) fn quorum_mut(&mut self) -> Option<&mut Quorum> {
        match &mut self.ensemble {
            Ensemble::KRaft(q) => Some(q),
            Ensemble::ZooKeeper(_) => None,
        }
    }
}

impl Sim {
    /// Starts the controller quorum, or the ZooKeeper ensemble, with the metadata the
    /// cluster was created with.
    pub(crate) fn start_control_plane(&mut self) {
        let zookeeper = self.config.broker.metadata_mode == MetadataMode::ZooKeeper;
        let voters = self.config.broker.controller_quorum_voters;
        if !CONTROL_PLANE || (voters == 0 && !zookeeper) {
            return;
        }
        let mut records: Vec<MetadataRecord> = self
            .brokers
            .keys()
            .map(|b| MetadataRecord::RegisterBroker(*b))
            .collect();
        for tp in self.all_partitions().collect::<Vec<_>>() {
            records.push(MetadataRecord::Partition(tp, self.partition(tp).clone()));
        }
        // The first broker to start created `/controller`.
        let first = self.brokers.keys().next().copied();
        let ensemble = if zookeeper {
            if let Some(b) = first {
                records.push(MetadataRecord::Controller {
                    broker: b,
                    epoch: 1,
                });
            }
            Ensemble::ZooKeeper(ZkEnsemble::new(
                &mut self.cx,
                self.config.broker.zookeeper_servers,
                records,
            ))
        } else {
            let config = QuorumConfig::of(&self.config.broker);
            Ensemble::KRaft(Quorum::new(
                &mut self.cx,
                config,
                voters,
                records,
                Rng::new(self.seed, 11),
            ))
        };
        let active = ensemble.active().map(|n| (n.id, n.epoch));
        let applied = ensemble.active().map_or(0, |n| n.committed);
        let controller = if zookeeper {
            first.map(|b| (b, 1))
        } else {
            None
        };
        self.control.set(ControlPlane {
            ensemble,
            applied,
            working: VecMap::new(),
            active,
            active_since: self.cx.now,
            controller,
            controller_epoch: controller.map_or(0, |(_, e)| e),
            controller_pending: false,
            rng: Rng::new(self.seed, 12),
            images: self
                .brokers
                .keys()
                .map(|b| (*b, BrokerImage::new(applied, self.topics.clone())))
                .collect(),
            mail: Mailbox::delivered_by(&self.cx, RaftDue::Metadata),
            held: VecMap::new(),
            last_contact: VecMap::new(),
            next_request: 0,
            alter_answers: Vec::new(),
        });
        self.metadata_controller_changed();
    }

    /// Whether the cluster keeps its metadata in a ZooKeeper ensemble.
    pub fn zookeeper_mode(&self) -> bool {
        self.control_plane()
            .is_some_and(|c| c.zookeeper().is_some())
    }

    /// How long a silent broker keeps its session: `broker.session.timeout.ms` (KRaft),
    /// `zookeeper.session.timeout.ms` (ZooKeeper mode).
    pub(crate) fn session_timeout(&self) -> Duration {
        let b = &self.config.broker;
        Duration::from_millis(if self.zookeeper_mode() {
            b.zookeeper_session_timeout_ms
        } else {
            b.broker_session_timeout_ms
        })
    }

    /// ZooKeeper mode: the controller broker, when it is up and its `/controller`
    /// committed while the ensemble has a leader.
    pub fn controller_broker(&self) -> Option<(BrokerId, u32)> {
        let c = self.control_plane()?;
        c.active?;
        c.controller
            .filter(|(b, _)| self.brokers.get(b).is_some_and(|b| b.up))
    }

    /// The controller quorum, when the cluster runs one.
    pub fn control_plane(&self) -> Option<&ControlPlane> {
        self.control.get()
    }

    fn control_plane_mut(&mut self) -> Option<&mut ControlPlane> {
        self.control.get_mut()
    }

    /// Whether a controller can decide now: always with the idealised controller, only
    /// while one is active with a quorum; in ZooKeeper mode, while the ensemble has a
    /// leader and the controller broker is up.
    pub(crate) fn controller_ready(&self) -> bool {
        match self.control_plane() {
            None => true,
            Some(c) if c.zookeeper().is_some() => self.controller_broker().is_some(),
            Some(c) => c.active.is_some(),
        }
    }

    /// Whether a restarted broker can register now: with a controller ready; in
    /// ZooKeeper mode also while nobody holds `/controller` (the broker will).
    pub(crate) fn registration_open(&self) -> bool {
        match self.control_plane() {
            Some(c) if c.zookeeper().is_some() => {
                self.controller_ready()
                    || (c.active.is_some() && c.controller.is_none() && !c.controller_pending)
            }
            _ => self.controller_ready(),
        }
    }

    /// Whether decisions wait for the quorum to commit them.
    pub(crate) fn decisions_wait(&self) -> bool {
        self.control_plane().is_some()
    }

    /// A partition as the controller has decided it (its uncommitted decisions
    /// included).
    pub(crate) fn decided(&self, tp: TopicPartition) -> &PartitionState {
        if let Some(p) = self.control_plane().and_then(|c| c.working.get(&tp)) {
            return p;
        }
        self.partition(tp)
    }

    /// The controller's image of a partition, to change.
    pub(crate) fn decided_mut(&mut self, tp: TopicPartition) -> &mut PartitionState {
        if self.decisions_wait() {
            let committed = self.partition(tp).clone();
            let c = self.control_plane_mut().expect("a control plane");
            return c.working.entry(tp).or_insert(committed);
        }
        self.partition_mut(tp)
    }

    /// The controller decided `tp`'s state: with the idealised controller every replica
    /// learns it now; with a quorum it is appended to the metadata log and the brokers
    /// learn it once it commits.
    pub(crate) fn publish(&mut self, tp: TopicPartition) {
        if !self.decisions_wait() {
            self.install_leadership(tp);
            return;
        }
        let state = self.decided(tp).clone();
        let c = self.control.get_mut().expect("a control plane");
        c.ensemble
            .append(&mut self.cx, MetadataRecord::Partition(tp, state));
    }

    /// Writes a broker's fencing or registration to the metadata log. A fenced broker's
    /// session is over (`BrokerHeartbeatManager.fence`).
    pub(crate) fn record_broker(&mut self, record: MetadataRecord) {
        if self.decisions_wait() {
            let c = self.control.get_mut().expect("a control plane");
            if let MetadataRecord::FenceBroker(b) = record {
                c.last_contact.remove(&b);
            }
            c.ensemble.append(&mut self.cx, record);
        }
    }

    /// Something due to the quorum, or to the brokers' metadata.
    pub(crate) fn quorum_due(&mut self, due: RaftDue) {
        if matches!(
            due,
            RaftDue::Metadata(_) | RaftDue::MetadataHoldOver { .. } | RaftDue::Heartbeat { .. }
        ) {
            self.metadata_due(due);
        } else if let Some(c) = self.control.get_mut() {
            c.ensemble.handle(&mut self.cx, due);
        }
    }

    /// After every item: a change of active controller, and what the quorum committed
    /// since, carried out; again while that commits more at once (a lone ZooKeeper
    /// server or KRaft voter commits what it appends as it appends it).
    pub(crate) fn settle_control_plane(&mut self) {
        if !CONTROL_PLANE {
            return;
        }
        loop {
            self.settle_once();
            let Some(c) = self.control_plane() else {
                return;
            };
            if c.ensemble.active().is_none_or(|n| n.committed <= c.applied) {
                return;
            }
        }
    }

    fn settle_once(&mut self) {
        let Some(c) = self.control.get_mut() else {
            return;
        };
        let zookeeper = c.zookeeper().is_some();
        let node = c.ensemble.active();
        let active = node.map(|n| (n.id, n.epoch));
        // What the active node has committed.
        let committed: Vec<MetadataRecord> = match node {
            Some(n) if n.committed > c.applied => {
                let from = c.applied as usize;
                c.applied = n.committed;
                n.log[from..n.committed as usize]
                    .iter()
                    .map(|e| e.record.clone())
                    .collect()
            }
            _ => Vec::new(),
        };
        let changed = active != c.active;
        if changed {
            c.active = active;
            c.active_since = self.cx.now;
            c.last_contact = VecMap::new();
            // A controller that lost its leadership drops what it had not committed; a
            // new one decides from the committed log.
            c.working = VecMap::new();
            // A write of `/controller` may be lost with the leader that took it.
            c.controller_pending = false;
        }
        let mut touched: Vec<TopicPartition> = Vec::new();
        // A broker's registration committed: it is unfenced and starts its fetchers.
        let registered = committed
            .iter()
            .any(|r| matches!(r, MetadataRecord::RegisterBroker(_)));
        let mut elected = None;
        for record in committed {
            match record {
                MetadataRecord::Partition(tp, state) => {
                    let c = self.control_plane_mut().expect("a control plane");
                    if c.working.get(&tp) == Some(&state) {
                        c.working.remove(&tp);
                    }
                    *self.partition_mut(tp) = state;
                    if !touched.contains(&tp) {
                        touched.push(tp);
                    }
                }
                MetadataRecord::Controller { broker, epoch } => {
                    let c = self.control_plane_mut().expect("a control plane");
                    c.controller = Some((broker, epoch));
                    c.controller_epoch = epoch;
                    c.controller_pending = false;
                    elected = Some((broker, epoch));
                }
                _ => {}
            }
        }
        if changed || elected.is_some() {
            self.forget_alter_partitions(None);
        }
        // (The first load links neither mode's quorum: its events are the full build's.)
        #[cfg(feature = "control_plane")]
        if changed {
            let (node, epoch) = (active.map(|(n, _)| n), active.map_or(0, |(_, e)| e));
            self.cx.emit(if zookeeper {
                Event::ZooKeeperLeader { node, epoch }
            } else {
                Event::ActiveController { node, epoch }
            });
        }
        #[cfg(feature = "control_plane")]
        if let Some((broker, epoch)) = elected {
            self.cx.emit(Event::ControllerElected { broker, epoch });
        }
        // The brokers learn what committed as it reaches them (`broker_metadata.rs`).
        if changed && !zookeeper {
            self.metadata_controller_changed();
        }
        self.propagate_metadata();
        self.answer_alter_partitions();
        if !touched.is_empty() || registered {
            self.after_metadata_change();
        }
        if changed && active.is_some() {
            self.on_controller_activated();
        }
        if zookeeper && active.is_some() {
            if elected.is_some() && self.controller_ready() {
                self.on_zookeeper_controller_elected();
            }
            let c = self.control_plane().expect("a control plane");
            if c.controller.is_none() && !c.controller_pending {
                self.elect_zookeeper_controller();
            }
        }
    }

    /// A new active controller (KRaft), or a new ZooKeeper leader: every broker's session
    /// starts now (a crashed broker is fenced, or its session expires, one session
    /// timeout from here), and brokers waiting to register do, once they can.
    fn on_controller_activated(&mut self) {
        let timeout = self.session_timeout();
        let silent: Vec<_> = self
            .brokers
            .values()
            .filter(|b| !b.up && !b.fenced)
            .map(|b| (b.id, b.incarnation))
            .collect();
        for (broker, incarnation) in silent {
            self.cx.schedule(
                self.cx.now + timeout,
                Due::FenceBroker {
                    broker,
                    incarnation,
                },
            );
        }
        if self.controller_ready() {
            self.register_waiting_brokers();
        }
    }

    fn register_waiting_brokers(&mut self) {
        let waiting: Vec<_> = self
            .brokers
            .values()
            .filter(|b| b.registering && b.fenced)
            .map(|b| b.id)
            .collect();
        for b in waiting {
            self.register_waiting_broker(b);
        }
    }

    /// ZooKeeper mode: the live brokers race to create `/controller`; the winner writes
    /// it with the next `controller_epoch`. Nobody, when no broker is up.
    fn elect_zookeeper_controller(&mut self) {
        let candidates: Vec<BrokerId> = self
            .brokers
            .values()
            .filter(|b| b.up && !b.fenced)
            .map(|b| b.id)
            .collect();
        if candidates.is_empty() {
            return;
        }
        let c = self.control.get_mut().expect("a control plane");
        let winner = candidates[c.rng.below(candidates.len() as u32) as usize];
        let epoch = c.controller_epoch + 1;
        let record = MetadataRecord::Controller {
            broker: winner,
            epoch,
        };
        c.controller_pending = c.ensemble.append(&mut self.cx, record).is_some();
    }

    /// ZooKeeper mode: a new controller broker (`onControllerFailover`) handles the
    /// brokers whose sessions expired while there was none, lets the brokers waiting to
    /// register do so, and elects leaders for the offline partitions.
    fn on_zookeeper_controller_elected(&mut self) {
        let dead: Vec<BrokerId> = self
            .brokers
            .values()
            .filter(|b| !b.up && b.fenced)
            .map(|b| b.id)
            .collect();
        for b in dead {
            self.on_broker_failure(b);
        }
        self.register_waiting_brokers();
        self.resend_metadata(None);
        let offline: Vec<TopicPartition> = self
            .all_partitions()
            .filter(|tp| self.decided(*tp).leader.is_none())
            .collect();
        for tp in offline {
            self.elect_leader(tp);
        }
        self.after_controller_change();
    }

    /// ZooKeeper mode: a silent broker's session expired. Its registration goes; if it
    /// was the controller, `/controller` goes too and the live brokers elect another;
    /// otherwise the controller moves its partitions.
    pub(crate) fn expire_session(&mut self, id: BrokerId) {
        self.brokers.get_mut(&id).expect("known broker").fenced = true;
        #[cfg(feature = "control_plane")]
        self.cx.emit(Event::BrokerSessionExpired { broker: id });
        self.record_broker(MetadataRecord::FenceBroker(id));
        let c = self.control.get_mut().expect("a control plane");
        if c.controller.is_some_and(|(b, _)| b == id) {
            c.controller = None;
            if !c.controller_pending {
                self.elect_zookeeper_controller();
            }
        } else if self.controller_ready() {
            self.on_broker_failure(id);
        }
    }

    /// When broker `b`'s session runs out if it is not heard from again: with the
    /// idealised controller, a session timeout from now; with a quorum, from the later of
    /// the active controller's activation and the broker's last heartbeat it received
    /// (KRaft; ZooKeeper mode counts from the activation of the ensemble's leader).
    pub fn session_deadline(&self, b: BrokerId) -> Instant {
        let start = match self.control_plane() {
            None => self.cx.now,
            Some(c) => c
                .last_contact
                .get(&b)
                .copied()
                .unwrap_or(c.active_since)
                .max(c.active_since),
        };
        start + self.session_timeout()
    }

    /// ZooKeeper mode: broker `b`'s process died, and its ZooKeeper session is heard from
    /// no more (its client's pings are not modelled one by one: the session counts from
    /// the crash).
    pub(crate) fn session_lost(&mut self, b: BrokerId) {
        let now = self.cx.now;
        if let Some(c) = self.control_plane_mut().filter(|c| c.zookeeper().is_some()) {
            c.last_contact.insert(b, now);
        }
    }

    /// Whether broker `b`'s session, as the active controller counts it, has run out.
    pub(crate) fn session_expired(&self, b: BrokerId) -> bool {
        match self.control_plane() {
            None => true,
            Some(c) => c.active.is_some() && self.cx.now >= self.session_deadline(b),
        }
    }

    #[cfg(feature = "control_plane")]
    pub(crate) fn crash_controller(&mut self, id: ControllerId) -> Result<(), CommandError> {
        self.controller_process(id, false)
    }

    #[cfg(feature = "control_plane")]
    pub(crate) fn restart_controller(&mut self, id: ControllerId) -> Result<(), CommandError> {
        self.controller_process(id, true)
    }

    /// A KRaft controller's, or a ZooKeeper server's, process dies or (`start`) starts
    /// again.
    #[cfg(feature = "control_plane")]
    fn controller_process(&mut self, id: ControllerId, start: bool) -> Result<(), CommandError> {
        let c = self.control.get_mut().ok_or_else(|| {
            CommandError(alloc::string::String::from(
                "This cluster has no controller quorum.",
            ))
        })?;
        let cx = &mut self.cx;
        let done = match (&mut c.ensemble, start) {
            (Ensemble::KRaft(q), false) => q.crash(id),
            (Ensemble::KRaft(q), true) => q.restart(cx, id),
            (Ensemble::ZooKeeper(z), false) => z.crash(cx, id),
            (Ensemble::ZooKeeper(z), true) => z.restart(cx, id),
        };
        let noun = if c.zookeeper().is_some() {
            "ZooKeeper server"
        } else {
            "Controller"
        };
        done.map_err(|e| match e {
            "down" | "up" => CommandError(alloc::format!("{noun} {} is already {e}.", id.0)),
            _ => CommandError(alloc::format!(
                "There is no {} {}.",
                noun.to_lowercase(),
                id.0
            )),
        })?;
        self.cx.emit(if start {
            Event::ControllerRestarted { node: id }
        } else {
            Event::ControllerCrashed { node: id }
        });
        Ok(())
    }
}

#[cfg(all(test, feature = "control_plane"))]
mod tests {
    use alloc::vec;
    use alloc::vec::Vec;

    use crate::broker_metadata::MetadataMessage;
    use crate::config::{KafkaVersion, MetadataMode, SimConfig};
    use crate::event::{AlterPartitionError, Event, IsrChange};
    use crate::ids::{BrokerId, TopicPartition};
    use crate::sim::Sim;
    use crate::time::Instant;

    fn cluster(zookeeper: bool) -> Sim {
        let mut config = SimConfig::default();
        config.topics[0].partitions = 9;
        if zookeeper {
            config.broker.metadata_mode = MetadataMode::ZooKeeper;
            config.broker.version = KafkaVersion::V3_9;
        } else {
            config.broker.controller_quorum_voters = 3;
        }
        let mut sim = Sim::new(config, 1).expect("valid");
        sim.step(Instant::from_millis(1_000));
        sim
    }

    /// Partition 0's leader and its two followers.
    fn replicas(sim: &Sim, tp: TopicPartition) -> (BrokerId, Vec<BrokerId>) {
        let p = sim.partition(tp).clone();
        let leader = p.leader.expect("a leader");
        let others: Vec<_> = p.isr.iter().copied().filter(|b| *b != leader).collect();
        assert_eq!(others.len(), 2, "{p:?}");
        (leader, others)
    }

    fn pending(sim: &Sim, b: BrokerId, tp: TopicPartition) -> Option<&IsrChange> {
        sim.brokers[&b].replicas[&tp].pending_isr.as_ref()
    }

    /// A leader's AlterPartition travels to the controller, which changes the ISR when
    /// it arrives and answers once the change commits; the leader asks for nothing else
    /// for the partition until the change reaches it in its metadata. In KRaft and in
    /// ZooKeeper mode.
    #[test]
    fn alter_partition_travels_to_the_controller_and_back() {
        for zookeeper in [false, true] {
            let mut sim = cluster(zookeeper);
            let tp = TopicPartition::new(crate::ids::TopicId(0), 0);
            let (leader, others) = replicas(&sim, tp);
            let c = sim.control_plane().expect("a control plane");
            let before = c.metadata_in_flight().filter(|m| !m.to_broker).count();
            sim.shrink_isr(leader, vec![(tp, others[0])]);
            // On its way: nothing decided yet, the request in flight from the leader.
            assert!(
                sim.decided(tp).isr.contains(&others[0]),
                "zookeeper {zookeeper}"
            );
            let c = sim.control_plane().expect("a control plane");
            let from_brokers: Vec<_> = c.metadata_in_flight().filter(|m| !m.to_broker).collect();
            assert_eq!(from_brokers.len(), before + 1, "{from_brokers:?}");
            assert!(from_brokers.iter().any(|m| m.broker == leader));
            let asked = pending(&sim, leader, tp).expect("pending").clone();
            assert_eq!(asked, IsrChange::Shrink(vec![others[0]]));
            // A second change for the partition waits for the first.
            sim.shrink_isr(leader, vec![(tp, others[1])]);
            assert_eq!(pending(&sim, leader, tp), Some(&asked));
            // It arrives (a network latency later): the controller takes the follower out.
            let now = sim.now();
            sim.step(now + crate::time::Duration::from_millis(30));
            assert!(
                !sim.decided(tp).isr.contains(&others[0]),
                "zookeeper {zookeeper}"
            );
            assert!(sim.decided(tp).isr.contains(&others[1]));
            // It commits and reaches the leader, which then may ask again.
            sim.step(now + crate::time::Duration::from_millis(1_000));
            assert_eq!(sim.partition(tp).isr, sim.decided(tp).isr);
            assert_eq!(
                sim.brokers[&leader].replicas[&tp].isr,
                sim.partition(tp).isr
            );
            assert_eq!(pending(&sim, leader, tp), None, "zookeeper {zookeeper}");
        }
    }

    /// A broker has one AlterPartition request in flight: the first change goes at once,
    /// and what its leaders ask for meanwhile waits for the answer and then goes together
    /// in one request (`DefaultAlterPartitionManager.maybePropagateIsrChanges`).
    #[test]
    fn a_broker_has_one_alter_partition_request_in_flight() {
        let mut sim = cluster(false);
        // Three partitions with the same leader.
        let leader = sim
            .partition(TopicPartition::new(crate::ids::TopicId(0), 0))
            .leader;
        let led: Vec<_> = (0..9)
            .map(|p| TopicPartition::new(crate::ids::TopicId(0), p))
            .filter(|tp| sim.partition(*tp).leader == leader && sim.partition(*tp).isr.len() > 1)
            .take(3)
            .collect();
        assert_eq!(led.len(), 3);
        let leader = leader.expect("a leader");
        let follower = |sim: &Sim, tp: TopicPartition| {
            *sim.partition(tp)
                .isr
                .iter()
                .find(|b| **b != leader)
                .expect("a follower")
        };
        let requests = |sim: &Sim| {
            let c = sim.control_plane().expect("a control plane");
            c.mail
                .in_flight()
                .filter_map(|(.., m)| match m {
                    MetadataMessage::AlterPartition { items, .. } => Some(items.len()),
                    _ => None,
                })
                .collect::<Vec<_>>()
        };
        let (a, b, c) = (
            follower(&sim, led[0]),
            follower(&sim, led[1]),
            follower(&sim, led[2]),
        );
        sim.shrink_isr(leader, vec![(led[0], a), (led[1], b)]);
        assert_eq!(requests(&sim), vec![1], "the first change goes at once");
        sim.shrink_isr(leader, vec![(led[2], c)]);
        assert_eq!(requests(&sim), vec![1], "the others wait for its answer");
        assert!(pending(&sim, leader, led[2]).is_some());
        // The first is taken and answered once committed; then the other two go together.
        let now = sim.now();
        let mut together = false;
        for ms in 1..=300 {
            sim.step(now + crate::time::Duration::from_millis(ms));
            together |= requests(&sim) == vec![2];
        }
        assert!(together);
        for (tp, gone) in [(led[0], a), (led[1], b), (led[2], c)] {
            assert!(!sim.decided(tp).isr.contains(&gone), "{tp:?}");
        }
    }

    /// A leader's AlterPartition built on a partition state the controller has since
    /// changed (its change not committed yet) is refused; once the change commits and
    /// reaches the leader, the leader asks again and is heard. In KRaft and in ZooKeeper
    /// mode.
    #[test]
    fn alter_partition_with_a_stale_partition_epoch_is_refused() {
        for zookeeper in [false, true] {
            let mut sim = cluster(zookeeper);
            let tp = TopicPartition::new(crate::ids::TopicId(0), 0);
            let (leader, others) = replicas(&sim, tp);
            // The controller takes one follower out; the change is not committed yet.
            sim.decided_mut(tp).isr.retain(|b| *b != others[0]);
            sim.drain_events();
            sim.shrink_isr(leader, vec![(tp, others[1])]);
            let now = sim.now();
            sim.step(now + crate::time::Duration::from_millis(30));
            assert!(sim.decided(tp).isr.contains(&others[1]), "refused");
            let events = sim.drain_events();
            assert!(
                events.iter().any(|e| matches!(
                    e.event,
                    Event::AlterPartitionRefused {
                        partition,
                        leader: l,
                        error: AlterPartitionError::InvalidUpdateVersion,
                    } if partition == tp && l == leader
                )),
                "{events:?}"
            );
            // Refused, the leader still waits: for the newer state, not for an answer.
            sim.step(now + crate::time::Duration::from_millis(200));
            assert!(pending(&sim, leader, tp).is_some(), "zookeeper {zookeeper}");
            sim.shrink_isr(leader, vec![(tp, others[1])]);
            // The change commits and reaches the leader: the wait is over, and the same
            // request is taken.
            sim.publish(tp);
            sim.step(now + crate::time::Duration::from_millis(1_000));
            assert_eq!(sim.partition(tp), sim.decided(tp));
            assert_eq!(pending(&sim, leader, tp), None);
            sim.drain_events();
            sim.shrink_isr(leader, vec![(tp, others[1])]);
            let now = sim.now();
            sim.step(now + crate::time::Duration::from_millis(30));
            let events = sim.drain_events();
            assert!(
                events.iter().any(|e| matches!(
                    e.event,
                    Event::IsrShrunk { partition, removed, .. } if partition == tp && removed == others[1]
                )),
                "zookeeper {zookeeper}: {events:?}"
            );
        }
    }

    /// Without a controller to send it to (KRaft's quorum lost), a leader's
    /// AlterPartition is not sent, and nothing waits for it.
    #[test]
    fn alter_partition_waits_for_a_controller() {
        let mut sim = cluster(false);
        let tp = TopicPartition::new(crate::ids::TopicId(0), 0);
        let (leader, others) = replicas(&sim, tp);
        let nodes: Vec<_> = sim
            .control_plane()
            .expect("a control plane")
            .ensemble
            .nodes()
            .iter()
            .map(|n| n.id)
            .collect();
        for n in nodes {
            sim.crash_controller(n).expect("up");
        }
        let now = sim.now();
        sim.step(now + crate::time::Duration::from_millis(10_000));
        assert!(sim.control_plane().expect("quorum").active.is_none());
        sim.shrink_isr(leader, vec![(tp, others[0])]);
        assert_eq!(pending(&sim, leader, tp), None);
        assert!(sim.decided(tp).isr.contains(&others[0]));
    }
}
