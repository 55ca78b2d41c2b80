//! What a certificate costs to obtain (`data/certification-costs.csv`, each row with its source):
//! the numerator of an impact item's payback period.

use crate::params::ModelParams;
use crate::profile::FirmProfile;
use crate::vocab::Scheme;

/// The cost table, embedded.
const COSTS: &str = include_str!("../../../data/certification-costs.csv");

/// First certification cycle's cost of `scheme` for the firm, in its currency (None when the
/// table has no row for the scheme or the currency has no rate).
pub fn certification_cost(
    scheme: Scheme,
    profile: &FirmProfile,
    params: &ModelParams,
) -> Option<f64> {
    let revenue = params.to_base(profile.annual_revenue, &profile.currency)?;
    let rate = params.rate(&profile.currency)?;
    COSTS.lines().skip(1).find_map(|line| {
        let mut cells = line.splitn(4, ',');
        let (name, up_to, cost) = (cells.next()?, cells.next()?, cells.next()?);
        let up_to: f64 = if up_to == "inf" {
            f64::INFINITY
        } else {
            up_to.parse().ok()?
        };
        (name == scheme.as_str() && revenue <= up_to)
            .then(|| cost.parse::<f64>().ok().map(|c| c * rate))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_parses_and_has_a_tagged_source() {
        for line in COSTS.lines().skip(1) {
            let cells: Vec<&str> = line.splitn(4, ',').collect();
            assert_eq!(cells.len(), 4, "{line}");
            assert!(Scheme::parse(cells[0]).is_some(), "{line}");
            assert!(
                cells[1] == "inf" || cells[1].parse::<f64>().is_ok(),
                "{line}"
            );
            assert!(cells[2].parse::<f64>().is_ok_and(|c| c >= 0.0), "{line}");
            assert!(
                ["\"[A]", "\"[R]", "\"[K]", "\"[V]", "\"[D]"]
                    .iter()
                    .any(|t| cells[3].starts_with(t)),
                "{line}"
            );
        }
        for &s in Scheme::ALL {
            assert!(
                COSTS
                    .lines()
                    .any(|l| l.starts_with(&format!("{s},")) && l.contains(",inf,")),
                "{s} has no open-ended row"
            );
        }
    }
}
