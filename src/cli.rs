//! The command line: `serve` (default), `migrate`, `create-admin`. Each returns an operator-facing
//! sentence on failure; `main` prints it and exits non-zero.

use std::io::BufRead;
use std::net::TcpListener;
use std::path::PathBuf;

use actix_web::web;
use clap::{Parser, Subcommand};

use crate::AppState;
use crate::accounts::model::{self, NewUser};
use crate::audit::model::{self as audit, Action, Actor, Outcome};
use crate::auth::{jwt, password};
use crate::config::Config;
use crate::db::{self, Db};

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
}

/// Runs the chosen command to completion.
pub fn run(command: Command, config: Config) -> Result<(), String> {
    match command {
        Command::Serve => actix_web::rt::System::new().block_on(serve(config)),
        Command::Migrate => {
            Db::connect(&config.database_url, 1)?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::CreateAdmin { email, name, password_stdin, no_therapist } => {
            create_admin(&config, &email, &name, password_stdin, !no_therapist)
        }
    }
}

async fn serve(config: Config) -> Result<(), String> {
    let db = Db::connect(&config.database_url, config.database_pool_size)?;
    let secret = jwt::load_or_create_secret(&config.jwt_secret, &config.data_dir)?;
    let listener = TcpListener::bind(&config.bind)
        .map_err(|e| format!("cannot listen on {} (setting bind): {e}", config.bind))?;
    let public_url = config.public_url.clone();
    let state = AppState::new(config, db, &secret).map_err(|e| format!("{e:#}"))?;
    let state = web::Data::new(state);
    if state.is_set_up().await.map_err(|e| e.to_string())? {
        tracing::info!("myochart is running at {public_url}/");
        println!("myochart is running at {public_url}/");
    } else {
        let link = format!("{public_url}/setup?token={}", state.setup_token);
        tracing::info!("first run: create the first admin account at {link}");
        println!("First run: open {link} to create the first admin account.");
    }
    actix_web::rt::spawn(state.mail_worker.clone().run());
    let server = crate::server(state, listener).map_err(|e| format!("cannot start the server: {e}"))?;
    server.await.map_err(|e| format!("server stopped with an error: {e}"))
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

fn create_admin(
    config: &Config,
    email: &str,
    name: &str,
    password_stdin: bool,
    therapist: bool,
) -> Result<(), String> {
    let db = Db::connect(&config.database_url, 1)?;
    let typed = read_password(password_stdin)?;
    password::check_policy(&typed, &[email, name])?;
    let hash = password::hash(&typed).map_err(|e| e.to_string())?;
    let new = NewUser::new(email, name, hash, true, therapist);
    if !email.contains('@') || new.display_name.is_empty() {
        return Err("give a valid --email and a non-empty --name".into());
    }
    let mut conn = db.get().map_err(|e| e.to_string())?;
    db::write_tx(&mut conn, |conn| {
        let user = model::insert(conn, &new)?;
        let actor = Actor { user_id: None, label: Some("command line".into()), ip: None };
        audit::record(
            conn,
            &actor,
            Action::UserCreate,
            Some(("user", &user.id)),
            Outcome::Success,
            Some(format!("roles: {}", user.roles_label())),
        )?;
        Ok(user)
    })
    .map_err(|e| match e {
        crate::error::AppError::Validation(errors) => errors.into_values().collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    })?;
    println!("Created admin account {}.", new.email);
    Ok(())
}
