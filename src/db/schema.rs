//! Table definitions shared by both backends (kept in step with `migrations/`).

diesel::table! {
    sites (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        kind -> Text,
        addr -> Text,
        lat -> Double,
        lng -> Double,
        max_devices -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    site_stock (site_id) {
        site_id -> BigInt,
        on_hand -> BigInt,
        stock_at -> Nullable<Timestamp>,
        sales_halted -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        site_id -> Nullable<BigInt>,
        disabled -> Bool,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        first_failed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> BigInt,
        site_id -> Nullable<BigInt>,
        device_id -> Text,
        device_name -> Nullable<Text>,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoke_reason -> Nullable<Text>,
    }
}

diesel::table! {
    sales (id) {
        id -> BigInt,
        site_id -> BigInt,
        client_key -> Text,
        quota_fingerprint -> Text,
        buyer_fingerprint -> Text,
        birth_year -> Integer,
        week_start -> Date,
        quantity -> Integer,
        proxy -> Bool,
        proxy_category -> Nullable<Text>,
        sold_at -> Timestamp,
        recorded_at -> Timestamp,
        user_id -> BigInt,
        session_id -> Text,
        device_id -> Text,
        offline -> Bool,
    }
}

diesel::table! {
    sale_conflicts (id) {
        id -> BigInt,
        site_id -> BigInt,
        sale_id -> BigInt,
        code -> Text,
        sold_at -> Timestamp,
        recorded_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<BigInt>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    sale_voids (sale_id) {
        sale_id -> BigInt,
        reason -> Text,
        client_key -> Text,
        voided_at -> Timestamp,
        user_id -> BigInt,
        session_id -> Text,
        device_id -> Text,
    }
}

diesel::table! {
    stock_ledger (id) {
        id -> BigInt,
        site_id -> BigInt,
        entry -> Text,
        delta -> BigInt,
        on_hand_after -> BigInt,
        sale_id -> Nullable<BigInt>,
        reference -> Nullable<Text>,
        user_id -> Nullable<BigInt>,
        session_id -> Nullable<Text>,
        device_id -> Nullable<Text>,
        occurred_at -> Timestamp,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    weekly_quota (fingerprint, week_start) {
        fingerprint -> Text,
        week_start -> Date,
        bought -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (site_id, client_key) {
        site_id -> BigInt,
        client_key -> Text,
        request_hash -> Text,
        response -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        name -> Text,
        key_hash -> Text,
        per_second -> Integer,
        burst -> Integer,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        action -> Text,
        actor_user_id -> Nullable<BigInt>,
        site_id -> Nullable<BigInt>,
        session_id -> Nullable<Text>,
        detail -> Text,
    }
}

diesel::table! {
    change_log (seq) {
        seq -> BigInt,
        site_id -> BigInt,
        changed_at -> Timestamp,
    }
}

diesel::joinable!(site_stock -> sites (site_id));
diesel::joinable!(users -> sites (site_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(sales -> sites (site_id));
diesel::joinable!(sale_voids -> sales (sale_id));
diesel::joinable!(sale_conflicts -> sales (sale_id));
diesel::joinable!(sale_conflicts -> sites (site_id));
diesel::joinable!(stock_ledger -> sites (site_id));
diesel::joinable!(change_log -> sites (site_id));

diesel::table! {
    key_checks (name) {
        name -> Text,
        check_value -> Text,
        created_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    sites,
    site_stock,
    users,
    sessions,
    sales,
    sale_voids,
    sale_conflicts,
    stock_ledger,
    weekly_quota,
    idempotency_keys,
    api_keys,
    audit_log,
    change_log,
);
