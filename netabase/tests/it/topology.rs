//! The network topology tests of seed 001, one node per process on 127.0.0.1 (mDNS off).
//!
//! The receiver (this binary's `topology::child` with role `receiver`) prints its peer id and
//! address; the parent starts the senders with them. Each sender adds the receiver's address,
//! bootstraps, publishes its messages with `put_record` (quorum one: the receiver stores them)
//! and prints each message it sent. The receiver waits until its store holds exactly the
//! expected messages (read through the sender secondary index), then prints every record its
//! DHT store holds. Every node stays up until the parent has heard from all of them. The parent
//! checks exact counts and every byte of every message, and that every child exited cleanly.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::common::*;
use crate::process::*;

const ROLE: &str = "NETABASE_TOPOLOGY_ROLE";
const COUNT: &str = "NETABASE_TOPOLOGY_COUNT";
const CONTENTS: &str = "NETABASE_TOPOLOGY_CONTENTS";
const SENDER: &str = "NETABASE_TOPOLOGY_SENDER";
const SENDERS: &str = "NETABASE_TOPOLOGY_SENDERS";
const PEER: &str = "NETABASE_TOPOLOGY_PEER";
const ADDRESS: &str = "NETABASE_TOPOLOGY_ADDRESS";
const CHILD_TEST: &str = "topology::child";

/// How long the receiver waits for every message.
const RECEIVE_WAIT: Duration = Duration::from_secs(90);

/// What the messages say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Contents {
    /// `message <i> of <n> from <sender>`.
    Plain,
    /// Distinct, non-trivial texts: scripts, emoji sequences, control characters, combining
    /// marks, the largest code point, a long text; extreme timestamps.
    Unicode,
}

impl Contents {
    fn name(self) -> &'static str {
        match self {
            Contents::Plain => "plain",
            Contents::Unicode => "unicode",
        }
    }

    fn parse(name: &str) -> Self {
        match name {
            "plain" => Contents::Plain,
            "unicode" => Contents::Unicode,
            other => panic!("unknown contents {other}"),
        }
    }
}

/// A long text of 3,000 characters cycling through code points U+0020..U+301F (one to three
/// bytes in UTF-8; no surrogates in that range).
fn long_text() -> String {
    (0..3000u32)
        .map(|k| char::from_u32(0x20 + (k * 7919) % 0x3000).expect("a scalar value"))
        .collect()
}

fn unicode_texts() -> Vec<String> {
    vec![
        "Grüße aus Köln — ünïcödé ✓".to_string(),
        "日本語のメッセージ、中文消息、한국어 메시지".to_string(),
        "🦀🚀 family 👩\u{200d}👩\u{200d}👧\u{200d}👦, flags 🇳🇿🇯🇵, thumbs 👍🏽".to_string(),
        "مرحبا بالعالم — שלום עולם (right to left)".to_string(),
        "tab\tnewline\nCRLF\r\nNUL \u{0} DEL \u{7f} ESC \u{1b}[0m".to_string(),
        "e\u{301} vs \u{e9}, A\u{30a} vs \u{c5}, BOM \u{feff}, last \u{10ffff}".to_string(),
        long_text(),
        "quotes \"double\" 'single' `back` \\ and trailing spaces  ".to_string(),
    ]
}

const TIMESTAMPS: [i64; 8] = [
    i64::MIN,
    -1,
    0,
    1,
    1_700_000_000,
    i64::MAX,
    -62_135_596_800,
    253_402_300_799,
];

/// The messages `sender` sends, in order.
fn messages(sender: &str, count: usize, contents: Contents) -> Vec<Message> {
    let texts = unicode_texts();
    (0..count)
        .map(|i| match contents {
            Contents::Plain => Message {
                id: format!("{sender}-{i:03}"),
                sender: sender.to_string(),
                content: format!("message {i} of {count} from {sender}"),
                timestamp: 1_700_000_000 + i as i64,
            },
            Contents::Unicode => Message {
                id: format!("{sender}-{i:03}-ü"),
                sender: sender.to_string(),
                content: format!("{} [{i}]", texts[i % texts.len()]),
                timestamp: TIMESTAMPS[i % TIMESTAMPS.len()],
            },
        })
        .collect()
}

