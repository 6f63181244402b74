//! Prefixed ULID identifiers: `<prefix>_<26 lowercase base32 chars>`.

/// Every id prefix the API hands out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdKind {
    Org,
    Key,
    Project,
    Job,
    Document,
    Sheet,
    Region,
    Spec,
    Facet,
    DocSection,
    Evidence,
    Event,
    Download,
    Submittal,
}

impl IdKind {
    pub fn prefix(self) -> &'static str {
        match self {
            IdKind::Org => "org",
            IdKind::Key => "key",
            IdKind::Project => "proj",
            IdKind::Job => "job",
            IdKind::Document => "doc",
            IdKind::Sheet => "sheet",
            IdKind::Region => "region",
            IdKind::Spec => "spec",
            IdKind::Facet => "facet",
            IdKind::DocSection => "docsec",
            IdKind::Evidence => "ev",
            IdKind::Event => "evt",
            IdKind::Download => "dl",
            IdKind::Submittal => "subm",
        }
    }
}

/// A fresh id of the given kind.
pub fn new_id(kind: IdKind) -> String {
    format!(
        "{}_{}",
        kind.prefix(),
        ulid::Ulid::new().to_string().to_lowercase()
    )
}

/// Parses an id from a path: the prefix must match and the rest must be a ULID.
/// Anything else is `None`, which routes answer with `404 not_found`.
pub fn parse_id(kind: IdKind, s: &str) -> Option<String> {
    let rest = s.strip_prefix(kind.prefix())?.strip_prefix('_')?;
    if rest.len() != 26
        || !rest
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    {
        return None;
    }
    ulid::Ulid::from_string(rest).ok()?;
    Some(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_parse_back_and_wrong_prefixes_do_not() {
        let id = new_id(IdKind::Job);
        assert!(id.starts_with("job_"));
        assert_eq!(id.len(), 4 + 26);
        assert_eq!(parse_id(IdKind::Job, &id).as_deref(), Some(id.as_str()));
        assert_eq!(parse_id(IdKind::Project, &id), None);
        assert_eq!(parse_id(IdKind::Job, "job_../../etc/passwd"), None);
        assert_eq!(parse_id(IdKind::Job, &id.to_uppercase()), None);
        assert_eq!(parse_id(IdKind::Job, "job_"), None);
    }
}
