//! [`Netabase`]: the handle applications hold; the node's task does the work.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use libp2p::identity::Keypair;
use libp2p::kad::{Mode, RoutingUpdate};
use libp2p::{Multiaddr, PeerId, StreamProtocol};
use netabase_store::NetabaseStore;
use netabase_store::databases::any_store::AnyStore;
#[cfg(target_arch = "wasm32")]
use netabase_store::databases::memory_store::MemoryStore;
use netabase_store::record_store::{model_record, record_key};
use netabase_store::traits::definition::NetabaseDefinitionTrait;
use netabase_store::traits::model::{NetabaseModelTrait, NetabaseModelTraitKey};
use tokio::sync::{broadcast, oneshot};

use crate::config::NetabaseConfig;
#[cfg(target_arch = "wasm32")]
use crate::config::StorageBackend;
use crate::errors::{Error, Result};
use crate::event::NetabaseSwarmEvent;
use crate::outcome::{BootstrapOutcome, FoundRecord, ProvideOutcome, PutRecordOutcome};
use crate::swarm::command::{Command, Reply};
use crate::swarm::{self, Running};

/// A netabase node: a libp2p peer that stores, finds and serves the typed models of
/// definition `D` over a Kademlia DHT, on top of a local `netabase_store` database.
///
/// The node's data directory holds its identity key (`identity.key`, so a restarted node keeps
/// its `PeerId`) and its database. The database is open from construction: [`Netabase::store`]
/// reads and writes models locally at any time, and records received from peers are models in
/// it. Networking runs between [`Netabase::start_swarm`] and [`Netabase::stop_swarm`] in one
/// tokio task that owns the swarm; the methods here send it commands and await its answers.
pub struct Netabase<D: NetabaseDefinitionTrait> {
    config: NetabaseConfig,
    database_path: Option<PathBuf>,
    #[cfg(not(target_arch = "wasm32"))]
    data: native::DataDir,
    keypair: Keypair,
    store: NetabaseStore<D, AnyStore<D>>,
    broadcast_sender: broadcast::Sender<NetabaseSwarmEvent<D>>,
    running: Option<Running<D>>,
}

impl<D: NetabaseDefinitionTrait> std::fmt::Debug for Netabase<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Netabase")
            .field("peer_id", &self.peer_id())
            .field("database_path", &self.database_path)
            .field("running", &self.running.is_some())
            .finish_non_exhaustive()
    }
}

impl<D: NetabaseDefinitionTrait> Netabase<D> {
    /// A node with the default configuration. Natively its data lives in a temporary directory
    /// (deleted when the node is dropped; a stop and restart of this value keeps its identity
    /// and data); in the browser it is held in memory.
    ///
    /// # Errors
    /// When the data directory or database cannot be created.
    pub fn new() -> Result<Self> {
        Self::new_with_config(NetabaseConfig::default())
    }

