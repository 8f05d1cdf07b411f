//! Each broker's own image of the metadata, how the committed log reaches it, and (in
//! KRaft) the broker's heartbeats to the active controller.
//!
//! In KRaft a broker is an observer of the `__cluster_metadata` log: its
//! `KafkaRaftClient` fetches from the active controller, which holds a fetch it has nothing
//! new for up to `MAX_FETCH_WAIT_MS` (500 ms) and answers it once its high watermark
//! moves; the broker's `MetadataLoader` applies what is committed and publishes it
//! (`BrokerMetadataPublisher`: its replicas become leaders or followers, its metadata
//! cache answers clients). In ZooKeeper mode the controller broker pushes its decisions,
//! once written to ZooKeeper, as `LeaderAndIsr` and `UpdateMetadata` requests to every
//! live broker (`ControllerChannelManager`); a new controller, and a broker that starts,
//! get the broker up to date.
//!
//! Either way a broker acts on a partition change only once it reaches the broker: until
//! then the old leader still takes writes it will not be able to commit, the new one
//! answers `NOT_LEADER_OR_FOLLOWER`, and clients that asked a broker for metadata are
//! told what that broker knows. The image is the log's committed prefix up to the
//! broker's `offset` (invariant `brokers_act_on_committed_metadata`); a broker keeps it
//! across a restart, as its metadata log is on disk, and replays it when it starts.
//!
//! A KRaft broker heartbeats to the active controller `broker.heartbeat.interval.ms`
//! after its last heartbeat was answered (`BrokerLifecycleManager`); the controller's
//! `BrokerHeartbeatManager` keeps when it last heard each broker, and fences a broker
//! `broker.session.timeout.ms` after that (`QuorumController`'s `maybeFenceReplicas`,
//! scheduled at `nextCheckTimeNs`), or after its own activation if that is later.
//!
//! A partition leader asks the controller (KRaft's active controller, ZooKeeper mode's
//! controller broker) for each ISR change with an `AlterPartition` request: one pending
//! change per partition, one request in flight per broker, the changes asked for
//! meanwhile sent together in the next (`DefaultAlterPartitionManager`). The controller
//! decides when a request arrives and answers once its changes commit (`controller.rs`).
//!
//! Simplified: the messages travel on the quorum's channel with the network's default
//! latency (the stage draws them; a cut link does not stop them); a broker learns who
//! the active controller is as soon as there is one (Kafka's observer finds it through
//! its fetches); in ZooKeeper mode one message stands for a `LeaderAndIsr` and an
//! `UpdateMetadata`, and the controller learns a write has committed as it commits.

use alloc::vec::Vec;

use crate::ctx::Due;
use crate::event::{AlterPartitionError, IsrChange};
use crate::ids::{BrokerId, TopicPartition};
use crate::metadata::{PartitionState, Topic};
use crate::raft::{ControllerId, Entry, MetadataRecord, RaftDue, MAX_FETCH_WAIT_MS};
use crate::sim::Sim;
use crate::time::{Duration, Instant};

/// What one broker knows of the metadata.
#[derive(Clone, Debug)]
pub struct BrokerImage {
    /// The log's entries below this offset are applied.
    pub offset: u64,
    /// The topics and their partitions as this broker knows them (a partition it has not
    /// heard of yet has no leader).
    pub topics: Vec<Topic>,
    /// KRaft: the broker's metadata fetch in flight.
    fetch: Option<u64>,
    /// ZooKeeper mode: the controller has sent this broker the log below this offset.
    sent: u64,
    /// KRaft: the broker's heartbeat in flight.
    heartbeat: Option<u64>,
    /// Its AlterPartition request in flight (`DefaultAlterPartitionManager` keeps one
    /// at a time).
    alter_in_flight: Option<u64>,
    /// The ISR changes its leaders asked for meanwhile, for the next request.
    alter_unsent: Vec<AlterItem>,
}

