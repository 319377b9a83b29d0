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

#[derive(Debug, Clone, Copy)]
pub struct RouteInfo {
    /// Lower-case HTTP method: "get" or "post".
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}
