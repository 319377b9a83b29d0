//! The command line: `serve` (default), `migrate`, `create-admin`. Each returns an operator-facing
//! sentence on failure; `main` prints it and exits non-zero.

use std::io::BufRead;
use std::net::TcpListener;
use std::path::PathBuf;

use actix_web::web;
use clap::{Parser, Subcommand};

use crate::accounts::model;
use crate::app::{open_database, server};
use crate::auth::extractors::Actor;
use crate::auth::users::{NewAccount, User};
use crate::auth::{jwt, password};
use crate::config::Config;
use crate::jobs::Jobs;
use crate::web::fields::Checker;
use crate::web::state::AppState;
use crate::{db, demo};

#[derive(Debug, Parser)]
#[command(
    name = "myochart",
    version,
    about = "Practice management for massage and manual therapists who treat myofascial trigger points.",
    long_about = "Practice management for massage and manual therapists who treat myofascial trigger points.\n\n\
        Settings come from config/default.toml (built in), then the file named by --config, then\n\
        MYOCHART_* environment variables (for example MYOCHART_DATABASE_URL)."
)]
pub struct Cli {
    /// Local settings file read on top of the built-in defaults (optional).
    #[arg(long, global = true, default_value = "config/local.toml", value_name = "FILE")]
    pub config: PathBuf,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the web server (the default). Runs pending migrations first; on first run, prints
    /// the address of the set-up page that creates the first admin account.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an admin account from the shell (also a way in if every admin is locked out).
    CreateAdmin {
        /// Email address used to sign in.
        #[arg(long)]
        email: String,
        /// Name shown in the application.
        #[arg(long)]
        name: String,
        /// Read the password from the first line of standard input instead of prompting.
        #[arg(long)]
        password_stdin: bool,
        /// Do not also give the account the therapist role.
        #[arg(long)]
        no_therapist: bool,
    },
    /// Fill an empty database with a made-up practice: therapists, and clients with years of
    /// visits, trigger points, factors, follow-ups and home care (to try myochart, and for the
    /// benchmark). Prints each therapist's email and the path of one client's full chart.
    SeedDemo {
        /// How many clients.
        #[arg(long)]
        clients: usize,
        /// How many therapists share them (the first is an admin too).
        #[arg(long, default_value_t = 5)]
        therapists: usize,
        /// The demo therapists' password (default: a generated one, printed at the end).
        #[arg(long)]
        password: Option<String>,
    },
}

/// Runs the chosen command to completion.
pub fn run(command: Command, config: Config) -> Result<(), String> {
    match command {
        Command::Serve => actix_web::rt::System::new().block_on(serve(config)),
        Command::Migrate => {
            open_database(&config.database_url, 1)?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::CreateAdmin { email, name, password_stdin, no_therapist } => {
            create_admin(&config, &email, &name, password_stdin, !no_therapist)
        }
        Command::SeedDemo { clients, therapists, password } => {
            seed_demo(&config, clients, therapists, password)
        }
    }
}

async fn serve(config: Config) -> Result<(), String> {
    let db = open_database(&config.database_url, config.database_pool_size)?;
    let secret = jwt::load_or_create_secret(config.jwt_secret.expose(), &config.data_dir)?;
    let listener = TcpListener::bind(config.bind)
        .map_err(|e| format!("cannot listen on {} (setting bind): {e}", config.bind))?;
    let public_url = config.public_base();
    let state = AppState::new(config, db, &secret).map_err(|e| format!("{e:#}"))?;
    let jobs = Jobs::new(&state)?;
    let state = web::Data::new(state);
    if state.is_set_up().await.map_err(|e| e.to_string())? {
        tracing::info!("myochart is running at {public_url}/");
        println!("myochart is running at {public_url}/");
    } else {
        let link = format!("{public_url}/setup?token={}", state.setup_token);
        tracing::info!("first run: create the first admin account at {link}");
        println!("First run: open {link} to create the first admin account.");
    }
    actix_web::rt::spawn(jobs.clone().run());
    let server = server(state, listener).map_err(|e| format!("cannot start the server: {e}"))?;
    let stopped = server.await.map_err(|e| format!("server stopped with an error: {e}"));
    // Throttled sign-ins still being counted go to the audit log before the process ends.
    if let Err(err) = jobs.report_refusals(std::time::Instant::now(), true).await {
        tracing::error!("throttled sign-ins could not be audited at shutdown: {err}");
    }
    stopped
}

fn read_password(from_stdin: bool) -> Result<String, String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("cannot read the password: {e}"))?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first =
        rpassword::prompt_password("Password: ").map_err(|e| format!("cannot read the password: {e}"))?;
    let second =
        rpassword::prompt_password("Repeat it: ").map_err(|e| format!("cannot read the password: {e}"))?;
    if first != second {
        return Err("the two passwords do not match".into());
    }
    Ok(first)
}

