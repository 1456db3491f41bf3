//! The DHT through the netabase node, with its persistent store as the Kademlia record store,
//! against the same network built from plain libp2p swarms with kad's own `MemoryStore`.
//!
//! Every network is on 127.0.0.1 (TCP, noise, yamux; mDNS off), fully meshed by `add_address`.
//! Both sides use the node's Kademlia configuration (protocol, replication factor 20, TTLs,
//! quorum one, packet size, unfiltered inserts) and the same limits for their store; the node
//! also runs identify, ping and connection limits, which plain swarms do not. The persistent
//! stores run with `durable_writes = false` (no fsync per write), like the MemoryStore.
//!
//! Groups:
//! * `dht_put_5_nodes`: throughput of `put_record` from one node, 10 concurrent puts per
//!   iteration (new records every time);
//! * `dht_get_5_nodes`, `dht_get_10_nodes`: latency of `get_record` on node B for a record that
//!   B does not hold (removed from B, untimed, before every get), served by the other nodes;
//! * `dht_put_then_get`: put on A, then get on B, 5 nodes;
//! * `dht_local_put`: `put_record` on a node with no peers (the local store path);
//! * `record_store_put`: `RecordStore::put` of a new record straight on each store, no node:
//!   what one stored record costs each store.
//!
//! Every wait is bounded by [`WAIT`]. `NETABASE_BENCH_QUICK=1` shortens the measurements;
//! `NETABASE_BENCH_REVERSE=1` measures the networks of `dht_put_5_nodes` in reverse order (the
//! report's repeated runs alternate it).

#[allow(dead_code)]
#[path = "cross_store/model.rs"]
mod model;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use libp2p::futures::StreamExt;
use libp2p::futures::future::join_all;
use libp2p::kad::store::{MemoryStore, MemoryStoreConfig, RecordStore};
use libp2p::kad::{self, GetRecordOk, QueryId, QueryResult, Record, RecordKey};
use libp2p::swarm::SwarmEvent;
use libp2p::{Multiaddr, PeerId, StreamProtocol, Swarm, noise, tcp, yamux};
use netabase::{Netabase, NetabaseConfig, StorageBackend};
use netabase_store::databases::any_store::AnyStore;
use netabase_store::databases::memory_store::MemoryStore as NetabaseMemoryStore;
use netabase_store::databases::redb_store::RedbStore;
use netabase_store::databases::sled_store::SledStore;
use netabase_store::record_store::{NetabaseRecordStore, RecordStoreConfig, model_record};
use netabase_store::traits::backend_store::BackendStore;
use tokio::runtime::Runtime;
use tokio::sync::{mpsc, oneshot};

use model::{BenchDefinition, User, UserKey, UserPrimaryKey, file_config, user};

/// The bound on every wait of the benchmark.
const WAIT: Duration = Duration::from_secs(20);
/// Concurrent puts per iteration of the throughput benchmark.
const PUTS: usize = 10;

