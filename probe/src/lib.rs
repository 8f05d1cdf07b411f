//! The no_std probe: a `#![no_std]` library that uses kscope-core, with its own
//! `#[panic_handler]` on bare-metal targets. `scripts/check.sh` builds it for
//! `thumbv7em-none-eabihf`, a target that has `core` and `alloc` but no `std` at all, so the
//! build fails if the core, or anything it depends on, needs `std`. (Building for
//! `wasm32-unknown-unknown` would prove nothing: that target ships a stub `std`.)
#![no_std]

extern crate alloc;

/// Builds a small cluster and runs it for a simulated second; returns the records
/// acknowledged, so that the optimiser keeps the whole core in the probe.
pub fn probe() -> u64 {
    let config = kscope_core::SimConfig::default();
    let mut sim = kscope_core::Sim::new(config, 7).expect("the default config is valid");
    sim.run_until(kscope_core::Instant::from_millis(1_000));
    sim.ledger().acknowledged()
}

#[cfg(target_os = "none")]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    loop {}
}
