//! Engines turn a [`LossModel`](crate::model::LossModel) into an annual-loss distribution:
//! [`monte_carlo`] samples it, reproducibly for any thread count; [`exact`] computes it on a grid
//! by FFT, with an error bound.

pub mod exact;
pub mod monte_carlo;

pub use monte_carlo::{
    BLOCK_TRIALS, PerilStats, PerilTotals, Side, Simulation, covered_nonzero_years, simulate,
    simulate_covers,
};
