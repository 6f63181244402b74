//! Engine errors, split by whose fault they are: bad input fails a document or a page and is
//! never charged; nothing here is an internal bug of the caller.

/// Why a whole document cannot be read. The code strings are the Result v1 error codes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("the file is not a PDF")]
    UnsupportedFormat,
    #[error("the PDF is damaged beyond repair: {0}")]
    Corrupt(String),
    #[error("the PDF is password-protected")]
    Encrypted,
}

impl DocumentError {
    pub fn code(&self) -> &'static str {
        match self {
            DocumentError::UnsupportedFormat => "unsupported_format",
            DocumentError::Corrupt(_) => "corrupt_pdf",
            DocumentError::Encrypted => "encrypted_pdf",
        }
    }
}

/// Why one page could not be analysed; the rest of the document goes on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("page {0} does not exist")]
    NoSuchPage(usize),
    #[error("page {page} could not be read: {reason}")]
    Unreadable { page: usize, reason: String },
    /// The page would take more memory than it is allowed ([`crate::limits`]).
    #[error("page {page} is over a resource limit: {reason}")]
    ResourceLimit { page: usize, reason: String },
}

impl PageError {
    pub fn code(&self) -> &'static str {
        match self {
            PageError::NoSuchPage(_) | PageError::Unreadable { .. } => "page_failed",
            PageError::ResourceLimit { .. } => "page_resource_limit",
        }
    }
}
