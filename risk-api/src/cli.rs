//! The `risk` command line (contract §1).
//!
//! Exit status: 0 on success; 2 on bad input with a one-line message on stderr naming the field
//! and nothing on stdout; 1 on an internal failure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use risk_core::assess::assess;
use risk_core::engine;
use risk_core::model::{DEFAULT_MODEL, LossSpec, MAX_TRIALS, ModelParams};
use risk_core::pricing::impact;
use risk_core::profile::FirmProfile;

use crate::auth::{Role, valid_subject};
use crate::dto::firm::{AssessmentDto, ImpactDto};
use crate::dto::portfolio::PortfolioReport;
use crate::dto::v1::{CheckReport, LossReport, Side};
use crate::portfolio_io;

/// Default simulated years of firm commands (contract §5 example).
const DEFAULT_TRIALS: u64 = 100_000;

/// Certification-aware cyber-insurance risk engine.
#[derive(Debug, Parser)]
#[command(name = "risk", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Loss distribution of a loss-model spec (contract §2) as a LossReport JSON.
    Simulate {
        /// The spec file (JSON).
        spec: PathBuf,
        /// How to compute the distribution.
        #[arg(long, value_enum, default_value_t = MethodArg::MonteCarlo)]
        method: MethodArg,
        /// Simulated years (overrides the spec's `trials`).
        #[arg(long)]
        trials: Option<u64>,
        /// Seed of the random streams (overrides the spec's `seed`).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (default: all cores). The output does not depend on it.
        #[arg(long)]
        threads: Option<usize>,
        /// Run both methods and print, per statistic, the Monte Carlo value, its standard error,
        /// the exact value and the z-score, and the mean and std against their closed forms
        /// (a CheckReport instead of a LossReport; `--method` is then ignored).
        #[arg(long)]
        check: bool,
    },
    /// Full assessment of a firm profile: score, loss, premium (Assessment JSON).
    Score(FirmArgs),
    /// Premium impact of certifications, maturity and controls (Impact JSON).
    Impact(FirmArgs),
    /// Portfolio accumulation (PortfolioReport JSON); progress on stderr.
    Portfolio {
        /// Policies: CSV (header row) or Parquet, firm attributes or explicit loss parameters.
        file: PathBuf,
        /// Simulated years.
        #[arg(long, default_value_t = 10_000)]
        trials: u64,
        /// Seed of the random streams.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Common shocks (JSON list); default: the model's shocks.
        #[arg(long)]
        shocks: Option<PathBuf>,
        /// Write the year-loss table to this Parquet file.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Run shard i of n (policy range), e.g. `--shard 0/4`; merge with `portfolio-merge`.
        #[arg(long)]
        shard: Option<String>,
        /// Model parameter file (default: the built-in model).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Worker threads. The output does not depend on it.
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Adds the year-loss tables of a run's shards (exactly) and reports the whole portfolio.
    PortfolioMerge {
        /// Year-loss tables (Parquet) written by `portfolio --shard i/n --out …`.
        #[arg(required = true)]
        tables: Vec<PathBuf>,
        /// Write the merged table to this Parquet file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The HTTP service (contract §8). A new database is seeded with demo data and demo keys,
    /// printed once.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
        /// Database: `postgres://…`, `sqlite://FILE` or a file path (default: $DATABASE_URL, or
        /// risk.db in the working directory).
        #[arg(long)]
        database: Option<String>,
        /// Do not seed a new database with demo data.
        #[arg(long)]
        no_demo: bool,
    },
    /// Experience calibration: updates the model's industry, certification and maturity factors
    /// from claims (CSV or Parquet: contract §7 firm columns + exposure, claim_count,
    /// incurred_loss) with the model as the prior; prints a report and writes the next model
    /// version next to the prior one (never overwriting a file).
    Calibrate {
        /// Claims file (.csv or .parquet).
        claims: PathBuf,
        /// Prior model: a version (`1.0.0`, `jp-cyber-1.0.0`, looked up in `--models-dir`, or the
        /// built-in model) or a model file.
        #[arg(long)]
        model: String,
        /// Where model files live and the new version is written.
        #[arg(long, default_value = "models")]
        models_dir: PathBuf,
        /// Overrides every prior sd of ln(factor) (default: from each parameter's source tag).
        #[arg(long)]
        prior_sd: Option<f64>,
        /// Report only; write no model file.
        #[arg(long)]
        dry_run: bool,
        /// Date recorded as the calibration date and used as the valuation date of certificates
        /// (default: today).
        #[arg(long)]
        date: Option<String>,
        /// Worker threads. The output does not depend on it.
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Synthetic claims from a known model, for testing calibration: policies from a documented
    /// book mix, claims from the model with `--truth` factors applied.
    SynthClaims {
        /// Policy-period rows.
        #[arg(long)]
        rows: usize,
        /// Seed of the random streams.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// True factor values, JSON: {"frequency": {"certification:iso27001": 0.65}, "severity": {…}}.
        #[arg(long)]
        truth: Option<PathBuf>,
        /// Model file (default: the built-in model).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Output file (.csv or .parquet).
        #[arg(long)]
        out: PathBuf,
    },
    /// API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Makes a key and prints it once (only its hash is stored).
    Create {
        /// What the key may do.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Who holds it: the firm's or insurer's id (default: the role and a random suffix).
        #[arg(long)]
        subject: Option<String>,
        /// Database (as for `serve`).
        #[arg(long)]
        database: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum RoleArg {
    Admin,
    Insurer,
    Firm,
}

/// Options shared by the firm commands.
#[derive(Debug, clap::Args)]
struct FirmArgs {
    /// The firm profile (JSON, contract §4).
    profile: PathBuf,
    /// Simulated years.
    #[arg(long, default_value_t = DEFAULT_TRIALS)]
    trials: u64,
    /// Seed of the random streams.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Model parameter file (default: the built-in models/jp-cyber-1.0.0.toml).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Worker threads (default: all cores). The output does not depend on it.
    #[arg(long)]
    threads: Option<usize>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum MethodArg {
    MonteCarlo,
    Exact,
}

/// A failed command: bad input (exit 2) or an internal error (exit 1).
#[derive(Debug)]
pub enum CliError {
    /// The input is wrong; the message names the field or file.
    BadInput(String),
    /// Something failed that the input did not cause.
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        CliError::Internal(e)
    }
}

/// Parses arguments, runs the command and maps the outcome to an exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(out) if out.is_empty() => ExitCode::SUCCESS,
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            if writeln!(stdout, "{out}")
                .and_then(|()| stdout.flush())
                .is_err()
            {
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
        Err(CliError::BadInput(msg)) => {
            eprintln!("error: {}", msg.replace('\n', " "));
            ExitCode::from(2)
        }
        Err(CliError::Internal(e)) => {
            eprintln!("internal error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Runs one command and returns what goes to stdout.
///
/// # Errors
/// [`CliError::BadInput`] for unreadable or invalid input, [`CliError::Internal`] otherwise.
pub fn run(cli: Cli) -> Result<String, CliError> {
    match cli.command {
        Command::Simulate {
            spec,
            method,
            trials,
            seed,
            threads,
            check,
        } => {
            let text = read_input(&spec)?;
            let spec = LossSpec::parse(&text)
                .and_then(|s| s.with_overrides(trials, seed))
                .map_err(|e| CliError::BadInput(e.to_string()))?;
            with_threads(threads, || simulate(&spec, method, check))?
        }
        Command::Serve {
            addr,
            database,
            no_demo,
        } => {
            let db = database_url(database);
            runtime()?.block_on(crate::serve::serve(addr, &db, !no_demo))?;
            Ok(String::new())
        }
        Command::Keys {
            command:
                KeysCommand::Create {
                    role,
                    subject,
                    database,
                },
        } => {
            let role = match role {
                RoleArg::Admin => Role::Admin,
                RoleArg::Insurer => Role::Insurer,
                RoleArg::Firm => Role::Firm,
            };
            if let Some(s) = &subject
                && !valid_subject(s)
            {
                return Err(CliError::BadInput(
                    "--subject: must be 1-128 characters of A-Z a-z 0-9 . _ - @ :".into(),
                ));
            }
            let db = database_url(database);
            let (key, caller) =
                runtime()?.block_on(crate::serve::create_key(&db, role, subject))?;
            eprintln!(
                "created a {} key for subject {:?}; it is shown once and stored only as a hash",
                caller.role, caller.subject
            );
            Ok(key)
        }
        Command::Score(args) => {
            let (text, profile, params) = load_firm(&args)?;
            let a = with_threads(args.threads, || {
                assess(&profile, &params, args.trials, args.seed)
            })?;
            let id = assessment_id(&text, &params, args.trials, args.seed);
            let dto = AssessmentDto::new(id, &profile, &params, &a, true);
            Ok(serde_json::to_string_pretty(&dto).map_err(anyhow::Error::from)?)
        }
        Command::Portfolio {
            file,
            trials,
            seed,
            shocks,
            out,
            shard,
            model,
            threads,
        } => {
            let report = with_threads(threads, || {
                run_portfolio(&file, trials, seed, &shocks, &out, &shard, &model)
            })??;
            Ok(serde_json::to_string_pretty(&report).map_err(anyhow::Error::from)?)
        }
        Command::PortfolioMerge { tables, out } => {
            let mut merged: Option<(risk_core::portfolio::YearLossTable, Vec<String>)> = None;
            for path in &tables {
                let (t, names) = portfolio_io::read_ylt(path).map_err(CliError::BadInput)?;
                merged = Some(match merged {
                    None => (t, names),
                    Some((m, n)) => (
                        m.merge(&t)
                            .map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))?,
                        n,
                    ),
                });
            }
            let (table, names) =
                merged.ok_or_else(|| CliError::BadInput("no table given".into()))?;
            if let Some(out) = out {
                portfolio_io::write_ylt(&out, &table, &names).map_err(CliError::BadInput)?;
            }
            let report = portfolio_report(&table, &names, None, None, None, &[]);
            Ok(serde_json::to_string_pretty(&report).map_err(anyhow::Error::from)?)
        }
        Command::Calibrate {
            claims,
            model,
            models_dir,
            prior_sd,
            dry_run,
            date,
            threads,
        } => {
            let report = with_threads(threads, || {
                run_calibrate(
                    &claims,
                    &model,
                    &models_dir,
                    prior_sd,
                    dry_run,
                    date.as_deref(),
                )
            })??;
            Ok(serde_json::to_string_pretty(&report).map_err(anyhow::Error::from)?)
        }
        Command::SynthClaims {
            rows,
            seed,
            truth,
            model,
            out,
        } => {
            let params = load_params(&model)?;
            let truth = match truth {
                None => params.clone(),
                Some(path) => {
                    let adjustments = truth_adjustments(&read_input(&path)?, &params)
                        .map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))?;
                    risk_core::calibrate::apply(&params, &adjustments)
                }
            };
            if rows == 0 || rows > MAX_CLAIM_ROWS {
                return Err(CliError::BadInput(format!(
                    "rows: must be in 1..={MAX_CLAIM_ROWS}"
                )));
            }
            let today = time::OffsetDateTime::now_utc().date();
            let data = risk_core::calibrate::synth::synthesize(&truth, rows, seed, today);
            crate::claims_io::write_claims(&out, &data).map_err(CliError::BadInput)?;
            let claims: u64 = data.iter().map(|r| r.claims).sum();
            eprintln!("wrote {rows} rows ({claims} claims) to {}", out.display());
            Ok(String::new())
        }
        Command::Impact(args) => {
            let (_, profile, params) = load_firm(&args)?;
            let i = with_threads(args.threads, || {
                impact(&profile, &params, args.trials, args.seed)
            })?;
            let dto = ImpactDto::new(&profile, &params, &i);
            Ok(serde_json::to_string_pretty(&dto).map_err(anyhow::Error::from)?)
        }
    }
}

/// Most rows `synth-claims` writes.
const MAX_CLAIM_ROWS: usize = 10_000_000;

/// `{"frequency": {"factor": value}, "severity": {...}}` → multipliers r = value / prior value.
fn truth_adjustments(
    text: &str,
    params: &ModelParams,
) -> Result<risk_core::calibrate::Adjustments, String> {
    use risk_core::calibrate::{Factor, Part, value};
    let doc: std::collections::BTreeMap<String, std::collections::BTreeMap<String, f64>> =
        serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut out = risk_core::calibrate::Adjustments::new();
    for (part, factors) in &doc {
        let part = match part.as_str() {
            "frequency" => Part::Frequency,
            "severity" => Part::Severity,
            other => return Err(format!("`{other}`: expected frequency or severity")),
        };
        for (name, v) in factors {
            let f = Factor::parse(name).ok_or_else(|| {
                format!("{}.{name}: unknown factor (industry:<name>, certification:<scheme>, maturity:<0|1|3|4|5>)", part.as_str())
            })?;
            if !(*v > 0.0 && v.is_finite()) {
                return Err(format!("{}.{name}: must be > 0", part.as_str()));
            }
            out.insert((part, f), v / value(params, part, f));
        }
    }
    Ok(out)
}

/// Finds the prior model: a file, `<name>-<version>.toml` or `*-<version>.toml` in `dir`, or the
/// built-in model. Returns its text and the directory new versions go to.
fn resolve_model(spec: &str, dir: &Path) -> Result<(String, PathBuf), CliError> {
    let path = Path::new(spec);
    if path.is_file() {
        let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
        return Ok((read_input(path)?, parent));
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        names.sort();
        for p in names {
            let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
            if p.extension().is_some_and(|e| e == "toml")
                && (stem == spec || stem.ends_with(&format!("-{spec}")))
            {
                return Ok((read_input(&p)?, dir.to_path_buf()));
            }
        }
    }
    let builtin =
        ModelParams::parse(DEFAULT_MODEL).map_err(|e| CliError::BadInput(e.to_string()))?;
    if spec == builtin.version || spec == builtin.id() {
        return Ok((DEFAULT_MODEL.to_string(), dir.to_path_buf()));
    }
    Err(CliError::BadInput(format!(
        "--model: no model `{spec}` (a file, or a version in {})",
        dir.display()
    )))
}

fn run_calibrate(
    claims: &Path,
    model: &str,
    models_dir: &Path,
    prior_sd: Option<f64>,
    dry_run: bool,
    date: Option<&str>,
) -> Result<crate::dto::calibration::CalibrationReport, CliError> {
    use crate::dto::calibration::{CalibrationReport, DataSummary, NewModel};
    use risk_core::calibrate::{Options, calibrate, rewrite};
    let (text, dir) = resolve_model(model, models_dir)?;
    let params = ModelParams::parse(&text).map_err(|e| CliError::BadInput(e.to_string()))?;
    let today = match date {
        None => time::OffsetDateTime::now_utc().date(),
        Some(d) => risk_core::model::params::parse_date(d)
            .ok_or_else(|| CliError::BadInput("--date: must be a date YYYY-MM-DD".into()))?,
    };
    if let Some(sd) = prior_sd
        && !(sd > 0.0 && sd <= 10.0)
    {
        return Err(CliError::BadInput("--prior-sd: must be in (0, 10]".into()));
    }
    let data = crate::claims_io::read_claims(claims, &params, today).map_err(CliError::BadInput)?;
    let fit = calibrate(&data.records, &params, Options { prior_sd })
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    let new_model = if dry_run {
        None
    } else {
        let mut version = rewrite::next_version(&params.version);
        let mut file = dir.join(format!("{}-{version}.toml", params.name));
        while file.exists() {
            version = rewrite::next_version(&version);
            file = dir.join(format!("{}-{version}.toml", params.name));
        }
        let provenance = risk_core::model::params::Calibration {
            from: params.id(),
            data_sha256: data.sha256.clone(),
            rows: fit.rows as u64,
            policy_years: fit.policy_years,
            claims: fit.claims,
            date: today.to_string(),
        };
        let out = rewrite::rewrite(&text, &params, &fit, &version, &provenance)
            .map_err(|e| CliError::Internal(anyhow::anyhow!(e)))?;
        std::fs::create_dir_all(&dir)
            .and_then(|()| {
                let mut f = std::fs::File::options()
                    .write(true)
                    .create_new(true)
                    .open(&file)?;
                f.write_all(out.text.as_bytes())?;
                f.sync_all()
            })
            .map_err(|e| CliError::BadInput(format!("{}: cannot write: {e}", file.display())))?;
        eprintln!("wrote {}", file.display());
        Some(NewModel {
            id: out.params.id(),
            file: file.display().to_string(),
            hash: out.params.hash.clone(),
            changed: out.changed,
            notes: out.notes,
        })
    };
    Ok(CalibrationReport::new(
        params.id(),
        DataSummary {
            file: claims.display().to_string(),
            sha256: data.sha256,
            rows: fit.rows,
            policy_years: fit.policy_years,
            claims: fit.claims,
        },
        &fit,
        new_model,
    ))
}

/// Largest trials × policies one portfolio run may ask for.
const MAX_POLICY_YEARS: f64 = 2.0e10;
/// Most simulated years of a portfolio run.
const MAX_PORTFOLIO_TRIALS: u64 = 1_000_000;

fn load_params(model: &Option<PathBuf>) -> Result<ModelParams, CliError> {
    match model {
        None => ModelParams::parse(DEFAULT_MODEL),
        Some(path) => ModelParams::parse(&read_input(path)?),
    }
    .map_err(|e| CliError::BadInput(e.to_string()))
}

/// Runs a portfolio (or one shard of it) and builds its report.
#[allow(clippy::too_many_arguments)]
fn run_portfolio(
    file: &Path,
    trials: u64,
    seed: u64,
    shocks: &Option<PathBuf>,
    out: &Option<PathBuf>,
    shard: &Option<String>,
    model: &Option<PathBuf>,
) -> Result<PortfolioReport, CliError> {
    use risk_core::portfolio::{Portfolio, allocate, shard_range, simulate};
    if trials == 0 || trials > MAX_PORTFOLIO_TRIALS {
        return Err(CliError::BadInput(format!(
            "trials: must be between 1 and {MAX_PORTFOLIO_TRIALS}"
        )));
    }
    let params = load_params(model)?;
    let today = time::OffsetDateTime::now_utc().date();
    let policies = portfolio_io::read_policies(file, &params, today).map_err(CliError::BadInput)?;
    let shocks = match shocks {
        None => portfolio_io::model_shocks(&params),
        Some(p) => risk_core::model::parse_shocks(&read_input(p)?)
            .map_err(|e| CliError::BadInput(e.to_string()))?,
    };
    if policies.len() as f64 * trials as f64 > MAX_POLICY_YEARS {
        return Err(CliError::BadInput(format!(
            "trials: {trials} years x {} policies exceed the cap of {MAX_POLICY_YEARS:e} policy-years",
            policies.len()
        )));
    }
    let names: Vec<String> = shocks.iter().map(|s| s.name.clone()).collect();
    let portfolio =
        Portfolio::new(policies, shocks).map_err(|e| CliError::BadInput(e.to_string()))?;
    let n = portfolio.policies().len();
    let range = match shard {
        None => 0..n,
        Some(s) => {
            let (i, k) = s
                .split_once('/')
                .and_then(|(i, k)| Some((i.parse().ok()?, k.parse().ok()?)))
                .ok_or_else(|| CliError::BadInput(format!("--shard: `{s}` is not i/n")))?;
            shard_range(n, i, k).map_err(|e| CliError::BadInput(e.to_string()))?
        }
    };
    let bar = indicatif::ProgressBar::new(range.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {pos}/{len} policies, {eta} left",
        )
        .map_err(anyhow::Error::from)?,
    );
    bar.set_message("simulating");
    let table = simulate(&portfolio, range.clone(), trials, seed, &|k| {
        bar.inc(k as u64)
    });
    bar.finish_and_clear();
    if let Some(out) = out {
        portfolio_io::write_ylt(out, &table, &names).map_err(CliError::BadInput)?;
    }
    let allocation = (shard.is_none()).then(|| allocate(&portfolio, &table, ALLOCATION_LEVEL));
    let ids: Vec<String> = portfolio.policies().iter().map(|p| p.id.clone()).collect();
    let closed = portfolio
        .policies()
        .iter()
        .all(|p| p.model.terms().is_none())
        .then(|| portfolio.expected_gross());
    Ok(portfolio_report(
        &table,
        &names,
        shard.clone(),
        closed,
        allocation.as_deref(),
        &ids,
    ))
}

/// Level of the Euler capital allocation (Solvency II 1-in-200).
const ALLOCATION_LEVEL: f64 = 0.995;

/// Simulates a whole portfolio and reports it with its Euler allocation (shared by the CLI and
/// the service's portfolio jobs).
pub fn whole_portfolio_report(
    portfolio: &risk_core::portfolio::Portfolio,
    trials: u64,
    seed: u64,
    progress: &(dyn Fn(usize) + Sync),
) -> PortfolioReport {
    use risk_core::portfolio::{allocate, simulate};
    let n = portfolio.policies().len();
    let table = simulate(portfolio, 0..n, trials, seed, progress);
    let allocation = allocate(portfolio, &table, ALLOCATION_LEVEL);
    let ids: Vec<String> = portfolio.policies().iter().map(|p| p.id.clone()).collect();
    let names: Vec<String> = portfolio.shocks().iter().map(|s| s.name.clone()).collect();
    let closed = portfolio
        .policies()
        .iter()
        .all(|p| p.model.terms().is_none())
        .then(|| portfolio.expected_gross());
    portfolio_report(&table, &names, None, closed, Some(&allocation), &ids)
}

pub(crate) fn portfolio_report(
    table: &risk_core::portfolio::YearLossTable,
    names: &[String],
    shard: Option<String>,
    closed_form_gross_mean: Option<f64>,
    allocation: Option<&[risk_core::portfolio::Allocation]>,
    ids: &[String],
) -> PortfolioReport {
    use crate::dto::portfolio::{ContributorDto, ReturnPeriodDto, ShockDto};
    let periods = [
        2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 250.0, 500.0, 1000.0,
    ];
    let mut levels = vec![0.99, 0.995, 0.999];
    let curve_levels: Vec<f64> = periods.iter().map(|r| 1.0 - 1.0 / r).collect();
    levels.extend(&curve_levels);
    let st = risk_core::portfolio::stats(table, &levels, &[]);
    let to_dto = |v: &risk_core::stats::LevelValue| crate::dto::v1::LevelDto {
        level: v.level,
        value: v.value,
        std_error: v.std_error,
    };
    let mut top: Vec<ContributorDto> = allocation
        .unwrap_or_default()
        .iter()
        .map(|a| ContributorDto {
            policy_id: ids[a.policy].clone(),
            tvar_contribution: a.tvar_contribution,
        })
        .collect();
    let allocated_total = allocation.map(|a| a.iter().map(|x| x.tvar_contribution).sum());
    top.sort_by(|a, b| {
        b.tvar_contribution
            .total_cmp(&a.tvar_contribution)
            .then(a.policy_id.cmp(&b.policy_id))
    });
    top.truncate(10);
    PortfolioReport {
        policies: table.policies.len(),
        trials: table.trials,
        seed: table.seed,
        shard,
        mean: st.mean,
        mean_std_error: st.mean_std_error,
        closed_form_gross_mean,
        var: st.var[..3].iter().map(to_dto).collect(),
        tvar: st.tvar[..3].iter().map(to_dto).collect(),
        exceedance_curve: periods
            .iter()
            .zip(&st.var[3..])
            .map(|(r, v)| ReturnPeriodDto {
                return_period: *r,
                loss: v.value,
            })
            .collect(),
        shocks: names
            .iter()
            .zip(table.shock_means())
            .map(|(n, m)| ShockDto {
                name: n.clone(),
                mean: m,
            })
            .collect(),
        allocation_level: allocation.map(|_| ALLOCATION_LEVEL),
        allocated_total,
        top_contributors: top,
    }
}

/// Reads the profile and model of a firm command, validating both and the trial count.
fn load_firm(args: &FirmArgs) -> Result<(String, FirmProfile, ModelParams), CliError> {
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
fn assessment_id(profile_text: &str, params: &ModelParams, trials: u64, seed: u64) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(profile_text.as_bytes());
    h.update(params.hash.as_bytes());
    h.update(trials.to_le_bytes());
    h.update(seed.to_le_bytes());
    let b = h.finalize();
    let hex: String = b.iter().take(16).map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The Monte Carlo LossReport of a validated spec (shared by the CLI and the service).
pub fn simulate_spec(spec: &LossSpec) -> LossReport {
    let sim = engine::simulate(&spec.model, spec.trials, spec.seed);
    LossReport::monte_carlo(
        &spec.model,
        &sim,
        Side::Insured,
        &spec.levels,
        &spec.thresholds,
    )
}

/// `--database`, else `$DATABASE_URL`, else risk.db in the working directory.
fn database_url(flag: Option<String>) -> String {
    flag.or_else(|| std::env::var("DATABASE_URL").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| crate::store::DEFAULT_DATABASE.to_string())
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)?)
}