async fn bounded<T>(what: &str, future: impl Future<Output = T>) -> T {
    match tokio::time::timeout(WAIT, future).await {
        Ok(value) => value,
        Err(_) => panic!("{what} did not finish within {WAIT:?}"),
    }
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A network of nodes, driven by node index.
trait Network: Send + Sync {
    /// Publishes `model` from node `node`; true when a peer stored it.
    fn put(&self, node: usize, model: User) -> BoxFuture<'_, bool>;
    /// Looks `id` up from node `node`; true when found.
    fn get(&self, node: usize, id: u64) -> BoxFuture<'_, bool>;
    /// Removes node `node`'s local copy of record `id`.
    fn forget(&self, node: usize, id: u64) -> BoxFuture<'_, ()>;
    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()>;
}

/// The node's Kademlia settings, from its default configuration.
fn kad_config(node: &NetabaseConfig) -> kad::Config {
    let protocol = StreamProtocol::try_from_owned(node.kademlia_protocol.clone()).expect("valid");
    let mut config = kad::Config::new(protocol);
    config
        .set_replication_factor(node.replication_factor)
        .set_record_ttl(node.record_ttl)
        .set_publication_interval(node.record_publication_interval)
        .set_provider_record_ttl(node.provider_ttl)
        .set_provider_publication_interval(node.provider_publication_interval)
        .set_query_timeout(node.query_timeout)
        .set_max_packet_size(node.record_store.max_value_bytes + 4 * 1024)
        .set_record_filtering(kad::StoreInserts::Unfiltered);
    config
}

/// kad's `MemoryStore` with the node's record-store limits.
fn kad_memory_store(peer: PeerId, limits: &RecordStoreConfig) -> MemoryStore {
    MemoryStore::with_config(
        peer,
        MemoryStoreConfig {
            max_records: limits.max_records,
            max_value_bytes: limits.max_value_bytes,
            max_providers_per_key: limits.max_providers_per_key,
            max_provided_keys: limits.max_provided_keys,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// The netabase network.

struct NetabaseNetwork {
    nodes: Vec<Netabase<BenchDefinition>>,
}

impl NetabaseNetwork {
    async fn start(size: usize, backend: StorageBackend) -> Self {
        let mut nodes = Vec::new();
        for _ in 0..size {
            let mut config = NetabaseConfig::loopback();
            config.storage_backend = backend;
            config.durable_writes = false;
            let mut node = Netabase::<BenchDefinition>::new_with_config(config).expect("node");
            bounded("start_swarm", node.start_swarm())
                .await
                .expect("starts");
            nodes.push(node);
        }
        let mut addresses = Vec::new();
        for node in &nodes {
            let address = node.listen_addresses().await.expect("addresses")[0].clone();
            addresses.push((node.peer_id(), address));
        }
        for (i, node) in nodes.iter().enumerate() {
            for (j, (peer, address)) in addresses.iter().enumerate() {
                if i != j {
                    node.add_address(*peer, address.clone())
                        .await
                        .expect("adds");
                }
            }
        }
        NetabaseNetwork { nodes }
    }
}

impl Network for NetabaseNetwork {
    fn put(&self, node: usize, model: User) -> BoxFuture<'_, bool> {
        Box::pin(async move {
            let outcome = bounded("put_record", self.nodes[node].put_record(model))
                .await
                .expect("puts");
            outcome.quorum_reached
        })
    }

    fn get(&self, node: usize, id: u64) -> BoxFuture<'_, bool> {
        Box::pin(async move {
            let key = UserKey::Primary(UserPrimaryKey(id));
            bounded("get_record", self.nodes[node].get_record(key))
                .await
                .expect("gets")
                .is_some()
        })
    }

    fn forget(&self, node: usize, id: u64) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let key = UserKey::Primary(UserPrimaryKey(id));
            bounded("remove_record", self.nodes[node].remove_record(key))
                .await
                .expect("removes");
        })
    }

    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            for mut node in self.nodes {
                bounded("stop_swarm", node.stop_swarm())
                    .await
                    .expect("stops");
            }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The same network from plain swarms with kad's MemoryStore.

enum Command {
    AddAddress(PeerId, Multiaddr, oneshot::Sender<()>),
    Put(Record, oneshot::Sender<bool>),
    Get(RecordKey, oneshot::Sender<bool>),
    Forget(RecordKey, oneshot::Sender<()>),
    Stop(oneshot::Sender<()>),
}

struct MemoryNode {
    commands: mpsc::Sender<Command>,
    address: Multiaddr,
    peer: PeerId,
    task: tokio::task::JoinHandle<()>,
}

enum Pending {
    Put(oneshot::Sender<bool>),
    Get(oneshot::Sender<bool>),
}