fn sender_key(sender: &str) -> MessageSecondaryKeys {
    MessageSecondaryKeys::Sender(MessageSenderSecondaryKey(sender.to_string()))
}

/// A node of a topology test: `receiver` or `sender` (see the module documentation).
#[test]
#[ignore = "child process of the topology tests"]
fn child() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let count: usize = env(COUNT).parse().expect("a count");
    let contents = Contents::parse(&env(CONTENTS));
    runtime().block_on(async move {
        let mut node = started(loopback()).await;
        println!("PEER {}", node.peer_id());
        match role.as_str() {
            "receiver" => {
                println!("ADDRESS {}", address(&node).await);
                let senders = env(SENDERS);
                let senders: Vec<&str> = senders.split(',').collect();
                receive(&node, &senders, count, contents).await;
            }
            "sender" => {
                let peer = env(PEER).parse().expect("the receiver's peer id");
                let address = env(ADDRESS).parse().expect("the receiver's address");
                node.add_address(peer, address).await.expect("add_address");
                bounded("bootstrap", node.bootstrap())
                    .await
                    .expect("bootstrap");
                for message in messages(&env(SENDER), count, contents) {
                    let outcome = bounded("put_record", node.put_record(message.clone()))
                        .await
                        .expect("put_record");
                    assert!(
                        outcome.quorum_reached,
                        "no peer stored {}: {outcome:?}",
                        message.id
                    );
                    println!("SENT {}", encode_message(&message));
                }
                println!("DONE");
            }
            other => panic!("unknown role {other}"),
        }
        stay_up_then_stop(&mut node).await;
    });
}