impl BrokerImage {
    pub(crate) fn new(offset: u64, topics: Vec<Topic>) -> BrokerImage {
        BrokerImage {
            offset,
            topics,
            fetch: None,
            sent: offset,
            heartbeat: None,
            alter_in_flight: None,
            alter_unsent: Vec::new(),
        }
    }
}

/// An AlterPartition request the controller has taken, waiting to be answered.
#[derive(Clone, Debug)]
pub(crate) struct AlterAnswer {
    /// Answered once the log below this offset has committed.
    end: u64,
    broker: BrokerId,
    request: u64,
    /// Each partition's error, if any.
    results: Vec<(TopicPartition, Option<AlterPartitionError>)>,
}

/// One partition's ISR change in an AlterPartition request, built on the partition as the
/// leader knows it (which stands for the leader and partition epochs Kafka's request
/// carries).
#[derive(Clone, Debug)]
pub(crate) struct AlterItem {
    pub(crate) partition: TopicPartition,
    pub(crate) based_on: PartitionState,
    pub(crate) change: IsrChange,
}

/// The messages that carry the metadata log to brokers.
#[derive(Clone, Debug)]
pub(crate) enum MetadataMessage {
    /// KRaft: a broker's fetch of the metadata log from `offset`.
    Fetch {
        broker: BrokerId,
        id: u64,
        offset: u64,
    },
    /// The answer to fetch `id` (KRaft), or the controller broker's `LeaderAndIsr` and
    /// `UpdateMetadata` (ZooKeeper mode): committed entries from `offset`.
    Records {
        broker: BrokerId,
        id: u64,
        offset: u64,
        entries: Vec<Entry>,
    },
    /// KRaft: a broker's `BrokerHeartbeat` to the active controller, and its answer.
    Heartbeat {
        broker: BrokerId,
        id: u64,
        response: bool,
    },
    /// A partition leader's `AlterPartition` to the controller (KRaft's active
    /// controller, ZooKeeper mode's controller broker): the ISR changes its leaders ask
    /// for.
    AlterPartition {
        broker: BrokerId,
        id: u64,
        items: Vec<AlterItem>,
    },
    /// The controller's answer to AlterPartition `id`: each partition's error, if any.
    AlterPartitionResponse {
        broker: BrokerId,
        id: u64,
        results: Vec<(TopicPartition, Option<AlterPartitionError>)>,
    },
}

/// `broker.heartbeat.interval.ms`'s default: a KRaft broker heartbeats this long after
/// its last heartbeat was answered (`BrokerLifecycleManager`).
pub const BROKER_HEARTBEAT_INTERVAL_MS: u64 = 2_000;

/// A metadata message on its way, as the stage draws it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetadataInFlight {
    /// Its id on the control plane's channel.
    pub id: u64,
    pub broker: BrokerId,
    /// Towards the broker (records), or from it (a KRaft fetch).
    pub to_broker: bool,
    pub sent_at: Instant,
    pub deliver_at: Instant,
    /// Metadata records it carries.
    pub records: u32,
}

impl crate::control_plane::ControlPlane {
    /// The brokers' metadata messages on their way (KRaft fetches and their answers;
    /// ZooKeeper mode's LeaderAndIsr and UpdateMetadata).
    pub fn metadata_in_flight(&self) -> impl Iterator<Item = MetadataInFlight> + '_ {
        let latency = self.mail.latency();
        self.mail.in_flight().map(move |(id, sent_at, _, _, m)| {
            let (broker, to_broker, records) = match m {
                MetadataMessage::Fetch { broker, .. } => (*broker, false, 0),
                MetadataMessage::Records {
                    broker, entries, ..
                } => (*broker, true, entries.len() as u32),
                MetadataMessage::Heartbeat {
                    broker, response, ..
                } => (*broker, *response, 0),
                MetadataMessage::AlterPartition { broker, .. } => (*broker, false, 0),
                MetadataMessage::AlterPartitionResponse { broker, .. } => (*broker, true, 0),
            };
            MetadataInFlight {
                id,
                broker,
                to_broker,
                sent_at,
                deliver_at: sent_at + latency,
                records,
            }
        })
    }
}

