//! Integration tests of netabase_store: one binary, one module per concern. Native only; the
//! browser tests are `tests/wasm`.
#![cfg(not(target_arch = "wasm32"))]

mod config;
mod conformance;
mod crash;
mod digest;
mod faulty;
mod key_order;
mod macros;
mod ranges;
mod readme;
#[cfg(feature = "libp2p")]
mod record_store;
#[cfg(feature = "libp2p")]
mod record_store_swarm;
mod schema;
mod seeds;
mod state_machine;
mod subscriptions;
mod ui;
mod unique;
#[cfg(feature = "redb-zerocopy")]
mod zerocopy;
