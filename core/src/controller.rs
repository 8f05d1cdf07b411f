//! The controller (the KRaft quorum), idealised: always reachable from every live broker,
//! it applies its decisions at once. It places replicas, creates topics and partitions,
//! fences crashed brokers after `broker.session.timeout.ms`, elects leaders (clean, and
//! unclean when a topic allows it), finds the acknowledged records an election loses
//! (KIP-101) and tells the brokers and the clients what changed.

use alloc::vec::Vec;

use crate::broker::{DelayedFetch, ReadUpTo};
use crate::ctx::Due;
use crate::event::{AlterPartitionError, ElectionKind, Event, IsrChange, KafkaError, LossCause};
use crate::group::{partition_for, OFFSETS_TOPIC};
use crate::ids::{BrokerId, ConsumerId, LeaderEpoch, MessageId, NodeId, TopicId, TopicPartition};
use crate::log::CleanupPolicy;
use crate::metadata::{PartitionState, Topic};
use crate::network::{Message, Payload};
use crate::rng::Rng;
use crate::sim::{CommandError, Sim};
use crate::time::Duration;
use alloc::rc::Rc;

impl Sim {
    /// Creates a topic with Kafka's replica placement and its preferred leaders.
    pub(crate) fn create_topic(&mut self, spec: crate::config::TopicSpec) -> TopicId {
        let id = TopicId(self.topics.len() as u32);
        let broker_ids: Vec<BrokerId> = self.brokers.keys().copied().collect();
        let assignment = assign_replicas(
            &broker_ids,
            spec.partitions,
            spec.replication_factor,
            &mut self.placement_rng,
        );
        self.topics.push(Topic {
            spec,
            partitions: Vec::new(),
        });
        self.add_partitions_placed(id, assignment);
        id
    }

    /// Adds partitions with the given replicas to a topic and elects their leaders.
    pub(crate) fn add_partitions_placed(&mut self, topic: TopicId, assignment: Vec<Vec<BrokerId>>) {
        let first = self.topics[topic.0 as usize].partitions.len() as u32;
        for (i, replicas) in assignment.into_iter().enumerate() {
            let tp = TopicPartition::new(topic, first + i as u32);
            let live: Vec<BrokerId> = replicas
                .iter()
                .copied()
                .filter(|b| self.broker_usable(*b))
                .collect();
            let leader = live.first().copied();
            self.topics[topic.0 as usize]
                .partitions
                .push(PartitionState {
                    leader,
                    leader_epoch: LeaderEpoch(0),
                    isr: if live.is_empty() {
                        replicas.clone()
                    } else {
                        live
                    },
                    replicas: replicas.clone(),
                });
            self.grow_images();
            let log_config = self.topics[topic.0 as usize].spec.log.clone();
            let now = self.cx.now;
            for b in &replicas {
                let broker = self.brokers.get_mut(b).expect("placed on a known broker");
                broker.add_replica(tp, log_config.clone(), now);
            }
            let state = self.partition(tp).clone();
            match leader {
                Some(leader) => self.cx.emit(Event::LeaderElected {
                    partition: tp,
                    leader,
                    leader_epoch: state.leader_epoch,
                    kind: ElectionKind::Initial,
                    isr: state.isr.clone(),
                }),
                None => self.cx.emit(Event::PartitionOffline {
                    partition: tp,
                    leader_epoch: state.leader_epoch,
                }),
            }
            self.publish(tp);
        }
    }

    /// A broker process starts its periodic tasks: the ISR check every
    /// `replica.lag.time.max.ms / 2`; retention `log.initial.task.delay.ms` after the
    /// start, then every `log.retention.check.interval.ms` (`LogManager.startup`); the log
    /// cleaner every `log.cleaner.backoff.ms`. A restart starts them again.
    pub(crate) fn start_broker_tasks(&mut self, id: BrokerId) {
        let incarnation = self.brokers[&id].incarnation;
        let isr_every = Duration::from_millis(self.config.broker.replica_lag_time_max_ms / 2);
        let retention_first = Duration::from_millis(self.config.broker.log_initial_task_delay_ms);
        self.cx.schedule(
            self.cx.now + isr_every,
            Due::IsrCheck {
                broker: id,
                incarnation,
            },
        );
        self.cx.schedule(
            self.cx.now + retention_first,
            Due::RetentionCheck {
                broker: id,
                incarnation,
            },
        );
        if crate::broker::TXN {
            let txn_every = Duration::from_millis(
                self.config
                    .broker
                    .transaction_abort_timed_out_transaction_cleanup_interval_ms,
            );
            self.cx.schedule(
                self.cx.now + txn_every,
                Due::TxnCheck {
                    broker: id,
                    incarnation,
                },
            );
        }
        let cleaner_every = Duration::from_millis(self.config.broker.log_cleaner_backoff_ms);
        self.cx.schedule(
            self.cx.now + cleaner_every,
            Due::CleanerCheck {
                broker: id,
                incarnation,
            },
        );
    }

