//! kscope-core: Apache Kafka's internals as a deterministic, sans-IO simulation.
//!
//! A [`Sim`] holds a cluster of brokers, their topics and partitions, a producing
//! application, a consumer group and the network between them. It is driven entirely
//! from outside: the caller passes the current simulated [`Instant`] to [`Sim::apply`]
//! (a [`Command`]) and [`Sim::step`], asks [`Sim::poll_at`] when anything is next due, and takes the
//! [`Event`]s that happened with [`Sim::drain_events`]. The core reads no clock, does no
//! I/O, draws randomness only from its seeded [`rng::Rng`] and iterates only ordered
//! collections, so the same configuration, seed and commands produce the same events on
//! every platform, natively or compiled to WebAssembly.
//!
//! Each Kafka actor owns its behaviour: a [`broker::Broker`] (with its group
//! coordinator), the [`producer::Producer`] and each [`consumer::Consumer`] has handlers
//! for the messages and timers it receives, given a context (the clock, the queue, the
//! network, the events, the ledger) and never the whole simulation. The [`Sim`] owns them,
//! routes each delivery and timer to its actor, and makes the controller's decisions in
//! one place ([`controller`]).
//!
//! The layers, bottom up (each imports only those below it):
//! - [`murmur2`], [`partitioner`], [`record`], [`java`], [`assignor`]: Kafka's key hash,
//!   partitioners, record sizes and assignors, pure functions checked against Kafka's own
//!   test vectors;
//! - [`ids`], [`time`], [`rng`], [`vecmap`], [`config`], [`event`], [`metadata`]: values;
//! - [`log`], [`idempotence`]: a replica's log with segments, indexes, retention,
//!   compaction and the leader-epoch cache; the idempotent producer's broker side;
//! - [`network`], [`ledger`]: messages in flight with `sent_at` and `deliver_at`, links,
//!   faults; every record's fate;
//! - `ctx`: what every actor is handed;
//! - [`producer`], [`broker`], [`group`] and [`coordinator`], [`consumer`]: the actors;
//! - [`sim`], [`controller`], [`workload`]: the simulation, the controller and the
//!   producing application; [`invariants`]: what must always hold.
//!
//! The crate is `#![no_std]` with `alloc`; it knows nothing of pixels, the DOM or Yew.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod assignor;
pub mod broker;
pub mod broker_metadata;
pub mod config;
pub mod consumer;
pub mod control_plane;
pub mod controller;
pub mod coordinator;
pub(crate) mod ctx;
pub mod event;
pub mod group;
pub mod guarantee;
pub mod idempotence;
pub mod ids;
pub mod invariants;
pub mod java;
pub mod ledger;
pub mod log;
pub mod metadata;
pub mod murmur2;
pub mod network;
pub mod partition_map;
pub mod partitioner;
pub mod pipeline;
pub mod producer;
pub mod protocol;
pub mod raft;
pub mod record;
pub mod record_batch;
pub mod rng;
pub mod sim;
pub mod time;
pub mod txn;
pub mod txn_client;
pub mod txn_coordinator;
pub mod vecmap;
pub mod workload;
pub mod zookeeper;

pub use config::{
    Acks, BrokerConfig, ConfigError, KafkaVersion, NetworkConfig, ProducerConfig, SimConfig,
    TopicSpec, Workload,
};
pub use event::{Event, KafkaError, TimedEvent};
pub use ids::{
    BatchId, BrokerId, ConsumerId, LeaderEpoch, MessageId, NodeId, Offset, ProducerId, RecordId,
    TopicId, TopicPartition,
};
pub use sim::{Command, CommandError, Sim};
pub use time::{Duration, Instant};