    /// A node with `config`, its data in a temporary directory (natively) or in memory (in the
    /// browser, where `storage_backend` must be `Memory`).
    ///
    /// # Errors
    /// When the data directory or database cannot be created, or the backend is not available
    /// on this platform.
    pub fn new_with_config(config: NetabaseConfig) -> Result<Self> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            let data = native::DataDir::temporary()?;
            Self::open_in(data, None, config)
        }
        #[cfg(target_arch = "wasm32")]
        {
            if config.storage_backend != StorageBackend::Memory {
                return Err(Error::InvalidConfig {
                    field: "storage_backend",
                    reason: "in the browser only the Memory backend can back the DHT store".into(),
                });
            }
            Ok(Self::assemble(
                config,
                None,
                Keypair::generate_ed25519(),
                MemoryStore::new().into(),
            ))
        }
    }

    fn assemble(
        config: NetabaseConfig,
        database_path: Option<PathBuf>,
        keypair: Keypair,
        #[cfg(not(target_arch = "wasm32"))] data: native::DataDir,
        backend: AnyStore<D>,
    ) -> Self {
        let (broadcast_sender, _) = broadcast::channel(config.event_channel_size.max(1));
        tracing::debug!(peer = %keypair.public().to_peer_id(), "node opened");
        Netabase {
            config,
            database_path,
            #[cfg(not(target_arch = "wasm32"))]
            data,
            keypair,
            store: NetabaseStore::from_backend(backend),
            broadcast_sender,
            running: None,
        }
    }

    /// The node's peer id (stable across restarts: the key is in the data directory).
    pub fn peer_id(&self) -> PeerId {
        self.keypair.public().to_peer_id()
    }

    /// The node's local database: the models it stores, including DHT records received from
    /// peers, with their secondary indexes and subscriptions.
    pub fn store(&self) -> &NetabaseStore<D, AnyStore<D>> {
        &self.store
    }

    /// The configuration.
    pub fn config(&self) -> &NetabaseConfig {
        &self.config
    }

    /// The data directory given at construction, if any (`None` for a temporary one, and in
    /// the browser).
    pub fn database_path(&self) -> Option<&Path> {
        self.database_path.as_deref()
    }

    /// Whether the swarm is running.
    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// A receiver of the node's events. Works before and after `start_swarm`, for any number
    /// of subscribers; a subscriber that falls `event_channel_size` events behind gets
    /// `RecvError::Lagged` with the number it missed.
    pub fn subscribe_to_broadcasts(&self) -> broadcast::Receiver<NetabaseSwarmEvent<D>> {
        self.broadcast_sender.subscribe()
    }

    /// Starts networking: builds the swarm, listens on the configured addresses (returning once
    /// each listener has an address), and spawns the node's task. Needs a tokio runtime.
    ///
    /// # Errors
    /// [`Error::AlreadyRunning`], or when the transport cannot be built or cannot listen.
    pub async fn start_swarm(&mut self) -> Result<()> {
        if self.running.is_some() {
            return Err(Error::AlreadyRunning);
        }
        let running = swarm::start(
            &self.keypair,
            &self.store,
            &self.config,
            self.broadcast_sender.clone(),
        )
        .await?;
        self.running = Some(running);
        tracing::info!(peer = %self.peer_id(), "node started");
        Ok(())
    }

    /// Stops networking gracefully: pending requests are answered, listeners closed, the store
    /// flushed, the task joined. The node can be started again; stopping a stopped node does
    /// nothing.
    ///
    /// # Errors
    /// When the node's task had failed.
    pub async fn stop_swarm(&mut self) -> Result<()> {
        let Some(running) = self.running.take() else {
            return Ok(());
        };
        let (reply, answer) = oneshot::channel();
        if running.commands.send(Command::Stop { reply }).await.is_ok() {
            // A dropped reply means the task already ended.
            let _ = answer.await;
        }
        running.task.join().await?;
        tracing::info!(peer = %self.peer_id(), "node stopped");
        Ok(())
    }

    async fn request<T>(&self, command: impl FnOnce(Reply<T>) -> Command<D>) -> Result<T> {
        let running = self.running.as_ref().ok_or(Error::NotRunning)?;
        let (reply, answer) = oneshot::channel();
        running
            .commands
            .send(command(reply))
            .await
            .map_err(|_| Error::Stopped)?;
        answer.await.map_err(|_| Error::Stopped)
    }

    fn primary_record_key<K: NetabaseModelTraitKey<D>>(key: &K) -> Result<libp2p::kad::RecordKey> {
        key.as_primary()
            .map(record_key::<D, K::Model>)
            .ok_or(Error::NotAPrimaryKey)
    }

    /// Stores `model` locally as a DHT record and publishes it to the closest peers.
    ///
    /// # Errors
    /// When the node is not running, the model cannot be encoded, or the local store refuses
    /// the record (too large, limit reached). Reaching fewer peers than the quorum is not an
    /// error: see [`PutRecordOutcome`].
    pub async fn put_record<M: NetabaseModelTrait<D>>(&self, model: M) -> Result<PutRecordOutcome> {
        let record = model_record::<D, M>(&model)?;
        self.request(|reply| Command::PutRecord { record, reply })
            .await?
    }

    /// The model with primary key `key`: from the local store if it holds the record, else
    /// from the DHT. `None` when nobody has it.
    ///
    /// # Errors
    /// When the node is not running, `key` is a secondary key, or the query timed out with
    /// nothing found.
    pub async fn get_record<K: NetabaseModelTraitKey<D>>(
        &self,
        key: K,
    ) -> Result<Option<K::Model>> {
        Ok(self
            .find_records(key)
            .await?
            .into_iter()
            .next()
            .map(|found| found.model))
    }

    /// Every valid record found for `key` (up to the configured quorum), with its source.
    ///
    /// # Errors
    /// As [`Netabase::get_record`].
    pub async fn find_records<K: NetabaseModelTraitKey<D>>(
        &self,
        key: K,
    ) -> Result<Vec<FoundRecord<K::Model>>> {
        let key = Self::primary_record_key(&key)?;
        let found = self
            .request(|reply| Command::GetRecord { key, reply })
            .await??;
        Ok(found
            .into_iter()
            .filter_map(|found| {
                K::Model::try_from(found.model)
                    .ok()
                    .map(|model| FoundRecord {
                        model,
                        source: found.source,
                    })
            })
            .collect())
    }

    /// Removes the record with primary key `key` from this node: the DHT record and the model
    /// in the local store. Returns the removed model. Copies on other peers expire with their
    /// TTL.
    ///
    /// # Errors
    /// When the node is not running, `key` is a secondary key, or the store fails.
    pub async fn remove_record<K: NetabaseModelTraitKey<D>>(
        &self,
        key: K,
    ) -> Result<Option<K::Model>> {
        let record = Self::primary_record_key(&key)?;
        self.request(|reply| Command::RemoveRecord { key: record, reply })
            .await?;
        let Some(primary) = key.as_primary() else {
            return Err(Error::NotAPrimaryKey);
        };
        Ok(self.store.open_tree::<K::Model>().remove(primary.clone())?)
    }

    /// The DHT records this node holds (published by it or received from peers), decoded; at
    /// most `limit` when given. Local-only models written with the tree API are not included.
    ///
    /// # Errors
    /// When the node is not running.
    pub async fn query_local_records(&self, limit: Option<usize>) -> Result<Vec<D>> {
        self.request(|reply| Command::QueryLocalRecords { limit, reply })
            .await?
    }

    /// Announces this node as a provider of `key`.
    ///
    /// # Errors
    /// When the node is not running, `key` is a secondary key, or the local store refuses the
    /// provider record (limit reached).
    pub async fn start_providing<K: NetabaseModelTraitKey<D>>(
        &self,
        key: K,
    ) -> Result<ProvideOutcome> {
        let key = Self::primary_record_key(&key)?;
        self.request(|reply| Command::StartProviding { key, reply })
            .await?
    }

    /// Stops announcing this node as a provider of `key` (its own provider record is removed;
    /// copies on other peers expire with their TTL).
    ///
    /// # Errors
    /// When the node is not running or `key` is a secondary key.
    pub async fn stop_providing<K: NetabaseModelTraitKey<D>>(&self, key: K) -> Result<()> {
        let key = Self::primary_record_key(&key)?;
        self.request(|reply| Command::StopProviding { key, reply })
            .await
    }

    /// The providers of `key` found on the DHT (including this node if it provides it).
    ///
    /// # Errors
    /// When the node is not running or `key` is a secondary key.
    pub async fn get_providers<K: NetabaseModelTraitKey<D>>(
        &self,
        key: K,
    ) -> Result<HashSet<PeerId>> {
        let key = Self::primary_record_key(&key)?;
        self.request(|reply| Command::GetProviders { key, reply })
            .await?
    }

    /// Joins the DHT: looks up this node's own id through the known peers, filling the routing
    /// table.
    ///
    /// # Errors
    /// [`Error::NoKnownPeers`] when the routing table is empty; when the node is not running.
    pub async fn bootstrap(&self) -> Result<BootstrapOutcome> {
        self.request(|reply| Command::Bootstrap { reply }).await?
    }

    /// Adds an address of `peer` to the routing table (and to the swarm's dialling book).
    ///
    /// # Errors
    /// When the node is not running.
    pub async fn add_address(&self, peer: PeerId, address: Multiaddr) -> Result<RoutingUpdate> {
        self.request(|reply| Command::AddAddress {
            peer,
            address,
            reply,
        })
        .await
    }

    /// Removes an address of `peer` from the routing table; `true` if it was there. Removing a
    /// peer's last address removes the peer.
    ///
    /// # Errors
    /// When the node is not running.
    pub async fn remove_address(&self, peer: PeerId, address: Multiaddr) -> Result<bool> {
        self.request(|reply| Command::RemoveAddress {
            peer,
            address,
            reply,
        })
        .await
    }

    /// Removes `peer` from the routing table; `true` if it was there.
    ///
    /// # Errors
    /// When the node is not running.
    pub async fn remove_peer(&self, peer: PeerId) -> Result<bool> {
        self.request(|reply| Command::RemovePeer { peer, reply })
            .await
    }

    /// Dials an address.
    ///
    /// # Errors
    /// When the node is not running or the dial cannot start.
    pub async fn dial(&self, address: Multiaddr) -> Result<()> {
        self.request(|reply| Command::Dial { address, reply })
            .await?
    }

    /// The DHT mode (server: answers queries; client: only asks).
    ///
    /// # Errors
    /// When the node is not running.
    pub async fn get_mode(&self) -> Result<Mode> {
        self.request(|reply| Command::GetMode { reply }).await
    }

    /// Sets the DHT mode (`None`: automatic, from confirmed external addresses); returns the
    /// mode now in force.
    ///
    /// # Errors
    /// When the node is not running.
    pub async fn set_mode(&self, mode: Option<Mode>) -> Result<Mode> {
        self.request(|reply| Command::SetMode { mode, reply }).await
    }

    /// The Kademlia protocol names this node speaks.
    ///
    /// # Errors
    /// When the node is not running.
    pub async fn get_protocol_names(&self) -> Result<Vec<StreamProtocol>> {
        self.request(|reply| Command::ProtocolNames { reply }).await
    }

    /// The addresses the node listens on.
    ///
    /// # Errors
    /// When the node is not running.
    pub async fn listen_addresses(&self) -> Result<Vec<Multiaddr>> {
        self.request(|reply| Command::ListenAddresses { reply })
            .await
    }

    /// The peers the node is connected to.
    ///
    /// # Errors
    /// When the node is not running.
    pub async fn connected_peers(&self) -> Result<Vec<PeerId>> {
        self.request(|reply| Command::ConnectedPeers { reply })
            .await
    }

    /// The peers in the DHT routing table.
    ///
    /// # Errors
    /// When the node is not running.
    pub async fn routing_table_peers(&self) -> Result<Vec<PeerId>> {
        self.request(|reply| Command::RoutingTablePeers { reply })
            .await
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    //! Nodes with a data directory (native targets).

    use std::path::{Path, PathBuf};

    use netabase_store::config::FileConfig;
    use netabase_store::databases::any_store::AnyStore;
    use netabase_store::databases::memory_store::MemoryStore;
    use netabase_store::databases::redb_store::RedbStore;
    use netabase_store::databases::sled_store::SledStore;
    use netabase_store::traits::backend_store::BackendStore;
    use netabase_store::traits::definition::NetabaseDefinitionTrait;

    use super::Netabase;
    use crate::config::{NetabaseConfig, StorageBackend};
    use crate::errors::Result;
    use crate::identity;

    /// Where a node keeps its identity and database.
    pub(super) struct DataDir {
        path: PathBuf,
        _temporary: Option<tempfile::TempDir>,
    }

    impl DataDir {
        pub(super) fn temporary() -> Result<Self> {
            let temporary = tempfile::Builder::new()
                .prefix("netabase-node-")
                .tempdir()?;
            Ok(DataDir {
                path: temporary.path().to_path_buf(),
                _temporary: Some(temporary),
            })
        }

        fn at(path: &Path) -> Self {
            DataDir {
                path: path.to_path_buf(),
                _temporary: None,
            }
        }
    }

    impl<D: NetabaseDefinitionTrait> Netabase<D> {
        /// A node whose data lives in directory `path` (created if needed), default
        /// configuration.
        ///
        /// # Errors
        /// When the directory, identity or database cannot be opened.
        pub fn new_with_path(path: impl AsRef<Path>) -> Result<Self> {
            Self::new_with_path_and_config(path, NetabaseConfig::default())
        }

        /// A node in directory `path` using storage `backend`.
        ///
        /// # Errors
        /// When the directory, identity or database cannot be opened.
        pub fn new_with_path_and_backend(
            path: impl AsRef<Path>,
            backend: StorageBackend,
        ) -> Result<Self> {
            Self::new_with_path_and_config(path, NetabaseConfig::with_backend(backend))
        }

        /// A node in directory `path` with `config`.
        ///
        /// # Errors
        /// When the directory, identity or database cannot be opened.
        pub fn new_with_path_and_config(
            path: impl AsRef<Path>,
            config: NetabaseConfig,
        ) -> Result<Self> {
            let path = path.as_ref();
            Self::open_in(DataDir::at(path), Some(path.to_path_buf()), config)
        }

        pub(super) fn open_in(
            data: DataDir,
            database_path: Option<PathBuf>,
            config: NetabaseConfig,
        ) -> Result<Self> {
            let dir = &data.path;
            std::fs::create_dir_all(dir)?;
            let keypair = identity::load_or_create(dir)?;
            let file = |name: &str| {
                FileConfig::builder()
                    .path(dir.join(name))
                    .use_fsync(config.durable_writes)
                    .build()
            };
            let backend: AnyStore<D> = match config.storage_backend {
                StorageBackend::Sled => {
                    <SledStore<D> as BackendStore<D>>::new(file("store.sled"))?.into()
                }
                StorageBackend::Redb => {
                    <RedbStore<D> as BackendStore<D>>::new(file("store.redb"))?.into()
                }
                StorageBackend::Memory => MemoryStore::new().into(),
            };
            Ok(Self::assemble(
                config,
                database_path,
                keypair,
                data,
                backend,
            ))
        }

        /// The data directory in use (holding `identity.key` and the database).
        pub fn data_dir(&self) -> &Path {
            &self.data.path
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use std::time::Duration;

    use netabase_store::netabase_definition_module;

    use super::*;

    #[netabase_definition_module(TestDefinition, TestKeys)]
    mod schema {
        use netabase_store::{NetabaseModel, netabase};

        #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
        #[netabase(TestDefinition)]
        pub(crate) struct Note {
            #[primary_key]
            pub(crate) id: u64,
        }
    }
    use schema::*;

    /// A query waiting on a peer that never answers is answered with `Stopped` when the node
    /// stops, instead of hanging or being dropped silently.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn stop_answers_pending_requests() {
        // Accepts TCP connections and never speaks: dials to it hang in the handshake.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let silent_address: Multiaddr =
            format!("/ip4/127.0.0.1/tcp/{}", silent.local_addr().unwrap().port())
                .parse()
                .unwrap();
        let holder = std::thread::spawn(move || {
            silent
                .incoming()
                .take(4)
                .filter_map(|s| s.ok())
                .collect::<Vec<_>>()
        });

        let mut node =
            Netabase::<TestDefinition>::new_with_config(NetabaseConfig::loopback()).unwrap();
        node.start_swarm().await.unwrap();
        node.add_address(PeerId::random(), silent_address)
            .await
            .unwrap();
        let key = record_key::<TestDefinition, Note>(&NotePrimaryKey(7));
        let (reply, answer) = oneshot::channel();
        let running = node.running.as_ref().unwrap();
        running
            .commands
            .send(Command::GetRecord { key, reply })
            .await
            .unwrap();
        // The query is now waiting on the silent peer.
        tokio::time::sleep(Duration::from_millis(300)).await;
        tokio::time::timeout(Duration::from_secs(10), node.stop_swarm())
            .await
            .unwrap()
            .unwrap();
        let answered = tokio::time::timeout(Duration::from_secs(5), answer)
            .await
            .unwrap();
        assert!(matches!(answered, Ok(Err(Error::Stopped))), "{answered:?}");
        drop(holder);
    }
}
