//! The conformance runner: every case of Kafka's own test vectors (`conformance/`, see its
//! README for provenance and attribution) checked through kscope-core's public API.
//!
//! `KSCOPE_CONFORMANCE_DIR` names another directory of files with the same names and
//! schemas to check instead. For each file the runner prints
//! `conformance FILE: N passed, N failed, N skipped` and lists every failure and skip with
//! its case id and reason. A case is skipped only for something the README lists as not
//! modelled; any failure fails the test.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;

use kscope_core::assignor::{self, AssignorKind, NamedPartition, Subscription};
use kscope_core::log::{
    encode_offset_index_entry, encode_time_index_entry, segment_file_name, CleanupPolicy, Log,
    LogConfig, OffsetIndexEntry, StoredBatch, StoredRecord, TimeIndexEntry,
};
use kscope_core::murmur2::{murmur2, partition_for_key, to_positive};
use kscope_core::partitioner::{
    adaptive_inputs, load_stats, BuiltInPartitioner, PartitionerKind, RoundRobinPartitioner,
    StickyPartitionCache,
};
use kscope_core::record::{size_of_varint, size_of_varlong, RECORD_BATCH_OVERHEAD};
use kscope_core::rng::{RandomSource, Rng, SequentialRandom};
use kscope_core::*;
use serde_json::Value;

#[derive(Default)]
struct Tally {
    passed: u32,
    failed: Vec<(String, String)>,
    skipped: Vec<(String, String)>,
    notes: Vec<String>,
}

impl Tally {
    fn check(&mut self, id: impl Into<String>, ok: bool, why: impl FnOnce() -> String) {
        if ok {
            self.passed += 1;
        } else {
            self.failed.push((id.into(), why()));
        }
    }
}

const FILES: &[&str] = &[
    "murmur2.json",
    "partitioner.json",
    "log_facts.json",
    "record_batch_v2.json",
    "idempotence.json",
    "assignors.json",
];

fn dir() -> PathBuf {
    match std::env::var_os("KSCOPE_CONFORMANCE_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../conformance"),
    }
}

#[test]
fn conformance() {
    let dir = dir();
    let mut any_failed = false;
    for file in FILES {
        let path = dir.join(file);
        let Ok(text) = std::fs::read_to_string(&path) else {
            println!(
                "conformance {file}: not checked (absent from {})",
                dir.display()
            );
            continue;
        };
        let v: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                println!("conformance {file}: 0 passed, 1 failed, 0 skipped");
                println!("  FAILED {file}: not valid JSON: {e}");
                any_failed = true;
                continue;
            }
        };
        let mut t = Tally::default();
        match *file {
            "murmur2.json" => murmur2_file(&v, &mut t),
            "partitioner.json" => partitioner_file(&v, &mut t),
            "log_facts.json" => log_facts_file(&v, &mut t),
            "record_batch_v2.json" => record_batch_file(&v, &mut t),
            "idempotence.json" => idempotence_file(&v, &mut t),
            "assignors.json" => assignors_file(&v, &mut t),
            _ => unreachable!(),
        }
        println!(
            "conformance {file}: {} passed, {} failed, {} skipped",
            t.passed,
            t.failed.len(),
            t.skipped.len()
        );
        for (id, why) in &t.failed {
            println!("  FAILED {id}: {why}");
        }
        for (id, why) in &t.skipped {
            println!("  skipped {id}: {why}");
        }
        for n in &t.notes {
            println!("  note: {n}");
        }
        any_failed |= !t.failed.is_empty();
    }
    assert!(!any_failed, "conformance failures, listed above");
}

fn hex(s: &str) -> Vec<u8> {
    let s = s.trim_start_matches("0x");
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("hex in the vectors"))
        .collect()
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], |a| a.as_slice())
}

fn id_of(case: &Value, fallback: String) -> String {
    case.get("id")
        .and_then(Value::as_str)
        .map_or(fallback, str::to_string)
}

fn note_count_mismatch(v: &Value, t: &mut Tally, key: &str, count_key: &str) {
    let have = arr(v, key).len() as u64;
    if let Some(said) = v
        .pointer(&format!("/counts/{count_key}"))
        .and_then(Value::as_u64)
    {
        if said != have {
            t.notes.push(format!(
                "counts.{count_key} says {said} but the file holds {have} {key}"
            ));
        }
    }
}

// ----- murmur2 ---------------------------------------------------------------------------

fn murmur2_file(v: &Value, t: &mut Tally) {
    for list in ["kafka_test_vectors", "librdkafka_test_vectors"] {
        for (i, c) in arr(v, list).iter().enumerate() {
            let bytes = hex(c["input_hex"].as_str().unwrap_or(""));
            let want = c["murmur2_i32"].as_i64().unwrap_or(0) as i32;
            let got = murmur2(&bytes);
            let id = format!("{list}[{i}] {:?}", c["input_utf8"].as_str().unwrap_or(""));
            t.check(id.clone(), got == want, || {
                format!("murmur2 = {got}, Kafka says {want}")
            });
            if let Some(p) = c.get("to_positive").and_then(Value::as_i64) {
                t.check(id, i64::from(to_positive(got)) == p, || {
                    format!("toPositive = {}, expected {p}", to_positive(got))
                });
            }
        }
    }
    for (i, c) in arr(v, "to_positive_cases").iter().enumerate() {
        let x = c["x"].as_i64().unwrap_or(0) as i32;
        let want = c["to_positive"].as_i64().unwrap_or(0) as i32;
        t.check(
            format!("to_positive_cases[{i}] {x}"),
            to_positive(x) == want,
            || format!("toPositive({x}) = {}, expected {want}", to_positive(x)),
        );
    }
    for c in arr(v, "computed_key_partition_vectors") {
        let key = hex(c["key_hex"].as_str().unwrap_or(""));
        let id = format!("key {:?}", c["key_utf8"].as_str().unwrap_or(""));
        let want = c["murmur2_i32"].as_i64().unwrap_or(0) as i32;
        t.check(id.clone(), murmur2(&key) == want, || {
            format!("murmur2 = {}, expected {want}", murmur2(&key))
        });
        if let Some(parts) = c["partition"].as_object() {
            for (n, p) in parts {
                let n: u32 = n.parse().expect("partition counts are numbers");
                let got = partition_for_key(&key, n);
                let want = p.as_u64().unwrap_or(0) as u32;
                t.check(format!("{id} over {n} partitions"), got == want, || {
                    format!("partition {got}, expected {want}")
                });
            }
        }
    }
}

// ----- partitioner -----------------------------------------------------------------------

fn u32s(v: &Value) -> Vec<u32> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_u64)
                .map(|x| x as u32)
                .collect()
        })
        .unwrap_or_default()
}

/// The available partitions of a setup: its partitions in metadata order minus the
/// leaderless ones.
fn available(setup: &Value, partitions_key: &str) -> (Vec<u32>, u32) {
    let all = u32s(&setup[partitions_key]);
    let leaderless = u32s(&setup["leaderless"]);
    let avail = all
        .iter()
        .copied()
        .filter(|p| !leaderless.contains(p))
        .collect();
    (avail, all.len() as u32)
}

/// Runs `records` keyless appends of `bytes` each through the built-in partitioner.
fn sticky_run(
    parts: &[u32],
    n: u32,
    sticky: u32,
    records: usize,
    bytes: u32,
    random: &mut dyn RandomSource,
) -> Vec<u32> {
    let mut p = BuiltInPartitioner::new(sticky);
    (0..records)
        .map(|_| {
            let info = p.peek_current(parts, n, random);
            p.update_partition_info(info, bytes, true, parts, n, random);
            info.partition
        })
        .collect()
}

