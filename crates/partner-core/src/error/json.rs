//! [`JsonError`]: a JSON decoding error that keeps serde's diagnosis but not the input.

use std::fmt;

/// Why JSON did not decode: serde_json's category, line and column.
///
/// serde_json's own message quotes pieces of the input (`invalid type:
/// string "..."`), and the input may be a token answer or a decrypted
/// handoff; this keeps where and what kind of error, never the text.
///
/// ```
/// use partner_core::JsonError;
///
/// let err = serde_json::from_str::<u64>(r#""s3cr3t""#).unwrap_err();
/// let kept = JsonError::from(err);
/// assert_eq!(kept.to_string(), "json does not have the expected shape at line 1 column 8");
/// assert!(!format!("{kept:?}").contains("s3cr3t"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonError {
    category: Category,
    line: usize,
    column: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Category {
    Io,
    Syntax,
    Data,
    Eof,
}

impl JsonError {
    /// The 1-based line where decoding stopped (0 when unknown).
    pub fn line(&self) -> usize {
        self.line
    }

    /// The 1-based column where decoding stopped (0 when unknown).
    pub fn column(&self) -> usize {
        self.column
    }
}

impl From<serde_json::Error> for JsonError {
    fn from(err: serde_json::Error) -> Self {
        use serde_json::error::Category as C;
        let category = match err.classify() {
            C::Io => Category::Io,
            C::Syntax => Category::Syntax,
            C::Data => Category::Data,
            C::Eof => Category::Eof,
        };
        JsonError { category, line: err.line(), column: err.column() }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.category {
            Category::Io => "json could not be read",
            Category::Syntax => "json syntax error",
            Category::Data => "json does not have the expected shape",
            Category::Eof => "json ends early",
        };
        write!(f, "{what} at line {} column {}", self.line, self.column)
    }
}

impl std::error::Error for JsonError {}
