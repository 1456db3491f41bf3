//! Examples, benchmarks and cross-crate tests of the netabase workspace.
//!
//! This package publishes nothing; it owns `examples/`, `benches/` and `tests/`, and compiles the
//! README's code blocks as doctests.

/// The README's code blocks, compiled and run by `cargo test --doc`.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