    pub(crate) fn crash_broker(&mut self, id: BrokerId) -> Result<(), CommandError> {
        let broker = self
            .brokers
            .get_mut(&id)
            .ok_or_else(|| CommandError(alloc::format!("There is no broker {}.", id.0)))?;
        if !broker.up && broker.registering {
            // The process waiting to register dies before it could.
            broker.registering = false;
            self.cx.emit(Event::BrokerCrashed { broker: id });
            return Ok(());
        }
        if !broker.up {
            return Err(CommandError(alloc::format!(
                "Broker {} is already down.",
                id.0
            )));
        }
        // Requests the process had received and was holding (a produce waiting for the
        // high watermark, a follower's long-polling fetch) die with it; its kernel resets
        // their connections, so their senders learn at once.
        let held: Vec<(NodeId, MessageId)> = broker
            .delayed_produces
            .iter()
            .map(|d| (d.client, d.request))
            // Followers' parked fetches, then consumers'.
            .chain(
                broker
                    .delayed_fetches
                    .iter()
                    .filter(|d| d.up_to == ReadUpTo::LogEnd)
                    .map(|d| (d.client, d.request)),
            )
            .chain(
                broker
                    .delayed_fetches
                    .iter()
                    .filter(|d| d.up_to != ReadUpTo::LogEnd)
                    .map(|d| (d.client, d.request)),
            )
            .chain(broker.coordinator.held_requests())
            .chain(
                broker
                    .txn
                    .verifying
                    .iter()
                    .map(|v| (v.message.from, v.message.id)),
            )
            .chain(
                broker
                    .txn
                    .marker_waits
                    .iter()
                    .map(|w| (w.client, w.request)),
            )
            .collect();
        broker.crash();
        let incarnation = broker.incarnation;
        self.cx.emit(Event::BrokerCrashed { broker: id });
        for (client, request) in held {
            self.cx.send(
                NodeId::Broker(id),
                client,
                Payload::ConnectionReset { request },
            );
        }
        // The controller fences it once its session runs out: a session timeout after
        // the last heartbeat it heard (`BrokerHeartbeatManager`), or in ZooKeeper mode
        // after the crash.
        self.session_lost(id);
        let deadline = self.session_deadline(id).max(self.cx.now);
        self.cx.schedule(
            deadline,
            Due::FenceBroker {
                broker: id,
                incarnation,
            },
        );
        Ok(())
    }

    /// The broker's machine loses power: its process dies (if it was running) and its
    /// page cache is gone. Each of its logs is cut back to what reached the disk (what
    /// Kafka flushed at a roll, or the kernel wrote back), as the log recovery of the next
    /// start finds it. Acknowledged records whose last copies were cut are lost now;
    /// those another replica still holds are lost only if a leader without them is
    /// elected.
    pub(crate) fn power_off_broker(&mut self, id: BrokerId) -> Result<(), CommandError> {
        let broker = self
            .brokers
            .get(&id)
            .ok_or_else(|| CommandError(alloc::format!("There is no broker {}.", id.0)))?;
        if broker.up || broker.registering {
            self.crash_broker(id)?;
        }
        self.power_losses += 1;
        self.cx.emit(Event::BrokerPowerLost { broker: id });
        let now_ms = self.cx.now.millis() as i64;
        let broker = self.brokers.get_mut(&id).expect("known broker");
        broker.lost_power = true;
        let mut cut = Vec::new();
        for (tp, r) in broker.replicas.iter_mut() {
            r.log.forget_cache();
            let to = r.log.on_disk();
            let removed = r.truncate(to, false, now_ms);
            if removed > 0 {
                cut.push((*tp, to, removed));
            }
        }
        for (tp, to, removed) in cut {
            self.cx.emit(Event::LogRecovered {
                broker: id,
                partition: tp,
                to,
                records_removed: removed,
            });
            // Acknowledged records at or above the cut that no replica holds any more.
            let brokers = &self.brokers;
            let gone: Vec<_> = self
                .cx
                .ledger
                .acked_in(tp)
                .filter(|(r, offset)| {
                    *offset >= to
                        && !brokers.values().any(|b| {
                            b.replicas
                                .get(&tp)
                                .is_some_and(|rep| rep.log.record_at(*offset) == Some(*r))
                        })
                })
                .map(|(r, _)| r)
                .collect();
            if !gone.is_empty() {
                self.cx
                    .mark_lost(tp, gone, LossCause::PowerLoss { broker: id });
            }
        }
        Ok(())
    }