async fn memory_node() -> MemoryNode {
    let node = NetabaseConfig::loopback();
    let limits: RecordStoreConfig = node.record_store.clone();
    let mut swarm = libp2p::SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )
        .expect("tcp")
        .with_behaviour(|key| {
            let peer = key.public().to_peer_id();
            let store = kad_memory_store(peer, &limits);
            let mut kad = kad::Behaviour::with_config(peer, store, kad_config(&node));
            kad.set_mode(Some(kad::Mode::Server));
            kad
        })
        .expect("behaviour")
        .with_swarm_config(|c| c.with_idle_connection_timeout(node.idle_connection_timeout))
        .build();
    let peer = *swarm.local_peer_id();
    swarm
        .listen_on(node.listen_addresses[0].clone())
        .expect("listens");
    let address = bounded("listening", async {
        loop {
            if let SwarmEvent::NewListenAddr { address, .. } = swarm.select_next_some().await {
                return address;
            }
        }
    })
    .await;
    let (commands, receiver) = mpsc::channel(64);
    let task = tokio::spawn(run_memory_node(swarm, receiver));
    MemoryNode {
        commands,
        address,
        peer,
        task,
    }
}

/// The node's loop: as the netabase node's, a get ends at the first record found.
async fn run_memory_node(
    mut swarm: Swarm<kad::Behaviour<MemoryStore>>,
    mut commands: mpsc::Receiver<Command>,
) {
    let mut pending: HashMap<QueryId, Pending> = HashMap::new();
    loop {
        tokio::select! {
            command = commands.recv() => match command {
                Some(Command::AddAddress(peer, address, reply)) => {
                    swarm.add_peer_address(peer, address.clone());
                    swarm.behaviour_mut().add_address(&peer, address);
                    let _ = reply.send(());
                }
                Some(Command::Put(record, reply)) => {
                    match swarm.behaviour_mut().put_record(record, kad::Quorum::One) {
                        Ok(id) => {
                            pending.insert(id, Pending::Put(reply));
                        }
                        Err(_) => {
                            let _ = reply.send(false);
                        }
                    }
                }
                Some(Command::Get(key, reply)) => {
                    let id = swarm.behaviour_mut().get_record(key);
                    pending.insert(id, Pending::Get(reply));
                }
                Some(Command::Forget(key, reply)) => {
                    swarm.behaviour_mut().store_mut().remove(&key);
                    let _ = reply.send(());
                }
                Some(Command::Stop(reply)) => {
                    let _ = reply.send(());
                    return;
                }
                None => return,
            },
            event = swarm.select_next_some() => {
                let SwarmEvent::Behaviour(kad::Event::OutboundQueryProgressed { id, result, step, .. }) = event else {
                    continue;
                };
                match result {
                    QueryResult::PutRecord(result) => {
                        if let Some(Pending::Put(reply)) = pending.remove(&id) {
                            let _ = reply.send(result.is_ok());
                        }
                    }
                    QueryResult::GetRecord(result) => {
                        let found = matches!(result, Ok(GetRecordOk::FoundRecord(_)));
                        if (found || step.last || result.is_err())
                            && let Some(Pending::Get(reply)) = pending.remove(&id)
                        {
                            if let Some(mut query) = swarm.behaviour_mut().query_mut(&id) {
                                query.finish();
                            }
                            let _ = reply.send(found);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

struct MemoryNetwork {
    nodes: Vec<MemoryNode>,
}

impl MemoryNetwork {
    async fn start(size: usize) -> Self {
        let mut nodes = Vec::new();
        for _ in 0..size {
            nodes.push(memory_node().await);
        }
        for (i, node) in nodes.iter().enumerate() {
            for (j, other) in nodes.iter().enumerate() {
                if i != j {
                    let (reply, done) = oneshot::channel();
                    let command = Command::AddAddress(other.peer, other.address.clone(), reply);
                    node.commands.send(command).await.expect("node runs");
                    bounded("add_address", done).await.expect("answered");
                }
            }
        }
        MemoryNetwork { nodes }
    }

    async fn ask<T>(
        &self,
        node: usize,
        what: &str,
        command: impl FnOnce(oneshot::Sender<T>) -> Command,
    ) -> T {
        let (reply, answer) = oneshot::channel();
        self.nodes[node]
            .commands
            .send(command(reply))
            .await
            .expect("node runs");
        bounded(what, answer).await.expect("answered")
    }
}

fn key_of(id: u64) -> RecordKey {
    model_record::<BenchDefinition, User>(&user(id))
        .expect("encodes")
        .key
}

impl Network for MemoryNetwork {
    fn put(&self, node: usize, model: User) -> BoxFuture<'_, bool> {
        // The same record bytes as the netabase node publishes.
        let record = model_record::<BenchDefinition, User>(&model).expect("encodes");
        Box::pin(self.ask(node, "put_record", |reply| Command::Put(record, reply)))
    }

    fn get(&self, node: usize, id: u64) -> BoxFuture<'_, bool> {
        Box::pin(self.ask(node, "get_record", move |reply| {
            Command::Get(key_of(id), reply)
        }))
    }

    fn forget(&self, node: usize, id: u64) -> BoxFuture<'_, ()> {
        Box::pin(self.ask(node, "forget", move |reply| {
            Command::Forget(key_of(id), reply)
        }))
    }

    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            for node in self.nodes {
                let (reply, done) = oneshot::channel();
                if node.commands.send(Command::Stop(reply)).await.is_ok() {
                    let _ = bounded("stop", done).await;
                }
                let _ = bounded("join", node.task).await;
            }
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Benchmarks.

#[derive(Clone, Copy)]
enum Kind {
    Netabase(StorageBackend),
    MemoryStore,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Netabase(StorageBackend::Sled) => "netabase-sled",
            Kind::Netabase(StorageBackend::Redb) => "netabase-redb",
            Kind::Netabase(_) => "netabase-memory",
            Kind::MemoryStore => "kad-memorystore",
        }
    }

    async fn start(self, size: usize) -> Box<dyn Network> {
        match self {
            Kind::Netabase(backend) => Box::new(NetabaseNetwork::start(size, backend).await),
            Kind::MemoryStore => Box::new(MemoryNetwork::start(size).await),
        }
    }
}

const PUT_KINDS: [Kind; 4] = [
    Kind::MemoryStore,
    Kind::Netabase(StorageBackend::Sled),
    Kind::Netabase(StorageBackend::Redb),
    Kind::Netabase(StorageBackend::Memory),
];
const GET_KINDS: [Kind; 2] = [Kind::MemoryStore, Kind::Netabase(StorageBackend::Sled)];

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Ids that no other benchmark of this run uses.
struct Ids(u64);

impl Ids {
    fn next(&mut self) -> u64 {
        self.0 += 1;
        self.0
    }
}

fn put_throughput(c: &mut Criterion) {
    let rt = runtime();
    let mut ids = Ids(0);
    let mut group = c.benchmark_group("dht_put_5_nodes");
    group.throughput(Throughput::Elements(PUTS as u64));
    let mut kinds = PUT_KINDS;
    if std::env::var_os("NETABASE_BENCH_REVERSE").is_some_and(|v| v != "0") {
        kinds.reverse();
    }
    for kind in kinds {
        let network = rt.block_on(kind.start(5));
        // Connect everyone before measuring.
        for node in 0..5 {
            let id = ids.next();
            assert!(
                rt.block_on(network.put(node, user(id))),
                "{} put",
                kind.name()
            );
        }
        group.bench_function(kind.name(), |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        let puts = (0..PUTS).map(|_| network.put(0, user(ids.next())));
                        let stored = join_all(puts).await;
                        assert!(stored.into_iter().all(|ok| ok), "{} put", kind.name());
                    }
                    start.elapsed()
                })
            })
        });
        rt.block_on(network.shutdown());
    }
    group.finish();
}

