//! What every actor of the simulation is handed when it runs: the context.
//!
//! [`Ctx`] holds the simulated instant, the one queue of what is due (message deliveries
//! and timers, ordered by instant and then by the order they were scheduled in), the
//! network, the events gathered for the caller and the ledger of every record's fate.
//! An actor (a broker, the producer, a consumer) gets `&mut Ctx` beside `&mut self`: it
//! can send a message, set a timer, emit an event and record a record's fate, and it can
//! reach no other actor's state. [`crate::sim::Sim`] owns the context and the actors and
//! routes each due item to its actor.
//!
//! Sending and scheduling happen at once, in the order the actor asks, so the sequence
//! numbers that break ties between equal instants follow the actors' own order.

use alloc::collections::BinaryHeap;
use alloc::vec::Vec;
use core::cmp::Reverse;

use crate::event::{Event, LossCause, MessageKind, TimedEvent};
use crate::ids::{BrokerId, ConsumerId, MessageId, NodeId, ProducerId, TopicPartition};
use crate::ledger::Ledger;
use crate::network::{Message, Network, Payload, Verdict};
use crate::time::{Duration, Instant};

/// What is due at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Due {
    Deliver(MessageId),
    ProducerWake(ProducerId),
    Workload,
    /// A follower's fetch went unanswered for `replica.socket.timeout.ms`.
    FetchTimeout {
        broker: BrokerId,
        leader: BrokerId,
        request: MessageId,
    },
    FetcherBackoff {
        broker: BrokerId,
        leader: BrokerId,
    },
    /// A parked fetch's wait (`replica.fetch.wait.max.ms`, `fetch.max.wait.ms`) is over.
    DelayedFetchExpire {
        broker: BrokerId,
        request: MessageId,
    },
    DelayedProduceExpire {
        broker: BrokerId,
        request: MessageId,
    },
    IsrCheck {
        broker: BrokerId,
        incarnation: u32,
    },
    /// The controller's periodic look for leaderless partitions whose topic now allows
    /// an unclean election.
    UncleanElectionCheck,
    /// Every broker machine's kernel writes back expired dirty pages
    /// (`vm.dirty_writeback_centisecs`); it runs whether Kafka's process is up or not.
    WriteBack,
    /// The transaction coordinator looks for transactions past their timeout.
    TxnCheck {
        broker: BrokerId,
        incarnation: u32,
    },
    /// The transaction coordinator sends again the markers a leader refused.
    TxnMarkerRetry {
        broker: BrokerId,
        incarnation: u32,
    },
    /// The log cleaner looks for compacted logs to clean.
    CleanerCheck {
        broker: BrokerId,
        incarnation: u32,
    },
    RetentionCheck {
        broker: BrokerId,
        incarnation: u32,
    },
    FenceBroker {
        broker: BrokerId,
        incarnation: u32,
    },
    /// A message or timer of the controller quorum.
    Raft(RaftDue),
    ConsumerWake {
        consumer: ConsumerId,
        incarnation: u32,
    },
    ConsumerHeartbeat {
        consumer: ConsumerId,
        incarnation: u32,
    },
    ConsumerRequestTimeout {
        consumer: ConsumerId,
        incarnation: u32,
        request: MessageId,
    },
    GroupJoinTimer {
        broker: BrokerId,
        partition: u32,
        timer: u64,
    },
    MemberExpiry {
        broker: BrokerId,
        partition: u32,
        member: u64,
    },
    PendingMemberExpiry {
        broker: BrokerId,
        partition: u32,
    },
    /// The rebalance timeout after generation `generation` began: members that have not
    /// sent SyncGroup go.
    PendingSyncExpiry {
        broker: BrokerId,
        partition: u32,
        generation: i32,
    },
    GroupAppendTimeout {
        broker: BrokerId,
        append: u64,
    },
}

/// An entry of the queue, ordered by instant, then by the order it was scheduled in.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Scheduled {
    at: Instant,
    seq: u64,
    due: Due,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// What an actor asks of the application around it, which `Sim` carries out after the
/// item that caused it: the consume-transform-produce application joins a consumer and
/// its transactional producer (KIP-447), which own no part of each other.
#[cfg(feature = "transactions")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    /// A member of the exactly-once pipeline processed `records`: its producer sends
    /// their results to the output topic, in its transaction (begun with the first).
    Results {
        consumer: crate::ids::ConsumerId,
        records: Vec<(
            crate::ids::TopicPartition,
            crate::ids::Offset,
            crate::ids::RecordId,
        )>,
    },
    /// The member finished its poll: its producer adds its offsets to the transaction
    /// and commits.
    Commit {
        consumer: crate::ids::ConsumerId,
        offsets: crate::txn::TxnOffsets,
    },
    /// A transactional producer's transaction ended (`commitTransaction()` or
    /// `abortTransaction()` returned).
    TxnEnded {
        producer: crate::ids::ProducerId,
        committed: bool,
    },
}

/// The simulation's clock, queue, network, events and ledger, as the actors see them.
#[derive(Clone, Debug)]
pub(crate) struct Ctx {
    pub(crate) now: Instant,
    /// What is due, earliest first; equal instants in the order they were scheduled.
    queue: BinaryHeap<Reverse<Scheduled>>,
    queue_seq: u64,
    pub(crate) network: Network,
    pub(crate) events: Vec<TimedEvent>,
    pub(crate) ledger: Ledger,
    /// Messages that reached an actor that never receives their kind: a routing bug,
    /// reported by the invariant `messages_reach_their_actor`.
    pub(crate) misrouted: Vec<(MessageId, MessageKind, NodeId)>,
    /// What the actors asked of their applications, for `Sim` to carry out (only the
    /// build with transactions has an application that asks).
    #[cfg(feature = "transactions")]
    pub(crate) effects: Vec<Effect>,
}