    /// The broker's process starts again. In KRaft it registers with the controller; while
    /// the crashed incarnation's session (`broker.session.timeout.ms`) is still valid the
    /// registration is refused (`ClusterControlManager.registerBroker`,
    /// `DuplicateBrokerRegistrationException`), so a process restarted quickly waits: the
    /// old session expires, the broker is fenced and leaves the ISRs, and then it
    /// registers, catches up and rejoins.
    pub(crate) fn restart_broker(&mut self, id: BrokerId) -> Result<(), CommandError> {
        let ready = self.registration_open();
        let broker = self
            .brokers
            .get_mut(&id)
            .ok_or_else(|| CommandError(alloc::format!("There is no broker {}.", id.0)))?;
        if broker.up {
            return Err(CommandError(alloc::format!(
                "Broker {} is already up.",
                id.0
            )));
        }
        if broker.registering {
            return Err(CommandError(alloc::format!(
                "Broker {} is already starting: it registers once its previous session expires.",
                id.0
            )));
        }
        if !broker.fenced || !ready {
            // It registers once its old session expires, or once a controller is active.
            broker.registering = true;
            return Ok(());
        }
        self.register_broker(id);
        Ok(())
    }

    /// A broker that waited for an active controller registers with it.
    pub(crate) fn register_waiting_broker(&mut self, id: BrokerId) {
        self.register_broker(id);
    }

    /// A started broker process registers and is unfenced: it may lead the partitions
    /// nobody could lead, and it fetches for the others.
    fn register_broker(&mut self, id: BrokerId) {
        let broker = self.brokers.get_mut(&id).expect("known broker");
        broker.registering = false;
        broker.restart();
        self.cx.emit(Event::BrokerRestarted { broker: id });
        self.record_broker(crate::raft::MetadataRecord::RegisterBroker(id));
        self.start_broker_tasks(id);
        if self.controller_ready() {
            let offline: Vec<TopicPartition> = self
                .all_partitions()
                .filter(|tp| {
                    let p = self.decided(*tp);
                    p.leader.is_none() && p.replicas.contains(&id)
                })
                .collect();
            for tp in offline {
                self.elect_leader(tp);
            }
        }
        // In ZooKeeper mode with nobody holding `/controller`, the starting broker joins
        // the race for it when the item settles (`settle_control_plane`).
        if self.decisions_wait() {
            // It learns the metadata from its own log and the controller.
            self.metadata_restarted(id);
        } else {
            let led: Vec<TopicPartition> = self
                .all_partitions()
                .filter(|tp| self.partition(*tp).replicas.contains(&id))
                .collect();
            for tp in led {
                self.install_leadership(tp);
            }
        }
        self.after_controller_change();
    }

    /// A crashed broker's session expired: it is fenced, and a process that restarted
    /// meanwhile registers now.
    pub(crate) fn fence_broker_then_register(&mut self, id: BrokerId) {
        if !self.session_expired(id) {
            // No active controller (or ZooKeeper leader), or a new one whose sessions
            // started later (it scheduled its own check), or a heartbeat that arrived
            // after the crash moved the deadline.
            if self.control_plane().is_some_and(|c| c.active.is_some()) {
                let incarnation = self.brokers[&id].incarnation;
                self.cx.schedule(
                    self.session_deadline(id),
                    Due::FenceBroker {
                        broker: id,
                        incarnation,
                    },
                );
            }
            return;
        }
        if self.zookeeper_mode() {
            self.expire_session(id);
        } else {
            self.fence_broker(id);
        }
        if self.brokers[&id].registering && self.registration_open() {
            self.register_broker(id);
        }
    }

    /// The controller stops waiting for a crashed broker: it leaves every ISR (unless it
    /// is the last member) and its partitions get new leaders.
    pub(crate) fn fence_broker(&mut self, id: BrokerId) {
        self.brokers.get_mut(&id).expect("known broker").fenced = true;
        self.cx.emit(Event::BrokerFenced { broker: id });
        self.record_broker(crate::raft::MetadataRecord::FenceBroker(id));
        self.on_broker_failure(id);
    }

    /// The controller moves a dead broker's partitions (`onBrokerFailure`): the broker
    /// leaves every ISR (unless it is the last member) and the partitions it led get new
    /// leaders.
    pub(crate) fn on_broker_failure(&mut self, id: BrokerId) {
        let affected: Vec<TopicPartition> = self
            .all_partitions()
            .filter(|tp| self.decided(*tp).replicas.contains(&id))
            .collect();
        for tp in affected {
            let p = self.decided_mut(tp);
            let was_leader = p.leader == Some(id);
            if p.isr.len() > 1 && p.isr.contains(&id) {
                p.isr.retain(|b| *b != id);
                let isr = p.isr.clone();
                self.cx.emit(Event::IsrShrunk {
                    partition: tp,
                    removed: id,
                    isr,
                });
                if !was_leader {
                    self.publish(tp);
                    if !self.decisions_wait() {
                        self.on_isr_changed(tp);
                    }
                }
            }
            if was_leader {
                self.elect_leader(tp);
            }
        }
        self.after_controller_change();
    }

