//! Portfolio files read a chunk of rows at a time, so that reading a book holds one chunk's
//! text at once rather than the whole file's: a 1,000,000-row CSV of firms is ~94 MB on disk and
//! about a gigabyte as text columns, while the priced policies are all a run keeps.
//!
//! A CSV file is split into records exactly as polars splits it (a `\n` ends a record unless an
//! odd number of `"` precede it in the record; a last record without `\n` counts when it is not
//! empty), and each chunk — the header record followed by up to `rows` records — is parsed by
//! polars on its own, with the same options as a whole file. A chunk's cells are therefore the
//! cells polars gives for those rows of the whole file, and row `first + i` of the file is row
//! `i` of the chunk whose first row is `first`. A Parquet file is read in row slices (its footer
//! gives the row count).
//!
//! Records outside a requested range are found by that split alone, without parsing them: a
//! shard's reader pays for the other rows only a scan of their bytes for `\n` and `"`.

use std::io::Read;
use std::ops::Range;
use std::path::Path;

use polars::prelude::*;

use crate::portfolio_io::FileKind;

/// Rows of a chunk when reading a book: 32,768 rows of firm attributes are ~35 MB as text
/// columns, and enough rows that pricing them in parallel keeps every core busy.
pub const CHUNK_ROWS: usize = 32_768;

/// Bytes read from a CSV file at a time while looking for record ends.
const READ_BYTES: usize = 1 << 20;

/// Where a portfolio file's bytes come from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// A `.csv` or `.parquet` file.
    File(&'a Path),
    /// A file held in memory (an HTTP body), of the given kind.
    Bytes(&'a [u8], FileKind),
}

impl Source<'_> {
    /// The prefix of this source's error messages: the path, or `body`.
    pub fn label(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Bytes(..) => "body".into(),
        }
    }

    fn kind(&self) -> Result<FileKind, String> {
        match self {
            Source::Bytes(_, k) => Ok(*k),
            Source::File(p) => match p.extension().and_then(|e| e.to_str()).unwrap_or_default() {
                "csv" => Ok(FileKind::Csv),
                "parquet" => Ok(FileKind::Parquet),
                _ => Err(format!("{}: expected a .csv or .parquet file", p.display())),
            },
        }
    }

    fn open(&self) -> Result<Box<dyn Read + '_>, String> {
        match self {
            Source::Bytes(b, _) => Ok(Box::new(*b)),
            Source::File(p) => std::fs::File::open(p)
                .map(|f| Box::new(f) as Box<dyn Read>)
                .map_err(|e| format!("{}: cannot read: {e}", p.display())),
        }
    }

    /// A Parquet reader over the source, with the footer read once and shared.
    fn parquet(
        &self,
        meta: Option<&polars::io::parquet::metadata::FileMetadataRef>,
    ) -> Result<ParquetSource<'_>, String> {
        let mut r = match self {
            Source::Bytes(b, _) => {
                ParquetSource::Bytes(ParquetReader::new(std::io::Cursor::new(*b)))
            }
            Source::File(p) => ParquetSource::File(ParquetReader::new(
                std::fs::File::open(p).map_err(|e| format!("{}: cannot read: {e}", p.display()))?,
            )),
        };
        if let Some(m) = meta {
            match &mut r {
                ParquetSource::Bytes(x) => x.set_metadata(m.clone()),
                ParquetSource::File(x) => x.set_metadata(m.clone()),
            }
        }
        Ok(r)
    }
}

/// A Parquet reader over a file or bytes.
enum ParquetSource<'a> {
    File(ParquetReader<std::fs::File>),
    Bytes(ParquetReader<std::io::Cursor<&'a [u8]>>),
}

/// Rows of a book a reader has parsed: a table of rows `first..first + df.height()` (0-based) of
/// the file.
pub struct Chunk {
    /// The rows' cells (every column of the file).
    pub df: DataFrame,
    /// The file's index of the table's first row.
    pub first: usize,
}

