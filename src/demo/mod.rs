//! `myochart seed-demo`: a demo practice for trying the app and for the benchmark at practice
//! scale. Therapists, and clients with years of records, made up (`record`) through the areas'
//! own forms and rules and stored in bulk (`store`): valid seals on signed visits, the latest
//! visit a draft, trends in the trigger points, factors, follow-ups, sent routines with
//! check-ins, and audit rows. Reproducible: the same options give the same practice.

mod record;
mod store;
mod words;

use chrono::Utc;
use diesel::prelude::*;

use crate::accounts::model as accounts;
use crate::auth::extractors::Actor;
use crate::auth::password;
use crate::auth::users::{NewAccount, User};
use crate::charting::catalog;
use crate::db::schema::users;
use crate::db::{Db, DbConn, write_tx};
use crate::error::AppError;
use crate::homecare::library;
use crate::time::Clock;

pub use record::BENCHMARK;
pub use store::Counts;

/// Clients stored per transaction: large enough for multi-row inserts to pay, small enough to
/// keep memory flat whatever the practice size.
const CHUNK: usize = 500;

/// What to seed.
#[derive(Debug, Clone)]
pub struct Options {
    pub clients: usize,
    pub therapists: usize,
    /// Every demo therapist's password.
    pub password: String,
}

/// A demo therapist, and the path of their client shaped like [`BENCHMARK`].
#[derive(Debug, Clone)]
pub struct Therapist {
    pub email: String,
    pub name: String,
    pub benchmark_chart: String,
}

/// What was seeded.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub therapists: Vec<Therapist>,
    pub counts: Counts,
}

/// Why the options cannot be seeded, if they cannot.
pub fn check(options: &Options) -> Result<(), String> {
    if !(1..=50).contains(&options.therapists) {
        return Err("--therapists must be from 1 to 50".into());
    }
    if !(options.therapists..=2_000_000).contains(&options.clients) {
        return Err(format!(
            "--clients must be from {} (one per therapist) to 2,000,000",
            options.therapists
        ));
    }
    password::check_policy(&options.password, &["demo"])
}

fn is_empty(conn: &mut DbConn) -> Result<bool, AppError> {
    let accounts: i64 = users::table.count().get_result(conn)?;
    Ok(accounts == 0)
}

/// The demo therapists; the first is an admin too, so the practice can be run.
fn create_therapists(conn: &mut DbConn, options: &Options) -> Result<Vec<User>, AppError> {
    let hash = password::hash(&options.password)?;
    let now = Utc::now().naive_utc();
    let actor = Actor::system("seed-demo");
    (0..options.therapists)
        .map(|n| {
            let name = words::THERAPISTS[n % words::THERAPISTS.len()];
            let email = format!("demo.therapist{}@example.com", n + 1);
            let account = NewAccount {
                email: &email,
                display_name: name,
                password_hash: hash.clone(),
                is_admin: n == 0,
                is_therapist: true,
                must_change_password: false,
            };
            let user = User::new(account, now);
            write_tx(conn, |conn| accounts::create(conn, &user, &actor))?;
            Ok(user)
        })
        .collect()
}

/// Seeds an empty database; `progress` hears how many clients are stored so far.
pub fn seed(db: &Db, options: &Options, clock: &Clock, progress: impl Fn(usize)) -> Result<Seeded, AppError> {
    let mut conn = db.get()?;
    if !is_empty(&mut conn)? {
        return Err(AppError::Conflict(
            "seed-demo fills an empty database, and this one has accounts. Point database_url at a new one."
                .into(),
        ));
    }
    let therapists = create_therapists(&mut conn, options)?;
    let muscles = catalog::all(&mut conn)?;
    let muscle_ids: Vec<String> = muscles.iter().map(|m| m.id.clone()).collect();
    let exercises = library::for_muscles(&mut conn, &muscle_ids)?;
    let library = record::Library { muscles, exercises };
    let mut counts = Counts::default();
    let mut benchmark_charts = vec![String::new(); therapists.len()];
    let mut start = 0;
    while start < options.clients {
        let end = (start + CHUNK).min(options.clients);
        let records: Vec<record::Record> = (start..end)
            .map(|index| {
                let therapist = &therapists[index % therapists.len()];
                // The first client of each therapist is the benchmark's chart.
                let shape = (index < therapists.len()).then_some(BENCHMARK);
                let mut rng = fastrand::Rng::with_seed(index as u64);
                record::build(&mut rng, index, therapist, shape, &library, clock)
            })
            .collect();
        for (n, chart) in benchmark_charts.iter_mut().enumerate() {
            if let Some(record) = records.get(n).filter(|_| start == 0) {
                *chart = format!("/clients/{}", record.client.id);
            }
        }
        counts += write_tx(&mut conn, |conn| store::store(conn, &records))?;
        start = end;
        progress(start);
    }
    crate::db::analyze(&mut conn)?;
    let therapists = therapists
        .into_iter()
        .zip(benchmark_charts)
        .map(|(user, chart)| Therapist { email: user.email, name: user.display_name, benchmark_chart: chart })
        .collect();
    Ok(Seeded { therapists, counts })
}