fn get_latency(c: &mut Criterion, size: usize) {
    let rt = runtime();
    let mut ids = Ids(1_000_000);
    let mut group = c.benchmark_group(format!("dht_get_{size}_nodes"));
    group.throughput(Throughput::Elements(1));
    for kind in GET_KINDS {
        let network = rt.block_on(kind.start(size));
        let id = ids.next();
        assert!(rt.block_on(network.put(0, user(id))), "{} put", kind.name());
        group.bench_function(kind.name(), |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        network.forget(1, id).await;
                        let start = Instant::now();
                        let found = network.get(1, id).await;
                        total += start.elapsed();
                        assert!(found, "{} get", kind.name());
                    }
                    total
                })
            })
        });
        rt.block_on(network.shutdown());
    }
    group.finish();
}

fn get_latency_5(c: &mut Criterion) {
    get_latency(c, 5);
}

fn get_latency_10(c: &mut Criterion) {
    get_latency(c, 10);
}

fn put_then_get(c: &mut Criterion) {
    let rt = runtime();
    let mut ids = Ids(2_000_000);
    let mut group = c.benchmark_group("dht_put_then_get");
    group.throughput(Throughput::Elements(1));
    for kind in GET_KINDS {
        let network = rt.block_on(kind.start(5));
        assert!(rt.block_on(network.put(0, user(ids.next()))));
        group.bench_function(kind.name(), |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        let id = ids.next();
                        assert!(network.put(0, user(id)).await, "{} put", kind.name());
                        assert!(network.get(1, id).await, "{} get", kind.name());
                    }
                    start.elapsed()
                })
            })
        });
        rt.block_on(network.shutdown());
    }
    group.finish();
}

