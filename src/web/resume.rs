//! Nothing typed is lost when a session ends. A form that arrives from one of our own pages
//! after its session ended (or from a page opened before the user signed in again) is not
//! carried out; it is kept in the answer itself: the sign-in page, or a page that offers to send
//! it again, carries it in hidden fields, and signing in sends it on with a fresh token. Nothing
//! of it is stored on the server while nobody is signed in.

use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use askama::Template;

use crate::auth::csrf;
use crate::web::flash::see_other;
use crate::web::page::{Ctx, render};

/// How long a path or kept form may be: longer ones are not kept (and never followed).
const MAX_PATH: usize = 2048;

/// A local path (with its query) that is safe to send a browser to after sign-in: it must
/// start with one slash and stay on this site, so `next` can never become an open redirect.
pub fn local_path(candidate: &str) -> Option<String> {
    let candidate = candidate.trim();
    let safe = candidate.len() <= MAX_PATH
        && candidate.starts_with('/')
        && !candidate.starts_with("//")
        && !candidate.contains('\\')
        && !candidate.chars().any(char::is_control);
    if !safe {
        return None;
    }
    let base = url::Url::parse("http://myochart.invalid/").ok()?;
    let joined = base.join(candidate).ok()?;
    if joined.origin() != base.origin() {
        return None;
    }
    let path = match joined.query() {
        Some(query) => format!("{}?{query}", joined.path()),
        None => joined.path().to_owned(),
    };
    // Back to the sign-in page would only ask again.
    (!matches!(joined.path(), "/login" | "/logout")).then_some(path)
}

/// A form kept for after sign-in: where it was going and what it carried (without its old
/// token), URL-encoded as the browser sent it, so repeated and ordered fields survive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeptForm {
    pub to: String,
    pub body: String,
}

impl KeptForm {
    /// The form a browser sent to `to`, if `to` is a local path.
    pub fn new(to: &str, body: &[u8]) -> Option<KeptForm> {
        let to = local_path(to)?;
        let fields = url::form_urlencoded::parse(body).filter(|(key, _)| key != csrf::FIELD);
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        Some(KeptForm { to, body })
    }

    /// A kept form as it came back in the sign-in form's hidden fields.
    pub fn from_fields(to: &str, body: &str) -> Option<KeptForm> {
        KeptForm::new(to, body.as_bytes()).filter(|kept| !kept.to.is_empty())
    }

    /// The fields, in order, for hidden inputs.
    pub fn fields(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.body.as_bytes()).into_owned().collect()
    }
}

/// The sign-in page: plain, after the session ended (`ended`), with a page to return to
/// (`next`) or a form to send on (`kept`).
#[derive(Template)]
#[template(path = "accounts/login.html")]
pub struct SignInPage {
    pub ctx: Ctx,
    pub email: String,
    pub error: Option<String>,
    pub next: String,
    pub kept: Option<KeptForm>,
    pub ended: bool,
}

impl SignInPage {
    pub fn new(ctx: Ctx) -> SignInPage {
        SignInPage { ctx, email: String::new(), error: None, next: String::new(), kept: None, ended: false }
    }
}

/// A kept form, sent on to where it was going with the current session's token: at once after
/// signing in again (`automatic`, by script; a button without it), or when the user confirms,
/// for a page opened before they last signed in.
#[derive(Template)]
#[template(path = "accounts/send_kept.html")]
pub struct SendKeptPage {
    pub ctx: Ctx,
    pub kept: KeptForm,
    /// The token of the session the form is sent in.
    pub token: String,
    pub automatic: bool,
}

/// The answer to a form from one of our own pages whose token no longer matches: its session
/// ended, or the user has signed in again since the page was opened. The form is not carried
/// out; it is kept in the answer. `None` when there is nothing to keep (the caller refuses it).
pub fn answer_stale_form(req: &HttpRequest, body: &[u8]) -> Option<HttpResponse> {
    let ctx = Ctx::extract(req).into_inner().ok()?;
    let signed_in = ctx.user.is_some();
    if wants_json(req) {
        return Some(stale_json(ctx, signed_in));
    }
    let answer = match req.path() {
        "/logout" if !signed_in => see_other("/login"),
        "/login" if signed_in => see_other("/"),
        "/login" => {
            let typed: std::collections::HashMap<String, String> =
                url::form_urlencoded::parse(body).into_owned().collect();
            let field = |name: &str| typed.get(name).cloned().unwrap_or_default();
            let page = SignInPage {
                email: field("email"),
                error: Some("The sign-in form had expired. Please enter your password again.".into()),
                next: local_path(&field("next")).unwrap_or_default(),
                kept: KeptForm::from_fields(&field("kept_to"), &field("kept_body")),
                ..SignInPage::new(ctx)
            };
            render(&page, StatusCode::UNPROCESSABLE_ENTITY).ok()?
        }
        _ => {
            let to = req.uri().path_and_query().map_or(req.path(), |p| p.as_str());
            let kept = KeptForm::new(to, body)?;
            if signed_in {
                let token = ctx.csrf_token.clone();
                render(&SendKeptPage { ctx, kept, token, automatic: false }, StatusCode::CONFLICT).ok()?
            } else {
                let page = SignInPage { ended: true, kept: Some(kept), ..SignInPage::new(ctx) };
                render(&page, StatusCode::UNAUTHORIZED).ok()?
            }
        }
    };
    Some(answer)
}

/// Scripts (autosave, keep-alive) ask for JSON.
fn wants_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"))
}

/// For a script: signed out (401), or signed in again with a newer token the page can use
/// from now on (409). Only our own pages can read it: the request was same-origin.
fn stale_json(ctx: Ctx, signed_in: bool) -> HttpResponse {
    if signed_in {
        HttpResponse::Conflict()
            .json(serde_json::json!({ "status": "stale_token", "csrf_token": ctx.csrf_token }))
    } else {
        HttpResponse::Unauthorized().json(serde_json::json!({ "status": "signed_out" }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path("/visits/abc?x=1").as_deref(), Some("/visits/abc?x=1"));
        assert_eq!(local_path("/").as_deref(), Some("/"));
        for refused in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "\\\\evil.example",
            "evil.example",
            "javascript:alert(1)",
            "/login",
            "/logout",
            "/a\nb",
            "",
        ] {
            assert_eq!(local_path(refused), None, "{refused:?}");
        }
        assert_eq!(local_path("/%2F%2Fevil.example").as_deref(), Some("/%2F%2Fevil.example"), "stays a path");
        assert_eq!(local_path(&format!("/{}", "a".repeat(MAX_PATH))), None);
    }

    #[test]
    fn a_kept_form_drops_its_old_token_and_keeps_everything_else() {
        let kept = KeptForm::new("/visits/v1", b"subjective=Neck+%26+shoulder&csrf_token=old&item=1&item=2")
            .unwrap();
        assert_eq!(kept.to, "/visits/v1");
        assert_eq!(
            kept.fields(),
            [
                ("subjective".to_owned(), "Neck & shoulder".to_owned()),
                ("item".to_owned(), "1".to_owned()),
                ("item".to_owned(), "2".to_owned())
            ]
        );
        assert_eq!(KeptForm::new("https://evil.example/", b"a=1"), None);
    }
}
