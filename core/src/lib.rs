//! kscope-core: Apache Kafka's internals as a deterministic, sans-IO simulation.
//!
//! A [`Sim`] holds a cluster of brokers, their topics and partitions, one producing
//! application and the network between them. It is driven entirely from outside: the
//! caller passes the current simulated [`Instant`] to [`Sim::apply`] (a [`Command`]) and
//! [`Sim::step`], asks [`Sim::poll_at`] when anything is next due, and takes the
//! [`Event`]s that happened with [`Sim::drain_events`]. The core reads no clock, does no
//! I/O, draws randomness only from its seeded [`rng::Rng`] and iterates only ordered
//! collections, so the same configuration, seed and commands produce the same events on
//! every platform, natively or compiled to WebAssembly.
//!
//! The layers, bottom up:
//! - [`murmur2`], [`partitioner`], [`record`]: Kafka's key hash, partitioners and record
//!   sizes, pure functions checked against Kafka's own test vectors;
//! - [`log`]: a replica's log with segments, indexes, retention, compaction and the
//!   leader-epoch cache;
//! - [`network`]: messages in flight with `sent_at` and `deliver_at`, links, faults;
//! - `producer`, `broker`, `sim`: the producer client, the brokers and the controller;
//! - [`ledger`]: every record's fate; [`invariants`]: what must always hold.
//!
//! The crate is `#![no_std]` with `alloc`; it knows nothing of pixels, the DOM or Yew.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod assignor;
pub mod broker;
pub mod config;
pub mod consumer;
pub mod controller;
pub mod coordinator;
pub(crate) mod ctx;
pub mod event;
pub mod group;
pub mod idempotence;
pub mod ids;
pub mod invariants;
pub mod java;
pub mod ledger;
pub mod log;
pub mod metadata;
pub mod murmur2;
pub mod network;
pub mod partitioner;
pub mod producer;
pub mod record;
pub mod rng;
pub mod sim;
pub mod time;
pub mod vecmap;
pub mod workload;

pub use config::{
    Acks, BrokerConfig, ConfigError, NetworkConfig, ProducerConfig, SimConfig, TopicSpec, Workload,
};
pub use event::{Event, KafkaError, TimedEvent};
pub use ids::{
    BatchId, BrokerId, ConsumerId, LeaderEpoch, MessageId, NodeId, Offset, RecordId, TopicId,
    TopicPartition,
};
pub use sim::{Command, CommandError, Sim};
pub use time::{Duration, Instant};
