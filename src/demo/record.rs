//! One made-up client's record, built in memory through the areas' own forms and rules: the
//! details, visits with their trigger points (the latest a draft, the others sealed exactly as
//! `visits::model::sign` seals them), factors linked to points, follow-ups past and ahead, and
//! for some clients a sent routine they keep up with. Stored by `demo::store`.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use crate::audit::model::{Action, AuditEntry, Outcome};
use crate::auth::users::User;
use crate::charting::catalog::Muscle;
use crate::charting::factors::{Factor, FactorLink};
use crate::charting::findings::Finding;
use crate::charting::forms::{FactorForm, FindingForm};
use crate::charting::vocab::{FactorCategory, Side};
use crate::clients::forms::ClientForm;
use crate::clients::model::Client;
use crate::demo::words;
use crate::followups::model::{Followup, FollowupFields};
use crate::followups::schedule::{FollowupStatus, ReasonKind};
use crate::homecare::library::Exercise;
use crate::homecare::links::{Checkin, ClientLink, PainReport};
use crate::homecare::model::{ItemFields, Routine, RoutineItem, RoutineStatus};
use crate::time::Clock;
use crate::visits::forms::VisitForm;
use crate::visits::model::{Visit, content_hash};

/// What the seeder draws from: the catalog, and the home-care library by muscle.
pub struct Library {
    pub muscles: Vec<Muscle>,
    pub exercises: Vec<Exercise>,
}

/// A client shaped on purpose (the benchmark's chart), not drawn at random.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub visits: usize,
    /// Trigger points followed, each assessed in every visit.
    pub points: usize,
    pub factors: usize,
}

/// The chart the benchmark opens: 10 visits, 30 trigger points, 5 factors.
pub const BENCHMARK: Shape = Shape { visits: 10, points: 3, factors: 5 };

/// A signature to record once the visit and its points are stored.
pub struct Seal {
    pub visit_id: String,
    pub signed_by: String,
    pub signed_at: NaiveDateTime,
    pub hash: String,
}

/// A routine that was sent, with the client's link and what they did since.
pub struct SentRoutine {
    pub routine: Routine,
    pub items: Vec<RoutineItem>,
    pub sent_at: NaiveDateTime,
    pub link: ClientLink,
    pub checkins: Vec<Checkin>,
    pub pain: Vec<PainReport>,
}

/// Everything of one client, ready to store.
pub struct Record {
    pub client: Client,
    pub visits: Vec<Visit>,
    pub findings: Vec<Finding>,
    pub seals: Vec<Seal>,
    pub factors: Vec<Factor>,
    pub links: Vec<FactorLink>,
    pub followups: Vec<Followup>,
    pub routine: Option<SentRoutine>,
    pub audit: Vec<AuditEntry>,
}

fn pick<'a>(rng: &mut fastrand::Rng, list: &[&'a str]) -> &'a str {
    list[rng.usize(..list.len())]
}

/// Whole minutes, as stored and sealed on both backends.
fn to_minute(at: NaiveDateTime) -> NaiveDateTime {
    at.with_second(0).and_then(|at| at.with_nanosecond(0)).unwrap_or(at)
}

fn audit(
    at: NaiveDateTime,
    by: &User,
    action: Action,
    object: (&str, &str),
    detail: Option<String>,
) -> AuditEntry {
    AuditEntry {
        id: uuid::Uuid::now_v7().to_string(),
        at,
        actor_id: Some(by.id.clone()),
        actor_label: Some(by.email.clone()),
        action,
        object_type: Some(object.0.to_owned()),
        object_id: Some(object.1.to_owned()),
        ip: None,
        outcome: Outcome::Success,
        detail,
    }
}

/// The client's details, as typed into the client form.
fn details(rng: &mut fastrand::Rng, index: usize, today: NaiveDate) -> ClientForm {
    let (first, last) = (pick(rng, words::FIRST_NAMES), pick(rng, words::LAST_NAMES));
    let mailbox: String = format!("{first}.{last}.{index}").to_lowercase().replace(' ', "");
    let born = today - Duration::days(365 * i64::from(rng.u16(18..80)) + i64::from(rng.u16(0..365)));
    ClientForm {
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        date_of_birth: born.to_string(),
        email: format!("{mailbox}@example.com"),
        phone: format!("+49 151 {:07}", rng.u32(0..10_000_000)),
        email_consent: rng
            .bool()
            .then(|| "on".to_owned())
            .or_else(|| (rng.u8(..10) < 7).then(|| "on".into())),
        occupation: pick(rng, words::OCCUPATIONS).to_owned(),
        work_setup: if rng.u8(..10) < 7 { pick(rng, words::WORK_SETUPS).to_owned() } else { String::new() },
        medical_history: if rng.u8(..5) == 0 {
            "Whiplash after a car accident years ago".into()
        } else {
            String::new()
        },
        red_flags: if rng.u8(..33) == 0 {
            "On anticoagulants: gentle pressure only".into()
        } else {
            String::new()
        },
        ..ClientForm::default()
    }
}

