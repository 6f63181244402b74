//! Match keys: the forms of a sheet or section number that compare equal however it was typed.

/// `E-201A`, `e 201a` and `E.201A` → `E201A`: upper case without `-`, `.` and whitespace.
pub fn sheet_key(number: &str) -> String {
    number
        .chars()
        .filter(|c| !matches!(c, '-' | '.') && !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// `03 30 00`, `033000` and `03-30-00` → `033000`; `26 05 33.13` → `26053313`.
pub fn section_key(number: &str) -> String {
    number.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_numbers_match_ignoring_separators_and_case() {
        for typed in ["E-201A", "E201A", "e 201a", "E.201A", "E - 201 A"] {
            assert_eq!(sheet_key(typed), "E201A", "{typed}");
        }
        assert_ne!(sheet_key("E-201B"), sheet_key("E-201A"));
    }

    #[test]
    fn section_numbers_match_in_every_printed_form() {
        for typed in ["03 30 00", "033000", "03-30-00", "03 3000"] {
            assert_eq!(section_key(typed), "033000", "{typed}");
        }
        assert_eq!(section_key("26 05 33.13"), "26053313");
    }
}
