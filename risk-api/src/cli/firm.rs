//! `risk score` and `risk impact`: a firm profile read with its model.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Reads the profile and model of a firm command, validating both and the trial count.
pub(super) fn load_firm(args: &FirmArgs) -> Result<(String, FirmProfile, ModelParams), CliError> {
    if args.trials == 0 || args.trials > MAX_TRIALS {
        return Err(CliError::BadInput(format!(
            "trials: must be between 1 and {MAX_TRIALS}"
        )));
    }
    let params = load_params(&args.model)?;
    let text = read_input(&args.profile)?;
    let today = time::OffsetDateTime::now_utc().date();
    let profile =
        FirmProfile::parse(&text, &params, today).map_err(|e| CliError::BadInput(e.to_string()))?;
    Ok((text, profile, params))
}
