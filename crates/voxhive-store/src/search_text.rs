//! The words of a search and the snippets shown for it: words are runs of letters and digits,
//! compared without case, as both engines' full-text indexes see them; a snippet is the text
//! around the first match, HTML-escaped, with `<mark>` around every matching word, safe to
//! insert into a page as it is.

/// Word spans: maximal runs of letters and digits, as FTS5's unicode61 tokenizer (and the
/// PostgreSQL column, which turns punctuation into spaces first) sees words.
fn words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        while chars.peek().is_some_and(|(_, c)| !c.is_alphanumeric()) {
            chars.next();
        }
        let (start, _) = *chars.peek()?;
        let mut end = start;
        while let Some((i, c)) = chars.peek().copied().filter(|(_, c)| c.is_alphanumeric()) {
            end = i + c.len_utf8();
            chars.next();
        }
        Some((start, end))
    })
}

/// The distinct words of a search, lowercased; at most 16.
pub(crate) fn search_terms(q: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for (s, e) in words(q) {
        let term = q[s..e].to_lowercase();
        if !terms.contains(&term) && terms.len() < 16 {
            terms.push(term);
        }
    }
    terms
}

/// An FTS5 query requiring every term; terms hold letters and digits only, so quoting is safe.
pub(crate) fn fts5_query(terms: &[String]) -> String {
    terms.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(" ")
}

/// Characters of context kept before the first match, and of snippet in all.
const LEAD: usize = 60;
const WIDTH: usize = 240;

/// The part of `text` around its first matching word, HTML-escaped, with every matching word
/// in `<mark>`; `None` when no word matches.
pub(crate) fn highlight(text: &str, terms: &[String]) -> Option<String> {
    let matches: Vec<(usize, usize)> = words(text)
        .filter(|(s, e)| terms.contains(&text[*s..*e].to_lowercase()))
        .collect();
    let (first, first_end) = *matches.first()?;
    // Start up to LEAD characters before the first match, at the beginning of a word.
    let mut start = text[..first].char_indices().rev().nth(LEAD - 1).map_or(0, |(i, _)| i);
    if start > 0 {
        start = words(&text[start..first]).nth(1).map_or(first, |(s, _)| start + s);
    }
    // End WIDTH characters after the start (never inside the first match), at the end of a word.
    let mut end = text[start..]
        .char_indices()
        .nth(WIDTH)
        .map_or(text.len(), |(i, _)| start + i);
    if end < text.len() {
        end = end.max(first_end);
        let cut_inside_word = text[end..].chars().next().is_some_and(char::is_alphanumeric);
        let mut ends: Vec<usize> = words(&text[first_end..end]).map(|(_, e)| first_end + e).collect();
        if cut_inside_word && ends.last() == Some(&end) {
            ends.pop();
        }
        end = ends.last().copied().unwrap_or(first_end);
    }
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut at = start;
    for &(s, e) in matches.iter().filter(|(_, e)| *e <= end) {
        escape_into(&text[at..s], &mut out);
        out.push_str("<mark>");
        escape_into(&text[s..e], &mut out);
        out.push_str("</mark>");
        at = e;
    }
    escape_into(&text[at..end], &mut out);
    if end < text.len() {
        out.push('…');
    }
    Some(out)
}

/// Appends `text` HTML-escaped, with line breaks and tabs as spaces.
fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(q: &str) -> Vec<String> {
        search_terms(q)
    }

    #[test]
    fn search_terms_are_distinct_lowercase_words() {
        assert_eq!(terms("Refund, refund; REFUND-policy!"), ["refund", "policy"]);
        assert_eq!(terms("\"; DROP TABLE calls --"), ["drop", "table", "calls"]);
        assert_eq!(fts5_query(&terms("Müller 42")), "\"müller\" \"42\"");
        assert!(terms("?!").is_empty());
    }

    #[test]
    fn matches_are_marked_and_everything_else_escaped() {
        let html = highlight("I want a <b>refund</b> & \"quick\"", &terms("refund")).unwrap();
        assert_eq!(
            html,
            "I want a &lt;b&gt;<mark>refund</mark>&lt;/b&gt; &amp; &quot;quick&quot;"
        );
        assert_eq!(highlight("refunds are fine", &terms("refund")), None);
        assert_eq!(
            highlight("Refund. REFUND!", &terms("refund")).unwrap(),
            "<mark>Refund</mark>. <mark>REFUND</mark>!"
        );
    }

    #[test]
    fn long_text_is_cut_around_the_first_match_at_word_boundaries() {
        let text = format!("{} needle {}", "alpha ".repeat(100), "omega ".repeat(100));
        let html = highlight(&text, &terms("needle")).unwrap();
        assert!(html.starts_with("…alpha") && html.ends_with("omega…"), "{html}");
        assert!(html.contains("<mark>needle</mark>"));
        assert!(html.chars().count() <= WIDTH + 20, "{}", html.len());
    }
}
