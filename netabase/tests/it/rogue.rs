//! A rogue peer (a plain libp2p Kademlia node with kad's own `MemoryStore`, which accepts
//! anything) sends invalid records to a netabase node: each is rejected with an event, nothing
//! is stored, and the node keeps serving.

use std::time::Duration;

use libp2p::futures::StreamExt;
use libp2p::kad::{self, GetRecordOk, PeerRecord, QueryResult, Quorum, Record, store::MemoryStore};
use libp2p::swarm::SwarmEvent;
use libp2p::{StreamProtocol, Swarm, SwarmBuilder, noise, tcp, yamux};
use netabase::NetabaseSwarmEvent;
use netabase_store::netabase_definition_module;
use netabase_store::record_store::{RecordError, decode_record, model_record, record_key};

use crate::common::*;

#[netabase_definition_module(OtherDefinition, OtherKeys)]
mod other {
    use netabase_store::{NetabaseModel, netabase};

    /// The same shape as the chat `Message`, in another definition.
    #[derive(NetabaseModel, Clone, Debug, bincode::Encode, bincode::Decode)]
    #[netabase(OtherDefinition)]
    pub struct Message {
        #[primary_key]
        pub id: String,
        pub content: String,
    }
}

type Rogue = Swarm<kad::Behaviour<MemoryStore>>;

/// Checks the reason a record was rejected for.
type ExpectedReason = fn(&RecordError) -> bool;

async fn rogue() -> Rogue {
    let mut swarm = SwarmBuilder::with_new_identity()
        .with_tokio()
        .with_tcp(
            tcp::Config::default(),
            noise::Config::new,
            yamux::Config::default,
        )
        .unwrap()
        .with_behaviour(|key| {
            let peer = key.public().to_peer_id();
            let config = kad::Config::new(StreamProtocol::new("/netabase/kad/1.0.0"));
            kad::Behaviour::with_config(peer, MemoryStore::new(peer), config)
        })
        .unwrap()
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
        .build();
    swarm.behaviour_mut().set_mode(Some(kad::Mode::Server));
    swarm
}

/// Drives the rogue until its query `id` finishes and returns the result.
async fn finish(rogue: &mut Rogue, id: kad::QueryId) -> QueryResult {
    bounded("the rogue's query", async {
        loop {
            if let SwarmEvent::Behaviour(kad::Event::OutboundQueryProgressed {
                id: done,
                result,
                step,
                ..
            }) = rogue.select_next_some().await
                && done == id
            {
                match result {
                    QueryResult::GetRecord(Ok(GetRecordOk::FoundRecord(_)))
                    | QueryResult::PutRecord(_) => return result,
                    other if step.last => return other,
                    _ => {}
                }
            }
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_records_from_a_rogue_peer_are_rejected() {
    let node = started(loopback()).await;
    let mut events = node.subscribe_to_broadcasts();
    let mut rogue = rogue().await;
    rogue
        .behaviour_mut()
        .add_address(&node.peer_id(), address(&node).await);

    let x = record_key::<ChatDefinition, Message>(&MessagePrimaryKey("x".into()));
    let bad_records: [(&str, Record, ExpectedReason); 3] = [
        (
            "garbage value",
            Record::new(x.clone(), b"\x01\x07Message\xff\xff\xff\xff".to_vec()),
            |r| matches!(r, RecordError::Undecodable { .. }),
        ),
        (
            "a record of another definition",
            model_record::<other::OtherDefinition, other::Message>(&other::Message {
                id: "x".into(),
                content: "c".into(),
            })
            .unwrap(),
            |r| matches!(r, RecordError::WrongDefinition { definition } if definition == "OtherDefinition"),
        ),
        (
            "a key that is not the model's key",
            Record::new(
                x.clone(),
                model_record::<ChatDefinition, Message>(&message("y", "eve", "forged"))
                    .unwrap()
                    .value,
            ),
            |r| matches!(r, RecordError::KeyMismatch { .. }),
        ),
    ];
    for (what, record, expected) in bad_records {
        rogue
            .behaviour_mut()
            .put_record(record, Quorum::One)
            .unwrap();
        // The rogue must be polled to send the record; our node rejects it on arrival. (The
        // rogue's own query only fails later, when its substream times out.)
        let reason = bounded(what, async {
            loop {
                tokio::select! {
                    _ = rogue.select_next_some() => {}
                    event = events.recv() => {
                        if let Ok(NetabaseSwarmEvent::RecordRejected { reason, .. }) = event {
                            return reason;
                        }
                    }
                }
            }
        })
        .await;
        assert!(expected(&reason), "{what}: {reason:?}");
    }

    // Nothing was stored: not the records, not their models.
    assert!(node.query_local_records(None).await.unwrap().is_empty());
    assert!(node.store().open_tree::<Message>().is_empty().unwrap());

    // The node keeps serving: a valid record it holds is found by the rogue.
    let valid = message("v", "alice", "still here");
    bounded("put", node.put_record(valid.clone()))
        .await
        .unwrap();
    let id = rogue
        .behaviour_mut()
        .get_record(record_key::<ChatDefinition, Message>(&MessagePrimaryKey(
            "v".into(),
        )));
    match finish(&mut rogue, id).await {
        QueryResult::GetRecord(Ok(GetRecordOk::FoundRecord(PeerRecord { peer, record }))) => {
            assert_eq!(peer, Some(node.peer_id()));
            let found =
                Message::try_from(decode_record::<ChatDefinition>(&record).unwrap()).unwrap();
            assert_eq!(found, valid);
        }
        other => panic!("the node did not serve its record: {other:?}"),
    }
}