fn partitioner_file(v: &Value, t: &mut Tally) {
    note_count_mismatch(v, t, "computed_cases", "computed_cases");
    let defaults = &v["rules"]["config_defaults"];
    let d = ProducerConfig::default();
    // kscope models Kafka 4.0, whose `linger.ms` default is 5 (KIP-1030); the file's
    // source snapshot predates 4.0 and says 0, with a note naming the change.
    let notes = defaults["version_notes_not_verified_in_snapshot"].to_string();
    let linger_4_0 = if notes.contains("KIP-1030") && notes.contains("linger.ms") {
        Some(5)
    } else {
        defaults["linger.ms"].as_u64()
    };
    t.check(
        "config_defaults",
        defaults["batch.size"].as_u64() == Some(u64::from(d.batch_size))
            && linger_4_0 == Some(d.linger_ms)
            && defaults["partitioner.ignore.keys"].as_bool() == Some(d.partitioner_ignore_keys)
            && defaults["partitioner.adaptive.partitioning.enable"].as_bool()
                == Some(d.partitioner_adaptive_partitioning_enable)
            && defaults["partitioner.availability.timeout.ms"].as_u64()
                == Some(d.partitioner_availability_timeout_ms),
        || format!("kscope's defaults {d:?} differ from {defaults}"),
    );
    for (i, case) in arr(v, "computed_cases").iter().enumerate() {
        let id = id_of(case, format!("computed_cases[{i}]"));
        match case["kind"].as_str().unwrap_or("") {
            "builtin_uniform_sticky" => builtin_uniform_sticky_case(&id, case, t),
            "builtin_adaptive" => builtin_adaptive_case(&id, case, t),
            "legacy_sticky_kip480" => legacy_sticky_flow_case(&id, case, t),
            "round_robin_kafka_9965" => round_robin_skip_case(&id, case, t),
            other => t.failed.push((
                id,
                format!("no check of computed cases of kind {other:?} in the runner"),
            )),
        }
    }
    for case in arr(v, "quoted_cases") {
        let id = id_of(case, "case".into());
        let setup = &case["setup"];
        match id.as_str() {
            "builtin_sticky_switch_after_sticky_batch_size" => {
                let parts = u32s(&setup["topic_partitions"]);
                let sticky = setup["sticky_batch_size"].as_u64().unwrap_or(1) as u32;
                let want = u32s(&case["computed_partitions_with_sequential_random"]);
                let got = sticky_run(
                    &parts,
                    parts.len() as u32,
                    sticky,
                    want.len(),
                    1,
                    &mut SequentialRandom::default(),
                );
                t.check(id.clone(), got == want, || {
                    format!("partitions {got:?}, expected {want:?}")
                });
                let also = &case["also"];
                let parts = u32s(&also["topic_partitions"]);
                let want = u32s(&also["expected_partitions"]);
                let sticky = also["sticky_batch_size"].as_u64().unwrap_or(1) as u32;
                let got = sticky_run(
                    &parts,
                    parts.len() as u32,
                    sticky,
                    want.len(),
                    1,
                    &mut SequentialRandom::default(),
                );
                t.check(format!("{id} (single partition)"), got == want, || {
                    format!("partitions {got:?}, expected {want:?}")
                });
            }
            "builtin_skips_unavailable_partitions" => {
                let records = setup["records"].as_u64().unwrap_or(101) as usize;
                let mut rng = Rng::new(7, 0);
                let (a, na) = available(&setup["topicA"], "partitions");
                let got = sticky_run(&a, na, 1, records, 1, &mut rng);
                t.check(
                    format!("{id} topicA"),
                    !got.contains(&1) && got.contains(&0) && got.contains(&2),
                    || format!("topicA got {got:?}"),
                );
                let (b, nb) = available(&setup["topicB"], "partitions");
                let got = sticky_run(&b, nb, 1, records, 1, &mut rng);
                t.check(format!("{id} topicB"), got.iter().all(|p| *p == 1), || {
                    format!("topicB got {got:?}")
                });
                let (c, nc) = available(&setup["topicC"], "partitions");
                let got = sticky_run(&c, nc, 1, records, 1, &mut rng);
                t.check(format!("{id} topicC"), got.iter().all(|p| *p == 0), || {
                    format!("topicC got {got:?}")
                });
            }
            "builtin_adaptive_cft_frequencies" => {
                let sizes = u32s(&setup["queue_sizes"]);
                let ids = u32s(&setup["partition_ids"]);
                let length = setup["length"].as_u64().unwrap_or(0) as usize;
                let stats = load_stats(&sizes, &ids, length);
                let want_cft = u32s(&case["expected_cumulative_frequency_table"]);
                let got_cft = stats.as_ref().map(|s| s.cumulative_frequency_table.clone());
                t.check(
                    format!("{id} table"),
                    got_cft.as_ref() == Some(&want_cft),
                    || format!("table {got_cft:?}, expected {want_cft:?}"),
                );
                let mut p = BuiltInPartitioner::new(1);
                p.update_partition_load_stats(Some(&sizes), &ids, length);
                let iterations = setup["iterations"].as_u64().unwrap_or(0) as usize;
                let got = sticky_run_with(&mut p, &ids, iterations);
                let want = u32s(&case["computed_partition_sequence_with_sequential_random"]);
                t.check(format!("{id} sequence"), got == want, || {
                    format!("sequence {got:?}, expected {want:?}")
                });
                let want_freq = u32s(&case["expected_frequencies"]);
                let got_freq: Vec<u32> = ids
                    .iter()
                    .map(|i| got.iter().filter(|p| *p == i).count() as u32)
                    .collect();
                t.check(format!("{id} frequencies"), got_freq == want_freq, || {
                    format!("frequencies {got_freq:?}, expected {want_freq:?}")
                });
            }
            "accumulator_uniform_builtin_switch_deferred_until_batch_full" => {
                accumulator_case(&id, case, t)
            }
            "accumulator_adaptive_and_availability_timeout" => {
                let sizes = u32s(&setup["queue_sizes_(batches_per_partition)"]);
                let ids: Vec<u32> = (0..sizes.len() as u32).collect();
                let (qs, pids, length) = adaptive_inputs(
                    &ids.iter()
                        .map(|p| (*p, sizes[*p as usize], false))
                        .collect::<Vec<_>>(),
                );
                let want = u32s(&case["expected_cumulative_frequency_table"]);
                let got = load_stats(&qs, &pids, length).map(|s| s.cumulative_frequency_table);
                t.check(format!("{id} table"), got.as_ref() == Some(&want), || {
                    format!("table {got:?}, expected {want:?}")
                });
                // Partitions 0 and 1 lead from node0, excluded after the availability timeout.
                let (qs, pids, length) = adaptive_inputs(
                    &ids.iter()
                        .map(|p| (*p, sizes[*p as usize], *p < 2))
                        .collect::<Vec<_>>(),
                );
                let ex = &case["excluded_stats"];
                let stats = load_stats(&qs, &pids, length);
                let ok = stats.as_ref().is_some_and(|s| {
                    s.length as u64 == ex["length"].as_u64().unwrap_or(0)
                        && s.partition_ids[..s.length] == u32s(&ex["partition_ids_prefix"])[..]
                        && s.cumulative_frequency_table == u32s(&ex["cft_prefix"])
                });
                t.check(format!("{id} excluded"), ok, || {
                    format!("excluded stats {stats:?}, expected {ex}")
                });
                let mut p = BuiltInPartitioner::new(1);
                p.update_partition_load_stats(Some(&qs), &pids, length);
                let mut rng = Rng::new(3, 0);
                let picks: Vec<u32> = (0..20)
                    .map(|_| p.next_partition(&ids, 3, &mut rng))
                    .collect();
                t.check(format!("{id} picks"), picks.iter().all(|x| *x == 2), || {
                    format!("picks {picks:?}, expected all 2")
                });
            }
            "legacy_sticky_cache_switch_only_if_prev_matches" => {
                let a = u32s(&setup["topicA_partitions"]);
                let mut rng = Rng::new(5, 0);
                let mut cache = StickyPartitionCache::default();
                let first = cache.partition(&a, 3, &mut rng);
                let stable = (0..10).all(|_| cache.partition(&a, 3, &mut rng) == first);
                let next = cache.next_partition(Some(first), &a, 3, &mut rng);
                let switched = next != first && cache.partition(&a, 3, &mut rng) == next;
                let stale = cache.next_partition(Some(first), &a, 3, &mut rng) == next;
                let mut single = StickyPartitionCache::default();
                let b = u32s(&setup["topicB_partitions"]);
                let one = single.partition(&b, 1, &mut rng) == 0
                    && single.next_partition(Some(0), &b, 1, &mut rng) == 0;
                t.check(id.clone(), stable && switched && stale && one, || {
                    format!(
                        "stable {stable} switched {switched} stale-prev kept {stale} single {one}"
                    )
                });
            }
            "legacy_sticky_cache_unavailable" => {
                let mut rng = Rng::new(9, 0);
                let mut ok = true;
                for (topic, want) in [("topicA", None), ("topicB", Some(1)), ("topicC", Some(0))] {
                    let (avail, n) = available(&setup[topic], "partitions");
                    let mut cache = StickyPartitionCache::default();
                    let mut prev = cache.partition(&avail, n, &mut rng);
                    for _ in 0..100 {
                        let p = cache.next_partition(Some(prev), &avail, n, &mut rng);
                        ok &= match want {
                            None => p != 1,
                            Some(w) => p == w,
                        };
                        prev = p;
                    }
                }
                t.check(id.clone(), ok, || {
                    "a leaderless partition was chosen, or a single one was not".into()
                });
            }
            "uniform_sticky_partitioner_ignores_key_and_switches_on_new_batch" => {
                let a = u32s(&setup["TOPIC_A_partitions"]);
                let mut rng = Rng::new(11, 0);
                let mut cache = StickyPartitionCache::default();
                let mut counts = std::collections::BTreeMap::new();
                let mut send = |cache: &mut StickyPartitionCache, rng: &mut Rng, k: usize| {
                    for _ in 0..k {
                        *counts.entry(cache.partition(&a, 3, rng)).or_insert(0) += 1;
                    }
                };
                send(&mut cache, &mut rng, 30);
                let p1 = cache.current().expect("chosen");
                cache.next_partition(Some(p1), &a, 3, &mut rng);
                send(&mut cache, &mut rng, 30);
                let p2 = cache.current().expect("chosen");
                cache.next_partition(Some(p1), &a, 3, &mut rng);
                send(&mut cache, &mut rng, 30);
                let ok = p1 != p2 && counts.get(&p1) == Some(&30) && counts.get(&p2) == Some(&60);
                t.check(id.clone(), ok, || {
                    format!("counts {counts:?} with P1 {p1} P2 {p2}")
                });
            }
            "uniform_sticky_partitioner_unavailable" => {
                let (avail, n) = available(setup, "partitions_in_metadata_order");
                let mut rng = Rng::new(13, 0);
                let mut cache = StickyPartitionCache::default();
                let mut counts = std::collections::BTreeMap::new();
                for round in 0..2 {
                    for _ in 0..50 {
                        *counts
                            .entry(cache.partition(&avail, n, &mut rng))
                            .or_insert(0) += 1;
                    }
                    if round == 0 {
                        let prev = cache.current();
                        cache.next_partition(prev, &avail, n, &mut rng);
                    }
                }
                let ok = !counts.contains_key(&1)
                    && counts.values().all(|c| *c == 50)
                    && counts.len() == 2;
                t.check(id.clone(), ok, || format!("counts {counts:?}"));
            }
            "default_partitioner_key_stable" => {
                let key = setup["key"].as_str().unwrap_or("key").as_bytes();
                let (_, n) = available(setup, "partitions_in_metadata_order");
                let first = partition_for_key(key, n);
                let stable = (0..10).all(|_| partition_for_key(key, n) == first);
                t.check(id.clone(), stable && first == 1, || {
                    format!("partition {first}, expected 1")
                });
            }
            "round_robin_unavailable_partitions" => {
                let (avail, n) = available(setup, "partitions_in_metadata_order");
                let calls = setup["calls"].as_u64().unwrap_or(100);
                let mut rr = RoundRobinPartitioner::default();
                let seq: Vec<u32> = (0..calls).map(|_| rr.partition(&avail, n)).collect();
                let want_first = u32s(&case["computed_sequence_first_6"]);
                let counts = &case["expected"]["counts"];
                let ok = seq[..want_first.len()] == want_first[..]
                    && (0..n).all(|p| {
                        seq.iter().filter(|x| **x == p).count() as u64
                            == counts[p.to_string()].as_u64().unwrap_or(0)
                    });
                t.check(id.clone(), ok, || {
                    format!("sequence starts {:?}", &seq[..6])
                });
            }
            "round_robin_per_topic_counter_ignores_key" => {
                let a = u32s(&setup["topicA_partitions"]);
                let calls = setup["calls_topicA"].as_u64().unwrap_or(30);
                let mut ra = RoundRobinPartitioner::default();
                let mut rb = RoundRobinPartitioner::default();
                let mut counts = [0u64; 3];
                for i in 0..calls {
                    if i % 5 == 0 {
                        rb.partition(&[0], 1);
                    }
                    counts[ra.partition(&a, a.len() as u32) as usize] += 1;
                }
                let want = &case["expected"]["topicA_counts"];
                let ok = (0..3).all(|p| Some(counts[p]) == want[p.to_string()].as_u64());
                t.check(id.clone(), ok, || {
                    format!("counts {counts:?}, expected {want}")
                });
            }
            other => t.failed.push((
                other.to_string(),
                "no check of this case's shape in the runner".into(),
            )),
        }
    }
}