fn local_put(c: &mut Criterion) {
    let rt = runtime();
    let mut ids = Ids(3_000_000);
    let mut group = c.benchmark_group("dht_local_put");
    group.throughput(Throughput::Elements(1));
    for kind in PUT_KINDS {
        let network = rt.block_on(kind.start(1));
        group.bench_function(kind.name(), |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        // No peer can confirm: the answer is "not replicated", after storing.
                        network.put(0, user(ids.next())).await;
                    }
                    start.elapsed()
                })
            })
        });
        rt.block_on(network.shutdown());
    }
    group.finish();
}

/// `RecordStore::put` of new records straight on a store (no node, no network): the store's
/// share of every DHT write. The records are built before and removed after the timed loop.
fn bench_store_put<S: RecordStore>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    store: &mut S,
    records: &mut impl FnMut() -> Record,
) {
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let batch: Vec<Record> = (0..iters).map(|_| records()).collect();
            let keys: Vec<RecordKey> = batch.iter().map(|record| record.key.clone()).collect();
            let start = Instant::now();
            for record in batch {
                store.put(record).expect("stores");
            }
            let elapsed = start.elapsed();
            for key in &keys {
                store.remove(key);
            }
            elapsed
        })
    });
}

fn store_put(c: &mut Criterion) {
    let mut group = c.benchmark_group("record_store_put");
    group.throughput(Throughput::Elements(1));
    let peer = PeerId::random();
    let limits = NetabaseConfig::loopback().record_store;
    let mut ids = Ids(4_000_000);
    let mut records = || {
        let mut record = model_record::<BenchDefinition, User>(&user(ids.next())).expect("encodes");
        record.publisher = Some(peer);
        record
    };
    let mut memory = kad_memory_store(peer, &limits);
    bench_store_put(&mut group, "kad-memorystore", &mut memory, &mut records);
    let dir = tempfile::tempdir().expect("temp dir");
    let backends: [(&str, AnyStore<BenchDefinition>); 3] = [
        ("netabase-memory", NetabaseMemoryStore::new().into()),
        (
            "netabase-sled",
            <SledStore<BenchDefinition> as BackendStore<BenchDefinition>>::new(file_config(
                &dir, "sled", false,
            ))
            .expect("opens")
            .into(),
        ),
        (
            "netabase-redb",
            <RedbStore<BenchDefinition> as BackendStore<BenchDefinition>>::new(file_config(
                &dir, "redb", false,
            ))
            .expect("opens")
            .into(),
        ),
    ];
    for (name, backend) in backends {
        let mut store =
            NetabaseRecordStore::<BenchDefinition, _>::with_config(backend, peer, limits.clone());
        bench_store_put(&mut group, name, &mut store, &mut records);
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = model::criterion(Duration::from_secs(3));
    targets = put_throughput, get_latency_5, get_latency_10, put_then_get, local_put, store_put
}
criterion_main!(benches);
