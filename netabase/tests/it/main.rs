//! Integration tests of the netabase node.