fn sticky_run_with(p: &mut BuiltInPartitioner, ids: &[u32], records: usize) -> Vec<u32> {
    let mut random = SequentialRandom::default();
    let n = ids.len() as u32;
    (0..records)
        .map(|_| {
            let info = p.peek_current(ids, n, &mut random);
            p.update_partition_info(info, 1, true, ids, n, &mut random);
            info.partition
        })
        .collect()
}

/// Randomness that always returns one value: picks the `weightedRandom` of a table row.
struct FixedRandom(i32);

impl RandomSource for FixedRandom {
    fn next_int(&mut self) -> i32 {
        self.0
    }
}

/// Checks that a case's `random_sequence` is the one the runner can inject.
fn sequential_random(id: &str, setup: &Value, t: &mut Tally) -> bool {
    let ok = setup["random_sequence"]
        .as_str()
        .is_none_or(|s| s.starts_with("0,1,2"));
    if !ok {
        t.failed.push((
            id.to_string(),
            format!(
                "random_sequence {} is not 0,1,2,..., the only one the runner injects",
                setup["random_sequence"]
            ),
        ));
    }
    ok
}

/// KIP-794's switch by bytes: every batch counts as full, so the partition moves on
/// after `sticky_batch_size` bytes.
fn builtin_uniform_sticky_case(id: &str, case: &Value, t: &mut Tally) {
    let setup = &case["setup"];
    if !sequential_random(id, setup, t) {
        return;
    }
    let all = u32s(&setup["partitions"]);
    let available = match setup.get("available") {
        Some(a) => u32s(a),
        None => all.clone(),
    };
    let sticky = setup["sticky_batch_size"].as_u64().unwrap_or(1) as u32;
    let bytes = setup["bytes_per_record"].as_u64().unwrap_or(1) as u32;
    let want = u32s(&case["expected_partitions"]);
    let got = sticky_run(
        &available,
        all.len() as u32,
        sticky,
        want.len(),
        bytes,
        &mut SequentialRandom::default(),
    );
    t.check(id, got == want, || {
        format!("partitions {got:?}, expected {want:?}")
    });
}

/// Adaptive partitioning's cumulative frequency table, and the partition each
/// `weightedRandom` value picks from it.
fn builtin_adaptive_case(id: &str, case: &Value, t: &mut Tally) {
    for (i, row) in arr(case, "cases").iter().enumerate() {
        let sizes = u32s(&row["queue_sizes"]);
        let ids = u32s(&row["partition_ids"]);
        let length = row["length"].as_u64().unwrap_or(0) as usize;
        let stats = load_stats(&sizes, &ids, length);
        let row_id = format!("{id}[{i}] queues {sizes:?} length {length}");
        if row.get("cft").is_none() {
            t.check(row_id, stats.is_none(), || {
                format!("table {stats:?}, expected none (uniform choice)")
            });
            continue;
        }
        let want = u32s(&row["cft"]);
        let got = stats.as_ref().map(|s| s.cumulative_frequency_table.clone());
        t.check(
            format!("{row_id} table"),
            got.as_ref() == Some(&want),
            || format!("table {got:?}, expected {want:?}"),
        );
        let mut p = BuiltInPartitioner::new(1);
        p.update_partition_load_stats(Some(&sizes), &ids, length);
        let picks = row["weighted_random_to_partition"]
            .as_object()
            .map(|m| m.iter().collect::<Vec<_>>())
            .unwrap_or_default();
        let mismatches: Vec<String> = picks
            .iter()
            .filter_map(|(r, want)| {
                let r: i32 = r.parse().ok()?;
                let got = p.next_partition(&ids, ids.len() as u32, &mut FixedRandom(r));
                (Some(u64::from(got)) != want.as_u64())
                    .then(|| format!("weightedRandom {r} picks {got}, expected {want}"))
            })
            .collect();
        t.check(
            format!("{row_id} picks"),
            mismatches.is_empty() && !picks.is_empty(),
            || format!("{mismatches:?} (of {} values)", picks.len()),
        );
    }
}

