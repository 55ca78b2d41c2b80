//! The shape of an input error shared by every parser of the crate (loss spec, model file, firm
//! profile, shock list): a field path and a lower-case message.

use std::fmt;

/// One invalid input field: `field` is its path (`perils[0].severity.sigma`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the field in the input document, dotted with `[i]` indices.
    pub field: String,
    /// What is wrong with it, lower case.
    pub message: String,
}

impl FieldError {
    /// An error at `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}
