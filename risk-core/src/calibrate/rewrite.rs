//! A calibrated model version: the prior model file with the fitted factors written in place
//! (comments and layout kept), each changed parameter's source saying where it came from, and a
//! `[calibration]` table naming the data. The result is parsed back with the model loader before it
//! is returned, so an invalid file is never produced.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use toml_edit::{DocumentMut, InlineTable, Item, Value};

use super::{CalibrateError, Calibration, Factor, FactorFit, Part, base_path};
use crate::params::Calibration as Provenance;
use crate::params::ModelParams;
use crate::vocab::Peril;

/// Factors whose data weight is below this keep their prior value and source.
pub const MIN_DATA_WEIGHT: f64 = 0.01;

/// The new model file and what had to be adjusted on the way.
#[derive(Debug, Clone)]
pub struct Rewritten {
    /// The new file's text (already validated by [`ModelParams::parse`]).
    pub text: String,
    /// The validated new model.
    pub params: ModelParams,
    /// Parameters written (model-file paths).
    pub changed: Vec<String>,
    /// Adjustments made to keep the model's invariants (certification effects ≤ 1, maturity
    /// tables non-increasing).
    pub notes: Vec<String>,
}

/// The next minor version: `1.0.0` → `1.1.0`.
pub fn next_version(version: &str) -> String {
    let parts: Vec<&str> = version.split('.').collect();
    match parts.as_slice() {
        [major, minor, ..] => match minor.parse::<u64>() {
            Ok(m) => format!("{major}.{}.0", m + 1),
            Err(_) => format!("{version}.1"),
        },
        _ => format!("{version}.1"),
    }
}

/// The lineage of a version fitted to the claims file `sha256` on `prior`: the prior's lineage
/// (its `data_sha256` alone for a file written before lineages were kept) and this file.
pub fn lineage(prior: &ModelParams, sha256: &str) -> Vec<String> {
    let mut out = match &prior.calibration {
        Some(c) if c.lineage.is_empty() => vec![c.data_sha256.clone()],
        Some(c) => c.lineage.clone(),
        None => Vec::new(),
    };
    out.push(sha256.to_string());
    out
}