/// A one-broker simulation whose producer holds its batches (or sends each at once, with
/// `linger_ms` 0), keyless records of `value_len` bytes, the given partitioner.
fn producer_sim(partitions: u32, kind: PartitionerKind, batch_size: u32, linger_ms: u64) -> Sim {
    let mut config = SimConfig {
        brokers: 1,
        topics: vec![TopicSpec::new("t", partitions, 1)],
        workload: Workload {
            rate: 0,
            ..Default::default()
        },
        ..Default::default()
    };
    config.producer.partitioner = kind;
    config.producer.batch_size = batch_size;
    config.producer.linger_ms = linger_ms;
    config.producer.partitioner_adaptive_partitioning_enable = false;
    config.producer.request_timeout_ms = 30_000;
    config.producer.delivery_timeout_ms = 120_000;
    let mut sim = Sim::new(config, 0).expect("valid");
    sim.use_sequential_partitioner_random();
    sim
}

const VALUE: &str = "value";

/// Sends one keyless record and returns the partition it went to.
fn send_keyless(sim: &mut Sim) -> u32 {
    sim.apply(
        sim.now(),
        Command::Produce(producer::ProduceRecord {
            topic: TopicId(0),
            partition: None,
            key: None,
            value_len: Some(VALUE.len() as u32),
            headers: vec![],
            timestamp_ms: None,
        }),
    )
    .expect("a valid record");
    sim.ledger()
        .records()
        .last()
        .expect("just sent")
        .partition
        .partition
}

/// Runs the simulation until the producer's accumulator is empty.
fn drain(sim: &mut Sim) -> bool {
    let until = sim.now() + Duration::from_millis(10_000);
    while sim.producer().queued_batches() > 0 && sim.now() < until {
        if sim.step_one().is_none() {
            break;
        }
    }
    sim.producer().queued_batches() == 0
}

fn pairs(v: &Value) -> Vec<(u32, u32)> {
    arr(v, "expected_first_choice_and_final_partition")
        .iter()
        .filter_map(|p| Some((p[0].as_u64()? as u32, p[1].as_u64()? as u32)))
        .collect()
}

/// KIP-480's flow in `KafkaProducer.doSend` for `UniformStickyPartitioner`: the cached
/// partition is tried first; with no open batch there, `onNewBatch` moves the cache on
/// and the record goes where it now points. The final partitions come from the
/// simulation's producer; the first choices from the same partitioner cache replayed.
fn legacy_sticky_flow_case(id: &str, case: &Value, t: &mut Tally) {
    let setup = &case["setup"];
    if !sequential_random(id, setup, t) {
        return;
    }
    let parts = u32s(&setup["partitions"]);
    let n = parts.len() as u32;
    let capacity = setup["batch_capacity_records"].as_u64().unwrap_or(1) as u32;
    let want = pairs(case);
    let shape = record::RecordShape {
        key: None,
        value_len: Some(VALUE.len() as u32),
        headers: vec![],
    };
    let batch_size = RECORD_BATCH_OVERHEAD + capacity * shape.size_in_batch(0, 0);
    let mut sim = producer_sim(n, PartitionerKind::UniformSticky, batch_size, 60_000);
    let finals: Vec<u32> = want.iter().map(|_| send_keyless(&mut sim)).collect();
    let mut cache = StickyPartitionCache::default();
    let mut random = SequentialRandom::default();
    let mut in_batch = vec![0u32; n as usize];
    let firsts: Vec<u32> = want
        .iter()
        .map(|_| {
            let first = cache.partition(&parts, n, &mut random);
            let mut p = first;
            if in_batch[p as usize].is_multiple_of(capacity) {
                cache.next_partition(Some(p), &parts, n, &mut random);
                p = cache.partition(&parts, n, &mut random);
            }
            in_batch[p as usize] += 1;
            first
        })
        .collect();
    let got: Vec<(u32, u32)> = firsts.into_iter().zip(finals).collect();
    t.check(id, got == want, || {
        format!("(first choice, final partition) {got:?}, expected {want:?}")
    });
}

/// KAFKA-9965: with `RoundRobinPartitioner` a record whose first choice has no open batch
/// is placed by a second call, so the counter advances twice and, with two partitions,
/// every record lands on the same one, whether batches accumulate or leave after each
/// record. Final partitions and counts come from the simulation's producer.
fn round_robin_skip_case(id: &str, case: &Value, t: &mut Tally) {
    let setup = &case["setup"];
    let parts = u32s(&setup["partitions"]);
    let n = parts.len() as u32;
    let want = pairs(case);
    let send_each = setup["batches_sent_after_each_record"]
        .as_bool()
        .unwrap_or(false);
    let linger = if send_each { 0 } else { 60_000 };
    let mut sim = producer_sim(n, PartitionerKind::RoundRobin, 1 << 20, linger);
    let mut drained = true;
    let finals: Vec<u32> = want
        .iter()
        .map(|_| {
            let p = send_keyless(&mut sim);
            if send_each {
                drained &= drain(&mut sim);
            }
            p
        })
        .collect();
    let want_finals: Vec<u32> = want.iter().map(|(_, f)| *f).collect();
    t.check(format!("{id} partitions"), finals == want_finals && drained, || {
        format!("final partitions {finals:?}, expected {want_finals:?} (drained after each: {drained})")
    });
    let counts = &case["expected_counts"];
    let ok = parts.iter().all(|p| {
        finals.iter().filter(|f| *f == p).count() as u64
            == counts[p.to_string()].as_u64().unwrap_or(0)
    });
    t.check(format!("{id} counts"), ok, || {
        format!("final partitions {finals:?}, expected counts {counts}")
    });
}

/// `RecordAccumulatorTest.testUniformBuiltInPartitioner`, through the simulation's own
/// producer: a long `linger.ms` keeps the batches in the accumulator, as Kafka's test has
/// no sender; and since that test never calls `ready()`, no adaptive load statistics exist
/// there, so adaptive partitioning is off here.
fn accumulator_case(id: &str, case: &Value, t: &mut Tally) {
    let setup = &case["setup"];
    let mut sim = producer_sim(
        u32s(&setup["topic_partitions"]).len() as u32,
        PartitionerKind::BuiltIn,
        setup["batch_size"].as_u64().unwrap_or(1024) as u32,
        60_000,
    );
    let mut partitions = Vec::new();
    let mut calls = Vec::new();
    for r in arr(setup, "records") {
        let text = r.as_str().unwrap_or("");
        let value_len = if text.starts_with("1024") {
            1024
        } else {
            "value".len() as u32
        };
        sim.apply(
            sim.now(),
            Command::Produce(producer::ProduceRecord {
                topic: TopicId(0),
                partition: None,
                key: None,
                value_len: Some(value_len),
                headers: vec![],
                timestamp_ms: None,
            }),
        )
        .expect("a valid record");
        let last = sim.ledger().records().next_back().expect("just sent");
        partitions.push(last.partition.partition);
        calls.push(sim.partitioner_random_calls().unwrap_or(0));
    }
    let want = u32s(&case["expected_partitions"]);
    t.check(format!("{id} partitions"), partitions == want, || {
        format!("partitions {partitions:?}, expected {want:?}")
    });
    let want = u32s(&case["expected_random_calls_after_each"]);
    t.check(format!("{id} random calls"), calls == want, || {
        format!("random calls {calls:?}, expected {want:?}")
    });
}

// ----- log facts -------------------------------------------------------------------------

fn batch(base: i64, records: u32, size: u32, ts: i64) -> StoredBatch {
    StoredBatch {
        compression: kscope_core::record::CompressionType::None,
        base_offset: Offset(base),
        last_offset_delta: records - 1,
        size_bytes: size,
        max_timestamp_ms: ts,
        leader_epoch: LeaderEpoch(0),
        batch_id: BatchId(base as u64),
        producer_id: -1,
        producer_epoch: -1,
        base_sequence: -1,
        transactional: false,
        marker: None,
        delete_horizon_ms: None,
        records: Rc::from(
            (0..records)
                .map(|i| StoredRecord {
                    id: RecordId(base as u64 + u64::from(i)),
                    offset_delta: i,
                    key: None,
                    value_len: Some(0),
                    headers: None,
                    timestamp_ms: ts,
                })
                .collect::<Vec<_>>(),
        ),
    }
}