/// A broker's node id on the control plane's channel.
fn node(b: BrokerId) -> ControllerId {
    ControllerId(b.0)
}

impl Sim {
    /// The topics as broker `b` knows them: its own image when the cluster runs a
    /// control plane, the controller's otherwise.
    pub fn metadata_of(&self, b: BrokerId) -> &[Topic] {
        self.control.image(b).unwrap_or(&self.topics)
    }

    /// New partitions were created: every broker's image gets them, with no leader
    /// until their records reach it.
    pub(crate) fn grow_images(&mut self) {
        let Sim {
            control, topics, ..
        } = self;
        let Some(c) = control.get_mut() else { return };
        for image in c.images.values_mut() {
            for (t, topic) in topics.iter().enumerate() {
                if image.topics.len() <= t {
                    image.topics.push(Topic {
                        spec: topic.spec.clone(),
                        partitions: Vec::new(),
                    });
                }
                let known = &mut image.topics[t].partitions;
                for p in &topic.partitions[known.len()..] {
                    known.push(PartitionState {
                        leader: None,
                        leader_epoch: crate::ids::LeaderEpoch(0),
                        isr: Vec::new(),
                        replicas: p.replicas.clone(),
                    });
                }
            }
        }
    }

    /// The metadata messages and the holds of fetches.
    pub(crate) fn metadata_due(&mut self, due: RaftDue) {
        let Some(c) = self.control.get_mut() else {
            return;
        };
        match due {
            RaftDue::Metadata(id) => {
                let Some((_, to, m)) = c.mail.take(id) else {
                    return;
                };
                // A request that reaches a controller no longer active is lost; the broker
                // turns to the new one when there is one.
                let active = c.active.is_some_and(|(n, _)| n == to);
                match m {
                    MetadataMessage::Fetch { broker, id, offset } if active => {
                        self.metadata_fetched(broker, id, offset)
                    }
                    MetadataMessage::Fetch { .. } => {}
                    MetadataMessage::Records {
                        broker,
                        id,
                        offset,
                        entries,
                    } => self.metadata_received(broker, id, offset, entries),
                    MetadataMessage::Heartbeat {
                        broker,
                        id,
                        response,
                    } if response || active => self.heartbeat_received(broker, id, response),
                    MetadataMessage::Heartbeat { .. } => {}
                    MetadataMessage::AlterPartition { broker, id, items } => {
                        // Lost, like a fetch, when it reaches a controller no longer in
                        // charge; the leader asks the next one (`forget_alter_partitions`).
                        if self.controller_node() == Some(to) {
                            self.alter_partition_arrived(broker, id, items)
                        }
                    }
                    MetadataMessage::AlterPartitionResponse {
                        broker,
                        id,
                        results,
                    } => self.alter_partition_answered(broker, id, results),
                }
            }
            RaftDue::Heartbeat {
                broker,
                incarnation,
            } if self
                .brokers
                .get(&broker)
                .is_some_and(|b| b.up && b.incarnation == incarnation) =>
            {
                self.heartbeat(broker)
            }
            RaftDue::MetadataHoldOver { broker, fetch }
                if c.held.get(&broker).is_some_and(|(id, _)| *id == fetch) =>
            {
                let (id, offset) = c.held.remove(&broker).expect("held");
                self.answer_metadata_fetch(broker, id, offset);
            }
            _ => {}
        }
    }

    /// KRaft: broker `b` fetches the metadata log from the active controller (none
    /// while there is none: it fetches once one is active).
    pub(crate) fn fetch_metadata(&mut self, b: BrokerId) {
        self.request_controller(b, false);
    }

    /// KRaft: broker `b` heartbeats to the active controller (none while there is none:
    /// it heartbeats once one is active).
    pub(crate) fn heartbeat(&mut self, b: BrokerId) {
        self.request_controller(b, true);
    }

