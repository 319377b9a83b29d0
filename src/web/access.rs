//! What the route table declares for each route, so tests (and later the OpenAPI document and
//! the attack suite) can walk every route and check it against its declaration.

/// Who may use a route. Enforced by the handler's extractors; declared in the table so tests
/// can check every route against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user.
    SignedIn,
    /// Signed-in users with the admin role.
    Admin,
    /// Signed-in users with the therapist role; records are further limited to their own clients.
    Therapist,
}

/// A route whose page shows health information (or who is a client): every response that shows
/// it is written to the audit log as `action` on the `object` its `{id}` names. The audit area
/// records it; the table only declares it, so no page can forget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reads {
    /// The audit action's stored code.
    pub action: &'static str,
    /// The kind of record the route's `{id}` names; `None` for pages about no single record.
    pub object: Option<&'static str>,
}

#[derive(Debug, Clone, Copy)]
pub struct RouteInfo {
    /// Lower-case HTTP method: "get" or "post".
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    pub reads: Option<Reads>,
}

/// The route table, registered as app data so middleware can look up what a route declares.
#[derive(Debug, Clone, Copy)]
pub struct RouteTable(pub &'static [RouteInfo]);

impl RouteTable {
    /// The route registered for `method` (GET covers HEAD) on the path pattern `pattern`.
    pub fn find(&self, method: &actix_web::http::Method, pattern: &str) -> Option<&'static RouteInfo> {
        let method = if method == actix_web::http::Method::HEAD { "get" } else { method.as_str() };
        self.0.iter().find(|route| route.path == pattern && route.method.eq_ignore_ascii_case(method))
    }
}
