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

/// Reads exactly one JSON document of type `T`.
///
/// Every core parser reads its input through here so that all agree on two things: a shape error
/// (unknown field, wrong type, missing field) is one [`FieldError`] whose field is
/// `field(path, message)` — `path` being where serde stopped, `"."` at the root or `"?"` before
/// it got there — and a document followed by anything but whitespace (a second object, a stray
/// bracket) is refused under the name `document`, not read to its end with the rest dropped.
///
/// # Errors
/// The first shape error, or the trailing characters.
pub(crate) fn parse_document<T: serde::de::DeserializeOwned>(
    json: &str,
    document: &str,
    field: impl FnOnce(&str, &str) -> String,
) -> Result<T, FieldError> {
    let de = &mut serde_json::Deserializer::from_str(json);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        FieldError::new(field(&path, &message), message)
    })?;
    de.end()
        .map_err(|e| FieldError::new(document, e.to_string()))?;
    Ok(value)
}

/// The field a shape error is reported at, for documents whose fields are named without a prefix
/// (`firm.name`, `perils[0].severity`): `document` at the root, the path itself below it.
pub(crate) fn path_or(document: &str, path: &str) -> String {
    if is_root(path) {
        document.to_string()
    } else {
        path.to_string()
    }
}

/// The same for documents that are a list named by their prefix (`options[1].limit`,
/// `shocks[0].severity`): `document` at the root, `document` followed by the path below it.
pub(crate) fn prefixed(document: &str, path: &str) -> String {
    if is_root(path) {
        document.to_string()
    } else if path.starts_with('[') {
        format!("{document}{path}")
    } else {
        format!("{document}.{path}")
    }
}

/// serde_path_to_error's path of the document itself (`"?"`: it failed before reading any of it).
pub(crate) fn is_root(path: &str) -> bool {
    path == "." || path == "?"
}