    /// KRaft: live broker `b` sends the active controller a heartbeat or a fetch from its
    /// image's offset; the broker goes on only from its latest of each.
    fn request_controller(&mut self, b: BrokerId, heartbeat: bool) {
        let up = self.brokers.get(&b).is_some_and(|b| b.up);
        let Some(c) = self.control.get_mut() else {
            return;
        };
        let Some((controller, _)) = c.active.filter(|_| up && c.zookeeper().is_none()) else {
            return;
        };
        let id = c.next_request;
        c.next_request += 1;
        let Some(image) = c.images.get_mut(&b) else {
            return;
        };
        let m = if heartbeat {
            image.heartbeat = Some(id);
            MetadataMessage::Heartbeat {
                broker: b,
                id,
                response: false,
            }
        } else {
            image.fetch = Some(id);
            MetadataMessage::Fetch {
                broker: b,
                id,
                offset: image.offset,
            }
        };
        c.mail.send(&mut self.cx, node(b), controller, m);
    }

    /// KRaft: a heartbeat reaches the active controller, which counts the broker's
    /// session from now (`BrokerHeartbeatManager.touch`) and answers; or its answer
    /// reaches the broker, which heartbeats again `broker.heartbeat.interval.ms` later.
    fn heartbeat_received(&mut self, b: BrokerId, id: u64, response: bool) {
        let now = self.cx.now;
        let broker = self.brokers.get(&b).filter(|b| b.up).map(|b| b.incarnation);
        let c = self.control.get_mut().expect("a control plane");
        if response {
            // The broker goes on only from its latest heartbeat.
            let current = c.images.get(&b).and_then(|i| i.heartbeat) == Some(id);
            if let Some(incarnation) = broker.filter(|_| current) {
                self.cx.schedule(
                    now + Duration::from_millis(BROKER_HEARTBEAT_INTERVAL_MS),
                    Due::Raft(RaftDue::Heartbeat {
                        broker: b,
                        incarnation,
                    }),
                );
            }
            return;
        }
        let Some(controller) = c.ensemble.active().map(|n| n.id) else {
            return;
        };
        c.last_contact.insert(b, now);
        c.mail.send(
            &mut self.cx,
            controller,
            node(b),
            MetadataMessage::Heartbeat {
                broker: b,
                id,
                response: true,
            },
        );
    }

    /// KRaft: a broker's fetch reaches the active controller, which answers it at once
    /// if it has committed entries past `offset`, and holds it otherwise.
    fn metadata_fetched(&mut self, b: BrokerId, id: u64, offset: u64) {
        let now = self.cx.now;
        let c = self.control.get_mut().expect("a control plane");
        if c.applied > offset {
            self.answer_metadata_fetch(b, id, offset);
            return;
        }
        c.held.insert(b, (id, offset));
        self.cx.schedule(
            now + Duration::from_millis(MAX_FETCH_WAIT_MS),
            Due::Raft(RaftDue::MetadataHoldOver {
                broker: b,
                fetch: id,
            }),
        );
    }

    /// The active controller answers broker `b`'s fetch with the committed entries from
    /// `offset`.
    fn answer_metadata_fetch(&mut self, b: BrokerId, id: u64, offset: u64) {
        let c = self.control.get_mut().expect("a control plane");
        let Some(n) = c.ensemble.active() else { return };
        let from = (offset as usize).min(c.applied as usize);
        let entries = n.log[from..c.applied as usize].to_vec();
        let controller = n.id;
        c.mail.send(
            &mut self.cx,
            controller,
            node(b),
            MetadataMessage::Records {
                broker: b,
                id,
                offset: from as u64,
                entries,
            },
        );
    }

