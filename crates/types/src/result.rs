//! Result v1 (API.md §6): the immutable, citable output of a job.
//!
//! Every field of the contract is present; fields the engine does not fill are `null` or empty.

use crate::api::ErrorView;
use serde::{Deserialize, Serialize};

/// A box normalized to the displayed page, origin top-left, each side in [0, 1].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Box01 {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultV1 {
    pub schema_version: String,
    pub job: ResultJob,
    pub usage: ResultUsage,
    pub documents: Vec<ResultDocument>,
    pub evidence: Vec<ResultEvidence>,
    pub warnings: Vec<ResultIssue>,
    pub errors: Vec<ResultIssue>,
    pub generated_at: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultJob {
    pub id: String,
    pub status: String,
    pub external_id: Option<String>,
    pub created_at: String,
    pub completed_at: Option<String>,
    pub expires_at: Option<String>,
    pub result_url: Option<String>,
    pub error: Option<ErrorView>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultUsage {
    pub page_count: i64,
    pub successful_page_count: i64,
    pub failed_page_count: i64,
    pub drawing_page_count: i64,
    pub document_page_count: i64,
    pub successful_drawing_page_count: i64,
    pub successful_document_page_count: i64,
    pub drawing_credits_per_page: i64,
    pub document_credits_per_page: i64,
    pub credits_debited: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultIssue {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page_number: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultArtifact {
    #[serde(rename = "type")]
    pub kind: String,
    pub path: String,
    pub url: Option<String>,
    pub content_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultDocument {
    pub document_id: String,
    pub file_name: String,
    pub classification: String,
    pub detected_classification: Option<String>,
    pub content_type: String,
    pub file_size: i64,
    pub sha256: String,
    pub status: String,
    pub page_count: i64,
    pub successful_page_count: i64,
    pub failed_page_count: i64,
    pub error: Option<ErrorView>,
    pub artifacts: Vec<ResultArtifact>,
    pub pages: Vec<ResultPage>,
    pub sheets: Vec<ResultSheet>,
    pub specifications: Option<Vec<ResultSpecSection>>,
    pub docs: Option<Vec<ResultDocSection>>,
    /// The drawing list this document prints (a cover or general sheet), checked against the
    /// sheets of its job; `null` when it has none.
    #[serde(default)]
    pub sheet_index: Option<ResultSheetIndex>,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultPage {
    pub page_number: i64,
    pub kind: String,
    pub width: f64,
    pub height: f64,
    pub rotation: i64,
    pub text_source: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BoxRef {
    #[serde(rename = "box")]
    pub bbox: Option<Box01>,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FieldRef {
    #[serde(rename = "box")]
    pub bbox: Option<Box01>,
    pub confidence: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SheetFields {
    pub sheet_number: FieldRef,
    pub sheet_name: FieldRef,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultSheet {
    pub sheet_id: String,
    pub page_number: i64,
    pub sheet_number: Option<String>,
    pub sheet_name: Option<String>,
    pub sheet_display_name: Option<String>,
    pub discipline: Option<String>,
    pub discipline_code: Option<String>,
    pub drawing_type: Option<String>,
    pub title_block: BoxRef,
    pub fields: SheetFields,
    pub region_ids: Vec<String>,
    pub artifacts: Vec<ResultArtifact>,
    /// The rows of the sheet's revision block, in mark order (the last is the latest issue);
    /// empty when the sheet has none or its table is blank.
    #[serde(default)]
    pub revisions: Vec<ResultRevision>,
    /// Callouts, sheet references and spec references printed on the sheet, resolved against
    /// the sheets and sections of the job and its project when the job finished.
    #[serde(default)]
    pub references: Vec<ResultReference>,
}

/// A reference printed on a sheet and where it leads.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultReference {
    /// The id of its `reference` evidence.
    pub reference_id: String,
    /// `detail` (`3/A501`), `sheet` (`SEE SHEET S-201`) or `section` (`SECTION 07 92 00`).
    #[serde(rename = "type")]
    pub kind: String,
    /// The words as printed.
    pub text: String,
    pub target_sheet_number: Option<String>,
    pub target_detail: Option<String>,
    /// `07 92 00` form.
    pub target_section: Option<String>,
    /// `resolved`, `missing_sheet`, `missing_detail` or `missing_section`.
    pub status: String,
    pub target_sheet_id: Option<String>,
    pub target_specification_id: Option<String>,
    #[serde(rename = "box")]
    pub bbox: Box01,
}

/// One row of a sheet's revision block.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultRevision {
    /// The revision mark as printed (`1`, `A`), when the row has one.
    pub mark: Option<String>,
    pub date: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "box")]
    pub bbox: Box01,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultSpecPart {
    pub label: String,
    pub title: String,
    pub page_start: i64,
    pub page_end: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultSpecArticle {
    pub number: String,
    pub title: String,
    pub page_number: i64,
}

/// One required submittal of a spec section: what to submit, where the spec asks for it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultSubmittal {
    pub submittal_id: String,
    /// `product_data`, `shop_drawings`, `samples`, `coordination_drawings`, `certificates`,
    /// `test_reports`, `qualification_data`, `calculations`, `warranty`,
    /// `operation_maintenance`, `mockups`, `schedules` or `other`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The paragraph's lead-in and main content, at most 200 characters.
    pub description: String,
    /// The whole paragraph, across line and page breaks, with its sub-paragraphs.
    pub text: String,
    /// The paragraph number as printed: `1.04 B`, `1.4 A.1`.
    pub article: String,
    /// `submittals`, `closeout`, `warranty` or `elsewhere`: the kind of article it is printed in.
    pub source: String,
    /// The 1-based page where the paragraph begins.
    pub page_number: i64,
    /// The paragraph's lines on that page.
    #[serde(rename = "box")]
    pub bbox: Box01,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultSpecSection {
    pub specification_id: String,
    pub section_number: String,
    pub section_title: String,
    pub page_start: i64,
    pub page_end: i64,
    pub start_box: Option<Box01>,
    pub parts: Vec<ResultSpecPart>,
    pub articles: Vec<ResultSpecArticle>,
    /// The submittals the section requires, one per distinct submittal (a Plansift extension).
    pub submittals: Vec<ResultSubmittal>,
    pub referenced_standards: Vec<String>,
    pub related_sections: Vec<String>,
    pub confidence: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultDocItem {
    pub label: String,
    pub text: String,
    pub references: Vec<String>,
    pub page_number: i64,
    #[serde(rename = "box")]
    pub bbox: Option<Box01>,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultDocSection {
    pub doc_section_id: String,
    pub doc_type: String,
    pub title: String,
    pub page_start: i64,
    pub page_end: i64,
    pub items: Vec<ResultDocItem>,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultEvidence {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub region_type: Option<String>,
    pub label: Option<String>,
    pub text: Option<String>,
    pub document_id: String,
    pub page_number: i64,
    pub sheet_number: Option<String>,
    #[serde(rename = "box")]
    pub bbox: Option<Box01>,
    pub source_catalog_uri: Option<String>,
}

/// A document's drawing list and how it compares with the sheets issued in the same job.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultSheetIndex {
    /// The page the list is printed on.
    pub source_page: i64,
    pub entries: Vec<ResultIndexEntry>,
    pub findings: Vec<ResultIndexFinding>,
}

#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultIndexEntry {
    pub sheet_number: String,
    pub sheet_title: String,
    #[serde(rename = "box")]
    pub bbox: Box01,
}

/// A difference between the list and the issued sheets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultIndexFinding {
    /// `missing_sheet` (listed, not issued), `extra_sheet` (issued, not listed),
    /// `title_mismatch`, `number_format_mismatch` (`A101` listed, `A-101` issued).
    #[serde(rename = "type")]
    pub kind: String,
    /// The number as listed, or as issued for an extra sheet.
    pub sheet_number: String,
    pub listed_title: Option<String>,
    pub issued_title: Option<String>,
    pub issued_number: Option<String>,
    /// The issued sheet, when there is one.
    pub sheet_id: Option<String>,
    /// The list entry's box on the source page, when listed.
    #[serde(rename = "box")]
    pub bbox: Option<Box01>,
}
