//! The submittal type vocabulary and how a paragraph's words map onto it.
//!
//! Types are tried in a fixed order, so the more specific wording wins: "maintenance contractor
//! qualifications" is qualification data before it is anything about maintenance, "test plan"
//! is `other` before it is a test report, "Maintenance Materials" are extra stock, not O&M data.

use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// What kind of document or object a submittal is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmittalType {
    ProductData,
    ShopDrawings,
    Samples,
    CoordinationDrawings,
    Certificates,
    TestReports,
    QualificationData,
    Calculations,
    Warranty,
    OperationMaintenance,
    Mockups,
    Schedules,
    Other,
}

impl SubmittalType {
    pub const ALL: [SubmittalType; 13] = [
        Self::ProductData,
        Self::ShopDrawings,
        Self::Samples,
        Self::CoordinationDrawings,
        Self::Certificates,
        Self::TestReports,
        Self::QualificationData,
        Self::Calculations,
        Self::Warranty,
        Self::OperationMaintenance,
        Self::Mockups,
        Self::Schedules,
        Self::Other,
    ];

    /// The wire name: `product_data`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ProductData => "product_data",
            Self::ShopDrawings => "shop_drawings",
            Self::Samples => "samples",
            Self::CoordinationDrawings => "coordination_drawings",
            Self::Certificates => "certificates",
            Self::TestReports => "test_reports",
            Self::QualificationData => "qualification_data",
            Self::Calculations => "calculations",
            Self::Warranty => "warranty",
            Self::OperationMaintenance => "operation_maintenance",
            Self::Mockups => "mockups",
            Self::Schedules => "schedules",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Keyword rules in the order they are tried. `Other` rules name what the vocabulary files
/// under `other` (mix designs, record documents, extra stock, plans, contracts).
static RULES: LazyLock<Vec<(SubmittalType, Regex)>> = LazyLock::new(|| {
    use SubmittalType::*;
    [
        (CoordinationDrawings, r"coordination\s+drawings?"),
        (QualificationData, r"qualifications?\b|\bqualification\s+data|experience\s+records?"),
        (Other, r"maintenance\s+(?:materials?|contracts?|stock)|extra\s+(?:materials?|stock)|spare\s+parts|attic\s+stock|record\s+(?:documents|drawings)|as-built|mix\s+designs?|test(?:ing)?\s+plans?|lesson\s+plans?|training\s+(?:plans?|materials?)"),
        (Warranty, r"warrant|guarant"),
        (Mockups, r"mock-?\s?ups?"),
        (Samples, r"\bsamples?\b|draw-?\s?downs?"),
        (ShopDrawings, r"shop\s+drawings?|layout\s+drawings?|installation\s+drawings?|fabrication\s+drawings?|design\s+documents|wiring\s+diagrams?|proposed\s+configuration"),
        (OperationMaintenance, r"operation(?:s|al)?\s+(?:and|&)\s+maintenance|operating\s+(?:and|&)\s+maintenance|\bO\s?&\s?M\b|maintenance\s+(?:data|manuals?|instructions)|operation\s+data|operating\s+(?:data|instructions|manuals?)"),
        (Certificates, r"certif|letters?\s+of\s+(?:conformance|compliance)|record\s+of\s+completion|affidavit"),
        (TestReports, r"tests?\s+(?:and\s+)?(?:inspection\s+)?reports?|inspection\s+(?:and\s+test\s+)?reports?|test(?:ing)?\s+(?:data|results)|field\s+(?:quality[- ]control\s+)?reports?|quality[- ]control\s+reports?|final\s+reports?|balancing\s+reports?|\bTAB\s+reports?|source\s+quality|field\s+reports?"),
        (Calculations, r"calculations?|design\s+data|structural\s+analysis|delegated[- ]design"),
        (ProductData, r"product\s+data|catalog|cut\s+sheets?|brochure|literature|manufacturer'?s?’?s?\s+data|data\s+sheets?|technical\s+data|installation\s+instructions|performance\s+data"),
        (Schedules, r"schedules?\b"),
    ]
    .into_iter()
    .map(|(t, p)| (t, Regex::new(&format!("(?i){p}")).unwrap()))
    .collect()
});

/// The type the words name, if any (the first rule that matches).
pub fn type_of(words: &str) -> Option<SubmittalType> {
    RULES
        .iter()
        .find(|(_, re)| re.is_match(words))
        .map(|(t, _)| *t)
}

/// Every type the words name, in rule order.
pub fn types_named(words: &str) -> Vec<SubmittalType> {
    RULES
        .iter()
        .filter(|(_, re)| re.is_match(words))
        .map(|(t, _)| *t)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use SubmittalType::*;

    #[test]
    fn specific_wording_wins_over_general_wording() {
        let cases = [
            (
                "Evidence of maintenance contractor qualifications",
                QualificationData,
            ),
            (
                "Submit inspection and test plan prior to demonstration",
                Other,
            ),
            ("Maintenance Materials and Tools", Other),
            ("Maintenance Data", OperationMaintenance),
            ("Shop Drawings - Door Hardware Schedule", ShopDrawings),
            ("Keying Schedule", Schedules),
            ("Manufacturer's Certificate", Certificates),
            ("Samples for Verification", Samples),
            ("Duct leakage test report summary", TestReports),
            ("Testing data shall be submitted", TestReports),
            ("Product Data for Sealants", ProductData),
            ("Installer's warranty that the installation", Warranty),
            ("Mock-Ups", Mockups),
            ("Delegated-Design Submittal: For anchors", Calculations),
        ];
        for (words, want) in cases {
            assert_eq!(type_of(words), Some(want), "{words}");
        }
        assert_eq!(type_of("Drawings must be prepared as CAD files"), None);
    }

    #[test]
    fn wire_names_round_trip() {
        for t in SubmittalType::ALL {
            assert_eq!(SubmittalType::parse(t.as_str()), Some(t));
        }
    }
}
