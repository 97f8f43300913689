//! `voxhive apply`: each changed file becomes a new revision on the server, each new file a new
//! assistant; with `--push`, what changed goes on to the provider. Each applied file is then
//! written again from the server's state, so it carries its id and the new `server_hash`.

use std::path::Path;

use serde_json::Value;
use voxhive_core::doc::strip_read_only;

use super::client::{Api, ClientError, Connection, Detail};
use super::export::file_of;
use super::files;
use super::plan::{self, Action, Item};

/// What `apply` may do beyond the plan.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Push each assistant that apply changed to its provider.
    pub push: bool,
    /// Overwrite assistants changed on the server since their file was exported.
    pub force: bool,
}

#[derive(Default)]
struct Tally {
    updated: usize,
    created: usize,
    unchanged: usize,
    pushed: usize,
    failed: usize,
}

/// Applies every file under `dir`; true when every file was applied (and pushed, with `--push`).
pub async fn run(api: &Api, dir: &Path, options: Options) -> anyhow::Result<bool> {
    let plan = plan::make(api, dir).await?;
    let mut tally = Tally::default();
    for item in &plan.items {
        let shown = dir.join(&item.rel).display().to_string();
        let Some(detail) = apply_one(api, item, &shown, options, &mut tally).await? else {
            continue;
        };
        let id = detail.summary.id;
        if options.push {
            push_one(api, id, &detail.summary.provider, &shown, &mut tally).await?;
        }
        let Some(connection) = plan.connections.iter().find(|c| c.id == detail.summary.connection_id) else {
            continue;
        };
        if let Err(reason) = write_back(api, id, connection, &dir.join(&item.rel)).await? {
            eprintln!("error: {shown}: assistant {id} was applied, but the file could not be written again: {reason}; set `id: {id}` in it before applying again");
            tally.failed += 1;
        }
    }
    if plan.items.is_empty() {
        println!("No assistant files in {}.", dir.display());
    }
    let Tally {
        updated,
        created,
        unchanged,
        pushed,
        failed,
    } = tally;
    let pushed = if options.push {
        format!("; {pushed} pushed")
    } else {
        String::new()
    };
    println!("Applied: {updated} updated, {created} created, {unchanged} unchanged{pushed}; {failed} failed.");
    Ok(failed == 0)
}

/// Saves one file's document on the server; the assistant after it, when something was saved.
async fn apply_one(
    api: &Api,
    item: &Item,
    shown: &str,
    options: Options,
    tally: &mut Tally,
) -> anyhow::Result<Option<Detail>> {
    let Some(file) = &item.file else {
        if let Action::Error(reason) = &item.action {
            eprintln!("error: {shown}: {reason}");
        }
        tally.failed += 1;
        return Ok(None);
    };
    let saved = match &item.action {
        Action::Unchanged => {
            tally.unchanged += 1;
            return Ok(None);
        }
        Action::Error(reason) => {
            eprintln!("error: {shown}: {reason}");
            tally.failed += 1;
            return Ok(None);
        }
        Action::Update { server, drifted, .. } if *drifted && !options.force => {
            eprintln!(
                "error: {shown}: not applied: {}",
                plan::drift_message(server.summary.id, file)
            );
            tally.failed += 1;
            return Ok(None);
        }
        Action::Update { server, .. } => {
            let provider = &server.summary.provider;
            let document = with_read_only_of(provider, &file.document, &server.document);
            let saved = api.replace_document(server.summary.id, &document).await;
            if saved.is_ok() {
                tally.updated += 1;
                println!(
                    "{shown}: updated assistant {} {:?}",
                    server.summary.id, server.summary.name
                );
            }
            saved
        }
        Action::Create { connection } => {
            let document = strip_read_only(&connection.provider, &file.document);
            let saved = api.create(connection.id, &document).await;
            if let Ok(detail) = &saved {
                tally.created += 1;
                println!(
                    "{shown}: created assistant {} {:?} on {:?}",
                    detail.summary.id, detail.summary.name, connection.label
                );
            }
            saved
        }
    };
    match saved {
        Ok(detail) => Ok(Some(detail)),
        Err(e @ (ClientError::Unreachable { .. } | ClientError::Unauthorized { .. })) => Err(e.into()),
        Err(e) => {
            eprintln!("error: {shown}: the server refused the document: {e}");
            tally.failed += 1;
            Ok(None)
        }
    }
}

