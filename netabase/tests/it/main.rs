//! Integration tests of the netabase node: one binary, one module per concern.
#![cfg(not(target_arch = "wasm32"))]

mod common;
mod isolation;
mod lifecycle;
mod records;
mod rogue;