/// A log whose first segment starts at `base` (as if everything before had been deleted).
fn log_at(base: i64, config: LogConfig) -> Log {
    let mut log = Log::new(config, 0);
    if base > 0 {
        log.truncate_fully_and_start_at(Offset(base), 0);
    }
    log
}

/// "12 appends of one 100-byte batch each" / "10 appends of a 5-record 1500-byte batch".
fn parse_appends(text: &str) -> Option<(u32, u32, u32)> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let count = words.first()?.parse().ok()?;
    let number_before = |suffix: &str| {
        words
            .iter()
            .find_map(|w| w.strip_suffix(suffix).and_then(|n| n.parse::<u32>().ok()))
    };
    let bytes = number_before("-byte")?;
    let records = number_before("-record").unwrap_or(1);
    Some((count, records, bytes))
}

fn log_facts_file(v: &Value, t: &mut Tally) {
    for c in arr(&v["files"], "examples") {
        let base = Offset(c["base_offset"].as_i64().unwrap_or(0));
        for (field, suffix) in [
            ("log", "log"),
            ("index", "index"),
            ("timeindex", "timeindex"),
            ("txnindex", "txnindex"),
            ("producer_snapshot", "snapshot"),
        ] {
            let want = c[field].as_str().unwrap_or("");
            let got = segment_file_name(base, suffix);
            t.check(format!("file name {} {field}", base.0), got == want, || {
                format!("{got}, expected {want}")
            });
        }
    }
    for (i, c) in arr(&v["index_interval"], "examples").iter().enumerate() {
        let id = format!("index_interval.examples[{i}]");
        let Some((count, records, bytes)) = parse_appends(c["appends"].as_str().unwrap_or(""))
        else {
            t.failed.push((id, "could not read the appends".into()));
            continue;
        };
        let base = c["segment_base_offset"].as_i64().unwrap_or(0);
        let config = LogConfig {
            index_interval_bytes: c["index_interval_bytes"].as_u64().unwrap_or(4096) as u32,
            ..Default::default()
        };
        let mut log = log_at(base, config);
        for k in 0..count {
            log.append(
                batch(base + i64::from(k * records), records, bytes, 1_000),
                0,
            );
        }
        let seg = &log.segments()[0];
        let want: Vec<(i64, u32, String)> = arr(c, "expected_offset_index_entries")
            .iter()
            .map(|e| {
                (
                    e["offset"].as_i64().unwrap_or(0),
                    e["position"].as_u64().unwrap_or(0) as u32,
                    e["entry_hex"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        let got: Vec<(i64, u32, String)> = seg
            .offset_index
            .iter()
            .map(|e| {
                (
                    e.offset.0,
                    e.position,
                    to_hex(&encode_offset_index_entry(seg.base_offset, *e)),
                )
            })
            .collect();
        t.check(format!("{id} entries"), got == want, || {
            format!("entries {got:?}, expected {want:?}")
        });
        for l in arr(c, "lookups") {
            let target = l["target_offset"].as_i64().unwrap_or(0);
            let got = seg.lookup(Offset(target));
            let want = (
                l["result"]["offset"].as_i64().unwrap_or(-1),
                l["result"]["position"].as_u64().unwrap_or(0) as u32,
            );
            t.check(
                format!("{id} lookup {target}"),
                (got.offset.0, got.position) == want,
                || format!("lookup {got:?}, expected {want:?}"),
            );
        }
    }
    for (i, c) in arr(&v["index_interval"], "entry_byte_vectors")
        .iter()
        .enumerate()
    {
        let base = Offset(c["base_offset"].as_i64().unwrap_or(0));
        let offset = Offset(c["offset"].as_i64().unwrap_or(0));
        let got = match c["kind"].as_str() {
            Some("offset_index") => to_hex(&encode_offset_index_entry(
                base,
                OffsetIndexEntry {
                    offset,
                    position: c["position"].as_u64().unwrap_or(0) as u32,
                },
            )),
            _ => to_hex(&encode_time_index_entry(
                base,
                TimeIndexEntry {
                    timestamp_ms: c["timestamp"].as_i64().unwrap_or(0),
                    offset,
                },
            )),
        };
        let want = c["hex"].as_str().unwrap_or("");
        t.check(format!("entry_byte_vectors[{i}]"), got == want, || {
            format!("{got}, expected {want}")
        });
    }
    for (i, c) in arr(&v["retention"], "size_examples").iter().enumerate() {
        let sizes = u32s(&c["segment_sizes"]);
        let config = LogConfig {
            segment_bytes: sizes.iter().copied().max().unwrap_or(1),
            retention_bytes: c["retention_bytes"].as_i64().unwrap_or(-1),
            retention_ms: -1,
            ..Default::default()
        };
        let mut log = Log::new(config, 0);
        for (k, s) in sizes.iter().enumerate() {
            log.append(batch(k as i64, 1, *s, 0), 0);
        }
        let rolled = log.segments().len() == sizes.len();
        let leo = log.log_end_offset();
        let outcome = log.delete_old_segments(0, leo);
        let want = c["segments_deleted"].as_u64().unwrap_or(0) as u32;
        t.check(
            format!("retention.size_examples[{i}]"),
            rolled && outcome.segments_deleted == want,
            || {
                format!(
                    "deleted {} (segments built: {rolled}), expected {want}",
                    outcome.segments_deleted
                )
            },
        );
    }
    let d = &v["defaults"];
    let log = LogConfig::default();
    let topic = TopicSpec::new("t", 1, 1);
    let broker = BrokerConfig::default();
    let checks: Vec<(&str, i64)> = vec![
        ("segment.bytes", i64::from(log.segment_bytes)),
        ("segment.ms", log.segment_ms as i64),
        ("segment.index.bytes", i64::from(log.segment_index_bytes)),
        ("index.interval.bytes", i64::from(log.index_interval_bytes)),
        ("retention.ms", log.retention_ms),
        ("retention.bytes", log.retention_bytes),
        (
            "log.retention.check.interval.ms",
            broker.log_retention_check_interval_ms as i64,
        ),
        ("min.insync.replicas", i64::from(topic.min_insync_replicas)),
        ("max.message.bytes", i64::from(broker.message_max_bytes)),
    ];
    for (name, ours) in checks {
        let want = d[name]["default"].as_i64();
        t.check(format!("defaults.{name}"), want == Some(ours), || {
            format!("kscope {ours}, Kafka {want:?}")
        });
    }
    t.check(
        "defaults.cleanup.policy",
        d["cleanup.policy"]["default"].as_str() == Some("delete")
            && log.cleanup_policy == CleanupPolicy::Delete,
        || "cleanup.policy".into(),
    );
    t.check(
        "defaults.unclean.leader.election.enable",
        d["unclean.leader.election.enable"]["default"].as_bool()
            == Some(topic.unclean_leader_election_enable),
        || "unclean.leader.election.enable".into(),
    );
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ----- record batch v2 -------------------------------------------------------------------

fn record_batch_file(v: &Value, t: &mut Tally) {
    for key in ["batch_vectors", "record_vectors"] {
        note_count_mismatch(v, t, key, key);
    }
    t.check(
        "layout.RECORD_BATCH_OVERHEAD",
        v["layout"]["RECORD_BATCH_OVERHEAD"].as_u64() == Some(u64::from(RECORD_BATCH_OVERHEAD)),
        || "batch overhead differs".into(),
    );
    for (i, c) in arr(v, "varint_vectors").iter().enumerate() {
        let value = c["value"].as_i64().unwrap_or(0);
        let want = c["varint_hex"].as_str().unwrap_or("").len() as u32 / 2;
        let got = size_of_varint(value as i32);
        t.check(format!("varint_vectors[{i}] {value}"), got == want, || {
            format!("varint size {got}, expected {want}")
        });
        let want = c["varlong_hex"].as_str().unwrap_or("").len() as u32 / 2;
        let got = size_of_varlong(value);
        t.check(
            format!("varint_vectors[{i}] {value} as varlong"),
            got == want,
            || format!("varlong size {got}, expected {want}"),
        );
    }
    for (i, c) in arr(v, "varlong_only_vectors").iter().enumerate() {
        let value = c["value"].as_i64().unwrap_or(0);
        let want = c["varlong_hex"].as_str().unwrap_or("").len() as u32 / 2;
        let got = size_of_varlong(value);
        t.check(
            format!("varlong_only_vectors[{i}] {value}"),
            got == want,
            || format!("varlong size {got}, expected {want}"),
        );
    }
    for (i, c) in arr(&v["provenance"], "crc32c_vectors").iter().enumerate() {
        let input = c["input"].as_str().unwrap_or("");
        let want = c["crc32c_hex"]
            .as_str()
            .or(c["crc32c"].as_str())
            .map(|h| u32::from_str_radix(h.trim_start_matches("0x"), 16).unwrap_or(0))
            .or(c["crc32c"].as_u64().map(|n| n as u32));
        let got = record_batch::crc32c(input.as_bytes());
        t.check(
            format!("crc32c_vectors[{i}] {input:?}"),
            Some(got) == want,
            || format!("CRC-32C {got:#010x}, expected {want:?}"),
        );
    }
    for (i, c) in arr(v, "batch_vectors").iter().enumerate() {
        let id = id_of(c, format!("batch_vectors[{i}]"));
        let d = &c["decoded"];
        let records = arr(d, "records");
        let got: u32 = RECORD_BATCH_OVERHEAD
            + records
                .iter()
                .map(|r| {
                    shape_of(r).size_in_batch(
                        r["offsetDelta"].as_i64().unwrap_or(0) as i32,
                        r["timestampDelta"].as_i64().unwrap_or(0),
                    )
                })
                .sum::<u32>();
        let want = c["size_bytes"].as_u64().unwrap_or(0) as u32;
        t.check(
            format!("{id} size"),
            got == want && !records.is_empty(),
            || format!("kscope sizes the batch at {got} bytes, the vector is {want}"),
        );
        // The bytes: kscope's encoder given the decoded fields.
        let header = header_from(d);
        let fields: Vec<_> = records.iter().map(record_from).collect();
        let mut spans = Vec::new();
        let bytes = record_batch::encode(&header, &fields, Some(&mut spans));
        let want = c["hex"].as_str().unwrap_or("");
        t.check(format!("{id} bytes"), to_hex(&bytes) == want, || {
            format!("kscope encodes {}, the vector is {want}", to_hex(&bytes))
        });
        let crc = u32::from_be_bytes([bytes[17], bytes[18], bytes[19], bytes[20]]);
        let want_crc = hex(c["crc32c"].as_str().unwrap_or(""));
        t.check(
            format!("{id} CRC-32C"),
            crc.to_be_bytes()[..] == want_crc[..],
            || format!("CRC-32C {crc:#010x}, expected {}", to_hex(&want_crc)),
        );
        // Where each header field lies, as the hex view marks it.
        for f in arr(c, "field_bytes") {
            let name = f["field"].as_str().unwrap_or("?");
            let at = f["offset"].as_u64().unwrap_or(0) as u32;
            let size = f["size"].as_u64().unwrap_or(0) as u32;
            let span = if name == "records" {
                // The records back to back, from the first's length to the last's end.
                let first = spans.iter().find(|s| s.record.is_some());
                first.map(|a| record_batch::Span {
                    end: spans.last().map_or(a.end, |b| b.end),
                    ..*a
                })
            } else {
                spans
                    .iter()
                    .find(|s| s.record.is_none() && s.field.name() == name)
                    .copied()
            };
            t.check(
                format!("{id} field {name}"),
                span.is_some_and(|s| s.start == at && s.end == at + size),
                || format!("kscope marks {name} at {span:?}, the vector at {at}+{size}"),
            );
        }
        // Every record's bytes, as a span of the batch.
        for (j, r) in records.iter().enumerate() {
            let want = r["record_hex"].as_str().unwrap_or("");
            let from = spans.iter().find(|s| s.record == Some(j as u32));
            let to = spans.iter().rev().find(|s| s.record == Some(j as u32));
            let got = match (from, to) {
                (Some(a), Some(b)) => to_hex(&bytes[a.start as usize..b.end as usize]),
                _ => String::new(),
            };
            t.check(format!("{id} record {j} bytes"), got == want, || {
                format!("kscope's record {j} spans {got}, the vector is {want}")
            });
        }
    }
    for (i, r) in arr(v, "record_vectors").iter().enumerate() {
        let id = id_of(r, format!("record_vectors[{i}]"));
        let got = shape_of(r).size_in_batch(
            r["offsetDelta"].as_i64().unwrap_or(0) as i32,
            r["timestampDelta"].as_i64().unwrap_or(0),
        );
        let want = r["hex"].as_str().unwrap_or("");
        t.check(format!("{id} size"), got == want.len() as u32 / 2, || {
            format!("kscope sizes the record at {got} bytes, the vector is {want}")
        });
        // A batch of this one record: its bytes after the 61-byte header.
        let batch = record_batch::encode(&header_from(&Value::Null), &[record_from(r)], None);
        let got = to_hex(&batch[RECORD_BATCH_OVERHEAD as usize..]);
        t.check(format!("{id} bytes"), got == want, || {
            format!("kscope encodes {got}, the vector is {want}")
        });
    }
    for c in arr(&v["third_party_cross_check"], "vectors") {
        let name = c["name"].as_str().unwrap_or("?");
        let bytes = hex(c["hex"].as_str().unwrap_or(""));
        match decode_batch(&bytes) {
            Err(e) => t.check(format!("third_party {name}"), false, || e),
            Ok(decoded) => {
                let stored = u32::from_be_bytes([bytes[17], bytes[18], bytes[19], bytes[20]]);
                let crc = record_batch::crc32c(&bytes[21..]);
                t.check(format!("third_party {name} CRC-32C"), crc == stored, || {
                    format!("kscope's CRC-32C {crc:#010x}, the batch holds {stored:#010x}")
                });
                // The same fields, uncompressed, through kscope's encoder: byte for byte
                // for an uncompressed batch, the decompressed records for the others.
                let mut header = decoded.header;
                let codec = header.attributes & record_batch::COMPRESSION_MASK;
                header.attributes &= !record_batch::COMPRESSION_MASK;
                let ours = record_batch::encode(&header, &decoded.records, None);
                if codec == 0 {
                    t.check(format!("third_party {name} bytes"), ours == bytes, || {
                        format!("kscope encodes {}", to_hex(&ours))
                    });
                } else {
                    let records = &ours[RECORD_BATCH_OVERHEAD as usize..];
                    t.check(
                        format!("third_party {name} records (codec {codec})"),
                        records == decoded.raw_records.as_slice() && !records.is_empty(),
                        || {
                            format!(
                                "kscope encodes the records as {}, decompressed they are {}",
                                to_hex(records),
                                to_hex(&decoded.raw_records)
                            )
                        },
                    );
                }
            }
        }
    }
}

/// A batch header from a vector's decoded fields (`Value::Null` gives an empty one).
fn header_from(d: &Value) -> record_batch::BatchHeader {
    let n = |k: &str, default: i64| d[k].as_i64().unwrap_or(default);
    record_batch::BatchHeader {
        base_offset: n("baseOffset", 0),
        partition_leader_epoch: n("partitionLeaderEpoch", 0) as i32,
        attributes: n("attributes", 0) as i16,
        last_offset_delta: n("lastOffsetDelta", 0) as i32,
        base_timestamp: n("baseTimestamp", -1),
        max_timestamp: n("maxTimestamp", -1),
        producer_id: n("producerId", -1),
        producer_epoch: n("producerEpoch", -1) as i16,
        base_sequence: n("baseSequence", -1) as i32,
    }
}

/// A record's fields from a vector (`key_hex`, `value_hex`, `headers` as `[key, hex]`).
fn record_from(r: &Value) -> record_batch::RecordBytes {
    record_batch::RecordBytes {
        timestamp_delta: r["timestampDelta"].as_i64().unwrap_or(0),
        offset_delta: r["offsetDelta"].as_i64().unwrap_or(0) as i32,
        key: r["key_hex"].as_str().map(hex),
        value: r["value_hex"].as_str().map(hex),
        headers: arr(r, "headers")
            .iter()
            .map(|h| {
                (
                    h[0].as_str().unwrap_or("").as_bytes().to_vec(),
                    h[1].as_str().map(hex),
                )
            })
            .collect(),
    }
}

/// A v2 batch decoded by the test: its header, its records (decompressed with snappy's
/// raw format or LZ4's frame format, as Kafka's clients write them) and their bytes.
pub(crate) struct Decoded {
    pub header: record_batch::BatchHeader,
    pub records: Vec<record_batch::RecordBytes>,
    raw_records: Vec<u8>,
}

pub(crate) fn decode_batch(b: &[u8]) -> Result<Decoded, String> {
    if b.len() < RECORD_BATCH_OVERHEAD as usize || b[16] != 2 {
        return Err("not a v2 batch".into());
    }
    let i64_at = |i: usize| i64::from_be_bytes(b[i..i + 8].try_into().unwrap());
    let i32_at = |i: usize| i32::from_be_bytes(b[i..i + 4].try_into().unwrap());
    let i16_at = |i: usize| i16::from_be_bytes(b[i..i + 2].try_into().unwrap());
    let header = record_batch::BatchHeader {
        base_offset: i64_at(0),
        partition_leader_epoch: i32_at(12),
        attributes: i16_at(21),
        last_offset_delta: i32_at(23),
        base_timestamp: i64_at(27),
        max_timestamp: i64_at(35),
        producer_id: i64_at(43),
        producer_epoch: i16_at(51),
        base_sequence: i32_at(53),
    };
    let count = i32_at(57);
    let body = &b[61..];
    let raw_records = match header.attributes & record_batch::COMPRESSION_MASK {
        0 => body.to_vec(),
        2 => snap::raw::Decoder::new()
            .decompress_vec(body)
            .map_err(|e| format!("snappy: {e}"))?,
        3 => {
            let mut out = Vec::new();
            std::io::Read::read_to_end(&mut lz4_flex::frame::FrameDecoder::new(body), &mut out)
                .map_err(|e| format!("lz4: {e}"))?;
            out
        }
        c => return Err(format!("codec {c} has no decoder here")),
    };
    let mut at = 0;
    let mut records = Vec::new();
    for _ in 0..count {
        let length = read_varint(&raw_records, &mut at)? as usize;
        let end = at + length;
        at += 1; // attributes
        let timestamp_delta = read_varint(&raw_records, &mut at)?;
        let offset_delta = read_varint(&raw_records, &mut at)? as i32;
        let key = read_bytes(&raw_records, &mut at)?;
        let value = read_bytes(&raw_records, &mut at)?;
        let mut headers = Vec::new();
        for _ in 0..read_varint(&raw_records, &mut at)? {
            let k = read_bytes(&raw_records, &mut at)?.unwrap_or_default();
            headers.push((k, read_bytes(&raw_records, &mut at)?));
        }
        if at != end {
            return Err(format!("a record ends at {at}, its length says {end}"));
        }
        records.push(record_batch::RecordBytes {
            timestamp_delta,
            offset_delta,
            key,
            value,
            headers,
        });
    }
    Ok(Decoded {
        header,
        records,
        raw_records,
    })
}

/// A zigzag varint or varlong.
fn read_varint(b: &[u8], at: &mut usize) -> Result<i64, String> {
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*at).ok_or("a varint past the end")?;
        *at += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok((v >> 1) as i64 ^ -((v & 1) as i64));
        }
    }
    Err("a varint over 10 bytes".into())
}

fn read_bytes(b: &[u8], at: &mut usize) -> Result<Option<Vec<u8>>, String> {
    let len = read_varint(b, at)?;
    if len < 0 {
        return Ok(None);
    }
    let end = *at + len as usize;
    let bytes = b.get(*at..end).ok_or("bytes past the end")?.to_vec();
    *at = end;
    Ok(Some(bytes))
}

/// A decoded record's key, value and headers as kscope sizes them. Header values come
/// as hex (`["h", "78"]`), keys and values as `key_hex`/`value_hex` (null when absent).
fn shape_of(r: &Value) -> record::RecordShape {
    let bytes = |field: &str| r[field].as_str().map(|h| h.len() as u32 / 2);
    record::RecordShape {
        key: r["key_hex"].as_str().map(|h| Rc::from(hex(h))),
        value_len: bytes("value_hex"),
        headers: arr(r, "headers")
            .iter()
            .map(|h| record::Header {
                key: h[0].as_str().unwrap_or("").to_string(),
                value_len: h[1].as_str().map(|v| v.len() as u32 / 2),
            })
            .collect(),
    }
}

// ----- idempotence -----------------------------------------------------------------------

use kscope_core::config::{resolve_idempotence, Acks as AcksConfig, IdempotenceSettings};
use kscope_core::idempotence::{
    BatchMetadata, ProducerBatchInfo, ProducerStateEntry, ProducerStateError, ProducerStateManager,
    Verdict,
};

fn verdict_name(v: &Verdict) -> &'static str {
    match v {
        Verdict::Append => "APPENDED",
        Verdict::Duplicate(_) => "DUPLICATE",
        Verdict::Reject(ProducerStateError::OutOfOrderSequenceNumber) => {
            "OutOfOrderSequenceException"
        }
        Verdict::Reject(ProducerStateError::InvalidProducerEpoch) => {
            "InvalidProducerEpochException"
        }
        Verdict::Reject(ProducerStateError::InvalidTxnState) => "InvalidTxnStateException",
    }
}

fn cached(entry: Option<&ProducerStateEntry>) -> Vec<[i64; 4]> {
    entry.map_or_else(Vec::new, |e| {
        e.batches
            .iter()
            .map(|b| {
                [
                    i64::from(b.first_seq),
                    i64::from(b.last_seq),
                    b.first_offset.0,
                    b.last_offset.0,
                ]
            })
            .collect()
    })
}

fn idempotence_file(v: &Value, t: &mut Tally) {
    note_count_mismatch(
        v,
        t,
        "broker_scenarios_computed",
        "broker_scenarios_computed",
    );
    for (i, row) in arr(v, "broker_sequence_table").iter().enumerate() {
        let id = format!(
            "broker_sequence_table[{i}] {}",
            row["state"].as_str().unwrap_or("")
        );
        let mut m = ProducerStateManager::default();
        let last_seq = row["state_last_seq"].as_i64();
        if let Some(epoch) = row["state_epoch"].as_i64() {
            let mut entry = ProducerStateEntry {
                epoch: epoch as i16,
                ..Default::default()
            };
            if let Some(last) = last_seq.filter(|l| *l >= 0) {
                entry.batches.push_back(BatchMetadata {
                    first_seq: last as i32,
                    last_seq: last as i32,
                    first_offset: Offset(0),
                    last_offset: Offset(0),
                });
            }
            m.producers.insert(1, entry);
        }
        let info = ProducerBatchInfo {
            producer_id: 1,
            epoch: row["incoming_epoch"].as_i64().unwrap_or(0) as i16,
            first_seq: row["incoming_first_seq"].as_i64().unwrap_or(0) as i32,
            records: row["records"].as_u64().unwrap_or(1) as u32,
            transactional: false,
        };
        let want_last = row["incoming_last_seq"].as_i64().unwrap_or(0) as i32;
        t.check(
            format!("{id} lastSeq"),
            info.last_seq() == want_last,
            || format!("last sequence {}, expected {want_last}", info.last_seq()),
        );
        let outcome = row["outcome"].as_str().unwrap_or("");
        let got = verdict_name(&m.validate_client_batch(&info));
        if let Some(rest) = outcome.strip_prefix("DUPLICATE (if ") {
            // Both halves: a duplicate while the batch is cached, out of order once not.
            t.check(id.clone(), got == "DUPLICATE", || {
                format!("{got}, expected DUPLICATE ({rest}")
            });
            let entry = m.producers.get_mut(&1).expect("state");
            entry.batches[0].first_seq = 0;
            let got = verdict_name(&m.validate_client_batch(&info));
            t.check(
                format!("{id} (not cached)"),
                got == "OutOfOrderSequenceException",
                || format!("{got}, expected OutOfOrderSequenceException"),
            );
        } else {
            t.check(id, got == outcome, || format!("{got}, expected {outcome}"));
        }
    }
    for case in arr(v, "broker_scenarios_quoted")
        .iter()
        .chain(arr(v, "broker_scenarios_computed"))
    {
        let id = id_of(case, "scenario".into());
        let mut m = ProducerStateManager::default();
        let mut log_end = 0i64;
        for (n, step) in arr(case, "steps").iter().enumerate() {
            let sid = format!("{id} step {n}");
            let expect = step["expect"].as_str().unwrap_or("");
            let after = &step["state_after"];
            let want_cached: Vec<[i64; 4]> = after["cached_batches"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|b| {
                            let x: Vec<i64> = b
                                .as_array()
                                .map(|v| v.iter().filter_map(Value::as_i64).collect())
                                .unwrap_or_default();
                            [x[0], x[1], x[2], x[3]]
                        })
                        .collect()
                })
                .unwrap_or_default();
            let pid = step["pid"].as_i64().unwrap_or(1);
            let epoch = step["epoch"].as_i64().unwrap_or(0) as i16;
            let got = match step["op"].as_str() {
                Some("end_txn_marker") => {
                    let r = m.on_end_txn_marker(pid, epoch);
                    if r.is_ok() {
                        log_end += 1;
                    }
                    match r {
                        Ok(()) => "APPENDED_MARKER",
                        Err(e) => verdict_name(&Verdict::Reject(e)),
                    }
                }
                _ => {
                    let info = ProducerBatchInfo {
                        producer_id: pid,
                        epoch,
                        first_seq: step["first_seq"].as_i64().unwrap_or(0) as i32,
                        records: step["records"].as_u64().unwrap_or(1) as u32,
                        transactional: step["transactional"].as_bool().unwrap_or(false),
                    };
                    let verdict = if step["origin"].as_str() == Some("REPLICATION") {
                        Verdict::Append
                    } else {
                        m.validate(
                            &info,
                            !step["bypass_duplicate_check"].as_bool().unwrap_or(false),
                        )
                    };
                    match verdict {
                        Verdict::Append => {
                            m.on_append(&info, Offset(log_end));
                            if let Some(o) = step["expect_offsets"].as_array() {
                                let want =
                                    (o[0].as_i64().unwrap_or(-1), o[1].as_i64().unwrap_or(-1));
                                let got = (log_end, log_end + i64::from(info.records) - 1);
                                t.check(format!("{sid} offsets"), got == want, || {
                                    format!("offsets {got:?}, expected {want:?}")
                                });
                            }
                            log_end += i64::from(info.records);
                        }
                        Verdict::Duplicate(meta) => {
                            if let Some(o) = step["expect_offsets"].as_array() {
                                let want =
                                    (o[0].as_i64().unwrap_or(-1), o[1].as_i64().unwrap_or(-1));
                                let got = (meta.first_offset.0, meta.last_offset.0);
                                t.check(format!("{sid} offsets"), got == want, || {
                                    format!("offsets {got:?}, expected {want:?}")
                                });
                            }
                        }
                        Verdict::Reject(_) => {}
                    }
                    verdict_name(&verdict)
                }
            };
            t.check(sid.clone(), got == expect, || {
                format!("{got}, expected {expect}")
            });
            let entry = m.entry(pid);
            let got_cached = cached(entry);
            let want_epoch = after["epoch"].as_i64();
            let want_txn = after["ongoing_txn_first_offset"].as_i64();
            let ok = got_cached == want_cached
                && entry.map(|e| i64::from(e.epoch)) == want_epoch
                && entry.and_then(|e| e.ongoing_txn_first_offset).map(|o| o.0) == want_txn;
            t.check(format!("{sid} state"), ok, || {
                format!(
                    "state epoch {:?} cached {got_cached:?} txn {:?}, expected epoch {want_epoch:?} cached {want_cached:?} txn {want_txn:?}",
                    entry.map(|e| e.epoch),
                    entry.and_then(|e| e.ongoing_txn_first_offset)
                )
            });
        }
    }
    for case in arr(v, "client_config_cases") {
        let id = id_of(case, "config".into());
        let c = &case["config"];
        let acks = match c["acks"].as_str() {
            Some(a) => AcksConfig::parse(a).expect("valid acks in the vectors"),
            None => AcksConfig::All,
        };
        let settings = IdempotenceSettings {
            enable_idempotence: c["enable.idempotence"].as_bool(),
            acks,
            retries: c["retries"].as_u64().map_or(i32::MAX as u32, |r| r as u32),
            max_in_flight_requests_per_connection: c["max.in.flight.requests.per.connection"]
                .as_u64()
                .unwrap_or(5) as u32,
            transactional_id: c["transactional.id"].as_str(),
        };
        let r = &case["result"];
        let got = resolve_idempotence(&settings);
        match r["outcome"].as_str() {
            Some("OK") => {
                let want = r["effective"]["enable.idempotence"].as_bool();
                t.check(id, got.as_ref().ok().copied() == want, || {
                    format!("{got:?}, expected idempotence {want:?}")
                });
            }
            _ => {
                let want = r["message"].as_str().unwrap_or("");
                t.check(
                    id,
                    got.as_ref().err().map(|e| e.message.as_str()) == Some(want),
                    || format!("{got:?}, expected ConfigException {want:?}"),
                );
            }
        }
    }
}

