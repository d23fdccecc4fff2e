//! A portal visitor for HTTP-level tests of the web portal: a cookie jar of its own, no
//! automatic redirects, and the small page helpers the tests read forms with (CSRF token,
//! hidden values, ids after a prefix).

use std::collections::BTreeMap;

use reqwest::StatusCode;

use crate::server::{CAPTCHA_ANSWER, TestServer};

/// What came back: status, body, and where a redirect points.
pub struct Page {
    pub status: StatusCode,
    pub body: String,
    pub location: Option<String>,
}

impl Page {
    /// The CSRF token of the (first) form on this page; panics if there is none.
    pub fn csrf(&self) -> String {
        between(&self.body, "name=\"csrf\" value=\"", "\"")
            .unwrap_or_else(|| panic!("no CSRF token in page: {}", self.body))
            .to_owned()
    }

    /// True when the body contains `text`.
    pub fn has(&self, text: &str) -> bool {
        self.body.contains(text)
    }

    /// Asserts a 303 See Other whose `Location` starts with `to`.
    pub fn see_other(&self, to: &str) {
        assert_eq!(self.status, StatusCode::SEE_OTHER, "{}", self.body);
        let at = self.location.as_deref().unwrap_or_default();
        assert!(at.starts_with(to), "redirected to {at}, expected {to}");
    }

    /// The value of the (first) input named `name`, e.g. a hidden `captcha_id`; panics if
    /// there is none.
    pub fn value_of(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        between(&self.body, &marker, "\"")
            .unwrap_or_else(|| panic!("no {name}: {}", self.body))
            .to_owned()
    }
}

/// Declaration materials as the portal's form posts them (`education[0].school`, …), from
/// the JSON shape of the API (e.g. [`crate::fixtures::materials`]), after the CSRF token.
pub fn materials_form(csrf: &str, m: &serde_json::Value) -> Vec<(String, String)> {
    let mut out = vec![("csrf".to_owned(), csrf.to_owned())];
    let Some(obj) = m.as_object() else {
        return out;
    };
    for (section, v) in obj {
        match v {
            serde_json::Value::Array(rows) => {
                for (i, row) in rows.iter().enumerate() {
                    for (f, x) in row.as_object().into_iter().flatten() {
                        out.push((
                            format!("{section}[{i}].{f}"),
                            x.as_str().unwrap_or_default().to_owned(),
                        ));
                    }
                }
            }
            serde_json::Value::Object(fields) => {
                for (f, x) in fields {
                    out.push((
                        format!("{section}.{f}"),
                        x.as_str().unwrap_or_default().to_owned(),
                    ));
                }
            }
            serde_json::Value::String(s) => out.push((section.clone(), s.clone())),
            _ => {}
        }
    }
    out
}

/// Borrows owned form pairs for [`Visitor::post`].
pub fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

/// The text between the first `before` in `s` and the next `after`.
pub fn between<'a>(s: &'a str, before: &str, after: &str) -> Option<&'a str> {
    let start = s.find(before)? + before.len();
    let end = s[start..].find(after)? + start;
    Some(&s[start..end])
}

/// The 36-character id that appears right after `prefix` in the page.
pub fn id_after(body: &str, prefix: &str) -> String {
    let at = body
        .find(prefix)
        .unwrap_or_else(|| panic!("`{prefix}` not in page: {body}"));
    body[at + prefix.len()..at + prefix.len() + 36].to_owned()
}

/// A visitor with a cookie jar of their own; redirects are not followed.
pub struct Visitor {
    http: reqwest::Client,
    base: String,
    cookies: BTreeMap<String, String>,
}

impl Visitor {
    /// A visitor of `srv` with an empty cookie jar.
    pub fn new(srv: &TestServer) -> Visitor {
        zhicheng_server::sms::install_crypto_provider();
        Visitor {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: srv.base.clone(),
            cookies: BTreeMap::new(),
        }
    }

    /// The cookies held now, by name.
    pub fn cookies(&self) -> &BTreeMap<String, String> {
        &self.cookies
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn finish(&mut self, r: reqwest::RequestBuilder) -> Page {
        let r = if self.cookies.is_empty() {
            r
        } else {
            r.header("cookie", self.cookie_header())
        };
        let resp = r.send().await.unwrap();
        for c in resp.headers().get_all("set-cookie") {
            let c = c.to_str().unwrap();
            let (kv, attrs) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = kv.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
        let status = resp.status();
        let location = resp
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        Page {
            status,
            body: resp.text().await.unwrap(),
            location,
        }
    }

    /// GET `path` (relative to the server's base), sending and keeping cookies.
    pub async fn get(&mut self, path: &str) -> Page {
        let r = self.http.get(format!("{}{path}", self.base));
        self.finish(r).await
    }

    /// GET `path` with the cookies, answered as it came (headers and bytes).
    pub async fn get_raw(&self, path: &str) -> reqwest::Response {
        let mut r = self.http.get(format!("{}{path}", self.base));
        if !self.cookies.is_empty() {
            r = r.header("cookie", self.cookie_header());
        }
        r.send().await.unwrap()
    }

    /// POST `form` url-encoded to `path`, sending and keeping cookies.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let r = self.http.post(format!("{}{path}", self.base)).form(form);
        self.finish(r).await
    }

    /// POST a multipart form to `path`: `fields` as text parts, then one file part (`name`,
    /// `file_name`, `bytes`), sending and keeping cookies.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, &[u8]),
    ) -> Page {
        let boundary = "zc-test-boundary-7f3a";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        let (name, file_name, bytes) = file;
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        self.finish(r).await
    }

    /// POST a `multipart/form-data` body to `path`, sending and keeping cookies.
    pub async fn post_form_data(&mut self, path: &str, form: crate::multipart::FormData) -> Page {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", form.content_type)
            .body(form.body);
        self.finish(r).await
    }

    /// Raw GET keeping cookies, for downloads: status, headers and bytes.
    pub async fn download(
        &mut self,
        path: &str,
    ) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let mut r = self.http.get(format!("{}{path}", self.base));
        if !self.cookies.is_empty() {
            r = r.header("cookie", self.cookie_header());
        }
        let resp = r.send().await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        (status, headers, resp.bytes().await.unwrap().to_vec())
    }

    /// Fetches /login, reads the captcha id and posts the credentials with
    /// [`CAPTCHA_ANSWER`]; returns the answer unchecked.
    pub async fn login(&mut self, login: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        let captcha_id = form.value_of("captcha_id");
        self.post(
            "/login",
            &[
                ("login", login),
                ("password", password),
                ("captcha_id", &captcha_id),
                ("captcha_answer", CAPTCHA_ANSWER),
            ],
        )
        .await
    }

    /// [`Visitor::login`], asserting a 303 to `to` and a `zc_session` cookie.
    pub async fn login_to(&mut self, login: &str, password: &str, to: &str) {
        self.login(login, password).await.see_other(to);
        assert!(
            self.cookies.contains_key("zc_session"),
            "no zc_session cookie after signing in as {login}"
        );
    }
}
