//! kscope's integration tests, one binary with a module per area. Natively every module
//! runs; compiled to wasm32 (in Node) only the determinism module does, since the others
//! read files or use proptest.

#[cfg(not(target_arch = "wasm32"))]
mod architecture;
#[cfg(not(target_arch = "wasm32"))]
mod bytes;
#[cfg(not(target_arch = "wasm32"))]
mod conformance;
#[cfg(not(target_arch = "wasm32"))]
mod control_plane;
mod determinism;
#[cfg(not(target_arch = "wasm32"))]
mod disk;
#[cfg(not(target_arch = "wasm32"))]
mod fidelity;
mod groups;
#[cfg(not(target_arch = "wasm32"))]
mod guarantees;
#[cfg(not(target_arch = "wasm32"))]
mod knobs;
#[cfg(not(target_arch = "wasm32"))]
mod pipeline;
#[cfg(not(target_arch = "wasm32"))]
mod properties;
#[cfg(not(target_arch = "wasm32"))]
mod scenario_files;
#[cfg(not(target_arch = "wasm32"))]
mod scenarios;
#[cfg(not(target_arch = "wasm32"))]
mod share_links;
#[cfg(not(target_arch = "wasm32"))]
mod transactions;
#[cfg(not(target_arch = "wasm32"))]
mod wire;
#[cfg(not(target_arch = "wasm32"))]
mod zookeeper;
