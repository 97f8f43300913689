//! `voxhive plan`: what each file would change on the server, read from the server as it is
//! now, and how it is shown.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::Value;
use voxhive_core::doc::{diff, strip_read_only, text_diff, Change, ChangeKind, LineKind};

use super::client::{Api, ClientError, Connection, Detail, Summary};
use super::files::{self, AssistantFile};

/// What applying one file would do.
pub enum Action {
    /// The server's document is the file's.
    Unchanged,
    /// The server's document would be replaced by the file's.
    Update {
        server: Box<Detail>,
        changes: Vec<Change>,
        /// The server's document changed since the file was written from it (or the file
        /// does not say): apply refuses the file without `--force`.
        drifted: bool,
    },
    /// A new assistant on this connection.
    Create { connection: Connection },
    /// The file cannot be applied; the reason.
    Error(String),
}

/// One file and what applying it would do.
pub struct Item {
    pub rel: PathBuf,
    pub file: Option<AssistantFile>,
    pub action: Action,
}

/// The plan of a directory: one item per file, and the assistants of the connections the files
/// name that no file holds.
pub struct Plan {
    pub items: Vec<Item>,
    pub untracked: Vec<(Connection, Summary)>,
    /// The workspace's connections.
    pub connections: Vec<Connection>,
}

impl Plan {
    pub fn errors(&self) -> usize {
        self.count(|a| matches!(a, Action::Error(_)))
    }

    pub fn pending(&self) -> usize {
        self.count(|a| matches!(a, Action::Update { .. } | Action::Create { .. }))
    }

    fn count(&self, f: impl Fn(&Action) -> bool) -> usize {
        self.items.iter().filter(|i| f(&i.action)).count()
    }
}

/// Compares every file under `dir` with the server.
pub async fn make(api: &Api, dir: &Path) -> anyhow::Result<Plan> {
    let entries = files::read_dir(dir).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", dir.display()))?;
    let connections = api.connections().await?;
    let mut items = Vec::new();
    let mut seen: HashMap<i64, PathBuf> = HashMap::new();
    let mut named_connections = HashSet::new();
    for entry in entries {
        let file = match entry.parsed {
            Ok(file) => file,
            Err(reason) => {
                items.push(Item {
                    rel: entry.rel,
                    file: None,
                    action: Action::Error(format!("not an assistant file: {reason}")),
                });
                continue;
            }
        };
        let action = match resolve_connection(&file, &connections) {
            Err(reason) => Action::Error(reason),
            Ok(connection) => {
                named_connections.insert(connection.id);
                match file.id {
                    Some(id) => match seen.get(&id) {
                        Some(other) => Action::Error(format!(
                            "assistant {id} is also in {}; keep one file per assistant",
                            other.display()
                        )),
                        None => {
                            seen.insert(id, entry.rel.clone());
                            compare(api, &file, id, connection).await?
                        }
                    },
                    None => match file.document.get("name") {
                        Some(Value::String(name)) if !name.trim().is_empty() => Action::Create {
                            connection: connection.clone(),
                        },
                        _ => Action::Error("a new assistant's `document` needs a `name`".into()),
                    },
                }
            }
        };
        items.push(Item {
            rel: entry.rel,
            file: Some(file),
            action,
        });
    }
    let untracked = if named_connections.is_empty() {
        Vec::new()
    } else {
        api.assistants()
            .await?
            .into_iter()
            .filter(|a| named_connections.contains(&a.connection_id) && !seen.contains_key(&a.id))
            .filter_map(|a| {
                let connection = connections.iter().find(|c| c.id == a.connection_id)?;
                Some((connection.clone(), a))
            })
            .collect()
    };
    Ok(Plan {
        items,
        untracked,
        connections,
    })
}

/// The connection a file names: by id, else by label (exactly, or as its folder slug).
fn resolve_connection<'a>(file: &AssistantFile, connections: &'a [Connection]) -> Result<&'a Connection, String> {
    let wanted = &file.connection;
    let found = match (wanted.id, wanted.label.as_deref()) {
        (Some(id), _) => connections
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| format!("connection {id} is not in this workspace"))?,
        (None, Some(label)) => {
            let exact: Vec<_> = connections.iter().filter(|c| c.label == label).collect();
            let matches = if exact.is_empty() {
                let slug = files::slug(label, "");
                connections
                    .iter()
                    .filter(|c| files::slug(&c.label, "") == slug)
                    .collect()
            } else {
                exact
            };
            match matches.as_slice() {
                [one] => *one,
                [] => return Err(format!("no connection is labelled {label:?}")),
                _ => return Err(format!("several connections are labelled {label:?}; name it by `id`")),
            }
        }
        (None, None) => return Err("`connection` needs an `id` or a `label`".into()),
    };
    match &file.provider {
        Some(provider) if *provider != found.provider => Err(format!(
            "the file says provider {provider}, but connection {:?} is {}",
            found.label, found.provider
        )),
        _ => Ok(found),
    }
}