/// The rows of a portfolio file (the header excluded): a CSV file's records as polars counts
/// them, a Parquet file's from its footer.
///
/// # Errors
/// An unreadable file, a name that is neither `.csv` nor `.parquet`, or a Parquet footer that
/// cannot be read.
pub fn count(source: &Source) -> Result<usize, String> {
    let label = source.label();
    match source.kind()? {
        FileKind::Parquet => match source.parquet(None)? {
            ParquetSource::File(mut r) => r.num_rows(),
            ParquetSource::Bytes(mut r) => r.num_rows(),
        }
        .map_err(|e| format!("{label}: {e}")),
        FileKind::Csv => {
            let mut split = Split::new(source.open()?);
            split.header().map_err(|e| format!("{label}: {e}"))?;
            split
                .skip(usize::MAX)
                .map_err(|e| format!("{label}: {e}"))?;
            Ok(split.records)
        }
    }
}

/// The rows `range` (0-based, within [`count`]) of a portfolio file, `rows` at a time, in file
/// order.
///
/// # Errors
/// As [`count`]; each chunk, a file polars cannot parse.
pub fn chunks<'a>(
    source: &'a Source<'a>,
    range: Range<usize>,
    rows: usize,
) -> Result<Box<dyn Iterator<Item = Result<Chunk, String>> + 'a>, String> {
    let rows = rows.max(1);
    let label = source.label();
    match source.kind()? {
        FileKind::Parquet => {
            let meta = match source.parquet(None)? {
                ParquetSource::File(mut r) => r.get_metadata().cloned(),
                ParquetSource::Bytes(mut r) => r.get_metadata().cloned(),
            }
            .map_err(|e| format!("{label}: {e}"))?;
            let starts = range.clone().step_by(rows);
            Ok(Box::new(starts.map(move |first| {
                let len = rows.min(range.end - first);
                let df = match source.parquet(Some(&meta))? {
                    ParquetSource::File(r) => r.with_slice(Some((first, len))).finish(),
                    ParquetSource::Bytes(r) => r.with_slice(Some((first, len))).finish(),
                }
                .map_err(|e| format!("{label}: {e}"))?;
                Ok(Chunk { df, first })
            })))
        }
        FileKind::Csv => {
            let mut split = Split::new(source.open()?);
            split.header().map_err(|e| format!("{label}: {e}"))?;
            // Records before the range are scanned, not parsed.
            split
                .skip(range.start)
                .map_err(|e| format!("{label}: {e}"))?;
            let mut first = split.records;
            let end = range.end;
            Ok(Box::new(std::iter::from_fn(move || {
                if first >= end {
                    return None;
                }
                let want = rows.min(end - first);
                let body = match split.take(want) {
                    Ok(b) => b,
                    Err(e) => return Some(Err(format!("{label}: {e}"))),
                };
                let got = split.records - first;
                if got == 0 {
                    return None;
                }
                let mut text = split.header_bytes.clone();
                text.extend_from_slice(&body);
                drop(body);
                let df = CsvReadOptions::default()
                    .with_has_header(true)
                    .with_infer_schema_length(Some(0))
                    .into_reader_with_file_handle(std::io::Cursor::new(text))
                    .finish()
                    .map_err(|e| format!("{label}: {e}"));
                let chunk = df.map(|df| Chunk { df, first });
                first += got;
                Some(chunk)
            })))
        }
    }
}

/// A CSV byte stream split into records as polars splits lines: a `\n` outside quotes (an even
/// number of `"` since the record began) ends one, and trailing bytes without a `\n` are a last
/// record.
struct Split<R: Read> {
    reader: R,
    /// Bytes read and not yet handed out; they begin at a record's start.
    buf: Vec<u8>,
    /// How far `buf` has been scanned, and whether that point is inside quotes.
    scanned: usize,
    quoted: bool,
    /// Ends (one past the `\n`) of the complete records found in `buf`, in order.
    ends: std::collections::VecDeque<usize>,
    eof: bool,
    /// The header record with its `\n` (empty before [`Split::header`]).
    header_bytes: Vec<u8>,
    /// Data records consumed (handed out or skipped).
    records: usize,
}

impl<R: Read> Split<R> {
    fn new(reader: R) -> Self {
        Split {
            reader,
            buf: Vec::new(),
            scanned: 0,
            quoted: false,
            ends: std::collections::VecDeque::new(),
            eof: false,
            header_bytes: Vec::new(),
            records: 0,
        }
    }

