//! Call History: keyset pages, filters, full-text search with highlighted snippets.

use std::collections::HashSet;

use voxhive_store::{CallCursor, CallFilter, CallRow, CallSort, Outcome};

use crate::world::{at, call, world, World};

async fn all_pages(w: &World, filter: &CallFilter, sort: CallSort, page: u32) -> Vec<CallRow> {
    let mut rows = Vec::new();
    let mut cursor: Option<CallCursor> = None;
    loop {
        let p = w
            .store()
            .calls(w.ws(), filter, sort, cursor.as_ref(), page)
            .await
            .unwrap();
        assert!(p.rows.len() <= page as usize);
        rows.extend(p.rows);
        match p.next_cursor {
            // The cursor survives a trip through a URL.
            Some(next) => cursor = Some(next.to_string().parse().unwrap()),
            None => return rows,
        }
    }
}

async fn ids(w: &World, filter: &CallFilter) -> Vec<String> {
    let mut ids: Vec<String> = all_pages(w, filter, CallSort::Newest, 100)
        .await
        .into_iter()
        .map(|r| r.remote_id)
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn keyset_pages_visit_every_call_once_in_order_with_ties() {
    let w = world("vh_history").await;
    // 23 calls over 4 start instants, durations and costs with ties too.
    for i in 0..23i64 {
        let minute = i % 4;
        let mut c = call(w.vapi, &format!("c{i:02}"), &format!("2026-03-10T12:0{minute}:00Z"));
        c.duration_ms = (i % 3) * 1_000;
        c.cost_micro_usd = (i % 5) * 10;
        w.store().upsert_call(&c).await.unwrap();
    }
    for sort in [
        CallSort::Newest,
        CallSort::Oldest,
        CallSort::Longest,
        CallSort::Shortest,
        CallSort::Costliest,
        CallSort::Cheapest,
    ] {
        for page in [1, 4, 7, 23, 50] {
            let rows = all_pages(&w, &CallFilter::default(), sort, page).await;
            assert_eq!(rows.len(), 23, "{sort:?} by {page}");
            let unique: HashSet<i64> = rows.iter().map(|r| r.id).collect();
            assert_eq!(unique.len(), 23, "{sort:?} by {page}: a call was visited twice");
            let key = |r: &CallRow| match sort {
                CallSort::Newest | CallSort::Oldest => (r.started_at, r.id),
                CallSort::Longest | CallSort::Shortest => (r.duration_ms, r.id),
                CallSort::Costliest | CallSort::Cheapest => (r.cost_micro_usd, r.id),
            };
            let descending = matches!(sort, CallSort::Newest | CallSort::Longest | CallSort::Costliest);
            assert!(
                rows.windows(2).all(|p| if descending {
                    key(&p[0]) > key(&p[1])
                } else {
                    key(&p[0]) < key(&p[1])
                }),
                "{sort:?} by {page} is out of order"
            );
        }
    }
    // A cursor of another sort starts the list over.
    let first = w
        .store()
        .calls(w.ws(), &CallFilter::default(), CallSort::Newest, None, 5)
        .await
        .unwrap();
    let cursor = first.next_cursor.unwrap();
    let other = w
        .store()
        .calls(w.ws(), &CallFilter::default(), CallSort::Oldest, Some(&cursor), 5)
        .await
        .unwrap();
    let oldest = w
        .store()
        .calls(w.ws(), &CallFilter::default(), CallSort::Oldest, None, 5)
        .await
        .unwrap();
    let ids = |rows: &[CallRow]| rows.iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(ids(&other.rows), ids(&oldest.rows));
}

#[tokio::test]
async fn each_filter_narrows_the_list() {
    let w = world("vh_history").await;
    let receptionist = w.assistant(w.vapi, "asst_1", "Receptionist").await;
    w.store()
        .upsert_call(&call(w.vapi, "plain", "2026-03-10T12:00:00Z"))
        .await
        .unwrap();
    let mut c = call(w.vapi, "early", "2026-03-01T08:00:00Z");
    c.remote_assistant_id = Some("asst_2".to_string());
    w.store().upsert_call(&c).await.unwrap();
    let mut c = call(w.eleven, "eleven", "2026-03-12T12:00:00Z");
    c.status = "failed".to_string();
    c.ended_reason = Some("error".to_string());
    c.success = Some(false);
    w.store().upsert_call(&c).await.unwrap();
    let mut c = call(w.vapi, "long", "2026-03-11T12:00:00Z");
    c.duration_ms = 600_000;
    c.cost_micro_usd = 2_000_000;
    c.success = None;
    w.store().upsert_call(&c).await.unwrap();

    let all = ids(&w, &CallFilter::default()).await;
    assert_eq!(all, ["early", "eleven", "long", "plain"]);
    let cases: Vec<(CallFilter, Vec<&str>)> = vec![
        (
            CallFilter {
                started_from: Some(at("2026-03-10T00:00:00Z")),
                started_before: Some(at("2026-03-12T00:00:00Z")),
                ..CallFilter::default()
            },
            vec!["long", "plain"],
        ),
        (
            CallFilter {
                assistant_id: Some(receptionist),
                connection_id: Some(w.vapi),
                ..CallFilter::default()
            },
            vec!["long", "plain"],
        ),
        (
            CallFilter {
                remote_assistant_id: Some("asst_2".to_string()),
                ..CallFilter::default()
            },
            vec!["early"],
        ),
        (
            CallFilter {
                connection_id: Some(w.eleven),
                ..CallFilter::default()
            },
            vec!["eleven"],
        ),
        (
            CallFilter {
                provider: Some("vapi".to_string()),
                ..CallFilter::default()
            },
            vec!["early", "long", "plain"],
        ),
        (
            CallFilter {
                status: Some("failed".to_string()),
                ..CallFilter::default()
            },
            vec!["eleven"],
        ),
        (
            CallFilter {
                ended_reason: Some("customer-ended-call".to_string()),
                ..CallFilter::default()
            },
            vec!["early", "long", "plain"],
        ),
        (
            CallFilter {
                min_duration_ms: Some(61_000),
                ..CallFilter::default()
            },
            vec!["long"],
        ),
        (
            CallFilter {
                max_duration_ms: Some(60_000),
                ..CallFilter::default()
            },
            vec!["early", "eleven", "plain"],
        ),
        (
            CallFilter {
                min_cost_micro_usd: Some(100_000),
                max_cost_micro_usd: Some(100_000),
                ..CallFilter::default()
            },
            vec!["early", "eleven", "plain"],
        ),
        (
            CallFilter {
                success: Some(Outcome::Succeeded),
                ..CallFilter::default()
            },
            vec!["early", "plain"],
        ),
        (
            CallFilter {
                success: Some(Outcome::Failed),
                ..CallFilter::default()
            },
            vec!["eleven"],
        ),
        (
            CallFilter {
                success: Some(Outcome::NotEvaluated),
                ..CallFilter::default()
            },
            vec!["long"],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(ids(&w, &filter).await, expected, "{filter:?}");
    }

    // Another workspace sees none of these calls.
    let other = w.store().create_workspace("Other").await.unwrap().id;
    let page = w
        .store()
        .calls(other, &CallFilter::default(), CallSort::Newest, None, 50)
        .await
        .unwrap();
    assert!(page.rows.is_empty());
    let any = w
        .store()
        .calls(w.ws(), &CallFilter::default(), CallSort::Newest, None, 1)
        .await
        .unwrap();
    assert!(w.store().call(other, any.rows[0].id).await.unwrap().is_none());
}

fn search(q: &str) -> CallFilter {
    CallFilter {
        q: Some(q.to_string()),
        ..CallFilter::default()
    }
}

#[tokio::test]
async fn search_finds_words_in_transcripts_and_summaries_and_highlights_them() {
    let w = world("vh_history").await;
    let mut c = call(w.vapi, "refund", "2026-03-10T12:00:00Z");
    c.transcript_text = Some("User: I would like a Refund for my order, please.\nAI: Of course.".to_string());
    c.summary = Some("Order question.".to_string());
    w.store().upsert_call(&c).await.unwrap();
    let mut c = call(w.vapi, "summary", "2026-03-10T13:00:00Z");
    c.transcript_text = Some("User: ...".to_string());
    c.summary = Some("Caller was promised a refund by Friday.".to_string());
    w.store().upsert_call(&c).await.unwrap();
    w.store()
        .upsert_call(&call(w.vapi, "other", "2026-03-10T14:00:00Z"))
        .await
        .unwrap();

    assert_eq!(ids(&w, &search("REFUND")).await, ["refund", "summary"]);
    assert_eq!(ids(&w, &search("refund order")).await, ["refund"]);
    assert_eq!(ids(&w, &search("refunds")).await, Vec::<String>::new());
    assert_eq!(ids(&w, &search("?!")).await.len(), 3, "no words: no search");

    let page = w
        .store()
        .calls(w.ws(), &search("refund"), CallSort::Oldest, None, 10)
        .await
        .unwrap();
    assert_eq!(
        page.rows[0].snippet_html.as_deref(),
        Some("User: I would like a <mark>Refund</mark> for my order, please. AI: Of course.")
    );
    assert_eq!(
        page.rows[1].snippet_html.as_deref(),
        Some("Caller was promised a <mark>refund</mark> by Friday.")
    );
    let plain = w
        .store()
        .calls(w.ws(), &CallFilter::default(), CallSort::Oldest, None, 10)
        .await
        .unwrap();
    assert!(plain.rows.iter().all(|r| r.snippet_html.is_none()));

    // A later version with another transcript is searched by its new words only.
    let mut c = call(w.vapi, "refund", "2026-03-10T12:00:00Z");
    c.transcript_text = Some("User: cancel my subscription".to_string());
    c.summary = None;
    w.store().upsert_call(&c).await.unwrap();
    assert_eq!(ids(&w, &search("refund")).await, ["summary"]);
    assert_eq!(ids(&w, &search("subscription")).await, ["refund"]);
    // Punctuation splits words the same way on both engines.
    let mut c = call(w.vapi, "mail", "2026-03-10T15:00:00Z");
    c.transcript_text = Some("My e-mail is jane.doe@example.com, total 3.50 EUR".to_string());
    w.store().upsert_call(&c).await.unwrap();
    assert_eq!(ids(&w, &search("example")).await, ["mail"]);
    assert_eq!(ids(&w, &search("jane doe")).await, ["mail"]);
    assert_eq!(ids(&w, &search("mail 50")).await, ["mail"]);
}

#[tokio::test]
async fn snippets_escape_the_html_in_transcripts() {
    let w = world("vh_history").await;
    let mut c = call(w.vapi, "xss", "2026-03-10T12:00:00Z");
    c.transcript_text = Some("User: <script>alert('refund')</script> & \"more\"".to_string());
    w.store().upsert_call(&c).await.unwrap();
    let page = w
        .store()
        .calls(w.ws(), &search("refund"), CallSort::Newest, None, 10)
        .await
        .unwrap();
    assert_eq!(
        page.rows[0].snippet_html.as_deref(),
        Some("User: &lt;script&gt;alert(&#39;<mark>refund</mark>&#39;)&lt;/script&gt; &amp; &quot;more&quot;")
    );
}

#[tokio::test]
async fn a_call_is_shown_whole_with_its_connection_and_recording() {
    let w = world("vh_history").await;
    let id = w
        .store()
        .upsert_call(&call(w.eleven, "conv_1", "2026-03-10T12:00:00Z"))
        .await
        .unwrap()
        .id;
    assert!(w
        .store()
        .set_call_recording_key(w.ws(), id, "recordings/conv_1.mp3")
        .await
        .unwrap());
    let stored = w.store().call(w.ws(), id).await.unwrap().unwrap();
    assert_eq!(stored.connection_label, "ElevenLabs");
    assert_eq!(stored.provider, "elevenlabs");
    assert_eq!(stored.recording_key.as_deref(), Some("recordings/conv_1.mp3"));
    assert_eq!(stored.llm_prompt_tokens, 1_200);
    let turns: serde_json::Value = serde_json::from_str(stored.transcript.as_deref().unwrap()).unwrap();
    assert_eq!(turns[0]["role"], "assistant");
    let by_remote = w.store().call_by_remote_id(w.eleven, "conv_1").await.unwrap().unwrap();
    assert_eq!(by_remote.id, id);

    // The archive path survives a later version of the call.
    let mut newer = call(w.eleven, "conv_1", "2026-03-10T12:00:00Z");
    newer.summary = Some("Updated.".to_string());
    assert!(w.store().upsert_call(&newer).await.unwrap().changed);
    let stored = w.store().call(w.ws(), id).await.unwrap().unwrap();
    assert_eq!(stored.recording_key.as_deref(), Some("recordings/conv_1.mp3"));
    assert_eq!(stored.first_seen_at, by_remote.first_seen_at);
}

#[tokio::test]
async fn a_word_in_almost_every_call_pages_through_all_of_them() {
    // Enough calls holding one word that SQLite walks the list and probes the index rather
    // than collecting every match; the pages must be the same either way.
    let w = world("vh_history").await;
    let calls: Vec<_> = (0..700)
        .map(|i| {
            let mut c = call(w.vapi, &format!("c{i:03}"), "2026-03-10T12:00:00Z");
            c.started_at += (i % 50) * 60_000;
            if i % 100 == 0 {
                c.transcript_text = Some("No greeting in this one.".to_string());
            }
            c
        })
        .collect();
    for chunk in calls.chunks(250) {
        w.store().upsert_calls(chunk).await.unwrap();
    }
    let rows = all_pages(&w, &search("hello"), CallSort::Newest, 60).await;
    assert_eq!(rows.len(), 693);
    assert!(rows
        .windows(2)
        .all(|p| (p[0].started_at, p[0].id) > (p[1].started_at, p[1].id)));
    assert!(rows
        .iter()
        .all(|r| r.snippet_html.as_deref().unwrap().contains("<mark>Hello</mark>")));
    let filtered = CallFilter {
        q: Some("hello".to_string()),
        started_from: Some(at("2026-03-10T12:40:00Z")),
        ..CallFilter::default()
    };
    assert_eq!(all_pages(&w, &filtered, CallSort::Cheapest, 25).await.len(), 140);
}
