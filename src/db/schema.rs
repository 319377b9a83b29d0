//! The one diesel schema for both backends. Only portable column types appear here
//! (Text, Integer, Bool, Timestamp); both migration folders must produce exactly this shape.

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        display_name -> Text,
        name_key -> Text,
        password_hash -> Text,
        is_admin -> Bool,
        is_therapist -> Bool,
        is_active -> Bool,
        must_change_password -> Bool,
        failed_logins -> Integer,
        last_login_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        ip -> Nullable<Text>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_label -> Nullable<Text>,
        action -> Text,
        object_type -> Nullable<Text>,
        object_id -> Nullable<Text>,
        ip -> Nullable<Text>,
        outcome -> Text,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    clients (id) {
        id -> Text,
        therapist_id -> Text,
        first_name -> Text,
        last_name -> Text,
        preferred_name -> Nullable<Text>,
        date_of_birth -> Nullable<Date>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        email_consent -> Bool,
        email_consent_at -> Nullable<Timestamp>,
        occupation -> Nullable<Text>,
        work_setup -> Nullable<Text>,
        medical_history -> Nullable<Text>,
        medications -> Nullable<Text>,
        red_flags -> Nullable<Text>,
        emergency_contact -> Nullable<Text>,
        notes -> Nullable<Text>,
        archived -> Bool,
        search_text -> Text,
        sort_name -> Text,
        last_visit_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    muscles (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        region -> Text,
        map_view -> Text,
        map_x -> Double,
        map_y -> Double,
        trp_sites -> Text,
        referral -> Text,
        palpation -> Text,
        shipped -> Bool,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    muscle_zones (muscle_id, zone) {
        muscle_id -> Text,
        zone -> Text,
    }
}

diesel::table! {
    visits (id) {
        id -> Text,
        client_id -> Text,
        therapist_id -> Text,
        started_at -> Timestamp,
        duration_minutes -> Integer,
        subjective -> Text,
        objective -> Text,
        assessment -> Text,
        plan -> Text,
        techniques -> Text,
        techniques_other -> Nullable<Text>,
        pain_before -> Nullable<Integer>,
        pain_after -> Nullable<Integer>,
        notes -> Nullable<Text>,
        signed_at -> Nullable<Timestamp>,
        signed_by -> Nullable<Text>,
        content_hash -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        draft_input -> Nullable<Text>,
    }
}

diesel::table! {
    findings (id) {
        id -> Text,
        visit_id -> Text,
        client_id -> Text,
        muscle_id -> Text,
        side -> Text,
        site_label -> Nullable<Text>,
        map_view -> Nullable<Text>,
        map_x -> Nullable<Double>,
        map_y -> Nullable<Double>,
        classification -> Text,
        taut_band -> Text,
        hypersensitive_spot -> Text,
        referred_sensation -> Text,
        pain_recognition -> Text,
        twitch_response -> Text,
        jump_sign -> Text,
        restricted_rom -> Text,
        weakness -> Text,
        pain_nrs -> Nullable<Integer>,
        ppt_value -> Nullable<Double>,
        ppt_unit -> Nullable<Text>,
        ppt_kpa -> Nullable<Double>,
        referral_quality -> Nullable<Text>,
        referral_zone -> Nullable<Text>,
        notes -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    addenda (id) {
        id -> Text,
        visit_id -> Text,
        author_id -> Text,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    factors (id) {
        id -> Text,
        client_id -> Text,
        category -> Text,
        factor -> Text,
        source -> Text,
        status -> Text,
        action -> Nullable<Text>,
        identified_on -> Date,
        reviewed_on -> Nullable<Date>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    factor_findings (factor_id, finding_id) {
        factor_id -> Text,
        finding_id -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        kind -> Text,
        client_id -> Nullable<Text>,
        created_by -> Nullable<Text>,
        to_address -> Text,
        to_name -> Nullable<Text>,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        message_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    exercises (id) {
        id -> Text,
        code -> Text,
        muscle_id -> Text,
        kind -> Text,
        tool -> Text,
        title -> Text,
        instructions -> Text,
        seconds -> Integer,
        repetitions -> Integer,
        times_per_day -> Integer,
        rest_days_note -> Text,
        shipped -> Bool,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    routines (id) {
        id -> Text,
        client_id -> Text,
        therapist_id -> Text,
        version -> Integer,
        intro -> Text,
        status -> Text,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    routine_items (id) {
        id -> Text,
        routine_id -> Text,
        position -> Integer,
        exercise_id -> Nullable<Text>,
        title -> Text,
        instructions -> Text,
        seconds -> Integer,
        repetitions -> Integer,
        times_per_day -> Integer,
        notes -> Nullable<Text>,
    }
}

diesel::table! {
    client_links (id) {
        id -> Text,
        client_id -> Text,
        routine_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    checkins (item_id, day) {
        item_id -> Text,
        day -> Date,
        routine_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    pain_reports (routine_id, day) {
        routine_id -> Text,
        day -> Date,
        pain -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    followups (id) {
        id -> Text,
        client_id -> Text,
        therapist_id -> Text,
        series_id -> Text,
        occurrence -> Integer,
        due_date -> Date,
        due_time -> Nullable<Text>,
        due_at -> Timestamp,
        reason_kind -> Text,
        reason -> Nullable<Text>,
        finding_id -> Nullable<Text>,
        factor_id -> Nullable<Text>,
        status -> Text,
        repeat_every -> Nullable<Integer>,
        repeat_unit -> Nullable<Text>,
        repeat_until -> Nullable<Date>,
        repeat_count -> Nullable<Integer>,
        reminder_sent_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        remind -> Bool,
    }
}

diesel::table! {
    calendar_feeds (id) {
        id -> Text,
        therapist_id -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(followups -> clients (client_id));
diesel::joinable!(exercises -> muscles (muscle_id));
diesel::joinable!(routine_items -> routines (routine_id));
diesel::joinable!(routines -> clients (client_id));
diesel::joinable!(client_links -> routines (routine_id));
diesel::joinable!(clients -> users (therapist_id));
diesel::joinable!(muscle_zones -> muscles (muscle_id));
diesel::joinable!(visits -> clients (client_id));
diesel::joinable!(findings -> visits (visit_id));
diesel::joinable!(findings -> muscles (muscle_id));
diesel::joinable!(addenda -> visits (visit_id));
diesel::joinable!(factors -> clients (client_id));
diesel::joinable!(factor_findings -> factors (factor_id));
diesel::joinable!(factor_findings -> findings (finding_id));
diesel::allow_tables_to_appear_in_same_query!(
    users,
    sessions,
    audit_log,
    clients,
    muscles,
    muscle_zones,
    visits,
    findings,
    addenda,
    factors,
    factor_findings,
    outbox,
    exercises,
    routines,
    routine_items,
    client_links,
    checkins,
    pain_reports,
    followups,
    calendar_feeds,
);