/// What applying a file of an existing assistant would change.
async fn compare(api: &Api, file: &AssistantFile, id: i64, connection: &Connection) -> anyhow::Result<Action> {
    let server = match api.assistant(id).await {
        Ok(server) => server,
        Err(e) if e.is_not_found() => {
            return Ok(Action::Error(format!(
                "assistant {id} is not on this server; to create it anew, remove `id`, `remote_id` and `server_hash`"
            )))
        }
        Err(e @ (ClientError::Unreachable { .. } | ClientError::Unauthorized { .. })) => return Err(e.into()),
        Err(e) => return Ok(Action::Error(e.to_string())),
    };
    if server.summary.connection_id != connection.id {
        return Ok(Action::Error(format!(
            "assistant {id} belongs to connection {}, not {} ({:?}); an assistant cannot move between connections",
            server.summary.connection_id, connection.id, connection.label
        )));
    }
    let provider = &server.summary.provider;
    let changes = diff(
        &strip_read_only(provider, &server.document),
        &strip_read_only(provider, &file.document),
    );
    if changes.is_empty() {
        return Ok(Action::Unchanged);
    }
    let drifted = file.server_hash.as_deref() != Some(server.summary.local_hash.as_str());
    Ok(Action::Update {
        server: Box::new(server),
        changes,
        drifted,
    })
}

/// The message for a file whose server document moved since it was written.
pub fn drift_message(id: i64, file: &AssistantFile) -> String {
    if file.server_hash.is_none() {
        format!("the file has no `server_hash`, so it cannot tell whether assistant {id} changed on the server since; run `voxhive export` first, or apply with --force to overwrite the server's document")
    } else {
        format!("assistant {id} changed on the server since this file was exported (edited in VoxHive?); run `voxhive export` to take the server's version and redo your edit, or apply with --force to overwrite it")
    }
}

/// Prints the plan: each file that would change with its changed fields, errors on stderr,
/// the assistants no file holds, and a count.
pub fn print(plan: &Plan, dir: &Path) {
    let mut unchanged = 0;
    for item in &plan.items {
        let shown = dir.join(&item.rel);
        let shown = shown.display();
        match (&item.action, &item.file) {
            (Action::Unchanged, _) => unchanged += 1,
            (Action::Error(reason), _) => eprintln!("error: {shown}: {reason}"),
            (Action::Create { connection }, Some(file)) => {
                let name = file.document["name"].as_str().unwrap_or_default();
                println!(
                    "{shown}: create {name:?} on {:?} ({})",
                    connection.label, connection.provider
                );
            }
            (
                Action::Update {
                    server,
                    changes,
                    drifted,
                },
                Some(file),
            ) => {
                println!(
                    "{shown}: update assistant {} {:?}",
                    server.summary.id, server.summary.name
                );
                for change in changes {
                    print_change(change);
                }
                if *drifted {
                    println!("  ! {}", drift_message(server.summary.id, file));
                }
            }
            _ => {}
        }
    }
    if !plan.untracked.is_empty() {
        println!("Not in {} (apply leaves them alone):", dir.display());
        for (connection, a) in &plan.untracked {
            println!("  {}: assistant {} {:?}", connection.label, a.id, a.name);
        }
    }
    let updates = plan.count(|a| matches!(a, Action::Update { .. }));
    let creates = plan.count(|a| matches!(a, Action::Create { .. }));
    println!(
        "Plan: {updates} to update, {creates} to create, {unchanged} unchanged, {} error(s).",
        plan.errors()
    );
}

/// One changed field: `+ path: value`, `- path`, `~ path: old -> new`, or for long text the
/// changed lines with their numbers.
fn print_change(change: &Change) {
    let path = &change.path;
    match &change.kind {
        ChangeKind::Added(new) => println!("  + {path}: {}", short(new)),
        ChangeKind::Removed(_) => println!("  - {path}"),
        ChangeKind::Changed { old, new } if is_long_text(old) || is_long_text(new) => {
            println!("  ~ {path}:");
            let (old, new) = (old.as_str().unwrap_or_default(), new.as_str().unwrap_or_default());
            for line in text_diff(old, new) {
                let text: String = line.spans.iter().map(|s| s.text.as_str()).collect();
                match line.kind {
                    LineKind::Unchanged => {}
                    LineKind::Removed => println!("      - {:>3} | {text}", line.old_number.unwrap_or_default()),
                    LineKind::Added => println!("      + {:>3} | {text}", line.new_number.unwrap_or_default()),
                }
            }
        }
        ChangeKind::Changed { old, new } => println!("  ~ {path}: {} -> {}", short(old), short(new)),
    }
}

fn is_long_text(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.len() > 80 || s.contains('\n'))
}

/// A value as compact JSON, cut to one readable line.
fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 100 {
        format!("{}…", text.chars().take(99).collect::<String>())
    } else {
        text
    }
}
