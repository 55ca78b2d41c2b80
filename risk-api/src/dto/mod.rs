//! Wire types of the public interface (contract §3 onwards), converted by hand from core types so
//! that a refactor of the core never changes what clients see by accident. One file per
//! resource: `v1` (LossReport, the check report), `firm` (Assessment, Impact), `portfolio`,
//! `calibration`; `input` describes the bodies the core parses (OpenAPI only).

pub mod calibration;
pub mod firm;
pub mod input;
pub mod portfolio;
pub mod questionnaire;
pub mod quote;
pub mod v1;
