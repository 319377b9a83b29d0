//! A small browser stand-in over real HTTP: keeps cookies, remembers the CSRF token of the last
//! page it saw, and sends Origin like a browser does on POST. Never follows redirects.

use std::collections::BTreeMap;
use std::sync::Mutex;

use actix_web::cookie::Cookie;
use actix_web::http::header::HeaderMap;

pub struct Client {
    base: String,
    http: awc::Client,
    jar: Mutex<BTreeMap<String, String>>,
    csrf: Mutex<Option<String>>,
}

/// A response, read in full.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
    pub set_cookies: Vec<Cookie<'static>>,
}

impl Page {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The Location of a redirect.
    pub fn location(&self) -> Option<&str> {
        self.header("location")
    }

    pub fn assert_redirect(&self, to: &str) {
        assert_eq!(self.status, 303, "expected a redirect to {to}, got {} with {}", self.status, self.body);
        assert_eq!(self.location(), Some(to));
    }

    /// The redirect a visitor without a session gets from `method path`: to sign in, and back to
    /// the page afterwards when it was a page to look at.
    pub fn assert_sign_in_first(&self, method: &str, path: &str) {
        let expected = if method == "get" && path != "/" {
            let next: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
            format!("/login?next={next}")
        } else {
            "/login".to_owned()
        };
        self.assert_redirect(&expected);
    }

    pub fn set_cookie(&self, name: &str) -> Option<&Cookie<'static>> {
        self.set_cookies.iter().find(|c| c.name() == name)
    }

    pub fn csrf_token(&self) -> Option<String> {
        let start = self.body.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
        let end = self.body[start..].find('"')? + start;
        Some(self.body[start..end].to_owned())
    }

    pub fn contains(&self, text: &str) -> bool {
        self.body.contains(text)
    }

    /// The value of the first input named `name`, unescaped.
    pub fn input_value(&self, name: &str) -> String {
        let marker = format!(r#"name="{name}""#);
        let at = self.body.find(&marker).unwrap_or_else(|| panic!("no input {name} in {}", self.body));
        attribute(&self.body[at..], "value")
    }

    /// The hidden fields (name, value) of the form posting to `action`, in order, unescaped.
    pub fn hidden_fields(&self, action: &str) -> Vec<(String, String)> {
        let start = self.body.find(&format!(r#"action="{action}""#)).unwrap_or_else(|| {
            panic!("no form posting to {action} in {}", self.body);
        });
        let form = &self.body[start..];
        let form = &form[..form.find("</form>").unwrap()];
        form.split("<input type=\"hidden\" ")
            .skip(1)
            .map(|input| (attribute(input, "name"), attribute(input, "value")))
            .collect()
    }
}

/// The unescaped value of `name="…"` at the start of an element's attributes.
fn attribute(element: &str, name: &str) -> String {
    let marker = format!(r#"{name}=""#);
    let start = element.find(&marker).unwrap() + marker.len();
    let raw = &element[start..start + element[start..].find('"').unwrap()];
    raw.replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// Extra knobs for a POST that a test wants to forge.
#[derive(Debug, Default, Clone)]
pub struct Forge {
    /// Use this token instead of the remembered one (None: remembered; Some(""): none at all).
    pub csrf: Option<String>,
    /// Replace the Origin header (Some("") to send none).
    pub origin: Option<String>,
    pub headers: Vec<(String, String)>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let http =
            awc::Client::builder().disable_redirects().timeout(std::time::Duration::from_secs(30)).finish();
        Client { base: base.to_owned(), http, jar: Mutex::new(BTreeMap::new()), csrf: Mutex::new(None) }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.jar.lock().unwrap().get(name).cloned()
    }

    pub fn set_cookie(&self, name: &str, value: &str) {
        self.jar.lock().unwrap().insert(name.to_owned(), value.to_owned());
    }

    pub fn remembered_csrf(&self) -> Option<String> {
        self.csrf.lock().unwrap().clone()
    }

    fn cookie_header(&self) -> String {
        self.jar.lock().unwrap().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn finish<S>(&self, response: Result<awc::ClientResponse<S>, awc::error::SendRequestError>) -> Page
    where
        S: futures_util::Stream<Item = Result<actix_web::web::Bytes, actix_web::error::PayloadError>> + Unpin,
    {
        let mut response = response.expect("request reaches the test server");
        let body = response.body().limit(16 * 1024 * 1024).await.expect("response body");
        let headers = response.headers().clone();
        let set_cookies: Vec<Cookie<'static>> = headers
            .get_all("set-cookie")
            .filter_map(|v| Cookie::parse(v.to_str().ok()?.to_owned()).ok())
            .collect();
        {
            let mut jar = self.jar.lock().unwrap();
            for cookie in &set_cookies {
                let expired = cookie.max_age().is_some_and(|age| age.is_zero()) || cookie.value().is_empty();
                if expired {
                    jar.remove(cookie.name());
                } else {
                    jar.insert(cookie.name().to_owned(), cookie.value().to_owned());
                }
            }
        }
        let page = Page {
            status: response.status().as_u16(),
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            set_cookies,
        };
        if let Some(token) = page.csrf_token() {
            *self.csrf.lock().unwrap() = Some(token);
        }
        page
    }

    pub async fn get(&self, path: &str) -> Page {
        let request =
            self.http.get(format!("{}{path}", self.base)).insert_header(("Cookie", self.cookie_header()));
        self.finish(request.send().await).await
    }

    pub async fn head(&self, path: &str) -> Page {
        let request =
            self.http.head(format!("{}{path}", self.base)).insert_header(("Cookie", self.cookie_header()));
        self.finish(request.send().await).await
    }

    /// A GET with a Host header of the caller's choosing (as after DNS rebinding).
    pub async fn get_with_host(&self, path: &str, host: &str) -> Page {
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .insert_header(("Cookie", self.cookie_header()))
            .insert_header(("Host", host.to_owned()));
        self.finish(request.send().await).await
    }

    /// A form POST as a browser on this site sends it: Origin and the remembered CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.post_forged(path, fields, Forge::default()).await
    }

    pub async fn post_forged(&self, path: &str, fields: &[(&str, &str)], forge: Forge) -> Page {
        let token = match forge.csrf {
            Some(token) => token,
            None => self.remembered_csrf().unwrap_or_default(),
        };
        let mut form: Vec<(String, String)> =
            fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        if !token.is_empty() {
            form.push(("csrf_token".into(), token));
        }
        let mut request =
            self.http.post(format!("{}{path}", self.base)).insert_header(("Cookie", self.cookie_header()));
        match forge.origin.as_deref() {
            None => request = request.insert_header(("Origin", self.base.clone())),
            Some("") => {}
            Some(origin) => request = request.insert_header(("Origin", origin.to_owned())),
        }
        for (name, value) in forge.headers {
            request = request.insert_header((name, value));
        }
        self.finish(request.send_form(&form).await).await
    }

    /// A POST with a raw body (for size limits).
    pub async fn post_body(&self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .insert_header(("Cookie", self.cookie_header()))
            .insert_header(("Origin", self.base.clone()))
            .insert_header(("Content-Type", content_type.to_owned()));
        self.finish(request.send_body(body).await).await
    }

    /// Signs in through the login form; panics unless it succeeds.
    pub async fn sign_in(&self, email: &str, password: &str) -> Page {
        self.get("/login").await;
        let page = self.post("/login", &[("email", email), ("password", password)]).await;
        assert_eq!(page.status, 303, "sign-in as {email} failed: {}", page.body);
        // Pick up the token bound to the new session.
        self.get("/account/password").await;
        page
    }
}
