//! Year-loss tables as Parquet files (contract §7): the exact fixed-point sums beside their f64
//! values, the event-level columns and the run's metadata, so that shards merge exactly.

use std::path::Path;

use polars::prelude::*;
use risk_core::portfolio::{NO_POLICY, YearLossTable};

/// The high and low 64 bits of fixed-point values.
fn split(xs: &[i128]) -> (Vec<i64>, Vec<i64>) {
    (
        xs.iter().map(|&x| (x >> 64) as i64).collect(),
        xs.iter().map(|&x| x as u64 as i64).collect(),
    )
}

/// Writes a year-loss table: `year`, `loss` (f64, the year's sum) and the exact fixed-point value
/// as `loss_hi`, `loss_lo` (the high and low 64 bits), `occurrence_loss` (f64, the year's largest
/// event), `max_event_hi`/`_lo` (the largest own event) and `max_event_policy` (the book index of
/// its policy, -1 in a year without own events), per shock `shock{s}_occurs` and its
/// occurrence's loss `shock{s}_event_hi`/`_lo`, plus run metadata columns so shards can be merged.
pub fn write_ylt(path: &Path, t: &YearLossTable, shock_names: &[String]) -> Result<(), String> {
    let n = t.loss.len();
    let losses = t.losses();
    let (hi, lo) = split(&t.loss);
    let (max_hi, max_lo) = split(&t.max_event);
    let mut df = DataFrame::new_infer_height(vec![
        Column::new("year".into(), (0..n as u64).collect::<Vec<u64>>()),
        Column::new("loss".into(), losses),
        Column::new("loss_hi".into(), hi),
        Column::new("loss_lo".into(), lo),
        Column::new("occurrence_loss".into(), t.occurrence_losses()),
        Column::new("max_event_hi".into(), max_hi),
        Column::new("max_event_lo".into(), max_lo),
        Column::new(
            "max_event_policy".into(),
            t.max_event_policy
                .iter()
                .map(|&p| if p == NO_POLICY { -1 } else { i64::from(p) })
                .collect::<Vec<i64>>(),
        ),
        Column::new("seed".into(), vec![t.seed; n]),
        Column::new("policy_start".into(), vec![t.policies.start as u64; n]),
        Column::new("policy_end".into(), vec![t.policies.end as u64; n]),
        Column::new("shock_names".into(), vec![shock_names.join(";"); n]),
    ])
    .map_err(|e| e.to_string())?;
    // Per-shock totals travel in the first rows of one column per shock (zero elsewhere).
    for (s, &v) in t.shock_loss.iter().enumerate() {
        let mut col_hi = vec![0i64; n];
        let mut col_lo = vec![0i64; n];
        col_hi[0] = (v >> 64) as i64;
        col_lo[0] = v as u64 as i64;
        df.with_column(Column::new(format!("shock{s}_hi").into(), col_hi))
            .map_err(|e| e.to_string())?;
        df.with_column(Column::new(format!("shock{s}_lo").into(), col_lo))
            .map_err(|e| e.to_string())?;
        let mut occurs = vec![0i64; n];
        let mut events = vec![0i128; n];
        for (&y, &e) in t.shock_years[s].iter().zip(&t.shock_events[s]) {
            occurs[y as usize] = 1;
            events[y as usize] = e;
        }
        let (ev_hi, ev_lo) = split(&events);
        for c in [
            Column::new(format!("shock{s}_occurs").into(), occurs),
            Column::new(format!("shock{s}_event_hi").into(), ev_hi),
            Column::new(format!("shock{s}_event_lo").into(), ev_lo),
        ] {
            df.with_column(c).map_err(|e| e.to_string())?;
        }
    }
    let f = std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))?;
    ParquetWriter::new(f)
        .finish(&mut df)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(())
}

/// Reads a year-loss table written by [`write_ylt`], with its shock names.
pub fn read_ylt(path: &Path) -> Result<(YearLossTable, Vec<String>), String> {
    let f =
        std::fs::File::open(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let df = ParquetReader::new(f)
        .finish()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let err = |e: PolarsError| format!("{}: {e}", path.display());
    let i64s = |name: &str| -> Result<Vec<i64>, String> {
        let c = df.column(name).map_err(err)?;
        Ok(c.i64().map_err(err)?.into_no_null_iter().collect())
    };
    let u64s = |name: &str| -> Result<Vec<u64>, String> {
        let c = df.column(name).map_err(err)?;
        Ok(c.u64().map_err(err)?.into_no_null_iter().collect())
    };
    let join = |hi: i64, lo: i64| ((hi as i128) << 64) | (lo as u64 as i128);
    let (hi, lo) = (i64s("loss_hi")?, i64s("loss_lo")?);
    let seed = u64s("seed")?;
    let (start, end) = (u64s("policy_start")?, u64s("policy_end")?);
    let shocks = df
        .get_column_names()
        .iter()
        .filter(|c| c.ends_with("_hi") && c.starts_with("shock") && !c.contains("_event"))
        .count();
    let joined = |name: &str| -> Result<Vec<i128>, String> {
        let (h, l) = (i64s(&format!("{name}_hi"))?, i64s(&format!("{name}_lo"))?);
        Ok(h.iter().zip(&l).map(|(&h, &l)| join(h, l)).collect())
    };
    let mut shock_loss = Vec::new();
    let mut shock_years = Vec::new();
    let mut shock_events = Vec::new();
    for s in 0..shocks {
        shock_loss.push(joined(&format!("shock{s}"))?[0]);
        let occurs: Vec<bool> = {
            let c = df.column(&format!("shock{s}_occurs")).map_err(err)?;
            c.i64()
                .map_err(err)?
                .into_no_null_iter()
                .map(|b| b != 0)
                .collect()
        };
        let events = joined(&format!("shock{s}_event"))?;
        let years: Vec<u64> = (0..occurs.len() as u64)
            .filter(|&y| occurs[y as usize])
            .collect();
        shock_events.push(years.iter().map(|&y| events[y as usize]).collect());
        shock_years.push(years);
    }
    let names = df
        .column("shock_names")
        .map_err(err)?
        .str()
        .map_err(err)?
        .get(0)
        .map(|s| {
            s.split(';')
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let table = YearLossTable {
        trials: hi.len() as u64,
        seed: seed.first().copied().unwrap_or(0),
        policies: start.first().copied().unwrap_or(0) as usize
            ..end.first().copied().unwrap_or(0) as usize,
        loss: hi.iter().zip(&lo).map(|(&h, &l)| join(h, l)).collect(),
        shock_loss,
        max_event: joined("max_event")?,
        max_event_policy: i64s("max_event_policy")?
            .into_iter()
            .map(|p| u32::try_from(p).unwrap_or(NO_POLICY))
            .collect(),
        shock_years,
        shock_events,
    };
    Ok((table, names))
}
