//! kscope's integration tests, one binary with a module per area.
#![cfg(not(target_arch = "wasm32"))]

mod conformance;