fn seed_demo(
    config: &Config,
    clients: usize,
    therapists: usize,
    password: Option<String>,
) -> Result<(), String> {
    let password = match password {
        Some(typed) => typed,
        None => {
            let random = crate::auth::identity::random_value().map_err(|e| format!("no randomness: {e}"))?;
            format!("demo-{}", &random[..16])
        }
    };
    let options = demo::Options { clients, therapists, password };
    demo::check(&options)?;
    let db = open_database(&config.database_url, 1)?;
    let clock = crate::time::Clock::system(config.timezone);
    let bar = indicatif::ProgressBar::new(clients as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos:>7}/{len} clients · {elapsed} · about {eta} left",
    ) {
        bar.set_style(style);
    }
    let started = std::time::Instant::now();
    let seeded =
        demo::seed(&db, &options, &clock, |done| bar.set_position(done as u64)).map_err(|e| match e {
            crate::error::AppError::Conflict(message) => message,
            other => format!("seeding failed: {other}"),
        })?;
    bar.finish_and_clear();
    let c = seeded.counts;
    println!(
        "Seeded {} clients in {:.0} s: {} visits, {} trigger points, {} factors, {} follow-ups, {} sent routines, \
         {} check-ins, {} audit rows.",
        c.clients,
        started.elapsed().as_secs_f64(),
        c.visits,
        c.findings,
        c.factors,
        c.followups,
        c.routines,
        c.checkins,
        c.audit
    );
    println!("Every demo therapist signs in with the password: {}", options.password);
    println!("Each therapist, and a client with 10 visits, 30 trigger points and 5 factors:");
    for therapist in &seeded.therapists {
        println!("{} {}", therapist.email, therapist.benchmark_chart);
    }
    Ok(())
}

fn create_admin(
    config: &Config,
    email: &str,
    name: &str,
    password_stdin: bool,
    therapist: bool,
) -> Result<(), String> {
    let mut checker = Checker::default();
    let (valid_email, valid_name) = (checker.email("email", email), checker.optional("name", name, 100));
    let (Some(email), Some(name)) = (valid_email, valid_name) else {
        return Err("give a valid --email and a non-empty --name".into());
    };
    let db = open_database(&config.database_url, 1)?;
    let typed = read_password(password_stdin)?;
    password::check_policy(&typed, &[&email, &name])?;
    let password_hash = password::hash(&typed).map_err(|e| e.to_string())?;
    let account = NewAccount {
        email: &email,
        display_name: &name,
        password_hash,
        is_admin: true,
        is_therapist: therapist,
        must_change_password: false,
    };
    let user = User::new(account, chrono::Utc::now().naive_utc());
    let mut conn = db.get().map_err(|e| e.to_string())?;
    db::write_tx(&mut conn, |conn| model::create(conn, &user, &Actor::system("command line"))).map_err(
        |e| match e {
            crate::error::AppError::Validation(errors) => errors.into_values().collect::<Vec<_>>().join(" "),
            other => other.to_string(),
        },
    )?;
    println!("Created admin account {email}.");
    Ok(())
}