impl Ctx {
    pub(crate) fn new(default_latency: Duration) -> Ctx {
        Ctx {
            now: Instant::ZERO,
            queue: BinaryHeap::new(),
            queue_seq: 0,
            network: Network::new(default_latency),
            events: Vec::new(),
            ledger: Ledger::default(),
            misrouted: Vec::new(),
            #[cfg(feature = "transactions")]
            effects: Vec::new(),
        }
    }

    /// Records a message that reached an actor that never receives its kind.
    pub(crate) fn misrouted(&mut self, message: &Message) {
        self.misrouted
            .push((message.id, message.payload.kind(), message.to));
    }

    /// The same, for a message already taken apart: its id, kind and destination.
    pub(crate) fn misrouted_parts(&mut self, id: MessageId, kind: MessageKind, to: NodeId) {
        self.misrouted.push((id, kind, to));
    }

    /// The next instant anything is due, if anything is.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.queue.peek().map(|Reverse(s)| s.at)
    }

    /// Takes the next due item if it is due at or before `until`, moving the clock to it.
    pub(crate) fn pop_due(&mut self, until: Option<Instant>) -> Option<(Instant, Due)> {
        if until.is_some_and(|u| self.next_due().is_none_or(|at| at > u)) {
            return None;
        }
        let Reverse(s) = self.queue.pop()?;
        self.now = self.now.max(s.at);
        Some((s.at, s.due))
    }

    pub(crate) fn emit(&mut self, event: Event) {
        self.events.push(TimedEvent {
            at: self.now,
            event,
        });
    }

    pub(crate) fn schedule(&mut self, at: Instant, due: Due) {
        self.queue_seq += 1;
        self.queue.push(Reverse(Scheduled {
            at: at.max(self.now),
            seq: self.queue_seq,
            due,
        }));
    }

    /// Puts a message on the network, or drops it as the link decides.
    pub(crate) fn send(&mut self, from: NodeId, to: NodeId, payload: Payload) -> MessageId {
        let id = self.network.next_id();
        let kind = payload.kind();
        let verdict = self.network.verdict(from, to, kind, self.now);
        let deliver_at = match verdict {
            Verdict::Deliver(at) => at,
            _ => self.now + self.network.latency(from, to),
        };
        self.emit(Event::MessageSent {
            message: id,
            from,
            to,
            kind,
            sent_at: self.now,
            deliver_at,
        });
        let message = Message {
            id,
            from,
            to,
            sent_at: self.now,
            deliver_at,
            payload,
        };
        match verdict {
            Verdict::Deliver(at) => {
                self.network.in_flight.insert(id, message);
                self.schedule(at, Due::Deliver(id));
            }
            Verdict::DropInjected => {
                self.network.in_flight.insert(id, message);
                self.drop_message(id, crate::event::DropReason::Injected);
            }
            Verdict::DropCut => {
                self.network.in_flight.insert(id, message);
                self.drop_message(id, crate::event::DropReason::LinkCut);
            }
        }
        id
    }

    pub(crate) fn drop_message(&mut self, id: MessageId, reason: crate::event::DropReason) {
        let Some(message) = self.network.in_flight.remove(&id) else {
            return;
        };
        self.emit(Event::MessageDropped {
            message: id,
            reason,
        });
        self.on_message_lost(&message);
    }

    /// An `acks=0` request that never arrives loses its records; every other loss of a
    /// message is found by the sender's timeout.
    pub(crate) fn on_message_lost(&mut self, message: &Message) {
        if let Payload::ProduceRequest(crate::network::ProduceRequest { acks, batches, .. }) =
            &message.payload
        {
            if *acks == crate::config::Acks::None {
                for b in batches {
                    let records: Vec<_> = b.records.iter().map(|r| r.id).collect();
                    self.mark_lost(
                        b.partition,
                        records,
                        LossCause::UnacknowledgedSendDropped {
                            message: message.id,
                        },
                    );
                }
            }
        }
    }

    pub(crate) fn mark_lost(
        &mut self,
        partition: TopicPartition,
        records: Vec<crate::ids::RecordId>,
        cause: LossCause,
    ) {
        let records: Vec<_> = records
            .into_iter()
            .filter(|r| self.ledger.on_lost(*r, cause))
            .collect();
        if !records.is_empty() {
            self.emit(Event::RecordsLost {
                partition,
                records,
                cause,
            });
        }
    }
}

/// What is due to the controller quorum (`raft.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RaftDue {
    /// A message reaches its controller.
    Deliver(u64),
    /// A voter's election or fetch timeout, for the state it had (`generation`).
    Timeout {
        node: crate::ids::ControllerId,
        incarnation: u32,
        generation: u32,
    },
    /// The leader's tick: check-quorum, BeginQuorumEpoch again.
    LeaderTick {
        node: crate::ids::ControllerId,
        incarnation: u32,
        generation: u32,
    },
    /// The leader's hold of a fetch (`fetch` from `follower`) is over: it answers empty.
    HoldOver {
        node: crate::ids::ControllerId,
        incarnation: u32,
        generation: u32,
        follower: crate::ids::ControllerId,
        fetch: u64,
    },
    /// A metadata message reaches a broker or the active controller
    /// (`broker_metadata.rs`).
    Metadata(u64),
    /// The active controller's hold of a broker's metadata fetch is over: it answers
    /// empty.
    MetadataHoldOver {
        broker: crate::ids::BrokerId,
        fetch: u64,
    },
    /// A KRaft broker's next heartbeat to the active controller.
    Heartbeat {
        broker: crate::ids::BrokerId,
        incarnation: u32,
    },
}
