//! The files of config as code: one YAML file per assistant, its header, slugs for file names,
//! reading a directory of them, and writing each one atomically.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The comment at the top of every file written.
const PREAMBLE: &str = "\
# A VoxHive assistant. Edit `document`, then `voxhive plan` and `voxhive apply`.
# `id`, `connection` and `server_hash` tie this file to the assistant: keep them as they are.
";

/// One assistant file: who the assistant is at VoxHive, and its whole document without the
/// fields the provider sets itself (ids, timestamps).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssistantFile {
    /// VoxHive's id of the assistant; absent in a file for a new assistant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub connection: ConnectionRef,
    /// `vapi` or `elevenlabs`; informative, checked against the connection when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// The provider's id, once the assistant exists there; informative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote_id: Option<String>,
    /// The hash of the server's local document when this file was last written from it. When
    /// the server's hash has moved since, someone changed the assistant in VoxHive, and apply
    /// refuses to overwrite that change without `--force`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_hash: Option<String>,
    #[serde(serialize_with = "sorted")]
    pub document: Value,
}

/// The connection an assistant belongs to, by id or by label (for a hand-written new file).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// Serializes a JSON value with the keys of every object sorted (by UTF-8 bytes, as canonical
/// JSON sorts them), whatever order the map keeps, so the same document always reads the same.
fn sorted<S: Serializer>(value: &Value, serializer: S) -> Result<S::Ok, S::Error> {
    Sorted(value).serialize(serializer)
}

struct Sorted<'a>(&'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let mut out = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    out.serialize_entry(key, &Sorted(value))?;
                }
                out.end()
            }
            Value::Array(items) => serializer.collect_seq(items.iter().map(Sorted)),
            scalar => scalar.serialize(serializer),
        }
    }
}

/// The file's text: the preamble, the header keys in a fixed order, then the document with
/// sorted keys, multi-line strings as literal blocks (`|`). Checked by reading it back, so a
/// file is never written that would not apply as the same document.
pub fn render(file: &AssistantFile) -> Result<String, String> {
    let yaml = yaml_serde::to_string(file).map_err(|e| format!("cannot write YAML: {e}"))?;
    let text = format!("{PREAMBLE}{yaml}");
    match parse(&text) {
        Ok(back) if back == *file => Ok(text),
        _ => Err("the YAML written does not read back as the same document".into()),
    }
}

/// Reads a file's text, with the parser's reason (and line) when it is not an assistant file.
pub fn parse(text: &str) -> Result<AssistantFile, String> {
    let file: AssistantFile = yaml_serde::from_str(text).map_err(|e| e.to_string())?;
    if !file.document.is_object() {
        return Err("`document` must be a mapping of the assistant's fields".into());
    }
    Ok(file)
}

/// A file found in the directory: its path relative to the directory and what it holds.
pub struct Entry {
    pub rel: PathBuf,
    pub text: String,
    pub parsed: Result<AssistantFile, String>,
}

/// Every `*.yaml` and `*.yml` file under `dir` (hidden files and folders such as `.git`
/// skipped), sorted by path. A missing directory holds no files.
pub fn read_dir(dir: &Path) -> std::io::Result<Vec<Entry>> {
    let mut rels = Vec::new();
    if dir.exists() {
        collect(dir, Path::new(""), &mut rels)?;
    }
    rels.sort();
    rels.into_iter()
        .map(|rel| {
            let bytes = std::fs::read(dir.join(&rel))?;
            let (text, parsed) = match String::from_utf8(bytes) {
                Ok(text) => {
                    let parsed = parse(&text);
                    (text, parsed)
                }
                Err(_) => (String::new(), Err("not UTF-8 text".to_string())),
            };
            Ok(Entry { rel, text, parsed })
        })
        .collect()
}

fn collect(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(root.join(rel))? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with('.') {
            continue;
        }
        let path = rel.join(name);
        let kind = entry.file_type()?;
        if kind.is_dir() {
            collect(root, &path, out)?;
        } else if kind.is_file() && (name.ends_with(".yaml") || name.ends_with(".yml")) {
            out.push(path);
        }
    }
    Ok(())
}

/// A name for a file or folder: lowercase letters and digits, runs of anything else as one
/// `-`, at most 60 characters; `fallback` when nothing is left.
pub fn slug(name: &str, fallback: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.chars().count() >= 60 {
            break;
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        fallback.to_string()
    } else {
        out.to_string()
    }
}