    /// Reads and scans until a record end is known or the input is exhausted (then the
    /// trailing bytes, if any, are the last record). False when no record is left.
    fn next_end(&mut self) -> std::io::Result<bool> {
        loop {
            if !self.ends.is_empty() {
                return Ok(true);
            }
            if self.eof {
                if self.buf.is_empty() {
                    return Ok(false);
                }
                self.ends.push_back(self.buf.len());
                self.scanned = self.buf.len();
                return Ok(true);
            }
            let have = self.buf.len();
            self.buf.resize(have + READ_BYTES, 0);
            let n = self.reader.read(&mut self.buf[have..])?;
            self.buf.truncate(have + n);
            if n == 0 {
                self.eof = true;
                continue;
            }
            for (k, &b) in self.buf[self.scanned..].iter().enumerate() {
                if b == b'"' {
                    self.quoted = !self.quoted;
                } else if b == b'\n' && !self.quoted {
                    self.ends.push_back(self.scanned + k + 1);
                }
            }
            self.scanned = self.buf.len();
        }
    }

    /// Removes the first record from the buffer and returns its bytes.
    fn pop(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        if !self.next_end()? {
            return Ok(None);
        }
        let end = self.ends.pop_front().expect("a record end");
        let rest = self.buf.split_off(end);
        let rec = std::mem::replace(&mut self.buf, rest);
        self.shift(end);
        Ok(Some(rec))
    }

    /// Moves the scan state back by `k` bytes taken from the buffer's front.
    fn shift(&mut self, k: usize) {
        self.scanned -= k;
        for e in &mut self.ends {
            *e -= k;
        }
    }

    /// Reads the header record.
    fn header(&mut self) -> std::io::Result<()> {
        self.header_bytes = self.pop()?.unwrap_or_default();
        if !self.header_bytes.ends_with(b"\n") {
            self.header_bytes.push(b'\n');
        }
        Ok(())
    }

    /// Skips up to `n` records without keeping them; returns how many.
    fn skip(&mut self, n: usize) -> std::io::Result<usize> {
        let mut done = 0;
        while done < n && self.next_end()? {
            // Every complete record found so far goes at once.
            let k = self.ends.len().min(n - done);
            let end = self.ends[k - 1];
            self.ends.drain(..k);
            self.buf.drain(..end);
            self.shift(end);
            done += k;
        }
        self.records += done;
        Ok(done)
    }

    /// The bytes of up to `n` next records.
    fn take(&mut self, n: usize) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut done = 0;
        while done < n && self.next_end()? {
            let k = self.ends.len().min(n - done);
            let end = self.ends[k - 1];
            self.ends.drain(..k);
            out.extend(self.buf.drain(..end));
            self.shift(end);
            done += k;
        }
        self.records += done;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_all(text: &str, step: usize) -> (usize, Vec<String>) {
        let mut s = Split::new(text.as_bytes());
        s.header().unwrap();
        let mut out = Vec::new();
        loop {
            let b = s.take(step).unwrap();
            if b.is_empty() {
                break;
            }
            out.push(String::from_utf8(b).unwrap());
        }
        (s.records, out)
    }

    #[test]
    fn records_end_at_newlines_outside_quotes() {
        let text = "a,b\n1,\"x\ny\"\n2,\"\"\"q\"\"\n\"\n3,z";
        let (n, parts) = split_all(text, 1);
        assert_eq!(n, 3);
        assert_eq!(parts, ["1,\"x\ny\"\n", "2,\"\"\"q\"\"\n\"\n", "3,z"]);
        let (n, parts) = split_all(text, 2);
        assert_eq!((n, parts.len()), (3, 2));
        assert_eq!(
            count(&Source::Bytes(text.as_bytes(), FileKind::Csv)).unwrap(),
            3
        );
    }

    #[test]
    fn an_empty_file_and_a_header_alone_have_no_rows() {
        for text in ["", "a,b", "a,b\n"] {
            assert_eq!(
                count(&Source::Bytes(text.as_bytes(), FileKind::Csv)).unwrap(),
                0
            );
        }
    }
}
