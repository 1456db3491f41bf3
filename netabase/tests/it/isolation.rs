//! Two nodes in one process keep their replies apart, under many concurrent queries (the
//! original kept pending queries in a process-wide map keyed by per-swarm query ids).

use std::sync::Arc;

use tokio::task::JoinSet;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_never_receive_each_others_replies() {
    // Two separate networks of one node each, so every answer can only come from one node.
    let a = Arc::new(started(loopback()).await);
    let b = Arc::new(started(loopback()).await);
    for i in 0..40 {
        bounded(
            "put on a",
            a.put_record(message(&format!("a-{i}"), "a", &format!("from a {i}"))),
        )
        .await
        .unwrap();
        bounded(
            "put on b",
            b.put_record(message(&format!("b-{i}"), "b", &format!("from b {i}"))),
        )
        .await
        .unwrap();
    }
    let mut queries = JoinSet::new();
    for round in 0..5 {
        for i in 0..40 {
            for (node, own, other) in [(&a, "a", "b"), (&b, "b", "a")] {
                let node = Arc::clone(node);
                queries.spawn(async move {
                    let mine = node.get_record(key(&format!("{own}-{i}"))).await.unwrap();
                    assert_eq!(
                        mine.map(|m| m.content),
                        Some(format!("from {own} {i}")),
                        "round {round}"
                    );
                    let theirs = node.get_record(key(&format!("{other}-{i}"))).await.unwrap();
                    assert_eq!(
                        theirs, None,
                        "node {own} got an answer meant for node {other}"
                    );
                    // Concurrent writes interleave with the reads.
                    node.put_record(message(&format!("{own}-extra-{round}-{i}"), own, "x"))
                        .await
                        .unwrap();
                });
            }
        }
    }
    bounded("concurrent queries", async {
        while let Some(result) = queries.join_next().await {
            result.expect("a query task failed");
        }
    })
    .await;
    assert_eq!(a.query_local_records(None).await.unwrap().len(), 40 + 200);
    assert_eq!(b.query_local_records(None).await.unwrap().len(), 40 + 200);
}
