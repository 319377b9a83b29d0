//! Clinical fixtures, inserted through the model functions the handlers use.

use chrono::Utc;
use myochart::charting::factors::{self, Factor, FactorFields};
use myochart::charting::findings::Finding;
use myochart::charting::forms::FindingForm;
use myochart::charting::vocab::{FactorCategory, FactorSource, FactorStatus};
use myochart::clients::model::{self as clients, Client, ClientFields};
use myochart::db::write_tx;
use myochart::visits::model::{self as visits, Opening, Visit};

use crate::common::TestApp;

impl TestApp {
    /// A client of `therapist_id` named `first last`.
    pub fn create_client(&self, therapist_id: &str, first: &str, last: &str) -> Client {
        let fields = ClientFields {
            first_name: first.into(),
            last_name: last.into(),
            preferred_name: None,
            date_of_birth: None,
            email: Some(format!("{}@example.com", first.to_lowercase())),
            phone: Some("+49 171 2345678".into()),
            email_consent: true,
            occupation: Some("Software developer".into()),
            work_setup: Some("Laptop on a kitchen table".into()),
            medical_history: None,
            medications: None,
            red_flags: None,
            emergency_contact: None,
            notes: None,
        };
        self.with_conn(|conn| clients::insert(conn, therapist_id, &fields, Utc::now().naive_utc()))
    }

    /// A draft visit of `client`, started now.
    pub fn open_visit(&self, client: &Client) -> Visit {
        self.with_conn(|conn| {
            let opening =
                Opening { started_at: Utc::now().naive_utc(), duration_minutes: 60, copy_forward: false };
            write_tx(conn, |conn| {
                visits::create_draft(conn, &client.therapist_id, &client.id, opening, Utc::now().naive_utc())
            })
        })
    }

    /// A finding on a draft visit.
    pub fn add_finding(&self, visit: &Visit, muscle: &str, side: &str, classification: &str) -> Finding {
        let form = FindingForm {
            muscle_id: muscle.into(),
            side: side.into(),
            classification: classification.into(),
            taut_band: "yes".into(),
            pain_nrs: "6".into(),
            ppt_value: "2.5".into(),
            ..FindingForm::default()
        };
        let fields = form.validate().expect("fixture finding is valid");
        self.with_conn(|conn| {
            let now = Utc::now().naive_utc();
            write_tx(conn, |conn| visits::add_finding(conn, &visit.therapist_id, &visit.id, &fields, now))
        })
    }

    pub fn sign_visit(&self, visit: &Visit) -> Visit {
        let now = Utc::now().naive_utc();
        self.with_conn(|conn| {
            write_tx(conn, |conn| {
                let reviewed = visits::seal_now(conn, &visit.id)?;
                match visits::sign(conn, &visit.therapist_id, &visit.id, &reviewed, now)? {
                    visits::Signed::Done(visit) => Ok(*visit),
                    visits::Signed::Refused(reason) => panic!("the fixture visit is signed: {reason}"),
                }
            })
        })
    }

    pub fn add_factor(&self, client: &Client, finding_ids: &[String]) -> Factor {
        let fields = FactorFields {
            category: FactorCategory::Posture,
            factor: "Head forward at the desk".into(),
            source: FactorSource::Observed,
            status: FactorStatus::Suspected,
            action: Some("Raise the screen".into()),
            identified_on: Utc::now().date_naive(),
            reviewed_on: None,
        };
        self.with_conn(|conn| {
            write_tx(conn, |conn| {
                let now = Utc::now().naive_utc();
                factors::insert(conn, &client.therapist_id, &client.id, &fields, finding_ids, now)
            })
        })
    }
}

impl TestApp {
    /// A draft routine for `client` with the library's upper-trapezius items.
    pub fn draft_routine(&self, client: &Client) -> myochart::homecare::model::Routine {
        use myochart::homecare::library;
        use myochart::homecare::model::{self as routines, ItemFields};
        self.with_conn(|conn| {
            write_tx(conn, |conn| {
                let items: Vec<ItemFields> = library::for_muscles(conn, &["upper-trapezius".to_owned()])?
                    .into_iter()
                    .map(|e| ItemFields {
                        exercise_id: Some(e.id),
                        title: e.title,
                        instructions: e.instructions,
                        seconds: e.seconds,
                        repetitions: e.repetitions,
                        times_per_day: e.times_per_day,
                        notes: None,
                    })
                    .collect();
                let now = Utc::now().naive_utc();
                routines::save_draft(conn, &client.therapist_id, &client.id, "Little and often.", &items, now)
            })
        })
    }

    /// Outbox rows by status.
    pub fn outbox_statuses(&self) -> Vec<String> {
        use diesel::prelude::*;
        use myochart::db::schema::outbox;
        let statuses: Vec<myochart::mail::outbox::OutboxStatus> = self
            .with_conn(|conn| Ok(outbox::table.select(outbox::status).order(outbox::id.asc()).load(conn)?));
        statuses.into_iter().map(|s| s.code().to_owned()).collect()
    }
}