    pub(crate) fn broker_usable(&self, id: BrokerId) -> bool {
        self.brokers.get(&id).is_some_and(|b| b.up && !b.fenced)
    }

    /// Elects a leader for `tp` as Kafka's controller does: the first live replica in
    /// assignment order that is in the ISR; else, if unclean election is enabled, the
    /// first live replica; else nobody, and the partition is offline.
    pub(crate) fn elect_leader(&mut self, tp: TopicPartition) {
        let unclean_ok = self.topics[tp.topic.0 as usize]
            .spec
            .unclean_leader_election_enable;
        let p = self.decided(tp).clone();
        let clean = p
            .replicas
            .iter()
            .copied()
            .find(|b| p.isr.contains(b) && self.broker_usable(*b));
        let (leader, kind) = match clean {
            Some(b) => (Some(b), ElectionKind::Clean),
            None if unclean_ok => (
                p.replicas.iter().copied().find(|b| self.broker_usable(*b)),
                ElectionKind::Unclean,
            ),
            None => (None, ElectionKind::Clean),
        };
        if leader == p.leader {
            return;
        }
        let epoch = LeaderEpoch(p.leader_epoch.0 + 1);
        {
            let pm = self.decided_mut(tp);
            pm.leader = leader;
            pm.leader_epoch = epoch;
            if kind == ElectionKind::Unclean {
                if let Some(l) = leader {
                    pm.isr = alloc::vec![l];
                }
            }
        }
        match leader {
            None => self.cx.emit(Event::PartitionOffline {
                partition: tp,
                leader_epoch: epoch,
            }),
            Some(l) => {
                if kind == ElectionKind::Unclean {
                    self.unclean_elections += 1;
                }
                let isr = self.decided(tp).isr.clone();
                self.cx.emit(Event::LeaderElected {
                    partition: tp,
                    leader: l,
                    leader_epoch: epoch,
                    kind,
                    isr,
                });
                self.check_losses_at_election(tp, l, epoch, kind);
            }
        }
        self.publish(tp);
    }

    /// Acknowledged records the new leader does not hold at their offsets are lost: the
    /// old leader will truncate them when it returns (KIP-101). Not those the new
    /// leader's cleaner compacted away (below its checkpoint, an offset that holds
    /// nothing): a newer record with the same key stands for them, as on every replica.
    pub(crate) fn check_losses_at_election(
        &mut self,
        tp: TopicPartition,
        leader: BrokerId,
        epoch: LeaderEpoch,
        kind: ElectionKind,
    ) {
        let log = &self.brokers[&leader].replicas[&tp].log;
        self.cx.ledger.on_new_leader(tp, log);
        let missing: Vec<_> = self
            .cx
            .ledger
            .acked_in(tp)
            .filter(|(id, offset)| {
                let held = log.record_at(*offset);
                let compacted = held.is_none() && *offset < log.cleaned_up_to();
                *offset >= log.log_start_offset() && held != Some(*id) && !compacted
            })
            .map(|(id, _)| id)
            .collect();
        if !missing.is_empty() {
            self.cx.mark_lost(
                tp,
                missing,
                LossCause::LeaderElection {
                    partition: tp,
                    leader,
                    leader_epoch: epoch,
                    kind,
                },
            );
        }
    }

    /// Tells every live replica of `tp` the controller's current leader, epoch and ISR.
    pub(crate) fn install_leadership(&mut self, tp: TopicPartition) {
        let p = self.partition(tp).clone();
        self.install_on(tp, &p, None);
    }

    /// Tells the live replicas of `tp` (only broker `only`'s, when given) its leader,
    /// leader epoch and ISR as `p` says.
    pub(crate) fn install_on(
        &mut self,
        tp: TopicPartition,
        p: &PartitionState,
        only: Option<BrokerId>,
    ) {
        let now = self.cx.now;
        let ours = |b: &BrokerId| only.is_none_or(|o| o == *b);
        for b in p.replicas.iter().filter(|b| ours(b)) {
            let broker = self.brokers.get_mut(b).expect("assigned broker exists");
            if !broker.up {
                continue;
            }
            if let Some(replica) = broker.replicas.get_mut(&tp) {
                replica.update_leadership(*b, p, now);
            }
        }
        if let Some(l) = p.leader.filter(ours) {
            let (broker, cx, mut env) = self.broker_parts(l);
            broker.maybe_increment_hw(cx, &mut env, tp);
        }
        self.fail_delayed_for_lost_leadership(tp, only);
        self.on_offsets_leadership(tp, only);
    }

    /// After the controller's decisions: with the idealised controller they are in
    /// effect now; with a quorum, once committed (`settle_control_plane`).
    pub(crate) fn after_controller_change(&mut self) {
        if !self.decisions_wait() {
            self.after_metadata_change();
        }
    }

