//! Call History over real HTTP: filters, search with highlights, keyset pages, the CSV export,
//! one call's page and JSON, isolation between workspaces, and ElevenLabs recordings played
//! through VoxHive with byte ranges.

use std::collections::HashSet;

use reqwest::header::{CONTENT_RANGE, CONTENT_TYPE, RANGE};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use voxhive_core::Role;
use voxhive_store::NewCall;

use crate::json_api::{assert_matches_schema, response_schema};
use crate::support::{self, spawn_app, spawn_sim, TestApp};

const ADA: &str = "ada@example.com";
const ACME: &str = "Acme";
/// 2026-03-10T12:00:00Z.
const T0: i64 = 1_773_144_000_000;

/// An owner of Acme with an API token and a signed-in browser-like client.
struct Setup {
    app: TestApp,
    token: String,
    web: Client,
    ws: i64,
}

async fn setup() -> Setup {
    let app = spawn_app().await;
    app.add_user(ADA, ACME, Role::Owner).await;
    let token = app.token_for(ADA, ACME).await;
    let web = app.signed_in(ADA).await;
    let ws = app.workspace_id(ACME).await;
    Setup { app, token, web, ws }
}

impl Setup {
    /// A connection stored directly (no provider behind it: these calls are seeded).
    async fn connection(&self, provider: &str, label: &str) -> i64 {
        self.app.stored_connection(self.ws, provider, label).await.id
    }

    async fn api(&self, path: &str) -> (StatusCode, Value) {
        self.app.api(&self.token, Method::GET, path, None).await
    }

    /// Every call id the API lists for `query`, page by page.
    async fn all_ids(&self, query: &str, limit: u32) -> Vec<i64> {
        let mut ids = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..100 {
            let mut path = format!("/api/v1/calls?limit={limit}&{query}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let (status, body) = self.api(&path).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            let calls = body["calls"].as_array().unwrap();
            assert!(calls.len() <= limit as usize);
            ids.extend(calls.iter().map(|c| c["id"].as_i64().unwrap()));
            match body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => return ids,
            }
        }
        panic!("the pages never ended");
    }
}

/// An ended call `minutes` after T0: one minute long, ten cents, with a two-turn transcript.
fn call(connection_id: i64, remote_id: &str, minutes: i64) -> NewCall {
    NewCall {
        remote_assistant_id: Some("asst_1".to_string()),
        direction: Some("inbound".to_string()),
        customer_number: Some("+4930123456".to_string()),
        ended_reason: Some("customer-ended-call".to_string()),
        success: Some(true),
        cost_micro_usd: 100_000,
        cost_transport_micro_usd: 10_000,
        cost_stt_micro_usd: 20_000,
        cost_llm_micro_usd: 30_000,
        cost_tts_micro_usd: 25_000,
        cost_platform_micro_usd: 5_000,
        llm_prompt_tokens: 1_200,
        llm_completion_tokens: 300,
        tts_characters: 900,
        summary: Some("The caller asked about opening hours.".to_string()),
        transcript_text: Some("AI: Hello, how can I help?\nUser: When are you open?".to_string()),
        transcript: Some(json!([
            {"role": "assistant", "text": "Hello, how can I help?", "seconds": 0.5},
            {"role": "user", "text": "When are you open?", "seconds": 75.2}
        ])),
        analysis: Some(
            json!({"summary": "Opening hours.", "successEvaluation": "true", "structuredData": {"topic": "hours"}}),
        ),
        document: json!({"id": remote_id, "status": "ended"}),
        ..support::call(connection_id, remote_id, T0 + minutes * 60_000)
    }
}

/// The ids of the calls a Call History page lists, in order.
fn page_ids(html: &str) -> Vec<i64> {
    html.split("class=\"row-link\" href=\"/calls/")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().parse().unwrap())
        .collect()
}

