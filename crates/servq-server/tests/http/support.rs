//! What every HTTP test shares: [`TestApp`] (a real server on a fresh SQLite or PostgreSQL
//! database), signed-in [`Session`]s with their CSRF token and JSON helpers, and the data sets
//! several areas import. The prelude re-exports what the area files use.

pub use std::collections::HashMap;
use std::net::SocketAddr;

pub use reqwest::{Client, StatusCode};
use reqwest::{Method, redirect::Policy};
pub use serde_json::{Value, json};
pub use servq_core::{Contact, ContactRecord, Permission, Role};
pub use servq_server::auth;
use servq_server::{AppState, router};
pub use servq_store::{Actor, NewUser, Store, testing::TestDatabase};

/// A running server over a real database (zero2prod's `spawn_app`): its base URL and store.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The database behind it.
    pub store: Store,
    /// Keeps a fresh database alive for the test (dropped with the app).
    _database: Option<TestDatabase>,
}

impl TestApp {
    /// Serves the app over `store` on a free port.
    pub async fn spawn(store: Store) -> TestApp {
        TestApp::spawn_with(AppState::new(store, false)).await
    }

    /// A server with this state (a jobs heartbeat, say).
    pub async fn spawn_with(state: AppState) -> TestApp {
        let store = state.store.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = router(state);
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        TestApp {
            base: format!("http://{addr}"),
            store,
            _database: None,
        }
    }

    /// A server on each of a fresh SQLite and a fresh PostgreSQL database.
    pub async fn on_both_databases() -> Vec<TestApp> {
        let mut apps = Vec::new();
        for database in TestDatabase::both().await {
            let store = Store::open(&database.url).await.unwrap();
            let mut app = TestApp::spawn(store).await;
            app._database = Some(database);
            apps.push(app);
        }
        apps
    }

    /// Adds the user named after `role` (password [`PASSWORD`]; an agent is agent a1).
    pub async fn add_user(&self, role: Role) {
        add_user(&self.store, role).await;
    }

    /// Adds the user of `role` and signs them in.
    pub async fn sign_in_as(&self, role: Role) -> Session {
        self.add_user(role).await;
        let (client, csrf) = sign_in(&self.base, role.name()).await;
        Session {
            client,
            csrf,
            base: self.base.clone(),
        }
    }
}

/// A signed-in browser: cookies, the session's CSRF token, and JSON calls that send it.
pub struct Session {
    /// The cookie-keeping client.
    pub client: Client,
    /// Sent as `X-CSRF-Token` with state-changing calls.
    pub csrf: String,
    /// The server's base URL.
    pub base: String,
}

impl Session {
    /// `GET path`: the status and the JSON answer (`null` when the body is not JSON).
    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None).await
    }

    /// `GET path`: the status and the text (a page).
    pub async fn get_text(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }

    /// `POST path` with a JSON body and the CSRF token.
    pub async fn post_json(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, Some(body)).await
    }

    /// `PUT path` with a JSON body and the CSRF token.
    pub async fn put_json(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.send(Method::PUT, path, Some(body)).await
    }

    /// `PATCH path` with a JSON body and the CSRF token.
    pub async fn patch_json(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.send(Method::PATCH, path, Some(body)).await
    }

    /// `DELETE path` with the CSRF token.
    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::DELETE, path, None).await
    }

    async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

pub const PASSWORD: &str = "long enough password";

pub const ROSTER: &str = "agent_id,name,team\na1,Li,north\na2,Wang,south\n";

pub fn upload(kind: &str, file_name: &str, text: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("kind", kind.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(text.as_bytes().to_vec())
                .file_name(file_name.to_owned()),
        )
}

/// Polls an import until it ends.
pub async fn finished_import(client: &Client, base: &str, id: &str) -> Value {
    for _ in 0..500 {
        let job: Value = client
            .get(format!("{base}/api/v1/imports/{id}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if job["finished"] == json!(true) {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("import {id} did not end");
}

/// A server over `store` on a free port; its base URL.
pub async fn start(store: Store) -> String {
    TestApp::spawn(store).await.base
}

pub async fn add_user(store: &Store, role: Role) {
    store
        .create_user(
            &NewUser {
                user_id: format!("id-{}", role.name()),
                username: role.name().to_owned(),
                password_hash: auth::hash_password(PASSWORD).unwrap(),
                role,
                agent_id: (role == Role::Agent).then(|| "a1".to_owned()),
            },
            &Actor {
                user_id: None,
                name: "test".into(),
            },
            1,
        )
        .await
        .unwrap();
}

pub fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// A signed-in client and its CSRF token.
pub async fn sign_in(base: &str, username: &str) -> (Client, String) {
    let client = client();
    let response = client
        .post(format!("{base}/login"))
        .form(&[("username", username), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "sign-in of {username}"
    );
    let me: Value = client
        .get(format!("{base}/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (client, me["csrf_token"].as_str().unwrap().to_owned())
}

/// Three contacts: one of agent a1, two of agent a2.
pub async fn import_two_agents(store: &Store) {
    let rows = [
        (
            "c1",
            "card",
            "a1",
            "2026-11-02T09:00:00Z",
            "2026-11-02T09:00:10Z",
            "2026-11-02T09:05:00Z",
            "290",
        ),
        (
            "c2",
            "card",
            "a2",
            "2026-11-02T09:01:00Z",
            "2026-11-02T09:01:30Z",
            "2026-11-02T09:06:00Z",
            "270",
        ),
        (
            "c3",
            "loan",
            "a2",
            "2026-11-02T09:02:00Z",
            "",
            "2026-11-02T09:03:00Z",
            "",
        ),
    ];
    let mut import = store.begin_contact_import().await.unwrap();
    for (line, (id, queue, agent, offered, answered, ended, talk)) in rows.into_iter().enumerate() {
        let record = ContactRecord {
            contact_id: id,
            channel: "phone",
            direction: "inbound",
            queue,
            customer_id: "",
            agent_id: agent,
            offered_at: offered,
            answered_at: answered,
            ended_at: ended,
            talk_seconds: talk,
            hold_seconds: "",
            wrap_seconds: "",
            transferred: "",
            category: "",
            resolved: "",
            recording_url: "",
        };
        let contact = Contact::parse(&record, &jiff::tz::TimeZone::UTC).unwrap();
        import.push(line as u64 + 2, contact).await.unwrap();
    }
    import.commit("contacts.csv").await.unwrap();
}