/// Writes `fit` into the model file `text` (whose parsed form is `params`) as version `version`.
///
/// # Errors
/// [`CalibrateError::Model`] when the file lacks a parameter the fit names, or the result does not
/// validate.
pub fn rewrite(
    text: &str,
    params: &ModelParams,
    fit: &Calibration,
    version: &str,
    provenance: &Provenance,
) -> Result<Rewritten, CalibrateError> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| CalibrateError::Model(e.to_string()))?;
    let stamp = format!(
        "[C] calibrated {} on claims sha256:{} ({} rows, {:.1} policy-years, {} claims)",
        provenance.date,
        &provenance.data_sha256[..16.min(provenance.data_sha256.len())],
        provenance.rows,
        provenance.policy_years,
        provenance.claims
    );
    let mut changed = Vec::new();
    let mut notes = Vec::new();
    // Source notes per source location, so one effect changed in both parts gets one source.
    let mut source_notes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let fits: Vec<&FactorFit> = fit
        .frequency
        .factors
        .iter()
        .chain(&fit.severity.factors)
        .filter(|f| f.data_weight >= MIN_DATA_WEIGHT || (f.at_bound && f.factor.is_level()))
        .collect();

    let mut tables: BTreeMap<Part, [(f64, f64); 6]> = BTreeMap::new();
    for f in &fits {
        let part = f.part.as_str();
        match f.factor {
            Factor::Base => {
                for (peril, p) in Peril::ALL.iter().zip(&params.perils) {
                    let path = base_path(*peril, p, f.part);
                    let entry = item_mut(&mut doc, &path).and_then(Value::as_inline_table_mut);
                    scale(entry, path, f, &mut source_notes, &mut changed)?;
                }
            }
            Factor::PerilBase(k) => {
                let path = base_path(k, &params.perils[k.index()], f.part);
                let entry = item_mut(&mut doc, &path).and_then(Value::as_inline_table_mut);
                scale(entry, path, f, &mut source_notes, &mut changed)?;
            }
            Factor::Sigma(k) => {
                for peril in Peril::ALL.iter().filter(|p| k.is_none_or(|k| k == **p)) {
                    let path = format!("perils.{peril}.sigma");
                    let entry = item_mut(&mut doc, &path).and_then(Value::as_inline_table_mut);
                    scale(entry, path, f, &mut source_notes, &mut changed)?;
                }
            }
            Factor::Revenue => revenue(&mut doc, params, f, &mut source_notes, &mut changed)?,
            Factor::Industry(i) => {
                let path = format!("industries.{i}.{part}");
                let entry = doc["industries"][i.as_str()][part].as_inline_table_mut();
                scale(entry, path, f, &mut source_notes, &mut changed)?;
            }
            Factor::Certification(s) => {
                let path = format!("certifications.{s}.effects");
                let effects = doc["certifications"][s.as_str()]["effects"]
                    .as_array_mut()
                    .ok_or_else(|| missing(&path))?;
                for (k, e) in effects.iter_mut().enumerate() {
                    let e = e.as_inline_table_mut().ok_or_else(|| missing(&path))?;
                    let old = number(e.get(part)).ok_or_else(|| missing(&path))?;
                    let mut new = sig(old * f.ratio());
                    if new > 1.0 {
                        notes.push(format!(
                            "{path}[{k}].{part}: {} capped at 1 (an active certification never raises risk)",
                            sig(new)
                        ));
                        new = 1.0;
                    }
                    e.insert(part, new.into());
                    source_notes
                        .entry(format!("{path}[{k}]"))
                        .or_default()
                        .push(describe(f));
                    changed.push(format!("{path}[{k}].{part}"));
                }
            }
            Factor::Maturity(l) => {
                let m = &params.maturity;
                let table = tables.entry(f.part).or_insert_with(|| {
                    let t = match f.part {
                        Part::Frequency => m.frequency_multiplier,
                        Part::Severity => m.severity_multiplier,
                    };
                    // (ln value, weight): prior precision where there is no data.
                    std::array::from_fn(|i| (t[i].ln(), if i == 2 { 1e12 } else { 4.0 }))
                });
                let sd = (f.interval.1.ln() - f.interval.0.ln()) / (2.0 * super::Z95);
                table[l as usize] = (f.posterior.ln(), 1.0 / (sd * sd));
                source_notes
                    .entry("maturity.multiplier_source".into())
                    .or_default()
                    .push(format!("level {l} {}", describe(f)));
                changed.push(format!("maturity.{part}_multiplier[{l}]"));
            }
        }
    }
    // The dispersion, where the counts outweigh its prior; its posterior note is read back as
    // the next prior (label `dispersion`).
    let d = &fit.dispersion;
    if d.data_weight >= super::gates::THIN_DATA_WEIGHT {
        let path = "reference.dispersion";
        let entry = item_mut(&mut doc, path)
            .and_then(Value::as_inline_table_mut)
            .ok_or_else(|| missing(path))?;
        entry.insert("value", sig(d.posterior).into());
        source_notes.entry(path.into()).or_default().push(format!(
            "dispersion x{:.4} (95% interval {} to {}, data weight {:.2}, ln r mean {:.4} sd {:.4})",
            d.posterior / d.prior,
            sig(d.interval.0),
            sig(d.interval.1),
            d.data_weight,
            d.log_ratio.0,
            d.log_ratio.1
        ));
        changed.push(path.into());
    }
    for (part, table) in &tables {
        let key = format!("{}_multiplier", part.as_str());
        let weighted = table.to_vec();
        let pooled = non_increasing(&weighted);
        for (l, (&(v, _), p)) in table.iter().zip(&pooled).enumerate() {
            if (v - p).abs() > 1e-12 {
                notes.push(format!(
                    "maturity.{key}[{l}]: {} pooled to {} to keep the table non-increasing",
                    sig(v.exp()),
                    sig(p.exp())
                ));
            }
        }
        let array = doc["maturity"][key.as_str()]
            .as_array_mut()
            .ok_or_else(|| missing(&format!("maturity.{key}")))?;
        for (l, p) in pooled.iter().enumerate() {
            array.replace(l, sig(p.exp()));
        }
    }
    for (path, list) in &source_notes {
        let old = params
            .sources
            .get(path)
            .ok_or_else(|| missing(&format!("{path}.source")))?;
        let new = format!("{stamp}: {}; prior: {old}", list.join("; "));
        if let Some((table, key)) = path
            .strip_suffix("_source")
            .and_then(|_| path.split_once('.'))
        {
            // A plain source string (`maturity.multiplier_source`,
            // `revenue_scale.frequency_source`).
            doc[table][key] = toml_edit::value(new);
        } else {
            let item = item_mut(&mut doc, path).ok_or_else(|| missing(path))?;
            let table = item.as_inline_table_mut().ok_or_else(|| missing(path))?;
            table.insert("source", new.into());
        }
    }

    doc["model"]["version"] = toml_edit::value(version);
    let mut cal = toml_edit::Table::new();
    cal.insert("from", toml_edit::value(provenance.from.clone()));
    cal.insert(
        "data_sha256",
        toml_edit::value(provenance.data_sha256.clone()),
    );
    cal.insert("rows", toml_edit::value(provenance.rows as i64));
    cal.insert("policy_years", toml_edit::value(provenance.policy_years));
    cal.insert("claims", toml_edit::value(provenance.claims as i64));
    cal.insert("date", toml_edit::value(provenance.date.clone()));
    cal.insert(
        "lineage",
        toml_edit::value(toml_edit::Array::from_iter(provenance.lineage.iter())),
    );
    let mut decor = String::new();
    let _ = write!(
        decor,
        "\n# Written by `risk calibrate`: the data this version was fitted to.\n"
    );
    cal.decor_mut().set_prefix(decor);
    doc["calibration"] = Item::Table(cal);

    let text = doc.to_string();
    let params = ModelParams::parse(&text)
        .map_err(|e| CalibrateError::Model(format!("calibrated file does not validate: {e}")))?;
    changed.sort();
    changed.dedup();
    Ok(Rewritten {
        text,
        params,
        changed,
        notes,
    })
}