/// Waits until the receiver's store holds exactly the senders' messages, then prints every
/// record of its DHT store: `RECEIVED <message>` (or `OTHER <record>`), then `DONE <count>`.
async fn receive(node: &Node, senders: &[&str], count: usize, contents: Contents) {
    let expected: BTreeMap<String, Message> = senders
        .iter()
        .flat_map(|sender| messages(sender, count, contents))
        .map(|m| (m.id.clone(), m))
        .collect();
    let tree = node.store().open_tree::<Message>();
    let held = || -> BTreeMap<String, Message> {
        senders
            .iter()
            .flat_map(|sender| {
                tree.get_by_secondary_key(sender_key(sender))
                    .expect("the sender index")
            })
            .map(|m| (m.id.clone(), m))
            .collect()
    };
    let deadline = Instant::now() + RECEIVE_WAIT;
    loop {
        let held = held();
        if held == expected {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after {RECEIVE_WAIT:?} the store holds {} of the {} expected messages; missing {:?}, \
             unexpected {:?}",
            held.len(),
            expected.len(),
            expected
                .keys()
                .filter(|k| !held.contains_key(*k))
                .collect::<Vec<_>>(),
            held.iter()
                .filter(|(k, m)| expected.get(*k) != Some(m))
                .map(|(k, _)| k)
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let records = node
        .query_local_records(None)
        .await
        .expect("query_local_records");
    for record in &records {
        match record {
            ChatDefinition::Message(message) => println!("RECEIVED {}", encode_message(message)),
            other => println!("OTHER {other:?}"),
        }
    }
    println!("DONE {}", records.len());
}

/// Runs a receiver and one sender per name, `count` messages each; checks everything.
fn run_topology(senders: &[&str], count: usize, contents: Contents) {
    let shared = [
        (COUNT, count.to_string()),
        (CONTENTS, contents.name().to_string()),
    ];
    let mut receiver_env = vec![(ROLE, "receiver".to_string()), (SENDERS, senders.join(","))];
    receiver_env.extend(shared.iter().cloned());
    let mut receiver = ChildProcess::spawn("receiver", CHILD_TEST, &receiver_env, None);
    let peer = receiver.expect("PEER");
    let address = receiver.expect("ADDRESS");

    let mut sender_children: Vec<ChildProcess> = senders
        .iter()
        .map(|name| {
            let mut env = vec![
                (ROLE, "sender".to_string()),
                (SENDER, name.to_string()),
                (PEER, peer.clone()),
                (ADDRESS, address.clone()),
            ];
            env.extend(shared.iter().cloned());
            ChildProcess::spawn(name, CHILD_TEST, &env, None)
        })
        .collect();
    for sender in &mut sender_children {
        sender.expect("DONE");
    }
    receiver.expect("DONE");
    // Everyone did their part: let them all stop.
    receiver.close_stdin();
    for sender in &mut sender_children {
        sender.close_stdin();
    }
    let receiver = receiver.finish();
    let senders_finished: Vec<Finished> = sender_children
        .into_iter()
        .map(ChildProcess::finish)
        .collect();

    // No child crashed: each exited with status 0 after stopping its node.
    for child in senders_finished.iter().chain([&receiver]) {
        child.assert_success();
        assert_eq!(child.payloads("STOPPED"), [""], "{}", child.name);
    }

    // Each sender sent exactly its messages, in order.
    let mut expected = Vec::new();
    for (name, finished) in senders.iter().zip(&senders_finished) {
        let sent: Vec<Message> = finished
            .payloads("SENT")
            .iter()
            .map(|line| decode_message(line))
            .collect();
        let want = messages(name, count, contents);
        assert_eq!(sent.len(), count, "{name} sent {} messages", sent.len());
        assert_eq!(sent, want, "what {name} sent");
        expected.extend(want);
    }

    // The receiver holds exactly those, byte for byte, and no other record.
    let mut received: Vec<Message> = receiver
        .payloads("RECEIVED")
        .iter()
        .map(|line| decode_message(line))
        .collect();
    received.sort_by(|a, b| a.id.cmp(&b.id));
    expected.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(receiver.payloads("OTHER"), Vec::<String>::new());
    assert_eq!(receiver.payloads("DONE"), [expected.len().to_string()]);
    assert_eq!(
        received.len(),
        senders.len() * count,
        "messages on the receiver"
    );
    for (got, want) in received.iter().zip(&expected) {
        for (field, got_bytes, want_bytes) in [
            ("id", got.id.as_bytes(), want.id.as_bytes()),
            ("sender", got.sender.as_bytes(), want.sender.as_bytes()),
            ("content", got.content.as_bytes(), want.content.as_bytes()),
        ] {
            let first_difference = got_bytes.iter().zip(want_bytes).position(|(g, w)| g != w);
            assert!(
                got_bytes == want_bytes,
                "{field} of {}: {} bytes received, {} sent, first difference at byte {:?}",
                want.id,
                got_bytes.len(),
                want_bytes.len(),
                first_difference
            );
        }
        assert_eq!(got.timestamp, want.timestamp, "timestamp of {}", want.id);
    }
    assert_eq!(received, expected);
}

#[test]
fn test_two_node_basic() {
    run_topology(&["alice"], 5, Contents::Plain);
}

#[test]
fn test_two_node_many_messages() {
    run_topology(&["alice"], 20, Contents::Plain);
}

#[test]
fn test_multi_sender_single_receiver() {
    run_topology(&["alice", "bob", "carol"], 5, Contents::Plain);
}

#[test]
fn test_message_content_integrity() {
    let texts = unicode_texts();
    // The contents are what the test claims: distinct, multi-byte, one of them long.
    assert_eq!(
        texts.iter().collect::<std::collections::HashSet<_>>().len(),
        texts.len()
    );
    assert!(texts.iter().filter(|t| !t.is_ascii()).count() >= 6);
    assert!(texts.iter().any(|t| t.chars().any(char::is_control)));
    assert!(texts.iter().any(|t| t.len() > 5000));
    run_topology(&["ünïcödé-sender"], texts.len(), Contents::Unicode);
}
