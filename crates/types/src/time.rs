//! Timestamps: RFC 3339 UTC with milliseconds, `2026-11-28T10:00:00.000Z`.

use chrono::{DateTime, SecondsFormat, Utc};

pub type Timestamp = DateTime<Utc>;

pub fn now() -> Timestamp {
    // Stored and shown at millisecond precision, so keep only that much.
    let t = Utc::now();
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

/// The longest retention a profile may set (100 years).
pub const MAX_RETENTION_DAYS: i64 = 36_500;

/// `t` plus `days` days, held within [0, [`MAX_RETENTION_DAYS`]]: a day count from a profile
/// can never overflow a date (which panics in `chrono`'s `+`).
pub fn after_days(t: &Timestamp, days: i64) -> Timestamp {
    let days = days.clamp(0, MAX_RETENTION_DAYS);
    chrono::Duration::try_days(days)
        .and_then(|d| t.checked_add_signed(d))
        .unwrap_or(*t)
}

pub fn format(t: &Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn parse(s: &str) -> Option<Timestamp> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Serde helpers that write timestamps in the API's format.
pub mod serde_ms {
    use super::*;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).ok_or_else(|| serde::de::Error::custom("invalid timestamp"))
    }

    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&format(t)),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
            let s = Option::<String>::deserialize(d)?;
            match s {
                Some(s) => parse(&s)
                    .map(Some)
                    .ok_or_else(|| serde::de::Error::custom("invalid timestamp")),
                None => Ok(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_with_milliseconds_and_z() {
        let t = super::parse("2026-11-28T10:00:00.123Z").unwrap();
        assert_eq!(super::format(&t), "2026-11-28T10:00:00.123Z");
    }
}

#[cfg(test)]
mod after_days_tests {
    use super::*;

    #[test]
    fn a_huge_day_count_does_not_overflow() {
        let t = now();
        assert_eq!(after_days(&t, 30), t + chrono::Duration::days(30));
        assert_eq!(
            after_days(&t, 100_000_000),
            t + chrono::Duration::days(MAX_RETENTION_DAYS)
        );
        assert_eq!(after_days(&t, i64::MAX), after_days(&t, MAX_RETENTION_DAYS));
        assert_eq!(after_days(&t, -5), t);
    }
}