    /// What the active node committed since the brokers last heard goes out: KRaft's
    /// held fetches are answered; in ZooKeeper mode the controller broker sends it.
    pub(crate) fn propagate_metadata(&mut self) {
        let zookeeper = self.zookeeper_mode();
        let controller = self.controller_broker();
        let up: Vec<BrokerId> = self
            .brokers
            .values()
            .filter(|b| b.up)
            .map(|b| b.id)
            .collect();
        let Some(c) = self.control.get_mut() else {
            return;
        };
        if !zookeeper {
            let applied = c.applied;
            let due: Vec<(BrokerId, u64, u64)> = c
                .held
                .iter()
                .filter(|(_, (_, offset))| *offset < applied)
                .map(|(b, (id, offset))| (*b, *id, *offset))
                .collect();
            c.held.retain(|_, (_, offset)| *offset >= applied);
            for (b, id, offset) in due {
                self.answer_metadata_fetch(b, id, offset);
            }
            return;
        }
        let Some((from, _)) = controller else { return };
        let Some(n) = c.ensemble.active() else { return };
        for b in up {
            let Some(image) = c.images.get_mut(&b) else {
                continue;
            };
            if image.sent >= c.applied {
                continue;
            }
            let entries = n.log[image.sent as usize..c.applied as usize].to_vec();
            let offset = image.sent;
            image.sent = c.applied;
            c.mail.send(
                &mut self.cx,
                node(from),
                node(b),
                MetadataMessage::Records {
                    broker: b,
                    id: 0,
                    offset,
                    entries,
                },
            );
        }
    }

    /// ZooKeeper mode: the controller sends broker `b` (every live broker, when `None`)
    /// what it has not applied: a new controller does so for every broker
    /// (`sendUpdateMetadataRequest` in `onControllerFailover`), and for a broker that
    /// starts (`onBrokerStartup`).
    pub(crate) fn resend_metadata(&mut self, b: Option<BrokerId>) {
        let Some(c) = self.control.get_mut() else {
            return;
        };
        for (id, image) in c.images.iter_mut() {
            if b.is_none_or(|b| b == *id) {
                image.sent = image.offset;
            }
        }
        self.propagate_metadata();
    }

    /// The active controller changed: held fetches are dropped, and every live broker
    /// fetches from the new one and heartbeats to it.
    pub(crate) fn metadata_controller_changed(&mut self) {
        let Some(c) = self.control.get_mut() else {
            return;
        };
        c.held = crate::vecmap::VecMap::new();
        let brokers: Vec<BrokerId> = c.images.keys().copied().collect();
        for b in brokers {
            self.fetch_metadata(b);
            self.heartbeat(b);
        }
    }

    /// Entries from `offset` reach broker `b`: it applies those it lacks and, in KRaft,
    /// fetches again.
    fn metadata_received(&mut self, b: BrokerId, id: u64, offset: u64, entries: Vec<Entry>) {
        if !self.brokers.get(&b).is_some_and(|b| b.up) {
            return;
        }
        let zookeeper = self.zookeeper_mode();
        let c = self.control.get_mut().expect("a control plane");
        let Some(image) = c.images.get_mut(&b) else {
            return;
        };
        if (!zookeeper && image.fetch != Some(id)) || offset > image.offset {
            return;
        }
        image.fetch = None;
        let skip = (image.offset - offset) as usize;
        let mut touched: Vec<TopicPartition> = Vec::new();
        for e in entries.into_iter().skip(skip) {
            image.offset += 1;
            if let MetadataRecord::Partition(tp, state) = e.record {
                image.topics[tp.topic.0 as usize].partitions[tp.partition as usize] = state;
                if !touched.contains(&tp) {
                    touched.push(tp);
                }
            }
        }
        for tp in &touched {
            self.publish_to(b, *tp);
        }
        if !touched.is_empty() {
            // Only this broker's image changed: only its fetchers can.
            self.reconcile_fetchers_of(b);
        }
        if !zookeeper {
            self.fetch_metadata(b);
        }
    }

