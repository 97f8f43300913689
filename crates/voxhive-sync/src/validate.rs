//! Checks a document before it is saved: the provider's official schema, where the user changed
//! the document, and that tools newly attached to it exist in the account.

use std::collections::HashSet;
use std::fmt;

use serde_json::Value;
use voxhive_core::doc::{diff, strip_read_only};
use voxhive_providers::schema::{check_assistant, SchemaProblem};
use voxhive_providers::{ProviderClient, ProviderKind, Resource};

use crate::SyncError;

/// At most this many problems are spelled out in one message.
const PROBLEMS_SHOWN: usize = 5;

/// One thing wrong with a document, at one field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    /// Where, as an RFC 6901 JSON pointer (`/model/temperature`); empty for the whole document.
    pub path: String,
    /// What is wrong: "must be at most 2".
    pub message: String,
}

impl FieldProblem {
    /// The path as the pages show paths: `model.messages[0].content`.
    pub fn shown_path(&self) -> String {
        let mut shown = String::new();
        for segment in self.path.split('/').skip(1) {
            let key = segment.replace("~1", "/").replace("~0", "~");
            if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
                shown.push_str(&format!("[{key}]"));
            } else if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                if !shown.is_empty() {
                    shown.push('.');
                }
                shown.push_str(&key);
            } else {
                shown.push_str(&format!("[{}]", Value::from(key)));
            }
        }
        shown
    }

    /// Problems as one message: "model.temperature: must be at most 2; …", the first few only.
    pub fn summary(problems: &[FieldProblem]) -> String {
        let mut shown: Vec<String> = problems.iter().take(PROBLEMS_SHOWN).map(ToString::to_string).collect();
        if problems.len() > PROBLEMS_SHOWN {
            shown.push(format!("and {} more", problems.len() - PROBLEMS_SHOWN));
        }
        shown.join("; ")
    }
}

impl From<SchemaProblem> for FieldProblem {
    fn from(problem: SchemaProblem) -> Self {
        FieldProblem {
            path: problem.path,
            message: problem.message,
        }
    }
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.shown_path(), self.message)
        }
    }
}

/// The problems the provider's schema finds in `document` that block saving it over `previous`.
///
/// Read-only fields are left out on both sides. Without a previous document (a new assistant)
/// every problem blocks. With one, a problem blocks only where the edit touched: at or inside a
/// path that changed, or around one when the edit brought it (a branch the change no longer
/// fits). An imported document that the contract does not describe perfectly stays editable
/// everywhere else.
pub fn check_document(provider: &str, previous: Option<&Value>, document: &Value) -> Vec<FieldProblem> {
    let Ok(kind) = provider.parse::<ProviderKind>() else {
        return Vec::new();
    };
    let document = strip_read_only(provider, document);
    let problems = check_assistant(kind, &document);
    let Some(previous) = previous else {
        return problems.into_iter().map(FieldProblem::from).collect();
    };
    if problems.is_empty() {
        return Vec::new();
    }
    let previous = strip_read_only(provider, previous);
    let changed: Vec<String> = diff(&previous, &document).iter().map(|c| c.path.pointer()).collect();
    let within = |path: &str| changed.iter().any(|c| path == c || is_inside(path, c));
    let around = |path: &str| changed.iter().any(|c| is_inside(c, path));
    let mut before: Option<Vec<SchemaProblem>> = None;
    let mut blocking = Vec::new();
    for problem in problems {
        let blocks = within(&problem.path)
            || (around(&problem.path)
                && !before
                    .get_or_insert_with(|| check_assistant(kind, &previous))
                    .contains(&problem));
        if blocks {
            blocking.push(FieldProblem::from(problem));
        }
    }
    blocking
}

/// Whether the pointer `path` is strictly inside the pointer `ancestor`.
fn is_inside(path: &str, ancestor: &str) -> bool {
    path.strip_prefix(ancestor).is_some_and(|rest| rest.starts_with('/'))
}

/// [`check_document`] as a result: `SyncError::Invalid` when anything blocks.
pub(crate) fn refuse_invalid(provider: &str, previous: Option<&Value>, document: &Value) -> Result<(), SyncError> {
    let problems = check_document(provider, previous, document);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(SyncError::Invalid(problems))
    }
}

/// Where a provider's document lists the ids of the tools its model may call.
fn tool_ids_path(provider: &str) -> Option<&'static [&'static str]> {
    Some(crate::tools::tool_ids_path(provider.parse::<ProviderKind>().ok()?))
}

/// The tool ids a document attaches, with their index.
fn tool_ids<'a>(doc: &'a Value, path: &[&str]) -> Vec<(usize, &'a str)> {
    path.iter()
        .try_fold(doc, |at, key| at.get(*key))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, id)| Some((i, id.as_str()?)))
        .collect()
}