    /// After leaders or ISRs change: followers fetch from the right leaders and the
    /// producer's metadata (which the brokers serve from the controller) goes stale.
    pub(crate) fn after_metadata_change(&mut self) {
        self.reconcile_fetchers();
        for p in self.producers.values_mut().filter(|p| p.is_running()) {
            p.metadata_stale = true;
            p.poll(&mut self.cx);
        }
        let running: Vec<ConsumerId> = self
            .consumers
            .values()
            .filter(|c| c.is_running())
            .map(|c| c.id)
            .collect();
        for c in running {
            self.consumers.get_mut(&c).expect("listed").metadata_stale = true;
            self.consumers
                .get_mut(&c)
                .expect("listed")
                .poll(&mut self.cx);
        }
    }

    /// `kafka-topics --alter --partitions`: grows `topic` to `partitions`, placing the new
    /// partitions as Kafka places a topic's (the existing ones keep their replicas).
    pub(crate) fn add_partitions(
        &mut self,
        topic: TopicId,
        partitions: u32,
    ) -> Result<(), CommandError> {
        let t = self
            .topics
            .get(topic.0 as usize)
            .ok_or_else(|| CommandError(alloc::format!("There is no topic {}.", topic.0)))?;
        let current = t.partitions.len() as u32;
        if !self.controller_ready() {
            return Err(CommandError(alloc::string::String::from(
                "No controller is active: the quorum must elect one before a topic can change.",
            )));
        }
        if partitions <= current {
            return Err(CommandError(alloc::format!(
                "Topic currently has {current} partitions, which is higher than the requested {partitions}."
            )));
        }
        if partitions > crate::config::MAX_PARTITIONS {
            return Err(CommandError(alloc::format!(
                "kscope simulates at most {} partitions per topic.",
                crate::config::MAX_PARTITIONS
            )));
        }
        let rf = t.spec.replication_factor;
        let brokers: Vec<BrokerId> = self.brokers.keys().copied().collect();
        let placed = assign_replicas(&brokers, partitions, rf, &mut self.placement_rng);
        let added: Vec<Vec<BrokerId>> = placed.into_iter().skip(current as usize).collect();
        self.topics[topic.0 as usize].spec.partitions = partitions;
        self.add_partitions_placed(topic, added);
        self.cx.emit(Event::PartitionsAdded { topic, partitions });
        self.after_controller_change();
        Ok(())
    }

    /// The controller's periodic check (`ReplicationControlManager.
    /// maybeTriggerUncleanLeaderElectionForLeaderlessPartitions`, every
    /// `unclean.leader.election.interval.ms`): a partition without a leader whose topic
    /// allows unclean elections gets one. A topic that allowed them when its last ISR
    /// member was fenced got one at once (`fence_broker`); one whose setting was turned on
    /// later waits for this check (KRaft, Kafka 3.9 and later; earlier KRaft ignored the
    /// setting, and ZooKeeper mode elected when it changed).
    pub(crate) fn unclean_election_check(&mut self) {
        if !self.controller_ready() {
            return;
        }
        let offline: Vec<TopicPartition> = self
            .all_partitions()
            .filter(|tp| {
                self.decided(*tp).leader.is_none()
                    && self.topics[tp.topic.0 as usize]
                        .spec
                        .unclean_leader_election_enable
            })
            .collect();
        if offline.is_empty() {
            return;
        }
        for tp in offline {
            self.elect_leader(tp);
        }
        self.after_controller_change();
    }

    // ----- what every broker answers from the metadata ------------------------------

    /// Metadata, FindCoordinator and InitProducerId, answered by broker `b` from the
    /// cluster's metadata (kscope's brokers see the controller's state as it is).
    pub(crate) fn answer_from_metadata(&mut self, b: BrokerId, message: Message) {
        let from = message.from;
        match message.payload {
            Payload::MetadataRequest => {
                let topics = self.metadata_of(b);
                let partitions = self
                    .all_partitions()
                    .map(|tp| {
                        let p = crate::metadata::partition(topics, tp);
                        (tp, p.leader, p.leader_epoch)
                    })
                    .collect();
                self.cx.send(
                    NodeId::Broker(b),
                    from,
                    Payload::MetadataResponse {
                        request: message.id,
                        partitions,
                    },
                );
            }
            Payload::InitProducerIdRequest { .. } => {
                // The controller's producer id block, idealised as one counter.
                let producer_id = self.next_producer_id;
                self.next_producer_id += 1;
                self.cx.send(
                    NodeId::Broker(b),
                    from,
                    Payload::InitProducerIdResponse {
                        request: message.id,
                        producer_id,
                        epoch: 0,
                        error: None,
                    },
                );
            }
            Payload::FindCoordinatorRequest { group, transaction } => {
                self.handle_find_coordinator(b, from, message.id, group, transaction)
            }
            _ => {}
        }
    }