/// A trigger point assessed at `progress` (0 at the first visit, 1 at the latest): pain falls
/// and the pressure-pain threshold rises as treatment works; a point settles from active to
/// latent.
fn point(rng: &mut fastrand::Rng, muscle: &Muscle, side: Side, progress: f64) -> FindingForm {
    let pain = (8.0 - 5.0 * progress + f64::from(rng.i8(-1..=1))).clamp(0.0, 10.0).round() as i32;
    let ppt = ((2.0 + 2.5 * progress + f64::from(rng.i8(-3..=3)) / 10.0) * 10.0).round() / 10.0;
    let active = pain >= 5;
    let (x, y) = muscle.point(side);
    let yes_or = |test: bool| if test { "yes" } else { "nt" };
    FindingForm {
        muscle_id: muscle.id.clone(),
        side: side.code().to_owned(),
        map_view: muscle.map_view.clone(),
        map_x: format!("{x:.1}"),
        map_y: format!("{y:.1}"),
        classification: if active { "active" } else { "latent" }.to_owned(),
        taut_band: "yes".into(),
        hypersensitive_spot: "yes".into(),
        referred_sensation: yes_or(active).into(),
        pain_recognition: yes_or(active).into(),
        twitch_response: yes_or(rng.u8(..4) == 0).into(),
        pain_nrs: pain.to_string(),
        ppt_value: format!("{ppt:.1}"),
        ppt_unit: "kg_cm2".into(),
        referral_quality: if active { "ache" } else { "" }.to_owned(),
        ..FindingForm::default()
    }
}

