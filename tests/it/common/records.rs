//! One client with one of every record (visit, trigger point, factor, routine, failed email,
//! follow-up), and the concrete path of any route about them: what the route-table walkers use.

use myochart::auth::users::User;
use myochart::clients::model::Client;
use myochart::followups::model::FollowupFields;
use myochart::mail::outbox::{EmailKind, NewEmail, OutboxStatus};

use crate::common::TestApp;

/// The ids a route's `{id}` can stand for.
pub struct Records {
    pub client: Client,
    pub visit: String,
    pub finding: String,
    pub factor: String,
    pub routine: String,
    pub email: String,
    pub followup: String,
}

impl Records {
    /// `template` with its `{id}` replaced by the record its first segment names.
    pub fn path(&self, template: &str) -> String {
        template.replace("{id}", self.id_for(template))
    }

    /// The id the `{id}` of `template` stands for.
    pub fn id_for(&self, template: &str) -> &str {
        let by_segment = [
            ("/visits/", &self.visit),
            ("/findings/", &self.finding),
            ("/factors/", &self.factor),
            ("/routines/", &self.routine),
            ("/outbox/", &self.email),
            ("/followups/", &self.followup),
        ];
        by_segment
            .iter()
            .find(|(prefix, _)| template.starts_with(prefix))
            .map_or(self.client.id.as_str(), |(_, id)| id.as_str())
    }
}

impl TestApp {
    /// A client of `therapist` named `first last`, with one of every record.
    pub fn client_with_records(&self, therapist: &User, first: &str, last: &str) -> Records {
        let client = self.create_client(&therapist.id, first, last);
        let visit = self.open_visit(&client);
        let finding = self.add_finding(&visit, "upper-trapezius", "left", "active");
        let factor = self.add_factor(&client, std::slice::from_ref(&finding.id));
        let routine = self.draft_routine(&client);
        let email = self.with_conn(|conn| {
            let email = NewEmail {
                kind: EmailKind::Routine,
                client_id: Some(client.id.clone()),
                created_by: Some(therapist.id.clone()),
                to_address: client.details.email.clone().unwrap_or_default(),
                to_name: None,
                subject: "Your home care".into(),
                body_text: "t".into(),
                body_html: "h".into(),
            };
            let id = myochart::mail::outbox::enqueue(conn, &email, chrono::Utc::now().naive_utc(), "test")?;
            use diesel::prelude::*;
            use myochart::db::schema::outbox;
            diesel::update(outbox::table.find(&id))
                .set(outbox::status.eq(OutboxStatus::Failed))
                .execute(conn)?;
            Ok(id)
        });
        let fields = FollowupFields {
            due_date: self.state.clock.today(),
            due_time: None,
            reason_kind: "other".into(),
            reason: None,
            finding_id: None,
            factor_id: None,
            repeat: None,
            remind: false,
        };
        let clock = self.state.clock.clone();
        let followup = self.with_conn(|conn| {
            myochart::db::write_tx(conn, |conn| {
                myochart::followups::model::insert(conn, &therapist.id, &client.id, &fields, &clock)
            })
        });
        Records {
            client,
            visit: visit.id,
            finding: finding.id,
            factor: factor.id,
            routine: routine.id,
            email,
            followup: followup.id,
        }
    }
}
