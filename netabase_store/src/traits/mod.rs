//! The traits that connect generated schema code, typed trees and backends.

pub mod backend_store;
pub mod batch;
pub mod definition;
pub mod model;
pub mod store_ops;
pub mod tree;
