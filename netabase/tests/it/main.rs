//! Integration tests of the netabase node: one binary, one module per concern.

mod common;
mod mdns;
mod netns;
mod process;
mod records;
mod seeds;
mod topology;
