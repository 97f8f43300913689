//! Assistant documents kept as the provider's own JSON: read-only fields, canonical form and
//! content hash, diff per JSON path, three-way merge and merge patches.

mod canonical;
mod diff;
mod merge;
mod patch;
mod path;
mod readonly;
#[cfg(test)]
mod strategies;
mod text_diff;

pub use canonical::{canonical_json, content_hash, normalize_numbers};
pub use diff::{diff, Change, ChangeKind};
pub use merge::{merge, Conflict, MergeOutcome, Resolution, ResolveError};
pub use patch::apply_merge_patch;
pub use path::{Path, Segment};
pub use readonly::strip_read_only;
pub use text_diff::{text_diff, DiffLine, LineKind, Span};

use serde_json::Value;

/// Whether an array is diffed and merged as one value rather than element by element: when
/// either side holds only scalars (`endCallPhrases`, `toolIds`), so a reorder is one change.
fn is_whole(left: &[Value], right: &[Value]) -> bool {
    let scalars = |items: &[Value]| items.iter().all(|v| !v.is_object() && !v.is_array());
    scalars(left) || scalars(right)
}
