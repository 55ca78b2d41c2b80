//! The `risk` command line (contract §1).
//!
//! Exit status: 0 on success; 2 on bad input with a one-line message on stderr naming the field
//! and nothing on stdout; 1 on an internal failure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use risk_core::engine;
use risk_core::model::{LossSpec, MAX_TRIALS};
use risk_core::params::{DEFAULT_MODEL, ModelParams};
use risk_core::pricing::assess;
use risk_core::pricing::impact;
use risk_core::profile::FirmProfile;

use crate::auth::{Role, valid_subject};
use crate::dto::firm::{AssessmentDto, ImpactDto};
use crate::dto::portfolio::PortfolioReport;
use crate::dto::v1::{CheckReport, LossReport};
use crate::portfolio_io;
use crate::service::assessment_id;
pub use crate::service::simulate_spec;
use calibrate::{MAX_CLAIM_ROWS, run_calibrate, truth_adjustments};
use firm::load_firm;
use portfolio::run_portfolio;
use simulate::simulate;

mod calibrate;
mod exhibits;
mod firm;
mod keys;
mod portfolio;
mod questionnaire;
mod quote;
mod simulate;
use crate::service::{ALLOCATION_LEVEL, portfolio_report};

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
    /// Quote options: the underwriting decision and each coverage option priced on the same
    /// simulated years (contract §10).
    Quote {
        #[command(flatten)]
        firm: FirmArgs,
        /// Coverage options: a JSON list of 1-20 coverage objects (default: the profile's own).
        #[arg(long)]
        options: Option<PathBuf>,
    },
    /// A questionnaire's answers (contract §12) as a firm profile plus the mapping of answers to
    /// values (and, for ★3/★4, whether the firm meets the rung); without ANSWERS.json, the
    /// questionnaire itself.
    Questionnaire {
        /// security_action_self_check, supply_chain_3, supply_chain_4 or meti_guideline.
        name: String,
        /// Answers: `{"firm": {…}, "answers": {"<item id>": <choice>}}`.
        answers: Option<PathBuf>,
        /// Model: a parameter file or a version (default: the built-in model in force).
        #[arg(long)]
        model: Option<PathBuf>,
    },
    /// Rating exhibits: the tables the pricing uses (base premiums by revenue band and industry,
    /// increased-limit factors, deductible credits, schedule bounds, section shares, rules), as
    /// CSV and Parquet files in a directory.
    Exhibits {
        /// Model: a parameter file or a version (default: the built-in model in force).
        #[arg(long)]
        model: Option<PathBuf>,
        /// Directory to write the tables to (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Simulated years behind each simulated entry.
        #[arg(long, default_value_t = exhibits::DEFAULT_TRIALS)]
        trials: u64,
        /// Seed of the random streams.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Worker threads. The output does not depend on it.
        #[arg(long)]
        threads: Option<usize>,
    },
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
        /// The suppliers the book's `suppliers` column names (JSON list of the profile's
        /// supplier objects, each with its `id`); an id not listed is a supplier of role
        /// `other` without certificates.
        #[arg(long)]
        suppliers: Option<PathBuf>,
        /// Write the year-loss table to this Parquet file.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write ORD result tables (ept, alt, plt, elt, summary-info; CSV and Parquet) into
        /// this directory.
        #[arg(long)]
        ord: Option<PathBuf>,
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
        /// Write the merged run's ORD result tables into this directory.
        #[arg(long)]
        ord: Option<PathBuf>,
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
        /// Create the SQLite database file if it does not exist. Without it a configured
        /// database (`--database` or $DATABASE_URL) that is missing is an error, so a server is
        /// never started on a new, empty database by mistake; the default risk.db in the working
        /// directory is created on the first run.
        #[arg(long)]
        create: bool,
    },
    /// Experience calibration: updates the model's base level and its industry, certification and
    /// maturity factors from claims (CSV or Parquet: contract §7 firm columns + exposure,
    /// claim_count, incurred_loss) with the model as the prior; prints a report and writes the
    /// next model version next to the prior one (never overwriting a file). Refused (status 2,
    /// nothing written) when a sanity gate trips: an outlier row, actual/expected outside a
    /// plausible range, data already in the prior's lineage, or data too thin to inform any
    /// factor.
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
        /// Report only; write no model file. The report lists the gates a real run would
        /// refuse on (`gates`), and the run succeeds.
        #[arg(long)]
        dry_run: bool,
        /// Fit data already in the prior's lineage (its `[calibration]` hashes) anyway.
        #[arg(long)]
        force: bool,
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
        /// Insurer data: deductibles in USD, one drawn per row (comma-separated); claims at or
        /// below it are dropped and the rest paid net of it (`deductible` column written).
        #[arg(long, value_delimiter = ',')]
        deductibles: Vec<f64>,
        /// Insurer data: occurrence limits in USD, one drawn per row (comma-separated; needs
        /// --deductibles); payments are capped at it (`occurrence_limit` column written).
        #[arg(long, value_delimiter = ',')]
        limits: Vec<f64>,
        /// One row per peril the firm is exposed to (its claims of that peril; `peril` column
        /// written) in place of one row per policy-period.
        #[arg(long)]
        by_peril: bool,
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
        /// Who holds it: the firm's, insurer's, certification body's or hub's id (default: the role
        /// and a random suffix).
        #[arg(long)]
        subject: Option<String>,
        /// Database (as for `serve`).
        #[arg(long)]
        database: Option<String>,
        /// The day the key stops working (YYYY-MM-DD, from its start, UTC); none by default.
        #[arg(long)]
        expires: Option<String>,
    },
    /// Lists keys: id, role, subject, created, expires, revoked (never a key).
    List {
        /// Database (as for `serve`).
        #[arg(long)]
        database: Option<String>,
    },
    /// Revokes a key by its id, or every key of a subject (answered 401 from then on).
    #[command(group(clap::ArgGroup::new("which").required(true).args(["id", "subject"])))]
    Revoke {
        /// The key's id (as `risk keys list` shows it).
        #[arg(long)]
        id: Option<String>,
        /// Revoke every key of this subject.
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
    Certifier,
    Hub,
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
    /// Model: a parameter file, or a version (`1.0.0`, `1.5.0`, `2.0.0`; looked up in `models/`,
    /// else the built-in ones). Default: the newest built-in model (models/jp-cyber-2.0.0.toml).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Worker threads (default: all cores). The output does not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// A certificate registry's export (JSON: the `items` of `GET /v1/certificates`, or the
    /// page itself): the profile's certifications citing a `certificate_id` registered there to
    /// the profile's `firm.id` are verified with the registry's facts. Without it every
    /// certificate is declared.
    #[arg(long)]
    registry: Option<PathBuf>,
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
        // Written, not `eprintln!`ed: a full or closed stderr must not turn an error into a
        // panic (exit 101).
        Err(CliError::BadInput(msg)) => {
            let _ = writeln!(std::io::stderr(), "error: {}", msg.replace('\n', " "));
            ExitCode::from(2)
        }
        Err(CliError::Internal(e)) => {
            let _ = writeln!(std::io::stderr(), "internal error: {e:#}");
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
            create,
        } => {
            let configured =
                database.is_some() || std::env::var("DATABASE_URL").is_ok_and(|s| !s.is_empty());
            let db = database_url(database);
            let create = create || !configured;
            runtime()?.block_on(crate::serve::serve(addr, &db, !no_demo, create))?;
            Ok(String::new())
        }
        Command::Keys {
            command: KeysCommand::List { database },
        } => keys::list(&database_url(database)),
        Command::Keys {
            command:
                KeysCommand::Revoke {
                    id,
                    subject,
                    database,
                },
        } => keys::revoke(&database_url(database), id, subject),
        Command::Keys {
            command:
                KeysCommand::Create {
                    role,
                    subject,
                    database,
                    expires,
                },
        } => {
            let role = match role {
                RoleArg::Admin => Role::Admin,
                RoleArg::Insurer => Role::Insurer,
                RoleArg::Firm => Role::Firm,
                RoleArg::Certifier => Role::Certifier,
                RoleArg::Hub => Role::Hub,
            };
            if let Some(s) = &subject
                && !valid_subject(s)
            {
                return Err(CliError::BadInput(
                    "--subject: must be 1-128 characters of A-Z a-z 0-9 . _ - @ :".into(),
                ));
            }
            let expires = expires.map(|e| keys::expiry(&e)).transpose()?;
            let db = database_url(database);
            let (key, caller) =
                runtime()?.block_on(crate::serve::create_key(&db, role, subject, expires))?;
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
            suppliers,
            out,
            ord,
            shard,
            model,
            threads,
        } => {
            let outputs = portfolio::Outputs { ylt: out, ord };
            let inputs = portfolio::Inputs { shocks, suppliers };
            let report = with_threads(threads, || {
                run_portfolio(&file, trials, seed, &inputs, &outputs, &shard, &model)
            })??;
            Ok(serde_json::to_string_pretty(&report).map_err(anyhow::Error::from)?)
        }
        Command::PortfolioMerge { tables, out, ord } => {
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
            if let Some(dir) = ord {
                crate::ord::write_ord(&dir, &table, &names).map_err(CliError::BadInput)?;
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
            force,
            date,
            threads,
        } => {
            let report = with_threads(threads, || {
                run_calibrate(
                    &claims,
                    &model,
                    &models_dir,
                    calibrate::Flags {
                        prior_sd,
                        dry_run,
                        force,
                    },
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
            deductibles,
            limits,
            by_peril,
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
            let mix = if deductibles.is_empty() {
                if !limits.is_empty() {
                    return Err(CliError::BadInput("--limits: needs --deductibles".into()));
                }
                None
            } else {
                if deductibles.iter().any(|d| !(*d >= 0.0 && d.is_finite()))
                    || limits.iter().any(|l| !(*l > 0.0))
                {
                    return Err(CliError::BadInput(
                        "--deductibles: amounts >= 0; --limits: amounts > 0".into(),
                    ));
                }
                Some(risk_core::calibrate::synth::TermsMix {
                    deductibles,
                    limits: if limits.is_empty() {
                        vec![f64::INFINITY]
                    } else {
                        limits
                    },
                })
            };
            let data = risk_core::calibrate::synth::synthesize_with(
                &truth,
                rows,
                seed,
                today,
                mix.as_ref(),
                by_peril,
            );
            crate::claims_io::write_claims(&out, &data).map_err(CliError::BadInput)?;
            let claims: u64 = data.iter().map(|r| r.claims).sum();
            eprintln!(
                "wrote {} rows ({claims} claims) to {}",
                data.len(),
                out.display()
            );
            Ok(String::new())
        }
        Command::Quote { firm, options } => quote::run_quote(&firm, options.as_deref()),
        Command::Questionnaire {
            name,
            answers,
            model,
        } => questionnaire::run_questionnaire(&name, answers.as_deref(), &model),
        Command::Exhibits {
            model,
            out,
            trials,
            seed,
            threads,
        } => {
            let params = load_params(&model)?;
            with_threads(threads, || exhibits::write(&params, &out, trials, seed))??;
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

/// The model `--model` names (contract §9): a model file, a version (`1.0.0` or `jp-cyber-1.0.0`)
/// found in `models/` under the working directory, or the built-in version; the built-in model
/// when absent.
fn load_params(model: &Option<PathBuf>) -> Result<ModelParams, CliError> {
    let text = match model {
        None => DEFAULT_MODEL.to_string(),
        Some(path) if path.is_file() => read_input(path)?,
        Some(spec) => {
            let spec = spec.to_string_lossy();
            calibrate::resolve_model(&spec, Path::new("models"))?.0
        }
    };
    ModelParams::parse(&text).map_err(|e| CliError::BadInput(e.to_string()))
}

/// Runs a portfolio (or one shard of it) and builds its report.
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