/// One client of `therapist`, the `index`-th of the practice, drawn from `rng` (or shaped).
pub fn build(
    rng: &mut fastrand::Rng,
    index: usize,
    therapist: &User,
    shape: Option<Shape>,
    library: &Library,
    clock: &Clock,
) -> Record {
    let today = clock.today();
    let visit_count = shape.map_or_else(|| 1 + rng.usize(..19), |s| s.visits);
    let followed = shape.map_or_else(|| 1 + rng.usize(..2), |s| s.points);

    // Visits, newest first in time: the latest within six weeks, each earlier one 1-3 weeks before.
    let mut day = today - Duration::days(rng.i64(0..42));
    let mut days = Vec::with_capacity(visit_count);
    for _ in 0..visit_count {
        days.push(day);
        day -= Duration::days(rng.i64(7..22));
    }
    days.reverse();
    let created_at = clock.to_utc(days[0] - Duration::days(rng.i64(0..14)), NaiveTime::from_hms_opt(9, 0, 0));
    let form = details(rng, index, today);
    let fields = form.validate(today).unwrap_or_else(|errors| unreachable_form("client", &errors));
    let mut client = Client::new(&therapist.id, fields, to_minute(created_at));
    let complaint = pick(rng, words::COMPLAINTS);
    let mut points: Vec<(&Muscle, Side)> = Vec::with_capacity(followed);
    while points.len() < followed {
        let muscle = &library.muscles[rng.usize(..library.muscles.len())];
        if !points.iter().any(|(m, _)| m.id == muscle.id) {
            points.push((muscle, if rng.bool() { Side::Left } else { Side::Right }));
        }
    }

    let mut record = Record {
        audit: vec![audit(client.created_at, therapist, Action::ClientCreate, ("client", &client.id), None)],
        client: client.clone(),
        visits: Vec::with_capacity(visit_count),
        findings: Vec::new(),
        seals: Vec::new(),
        factors: Vec::new(),
        links: Vec::new(),
        followups: Vec::new(),
        routine: None,
    };
    for (n, day) in days.iter().enumerate() {
        let progress = if visit_count > 1 { n as f64 / (visit_count - 1) as f64 } else { 0.0 };
        let hour = 8 + rng.u32(0..10);
        let mut assessed = Vec::with_capacity(points.len());
        for (muscle, side) in &points {
            // A shaped chart has every point in every visit; others, most of them.
            if shape.is_some() || rng.u8(..10) < 8 {
                assessed.push(point(rng, muscle, *side, progress));
            }
        }
        let worst = assessed.iter().filter_map(|p| p.pain_nrs.parse::<i32>().ok()).max().unwrap_or(4);
        let note = VisitForm {
            started_at: format!("{day}T{hour:02}:{:02}", 15 * rng.u32(0..4)),
            duration_minutes: ["30", "45", "60", "60", "90"][rng.usize(..5)].to_owned(),
            subjective: format!("{complaint}. Pain {worst}/10 this week."),
            objective: pick(rng, words::OBJECTIVES).to_owned(),
            assessment: pick(rng, words::ASSESSMENTS).to_owned(),
            plan: pick(rng, words::PLANS).to_owned(),
            techniques: vec!["ischemic_compression".into(), "stretching".into()],
            pain_before: worst.to_string(),
            pain_after: (worst - 2).max(0).to_string(),
            ..VisitForm::default()
        };
        let note = note.validate(clock).unwrap_or_else(|errors| unreachable_form("visit", &errors));
        let started = note.started_at;
        let visit = Visit {
            id: uuid::Uuid::now_v7().to_string(),
            client_id: client.id.clone(),
            therapist_id: therapist.id.clone(),
            signed_at: None,
            signed_by: None,
            content_hash: None,
            created_at: started,
            updated_at: started + Duration::minutes(i64::from(note.duration_minutes)),
            version: 1,
            draft_input: None,
            note,
        };
        let findings: Vec<Finding> = assessed
            .iter()
            .map(|form| Finding {
                id: uuid::Uuid::now_v7().to_string(),
                visit_id: visit.id.clone(),
                client_id: client.id.clone(),
                fields: form.validate().unwrap_or_else(|errors| unreachable_form("trigger point", &errors)),
                created_at: started,
            })
            .collect();
        // Every visit but the latest is signed when it ends.
        if n + 1 < visit_count {
            let signed_at = visit.updated_at + Duration::minutes(5);
            let hash = content_hash(&visit, &findings);
            let detail = Some(format!("sha256 {hash}"));
            record.audit.push(audit(signed_at, therapist, Action::VisitSign, ("visit", &visit.id), detail));
            let signed_by = therapist.id.clone();
            record.seals.push(Seal { visit_id: visit.id.clone(), signed_by, signed_at, hash });
        }
        client.last_visit_at = Some(started);
        record.visits.push(visit);
        record.findings.extend(findings);
    }
    record.client.last_visit_at = client.last_visit_at;

    let latest_points: Vec<String> =
        record.findings.iter().rev().take(followed).map(|f| f.id.clone()).collect();
    add_factors(rng, &mut record, &latest_points, shape, therapist, today);
    add_followups(rng, &mut record, &latest_points, therapist, clock);
    if shape.is_some() || rng.u8(..10) < 3 {
        record.routine = sent_routine(rng, &record, &points, library, therapist, clock);
        if let Some(sent) = &record.routine {
            let object = ("routine", sent.routine.id.as_str());
            record.audit.push(audit(sent.sent_at, therapist, Action::RoutineSend, object, None));
        }
    }
    record
}

/// The forms are filled from our own lists; a refusal is a bug in this module.
fn unreachable_form(what: &str, errors: &crate::error::FieldErrors) -> ! {
    panic!("the demo {what} was refused by its own form: {errors:?}")
}

fn add_factors(
    rng: &mut fastrand::Rng,
    record: &mut Record,
    latest: &[String],
    shape: Option<Shape>,
    therapist: &User,
    today: NaiveDate,
) {
    let count = shape.map_or_else(|| rng.usize(..5), |s| s.factors);
    let first_visit = record.visits.first().map_or(today, |v| v.note.started_at.date());
    for n in 0..count {
        let category = FactorCategory::ALL[(n * 3 + rng.usize(..3)) % FactorCategory::ALL.len()];
        let form = FactorForm {
            category: category.code().to_owned(),
            factor: pick(rng, words::FACTORS).to_owned(),
            source: if rng.bool() { "client" } else { "observed" }.to_owned(),
            identified_on: first_visit.to_string(),
            ..FactorForm::default()
        };
        let fields = form.validate(today).unwrap_or_else(|errors| unreachable_form("factor", &errors));
        let at = record.client.created_at;
        let factor = Factor {
            id: uuid::Uuid::now_v7().to_string(),
            client_id: record.client.id.clone(),
            fields,
            created_by: therapist.id.clone(),
            created_at: at,
            updated_at: at,
        };
        if let Some(point) = latest.get(n % latest.len().max(1)) {
            record.links.push(FactorLink { factor_id: factor.id.clone(), finding_id: point.clone() });
        }
        record.factors.push(factor);
    }
}

