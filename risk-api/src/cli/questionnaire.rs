//! `risk questionnaire NAME [ANSWERS.json]`: a questionnaire's answers as a profile plus the
//! mapping (contract §12), the same JSON as `POST /v1/questionnaires/{name}/profile`; without
//! answers, the questionnaire itself (`GET /v1/questionnaires/{name}`).

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::dto::questionnaire::{QuestionnaireDto, QuestionnaireProfileDto};
use risk_core::questionnaire::{built_in, find};

pub(super) fn run_questionnaire(
    name: &str,
    answers: Option<&Path>,
    model: &Option<PathBuf>,
) -> Result<String, CliError> {
    let q = find(name).map_err(|e| {
        let names: Vec<&str> = built_in().iter().map(|q| q.name.as_str()).collect();
        CliError::BadInput(format!("name: {e}; expected one of {}", names.join(", ")))
    })?;
    let json = match answers {
        None => serde_json::to_string_pretty(&QuestionnaireDto::from(q)),
        Some(path) => {
            let params = load_params(model)?;
            let text = read_input(path)?;
            let today = time::OffsetDateTime::now_utc().date();
            let a = q
                .answer(&text, &params, today)
                .map_err(|e| CliError::BadInput(e.to_string()))?;
            serde_json::to_string_pretty(&QuestionnaireProfileDto::new(q, &a))
        }
    };
    Ok(json.map_err(anyhow::Error::from)?)
}