    /// Broker `b` acts on its image of `tp` (`BrokerMetadataPublisher`): its replica
    /// becomes leader or follower, and as leader its high watermark and waiting produce
    /// requests move with the ISR it now has. News of the partition settles the leader's
    /// AlterPartition, whatever became of it.
    fn publish_to(&mut self, b: BrokerId, tp: TopicPartition) {
        if let Some(r) = self
            .brokers
            .get_mut(&b)
            .and_then(|b| b.replicas.get_mut(&tp))
        {
            r.pending_isr = None;
        }
        let state = crate::metadata::partition(self.metadata_of(b), tp).clone();
        self.install_on(tp, &state, Some(b));
        if state.leader == Some(b) {
            let (broker, cx, mut env) = self.broker_parts(b);
            broker.try_complete_delayed_produces_for(cx, &mut env, tp);
        }
    }

    // ----- AlterPartition ----------------------------------------------------------------

    /// Where brokers' AlterPartition requests go: KRaft's active controller, or ZooKeeper
    /// mode's controller broker while it is up and the ensemble has a leader.
    fn controller_node(&self) -> Option<ControllerId> {
        if self.zookeeper_mode() {
            return self.controller_broker().map(|(b, _)| node(b));
        }
        self.control_plane()?.active.map(|(n, _)| n)
    }

    /// Partition leader `b` asks the controller for an ISR change to `tp`
    /// (`Partition.submitAlterPartition`): one pending change per partition, none while
    /// there is no controller (the leader asks again at the follower's next fetch, or at
    /// its next ISR check). It goes out with the broker's next request.
    pub(crate) fn send_alter_partition(
        &mut self,
        b: BrokerId,
        tp: TopicPartition,
        change: IsrChange,
    ) {
        if self.controller_node().is_none() {
            return;
        }
        let Some(r) = self
            .brokers
            .get_mut(&b)
            .and_then(|b| b.replicas.get_mut(&tp))
        else {
            return;
        };
        if r.pending_isr.is_some() {
            return;
        }
        r.pending_isr = Some(change.clone());
        let based_on = crate::metadata::partition(self.metadata_of(b), tp).clone();
        let c = self.control.get_mut().expect("a control plane");
        let image = c.images.get_mut(&b).expect("every broker has an image");
        image.alter_unsent.push(AlterItem {
            partition: tp,
            based_on,
            change,
        });
        self.flush_alter_partitions(b);
    }

    /// Broker `b` sends the ISR changes its leaders asked for in one AlterPartition
    /// request, unless one is in flight already (`DefaultAlterPartitionManager`: they
    /// wait for its answer).
    fn flush_alter_partitions(&mut self, b: BrokerId) {
        let Some(to) = self.controller_node() else {
            return;
        };
        let c = self.control.get_mut().expect("a control plane");
        let id = c.next_request;
        let Some(image) = c.images.get_mut(&b) else {
            return;
        };
        if image.alter_in_flight.is_some() || image.alter_unsent.is_empty() {
            return;
        }
        c.next_request += 1;
        image.alter_in_flight = Some(id);
        let items = core::mem::take(&mut image.alter_unsent);
        #[cfg(feature = "control_plane")]
        self.cx.emit(crate::event::Event::AlterPartitionSent {
            leader: b,
            changes: items
                .iter()
                .map(|i| (i.partition, i.change.clone()))
                .collect(),
        });
        let message = MetadataMessage::AlterPartition {
            broker: b,
            id,
            items,
        };
        c.mail.send(&mut self.cx, node(b), to, message);
    }

    /// Leader `b`'s AlterPartition reaches the controller, which takes or refuses each
    /// change and answers once what it took has committed (a `QuorumController` write
    /// event completes on commit).
    fn alter_partition_arrived(&mut self, b: BrokerId, id: u64, items: Vec<AlterItem>) {
        let results: Vec<_> = items
            .iter()
            .map(|i| {
                let result = self.alter_partition_received(b, i.partition, &i.based_on, &i.change);
                (i.partition, result.err())
            })
            .collect();
        let c = self.control.get_mut().expect("a control plane");
        let end = c.ensemble.active().map_or(0, |n| n.log.len() as u64);
        c.alter_answers.push(AlterAnswer {
            end,
            broker: b,
            request: id,
            results,
        });
    }