/// The `simulate` command's JSON: a LossReport by `method`, or with `check` a CheckReport of
/// both methods. The exact method's failures (accuracy out of reach, unsupported input) are
/// bad input: exit 2 with the message naming what could not be met.
fn simulate(spec: &LossSpec, method: MethodArg, check: bool) -> Result<String, CliError> {
    let exact = || {
        engine::exact::compute(
            &spec.model,
            &spec.levels,
            &spec.thresholds,
            &engine::exact::ExactOptions::default(),
        )
        .map_err(|e| CliError::BadInput(e.to_string()))
    };
    let json = if check {
        let exact = exact()?;
        let sim = engine::simulate(&spec.model, spec.trials, spec.seed);
        let report = CheckReport::new(&sim, &exact, &spec.levels, &spec.thresholds);
        serde_json::to_string_pretty(&report)
    } else {
        let report = match method {
            MethodArg::MonteCarlo => simulate_spec(spec),
            MethodArg::Exact => LossReport::exact(&spec.model, &exact()?),
        };
        serde_json::to_string_pretty(&report)
    };
    Ok(json.map_err(anyhow::Error::from)?)
}

/// Runs `f` on a pool of `threads` workers (the global pool when None).
fn with_threads<T: Send>(
    threads: Option<usize>,
    f: impl FnOnce() -> T + Send,
) -> Result<T, CliError> {
    match threads {
        None => Ok(f()),
        Some(0) => Err(CliError::BadInput("--threads: must be >= 1".into())),
        Some(t) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .map_err(anyhow::Error::from)?;
            Ok(pool.install(f))
        }
    }
}

fn read_input(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::BadInput(format!("{}: cannot read: {e}", path.display())))
}
