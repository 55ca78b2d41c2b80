//! `risk_engine.LossTable`: a run's exact year-loss table, which shards add up to the unsharded
//! table bit for bit. Pickled as bytes, so it travels between Dask worker processes unchanged.

use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use risk_core::portfolio::YearLossTable;

use crate::bad;

/// Exact year-loss table of a portfolio run or shard (128-bit fixed point, 2⁻¹⁶ currency units).
///
/// `losses()` gives the annual losses as floats; `risk_engine.merge` adds the tables of a run's
/// shards exactly. Picklable (for Dask and multiprocessing).
#[pyclass(module = "risk_engine", frozen)]
pub struct LossTable {
    table: YearLossTable,
    names: Vec<String>,
}

impl LossTable {
    pub(crate) fn new(table: YearLossTable, names: Vec<String>) -> Self {
        LossTable { table, names }
    }

    pub(crate) fn table(&self) -> &YearLossTable {
        &self.table
    }

    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    /// Little-endian: trials, seed, policy start, end (u64); loss count (u64), losses (i128);
    /// shock count (u64), shock losses (i128); shock names joined by `\n`.
    fn to_bytes(&self) -> Vec<u8> {
        let t = &self.table;
        let mut out = Vec::with_capacity(48 + 16 * (t.loss.len() + t.shock_loss.len()));
        for x in [
            t.trials,
            t.seed,
            t.policies.start as u64,
            t.policies.end as u64,
            t.loss.len() as u64,
        ] {
            out.extend_from_slice(&x.to_le_bytes());
        }
        t.loss
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes()));
        out.extend_from_slice(&(t.shock_loss.len() as u64).to_le_bytes());
        t.shock_loss
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes()));
        out.extend_from_slice(self.names.join("\n").as_bytes());
        out
    }

    fn from_bytes(b: &[u8]) -> Option<Self> {
        let mut at = 0usize;
        let mut take = |n: usize| -> Option<&[u8]> {
            let s = b.get(at..at.checked_add(n)?)?;
            at += n;
            Some(s)
        };
        let mut u64s = [0u64; 5];
        for x in &mut u64s {
            *x = u64::from_le_bytes(take(8)?.try_into().ok()?);
        }
        let [trials, seed, start, end, n] = u64s;
        let loss = (0..n)
            .map(|_| Some(i128::from_le_bytes(take(16)?.try_into().ok()?)))
            .collect::<Option<Vec<i128>>>()?;
        let k = u64::from_le_bytes(take(8)?.try_into().ok()?);
        let shock_loss = (0..k)
            .map(|_| Some(i128::from_le_bytes(take(16)?.try_into().ok()?)))
            .collect::<Option<Vec<i128>>>()?;
        let at = 48 + 16 * (n as usize + k as usize);
        let rest = std::str::from_utf8(&b[at..]).ok()?;
        let names = rest
            .split('\n')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        Some(LossTable {
            table: YearLossTable {
                trials,
                seed,
                policies: start as usize..end as usize,
                loss,
                shock_loss,
            },
            names,
        })
    }
}

#[pymethods]
impl LossTable {
    /// Simulated years.
    #[getter]
    fn trials(&self) -> u64 {
        self.table.trials
    }

    /// Seed of the run.
    #[getter]
    fn seed(&self) -> u64 {
        self.table.seed
    }

    /// Policies covered, as (start, end): a shard covers policies start..end of the file.
    #[getter]
    fn policies(&self) -> (usize, usize) {
        (self.table.policies.start, self.table.policies.end)
    }

    /// Names of the run's common shocks.
    #[getter]
    fn shock_names(&self) -> Vec<String> {
        self.names.clone()
    }

    /// Annual insured losses (float64, one per simulated year), a new numpy array.
    fn losses<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.table.losses().into_pyarray(py)
    }

    fn __len__(&self) -> usize {
        self.table.loss.len()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<LossTable>()
            .is_ok_and(|o| o.get().table == self.table && o.get().names == self.names)
    }

    fn __repr__(&self) -> String {
        format!(
            "LossTable(trials={}, seed={}, policies={}..{})",
            self.table.trials, self.table.seed, self.table.policies.start, self.table.policies.end
        )
    }

    /// Rebuilds a table from `__reduce__`'s bytes.
    #[staticmethod]
    fn _from_bytes(b: &[u8]) -> PyResult<Self> {
        Self::from_bytes(b).ok_or_else(|| bad("table: not a pickled LossTable"))
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let ctor = slf.getattr("_from_bytes")?;
        let bytes = PyBytes::new(py, &slf.get().to_bytes());
        PyTuple::new(py, [ctor, PyTuple::new(py, [bytes])?.into_any()])
    }
}
