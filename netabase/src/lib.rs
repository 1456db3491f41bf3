//! netabase: a typed peer-to-peer database.
//!
//! Declare models with `netabase_store`'s macros, then run a [`Netabase`] node: a libp2p peer
//! (TCP and QUIC with noise and yamux; Kademlia, identify, ping, mDNS, connection limits) whose
//! Kademlia record store *is* its local `netabase_store` database. Records you publish and
//! records peers send you are typed models you can read, query by secondary key and subscribe
//! to through [`Netabase::store`].
//!
//! * Lifecycle: [`Netabase::new`], `Netabase::new_with_path` (native), [`Netabase::start_swarm`],
//!   [`Netabase::stop_swarm`], [`Netabase::subscribe_to_broadcasts`].
//! * Records: [`Netabase::put_record`], [`Netabase::get_record`], [`Netabase::remove_record`],
//!   [`Netabase::query_local_records`].
//! * Providers: [`Netabase::start_providing`], [`Netabase::stop_providing`],
//!   [`Netabase::get_providers`].
//! * Network: [`Netabase::bootstrap`], [`Netabase::add_address`], [`Netabase::get_mode`], ...
//!
//! ```no_run
//! use netabase::Netabase;
//! use netabase_store::netabase_definition_module;
//!
//! #[netabase_definition_module(ChatDefinition, ChatKeys)]
//! mod chat {
//!     use netabase_store::{NetabaseModel, netabase};
//!     #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
//!     #[netabase(ChatDefinition)]
//!     pub struct Message {
//!         #[primary_key]
//!         pub id: u64,
//!         #[secondary_key]
//!         pub room: String,
//!         pub text: String,
//!     }
//! }
//! use chat::*;
//!
//! # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut node = Netabase::<ChatDefinition>::new_with_path("./chat_node")?;
//! let mut events = node.subscribe_to_broadcasts();
//! node.start_swarm().await?;
//! node.put_record(Message { id: 1, room: "general".into(), text: "hello".into() }).await?;
//! let found = node.get_record(MessageKey::Primary(MessagePrimaryKey(1))).await?;
//! assert_eq!(found.map(|m| m.text), Some("hello".to_string()));
//! node.stop_swarm().await?;
//! # drop(events.try_recv()); Ok(()) }
//! ```
#![warn(missing_docs, unreachable_pub)]
#![cfg_attr(
    not(test),
    warn(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::print_stdout,
        clippy::print_stderr
    )
)]

pub mod config;
pub mod errors;
mod event;
#[cfg(not(target_arch = "wasm32"))]
mod identity;
mod node;
mod outcome;
mod swarm;

pub use config::{
    ConnectionLimitsConfig, DHTDiscoveryConfig, MDNSDiscoveryConfig, NetabaseConfig, StorageBackend,
};
pub use errors::{Error, Result};
pub use event::NetabaseSwarmEvent;
pub use node::Netabase;
pub use outcome::{BootstrapOutcome, FoundRecord, ProvideOutcome, PutRecordOutcome};

/// libp2p, for the types in this API (`PeerId`, `Multiaddr`, `kad::Mode`, ...).
pub use libp2p;
/// The storage layer, re-exported so applications need one dependency.
pub use netabase_store;
