//! Line-by-line diff of long text such as a system prompt, with changed words highlighted.

use std::borrow::Cow;

use similar::{ChangeTag, InlineChangeOptions, TextDiff};

/// One line of a text diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffLine {
    pub kind: LineKind,
    /// 1-based line number in the old text, if the line is there.
    pub old_number: Option<usize>,
    /// 1-based line number in the new text, if the line is there.
    pub new_number: Option<usize>,
    /// The line's text without its line ending, cut where words changed.
    pub spans: Vec<Span>,
}

/// Whether a line is in both texts, only the old or only the new.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    Unchanged,
    Removed,
    Added,
}

/// A run of text in a line; `changed` marks words that differ from the paired line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub changed: bool,
}

/// The lines of `old` and `new` in order, unchanged, removed or added; a line replaced by a
/// similar one has the words that differ marked as changed. A missing newline at the end is
/// ignored, so a line appended to a prompt shows as one added line.
pub fn text_diff(old: &str, new: &str) -> Vec<DiffLine> {
    let (old, new) = (with_final_newline(old), with_final_newline(new));
    let diff = TextDiff::from_lines(old.as_ref(), new.as_ref());
    let mut options = InlineChangeOptions::new();
    options.semantic_cleanup(true);
    let mut lines = Vec::new();
    for op in diff.ops() {
        for change in diff.iter_inline_changes_with_options(op, options) {
            let kind = match change.tag() {
                ChangeTag::Equal => LineKind::Unchanged,
                ChangeTag::Delete => LineKind::Removed,
                ChangeTag::Insert => LineKind::Added,
            };
            let mut spans: Vec<Span> = Vec::new();
            for (changed, text) in change.iter_strings_lossy() {
                let text = text.trim_end_matches(['\n', '\r']);
                match spans.last_mut() {
                    Some(last) if last.changed == changed => last.text.push_str(text),
                    _ if !text.is_empty() => spans.push(Span {
                        text: text.to_owned(),
                        changed,
                    }),
                    _ => {}
                }
            }
            lines.push(DiffLine {
                kind,
                old_number: change.old_index().map(|i| i + 1),
                new_number: change.new_index().map(|i| i + 1),
                spans,
            });
        }
    }
    lines
}

fn with_final_newline(text: &str) -> Cow<'_, str> {
    if text.is_empty() || text.ends_with('\n') {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(format!("{text}\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(kind: LineKind, old: Option<usize>, new: Option<usize>, spans: &[(&str, bool)]) -> DiffLine {
        let spans = spans
            .iter()
            .map(|(text, changed)| Span {
                text: (*text).to_owned(),
                changed: *changed,
            })
            .collect();
        DiffLine {
            kind,
            old_number: old,
            new_number: new,
            spans,
        }
    }

    #[test]
    fn a_changed_prompt_line_shows_the_words_that_changed() {
        let old = "You are Riley, a scheduling assistant.\nBe polite.\nNever give medical advice.\n";
        let new = "You are Riley, a friendly booking assistant.\nBe polite.\nNever give medical advice.\n";
        let lines = text_diff(old, new);
        assert_eq!(
            lines[..2],
            [
                line(
                    LineKind::Removed,
                    Some(1),
                    None,
                    &[
                        ("You are Riley, a ", false),
                        ("scheduling", true),
                        (" assistant.", false)
                    ]
                ),
                line(
                    LineKind::Added,
                    None,
                    Some(1),
                    &[
                        ("You are Riley, a ", false),
                        ("friendly booking", true),
                        (" assistant.", false)
                    ]
                ),
            ]
        );
        assert_eq!(
            lines[2],
            line(LineKind::Unchanged, Some(2), Some(2), &[("Be polite.", false)])
        );
        assert_eq!(lines.len(), 4);
    }

    #[test]
    fn added_and_removed_lines_are_numbered_in_their_own_text() {
        let lines = text_diff("one\ntwo\nthree", "one\nthree\nfour\n");
        let summary: Vec<_> = lines
            .iter()
            .map(|l| (l.kind, l.old_number, l.new_number, l.spans[0].text.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                (LineKind::Unchanged, Some(1), Some(1), "one"),
                (LineKind::Removed, Some(2), None, "two"),
                (LineKind::Unchanged, Some(3), Some(2), "three"),
                (LineKind::Added, None, Some(3), "four"),
            ]
        );
    }

    #[test]
    fn equal_texts_are_all_unchanged_lines() {
        let lines = text_diff("a\nb\n", "a\nb\n");
        assert!(lines.iter().all(|l| l.kind == LineKind::Unchanged));
        assert_eq!(lines.len(), 2);
        assert!(text_diff("", "").is_empty());
    }
}
