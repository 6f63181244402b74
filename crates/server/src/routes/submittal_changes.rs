//! What changed in the submittal register when a later job brought a new version of a spec
//! section (an addendum, a reissue): each current row of such a section is `added`, `changed`
//! or `unchanged` against the section's previous version, and the previous version's items that
//! have no counterpart come back as `removed` rows.
//!
//! An earlier item is the counterpart of a current one when both have the same type and either
//! the same article or descriptions sharing at least half their words; it is `changed` when its
//! text differs (whitespace aside). A section seen in one job only has no `change`.

use crate::error::{ApiError, ApiResult};
use plansift_store::{Col, EntityKind, Filter, MetaStore, all_entities};
use plansift_types::keys::section_key;
use serde_json::{Value, json};

/// Adds `change` (and `previous` for a changed row) to the rows of sections that have an
/// earlier version, and returns that version's removed items. A section's removed items are
/// returned with the page that holds its first current row, so paging lists them once.
pub async fn annotate(
    meta: &dyn MetaStore,
    project_id: &str,
    rows: &mut [Value],
) -> ApiResult<Vec<Value>> {
    let mut keys: Vec<String> = Vec::new();
    for r in rows.iter() {
        let key = section_key(r["sectionNumber"].as_str().unwrap_or_default());
        if !key.is_empty() && !keys.contains(&key) {
            keys.push(key);
        }
    }
    let mut removed = Vec::new();
    for key in keys {
        let read = |current: bool| {
            all_entities(
                meta,
                project_id,
                EntityKind::Submittal,
                vec![
                    Filter::Eq(Col::SectionKey, key.clone()),
                    Filter::Current(current),
                ],
            )
        };
        let earlier = read(false).await?;
        let Some(last) = earlier.last() else { continue };
        let parse = |data: &str| serde_json::from_str::<Value>(data).map_err(ApiError::internal);
        let previous_job = parse(&last.data)?["jobId"].clone();
        let previous: Vec<Value> = earlier
            .iter()
            .map(|r| parse(&r.data))
            .collect::<ApiResult<Vec<_>>>()?
            .into_iter()
            .filter(|r| r["jobId"] == previous_job)
            .collect();
        let current: Vec<Value> = read(true)
            .await?
            .iter()
            .map(|r| parse(&r.data))
            .collect::<ApiResult<_>>()?;
        let (changes, gone) = compare(&previous, &current);
        for row in rows.iter_mut() {
            let id = row["submittalId"].clone();
            if let Some((change, before)) = changes.iter().find(|(c, _)| c["submittalId"] == id) {
                row["change"] = json!(change["change"]);
                if let Some(before) = before {
                    row["previous"] = before.clone();
                }
            }
        }
        let first_here = current
            .first()
            .is_some_and(|c| rows.iter().any(|r| r["submittalId"] == c["submittalId"]));
        if first_here {
            removed.extend(gone);
        }
    }
    Ok(removed)
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn shared_words(a: &str, b: &str) -> f64 {
    let (a, mut b) = (words(a), words(b));
    let total = (a.len() + b.len()) as f64;
    let mut common = 0.0;
    for w in &a {
        if let Some(k) = b.iter().position(|x| x == w) {
            b.swap_remove(k);
            common += 1.0;
        }
    }
    if total == 0.0 {
        0.0
    } else {
        2.0 * common / total
    }
}

fn counterparts(a: &Value, b: &Value) -> bool {
    a["type"] == b["type"]
        && (a["article"] == b["article"]
            || shared_words(
                a["description"].as_str().unwrap_or_default(),
                b["description"].as_str().unwrap_or_default(),
            ) >= 0.5)
}

fn same_text(a: &Value, b: &Value) -> bool {
    words(a["text"].as_str().unwrap_or_default()) == words(b["text"].as_str().unwrap_or_default())
}

/// For each current row `{submittalId, change}` and the previous item's `{submittalId, article,
/// text}` when it changed; and the previous items without a counterpart, marked `removed`.
fn compare(previous: &[Value], current: &[Value]) -> (Vec<(Value, Option<Value>)>, Vec<Value>) {
    let mut used = vec![false; previous.len()];
    let mut changes = Vec::new();
    // Same article first, so a renumbered neighbour does not take an item's counterpart.
    let mut found: Vec<Option<usize>> = vec![None; current.len()];
    for pass in 0..2 {
        for (i, c) in current.iter().enumerate() {
            if found[i].is_some() {
                continue;
            }
            found[i] = previous.iter().enumerate().position(|(j, p)| {
                !used[j]
                    && (if pass == 0 {
                        p["article"] == c["article"] && p["type"] == c["type"]
                    } else {
                        counterparts(p, c)
                    })
            });
            if let Some(j) = found[i] {
                used[j] = true;
            }
        }
    }
    for (c, f) in current.iter().zip(&found) {
        let (change, before) = match f {
            None => ("added", None),
            Some(j) if same_text(&previous[*j], c) => ("unchanged", None),
            Some(j) => (
                "changed",
                Some(json!({
                    "submittalId": previous[*j]["submittalId"],
                    "article": previous[*j]["article"],
                    "text": previous[*j]["text"],
                })),
            ),
        };
        changes.push((
            json!({"submittalId": c["submittalId"], "change": change}),
            before,
        ));
    }
    let gone = previous
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(p, _)| {
            let mut p = p.clone();
            p["change"] = json!("removed");
            p["current"] = json!(false);
            p
        })
        .collect();
    (changes, gone)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, article: &str, kind: &str, text: &str) -> Value {
        json!({"submittalId": id, "article": article, "type": kind, "description": text, "text": text})
    }

    #[test]
    fn items_are_added_changed_unchanged_or_removed() {
        let previous = [
            item(
                "a",
                "1.04 B",
                "product_data",
                "Product Data: data sheets for each paint.",
            ),
            item(
                "b",
                "1.04 C",
                "samples",
                "Samples: three draw-downs of each color.",
            ),
            item("c", "1.05 A", "warranty", "Warranty: five years."),
        ];
        let current = [
            // Renumbered but the same words: unchanged.
            item(
                "x",
                "1.04 A",
                "product_data",
                "Product Data: data sheets for each paint.",
            ),
            item("y", "1.05 A", "warranty", "Warranty: ten years."),
            item("z", "1.04 B", "certificates", "Certification: VOC limits."),
        ];
        let (changes, gone) = compare(&previous, &current);
        let got: Vec<(&str, &str)> = changes
            .iter()
            .map(|(c, _)| {
                (
                    c["submittalId"].as_str().unwrap(),
                    c["change"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(got, [("x", "unchanged"), ("y", "changed"), ("z", "added")]);
        assert_eq!(
            changes[1].1.as_ref().unwrap()["text"],
            "Warranty: five years."
        );
        let gone: Vec<&str> = gone
            .iter()
            .map(|g| g["submittalId"].as_str().unwrap())
            .collect();
        assert_eq!(gone, ["b"]);
    }
}