/// Refuses tool ids that `document` attaches and `previous` did not (all of them for a new
/// assistant) when the account's tool list, read whole, does not have them. The provider is asked
/// only when there are such ids; when it cannot answer, the save goes ahead (local first) and
/// the skipped check is logged.
pub async fn check_tools(
    client: &dyn ProviderClient,
    provider: &str,
    previous: Option<&Value>,
    document: &Value,
) -> Result<(), SyncError> {
    let Some(path) = tool_ids_path(provider) else {
        return Ok(());
    };
    let before: HashSet<&str> = previous
        .map(|p| tool_ids(p, path).into_iter().map(|(_, id)| id).collect())
        .unwrap_or_default();
    let added: Vec<(usize, &str)> = tool_ids(document, path)
        .into_iter()
        .filter(|(_, id)| !before.contains(id))
        .collect();
    if added.is_empty() {
        return Ok(());
    }
    let listing = match client.list(Resource::Tools).await {
        Ok(listing) => listing,
        Err(err) => {
            tracing::warn!(%err, provider, "tool ids not checked: the provider did not list its tools");
            return Ok(());
        }
    };
    let known: HashSet<&str> = listing.items.iter().map(|t| t.id.as_str()).collect();
    let pointer: String = path.iter().map(|key| format!("/{key}")).collect();
    let problems: Vec<FieldProblem> = added
        .into_iter()
        .filter(|(_, id)| !known.contains(id))
        .map(|(i, id)| FieldProblem {
            path: format!("{pointer}/{i}"),
            message: format!("no tool with id {id} in this account"),
        })
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    if !listing.skipped.is_empty() {
        // A record the client could not read may be one of these tools.
        tracing::warn!(
            provider,
            skipped = listing.skipped.len(),
            "tool ids not checked: the tool list was not read whole"
        );
        return Ok(());
    }
    Err(SyncError::Invalid(problems))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn problem(path: &str) -> FieldProblem {
        FieldProblem {
            path: path.into(),
            message: "must be at most 2".into(),
        }
    }

    #[test]
    fn paths_are_shown_the_way_the_pages_show_them() {
        assert_eq!(problem("/model/temperature").shown_path(), "model.temperature");
        assert_eq!(
            problem("/model/messages/0/content").shown_path(),
            "model.messages[0].content"
        );
        assert_eq!(
            problem("/server/headers/a~1b c").shown_path(),
            r#"server.headers["a/b c"]"#
        );
        assert_eq!(
            problem("/model/temperature").to_string(),
            "model.temperature: must be at most 2"
        );
        assert_eq!(problem("").to_string(), "must be at most 2");
    }

    #[test]
    fn a_long_list_of_problems_is_cut_short() {
        let problems: Vec<FieldProblem> = (0..7).map(|i| problem(&format!("/a{i}"))).collect();
        let text = FieldProblem::summary(&problems);
        assert!(text.starts_with("a0: must be at most 2; a1: "), "{text}");
        assert!(text.ends_with("a4: must be at most 2; and 2 more"), "{text}");
    }

    #[test]
    fn only_problems_where_the_edit_touched_block() {
        // An imported document with an odd value the contract does not allow.
        let imported = json!({"id": "a1", "name": "Riley", "maxDurationSeconds": 1, "model": {"provider": "openai", "model": "gpt-4o", "temperature": 0.5}});
        let mut renamed = imported.clone();
        renamed["name"] = json!("Riley 2");
        assert_eq!(check_document("vapi", Some(&imported), &renamed), []);

        let mut hot = imported.clone();
        hot["model"]["temperature"] = json!(7);
        let problems = check_document("vapi", Some(&imported), &hot);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].path, "/model/temperature");

        let everything = check_document("vapi", None, &renamed);
        assert_eq!(everything.len(), 1, "a new document is checked whole: {everything:?}");
        assert_eq!(everything[0].path, "/maxDurationSeconds");
    }

    #[test]
    fn a_problem_around_a_change_blocks_only_when_the_change_brought_it() {
        let before = json!({"model": {"provider": "openai", "model": "gpt-4o"}});
        let mut after = before.clone();
        after["model"]["provider"] = json!("nobody");
        let problems = check_document("vapi", Some(&before), &after);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].path, "/model/provider");

        // A transcriber without a provider matches no known transcriber: the problem is at
        // /transcriber, around the changed /transcriber/model.
        let odd = json!({"transcriber": {"model": "nova-2"}});
        let edited = json!({"transcriber": {"model": "nova-3"}});
        assert_eq!(check_document("vapi", Some(&odd), &edited), [], "it was there before");
        let fine = json!({"transcriber": {"provider": "deepgram", "model": "nova-2"}});
        let broken = json!({"transcriber": {"model": "nova-2"}});
        let problems = check_document("vapi", Some(&fine), &broken);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].path, "/transcriber");
    }

    #[test]
    fn read_only_fields_and_unknown_providers_are_not_checked() {
        let doc = json!({"id": "a1", "orgId": "o1", "createdAt": "2026-01-01T00:00:00Z", "name": "A"});
        assert_eq!(check_document("vapi", None, &doc), []);
        assert_eq!(check_document("retell", None, &json!({"anything": 1})), []);
    }
}
