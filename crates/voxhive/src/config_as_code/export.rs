//! `voxhive export`: every assistant of the workspace as `DIR/<connection>/<assistant>.yaml`.
//! A file already in the directory keeps its place; one with edits not yet applied is kept
//! unless `--force`; an unchanged assistant is written byte for byte as before.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use voxhive_core::doc::{content_hash, strip_read_only};

use super::client::{Api, Connection, Detail};
use super::files::{self, AssistantFile, ConnectionRef};

/// The file of an assistant as the server holds it.
pub fn file_of(detail: &Detail, connection: &Connection) -> AssistantFile {
    let a = &detail.summary;
    AssistantFile {
        id: Some(a.id),
        connection: ConnectionRef {
            id: Some(connection.id),
            label: Some(connection.label.clone()),
        },
        provider: Some(a.provider.clone()),
        remote_id: a.remote_id.clone(),
        server_hash: Some(a.local_hash.clone()),
        document: strip_read_only(&a.provider, &detail.document),
    }
}

/// Exports every assistant to `dir`; true when every one was written (or already was).
pub async fn run(api: &Api, dir: &Path, force: bool) -> anyhow::Result<bool> {
    let connections = api.connections().await?;
    let mut assistants = api.assistants().await?;
    let existing = files::read_dir(dir).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", dir.display()))?;
    let mut taken: HashSet<PathBuf> = existing.iter().map(|e| e.rel.clone()).collect();
    let mut by_id: HashMap<i64, (&Path, &str, &AssistantFile)> = HashMap::new();
    for entry in &existing {
        match &entry.parsed {
            Ok(file) => {
                if let Some(id) = file.id {
                    by_id.entry(id).or_insert((&entry.rel, &entry.text, file));
                }
            }
            Err(reason) => eprintln!(
                "warning: {}: left alone, not an assistant file: {reason}",
                dir.join(&entry.rel).display()
            ),
        }
    }

    let folders = folder_names(&connections);
    assistants.sort_by_cached_key(|a| (a.connection_id, files::slug(&a.name, "assistant"), a.id));
    let (mut written, mut unchanged, mut kept) = (0, 0, 0);
    for summary in &assistants {
        let Some(connection) = connections.iter().find(|c| c.id == summary.connection_id) else {
            continue;
        };
        let detail = api.assistant(summary.id).await?;
        let file = file_of(&detail, connection);
        let rel = match by_id.get(&summary.id) {
            Some((rel, _, _)) => rel.to_path_buf(),
            None => files::free_path(
                &mut taken,
                &folders[&connection.id],
                &files::slug(&summary.name, "assistant"),
            ),
        };
        let path = dir.join(&rel);
        let text = files::render(&file).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        if let Some((_, old_text, old)) = by_id.get(&summary.id) {
            if *old_text == text {
                unchanged += 1;
                continue;
            }
            if !force && has_unapplied_edits(old, &file) {
                eprintln!(
                    "warning: {}: kept, it has edits not applied yet; apply them first, or export --force to overwrite them",
                    path.display()
                );
                kept += 1;
                continue;
            }
        }
        files::write_atomic(&path, &text).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        println!("wrote {}", path.display());
        written += 1;
    }

    let on_server: HashSet<i64> = assistants.iter().map(|a| a.id).collect();
    let mut gone: Vec<_> = by_id.iter().filter(|(id, _)| !on_server.contains(id)).collect();
    gone.sort_by_key(|(_, (rel, _, _))| *rel);
    for (id, (rel, _, _)) in gone {
        eprintln!(
            "warning: {}: left alone, assistant {id} is not on the server",
            dir.join(rel).display()
        );
    }
    println!(
        "Exported {} assistant(s) of {} connection(s) to {}: {written} written, {unchanged} unchanged{}.",
        assistants.len(),
        connections.len(),
        dir.display(),
        if kept > 0 {
            format!(", {kept} kept with edits not applied")
        } else {
            String::new()
        }
    );
    Ok(kept == 0)
}

/// Whether a file's document was edited since it was written from the server and differs from
/// the server's document now: overwriting it would lose that edit.
fn has_unapplied_edits(old: &AssistantFile, new: &AssistantFile) -> bool {
    let provider = new.provider.as_deref().unwrap_or_default();
    let edited = old.server_hash.as_deref() != Some(content_hash(provider, &old.document).as_str());
    edited && content_hash(provider, &old.document) != content_hash(provider, &new.document)
}

/// One folder per connection: the slug of its label, numbered when two labels slug alike
/// (in id order, so the names do not move).
fn folder_names(connections: &[Connection]) -> HashMap<i64, String> {
    let mut sorted: Vec<&Connection> = connections.iter().collect();
    sorted.sort_by_key(|c| c.id);
    let mut used = HashSet::new();
    let mut names = HashMap::new();
    for connection in sorted {
        let base = files::slug(&connection.label, "connection");
        let mut name = base.clone();
        let mut n = 2;
        while !used.insert(name.clone()) {
            name = format!("{base}-{n}");
            n += 1;
        }
        names.insert(connection.id, name);
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_labelled_alike_get_numbered_folders_in_id_order() {
        let c = |id, label: &str| Connection {
            id,
            provider: "vapi".into(),
            label: label.into(),
        };
        let names = folder_names(&[c(9, "Main"), c(3, "main!"), c(5, "EU / Prod")]);
        assert_eq!(
            (names[&3].as_str(), names[&9].as_str(), names[&5].as_str()),
            ("main", "main-2", "eu-prod")
        );
    }
}
