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

/// A deterministic id for a command-line assessment: the same inputs give the same id.
pub(super) fn assessment_id(
    profile_text: &str,
    params: &ModelParams,
    trials: u64,
    seed: u64,
) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(profile_text.as_bytes());
    h.update(params.hash.as_bytes());
    h.update(trials.to_le_bytes());
    h.update(seed.to_le_bytes());
    let b = h.finalize();
    let hex = hex::encode(&b[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}