/// The href of the pager link with `rel` (`next` or `prev`), unescaped.
fn pager_link(html: &str, rel: &str) -> Option<String> {
    let end = html.find(&format!("rel=\"{rel}\""))?;
    let start = html[..end].rfind("href=\"")? + 6;
    Some(
        html[start..end]
            .trim_end()
            .trim_end_matches('"')
            .replace("&amp;", "&")
            .replace("&#38;", "&"),
    )
}

#[tokio::test]
async fn filters_search_and_keyset_pages_list_every_call_once() {
    let s = setup().await;
    let vapi = s.connection("vapi", "Vapi production").await;
    let eleven = s.connection("elevenlabs", "ElevenLabs").await;
    let mut calls = Vec::new();
    for i in 0..25 {
        // Pairs of calls share a start instant, so the pages must break ties by id.
        let mut c = call(if i % 5 == 0 { eleven } else { vapi }, &format!("c{i:02}"), i / 2);
        c.cost_micro_usd = 100_000 * (i % 7);
        c.duration_ms = 10_000 * (i % 4);
        c.success = [Some(true), Some(false), None][i as usize % 3];
        if i == 3 {
            c.transcript_text = Some("User: I would like a Refund for my order, please.".to_string());
        }
        if i == 4 {
            c.transcript_text = Some("User: <script>alert('refund')</script> & more".to_string());
            c.ended_reason = Some("silence-timed-out".to_string());
        }
        calls.push(c);
    }
    let ids: Vec<i64> = s
        .app
        .store()
        .upsert_calls(&calls)
        .await
        .unwrap()
        .iter()
        .map(|u| u.id)
        .collect();

    // Pages of 7 visit all 25 calls once, newest first.
    let listed = s.all_ids("", 7).await;
    assert_eq!(listed.len(), 25);
    assert_eq!(
        listed.iter().collect::<HashSet<_>>().len(),
        25,
        "a call was listed twice"
    );
    let mut expected: Vec<(i64, i64)> = calls.iter().zip(&ids).map(|(c, id)| (c.started_at, *id)).collect();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(listed, expected.iter().map(|(_, id)| *id).collect::<Vec<_>>());
    assert_eq!(s.all_ids("sort=cheapest", 4).await.len(), 25);

    // Each filter narrows the list.
    let count = async |q: &str| s.all_ids(q, 200).await.len();
    assert_eq!(count("provider=elevenlabs").await, 5);
    assert_eq!(count(&format!("connection={eleven}")).await, 5);
    assert_eq!(count("success=unknown").await, 8);
    assert_eq!(count("success=no").await, 8);
    assert_eq!(count("min_cost=0.5").await, 6, "costs of 5 and 6 tenths");
    assert_eq!(count("min_cost=0.1&max_cost=0.1").await, 4);
    assert_eq!(count("min_duration=30").await, 6);
    assert_eq!(count("ended_reason=silence-timed-out").await, 1);
    assert_eq!(count("from=2026-03-10&to=2026-03-10").await, 25);
    assert_eq!(count("from=2026-03-11").await, 0);

    // Search finds whole words, highlighted, and the transcript's HTML stays escaped.
    let (status, found) = s.api("/api/v1/calls?q=refund&sort=oldest").await;
    assert_eq!(status, StatusCode::OK);
    let found = found["calls"].as_array().unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(
        found[0]["snippet_html"],
        "User: I would like a <mark>Refund</mark> for my order, please."
    );
    let (_, html) = s.app.page(&s.web, "/calls?q=refund").await;
    assert!(html.contains("<mark>Refund</mark> for my order"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(&#39;<mark>refund</mark>&#39;)"));
    assert!(!html.contains("<script>alert"), "a transcript's HTML is never run");
    assert_eq!(page_ids(&html).len(), 2);

    // Bad parameters answer 400 naming the parameter.
    for (query, field) in [
        ("min_cost=abc", "min_cost"),
        ("limit=1000", "limit"),
        ("sort=sideways", "sort"),
        ("success=maybe", "success"),
        ("cursor=nonsense", "cursor"),
        ("from=2026-13-01", "from"),
    ] {
        let (status, body) = s.api(&format!("/api/v1/calls?{query}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }

    // The page shows a bad value at its field, kept in the form, instead of failing.
    let (status, html) = s.app.page(&s.web, "/calls?min_cost=abc&provider=vapi").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(
        "id=\"f-min_cost\" name=\"min_cost\" type=\"text\" inputmode=\"decimal\" value=\"abc\" aria-invalid=\"true\""
    ));
    assert!(
        html.contains("id=\"f-min_cost-error\">Enter an amount in dollars, such as 0.25"),
        "{html}"
    );
    assert!(html.contains("<option value=\"vapi\" selected>"));

    // Column headers sort, keeping the filters; a second click turns the order around.
    let (_, html) = s.app.page(&s.web, "/calls?provider=vapi&sort=cheapest").await;
    assert!(html.contains("aria-sort=\"ascending\"><a href=\"/calls?provider=vapi&#38;sort=costliest\">Cost</a>"));
    assert!(html.contains("aria-sort=\"none\"><a href=\"/calls?provider=vapi&#38;sort=newest\">Started</a>"));
    let costs: Vec<i64> = page_ids(&html)
        .iter()
        .map(|id| calls[ids.iter().position(|i| i == id).unwrap()].cost_micro_usd)
        .collect();
    assert_eq!(costs.len(), 20);
    assert!(costs.windows(2).all(|w| w[0] <= w[1]), "cheapest first: {costs:?}");

    // The page walks forward with "Next" and back with "Newer", without gaps or repeats.
    let mut path = "/calls?limit=10".to_string();
    let mut pages = Vec::new();
    loop {
        let (status, html) = s.app.page(&s.web, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        pages.push(page_ids(&html));
        match pager_link(&html, "next") {
            Some(next) => path = next,
            None => break,
        }
        assert!(pages.len() < 10, "the pages never end");
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [10, 10, 5]);
    assert_eq!(pages.concat(), listed);
    let (_, last) = s.app.page(&s.web, &path).await;
    let (_, before_last) = s.app.page(&s.web, &pager_link(&last, "prev").unwrap()).await;
    assert_eq!(page_ids(&before_last), pages[1]);
    let (_, first) = s.app.page(&s.web, &pager_link(&before_last, "prev").unwrap()).await;
    assert_eq!(page_ids(&first), pages[0]);
    assert!(pager_link(&first, "prev").is_none(), "the first page has no newer page");
    s.app.stop().await;
}

#[tokio::test]
async fn the_csv_export_streams_every_matching_call_quoted_and_defused() {
    let s = setup().await;
    let vapi = s.connection("vapi", "Vapi production").await;
    let eleven = s.connection("elevenlabs", "=cmd|' /C calc'!A0").await;
    // More than two of the export's batches.
    let calls: Vec<NewCall> = (0..1_050)
        .map(|i| {
            let mut c = call(if i % 10 == 0 { eleven } else { vapi }, &format!("c{i:04}"), i);
            c.cost_micro_usd = 1_234_567 + i;
            if i == 7 {
                c.summary =
                    Some("=HYPERLINK(\"http://evil.example\",\"click\"), then \"quoted\"\nand a new line".into());
            }
            c
        })
        .collect();
    for chunk in calls.chunks(350) {
        s.app.store().upsert_calls(chunk).await.unwrap();
    }

    let res = s.web.get(s.app.url("/calls/export.csv")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"calls-"));
    let body = res.text().await.unwrap();
    // One header line, one line per call, and the summary's own line break inside its quotes.
    assert_eq!(body.matches("\r\n").count(), 1 + 1_050);
    let header = body.lines().next().unwrap();
    assert!(header.starts_with("id,started_at,ended_at,connection,provider,assistant"));
    let ids: HashSet<&str> = body.split("\r\n").skip(1).filter_map(|l| l.split(',').next()).collect();
    assert_eq!(ids.len(), 1_050 + 1, "every call once (and the empty tail)");
    assert!(body
        .contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\"), then \"\"quoted\"\"\nand a new line\""));
    assert!(
        body.contains(",'=cmd|' /C calc'!A0,elevenlabs,"),
        "a connection label is defused too"
    );
    assert!(body.contains(",'+4930123456,"), "a cell starting with + is defused");
    assert!(!body.contains(",=") && !body.contains(",+"), "no cell starts a formula");
    // Money as exact decimal dollars.
    assert!(body.contains(",1.234567,"), "cost of the first call");
    assert!(body.contains("2026-03-10T12:00:00+00:00"));

    // The same filters as the page.
    let res = s
        .web
        .get(s.app.url("/calls/export.csv?provider=elevenlabs&min_cost=1.2346"))
        .send()
        .await
        .unwrap();
    let body = res.text().await.unwrap();
    assert_eq!(
        body.matches("\r\n").count(),
        1 + 105 - 4,
        "ElevenLabs calls from the fifth on"
    );
    let res = s
        .web
        .get(s.app.url("/calls/export.csv?min_cost=abc"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    s.app.stop().await;
}

#[tokio::test]
async fn a_call_shows_its_transcript_costs_and_revision_and_is_hidden_from_other_workspaces() {
    let s = setup().await;
    let vapi = s.connection("vapi", "Vapi production").await;
    let assistant = s.app.stored_assistant(s.ws, vapi, "asst_1", "Receptionist").await;
    let store = s.app.store();
    let rev = store
        .assistant(s.ws, assistant)
        .await
        .unwrap()
        .unwrap()
        .local_revision_id;
    let mut c = call(vapi, "call_1", 0);
    c.assistant_revision_id = Some(rev);
    c.cost_micro_usd = 120_000;
    c.recording_url = Some("https://storage.example/call_1.mp3".to_string());
    let id = store.upsert_call(&c).await.unwrap().id;

    let (status, detail) = s.api(&format!("/api/v1/calls/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["assistant_id"], assistant);
    assert_eq!(detail["assistant_name"], "Receptionist");
    assert_eq!(detail["assistant_revision_id"], rev);
    assert_eq!(detail["transcript"][1]["role"], "user");
    assert_eq!(detail["transcript"][1]["seconds"], 75.2);
    assert_eq!(detail["costs"]["llm_micro_usd"], 30_000);
    assert_eq!(
        detail["costs"]["other_micro_usd"], 30_000,
        "what no component accounts for"
    );
    assert_eq!(detail["costs"]["total_micro_usd"], 120_000);
    assert_eq!(detail["costs"]["llm_prompt_tokens"], 1_200);
    assert_eq!(detail["analysis"]["structuredData"]["topic"], "hours");
    assert_eq!(detail["document"]["id"], "call_1");
    assert_eq!(detail["started_at"], "2026-03-10T12:00:00Z");
    // Both answers are what the OpenAPI document says.
    let (_, doc) = s.api("/api/v1/openapi.json").await;
    let schema = response_schema(&doc, "/calls/{id}", "get", "200");
    assert_matches_schema(&doc, &schema, &detail);
    let (_, list) = s.api("/api/v1/calls?q=hello").await;
    assert_eq!(list["calls"].as_array().unwrap().len(), 1);
    assert_matches_schema(&doc, &response_schema(&doc, "/calls", "get", "200"), &list);
    let (_, bare) = s.api("/api/v1/calls").await;
    assert_matches_schema(&doc, &response_schema(&doc, "/calls", "get", "200"), &bare);
    // A call still in progress, with nothing analysed yet, too.
    let mut live = call(vapi, "call_live", 5);
    (
        live.analysis,
        live.transcript,
        live.summary,
        live.ended_at,
        live.success,
    ) = (None, None, None, None, None);
    live.status = "in-progress".to_string();
    let live = store.upsert_call(&live).await.unwrap().id;
    let (status, live) = s.api(&format!("/api/v1/calls/{live}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(live["transcript"], json!([]));
    assert_matches_schema(&doc, &schema, &live);

    let (status, html) = s.app.page(&s.web, &format!("/calls/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<li class=\"turn turn-assistant\">"));
    assert!(html.contains("<span class=\"turn-speaker\">Customer</span><span class=\"turn-time\">01:15</span>"));
    assert!(html.contains(&format!("href=\"/assistants/{assistant}/compare?from={rev}\"")));
    assert!(html
        .contains("<audio class=\"call-audio\" controls preload=\"none\" src=\"https://storage.example/call_1.mp3\""));
    assert!(html.contains("$0.12"), "the total");
    assert!(
        html.contains("<td class=\"num\">$0.03</td>"),
        "LLM and other, three cents each"
    );
    assert!(html.contains("Structured data"));

    // Another workspace sees none of it.
    s.app.add_user("eve@example.com", "Other", Role::Owner).await;
    let eve = s.app.signed_in("eve@example.com").await;
    let eve_token = s.app.token_for("eve@example.com", "Other").await;
    for path in [format!("/calls/{id}"), format!("/calls/{id}/recording")] {
        let (status, _) = s.app.page(&eve, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = s
        .app
        .api(&eve_token, Method::GET, &format!("/api/v1/calls/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, html) = s.app.page(&eve, "/calls").await;
    assert!(html.contains("Connect a provider first"));
    s.app.stop().await;
}

#[tokio::test]
async fn an_elevenlabs_recording_plays_through_voxhive_by_range_without_the_key() {
    let sim = spawn_sim().await;
    let s = setup().await;
    let key = voxhive_sim::DEFAULT_EL_KEY;
    let connection = s
        .app
        .connect(&s.token, "elevenlabs", "Agents", key, &sim.base_url())
        .await;
    let conversation = support::finished_conversation(&sim).await;
    let remote_id = conversation["conversation_id"].as_str().unwrap();
    let mut c = call(connection, remote_id, 0);
    c.duration_ms = conversation["call_duration_secs"].as_i64().unwrap() * 1000;
    let id = s.app.store().upsert_call(&c).await.unwrap().id;
    let url = s.app.url(&format!("/calls/{id}/recording"));

    let (_, html) = s.app.page(&s.web, &format!("/calls/{id}")).await;
    assert!(html.contains(&format!(
        "<audio class=\"call-audio\" controls preload=\"none\" src=\"/calls/{id}/recording\""
    )));
    assert!(!html.contains(key));

    let whole = s.web.get(&url).send().await.unwrap();
    assert_eq!(whole.status(), StatusCode::OK);
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    assert_eq!(whole.headers()[CONTENT_TYPE], "audio/mpeg");
    let headers = format!("{:?}", whole.headers());
    let whole = whole.bytes().await.unwrap();
    assert!(whole.len() > 1_000, "a recording of {} bytes", whole.len());
    assert_eq!(whole[..2], [0xFF, 0xFB], "an MP3 frame");

    let part = s.web.get(&url).header(RANGE, "bytes=0-99").send().await.unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        part.headers()[CONTENT_RANGE],
        format!("bytes 0-99/{}", whole.len()).as_str()
    );
    let part = part.bytes().await.unwrap();
    assert_eq!(part.len(), 100);
    assert_eq!(part, whole[..100]);

    let tail = s.web.get(&url).header(RANGE, "bytes=-10").send().await.unwrap();
    assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(tail.bytes().await.unwrap(), whole[whole.len() - 10..]);

    let beyond = s
        .web
        .get(&url)
        .header(RANGE, format!("bytes={}-", whole.len() + 10))
        .send()
        .await
        .unwrap();
    assert_eq!(beyond.status(), StatusCode::RANGE_NOT_SATISFIABLE);

    for text in [headers, String::from_utf8_lossy(&whole).into_owned()] {
        assert!(!text.contains(key), "the API key never reaches the browser");
    }
    // Signed out, the recording is not served.
    let anonymous = crate::support::client().get(&url).send().await.unwrap();
    assert_ne!(anonymous.status(), StatusCode::OK);
    s.app.stop().await;
    sim.shutdown().await;
}
