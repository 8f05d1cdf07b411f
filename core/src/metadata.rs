//! The cluster's metadata as the controller keeps it: each topic's spec and, for each
//! partition, its replicas, leader, leader epoch and ISR. Brokers learn it from the
//! controller (`Replica::update_leadership`); clients from Metadata responses.

use alloc::vec::Vec;

use crate::ids::{BrokerId, LeaderEpoch, TopicId, TopicPartition};

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

/// The controller's record of `tp` among `topics`.
pub(crate) fn partition(topics: &[Topic], tp: TopicPartition) -> &PartitionState {
    &topics[tp.topic.0 as usize].partitions[tp.partition as usize]
}

/// The id of the `__transaction_state` topic among `topics`, if it was created.
pub(crate) fn txn_topic(topics: &[Topic]) -> Option<TopicId> {
    topics
        .iter()
        .position(|t| t.spec.name == crate::txn::TRANSACTION_STATE_TOPIC)
        .map(|t| TopicId(t as u32))
}

/// The `__transaction_state` partition of `transactional_id`, once the topic exists.
pub(crate) fn txn_partition(topics: &[Topic], transactional_id: &str) -> Option<TopicPartition> {
    let topic = txn_topic(topics)?;
    let n = topics[topic.0 as usize].partitions.len() as u32;
    Some(TopicPartition::new(
        topic,
        crate::txn::partition_for(transactional_id, n),
    ))
}

/// The id of the `__consumer_offsets` topic among `topics`, if it was created.
pub(crate) fn offsets_topic(topics: &[Topic]) -> Option<TopicId> {
    topics
        .iter()
        .position(|t| t.spec.name == crate::group::OFFSETS_TOPIC)
        .map(|t| TopicId(t as u32))
}