/// Pushes one assistant and reports the outcome.
async fn push_one(api: &Api, id: i64, provider: &str, shown: &str, tally: &mut Tally) -> anyhow::Result<()> {
    let provider = provider_name(provider);
    match api.push(id).await {
        Ok(result) => match result.outcome.as_str() {
            "conflict" => {
                eprintln!("error: {shown}: push stopped by a conflict: assistant {id} changed at {provider} since the last sync, and nothing was overwritten; resolve it in VoxHive, then export");
                tally.failed += 1;
            }
            "created" => {
                println!("{shown}: created at {provider}");
                tally.pushed += 1;
            }
            "unchanged" => println!("{shown}: {provider} already has it"),
            _ => {
                println!("{shown}: pushed to {provider}");
                tally.pushed += 1;
            }
        },
        Err(e @ (ClientError::Unreachable { .. } | ClientError::Unauthorized { .. })) => return Err(e.into()),
        Err(e) => {
            eprintln!("error: {shown}: push to {provider} failed: {e}");
            tally.failed += 1;
        }
    }
    Ok(())
}

/// Writes the file again from the server's state of the assistant.
async fn write_back(api: &Api, id: i64, connection: &Connection, path: &Path) -> anyhow::Result<Result<(), String>> {
    let detail = match api.assistant(id).await {
        Ok(detail) => detail,
        Err(e @ (ClientError::Unreachable { .. } | ClientError::Unauthorized { .. })) => return Err(e.into()),
        Err(e) => return Ok(Err(e.to_string())),
    };
    Ok(files::render(&file_of(&detail, connection))
        .and_then(|text| files::write_atomic(path, &text).map_err(|e| e.to_string())))
}

/// `doc` with the fields its provider sets (ids, timestamps) taken from the server's document,
/// so that a file, which leaves them out, replaces only what it holds.
pub fn with_read_only_of(provider: &str, doc: &Value, server: &Value) -> Value {
    let mut out = strip_read_only(provider, doc);
    restore(&mut out, server, &strip_read_only(provider, server));
    out
}

fn restore(out: &mut Value, server: &Value, writable: &Value) {
    let (Some(out), Some(server)) = (out.as_object_mut(), server.as_object()) else {
        return;
    };
    for (key, value) in server {
        match writable.get(key) {
            None => {
                out.insert(key.clone(), value.clone());
            }
            Some(inner) if value.is_object() => {
                if let Some(target) = out.get_mut(key) {
                    restore(target, value, inner);
                }
            }
            Some(_) => {}
        }
    }
}

/// A provider as people write it.
pub fn provider_name(provider: &str) -> &str {
    match provider {
        "vapi" => "Vapi",
        "elevenlabs" => "ElevenLabs",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_servers_read_only_fields_are_kept_and_the_files_fields_win() {
        let server = json!({"id": "a1", "orgId": "o", "createdAt": "t", "name": "Old", "voice": {"voiceId": "x"}});
        let file = json!({"name": "New", "voice": {"voiceId": "y"}});
        assert_eq!(
            with_read_only_of("vapi", &file, &server),
            json!({"id": "a1", "orgId": "o", "createdAt": "t", "name": "New", "voice": {"voiceId": "y"}})
        );
        let server = json!({"agent_id": "ag", "platform_settings": {"safety": {"is_blocked": false}, "x": 1}});
        let file = json!({"platform_settings": {"x": 2}});
        assert_eq!(
            with_read_only_of("elevenlabs", &file, &server),
            json!({"agent_id": "ag", "platform_settings": {"safety": {"is_blocked": false}, "x": 2}})
        );
    }
}
