//! Examples, benchmarks and cross-crate tests of the netabase workspace.
