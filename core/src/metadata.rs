//! The cluster's metadata as the controller keeps it: each topic's spec and, for each
//! partition, its replicas, leader, leader epoch and ISR. Brokers learn it from the
//! controller (`Replica::update_leadership`); clients from Metadata responses.

use alloc::vec::Vec;

use crate::ids::{BrokerId, LeaderEpoch};

/// The controller's record of one partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionState {
    /// The assigned replicas, preferred leader first.
    pub replicas: Vec<BrokerId>,
    pub leader: Option<BrokerId>,
    pub leader_epoch: LeaderEpoch,
    pub isr: Vec<BrokerId>,
}

/// A topic and its partitions.
#[derive(Clone, Debug)]
pub struct Topic {
    pub spec: crate::config::TopicSpec,
    pub partitions: Vec<PartitionState>,
}
