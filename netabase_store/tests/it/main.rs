//! Integration tests of netabase_store: one binary, one module per concern.

mod config;
mod conformance;
mod crash;
mod digest;
mod faulty;
mod key_order;
mod macros;
mod schema;
mod seeds;
mod state_machine;
mod ui;
#[cfg(feature = "redb-zerocopy")]
mod zerocopy;