/// The item at a dotted path with one `[k]` index at most (`certifications.pci_dss.effects[1]`).
fn item_mut<'a>(doc: &'a mut DocumentMut, path: &str) -> Option<&'a mut Value> {
    let (head, index) = match path.strip_suffix(']').and_then(|p| p.rsplit_once('[')) {
        Some((h, i)) => (h, Some(i.parse::<usize>().ok()?)),
        None => (path, None),
    };
    let mut keys = head.split('.');
    let mut item: &mut Item = doc.get_mut(keys.next()?)?;
    for k in keys {
        item = item.get_mut(k)?;
    }
    match index {
        Some(i) => item.as_array_mut()?.get_mut(i),
        None => item.as_value_mut(),
    }
}

/// The error for a parameter the fit names but the file lacks.
fn missing(p: &str) -> CalibrateError {
    CalibrateError::Model(format!("`{p}` not found"))
}

/// Writes the revenue elasticity's shift β: a 1.x exponent becomes e + β; each point of a
/// `[revenue_scale]` curve has its factor times (revenue/reference)^β.
fn revenue(
    doc: &mut DocumentMut,
    params: &ModelParams,
    f: &FactorFit,
    source_notes: &mut BTreeMap<String, Vec<String>>,
    changed: &mut Vec<String>,
) -> Result<(), CalibrateError> {
    let part = f.part.as_str();
    let beta = f.posterior - f.prior;
    let source = super::revenue_source(f.part, params);
    match &params.revenue_scale {
        None => {
            let path = format!("reference.{part}_revenue_elasticity");
            let entry = item_mut(doc, &path)
                .and_then(Value::as_inline_table_mut)
                .ok_or_else(|| missing(&path))?;
            let old = number(entry.get("value")).ok_or_else(|| missing(&path))?;
            entry.insert("value", sig(old + beta).into());
            changed.push(path);
        }
        Some(_) => {
            let path = format!("revenue_scale.{part}");
            let reference = params.reference.revenue;
            let points = doc["revenue_scale"][part]
                .as_array_mut()
                .ok_or_else(|| missing(&path))?;
            for (i, point) in points.iter_mut().enumerate() {
                let point = point.as_inline_table_mut().ok_or_else(|| missing(&path))?;
                let revenue = number(point.get("revenue")).ok_or_else(|| missing(&path))?;
                let old = number(point.get("factor")).ok_or_else(|| missing(&path))?;
                point.insert("factor", sig(old * (revenue / reference).powf(beta)).into());
                changed.push(format!("{path}[{i}].factor"));
            }
        }
    }
    source_notes.entry(source).or_default().push(describe(f));
    Ok(())
}

