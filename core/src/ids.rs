//! Newtypes for every id and offset, named as Kafka names them.

use core::fmt;

macro_rules! newtype {
    ($(#[$doc:meta])* $name:ident($inner:ty), $fmt:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        pub struct $name(pub $inner);

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, $fmt, self.0)
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

newtype!(
    /// A broker's `node.id`.
    BrokerId(u32), "b{}"
);
newtype!(
    /// An index into the simulation's topics, in creation order.
    TopicId(u32), "t{}"
);
newtype!(
    /// An offset in a partition's log. Kafka's offsets are signed 64-bit.
    Offset(i64), "@{}"
);
newtype!(
    /// The leader epoch of a partition (KIP-101): bumped at every leader change.
    LeaderEpoch(i32), "e{}"
);
newtype!(
    /// A record's identity in the ledger: its position in the order the application sent
    /// records, starting at 0.
    RecordId(u64), "r{}"
);
newtype!(
    /// A producer batch's identity, unique across the simulation.
    BatchId(u64), "batch{}"
);
newtype!(
    /// A consumer process of the group, numbered in the order it was started.
    ConsumerId(u32), "c{}"
);
newtype!(
    /// A message in flight on the simulated network.
    MessageId(u64), "m{}"
);

impl Offset {
    pub const ZERO: Offset = Offset(0);
    pub fn next(self) -> Offset {
        Offset(self.0 + 1)
    }
}

/// A partition of a topic.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TopicPartition {
    pub topic: TopicId,
    pub partition: u32,
}

impl TopicPartition {
    pub const fn new(topic: TopicId, partition: u32) -> TopicPartition {
        TopicPartition { topic, partition }
    }
}

impl fmt::Debug for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic.0, self.partition)
    }
}

newtype!(
    /// A producer client of the simulation (kscope's numbering; the first is the
    /// producing application's).
    ProducerId(u32), "p{}"
);

/// A node on the simulated network.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum NodeId {
    /// A producer client.
    Producer(ProducerId),
    Broker(BrokerId),
    /// A consumer of the group.
    Consumer(ConsumerId),
}

impl NodeId {
    /// The producing application's producer.
    pub const PRODUCER: NodeId = NodeId::Producer(ProducerId(0));
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // The first producer is "the producer" (traces written before there could be
            // several keep their text).
            NodeId::Producer(ProducerId(0)) => write!(f, "producer"),
            NodeId::Producer(p) => write!(f, "producer{}", p.0),
            NodeId::Broker(b) => write!(f, "{b:?}"),
            NodeId::Consumer(c) => write!(f, "{c:?}"),
        }
    }
}

/// A KRaft controller's `node.id` (`process.roles=controller`); kscope numbers them from
/// `raft::FIRST_CONTROLLER_ID` so they never collide with a broker's.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ControllerId(pub u32);