    /// Creates `__transaction_state` as a broker does when a transactional producer
    /// first looks for its coordinator (compacted, `min.insync.replicas` from
    /// `transaction.state.log.min.isr`); Kafka refuses while fewer brokers are
    /// registered than its replication factor.
    pub(crate) fn create_txn_topic(&mut self) -> bool {
        let b = &self.config.broker;
        let (partitions, rf) = (
            b.transaction_state_log_num_partitions,
            b.transaction_state_log_replication_factor,
        );
        let min_isr = Some(b.transaction_state_log_min_isr);
        self.create_internal_topic(crate::txn::TRANSACTION_STATE_TOPIC, partitions, rf, min_isr)
    }

    /// Creates `__consumer_offsets` as a broker does when a group first needs it; Kafka
    /// refuses while fewer brokers are registered than its replication factor.
    pub(crate) fn create_offsets_topic(&mut self) -> bool {
        let b = &self.config.broker;
        let (partitions, rf) = (
            b.offsets_topic_num_partitions,
            b.offsets_topic_replication_factor,
        );
        self.create_internal_topic(OFFSETS_TOPIC, partitions, rf, None)
    }

    /// Creates a compacted internal topic with 100 MiB segments (`AutoTopicCreationManager`
    /// with the coordinator's configs), unless fewer brokers are registered than `rf`;
    /// `min_isr` (capped at `rf`) where the topic sets its own `min.insync.replicas`.
    fn create_internal_topic(
        &mut self,
        name: &str,
        partitions: u32,
        rf: u32,
        min_isr: Option<u32>,
    ) -> bool {
        let live = self.brokers.values().filter(|b| b.up && !b.fenced).count() as u32;
        if rf == 0 || rf > live || !self.controller_ready() {
            return false;
        }
        let mut spec = crate::config::TopicSpec::new(name, partitions.max(1), rf);
        spec.log.cleanup_policy = CleanupPolicy::Compact;
        spec.log.segment_bytes = 104_857_600;
        if let Some(min_isr) = min_isr {
            spec.min_insync_replicas = min_isr.min(rf);
        }
        self.create_topic(spec);
        self.reconcile_fetchers();
        true
    }

    /// Which broker coordinates `group`, creating `__consumer_offsets` if needed.
    pub(crate) fn handle_find_coordinator(
        &mut self,
        b: BrokerId,
        from: NodeId,
        request: MessageId,
        group: Rc<str>,
        transaction: bool,
    ) {
        let topic = if transaction {
            crate::metadata::txn_topic(&self.topics)
        } else {
            self.offsets_topic()
        };
        let coordinator = match topic {
            None => {
                if transaction && crate::broker::TXN {
                    self.create_txn_topic();
                } else {
                    self.create_offsets_topic();
                }
                Err(KafkaError::CoordinatorNotAvailable)
            }
            Some(topic) => {
                let n = self.topics[topic.0 as usize].partitions.len() as u32;
                let tp = TopicPartition::new(topic, partition_for(&group, n));
                match crate::metadata::partition(self.metadata_of(b), tp).leader {
                    Some(l) if self.broker_usable(l) => Ok(l),
                    _ => Err(KafkaError::CoordinatorNotAvailable),
                }
            }
        };
        self.cx.send(
            NodeId::Broker(b),
            from,
            Payload::FindCoordinatorResponse {
                request,
                coordinator,
            },
        );
    }

    /// Leadership of a `__consumer_offsets` or `__transaction_state` partition changed:
    /// the new leader loads its groups or transactions from its log (`onElection`),
    /// every other replica drops them (`onResignation`; a group coordinator answers what
    /// it was holding with NOT_COORDINATOR).
    pub(crate) fn on_offsets_leadership(&mut self, tp: TopicPartition, only: Option<BrokerId>) {
        let txn = crate::broker::TXN && Some(tp.topic) == crate::metadata::txn_topic(&self.topics);
        if !txn && Some(tp.topic) != self.offsets_topic() {
            return;
        }
        let replicas = self.partition(tp).replicas.clone();
        for b in replicas
            .into_iter()
            .filter(|b| only.is_none_or(|o| o == *b))
        {
            let Some(broker) = self.brokers.get(&b) else {
                continue;
            };
            if !broker.up {
                continue;
            }
            let leads = broker.replicas.get(&tp).is_some_and(|r| r.is_leader);
            let loaded = if txn {
                broker.txn.txns.values().any(|t| t.partition == tp)
            } else {
                broker
                    .coordinator
                    .groups
                    .values()
                    .any(|g| g.partition == tp)
            };
            let (broker, cx, mut env) = self.broker_parts(b);
            match (leads, loaded, txn) {
                (true, false, false) => broker.load_groups(cx, &mut env, tp),
                (true, false, true) => broker.load_txns(cx, &mut env, tp),
                (false, true, false) => broker.unload_groups(cx, tp),
                (false, true, true) => broker.unload_txns(tp),
                _ => {}
            }
        }
    }

