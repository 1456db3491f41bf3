//! Arbitrary keys and values fed to `RecordStore::put` / `get` on the memory backend. The store
//! must never panic, must accept a record only if it decodes as a model whose key is the
//! record's key, and must then return exactly that model for the key.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use libp2p::PeerId;
use libp2p::kad::store::RecordStore;
use libp2p::kad::{Record, RecordKey};
use netabase_store::NetabaseStore;
use netabase_store::netabase_definition_module;
use netabase_store::record_store::{decode_record, model_record};

#[netabase_definition_module(FuzzDefinition, FuzzKeys)]
mod schema {
    use netabase_store::{NetabaseModel, netabase};

    #[derive(NetabaseModel, Clone, Debug, PartialEq, bincode::Encode, bincode::Decode)]
    #[netabase(FuzzDefinition)]
    pub struct Note {
        #[primary_key]
        pub id: u64,
        #[secondary_key]
        pub tag: String,
        pub body: Vec<u8>,
    }

    #[derive(NetabaseModel, Clone, Debug, PartialEq, bincode::Encode, bincode::Decode)]
    #[netabase(FuzzDefinition)]
    pub struct Pair {
        #[primary_key]
        pub key: (i32, String),
        pub flag: bool,
    }
}
use schema::*;

#[derive(Arbitrary, Debug)]
enum Input {
    /// Raw bytes as key and value.
    Raw { key: Vec<u8>, value: Vec<u8> },
    /// A valid record whose value bytes are then mutated.
    Mutated { id: u64, tag: String, body: Vec<u8>, flips: Vec<(u16, u8)>, key_id: Option<u64> },
    /// A valid key with an arbitrary value.
    ValidKey { id: u64, value: Vec<u8> },
}

fuzz_target!(|inputs: Vec<Input>| {
    let store = NetabaseStore::<FuzzDefinition, _>::memory();
    let mut records = store.record_store(PeerId::random());
    for input in inputs {
        let record = match input {
            Input::Raw { key, value } => Record::new(RecordKey::new(&key), value),
            Input::Mutated { id, tag, body, flips, key_id } => {
                let Ok(mut record) = model_record::<FuzzDefinition, Note>(&Note { id, tag, body }) else { return };
                for (at, byte) in flips {
                    if !record.value.is_empty() {
                        let at = usize::from(at) % record.value.len();
                        record.value[at] ^= byte;
                    }
                }
                if let Some(other) = key_id {
                    record.key = netabase_store::record_store::record_key::<FuzzDefinition, Note>(&NotePrimaryKey(other));
                }
                record
            }
            Input::ValidKey { id, value } => Record::new(
                netabase_store::record_store::record_key::<FuzzDefinition, Note>(&NotePrimaryKey(id)),
                value,
            ),
        };
        let accepted = records.put(record.clone()).is_ok();
        let decoded = decode_record::<FuzzDefinition>(&record);
        let fits = record.value.len() <= records.config().max_value_bytes;
        // Accepted exactly when the record is valid (and small enough).
        assert_eq!(accepted, decoded.is_ok() && fits, "{record:?}");
        let stored = records.get(&record.key);
        if accepted {
            let stored = stored.expect("an accepted record is returned by get");
            assert!(decode_record::<FuzzDefinition>(&stored).is_ok());
            match decoded.expect("accepted") {
                FuzzDefinition::Note(note) => {
                    let tree = store.open_tree::<Note>();
                    assert_eq!(tree.get(NotePrimaryKey(note.id)).expect("read"), Some(note.clone()));
                    let by_tag = tree
                        .get_by_secondary_key(NoteSecondaryKeys::Tag(NoteTagSecondaryKey(note.tag.clone())))
                        .expect("index");
                    assert!(by_tag.contains(&note));
                }
                FuzzDefinition::Pair(pair) => {
                    let tree = store.open_tree::<Pair>();
                    assert_eq!(tree.get(PairPrimaryKey(pair.key.clone())).expect("read"), Some(pair));
                }
            }
        }
    }
});
