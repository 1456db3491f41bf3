//! Integration tests of the netabase node: one binary, one module per concern.

mod common;
mod isolation;
mod lifecycle;
mod records;
mod rogue;