    // ----- the ISR ------------------------------------------------------------------

    /// A follower's fetch reaches leader `b`. The leader records where the follower is;
    /// a follower that caught up joins the ISR: the idealised controller adds it at once,
    /// a controller quorum once the leader's `AlterPartition` reaches it
    /// (`Partition.maybeExpandIsr`). The high watermarks may then move, and the leader
    /// answers or parks the fetch.
    pub(crate) fn follower_fetch(&mut self, b: BrokerId, follower: BrokerId, message: Message) {
        let Payload::FetchRequest {
            max_wait_ms,
            partition_max_bytes,
            max_bytes,
            min_bytes,
            partitions,
            ..
        } = message.payload
        else {
            return;
        };
        let (broker, cx, _) = self.broker_parts(b);
        let isr_candidates = broker.record_follower_fetch(cx, follower, &partitions);
        let mut expanded = false;
        for tp in isr_candidates {
            if self.decisions_wait() {
                self.send_alter_partition(b, tp, IsrChange::Expand(follower));
            } else {
                expanded |= self.apply_isr_change(b, tp, &IsrChange::Expand(follower));
            }
        }
        let (broker, cx, mut env) = self.broker_parts(b);
        broker.follower_fetch_moves_hw(cx, &mut env, &partitions);
        if expanded {
            self.after_controller_change();
        }
        let fetch = DelayedFetch {
            request: message.id,
            client: NodeId::Broker(follower),
            up_to: ReadUpTo::LogEnd,
            partition_max_bytes,
            max_bytes,
            min_bytes,
            partitions,
        };
        let broker = self.brokers.get_mut(&b).expect("a known broker");
        broker.answer_follower_fetch(&mut self.cx, fetch, max_wait_ms);
    }

    /// The leader `b`'s ISR check found followers that fell behind: they leave the ISR,
    /// at once with the idealised controller, with a controller quorum once the leader's
    /// `AlterPartition` reaches it (`Partition.maybeShrinkIsr`, one request for all of a
    /// partition's laggards).
    pub(crate) fn shrink_isr(&mut self, b: BrokerId, shrinks: Vec<(TopicPartition, BrokerId)>) {
        let mut by_partition: Vec<(TopicPartition, Vec<BrokerId>)> = Vec::new();
        for (tp, member) in shrinks {
            match by_partition.iter_mut().find(|(p, _)| *p == tp) {
                Some((_, members)) => members.push(member),
                None => by_partition.push((tp, alloc::vec![member])),
            }
        }
        let mut changed = false;
        for (tp, members) in by_partition {
            let change = IsrChange::Shrink(members);
            if self.decisions_wait() {
                self.send_alter_partition(b, tp, change);
            } else {
                changed |= self.apply_isr_change(b, tp, &change);
            }
        }
        if changed {
            self.after_controller_change();
        }
    }

    /// The controller makes leader `b`'s ISR change to `tp`, if `b` still leads it; with
    /// the idealised controller every replica learns it now, with a quorum it goes to the
    /// metadata log. Whether the ISR changed.
    fn apply_isr_change(&mut self, b: BrokerId, tp: TopicPartition, change: &IsrChange) -> bool {
        let p = self.decided_mut(tp);
        if p.leader != Some(b) {
            return false;
        }
        let before = p.isr.clone();
        match change {
            IsrChange::Expand(follower) if !p.isr.contains(follower) => {
                p.isr.push(*follower);
                crate::java::sort_small_by_key(&mut p.isr, |b| *b);
            }
            IsrChange::Expand(_) => {}
            IsrChange::Shrink(members) => p.isr.retain(|m| *m == b || !members.contains(m)),
        }
        if p.isr == before {
            return false;
        }
        let isr = p.isr.clone();
        match change {
            IsrChange::Expand(added) => self.cx.emit(Event::IsrExpanded {
                partition: tp,
                added: *added,
                isr,
            }),
            IsrChange::Shrink(members) => {
                for removed in members
                    .iter()
                    .filter(|m| before.contains(m) && !isr.contains(m))
                {
                    self.cx.emit(Event::IsrShrunk {
                        partition: tp,
                        removed: *removed,
                        isr: isr.clone(),
                    });
                }
            }
        }
        self.publish(tp);
        if !self.decisions_wait() && matches!(change, IsrChange::Shrink(_)) {
            self.on_isr_changed(tp);
        }
        true
    }