    /// The controller answers the AlterPartition requests whose changes have committed.
    pub(crate) fn answer_alter_partitions(&mut self) {
        let Some(from) = self.controller_node() else {
            return;
        };
        let Some(c) = self.control.get_mut() else {
            return;
        };
        let applied = c.applied;
        let (due, waiting) = core::mem::take(&mut c.alter_answers)
            .into_iter()
            .partition(|a: &AlterAnswer| a.end <= applied);
        c.alter_answers = waiting;
        for a in due {
            let message = MetadataMessage::AlterPartitionResponse {
                broker: a.broker,
                id: a.request,
                results: a.results,
            };
            c.mail.send(&mut self.cx, from, node(a.broker), message);
        }
    }

    /// The controller's answer reaches broker `b`, which sends what its leaders asked for
    /// meanwhile. Only `INELIGIBLE_REPLICA` ends a partition's wait at once
    /// (`Partition.handleAlterPartitionError` resets it to the last committed state);
    /// after the other errors the leader waits for newer metadata, as Kafka's does.
    /// Simplified: after a success it also waits for the change to reach it in its
    /// metadata (which the controller sends as it answers), where Kafka's leader applies
    /// the ISR the answer carries.
    fn alter_partition_answered(
        &mut self,
        b: BrokerId,
        id: u64,
        results: Vec<(TopicPartition, Option<AlterPartitionError>)>,
    ) {
        let Some(broker) = self.brokers.get_mut(&b).filter(|b| b.up) else {
            return;
        };
        let c = self.control.get_mut().expect("a control plane");
        let Some(image) = c
            .images
            .get_mut(&b)
            .filter(|i| i.alter_in_flight == Some(id))
        else {
            return;
        };
        image.alter_in_flight = None;
        for (tp, error) in results {
            if error == Some(AlterPartitionError::IneligibleReplica) {
                if let Some(r) = broker.replicas.get_mut(&tp) {
                    r.pending_isr = None;
                }
            }
        }
        self.flush_alter_partitions(b);
    }

    /// A new controller, or broker `only`'s process starting: leaders forget the
    /// AlterPartition they were waiting on (Kafka's channel to the controller sends it
    /// again to the new one; here the leader asks again at the follower's next fetch or
    /// its next ISR check), and the old controller's answers are lost with it.
    pub(crate) fn forget_alter_partitions(&mut self, only: Option<BrokerId>) {
        let Some(c) = self.control.get_mut() else {
            return;
        };
        for (id, image) in c
            .images
            .iter_mut()
            .filter(|(id, _)| only.is_none_or(|o| o == **id))
        {
            image.alter_in_flight = None;
            image.alter_unsent.clear();
            if let Some(b) = self.brokers.get_mut(id) {
                for r in b.replicas.values_mut() {
                    r.pending_isr = None;
                }
            }
        }
        if only.is_none() {
            c.alter_answers.clear();
        }
    }

    /// A broker's process starts: it replays its metadata log (the image it kept) and
    /// catches up from where it was.
    pub(crate) fn metadata_restarted(&mut self, b: BrokerId) {
        self.forget_alter_partitions(Some(b));
        let Some(image) = self.control.get().and_then(|c| c.images.get(&b)) else {
            return;
        };
        let hosted: Vec<TopicPartition> = self.brokers[&b]
            .replicas
            .keys()
            .copied()
            .filter(|tp| (tp.topic.0 as usize) < image.topics.len())
            .collect();
        for tp in hosted {
            self.install_on(
                tp,
                &crate::metadata::partition(self.metadata_of(b), tp).clone(),
                Some(b),
            );
        }
        if self.zookeeper_mode() {
            if self.controller_broker().is_some() {
                self.resend_metadata(Some(b));
            }
        } else {
            self.fetch_metadata(b);
            self.heartbeat(b);
        }
    }
}
