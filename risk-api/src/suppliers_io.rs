//! Suppliers in portfolio files (contract §16): the `suppliers` column (`;`-separated supplier
//! ids; OED files: `FlexiAccSuppliers`) becomes each policy's dependencies `supplier:<id>`, and
//! every supplier the whole book names becomes a common shock of the model's `[suppliers]`
//! (`risk_core::portfolio::supplier_shocks`), described by an optional `--suppliers` list.

use std::collections::BTreeSet;
use std::path::Path;

use risk_core::params::ModelParams;
use risk_core::portfolio::{Policy, SUPPLIER_PREFIX, Shock, supplier_shocks};
use risk_core::profile::{Supplier, parse_suppliers, valid_firm_id};
use time::Date;

use crate::portfolio_chunks::{CHUNK_ROWS, Source, chunks, count};
use crate::portfolio_io::{Rows, list};

/// The supplier column of a contract §7 file.
pub const COLUMN: &str = "suppliers";
/// The supplier column of an OED account file (this project's `FlexiAcc…` name).
pub const OED_COLUMN: &str = "FlexiAccSuppliers";

/// The supplier dependencies of cell `i` (`supplier:<id>` per id of the cell), or an error
/// naming the file's `row` and `column` for an id that is not 1–128 characters of
/// `A-Z a-z 0-9 . _ - @ :`.
///
/// # Errors
/// As above.
pub fn dependencies_in(
    cells: Option<&Vec<Option<String>>>,
    i: usize,
    row: usize,
    column: &str,
) -> Result<Vec<String>, String> {
    let Some(cells) = cells else {
        return Ok(Vec::new());
    };
    list(&cells[i])
        .into_iter()
        .map(|id| {
            if valid_firm_id(&id) {
                Ok(format!("{SUPPLIER_PREFIX}{id}"))
            } else {
                Err(format!(
                    "row {row}, column {column}: `{id}` is not a supplier id (1-128 characters of A-Z a-z 0-9 . _ - @ :)"
                ))
            }
        })
        .collect()
}

/// [`dependencies_in`] for the `suppliers` column.
///
/// # Errors
/// As [`dependencies_in`].
pub fn dependencies(
    cells: Option<&Vec<Option<String>>>,
    i: usize,
    row: usize,
) -> Result<Vec<String>, String> {
    dependencies_in(cells, i, row, COLUMN)
}

/// The supplier ids a book's policies name.
pub fn named(policies: &[Policy]) -> BTreeSet<String> {
    policies
        .iter()
        .flat_map(|p| &p.dependencies)
        .filter_map(|d| d.strip_prefix(SUPPLIER_PREFIX))
        .map(str::to_string)
        .collect()
}

/// Every supplier id a portfolio file names in any row (what a shard, which reads only its own
/// rows' policies, needs so that all shards simulate the same shocks), read a chunk of rows at a
/// time; a file without a supplier column costs one chunk.
///
/// # Errors
/// An unreadable file.
pub fn read_ids(path: &Path) -> Result<BTreeSet<String>, String> {
    let source = Source::File(path);
    let n = count(&source)?;
    let mut out = BTreeSet::new();
    for chunk in chunks(&source, 0..n, CHUNK_ROWS)? {
        let chunk = chunk?;
        let rows = Rows {
            df: chunk.df,
            first: chunk.first,
        };
        let mut any = false;
        for column in [COLUMN, OED_COLUMN] {
            if let Some(cells) = rows.col(column)? {
                any = true;
                for i in 0..cells.len() {
                    out.extend(
                        dependencies_in(Some(&cells), i, rows.first + i + 1, column)?
                            .into_iter()
                            .map(|d| d[SUPPLIER_PREFIX.len()..].to_string()),
                    );
                }
            }
        }
        if !any {
            // Every chunk has the file's columns.
            break;
        }
    }
    Ok(out)
}

/// A book's supplier list (`--suppliers`, the profile's supplier objects each with its `id`).
///
/// # Errors
/// Every invalid field, with its path (`suppliers[2].role: …`).
pub fn parse_described(
    json: &str,
    params: &ModelParams,
    today: Date,
) -> Result<Vec<Supplier>, String> {
    parse_suppliers(json, params, today).map_err(|e| e.to_string())
}

/// `base` and then one shock per supplier id in `ids` (ascending), described by `described`
/// where it lists the id.
pub fn book_shocks(
    params: &ModelParams,
    mut base: Vec<Shock>,
    ids: &BTreeSet<String>,
    described: &[Supplier],
    today: Date,
) -> Vec<Shock> {
    base.extend(supplier_shocks(
        params,
        ids.iter().map(String::as_str),
        described,
        today,
    ));
    base
}