/// A fit in words for the source note. The posterior of ln r goes with the value: the next
/// calibration reads its sd as the prior sd (super::posterior_sd), so these data are not counted
/// again through a narrower tag.
fn describe(f: &FactorFit) -> String {
    let label = match f.factor {
        Factor::Sigma(_) => "sigma",
        _ => f.part.as_str(),
    };
    // An additive factor's note gives its shift (`frequency x+0.0512`): the `x` keeps the
    // label's pattern that [`super::posterior_sd`] reads back.
    let by = if f.factor.additive() {
        format!("{:+.4}", f.posterior - f.prior)
    } else {
        format!("{:.4}", f.ratio())
    };
    format!(
        "{label} x{by} (95% interval {} to {}, data weight {:.2}, ln r mean {:.4} sd {:.4})",
        sig(f.interval.0),
        sig(f.interval.1),
        f.data_weight,
        f.log_ratio.0,
        f.log_ratio.1
    )
}

/// Multiplies the `value` of the inline table `entry` (at `path`) by the fit's ratio, and notes
/// the change and its source.
fn scale(
    entry: Option<&mut InlineTable>,
    path: String,
    f: &FactorFit,
    source_notes: &mut BTreeMap<String, Vec<String>>,
    changed: &mut Vec<String>,
) -> Result<(), CalibrateError> {
    let entry = entry.ok_or_else(|| missing(&path))?;
    let old = number(entry.get("value")).ok_or_else(|| missing(&path))?;
    entry.insert("value", sig(old * f.ratio()).into());
    source_notes
        .entry(path.clone())
        .or_default()
        .push(describe(f));
    changed.push(path);
    Ok(())
}

fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Float(f) => Some(*f.value()),
        Value::Integer(i) => Some(*i.value() as f64),
        _ => None,
    }
}

/// Four significant digits (the precision the model file speaks in).
fn sig(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(3 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// Weighted least-squares non-increasing fit (pool-adjacent-violators) of (value, weight) pairs.
fn non_increasing(points: &[(f64, f64)]) -> Vec<f64> {
    // Blocks of (mean, weight, length).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::new();
    for &(v, w) in points {
        blocks.push((v, w, 1));
        while blocks.len() > 1 {
            let (b, a) = (blocks[blocks.len() - 1], blocks[blocks.len() - 2]);
            if b.0 <= a.0 {
                break;
            }
            let w = a.1 + b.1;
            blocks.truncate(blocks.len() - 2);
            blocks.push(((a.0 * a.1 + b.0 * b.1) / w, w, a.2 + b.2));
        }
    }
    blocks
        .iter()
        .flat_map(|&(m, _, n)| std::iter::repeat_n(m, n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_move_up_one_minor() {
        assert_eq!(next_version("1.0.0"), "1.1.0");
        assert_eq!(next_version("2.9.3"), "2.10.0");
    }

    #[test]
    fn pooling_keeps_order_and_fixed_points() {
        let p = non_increasing(&[(1.0, 1.0), (2.0, 1.0), (0.0, 1e12), (-1.0, 1.0)]);
        assert_eq!(p[0], 1.5);
        assert_eq!(p[1], 1.5);
        assert!((p[2] - 0.0).abs() < 1e-9);
        let ok = [(3.0, 1.0), (2.0, 1.0), (1.0, 1.0)];
        assert_eq!(non_increasing(&ok), vec![3.0, 2.0, 1.0]);
    }

    #[test]
    fn four_significant_digits() {
        assert_eq!(sig(0.823_456), 0.8235);
        assert_eq!(sig(1234.56), 1235.0);
    }
}
