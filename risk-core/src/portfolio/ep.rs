//! Exceedance-probability curves read the way the market's results standard reads them (ORD's
//! EPT as ktools' `ordleccalc` writes it), from one year-loss table: the aggregate curve (AEP,
//! each year's total) and the occurrence curve (OEP, each year's largest event).
//!
//! # Rank convention
//! With n simulated years sorted from the largest loss down (L₍₁₎ ≥ L₍₂₎ ≥ …), the loss at
//! return period RP is the one of rank r = n/RP: L₍r₎ when r is a whole number, otherwise linear
//! in the return period between ranks ⌊r⌋ (return period n/⌊r⌋) and ⌈r⌉ (n/⌈r⌉). Its TVaR is the
//! mean of the ⌊r⌋ largest years. Return periods above n (r < 1) have no row.
//!
//! The PortfolioReport's `var` is the lower quantile inf{x : F(x) ≥ 1 − 1/RP} = L₍⌊n/RP⌋+1₎ when
//! n/RP is whole (one rank below ktools' L₍n/RP₎), so the two may differ by one rank: for
//! n = 10,000 and RP = 200, ORD reads the 50th largest year, the report's VaR 99.5 the 51st.

/// Standard return periods of ORD output, years.
pub const RETURN_PERIODS: [f64; 10] = [
    2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 250.0, 500.0, 1000.0,
];

/// Which curve: the largest event of each year, or the year's sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EpKind {
    /// Occurrence exceedance (each year's largest event loss).
    Occurrence,
    /// Aggregate exceedance (each year's total loss).
    Aggregate,
}

/// One point of an EP curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpPoint {
    /// Return period, years.
    pub return_period: f64,
    /// Loss at that return period (currency units).
    pub loss: f64,
    /// Mean of the years at or above it (currency units).
    pub tvar: f64,
}

/// The EP curve of `losses` (one value per simulated year) at the given return periods, in the
/// rank convention of the module documentation; periods above the number of years are left out.
pub fn ep_curve(losses: &[f64], return_periods: &[f64]) -> Vec<EpPoint> {
    let n = losses.len();
    if n == 0 {
        return Vec::new();
    }
    let mut sorted = losses.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    // prefix[k] = Σ of the k largest.
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0.0);
    for x in &sorted {
        prefix.push(prefix[prefix.len() - 1] + x);
    }
    let nf = n as f64;
    return_periods
        .iter()
        .filter(|&&rp| rp > 0.0 && nf / rp >= 1.0)
        .map(|&rp| {
            let r = nf / rp;
            let lo = r.floor() as usize; // ≥ 1
            let hi = r.ceil() as usize;
            let loss = if lo == hi || hi > n {
                sorted[lo - 1]
            } else {
                let (rp_lo, rp_hi) = (nf / hi as f64, nf / lo as f64);
                let (l_lo, l_hi) = (sorted[hi - 1], sorted[lo - 1]);
                l_lo + (rp - rp_lo) / (rp_hi - rp_lo) * (l_hi - l_lo)
            };
            EpPoint {
                return_period: rp,
                loss,
                tvar: prefix[lo] / lo as f64,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_follow_ktools() {
        // Years 1..=1000: the 1-in-100 loss is the 10th largest (991), its TVaR the mean of the
        // ten largest (995.5); 1-in-2000 is beyond the sample.
        let losses: Vec<f64> = (1..=1000).map(f64::from).collect();
        let c = ep_curve(&losses, &[100.0, 2000.0, 1000.0, 300.0]);
        assert_eq!(c.len(), 3);
        assert_eq!(c[0].loss, 991.0);
        assert_eq!(c[0].tvar, 995.5);
        assert_eq!(c[1].loss, 1000.0);
        // r = 3.33: between rank 3 (998, RP 333.3) and rank 4 (997, RP 250).
        let want = 997.0 + (300.0 - 250.0) / (1000.0 / 3.0 - 250.0);
        assert!((c[2].loss - want).abs() < 1e-9, "{}", c[2].loss);
    }
}
