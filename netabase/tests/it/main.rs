//! Integration tests of the netabase node: one binary, one module per concern.
#![cfg(not(target_arch = "wasm32"))]

mod common;
mod isolation;
mod lifecycle;
mod mdns;
mod netns;
mod process;
mod records;
mod rogue;
mod seeds;
mod topology;