    /// Leader `b`'s `AlterPartition` for `tp` reaches the controller (KRaft's active
    /// controller, ZooKeeper mode's controller broker), built on `based_on`, the
    /// partition as the leader knows it. The controller checks it as
    /// `ReplicationControlManager.validateAlterPartitionData` does: an older leader epoch
    /// is `FENCED_LEADER_EPOCH`; a state the controller has since changed (an older
    /// partition epoch) is `INVALID_UPDATE_VERSION`; a joining follower whose broker is
    /// fenced is `INELIGIBLE_REPLICA`.
    pub(crate) fn alter_partition_received(
        &mut self,
        b: BrokerId,
        tp: TopicPartition,
        based_on: &PartitionState,
        change: &IsrChange,
    ) -> Result<(), AlterPartitionError> {
        let decided = self.decided(tp);
        let error = if based_on.leader_epoch < decided.leader_epoch || decided.leader != Some(b) {
            Some(AlterPartitionError::FencedLeaderEpoch)
        } else if decided != based_on {
            Some(AlterPartitionError::InvalidUpdateVersion)
        } else if matches!(change, IsrChange::Expand(f)
            if self.brokers.get(f).is_none_or(|f| f.fenced))
        {
            Some(AlterPartitionError::IneligibleReplica)
        } else {
            None
        };
        if let Some(error) = error {
            #[cfg(feature = "control_plane")]
            self.cx.emit(Event::AlterPartitionRefused {
                partition: tp,
                leader: b,
                error,
            });
            return Err(error);
        }
        // (With a quorum the brokers act on the change once it reaches them.)
        self.apply_isr_change(b, tp, change);
        Ok(())
    }

    /// Delayed operations of every broker that no longer leads `tp` complete with
    /// `NotLeaderOrFollower`.
    pub(crate) fn fail_delayed_for_lost_leadership(
        &mut self,
        tp: TopicPartition,
        only: Option<BrokerId>,
    ) {
        let ids: Vec<BrokerId> = self.brokers.keys().copied().collect();
        for b in ids.into_iter().filter(|b| only.is_none_or(|o| o == *b)) {
            let leads = self.brokers[&b]
                .replicas
                .get(&tp)
                .is_some_and(|r| r.is_leader);
            if !leads {
                let (broker, cx, mut env) = self.broker_parts(b);
                broker.try_complete_delayed_produces_for(cx, &mut env, tp);
                if crate::broker::TXN {
                    broker.complete_marker_writes(cx);
                }
            }
        }
    }

    /// The ISR of `tp` changed: replicas learn it, the high watermark may move and waiting
    /// produce requests may complete.
    pub(crate) fn on_isr_changed(&mut self, tp: TopicPartition) {
        if let Some(l) = self.partition(tp).leader {
            let (broker, cx, mut env) = self.broker_parts(l);
            broker.maybe_increment_hw(cx, &mut env, tp);
            broker.try_complete_delayed_produces_for(cx, &mut env, tp);
        }
    }

    /// Makes every live broker fetch from the leaders of the partitions it follows, and
    /// only from them, each as its own metadata says.
    pub(crate) fn reconcile_fetchers(&mut self) {
        let ids: Vec<BrokerId> = self.brokers.keys().copied().collect();
        for b in ids {
            self.reconcile_fetchers_of(b);
        }
    }

    /// Makes broker `b`, if live, fetch from the leaders of the partitions it follows
    /// as its metadata says, and only from them (`ReplicaFetcherManager`).
    pub(crate) fn reconcile_fetchers_of(&mut self, b: BrokerId) {
        let (broker, cx, mut env) = self.broker_parts(b);
        let mut leaders: Vec<BrokerId> = Vec::new();
        if broker.up {
            for tp in broker.replicas.keys() {
                let p = env.partition(*tp);
                if let Some(l) = p.leader.filter(|l| *l != b && p.replicas.contains(&b)) {
                    leaders.push(l);
                }
            }
        }
        crate::java::sort_small_by_key(&mut leaders, |b| *b);
        leaders.dedup();
        broker.fetch_from(cx, &mut env, leaders);
    }
}

/// Kafka's rack-unaware replica placement (`AdminUtils.assignReplicasToBrokersRackUnaware`
/// in ZooKeeper mode): the first replica of partition `p` on broker `(p + start) % n`, the
/// others shifted by a per-wrap offset, with `start` and the first shift drawn at random.
pub fn assign_replicas(
    brokers: &[BrokerId],
    partitions: u32,
    replication_factor: u32,
    rng: &mut Rng,
) -> Vec<Vec<BrokerId>> {
    let n = brokers.len() as u32;
    let start_index = rng.below(n);
    let mut next_replica_shift = rng.below(n);
    let mut out = Vec::with_capacity(partitions as usize);
    for p in 0..partitions {
        if p > 0 && p % n == 0 {
            next_replica_shift += 1;
        }
        let first = (p + start_index) % n;
        let mut replicas = alloc::vec![brokers[first as usize]];
        for j in 0..replication_factor.saturating_sub(1) {
            let shift = 1 + (next_replica_shift + j) % (n - 1);
            replicas.push(brokers[((first + shift) % n) as usize]);
        }
        out.push(replicas);
    }
    out
}
