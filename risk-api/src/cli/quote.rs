//! `risk quote`: coverage options for one firm priced on the same simulated years (contract §10).

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::dto::quote::QuoteDto;
use risk_core::pricing::quote;
use risk_core::profile::parse_options;

/// Prices the options of `OPTIONS.json` (a bare list of coverage objects; default: the
/// profile's own coverage) for the profile; the insurer's view (with adequacy).
pub(super) fn run_quote(args: &FirmArgs, options: Option<&Path>) -> Result<String, CliError> {
    let (_, profile, params) = load_firm(args)?;
    let coverages = match options {
        None => vec![profile.coverage],
        Some(path) => {
            let text = read_input(path)?;
            parse_options(&text, &profile, &params)
                .map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))?
        }
    };
    let q = with_threads(args.threads, || {
        quote(&profile, &coverages, &params, args.trials, args.seed)
    })?
    .map_err(|e| CliError::BadInput(e.to_string()))?;
    let dto = QuoteDto::new(&profile, &params, &q, true);
    Ok(serde_json::to_string_pretty(&dto).map_err(anyhow::Error::from)?)
}
