//! Cursor pagination as ElevenLabs answers it: items newest first, an opaque `next_cursor` and `has_more`.

/// One page of items sorted by `(key, id)` descending, starting after `cursor`.
pub fn page<T>(mut items: Vec<(i64, String, T)>, cursor: Option<&str>, size: usize) -> (Vec<T>, Option<String>, bool) {
    items.sort_by(|a, b| (b.0, &b.1).cmp(&(a.0, &a.1)));
    let after = cursor.and_then(decode);
    let mut rest: Vec<(i64, String, T)> = items
        .into_iter()
        .filter(|(k, id, _)| {
            after
                .as_ref()
                .is_none_or(|(ak, aid)| (*k, id.as_str()) < (*ak, aid.as_str()))
        })
        .collect();
    let has_more = rest.len() > size;
    rest.truncate(size);
    let next = rest.last().filter(|_| has_more).map(|(k, id, _)| encode(*k, id));
    (rest.into_iter().map(|(_, _, t)| t).collect(), next, has_more)
}

fn encode(key: i64, id: &str) -> String {
    hex::encode(format!("{key}:{id}"))
}

fn decode(cursor: &str) -> Option<(i64, String)> {
    let text = String::from_utf8(hex::decode(cursor).ok()?).ok()?;
    let (key, id) = text.split_once(':')?;
    Some((key.parse().ok()?, id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_walk_every_item_once_newest_first() {
        let items = || (0..7).map(|i| (i / 2, format!("id{i}"), i)).collect::<Vec<_>>();
        let (mut seen, mut cursor) = (Vec::new(), None);
        loop {
            let (page, next, more) = page(items(), cursor.as_deref(), 3);
            seen.extend(page);
            if !more {
                break;
            }
            cursor = next;
        }
        assert_eq!(seen, [6, 5, 4, 3, 2, 1, 0]);
    }
}
