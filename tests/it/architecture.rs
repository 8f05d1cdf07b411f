//! The core's house rules, read from its source: its modules import each other in
//! layers, with no circle. `sim.rs` and the files that extend `Sim` (`controller.rs`,
//! `workload.rs`) are one layer, the top one; every actor (`broker`, `coordinator`,
//! `producer`, `consumer`) sits below it and reaches the rest of the simulation only
//! through the context it is handed (`ctx.rs`).

use std::collections::{BTreeMap, BTreeSet};

/// Every source file of `core/src`, with the top-level module it belongs to (a file in
/// `invariants/` belongs to `invariants`).
fn core_sources() -> Vec<(String, std::path::PathBuf)> {
    fn walk(
        dir: &std::path::Path,
        module: Option<&str>,
        out: &mut Vec<(String, std::path::PathBuf)>,
    ) {
        for entry in std::fs::read_dir(dir).expect("a source directory") {
            let path = entry.expect("an entry").path();
            let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
            if path.is_dir() {
                walk(&path, Some(module.unwrap_or(&stem)), out);
            } else if path.extension().and_then(|e| e.to_str()) == Some("rs") {
                out.push((module.map_or(stem, str::to_owned), path));
            }
        }
    }
    let mut out = Vec::new();
    walk(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../core/src")),
        None,
        &mut out,
    );
    out.sort();
    out
}

/// The modules of `core/src` each module names (`crate::x` outside comments), with the
/// simulation's own files counted as `sim`: those that extend `Sim` (`controller`,
/// `control_plane`, `broker_metadata`, `workload`) and the invariants, which read the whole simulation and which a checked
/// `Sim` runs after every item.
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let layer = |m: &str| match m {
        "controller" | "control_plane" | "broker_metadata" | "workload" | "pipeline"
        | "invariants" => "sim".to_owned(),
        other => other.to_owned(),
    };
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, path) in core_sources() {
        let module = layer(&module);
        if module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        let uses = graph.entry(module.clone()).or_default();
        for line in text.lines() {
            let code = line.split("//").next().unwrap_or("");
            for (i, _) in code.match_indices("crate::") {
                let name: String = code[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let name = layer(&name);
                if !name.is_empty() && name != module && name.chars().all(|c| !c.is_uppercase()) {
                    uses.insert(name);
                }
            }
        }
    }
    graph
}

/// A circle of imports, if there is one.
fn find_circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut circle = path[i..].to_vec();
            circle.push(m.to_owned());
            return Some(circle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_owned());
        for next in graph.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|m| visit(m, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_core_modules_import_each_other_in_layers() {
    let graph = import_graph();
    assert!(graph.len() > 20, "{graph:?}");
    assert_eq!(find_circle(&graph), None, "{graph:#?}");
    for actor in ["broker", "coordinator", "producer", "consumer", "group"] {
        assert!(
            !graph[actor].contains("sim"),
            "{actor} must not reach the simulation: {:?}",
            graph[actor]
        );
    }
}

#[test]
fn a_circle_is_found() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    graph.entry("c".into()).or_default().insert("a".into());
    graph.entry("d".into()).or_default().insert("a".into());
    assert_eq!(
        find_circle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    graph.get_mut("c").unwrap().clear();
    assert_eq!(find_circle(&graph), None);
}

#[test]
fn no_actor_behaviour_lives_in_an_impl_sim_outside_the_simulation_files() {
    for (_, path) in core_sources() {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        if matches!(
            name.as_str(),
            "sim.rs"
                | "controller.rs"
                | "control_plane.rs"
                | "broker_metadata.rs"
                | "workload.rs"
                | "pipeline.rs"
        ) {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        assert!(
            !text.lines().any(|l| l.starts_with("impl Sim {")),
            "{name} has an `impl Sim` block"
        );
    }
}

#[test]
fn requests_go_to_brokers_and_responses_to_their_clients() {
    use kscope_core::event::MessageKind::{self, *};
    use kscope_core::{BrokerId, ConsumerId, NodeId};
    let nodes = [
        NodeId::PRODUCER,
        NodeId::Broker(BrokerId(0)),
        NodeId::Consumer(ConsumerId(0)),
    ];
    for kind in MessageKind::ALL {
        let receivers: Vec<NodeId> = nodes
            .iter()
            .copied()
            .filter(|n| kind.received_by(*n))
            .collect();
        assert!(!receivers.is_empty(), "nobody receives {kind:?}");
        if !kind.is_response() {
            assert_eq!(receivers, [NodeId::Broker(BrokerId(0))], "{kind:?}");
        }
    }
    assert!(!ProduceResponse.received_by(NodeId::Consumer(ConsumerId(0))));
    assert!(!HeartbeatResponse.received_by(NodeId::PRODUCER));
}