/// One open follow-up (overdue, due or ahead), and up to two done ones before it.
fn add_followups(
    rng: &mut fastrand::Rng,
    record: &mut Record,
    latest: &[String],
    therapist: &User,
    clock: &Clock,
) {
    let today = clock.today();
    let appointment = rng.u8(..10) < 6;
    let (kind, finding_id) = match latest.first() {
        Some(point) if !appointment => (ReasonKind::ReassessTrp, Some(point.clone())),
        _ => (ReasonKind::NextTreatment, None),
    };
    let fields = FollowupFields {
        due_date: today + Duration::days(rng.i64(-10..=30)),
        due_time: appointment.then(|| NaiveTime::from_hms_opt(9 + rng.u32(0..8), 0, 0)).flatten(),
        reason_kind: kind.code().to_owned(),
        reason: None,
        finding_id,
        factor_id: None,
        repeat: None,
        remind: kind.reminds_by_default(),
    };
    let series = uuid::Uuid::now_v7().to_string();
    let done = rng.usize(..3);
    for occurrence in 1..=done {
        let weeks_before = 2 * (done + 1 - occurrence) as i64;
        let earlier = FollowupFields {
            due_date: fields.due_date - Duration::weeks(weeks_before),
            finding_id: None,
            ..fields.clone()
        };
        let mut past =
            Followup::open(&record.client.id, &therapist.id, &series, occurrence as i32, &earlier, clock);
        past.status = FollowupStatus::Done;
        past.completed_at = Some(past.due_at);
        record.followups.push(past);
    }
    let open = Followup::open(&record.client.id, &therapist.id, &series, done as i32 + 1, &fields, clock);
    record.followups.push(open);
}

/// A routine of the library's items for the followed muscles, sent after the latest visit, with
/// the days the client ticked since.
fn sent_routine(
    rng: &mut fastrand::Rng,
    record: &Record,
    points: &[(&Muscle, Side)],
    library: &Library,
    therapist: &User,
    clock: &Clock,
) -> Option<SentRoutine> {
    let latest = record.visits.last()?;
    let exercises: Vec<&Exercise> = points
        .iter()
        .filter_map(|(muscle, _)| library.exercises.iter().find(|e| e.muscle_id == muscle.id))
        .collect();
    if exercises.is_empty() {
        return None;
    }
    let sent_at = latest.updated_at + Duration::hours(1);
    let routine = Routine {
        id: uuid::Uuid::now_v7().to_string(),
        client_id: record.client.id.clone(),
        therapist_id: therapist.id.clone(),
        version: 1,
        intro: "Little and often: a few minutes, several times a day.".into(),
        status: RoutineStatus::Draft,
        sent_at: None,
        created_at: latest.updated_at,
        updated_at: latest.updated_at,
    };
    let items: Vec<RoutineItem> = exercises
        .iter()
        .enumerate()
        .map(|(position, exercise)| RoutineItem {
            id: uuid::Uuid::now_v7().to_string(),
            routine_id: routine.id.clone(),
            position: position as i32,
            fields: ItemFields {
                exercise_id: Some(exercise.id.clone()),
                title: exercise.title.clone(),
                instructions: exercise.instructions.clone(),
                seconds: exercise.seconds,
                repetitions: exercise.repetitions,
                times_per_day: exercise.times_per_day,
                notes: None,
            },
        })
        .collect();
    let first_day = clock.day_of(sent_at);
    let mut checkins = Vec::new();
    let mut pain = Vec::new();
    let mut day = first_day;
    while day <= clock.today() {
        let at = clock.to_utc(day, NaiveTime::from_hms_opt(19, 0, 0));
        for item in &items {
            if rng.u8(..10) < 6 {
                checkins.push(Checkin {
                    item_id: item.id.clone(),
                    day,
                    routine_id: routine.id.clone(),
                    created_at: at,
                });
            }
        }
        if rng.u8(..3) == 0 {
            pain.push(PainReport {
                routine_id: routine.id.clone(),
                day,
                pain: rng.i32(1..7),
                created_at: at,
            });
        }
        day += Duration::days(1);
    }
    let link = ClientLink::new(&record.client.id, &routine.id, sent_at);
    Some(SentRoutine { routine, items, sent_at, link, checkins, pain })
}