fn named_partitions(v: &Value) -> Vec<NamedPartition> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|p| {
                    NamedPartition::new(
                        p[0].as_str().expect("topic name"),
                        p[1].as_i64().expect("partition number") as i32,
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn show(list: &[NamedPartition]) -> String {
    let names: Vec<String> = list.iter().map(ToString::to_string).collect();
    format!("[{}]", names.join(", "))
}

/// `assignors.json`: every case through `assignor::assign`, members in the order the case
/// lists them (the order Kafka's test put them into its member map).
fn assignors_file(v: &Value, t: &mut Tally) {
    note_count_mismatch(v, t, "cases", "total");
    for (n, case) in arr(v, "cases").iter().enumerate() {
        let id = id_of(case, format!("case {n}"));
        let Some(kind) = case["assignor"].as_str().and_then(AssignorKind::from_name) else {
            t.check(&id, false, || {
                format!("unknown assignor {}", case["assignor"])
            });
            continue;
        };
        let partitions_per_topic: kscope_core::vecmap::VecMap<String, i32> = case
            ["partitions_per_topic"]
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, n)| (k.clone(), n.as_i64().unwrap_or(0) as i32))
                    .collect()
            })
            .unwrap_or_default();
        let members: Vec<(String, Subscription)> = case["members"]
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(id, m)| {
                        let sub = Subscription {
                            topics: arr(m, "topics")
                                .iter()
                                .filter_map(|t| t.as_str().map(String::from))
                                .collect(),
                            owned_partitions: named_partitions(&m["owned_partitions"]),
                            generation: m["generation"].as_i64().map(|g| g as i32),
                            group_instance_id: m["group_instance_id"].as_str().map(String::from),
                        };
                        (id.clone(), sub)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let result = assignor::assign(kind, &partitions_per_topic, &members);
        let as_set = case["compare"].as_str() == Some("set");
        let asserted: Option<Vec<&str>> = case
            .get("asserted_members_only")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect());
        let mut problems = Vec::new();
        let expected = case["expected_assignment"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for (member, _) in &members {
            if asserted
                .as_ref()
                .is_some_and(|a| !a.contains(&member.as_str()))
            {
                continue;
            }
            let mut want = named_partitions(&expected.get(member).cloned().unwrap_or(Value::Null));
            let mut got = result.assignment.get(member).cloned().unwrap_or_default();
            if as_set {
                want.sort();
                got.sort();
            }
            if want != got {
                problems.push(format!(
                    "{member}: expected {}, got {}",
                    show(&want),
                    show(&got)
                ));
            }
        }
        if let Some(want) = case
            .get("expected_partitions_transferring_ownership")
            .and_then(Value::as_object)
        {
            let want: BTreeMap<String, String> = want
                .iter()
                .map(|(k, m)| (k.clone(), m.as_str().unwrap_or_default().to_string()))
                .collect();
            let got: BTreeMap<String, String> = result
                .partitions_transferring_ownership
                .as_ref()
                .map(|m| {
                    m.iter()
                        .map(|(tp, c)| (tp.to_string(), c.clone()))
                        .collect()
                })
                .unwrap_or_default();
            if want != got {
                problems.push(format!(
                    "partitionsTransferringOwnership: expected {want:?}, got {got:?}"
                ));
            }
        }
        if case.get("builder").and_then(Value::as_str) == Some("general")
            && result.partitions_transferring_ownership.is_some()
            && kind == AssignorKind::Sticky
        {
            problems.push("the general builder leaves partitionsTransferringOwnership null".into());
        }
        t.check(&id, problems.is_empty(), || problems.join("; "));
    }
}
