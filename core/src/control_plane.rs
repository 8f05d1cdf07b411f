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
//! Simplified: brokers learn a committed record when it commits (they are not modelled
//! as observers fetching the log); a broker's fencing and registration, and the creation
//! of partitions, are decided at once while a controller is active, and written to the
//! log as records.

#[cfg(feature = "control_plane")]
use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::ctx::Due;
use crate::event::Event;
use crate::ids::TopicPartition;
use crate::metadata::PartitionState;
use crate::raft::{ControllerId, MetadataRecord, Quorum, QuorumConfig, RaftDue};
use crate::rng::Rng;
#[cfg(feature = "control_plane")]
use crate::sim::CommandError;
use crate::sim::Sim;
use crate::time::{Duration, Instant};
use crate::vecmap::VecMap;

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

    fn set(&mut self, c: ControlPlane) {
        #[cfg(feature = "control_plane")]
        {
            self.0 = Some(Box::new(c));
        }
        #[cfg(not(feature = "control_plane"))]
        drop(c);
    }
}

/// The controller quorum and what the simulation keeps beside it.
#[derive(Clone, Debug)]
pub struct ControlPlane {
    pub quorum: Quorum,
    /// The metadata log's entries below this offset are in the committed image.
    pub applied: u64,
    /// The active controller's decisions not yet committed, by partition.
    pub(crate) working: VecMap<TopicPartition, PartitionState>,
    /// The active controller and its epoch.
    pub active: Option<(ControllerId, u32)>,
    /// When the active controller became active.
    pub active_since: Instant,
}

impl Sim {
    /// Starts the controller quorum with the metadata the cluster was created with.
    pub(crate) fn start_control_plane(&mut self) {
        let voters = self.config.broker.controller_quorum_voters;
        if !CONTROL_PLANE || voters == 0 {
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
        let config = QuorumConfig::of(&self.config.broker);
        let quorum = Quorum::new(
            &mut self.cx,
            config,
            voters,
            records,
            Rng::new(self.seed, 11),
        );
        let applied = quorum.nodes[0].high_watermark;
        let active = quorum.active().map(|n| (n.id, n.epoch));
        self.control.set(ControlPlane {
            quorum,
            applied,
            working: VecMap::new(),
            active,
            active_since: self.cx.now,
        });
    }

    /// The controller quorum, when the cluster runs one.
    pub fn control_plane(&self) -> Option<&ControlPlane> {
        self.control.get()
    }

    fn control_plane_mut(&mut self) -> Option<&mut ControlPlane> {
        self.control.get_mut()
    }

    /// Whether a controller can decide now: always with the idealised controller, only
    /// while one is active with a quorum.
    pub(crate) fn controller_ready(&self) -> bool {
        match self.control_plane() {
            None => true,
            Some(c) => c.active.is_some(),
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
        c.quorum
            .append(&mut self.cx, MetadataRecord::Partition(tp, state));
    }

    /// Writes a broker's fencing or registration to the metadata log.
    pub(crate) fn record_broker(&mut self, record: MetadataRecord) {
        if self.decisions_wait() {
            let c = self.control.get_mut().expect("a control plane");
            c.quorum.append(&mut self.cx, record);
        }
    }

    /// Something due to the quorum.
    pub(crate) fn quorum_due(&mut self, due: RaftDue) {
        if let Some(c) = self.control.get_mut() {
            c.quorum.handle(&mut self.cx, due);
        }
    }

    /// After every item: a change of active controller, and what the quorum committed
    /// since, carried out.
    pub(crate) fn settle_control_plane(&mut self) {
        if !CONTROL_PLANE {
            return;
        }
        let Some(c) = self.control.get_mut() else {
            return;
        };
        let active = c.quorum.active().map(|n| (n.id, n.epoch));
        // What the active controller has committed.
        let committed: Vec<MetadataRecord> = match c.quorum.active() {
            Some(n) if n.high_watermark > c.applied => {
                let from = c.applied as usize;
                c.applied = n.high_watermark;
                n.log[from..n.high_watermark as usize]
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
            // A controller that lost its leadership drops what it had not committed; a
            // new one decides from the committed log.
            c.working = VecMap::new();
            // Leaders forget the ISR additions they were waiting for; they ask the new
            // controller again at the follower's next fetch.
            for b in self.brokers.values_mut() {
                for r in b.replicas.values_mut() {
                    r.pending_isr.clear();
                }
            }
        }
        let mut touched: Vec<TopicPartition> = Vec::new();
        // A broker's registration committed: it is unfenced and starts its fetchers.
        let registered = committed
            .iter()
            .any(|r| matches!(r, MetadataRecord::RegisterBroker(_)));
        for record in committed {
            if let MetadataRecord::Partition(tp, state) = record {
                let c = self.control_plane_mut().expect("a control plane");
                if c.working.get(&tp) == Some(&state) {
                    c.working.remove(&tp);
                }
                *self.partition_mut(tp) = state;
                if !touched.contains(&tp) {
                    touched.push(tp);
                }
            }
        }
        if changed {
            self.cx.emit(Event::ActiveController {
                node: active.map(|(n, _)| n),
                epoch: active.map_or(0, |(_, e)| e),
            });
        }
        for tp in &touched {
            self.install_leadership(*tp);
            self.on_isr_changed(*tp);
        }
        if !touched.is_empty() || registered {
            self.after_metadata_change();
        }
        if changed && active.is_some() {
            self.on_controller_activated();
        }
    }

    /// A new active controller: every broker's session starts now (a crashed broker is
    /// fenced `broker.session.timeout.ms` from here), and brokers waiting to register do.
    fn on_controller_activated(&mut self) {
        let timeout = Duration::from_millis(self.config.broker.broker_session_timeout_ms);
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

    /// Whether a broker's session, as the active controller counts it, has run out.
    pub(crate) fn session_expired(&self) -> bool {
        match self.control_plane() {
            None => true,
            Some(c) => {
                c.active.is_some()
                    && self.cx.now.since(c.active_since)
                        >= Duration::from_millis(self.config.broker.broker_session_timeout_ms)
            }
        }
    }

    #[cfg(feature = "control_plane")]
    pub(crate) fn crash_controller(&mut self, id: ControllerId) -> Result<(), CommandError> {
        let c = self.control_plane_mut().ok_or_else(|| {
            CommandError(alloc::string::String::from(
                "This cluster has no controller quorum.",
            ))
        })?;
        c.quorum.crash(id).map_err(|e| match e {
            "down" => CommandError(alloc::format!("Controller {} is already down.", id.0)),
            _ => CommandError(alloc::format!("There is no controller {}.", id.0)),
        })?;
        self.cx.emit(Event::ControllerCrashed { node: id });
        Ok(())
    }

    #[cfg(feature = "control_plane")]
    pub(crate) fn restart_controller(&mut self, id: ControllerId) -> Result<(), CommandError> {
        let c = self.control.get_mut().ok_or_else(|| {
            CommandError(alloc::string::String::from(
                "This cluster has no controller quorum.",
            ))
        })?;
        c.quorum.restart(&mut self.cx, id).map_err(|e| match e {
            "up" => CommandError(alloc::format!("Controller {} is already up.", id.0)),
            _ => CommandError(alloc::format!("There is no controller {}.", id.0)),
        })?;
        self.cx.emit(Event::ControllerRestarted { node: id });
        Ok(())
    }
}