/// The first of `stem.yaml`, `stem-2.yaml`, `stem-3.yaml`, … in `folder` not yet taken; takes it.
pub fn free_path(taken: &mut HashSet<PathBuf>, folder: &str, stem: &str) -> PathBuf {
    let mut n = 1;
    loop {
        let name = if n == 1 {
            format!("{stem}.yaml")
        } else {
            format!("{stem}-{n}.yaml")
        };
        let path = Path::new(folder).join(name);
        if taken.insert(path.clone()) {
            return path;
        }
        n += 1;
    }
}

/// Writes `text` to `path` through a temporary file in the same folder renamed over it, so a
/// reader (or a crash) sees the old file or the new one, never half of one.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("assistant.yaml");
    let tmp = folder.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn file(document: Value) -> AssistantFile {
        AssistantFile {
            id: Some(7),
            connection: ConnectionRef {
                id: Some(1),
                label: Some("Main".into()),
            },
            provider: Some("vapi".into()),
            remote_id: Some("asst-1".into()),
            server_hash: Some("ab".repeat(32)),
            document,
        }
    }

    #[test]
    fn multi_line_text_is_a_literal_block_and_keys_are_sorted() {
        let text = render(&file(json!({
            "name": "Riley",
            "model": {"messages": [{"role": "system", "content": "You are Riley.\nBe brief.\n"}], "temperature": 0.7},
            "firstMessage": "Hi",
        })))
        .unwrap();
        assert!(
            text.contains("    - content: |\n        You are Riley.\n        Be brief.\n"),
            "{text}"
        );
        let first = text.find("firstMessage").unwrap();
        assert!(first < text.find("model:").unwrap() && text.find("model:").unwrap() < text.find("name:").unwrap());
        let header: Vec<&str> = text.lines().filter(|l| !l.starts_with(['#', ' '])).collect();
        assert_eq!(
            header,
            [
                "id: 7",
                "connection:",
                "provider: vapi",
                "remote_id: asst-1",
                &format!("server_hash: {}", "ab".repeat(32)),
                "document:"
            ]
        );
    }

    #[test]
    fn awkward_values_read_back_as_the_same_document() {
        let document = json!({
            "name": "yes",
            "a": "null", "b": "1.0", "c": "0x1F", "d": "- dash", "e": "#hash", "f": ": colon",
            "g": "ends with a space \nnext", "h": "\ttab\nline", "i": "  indented\nfirst line", "j": "\n\nleading breaks",
            "k": "trailing breaks\n\n\n", "l": "", "m": [], "n": {}, "o": 1.5, "p": 10, "q": -3, "r": null, "s": true,
            "t": "émoji 🎙️ and \u{7f} and \r\n windows", "u": 1e300, "weird key: #1": "v",
        });
        let text = render(&file(document.clone())).unwrap();
        assert_eq!(parse(&text).unwrap().document, document, "{text}");
    }

    #[test]
    fn a_file_that_is_not_an_assistant_is_explained() {
        let err = parse("id: 1\nconnection: {label: Main}\ndocumnet: {}\n").unwrap_err();
        assert!(err.contains("documnet"), "{err}");
        let err = parse("connection: {label: Main}\ndocument: [1, 2]\n").unwrap_err();
        assert!(err.contains("mapping"), "{err}");
        let err = parse("connection: {label: Main}\ndocument:\n  name: \"open\n").unwrap_err();
        assert!(err.contains("line"), "{err}");
    }

    #[test]
    fn slugs_are_lowercase_words_joined_by_dashes() {
        assert_eq!(slug("Front Desk Receptionist", "x"), "front-desk-receptionist");
        assert_eq!(slug("  Réception / 24h!  ", "x"), "réception-24h");
        assert_eq!(slug("../..", "assistant"), "assistant");
        assert_eq!(slug(&"a".repeat(100), "x").len(), 60);
    }

    #[test]
    fn taken_paths_get_a_numbered_suffix() {
        let mut taken = HashSet::new();
        assert_eq!(free_path(&mut taken, "main", "riley"), Path::new("main/riley.yaml"));
        assert_eq!(free_path(&mut taken, "main", "riley"), Path::new("main/riley-2.yaml"));
        assert_eq!(free_path(&mut taken, "other", "riley"), Path::new("other/riley.yaml"));
    }

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b.yaml");
        write_atomic(&path, "one").unwrap();
        write_atomic(&path, "two").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(std::fs::read_dir(dir.path().join("a")).unwrap().count(), 1);
    }
}
