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

    /// Little-endian: trials, seed, policy start, end (u64); loss count n (u64), losses (i128);
    /// shock count k (u64), shock losses (i128); n largest own events (i128) and their policies
    /// (u32, `u32::MAX` for none); per shock its
    /// occurrence count (u64), years (u64) and occurrence losses (i128); shock names joined by
    /// `\n`.
    fn to_bytes(&self) -> Vec<u8> {
        let t = &self.table;
        let mut out = Vec::with_capacity(48 + 32 * (t.loss.len() + t.shock_loss.len()));
        let u64s = |out: &mut Vec<u8>, xs: &[u64]| {
            xs.iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes()));
        };
        let i128s = |out: &mut Vec<u8>, xs: &[i128]| {
            xs.iter()
                .for_each(|x| out.extend_from_slice(&x.to_le_bytes()));
        };
        u64s(
            &mut out,
            &[
                t.trials,
                t.seed,
                t.policies.start as u64,
                t.policies.end as u64,
                t.loss.len() as u64,
            ],
        );
        i128s(&mut out, &t.loss);
        u64s(&mut out, &[t.shock_loss.len() as u64]);
        i128s(&mut out, &t.shock_loss);
        i128s(&mut out, &t.max_event);
        t.max_event_policy
            .iter()
            .for_each(|x| out.extend_from_slice(&x.to_le_bytes()));
        for (years, events) in t.shock_years.iter().zip(&t.shock_events) {
            u64s(&mut out, &[years.len() as u64]);
            u64s(&mut out, years);
            i128s(&mut out, events);
        }
        out.extend_from_slice(self.names.join("\n").as_bytes());
        out
    }

    fn from_bytes(b: &[u8]) -> Option<Self> {
        let mut r = Reader { b, at: 0 };
        let [trials, seed, start, end, n] = [r.u64()?, r.u64()?, r.u64()?, r.u64()?, r.u64()?];
        let loss = r.i128s(n)?;
        let k = r.u64()?;
        let shock_loss = r.i128s(k)?;
        let max_event = r.i128s(n)?;
        let max_event_policy = (0..n)
            .map(|_| Some(u32::from_le_bytes(r.take::<4>()?)))
            .collect::<Option<Vec<u32>>>()?;
        let mut shock_years = Vec::new();
        let mut shock_events = Vec::new();
        for _ in 0..k {
            let m = r.u64()?;
            shock_years.push((0..m).map(|_| r.u64()).collect::<Option<Vec<u64>>>()?);
            shock_events.push(r.i128s(m)?);
        }
        let rest = std::str::from_utf8(b.get(r.at..)?).ok()?;
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
                max_event,
                max_event_policy,
                shock_years,
                shock_events,
            },
            names,
        })
    }
}

/// A cursor over pickled bytes.
struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let s = self.b.get(self.at..self.at.checked_add(N)?)?;
        self.at += N;
        s.try_into().ok()
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take::<8>()?))
    }

    fn i128s(&mut self, n: u64) -> Option<Vec<i128>> {
        (0..n)
            .map(|_| Some(i128::from_le_bytes(self.take::<16>()?)))
            .collect()
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

    /// Each year's largest event loss (float64, one per simulated year): what the occurrence
    /// exceedance curve (OEP) reads; `losses()` is each year's sum (AEP).
    fn occurrence_losses<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.table.occurrence_losses().into_pyarray(py)
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
